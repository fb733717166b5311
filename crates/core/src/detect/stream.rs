//! Streaming scoring of one series (`quantumstate detect`, public benchmarks):
//! the detector core ([`SeriesDetector`]: robust z, spike test and CUSUM, with
//! Cassandra's [`DetectorConfig`]) fed a rolling baseline, no peeking at future
//! values, and an anomaly *likelihood* on top that turns its surprises into a
//! score in [0, 1] comparable across series.

use super::detector::{DetectorConfig, Direction, SeriesDetector};
use super::stats::{normal_tail, select_median, Baseline};
use std::collections::VecDeque;

/// Parameters of the streaming layer; the spike and CUSUM thresholds are the
/// core's [`DetectorConfig`], shared with Cassandra.
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
    /// A second, slower averaging of the same surprise for gradual changes
    /// (points; 0: none), weighted by `slow_weight`.
    pub short_slow: usize,
    pub slow_weight: f64,
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
    /// Once the undamped score is back below this, the event is over and the
    /// damping fades with `damp_tau_quiet` instead (0: always `damp_tau`).
    pub damp_quiet: f64,
    pub damp_tau_quiet: f64,
    /// Longest period searched for in the history (points; 0: no seasonal channel).
    pub season_max_lag: usize,
    /// Autocorrelation a period needs.
    pub season_min_acf: f64,
    /// The period is re-estimated every this many points.
    pub season_every: usize,
    /// Weight of the seasonal channel's score (its max with the level's is taken).
    pub season_weight: f64,
    /// A run of at most this many points beyond the core's spike line is a
    /// spike (a longer one is a shift).
    pub spike_run: usize,
    /// A spike at least this share as tall (in robust z) as an earlier spike
    /// that alarmed scores as that one did: the same failure again (0: off).
    pub repeat_ratio: f64,
    /// The most a repeat scores.
    pub repeat_cap: f64,
    /// Only a spike at least this many points after the previous one can be a
    /// repeat: spikes at a steady short beat are the series' rhythm.
    pub repeat_gap: usize,
    /// The scale is never below this share of the mean absolute deviation
    /// (a window mostly at one value has a MAD of 0).
    pub mean_dev_share: f64,
    /// Non-negative whole numbers (event counts) get the Poisson floor of
    /// [`count_sigma_floor`](super::counts::count_sigma_floor).
    pub count_floor: bool,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        StreamingConfig {
            window: 1000,
            warmup: 100,
            refresh_every: 5,
            short: 10,
            short_slow: 60,
            slow_weight: 0.9,
            long: 8000,
            min_long: 100,
            zcap: 10.0,
            extreme_margin: 0.05,
            extreme_z: 4.0,
            damp_tau: 100.0,
            damp_gate: 0.5,
            damp_quiet: 0.3,
            damp_tau_quiet: 40.0,
            season_max_lag: 1000,
            season_min_acf: 0.7,
            season_every: 500,
            season_weight: 1.0,
            spike_run: 3,
            repeat_ratio: 0.6,
            repeat_cap: 0.5,
            repeat_gap: 100,
            mean_dev_share: 0.5,
            count_floor: true,
        }
    }
}

/// Log-scaled likelihood: tail 1e-5 maps to 0.5, 1e-10 and below to 1.
fn log_score(tail: f64) -> f64 {
    ((tail.max(0.0) + 1e-10).ln() / 1e-10_f64.ln()).clamp(0.0, 1.0)
}

/// Median and MAD of the last `window` values, recomputed every `refresh_every`.
#[derive(Debug, Clone)]
struct Rolling {
    window: usize,
    refresh_every: usize,
    mean_dev_share: f64,
    count_floor: bool,
    history: VecDeque<f64>,
    since_refresh: usize,
    center: f64,
    sigma: f64,
}

impl Rolling {
    fn new(window: usize, refresh_every: usize, mean_dev_share: f64, count_floor: bool) -> Self {
        Rolling {
            window,
            refresh_every,
            mean_dev_share,
            count_floor,
            history: VecDeque::with_capacity(window + 1),
            since_refresh: usize::MAX,
            center: 0.0,
            sigma: 1.0,
        }
    }

    fn len(&self) -> usize {
        self.history.len()
    }

