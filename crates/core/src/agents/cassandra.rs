//! Cassandra: detect, date, forecast, classify.

use super::detector::TriggerKind;
use super::stats::{theil_sen_slope, Baseline};
use super::{narrate, AgentConfig};
use crate::detect::{series, CannotJudge, NotFlagged, StoppedReporting};
use crate::model::{AnomalyType, BadDirection, Level, MetricType};
use crate::store::{LogQuery, SeriesKey, SeriesPoint, Store, StoreError};
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::{try_join, try_join3};
use serde::{Deserialize, Serialize};

/// One series that left its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesAnomaly {
    pub key: SeriesKey,
    pub kind: TriggerKind,
    /// Estimated start of the change.
    pub onset: DateTime<Utc>,
    /// When the detector fired, reading the data in time order.
    pub detected_at: DateTime<Utc>,
    pub value_at_detection: f64,
    pub current: f64,
    pub baseline: Baseline,
    /// Largest deviation since onset, in robust sigmas (bad direction).
    pub peak_z: f64,
    /// Robust trend since onset, per minute.
    pub rate_per_min: f64,
    /// Minutes from onset until half of the deviation was reached.
    pub rise_minutes: f64,
    /// Minutes from onset to the last reading.
    pub span_minutes: f64,
    /// Mean deviation over the first third of the post-onset readings divided
    /// by that over the last third: about 1 for a step, well below for a ramp.
    pub shape_ratio: f64,
    /// Share of post-onset points beyond the CUSUM slack.
    pub persistence: f64,
    /// Peak deviation as a share of the distance from baseline to the alarm
    /// level (1.0: at the alarm level); for metrics outside the catalogue,
    /// peak z / 20. Ranks symptoms: the worst one leads.
    pub severity: f64,
}

impl SeriesAnomaly {
    pub fn metric(&self) -> Option<MetricType> {
        MetricType::parse(&self.key.metric_type)
    }

    pub(crate) fn sudden(&self, config: &AgentConfig) -> bool {
        // A step is as high in its first third as in its last; a ramp is not,
        // however early it is caught.
        self.shape_ratio >= config.sudden_shape_ratio
    }
}

/// The forecast against the alarm level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub alarm_level: f64,
    /// Minutes from detection to the alarm level at the detected rate (None: not heading there).
    pub minutes_at_detection: Option<f64>,
    /// When the series actually crossed the alarm level, if it has.
    pub crossed_at: Option<DateTime<Utc>>,
    /// Predicted crossing from "now", if not crossed yet.
    pub eta: Option<DateTime<Utc>>,
}

/// Cassandra's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub service: String,
    pub region: String,
    pub anomaly_type: AnomalyType,
    pub primary: SeriesAnomaly,
    /// Other anomalous metrics of the same service.
    pub corroborating: Vec<SeriesAnomaly>,
    /// Anomalies on other services (reported, not worked).
    pub elsewhere: Vec<SeriesAnomaly>,
    pub onset: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    pub forecast: Option<Forecast>,
    /// WARN+ lines of the service since onset, and per-hour before.
    pub warn_logs_since_onset: u64,
    pub warn_logs_per_hour_before: f64,
    /// 0–1.
    pub confidence: f64,
    pub decision: String,
}

impl Detection {
    /// A stable id for the incident: service and onset.
    pub fn incident_id(&self) -> String {
        format!("{}@{}", self.service, crate::model::rfc3339::format(&self.onset))
    }
}

/// What every scanned series looked like: baselines are reused by Surgeon and Guardian.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesState {
    pub key: SeriesKey,
    pub baseline: Baseline,
    pub last: f64,
}

/// The whole scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scan {
    pub now: DateTime<Utc>,
    pub analysis: TimeWindow,
    pub series: Vec<SeriesState>,
    pub detection: Option<Detection>,
    pub decision: String,
    /// Series that came close, and why they were not flagged.
    #[serde(default)]
    pub not_flagged: Vec<NotFlagged>,
    /// Why some series (or the whole store) could not be judged.
    #[serde(default)]
    pub cannot_judge: Vec<CannotJudge>,
    /// Services that went silent before "now".
    #[serde(default)]
    pub stopped: Vec<StoppedReporting>,
}

/// History older than the read window is read in coarser buckets: at most
/// about this many per series (one aggregation in Elasticsearch mode).
const HISTORY_BUCKETS: i64 = 1_000;
/// And never more than this far back.
const HISTORY_DAYS: i64 = 7;
/// A service silent this long (or five of its sampling intervals) has stopped reporting.
const STALE_MINUTES: i64 = 5;

