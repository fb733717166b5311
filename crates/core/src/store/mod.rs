//! The [`Store`] trait: every read and write the agents and the UI need, shaped
//! so that Elasticsearch can answer each read with one aggregation query.
//!
//! [`MemoryStore`] is the embedded default; the Elasticsearch store implements
//! the same trait, and the same contract tests run against both.

mod memory;

pub use memory::{MemoryStore, DECISIONS_KEPT};

use crate::model::{DecisionDoc, IncidentDoc, Level, LogDoc, MetricDoc};
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The earliest and latest timestamp of some data (both included).
pub type DataSpan = (DateTime<Utc>, DateTime<Utc>);

/// One metric of one service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    pub service: String,
    pub metric_type: String,
}

impl SeriesKey {
    pub fn new(service: impl Into<String>, metric_type: impl Into<String>) -> Self {
        SeriesKey {
            service: service.into(),
            metric_type: metric_type.into(),
        }
    }
}

/// One bucket of a date histogram (buckets start at multiples of the bucket
/// length since the Unix epoch, as Elasticsearch's `fixed_interval` does).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub at: DateTime<Utc>,
    pub avg: f64,
    pub min: f64,
    pub max: f64,
    pub count: u64,
}

/// Summary statistics of a metric over a window (`extended_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    pub count: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// Population standard deviation.
    pub std_dev: f64,
}

/// Which log lines to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct LogQuery {
    pub service: Option<String>,
    /// This level and worse.
    pub min_level: Level,
    pub window: TimeWindow,
    /// Only lines with a word that starts with one of these (case-insensitive,
    /// single words: "deploy" matches "Deployment"); empty: all lines.
    pub words: Vec<String>,
    /// At most this many, oldest first.
    pub limit: usize,
}

impl LogQuery {
    /// Whether `message` passes the `words` filter.
    pub fn matches_words(&self, message: &str) -> bool {
        if self.words.is_empty() {
            return true;
        }
        // ASCII case folding, and any non-ASCII character counts as a letter:
        // Unicode's case and letter tables would cost the browser bundle ~15 KB.
        let lower = message.to_ascii_lowercase();
        let prefixes: Vec<String> = self.words.iter().map(|w| w.to_ascii_lowercase()).collect();
        lower
            .split(|c: char| c.is_ascii() && !c.is_ascii_alphanumeric())
            .any(|token| prefixes.iter().any(|p| token.starts_with(p.as_str())))
    }
}

/// How often one error code appeared, and when first and last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorCodeCount {
    pub code: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// Which past incidents to fetch (all filters are ANDed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentQuery {
    pub service: Option<String>,
    pub anomaly_type: Option<String>,
    pub limit: usize,
}

/// Documents per index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexCounts {
    pub metrics: u64,
    pub logs: u64,
    pub incidents: u64,
    pub decisions: u64,
}

/// What can go wrong talking to a store.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("cannot reach the store: {0}")]
    Unreachable(String),
    #[error("the store answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("unexpected answer from the store: {0}")]
    Malformed(String),
    #[error("count check failed: generated {generated} documents, the store holds {stored}")]
    CountMismatch { generated: u64, stored: u64 },
    #[error(
        "{} of {total} documents were not written; first: {}",
        failures.len(),
        failures.first().map(|f| f.to_string()).unwrap_or_default()
    )]
    PartialWrite { total: usize, failures: Vec<DocFailure> },
}

/// One document a bulk write could not store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{index}/{id}: {status} {reason}")]
pub struct DocFailure {
    pub index: String,
    pub id: String,
    pub status: u16,
    pub reason: String,
}

/// When a write must be visible to searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visible {
    /// Once the write returns.
    Now,
    /// With the next write that asks for [`Visible::Now`], or sooner.
    Later,
}

