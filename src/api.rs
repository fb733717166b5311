//! Typed data access: the store the app runs on (embedded or Elasticsearch
//! through the proxy), scenario loading, live replay, and the queries behind
//! the health cards and the story chart. What the answers become on screen is
//! in [`crate::view_model`]. No DOM here.

use crate::view_model::{chart_bucket, prepare_chart, story_metric, ChartData, Loaded, RunState, ServiceHealth};
use crate::view_model::{CHART_LEAD_MINUTES, SPARK_METRICS};
use chrono::{DateTime, TimeDelta, Utc};
use quantumstate_core::elastic::{self, ElasticStore, IndexNames, Transport};
use quantumstate_core::replay::Replay;
use quantumstate_core::sim::{self, SimConfig};
use quantumstate_core::store::*;
use quantumstate_core::{
    DecisionDoc, Health, IncidentDoc, LogDoc, MemoryStore, MetricDoc, MetricType, Service, Store, StoreError,
    TimeWindow,
};
use std::rc::Rc;

/// HTTP to the proxy with gloo-net (the browser's fetch).
pub struct GlooTransport {
    /// e.g. `/es` (same origin) or `http://host:8080/es`.
    pub base: String,
}

impl Transport for GlooTransport {
    async fn send(&self, request: elastic::Request) -> Result<elastic::Response, StoreError> {
        use gloo_net::http::{Method, RequestBuilder};
        let method = match request.method {
            elastic::Method::Get => Method::GET,
            elastic::Method::Head => Method::HEAD,
            elastic::Method::Post => Method::POST,
            elastic::Method::Put => Method::PUT,
        };
        let url = format!("{}{}", self.base.trim_end_matches('/'), request.path);
        let builder = RequestBuilder::new(&url).method(method);
        let built = match request.body {
            Some(body) => builder
                .header(
                    "content-type",
                    if request.ndjson {
                        "application/x-ndjson"
                    } else {
                        "application/json"
                    },
                )
                .body(body),
            None => builder.build(),
        }
        .map_err(|e| StoreError::Unreachable(e.to_string()))?;
        let response = built
            .send()
            .await
            .map_err(|e| StoreError::Unreachable(format!("proxy at {} did not answer ({e})", self.base)))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Ok(elastic::Response { status, body })
    }

    async fn sleep_ms(&self, ms: u64) {
        gloo_timers::future::TimeoutFuture::new(ms.min(u64::from(u32::MAX)) as u32).await;
    }
}

/// The store the app runs on.
#[derive(Clone)]
pub enum AppStore {
    Memory(Rc<MemoryStore>),
    Elastic(Rc<ElasticStore<GlooTransport>>),
}

impl AppStore {
    pub fn embedded() -> Self {
        AppStore::Memory(Rc::new(MemoryStore::new()))
    }

    pub fn elastic(proxy_base: &str) -> Self {
        AppStore::Elastic(Rc::new(ElasticStore::new(
            GlooTransport {
                base: proxy_base.to_string(),
            },
            IndexNames::default(),
        )))
    }

    pub fn label(&self) -> &'static str {
        match self {
            AppStore::Memory(_) => "Embedded store",
            AppStore::Elastic(_) => "Elasticsearch",
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AppStore::Memory($s) => {
                pace().await;
                $call
            }
            AppStore::Elastic($s) => $call,
        }
    };
}

