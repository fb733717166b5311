//! Typed data access for the views: run a scenario into a store, read back
//! what the screen shows. No DOM here.

use chrono::{DateTime, TimeDelta, Utc};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::store::{IndexCounts, SeriesKey, SeriesPoint};
use quantumstate_core::{Health, MetricType, Service, Store, StoreError, TimeWindow};

/// What one scenario run produced, for the first screen.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub config: SimConfig,
    pub generated: usize,
    pub fingerprint: String,
    pub counts: IndexCounts,
    pub chart: ChartData,
}

/// One service's latest readings and overall health.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceHealth {
    pub service: Service,
    pub health: Health,
    /// (metric, latest value)
    pub latest: Vec<(MetricType, f64)>,
}

/// A metric series ready to draw, with the seed's thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub service: Service,
    pub metric: MetricType,
    pub points: Vec<SeriesPoint>,
    pub onset: Option<DateTime<Utc>>,
}

/// The metric that tells a scenario's story best.
pub fn headline_metric(scenario: Scenario) -> MetricType {
    match scenario {
        Scenario::MemoryLeak => MetricType::MemoryPercent,
        Scenario::DeploymentRollback | Scenario::ErrorSpike | Scenario::RedHerring | Scenario::Healthy => {
            MetricType::ErrorRate
        }
    }
}

/// Replace the telemetry with a fresh run of `config` (history and audit trail stay).
pub async fn run_scenario<S: Store>(store: &S, config: SimConfig) -> Result<RunSummary, StoreError> {
    let data = sim::generate(&config);
    store.clear_telemetry().await?;
    store.write_metrics(&data.metrics).await?;
    store.write_logs(&data.logs).await?;
    store.write_incidents(&sim::seeded_incidents(config.anchor)).await?;
    let service = data.truth.service.unwrap_or(Service::PaymentService);
    let metric = headline_metric(config.scenario);
    let window = data.truth.timeline.window();
    let points = store
        .metric_series(
            &SeriesKey::new(service.as_str(), metric.as_str()),
            window,
            config.interval(),
        )
        .await?;
    Ok(RunSummary {
        generated: data.len(),
        fingerprint: data.fingerprint(),
        counts: store.counts().await?,
        chart: ChartData {
            service,
            metric,
            points,
            onset: data.truth.service.map(|_| data.truth.timeline.onset),
        },
        config,
    })
}

/// The latest reading of every metric of every service, and its health.
pub async fn platform_health<S: Store>(store: &S, now: DateTime<Utc>) -> Result<Vec<ServiceHealth>, StoreError> {
    let window = TimeWindow::ending_at(now + TimeDelta::seconds(1), TimeDelta::minutes(5));
    let mut out = Vec::new();
    for service in Service::ALL {
        let mut latest = Vec::new();
        for metric in MetricType::ALL {
            let key = SeriesKey::new(service.as_str(), metric.as_str());
            let points = store.metric_series(&key, window, TimeDelta::seconds(30)).await?;
            if let Some(p) = points.last() {
                latest.push((metric, p.avg));
            }
        }
        let health = latest
            .iter()
            .map(|(m, v)| Health::of(*m, *v))
            .max()
            .unwrap_or(Health::Healthy);
        out.push(ServiceHealth {
            service,
            health,
            latest,
        });
    }
    Ok(out)
}
