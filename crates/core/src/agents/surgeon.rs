//! Surgeon: choose one runbook action, then execute it (or wait for a human).

use super::archaeologist::{Investigation, RootCause};
use super::cassandra::{Detection, SeriesState};
use super::{percent, AgentConfig};
use crate::model::{AnomalyType, Fnv64, Level, LogDoc, MetricDoc, MetricType};
use crate::sim::rng::SimRng;
use crate::sim::{Risk, RunbookAction};
use crate::store::{Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Surgeon's proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub incident_id: String,
    pub service: String,
    pub region: String,
    pub action: RunbookAction,
    pub title: String,
    pub risk: Risk,
    pub expected_effect: String,
    /// The version to roll back to, for a rollback.
    pub target_version: Option<String>,
    pub rationale: String,
    /// The past incident whose fix this cites, as "anomaly_type on service, N days ago: actions".
    pub cited: Option<String>,
    /// 0–1.
    pub confidence: f64,
    pub threshold: f64,
    /// At or above the threshold: Surgeon acts alone.
    pub automatic: bool,
}

impl Plan {
    /// One line for texts: "rollback_deployment of checkout-service to v3.4.2".
    pub fn summary(&self) -> String {
        match &self.target_version {
            Some(v) => format!("{} of {} to {}", self.action, self.service, v),
            None => format!("{} on {}", self.action, self.service),
        }
    }
}

/// Who approved the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    Automatic,
    Human,
}

/// What an executed plan did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    pub plan: Plan,
    pub approval: Approval,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub recovery_points: usize,
    pub decision: String,
    /// False when this incident had already been remediated (nothing was written again).
    pub newly_executed: bool,
}

/// Pick the action for the investigated incident.
pub fn plan(config: &AgentConfig, detection: &Detection, investigation: &Investigation) -> Plan {
    let deploy = investigation.deploy.as_ref();
    let (action, target_version, why) = match &investigation.root_cause {
        RootCause::Deployment { previous, .. } => (
            RunbookAction::RollbackDeployment,
            previous.clone().or_else(|| Some("the previous release".into())),
            "the regression came with the deploy, so removing it removes the cause".to_string(),
        ),
        RootCause::Dependency { name } => (
            RunbookAction::RestartDependencyWithCircuitBreaker,
            None,
            format!(
                "{name} failed, not {}: restart it and shed load from the fallback path",
                detection.service
            ),
        ),
        RootCause::MemoryExhaustion => match deploy.filter(|d| d.lead_minutes >= 0.0) {
            Some(d) => (
                RunbookAction::RollbackDeployment,
                d.previous.clone().or_else(|| Some("the previous release".into())),
                format!("the leak began {:.0} min after a deploy: roll it back", d.lead_minutes),
            ),
            None => (
                RunbookAction::RestartService,
                None,
                "no release precedes this leak, so a rolling restart frees the heap at the lowest risk".to_string(),
            ),
        },
        RootCause::Saturation => (
            RunbookAction::ScaleOut,
            None,
            "load-driven saturation: add capacity".to_string(),
        ),
        RootCause::Unknown => (
            RunbookAction::RestartService,
            None,
            "cause unclear: the lowest-risk action that clears most transient faults".to_string(),
        ),
    };
    let runbook = action.runbook();
    let fits = runbook.remedies.contains(&investigation.anomaly_type)
        || (action == RunbookAction::RestartService
            && investigation.anomaly_type == AnomalyType::MemoryLeakProgressive);
    let similar = investigation.similar.first();
    let cited = similar.map(|s| {
        format!(
            "{} on {}, {:.0} days ago, MTTR {} min: {}",
            s.incident.anomaly_type,
            s.incident.service,
            s.days_ago,
            s.incident.mttr_seconds.unwrap_or(0) / 60,
            s.incident.actions_taken
        )
    });
    let past_used_same = similar.is_some_and(|s| {
        let a = s.incident.actions_taken.to_ascii_lowercase();
        if a.contains(action.as_str()) {
            return true;
        }
        match action {
            RunbookAction::RollbackDeployment => a.contains("roll"),
            RunbookAction::RestartService => a.contains("restart"),
            RunbookAction::RestartDependencyWithCircuitBreaker => {
                a.contains("circuit breaker") || a.contains("restarted")
            }
            RunbookAction::ScaleOut => a.contains("scale"),
        }
    });
    let confidence =
        (investigation.confidence * if fits { 1.0 } else { 0.85 } + if past_used_same { 0.02 } else { 0.0 }).min(0.99);
    let rationale = match (&cited, past_used_same) {
        (Some(c), true) => format!("{why}. It worked before: {c}."),
        (Some(c), false) => format!("{why}. Last time ({c}) a different fix was used."),
        (None, _) => format!("{why}."),
    };
    Plan {
        incident_id: detection.incident_id(),
        service: detection.service.clone(),
        region: detection.region.clone(),
        action,
        title: runbook.title.to_string(),
        risk: runbook.risk,
        expected_effect: runbook.expected_effect.to_string(),
        target_version,
        rationale,
        cited,
        confidence,
        threshold: config.approval_threshold,
        automatic: confidence >= config.approval_threshold,
    }
}

