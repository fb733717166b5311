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

/// Roll-back target when the logs do not name one.
pub const PREVIOUS_RELEASE: &str = "the previous release";
pub const SIMILAR_SAME_SERVICE: &str = "same service";

/// How a mode is named in every output.
pub fn mode_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Simulation => "simulation (actions run in the simulated world)",
        Mode::Advisory => "advisory (your data: Surgeon recommends, nothing is executed)",
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

fn cause_words(cause: &RootCause) -> String {
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

pub fn change_fixed(event: &DeployEvent, residual: f64) -> String {
    format!(
        "a fix, not a cause: the trouble began {:.0} min before this {} and fell to {:.0}% of its size after it",
        -event.lead_minutes,
        label(event),
        residual * 100.0
    )
}

pub fn change_after_onset(event: &DeployEvent) -> String {
    format!(
        "not blamed: the trouble began {:.0} min before this {}",
        -event.lead_minutes,
        label(event)
    )
}

pub fn change_verdict(event: &DeployEvent, class: Option<Class>, can_explain: bool) -> String {
    if event.blamed {
        return format!(
            "prime suspect: the trouble began {:.0} min after this {}{}",
            event.lead_minutes.max(0.0),
            label(event),
            class
                .map(|c| format!(", and {} is what a change brings", class_words(c)))
                .unwrap_or_default()
        );
    }
    match class.filter(|_| !can_explain) {
        Some(c) => format!(
            "ruled out: the evidence is {} ({}), which a change of ours does not cause",
            class_words(c),
            c
        ),
        None => format!("not blamed: {:.0} min before the trouble", event.lead_minutes),
    }
}

/// What the root statement needs.
pub struct RootFacts<'a> {
    pub cause: &'a RootCause,
    pub service: &'a str,
    pub detected: &'a Detection,
    pub impacted: &'a [String],
    pub onset: DateTime<Utc>,
    pub codes: &'a [ErrorCodeCount],
    pub error_lines: u64,
    pub deploy: Option<&'a DeployEvent>,
    pub dominant: Option<&'a DominantEvidence>,
}

