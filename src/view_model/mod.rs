//! What the views show, computed from the run and the store's answers: plain
//! data and pure functions, no DOM and no store access (tested in the browser).

use chrono::{DateTime, Utc};
use quantumstate_core::agents::archaeologist::{Investigation, RootCause};
use quantumstate_core::agents::cassandra::{Detection, Scan};
use quantumstate_core::agents::guardian::{Verdict, Verification};
use quantumstate_core::agents::surgeon::{Plan, Remediation};
use quantumstate_core::agents::{narrate, Mode, ReportStatus};
use quantumstate_core::sim;
use quantumstate_core::topology::Topology;
use quantumstate_core::{Agent, DecisionDoc, Health, MetricType, Service};

mod chart;
mod own;
pub use chart::*;
pub use own::*;

/// What loading a scenario produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: sim::SimConfig,
    pub generated: usize,
    pub fingerprint: String,
    pub truth: sim::GroundTruth,
}

impl Loaded {
    /// `fingerprint` is `data`'s ([`sim::Dataset::fingerprint`], computed in slices by the caller).
    pub fn of(config: &sim::SimConfig, data: &sim::Dataset, fingerprint: String) -> Loaded {
        Loaded {
            config: config.clone(),
            generated: data.len(),
            fingerprint,
            truth: data.truth.clone(),
        }
    }
}

/// One row of the audit panel: the record, with its context kept as compact
/// JSON text (formatted only when opened) rather than as a parsed value.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: String,
    pub doc: DecisionDoc,
    pub context: String,
    /// Written in advisory mode (core marks the record's context `"mode": "advisory"`).
    pub advisory: bool,
}

impl From<DecisionDoc> for AuditRow {
    fn from(mut doc: DecisionDoc) -> Self {
        let advisory = doc.context["mode"] == "advisory";
        let context = std::mem::take(&mut doc.context).to_string();
        AuditRow {
            id: quantumstate_core::Document::doc_id(&doc),
            doc,
            context,
            advisory,
        }
    }
}

impl AuditRow {
    /// The context, indented for reading.
    pub fn pretty_context(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.context)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| self.context.clone())
    }
}

/// One service's latest readings and overall health.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceHealth {
    pub service: Service,
    pub health: Health,
    /// (metric, latest value)
    pub latest: Vec<(MetricType, f64)>,
    /// The last hour, one-minute averages, of the sparkline metrics.
    pub sparks: Vec<(MetricType, Vec<f64>)>,
}

/// The metrics the health cards draw as sparklines.
pub const SPARK_METRICS: [MetricType; 3] = [
    MetricType::MemoryPercent,
    MetricType::ErrorRate,
    MetricType::RequestLatencyMs,
];

/// Where an incident run stands, for the timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    pub loaded: Option<Loaded>,
    /// Advisory: the user's data (or the indices as they are), not a scenario.
    pub own: Option<OwnRun>,
    pub mode: Mode,
    pub scan: Option<Scan>,
    pub investigation: Option<Investigation>,
    pub plan: Option<Plan>,
    pub remediation: Option<Remediation>,
    pub verification: Option<Verification>,
    pub status: Option<ReportStatus>,
    /// In a live replay, the simulated "now" reached so far.
    pub replay_now: Option<DateTime<Utc>>,
    /// The audit record of each agent, in pipeline order.
    pub decisions: [Option<DecisionDoc>; 4],
    /// Wall-clock milliseconds each agent took.
    pub elapsed_ms: [Option<f64>; 4],
}

