//! The per-series anomaly detector behind Cassandra and `quantumstate detect`.
//!
//! Two tests on robust z-scores against a baseline (median and MAD, so the
//! baseline itself shrugs off outliers):
//! - a *spike* test: a few consecutive points far out (sudden jumps);
//! - a one-sided *CUSUM*: small, persistent deviations add up (slow drifts such
//!   as a leak are flagged long before any single point looks extreme).
//!
//! A trigger also needs a *material* deviation when the caller knows what
//! material means for the metric (a share of the distance to the alarm level):
//! statistically significant but harmless wiggles stay quiet.

use super::stats::Baseline;
use serde::{Deserialize, Serialize};

/// Which deviations are bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Up,
    Down,
    Both,
}

/// Thresholds of the two tests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// A point at least this many robust sigmas out counts toward a spike.
    pub spike_z: f64,
    /// Consecutive such points that make a spike.
    pub spike_points: usize,
    /// CUSUM slack in sigmas: deviations below it never accumulate.
    pub cusum_k: f64,
    /// CUSUM decision level in sigmas.
    pub cusum_h: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        // spike: 2 points beyond 6σ; CUSUM k=2σ, h=30σ: on autocorrelated
        // healthy noise (AR(1), φ≈0.85) this fires less than once per 1000
        // series-hours, while a 1.3%/min leak triggers within ~5 minutes.
        DetectorConfig {
            spike_z: 6.0,
            spike_points: 2,
            cusum_k: 1.5,
            cusum_h: 20.0,
        }
    }
}

/// How a series crossed the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    Spike,
    Drift,
}

/// The first crossing: where it fired and where the change began.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// Index of the observation that fired.
    pub index: usize,
    /// Estimated start of the change (CUSUM's last reset, or the spike run's start).
    pub onset_index: usize,
    pub kind: TriggerKind,
    /// Robust z of the firing observation (negative: below the baseline).
    pub z: f64,
}

/// One observation's verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Signed robust z (positive: in the bad direction).
    pub z: f64,
    /// Anomaly score in [0, 1]; 0.5 and above is an alarm.
    pub score: f64,
    pub trigger: Option<Trigger>,
}

/// A CUSUM + spike detector over a fixed baseline.
#[derive(Debug, Clone)]
pub struct SeriesDetector {
    config: DetectorConfig,
    baseline: Baseline,
    direction: Direction,
    /// Minimum absolute deviation from the median for a trigger (0: none).
    materiality: f64,
    index: usize,
    recent: [f64; 3],
    up: OneSided,
    down: OneSided,
}

#[derive(Debug, Clone, Copy, Default)]
struct OneSided {
    cusum: f64,
    since: usize,
    run: usize,
    run_start: usize,
}

impl OneSided {
    /// Feed a z already oriented so that positive is bad; returns a trigger.
    fn feed(&mut self, z: f64, index: usize, config: &DetectorConfig, material: bool) -> Option<(usize, TriggerKind)> {
        let next = self.cusum + z - config.cusum_k;
        if next <= 0.0 {
            self.cusum = 0.0;
            self.since = index + 1;
        } else {
            self.cusum = next;
        }
        if z >= config.spike_z {
            if self.run == 0 {
                self.run_start = index;
            }
            self.run += 1;
        } else {
            self.run = 0;
        }
        if !material {
            return None;
        }
        if self.run >= config.spike_points {
            // A ramp can cross the spike line long after it began: CUSUM dates it.
            let onset = if self.cusum > 0.0 {
                self.run_start.min(self.since)
            } else {
                self.run_start
            };
            Some((onset, TriggerKind::Spike))
        } else if self.cusum >= config.cusum_h {
            Some((self.since.min(index), TriggerKind::Drift))
        } else {
            None
        }
    }

    fn score(&self, z: f64, config: &DetectorConfig) -> f64 {
        (z / (2.0 * config.spike_z))
            .max(self.cusum / (2.0 * config.cusum_h))
            .clamp(0.0, 1.0)
    }
}

