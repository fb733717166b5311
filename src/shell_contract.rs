//! What index.html's live first screen (`src/bin/shell.rs`) leaves for the app
//! when the app takes over (`src/handoff.rs`): both sides read these names.
//!
//! The shell queues the user's last action in [`QUEUED`] on `#shell` (one of
//! the scenario names, [`RUN_ALL`], [`RESET`] or [`OWN_FILES`]); its knobs are
//! `<input>`s and `<select>`s named [`KNOBS`], whose value differs from their
//! `defaultValue` once the user has changed them; chosen or dropped files are
//! in the file input named [`FILES`].

/// The id of index.html's static first screen.
pub const SHELL_ID: &str = "shell";
/// The attribute (on `#shell`) with the action queued before the app arrived.
pub const QUEUED: &str = "data-queued";
/// The attribute a queueing button carries, with the action it queues.
pub const QUEUE: &str = "data-queue";
/// Queued actions other than a scenario's name.
pub const RUN_ALL: &str = "run-all";
pub const RESET: &str = "reset";
pub const OWN_FILES: &str = "own-files";
/// The knobs' `name`s, in the order the panel shows them.
pub const KNOBS: [&str; 5] = ["seed", "intensity", "target", "threshold", "speed"];
/// The file input's `name`.
pub const FILES: &str = "files";
/// Where the theme choice is kept (index.html's inline script reads it before the first paint).
pub const STORAGE_THEME: &str = "quantumstate.theme";