/// "Root: … Impact: …" in one or two sentences.
pub fn root_statement(f: &RootFacts) -> String {
    let top = |n: usize| {
        f.codes
            .iter()
            .take(n)
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let service = f.service;
    let mut text = match f.cause {
        RootCause::Deployment { version, .. } => format!(
            "{} {} of {service} introduced a regression: trouble began {} after it ({}).",
            f.deploy.map(|d| capital(d.kind.noun())).unwrap_or_else(|| "Deployment".into()),
            version.as_deref().unwrap_or("(unnamed)"),
            f.deploy.map(|d| format!("{:.0} min", d.lead_minutes.max(0.0))).unwrap_or_default(),
            match f.codes.first() {
                Some(c) => format!("{} ×{}", c.code, c.count),
                None => format!("{} only, no error lines", f.detected.primary.key.metric_type),
            }
        ),
        RootCause::Dependency { name } => format!(
            "Dependency failure: {name} became unavailable to {service} at {}; requests fell back and failed ({}).",
            hm(f.onset),
            top(2)
        ),
        RootCause::MemoryExhaustion => format!(
            "Heap exhaustion in {service}: memory grew {:+.1}%/min from {:.0}% since {} without being reclaimed (memory leak); GC pressure {}.",
            f.detected.primary.rate_per_min,
            f.detected.primary.baseline.median,
            hm(f.onset),
            f.codes
                .first()
                .map(|c| format!("logged {} times as {}", c.count, c.code))
                .unwrap_or_else(|| "visible in latency".into())
        ),
        RootCause::Saturation => format!(
            "Capacity saturation on {service}: {} beyond its baseline since {}.",
            f.detected.primary.key.metric_type,
            hm(f.onset)
        ),
        RootCause::Evidence { class } => format!(
            "{} on {service} since {} ({}).",
            capital(class_words(*class)),
            hm(f.onset),
            if f.codes.is_empty() { format!("{} lines", f.error_lines) } else { top(2) }
        ),
        RootCause::Unknown => match f.dominant {
            Some(d) => format!(
                "Cause unclear on {service}: {} error lines; dominant evidence {} ×{} from {}: \"{}\".",
                f.error_lines,
                d.code.as_deref().unwrap_or("(no code)"),
                d.lines,
                hms(d.first_seen),
                d.sample
            ),
            None => format!(
                "Cause unclear on {service}: {} left its baseline at {} with no WARN+ log lines to explain it.",
                f.detected.primary.key.metric_type,
                hm(f.onset)
            ),
        },
    };
    if !f.impacted.is_empty() {
        text.push_str(&format!(
            " Root: {service}. Impact: {} (they call it).",
            f.impacted.join(", ")
        ));
    }
    text
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn days(d: f64) -> String {
    if d >= 1.0 {
        format!("{d:.0} days")
    } else {
        format!("{:.0} hours", d * 24.0)
    }
}

pub fn similar_reason_type(anomaly_type: &str) -> String {
    format!("same type ({anomaly_type})")
}

pub fn similar_reason_code(code: &str) -> String {
    format!("shares error code {code}")
}

pub fn similar_reason_words(shared: &[&String]) -> String {
    format!(
        "similar wording: {}",
        shared.iter().take(4).map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    )
}

fn factors(inv: &Investigation) -> String {
    inv.factors
        .iter()
        .map(|f| format!("{} {:+.0}", f.name, f.value * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Archaeologist's chain of evidence, in reading order.
pub fn investigation_evidence(inv: &Investigation, detection: &Detection, config: &AgentConfig) -> Vec<String> {
    let mut out = vec![format!("Cassandra: {}", detection.decision)];
    if inv.root_service != detection.service || !inv.impacted.is_empty() {
        out.push(format!(
            "topology: root {} (its trouble began first); impact {}",
            inv.root_service,
            if inv.impacted.is_empty() {
                "none".to_string()
            } else {
                inv.impacted.join(", ")
            }
        ));
    }
    if !inv.error_codes.is_empty() {
        out.push(format!(
            "{} error lines on {}; top codes: {}",
            inv.error_lines,
            inv.root_service,
            inv.error_codes
                .iter()
                .take(3)
                .map(|c| format!("{} ×{} (first {})", c.code, c.count, hms(c.first_seen)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if inv.class_shares.is_empty() {
        out.push("evidence classes: no WARN+ line matches any class".into());
    } else {
        out.push(format!(
            "evidence classes: {}",
            inv.class_shares
                .iter()
                .take(4)
                .map(|(c, s)| format!("{c} {:.0}%", s * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    match &inv.deploy {
        Some(d) => out.push(format!(
            "{} at {}: \"{}\" — {}",
            d.kind.noun(),
            hms(d.at),
            d.message,
            d.verdict
        )),
        None => out.push(format!(
            "no change in the {} min before onset",
            config.deploy_lookback_minutes
        )),
    }
    if let Some(f) = &inv.fix {
        out.push(format!(
            "{} at {}: \"{}\" — {}",
            f.kind.noun(),
            hms(f.at),
            f.message,
            f.verdict
        ));
    }
    if let Some(s) = inv.similar.first() {
        out.push(format!(
            "similar: {} {} ago ({})",
            s.incident.anomaly_type,
            days(s.days_ago),
            s.reasons.join("; ")
        ));
    }
    out.push(format!("confidence {}%: {}", percent(inv.confidence), factors(inv)));
    out
}

pub fn investigation_decision(inv: &Investigation) -> String {
    let mut text = format!("Root cause: {}", inv.statement);
    if let Some(d) = inv.deploy.as_ref().filter(|d| !d.blamed) {
        text.push_str(&format!(" {} {}.", capital(&label(d)), d.verdict));
    }
    if let Some(f) = &inv.fix {
        text.push_str(&format!(" {} at {} was {}.", capital(&label(f)), hm(f.at), f.verdict));
    }
    if let Some(s) = inv.similar.first() {
        text.push_str(&format!(
            " Similar to the {} on {} {} ago (MTTR {} min): {}.",
            s.incident.anomaly_type,
            s.incident.service,
            days(s.days_ago),
            s.incident.mttr_seconds.unwrap_or(0) / 60,
            s.incident.actions_taken
        ));
    }
    text.push_str(&format!(" Confidence: {}%.", percent(inv.confidence)));
    text
}

pub fn plan_summary(plan: &Plan) -> String {
    match (&plan.target_version, &plan.target) {
        (Some(v), _) => format!("{} of {} to {}", plan.action, plan.service, v),
        (None, Some(t)) => format!("{} on {} ({t})", plan.action, plan.service),
        (None, None) => format!("{} on {}", plan.action, plan.service),
    }
}

/// Whether a past incident's "actions taken" names `action`.
pub fn mentions_action(actions_taken: &str, action: RunbookAction) -> bool {
    let a = actions_taken.to_ascii_lowercase();
    a.contains(action.as_str())
        || match action {
            RunbookAction::RollbackDeployment => a.contains("roll"),
            RunbookAction::RestartService => a.contains("restart"),
            RunbookAction::RestartDependencyWithCircuitBreaker => {
                a.contains("circuit breaker") || a.contains("restarted")
            }
            RunbookAction::ScaleOut => a.contains("scale"),
            RunbookAction::FailOverDatabase => a.contains("fail"),
            RunbookAction::RotateCertificate => a.contains("certificate"),
            _ => false,
        }
}

pub fn cited(s: &SimilarIncident) -> String {
    format!(
        "{} on {}, {:.0} days ago, MTTR {} min: {}",
        s.incident.anomaly_type,
        s.incident.service,
        s.days_ago,
        s.incident.mttr_seconds.unwrap_or(0) / 60,
        s.incident.actions_taken
    )
}

fn why(plan: &Plan, inv: &Investigation) -> String {
    let on_root = if inv.impacted.is_empty() {
        String::new()
    } else {
        format!(
            " (on the root {}, not on its callers {})",
            inv.root_service,
            inv.impacted.join(", ")
        )
    };
    let what = match &inv.root_cause {
        RootCause::Deployment { .. } => {
            "the trouble came with the change, so removing it removes the cause".to_string()
        }
        RootCause::Dependency { name } => {
            format!("{name} failed, not {}: restore it behind a breaker", inv.root_service)
        }
        RootCause::Unknown => "the cause is unclear: a human should look at the dominant evidence first".to_string(),
        other => format!("the evidence is {}", cause_words(other)),
    };
    let fit = match (plan.class, plan.fits) {
        (Some(c), true) => format!("; {} is a listed remedy for {}", plan.action, class_words(c)),
        (Some(c), false) => format!(
            "; {} is not a listed remedy for {} (confidence ×0.85)",
            plan.action,
            class_words(c)
        ),
        (None, _) => String::new(),
    };
    format!("{what}{on_root}{fit}")
}

pub fn plan_rationale(plan: &Plan, inv: &Investigation, past_used_same: bool) -> String {
    let why = why(plan, inv);
    match (&plan.cited, past_used_same) {
        (Some(c), true) => format!("{why}. It worked before: {c}."),
        (Some(c), false) => format!("{why}. Last time ({c}) a different fix was used."),
        (None, _) => format!("{why}."),
    }
}

/// Simulation, below the threshold: the plan in full, waiting for a human.
pub fn awaiting(plan: &Plan) -> String {
    format!(
        "Proposes {} ({} risk) in the simulation: {} Expected: {}. Confidence {}% is below the {}% threshold (never above the detection's): waiting for human approval.",
        plan.summary(),
        plan.risk,
        plan.rationale,
        plan.expected_effect,
        percent(plan.confidence),
        percent(plan.threshold)
    )
}

/// Advisory: what Surgeon recommends (nothing runs).
pub fn recommendation(plan: &Plan) -> String {
    format!(
        "Recommends {} ({} risk; advisory: nothing was executed): {} Expected: {}. Confidence {}%.",
        plan.summary(),
        plan.risk,
        plan.rationale,
        plan.expected_effect,
        percent(plan.confidence)
    )
}

pub fn rejected_plan(plan: &Plan) -> String {
    format!(
        "Rejected by the operator: {} was not executed. {}",
        plan.summary(),
        plan.rationale
    )
}

/// Simulation: the action ran in the simulated world.
pub fn executed(rem: &Remediation) -> String {
    let plan = &rem.plan;
    let who = match rem.approval {
        Approval::Automatic => format!(
            "automatically (confidence {}% ≥ {}%)",
            percent(plan.confidence),
            percent(plan.threshold)
        ),
        Approval::Human => format!("after human approval (confidence {}%)", percent(plan.confidence)),
    };
    if !plan.action.changes_something() {
        return format!(
            "Simulation: paged the owner of {} {who}; nothing changes until a human acts. {}",
            plan.service, plan.rationale
        );
    }
    format!(
        "Simulation: executed {} {who} in the simulated world: {} Risk: {}. Expected: {}.",
        plan.summary(),
        plan.rationale,
        plan.risk,
        plan.expected_effect
    )
}

pub fn still_unhealthy(service: &str, metric: &str, value: f64, at: DateTime<Utc>) -> String {
    format!("{service} {metric} still {value:.1} at {}", hm(at))
}

pub fn actions_taken(plan: &Plan) -> String {
    format!("{}; {}", plan.summary(), plan.expected_effect)
}

pub fn no_sustained_period(config: &AgentConfig) -> String {
    format!(
        "no sustained {}-minute healthy period in the data watched",
        config.sustain_minutes
    )
}

fn mttr(seconds: u64) -> String {
    format!("{} min {} s", seconds / 60, seconds % 60)
}

#[allow(clippy::too_many_arguments)]
pub fn resolved_simulated(
    inv: &Investigation,
    metrics: usize,
    recovered_at: DateTime<Utc>,
    config: &AgentConfig,
    plan: &Plan,
    detection: &Detection,
    mttr_seconds: u64,
    historical: Option<u64>,
) -> String {
    let comparison = historical
        .map(|h| {
            format!(
                " Historical MTTR for {}: {} min ({} faster).",
                inv.anomaly_type,
                h / 60,
                if h > mttr_seconds {
                    format!("{} min", (h - mttr_seconds) / 60)
                } else {
                    "not".into()
                }
            )
        })
        .unwrap_or_default();
    format!(
        "RESOLVED in the simulation: {} back inside healthy ranges on all {metrics} metrics from {} and stable for {} min after the simulated {}. MTTR {} from onset {}.{comparison}",
        inv.root_service,
        hms(recovered_at),
        config.sustain_minutes,
        plan.summary(),
        mttr(mttr_seconds),
        hm(detection.onset),
    )
}

pub fn escalated(service: &str, plan: &Plan, reasons: &[String]) -> String {
    format!(
        "ESCALATE: {service} did not recover after the simulated {}: {}.",
        plan.summary(),
        reasons.join("; ")
    )
}

fn seen_words(seen: &ObservedAction) -> String {
    match seen.action {
        Some(a) => format!("{a} on {} at {} (\"{}\")", seen.service, hms(seen.at), seen.message),
        None => format!(
            "the fixing change on {} at {} (\"{}\")",
            seen.service,
            hms(seen.at),
            seen.message
        ),
    }
}

pub fn observed_actions(seen: Option<&ObservedAction>) -> String {
    match seen {
        Some(s) => format!("seen in the data: {}", seen_words(s)),
        None => "no action seen in the data; recovered on its own".into(),
    }
}

pub fn resolved_in_data(
    inv: &Investigation,
    metrics: usize,
    recovered_at: DateTime<Utc>,
    config: &AgentConfig,
    seen: Option<&ObservedAction>,
    detection: &Detection,
    mttr_seconds: u64,
) -> String {
    format!(
        "RESOLVED in your data: {} healthy on all {metrics} metrics from {} and stable for at least {} min; {}. MTTR {} from onset {}, as measured in the data (advisory: nothing was executed by QuantumState).",
        inv.root_service,
        hms(recovered_at),
        config.sustain_minutes,
        match seen {
            Some(s) => format!("action taken: {}", seen_words(s)),
            None => "no operator action appears in the logs".into(),
        },
        mttr(mttr_seconds),
        hm(detection.onset),
    )
}

pub fn awaiting_recovery(
    inv: &Investigation,
    seen: Option<&ObservedAction>,
    plan: &Plan,
    reasons: &[String],
    data_end: DateTime<Utc>,
) -> String {
    format!(
        "OPEN, awaiting recovery: the data ends at {} before a sustained recovery of {} ({}){}. Recommended: {} (advisory: not executed).",
        hms(data_end),
        inv.root_service,
        reasons.join("; "),
        seen.map(|s| format!("; action taken: {}", seen_words(s))).unwrap_or_default(),
        plan.summary()
    )
}

pub fn rejected_reason(plan: &Plan) -> String {
    format!(
        "remediation {} rejected by the operator; incident still open",
        plan.summary()
    )
}

pub fn escalated_rejected(service: &str, reason: &str) -> String {
    format!("ESCALATE: {service} needs a human: {reason}.")
}

/// What one agent's evidence list shows, from whatever the run has so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Story<'a> {
    pub mode: Mode,
    pub scan: Option<&'a Scan>,
    pub investigation: Option<&'a Investigation>,
    pub plan: Option<&'a Plan>,
    pub remediation: Option<&'a Remediation>,
    pub verification: Option<&'a Verification>,
}

impl<'a> From<&'a IncidentReport> for Story<'a> {
    fn from(r: &'a IncidentReport) -> Self {
        Story {
            mode: r.mode,
            scan: Some(&r.scan),
            investigation: r.investigation.as_ref(),
            plan: r.plan.as_ref(),
            remediation: r.remediation.as_ref(),
            verification: r.verification.as_ref(),
        }
    }
}

fn cassandra_evidence(scan: &Scan, out: &mut Vec<String>) {
    out.push(format!(
        "{} series scanned; analysis window from {}",
        scan.series.len(),
        hm(scan.analysis.start)
    ));
    let Some(d) = &scan.detection else { return };
    let p = &d.primary;
    let m = p.metric();
    out.push(format!(
        "{} {}: baseline {} (robust σ {:.2}), current {}, peak {:.1}σ, {:?} test",
        d.service,
        p.key.metric_type,
        with_unit(m, p.baseline.median),
        p.baseline.sigma,
        with_unit(m, p.current),
        p.peak_z,
        p.kind
    ));
    out.push(format!(
        "onset {}, flagged {} at {}",
        hms(d.onset),
        hms(d.detected_at),
        with_unit(m, p.value_at_detection)
    ));
    if let Some(f) = &d.forecast {
        if let Some(min) = f.minutes_at_detection {
            out.push(format!(
                "forecast at detection: alarm level {} in {min:.0} min",
                with_unit(m, f.alarm_level)
            ));
        }
        if let Some(at) = f.crossed_at {
            out.push(format!("crossed the alarm level at {}", hms(at)));
        }
    }
    for a in &d.corroborating {
        out.push(format!(
            "also {}: {} → {}",
            a.key.metric_type,
            with_unit(a.metric(), a.baseline.median),
            with_unit(a.metric(), a.current)
        ));
    }
    for a in &d.elsewhere {
        out.push(format!(
            "elsewhere {} {}: onset {}",
            a.key.service,
            a.key.metric_type,
            hms(a.onset)
        ));
    }
    out.push(format!(
        "WARN+ logs since onset: {} (baseline {:.1}/h)",
        d.warn_logs_since_onset, d.warn_logs_per_hour_before
    ));
}

/// Evidence lines for one agent, as plain text.
pub fn evidence(agent: Agent, story: &Story) -> Vec<String> {
    let mut out = Vec::new();
    match agent {
        Agent::Cassandra => {
            if let Some(scan) = story.scan {
                cassandra_evidence(scan, &mut out);
            }
        }
        Agent::Archaeologist => {
            if let Some(inv) = story.investigation {
                out.extend(inv.evidence.iter().skip(1).cloned());
                for l in inv.evidence_logs.iter().take(5) {
                    out.push(format!(
                        "{} {} [{}] {}",
                        hms(l.timestamp),
                        l.level,
                        l.error_code.as_deref().unwrap_or("-"),
                        l.message.lines().next().unwrap_or_default()
                    ));
                }
                for s in &inv.similar {
                    out.push(format!(
                        "past: {} on {} ({:.0} days ago, score {:.1}): {}",
                        s.incident.anomaly_type,
                        s.incident.service,
                        s.days_ago,
                        s.score,
                        s.reasons.join("; ")
                    ));
                }
            }
        }
        Agent::Surgeon => {
            out.push(format!("mode: {}", mode_label(story.mode)));
            if let Some(p) = story.plan {
                out.push(format!("runbook: {} ({}), risk {}", p.title, p.action, p.risk));
                out.push(format!("expected: {}", p.expected_effect));
                out.push(format!(
                    "confidence {}% vs threshold {}% (capped at the detection's{})",
                    percent(p.confidence),
                    percent(p.threshold),
                    story
                        .scan
                        .and_then(|s| s.detection.as_ref())
                        .map(|d| format!(" {}%", percent(d.confidence)))
                        .unwrap_or_default()
                ));
                if let Some(cited) = &p.cited {
                    out.push(format!("cites: {cited}"));
                }
            }
            if let Some(r) = story.remediation {
                out.push(format!(
                    "simulated {} → {}, {} simulated recovery readings written",
                    hms(r.started_at),
                    hms(r.finished_at),
                    r.recovery_points
                ));
            }
        }
        Agent::Guardian => {
            if let Some(v) = story.verification {
                match &v.verdict {
                    Verdict::Resolved {
                        recovered_at,
                        mttr_seconds,
                        historical_mttr_seconds,
                    } => {
                        out.push(format!(
                            "recovered at {}; MTTR {}",
                            hms(recovered_at),
                            mttr(*mttr_seconds)
                        ));
                        if let Some(h) = historical_mttr_seconds {
                            out.push(format!("historical MTTR for this type: {} min", h / 60));
                        }
                    }
                    Verdict::Escalate { reasons } | Verdict::AwaitingRecovery { reasons } => {
                        out.extend(reasons.iter().cloned())
                    }
                }
                if let Some(seen) = &v.action_seen {
                    out.push(format!("action in the data: {}", seen_words(seen)));
                }
                if let Some(until) = v.data_until {
                    out.push(format!("telemetry read until {}", hms(until)));
                }
                out.push(format!("{} metrics checked", v.checked_series));
            }
        }
    }
    out
}

/// The whole report as text, for the CLI: mode, status, every decision with its
/// evidence, and a plan that waits for approval in full.
pub fn report_text(report: &IncidentReport) -> String {
    let mut out = format!(
        "mode: {}\nstatus: {}\n",
        mode_label(report.mode),
        status_label(report.status)
    );
    let story = Story::from(report);
    for d in &report.decisions {
        out.push_str(&format!(
            "\n[{}] {} · {} · confidence {}%\n  {}\n",
            d.timestamp.format("%Y-%m-%d %H:%M:%S"),
            d.agent.as_str(),
            d.service,
            d.confidence,
            d.decision
        ));
        for line in evidence(d.agent, &story) {
            out.push_str(&format!("    - {line}\n"));
        }
    }
    if let (ReportStatus::AwaitingApproval, Some(plan)) = (report.status, &report.plan) {
        out.push_str(&format!(
            "\n[pending] surgeon · {}\n  {}\n",
            plan.service,
            awaiting(plan)
        ));
        for line in evidence(Agent::Surgeon, &story) {
            out.push_str(&format!("    - {line}\n"));
        }
    }
    out
}
