//! The four agents and the pipeline that runs them as one incident.
//!
//! - [`cassandra`]: scans every service and metric against a robust baseline,
//!   detects spikes, shifts and slow drifts, dates the onset, forecasts time to
//!   the alarm level, classifies, and scores its confidence.
//! - [`archaeologist`]: error logs, error codes, deploy events and past
//!   incidents; weighs root-cause hypotheses and states the winner with evidence.
//! - [`surgeon`]: picks the runbook action that fits the cause, on the root
//!   service; the plan's confidence never exceeds the detection's.
//! - [`guardian`]: verifies sustained recovery in the telemetry the store holds,
//!   measures MTTR from the onset, and records the resolved incident.
//! - [`narrate`]: every sentence they say (decisions, evidence, summaries).
//! - [`pipeline`]: the only driver; front ends listen to its events. Two
//!   [`Mode`]s: simulation (actions run in the simulated world) and advisory
//!   (someone else's data: Surgeon recommends, QuantumState changes nothing).
//!
//! Agents only talk to [`Store`](crate::Store); each appends one decision record.

pub mod archaeologist;
pub mod cassandra;
pub mod guardian;
pub mod narrate;
pub mod pipeline;
pub mod similar;
pub mod surgeon;

pub use archaeologist::{Investigation, RootCause};
pub use cassandra::{Detection, Scan};
pub use guardian::{Verdict, Verification};
pub use pipeline::{Event, IncidentReport, Listener, Mode, Pipeline, ReportStatus};
pub use surgeon::{Plan, Remediation};

/// The detector core lives in [`crate::detect`]; these paths stay for callers.
pub mod detector {
    pub use crate::detect::detector::*;
}
/// See [`crate::detect::stats`].
pub mod stats {
    pub use crate::detect::stats::*;
}

use crate::model::{Agent, DecisionDoc, MetricType};
use chrono::{DateTime, Utc};
use detector::DetectorConfig;
use serde::{Deserialize, Serialize};

/// Every threshold and window the agents use, with its default and reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// History before the analysis window that forms the baseline.
    pub baseline_minutes: i64,
    /// The recent window scanned for anomalies, ending at "now".
    pub analysis_minutes: i64,
    /// Histogram bucket of the series the agents read (the seed's 30 s sampling).
    pub bucket_secs: i64,
    /// Fewer baseline buckets than this: split the available data instead.
    pub min_baseline_points: usize,
    pub detector: DetectorConfig,
    /// A trigger needs a deviation of at least this share of the distance from
    /// baseline to the alarm level: 25% is ~7 points of memory from a 53%
    /// baseline, near the seed's "deviation >15% from baseline", and keeps
    /// harmless wander (autocorrelated noise, the daily traffic rhythm) quiet.
    pub materiality: f64,
    /// Same, for metrics outside the seed's catalogue: share of the baseline level.
    pub materiality_unknown: f64,
    /// A change is sudden when its first third is at least this share of its
    /// last third (a step ≈ 1, a ramp ≈ 0.2–0.4).
    pub sudden_shape_ratio: f64,
    /// Logs this long before the onset belong to the incident.
    pub log_lookback_minutes: i64,
    /// Deploys up to this long before the onset are suspects.
    pub deploy_lookback_minutes: i64,
    /// A deploy this close before the onset is fully plausible; older ones fade.
    pub deploy_fresh_minutes: f64,
    /// Surgeon acts alone at or above this confidence (0–1).
    pub approval_threshold: f64,
    /// How long the remediation takes to run.
    pub remediation_secs: i64,
    /// How long Guardian watches after the remediation.
    pub verify_minutes: i64,
    /// How long every metric must stay healthy to call it resolved.
    pub sustain_minutes: i64,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            baseline_minutes: 120,
            analysis_minutes: 60,
            bucket_secs: 30,
            min_baseline_points: 20,
            detector: DetectorConfig::default(),
            materiality: 0.25,
            materiality_unknown: 0.10,
            sudden_shape_ratio: 0.6,
            log_lookback_minutes: 15,
            deploy_lookback_minutes: 60,
            deploy_fresh_minutes: 10.0,
            approval_threshold: 0.8,
            remediation_secs: 30,
            verify_minutes: 15,
            sustain_minutes: 5,
        }
    }
}

/// A value with the metric's unit, for decision texts.
pub fn with_unit(metric: Option<MetricType>, value: f64) -> String {
    match metric {
        Some(MetricType::MemoryPercent | MetricType::CpuPercent) => format!("{value:.0}%"),
        Some(MetricType::ErrorRate) => format!("{value:.1}/min"),
        Some(MetricType::RequestLatencyMs) => format!("{value:.0} ms"),
        Some(MetricType::RequestsPerMin) => format!("{value:.0} req/min"),
        None => format!("{value:.2}"),
    }
}

/// Confidence 0–1 → the seed's 0–100.
pub fn percent(confidence: f64) -> u8 {
    (confidence.clamp(0.0, 1.0) * 100.0).round() as u8
}

pub(crate) fn decision(
    at: DateTime<Utc>,
    agent: Agent,
    service: &str,
    text: String,
    confidence: u8,
    context: serde_json::Value,
) -> DecisionDoc {
    DecisionDoc {
        timestamp: at,
        agent,
        decision: text,
        confidence,
        service: service.to_string(),
        context,
    }
}
