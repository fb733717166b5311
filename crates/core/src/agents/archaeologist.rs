//! Archaeologist: what the logs, the deploys and the past say about the cause.

use super::cassandra::Detection;
use super::{percent, AgentConfig};
use crate::model::{AnomalyType, IncidentDoc, Level, LogDoc};
use crate::store::{ErrorCodeCount, IncidentQuery, LogQuery, Store, StoreError};
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Words that mark a failing dependency (infrastructure, not our code).
const DEPENDENCY_WORDS: &[&str] = &[
    "redis",
    "cache",
    "database",
    "connection refused",
    "unavailable",
    "offline",
    "unreachable",
    "evicted",
    "upstream",
    "dns",
    "broker",
    "kafka",
    "connection reset",
    "pool saturated",
    "pool exhausted",
];
/// Words that mark a defect in the service's own code.
const CODE_DEFECT_WORDS: &[&str] = &[
    "exception",
    "nullpointer",
    "npe",
    "\tat ",
    "stack trace",
    "internal_server_error",
    "panic",
    "typeerror",
    "traceback",
    "undefined",
    "segfault",
    "assert",
];
/// Words that mark memory exhaustion.
const MEMORY_WORDS: &[&str] = &[
    "heap",
    "gc ",
    "gc pause",
    "garbage",
    "outofmemory",
    "out of memory",
    "oom",
    "memory",
];
/// Words of a change event in the logs.
const DEPLOY_WORDS: &[&str] = &["deploy", "release", "rollout", "rolled"];
const DEPLOY_DONE_WORDS: &[&str] = &["complete", "finished", "succeeded", "successful", "rolled out", "done"];
/// Named dependencies we can recognise in messages.
const DEPENDENCY_NAMES: &[&str] = &[
    "redis",
    "postgres",
    "mysql",
    "database",
    "kafka",
    "elasticsearch",
    "dns",
];

/// A deploy found near the onset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployEvent {
    pub at: DateTime<Utc>,
    pub message: String,
    pub version: Option<String>,
    pub previous: Option<String>,
    /// Minutes from the deploy to the onset (negative: after the onset).
    pub lead_minutes: f64,
    pub blamed: bool,
    /// Why it is or is not blamed.
    pub verdict: String,
}

/// A past incident that looks like this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarIncident {
    pub incident: IncidentDoc,
    pub score: f64,
    pub reasons: Vec<String>,
    pub days_ago: f64,
}

/// The cause, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RootCause {
    Deployment {
        version: Option<String>,
        previous: Option<String>,
    },
    Dependency {
        name: String,
    },
    MemoryExhaustion,
    Saturation,
    Unknown,
}

/// Weighted share of the error evidence per hypothesis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EvidenceShares {
    pub dependency: f64,
    pub code_defect: f64,
    pub memory: f64,
    pub other: f64,
}

/// Archaeologist's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub root_cause: RootCause,
    pub statement: String,
    /// Cassandra's class, refined by the cause.
    pub anomaly_type: AnomalyType,
    pub error_codes: Vec<ErrorCodeCount>,
    /// The first ERROR/CRITICAL lines (at most 12).
    pub evidence_logs: Vec<LogDoc>,
    pub error_lines: u64,
    pub shares: EvidenceShares,
    pub deploy: Option<DeployEvent>,
    pub similar: Vec<SimilarIncident>,
    /// The chain of evidence, in reading order.
    pub evidence: Vec<String>,
    pub confidence: f64,
    pub decision: String,
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

fn weight(level: Level) -> f64 {
    match level {
        Level::Critical => 3.0,
        Level::Error => 1.0,
        Level::Warn => 0.5,
        _ => 0.0,
    }
}

fn shares(logs: &[LogDoc]) -> EvidenceShares {
    let mut s = EvidenceShares::default();
    let mut total = 0.0;
    for l in logs {
        let text = format!("{} {}", l.message, l.error_code.as_deref().unwrap_or("")).to_ascii_lowercase();
        let w = weight(l.level);
        total += w;
        if contains_any(&text, MEMORY_WORDS) {
            s.memory += w;
        } else if contains_any(&text, CODE_DEFECT_WORDS) {
            s.code_defect += w;
        } else if contains_any(&text, DEPENDENCY_WORDS) {
            s.dependency += w;
        } else {
            s.other += w;
        }
    }
    if total > 0.0 {
        s.dependency /= total;
        s.code_defect /= total;
        s.memory /= total;
        s.other /= total;
    }
    s
}