/// Where the agents read telemetry and write their decisions.
///
/// Futures are not `Send`: in the browser they run on the single JS thread.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Upsert by deterministic id: writing the same documents twice adds nothing.
    async fn write_metrics(&self, docs: &[MetricDoc]) -> Result<u64, StoreError>;
    async fn write_logs(&self, docs: &[LogDoc]) -> Result<u64, StoreError>;
    async fn write_incidents(&self, docs: &[IncidentDoc]) -> Result<u64, StoreError>;
    /// Record an agent's decision. With [`Visible::Later`] searches may not
    /// see it until the next [`Visible::Now`] write (or the engine's own
    /// refresh): for records in the middle of a run, whose last record makes
    /// them all visible at once.
    async fn append_decision(&self, doc: &DecisionDoc, visible: Visible) -> Result<(), StoreError>;
    /// A scenario's telemetry, reporting `(written, total)` as it goes;
    /// searchable once this returns. Returns how many documents were written.
    async fn write_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        write_in_chunks(self, metrics, logs, LOAD_CHUNK, progress).await
    }

    /// Make the telemetry exactly `metrics` and `logs`: write them (reporting
    /// `(done, total)`), then delete every other metric and log. Returns how
    /// many documents were written; a store may skip documents it already
    /// holds exactly (Elasticsearch does, see `ElasticStore::sync_telemetry`).
    async fn replace_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        let written = self.write_telemetry(metrics, logs, progress).await?;
        self.prune_telemetry(&KeepIds::of(metrics, logs)).await?;
        Ok(written)
    }

    /// Every (service, metric) with data in the window.
    async fn series_keys(&self, window: TimeWindow) -> Result<Vec<SeriesKey>, StoreError>;
    /// A date histogram of one metric: only buckets with data, oldest first.
    async fn metric_series(
        &self,
        key: &SeriesKey,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<SeriesPoint>, StoreError>;
    /// [`Store::metric_series`] of every series with data in the window,
    /// ordered by key. Elasticsearch answers it in one aggregation instead of
    /// one request per series.
    async fn all_series(
        &self,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<(SeriesKey, Vec<SeriesPoint>)>, StoreError> {
        series_one_by_one(self, self.series_keys(window).await?, window, bucket).await
    }
    async fn metric_stats(&self, key: &SeriesKey, window: TimeWindow) -> Result<Option<MetricStats>, StoreError>;
    /// The earliest and latest metric timestamps (for data someone else wrote).
    async fn metric_time_range(&self) -> Result<Option<DataSpan>, StoreError>;

    async fn logs(&self, query: &LogQuery) -> Result<Vec<LogDoc>, StoreError>;
    /// How many lines match (the `limit` is ignored).
    async fn count_logs(&self, query: &LogQuery) -> Result<u64, StoreError>;
    /// Error codes of the service's logs in the window, most frequent first.
    async fn error_codes(&self, service: &str, window: TimeWindow) -> Result<Vec<ErrorCodeCount>, StoreError>;

    async fn incidents(&self, query: &IncidentQuery) -> Result<Vec<IncidentDoc>, StoreError>;
    /// Newest first.
    async fn decisions(&self, limit: usize) -> Result<Vec<DecisionDoc>, StoreError>;

    async fn counts(&self) -> Result<IndexCounts, StoreError>;
    /// Delete metrics and logs only: incident history and the audit trail stay.
    async fn clear_telemetry(&self) -> Result<(), StoreError>;
    /// Delete the metrics and logs that are not `keep`'s: what a run no longer
    /// holds, removed only after its own documents are written.
    async fn prune_telemetry(&self, keep: &KeepIds) -> Result<(), StoreError>;
}

/// The document ids ([`Document::doc_id`](crate::model::Document::doc_id)) a
/// run's telemetry consists of: everything else in metrics and logs is pruned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeepIds {
    pub metrics: Vec<String>,
    pub logs: Vec<String>,
}

impl KeepIds {
    pub fn of(metrics: &[MetricDoc], logs: &[LogDoc]) -> KeepIds {
        use crate::model::Document;
        KeepIds {
            metrics: metrics.iter().map(Document::doc_id).collect(),
            logs: logs.iter().map(Document::doc_id).collect(),
        }
    }
}

/// [`Store::metric_series`] of each of `keys`, one read per series.
pub async fn series_one_by_one<S: Store + ?Sized>(
    store: &S,
    keys: Vec<SeriesKey>,
    window: TimeWindow,
    bucket: TimeDelta,
) -> Result<Vec<(SeriesKey, Vec<SeriesPoint>)>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let points = store.metric_series(&key, window, bucket).await?;
        out.push((key, points));
    }
    Ok(out)
}

/// Start of the histogram bucket holding `at`.
pub fn bucket_start(at: DateTime<Utc>, bucket: TimeDelta) -> DateTime<Utc> {
    let len = bucket.num_milliseconds().max(1);
    let ms = at.timestamp_millis();
    DateTime::from_timestamp_millis(ms - ms.rem_euclid(len)).unwrap_or(at)
}

/// Documents per write while loading a scenario: progress moves and the page stays responsive.
pub const LOAD_CHUNK: usize = 2_000;

/// [`Store::write_telemetry`] as `chunk`-document writes of metrics, then of
/// logs, reporting `(written, total)` after each. Returns how many were written.
pub async fn write_in_chunks<S: Store + ?Sized>(
    store: &S,
    metrics: &[MetricDoc],
    logs: &[LogDoc],
    chunk: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<u64, StoreError> {
    let total = metrics.len() + logs.len();
    let mut written = 0;
    for part in metrics.chunks(chunk) {
        written += store.write_metrics(part).await? as usize;
        progress(written, total);
    }
    for part in logs.chunks(chunk) {
        written += store.write_logs(part).await? as usize;
        progress(written, total);
    }
    Ok(written as u64)
}

/// Replace the telemetry with a fresh run of `config` (incident history and
/// audit trail stay; the seeded incidents are rewritten with their fixed ids),
/// reporting `(written, total)` after each chunk, then check the counts.
///
/// The new documents are written before anything is deleted: if a write fails,
/// no earlier document is gone (those the failed run already rewrote under the
/// same deterministic id hold its values).
pub async fn load_scenario<S: Store>(
    store: &S,
    config: &crate::sim::SimConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<crate::sim::Dataset, StoreError> {
    let data = crate::sim::generate(config);
    load_dataset(store, config.anchor, &data, progress).await?;
    Ok(data)
}

/// The writing half of [`load_scenario`], for callers that time generation apart.
pub async fn load_dataset<S: Store>(
    store: &S,
    anchor: chrono::DateTime<chrono::Utc>,
    data: &crate::sim::Dataset,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), StoreError> {
    let total = data.len();
    // Different indices: the seeded incidents go at the same time.
    let incidents = crate::sim::seeded_incidents(anchor);
    futures_util::future::try_join(
        store.write_incidents(&incidents),
        store.replace_telemetry(&data.metrics, &data.logs, progress),
    )
    .await?;
    let counts = store.counts().await?;
    if counts.metrics + counts.logs != total as u64 {
        return Err(StoreError::CountMismatch {
            generated: total as u64,
            stored: counts.metrics + counts.logs,
        });
    }
    Ok(())
}
