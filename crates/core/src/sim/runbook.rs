//! The runbook catalogue Surgeon chooses from.

use crate::taxonomy::Class;
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

/// A remediation Surgeon can execute (in the simulation) or recommend (advisory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunbookAction {
    RollbackDeployment,
    RevertConfig,
    RestartService,
    RestartDependencyWithCircuitBreaker,
    FailOverDatabase,
    RelieveConnectionPool,
    RotateCertificate,
    SwitchResolver,
    ShedLoad,
    ScaleOut,
    CapRetries,
    FreeDisk,
    ResyncClock,
    /// Nothing fits the evidence: hand a human the dominant evidence.
    PageOwner,
}

impl RunbookAction {
    pub fn as_str(self) -> &'static str {
        self.runbook().name
    }

    pub fn runbook(self) -> &'static Runbook {
        RUNBOOKS
            .iter()
            .find(|r| r.action == self)
            .expect("every action has a runbook")
    }

    /// Whether carrying it out changes the world (paging a human does not).
    pub fn changes_something(self) -> bool {
        self != RunbookAction::PageOwner
    }

    pub fn parse(text: &str) -> Option<RunbookAction> {
        RUNBOOKS.iter().find(|r| r.name == text).map(|r| r.action)
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
    /// Its name in records and texts (snake case).
    pub name: &'static str,
    pub title: &'static str,
    pub risk: Risk,
    pub expected_effect: &'static str,
    /// Evidence classes this action is a known remedy for: a plan must fit its class.
    pub fits: &'static [Class],
}

/// The catalogue.
pub const RUNBOOKS: [Runbook; 14] = [
    Runbook {
        action: RunbookAction::RollbackDeployment,
        name: "rollback_deployment",
        title: "Roll back to the previous release",
        risk: Risk::Medium,
        expected_effect: "Removes the faulty change; errors, latency and heap return to baseline within minutes",
        fits: &[
            Class::CodeDefect,
            Class::HeapExhaustion,
            Class::FdExhaustion,
            Class::RetryStorm,
            Class::BadConfig,
        ],
    },
    Runbook {
        action: RunbookAction::RevertConfig,
        name: "revert_config",
        title: "Revert the config change or feature flag",
        risk: Risk::Low,
        expected_effect: "Restores the last known-good settings; the failing path stops within a minute",
        fits: &[
            Class::BadConfig,
            Class::CodeDefect,
            Class::PoolExhaustion,
            Class::RateLimited,
        ],
    },
    Runbook {
        action: RunbookAction::RestartService,
        name: "restart_service",
        title: "Rolling restart of the service",
        risk: Risk::Low,
        expected_effect: "Frees leaked memory, descriptors and stuck workers; buys time, does not remove the cause",
        fits: &[Class::HeapExhaustion, Class::FdExhaustion],
    },
    Runbook {
        action: RunbookAction::RestartDependencyWithCircuitBreaker,
        name: "restart_dependency_with_circuit_breaker",
        title: "Restart the failed dependency behind an open circuit breaker",
        risk: Risk::Medium,
        expected_effect:
            "Dependency back online; the breaker fails fast and sheds load from the fallback path meanwhile",
        fits: &[
            Class::CacheDown,
            Class::QueueDown,
            Class::UpstreamDown,
            Class::UpstreamTimeout,
        ],
    },
    Runbook {
        action: RunbookAction::FailOverDatabase,
        name: "fail_over_database",
        title: "Fail over to the database replica",
        risk: Risk::High,
        expected_effect: "Writes move to the promoted replica; connection errors stop once clients reconnect",
        fits: &[Class::DatabaseDown],
    },
    Runbook {
        action: RunbookAction::RelieveConnectionPool,
        name: "relieve_connection_pool",
        title: "Kill long-running queries and raise the pool within the database's limit",
        risk: Risk::Medium,
        expected_effect:
            "Connections return to the pool; acquire timeouts stop (scale-out would only add waiting clients)",
        fits: &[Class::PoolExhaustion],
    },
    Runbook {
        action: RunbookAction::RotateCertificate,
        name: "rotate_certificate",
        title: "Rotate the expired or untrusted certificate and reload TLS",
        risk: Risk::Low,
        expected_effect: "Handshakes succeed again; a restart would keep serving the same certificate",
        fits: &[Class::Tls],
    },
    Runbook {
        action: RunbookAction::SwitchResolver,
        name: "switch_resolver",
        title: "Switch to the secondary DNS resolver and flush the resolver cache",
        risk: Risk::Low,
        expected_effect: "Names resolve again; calls to the affected hosts recover within the cache TTL",
        fits: &[Class::Dns],
    },
    Runbook {
        action: RunbookAction::ShedLoad,
        name: "shed_load",
        title: "Rate-limit our outbound calls and shed non-critical load",
        risk: Risk::Low,
        expected_effect: "Requests fall under the provider's quota; 429s stop while critical traffic flows",
        fits: &[Class::RateLimited, Class::TrafficSurge, Class::RetryStorm],
    },
    Runbook {
        action: RunbookAction::ScaleOut,
        name: "scale_out",
        title: "Scale out by two replicas",
        risk: Risk::Low,
        expected_effect: "More capacity for load-driven latency and CPU saturation",
        fits: &[Class::TrafficSurge],
    },
    Runbook {
        action: RunbookAction::CapRetries,
        name: "cap_retries",
        title: "Cap retries with a retry budget and jittered backoff",
        risk: Risk::Low,
        expected_effect: "Retry amplification stops; the dependency gets room to recover",
        fits: &[Class::RetryStorm],
    },
    Runbook {
        action: RunbookAction::FreeDisk,
        name: "free_disk",
        title: "Rotate and purge logs, then expand the volume",
        risk: Risk::Medium,
        expected_effect: "Writes succeed again once free space is back above 10%",
        fits: &[Class::DiskFull],
    },
    Runbook {
        action: RunbookAction::ResyncClock,
        name: "resync_clock",
        title: "Resynchronise the clock with NTP and restart token validation",
        risk: Risk::Low,
        expected_effect: "Tokens and signatures validate again once the skew is under a second",
        fits: &[Class::Clock],
    },
    Runbook {
        action: RunbookAction::PageOwner,
        name: "page_owner",
        title: "Page the owning team with the dominant evidence",
        risk: Risk::Low,
        expected_effect: "A human investigates the named evidence; nothing changes until then",
        fits: &[Class::TrafficDrop],
    },
];