impl Store for AppStore {
    async fn write_metrics(&self, docs: &[MetricDoc]) -> Result<u64, StoreError> {
        delegate!(self, s => s.write_metrics(docs).await)
    }
    async fn write_logs(&self, docs: &[LogDoc]) -> Result<u64, StoreError> {
        delegate!(self, s => s.write_logs(docs).await)
    }
    async fn write_incidents(&self, docs: &[IncidentDoc]) -> Result<u64, StoreError> {
        delegate!(self, s => s.write_incidents(docs).await)
    }
    async fn append_decision(&self, doc: &DecisionDoc, visible: Visible) -> Result<(), StoreError> {
        delegate!(self, s => s.append_decision(doc, visible).await)
    }
    async fn write_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        match self {
            // In small writes, each paced like every embedded query (`delegate!`).
            AppStore::Memory(_) => write_in_chunks(self, metrics, logs, WRITE_SLICE, progress).await,
            // Elasticsearch writes both indices together, with one refresh at the end.
            AppStore::Elastic(s) => s.write_telemetry(metrics, logs, progress).await,
        }
    }
    async fn replace_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        match self {
            AppStore::Memory(s) => {
                s.clear_telemetry().await?;
                self.write_telemetry(metrics, logs, progress).await
            }
            // Elasticsearch writes only what it does not already hold.
            AppStore::Elastic(s) => s.replace_telemetry(metrics, logs, progress).await,
        }
    }
    async fn series_keys(&self, window: TimeWindow) -> Result<Vec<SeriesKey>, StoreError> {
        delegate!(self, s => s.series_keys(window).await)
    }
    async fn metric_series(
        &self,
        key: &SeriesKey,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        delegate!(self, s => s.metric_series(key, window, bucket).await)
    }
    async fn all_series(
        &self,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<(SeriesKey, Vec<SeriesPoint>)>, StoreError> {
        delegate!(self, s => s.all_series(window, bucket).await)
    }
    async fn metric_stats(&self, key: &SeriesKey, window: TimeWindow) -> Result<Option<MetricStats>, StoreError> {
        delegate!(self, s => s.metric_stats(key, window).await)
    }
    async fn metric_time_range(&self) -> Result<Option<DataSpan>, StoreError> {
        delegate!(self, s => s.metric_time_range().await)
    }
    async fn logs(&self, query: &LogQuery) -> Result<Vec<LogDoc>, StoreError> {
        delegate!(self, s => s.logs(query).await)
    }
    async fn count_logs(&self, query: &LogQuery) -> Result<u64, StoreError> {
        delegate!(self, s => s.count_logs(query).await)
    }
    async fn error_codes(&self, service: &str, window: TimeWindow) -> Result<Vec<ErrorCodeCount>, StoreError> {
        delegate!(self, s => s.error_codes(service, window).await)
    }
    async fn incidents(&self, query: &IncidentQuery) -> Result<Vec<IncidentDoc>, StoreError> {
        delegate!(self, s => s.incidents(query).await)
    }
    async fn decisions(&self, limit: usize) -> Result<Vec<DecisionDoc>, StoreError> {
        delegate!(self, s => s.decisions(limit).await)
    }
    async fn counts(&self) -> Result<IndexCounts, StoreError> {
        delegate!(self, s => s.counts().await)
    }
    async fn clear_telemetry(&self) -> Result<(), StoreError> {
        delegate!(self, s => s.clear_telemetry().await)
    }
    async fn prune_telemetry(&self, keep: &KeepIds) -> Result<(), StoreError> {
        delegate!(self, s => s.prune_telemetry(keep).await)
    }
}

/// User Timing names of the last scenario's generation and write, for DevTools
/// and the benchmarks (only the latest of each is kept).
pub const MEASURE_GENERATE: &str = "qs:generate";
pub const MEASURE_WRITE: &str = "qs:write";
/// Your data: choosing the files → every file read into the store; the advisory analysis.
pub const MEASURE_OWN_READ: &str = "qs:own-read";
pub const MEASURE_OWN_ANALYSIS: &str = "qs:own-analysis";

pub(crate) fn timing_start(name: &str) -> Option<web_sys::Performance> {
    let perf = web_sys::window()?.performance()?;
    perf.mark(&format!("{name}:start")).ok()?;
    Some(perf)
}

pub(crate) fn timing_end(name: &str, perf: Option<web_sys::Performance>) {
    if let Some(perf) = perf {
        let start = format!("{name}:start");
        perf.clear_measures_with_measure_name(name);
        let _ = perf.measure_with_start_mark(name, &start);
        perf.clear_marks_with_mark_name(&start);
    }
}

/// End the current task and go on in a new one, after the browser has had its
/// turn (input, paint). The embedded store answers at once, so without this a
/// run (generation, writing, the four agents, the panels) would hold the main
/// thread as one long task; with Elasticsearch every query waits anyway.
pub async fn yield_to_browser() {
    // `scheduler.yield()` where the browser has it (Chromium 129+, Firefox
    // 142+): the run goes on first in the queue after the browser's turn,
    // where chained zero timeouts would each wait at least 4 ms once nested
    // five deep (the HTML timer clamp).
    match scheduler_yield() {
        Some(promise) => {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        None => gloo_timers::future::TimeoutFuture::new(0).await,
    }
    SLICE_START.set(now_ms());
}

fn scheduler_yield() -> Option<js_sys::Promise> {
    use wasm_bindgen::JsCast;
    let scheduler = js_sys::Reflect::get(&js_sys::global(), &"scheduler".into()).ok()?;
    let f = js_sys::Reflect::get(&scheduler, &"yield".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    f.call0(&scheduler).ok()?.dyn_into::<js_sys::Promise>().ok()
}

/// The embedded store's queries run at most this long in one task before it
/// lets the browser in (see [`pace`]): well under the 50 ms of a long task
/// even on a phone four times slower than this machine.
const SLICE_MS: f64 = 8.0;

/// Documents written to the embedded store, or digested, between two looks at
/// the clock: 1–3 ms of work on a first (not yet optimised) run here.
const WRITE_SLICE: usize = 250;

thread_local!(static SLICE_START: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) });

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Before an embedded-store query: when the task has run [`SLICE_MS`] since
/// the last yield, yield (the four agents query the store dozens of times, and
/// it answers each at once). Elasticsearch's queries wait on the network anyway.
async fn pace() {
    if now_ms() - SLICE_START.get() > SLICE_MS {
        yield_to_browser().await;
    }
}