impl RunState {
    pub fn verdict_label(&self) -> Option<&'static str> {
        self.status.map(status_label)
    }

    /// The run as narration reads it (the app runs the simulation).
    pub fn story(&self) -> narrate::Story<'_> {
        narrate::Story {
            mode: self.mode,
            scan: self.scan.as_ref(),
            investigation: self.investigation.as_ref(),
            plan: self.plan.as_ref(),
            remediation: self.remediation.as_ref(),
            verification: self.verification.as_ref(),
        }
    }

    pub fn detection(&self) -> Option<&Detection> {
        self.scan.as_ref().and_then(|s| s.detection.as_ref())
    }

    /// How many agent cards the finished run fills (Surgeon's counts while it waits).
    pub fn cards(&self) -> usize {
        match self.status {
            Some(ReportStatus::AwaitingApproval) => 3,
            _ => self.decisions.iter().take_while(|d| d.is_some()).count(),
        }
    }
}

/// The verdict as the pill shows it (core's narration words it).
pub fn status_label(status: ReportStatus) -> &'static str {
    quantumstate_core::agents::narrate::status_label(status)
}

/// The CSS/test name of a status (`resolved`, `awaitingapproval`, …).
pub fn status_class(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::NoIncident => "noincident",
        ReportStatus::AwaitingApproval => "awaitingapproval",
        ReportStatus::Resolved => "resolved",
        ReportStatus::Escalated => "escalated",
        ReportStatus::AwaitingRecovery => "awaitingrecovery",
    }
}

/// The banner's colour: what state the incident is in, as far as it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Nothing run yet.
    Idle,
    /// An incident is open (being worked, or its story is still being told).
    Open,
    Waiting,
    Resolved,
    Escalated,
    /// A scan found nothing.
    Quiet,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Idle => "idle",
            Tone::Open => "open",
            Tone::Waiting => "waiting",
            Tone::Resolved => "resolved",
            Tone::Escalated => "escalated",
            Tone::Quiet => "quiet",
        }
    }
}

/// The one line that tells the incident, with its severity.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub tone: Tone,
    /// "Critical" or "Degraded" (the worst reading of the incident), if there is one.
    pub severity: Option<Health>,
    /// The state in words ("Resolved", "Investigating…").
    pub status: &'static str,
    /// What the story has told so far (or, while nothing is, what is happening).
    pub sentence: String,
    /// Whether `sentence` only says what is happening (nothing told yet).
    pub working: bool,
    /// The rest of the finished story, not told yet: drawn invisibly, so the
    /// banner has its final size from the start and nothing below it moves.
    pub untold: String,
}

/// The worst health among the incident's anomalous readings.
pub fn severity(d: &Detection) -> Health {
    std::iter::once(&d.primary)
        .chain(&d.corroborating)
        .filter_map(|a| Some(Health::of(a.metric()?, a.current)))
        .max()
        .unwrap_or(Health::Degraded)
        .max(Health::Degraded)
}

