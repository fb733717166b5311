//! Elasticsearch as a [`Store`]: request builders and response parsers (pure
//! functions, unit-tested), a bulk writer that loses nothing, and
//! [`ElasticStore`] over a small [`Transport`] trait (gloo-net in the browser,
//! reqwest natively).
//!
//! Reads are aggregations (`date_histogram` with avg/min/max, `extended_stats`,
//! `terms`), so baselines over long histories are computed by Elasticsearch.

mod bulk;
pub mod query;
mod repair;
mod sync;

pub use bulk::{BulkConfig, BulkOp, BulkProgress, BulkReport, Refresh};
pub use sync::{SyncReport, BLOCK_MINUTES, MAX_CHECKED_IDS};

use crate::model::{DecisionDoc, Document, IncidentDoc, Index, LogDoc, MetricDoc};
use crate::store::*;
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// HTTP methods the app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// One request to Elasticsearch (or the proxy), path relative to its base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Starts with `/`, may carry a query string.
    pub path: String,
    pub body: Option<String>,
    /// `application/x-ndjson` instead of JSON.
    pub ndjson: bool,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            body: None,
            ndjson: false,
        }
    }

    pub fn json(method: Method, path: impl Into<String>, body: &Value) -> Self {
        Request {
            method,
            path: path.into(),
            body: Some(body.to_string()),
            ndjson: false,
        }
    }
}

/// Status and body of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// How requests reach Elasticsearch. Connection failures are
/// [`StoreError::Unreachable`]; any HTTP answer is a [`Response`].
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn send(&self, request: Request) -> Result<Response, StoreError>;
    /// Wait before a retry.
    async fn sleep_ms(&self, ms: u64);
    /// Tell the operator something once (e.g. that an aggregation the engine
    /// lacks is replaced); the native transport logs it as a warning.
    fn note(&self, _message: &str) {}
}

/// Features an Elasticsearch-compatible engine turned out to lack, and what
/// the store does instead (each noted once, then used without asking again).
#[derive(Debug, Default)]
struct Fallbacks {
    /// No `extended_stats`: `stats` plus the distinct values (noida-db).
    no_extended_stats: std::sync::atomic::AtomicBool,
    /// `min`/`max` of a date field answer null: sorted hits (noida-db).
    null_date_aggregations: std::sync::atomic::AtomicBool,
}

/// The fallbacks an [`ElasticStore`] has switched to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FallbacksUsed {
    pub no_extended_stats: bool,
    pub null_date_aggregations: bool,
}

impl Fallbacks {
    fn get(flag: &std::sync::atomic::AtomicBool) -> bool {
        flag.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Switch `flag` on; true the first time.
    fn set(flag: &std::sync::atomic::AtomicBool) -> bool {
        !flag.swap(true, std::sync::atomic::Ordering::Relaxed)
    }
}

/// The app's indices, optionally prefixed (for isolated tests or several demos on one cluster).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexNames {
    pub prefix: String,
}

impl IndexNames {
    pub fn name(&self, index: Index) -> String {
        format!("{}{}", self.prefix, index.name())
    }
}

/// What set-up did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetupReport {
    pub created: Vec<String>,
    pub existing: Vec<String>,
    pub incidents_written: u64,
}

/// [`Store`] on Elasticsearch.
pub struct ElasticStore<T: Transport> {
    transport: T,
    names: IndexNames,
    bulk: BulkConfig,
    /// Documents readers skipped because they do not parse (someone else
    /// wrote them): see [`ElasticStore::skipped_documents`] and [`ElasticStore::repair`].
    skipped: AtomicU64,
    fallbacks: Fallbacks,
}

/// Reject an error answer with its reason.
pub(crate) fn check(response: Response) -> Result<Value, StoreError> {
    let parsed: Result<Value, _> = serde_json::from_str(&response.body);
    if (200..300).contains(&response.status) {
        return parsed.map_err(|e| StoreError::Malformed(format!("{e} in {}", snippet(&response.body))));
    }
    let message = parsed
        .ok()
        .and_then(|v| {
            v.pointer("/error/reason")
                // Our proxy: {"error": code, "message": what to do}.
                .or_else(|| v.pointer("/message"))
                .or_else(|| v.pointer("/error"))
                .map(|r| r.as_str().map(str::to_string).unwrap_or_else(|| r.to_string()))
        })
        .unwrap_or_else(|| snippet(&response.body));
    Err(StoreError::Status {
        status: response.status,
        message,
    })
}

fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

impl<T: Transport> ElasticStore<T> {
    pub fn new(transport: T, names: IndexNames) -> Self {
        ElasticStore {
            transport,
            names,
            bulk: BulkConfig::default(),
            skipped: AtomicU64::new(0),
            fallbacks: Fallbacks::default(),
        }
    }

    /// Which replacements for missing engine features are in use.
    pub fn fallbacks(&self) -> FallbacksUsed {
        FallbacksUsed {
            no_extended_stats: Fallbacks::get(&self.fallbacks.no_extended_stats),
            null_date_aggregations: Fallbacks::get(&self.fallbacks.null_date_aggregations),
        }
    }

    fn null_dates(&self) {
        if Fallbacks::set(&self.fallbacks.null_date_aggregations) {
            self.transport.note(
                "the engine answers min/max of a date field with null: first and last times come from sorted hits",
            );
        }
    }

    /// How many malformed documents reads have skipped so far.
    pub fn skipped_documents(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// The hits' sources that parse; the others are counted and skipped, so
    /// one junk document cannot stop every later run.
    fn parsed_hits<D: serde::de::DeserializeOwned>(&self, v: &Value) -> Result<Vec<D>, StoreError> {
        let (good, bad) = split_hits::<D>(v)?;
        self.skipped.fetch_add(bad.len() as u64, Ordering::Relaxed);
        Ok(good)
    }

    pub fn with_bulk_config(mut self, bulk: BulkConfig) -> Self {
        self.bulk = bulk;
        self
    }

    pub fn names(&self) -> &IndexNames {
        &self.names
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    async fn call(&self, request: Request) -> Result<Value, StoreError> {
        check(self.transport.send(request).await?)
    }

    async fn search(&self, index: Index, body: Value) -> Result<Value, StoreError> {
        self.call(Request::json(
            Method::Post,
            format!("/{}/_search", self.names.name(index)),
            &body,
        ))
        .await
    }

    /// Create missing indices with explicit mappings and write the seeded
    /// incidents (deterministic ids): running it twice changes nothing.
    pub async fn setup(&self, anchor: DateTime<Utc>) -> Result<SetupReport, StoreError> {
        let mut report = SetupReport::default();
        for index in Index::ALL {
            let name = self.names.name(index);
            let exists = self
                .transport
                .send(Request::new(Method::Head, format!("/{name}")))
                .await?;
            match exists.status {
                200 => report.existing.push(name),
                404 => {
                    let created = self
                        .transport
                        .send(Request::json(Method::Put, format!("/{name}"), &query::mappings(index)))
                        .await?;
                    // Another client may have created it meanwhile: that is fine.
                    if created.status == 400 && created.body.contains("already_exists") {
                        report.existing.push(name);
                    } else {
                        check(created)?;
                        report.created.push(name);
                    }
                }
                status => {
                    // HEAD answers carry no body: ask again with GET for the reason.
                    let reason = self
                        .transport
                        .send(Request::new(Method::Get, format!("/{name}")))
                        .await?;
                    return Err(check(reason).err().unwrap_or(StoreError::Status {
                        status,
                        message: format!("checking index {name}"),
                    }));
                }
            }
        }
        report.incidents_written = self.write_incidents(&crate::sim::seeded_incidents(anchor)).await?;
        Ok(report)
    }

    /// Bulk-write documents of one index, reporting progress; visible to
    /// searches once this returns (`refresh=wait_for` on the last chunk: for
    /// large ingests, the engine refreshes on its own schedule).
    pub async fn bulk<D: Document>(
        &self,
        docs: &[D],
        progress: &mut dyn FnMut(BulkProgress),
    ) -> Result<BulkReport, StoreError> {
        self.bulk_refresh(docs, Refresh::WaitFor, progress).await
    }

    /// [`ElasticStore::bulk`] with a choice of [`Refresh`].
    pub async fn bulk_refresh<D: Document>(
        &self,
        docs: &[D],
        refresh: Refresh,
        progress: &mut dyn FnMut(BulkProgress),
    ) -> Result<BulkReport, StoreError> {
        bulk::write(
            &self.transport,
            &self.names.name(D::INDEX),
            docs,
            &self.bulk,
            refresh,
            progress,
        )
        .await
    }

    async fn count(&self, index: Index) -> Result<u64, StoreError> {
        let v = self
            .call(Request::new(Method::Get, format!("/{}/_count", self.names.name(index))))
            .await?;
        v["count"]
            .as_u64()
            .ok_or_else(|| StoreError::Malformed("no count".into()))
    }
}

/// Sources that parse, and (id, reason) of those that do not.
type SplitHits<D> = (Vec<D>, Vec<(String, String)>);

fn split_hits<D: serde::de::DeserializeOwned>(v: &Value) -> Result<SplitHits<D>, StoreError> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for h in v
        .pointer("/hits/hits")
        .and_then(Value::as_array)
        .ok_or_else(|| StoreError::Malformed("no hits".into()))?
    {
        match D::deserialize(&h["_source"]) {
            Ok(doc) => good.push(doc),
            Err(e) => bad.push((h["_id"].as_str().unwrap_or_default().to_string(), e.to_string())),
        }
    }
    Ok((good, bad))
}

impl<T: Transport> Store for ElasticStore<T> {
    // The agents' own writes are small and a click waits for them: each
    // refreshes at once (`refresh=wait_for` would wait up to a second for the
    // engine's next scheduled refresh, every time).
    async fn write_metrics(&self, docs: &[MetricDoc]) -> Result<u64, StoreError> {
        Ok(self.bulk_refresh(docs, Refresh::Now, &mut |_| {}).await?.written)
    }

