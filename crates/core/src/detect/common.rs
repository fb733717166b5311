//! A change every service shows alike is the platform's demand (the evening
//! fall of traffic, the morning climb), not one service's fault: with less
//! than a day of history there is no time-of-day profile to say so, but the
//! other services can. An anomaly is *platform-wide* when every other service
//! (at least two) reporting the same metric moved the same way since its
//! onset, by at least half as much relative to its own level. Errors are
//! never demand: with an error-rate anomaly anywhere (a storm, a dependency
//! outage spreading to its callers), nothing is set aside.

use super::NotFlagged;
use crate::agents::cassandra::{SeriesAnomaly, SeriesState};
use crate::model::MetricType;
use crate::store::{SeriesKey, SeriesPoint};
use chrono::{DateTime, TimeDelta, Utc};

/// Series as the scan read them: (key, points), sorted by key.
pub type Read<'a> = &'a [(SeriesKey, Vec<SeriesPoint>)];

/// Fewest other services that must share the move.
const MIN_OTHERS: usize = 2;
/// Share of the anomaly's relative move each other service must show.
const SHARE: f64 = 0.5;

fn points<'a>(read: Read<'a>, key: &SeriesKey) -> &'a [SeriesPoint] {
    read.binary_search_by(|(k, _)| k.cmp(key))
        .map(|i| read[i].1.as_slice())
        .unwrap_or_default()
}

/// Median reading within ten minutes of `at` (fine read first, then history).
fn level_at(fine: &[SeriesPoint], history: &[SeriesPoint], at: DateTime<Utc>) -> Option<f64> {
    let near = |pts: &[SeriesPoint]| -> Vec<f64> {
        pts.iter()
            .filter(|p| (p.at - at).abs() <= TimeDelta::minutes(10))
            .map(|p| p.avg)
            .collect()
    };
    let v = near(fine);
    let v = if v.is_empty() { near(history) } else { v };
    super::stats::median(&v)
}

/// Whether `anomaly` is a move every other service made too. Each series'
/// move is measured from its own baseline when the anomaly's came from the
/// read window (all series share it), else from its level at the onset.
fn shared(anomaly: &SeriesAnomaly, states: &[SeriesState], fine: Read, history: Read) -> Option<usize> {
    let own_points = points(fine, &anomaly.key);
    let in_read = own_points.first().is_some_and(|p| anomaly.onset >= p.at);
    let reference = |key: &SeriesKey, pts: &[SeriesPoint]| -> Option<f64> {
        if in_read {
            states.iter().find(|s| &s.key == key).map(|s| s.baseline.median)
        } else {
            level_at(pts, points(history, key), anomaly.onset)
        }
    };
    let own = {
        let before = if in_read {
            anomaly.baseline.median
        } else {
            reference(&anomaly.key, own_points)?
        };
        (anomaly.current - before) / before.abs().max(f64::EPSILON)
    };
    let mut others = 0;
    for (key, pts) in fine {
        if key.metric_type != anomaly.key.metric_type || key.service == anomaly.key.service {
            continue;
        }
        let before = reference(key, pts)?;
        let tail: Vec<f64> = pts[pts.len().saturating_sub(3)..].iter().map(|p| p.avg).collect();
        let now = super::stats::median(&tail)?;
        let moved = (now - before) / before.abs().max(f64::EPSILON);
        if moved * own.signum() < SHARE * own.abs() {
            return None;
        }
        others += 1;
    }
    (others >= MIN_OTHERS).then_some(others)
}

/// Split anomalies into the kept ones and the platform-wide ones (as reasons).
pub fn split(
    anomalies: Vec<SeriesAnomaly>,
    states: &[SeriesState],
    fine: Read,
    history: Read,
) -> (Vec<SeriesAnomaly>, Vec<NotFlagged>) {
    // Demand moves traffic and load, not errors: with errors anomalous
    // anywhere, a shared move is a fault spreading (a dependency outage).
    if anomalies.iter().any(|a| a.metric() == Some(MetricType::ErrorRate)) {
        return (anomalies, Vec::new());
    }
    let mut kept = Vec::new();
    let mut wide = Vec::new();
    for a in anomalies {
        match shared(&a, states, fine, history) {
            Some(services) => wide.push(NotFlagged::PlatformWide {
                key: a.key.clone(),
                at: a.onset,
                services,
            }),
            None => kept.push(a),
        }
    }
    (kept, wide)
}
