//! # quantumstate-server
//!
//! The native side of QuantumState: [`serve`] builds the HTTP app (static app
//! files with SPA fallback), and the `quantumstate` binary wraps it in a CLI.
//! The router is built apart from `main` so tests call it without a socket.

pub mod cli;
pub mod listen;
pub mod proxy;
pub mod serve;
pub mod statics;
pub mod transport;
