//! Archaeologist's sentences: change verdicts, root statements, evidence, decision.

use super::*;

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
            f.deploy.map(|d| d.kind.title()).unwrap_or("Deployment"),
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
