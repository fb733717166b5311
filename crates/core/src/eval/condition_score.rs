//! Scoring the condition families: detection, onset error, class, false
//! incidents, findings, and calibration by confidence band.

use super::conditions::{family, Case, Condition, Expect};
use crate::agents::cassandra::{self, Scan};
use crate::agents::AgentConfig;
use crate::store::{MemoryStore, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One condition's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConditionScore {
    pub condition: String,
    pub cases: usize,
    /// Cases with an incident to find, and how many were found on the right service.
    pub incidents: usize,
    pub detected: usize,
    /// |flagged onset − true onset|, minutes, per detected incident.
    pub onset_errors_min: Vec<f64>,
    pub classified: usize,
    /// Incidents opened where there was none (or on the wrong service).
    pub false_incidents: usize,
    /// Stopped-reporting and cannot-judge cases, and how many the scan reported.
    pub findings: usize,
    pub findings_reported: usize,
    /// (confidence, whether the incident was real) of every incident opened.
    pub opened: Vec<(f64, bool)>,
}

/// The stopped services and whether the scan said "cannot judge".
fn findings(scan: &Scan) -> (Vec<String>, bool) {
    (
        scan.stopped.iter().map(|s| s.service.clone()).collect(),
        !scan.cannot_judge.is_empty() && scan.series.is_empty(),
    )
}

/// Scan one case on its own memory store.
pub async fn scan_case(case: &Case, agents: &AgentConfig) -> Result<Scan, StoreError> {
    let store = MemoryStore::new();
    store.write_metrics(&case.docs).await?;
    cassandra::scan(&store, agents, case.now).await
}

/// Add one case's outcome to `score`.
pub fn score_case(score: &mut ConditionScore, case: &Case, scan: &Scan) {
    score.cases += 1;
    let detection = scan.detection.as_ref();
    let (stopped, cannot) = findings(scan);
    match &case.expect {
        Expect::Incident { service, onset, class } => {
            score.incidents += 1;
            match detection {
                Some(d) if d.service == service.as_str() => {
                    score.detected += 1;
                    score
                        .onset_errors_min
                        .push((d.onset - *onset).num_seconds().abs() as f64 / 60.0);
                    score.classified += usize::from(d.anomaly_type == *class);
                    score.opened.push((d.confidence, true));
                }
                Some(d) => {
                    score.false_incidents += 1;
                    score.opened.push((d.confidence, false));
                }
                None => {}
            }
        }
        Expect::Nothing | Expect::Stopped(_) | Expect::CannotJudge => {
            if let Some(d) = detection {
                score.false_incidents += 1;
                score.opened.push((d.confidence, false));
            }
            match &case.expect {
                Expect::Stopped(s) => {
                    score.findings += 1;
                    score.findings_reported += usize::from(stopped.iter().any(|x| x == s.as_str()));
                }
                Expect::CannotJudge => {
                    score.findings += 1;
                    score.findings_reported += usize::from(cannot);
                }
                _ => {}
            }
        }
    }
}

/// Every condition family, `per_condition` cases each.
pub async fn evaluate_conditions(
    per_condition: usize,
    anchor: DateTime<Utc>,
    agents: &AgentConfig,
) -> Result<Vec<ConditionScore>, StoreError> {
    let mut out = Vec::new();
    for condition in Condition::ALL {
        let mut score = ConditionScore {
            condition: condition.name().into(),
            ..Default::default()
        };
        for case in family(condition, per_condition, 7_000, anchor) {
            let scan = scan_case(&case, agents).await?;
            score_case(&mut score, &case, &scan);
        }
        out.push(score);
    }
    Ok(out)
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.0}% ({n}/{d})", 100.0 * n as f64 / d as f64)
    }
}

/// The per-condition table (Markdown).
pub fn condition_table(scores: &[ConditionScore]) -> String {
    let mut out = String::from(
        "| condition | cases | detected | median onset error | classified | false incidents | stopped / cannot judge reported |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for s in scores {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            s.condition,
            s.cases,
            pct(s.detected, s.incidents),
            if s.onset_errors_min.is_empty() {
                "—".into()
            } else {
                format!("{:.1} min", super::median_of(&s.onset_errors_min))
            },
            pct(s.classified, s.incidents),
            s.false_incidents,
            pct(s.findings_reported, s.findings),
        ));
    }
    out
}

/// Calibration: incidents opened per confidence band and the share that were real.
pub fn calibration_table(scores: &[ConditionScore]) -> String {
    let bands = [(0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)];
    let mut out = String::from("| confidence | incidents opened | real |\n|---|---|---|\n");
    for (lo, hi) in bands {
        let opened: Vec<bool> = scores
            .iter()
            .flat_map(|s| s.opened.iter())
            .filter(|(c, _)| (lo..hi).contains(c))
            .map(|(_, real)| *real)
            .collect();
        let real = opened.iter().filter(|r| **r).count();
        out.push_str(&format!(
            "| {:.0}–{:.0}% | {} | {} |\n",
            lo * 100.0,
            hi.min(1.0) * 100.0,
            opened.len(),
            pct(real, opened.len())
        ));
    }
    out
}
