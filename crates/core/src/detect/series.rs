//! One series, judged: baseline (today's, or the time-of-day one with days of
//! history; Poisson for counters), the change point over the whole history for
//! episodes older than the analysis window, then spike + CUSUM over the
//! analysis window with persistence (blips are not incidents) and materiality.

use super::changepoint::{curvature, hinge};
use super::counts::{count_sigma_floor, is_count_series, readings_per_bucket};
use super::detector::{Direction, SeriesDetector, Trigger, TriggerKind};
use super::seasonal::DailyProfile;
use super::stats::{median, theil_sen_slope, Baseline};
use super::{CannotJudge, NotFlagged};
use crate::agents::cassandra::{SeriesAnomaly, SeriesState};
use crate::agents::AgentConfig;
use crate::model::{BadDirection, MetricType};
use crate::store::{SeriesKey, SeriesPoint};
use chrono::{DateTime, TimeDelta, Utc};

/// What one series' judgement found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub state: Option<SeriesState>,
    pub anomaly: Option<SeriesAnomaly>,
    pub not_flagged: Vec<NotFlagged>,
    pub cannot_judge: Option<CannotJudge>,
}

/// A series' readings: the analysis read at full resolution, and the coarser
/// history the store holds before it (possibly empty).
pub struct Input<'a> {
    pub key: &'a SeriesKey,
    pub fine: &'a [SeriesPoint],
    pub history: &'a [SeriesPoint],
    pub history_bucket: TimeDelta,
    pub analysis_start: DateTime<Utc>,
}

/// An episode shorter than this that is over is a blip.
const BLIP_MINUTES: f64 = 5.0;
/// Back below the line for this long: the episode is over.
const RECOVERED_MINUTES: f64 = 3.0;
/// History older than the read window this long enables the change-point search.
const LONG_HISTORY_HOURS: f64 = 2.0;
/// An episode found by the change-point search whose course a parabola fits
/// this much better than a line is a curve (a rhythm), not a leak or a storm.
const MAX_CURVATURE: f64 = 2.0;

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

struct Rules {
    metric: Option<MetricType>,
    direction: Direction,
    materiality: f64,
}

fn rules(config: &AgentConfig, key: &SeriesKey, baseline: &Baseline) -> Rules {
    let metric = MetricType::parse(&key.metric_type);
    let (direction, materiality) = match metric {
        Some(m) => (
            match m.bad_direction() {
                BadDirection::Up => Direction::Up,
                BadDirection::Down => Direction::Down,
            },
            config.materiality * (m.alarm_level() - baseline.median).abs(),
        ),
        None => (Direction::Both, config.materiality_unknown * baseline.median.abs()),
    };
    Rules {
        metric,
        direction,
        materiality,
    }
}

fn baseline_of(key: &SeriesKey, base: &[SeriesPoint], counts: bool) -> Option<Baseline> {
    let values: Vec<f64> = base.iter().map(|p| p.avg).collect();
    let m = median(&values)?;
    let mut floor = sigma_floor(MetricType::parse(&key.metric_type), m);
    if counts {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        floor = floor.max(count_sigma_floor(mean, readings_per_bucket(base)));
    }
    Baseline::from_samples(&values, floor)
}

fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 60.0
}

