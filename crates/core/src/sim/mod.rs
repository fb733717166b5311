//! The deterministic simulator: healthy telemetry for the four services and the
//! failure scenarios of the seed, as documents of the seed's data model.
//!
//! Every document is a pure function of [`SimConfig`]: the same seed, anchor,
//! scenario and knobs give byte-identical documents on every platform. More:
//! a healthy document is a function of the seed, the noise knobs, its service,
//! metric and timestamp alone (the noise is drawn per timestamp, see
//! [`rng::SimRng::at`]), so two windows that overlap hold identical documents
//! under identical ids where they overlap, and a store that already holds a
//! window needs only what the next one adds.

mod curves;
pub mod family;
mod history;
mod logs;
pub mod recovery;
pub mod rng;
pub mod runbook;

pub use history::{seeded_incidents, SEEDED_INCIDENTS};
pub use runbook::{Risk, Runbook, RunbookAction, RUNBOOKS};

use crate::model::{AnomalyType, Document, Fnv64, LogDoc, MetricDoc, MetricType, Service};
use crate::time::TimeWindow;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Default healthy history before the incident: enough for a real baseline.
pub const DEFAULT_HISTORY_MINUTES: u32 = 180;
/// Default sampling interval of every metric.
pub const DEFAULT_INTERVAL_SECS: u32 = 30;
/// [`Dataset::fingerprint`] of `memory-leak`, seed 42, anchor 2026-02-13T15:00:00Z,
/// default knobs. Native and browser tests both check it: if it changes, share
/// links made before replay different data, so change it only on purpose.
pub const GOLDEN_MEMORY_LEAK_42: &str = "12d69b2e9885bffc";
/// Intensity is clamped to this range: half as steep to twice as steep.
pub const INTENSITY_RANGE: (f64, f64) = (0.5, 2.0);

