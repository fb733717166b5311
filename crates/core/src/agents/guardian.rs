//! Guardian: is the service back, and for how long? MTTR from the onset.

use super::archaeologist::Investigation;
use super::cassandra::{Detection, SeriesState};
use super::surgeon::Remediation;
use super::AgentConfig;
use crate::model::{IncidentDoc, MetricType};
use crate::store::{IncidentQuery, SeriesKey, Store, StoreError};
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

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
}

/// Guardian's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub verdict: Verdict,
    pub checked_series: usize,
    pub decision: String,
    pub confidence: f64,
    pub verified_at: DateTime<Utc>,
}

fn healthy(state: &SeriesState, value: f64) -> bool {
    match MetricType::parse(&state.key.metric_type) {
        Some(m) => m.is_healthy(value),
        None => ((value - state.baseline.median) / state.baseline.sigma).abs() <= 3.0,
    }
}

/// Check the service after `remediation`; record the incident when resolved.
pub async fn verify<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    investigation: &Investigation,
    remediation: &Remediation,
    series: &[SeriesState],
) -> Result<Verification, StoreError> {
    let from = remediation.started_at;
    let until = remediation.finished_at + TimeDelta::minutes(config.verify_minutes) + TimeDelta::milliseconds(1);
    let window = TimeWindow::new(from, until);
    let bucket = TimeDelta::seconds(config.bucket_secs.max(1));
    let sustain = TimeDelta::minutes(config.sustain_minutes);
    let mine: Vec<&SeriesState> = series.iter().filter(|s| s.key.service == detection.service).collect();
    // For each bucket time: healthy across every metric of the service?
    let mut by_time: std::collections::BTreeMap<DateTime<Utc>, bool> = std::collections::BTreeMap::new();
    let mut unhealthy_metrics = Vec::new();
    for state in &mine {
        let points = store
            .metric_series(
                &SeriesKey::new(&state.key.service, &state.key.metric_type),
                window,
                bucket,
            )
            .await?;
        let mut last_bad = None;
        for p in &points {
            let ok = healthy(state, p.avg);
            let slot = by_time.entry(p.at).or_insert(true);
            *slot &= ok;
            if !ok {
                last_bad = Some((p.at, p.avg));
            }
        }
        if let Some((at, v)) = last_bad.filter(|(at, _)| *at + sustain > until - TimeDelta::milliseconds(1)) {
            unhealthy_metrics.push(format!(
                "{} still {:.1} at {}",
                state.key.metric_type,
                v,
                crate::time::hm(at)
            ));
        }
    }
    // The first time from which every reading stays healthy for `sustain`.
    let times: Vec<(DateTime<Utc>, bool)> = by_time.into_iter().collect();
    let mut recovered_at = None;
    for (i, (t, ok)) in times.iter().enumerate() {
        if !ok {
            continue;
        }
        let run_ok = times[i..]
            .iter()
            .take_while(|(u, _)| *u <= *t + sustain)
            .all(|(_, ok)| *ok);
        let long_enough = times.last().is_some_and(|(last, _)| *last >= *t + sustain);
        if run_ok && long_enough {
            recovered_at = Some(*t);
            break;
        }
    }
    let verified_at = recovered_at.map(|t| t + sustain).unwrap_or(until);
    let (verdict, decision, confidence) = match recovered_at {
        Some(recovered_at) => {
            let mttr = (recovered_at - detection.onset).num_seconds().max(0) as u64;
            let past = store
                .incidents(&IncidentQuery {
                    anomaly_type: Some(investigation.anomaly_type.as_str().into()),
                    limit: 100,
                    ..Default::default()
                })
                .await?;
            let past_mttrs: Vec<u64> = past
                .iter()
                .filter(|i| i.timestamp < detection.onset)
                .filter_map(|i| i.mttr_seconds)
                .collect();
            let historical = (!past_mttrs.is_empty()).then(|| past_mttrs.iter().sum::<u64>() / past_mttrs.len() as u64);
            let comparison = historical
                .map(|h| {
                    format!(
                        " Historical MTTR for {}: {} min ({} faster).",
                        investigation.anomaly_type,
                        h / 60,
                        if h > mttr {
                            format!("{} min", (h - mttr) / 60)
                        } else {
                            "not".to_string()
                        }
                    )
                })
                .unwrap_or_default();
            let text = format!(
                "RESOLVED: {} back inside healthy ranges on all {} metrics from {} and stable for {} min after {}. MTTR {} min {} s from onset {}.{}",
                detection.service,
                mine.len(),
                crate::time::hms(recovered_at),
                config.sustain_minutes,
                remediation.plan.summary(),
                mttr / 60,
                mttr % 60,
                crate::time::hm(detection.onset),
                comparison
            );
            (
                Verdict::Resolved {
                    recovered_at,
                    mttr_seconds: mttr,
                    historical_mttr_seconds: historical,
                },
                text,
                0.95,
            )
        }
        None => {
            let mut reasons = unhealthy_metrics;
            if reasons.is_empty() {
                reasons.push(format!(
                    "no sustained {}-minute healthy period in the {} minutes watched",
                    config.sustain_minutes, config.verify_minutes
                ));
            }
            let text = format!(
                "ESCALATE: {} did not recover after {}: {}.",
                detection.service,
                remediation.plan.summary(),
                reasons.join("; ")
            );
            (Verdict::Escalate { reasons }, text, 0.9)
        }
    };
    if let Verdict::Resolved {
        recovered_at,
        mttr_seconds,
        ..
    } = &verdict
    {
        store
            .write_incidents(&[IncidentDoc {
                timestamp: detection.onset,
                service: detection.service.clone(),
                region: detection.region.clone(),
                anomaly_type: investigation.anomaly_type.as_str().to_string(),
                root_cause: investigation.statement.clone(),
                actions_taken: format!("{}; {}", remediation.plan.summary(), remediation.plan.expected_effect),
                resolved_at: Some(*recovered_at),
                mttr_seconds: Some(*mttr_seconds),
                status: "resolved".to_string(),
            }])
            .await?;
    }
    Ok(Verification {
        verdict,
        checked_series: mine.len(),
        decision,
        confidence,
        verified_at,
    })
}

/// The verdict when a human rejected the remediation.
pub fn rejected(detection: &Detection, plan_summary: &str, at: DateTime<Utc>) -> Verification {
    let reasons = vec![format!(
        "remediation {plan_summary} rejected by the operator; incident still open"
    )];
    Verification {
        decision: format!("ESCALATE: {} needs a human: {}.", detection.service, reasons[0]),
        verdict: Verdict::Escalate { reasons },
        checked_series: 0,
        confidence: 0.99,
        verified_at: at,
    }
}
