//! Own data: what the app shows about files the user brought (what was read,
//! which services the agents can judge), and the post-mortem of any finished
//! run, from core's one renderer.

use super::RunState;
use chrono::{DateTime, Utc};
use quantumstate_core::agents::{IncidentReport, ReportStatus};
use quantumstate_core::topology::Topology;
use quantumstate_core::{postmortem, Agent, MetricType, Service};

/// One service found in the user's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSummary {
    pub service: String,
    /// Whether the seed's catalogue knows it.
    pub in_catalogue: bool,
    /// The seed's metric types it carries: what the agents judge.
    pub known: Vec<MetricType>,
    /// Metric types the agents do not know (not judged).
    pub unknown: Vec<String>,
}

impl ServiceSummary {
    pub fn judged(&self) -> bool {
        !self.known.is_empty()
    }

    /// "ledger-api (not in the catalogue): error_rate, request_latency_ms; not judged: disk_io".
    pub fn describe(&self) -> String {
        let mut s = self.service.clone();
        if !self.in_catalogue {
            s.push_str(" (not in the catalogue)");
        }
        if self.known.is_empty() {
            s.push_str(": not judged, no metric type the agents know");
        } else {
            s.push_str(": ");
            s.push_str(&self.known.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "));
        }
        if !self.unknown.is_empty() {
            s.push_str(&format!(
                "{}{}",
                if self.known.is_empty() { " (" } else { "; not judged: " },
                self.unknown.join(", ")
            ));
            if self.known.is_empty() {
                s.push(')');
            }
        }
        s
    }
}

/// What an advisory run over the user's data is about.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnRun {
    /// Where the data came from: the files' names, or the Elasticsearch indices.
    pub source: String,
    pub metrics: usize,
    pub logs: usize,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The typical spacing of readings within a series.
    pub interval_secs: i64,
    pub services: Vec<ServiceSummary>,
}

impl OwnRun {
    /// The series the chart shows before anything is flagged: the first judged one.
    pub fn story(&self) -> (String, MetricType) {
        self.services
            .iter()
            .find_map(|s| {
                let m = if s.known.contains(&MetricType::ErrorRate) {
                    MetricType::ErrorRate
                } else {
                    *s.known.first()?
                };
                Some((s.service.clone(), m))
            })
            .unwrap_or((Service::PaymentService.as_str().to_string(), MetricType::ErrorRate))
    }
}

impl RunState {
    /// The end of the data the run is about: the scenario's, or the user's.
    pub fn data_end(&self) -> Option<DateTime<Utc>> {
        let own = self.own.as_ref().map(|o| o.end);
        self.loaded.as_ref().map(|l| l.truth.timeline.end).or(own)
    }

    /// A finished run's state from its typed report, the inverse of
    /// [`finished_report`]: each agent's last audit record in its slot. The
    /// caller says what the run was about (`loaded` or `own`).
    pub fn from_report(report: IncidentReport) -> RunState {
        let decisions = std::array::from_fn(|i| report.decision_of(Agent::ALL[i]).cloned());
        RunState {
            mode: report.mode,
            scan: Some(report.scan),
            investigation: report.investigation,
            plan: report.plan,
            remediation: report.remediation,
            verification: report.verification,
            status: Some(report.status),
            decisions,
            ..RunState::default()
        }
    }
}

/// The typed report of a finished run (not one waiting for approval).
pub fn finished_report(run: &RunState) -> Option<IncidentReport> {
    let status = run.status.filter(|s| *s != ReportStatus::AwaitingApproval)?;
    Some(IncidentReport {
        mode: run.mode,
        status,
        scan: run.scan.clone()?,
        investigation: run.investigation.clone(),
        plan: run.plan.clone(),
        remediation: run.remediation.clone(),
        verification: run.verification.clone(),
        decisions: run.decisions.iter().flatten().cloned().collect(),
    })
}

/// The post-mortem of a finished run (core's renderer, as `--format markdown`).
pub fn postmortem_markdown(run: &RunState) -> Option<String> {
    Some(postmortem::markdown(&finished_report(run)?, &Topology::platform()))
}

/// A file name for the post-mortem: `postmortem-<title words>.md`.
pub fn postmortem_file_name(run: &RunState) -> String {
    let title = finished_report(run).map(|r| postmortem::title(&r)).unwrap_or_default();
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("postmortem-{}.md", slug.trim_matches('-'))
}
