//! Past incidents that look like the current one: Archaeologist's institutional memory.

use super::narrate;
use crate::model::{AnomalyType, IncidentDoc, LogDoc};
use crate::store::{ErrorCodeCount, IncidentQuery, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A past incident that looks like this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarIncident {
    pub incident: IncidentDoc,
    pub score: f64,
    pub reasons: Vec<String>,
    pub days_ago: f64,
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

/// Similarity weights: same type, same service, per shared error code, and wording (Jaccard ×4, capped).
const SIM_TYPE: f64 = 3.0;
const SIM_SERVICE: f64 = 2.0;
const SIM_CODE: f64 = 1.0;
const SIM_WORDING_CAP: f64 = 1.5;
const SIM_KEEP: f64 = 3.0;

/// Past incidents ranked by type, service, shared error codes and wording.
/// Past means before this incident's onset: a replay on the same store never
/// finds its own earlier record.
#[allow(clippy::too_many_arguments)]
pub(super) async fn rank_similar<S: Store>(
    store: &S,
    service: &str,
    anomaly_type: AnomalyType,
    codes: &[ErrorCodeCount],
    logs: &[LogDoc],
    statement: &str,
    onset: DateTime<Utc>,
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
        .filter(|i| i.timestamp < onset)
        .filter_map(|incident| {
            let mut score = 0.0;
            let mut reasons = Vec::new();
            if incident.anomaly_type == anomaly_type.as_str() {
                score += SIM_TYPE;
                reasons.push(narrate::similar_reason_type(&incident.anomaly_type));
            }
            if incident.service == service {
                score += SIM_SERVICE;
                reasons.push(narrate::SIMILAR_SAME_SERVICE.to_string());
            }
            let text = format!("{} {}", incident.root_cause, incident.actions_taken);
            for c in codes.iter().filter(|c| c.count >= 2) {
                if text.contains(&c.code) {
                    score += SIM_CODE;
                    reasons.push(narrate::similar_reason_code(&c.code));
                }
            }
            let theirs = keywords(&text);
            let shared: Vec<&String> = words.intersection(&theirs).collect();
            if !shared.is_empty() {
                let jaccard = shared.len() as f64 / words.union(&theirs).count().max(1) as f64;
                score += (4.0 * jaccard).min(SIM_WORDING_CAP);
                reasons.push(narrate::similar_reason_words(&shared));
            }
            let days_ago = (now - incident.timestamp).num_minutes() as f64 / 1440.0;
            (score >= SIM_KEEP).then_some(SimilarIncident {
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
