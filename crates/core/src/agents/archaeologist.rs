//! Archaeologist: which service is the root, what kind of trouble it is, and
//! whether a change caused it or fixed it.
//!
//! 1. **Root across services** ([`crate::topology`]): of the anomalous services,
//!    the root is the one the others depend on whose trouble began first; the
//!    others are its impact. Services the graph does not know (someone else's
//!    data) depend on those their log lines name.
//! 2. **Evidence** ([`crate::taxonomy`]): the root's WARN+ lines are classified
//!    by code and message tokens; the dominant class names the cause.
//! 3. **Changes** ([`crate::changes`]): a change is blamed only for trouble that
//!    began after it and that a change can cause; a change after which things
//!    got better is a fix.

use super::cassandra::Detection;
use super::narrate;
use super::similar::rank_similar;
pub use super::similar::SimilarIncident;
use super::AgentConfig;
use crate::changes::{self, ChangeKind};
use crate::model::{AnomalyType, Level, LogDoc, MetricType};
use crate::store::{ErrorCodeCount, LogQuery, SeriesKey, Store, StoreError};
use crate::taxonomy::{self, Class};
use crate::time::TimeWindow;
use crate::topology::Topology;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::{try_join, try_join5, try_join_all};
use serde::{Deserialize, Serialize};

/// Trouble on a service this close after another's still counts as "at the same time".
const SAME_TIME_SECS: i64 = 120;
/// A class needs this share of the weighted evidence to be the cause.
const DOMINANT_SHARE: f64 = 0.35;
/// A change this long after the first error line came after the trouble (a fix, or innocent).
const FIX_AFTER_SECS: i64 = 60;
/// Same, against a metric onset alone (an estimate: CUSUM dates it a minute or two early).
const ONSET_UNCERTAINTY_SECS: i64 = 180;
/// After a fix the primary metric's deviation must have shrunk below this share.
const FIX_RESIDUAL: f64 = 0.5;
/// Confidence weights: start, evidence share, margin over the runner-up,
/// topology agreement, a similar past incident; unclear causes are discounted.
const BASE: f64 = 0.5;
const W_SHARE: f64 = 0.35;
const W_MARGIN: f64 = 0.1;
const W_TOPOLOGY: f64 = 0.05;
const W_SIMILAR: f64 = 0.04;
const UNCLEAR_FACTOR: f64 = 0.6;

/// A change found near the incident, and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployEvent {
    pub at: DateTime<Utc>,
    pub service: String,
    pub message: String,
    #[serde(default)]
    pub kind: ChangeKind,
    pub version: Option<String>,
    pub previous: Option<String>,
    /// Minutes from the change to the onset (negative: after the onset).
    pub lead_minutes: f64,
    pub blamed: bool,
    /// Things got better after it: a fix, never to be rolled back.
    #[serde(default)]
    pub fixed: bool,
    /// Why it is or is not blamed.
    pub verdict: String,
}

/// The cause, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RootCause {
    /// A change of ours (deploy, config push, flag flip).
    Deployment {
        version: Option<String>,
        previous: Option<String>,
        #[serde(default)]
        change: ChangeKind,
    },
    /// A dependency stopped answering (cache, database, queue, upstream).
    Dependency {
        name: String,
    },
    MemoryExhaustion,
    /// Load beyond capacity.
    Saturation,
    /// Any other class of the taxonomy (pool, TLS, DNS, throttling, …).
    Evidence {
        class: Class,
    },
    /// Nothing dominant: the statement names the dominant evidence instead.
    Unknown,
}

impl RootCause {
    /// One name per cause, for records and `eval`.
    pub fn name(&self) -> &'static str {
        match self {
            RootCause::Deployment { .. } => "deployment",
            RootCause::Dependency { .. } => "dependency",
            RootCause::MemoryExhaustion => "memory_exhaustion",
            RootCause::Saturation => "saturation",
            RootCause::Evidence { class } => class.as_str(),
            RootCause::Unknown => "unknown",
        }
    }
}

/// The most frequent evidence, named when the cause is unclear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DominantEvidence {
    pub code: Option<String>,
    pub sample: String,
    pub first_seen: DateTime<Utc>,
    pub lines: u64,
}

/// One factor of a confidence value, for the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub name: String,
    pub value: f64,
}

