//! Page-level presentation the controller asks for: bringing the story or
//! the approval gate into view, focus and the document title. Respects
//! `prefers-reduced-motion`.

use crate::controller::Controller;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition};

/// The page title while nothing needs the user.
pub const TITLE: &str = "QuantumState — incident-response flight simulator";
/// The page title while Surgeon waits (seen in the tab strip).
pub const TITLE_WAITING: &str = "Approval needed · QuantumState";

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

fn element(id: &str) -> Option<HtmlElement> {
    document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// Whether the user asked the system for less motion.
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

fn viewport_height() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0)
}

/// Whether `el` lies wholly inside the viewport (vertically).
fn in_view(el: &HtmlElement) -> bool {
    let r = el.get_bounding_client_rect();
    r.top() >= 0.0 && r.bottom() <= viewport_height()
}

fn scroll_to(el: &HtmlElement, block: ScrollLogicalPosition) {
    let options = ScrollIntoViewOptions::new();
    options.set_block(block);
    options.set_behavior(if prefers_reduced_motion() {
        ScrollBehavior::Instant
    } else {
        ScrollBehavior::Smooth
    });
    el.scroll_into_view_with_scroll_into_view_options(&options);
}

fn focus_quietly(el: &HtmlElement) {
    let options = web_sys::FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = el.focus_with_options(&options);
}

/// After a scenario click: when the headline or the chart is off screen (a
/// phone, a short window), scroll the story to the top and move focus to its
/// headline, so the next Tab continues there. On a large screen, nothing moves.
pub fn bring_story_into_view() {
    let (Some(story), Some(chart)) = (element("story"), element("metric-chart")) else {
        return;
    };
    let headline = element("headline");
    if headline.as_ref().is_some_and(in_view) && in_view(&chart) {
        return;
    }
    scroll_to(&story, ScrollLogicalPosition::Start);
    if let Some(h) = headline {
        focus_quietly(&h);
    }
}

/// Surgeon waits: bring Approve into view, focus it, and say so in the title.
pub fn ask_for_approval() {
    if let Some(approve) = element("approve") {
        if !in_view(&approve) {
            scroll_to(&approve, ScrollLogicalPosition::Center);
        }
        focus_quietly(&approve);
    }
    if let Some(d) = document() {
        d.set_title(TITLE_WAITING);
    }
}

/// The page title returns (nothing waits for the user any more).
pub fn restore_title() {
    if let Some(d) = document() {
        d.set_title(TITLE);
    }
}

/// The approval was answered: the title returns, focus goes to the headline
/// (the buttons just left the page).
pub fn approval_answered() {
    restore_title();
    if let Some(h) = element("headline") {
        focus_quietly(&h);
    }
}

/// Where the theme choice is kept (the first screen writes it too).
pub use crate::shell_contract::STORAGE_THEME;

/// The browser's local storage, if it allows it.
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn remember(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn recall(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// The theme index.html chose before the first paint (stored choice, else the
/// system's), or the same rule again if the page was opened without it.
pub fn initial_theme_is_dark() -> bool {
    let chosen = document()
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-theme"));
    match chosen.or_else(|| recall(STORAGE_THEME)).as_deref() {
        Some("light") => false,
        Some("dark") => true,
        _ => !web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: light)").ok().flatten())
            .is_some_and(|m| m.matches()),
    }
}

/// Set the page's theme attribute (the CSS reads it).
pub fn apply_theme(dark: bool) {
    if let Some(root) = document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
}

impl Controller {
    pub fn toggle_theme(&self) {
        self.dark.update(|d| *d = !*d);
        let dark = self.dark.get_untracked();
        remember(STORAGE_THEME, if dark { "dark" } else { "light" });
        apply_theme(dark);
    }

    /// The link that replays the last sequence, under the page's own path.
    pub fn share_url(&self) -> Option<String> {
        let link = self.share.get()?;
        let location = web_sys::window()?.location();
        let origin = location.origin().ok()?;
        let path = location.pathname().ok()?;
        Some(format!("{origin}{path}?{}", link.to_query()))
    }

    pub fn copy_share(&self) {
        let Some(url) = self.share_url() else { return };
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&url);
            let _ = w
                .history()
                .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)));
        }
        self.notice.set(Some(format!("Link copied: {url}")));
    }
}