/// `v3.5.0`, `2.1.0-rc1`, ... : the first version-looking token.
fn version_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == ';')
        .map(|t| t.trim_end_matches(['.', ':']))
        .find(|t| {
            let t = t.strip_prefix('v').unwrap_or(t);
            t.contains('.') && t.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
}

fn previous_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    ["previous:", "previous", "from "].iter().find_map(|marker| {
        let at = lower.find(marker)? + marker.len();
        version_in(&text[at..])
    })
}

fn keywords(text: &str) -> std::collections::BTreeSet<String> {
    const STOP: &[&str] = &[
        "with", "from", "that", "this", "after", "before", "were", "into", "because", "within",
    ];
    text.to_ascii_lowercase()
        .split(|c: char| c.is_ascii() && !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.len() >= 4 && !STOP.contains(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// Investigate `detection` as of `now`.
pub async fn investigate<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    now: DateTime<Utc>,
) -> Result<Investigation, StoreError> {
    let service = detection.service.clone();
    let onset = detection.onset;
    let end = now + TimeDelta::milliseconds(1);
    let window = TimeWindow::new(onset - TimeDelta::minutes(config.log_lookback_minutes), end);
    let error_query = LogQuery {
        service: Some(service.clone()),
        min_level: Level::Error,
        window,
        words: Vec::new(),
        limit: 2_000,
    };
    let errors = store.logs(&error_query).await?;
    let error_lines = store.count_logs(&error_query).await?;
    let warn_plus = store
        .logs(&LogQuery {
            min_level: Level::Warn,
            ..error_query.clone()
        })
        .await?;
    let codes = store.error_codes(&service, window).await?;
    let shares = shares(&warn_plus);

    let deploy_window = TimeWindow::new(
        onset - TimeDelta::minutes(config.deploy_lookback_minutes),
        onset + TimeDelta::minutes(2),
    );
    let deploys = store
        .logs(&LogQuery {
            service: Some(service.clone()),
            min_level: Level::Info,
            window: deploy_window,
            words: DEPLOY_WORDS.iter().map(|w| w.to_string()).collect(),
            limit: 200,
        })
        .await?;
    let deploy_log = deploys
        .iter()
        .rev()
        .find(|l| contains_any(&l.message.to_ascii_lowercase(), DEPLOY_DONE_WORDS))
        .or(deploys.last());
    let first_error_after = |at: DateTime<Utc>| {
        warn_plus
            .iter()
            .filter(|l| l.level >= Level::Error && l.timestamp >= at)
            .map(|l| l.timestamp)
            .min()
    };

    // Hypothesis scores in [0, 1].
    let memory_symptom = matches!(
        detection.anomaly_type,
        AnomalyType::MemoryLeakProgressive | AnomalyType::ResourceSaturation
    ) && detection.primary.key.metric_type.contains("mem");
    let memory_score = (shares.memory + if memory_symptom { 0.5 } else { 0.0 }).min(1.0);
    let critical_dependency_at_onset = warn_plus.iter().any(|l| {
        l.level == Level::Critical
            && (l.timestamp - onset).num_seconds().abs() <= 120
            && contains_any(
                &format!("{} {}", l.message, l.error_code.as_deref().unwrap_or("")).to_ascii_lowercase(),
                DEPENDENCY_WORDS,
            )
    });
    let dependency_score = (shares.dependency + if critical_dependency_at_onset { 0.2 } else { 0.0 }).min(1.0);
    let deploy = deploy_log.map(|l| {
        let lead = (onset - l.timestamp).num_seconds() as f64 / 60.0;
        let freshness = if lead <= config.deploy_fresh_minutes {
            1.0
        } else {
            (1.0 - (lead - config.deploy_fresh_minutes)
                / (config.deploy_lookback_minutes as f64 - config.deploy_fresh_minutes))
                .clamp(0.0, 1.0)
        };
        // A deploy explains code defects (and unexplained errors), never a failing dependency.
        let explains = shares.code_defect + 0.5 * shares.other;
        let score = freshness * explains * (1.0 - shares.dependency);
        (l, lead, score)
    });
    let deploy_score = deploy.as_ref().map(|(_, _, s)| *s).unwrap_or(0.0);

    let mut ranked = vec![(deploy_score, 0u8), (dependency_score, 1), (memory_score, 2)];
    crate::order::sort_by(&mut ranked, |a, b| b.0.total_cmp(&a.0));
    let (best_score, best) = ranked[0];
    let margin = best_score - ranked[1].0;
    let dependency_name = || {
        let text: String = warn_plus
            .iter()
            .map(|l| l.message.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        DEPENDENCY_NAMES
            .iter()
            .find(|n| text.contains(*n))
            .map(|n| capitalized(n))
            .unwrap_or_else(|| "a downstream dependency".into())
    };
    let root_cause = if best_score < 0.2 {
        match detection.anomaly_type {
            AnomalyType::ResourceSaturation | AnomalyType::LatencyDegradation | AnomalyType::TrafficDrop => {
                RootCause::Saturation
            }
            _ => RootCause::Unknown,
        }
    } else {
        match best {
            0 => {
                let (l, _, _) = deploy.as_ref().expect("deploy score implies a deploy");
                RootCause::Deployment {
                    version: version_in(&l.message),
                    previous: previous_in(&l.message),
                }
            }
            1 => RootCause::Dependency {
                name: dependency_name(),
            },
            _ => RootCause::MemoryExhaustion,
        }
    };
    let anomaly_type = match root_cause {
        RootCause::Deployment { .. } => AnomalyType::DeploymentRegression,
        _ => detection.anomaly_type,
    };

    let deploy_event = deploy.map(|(l, lead, _)| {
        let blamed = matches!(root_cause, RootCause::Deployment { .. });
        let first_err = first_error_after(l.timestamp);
        let verdict = if blamed {
            format!(
                "deploy {:.0} min before onset; the errors that followed are code defects{}",
                lead.max(0.0),
                first_err.map(|t| format!(", first at {}", crate::time::hms(t))).unwrap_or_default()
            )
        } else if shares.dependency > shares.code_defect {
            format!(
                "ruled out: the errors are dependency failures ({:.0}% of the error evidence), not code defects, and the service stayed healthy for {:.0} min after the deploy",
                shares.dependency * 100.0,
                lead.max(0.0)
            )
        } else {
            format!("not blamed: the evidence points to {}", root_label(&root_cause))
        };
        DeployEvent {
            at: l.timestamp,
            message: l.message.clone(),
            version: version_in(&l.message),
            previous: previous_in(&l.message),
            lead_minutes: lead,
            blamed,
            verdict,
        }
    });

    let statement = match &root_cause {
        RootCause::Deployment { version, .. } => format!(
            "Deployment {} of {} introduced a regression: {} errors began {} after it ({}).",
            version.as_deref().unwrap_or("(unnamed)"),
            service,
            codes.first().map(|c| c.code.as_str()).unwrap_or("5xx"),
            deploy_event.as_ref().map(|d| format!("{:.0} min", d.lead_minutes.max(0.0))).unwrap_or_default(),
            codes.first().map(|c| format!("{} lines", c.count)).unwrap_or_default(),
        ),
        RootCause::Dependency { name } => format!(
            "Dependency failure: {name} became unavailable to {service} at {}; requests fell back and failed ({}).",
            crate::time::hm(onset),
            codes.iter().take(2).map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ")
        ),
        RootCause::MemoryExhaustion => format!(
            "Heap exhaustion in {service}: memory grew {:+.1}%/min from {:.0}% since {} without being reclaimed (memory leak); GC pressure {}.",
            detection.primary.rate_per_min,
            detection.primary.baseline.median,
            crate::time::hm(onset),
            codes.first().map(|c| format!("logged {} times as {}", c.count, c.code)).unwrap_or_else(|| "visible in latency".into())
        ),
        RootCause::Saturation => format!("Capacity saturation on {service}: {} without an error-log explanation.", detection.primary.key.metric_type),
        RootCause::Unknown => format!(
            "Cause unclear on {service}: {} error lines, top code {}.",
            error_lines,
            codes.first().map(|c| c.code.as_str()).unwrap_or("none")
        ),
    };

    let similar = rank_similar(store, &service, anomaly_type, &codes, &warn_plus, &statement, now).await?;
    let mut evidence = vec![format!("Cassandra: {}", detection.decision)];
    if let Some(c) = codes.first() {
        evidence.push(format!(
            "{} error lines; top codes: {}",
            error_lines,
            codes
                .iter()
                .take(3)
                .map(|c| format!("{} ×{} (first {})", c.code, c.count, crate::time::hms(c.first_seen)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let _ = c;
    }
    evidence.push(format!(
        "error evidence: {:.0}% dependency, {:.0}% code defect, {:.0}% memory, {:.0}% other",
        shares.dependency * 100.0,
        shares.code_defect * 100.0,
        shares.memory * 100.0,
        shares.other * 100.0
    ));
    if let Some(d) = &deploy_event {
        evidence.push(format!(
            "deploy at {}: \"{}\" — {}",
            crate::time::hms(d.at),
            d.message,
            d.verdict
        ));
    } else {
        evidence.push(format!(
            "no deploy in the {} min before onset",
            config.deploy_lookback_minutes
        ));
    }
    if let Some(s) = similar.first() {
        evidence.push(format!(
            "similar: {} {} ago ({})",
            s.incident.anomaly_type,
            days(s.days_ago),
            s.reasons.join("; ")
        ));
    }

    let confidence = (0.55
        + 0.30 * best_score.min(1.0)
        + 0.10 * margin.clamp(0.0, 1.0)
        + if similar
            .first()
            .is_some_and(|s| s.incident.anomaly_type == anomaly_type.as_str())
        {
            0.04
        } else {
            0.0
        })
    .min(0.99)
        * if matches!(root_cause, RootCause::Unknown) {
            0.6
        } else {
            1.0
        };
    let mut decision = format!("Root cause: {statement}");
    if let Some(d) = deploy_event.as_ref().filter(|d| !d.blamed) {
        decision.push_str(&format!(
            " Deploy {} {:.0} min before onset {}.",
            d.version.as_deref().unwrap_or(""),
            d.lead_minutes,
            d.verdict
        ));
    }
    if let Some(s) = similar.first() {
        decision.push_str(&format!(
            " Similar to the {} on {} {} ago (MTTR {} min): {}.",
            s.incident.anomaly_type,
            s.incident.service,
            days(s.days_ago),
            s.incident.mttr_seconds.unwrap_or(0) / 60,
            s.incident.actions_taken
        ));
    }
    decision.push_str(&format!(" Confidence: {}%.", percent(confidence)));
    Ok(Investigation {
        root_cause,
        statement,
        anomaly_type,
        error_codes: codes,
        evidence_logs: errors.into_iter().take(12).collect(),
        error_lines,
        shares,
        deploy: deploy_event,
        similar,
        evidence,
        confidence,
        decision,
    })
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn days(d: f64) -> String {
    if d >= 1.0 {
        format!("{:.0} days", d)
    } else {
        format!("{:.0} hours", d * 24.0)
    }
}

pub fn root_label(cause: &RootCause) -> &'static str {
    match cause {
        RootCause::Deployment { .. } => "a deployment",
        RootCause::Dependency { .. } => "a failing dependency",
        RootCause::MemoryExhaustion => "heap exhaustion",
        RootCause::Saturation => "capacity saturation",
        RootCause::Unknown => "an unknown cause",
    }
}

/// Past incidents ranked by type, service, shared error codes and wording.
async fn rank_similar<S: Store>(
    store: &S,
    service: &str,
    anomaly_type: AnomalyType,
    codes: &[ErrorCodeCount],
    logs: &[LogDoc],
    statement: &str,
    now: DateTime<Utc>,
) -> Result<Vec<SimilarIncident>, StoreError> {
    let past = store
        .incidents(&IncidentQuery {
            limit: 500,
            ..IncidentQuery::default()
        })
        .await?;
    let mut words = keywords(statement);
    for l in logs.iter().take(50) {
        words.extend(keywords(&l.message));
    }
    let mut out: Vec<SimilarIncident> = past
        .into_iter()
        .filter(|i| i.timestamp < now)
        .filter_map(|incident| {
            let mut score = 0.0;
            let mut reasons = Vec::new();
            if incident.anomaly_type == anomaly_type.as_str() {
                score += 3.0;
                reasons.push(format!("same type ({})", incident.anomaly_type));
            }
            if incident.service == service {
                score += 2.0;
                reasons.push("same service".to_string());
            }
            let text = format!("{} {}", incident.root_cause, incident.actions_taken);
            for c in codes.iter().filter(|c| c.count >= 2) {
                if text.contains(&c.code) {
                    score += 1.0;
                    reasons.push(format!("shares error code {}", c.code));
                }
            }
            let theirs = keywords(&text);
            let shared: Vec<&String> = words.intersection(&theirs).collect();
            if !shared.is_empty() {
                let jaccard = shared.len() as f64 / words.union(&theirs).count().max(1) as f64;
                score += (4.0 * jaccard).min(1.5);
                reasons.push(format!(
                    "similar wording: {}",
                    shared.iter().take(4).map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            let days_ago = (now - incident.timestamp).num_minutes() as f64 / 1440.0;
            (score >= 3.0).then_some(SimilarIncident {
                incident,
                score,
                reasons,
                days_ago,
            })
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| {
        b.score.total_cmp(&a.score).then(a.days_ago.total_cmp(&b.days_ago))
    });
    out.truncate(3);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_deploy_messages() {
        let m = "Deployment v3.5.0 complete (previous: v3.4.2)";
        assert_eq!(version_in(m).as_deref(), Some("v3.5.0"));
        assert_eq!(previous_in(m).as_deref(), Some("v3.4.2"));
        assert_eq!(
            version_in("Release 2.14.1 rolled out from 2.14.0").as_deref(),
            Some("2.14.1")
        );
        assert_eq!(
            previous_in("Release 2.14.1 rolled out from 2.14.0").as_deref(),
            Some("2.14.0")
        );
        assert_eq!(version_in("Health check OK"), None);
    }
}
