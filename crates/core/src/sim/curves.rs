//! The shapes: healthy noise around a per-service baseline, and the fault curves
//! of each scenario laid on top of it.

use super::rng::SimRng;
use super::{Scenario, SimConfig};
use crate::model::{MetricType, Service};
use chrono::{DateTime, TimeDelta, Timelike, Utc};

/// Per-service healthy means, inside the seed's healthy ranges.
fn baseline(service: Service, metric: MetricType) -> f64 {
    use MetricType::*;
    use Service::*;
    match (service, metric) {
        (PaymentService, MemoryPercent) => 53.0,
        (PaymentService, CpuPercent) => 36.0,
        (PaymentService, ErrorRate) => 0.35,
        (PaymentService, RequestLatencyMs) => 140.0,
        (PaymentService, RequestsPerMin) => 820.0,
        (CheckoutService, MemoryPercent) => 48.0,
        (CheckoutService, CpuPercent) => 38.0,
        (CheckoutService, ErrorRate) => 0.4,
        (CheckoutService, RequestLatencyMs) => 160.0,
        (CheckoutService, RequestsPerMin) => 760.0,
        (AuthService, MemoryPercent) => 46.0,
        (AuthService, CpuPercent) => 30.0,
        (AuthService, ErrorRate) => 0.3,
        (AuthService, RequestLatencyMs) => 95.0,
        (AuthService, RequestsPerMin) => 880.0,
        (InventoryService, MemoryPercent) => 50.0,
        (InventoryService, CpuPercent) => 28.0,
        (InventoryService, ErrorRate) => 0.2,
        (InventoryService, RequestLatencyMs) => 120.0,
        (InventoryService, RequestsPerMin) => 700.0,
    }
}

/// Noise of a healthy reading: (standard deviation, AR(1) persistence).
fn noise(metric: MetricType) -> (f64, f64) {
    match metric {
        MetricType::MemoryPercent => (1.2, 0.85),
        MetricType::CpuPercent => (2.5, 0.6),
        MetricType::ErrorRate => (0.12, 0.4),
        MetricType::RequestLatencyMs => (7.0, 0.6),
        MetricType::RequestsPerMin => (18.0, 0.6),
    }
}

/// Amplitude of the daily rhythm (peak mid-afternoon UTC).
fn daily_amplitude(metric: MetricType) -> f64 {
    match metric {
        MetricType::RequestsPerMin | MetricType::CpuPercent => 0.10,
        MetricType::RequestLatencyMs => 0.04,
        MetricType::MemoryPercent | MetricType::ErrorRate => 0.0,
    }
}

/// Healthy readings never leave the seed's healthy range: this keeps a small
/// margin inside it, so "healthy" is never borderline.
fn healthy_clamp(metric: MetricType, value: f64) -> f64 {
    let (lo, hi) = metric.healthy_range();
    match metric {
        MetricType::ErrorRate => value.clamp(0.02, hi * 0.95),
        _ => {
            let margin = (hi - lo) * 0.02;
            value.clamp(lo + margin, hi - margin)
        }
    }
}

/// Steps of the past each healthy reading's noise remembers: an AR(1) process
/// truncated to its last `MEMORY` innovations (the most persistent series
/// keeps φ^48 < 0.0005 of the oldest), so that a reading is a pure function of
/// its own time and never of where the generated window starts.
const MEMORY: usize = 48;

/// One healthy series: noise keyed by time around a (daily) mean.
pub(super) struct Series {
    rng: SimRng,
    metric: MetricType,
    mean: f64,
    /// Standard deviation of one innovation.
    scale: f64,
    /// φ^0 … φ^(MEMORY-1).
    powers: [f64; MEMORY],
    rhythm: bool,
}

impl Series {
    pub(super) fn new(config: &SimConfig, service: Service, metric: MetricType) -> Self {
        let stream = 1 + 16 * service as u64 + metric as u64;
        let (sigma, phi) = noise(metric);
        let sigma = sigma * config.noise.clamp(0.0, 3.0);
        let mut powers = [1.0; MEMORY];
        for j in 1..MEMORY {
            powers[j] = powers[j - 1] * phi;
        }
        let tail = powers[MEMORY - 1] * phi;
        // The truncated sum's variance is σ_ε²(1 − φ^2M)/(1 − φ²): scaled so
        // every reading's noise has standard deviation `sigma`.
        let scale = sigma * libm::sqrt((1.0 - phi * phi) / (1.0 - tail * tail));
        Series {
            rng: SimRng::new(config.seed, stream),
            metric,
            mean: baseline(service, metric),
            scale,
            powers,
            rhythm: config.daily_rhythm,
        }
    }

    /// The mean this series wanders around.
    pub(super) fn baseline(&self) -> f64 {
        self.mean
    }

