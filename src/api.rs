//! Typed data access for the views: the store the app runs on (embedded or
//! Elasticsearch through the proxy), scenario loading, the incident pipeline
//! step by step, and chart data preparation. No DOM here.

use chrono::{DateTime, TimeDelta, Utc};
use quantumstate_core::agents::{Investigation, Plan, Remediation, ReportStatus, Scan, Verdict, Verification};
use quantumstate_core::elastic::{self, ElasticStore, IndexNames, Transport};
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
            AppStore::Memory($s) => $call,
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
    async fn append_decision(&self, doc: &DecisionDoc) -> Result<(), StoreError> {
        delegate!(self, s => s.append_decision(doc).await)
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
}

/// What loading a scenario produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: SimConfig,
    pub generated: usize,
    pub fingerprint: String,
    pub truth: sim::GroundTruth,
}

/// One row of the audit panel: the record, with its context kept as compact
/// JSON text (formatted only when opened) rather than as a parsed value.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: String,
    pub doc: DecisionDoc,
    pub context: String,
}

impl From<DecisionDoc> for AuditRow {
    fn from(mut doc: DecisionDoc) -> Self {
        let context = std::mem::take(&mut doc.context).to_string();
        AuditRow {
            id: quantumstate_core::Document::doc_id(&doc),
            doc,
            context,
        }
    }
}

impl AuditRow {
    /// The context, indented for reading.
    pub fn pretty_context(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.context)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| self.context.clone())
    }
}

/// User Timing names of the last scenario's generation and write, for DevTools
/// and the benchmarks (only the latest of each is kept).
pub const MEASURE_GENERATE: &str = "qs:generate";
pub const MEASURE_WRITE: &str = "qs:write";

fn timing_start(name: &str) -> Option<web_sys::Performance> {
    let perf = web_sys::window()?.performance()?;
    perf.mark(&format!("{name}:start")).ok()?;
    Some(perf)
}

fn timing_end(name: &str, perf: Option<web_sys::Performance>) {
    if let Some(perf) = perf {
        let start = format!("{name}:start");
        perf.clear_measures_with_measure_name(name);
        let _ = perf.measure_with_start_mark(name, &start);
        perf.clear_marks_with_mark_name(&start);
    }
}

/// Load `config` into the store (see [`quantumstate_core::store::load_scenario`]),
/// timing generation and writing apart.
pub async fn load_scenario<S: Store>(
    store: &S,
    config: &SimConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Loaded, StoreError> {
    let t = timing_start(MEASURE_GENERATE);
    let data = sim::generate(config);
    timing_end(MEASURE_GENERATE, t);
    let t = timing_start(MEASURE_WRITE);
    quantumstate_core::store::load_dataset(store, config.anchor, &data, progress).await?;
    timing_end(MEASURE_WRITE, t);
    Ok(Loaded {
        config: config.clone(),
        generated: data.len(),
        fingerprint: data.fingerprint(),
        truth: data.truth,
    })
}

/// Minutes of history a live replay shows before the fault begins.
pub const REPLAY_LEAD_MINUTES: i64 = 10;

/// A live replay: everything up to shortly before the onset at once, then the
/// rest minute by minute through [`Replay::advance`].
pub struct Replay {
    pub data: sim::Dataset,
    pub now: DateTime<Utc>,
    pub loaded: Loaded,
}

impl Replay {
    pub async fn start<S: Store>(store: &S, config: &SimConfig) -> Result<Replay, StoreError> {
        let data = sim::generate(config);
        let t = data.truth.timeline;
        let now = (t.onset - TimeDelta::minutes(REPLAY_LEAD_MINUTES)).max(t.start);
        store.clear_telemetry().await?;
        store.write_incidents(&sim::seeded_incidents(config.anchor)).await?;
        let mut replay = Replay {
            loaded: Loaded {
                config: config.clone(),
                generated: data.len(),
                fingerprint: data.fingerprint(),
                truth: data.truth.clone(),
            },
            data,
            now: t.start - TimeDelta::seconds(1),
        };
        replay.write_until(store, now).await?;
        Ok(replay)
    }

    async fn write_until<S: Store>(&mut self, store: &S, until: DateTime<Utc>) -> Result<(), StoreError> {
        let from = self.now;
        let metrics: Vec<MetricDoc> = self
            .data
            .metrics
            .iter()
            .filter(|m| m.timestamp > from && m.timestamp <= until)
            .cloned()
            .collect();
        let logs: Vec<LogDoc> = self
            .data
            .logs
            .iter()
            .filter(|l| l.timestamp > from && l.timestamp <= until)
            .cloned()
            .collect();
        store.write_metrics(&metrics).await?;
        store.write_logs(&logs).await?;
        self.now = until;
        Ok(())
    }

    /// Write the next `minutes` of data; false once the data has ended.
    pub async fn advance<S: Store>(&mut self, store: &S, minutes: i64) -> Result<bool, StoreError> {
        let end = self.loaded.truth.timeline.end;
        if self.now >= end {
            return Ok(false);
        }
        let next = (self.now + TimeDelta::minutes(minutes)).min(end);
        self.write_until(store, next).await?;
        Ok(true)
    }
}

/// One service's latest readings and overall health.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceHealth {
    pub service: Service,
    pub health: Health,
    /// (metric, latest value)
    pub latest: Vec<(MetricType, f64)>,
    /// The last hour, one-minute averages, of the sparkline metrics.
    pub sparks: Vec<(MetricType, Vec<f64>)>,
}

