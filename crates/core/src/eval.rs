//! Agent quality over many seeded scenario variants: the numbers behind
//! `quantumstate eval`.

use crate::agents::guardian::Verdict;
use crate::agents::{AgentConfig, Pipeline, ReportStatus};
use crate::model::{MetricType, Service};
use crate::sim::{RunbookAction, Scenario, SimConfig};
use crate::store::{load_scenario, MemoryStore, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub mod condition_score;
pub mod conditions;

/// The variants: every scenario in turn, with seeds, intensities (0.6–2.0),
/// target services, noise (0.6–1.6×) and the daily rhythm varied.
pub fn variants(count: usize, anchor: DateTime<Utc>) -> Vec<SimConfig> {
    (0..count)
        .map(|i| {
            let scenario = Scenario::ALL[i % Scenario::ALL.len()];
            let round = i / Scenario::ALL.len();
            let mut c = SimConfig::new(
                scenario,
                1_000 + i as u64,
                anchor + chrono::TimeDelta::minutes(37 * i as i64),
            );
            c.intensity = [1.0, 0.6, 1.4, 2.0, 0.8][round % 5];
            c.noise = [1.0, 1.3, 0.6, 1.6, 0.8, 1.15][round % 6];
            c.daily_rhythm = round % 4 != 3;
            if scenario != Scenario::Healthy && round % 2 == 1 {
                c.target = Some(Service::ALL[(round / 2) % Service::ALL.len()]);
            }
            c
        })
        .collect()
}

fn expected_cause(s: Scenario) -> Option<&'static str> {
    match s {
        Scenario::MemoryLeak => Some("memory_exhaustion"),
        Scenario::DeploymentRollback => Some("deployment"),
        Scenario::ErrorSpike | Scenario::RedHerring => Some("dependency"),
        Scenario::Healthy => None,
    }
}

fn expected_action(s: Scenario) -> Option<RunbookAction> {
    match s {
        Scenario::MemoryLeak => Some(RunbookAction::RestartService),
        Scenario::DeploymentRollback => Some(RunbookAction::RollbackDeployment),
        Scenario::ErrorSpike | Scenario::RedHerring => Some(RunbookAction::RestartDependencyWithCircuitBreaker),
        Scenario::Healthy => None,
    }
}

/// One scenario's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScenarioScore {
    pub scenario: String,
    pub runs: usize,
    pub detected: usize,
    pub false_alarms: usize,
    /// Hours of healthy data scanned (healthy runs only).
    pub healthy_hours: f64,
    pub classified: usize,
    pub root_cause: usize,
    pub action: usize,
    pub resolved: usize,
    /// Minutes from the true onset to the flag.
    pub delays_min: Vec<f64>,
    /// Minutes from the flag to the primary metric's alarm crossing (when it crossed after).
    pub leads_min: Vec<f64>,
    pub mttr_min: Vec<f64>,
}

/// Median of a list (0 when empty).
pub fn median_of(values: &[f64]) -> f64 {
    crate::agents::stats::median(values).unwrap_or(0.0)
}

/// Run every variant through the pipeline on its own memory store.
pub async fn evaluate(configs: &[SimConfig], agents: &AgentConfig) -> Result<Vec<ScenarioScore>, StoreError> {
    let mut scores: Vec<ScenarioScore> = Scenario::ALL
        .iter()
        .map(|s| ScenarioScore {
            scenario: s.name().into(),
            ..Default::default()
        })
        .collect();
    for config in configs {
        let store = MemoryStore::new();
        let data = load_scenario(&store, config, &mut |_, _| {}).await?;
        let report = Pipeline::new(&store, agents.clone())
            .run(data.truth.timeline.end)
            .await?;
        let score = &mut scores[Scenario::ALL.iter().position(|s| *s == config.scenario).unwrap_or(0)];
        score.runs += 1;
        let detection = report.scan.detection.as_ref();
        let Some(truth_service) = data.truth.service else {
            score.healthy_hours += agents.analysis_minutes as f64 / 60.0;
            score.false_alarms += usize::from(detection.is_some());
            continue;
        };
        let Some(d) = detection.filter(|d| d.service == truth_service.as_str()) else {
            continue;
        };
        score.detected += 1;
        score
            .delays_min
            .push((d.detected_at - data.truth.timeline.onset).num_seconds() as f64 / 60.0);
        if let Some(metric) = d.primary.metric() {
            let crossed = data
                .metrics
                .iter()
                .filter(|m| m.service == d.service && m.metric_type == metric.as_str() && m.timestamp >= d.onset)
                .find(|m| metric.is_alarm(m.value))
                .map(|m| m.timestamp);
            if let Some(crossed) = crossed.filter(|c| *c > d.detected_at && metric == MetricType::MemoryPercent) {
                score
                    .leads_min
                    .push((crossed - d.detected_at).num_seconds() as f64 / 60.0);
            }
        }
        if let Some(inv) = &report.investigation {
            score.classified += usize::from(Some(inv.anomaly_type) == config.scenario.expected_anomaly());
            score.root_cause += usize::from(Some(inv.root_cause.name()) == expected_cause(config.scenario));
        }
        if let Some(plan) = &report.plan {
            score.action += usize::from(Some(plan.action) == expected_action(config.scenario));
        }
        if report.status == ReportStatus::Resolved {
            score.resolved += 1;
            if let Some(Verdict::Resolved { mttr_seconds, .. }) = report.verification.as_ref().map(|v| &v.verdict) {
                score.mttr_min.push(*mttr_seconds as f64 / 60.0);
            }
        }
    }
    Ok(scores)
}

/// The table `quantumstate eval` prints (Markdown).
pub fn table(scores: &[ScenarioScore]) -> String {
    let pct = |n: usize, d: usize| {
        if d == 0 {
            "—".to_string()
        } else {
            format!("{:.0}%", 100.0 * n as f64 / d as f64)
        }
    };
    let mut out = String::from(
        "| scenario | runs | detected | false alarms / healthy hour | median delay after onset | median lead before alarm | classified | root cause | action | resolved | median MTTR |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for s in scores {
        let fault = s.healthy_hours == 0.0;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.scenario,
            s.runs,
            if fault { pct(s.detected, s.runs) } else { "—".into() },
            if fault {
                "—".into()
            } else {
                format!(
                    "{:.3} ({} in {:.0} h)",
                    s.false_alarms as f64 / s.healthy_hours.max(1e-9),
                    s.false_alarms,
                    s.healthy_hours
                )
            },
            if s.delays_min.is_empty() {
                "—".into()
            } else {
                format!("{:.1} min", median_of(&s.delays_min))
            },
            if s.leads_min.is_empty() {
                "—".into()
            } else {
                format!("{:.1} min", median_of(&s.leads_min))
            },
            if fault { pct(s.classified, s.runs) } else { "—".into() },
            if fault { pct(s.root_cause, s.runs) } else { "—".into() },
            if fault { pct(s.action, s.runs) } else { "—".into() },
            if fault { pct(s.resolved, s.runs) } else { "—".into() },
            if s.mttr_min.is_empty() {
                "—".into()
            } else {
                format!("{:.1} min", median_of(&s.mttr_min))
            },
        ));
    }
    out
}