/// Judge one series.
pub fn judge(config: &AgentConfig, input: &Input) -> Outcome {
    let key = input.key;
    let counts = is_count_series(input.fine);
    // With a day or more of history, compare every reading with that time of day.
    let slot = u32::try_from(input.history_bucket.num_minutes()).unwrap_or(0);
    let profile = if counts {
        None
    } else {
        DailyProfile::build(input.history, slot)
    };
    let adjust = |pts: &[SeriesPoint]| -> Vec<SeriesPoint> {
        match &profile {
            Some(p) => pts.iter().map(|x| p.adjust(x)).collect(),
            None => pts.to_vec(),
        }
    };
    let fine = adjust(input.fine);
    let history = adjust(input.history);
    let mut out = Outcome::default();
    let points = fine.as_slice();
    let split = points
        .iter()
        .position(|p| p.at >= input.analysis_start)
        .unwrap_or(points.len());
    let split = if split >= config.min_baseline_points {
        split
    } else if points.len() >= 2 * config.min_baseline_points {
        // Data someone else wrote may hold little history: the first third is the baseline.
        points.len() / 3
    } else {
        if history.is_empty() {
            out.cannot_judge = Some(CannotJudge::TooLittleData {
                key: key.clone(),
                points: points.len(),
                minutes: match (points.first(), points.last()) {
                    (Some(a), Some(b)) => minutes(a.at, b.at),
                    _ => 0.0,
                },
                needed: 2 * config.min_baseline_points,
            });
        }
        return out;
    };
    let (base, recent) = points.split_at(split);
    let Some(baseline) = baseline_of(key, base, counts) else {
        return out;
    };
    let Some(last) = input.fine.last() else {
        return out;
    };
    out.state = Some(SeriesState {
        key: key.clone(),
        baseline,
        last: last.avg,
    });
    let r = rules(config, key, &baseline);
    // An episode that began before the analysis window: found over the whole history.
    if let Some(anomaly) = long_episode(config, key, &history, points, input) {
        out.anomaly = Some(anomaly);
        return out;
    }
    let mut from = 0;
    while from < recent.len() {
        let mut detector = SeriesDetector::new(config.detector, baseline, r.direction, r.materiality);
        let Some(trigger) = recent[from..].iter().find_map(|p| {
            detector.observe(p.avg).trigger.map(|t| Trigger {
                index: t.index + from,
                onset_index: t.onset_index + from,
                ..t
            })
        }) else {
            break;
        };
        let sign = if trigger.z >= 0.0 { 1.0 } else { -1.0 };
        match episode_end(recent, trigger.onset_index, |v| {
            sign * (v - baseline.median) >= r.materiality
        }) {
            Some((start, end)) if minutes(recent[start].at, recent[end - 1].at) < BLIP_MINUTES => {
                let peak = recent[start..end]
                    .iter()
                    .map(|p| sign * (p.avg - baseline.median))
                    .fold(0.0, f64::max);
                out.not_flagged.push(NotFlagged::Blip {
                    key: key.clone(),
                    at: recent[start].at,
                    minutes: minutes(recent[start].at, recent[end - 1].at).max(0.5),
                    peak,
                });
                from = end;
            }
            _ => {
                let mut trigger = trigger;
                if counts {
                    trigger.onset_index = count_onset(recent, &trigger);
                }
                out.anomaly = Some(anomaly(config, key, recent, &trigger, baseline, &r, last.avg));
                return out;
            }
        }
    }
    near_misses(key, input, recent, &baseline, &r, profile.as_ref(), &mut out);
    out
}

/// Start and end (exclusive) of the first material run from `onset`, if the series
/// was back below the line for [`RECOVERED_MINUTES`] afterwards; `None` while it lasts.
fn episode_end(points: &[SeriesPoint], onset: usize, material: impl Fn(f64) -> bool) -> Option<(usize, usize)> {
    // The onset can precede the material part (CUSUM dates a ramp early).
    let start = (onset..points.len()).find(|i| material(points[*i].avg))?;
    let end = (start..points.len()).find(|i| !material(points[*i].avg))?;
    let quiet_until = points[end..].iter().take_while(|p| !material(p.avg)).last()?;
    (minutes(points[end - 1].at, quiet_until.at) >= RECOVERED_MINUTES).then_some((start, end))
}

/// A count series' onset: the best step before the trigger (a stray error
/// earlier must not date it).
fn count_onset(recent: &[SeriesPoint], trigger: &Trigger) -> usize {
    let lo = trigger.onset_index.saturating_sub(10);
    let hi = (trigger.index + 10).min(recent.len());
    let pts: Vec<(f64, f64)> = recent[lo..hi]
        .iter()
        .map(|p| (minutes(recent[0].at, p.at), p.avg))
        .collect();
    match hinge(&pts, 2) {
        Some(cp) if lo + cp.index <= trigger.index => (lo + cp.index).max(trigger.onset_index),
        _ => trigger.onset_index,
    }
}

/// An episode that started before the analysis window and still lasts: the
/// change point over all the history, with the baseline from before it.
fn long_episode(
    config: &AgentConfig,
    key: &SeriesKey,
    history: &[SeriesPoint],
    fine: &[SeriesPoint],
    input: &Input,
) -> Option<SeriesAnomaly> {
    let first = history.first()?;
    let read_start = fine.first()?.at;
    if minutes(first.at, read_start) < LONG_HISTORY_HOURS * 60.0 {
        return None;
    }
    // One resolution for the search: the history's buckets.
    let bucket = input.history_bucket.num_seconds().max(60);
    let mut all: Vec<SeriesPoint> = history.to_vec();
    for p in fine {
        let at = crate::store::bucket_start(p.at, TimeDelta::seconds(bucket));
        match all.last_mut() {
            Some(q) if q.at == at => {
                let n = (q.count + p.count) as f64;
                q.avg = (q.avg * q.count as f64 + p.avg * p.count as f64) / n.max(1.0);
                q.max = q.max.max(p.max);
                q.min = q.min.min(p.min);
                q.count += p.count;
            }
            _ => all.push(*p),
        }
    }
    let xy: Vec<(f64, f64)> = all.iter().map(|p| (minutes(first.at, p.at), p.avg)).collect();
    let cp = hinge(&xy, 6)?;
    let onset = all[cp.index].at;
    if onset >= input.analysis_start {
        return None;
    }
    let baseline = baseline_of(key, &all[..cp.index], false)?;
    let r = rules(config, key, &baseline);
    let sign = match r.direction {
        Direction::Up => 1.0,
        Direction::Down => -1.0,
        Direction::Both => (cp.end_level - baseline.median).signum(),
    };
    let dev = |v: f64| sign * (v - baseline.median);
    let after = &all[cp.index..];
    let tail: Vec<f64> = after[after.len().saturating_sub(3)..].iter().map(|p| p.avg).collect();
    let persistent = after.iter().filter(|p| dev(p.avg) >= 0.5 * r.materiality).count() as f64 / after.len() as f64;
    if dev(median(&tail)?) < r.materiality || persistent < 0.6 || cp.explained < 0.5 {
        return None;
    }
    // A leak climbs in a straight line and a storm holds a level; a smooth
    // curve (the evening fall of a daily rhythm seen without a day of
    // history) is neither.
    let shape: Vec<(f64, f64)> = xy[cp.index..].to_vec();
    if curvature(&shape) > MAX_CURVATURE {
        return None;
    }
    let detected = after.iter().position(|p| dev(p.avg) >= r.materiality)?;
    let kind = if (cp.end_level - cp.start_level).abs() > 0.5 * (cp.end_level - cp.before).abs() {
        TriggerKind::Drift
    } else {
        TriggerKind::Spike
    };
    let trigger = Trigger {
        index: detected,
        onset_index: 0,
        kind,
        z: sign * dev(after[detected].avg) / baseline.sigma,
    };
    let last = fine.last()?.avg;
    Some(anomaly(config, key, after, &trigger, baseline, &r, last))
}

