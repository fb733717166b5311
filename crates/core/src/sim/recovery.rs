//! What a remediation does to the simulated world: the action's own log lines
//! and the telemetry of the recovery that follows. Only the simulation writes
//! these; in advisory mode nothing is generated and Guardian reads the user's data.

use super::rng::SimRng;
use super::RunbookAction;
use crate::model::{Fnv64, Level, LogDoc, MetricDoc, MetricType};
use chrono::{DateTime, TimeDelta, Utc};

/// Recovered readings ease back with this time constant (minutes): mostly back within 5 min.
const SETTLE_MINUTES: f64 = 1.5;
/// Noise of a recovered reading, as a share of the baseline's robust sigma.
const NOISE_SHARE: f64 = 0.5;

/// Where one series stood when the action began.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesLevel {
    pub metric_type: String,
    /// Healthy median and robust sigma before the incident.
    pub baseline: f64,
    pub sigma: f64,
    /// The last reading before the action.
    pub last: f64,
}

/// The simulated execution of one runbook action on `service`.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution<'a> {
    /// Seeds the recovery noise: the same incident recovers the same way.
    pub incident_id: &'a str,
    pub action: RunbookAction,
    pub service: &'a str,
    pub region: &'a str,
    /// What the action is aimed at when it is not the service itself (a version, a dependency).
    pub target: Option<&'a str>,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
}

fn line(e: &Execution, at: DateTime<Utc>, message: String) -> LogDoc {
    LogDoc {
        timestamp: at,
        service: e.service.to_string(),
        region: e.region.to_string(),
        level: Level::Info,
        message,
        trace_id: None,
        error_code: None,
    }
}

/// The two log lines an action writes: started and done, marked as simulated.
pub fn action_lines(e: &Execution) -> Vec<LogDoc> {
    let target = e.target.unwrap_or(e.service);
    let title = e.action.runbook().title;
    vec![
        line(
            e,
            e.started,
            format!(
                "[simulation] Surgeon started runbook {} on {}: {title} ({target})",
                e.action, e.service
            ),
        ),
        line(
            e,
            e.finished,
            format!("[simulation] Runbook {} on {} complete ({target})", e.action, e.service),
        ),
    ]
}

/// Recovery telemetry after the action: every series eases from its last reading
/// back to its own baseline, with baseline noise, settling inside the seed's
/// healthy range. Deterministic in the incident id.
pub fn recovery(e: &Execution, series: &[SeriesLevel], minutes: i64, step: TimeDelta) -> Vec<MetricDoc> {
    let mut h = Fnv64::new();
    h.write(e.incident_id);
    let mut out = Vec::new();
    let step = step.max(TimeDelta::seconds(1));
    for (i, s) in series.iter().enumerate() {
        let mut rng = SimRng::new(h.finish(), i as u64);
        let metric = MetricType::parse(&s.metric_type);
        let mut at = e.finished + step;
        while at <= e.finished + TimeDelta::minutes(minutes) {
            let t = (at - e.finished).num_seconds() as f64 / 60.0;
            let settle = libm::exp(-t / SETTLE_MINUTES);
            let noise = NOISE_SHARE * s.sigma * rng.normal();
            let mut value = s.baseline + (s.last - s.baseline) * settle + noise;
            if let Some(m) = metric {
                let (lo, hi) = m.healthy_range();
                if settle < 0.05 {
                    value = value.clamp(lo + (hi - lo) * 0.02, hi - (hi - lo) * 0.02);
                }
                value = value.max(0.0);
            }
            out.push(MetricDoc {
                timestamp: at,
                service: e.service.to_string(),
                region: e.region.to_string(),
                metric_type: s.metric_type.clone(),
                value: super::round2(value),
                unit: metric.map(|m| m.unit().to_string()).unwrap_or_default(),
            });
            at += step;
        }
    }
    out
}
