//! Every sentence the agents say: decisions, evidence lines and summaries. The
//! agents reason and return typed findings; this module words them. The app's
//! timeline, the CLI and the audit records all read from here, so all three say
//! the same thing, and every text names its mode (simulation or advisory).

use super::archaeologist::{DeployEvent, DominantEvidence, Investigation, RootCause, SimilarIncident};
use super::cassandra::{Detection, Scan};
use super::guardian::{ObservedAction, Verdict, Verification};
use super::pipeline::{IncidentReport, Mode, ReportStatus};
use super::surgeon::{Approval, Plan, Remediation};
use super::{percent, with_unit, AgentConfig};
use crate::model::Agent;
use crate::sim::RunbookAction;
use crate::store::ErrorCodeCount;
use crate::taxonomy::Class;
use crate::time::{hm, hms};
use chrono::{DateTime, Utc};

mod cause;
mod detection;
mod evidence;
mod headline;
mod remedy;

pub use cause::*;
pub use detection::*;
pub use evidence::*;
pub use headline::*;
pub use remedy::*;

/// Roll-back target when the logs do not name one.
pub const PREVIOUS_RELEASE: &str = "the previous release";
pub const SIMILAR_SAME_SERVICE: &str = "same service";

/// How a mode is named in every output.
pub fn mode_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Simulation => "simulation (actions run in the simulated world)",
        Mode::Advisory => "advisory (your data: Surgeon recommends, QuantumState changes nothing)",
    }
}

/// What an agent is doing while it works (the app's progress line).
pub fn working(agent: Agent) -> &'static str {
    match agent {
        Agent::Cassandra => "Cassandra is scanning every service…",
        Agent::Archaeologist => "Archaeologist is digging through logs, changes, the topology and past incidents…",
        Agent::Surgeon => "Surgeon is acting on the root service…",
        Agent::Guardian => "Guardian is watching the recovery…",
    }
}

/// The status as a heading.
pub fn status_label(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::NoIncident => "No incident",
        ReportStatus::AwaitingApproval => "Awaiting approval",
        ReportStatus::Resolved => "RESOLVED",
        ReportStatus::Escalated => "ESCALATED",
        ReportStatus::AwaitingRecovery => "OPEN: awaiting recovery",
    }
}

/// Plain words for a class.
pub fn class_words(class: Class) -> &'static str {
    match class {
        Class::CacheDown => "cache unavailable",
        Class::DatabaseDown => "database unavailable",
        Class::QueueDown => "message queue unavailable",
        Class::UpstreamDown => "upstream service unavailable",
        Class::PoolExhaustion => "connection-pool exhaustion",
        Class::UpstreamTimeout => "upstream timeouts",
        Class::Tls => "TLS/certificate failure",
        Class::Dns => "DNS resolution failure",
        Class::RateLimited => "rate limiting / throttling",
        Class::HeapExhaustion => "heap exhaustion",
        Class::DiskFull => "disk full",
        Class::FdExhaustion => "file-descriptor exhaustion",
        Class::CodeDefect => "code defect",
        Class::BadConfig => "bad configuration",
        Class::Clock => "clock / time problem",
        Class::RetryStorm => "retry storm",
        Class::TrafficSurge => "traffic surge",
        Class::TrafficDrop => "traffic drop",
    }
}

pub fn cause_words(cause: &RootCause) -> String {
    match cause {
        RootCause::Deployment { change, .. } => format!("a {}", change.noun()),
        RootCause::Dependency { name } => format!("a failing dependency ({name})"),
        RootCause::MemoryExhaustion => "heap exhaustion".into(),
        RootCause::Saturation => "capacity saturation".into(),
        RootCause::Evidence { class } => class_words(*class).into(),
        RootCause::Unknown => "an unclear cause".into(),
    }
}

fn label(event: &DeployEvent) -> String {
    format!(
        "{} {}",
        event.kind.noun(),
        event.version.as_deref().unwrap_or("(unversioned)")
    )
}
