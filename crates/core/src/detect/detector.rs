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
    /// Consecutive readings (this one included) beyond the spike line, on
    /// either watched side: 1–2 is a spike, a long run a shift.
    pub spike_run: usize,
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

    /// Replace the baseline (a rolling one, in streaming), keeping the CUSUM
    /// and spike-run state.
    pub fn set_baseline(&mut self, baseline: Baseline) {
        self.baseline = baseline;
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
        let spike_run = match self.direction {
            Direction::Up => self.up.run,
            Direction::Down => self.down.run,
            Direction::Both => self.up.run.max(self.down.run),
        };
        Step {
            z: signed,
            score,
            trigger: best,
            spike_run,
        }
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
}