impl SeriesDetector {
    pub fn new(config: DetectorConfig, baseline: Baseline, direction: Direction, materiality: f64) -> Self {
        SeriesDetector {
            config,
            baseline,
            direction,
            materiality: materiality.max(0.0),
            index: 0,
            recent: [0.0; 3],
            up: OneSided::default(),
            down: OneSided::default(),
        }
    }

    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// Feed the next value (in time order).
    pub fn observe(&mut self, value: f64) -> Step {
        let index = self.index;
        self.index += 1;
        let z = self.baseline.z(value);
        // Materiality is judged on the median of the last three readings, so one
        // noisy reading cannot make a deviation material on its own.
        self.recent[index % 3] = value;
        let filled = (index + 1).min(3);
        let level = super::stats::median(&self.recent[..filled]).unwrap_or(value);
        let deviation = level - self.baseline.median;
        let mut best: Option<Trigger> = None;
        let mut score: f64 = 0.0;
        let mut signed = z;
        if matches!(self.direction, Direction::Up | Direction::Both) {
            let hit = self.up.feed(z, index, &self.config, deviation >= self.materiality);
            score = score.max(self.up.score(z, &self.config));
            if let Some((onset_index, kind)) = hit {
                best = Some(Trigger {
                    index,
                    onset_index,
                    kind,
                    z,
                });
            }
        }
        if matches!(self.direction, Direction::Down | Direction::Both) {
            let hit = self.down.feed(-z, index, &self.config, -deviation >= self.materiality);
            let down_score = self.down.score(-z, &self.config);
            if down_score > score {
                signed = -z;
            }
            score = score.max(down_score);
            if best.is_none() {
                if let Some((onset_index, kind)) = hit {
                    best = Some(Trigger {
                        index,
                        onset_index,
                        kind,
                        z,
                    });
                }
            }
        }
        if self.direction == Direction::Down {
            signed = -z;
        }
        if best.is_some() {
            // An alarm is at least 0.5, whichever test raised it.
            score = score.max(0.5);
        } else {
            score = score.min(0.499);
        }
        Step {
            z: signed,
            score,
            trigger: best,
        }
    }
}

/// Parameters of [`StreamingDetector`] (its own, so Cassandra's [`DetectorConfig`] stays untouched).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamingConfig {
    /// Past values forming the robust baseline (median and MAD).
    pub window: usize,
    /// Values seen before any scoring.
    pub warmup: usize,
    /// Baseline recomputed every this many points.
    pub refresh_every: usize,
    /// Short-term averaging of the surprise (points).
    pub short: usize,
    /// Long-term history of averaged surprises the likelihood is judged against.
    pub long: usize,
    /// Averaged surprises needed before the likelihood is trusted.
    pub min_long: usize,
    /// Surprise cap in robust sigmas (one wild value must not swamp the history).
    pub zcap: f64,
    /// A value beyond everything seen so far by this share of the seen range
    /// scores 1 outright ...
    pub extreme_margin: f64,
    /// ... and is at least this many robust sigmas out (a mere new record of
    /// plain noise is not an anomaly).
    pub extreme_z: f64,
    /// After a high score, later scores are damped by the decayed peak: the
    /// decay's time constant in points (0: no damping).
    pub damp_tau: f64,
    /// Only scores at least this high start a damping.
    pub damp_gate: f64,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        StreamingConfig {
            window: 1000,
            warmup: 100,
            refresh_every: 5,
            short: 10,
            long: 8000,
            min_long: 100,
            zcap: 10.0,
            extreme_margin: 0.05,
            extreme_z: 4.0,
            damp_tau: 100.0,
            damp_gate: 0.5,
        }
    }
}

/// Upper tail of the standard normal, `P(Z > x)`, relative error below 1.2e-7.
fn normal_tail(x: f64) -> f64 {
    // Numerical Recipes' erfc (Chebyshev fit), erfc(x/√2)/2.
    let z = x / std::f64::consts::SQRT_2;
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.5 * a);
    let r = t
        * (-a * a - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    let erfc = if z >= 0.0 { r } else { 2.0 - r };
    erfc / 2.0
}

