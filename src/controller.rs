//! The app's state and the actions the views dispatch: load a scenario, listen
//! to the pipeline's events (timing each agent), wait for approval, refresh the
//! panels, switch stores, share. Signals in, signals out; no markup here. The
//! pipeline in core is the only driver of the agents; the controller listens.

mod ask;
mod own;
mod page_load;
mod panels;

pub use panels::AUDIT_ROWS;

use crate::api::{self, AppStore};
use crate::view_model::{AuditRow, ChartData, RunState, ServiceHealth, Tally};
pub use ask::Start;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use quantumstate_core::agents::{narrate, AgentConfig, Event, IncidentReport, Listener, Pipeline, ReportStatus};
use quantumstate_core::elastic::SetupReport;
use quantumstate_core::share::ShareLink;
use quantumstate_core::store::IndexCounts;
use quantumstate_core::{Agent, IncidentDoc, Scenario, Service, Store, StoreError};

/// Runs are at least this far apart in simulated time: longer than one
/// incident's story (onset to Guardian's verdict), so records never collide
/// and the audit trail stays in order.
pub const SEQUENCE_STEP_MINUTES: i64 = 30;
/// Live replay: one simulated minute per tick, a tick every 250 ms real time.
pub const REPLAY_STEP_MINUTES: i64 = 1;
pub const REPLAY_TICK_MS: u32 = 250;
/// Staged reveal: one agent card lands every this many milliseconds (four
/// cards: 1.6 s). Presentation only: the agents have finished by then.
pub const REVEAL_STEP_MS: u32 = 400;
/// Run all: how long each finished incident stays on screen before the next.
pub const SEQUENCE_HOLD_MS: u32 = 900;
/// Seed used when the user has not chosen one.
pub const DEFAULT_SEED: u64 = 42;
const STORAGE_MODE: &str = "quantumstate.mode";
const STORAGE_PROXY: &str = "quantumstate.proxy";

/// The knobs of the next run.
#[derive(Clone, Copy)]
pub struct Knobs {
    pub seed: RwSignal<u64>,
    pub intensity: RwSignal<f64>,
    pub target: RwSignal<Option<Service>>,
    pub threshold: RwSignal<f64>,
    /// Live replay instead of instant backdated injection.
    pub live: RwSignal<bool>,
    /// Tell a finished run card by card (false: all at once).
    pub staged: RwSignal<bool>,
}

impl Knobs {
    /// The speed select's value: `staged`, `instant` or `live`.
    pub fn set_speed(&self, speed: &str) {
        self.live.set(speed == "live");
        self.staged.set(speed == "staged");
    }
}

/// Everything the views read, and the actions they call.
#[derive(Clone, Copy)]
pub struct Controller {
    store: StoredValue<AppStore, LocalStorage>,
    pub mode: RwSignal<&'static str>,
    pub proxy_url: RwSignal<String>,
    pub run: RwSignal<RunState>,
    /// What is happening now, for the progress line.
    pub busy: RwSignal<Option<String>>,
    pub progress: RwSignal<Option<(usize, usize)>>,
    pub error: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<String>>,
    pub chart: RwSignal<Option<ChartData>>,
    pub audit: RwSignal<Vec<AuditRow>>,
    pub history: RwSignal<Vec<IncidentDoc>>,
    pub health: RwSignal<Vec<ServiceHealth>>,
    /// The services as they stood when Cassandra looked (the incident at its worst).
    pub health_peak: RwSignal<Vec<ServiceHealth>>,
    /// Agent cards on screen in the staged reveal.
    pub revealed: RwSignal<usize>,
    reveal_gen: StoredValue<u64>,
    pub counts: RwSignal<Option<IndexCounts>>,
    pub tally: RwSignal<Tally>,
    pub knobs: Knobs,
    /// Scenarios still to run in this sequence (after an approval pause).
    queue: RwSignal<Vec<(Scenario, DateTime<Utc>)>>,
    pub share: RwSignal<Option<ShareLink>>,
    pub dark: RwSignal<bool>,
    /// Anchor of the last scenario started: a new run starts after it.
    last_anchor: RwSignal<Option<DateTime<Utc>>>,
    /// The run that waits for a human, to resume.
    pending: RwSignal<Option<IncidentReport>>,
    /// The user's own files ("Your data").
    pub own: crate::own_data::OwnData,
    /// A start the user asked for while Surgeon waits: the dialog asks first.
    pub asking: RwSignal<Option<Start>>,
    /// What `Start::Other` runs once the user agrees.
    then: StoredValue<Option<Box<dyn FnOnce()>>, LocalStorage>,
}