/// Archaeologist's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub root_cause: RootCause,
    /// Where the trouble began: the service Surgeon acts on.
    pub root_service: String,
    /// Anomalous services that call the root (its blast radius), sorted.
    pub impacted: Vec<String>,
    /// The dominant evidence class of the root's logs.
    pub class: Option<Class>,
    /// Weighted share of the root's evidence per class, largest first.
    pub class_shares: Vec<(Class, f64)>,
    pub dominant: Option<DominantEvidence>,
    pub statement: String,
    /// Cassandra's class, refined by the cause.
    pub anomaly_type: AnomalyType,
    pub error_codes: Vec<ErrorCodeCount>,
    /// The first ERROR/CRITICAL lines of the root (at most 12).
    pub evidence_logs: Vec<LogDoc>,
    pub error_lines: u64,
    /// The change nearest the onset, with its verdict.
    pub deploy: Option<DeployEvent>,
    /// A change after the onset after which things improved.
    #[serde(default)]
    pub fix: Option<DeployEvent>,
    pub similar: Vec<SimilarIncident>,
    /// The chain of evidence, in reading order.
    pub evidence: Vec<String>,
    pub confidence: f64,
    #[serde(default)]
    pub factors: Vec<Factor>,
    pub decision: String,
}

fn weight(level: Level) -> f64 {
    match level {
        Level::Critical => 3.0,
        Level::Error => 1.0,
        Level::Warn => 0.5,
        _ => 0.0,
    }
}

/// Weighted share per class, largest first (unclassified lines count in the total).
fn class_shares(logs: &[LogDoc]) -> Vec<(Class, f64)> {
    let mut by: Vec<(Class, f64)> = Vec::new();
    let mut total = 0.0;
    for l in logs {
        let w = weight(l.level);
        total += w;
        if let Some(c) = taxonomy::classify(&l.message, l.error_code.as_deref()) {
            match by.iter_mut().find(|(k, _)| *k == c) {
                Some(slot) => slot.1 += w,
                None => by.push((c, w)),
            }
        }
    }
    if total > 0.0 {
        by.iter_mut().for_each(|s| s.1 /= total);
    }
    crate::order::sort_by(&mut by, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by
}

/// Where the trouble began: of the anomalous services, the one the most others
/// depend on, if its onset is not later than theirs; else the detected service.
fn root_service(topology: &Topology, detection: &Detection) -> (String, Vec<String>, bool) {
    let mut onsets: Vec<(String, DateTime<Utc>)> = vec![(detection.service.clone(), detection.onset)];
    for a in &detection.elsewhere {
        match onsets.iter_mut().find(|(s, _)| *s == a.key.service) {
            Some(slot) => slot.1 = slot.1.min(a.onset),
            None => onsets.push((a.key.service.clone(), a.onset)),
        }
    }
    let explains = |root: &(String, DateTime<Utc>)| {
        onsets
            .iter()
            .filter(|o| o.0 != root.0 && topology.depends_on(&o.0, &root.0))
            .filter(|o| (root.1 - o.1).num_seconds() <= SAME_TIME_SECS)
            .count()
    };
    let best = onsets
        .iter()
        .map(|o| (explains(o), o))
        .filter(|(n, _)| *n > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1 .1.cmp(&a.1 .1)));
    match best {
        Some((_, root)) => {
            let mut impacted: Vec<String> = onsets
                .iter()
                .filter(|o| o.0 != root.0 && topology.depends_on(&o.0, &root.0))
                .map(|o| o.0.clone())
                .collect();
            impacted.sort();
            (root.0.clone(), impacted, true)
        }
        None => (detection.service.clone(), Vec::new(), false),
    }
}

/// The anomalous services' WARN+ lines since shortly before the first onset,
/// read as a graph ([`Topology::named_in_logs`]).
async fn calls_named_in_logs<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    now: DateTime<Utc>,
) -> Result<Topology, StoreError> {
    let mut services: Vec<&str> = std::iter::once(detection.service.as_str())
        .chain(detection.elsewhere.iter().map(|a| a.key.service.as_str()))
        .collect();
    services.sort_unstable();
    services.dedup();
    let first = detection
        .elsewhere
        .iter()
        .map(|a| a.onset)
        .fold(detection.onset, DateTime::min);
    let query = LogQuery {
        service: None,
        min_level: Level::Warn,
        window: TimeWindow::new(
            first - TimeDelta::minutes(config.log_lookback_minutes),
            now + TimeDelta::milliseconds(1),
        ),
        words: Vec::new(),
        limit: 5_000,
    };
    Ok(Topology::named_in_logs(&services, &store.logs(&query).await?))
}