/// Median of `values` (reordered in place) in O(n); `None` when empty.
fn select_median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let even = values.len().is_multiple_of(2);
    let mid = values.len() / 2;
    let (left, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if even {
        let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((lower + upper) / 2.0)
    } else {
        Some(upper)
    }
}

/// Log-scaled likelihood: tail 1e-5 maps to 0.5, 1e-10 and below to 1.
fn log_score(tail: f64) -> f64 {
    ((tail.max(0.0) + 1e-10).ln() / 1e-10_f64.ln()).clamp(0.0, 1.0)
}

/// Streaming scoring of a single series with a rolling baseline, for data with
/// no catalogue (public benchmarks): no peeking at future values.
///
/// Each value's *surprise* is its robust z (capped) against the median/MAD of
/// the last `window` values. The score is an anomaly *likelihood* in the style
/// of Numenta's: how improbable the short-term mean surprise is against the
/// long-term distribution of such means (Gaussian tail, log-scaled so a tail
/// of 1e-5 scores 0.5), so noisy series need a bigger deviation than calm ones.
/// A value beyond the whole range seen so far scores 1. After a score of at
/// least `damp_gate`, later scores are multiplied by one minus that peak,
/// decaying exponentially, so one event raises one alarm, not a run of them,
/// while the ranking of scores stays smooth (no hard caps).
#[derive(Debug, Clone)]
pub struct StreamingDetector {
    config: StreamingConfig,
    history: std::collections::VecDeque<f64>,
    since_refresh: usize,
    center: f64,
    sigma: f64,
    raws: std::collections::VecDeque<f64>,
    short_sum: f64,
    avgs: std::collections::VecDeque<f64>,
    avg_sum: f64,
    avg_sq: f64,
    peak: f64,
    lo: f64,
    hi: f64,
    pushed: usize,
}

impl StreamingDetector {
    pub fn new(config: StreamingConfig) -> Self {
        let window = config.window.max(10);
        StreamingDetector {
            config: StreamingConfig {
                window,
                warmup: config.warmup.clamp(5, window),
                refresh_every: config.refresh_every.max(1),
                short: config.short.max(1),
                long: config.long.max(2),
                ..config
            },
            history: std::collections::VecDeque::with_capacity(window + 1),
            since_refresh: usize::MAX,
            center: 0.0,
            sigma: 1.0,
            raws: std::collections::VecDeque::new(),
            short_sum: 0.0,
            avgs: std::collections::VecDeque::new(),
            avg_sum: 0.0,
            avg_sq: 0.0,
            peak: 0.0,
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            pushed: 0,
        }
    }

    /// Median and robust sigma of the window, by selection: O(window).
    fn rebuild(&mut self) {
        let mut values: Vec<f64> = self.history.iter().copied().collect();
        if let Some(center) = select_median(&mut values) {
            for v in &mut values {
                *v = (*v - center).abs();
            }
            let mad = select_median(&mut values).unwrap_or(0.0);
            // Scale floor: 0.1% of the level, so a flat series does not turn
            // every tiny change into an infinite z.
            self.center = center;
            self.sigma = (mad * 1.4826).max((center.abs() * 1e-3).max(1e-9));
        }
        self.since_refresh = 0;
    }

    /// Exact sums of the averaged-surprise history (running sums drift).
    fn resum(&mut self) {
        self.avg_sum = self.avgs.iter().sum();
        self.avg_sq = self.avgs.iter().map(|a| a * a).sum();
    }

