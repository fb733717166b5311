//! The controller's "Your data" actions: read the user's files in the worker,
//! gather them into a fresh embedded store, and run the agents over it in
//! advisory mode with the same story views as a scenario; the same advisory
//! run over what an Elasticsearch cluster already holds; the post-mortem.

use super::{Controller, RunView};
use crate::api::{self, AppStore};
use crate::own_data::collect::{services, Collector};
use crate::own_data::worker::{Job, Msg};
use crate::own_data::FileReport;
use crate::view_model::{self, OwnRun, RunState};
use chrono::TimeDelta;
use leptos::prelude::*;
use leptos::task::spawn_local;
use quantumstate_core::agents::{Mode, Pipeline};
use quantumstate_core::store::DataSpan;
use quantumstate_core::{MemoryStore, Store, TimeWindow};
use std::rc::Rc;

/// One batch from the worker into the collector and the store.
type Gather<'a> = &'a mut dyn FnMut(&mut Collector, &Rc<MemoryStore>) -> Result<(), String>;

impl Controller {
    /// Read `files` (the file input or a drop) off the main thread; the
    /// analysis starts once every file is read.
    pub fn read_own_files(&self, files: Vec<web_sys::File>) {
        if files.is_empty() || self.busy.get_untracked().is_some() {
            return;
        }
        let c = *self;
        self.start_or_ask("an analysis of your data", move || c.read_own_files_now(files));
    }

    fn read_own_files_now(&self, files: Vec<web_sys::File>) {
        let own = self.own;
        own.job.set_value(None);
        own.message.set(None);
        own.files.set(
            files
                .iter()
                .map(|f| FileReport {
                    name: f.name(),
                    size: f.size(),
                    ..FileReport::default()
                })
                .collect(),
        );
        let total = files.iter().map(|f| f.size()).sum();
        own.progress.set(Some((0.0, total)));
        // The other actions wait (Cancel and the rest of the page do not).
        self.busy.set(Some("Reading your files…".into()));
        own.collected
            .set_value(Some((Collector::default(), Rc::new(MemoryStore::new()))));
        let c = *self;
        let timing = api::timing_start(api::MEASURE_OWN_READ);
        own.timing.set_value(timing);
        match Job::start(files, move |msg| c.on_worker(msg)) {
            Ok(job) => own.job.set_value(Some(job)),
            Err(e) => c.stop_reading(format!("Could not start reading the files: {e}")),
        }
    }

    /// Stop reading: nothing is analysed.
    pub fn cancel_reading(&self) {
        if self.own.progress.get_untracked().is_some() {
            self.stop_reading("Cancelled: the files were not analysed.".into());
        }
    }

    fn stop_reading(&self, message: String) {
        let own = self.own;
        self.busy.set(None);
        own.progress.set(None);
        own.collected.set_value(None);
        own.message.set(Some(message));
        // Terminated outside the worker's own message handler.
        spawn_local(async move { own.job.set_value(None) });
    }

