//! The QuantumState browser app (Leptos, client-side rendered).
#![cfg(target_arch = "wasm32")]
