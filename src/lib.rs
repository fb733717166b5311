//! The QuantumState browser app (Leptos, client-side rendered, built with Trunk).
//!
//! Views only render and dispatch; the app's state and actions are in
//! [`controller`], data access over `quantumstate-core` in [`api`], what the
//! views show (headline, chart data, tallies) in [`view_model`], chart drawing
//! in [`charts`], and page-level focus, scrolling and title in [`ui`].
//!
//! A cold load fetches this module after index.html's first screen already
//! answers clicks (`src/bin/shell.rs`); what the user did there before it
//! arrived is taken over through [`handoff`].
#![cfg(target_arch = "wasm32")]

pub mod api;
pub mod charts;
pub mod controller;
pub mod handoff;
pub mod own_data;
pub mod shell_contract;
pub mod ui;
pub mod view_model;
pub mod views;

/// Mount the app on `<body>`, once the browser has shown index.html's static
/// first screen (see [`after_first_paint`]).
pub fn start() {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        // The wasm is compiled and instantiated: the benchmarks' load breakdown.
        let _ = perf.mark("app-start");
    }
    // Panic messages in the console while developing; a release build leaves
    // the hook out (it costs ~1 KB gzip) and a panic shows as `unreachable`.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    after_first_paint(0, mount);
}

/// The app waits at least this many frames for the static first screen to be
/// shown, and at most [`FIRST_PAINT_MAX_FRAMES`].
const FIRST_PAINT_MIN_FRAMES: u32 = 3;
const FIRST_PAINT_MAX_FRAMES: u32 = 10;

/// Run `f` once the static first screen has been presented: the
/// `first-contentful-paint` entry exists and [`FIRST_PAINT_MIN_FRAMES`] frames
/// have begun since the page was parsed (the first of them draws the whole
/// screen, which an earlier first paint may have shown only the top of; the
/// later ones leave time for the browser to learn it reached the display),
/// checked every frame; at once in a hidden tab, which paints nothing.
///
/// On a fast connection the wasm is ready before the static first screen has
/// reached the display; mounting then would replace it before the browser had
/// shown it, and the user would see nothing until the app's own first frame.
fn after_first_paint(frames: u32, f: fn()) {
    let Some(window) = web_sys::window() else { return f() };
    let painted = window.performance().is_some_and(|p| {
        p.get_entries_by_name_with_entry_type("first-contentful-paint", "paint")
            .length()
            > 0
    });
    let hidden = window.document().is_some_and(|d| d.hidden());
    if hidden || (painted && frames >= FIRST_PAINT_MIN_FRAMES) || frames >= FIRST_PAINT_MAX_FRAMES {
        f()
    } else {
        leptos::prelude::request_animation_frame(move || after_first_paint(frames + 1, f));
    }
}

fn mount() {
    let shell = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(shell_contract::SHELL_ID));
    // What the user did there, read before the app's first run.
    if let Some(shell) = &shell {
        handoff::keep(handoff::read(shell));
    }
    leptos::mount::mount_to_body(views::App);
    // index.html's static first screen, replaced in the same frame the app paints.
    if let Some(shell) = shell {
        shell.remove();
    }
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("app-mounted");
    }
}

/// Set the `app-ready` performance mark, once: called when the opening run
/// has settled and the app's buttons are enabled again (read by the
/// benchmarks as navigation start → the whole app usable; the first screen
/// answers clicks earlier, at the shell's `app-interactive`). Later calls do
/// nothing.
pub fn mark_ready() {
    thread_local!(static MARKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if MARKED.with(|m| m.replace(true)) {
        return;
    }
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("app-ready");
    }
}

/// Bytes of linear memory the app holds (it only grows): read by the
/// benchmarks through `window.quantumstateApp`, which the shell sets once
/// this module has loaded (`src/bin/shell.rs`).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}