/// The headline once `shown` agent cards are on screen: core's narration tells
/// the incident, clause by clause (the staged reveal tells them in order; a
/// finished reveal shows all of it).
pub fn headline(run: &RunState, shown: usize) -> Headline {
    // Whose data the sentence is about.
    let running = match (&run.loaded, &run.own) {
        (Some(l), _) => format!("Simulating {}", l.config.scenario.title()),
        (None, Some(_)) => "Analysing your data".to_string(),
        (None, None) => {
            return Headline {
                tone: Tone::Idle,
                severity: None,
                status: "Ready",
                sentence: "Pick a failure to inject: four agents will detect, diagnose, fix and verify it.".into(),
                working: false,
                untold: String::new(),
            }
        }
    };
    // Until the pipeline has finished nothing is known of the final sentence.
    let clauses = if run.status.is_some() {
        narrate::headline(&run.story(), run.status)
    } else {
        Vec::new()
    };
    let told = |c: &narrate::Clause| Agent::ALL.iter().position(|a| *a == c.agent).unwrap_or(0) < shown;
    let (said, rest): (Vec<_>, Vec<_>) = clauses.into_iter().partition(told);
    let whole = |cs: &[narrate::Clause], first: bool| {
        cs.iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 && first {
                    c.text.clone()
                } else {
                    format!("; {}", c.text)
                }
            })
            .collect::<String>()
    };
    let untold = if rest.is_empty() {
        String::new()
    } else {
        format!("{}.", whole(&rest, said.is_empty()))
    };
    if said.is_empty() {
        return Headline {
            tone: Tone::Open,
            severity: None,
            status: "Running…",
            sentence: format!("{running}: Cassandra is scanning every service…"),
            working: true,
            untold,
        };
    }
    let sentence = format!("{}{}", whole(&said, true), if rest.is_empty() { "." } else { "" });
    let Some(d) = run.detection() else {
        return Headline {
            tone: Tone::Quiet,
            severity: None,
            status: "No incident",
            sentence,
            working: false,
            untold,
        };
    };
    let (mut tone, mut status) = (Tone::Open, "Investigating…");
    if shown >= 3 && run.status == Some(ReportStatus::AwaitingApproval) {
        (tone, status) = (Tone::Waiting, "Awaiting approval");
    }
    if let Some(v) = run.verification.as_ref().filter(|_| shown >= 4) {
        (tone, status) = match v.verdict {
            Verdict::Resolved { .. } => (Tone::Resolved, "Resolved"),
            Verdict::Escalate { .. } => (Tone::Escalated, "Escalated"),
            Verdict::AwaitingRecovery { .. } => (Tone::Open, "Open"),
        };
    }
    Headline {
        tone,
        severity: Some(severity(d)),
        status,
        sentence,
        working: false,
        untold,
    }
}

/// The topology map's marks: which node is the root cause, which are hit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Blast {
    /// The node whose trouble began first and explains the rest.
    pub root: Option<String>,
    /// Where the symptoms were measured, when that is not the root.
    pub symptom: Option<String>,
    /// Its callers, directly or not.
    pub impacted: Vec<String>,
}

/// The root cause on `graph` as the pipeline found it (a failing dependency
/// if it is a node of the graph, else Archaeologist's root service, else the
/// service Cassandra flagged), and its callers: those the pipeline saw
/// anomalous and everything that calls the root on the graph.
pub fn blast(graph: &Topology, run: &RunState) -> Blast {
    let Some(d) = run.detection() else {
        return Blast::default();
    };
    let nodes = graph.nodes();
    let inv = run.investigation.as_ref();
    let dependency = inv.and_then(|i| match &i.root_cause {
        RootCause::Dependency { name } => {
            let name = name.to_ascii_lowercase();
            nodes.iter().find(|n| **n == name).map(|n| n.to_string())
        }
        _ => None,
    });
    let service = inv.map_or(d.service.clone(), |i| i.root_service.clone());
    let root = dependency.unwrap_or_else(|| service.clone());
    let mut impacted: Vec<String> = graph.impacted_by(&root).into_iter().map(str::to_string).collect();
    for seen in inv.map(|i| i.impacted.as_slice()).unwrap_or_default() {
        if !impacted.contains(seen) && *seen != root {
            impacted.push(seen.clone());
        }
    }
    impacted.sort();
    Blast {
        impacted,
        symptom: (root != service).then_some(service),
        root: Some(root),
    }
}

/// Session figures for the strip at the top.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub handled: u32,
    pub resolved: u32,
    pub mttr_total_s: u64,
    pub saved_s: i64,
}

impl Tally {
    pub fn add(&mut self, run: &RunState) {
        if run.detection().is_none() {
            return;
        }
        self.handled += 1;
        if let Some(Verdict::Resolved {
            mttr_seconds,
            historical_mttr_seconds,
            ..
        }) = run.verification.as_ref().map(|v| &v.verdict)
        {
            self.resolved += 1;
            self.mttr_total_s += mttr_seconds;
            if let Some(h) = historical_mttr_seconds {
                self.saved_s += *h as i64 - *mttr_seconds as i64;
            }
        }
    }

    pub fn average_mttr_min(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.mttr_total_s as f64 / 60.0 / f64::from(self.resolved))
    }
}