/// The metrics the health cards draw as sparklines.
pub const SPARK_METRICS: [MetricType; 3] = [
    MetricType::MemoryPercent,
    MetricType::ErrorRate,
    MetricType::RequestLatencyMs,
];

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

/// Where an incident run stands, for the timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    pub loaded: Option<Loaded>,
    pub scan: Option<Scan>,
    pub investigation: Option<Investigation>,
    pub plan: Option<Plan>,
    pub remediation: Option<Remediation>,
    pub verification: Option<Verification>,
    pub status: Option<ReportStatus>,
    /// In a live replay, the simulated "now" reached so far.
    pub replay_now: Option<DateTime<Utc>>,
    /// The audit record of each agent, in pipeline order.
    pub decisions: [Option<DecisionDoc>; 4],
    /// Wall-clock milliseconds each agent took.
    pub elapsed_ms: [Option<f64>; 4],
}

impl RunState {
    pub fn verdict_label(&self) -> Option<&'static str> {
        self.status.map(quantumstate_core::agents::narrate::status_label)
    }
}

/// A metric series ready to draw, with everything the story needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub service: String,
    pub metric: MetricType,
    pub points: Vec<SeriesPoint>,
    pub healthy: (f64, f64),
    pub alarm: f64,
    /// Baseline median ± 3 robust σ, if Cassandra measured it.
    pub baseline_band: Option<(f64, f64)>,
    pub onset: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    /// From (time, value) at detection to the predicted alarm crossing.
    pub forecast: Option<(ChartPoint, ChartPoint)>,
    pub remediation_at: Option<DateTime<Utc>>,
    pub recovered_at: Option<DateTime<Utc>>,
}

/// A (time, value) point of an annotation.
pub type ChartPoint = (DateTime<Utc>, f64);

/// Minutes of baseline the story chart shows before the onset.
pub const CHART_LEAD_MINUTES: i64 = 60;

/// At most this many points are drawn; longer series are bucketed coarser.
pub const MAX_CHART_POINTS: i64 = 600;

/// The histogram bucket that keeps a window under [`MAX_CHART_POINTS`].
pub fn chart_bucket(window: TimeWindow, interval_secs: i64) -> TimeDelta {
    let secs = window.length().num_seconds().max(1) as u64;
    let interval = interval_secs.max(1) as u64;
    let per_point = secs.div_ceil(MAX_CHART_POINTS as u64).max(interval);
    // A whole number of sampling intervals, so buckets hold equal counts.
    TimeDelta::seconds((per_point.div_ceil(interval) * interval) as i64)
}

