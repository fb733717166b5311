//! Cassandra: detect, date, forecast, classify.

use super::detector::{Direction, SeriesDetector, TriggerKind};
use super::stats::{theil_sen_slope, Baseline};
use super::{narrate, AgentConfig};
use crate::model::{AnomalyType, BadDirection, Level, MetricType};
use crate::store::{LogQuery, SeriesKey, SeriesPoint, Store, StoreError};
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
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
    for (key, points) in store.all_series(window, bucket).await? {
        let Some((state, anomaly)) = scan_series(config, &key, &points, analysis_start) else {
            continue;
        };
        states.push(state);
        if let Some(anomaly) = anomaly {
            anomalies.push(anomaly);
            anomalous_points.push((key, points));
        }
    }
    let analysis = TimeWindow::new(analysis_start, end);
    let Some(primary_service) = pick_service(&anomalies) else {
        let decision = narrate::quiet_scan(states.len(), distinct_services(&states), config.analysis_minutes);
        return Ok(Scan {
            now,
            analysis,
            series: states,
            detection: None,
            decision,
        });
    };
    let (mut mine, elsewhere): (Vec<_>, Vec<_>) = anomalies.into_iter().partition(|a| a.key.service == primary_service);
    crate::order::sort_by(&mut mine, |a, b| b.severity.total_cmp(&a.severity));
    let primary = mine.remove(0);
    let region = store
        .logs(&LogQuery {
            service: Some(primary_service.clone()),
            min_level: Level::Debug,
            window,
            words: Vec::new(),
            limit: 1,
        })
        .await?
        .first()
        .map(|l| l.region.clone())
        .or_else(|| crate::model::Service::parse(&primary_service).map(|s| s.region().to_string()))
        .unwrap_or_default();
    let warn_query = |window: TimeWindow| LogQuery {
        service: Some(primary_service.clone()),
        min_level: Level::Warn,
        window,
        words: Vec::new(),
        limit: 0,
    };
    let warn_since = store
        .count_logs(&warn_query(TimeWindow::new(primary.onset, end)))
        .await?;
    let before = TimeWindow::new(window.start, primary.onset);
    let before_hours = (before.length().num_seconds() as f64 / 3600.0).max(0.25);
    let warn_before = store.count_logs(&warn_query(before)).await? as f64 / before_hours;
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
    })
}

fn distinct_services(states: &[SeriesState]) -> usize {
    let mut s: Vec<&str> = states.iter().map(|s| s.key.service.as_str()).collect();
    crate::order::sort_by(&mut s, |a, b| a.cmp(b));
    s.dedup();
    s.len()
}

/// The baseline scale floor: 2% of the healthy range for catalogue metrics,
/// 1% of the level otherwise.
fn sigma_floor(metric: Option<MetricType>, median: f64) -> f64 {
    match metric {
        Some(m) => {
            let (lo, hi) = m.healthy_range();
            (hi - lo) * 0.02
        }
        None => (median.abs() * 0.01).max(1e-6),
    }
}

/// Baseline and first trigger of one series.
fn scan_series(
    config: &AgentConfig,
    key: &SeriesKey,
    points: &[SeriesPoint],
    analysis_start: DateTime<Utc>,
) -> Option<(SeriesState, Option<SeriesAnomaly>)> {
    let split = points
        .iter()
        .position(|p| p.at >= analysis_start)
        .unwrap_or(points.len());
    let split = if split >= config.min_baseline_points {
        split
    } else if points.len() >= 2 * config.min_baseline_points {
        // Data someone else wrote may hold little history: the first third is the baseline.
        points.len() / 3
    } else {
        return None;
    };
    let (base, recent) = points.split_at(split);
    let metric = MetricType::parse(&key.metric_type);
    let values: Vec<f64> = base.iter().map(|p| p.avg).collect();
    let median = super::stats::median(&values)?;
    let baseline = Baseline::from_samples(&values, sigma_floor(metric, median))?;
    let (direction, materiality) = match metric {
        Some(m) => {
            let direction = match m.bad_direction() {
                BadDirection::Up => Direction::Up,
                BadDirection::Down => Direction::Down,
            };
            (
                direction,
                config.materiality * (m.alarm_level() - baseline.median).abs(),
            )
        }
        None => (Direction::Both, config.materiality_unknown * baseline.median.abs()),
    };
    let last = points.last()?.avg;
    let state = SeriesState {
        key: key.clone(),
        baseline,
        last,
    };
    let mut detector = SeriesDetector::new(config.detector, baseline, direction, materiality);
    let mut trigger = None;
    for p in recent {
        if let Some(t) = detector.observe(p.avg).trigger {
            trigger = Some(t);
            break;
        }
    }
    let Some(trigger) = trigger else {
        return Some((state, None));
    };
    // Orient deviations so that positive is the direction the series moved.
    let sign = if trigger.z >= 0.0 { 1.0 } else { -1.0 };
    let oriented = |v: f64| sign * (v - baseline.median);
    let after = &recent[trigger.onset_index..];
    let onset = after[0].at;
    let peak_dev = after.iter().map(|p| oriented(p.avg)).fold(0.0, f64::max);
    let rise_at = after
        .iter()
        .find(|p| oriented(p.avg) >= 0.5 * peak_dev)
        .map(|p| p.at)
        .unwrap_or(onset);
    let trend: Vec<(f64, f64)> = after
        .iter()
        .map(|p| ((p.at - onset).num_seconds() as f64 / 60.0, p.avg))
        .collect();
    let persistence = after
        .iter()
        .filter(|p| oriented(p.avg) / baseline.sigma >= config.detector.cusum_k)
        .count() as f64
        / after.len() as f64;
    let anomaly = SeriesAnomaly {
        key: key.clone(),
        kind: trigger.kind,
        onset,
        detected_at: recent[trigger.index].at,
        value_at_detection: recent[trigger.index].avg,
        current: last,
        baseline,
        peak_z: peak_dev / baseline.sigma,
        rate_per_min: theil_sen_slope(&trend).unwrap_or(0.0),
        rise_minutes: (rise_at - onset).num_seconds() as f64 / 60.0,
        span_minutes: (after[after.len() - 1].at - onset).num_seconds() as f64 / 60.0,
        shape_ratio: {
            let third = (after.len() / 3).max(1);
            let mean = |pts: &[SeriesPoint]| pts.iter().map(|p| oriented(p.avg)).sum::<f64>() / pts.len() as f64;
            let late = mean(&after[after.len() - third..]);
            if after.len() < 3 || late <= 0.0 {
                1.0
            } else {
                mean(&after[..third]) / late
            }
        },
        persistence,
        severity: match metric {
            Some(m) => peak_dev / (m.alarm_level() - baseline.median).abs().max(f64::EPSILON),
            None => peak_dev / baseline.sigma / 20.0,
        },
    };
    Some((state, Some(anomaly)))
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