    /// Score the next value in [0, 1].
    pub fn observe(&mut self, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let c = self.config;
        let mut score = 0.0;
        if self.history.len() >= c.warmup {
            if self.since_refresh >= c.refresh_every {
                self.rebuild();
            }
            self.since_refresh += 1;
            let z = (value - self.center) / self.sigma;
            let raw = z.abs().min(c.zcap);
            self.raws.push_back(raw);
            self.short_sum += raw;
            if self.raws.len() > c.short {
                self.short_sum -= self.raws.pop_front().unwrap_or(0.0);
            }
            let avg = self.short_sum / self.raws.len() as f64;
            if self.avgs.len() >= c.min_long {
                let n = self.avgs.len() as f64;
                let mean = self.avg_sum / n;
                let sd = ((self.avg_sq / n - mean * mean).max(0.0)).sqrt().max(1e-3);
                score = log_score(normal_tail((avg - mean) / sd));
                // A new extreme (beyond everything seen, by a margin) is
                // anomalous however ordinary its z looks against a wide baseline.
                let margin = c.extreme_margin * (self.hi - self.lo);
                if (value > self.hi + margin || value < self.lo - margin) && z.abs() >= c.extreme_z {
                    score = 1.0;
                }
            }
            self.avgs.push_back(avg);
            self.avg_sum += avg;
            self.avg_sq += avg * avg;
            if self.avgs.len() > c.long {
                let old = self.avgs.pop_front().unwrap_or(0.0);
                self.avg_sum -= old;
                self.avg_sq -= old * old;
            }
            self.pushed += 1;
            if self.pushed.is_multiple_of(c.long) {
                self.resum();
            }
            if c.damp_tau > 0.0 {
                let out = score * (1.0 - self.peak);
                self.peak *= (-1.0 / c.damp_tau).exp();
                if score >= c.damp_gate {
                    self.peak = self.peak.max(score);
                }
                score = out;
            }
        }
        self.lo = self.lo.min(value);
        self.hi = self.hi.max(value);
        self.history.push_back(value);
        if self.history.len() > c.window {
            self.history.pop_front();
        }
        score.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::SimRng;

    fn noise(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = SimRng::new(seed, 0);
        (0..n).map(|_| rng.normal()).collect()
    }

    fn baseline() -> Baseline {
        Baseline {
            median: 0.0,
            sigma: 1.0,
            samples: 100,
        }
    }

    #[test]
    fn quiet_on_white_noise() {
        for seed in 0..20 {
            let mut d = SeriesDetector::new(DetectorConfig::default(), baseline(), Direction::Both, 0.0);
            assert!(
                noise(seed, 2_000).into_iter().all(|x| d.observe(x).trigger.is_none()),
                "seed {seed}"
            );
        }
    }

    #[test]
    fn a_slow_drift_fires_early_and_dates_its_onset() {
        let mut d = SeriesDetector::new(DetectorConfig::default(), baseline(), Direction::Up, 0.0);
        let values: Vec<f64> = noise(1, 300)
            .into_iter()
            .enumerate()
            .map(|(i, x)| x + if i >= 100 { 0.1 * (i - 100) as f64 } else { 0.0 })
            .collect();
        let trigger = values.iter().find_map(|v| d.observe(*v).trigger).expect("drift found");
        assert_eq!(trigger.kind, TriggerKind::Drift);
        // Fired while the drift was still under 4 sigma, and dated near its start.
        assert!(trigger.index < 140, "{trigger:?}");
        assert!((90..=125).contains(&trigger.onset_index), "{trigger:?}");
    }

    #[test]
    fn a_jump_is_a_spike_at_the_jump() {
        let mut d = SeriesDetector::new(DetectorConfig::default(), baseline(), Direction::Both, 0.0);
        let values: Vec<f64> = noise(2, 200)
            .into_iter()
            .enumerate()
            .map(|(i, x)| x - if i >= 150 { 20.0 } else { 0.0 })
            .collect();
        let trigger = values.iter().find_map(|v| d.observe(*v).trigger).unwrap();
        assert_eq!((trigger.kind, trigger.onset_index), (TriggerKind::Spike, 150));
        assert!(trigger.z < 0.0);
    }

    #[test]
    fn immaterial_deviations_never_fire() {
        let mut d = SeriesDetector::new(DetectorConfig::default(), baseline(), Direction::Up, 50.0);
        assert!((0..500).all(|_| d.observe(30.0).trigger.is_none()));
        assert!(d.observe(60.0).trigger.is_some() || d.observe(60.0).trigger.is_some());
    }

    #[test]
    fn streaming_scores_stay_low_on_noise_and_rise_on_an_anomaly() {
        let mut s = StreamingDetector::new(StreamingConfig {
            window: 300,
            warmup: 100,
            ..StreamingConfig::default()
        });
        let mut values: Vec<f64> = noise(3, 1_000).into_iter().map(|x| 100.0 + x).collect();
        values[700] = 160.0;
        values[701] = 158.0;
        let scores: Vec<f64> = values.iter().map(|v| s.observe(*v)).collect();
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        assert!(scores[..700].iter().all(|s| *s < 0.5), "false alarm");
        assert!(scores[700..703].iter().any(|s| *s >= 0.5));
    }

    #[test]
    fn streaming_raises_one_alarm_per_event_not_a_run() {
        let mut s = StreamingDetector::new(StreamingConfig::default());
        let mut values: Vec<f64> = noise(4, 2_000).into_iter().map(|x| 50.0 + x).collect();
        for v in &mut values[1_200..1_260] {
            *v += 8.0;
        }
        let scores: Vec<f64> = values.iter().map(|v| s.observe(*v)).collect();
        let early: Vec<usize> = (0..1_200).filter(|i| scores[*i] >= 0.5).collect();
        assert!(early.is_empty(), "false alarms {early:?}");
        let alarms: Vec<usize> = (0..scores.len()).filter(|i| scores[*i] >= 0.5).collect();
        assert!(!alarms.is_empty() && alarms[0] < 1_205, "{alarms:?}");
        // The shift and its end are one event, not one alarm per shifted row.
        assert!(alarms.len() <= 3, "{alarms:?}");
    }

    #[test]
    fn streaming_flags_a_level_shift_that_stays_inside_the_seen_range() {
        // Alternating calm regimes make the range wide; a modest persistent
        // shift inside it is still caught by the likelihood.
        let mut s = StreamingDetector::new(StreamingConfig::default());
        let mut values: Vec<f64> = noise(5, 3_000).into_iter().map(|x| 100.0 + x).collect();
        values[150] = 130.0;
        values[151] = 70.0;
        for v in &mut values[2_000..2_100] {
            *v += 6.0;
        }
        let scores: Vec<f64> = values.iter().map(|v| s.observe(*v)).collect();
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        assert!(scores[300..2_000].iter().all(|s| *s < 0.5), "false alarm");
        assert!(scores[2_000..2_020].iter().any(|s| *s >= 0.5), "shift missed");
    }

    /// Alarms (rising edges of score ≥ 0.5) per 10,000 points of white noise,
    /// over 200,000 points: the figure README states.
    #[test]
    fn white_noise_false_alarm_rate_is_low() {
        let mut alarms = 0;
        let n = 200_000;
        for seed in 0..4 {
            let mut s = StreamingDetector::new(StreamingConfig::default());
            let mut was = false;
            for x in noise(900 + seed, n / 4) {
                let alarm = s.observe(100.0 + x) >= 0.5;
                alarms += usize::from(alarm && !was);
                was = alarm;
            }
        }
        let per_10k = alarms as f64 / (n as f64 / 10_000.0);
        println!("white noise: {alarms} alarms in {n} points = {per_10k:.2} per 10,000");
        assert!(per_10k <= 1.5, "{per_10k} alarms per 10,000 points");
    }

    #[test]
    fn select_median_matches_the_sorting_median() {
        for n in 1..40 {
            let mut v = noise(n as u64, n);
            let expected = crate::agents::stats::median(&v).unwrap();
            assert_eq!(select_median(&mut v), Some(expected));
        }
        assert_eq!(select_median(&mut []), None);
    }
}
