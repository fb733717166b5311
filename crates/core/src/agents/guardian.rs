//! Guardian: is the service back, and for how long? MTTR from the onset,
//! measured only in telemetry the store holds.
//!
//! - Simulation: after Surgeon's simulated action, over the watch window.
//! - Advisory: over the user's data only. An operator action in the logs after
//!   the onset (or a change that fixed things) is named with its time and the
//!   recovery is judged after it; data that ends mid-incident stays open.

use super::archaeologist::Investigation;
use super::cassandra::{Detection, SeriesState};
use super::narrate;
use super::AgentConfig;
use crate::changes::{self, OperatorAction};
use crate::model::{IncidentDoc, Level, MetricType};
use crate::store::{IncidentQuery, LogQuery, SeriesKey, Store, StoreError};
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::{join, ready, try_join_all};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

/// A reading within this many robust sigmas of its baseline counts as healthy.
const HEALTHY_SIGMAS: f64 = 3.0;
/// Guardian's confidence in a measured recovery, in a failed one, in an open incident.
const RESOLVED_CONFIDENCE: f64 = 0.95;
const ESCALATE_CONFIDENCE: f64 = 0.9;
const OPEN_CONFIDENCE: f64 = 0.9;

/// Guardian's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Resolved {
        recovered_at: DateTime<Utc>,
        mttr_seconds: u64,
        /// Mean MTTR of past incidents of the same type, if any.
        historical_mttr_seconds: Option<u64>,
    },
    Escalate {
        reasons: Vec<String>,
    },
    /// Advisory: the data ends before a sustained recovery.
    AwaitingRecovery {
        reasons: Vec<String>,
    },
}

/// An action someone took that the logs show (advisory mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedAction {
    pub at: DateTime<Utc>,
    pub service: String,
    /// None: a change that fixed things rather than a named remedy.
    pub action: Option<OperatorAction>,
    pub message: String,
}

/// Guardian's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub verdict: Verdict,
    pub checked_series: usize,
    /// Advisory: the action found in the logs after onset.
    #[serde(default)]
    pub action_seen: Option<ObservedAction>,
    /// The last data point Guardian could read.
    #[serde(default)]
    pub data_until: Option<DateTime<Utc>>,
    pub decision: String,
    pub confidence: f64,
    pub verified_at: DateTime<Utc>,
}

fn healthy(state: &SeriesState, value: f64) -> bool {
    let z = (value - state.baseline.median) / state.baseline.sigma.max(1e-9);
    match MetricType::parse(&state.key.metric_type) {
        Some(m) => m.is_healthy(value) || z.abs() <= HEALTHY_SIGMAS,
        None => z.abs() <= HEALTHY_SIGMAS,
    }
}

/// What the telemetry shows from `from` to `until`.
struct Watch {
    recovered_at: Option<DateTime<Utc>>,
    unhealthy: Vec<String>,
    last_point: Option<DateTime<Utc>>,
}

/// The first time after which every reading of `services` stays healthy to the
/// end of the window, for at least `sustain_minutes`.
async fn watch<S: Store>(
    store: &S,
    config: &AgentConfig,
    series: &[&SeriesState],
    window: TimeWindow,
) -> Result<Watch, StoreError> {
    let bucket = TimeDelta::seconds(config.bucket_secs.max(1));
    let sustain = TimeDelta::minutes(config.sustain_minutes);
    let mut by_time: BTreeMap<DateTime<Utc>, bool> = BTreeMap::new();
    let mut unhealthy = Vec::new();
    // Every watched series at once, then judged in order.
    let keys: Vec<SeriesKey> = series
        .iter()
        .map(|s| SeriesKey::new(&s.key.service, &s.key.metric_type))
        .collect();
    let all = try_join_all(keys.iter().map(|key| store.metric_series(key, window, bucket))).await?;
    for (state, points) in series.iter().zip(all) {
        let mut last_bad = None;
        for p in &points {
            let ok = healthy(state, p.avg);
            *by_time.entry(p.at).or_insert(true) &= ok;
            if !ok {
                last_bad = Some((p.at, p.avg));
            }
        }
        let last = points.last().map(|p| p.at);
        if let Some((at, v)) = last_bad.filter(|(at, _)| last.is_some_and(|l| *at + sustain > l)) {
            unhealthy.push(narrate::still_unhealthy(
                &state.key.service,
                &state.key.metric_type,
                v,
                at,
            ));
        }
    }
    let times: Vec<(DateTime<Utc>, bool)> = by_time.into_iter().collect();
    let last_point = times.last().map(|(t, _)| *t);
    // Healthy from here to the end, and the end far enough away.
    let mut recovered_at = None;
    for (t, ok) in times.iter().rev() {
        if !ok {
            break;
        }
        recovered_at = Some(*t);
    }
    let recovered_at = recovered_at.filter(|t| last_point.is_some_and(|l| l >= *t + sustain));
    Ok(Watch {
        recovered_at,
        unhealthy,
        last_point,
    })
}