/// A failure pattern to inject (names as in the seed, plus `healthy` and `red-herring`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    MemoryLeak,
    DeploymentRollback,
    ErrorSpike,
    Healthy,
    RedHerring,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::MemoryLeak,
        Scenario::DeploymentRollback,
        Scenario::ErrorSpike,
        Scenario::Healthy,
        Scenario::RedHerring,
    ];

    /// The name used in code, CLI, UI and links.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::MemoryLeak => "memory-leak",
            Scenario::DeploymentRollback => "deployment-rollback",
            Scenario::ErrorSpike => "error-spike",
            Scenario::Healthy => "healthy",
            Scenario::RedHerring => "red-herring",
        }
    }

    pub fn parse(text: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == text)
    }

    /// Button label.
    pub fn title(self) -> &'static str {
        match self {
            Scenario::MemoryLeak => "Memory leak",
            Scenario::DeploymentRollback => "Bad deployment",
            Scenario::ErrorSpike => "Redis outage",
            Scenario::Healthy => "Healthy run",
            Scenario::RedHerring => "Red herring",
        }
    }

    /// One line on what it injects.
    pub fn blurb(self) -> &'static str {
        match self {
            Scenario::MemoryLeak => "Heap climbs 55% → 89% over 25 min on payment-service",
            Scenario::DeploymentRollback => "v3.5.0 deploy, then checkout errors 0.4 → 18/min within 3 min",
            Scenario::ErrorSpike => "Redis node evicted: auth errors 0.3 → 28/min, latency 95 → 1200 ms",
            Scenario::Healthy => "Normal operation only: nothing should be detected",
            Scenario::RedHerring => "A harmless auth deploy, then a Redis outage 6 min later",
        }
    }

    /// The service the seed injects it into.
    pub fn default_service(self) -> Option<Service> {
        match self {
            Scenario::MemoryLeak => Some(Service::PaymentService),
            Scenario::DeploymentRollback => Some(Service::CheckoutService),
            Scenario::ErrorSpike | Scenario::RedHerring => Some(Service::AuthService),
            Scenario::Healthy => None,
        }
    }

    /// How long the failure runs before the agents look (the incident phase).
    pub fn incident_minutes(self) -> u32 {
        match self {
            Scenario::MemoryLeak => 25,
            Scenario::DeploymentRollback => 12,
            Scenario::ErrorSpike | Scenario::RedHerring => 10,
            Scenario::Healthy => 0,
        }
    }

    /// What the agents should conclude (ground truth, for tests and `eval`).
    pub fn expected_anomaly(self) -> Option<AnomalyType> {
        match self {
            Scenario::MemoryLeak => Some(AnomalyType::MemoryLeakProgressive),
            Scenario::DeploymentRollback => Some(AnomalyType::DeploymentRegression),
            Scenario::ErrorSpike | Scenario::RedHerring => Some(AnomalyType::ErrorSpikeSudden),
            Scenario::Healthy => None,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every input of a generation. Two equal configs give identical documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    pub scenario: Scenario,
    pub seed: u64,
    /// The simulated "now": the end of the generated data, when the agents look.
    /// Rounded down to the interval.
    pub anchor: DateTime<Utc>,
    pub history_minutes: u32,
    pub interval_secs: u32,
    /// 1.0 is the seed's numbers; clamped to [`INTENSITY_RANGE`].
    pub intensity: f64,
    /// Inject into this service instead of the scenario's default.
    pub target: Option<Service>,
    /// Throughput and CPU follow the time of day.
    pub daily_rhythm: bool,
    /// Multiplier of the healthy noise (1.0: the default realism).
    #[serde(default = "one")]
    pub noise: f64,
}

fn one() -> f64 {
    1.0
}

impl SimConfig {
    pub fn new(scenario: Scenario, seed: u64, anchor: DateTime<Utc>) -> Self {
        SimConfig {
            scenario,
            seed,
            anchor,
            history_minutes: DEFAULT_HISTORY_MINUTES,
            interval_secs: DEFAULT_INTERVAL_SECS,
            intensity: 1.0,
            target: None,
            daily_rhythm: true,
            noise: 1.0,
        }
    }

    /// The affected service, if any.
    pub fn service(&self) -> Option<Service> {
        self.scenario
            .default_service()
            .map(|default| self.target.unwrap_or(default))
    }

    pub fn interval(&self) -> TimeDelta {
        TimeDelta::seconds(i64::from(self.interval_secs.max(1)))
    }

    fn intensity(&self) -> f64 {
        self.intensity.clamp(INTENSITY_RANGE.0, INTENSITY_RANGE.1)
    }

    /// The timeline this config produces.
    pub fn timeline(&self) -> Timeline {
        let end = self.anchor.duration_trunc(self.interval()).unwrap_or(self.anchor);
        let onset = end - TimeDelta::minutes(i64::from(self.scenario.incident_minutes()));
        let start = onset - TimeDelta::minutes(i64::from(self.history_minutes));
        Timeline { start, onset, end }
    }
}

/// Where the generated data starts, where the fault begins, and "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub start: DateTime<Utc>,
    /// When the fault begins (equals `end` for a healthy run).
    pub onset: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Timeline {
    /// Everything generated, `end` included.
    pub fn window(&self) -> TimeWindow {
        TimeWindow::new(self.start, self.end + TimeDelta::milliseconds(1))
    }
}

/// What a scenario really did, for tests and evaluation (the agents never see it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub scenario: Scenario,
    pub service: Option<Service>,
    pub anomaly: Option<AnomalyType>,
    pub timeline: Timeline,
    /// The deploy event, if the scenario has one.
    pub deploy_at: Option<DateTime<Utc>>,
    /// Whether that deploy caused the failure (false for the red herring).
    pub deploy_is_cause: bool,
}

/// The documents of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub metrics: Vec<MetricDoc>,
    pub logs: Vec<LogDoc>,
    pub truth: GroundTruth,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.metrics.len() + self.logs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short digest of every document and id, the same on every platform:
    /// two runs with equal fingerprints generated the same bytes.
    pub fn fingerprint(&self) -> String {
        let mut f = Fingerprint::default();
        f.add(&self.metrics);
        f.add(&self.logs);
        f.finish()
    }
}