    /// The healthy readings at `start`, `start + step`, … up to `end`
    /// included: each a function of its own time (and the series) alone.
    pub(super) fn healthy(&self, start: DateTime<Utc>, end: DateTime<Utc>, step: TimeDelta) -> Vec<f64> {
        let step_ms = step.num_milliseconds().max(1);
        let first = start.timestamp_millis() - step_ms * (MEMORY as i64 - 1);
        let points = ((end - start).num_milliseconds() / step_ms + 1).max(0) as usize;
        let innovations: Vec<f64> = (0..points + MEMORY - 1)
            .map(|k| self.rng.at(first + step_ms * k as i64).normal() * self.scale)
            .collect();
        (0..points)
            .map(|i| {
                // Oldest first, always in the same order: the same bits whatever the window.
                let state = (0..MEMORY)
                    .rev()
                    .fold(0.0, |acc, j| acc + self.powers[j] * innovations[i + MEMORY - 1 - j]);
                let at = start + TimeDelta::milliseconds(step_ms * i as i64);
                let mut mean = self.mean;
                if self.rhythm {
                    let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
                    let phase = std::f64::consts::TAU * (hour - 9.0) / 24.0;
                    mean *= 1.0 + daily_amplitude(self.metric) * libm::sin(phase);
                }
                healthy_clamp(self.metric, mean + state)
            })
            .collect()
    }
}

/// A fault laid on one service from `onset` on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fault {
    pub scenario: Scenario,
    pub service: Service,
    pub onset: DateTime<Utc>,
    pub intensity: f64,
}

/// How long before the Redis failure the red herring's harmless deploy lands.
pub(super) const RED_HERRING_DEPLOY_LEAD_MINUTES: i64 = 6;

impl Fault {
    /// Minutes since onset (negative before).
    pub(super) fn minutes_in(&self, at: DateTime<Utc>) -> f64 {
        (at - self.onset).num_milliseconds() as f64 / 60_000.0
    }

    pub(super) fn deploy_at(&self) -> Option<DateTime<Utc>> {
        match self.scenario {
            Scenario::DeploymentRollback => Some(self.onset),
            Scenario::RedHerring => Some(self.onset - TimeDelta::minutes(RED_HERRING_DEPLOY_LEAD_MINUTES)),
            _ => None,
        }
    }

    /// The reading of `metric` at `at`, given the healthy reading and its baseline.
    pub(super) fn apply(&self, metric: MetricType, at: DateTime<Utc>, healthy: f64, base: f64) -> f64 {
        use MetricType::*;
        let tau = self.minutes_in(at);
        if tau < 0.0 {
            return healthy;
        }
        let k = self.intensity;
        let dev = healthy - base; // keep the healthy noise on top of the fault
        match self.scenario {
            Scenario::Healthy => healthy,
            Scenario::MemoryLeak => {
                let p = (tau / f64::from(Scenario::MemoryLeak.incident_minutes())).min(1.2);
                match metric {
                    // The seed: 55% → 89% over 25 minutes.
                    MemoryPercent => (55.0 + 34.0 * k * libm::pow(p, 1.2) + 0.5 * dev).min(99.5),
                    CpuPercent => base + 30.0 * k * libm::pow(p, 2.5) + dev,
                    RequestLatencyMs => base * (1.0 + 2.5 * k * libm::pow(p, 3.0)) + dev,
                    ErrorRate => (base + 5.0 * k * libm::pow(p, 4.0) + 0.5 * dev).max(0.0),
                    RequestsPerMin => base * (1.0 - 0.15 * k * libm::pow(p, 3.0)) + dev,
                }
            }
            Scenario::DeploymentRollback => {
                // The seed: 0.4 → 18/min within 3 minutes of the deploy.
                let ramp = ((tau - 0.5) / 2.5).clamp(0.0, 1.0);
                match metric {
                    ErrorRate => (base + (18.0 * k - base) * ramp + dev * (1.0 + 6.0 * ramp)).max(0.0),
                    RequestLatencyMs => base + 260.0 * k * ramp + dev,
                    CpuPercent => base + 8.0 * k * ramp + dev,
                    RequestsPerMin => base * (1.0 - 0.18 * k * ramp) + dev,
                    MemoryPercent => healthy,
                }
            }
            Scenario::ErrorSpike | Scenario::RedHerring => {
                // The seed: 0.3 → 28/min at once, latency 95 → 1200 ms.
                match metric {
                    ErrorRate => (28.0 * k + 8.0 * dev).max(0.0),
                    RequestLatencyMs => base + (1200.0 - 95.0) * k + 5.0 * dev,
                    CpuPercent => base + 40.0 * k + dev,
                    RequestsPerMin => base * (1.0 - 0.35 * k.min(2.5)) + dev,
                    MemoryPercent => base + 4.0 * k + dev,
                }
            }
        }
    }
}