    /// The current baseline, rebuilt by selection (O(window)) when due; the
    /// scale is never below `floor`.
    fn baseline(&mut self, floor: f64) -> Baseline {
        if self.since_refresh >= self.refresh_every {
            let mut values: Vec<f64> = self.history.iter().copied().collect();
            let n = values.len().max(1) as f64;
            let counts = self.count_floor && values.iter().all(|v| *v >= 0.0 && v.fract() == 0.0);
            let mean = values.iter().sum::<f64>() / n;
            if let Some(center) = select_median(&mut values) {
                for v in &mut values {
                    *v = (*v - center).abs();
                }
                let mean_dev = values.iter().sum::<f64>() / n;
                let mut floor = floor.max(self.mean_dev_share * 1.2533 * mean_dev);
                if counts {
                    floor = floor.max(super::counts::count_sigma_floor(mean, 1.0));
                }
                let mad = select_median(&mut values).unwrap_or(0.0);
                // Scale floor: 0.1% of the level, so a flat series does not turn
                // every tiny change into an infinite z.
                self.center = center;
                self.sigma = (mad * 1.4826).max((center.abs() * 1e-3).max(floor).max(1e-9));
            }
            self.since_refresh = 0;
        }
        self.since_refresh += 1;
        Baseline {
            median: self.center,
            sigma: self.sigma,
            samples: self.history.len(),
        }
    }

    fn push(&mut self, value: f64) {
        self.history.push_back(value);
        if self.history.len() > self.window {
            self.history.pop_front();
        }
    }
}

/// Numenta-style anomaly likelihood of one stream of raw surprises: how
/// improbable the mean of the last `short` is against the long-term
/// distribution of such means (Gaussian tail, log-scaled).
#[derive(Debug, Clone)]
struct Likelihood {
    short: usize,
    long: usize,
    min_long: usize,
    raws: VecDeque<f64>,
    short_sum: f64,
    avgs: VecDeque<f64>,
    avg_sum: f64,
    avg_sq: f64,
    pushed: usize,
}

impl Likelihood {
    fn new(short: usize, long: usize, min_long: usize) -> Self {
        Likelihood {
            short,
            long,
            min_long,
            raws: VecDeque::new(),
            short_sum: 0.0,
            avgs: VecDeque::new(),
            avg_sum: 0.0,
            avg_sq: 0.0,
            pushed: 0,
        }
    }

    /// Feed a raw surprise; the score in [0, 1] (0 until the history is long enough).
    fn push(&mut self, raw: f64) -> f64 {
        self.raws.push_back(raw);
        self.short_sum += raw;
        if self.raws.len() > self.short {
            self.short_sum -= self.raws.pop_front().unwrap_or(0.0);
        }
        let avg = self.short_sum / self.raws.len() as f64;
        let mut score = 0.0;
        if self.avgs.len() >= self.min_long {
            let n = self.avgs.len() as f64;
            let mean = self.avg_sum / n;
            let sd = ((self.avg_sq / n - mean * mean).max(0.0)).sqrt().max(1e-3);
            score = log_score(normal_tail((avg - mean) / sd));
        }
        self.avgs.push_back(avg);
        self.avg_sum += avg;
        self.avg_sq += avg * avg;
        if self.avgs.len() > self.long {
            let old = self.avgs.pop_front().unwrap_or(0.0);
            self.avg_sum -= old;
            self.avg_sq -= old * old;
        }
        self.pushed += 1;
        if self.pushed.is_multiple_of(self.long) {
            // Exact sums now and then: running sums drift.
            self.avg_sum = self.avgs.iter().sum();
            self.avg_sq = self.avgs.iter().map(|a| a * a).sum();
        }
        score
    }
}

/// The seasonal channel: once the history shows a period, each value is
/// compared with the median of the same phase in the last three periods, and
/// the surprise of that residual (against the residuals' own robust spread)
/// goes into its own likelihood. A day that looks unlike earlier days scores
/// here even when every value is inside the usual range.
#[derive(Debug, Clone)]
struct Season {
    max_lag: usize,
    min_acf: f64,
    every: usize,
    warmup: usize,
    recent: VecDeque<f64>,
    period: Option<usize>,
    since: usize,
    residuals: Rolling,
    likelihood: Likelihood,
    config: (usize, usize, usize),
}

impl Season {
    fn new(c: &StreamingConfig) -> Self {
        Season {
            max_lag: c.season_max_lag,
            min_acf: c.season_min_acf,
            every: c.season_every.max(1),
            warmup: c.warmup,
            recent: VecDeque::new(),
            period: None,
            since: 0,
            residuals: Rolling::new(c.window, c.refresh_every, c.mean_dev_share, false),
            likelihood: Likelihood::new(c.short, c.long, c.min_long),
            config: (c.short, c.long, c.min_long),
        }
    }