/// Load `config` into the store (see [`quantumstate_core::store::load_scenario`]),
/// timing generation and writing apart (each in tasks of a few milliseconds, see [`pace`]).
pub async fn load_scenario<S: Store>(
    store: &S,
    config: &SimConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Loaded, StoreError> {
    let t = timing_start(MEASURE_GENERATE);
    let mut steps = sim::Generation::new(config);
    while steps.step() {
        pace().await;
    }
    let data = steps.finish();
    timing_end(MEASURE_GENERATE, t);
    yield_to_browser().await;
    let t = timing_start(MEASURE_WRITE);
    quantumstate_core::store::load_dataset(store, config.anchor, &data, progress).await?;
    timing_end(MEASURE_WRITE, t);
    yield_to_browser().await;
    let fingerprint = fingerprint(&data).await;
    Ok(Loaded::of(config, &data, fingerprint))
}

/// [`sim::Dataset::fingerprint`], in slices of a few milliseconds: on a first
/// run it formats every document as JSON, a long task in one piece.
async fn fingerprint(data: &sim::Dataset) -> String {
    let mut f = sim::Fingerprint::default();
    for chunk in data.metrics.chunks(WRITE_SLICE) {
        pace().await;
        f.add(chunk);
    }
    for chunk in data.logs.chunks(WRITE_SLICE) {
        pace().await;
        f.add(chunk);
    }
    f.finish()
}

/// Start a live replay (see [`quantumstate_core::replay`]) and say what it loaded.
pub async fn start_replay<S: Store>(store: &S, config: &SimConfig) -> Result<(Replay, Loaded), StoreError> {
    let replay = Replay::start(store, config).await?;
    let loaded = Loaded::of(config, &replay.data, fingerprint(&replay.data).await);
    Ok((replay, loaded))
}

/// How far back the health cards look for a service's latest reading.
pub const HEALTH_LOOKBACK_MINUTES: i64 = 60;

/// The latest reading of every metric of every service at `now`, and its health.
pub async fn platform_health<S: Store>(store: &S, now: DateTime<Utc>) -> Result<Vec<ServiceHealth>, StoreError> {
    // The latest reading at or before `now`: services the run did not touch
    // stop at the end of the generated data, the remediated one goes on.
    let window = TimeWindow::ending_at(now + TimeDelta::seconds(1), TimeDelta::minutes(HEALTH_LOOKBACK_MINUTES));
    let mut out = Vec::new();
    for service in Service::ALL {
        let mut latest = Vec::new();
        let mut sparks = Vec::new();
        for metric in MetricType::ALL {
            let key = SeriesKey::new(service.as_str(), metric.as_str());
            let minutes = store.metric_series(&key, window, TimeDelta::seconds(60)).await?;
            if let Some(p) = minutes.last() {
                latest.push((metric, p.avg));
            }
            if SPARK_METRICS.contains(&metric) {
                sparks.push((metric, minutes.iter().map(|p| p.avg).collect()));
            }
        }
        if latest.is_empty() {
            continue; // not in this data (someone else's data names other services)
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
            sparks,
        });
    }
    Ok(out)
}

/// Read the story metric and assemble the chart.
pub async fn chart_data<S: Store>(store: &S, run: &RunState) -> Result<Option<ChartData>, StoreError> {
    // (first reading, onset, end of the data, reading interval): the scenario's, or the user's data's.
    let (start, onset, data_end, interval) = match (&run.loaded, &run.own) {
        (Some(l), _) => {
            let t = l.truth.timeline;
            // The data ends at "now" (the replay's clock in a live run).
            (
                t.start,
                t.onset,
                run.replay_now.unwrap_or(t.end),
                i64::from(l.config.interval_secs),
            )
        }
        (None, Some(o)) => (
            o.start,
            run.detection().map_or(o.end, |d| d.onset),
            o.end,
            o.interval_secs,
        ),
        (None, None) => return Ok(None),
    };
    let (service, metric) = story_metric(run);
    let end = run
        .verification
        .as_ref()
        .map_or(data_end, |v| v.verified_at.max(data_end))
        + TimeDelta::seconds(1);
    // The story, not the whole history: an hour of baseline before the onset.
    let window = TimeWindow::new(start.max(onset - TimeDelta::minutes(CHART_LEAD_MINUTES)), end);
    let bucket = chart_bucket(window, interval);
    let points = store
        .metric_series(&SeriesKey::new(&service, metric.as_str()), window, bucket)
        .await?;
    Ok(Some(prepare_chart(service, metric, points, run)))
}
