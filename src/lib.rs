//! The QuantumState browser app (Leptos, client-side rendered, built with Trunk).
//!
//! Views only render and dispatch; the app's state and actions are in
//! [`controller`], data access over `quantumstate-core` in [`api`], chart
//! drawing in [`charts`].
#![cfg(target_arch = "wasm32")]

pub mod api;
pub mod charts;
pub mod controller;
pub mod views;

/// Mount the app on `<body>` and mark the moment it is usable.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(views::App);
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        // Read by the benchmarks: navigation start → first screen usable.
        let _ = perf.mark("app-interactive");
    }
}
