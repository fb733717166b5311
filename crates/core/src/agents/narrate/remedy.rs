//! Surgeon's and Guardian's sentences: plans, recommendations, simulated actions, verdicts.

use super::*;

/// A runbook action in words, as texts name it (records keep the snake-case id).
pub fn action_name(action: RunbookAction) -> &'static str {
    match action {
        RunbookAction::RollbackDeployment => "rollback",
        RunbookAction::RevertConfig => "config revert",
        RunbookAction::RestartService => "rolling restart",
        RunbookAction::RestartDependencyWithCircuitBreaker => "dependency restart behind a circuit breaker",
        RunbookAction::FailOverDatabase => "database failover",
        RunbookAction::RelieveConnectionPool => "connection-pool relief",
        RunbookAction::RotateCertificate => "certificate rotation",
        RunbookAction::SwitchResolver => "DNS resolver switch",
        RunbookAction::ShedLoad => "load shedding",
        RunbookAction::ScaleOut => "scale-out",
        RunbookAction::CapRetries => "retry cap",
        RunbookAction::FreeDisk => "disk clean-up",
        RunbookAction::ResyncClock => "clock resync",
        RunbookAction::PageOwner => "page to the owning team",
    }
}

/// One line for texts: "rollback of checkout-service to v3.4.2".
pub fn plan_summary(plan: &Plan) -> String {
    let name = action_name(plan.action);
    match (&plan.target_version, &plan.target) {
        (Some(v), _) => format!("{name} of {} to {v}", plan.service),
        (None, Some(t)) => format!("{name} for {} ({t})", plan.service),
        (None, None) => format!("{name} of {}", plan.service),
    }
}

/// Whether a past incident's "actions taken" names `action`.
pub fn mentions_action(actions_taken: &str, action: RunbookAction) -> bool {
    let a = actions_taken.to_ascii_lowercase();
    a.contains(action.as_str())
        || a.contains(action_name(action))
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
        (Some(c), true) => format!(
            "; {} is a listed remedy for {}",
            action_name(plan.action),
            class_words(c)
        ),
        (Some(c), false) => format!(
            "; {} is not a listed remedy for {} (confidence ×0.85)",
            action_name(plan.action),
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
        "Recommends {} ({} risk; advisory: QuantumState did not act): {} Expected: {}. Confidence {}%.",
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

pub fn mttr(seconds: u64) -> String {
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

pub fn seen_words(seen: &ObservedAction) -> String {
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
        "RESOLVED in your data: {} healthy on all {metrics} metrics from {} and stable for at least {} min; {}. MTTR {} from onset {}, as measured in the data (advisory: QuantumState changed nothing).",
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
        "OPEN, awaiting recovery: the data ends at {} before a sustained recovery of {} ({}){}. Recommended: {} (advisory: QuantumState did not act).",
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
