//! Bulk ingest through the proxy versus straight to the stand-in, and a week
//! of history: generation, ingest, and Cassandra's aggregation queries on it.

use anyhow::{bail, ensure};
use chrono::{DateTime, Utc};
use quantumstate_core::agents::{cassandra, AgentConfig};
use quantumstate_core::elastic::{ElasticStore, IndexNames, Request, Response, Transport};
use quantumstate_core::sim::{self, Dataset, Scenario, SimConfig};
use quantumstate_core::store::{SeriesKey, Store};
use quantumstate_core::{MetricDoc, StoreError, TimeWindow};
use quantumstate_server::transport::{Credentials, HttpTransport};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Counts what crosses the wire: requests, response bytes, and source
/// documents returned in `hits.hits` (aggregations return none).
pub struct Counting<T> {
    inner: T,
    pub requests: Cell<u64>,
    pub response_bytes: Cell<u64>,
    pub hits_returned: Cell<u64>,
}

impl<T> Counting<T> {
    pub fn new(inner: T) -> Self {
        Counting {
            inner,
            requests: Cell::new(0),
            response_bytes: Cell::new(0),
            hits_returned: Cell::new(0),
        }
    }
}

impl<T: Transport> Transport for Counting<T> {
    async fn send(&self, request: Request) -> Result<Response, StoreError> {
        let response = self.inner.send(request).await?;
        self.requests.set(self.requests.get() + 1);
        self.response_bytes
            .set(self.response_bytes.get() + response.body.len() as u64);
        let hits = serde_json::from_str::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v.pointer("/hits/hits").and_then(|h| h.as_array()).map(Vec::len))
            .unwrap_or(0);
        self.hits_returned.set(self.hits_returned.get() + hits as u64);
        Ok(response)
    }

    async fn sleep_ms(&self, ms: u64) {
        self.inner.sleep_ms(ms).await
    }
}

pub fn store(base: &str) -> anyhow::Result<ElasticStore<Counting<HttpTransport>>> {
    let transport = HttpTransport::new(base, Credentials::default(), Duration::from_secs(300))?;
    Ok(ElasticStore::new(Counting::new(transport), IndexNames::default()))
}

pub fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-02-13T15:00:00Z")
        .expect("fixed anchor")
        .with_timezone(&Utc)
}

/// A week of healthy history at the default interval for every service.
pub fn week_config() -> SimConfig {
    let mut config = SimConfig::new(Scenario::Healthy, 42, anchor());
    config.history_minutes = 7 * 24 * 60;
    config
}

pub struct Generated {
    pub data: Dataset,
    pub seconds: f64,
}

pub fn generate_week() -> Generated {
    let t = Instant::now();
    let data = sim::generate(&week_config());
    Generated {
        seconds: t.elapsed().as_secs_f64(),
        data,
    }
}

/// Seconds to bulk-write `docs` into an emptied metrics index at `base`,
/// checking that every document arrived.
pub async fn timed_bulk(base: &str, docs: &[MetricDoc]) -> anyhow::Result<f64> {
    let store = store(base)?;
    store.setup(anchor()).await?;
    store.clear_telemetry().await?;
    let t = Instant::now();
    let report = store.bulk(docs, &mut |_| {}).await?;
    let seconds = t.elapsed().as_secs_f64();
    ensure!(
        report.written == docs.len() as u64,
        "{base}: {} of {} written",
        report.written,
        docs.len()
    );
    let stored = store.counts().await?.metrics;
    ensure!(
        stored == docs.len() as u64,
        "{base}: {stored} stored, {} sent",
        docs.len()
    );
    Ok(seconds)
}

/// Write the week (metrics, then logs) straight to the stand-in.
pub async fn ingest_week(base: &str, data: &Dataset) -> anyhow::Result<f64> {
    let store = store(base)?;
    store.setup(anchor()).await?;
    store.clear_telemetry().await?;
    let t = Instant::now();
    store.bulk(&data.metrics, &mut |_| {}).await?;
    store.bulk(&data.logs, &mut |_| {}).await?;
    let seconds = t.elapsed().as_secs_f64();
    let counts = store.counts().await?;
    if counts.metrics + counts.logs != data.len() as u64 {
        bail!("{} of {} documents stored", counts.metrics + counts.logs, data.len());
    }
    Ok(seconds)
}

/// One timed query round and what crossed the wire.
pub struct QueryRound {
    pub ms: f64,
    pub requests: u64,
    pub hits_returned: u64,
    pub response_bytes: u64,
    /// Documents the aggregations summarised.
    pub documents_covered: u64,
}

/// Cassandra's scan as the agents run it at the end of the week, `runs` times.
pub async fn cassandra_scans(base: &str, now: DateTime<Utc>, runs: usize) -> anyhow::Result<Vec<QueryRound>> {
    let config = AgentConfig::default();
    let mut rounds = Vec::with_capacity(runs);
    for _ in 0..runs {
        let store = store(base)?;
        let t = Instant::now();
        let scan = cassandra::scan(&store, &config, now).await?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        ensure!(
            scan.detection.is_none(),
            "a healthy week raised an alarm: {}",
            scan.decision
        );
        let t = store.transport();
        rounds.push(QueryRound {
            ms,
            requests: t.requests.get(),
            hits_returned: t.hits_returned.get(),
            response_bytes: t.response_bytes.get(),
            documents_covered: 0,
        });
    }
    // The same window every time: count its documents once, untimed.
    let store = store(base)?;
    let window = cassandra::read_window(&config, now);
    let covered = documents(&store, &store.series_keys(window).await?, window).await?;
    for round in &mut rounds {
        round.documents_covered = covered;
    }
    Ok(rounds)
}

/// Baselines over the whole week: one `extended_stats` aggregation per series.
pub async fn week_baselines(base: &str, week: TimeWindow) -> anyhow::Result<QueryRound> {
    let store = store(base)?;
    let keys = store.series_keys(week).await?;
    let transport = store.transport();
    let before = (
        transport.requests.get(),
        transport.hits_returned.get(),
        transport.response_bytes.get(),
    );
    let t = Instant::now();
    let covered = documents(&store, &keys, week).await?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(QueryRound {
        ms,
        requests: transport.requests.get() - before.0,
        hits_returned: transport.hits_returned.get() - before.1,
        response_bytes: transport.response_bytes.get() - before.2,
        documents_covered: covered,
    })
}

/// Metric documents of `keys` in `window`: one `extended_stats` aggregation per series.
async fn documents(
    store: &ElasticStore<Counting<HttpTransport>>,
    keys: &[SeriesKey],
    window: TimeWindow,
) -> anyhow::Result<u64> {
    let mut n = 0;
    for key in keys {
        n += store.metric_stats(key, window).await?.map(|s| s.count).unwrap_or(0);
    }
    Ok(n)
}