/// Mean bad-direction deviation of the primary metric in a window.
async fn deviation<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    window: TimeWindow,
) -> Result<Option<f64>, StoreError> {
    let key = SeriesKey::new(&detection.primary.key.service, &detection.primary.key.metric_type);
    let points = store
        .metric_series(&key, window, TimeDelta::seconds(config.bucket_secs.max(1)))
        .await?;
    if points.is_empty() {
        return Ok(None);
    }
    let down = MetricType::parse(&key.metric_type).is_some_and(|m| m == MetricType::RequestsPerMin);
    let base = detection.primary.baseline.median;
    let mean = points.iter().map(|p| p.avg).sum::<f64>() / points.len() as f64;
    Ok(Some(if down { base - mean } else { mean - base }.max(0.0)))
}

/// Investigate `detection` as of `now`, over the seed's platform graph.
pub async fn investigate<S: Store>(
    store: &S,
    config: &AgentConfig,
    detection: &Detection,
    now: DateTime<Utc>,
) -> Result<Investigation, StoreError> {
    investigate_with(store, config, &Topology::platform(), detection, now).await
}

/// Investigate with a given dependency graph.
pub async fn investigate_with<S: Store>(
    store: &S,
    config: &AgentConfig,
    topology: &Topology,
    detection: &Detection,
    now: DateTime<Utc>,
) -> Result<Investigation, StoreError> {
    let (mut root, mut impacted, mut topology_agrees) = root_service(topology, detection);
    let mut graph_from_logs = false;
    if !topology_agrees && !detection.elsewhere.is_empty() {
        // The graph relates none of these services (someone else's platform):
        // who calls whom, as their own log lines name each other.
        let learned = calls_named_in_logs(store, config, detection, now).await?;
        if let (r, i, true) = root_service(&learned, detection) {
            (root, impacted, topology_agrees, graph_from_logs) = (r, i, true, true);
        }
    }
    let onset = detection
        .elsewhere
        .iter()
        .filter(|a| a.key.service == root)
        .map(|a| a.onset)
        .chain((root == detection.service).then_some(detection.onset))
        .min()
        .unwrap_or(detection.onset);
    let end = now + TimeDelta::milliseconds(1);
    let window = TimeWindow::new(onset - TimeDelta::minutes(config.log_lookback_minutes), end);
    let error_query = LogQuery {
        service: Some(root.clone()),
        min_level: Level::Error,
        window,
        words: Vec::new(),
        limit: 2_000,
    };
    let warn_query = LogQuery {
        min_level: Level::Warn,
        ..error_query.clone()
    };
    // Changes on the root (or the detected service) from the lookback until now.
    let change_query = LogQuery {
        service: None,
        min_level: Level::Info,
        window: TimeWindow::new(onset - TimeDelta::minutes(config.deploy_lookback_minutes), end),
        words: Vec::new(),
        limit: 20_000,
    };
    // None of these reads needs another's answer: one round trip.
    let (errors, error_lines, warn_plus, codes, change_logs) = try_join5(
        store.logs(&error_query),
        store.count_logs(&error_query),
        store.logs(&warn_query),
        store.error_codes(&root, window),
        store.logs(&change_query),
    )
    .await?;
    let shares = class_shares(&warn_plus);
    let class = shares.first().filter(|(_, s)| *s >= DOMINANT_SHARE).map(|(c, _)| *c);
    let margin = match (shares.first(), shares.get(1)) {
        (Some(a), Some(b)) => a.1 - b.1,
        (Some(a), None) => a.1,
        _ => 0.0,
    };
    // When the trouble began: the first error line near the onset (precise), else
    // the metric onset (an estimate, so a change needs a wider margin after it).
    let first_error = warn_plus
        .iter()
        .filter(|l| l.level >= Level::Error && l.timestamp >= onset - TimeDelta::seconds(SAME_TIME_SECS))
        .map(|l| l.timestamp)
        .min();
    let first_trouble = first_error.unwrap_or(onset);
    let after_secs = if first_error.is_some() {
        FIX_AFTER_SECS
    } else {
        ONSET_UNCERTAINTY_SECS
    };

    let mut found: Vec<(DateTime<Utc>, &LogDoc, changes::Change)> = change_logs
        .iter()
        .filter(|l| l.service == root || l.service == detection.service)
        .filter_map(|l| changes::change_in(&l.message).map(|c| (l.timestamp, l, c)))
        .filter(|(_, _, c)| !c.in_progress)
        .collect();
    crate::order::sort_by(&mut found, |a, b| a.0.cmp(&b.0));
    let change_can_explain = class.is_none_or(Class::can_come_with_a_change);
    let mut suspect: Option<DeployEvent> = None;
    let mut fix: Option<DeployEvent> = None;
    // For each change that came after the trouble: the primary's deviation
    // before it and once it settled. All of them are read at once.
    let around = try_join_all(found.iter().map(|(at, _, _)| async move {
        if (*at - first_trouble).num_seconds() < after_secs {
            return Ok(None);
        }
        let settle = *at + TimeDelta::minutes(config.sustain_minutes.min(3));
        try_join(
            deviation(store, config, detection, TimeWindow::new(onset, *at)),
            deviation(store, config, detection, TimeWindow::new(settle, end)),
        )
        .await
        .map(Some)
    }))
    .await?;
    for ((at, log, change), around) in found.iter().zip(around) {
        let lead = (first_trouble - *at).num_seconds() as f64 / 60.0;
        let mut event = DeployEvent {
            at: *at,
            service: log.service.clone(),
            message: log.message.clone(),
            kind: change.kind,
            version: change.version.clone(),
            previous: change.previous.clone(),
            lead_minutes: lead,
            blamed: false,
            fixed: false,
            verdict: String::new(),
        };
        if let Some((before, after)) = around {
            if let (Some(b), Some(a)) = (before, after) {
                if b > 0.0 && a <= FIX_RESIDUAL * b {
                    event.fixed = true;
                    event.verdict = narrate::change_fixed(&event, a / b);
                    fix.get_or_insert(event);
                    continue;
                }
            }
            event.verdict = narrate::change_after_onset(&event);
            suspect.get_or_insert(event);
            continue;
        }
        // Before the trouble (or with it): a suspect, latest first.
        event.blamed = change_can_explain;
        event.verdict = narrate::change_verdict(&event, class, change_can_explain);
        suspect = Some(event);
    }
    // Among several changes before the trouble, the last one is the suspect.

    let memory_symptom = detection.primary.metric() == Some(MetricType::MemoryPercent)
        && matches!(
            detection.anomaly_type,
            AnomalyType::MemoryLeakProgressive | AnomalyType::ResourceSaturation
        );
    let dependency_name = || {
        warn_plus
            .iter()
            .filter(|l| taxonomy::classify(&l.message, l.error_code.as_deref()).is_some_and(Class::is_in_dependency))
            .find_map(|l| taxonomy::dependency_name(&l.message))
            .map(str::to_string)
            .unwrap_or_else(|| {
                if root != detection.service {
                    root.clone()
                } else {
                    "a downstream dependency".into()
                }
            })
    };
    let blamed = suspect.as_ref().filter(|d| d.blamed);
    let root_cause = match (blamed, class) {
        (Some(d), _) => RootCause::Deployment {
            version: d.version.clone(),
            previous: d.previous.clone(),
            change: d.kind,
        },
        (None, Some(c)) if c.is_dependency_down() => RootCause::Dependency {
            name: dependency_name(),
        },
        (None, Some(Class::HeapExhaustion)) => RootCause::MemoryExhaustion,
        (None, Some(Class::TrafficSurge)) => RootCause::Saturation,
        (None, Some(c)) => RootCause::Evidence { class: c },
        (None, None) if memory_symptom => RootCause::MemoryExhaustion,
        (None, None) if root != detection.service => RootCause::Dependency { name: root.clone() },
        (None, None) => match (detection.primary.metric(), detection.anomaly_type) {
            (Some(MetricType::RequestsPerMin), AnomalyType::TrafficDrop) => RootCause::Evidence {
                class: Class::TrafficDrop,
            },
            (Some(MetricType::CpuPercent | MetricType::RequestsPerMin), _) => RootCause::Saturation,
            _ => RootCause::Unknown,
        },
    };
    let anomaly_type = match root_cause {
        RootCause::Deployment { .. } => AnomalyType::DeploymentRegression,
        _ => detection.anomaly_type,
    };
    let dominant = dominant_evidence(&warn_plus, &codes);
    let statement = narrate::root_statement(&narrate::RootFacts {
        cause: &root_cause,
        service: &root,
        detected: detection,
        impacted: &impacted,
        onset,
        codes: &codes,
        error_lines,
        deploy: suspect.as_ref(),
        dominant: dominant.as_ref(),
    });

    let similar = rank_similar(store, &root, anomaly_type, &codes, &warn_plus, &statement, onset, now).await?;
    let best_share = shares.first().map(|s| s.1).unwrap_or(0.0);
    let similar_agrees = similar
        .first()
        .is_some_and(|s| s.incident.anomaly_type == anomaly_type.as_str());
    let mut factors = vec![
        Factor {
            name: "base".into(),
            value: BASE,
        },
        match blamed {
            // A blamed change: its timing is the evidence (fresh within
            // `deploy_fresh_minutes`, half as strong at the end of the lookback).
            Some(d) => {
                let fresh = config.deploy_fresh_minutes;
                let span = (config.deploy_lookback_minutes as f64 - fresh).max(1.0);
                let freshness = 1.0 - 0.5 * ((d.lead_minutes - fresh) / span).clamp(0.0, 1.0);
                Factor {
                    name: format!(
                        "{} {:.0} min before the trouble",
                        d.kind.noun(),
                        d.lead_minutes.max(0.0)
                    ),
                    value: W_SHARE * freshness,
                }
            }
            None => Factor {
                name: format!("evidence share {:.0}%", best_share * 100.0),
                value: W_SHARE * best_share,
            },
        },
        Factor {
            name: format!("margin over the runner-up {:.0}%", margin * 100.0),
            value: W_MARGIN * margin.clamp(0.0, 1.0),
        },
    ];
    if topology_agrees || memory_symptom {
        factors.push(Factor {
            name: if graph_from_logs {
                "the callers' log lines name the root".into()
            } else if topology_agrees {
                "topology: the root explains its callers".into()
            } else {
                "the symptom matches the cause".into()
            },
            value: W_TOPOLOGY,
        });
    }
    if similar_agrees {
        factors.push(Factor {
            name: "a similar past incident".into(),
            value: W_SIMILAR,
        });
    }
    let mut confidence = factors.iter().map(|f| f.value).sum::<f64>().min(0.99);
    if matches!(root_cause, RootCause::Unknown) {
        confidence *= UNCLEAR_FACTOR;
        factors.push(Factor {
            name: format!("cause unclear ×{UNCLEAR_FACTOR}"),
            value: confidence - factors.iter().map(|f| f.value).sum::<f64>(),
        });
    }
    if confidence > detection.confidence {
        factors.push(Factor {
            name: "capped at the detection's confidence".into(),
            value: detection.confidence - confidence,
        });
        confidence = detection.confidence;
    }
    let mut inv = Investigation {
        root_cause,
        root_service: root,
        impacted,
        class,
        class_shares: shares,
        dominant,
        statement,
        anomaly_type,
        error_codes: codes,
        evidence_logs: errors.into_iter().take(12).collect(),
        error_lines,
        deploy: suspect,
        fix,
        similar,
        evidence: Vec::new(),
        confidence,
        factors,
        decision: String::new(),
    };
    inv.evidence = narrate::investigation_evidence(&inv, detection, config);
    inv.decision = narrate::investigation_decision(&inv);
    Ok(inv)
}

fn dominant_evidence(logs: &[LogDoc], codes: &[ErrorCodeCount]) -> Option<DominantEvidence> {
    let top = codes.first();
    let sample = logs
        .iter()
        .filter(|l| l.level >= Level::Error)
        .find(|l| top.is_none_or(|c| l.error_code.as_deref() == Some(c.code.as_str())))
        .or_else(|| logs.first())?;
    Some(DominantEvidence {
        code: top.map(|c| c.code.clone()),
        sample: sample.message.lines().next().unwrap_or_default().to_string(),
        first_seen: top.map(|c| c.first_seen).unwrap_or(sample.timestamp),
        lines: top.map(|c| c.count).unwrap_or(logs.len() as u64),
    })
}