/// What came close without being flagged.
fn near_misses(
    key: &SeriesKey,
    input: &Input,
    recent: &[SeriesPoint],
    baseline: &Baseline,
    r: &Rules,
    profile: Option<&DailyProfile>,
    out: &mut Outcome,
) {
    if r.materiality <= 0.0 {
        return;
    }
    let oriented = |v: f64| match r.direction {
        Direction::Down => baseline.median - v,
        Direction::Up => v - baseline.median,
        Direction::Both => (v - baseline.median).abs(),
    };
    // Usual at this hour: the raw readings would have been material.
    if let (Some(profile), Some(last)) = (profile, input.fine.last()) {
        let tail: Vec<f64> = input.fine[input.fine.len().saturating_sub(3)..]
            .iter()
            .map(|p| p.avg)
            .collect();
        let expected = profile.expected(last.at).unwrap_or(profile.level);
        let adjusted = median(&tail).map(|m| oriented(m + profile.level - expected));
        let unadjusted = median(&tail).map(oriented);
        if let (Some(adjusted), Some(raw_dev)) = (adjusted, unadjusted) {
            if raw_dev >= r.materiality && adjusted < r.materiality {
                out.not_flagged.push(NotFlagged::UsualAtThisHour {
                    key: key.clone(),
                    at: last.at,
                    deviation: raw_dev,
                    days: profile.days,
                });
                return;
            }
        }
    }
    if out.not_flagged.iter().any(|n| n.key() == key) {
        return;
    }
    let spike = 6.0 * baseline.sigma;
    if let Some(p) = recent
        .iter()
        .filter(|p| oriented(p.avg) >= spike && oriented(p.avg) >= 0.5 * r.materiality)
        .max_by(|a, b| oriented(a.avg).total_cmp(&oriented(b.avg)))
    {
        out.not_flagged.push(NotFlagged::Immaterial {
            key: key.clone(),
            at: p.at,
            deviation: oriented(p.avg),
            needed: r.materiality,
        });
    }
}

/// The anomaly from a trigger over `recent` (onset, peak, rate, shape).
fn anomaly(
    config: &AgentConfig,
    key: &SeriesKey,
    recent: &[SeriesPoint],
    trigger: &Trigger,
    baseline: Baseline,
    r: &Rules,
    last: f64,
) -> SeriesAnomaly {
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
    let trend: Vec<(f64, f64)> = after.iter().map(|p| (minutes(onset, p.at), p.avg)).collect();
    let persistence = after
        .iter()
        .filter(|p| oriented(p.avg) / baseline.sigma >= config.detector.cusum_k)
        .count() as f64
        / after.len() as f64;
    SeriesAnomaly {
        key: key.clone(),
        kind: trigger.kind,
        onset,
        detected_at: recent[trigger.index].at,
        value_at_detection: recent[trigger.index].avg,
        current: last,
        baseline,
        peak_z: peak_dev / baseline.sigma,
        rate_per_min: theil_sen_slope(&trend).unwrap_or(0.0),
        rise_minutes: minutes(onset, rise_at),
        span_minutes: minutes(onset, after[after.len() - 1].at),
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
        severity: match r.metric {
            Some(m) => peak_dev / (m.alarm_level() - baseline.median).abs().max(f64::EPSILON),
            None => peak_dev / baseline.sigma / 20.0,
        },
    }
}