    /// Feed a value; the channel's score (0 without a period) and the
    /// residual's robust z (`None` without a period).
    fn push(&mut self, value: f64, zcap: f64, floor: f64) -> (f64, Option<f64>) {
        let mut score = 0.0;
        let mut residual_z = None;
        if let Some(p) = self.period {
            let periods = (self.recent.len() / p).min(3);
            if periods >= 2 {
                let mut same_phase: Vec<f64> = (1..=periods).map(|k| self.recent[self.recent.len() - k * p]).collect();
                let expected = select_median(&mut same_phase).unwrap_or(value);
                let residual = value - expected;
                if self.residuals.len() >= self.warmup {
                    let z = self.residuals.baseline(floor).z(residual);
                    score = self.likelihood.push(z.abs().min(zcap));
                    residual_z = Some(z);
                }
                self.residuals.push(residual);
            }
        }
        self.recent.push_back(value);
        if self.recent.len() > 3 * self.max_lag + 1 {
            self.recent.pop_front();
        }
        self.since += 1;
        if self.since >= self.every {
            self.since = 0;
            let values: Vec<f64> = self.recent.iter().copied().collect();
            let found = super::seasonal::dominant_period(&values, self.max_lag, self.min_acf);
            if found != self.period {
                self.period = found;
                let r = &self.residuals;
                self.residuals = Rolling::new(r.window, r.refresh_every, r.mean_dev_share, false);
                let (short, long, min_long) = self.config;
                self.likelihood = Likelihood::new(short, long, min_long);
            }
        }
        (score, residual_z)
    }
}

/// Streaming scoring of a single series.
///
/// Each value goes through the detector core against the robust baseline of
/// the last `window` values (median and MAD, the scale never below half the
/// mean absolute deviation, nor the Poisson spread for event counts); its
/// *surprise* is the core's robust z (capped). Three likelihoods in the style
/// of Numenta's judge that surprise: its mean over the last `short` points
/// and over the last `short_slow` against the long-term distribution of such
/// means, and, once the history shows a period, the surprise of the residual
/// from the same phase in earlier periods. A tail of 1e-5 scores 0.5; the
/// score is the largest of the three. A value beyond the whole range seen so
/// far scores 1. After a score of at least `damp_gate`, later scores are
/// multiplied by one minus that peak, fading with `damp_tau` while the event
/// lasts and `damp_tau_quiet` once it is over, so one event raises one alarm.
/// A spike as tall as one that alarmed before (and not explained by the
/// rhythm, and not part of a steady beat of spikes) alarms again at 0.5.
#[derive(Debug, Clone)]
pub struct StreamingDetector {
    config: StreamingConfig,
    core: SeriesDetector,
    rolling: Rolling,
    level: Likelihood,
    slow: Option<Likelihood>,
    season: Option<Season>,
    peak: f64,
    lo: f64,
    hi: f64,
    spike_z: f64,
    /// The spike under way: its tallest |z| and best score so far, and
    /// whether it came long enough after the previous one to be a repeat.
    spike: Option<(f64, f64, bool)>,
    /// Points since the last one beyond the spike line.
    since_spike: usize,
    /// Spikes that alarmed: (|z|, score), the latest few.
    alarmed: VecDeque<(f64, f64)>,
}

impl StreamingDetector {
    pub fn new(core: DetectorConfig, config: StreamingConfig) -> Self {
        let window = config.window.max(10);
        let config = StreamingConfig {
            window,
            warmup: config.warmup.clamp(5, window),
            refresh_every: config.refresh_every.max(1),
            short: config.short.max(1),
            long: config.long.max(2),
            ..config
        };
        let start = Baseline {
            median: 0.0,
            sigma: 1.0,
            samples: 0,
        };
        StreamingDetector {
            config,
            core: SeriesDetector::new(core, start, Direction::Both, 0.0),
            rolling: Rolling::new(window, config.refresh_every, config.mean_dev_share, config.count_floor),
            level: Likelihood::new(config.short, config.long, config.min_long),
            slow: (config.short_slow > 0).then(|| Likelihood::new(config.short_slow, config.long, config.min_long)),
            season: (config.season_max_lag > 0).then(|| Season::new(&config)),
            peak: 0.0,
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            spike_z: core.spike_z,
            spike: None,
            alarmed: VecDeque::new(),
            since_spike: usize::MAX,
        }
    }