/// The coarse bucket for `length` of history: 5, 10, 15, 30 or 60 minutes.
pub fn history_bucket(length: TimeDelta) -> TimeDelta {
    let per = length.num_minutes() / HISTORY_BUCKETS;
    let minutes = [5, 10, 15, 30, 60].into_iter().find(|m| *m >= per).unwrap_or(60);
    TimeDelta::minutes(minutes)
}

/// What a scan at `now` reads: the baseline minutes, then the analysis minutes, `now` included.
pub fn read_window(config: &AgentConfig, now: DateTime<Utc>) -> TimeWindow {
    TimeWindow::new(
        now - TimeDelta::minutes(config.analysis_minutes + config.baseline_minutes),
        now + TimeDelta::milliseconds(1),
    )
}

/// Scan every series in the store as of `now`.
pub async fn scan<S: Store>(store: &S, config: &AgentConfig, now: DateTime<Utc>) -> Result<Scan, StoreError> {
    let window = read_window(config, now);
    let end = window.end;
    let analysis_start = now - TimeDelta::minutes(config.analysis_minutes);
    let bucket = TimeDelta::seconds(config.bucket_secs.max(1));
    let mut states = Vec::new();
    let mut anomalies = Vec::new();
    let mut anomalous_points = Vec::new();
    let mut not_flagged = Vec::new();
    let mut cannot_judge = Vec::new();
    let span = store.metric_time_range().await?;
    match span {
        None => cannot_judge.push(CannotJudge::NoData),
        Some((first, _)) if first > now => cannot_judge.push(CannotJudge::DataAfterNow { first }),
        _ => {}
    }
    // All the history the store holds before the read window, in coarser
    // buckets, read together with the read window itself.
    let history_read = match span {
        Some((first, _)) if first < window.start => {
            let start = first.max(window.start - TimeDelta::days(HISTORY_DAYS));
            Some((
                TimeWindow::new(start, window.start),
                history_bucket(window.start - start),
            ))
        }
        _ => None,
    };
    let history_step = history_read.map_or(TimeDelta::minutes(5), |(_, step)| step);
    let (history, fine) = try_join(
        async {
            match history_read {
                Some((past, step)) => store.all_series(past, step).await,
                None => Ok(Vec::new()),
            }
        },
        store.all_series(window, bucket),
    )
    .await?;
    let stopped = stopped_services(&fine, &history, now);
    for (key, points) in &fine {
        let past = history
            .binary_search_by(|(k, _)| k.cmp(key))
            .map(|i| history[i].1.as_slice())
            .unwrap_or_default();
        let outcome = series::judge(
            config,
            &series::Input {
                key,
                fine: points,
                history: past,
                history_bucket: history_step,
                analysis_start,
            },
        );
        not_flagged.extend(outcome.not_flagged);
        cannot_judge.extend(outcome.cannot_judge);
        let Some(state) = outcome.state else {
            continue;
        };
        states.push(state);
        if let Some(anomaly) = outcome.anomaly {
            anomalies.push(anomaly);
            anomalous_points.push((key.clone(), points.clone()));
        }
    }
    // A move every service made alike is demand, not a fault.
    let (anomalies, wide) = crate::detect::common::split(anomalies, &states, &fine, &history);
    not_flagged.extend(wide);
    let analysis = TimeWindow::new(analysis_start, end);
    let Some(primary_service) = pick_service(&anomalies) else {
        let decision = quiet_decision(config, &states, &not_flagged, &cannot_judge, &stopped);
        return Ok(Scan {
            now,
            analysis,
            series: states,
            detection: None,
            decision,
            not_flagged,
            cannot_judge,
            stopped,
        });
    };
    let (mut mine, elsewhere): (Vec<_>, Vec<_>) = anomalies.into_iter().partition(|a| a.key.service == primary_service);
    crate::order::sort_by(&mut mine, |a, b| b.severity.total_cmp(&a.severity));
    let primary = mine.remove(0);
    let region_query = LogQuery {
        service: Some(primary_service.clone()),
        min_level: Level::Debug,
        window,
        words: Vec::new(),
        limit: 1,
    };
    let warn_query = |window: TimeWindow| LogQuery {
        service: Some(primary_service.clone()),
        min_level: Level::Warn,
        window,
        words: Vec::new(),
        limit: 0,
    };
    let since_query = warn_query(TimeWindow::new(primary.onset, end));
    let before = TimeWindow::new(window.start, primary.onset);
    let before_query = warn_query(before);
    // The region and both warning counts need only the primary: one round trip.
    let (first_log, warn_since, warn_before) = try_join3(
        store.logs(&region_query),
        store.count_logs(&since_query),
        store.count_logs(&before_query),
    )
    .await?;
    let region = first_log
        .first()
        .map(|l| l.region.clone())
        .or_else(|| crate::model::Service::parse(&primary_service).map(|s| s.region().to_string()))
        .unwrap_or_default();
    let before_hours = (before.length().num_seconds() as f64 / 3600.0).max(0.25);
    let warn_before = warn_before as f64 / before_hours;
    let anomaly_type = classify(config, &primary);
    let primary_points = anomalous_points
        .iter()
        .find(|(k, _)| *k == primary.key)
        .map(|(_, p)| p.as_slice());
    let forecast = forecast(&primary, primary_points.unwrap_or_default(), now);
    let confidence = confidence(config, &primary, &mine, warn_since, warn_before, primary.onset, now);
    let detection_text = narrate::detection(config, &primary, anomaly_type, &forecast, confidence, &mine);
    let detection = Detection {
        service: primary_service,
        region,
        anomaly_type,
        onset: primary.onset,
        detected_at: primary.detected_at,
        primary,
        corroborating: mine,
        elsewhere,
        forecast: Some(forecast),
        warn_logs_since_onset: warn_since,
        warn_logs_per_hour_before: warn_before,
        confidence,
        decision: detection_text.clone(),
    };
    Ok(Scan {
        now,
        analysis,
        series: states,
        detection: Some(detection),
        decision: detection_text,
        not_flagged,
        cannot_judge,
        stopped,
    })
}

