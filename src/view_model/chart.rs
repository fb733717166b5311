//! The story chart's data: the series, its bands and the incident's labelled
//! moments, and how much of it the staged reveal has told.

use super::RunState;
use chrono::{DateTime, TimeDelta, Utc};
use quantumstate_core::agents::guardian::Verdict;
use quantumstate_core::sim;
use quantumstate_core::store::SeriesPoint;
use quantumstate_core::{MetricType, Service, TimeWindow};

/// A labelled moment on the story chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartEvent {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Onset,
    Flagged,
    Deploy,
    /// A deploy the agents looked at and did not blame.
    DeployRuledOut,
    Remediation,
    Recovered,
}

/// A metric series ready to draw, with everything the story needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub service: String,
    pub metric: MetricType,
    pub points: Vec<SeriesPoint>,
    pub healthy: (f64, f64),
    pub alarm: f64,
    /// Baseline median ± 3 robust σ, if Cassandra measured it.
    pub baseline_band: Option<(f64, f64)>,
    pub onset: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    /// From (time, value) at detection to the predicted alarm crossing.
    pub forecast: Option<(ChartPoint, ChartPoint)>,
    pub remediation_at: Option<DateTime<Utc>>,
    pub recovered_at: Option<DateTime<Utc>>,
    /// Every labelled moment, oldest first (deploys included).
    pub events: Vec<ChartEvent>,
    /// Before this time the axis is compressed (quiet history).
    pub focus_from: Option<DateTime<Utc>>,
}

/// A (time, value) point of an annotation.
pub type ChartPoint = (DateTime<Utc>, f64);

/// Minutes of baseline the story chart shows before the onset.
pub const CHART_LEAD_MINUTES: i64 = 60;
/// Minutes before the first event from which the chart gives the incident most of its width.
pub const CHART_FOCUS_LEAD_MINUTES: i64 = 8;

/// At most this many points are drawn; longer series are bucketed coarser.
pub const MAX_CHART_POINTS: i64 = 600;

/// The histogram bucket that keeps a window under [`MAX_CHART_POINTS`].
pub fn chart_bucket(window: TimeWindow, interval_secs: i64) -> TimeDelta {
    let secs = window.length().num_seconds().max(1) as u64;
    let interval = interval_secs.max(1) as u64;
    let per_point = secs.div_ceil(MAX_CHART_POINTS as u64).max(interval);
    // A whole number of sampling intervals, so buckets hold equal counts.
    TimeDelta::seconds((per_point.div_ceil(interval) * interval) as i64)
}

/// The metric that tells the run's story: Cassandra's leading symptom, or the scenario's headline.
pub fn story_metric(run: &RunState) -> (String, MetricType) {
    if let Some(d) = run.detection() {
        if let Some(m) = d.primary.metric() {
            return (d.service.clone(), m);
        }
    }
    if let Some(own) = &run.own {
        return own.story();
    }
    let service = run
        .loaded
        .as_ref()
        .and_then(|l| l.truth.service)
        .unwrap_or(Service::PaymentService);
    let metric = match run.loaded.as_ref().map(|l| l.config.scenario) {
        Some(sim::Scenario::MemoryLeak) => MetricType::MemoryPercent,
        _ => MetricType::ErrorRate,
    };
    (service.as_str().to_string(), metric)
}

/// Pure part of the chart preparation (tested in the browser).
pub fn prepare_chart(service: String, metric: MetricType, points: Vec<SeriesPoint>, run: &RunState) -> ChartData {
    let detection = run.detection().filter(|d| d.service == service);
    let primary = detection
        .map(|d| &d.primary)
        .filter(|p| p.key.metric_type == metric.as_str());
    let forecast = primary.and_then(|p| {
        let f = detection?.forecast.as_ref()?;
        // Once the series is past the alarm, a forecast to it says nothing.
        if metric.is_alarm(p.value_at_detection) || f.crossed_at.is_some_and(|c| c <= p.detected_at) {
            return None;
        }
        let minutes = f.minutes_at_detection?;
        let eta = p.detected_at + TimeDelta::seconds((minutes * 60.0) as i64);
        Some(((p.detected_at, p.value_at_detection), (eta, f.alarm_level)))
    });
    let remediation_at = run.remediation.as_ref().map(|r| r.started_at);
    let recovered_at = run.verification.as_ref().and_then(|v| match v.verdict {
        Verdict::Resolved { recovered_at, .. } => Some(recovered_at),
        _ => None,
    });
    let hm = |at: DateTime<Utc>| quantumstate_core::time::hm(at);
    let mut events = Vec::new();
    if let Some(d) = detection {
        events.push(ChartEvent {
            at: d.onset,
            kind: EventKind::Onset,
            label: format!("onset {}", hm(d.onset)),
        });
        events.push(ChartEvent {
            at: d.detected_at,
            kind: EventKind::Flagged,
            label: format!("flagged {}", hm(d.detected_at)),
        });
    }
    if let Some(dep) = run.investigation.as_ref().and_then(|i| i.deploy.as_ref()) {
        let version = dep.version.as_deref().unwrap_or("release");
        events.push(ChartEvent {
            at: dep.at,
            kind: if dep.blamed {
                EventKind::Deploy
            } else {
                EventKind::DeployRuledOut
            },
            label: if dep.blamed {
                format!("deploy {version}")
            } else {
                format!("deploy {version} (ruled out)")
            },
        });
    }
    if let Some(r) = &run.remediation {
        events.push(ChartEvent {
            at: r.started_at,
            kind: EventKind::Remediation,
            label: r.plan.action.as_str().replace('_', " "),
        });
    }
    if let Some(at) = recovered_at {
        events.push(ChartEvent {
            at,
            kind: EventKind::Recovered,
            label: format!("recovered {}", hm(at)),
        });
    }
    events.sort_by_key(|e| e.at);
    let focus_from = events
        .first()
        .map(|e| e.at - TimeDelta::minutes(CHART_FOCUS_LEAD_MINUTES))
        .filter(|f| points.first().is_some_and(|p| p.at < *f));
    ChartData {
        service,
        metric,
        points,
        healthy: metric.healthy_range(),
        alarm: metric.alarm_level(),
        baseline_band: primary.map(|p| {
            (
                p.baseline.median - 3.0 * p.baseline.sigma,
                p.baseline.median + 3.0 * p.baseline.sigma,
            )
        }),
        onset: detection.map(|d| d.onset),
        detected_at: detection.map(|d| d.detected_at),
        forecast,
        remediation_at,
        recovered_at,
        events,
        focus_from,
    }
}

/// The chart as far as the story has been told: before Surgeon's card lands
/// the series stops at the moment Cassandra looked, and each event appears
/// with the card of the agent that found it.
pub fn chart_so_far(data: &ChartData, run: &RunState, shown: usize) -> ChartData {
    if shown >= 4 {
        return data.clone();
    }
    let mut out = data.clone();
    let looked = run.scan.as_ref().map(|s| s.now);
    if shown < 3 {
        if let Some(now) = looked {
            out.points.retain(|p| p.at <= now);
        }
        out.remediation_at = None;
    }
    out.recovered_at = None;
    if shown < 1 {
        out.onset = None;
        out.detected_at = None;
        out.forecast = None;
        out.baseline_band = None;
    }
    out.events.retain(|e| match e.kind {
        EventKind::Onset | EventKind::Flagged => shown >= 1,
        EventKind::Deploy | EventKind::DeployRuledOut => shown >= 2,
        EventKind::Remediation => shown >= 3,
        EventKind::Recovered => false,
    });
    out
}
