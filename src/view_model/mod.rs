//! What the views show, computed from the run and the store's answers: plain
//! data and pure functions, no DOM and no store access (tested in the browser).

use chrono::{DateTime, TimeDelta, Utc};
use quantumstate_core::agents::archaeologist::{Investigation, RootCause};
use quantumstate_core::agents::cassandra::{Detection, Scan};
use quantumstate_core::agents::guardian::{Verdict, Verification};
use quantumstate_core::agents::surgeon::{Approval, Plan, Remediation};
use quantumstate_core::agents::{with_unit, Mode, ReportStatus};
use quantumstate_core::sim::{self, RunbookAction};
use quantumstate_core::topology::Topology;
use quantumstate_core::{DecisionDoc, Health, MetricType, Service};

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
    pub fn of(config: &sim::SimConfig, data: &sim::Dataset) -> Loaded {
        Loaded {
            config: config.clone(),
            generated: data.len(),
            fingerprint: data.fingerprint(),
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
    pub sentence: String,
}

fn minutes(d: TimeDelta) -> i64 {
    (d.num_seconds() + 30).div_euclid(60)
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

/// "caught at 61%, 13 min before the 80% alarm": the detection against the alarm level.
fn caught(d: &Detection) -> String {
    let p = &d.primary;
    let m = p.metric();
    let at = with_unit(m, p.value_at_detection);
    let alarm = m.map(|m| with_unit(Some(m), m.alarm_level()));
    let lead = d.forecast.as_ref().and_then(|f| {
        let crossed = f
            .crossed_at
            .filter(|c| *c > d.detected_at)
            .map(|c| minutes(c - d.detected_at));
        crossed.or(f.minutes_at_detection.map(|m| m.round() as i64))
    });
    match (alarm, lead) {
        (Some(alarm), Some(lead)) if lead > 0 => format!("caught at {at}, {lead} min before the {alarm} alarm"),
        (Some(alarm), _) if m.is_some_and(|m| m.is_alarm(p.value_at_detection)) => {
            format!("flagged at {at}, past the {alarm} alarm")
        }
        _ => format!("flagged at {at}"),
    }
}

/// The cause in a few words.
fn cause(inv: &Investigation) -> String {
    let ruled_out = inv
        .deploy
        .as_ref()
        .filter(|d| !d.blamed)
        .and_then(|d| d.version.clone())
        .map(|v| format!(" (deploy {v} ruled out)"))
        .unwrap_or_default();
    let cause = match &inv.root_cause {
        RootCause::Deployment { version, .. } => {
            format!("caused by deploy {}", version.as_deref().unwrap_or("of a new release"))
        }
        RootCause::Dependency { name } => format!("caused by {name}"),
        RootCause::MemoryExhaustion => "cause: heap exhaustion".to_string(),
        RootCause::Saturation => "cause: capacity saturation".to_string(),
        RootCause::Evidence { class } => format!("cause: {}", quantumstate_core::agents::narrate::class_words(*class)),
        RootCause::Unknown => "cause unclear".to_string(),
    };
    format!("{cause}{ruled_out}")
}

/// What the action does, as a verb phrase: past tense once done, else as proposed.
fn action(plan: &Plan, done: bool) -> String {
    let v = plan.target_version.as_deref().unwrap_or("the previous release");
    match (plan.action, done) {
        (RunbookAction::RollbackDeployment, true) => format!("rolled back to {v}"),
        (RunbookAction::RollbackDeployment, false) => format!("roll back {} to {v}", plan.service),
        (RunbookAction::RestartService, true) => "restarted".to_string(),
        (RunbookAction::RestartService, false) => format!("restart {}", plan.service),
        (RunbookAction::RestartDependencyWithCircuitBreaker, true) => {
            "dependency restarted behind a circuit breaker".to_string()
        }
        (RunbookAction::RestartDependencyWithCircuitBreaker, false) => {
            "restart the dependency behind a circuit breaker".to_string()
        }
        (RunbookAction::ScaleOut, true) => "scaled out".to_string(),
        (RunbookAction::ScaleOut, false) => format!("scale out {}", plan.service),
        (_, true) => format!("{} done", plan.title.to_ascii_lowercase()),
        (_, false) => quantumstate_core::agents::narrate::plan_summary(plan),
    }
}

fn outcome(v: &Verification, advisory: bool) -> String {
    let in_data = if advisory { " in your data" } else { "" };
    match &v.verdict {
        Verdict::Resolved {
            mttr_seconds,
            historical_mttr_seconds,
            ..
        } => {
            let mttr = (*mttr_seconds as i64 + 30) / 60;
            match historical_mttr_seconds.map(|h| (h as i64 + 30) / 60) {
                Some(h) if h > mttr => {
                    format!(
                        "recovered{in_data} in {mttr} min, {} min faster than the {h}-min average of past incidents",
                        h - mttr
                    )
                }
                Some(h) => {
                    format!("recovered{in_data} in {mttr} min, not faster than the {h}-min average of past incidents")
                }
                None => format!("recovered{in_data} in {mttr} min"),
            }
        }
        Verdict::Escalate { reasons } => match reasons.first() {
            Some(r) => format!("escalated to a human: {r}"),
            None => "escalated to a human".to_string(),
        },
        Verdict::AwaitingRecovery { .. } => format!("still open{in_data}: no sustained recovery yet"),
    }
}

/// The headline once `shown` agent cards are on screen (the staged reveal
/// tells the story in order; a finished reveal shows all of it).
pub fn headline(run: &RunState, shown: usize) -> Headline {
    let advisory = run.mode == Mode::Advisory;
    // Whose data the sentence is about: "Simulated memory leak" or "Your data".
    let (running, told) = match (&run.loaded, &run.own) {
        (Some(l), _) => {
            let title = l.config.scenario.title();
            (format!("Simulating {title}"), format!("Simulated {title}"))
        }
        (None, Some(_)) => ("Analysing your data".to_string(), "Your data".to_string()),
        (None, None) => {
            return Headline {
                tone: Tone::Idle,
                severity: None,
                status: "Ready",
                sentence: "Pick a failure to inject: four agents will detect, diagnose, fix and verify it.".into(),
            }
        }
    };
    let Some(scan) = run.scan.as_ref().filter(|_| shown >= 1) else {
        return Headline {
            tone: Tone::Open,
            severity: None,
            status: "Running…",
            sentence: format!("{running}: Cassandra is scanning every service…"),
        };
    };
    let Some(d) = &scan.detection else {
        return Headline {
            tone: Tone::Quiet,
            severity: None,
            status: "No incident",
            sentence: format!(
                "{told}: Cassandra scanned {} series and found nothing to act on.",
                scan.series.len()
            ),
        };
    };
    let kind = run
        .investigation
        .as_ref()
        .filter(|_| shown >= 2)
        .map_or(d.anomaly_type, |i| i.anomaly_type)
        .describe()
        .to_ascii_lowercase();
    let mut clauses = vec![if advisory {
        format!("In your data, {} {kind} {}", d.service, caught(d))
    } else {
        format!("Simulated {} {kind} {}", d.service, caught(d))
    }];
    if let Some(inv) = run.investigation.as_ref().filter(|_| shown >= 2) {
        clauses.push(cause(inv));
    }
    let mut tone = Tone::Open;
    let mut status = "Investigating…";
    if shown >= 3 {
        match (&run.remediation, &run.plan, run.status) {
            (Some(r), _, _) => clauses.push(format!(
                "{}{}",
                action(&r.plan, true),
                if r.approval == Approval::Human {
                    " after approval"
                } else {
                    " automatically"
                }
            )),
            (None, Some(p), Some(ReportStatus::AwaitingApproval)) => {
                clauses.push(format!("Surgeon waits for your approval to {}", action(p, false)));
                tone = Tone::Waiting;
                status = "Awaiting approval";
            }
            (None, Some(p), _) if advisory => clauses.push(format!("Surgeon recommends: {}", action(p, false))),
            (None, Some(p), _) => clauses.push(format!("{} rejected by the operator", action(p, false))),
            _ => {}
        }
    }
    if let Some(v) = run.verification.as_ref().filter(|_| shown >= 4) {
        clauses.push(outcome(v, advisory));
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
        sentence: format!("{}.", clauses.join("; ")),
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