/// The states Guardian watches: every metric of the root and of the detected service.
fn watched<'a>(series: &'a [SeriesState], detection: &Detection, inv: &Investigation) -> Vec<&'a SeriesState> {
    series
        .iter()
        .filter(|s| s.key.service == inv.root_service || s.key.service == detection.service)
        .collect()
}

async fn historical_mttr<S: Store>(
    store: &S,
    detection: &Detection,
    inv: &Investigation,
) -> Result<Option<u64>, StoreError> {
    let past = store
        .incidents(&IncidentQuery {
            anomaly_type: Some(inv.anomaly_type.as_str().into()),
            limit: 100,
            ..Default::default()
        })
        .await?;
    let mttrs: Vec<u64> = past
        .iter()
        .filter(|i| i.timestamp < detection.onset)
        .filter_map(|i| i.mttr_seconds)
        .collect();
    Ok((!mttrs.is_empty()).then(|| mttrs.iter().sum::<u64>() / mttrs.len() as u64))
}

async fn record_resolved<S: Store>(
    store: &S,
    detection: &Detection,
    inv: &Investigation,
    actions: String,
    recovered_at: DateTime<Utc>,
    mttr: u64,
) -> Result<(), StoreError> {
    store
        .write_incidents(&[IncidentDoc {
            timestamp: detection.onset,
            service: inv.root_service.clone(),
            region: detection.region.clone(),
            anomaly_type: inv.anomaly_type.as_str().to_string(),
            root_cause: inv.statement.clone(),
            actions_taken: actions,
            resolved_at: Some(recovered_at),
            mttr_seconds: Some(mttr),
            status: "resolved".to_string(),
        }])
        .await?;
    Ok(())
}

/// What watching the services found, with the MTTR once they recovered.
enum Outcome {
    /// Recovered (and recorded): MTTR from the onset, and the mean of past ones.
    Recovered {
        at: DateTime<Utc>,
        mttr: u64,
        historical: Option<u64>,
    },
    /// Not (yet) recovered, and why.
    Unhealthy(Vec<String>),
}

impl Outcome {
    fn resolved(at: DateTime<Utc>, mttr: u64, historical: Option<u64>) -> Verdict {
        Verdict::Resolved {
            recovered_at: at,
            mttr_seconds: mttr,
            historical_mttr_seconds: historical,
        }
    }
}

/// Watch `mine` over `window`; once recovered, measure the MTTR from the onset
/// against past incidents (`historical`, read by the caller alongside other
/// reads; its error matters only then) and record the incident with `actions`
/// as taken. Returns the outcome and the last data point read.
#[allow(clippy::too_many_arguments)]
async fn watch_then_mttr<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    inv: &Investigation,
    mine: &[&SeriesState],
    window: TimeWindow,
    historical: impl Future<Output = Result<Option<u64>, StoreError>>,
    actions: impl FnOnce() -> String,
) -> Result<(Outcome, Option<DateTime<Utc>>), StoreError> {
    let (w, historical) = join(watch(store, config, mine, window), historical).await;
    let w = w?;
    let outcome = match w.recovered_at {
        Some(at) => {
            let mttr = (at - detection.onset).num_seconds().max(0) as u64;
            let historical = historical?;
            // Written only after every read: the record is not its own history.
            record_resolved(store, detection, inv, actions(), at, mttr).await?;
            Outcome::Recovered { at, mttr, historical }
        }
        None => {
            let mut reasons = w.unhealthy;
            if reasons.is_empty() {
                reasons.push(narrate::no_sustained_period(config));
            }
            Outcome::Unhealthy(reasons)
        }
    };
    Ok((outcome, w.last_point))
}

