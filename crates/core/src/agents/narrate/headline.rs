//! The one sentence that tells an incident: the app's headline banner and the
//! post-mortem's summary both read it. Each clause is one agent's finding, so
//! the app can tell them in turn as the cards land.

use super::*;
use chrono::TimeDelta;

/// One clause of the headline and the agent whose finding it tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub agent: Agent,
    pub text: String,
}

/// How the mode opens a sentence.
pub fn mode_opening(mode: Mode) -> &'static str {
    match mode {
        Mode::Simulation => "Simulation",
        Mode::Advisory => "Advisory analysis of your data",
    }
}

fn minutes(d: TimeDelta) -> i64 {
    (d.num_seconds() + 30).div_euclid(60)
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

/// The cause in a few words, naming the root when it is not where the symptoms were.
fn cause(inv: &Investigation, detected: &str) -> String {
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
        RootCause::Evidence { class } => format!("cause: {}", class_words(*class)),
        RootCause::Unknown => "cause unclear".to_string(),
    };
    let root = if inv.root_service != detected && !matches!(inv.root_cause, RootCause::Dependency { .. }) {
        format!(" on {}", inv.root_service)
    } else {
        String::new()
    };
    format!("{cause}{root}{ruled_out}")
}

/// What the action does, as a verb phrase: past tense once done, else as proposed.
fn action(plan: &Plan, done: bool) -> String {
    let v = plan.target_version.as_deref().unwrap_or(PREVIOUS_RELEASE);
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
        (RunbookAction::PageOwner, true) => "owning team paged".to_string(),
        (RunbookAction::PageOwner, false) => format!("page the team that owns {}", plan.service),
        (_, true) => format!("{} carried out", plan_summary(plan)),
        (_, false) => format!("carry out the {}", plan_summary(plan)),
    }
}

/// Surgeon's clause: done, waiting, rejected, or (advisory) recommended.
fn remedy(story: &Story, status: Option<ReportStatus>) -> Option<String> {
    if let Some(r) = story.remediation {
        let how = match r.approval {
            Approval::Human => "after approval",
            Approval::Automatic => "automatically",
        };
        return Some(format!("{} {how}", action(&r.plan, true)));
    }
    let plan = story.plan?;
    Some(match (story.mode, status) {
        (Mode::Advisory, _) => format!(
            "Surgeon recommends: {} (not carried out by QuantumState)",
            plan_summary(plan)
        ),
        (Mode::Simulation, Some(ReportStatus::AwaitingApproval)) => {
            format!("Surgeon waits for your approval to {}", action(plan, false))
        }
        (Mode::Simulation, Some(_)) => format!("the operator rejected the proposal to {}", action(plan, false)),
        (Mode::Simulation, None) => return None,
    })
}

/// ", 41 min faster than the 68-min average of past incidents", or not faster.
fn against_history(mttr: i64, historical: Option<u64>) -> String {
    match historical.map(|h| (h as i64 + 30) / 60) {
        Some(h) if h > mttr => format!(", {} min faster than the {h}-min average of past incidents", h - mttr),
        Some(h) => format!(", not faster than the {h}-min average of past incidents"),
        None => String::new(),
    }
}

/// Guardian's clause: recovered (and how fast), escalated, or still open.
fn outcome(story: &Story, v: &Verification) -> String {
    match &v.verdict {
        Verdict::Resolved {
            recovered_at,
            mttr_seconds,
            historical_mttr_seconds,
        } => {
            let m = (*mttr_seconds as i64 + 30) / 60;
            let history = against_history(m, *historical_mttr_seconds);
            match story.mode {
                Mode::Simulation => format!("recovered in {m} min{history}"),
                Mode::Advisory => {
                    let after = match &v.action_seen {
                        Some(s) => format!(
                            "after {} at {}",
                            s.action
                                .map(|a| a.to_string())
                                .unwrap_or_else(|| "the fixing change".into()),
                            hm(s.at)
                        ),
                        None => "with no operator action in the logs".into(),
                    };
                    format!(
                        "resolved in the data at {} {after}: recovered in {m} min{history}",
                        hm(*recovered_at)
                    )
                }
            }
        }
        Verdict::Escalate { reasons } => match reasons.first().filter(|_| story.remediation.is_some()) {
            Some(r) => format!("escalated to a human: {r}"),
            None => "escalated to a human".to_string(),
        },
        Verdict::AwaitingRecovery { .. } => {
            let end = v.data_until.or(story.scan.map(|s| s.now)).unwrap_or(v.verified_at);
            format!("still open when the data ends at {}", hm(end))
        }
    }
}

/// The incident in clauses, one per agent that has spoken (a quiet scan is one
/// clause). `status` is the pipeline's (`None` while it still runs).
pub fn headline(story: &Story, status: Option<ReportStatus>) -> Vec<Clause> {
    let Some(scan) = story.scan else {
        return Vec::new();
    };
    let clause = |agent, text| Clause { agent, text };
    let Some(d) = &scan.detection else {
        let mut services: Vec<&str> = scan.series.iter().map(|s| s.key.service.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        return vec![clause(
            Agent::Cassandra,
            format!(
                "{}: no incident; {} series across {} services stayed within their baselines from {} to {}",
                mode_opening(story.mode),
                scan.series.len(),
                services.len(),
                hm(scan.analysis.start),
                hm(scan.analysis.end)
            ),
        )];
    };
    let kind = story
        .investigation
        .map_or(d.anomaly_type, |i| i.anomaly_type)
        .describe()
        .to_ascii_lowercase();
    let lead = match story.mode {
        Mode::Simulation => format!("Simulated {} {kind} {}", d.service, caught(d)),
        Mode::Advisory => format!("In your data, {} {kind} {}", d.service, caught(d)),
    };
    let mut out = vec![clause(Agent::Cassandra, lead)];
    if let Some(inv) = story.investigation {
        out.push(clause(Agent::Archaeologist, cause(inv, &d.service)));
    }
    if let Some(text) = remedy(story, status) {
        out.push(clause(Agent::Surgeon, text));
    }
    if let Some(v) = story.verification {
        out.push(clause(Agent::Guardian, outcome(story, v)));
    }
    out
}

/// The clauses as one sentence.
pub fn sentence(clauses: &[Clause]) -> String {
    let texts: Vec<&str> = clauses.iter().map(|c| c.text.as_str()).collect();
    format!("{}.", texts.join("; "))
}