/// [`Dataset::fingerprint`] a slice at a time: the metrics in order, then
/// the logs in order.
#[derive(Default)]
pub struct Fingerprint(Fnv64);

impl Fingerprint {
    pub fn add<D: Document + Serialize>(&mut self, docs: &[D]) {
        for d in docs {
            self.0.write(&d.doc_id());
            self.0.write(&serde_json::to_string(d).unwrap_or_default());
        }
    }

    pub fn finish(&self) -> String {
        format!("{:016x}", self.0.finish())
    }
}

/// Generate the telemetry of one scenario run.
pub fn generate(config: &SimConfig) -> Dataset {
    Generation::new(config).finish()
}

/// [`generate`] in steps, one metric series each, for a caller that lets
/// others in between (the browser's main thread: a first run there is several
/// times slower than the same code warmed up). The result is the same.
pub struct Generation<'a> {
    config: &'a SimConfig,
    timeline: Timeline,
    fault: Option<curves::Fault>,
    metrics: Vec<MetricDoc>,
    /// The next series, an index into services × metric types.
    next: usize,
}

impl<'a> Generation<'a> {
    pub fn new(config: &'a SimConfig) -> Self {
        let timeline = config.timeline();
        let fault = config.service().map(|service| curves::Fault {
            scenario: config.scenario,
            service,
            onset: timeline.onset,
            intensity: config.intensity(),
        });
        // Sized once: growing by doubling leaves freed blocks behind, and the
        // browser's wasm memory never shrinks.
        let points = (timeline.end - timeline.start).num_milliseconds() / config.interval().num_milliseconds() + 1;
        let metrics = Vec::with_capacity(Service::ALL.len() * MetricType::ALL.len() * points.max(0) as usize);
        Generation {
            config,
            timeline,
            fault,
            metrics,
            next: 0,
        }
    }

    /// Generate the next metric series; false once every series is done.
    pub fn step(&mut self) -> bool {
        let kinds = MetricType::ALL.len();
        let (Some(&service), Some(&metric)) = (
            Service::ALL.get(self.next / kinds),
            MetricType::ALL.get(self.next % kinds),
        ) else {
            return false;
        };
        self.next += 1;
        let (config, timeline) = (self.config, &self.timeline);
        let service_fault = self.fault.filter(|f| f.service == service);
        let series = curves::Series::new(config, service, metric);
        let healthy = series.healthy(timeline.start, timeline.end, config.interval());
        let mut at = timeline.start;
        for mut value in healthy {
            if let Some(f) = &service_fault {
                value = f.apply(metric, at, value, series.baseline());
            }
            self.metrics.push(MetricDoc {
                timestamp: at,
                service: service.as_str().to_string(),
                region: service.region().to_string(),
                metric_type: metric.as_str().to_string(),
                value: round2(value),
                unit: metric.unit().to_string(),
            });
            at += config.interval();
        }
        true
    }

    /// The logs, written from the metrics, and the ground truth (after the last [`Self::step`]).
    pub fn finish(mut self) -> Dataset {
        while self.step() {}
        let (config, timeline, fault) = (self.config, self.timeline, self.fault);
        let deploy_at = fault.and_then(|f| f.deploy_at());
        let mut logs = logs::generate(config, &timeline, fault.as_ref(), &self.metrics);
        crate::order::sort_by(&mut logs, |a, b| {
            a.timestamp.cmp(&b.timestamp).then_with(|| a.service.cmp(&b.service))
        });
        Dataset {
            metrics: self.metrics,
            logs,
            truth: GroundTruth {
                scenario: config.scenario,
                service: fault.map(|f| f.service),
                anomaly: config.scenario.expected_anomaly(),
                timeline,
                deploy_at,
                deploy_is_cause: config.scenario == Scenario::DeploymentRollback,
            },
        }
    }
}

/// Two decimals: what a metrics agent would ship, and a guard against last-bit noise.
pub(crate) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