/// The metric that tells the run's story: Cassandra's leading symptom, or the scenario's headline.
pub fn story_metric(run: &RunState) -> (String, MetricType) {
    if let Some(d) = run.scan.as_ref().and_then(|s| s.detection.as_ref()) {
        if let Some(m) = d.primary.metric() {
            return (d.service.clone(), m);
        }
    }
    let service = run
        .loaded
        .as_ref()
        .and_then(|l| l.truth.service)
        .unwrap_or(Service::PaymentService);
    let metric = match run.loaded.as_ref().map(|l| l.config.scenario) {
        Some(sim::Scenario::MemoryLeak) => MetricType::MemoryPercent,
        _ => MetricType::ErrorRate,
    };
    (service.as_str().to_string(), metric)
}

/// Read the story metric and assemble the chart.
pub async fn chart_data<S: Store>(store: &S, run: &RunState) -> Result<Option<ChartData>, StoreError> {
    let Some(loaded) = &run.loaded else { return Ok(None) };
    let (service, metric) = story_metric(run);
    let t = loaded.truth.timeline;
    // The data ends at "now" (the replay's clock in a live run); recovery runs to the verdict.
    let data_end = run.replay_now.unwrap_or(t.end);
    let end = run
        .verification
        .as_ref()
        .map_or(data_end, |v| v.verified_at.max(data_end))
        + TimeDelta::seconds(1);
    // The story, not the whole history: an hour of baseline before the onset.
    let window = TimeWindow::new(t.start.max(t.onset - TimeDelta::minutes(CHART_LEAD_MINUTES)), end);
    let bucket = chart_bucket(window, i64::from(loaded.config.interval_secs));
    let points = store
        .metric_series(&SeriesKey::new(&service, metric.as_str()), window, bucket)
        .await?;
    Ok(Some(prepare_chart(service, metric, points, run)))
}

/// Pure part of the chart preparation (tested in the browser).
pub fn prepare_chart(service: String, metric: MetricType, points: Vec<SeriesPoint>, run: &RunState) -> ChartData {
    let detection = run
        .scan
        .as_ref()
        .and_then(|s| s.detection.as_ref())
        .filter(|d| d.service == service);
    let primary = detection
        .map(|d| &d.primary)
        .filter(|p| p.key.metric_type == metric.as_str());
    let forecast = primary.and_then(|p| {
        let f = detection?.forecast.as_ref()?;
        let minutes = f.minutes_at_detection?;
        let eta = p.detected_at + TimeDelta::seconds((minutes * 60.0) as i64);
        Some(((p.detected_at, p.value_at_detection), (eta, f.alarm_level)))
    });
    ChartData {
        service,
        metric,
        points,
        healthy: metric.healthy_range(),
        alarm: metric.alarm_level(),
        baseline_band: primary.map(|p| {
            (
                p.baseline.median - 3.0 * p.baseline.sigma,
                p.baseline.median + 3.0 * p.baseline.sigma,
            )
        }),
        onset: detection.map(|d| d.onset),
        detected_at: detection.map(|d| d.detected_at),
        forecast,
        remediation_at: run.remediation.as_ref().map(|r| r.started_at),
        recovered_at: run.verification.as_ref().and_then(|v| match v.verdict {
            Verdict::Resolved { recovered_at, .. } => Some(recovered_at),
            _ => None,
        }),
    }
}

/// Session figures for the strip at the top.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub handled: u32,
    pub resolved: u32,
    pub mttr_total_s: u64,
    pub saved_s: i64,
}

impl Tally {
    pub fn add(&mut self, run: &RunState) {
        if run.scan.as_ref().and_then(|s| s.detection.as_ref()).is_none() {
            return;
        }
        self.handled += 1;
        if let Some(Verdict::Resolved {
            mttr_seconds,
            historical_mttr_seconds,
            ..
        }) = run.verification.as_ref().map(|v| &v.verdict)
        {
            self.resolved += 1;
            self.mttr_total_s += mttr_seconds;
            if let Some(h) = historical_mttr_seconds {
                self.saved_s += *h as i64 - *mttr_seconds as i64;
            }
        }
    }

    pub fn average_mttr_min(&self) -> Option<f64> {
        (self.resolved > 0).then(|| self.mttr_total_s as f64 / 60.0 / f64::from(self.resolved))
    }
}