/// The decision text for a plan waiting for a human.
pub fn awaiting_text(plan: &Plan) -> String {
    format!(
        "Proposes {} ({} risk): {} Confidence {}% is below the {}% threshold: waiting for human approval.",
        plan.summary(),
        plan.risk,
        plan.rationale,
        percent(plan.confidence),
        percent(plan.threshold)
    )
}

fn log_line(at: DateTime<Utc>, plan: &Plan, level: Level, message: String) -> LogDoc {
    LogDoc {
        timestamp: at,
        service: plan.service.clone(),
        region: plan.region.clone(),
        level,
        message,
        trace_id: None,
        error_code: None,
    }
}

/// The event lines an action writes (start, done).
fn event_lines(plan: &Plan, started: DateTime<Utc>, finished: DateTime<Utc>) -> Vec<LogDoc> {
    let (start, done) = match plan.action {
        RunbookAction::RollbackDeployment => (
            format!(
                "Rollback of {} to {} started by Surgeon (runbook {})",
                plan.service,
                plan.target_version.as_deref().unwrap_or("previous release"),
                plan.action
            ),
            format!(
                "Rollback to {} complete — {} serving the previous release",
                plan.target_version.as_deref().unwrap_or("previous release"),
                plan.service
            ),
        ),
        RunbookAction::RestartService => (
            format!(
                "Rolling restart of {} started by Surgeon (runbook {})",
                plan.service, plan.action
            ),
            format!("Rolling restart of {} complete — all pods healthy", plan.service),
        ),
        RunbookAction::RestartDependencyWithCircuitBreaker => (
            format!(
                "Restarting failed dependency of {} and opening circuit breaker (runbook {})",
                plan.service, plan.action
            ),
            format!(
                "Dependency back online; circuit breaker on {} fallback path half-open",
                plan.service
            ),
        ),
        RunbookAction::ScaleOut => (
            format!("Scaling out {} by 2 replicas (runbook {})", plan.service, plan.action),
            format!("Scale-out of {} complete — 2 new replicas ready", plan.service),
        ),
    };
    vec![
        log_line(started, plan, Level::Info, start),
        log_line(finished, plan, Level::Info, done),
    ]
}

/// Recovery telemetry after the action: every metric of the service eases from
/// its last reading back to its own baseline (time constant 1.5 min) with its
/// baseline noise. Deterministic in the incident id.
fn recovery(plan: &Plan, series: &[SeriesState], from: DateTime<Utc>, minutes: i64, step: TimeDelta) -> Vec<MetricDoc> {
    let mut h = Fnv64::new();
    h.write(&plan.incident_id);
    let mut out = Vec::new();
    for (i, s) in series.iter().filter(|s| s.key.service == plan.service).enumerate() {
        let mut rng = SimRng::new(h.finish(), i as u64);
        let metric = MetricType::parse(&s.key.metric_type);
        let mut at = from + step;
        while at <= from + TimeDelta::minutes(minutes) {
            let t = (at - from).num_seconds() as f64 / 60.0;
            let settle = libm::exp(-t / 1.5);
            let noise = 0.5 * s.baseline.sigma * rng.normal();
            let mut value = s.baseline.median + (s.last - s.baseline.median) * settle + noise;
            if let Some(m) = metric {
                // Recovered readings settle inside the seed's healthy range.
                let (lo, hi) = m.healthy_range();
                if settle < 0.05 {
                    value = value.clamp(lo + (hi - lo) * 0.02, hi - (hi - lo) * 0.02);
                }
                value = value.max(0.0);
            }
            out.push(MetricDoc {
                timestamp: at,
                service: plan.service.clone(),
                region: plan.region.clone(),
                metric_type: s.key.metric_type.clone(),
                value: (value * 100.0).round() / 100.0,
                unit: metric.map(|m| m.unit().to_string()).unwrap_or_default(),
            });
            at += step;
        }
    }
    out
}

/// Execute `plan` at `at`: event log lines, recovery telemetry, and the decision record.
pub async fn execute<S: Store>(
    store: &S,
    config: &AgentConfig,
    plan: &Plan,
    series: &[SeriesState],
    approval: Approval,
    at: DateTime<Utc>,
) -> Result<Remediation, StoreError> {
    let started = at;
    let finished = at + TimeDelta::seconds(config.remediation_secs);
    let already = store.decisions(500).await?.into_iter().any(|d| {
        d.agent == crate::model::Agent::Surgeon
            && d.context["incident_id"] == plan.incident_id
            && d.context["executed"] == true
    });
    let step = TimeDelta::seconds(config.bucket_secs.max(1));
    let points = recovery(plan, series, finished, config.verify_minutes, step);
    let recovery_points = points.len();
    if !already {
        store.write_logs(&event_lines(plan, started, finished)).await?;
        store.write_metrics(&points).await?;
    }
    let who = match approval {
        Approval::Automatic => format!(
            "automatically (confidence {}% ≥ {}%)",
            percent(plan.confidence),
            percent(plan.threshold)
        ),
        Approval::Human => format!("after human approval (confidence {}%)", percent(plan.confidence)),
    };
    let decision = format!(
        "Executed {} {}: {} Risk: {}. Expected: {}.",
        plan.summary(),
        who,
        plan.rationale,
        plan.risk,
        plan.expected_effect
    );
    Ok(Remediation {
        plan: plan.clone(),
        approval,
        started_at: started,
        finished_at: finished,
        recovery_points,
        decision,
        newly_executed: !already,
    })
}
