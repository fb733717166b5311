//! The one question the app asks: starting another run while Surgeon waits
//! for approval abandons that incident. A modal `<dialog>` (the page behind it
//! is inert; Tab cycles between its two answers), Escape and "Keep waiting"
//! cancel, and focus returns to what had it.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn focused() -> Option<web_sys::HtmlElement> {
    web_sys::window()?.document()?.active_element()?.dyn_into().ok()
}

/// Asks whether to abandon the incident waiting for approval and run `asking`
/// (what would start, in words) instead; `on_answer(true)` abandons.
#[component]
pub fn AbandonDialog(
    /// What the click would start ("Memory leak"); `None`: no question.
    asking: Signal<Option<String>>,
    /// The answer: true to abandon and start, false to keep waiting.
    on_answer: Callback<bool>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        let Some(d) = dialog.get() else { return };
        match asking.get() {
            Some(_) if !d.open() => {
                before.set_value(focused());
                let _ = d.show_modal();
            }
            None if d.open() => d.close(),
            _ => {}
        }
    });
    let answer = move |abandon: bool| {
        // Closed first: the page behind a modal dialog cannot take focus.
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
        on_answer.run(abandon);
        if !abandon {
            if let Some(el) = before.get_value() {
                let _ = el.focus();
            }
        }
    };
    let what = move || asking.get().unwrap_or_default();
    view! {
        <dialog node_ref=dialog id="abandon-dialog" class="dialog" role="alertdialog" aria-modal="true"
            aria-labelledby="abandon-title" aria-describedby="abandon-text"
            // Escape: the browser would close it; the answer closes it instead.
            on:cancel=move |ev: web_sys::Event| { ev.prevent_default(); answer(false) }
            // Tab cycles between the two answers (a modal dialog would let it out to the browser).
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() != "Tab" {
                    return;
                }
                let id = focused().map(|e| e.id()).unwrap_or_default();
                let next = match (id.as_str(), ev.shift_key()) {
                    ("abandon", false) => "keep-waiting",
                    ("keep-waiting", true) => "abandon",
                    _ => return,
                };
                ev.prevent_default();
                if let Some(el) = dialog.get_untracked().and_then(|d| d.query_selector(&format!("#{next}")).ok().flatten()) {
                    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                        let _ = el.focus();
                    }
                }
            }>
            <h2 id="abandon-title">"Surgeon is waiting for your approval"</h2>
            <p id="abandon-text">
                {move || format!("Running {} now abandons the incident that waits: it stays unresolved, and nothing is executed for it.", what())}
            </p>
            <div class="dialog-buttons">
                <button id="keep-waiting" class="ghost" autofocus on:click=move |_| answer(false)>"Keep waiting"</button>
                <button id="abandon" class="danger" on:click=move |_| answer(true)>{move || format!("Abandon and run {}", what())}</button>
            </div>
        </dialog>
    }
}