/// Services none of whose series reported in the last few minutes (or five
/// sampling intervals), while the store has later data for others or "now" is later.
fn stopped_services(
    fine: &[(SeriesKey, Vec<SeriesPoint>)],
    history: &[(SeriesKey, Vec<SeriesPoint>)],
    now: DateTime<Utc>,
) -> Vec<StoppedReporting> {
    let mut last: Vec<(&str, DateTime<Utc>, TimeDelta)> = Vec::new();
    for (key, points) in history.iter().chain(fine) {
        let (Some(first), Some(end)) = (points.first(), points.last()) else {
            continue;
        };
        let readings: u64 = points.iter().map(|p| p.count).sum();
        let spacing = (end.at - first.at) / i32::try_from(readings.max(1)).unwrap_or(i32::MAX);
        match last.iter_mut().find(|(s, _, _)| *s == key.service) {
            Some(entry) => {
                entry.1 = entry.1.max(end.at);
                entry.2 = entry.2.min(spacing);
            }
            None => last.push((&key.service, end.at, spacing)),
        }
    }
    let mut out: Vec<StoppedReporting> = last
        .into_iter()
        .filter(|(_, at, spacing)| *at <= now && now - *at > (*spacing * 5).max(TimeDelta::minutes(STALE_MINUTES)))
        .map(|(service, at, _)| StoppedReporting {
            service: service.to_string(),
            last_seen: at,
            silent_minutes: (now - at).num_seconds() as f64 / 60.0,
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| a.service.cmp(&b.service));
    out
}

/// The decision when nothing is flagged: no anomaly, or why it cannot say.
fn quiet_decision(
    config: &AgentConfig,
    states: &[SeriesState],
    not_flagged: &[NotFlagged],
    cannot_judge: &[CannotJudge],
    stopped: &[StoppedReporting],
) -> String {
    let mut text = if states.is_empty() {
        let reasons: Vec<String> = cannot_judge.iter().take(3).map(|c| c.reason()).collect();
        format!(
            "Cannot judge: {}.",
            if reasons.is_empty() {
                "no series in the read window".to_string()
            } else {
                reasons.join("; ")
            }
        )
    } else {
        narrate::quiet_scan(states.len(), distinct_services(states), config.analysis_minutes)
    };
    for s in stopped {
        text.push_str(&format!(
            " {} stopped reporting: nothing since {} ({:.0} min).",
            s.service,
            crate::time::hm(s.last_seen),
            s.silent_minutes
        ));
    }
    if !not_flagged.is_empty() {
        let reasons: Vec<String> = not_flagged.iter().take(3).map(|n| n.reason()).collect();
        text.push_str(&format!(" Not flagged: {}.", reasons.join("; ")));
    }
    text
}

fn distinct_services(states: &[SeriesState]) -> usize {
    let mut s: Vec<&str> = states.iter().map(|s| s.key.service.as_str()).collect();
    crate::order::sort_by(&mut s, |a, b| a.cmp(b));
    s.dedup();
    s.len()
}

/// The service to work: the largest summed severity of its symptoms.
fn pick_service(anomalies: &[SeriesAnomaly]) -> Option<String> {
    let mut services: Vec<(&str, f64)> = Vec::new();
    for a in anomalies {
        match services.iter_mut().find(|(s, _)| *s == a.key.service) {
            Some(entry) => entry.1 += a.severity,
            None => services.push((&a.key.service, a.severity)),
        }
    }
    crate::order::sort_by(&mut services, |a, b| b.1.total_cmp(&a.1));
    services.first().map(|(s, _)| s.to_string())
}

/// Shape-based class of the leading symptom. (Archaeologist refines it with
/// the cause, e.g. to `deployment_regression`.)
pub fn classify(config: &AgentConfig, primary: &SeriesAnomaly) -> AnomalyType {
    let name = primary.key.metric_type.to_ascii_lowercase();
    let metric = primary.metric();
    let is = |m: MetricType, words: &[&str]| metric == Some(m) || words.iter().any(|w| name.contains(w));
    if is(MetricType::MemoryPercent, &["mem", "heap"]) {
        if primary.sudden(config) {
            AnomalyType::ResourceSaturation
        } else {
            AnomalyType::MemoryLeakProgressive
        }
    } else if is(MetricType::ErrorRate, &["error", "5xx", "fail"]) {
        AnomalyType::ErrorSpikeSudden
    } else if is(MetricType::RequestLatencyMs, &["latency", "duration", "response"]) {
        AnomalyType::LatencyDegradation
    } else if is(MetricType::RequestsPerMin, &["request", "throughput", "rpm", "traffic"]) {
        AnomalyType::TrafficDrop
    } else {
        AnomalyType::ResourceSaturation
    }
}

fn forecast(primary: &SeriesAnomaly, points: &[SeriesPoint], now: DateTime<Utc>) -> Forecast {
    let metric = primary.metric();
    let alarm = metric
        .map(|m| m.alarm_level())
        .unwrap_or(primary.baseline.median + 10.0 * primary.baseline.sigma);
    let up = metric
        .map(|m| m.bad_direction() == BadDirection::Up)
        .unwrap_or(primary.current >= primary.baseline.median);
    let past = |v: f64| if up { v > alarm } else { v < alarm };
    let crossed_at = points
        .iter()
        .filter(|p| p.at >= primary.onset)
        .find(|p| past(p.avg))
        .map(|p| p.at);
    // Rate at detection: the trend from onset to the detection point.
    let early: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.at >= primary.onset && p.at <= primary.detected_at)
        .map(|p| ((p.at - primary.onset).num_seconds() as f64 / 60.0, p.avg))
        .collect();
    let early_rate = if early.len() >= 3 {
        theil_sen_slope(&early).unwrap_or(0.0)
    } else {
        primary.rate_per_min
    };
    let heading = |rate: f64| if up { rate > 0.0 } else { rate < 0.0 };
    let minutes_at_detection = (!past(primary.value_at_detection) && heading(early_rate))
        .then(|| (alarm - primary.value_at_detection) / early_rate);
    let eta = (crossed_at.is_none() && heading(primary.rate_per_min)).then(|| {
        let minutes = (alarm - primary.current) / primary.rate_per_min;
        now + TimeDelta::seconds((minutes * 60.0).clamp(0.0, 1e7) as i64)
    });
    Forecast {
        alarm_level: alarm,
        minutes_at_detection,
        crossed_at,
        eta,
    }
}

fn confidence(
    config: &AgentConfig,
    primary: &SeriesAnomaly,
    corroborating: &[SeriesAnomaly],
    warn_since: u64,
    warn_per_hour_before: f64,
    onset: DateTime<Utc>,
    now: DateTime<Utc>,
) -> f64 {
    // Strength of the leading signal, saturating at twice the spike threshold.
    let strength = (primary.peak_z / (2.0 * config.detector.spike_z)).min(1.0);
    let corroboration = (corroborating.len() as f64 / 2.0).min(1.0);
    let hours = ((now - onset).num_seconds() as f64 / 3600.0).max(1.0 / 60.0);
    let logs_agree = warn_since >= 3 && warn_since as f64 / hours >= 5.0 * warn_per_hour_before.max(0.5);
    let c = 0.40
        + 0.25 * strength
        + 0.15 * primary.persistence
        + 0.12 * corroboration
        + if logs_agree { 0.07 } else { 0.0 };
    c.min(0.99)
}