    async fn write_logs(&self, docs: &[LogDoc]) -> Result<u64, StoreError> {
        Ok(self.bulk_refresh(docs, Refresh::Now, &mut |_| {}).await?.written)
    }

    async fn write_incidents(&self, docs: &[IncidentDoc]) -> Result<u64, StoreError> {
        Ok(self.bulk_refresh(docs, Refresh::Now, &mut |_| {}).await?.written)
    }

    /// Metrics and logs at once, a few chunks in flight, then the tail (each
    /// index's last chunk) with `refresh=true` (see `bulk::apply`).
    async fn write_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        let both = self.write_both((metrics, &[]), (logs, &[]), 0, metrics.len() + logs.len(), progress);
        Ok(both.await?.0)
    }

    /// Only what the store lacks: see [`ElasticStore::sync_telemetry`].
    async fn replace_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        Ok(self.sync_telemetry(metrics, logs, progress).await?.written)
    }

    async fn append_decision(&self, doc: &DecisionDoc, visible: Visible) -> Result<(), StoreError> {
        let refresh = match visible {
            Visible::Now => "?refresh=true",
            Visible::Later => "",
        };
        let path = format!("/{}/_doc/{}{refresh}", self.names.name(Index::Decisions), doc.doc_id());
        let body = serde_json::to_value(doc).map_err(|e| StoreError::Malformed(e.to_string()))?;
        self.call(Request::json(Method::Put, path, &body)).await.map(|_| ())
    }

    async fn series_keys(&self, window: TimeWindow) -> Result<Vec<SeriesKey>, StoreError> {
        let v = self.search(Index::Metrics, query::series_keys(window)).await?;
        query::parse_series_keys(&v)
    }

    async fn metric_series(
        &self,
        key: &SeriesKey,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        let v = self
            .search(Index::Metrics, query::metric_series(key, window, bucket))
            .await?;
        query::parse_series(&v)
    }

    async fn all_series(
        &self,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<(SeriesKey, Vec<SeriesPoint>)>, StoreError> {
        let keys = self.series_keys(window).await?;
        let per_series = window.length().num_milliseconds() / bucket.num_milliseconds().max(1) + 1;
        if keys.len() as i64 * per_series <= query::ALL_SERIES_MAX_BUCKETS {
            let v = self.search(Index::Metrics, query::all_series(window, bucket)).await?;
            return query::parse_all_series(&v);
        }
        // Too many buckets for one answer: a request per series.
        series_one_by_one(self, keys, window, bucket).await
    }

    async fn metric_stats(&self, key: &SeriesKey, window: TimeWindow) -> Result<Option<MetricStats>, StoreError> {
        if !Fallbacks::get(&self.fallbacks.no_extended_stats) {
            match self.search(Index::Metrics, query::metric_stats(key, window)).await {
                Ok(v) => return query::parse_stats(&v),
                Err(e) if query::is_unsupported_aggregation(&e, "extended_stats") => {
                    if Fallbacks::set(&self.fallbacks.no_extended_stats) {
                        self.transport.note(
                            "the engine lacks extended_stats: baselines use stats plus the distinct values instead",
                        );
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let v = self
            .search(Index::Metrics, query::metric_stats_fallback(key, window))
            .await?;
        query::parse_stats_fallback(&v)
    }

    async fn metric_time_range(&self) -> Result<Option<DataSpan>, StoreError> {
        if !Fallbacks::get(&self.fallbacks.null_date_aggregations) {
            let v = self.search(Index::Metrics, query::time_range()).await?;
            if !query::date_aggregation_is_null(&v, "/aggregations/first/value") {
                return query::parse_time_range(&v);
            }
            self.null_dates();
        }
        let first = self.search(Index::Metrics, query::time_edge(None, true)).await?;
        let last = self.search(Index::Metrics, query::time_edge(None, false)).await?;
        Ok(query::parse_time_edge(&first).zip(query::parse_time_edge(&last)))
    }

    async fn logs(&self, q: &LogQuery) -> Result<Vec<LogDoc>, StoreError> {
        let v = self.search(Index::Logs, query::logs(q)).await?;
        self.parsed_hits(&v)
    }

    async fn count_logs(&self, q: &LogQuery) -> Result<u64, StoreError> {
        let body = json!({ "query": query::log_filter(q) });
        let v = self
            .call(Request::json(
                Method::Post,
                format!("/{}/_count", self.names.name(Index::Logs)),
                &body,
            ))
            .await?;
        v["count"]
            .as_u64()
            .ok_or_else(|| StoreError::Malformed("no count".into()))
    }

    async fn error_codes(&self, service: &str, window: TimeWindow) -> Result<Vec<ErrorCodeCount>, StoreError> {
        let mut v = self.search(Index::Logs, query::error_codes(service, window)).await?;
        let null = Fallbacks::get(&self.fallbacks.null_date_aggregations)
            || query::date_aggregation_is_null(&v, "/aggregations/codes/buckets/0/first/value");
        if null {
            self.null_dates();
            // First and last time of each code from its oldest and newest log line.
            let codes: Vec<String> = v
                .pointer("/aggregations/codes/buckets")
                .and_then(Value::as_array)
                .map(|b| b.iter().filter_map(|b| b["key"].as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            for (i, code) in codes.iter().enumerate() {
                for (edge, ascending) in [("first", true), ("last", false)] {
                    let filter = query::error_code_filter(service, code, window);
                    let hit = self
                        .search(Index::Logs, query::time_edge(Some(filter), ascending))
                        .await?;
                    let at = query::parse_time_edge(&hit).map(|t| t.timestamp_millis());
                    v["aggregations"]["codes"]["buckets"][i][edge] = json!({ "value": at });
                }
            }
        }
        query::parse_error_codes(&v)
    }

    async fn incidents(&self, q: &IncidentQuery) -> Result<Vec<IncidentDoc>, StoreError> {
        let v = self.search(Index::Incidents, query::incidents(q)).await?;
        self.parsed_hits(&v)
    }

    async fn decisions(&self, limit: usize) -> Result<Vec<DecisionDoc>, StoreError> {
        let body = json!({
            "size": limit.min(query::MAX_HITS),
            "sort": [{ "@timestamp": "desc" }, { "agent": "desc" }],
        });
        let v = self.search(Index::Decisions, body).await?;
        self.parsed_hits(&v)
    }

    async fn counts(&self) -> Result<IndexCounts, StoreError> {
        let (metrics, logs, incidents, decisions) = futures_util::future::try_join4(
            self.count(Index::Metrics),
            self.count(Index::Logs),
            self.count(Index::Incidents),
            self.count(Index::Decisions),
        )
        .await?;
        Ok(IndexCounts {
            metrics,
            logs,
            incidents,
            decisions,
        })
    }

    async fn clear_telemetry(&self) -> Result<(), StoreError> {
        self.prune_ids(&KeepIds::default()).await.map(|_| ())
    }

    async fn prune_telemetry(&self, keep: &KeepIds) -> Result<(), StoreError> {
        self.prune_ids(keep).await.map(|_| ())
    }
}
