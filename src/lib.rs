//! The QuantumState browser app (Leptos, client-side rendered, built with Trunk).
//!
//! Views only render and dispatch; the data work lives in [`api`] over
//! `quantumstate-core`, and chart drawing in [`charts`].
#![cfg(target_arch = "wasm32")]

pub mod api;
pub mod charts;
mod views;

use leptos::prelude::*;

/// Mount the app on `<body>` and mark the moment it is usable.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(views::App);
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        // Read by the benchmarks: navigation start → first screen usable.
        let _ = perf.mark("app-interactive");
    }
}

/// Shared app state, provided as context.
#[derive(Clone, Copy)]
pub struct AppState {
    pub store: StoredValue<std::rc::Rc<quantumstate_core::MemoryStore>, LocalStorage>,
}
