//! Surgeon: choose the one runbook action that fits the cause, on the root service.
//!
//! Surgeon only decides. In the simulation the pipeline has the simulator carry
//! the action out ([`crate::sim::recovery`]); in advisory mode it is a recommendation.

use super::archaeologist::{Investigation, RootCause};
use super::cassandra::Detection;
use super::narrate;
use super::AgentConfig;
use crate::changes::ChangeKind;
use crate::sim::{Risk, RunbookAction};
use crate::taxonomy::Class;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A plan that does not fit its evidence class keeps this share of its confidence.
const MISFIT_FACTOR: f64 = 0.85;
/// A past incident fixed by the same action adds this much.
const SAME_FIX_BONUS: f64 = 0.02;

/// Surgeon's proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub incident_id: String,
    /// The root service: where the action runs.
    pub service: String,
    pub region: String,
    pub action: RunbookAction,
    pub title: String,
    pub risk: Risk,
    pub expected_effect: String,
    /// The version to roll back to, for a rollback.
    pub target_version: Option<String>,
    /// The dependency the action is aimed at, if not the service itself.
    #[serde(default)]
    pub target: Option<String>,
    /// The evidence class the action answers.
    #[serde(default)]
    pub class: Option<Class>,
    /// Whether the catalogue lists this action as a remedy for that class.
    #[serde(default)]
    pub fits: bool,
    pub rationale: String,
    /// The past incident whose fix this cites, as "anomaly_type on service, N days ago: actions".
    pub cited: Option<String>,
    /// 0–1, never above the detection's.
    pub confidence: f64,
    pub threshold: f64,
    /// At or above the threshold, and an action that changes something: Surgeon
    /// acts alone (simulation only).
    pub automatic: bool,
}

impl Plan {
    /// One line for texts: "rollback of checkout-service to v3.4.2".
    pub fn summary(&self) -> String {
        narrate::plan_summary(self)
    }
}

/// Who approved the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    Automatic,
    Human,
}

/// What an executed plan did (simulation only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    pub plan: Plan,
    pub approval: Approval,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Readings the simulated recovery wrote.
    pub recovery_points: usize,
    pub decision: String,
    /// False when this incident had already been remediated (nothing was written again).
    pub newly_executed: bool,
}

/// The class an action should answer, when the cause implies one.
fn implied_class(inv: &Investigation) -> Option<Class> {
    match &inv.root_cause {
        RootCause::MemoryExhaustion => Some(Class::HeapExhaustion),
        RootCause::Saturation => Some(Class::TrafficSurge),
        RootCause::Evidence { class } => Some(*class),
        _ => inv.class,
    }
}

fn action_for(inv: &Investigation) -> (RunbookAction, Option<String>) {
    match &inv.root_cause {
        RootCause::Deployment {
            change, previous: p, ..
        } => match change {
            ChangeKind::Deploy => (
                RunbookAction::RollbackDeployment,
                p.clone().or_else(|| Some(narrate::PREVIOUS_RELEASE.into())),
            ),
            ChangeKind::Config | ChangeKind::FeatureFlag => (RunbookAction::RevertConfig, None),
        },
        RootCause::Dependency { .. } => match inv.class {
            Some(Class::DatabaseDown) => (RunbookAction::FailOverDatabase, None),
            _ => (RunbookAction::RestartDependencyWithCircuitBreaker, None),
        },
        // A leak after a blamed release is a Deployment cause; alone, a restart frees the heap.
        RootCause::MemoryExhaustion => (RunbookAction::RestartService, None),
        RootCause::Saturation => (RunbookAction::ScaleOut, None),
        RootCause::Evidence { class } => (
            match class {
                Class::PoolExhaustion => RunbookAction::RelieveConnectionPool,
                Class::UpstreamTimeout => RunbookAction::RestartDependencyWithCircuitBreaker,
                Class::Tls => RunbookAction::RotateCertificate,
                Class::Dns => RunbookAction::SwitchResolver,
                Class::RateLimited => RunbookAction::ShedLoad,
                Class::DiskFull => RunbookAction::FreeDisk,
                Class::FdExhaustion | Class::HeapExhaustion => RunbookAction::RestartService,
                Class::BadConfig => RunbookAction::RevertConfig,
                Class::Clock => RunbookAction::ResyncClock,
                Class::RetryStorm => RunbookAction::CapRetries,
                Class::TrafficSurge => RunbookAction::ScaleOut,
                Class::DatabaseDown => RunbookAction::FailOverDatabase,
                Class::CacheDown | Class::QueueDown | Class::UpstreamDown => {
                    RunbookAction::RestartDependencyWithCircuitBreaker
                }
                Class::CodeDefect | Class::TrafficDrop => RunbookAction::PageOwner,
            },
            None,
        ),
        RootCause::Unknown => (RunbookAction::PageOwner, None),
    }
}

/// Pick the action for the investigated incident.
pub fn plan(config: &AgentConfig, detection: &Detection, investigation: &Investigation) -> Plan {
    let (action, target_version) = action_for(investigation);
    let runbook = action.runbook();
    let class = implied_class(investigation);
    let fits = match (&investigation.root_cause, class) {
        (RootCause::Deployment { .. }, _) => true,
        (_, Some(c)) => runbook.fits.contains(&c),
        (_, None) => false,
    };
    let similar = investigation.similar.first();
    let past_used_same = similar.is_some_and(|s| narrate::mentions_action(&s.incident.actions_taken, action));
    let raw = investigation.confidence * if fits { 1.0 } else { MISFIT_FACTOR }
        + if past_used_same { SAME_FIX_BONUS } else { 0.0 };
    // The chain: a plan is never surer than the detection it answers.
    let confidence = raw.min(0.99).min(detection.confidence);
    let target = match &investigation.root_cause {
        RootCause::Dependency { name } if *name != investigation.root_service => Some(name.clone()),
        _ => None,
    };
    let mut plan = Plan {
        incident_id: detection.incident_id(),
        service: investigation.root_service.clone(),
        region: if investigation.root_service == detection.service {
            detection.region.clone()
        } else {
            crate::Service::parse(&investigation.root_service)
                .map(|s| s.region().to_string())
                .unwrap_or_else(|| detection.region.clone())
        },
        action,
        title: runbook.title.to_string(),
        risk: runbook.risk,
        expected_effect: runbook.expected_effect.to_string(),
        target_version,
        target,
        class,
        fits,
        rationale: String::new(),
        cited: similar.map(narrate::cited),
        confidence,
        threshold: config.approval_threshold,
        automatic: confidence >= config.approval_threshold && action != RunbookAction::PageOwner,
    };
    plan.rationale = narrate::plan_rationale(&plan, investigation, past_used_same);
    plan
}
