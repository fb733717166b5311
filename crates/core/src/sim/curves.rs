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

/// One healthy series, generated in time order.
pub(super) struct Series {
    rng: SimRng,
    metric: MetricType,
    mean: f64,
    sigma: f64,
    phi: f64,
    state: f64,
    rhythm: bool,
}

impl Series {
    pub(super) fn new(config: &SimConfig, service: Service, metric: MetricType) -> Self {
        let stream = 1 + 16 * service as u64 + metric as u64;
        let (sigma, phi) = noise(metric);
        let sigma = sigma * config.noise.clamp(0.0, 3.0);
        let mut rng = SimRng::new(config.seed, stream);
        let state = rng.normal() * sigma;
        Series {
            rng,
            metric,
            mean: baseline(service, metric),
            sigma,
            phi,
            state,
            rhythm: config.daily_rhythm,
        }
    }

    /// The mean this series wanders around.
    pub(super) fn baseline(&self) -> f64 {
        self.mean
    }

    /// The next healthy reading (call in time order).
    pub(super) fn healthy(&mut self, at: DateTime<Utc>) -> f64 {
        let innovation = self.rng.normal() * self.sigma * libm::sqrt(1.0 - self.phi * self.phi);
        self.state = self.phi * self.state + innovation;
        let mut mean = self.mean;
        if self.rhythm {
            let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
            let phase = std::f64::consts::TAU * (hour - 9.0) / 24.0;
            mean *= 1.0 + daily_amplitude(self.metric) * libm::sin(phase);
        }
        healthy_clamp(self.metric, mean + self.state)
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