/// The controller as the pipeline's listener: busy text, per-agent timing, panels.
struct RunView {
    c: Controller,
    started_ms: f64,
}

impl Listener for RunView {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Started(agent) => {
                self.started_ms = now_ms();
                self.c.busy.set(Some(narrate::working(agent).to_string()));
            }
            Event::Finished {
                agent,
                decision,
                report,
            } => {
                let i = Agent::ALL.iter().position(|a| *a == agent).unwrap_or(0);
                let elapsed = now_ms() - self.started_ms;
                self.c.run.update(|r| {
                    r.elapsed_ms[i] = Some(elapsed);
                    r.mode = report.mode;
                    r.decisions[i] = Some(decision.clone());
                    r.scan = Some(report.scan.clone());
                    r.investigation = report.investigation.clone();
                    r.plan = report.plan.clone();
                    r.remediation = report.remediation.clone();
                    r.verification = report.verification.clone();
                });
            }
            Event::AwaitingApproval(report) | Event::Done(report) => {
                self.c.run.update(|r| r.status = Some(report.status));
            }
            Event::Resumed { .. } => {}
        }
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl Controller {
    pub fn new() -> Self {
        let dark = crate::ui::initial_theme_is_dark();
        let proxy = crate::ui::recall(STORAGE_PROXY).unwrap_or_else(|| "/es".to_string());
        let store = if crate::ui::recall(STORAGE_MODE).as_deref() == Some("elastic") {
            AppStore::elastic(&proxy)
        } else {
            AppStore::embedded()
        };
        let c = Controller {
            mode: RwSignal::new(store.label()),
            store: StoredValue::new_local(store),
            proxy_url: RwSignal::new(proxy),
            run: RwSignal::new(RunState::default()),
            busy: RwSignal::new(None),
            progress: RwSignal::new(None),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            chart: RwSignal::new(None),
            audit: RwSignal::new(Vec::new()),
            history: RwSignal::new(Vec::new()),
            health: RwSignal::new(Vec::new()),
            health_peak: RwSignal::new(Vec::new()),
            revealed: RwSignal::new(0),
            reveal_gen: StoredValue::new(0),
            counts: RwSignal::new(None),
            tally: RwSignal::new(Tally::default()),
            knobs: Knobs {
                seed: RwSignal::new(DEFAULT_SEED),
                intensity: RwSignal::new(1.0),
                target: RwSignal::new(None),
                threshold: RwSignal::new(0.8),
                live: RwSignal::new(false),
                staged: RwSignal::new(true),
            },
            queue: RwSignal::new(Vec::new()),
            share: RwSignal::new(None),
            dark: RwSignal::new(dark),
            last_anchor: RwSignal::new(None),
            pending: RwSignal::new(None),
            own: crate::own_data::OwnData::new(),
            asking: RwSignal::new(None),
            then: StoredValue::new_local(None),
        };
        crate::ui::apply_theme(dark);
        c
    }

    fn store(&self) -> AppStore {
        self.store.get_value()
    }

    pub fn is_busy(&self) -> bool {
        self.busy.get().is_some()
    }

    /// Now (to the minute), but never before the last run plus a step: every
    /// incident is a distinct moment of the simulated world, so two clicks in
    /// the same minute are two incidents, not one remediated twice.
    fn fresh_anchor(&self) -> DateTime<Utc> {
        let now = Utc::now();
        let now = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
        match self.last_anchor.get_untracked() {
            Some(last) => now.max(last + TimeDelta::minutes(SEQUENCE_STEP_MINUTES)),
            None => now,
        }
    }

    /// Run one scenario now (a click).
    pub fn run_now(&self, scenario: Scenario) {
        if self.may_start(Start::One(scenario)) {
            self.begin(Start::One(scenario));
        }
    }

    /// Run every incident scenario in turn.
    pub fn run_all(&self) {
        if self.may_start(Start::All) {
            self.begin(Start::All);
        }
    }

    fn begin(&self, start: Start) {
        self.notice.set(None);
        crate::ui::bring_story_into_view();
        let scenarios = match start {
            Start::One(s) => vec![s],
            Start::All => vec![
                Scenario::MemoryLeak,
                Scenario::DeploymentRollback,
                Scenario::ErrorSpike,
                Scenario::RedHerring,
                Scenario::Healthy,
            ],
            Start::Other(_) => return,
        };
        self.run_sequence(scenarios, self.fresh_anchor());
    }

    fn run_sequence(&self, scenarios: Vec<Scenario>, anchor: DateTime<Utc>) {
        if self.busy.get_untracked().is_some() {
            return;
        }
        self.leave_own_data();
        let mut link_config = quantumstate_core::SimConfig::new(scenarios[0], self.knobs.seed.get_untracked(), anchor);
        link_config.intensity = self.knobs.intensity.get_untracked();
        link_config.target = self.knobs.target.get_untracked();
        let mut link = ShareLink::new(scenarios.clone(), &link_config, self.knobs.threshold.get_untracked());
        link.live = self.knobs.live.get_untracked();
        self.share.set(Some(link));
        let queue: Vec<(Scenario, DateTime<Utc>)> = scenarios
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, anchor + TimeDelta::minutes(SEQUENCE_STEP_MINUTES * i as i64)))
            .collect();
        self.last_anchor.set(queue.last().map(|(_, a)| *a));
        self.queue.set(queue);
        let c = *self;
        spawn_local(async move { c.drain_queue().await });
    }

    async fn drain_queue(self) {
        loop {
            let next = self
                .queue
                .try_update(|q| if q.is_empty() { None } else { Some(q.remove(0)) })
                .flatten();
            let Some((scenario, anchor)) = next else { break };
            self.run_one(scenario, anchor).await;
            if self.error.get_untracked().is_some() {
                break;
            }
            let more = !self.queue.with_untracked(Vec::is_empty);
            if more {
                // A sequence tells each incident in turn; the buttons wait.
                self.busy.set(Some(format!(
                    "Run all: {} finished, next one shortly…",
                    scenario.title()
                )));
            }
            self.reveal().await;
            if self.run.get_untracked().status == Some(ReportStatus::AwaitingApproval) {
                self.busy.set(None);
                // Once the gate is drawn (the next task).
                gloo_timers::future::TimeoutFuture::new(0).await;
                crate::ui::ask_for_approval();
                break;
            }
            if more {
                gloo_timers::future::TimeoutFuture::new(if self.knobs.staged.get_untracked() {
                    SEQUENCE_HOLD_MS
                } else {
                    0
                })
                .await;
                self.busy.set(None);
            }
        }
    }

    /// Tell the finished run card by card (see [`REVEAL_STEP_MS`]), or at once
    /// when staging is off; a newer run or [`Controller::skip_reveal`] stops it.
    async fn reveal(self) {
        let target = self.run.get_untracked().cards();
        let generation = self.reveal_gen.get_value() + 1;
        self.reveal_gen.set_value(generation);
        if !self.knobs.staged.get_untracked() {
            self.revealed.set(target);
            return;
        }
        let mut shown = self.revealed.get_untracked().min(target);
        while shown < target {
            gloo_timers::future::TimeoutFuture::new(REVEAL_STEP_MS).await;
            if self.reveal_gen.get_value() != generation {
                return;
            }
            shown += 1;
            self.revealed.set(shown);
        }
    }

    /// Show the rest of the story now.
    pub fn skip_reveal(&self) {
        self.reveal_gen.update_value(|g| *g += 1);
        self.revealed.set(self.run.get_untracked().cards());
    }

    /// Whether the staged reveal is still telling the run.
    pub fn revealing(&self) -> bool {
        let run = self.run.get();
        run.status.is_some() && self.revealed.get() < run.cards()
    }

    /// A new run's story begins: no error, no reveal under way, no peaks kept
    /// from the last run, and `run` as the state to tell.
    fn new_story(&self, run: RunState) {
        self.error.set(None);
        self.reveal_gen.update_value(|g| *g += 1);
        self.revealed.set(0);
        self.health_peak.set(Vec::new());
        self.run.set(run);
    }

    fn agents(&self) -> AgentConfig {
        AgentConfig {
            approval_threshold: self.knobs.threshold.get_untracked(),
            ..AgentConfig::default()
        }
    }

    async fn run_one(self, scenario: Scenario, anchor: DateTime<Utc>) {
        let store = self.store();
        let mut config = quantumstate_core::SimConfig::new(scenario, self.knobs.seed.get_untracked(), anchor);
        config.intensity = self.knobs.intensity.get_untracked();
        config.target = self.knobs.target.get_untracked();
        self.new_story(RunState::default());
        self.busy.set(Some(format!(
            "Generating and writing {} to the {}…",
            scenario.title(),
            store.label().to_ascii_lowercase()
        )));
        // The run goes on in tasks of its own, so none holds the main thread
        // for long: this one ends with the busy line, the next generates.
        api::yield_to_browser().await;
        let now = if self.knobs.live.get_untracked() {
            match self.replay(&store, &config).await {
                Ok(now) => now,
                Err(e) => return self.fail(format!("Live replay of {} failed: {e}", scenario.title())),
            }
        } else {
            let progress = self.progress;
            let loaded =
                api::load_scenario(&store, &config, &mut |done, total| progress.set(Some((done, total)))).await;
            self.progress.set(None);
            let loaded = match loaded {
                Ok(l) => l,
                Err(e) => return self.fail(format!("Could not write {}: {e}", scenario.title())),
            };
            let now = loaded.truth.timeline.end;
            self.run.update(|r| r.loaded = Some(loaded));
            now
        };
        api::yield_to_browser().await;
        // The agents run in one task on the embedded store (each takes a few
        // milliseconds); on Elasticsearch every query awaits the network, so
        // the page paints between agents anyway.
        let pipeline = Pipeline::new(&store, self.agents());
        let mut view = RunView {
            c: self,
            started_ms: 0.0,
        };
        match pipeline.run_with(now, &mut view).await {
            Ok(report) if report.status == ReportStatus::AwaitingApproval => self.pending.set(Some(report)),
            Ok(_) => {}
            Err(e) => return self.fail(format!("The agents could not read or write the store: {e}")),
        }
        api::yield_to_browser().await;
        if self.run.get_untracked().status == Some(ReportStatus::AwaitingApproval) {
            // A person decides now: Approve and Reject work while the panels update.
            self.idle();
            self.refresh().await;
        } else {
            self.settle().await;
        }
    }

    /// Update every panel for the run just finished; the buttons come back
    /// (and the page is idle) only once they show it.
    async fn settle(self) {
        self.busy.set(Some("Updating the panels…".into()));
        self.refresh().await;
        self.idle();
    }

    /// The buttons come back; the first time with nothing queued is `app-ready`.
    fn idle(&self) {
        self.busy.set(None);
        if self.queue.with_untracked(Vec::is_empty) {
            crate::mark_ready();
        }
    }

    /// Live replay: simulated minutes pass in real time, the chart moves, and
    /// Cassandra watches every minute; returns the simulated "now" at which she
    /// fired (or the end of the data).
    async fn replay(
        self,
        store: &AppStore,
        config: &quantumstate_core::SimConfig,
    ) -> Result<DateTime<Utc>, quantumstate_core::StoreError> {
        let (mut replay, loaded) = api::start_replay(store, config).await?;
        self.run.update(|r| {
            r.loaded = Some(loaded);
            r.replay_now = Some(replay.now);
        });
        let agents = self.agents();
        loop {
            self.busy.set(Some(format!(
                "Live replay: simulated {} — Cassandra is watching…",
                quantumstate_core::time::hm(replay.now)
            )));
            if let Ok(chart) = api::chart_data(store, &self.run.get_untracked()).await {
                self.chart.set(chart);
            }
            if let Ok(h) = api::platform_health(store, replay.now).await {
                self.health.set(h);
            }
            let incident = Pipeline::new(store, agents.clone()).watch(replay.now).await?;
            if incident || !replay.advance(store, REPLAY_STEP_MINUTES).await? {
                break;
            }
            self.run.update(|r| r.replay_now = Some(replay.now));
            gloo_timers::future::TimeoutFuture::new(REPLAY_TICK_MS).await;
        }
        Ok(replay.now)
    }

    /// A human's answer to Surgeon's proposal: the pipeline resumes.
    pub fn decide(&self, approve: bool) {
        if self.run.get_untracked().status != Some(ReportStatus::AwaitingApproval)
            || self.busy.get_untracked().is_some()
        {
            return;
        }
        let Some(report) = self.pending.try_update(Option::take).flatten() else {
            return;
        };
        let c = *self;
        spawn_local(async move {
            let store = c.store();
            let pipeline = Pipeline::new(&store, c.agents());
            let mut view = RunView { c, started_ms: 0.0 };
            if let Err(e) = pipeline.resume_with(report, approve, &mut view).await {
                c.error.set(Some(format!("Could not record the answer: {e}")));
            }
            c.settle().await;
            crate::ui::approval_answered();
            c.reveal().await;
            c.drain_queue().await;
        });
    }

    fn fail(&self, message: String) {
        self.idle();
        self.progress.set(None);
        self.error.set(Some(message));
    }

    /// Clear telemetry (incident history and audit trail stay) and show a healthy platform.
    pub fn reset(&self) {
        let c = *self;
        spawn_local(async move {
            c.clear_telemetry().await;
        });
    }

    /// [`Controller::reset`]'s work; false (with the error shown) if the store refused.
    async fn clear_telemetry(self) -> bool {
        if let Err(e) = self.store().clear_telemetry().await {
            self.error.set(Some(format!("Could not reset: {e}")));
            return false;
        }
        self.run.set(RunState::default());
        self.chart.set(None);
        self.health.set(Vec::new());
        self.health_peak.set(Vec::new());
        self.revealed.set(0);
        self.refresh().await;
        true
    }

    /// Switch to the embedded store.
    pub fn use_embedded(&self) {
        crate::ui::remember(STORAGE_MODE, "embedded");
        self.leave_own_data();
        self.store.set_value(AppStore::embedded());
        self.counts.set(None); // another store: the audit panel reads it afresh
        self.mode.set(self.store().label());
        self.error.set(None);
        self.run_now(Scenario::Healthy);
    }

    /// Set up `store`'s indices through the proxy (creating what is missing),
    /// saying so while it runs. The embedded store needs nothing.
    async fn connect(&self, store: &AppStore, proxy: &str) -> Result<SetupReport, StoreError> {
        let AppStore::Elastic(es) = store else {
            return Ok(SetupReport::default());
        };
        self.busy.set(Some(format!("Connecting to the proxy at {proxy}…")));
        let result = es.setup(Utc::now()).await;
        self.busy.set(None);
        result
    }

    /// Connect to Elasticsearch through the proxy: test, set up, then use it.
    /// Failure leaves the embedded store in place with a message.
    pub fn use_elastic(&self, proxy: String) {
        let c = *self;
        spawn_local(async move {
            let candidate = AppStore::elastic(&proxy);
            match c.connect(&candidate, &proxy).await {
                Ok(report) => {
                    crate::ui::remember(STORAGE_MODE, "elastic");
                    crate::ui::remember(STORAGE_PROXY, &proxy);
                    c.proxy_url.set(proxy);
                    c.leave_own_data();
                    c.store.set_value(candidate);
                    c.counts.set(None);
                    c.mode.set("Elasticsearch");
                    c.notice.set(Some(format!(
                        "Connected. Indices created: {}; already there: {}.",
                        report.created.len(),
                        report.existing.len()
                    )));
                    c.error.set(None);
                    c.refresh().await;
                }
                Err(e) => c.error.set(Some(format!(
                    "Cannot use Elasticsearch through {proxy}: {e}. Still on the embedded store."
                ))),
            }
        });
    }
}

impl Default for Controller {
    fn default() -> Self {
        Self::new()
    }
}