/// Simulation: check the services after Surgeon's action (`from`..`until`);
/// record the incident when resolved.
#[allow(clippy::too_many_arguments)]
pub async fn verify<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    inv: &Investigation,
    series: &[SeriesState],
    plan: &super::surgeon::Plan,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Verification, StoreError> {
    let mine = watched(series, detection, inv);
    let window = TimeWindow::new(from, until + TimeDelta::milliseconds(1));
    // Past MTTRs are read alongside the watch (used only if it recovers).
    let historical = historical_mttr(store, detection, inv);
    let (outcome, data_until) = watch_then_mttr(store, config, detection, inv, &mine, window, historical, || {
        narrate::actions_taken(plan)
    })
    .await?;
    Ok(match outcome {
        Outcome::Recovered { at, mttr, historical } => Verification {
            decision: narrate::resolved_simulated(inv, mine.len(), at, config, plan, detection, mttr, historical),
            verdict: Outcome::resolved(at, mttr, historical),
            checked_series: mine.len(),
            action_seen: None,
            data_until,
            confidence: RESOLVED_CONFIDENCE,
            verified_at: at + TimeDelta::minutes(config.sustain_minutes),
        },
        Outcome::Unhealthy(reasons) => Verification {
            decision: narrate::escalated(&inv.root_service, plan, &reasons),
            verdict: Verdict::Escalate { reasons },
            checked_series: mine.len(),
            action_seen: None,
            data_until,
            confidence: ESCALATE_CONFIDENCE,
            verified_at: until,
        },
    })
}

/// The first operator action (or fixing change) after the onset on the root or the detected service.
async fn action_after_onset<S: Store>(
    store: &S,
    detection: &Detection,
    inv: &Investigation,
    now: DateTime<Utc>,
) -> Result<Option<ObservedAction>, StoreError> {
    let logs = store
        .logs(&LogQuery {
            service: None,
            min_level: Level::Info,
            window: TimeWindow::new(detection.onset, now + TimeDelta::milliseconds(1)),
            words: Vec::new(),
            limit: 20_000,
        })
        .await?;
    let action = logs
        .iter()
        .filter(|l| l.service == inv.root_service || l.service == detection.service)
        .find_map(|l| {
            changes::action_in(&l.message).map(|a| ObservedAction {
                at: l.timestamp,
                service: l.service.clone(),
                action: Some(a),
                message: l.message.clone(),
            })
        });
    let fix = inv.fix.as_ref().map(|f| ObservedAction {
        at: f.at,
        service: f.service.clone(),
        action: None,
        message: f.message.clone(),
    });
    Ok([action, fix].into_iter().flatten().min_by_key(|a| a.at))
}

/// Advisory: judge recovery from the input alone, as of `now` (the end of the data).
pub async fn judge<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    inv: &Investigation,
    series: &[SeriesState],
    plan: &super::surgeon::Plan,
    now: DateTime<Utc>,
) -> Result<Verification, StoreError> {
    let mine = watched(series, detection, inv);
    // The watch window starts at the action, but past MTTRs need neither:
    // they are read alongside the action (and used only if it recovers).
    let (seen, historical) = join(
        action_after_onset(store, detection, inv, now),
        historical_mttr(store, detection, inv),
    )
    .await;
    let seen = seen?;
    let from = seen.as_ref().map(|a| a.at).unwrap_or(detection.onset);
    let window = TimeWindow::new(from, now + TimeDelta::milliseconds(1));
    let historical = ready(historical);
    let (outcome, data_until) = watch_then_mttr(store, config, detection, inv, &mine, window, historical, || {
        narrate::observed_actions(seen.as_ref())
    })
    .await?;
    Ok(match outcome {
        Outcome::Recovered { at, mttr, historical } => Verification {
            decision: narrate::resolved_in_data(inv, mine.len(), at, config, seen.as_ref(), detection, mttr),
            verdict: Outcome::resolved(at, mttr, historical),
            checked_series: mine.len(),
            action_seen: seen,
            data_until,
            confidence: RESOLVED_CONFIDENCE,
            verified_at: now,
        },
        Outcome::Unhealthy(reasons) => Verification {
            decision: narrate::awaiting_recovery(inv, seen.as_ref(), plan, &reasons, data_until.unwrap_or(now)),
            verdict: Verdict::AwaitingRecovery { reasons },
            checked_series: mine.len(),
            action_seen: seen,
            data_until,
            confidence: OPEN_CONFIDENCE,
            verified_at: now,
        },
    })
}

/// The verdict when a human rejected the remediation.
pub fn rejected(plan: &super::surgeon::Plan, at: DateTime<Utc>) -> Verification {
    let reasons = vec![narrate::rejected_reason(plan)];
    Verification {
        decision: narrate::escalated_rejected(&plan.service, &reasons[0]),
        verdict: Verdict::Escalate { reasons },
        checked_series: 0,
        action_seen: None,
        data_until: None,
        confidence: 0.99,
        verified_at: at,
    }
}