    fn on_worker(self, msg: Msg) {
        let own = self.own;
        let write = |f: Gather<'_>| {
            let failed = own
                .collected
                .try_update_value(|c| c.as_mut().map(|(col, store)| f(col, store)))
                .flatten();
            if let Some(Err(e)) = failed {
                self.stop_reading(format!("The file reader sent something unreadable: {e}"));
            }
        };
        match msg {
            Msg::Progress { done, total } => {
                if own.progress.get_untracked().is_some() {
                    own.progress.set(Some((done, total)));
                }
            }
            Msg::File { index, kind } => own.files.update(|f| {
                if let Some(f) = f.get_mut(index) {
                    f.kind = Some(kind);
                }
            }),
            Msg::Metrics { keys, t, v, s } => write(&mut |col, store| {
                let docs = col.metrics(&keys, &t, &v, &s)?;
                let store = store.clone();
                spawn_local(async move {
                    let _ = store.write_metrics(&docs).await;
                });
                Ok(())
            }),
            Msg::Docs { kind, json } => write(&mut |col, store| {
                let store = store.clone();
                if kind == "incidents" {
                    let docs = col.incidents(&json)?;
                    spawn_local(async move {
                        let _ = store.write_incidents(&docs).await;
                    });
                } else {
                    let docs = col.logs(&json)?;
                    spawn_local(async move {
                        let _ = store.write_logs(&docs).await;
                    });
                }
                Ok(())
            }),
            Msg::Read {
                index,
                form,
                good,
                bad_count,
                bad,
                refused,
            } => own.files.update(|f| {
                if let Some(f) = f.get_mut(index) {
                    *f = FileReport {
                        form,
                        good,
                        bad_count,
                        bad,
                        refused,
                        done: true,
                        ..std::mem::take(f)
                    };
                }
            }),
            Msg::Failed(why) => self.stop_reading(format!("The file reader failed: {why}")),
            Msg::Finished { memory } => {
                api::timing_end(
                    api::MEASURE_OWN_READ,
                    own.timing.try_update_value(Option::take).flatten(),
                );
                own.worker_memory.set(Some(memory));
                self.busy.set(None);
                own.progress.set(None);
                spawn_local(async move { own.job.set_value(None) });
                let Some((collector, store)) = own.collected.try_update_value(Option::take).flatten() else {
                    return;
                };
                let names: Vec<String> = own.files.with_untracked(|f| f.iter().map(|f| f.name.clone()).collect());
                match collector.summary(names.join(", ")) {
                    Ok(summary) => {
                        let store = AppStore::Memory(store);
                        self.use_own_store(store.clone());
                        spawn_local(async move { self.run_advisory(store, summary).await });
                    }
                    Err(why) => own.message.set(Some(why)),
                }
            }
        }
    }

    /// Show the user's data from `store` (the simulation's store is kept to come back to).
    fn use_own_store(&self, store: AppStore) {
        if self.own.simulation_store.with_value(Option::is_none) {
            self.own.simulation_store.set_value(Some(self.store()));
        }
        self.store.set_value(store);
        self.counts.set(None); // another store: the audit panel reads it afresh
    }

    /// Back to the simulation's store (a scenario starts, or the store changes).
    pub(super) fn leave_own_data(&self) {
        if let Some(store) = self.own.simulation_store.try_update_value(Option::take).flatten() {
            self.store.set_value(store);
            self.counts.set(None); // another store: the audit panel reads it afresh
        }
    }

    /// The agents in advisory mode over `store`, told like a scenario.
    async fn run_advisory(self, store: AppStore, own: OwnRun) {
        self.notice.set(None);
        self.share.set(None);
        self.health.set(Vec::new());
        self.chart.set(None);
        self.new_story(RunState {
            mode: Mode::Advisory,
            own: Some(own),
            ..RunState::default()
        });
        self.busy
            .set(Some("Analysing your data: Cassandra is scanning every series…".into()));
        crate::ui::bring_story_into_view();
        let timing = api::timing_start(api::MEASURE_OWN_ANALYSIS);
        let pipeline = Pipeline::advisory(&store, self.agents());
        let now = match pipeline.latest_data_time().await {
            Ok(Some(now)) => now,
            Ok(None) => return self.fail("Your data has no metric timestamps to analyse.".into()),
            Err(e) => return self.fail(format!("Could not read your data: {e}")),
        };
        let mut view = RunView {
            c: self,
            started_ms: 0.0,
        };
        if let Err(e) = pipeline.run_with(now, &mut view).await {
            return self.fail(format!("The agents could not read your data: {e}"));
        }
        api::timing_end(api::MEASURE_OWN_ANALYSIS, timing);
        self.settle().await;
        self.reveal().await;
    }

    /// Elasticsearch mode: the agents over what the indices hold now, in
    /// advisory mode; no scenario is written.
    pub fn analyse_indices(&self) {
        if self.is_busy() {
            return;
        }
        let c = *self;
        self.start_or_ask("an analysis of the indices", move || c.analyse_indices_now());
    }

    fn analyse_indices_now(&self) {
        let c = *self;
        spawn_local(async move {
            c.leave_own_data();
            let store = c.store();
            c.busy.set(Some("Reading what the indices hold…".into()));
            match indices_summary(&store).await {
                Ok(Some(own)) => c.run_advisory(store, own).await,
                Ok(None) => c.fail("The metrics index holds no documents: there is nothing to analyse.".into()),
                Err(e) => c.fail(format!("Could not read the indices: {e}")),
            }
        });
    }

    /// Copy the finished run's post-mortem (core's renderer) to the clipboard.
    pub fn copy_postmortem(&self) {
        let Some(markdown) = view_model::postmortem_markdown(&self.run.get_untracked()) else {
            return;
        };
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&markdown);
        }
        self.notice
            .set(Some("Post-mortem copied (Markdown): paste it into a ticket.".into()));
    }
}

/// What an Elasticsearch cluster holds, as an own-data run: its span, its
/// services, and the reading interval of its first series (median spacing).
async fn indices_summary(store: &AppStore) -> Result<Option<OwnRun>, quantumstate_core::StoreError> {
    let Some((start, end)): Option<DataSpan> = store.metric_time_range().await? else {
        return Ok(None);
    };
    let window = TimeWindow::new(start, end + TimeDelta::seconds(1));
    let keys = store.series_keys(window).await?;
    let mut interval_secs = 60;
    if let Some(key) = keys.first() {
        let recent = TimeWindow::ending_at(end + TimeDelta::seconds(1), TimeDelta::hours(1));
        let points = store.metric_series(key, recent, TimeDelta::seconds(1)).await?;
        let mut gaps: Vec<i64> = points.windows(2).map(|w| (w[1].at - w[0].at).num_seconds()).collect();
        gaps.sort_unstable();
        if let Some(g) = gaps.get(gaps.len() / 2) {
            interval_secs = (*g).max(1);
        }
    }
    let counts = store.counts().await?;
    Ok(Some(OwnRun {
        source: "the Elasticsearch indices as they are".into(),
        metrics: counts.metrics as usize,
        logs: counts.logs as usize,
        start,
        end,
        interval_secs,
        services: services(keys.iter().map(|k| (k.service.as_str(), k.metric_type.as_str()))),
    }))
}
