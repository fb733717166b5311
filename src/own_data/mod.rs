//! "Your data": files the user chooses or drops on the page are read off the
//! main thread by a Web Worker ([`worker`]) with core's one reader, gathered
//! into a fresh embedded store ([`collect`]), and analysed by the agents in
//! advisory mode (the controller's `own` actions). Nothing leaves the browser.

pub mod collect;
pub mod worker;

use crate::api::AppStore;
use leptos::prelude::*;
use quantumstate_core::MemoryStore;
use std::rc::Rc;

/// What reading one file gave, as the panel shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileReport {
    pub name: String,
    pub size: f64,
    /// `metrics`, `logs` or `incidents`, once the first line is read.
    pub kind: Option<String>,
    /// `NDJSON` or `CSV`.
    pub form: String,
    pub good: usize,
    pub bad_count: usize,
    /// The first bad lines: (line number, reason).
    pub bad: Vec<(usize, String)>,
    /// The reader's message for a file that is not in the model.
    pub refused: Option<String>,
    pub done: bool,
}

impl FileReport {
    /// "metrics.ndjson: 1,204 metrics read (NDJSON), 3 bad lines skipped".
    pub fn summary(&self) -> String {
        if let Some(why) = &self.refused {
            return format!("{}: refused: {why}", self.name);
        }
        if !self.done {
            return format!("{}: reading…", self.name);
        }
        let kind = self.kind.as_deref().unwrap_or("documents");
        let bad = match self.bad_count {
            0 => "no bad lines".to_string(),
            1 => "1 bad line skipped".to_string(),
            n => format!("{n} bad lines skipped"),
        };
        format!("{}: {} {kind} read ({}), {bad}", self.name, self.good, self.form)
    }
}

/// The panel's state: the files being read, progress, and the store they fill.
#[derive(Clone, Copy)]
pub struct OwnData {
    pub files: RwSignal<Vec<FileReport>>,
    /// Bytes read of all files, while reading.
    pub progress: RwSignal<Option<(f64, f64)>>,
    /// Why nothing was analysed (refused, cancelled, failed).
    pub message: RwSignal<Option<String>>,
    /// Bytes of linear memory the worker held when it finished (the benchmarks read it).
    pub worker_memory: RwSignal<Option<f64>>,
    pub(crate) timing: StoredValue<Option<web_sys::Performance>, LocalStorage>,
    pub(crate) job: StoredValue<Option<worker::Job>, LocalStorage>,
    pub(crate) collected: StoredValue<Option<(collect::Collector, Rc<MemoryStore>)>, LocalStorage>,
    /// The store the simulation ran on, while the story shows the user's data.
    pub(crate) simulation_store: StoredValue<Option<AppStore>, LocalStorage>,
}

impl OwnData {
    pub fn new() -> Self {
        OwnData {
            files: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            message: RwSignal::new(None),
            worker_memory: RwSignal::new(None),
            timing: StoredValue::new_local(None),
            job: StoredValue::new_local(None),
            collected: StoredValue::new_local(None),
            simulation_store: StoredValue::new_local(None),
        }
    }

    /// Whether files are being read now.
    pub fn reading(&self) -> bool {
        self.progress.get().is_some()
    }
}

impl Default for OwnData {
    fn default() -> Self {
        Self::new()
    }
}
