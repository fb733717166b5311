//! The runbook catalogue Surgeon chooses from.

use crate::model::AnomalyType;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How much could go wrong if the action itself misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        })
    }
}

/// A remediation Surgeon can execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunbookAction {
    RollbackDeployment,
    RestartService,
    RestartDependencyWithCircuitBreaker,
    ScaleOut,
}

impl RunbookAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RunbookAction::RollbackDeployment => "rollback_deployment",
            RunbookAction::RestartService => "restart_service",
            RunbookAction::RestartDependencyWithCircuitBreaker => "restart_dependency_with_circuit_breaker",
            RunbookAction::ScaleOut => "scale_out",
        }
    }

    pub fn runbook(self) -> &'static Runbook {
        RUNBOOKS
            .iter()
            .find(|r| r.action == self)
            .expect("every action has a runbook")
    }
}

impl fmt::Display for RunbookAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runbook {
    pub action: RunbookAction,
    pub title: &'static str,
    pub risk: Risk,
    pub expected_effect: &'static str,
    /// Anomaly types this action is a known remedy for.
    pub remedies: &'static [AnomalyType],
}

/// The catalogue.
pub const RUNBOOKS: [Runbook; 4] = [
    Runbook {
        action: RunbookAction::RollbackDeployment,
        title: "Roll back to the previous release",
        risk: Risk::Medium,
        expected_effect: "Removes the faulty change; error rate and heap return to baseline within minutes",
        remedies: &[AnomalyType::DeploymentRegression, AnomalyType::MemoryLeakProgressive],
    },
    Runbook {
        action: RunbookAction::RestartService,
        title: "Rolling restart of the service",
        risk: Risk::Low,
        expected_effect: "Frees leaked memory and stuck workers; buys time, does not remove the cause",
        remedies: &[AnomalyType::MemoryLeakProgressive, AnomalyType::ResourceSaturation],
    },
    Runbook {
        action: RunbookAction::RestartDependencyWithCircuitBreaker,
        title: "Restart the failed dependency and open its circuit breaker",
        risk: Risk::Medium,
        expected_effect: "Dependency back online; the breaker sheds load from the fallback path meanwhile",
        remedies: &[AnomalyType::ErrorSpikeSudden],
    },
    Runbook {
        action: RunbookAction::ScaleOut,
        title: "Scale out by two replicas",
        risk: Risk::Low,
        expected_effect: "More capacity for load-driven latency and CPU saturation",
        remedies: &[
            AnomalyType::LatencyDegradation,
            AnomalyType::ResourceSaturation,
            AnomalyType::TrafficDrop,
        ],
    },
];