    /// Score the next value in [0, 1]; a value that is not finite scores 0
    /// and leaves the state untouched.
    pub fn observe(&mut self, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let c = self.config;
        let floor = 1e-3 * self.rolling.sigma;
        let (seasonal, residual_z) = match &mut self.season {
            Some(season) => season.push(value, c.zcap, floor),
            None => (0.0, None),
        };
        let mut score = 0.0;
        if self.rolling.len() >= c.warmup {
            let baseline = self.rolling.baseline(0.0);
            self.core.set_baseline(baseline);
            let step = self.core.observe(value);
            let z = baseline.z(value);
            let raw = z.abs().min(c.zcap);
            score = self.level.push(raw).max(c.season_weight * seasonal);
            if let Some(slow) = &mut self.slow {
                score = score.max(c.slow_weight * slow.push(raw));
            }
            if self.level.avgs.len() > c.min_long {
                // A new extreme (beyond everything seen, by a margin) is
                // anomalous however ordinary its z looks against a wide baseline.
                let margin = c.extreme_margin * (self.hi - self.lo);
                if (value > self.hi + margin || value < self.lo - margin) && z.abs() >= c.extreme_z {
                    score = 1.0;
                }
            }
            if c.damp_tau > 0.0 {
                let out = score * (1.0 - self.peak);
                let tau = if score < c.damp_quiet {
                    c.damp_tau_quiet
                } else {
                    c.damp_tau
                };
                self.peak *= (-1.0 / tau).exp();
                if score >= c.damp_gate {
                    self.peak = self.peak.max(score);
                }
                score = out;
            }
            // A spike the rhythm explains (as tall at this phase before) is no repeat.
            let explained = residual_z.is_some_and(|r| r.abs() < self.spike_z);
            if c.repeat_ratio > 0.0 && !explained {
                score = self.repeat(step.spike_run, z.abs(), score);
            }
            self.since_spike = if step.spike_run > 0 {
                0
            } else {
                self.since_spike.saturating_add(1)
            };
        }
        self.lo = self.lo.min(value);
        self.hi = self.hi.max(value);
        self.rolling.push(value);
        score.clamp(0.0, 1.0)
    }
}

impl StreamingDetector {
    /// A spike as tall as one that alarmed before scores as that one did.
    fn repeat(&mut self, run: usize, z: f64, score: f64) -> f64 {
        let c = self.config;
        if (1..=c.spike_run).contains(&run) {
            let (tall, best, apart) = self.spike.unwrap_or((0.0, 0.0, self.since_spike >= c.repeat_gap));
            let known = self
                .alarmed
                .iter()
                .filter(|(tall, _)| apart && z >= c.repeat_ratio * tall)
                .map(|(_, s)| *s)
                .fold(0.0, f64::max);
            let score = score.max(known.min(c.repeat_cap));
            self.spike = Some((tall.max(z), best.max(score), apart));
            score
        } else {
            // A long run is a shift, not a spike: forgotten.
            if let (0, Some((tall, best, _))) = (run, self.spike.take()) {
                if best >= 0.5 {
                    self.alarmed.push_back((tall, best));
                    if self.alarmed.len() > 8 {
                        self.alarmed.pop_front();
                    }
                }
            }
            score
        }
    }
}

/// Score a whole series in order, one score per input (`None`: an unreadable
/// value, scored 0): what `quantumstate detect` prints.
pub fn score_series(core: DetectorConfig, config: StreamingConfig, values: &[Option<f64>]) -> Vec<f64> {
    let mut detector = StreamingDetector::new(core, config);
    values.iter().map(|v| v.map_or(0.0, |v| detector.observe(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::SimRng;

    fn noise(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = SimRng::new(seed, 0);
        (0..n).map(|_| rng.normal()).collect()
    }

    #[test]
    fn streaming_scores_stay_low_on_noise_and_rise_on_an_anomaly() {
        let mut s = StreamingDetector::new(
            DetectorConfig::default(),
            StreamingConfig {
                window: 300,
                warmup: 100,
                ..StreamingConfig::default()
            },
        );
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
        let mut s = StreamingDetector::new(DetectorConfig::default(), StreamingConfig::default());
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
        let mut s = StreamingDetector::new(DetectorConfig::default(), StreamingConfig::default());
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
}
