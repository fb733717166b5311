//! One store contract, two stores: MemoryStore and ElasticStore through our
//! proxy, on each engine: osmem-server (the light stand-in) and OpenSearch
//! (a real Lucene engine, one node shared by this binary). The agents must
//! reach the same conclusions on both. Plus the bulk writer under 429s and
//! with a malformed document. More real-engine behaviour: tests/engine.rs.

mod support;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::TimeDelta;
use quantumstate_core::agents::{AgentConfig, IncidentReport, Pipeline};
use quantumstate_core::elastic::{BulkConfig, ElasticStore, IndexNames};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::store::{IncidentQuery, LogQuery, SeriesKey};
use quantumstate_core::{Document, Index, Level, MemoryStore, Store, StoreError, TimeWindow};
use quantumstate_server::transport::{Credentials, HttpTransport};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use quantumstate_core::elastic::FallbacksUsed;
use quantumstate_testkit::{engines, Engine, EngineKind};
use support::{anchor, elastic_via_proxy, load};

/// What the agents concluded, without incidental numbers.
fn conclusions(r: &IncidentReport) -> String {
    let d = r.scan.detection.as_ref();
    let inv = r.investigation.as_ref();
    format!(
        "{:?} | {:?} {:?} | {:?} | {:?} | {:?} | {:?}",
        r.status,
        d.map(|d| &d.service),
        d.map(|d| d.anomaly_type),
        inv.map(|i| &i.root_cause),
        inv.and_then(|i| i.similar.first())
            .map(|s| (&s.incident.service, &s.incident.anomaly_type)),
        r.plan.as_ref().map(|p| (p.action, p.target_version.clone())),
        r.decisions.iter().map(|d| d.agent).collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn both_stores_answer_the_contract_alike_and_the_agents_agree() {
    for engine in engines() {
        for scenario in Scenario::ALL {
            let used = contract(&engine, &SimConfig::new(scenario, 21, anchor())).await;
            assert_eq!(used, FallbacksUsed::default(), "{scenario} on {}", engine.kind);
        }
    }
}

/// noida-db answers as Elasticsearch 8.15 but lacks `extended_stats` and
/// answers `min`/`max` of a date with null: the store notices once, falls
/// back, and every read and every conclusion still match the memory store.
#[tokio::test]
async fn on_an_elasticsearch_8_persona_lacking_aggregations_the_store_falls_back_and_agrees() {
    let engine = Engine::start(EngineKind::Noida);
    for scenario in Scenario::ALL {
        let used = contract(&engine, &SimConfig::new(scenario, 21, anchor())).await;
        assert!(
            used.no_extended_stats && used.null_date_aggregations,
            "{scenario}: {used:?}"
        );
    }
}

/// Days of history: Cassandra's baselines and the per-series fallback past
/// 20,000 histogram buckets read what a long-running platform would hold.
#[tokio::test]
async fn the_contract_holds_over_two_days_of_history() {
    for engine in engines() {
        let mut config = SimConfig::new(Scenario::MemoryLeak, 5, anchor());
        config.history_minutes = 2 * 24 * 60;
        config.interval_secs = 60;
        contract(&engine, &config).await;
    }
}

/// The contract on one engine: a memory store and an Elasticsearch store
/// (through the proxy, in indices of its own) loaded with `config` answer
/// every read alike, and the agents conclude the same on both.
async fn contract(engine: &Engine, config: &SimConfig) -> FallbacksUsed {
    let scenario = config.scenario;
    let on = engine.kind;
    {
        // Each scenario in its own indices, as the memory store is fresh each time.
        let elastic = elastic_via_proxy(&engine.url, &engine.prefix(&format!("contract-{scenario}"))).await;
        assert_eq!(elastic.setup(anchor()).await.unwrap().created.len(), 4);
        let memory = MemoryStore::new();
        let data = load(&memory, config).await;
        load(&elastic, config).await;

        // Counts match what was generated: nothing lost, nothing duplicated.
        let (m, e) = (memory.counts().await.unwrap(), elastic.counts().await.unwrap());
        assert_eq!(
            (e.metrics, e.logs),
            (data.metrics.len() as u64, data.logs.len() as u64),
            "{scenario} on {on}"
        );
        assert_eq!(
            (m.metrics, m.logs, m.incidents),
            (e.metrics, e.logs, e.incidents),
            "{scenario} on {on}"
        );

        let window = data.truth.timeline.window();
        let keys = memory.series_keys(window).await.unwrap();
        assert_eq!(keys, elastic.series_keys(window).await.unwrap());
        // Every series in one aggregation equals the per-series answers.
        let bucket = TimeDelta::seconds(30);
        let (all_m, all_e) = (
            memory.all_series(window, bucket).await.unwrap(),
            elastic.all_series(window, bucket).await.unwrap(),
        );
        assert_eq!(
            all_e.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            keys,
            "{scenario} on {on}"
        );
        for ((km, pm), (ke, pe)) in all_m.iter().zip(&all_e) {
            assert_eq!(km, ke);
            assert_eq!(pe, &elastic.metric_series(ke, window, bucket).await.unwrap(), "{ke:?}");
            assert_eq!(pm.len(), pe.len(), "{km:?}");
            for (a, b) in pm.iter().zip(pe) {
                assert_eq!((a.at, a.count), (b.at, b.count));
                assert!((a.avg - b.avg).abs() < 1e-3, "{a:?} vs {b:?}");
            }
        }
        let key = SeriesKey::new("auth-service", "error_rate");
        let (ms, es) = (
            memory
                .metric_series(&key, window, TimeDelta::seconds(60))
                .await
                .unwrap(),
            elastic
                .metric_series(&key, window, TimeDelta::seconds(60))
                .await
                .unwrap(),
        );
        assert_eq!(ms.len(), es.len());
        for (a, b) in ms.iter().zip(&es) {
            assert_eq!((a.at, a.count), (b.at, b.count));
            assert!(
                (a.avg - b.avg).abs() < 1e-3 && (a.max - b.max).abs() < 1e-3,
                "{a:?} vs {b:?}"
            );
        }
        let (a, b) = (
            memory.metric_stats(&key, window).await.unwrap().unwrap(),
            elastic.metric_stats(&key, window).await.unwrap().unwrap(),
        );
        assert_eq!(a.count, b.count);
        assert!((a.mean - b.mean).abs() < 1e-3 && (a.std_dev - b.std_dev).abs() < 1e-3);
        assert_eq!(
            memory.metric_time_range().await.unwrap(),
            elastic.metric_time_range().await.unwrap()
        );

        let service = data
            .truth
            .service
            .map(|s| s.as_str().to_string())
            .unwrap_or("payment-service".into());
        for (min_level, words) in [
            (Level::Warn, vec![]),
            (Level::Info, vec!["deploy".to_string()]),
            (Level::Error, vec![]),
        ] {
            let q = LogQuery {
                service: Some(service.clone()),
                min_level,
                window,
                words,
                limit: 5_000,
            };
            let (a, b) = (memory.logs(&q).await.unwrap(), elastic.logs(&q).await.unwrap());
            let ids = |v: &[quantumstate_core::LogDoc]| {
                v.iter().map(|l| l.doc_id()).collect::<std::collections::BTreeSet<_>>()
            };
            assert_eq!(ids(&a), ids(&b), "{scenario} {min_level:?} on {on}");
            assert_eq!(
                memory.count_logs(&q).await.unwrap(),
                elastic.count_logs(&q).await.unwrap()
            );
        }
        assert_eq!(
            memory.error_codes(&service, window).await.unwrap(),
            elastic.error_codes(&service, window).await.unwrap()
        );
        let q = IncidentQuery {
            service: None,
            anomaly_type: Some("memory_leak_progressive".into()),
            limit: 10,
        };
        assert_eq!(
            memory.incidents(&q).await.unwrap(),
            elastic.incidents(&q).await.unwrap()
        );

        // The agents reach the same conclusions on both stores.
        let on_memory = Pipeline::new(&memory, AgentConfig::default())
            .run(data.truth.timeline.end)
            .await
            .unwrap();
        let on_elastic = Pipeline::new(&elastic, AgentConfig::default())
            .run(data.truth.timeline.end)
            .await
            .unwrap();
        assert_eq!(conclusions(&on_memory), conclusions(&on_elastic), "{scenario} on {on}");
        // Every record of the run is searchable once it returns (the run's
        // last record refreshes them all), newest first.
        let trail = elastic.decisions(10).await.unwrap();
        let texts = |d: &mut dyn Iterator<Item = &quantumstate_core::DecisionDoc>| {
            d.map(|d| d.decision.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            texts(&mut trail.iter()),
            texts(&mut on_elastic.decisions.iter().rev()),
            "{scenario} on {on}"
        );
        elastic.fallbacks()
    }
}

#[tokio::test]
async fn setup_twice_changes_nothing_and_never_deletes_history() {
    for engine in engines() {
        setup_twice(&engine).await;
    }
}

async fn setup_twice(engine: &Engine) {
    let store = elastic_via_proxy(&engine.url, &engine.prefix("setup")).await;
    let first = store.setup(anchor()).await.unwrap();
    assert_eq!((first.created.len(), first.incidents_written), (4, 4));
    let config = SimConfig::new(Scenario::MemoryLeak, 1, anchor());
    let data = load(&store, &config).await;
    Pipeline::new(&store, AgentConfig::default())
        .run(data.truth.timeline.end)
        .await
        .unwrap();
    let before = store.counts().await.unwrap();
    assert_eq!(before.incidents, 5, "4 seeded + 1 resolved");
    // Later, again: indices exist, seeded incidents overwrite themselves.
    let again = store.setup(anchor() + TimeDelta::days(1)).await.unwrap();
    assert_eq!((again.created.len(), again.existing.len()), (0, 4));
    assert_eq!(store.counts().await.unwrap(), before);
    // The reset clears telemetry only.
    store.clear_telemetry().await.unwrap();
    let after = store.counts().await.unwrap();
    assert_eq!(
        (after.metrics, after.logs, after.incidents, after.decisions),
        (0, 0, 5, before.decisions)
    );
}

/// A malformed document: the writer names exactly it, and writes the others.
#[derive(serde::Serialize)]
struct Raw(serde_json::Value);

impl Document for Raw {
    const INDEX: Index = Index::Metrics;
    fn doc_id(&self) -> String {
        self.0["id"].as_str().unwrap_or_default().to_string()
    }
}

#[tokio::test]
async fn a_bulk_with_one_malformed_document_reports_exactly_that_document() {
    for engine in engines() {
        malformed(&engine).await;
    }
}

/// A date field given a word: a real mapping error, per item.
async fn malformed(engine: &Engine) {
    // Straight to the cluster: the proxy refuses documents outside the data model (tests/corpus.rs).
    let store = quantumstate_server::cli::elastic_store(&engine.url, &engine.prefix("bad")).unwrap();
    store.setup(anchor()).await.unwrap();
    let mut docs: Vec<Raw> = (0..50)
        .map(|i| {
            Raw(
                serde_json::json!({ "id": format!("ok-{i}"), "@timestamp": "2026-02-13T14:00:00Z", "service": "s",
                "region": "r", "metric_type": "m", "value": i, "unit": "u" }),
            )
        })
        .collect();
    docs[17] = Raw(serde_json::json!({ "id": "broken", "@timestamp": "yesterday-ish", "service": "s", "value": 1 }));
    let err = store.bulk(&docs, &mut |_| {}).await.unwrap_err();
    let StoreError::PartialWrite { total, failures } = err else {
        panic!("{err:?}")
    };
    assert_eq!(total, 50);
    assert_eq!(failures.len(), 1);
    assert_eq!((failures[0].id.as_str(), failures[0].status), ("broken", 400));
    assert!(!failures[0].reason.is_empty());
    assert_eq!(store.counts().await.unwrap().metrics, 49);
}

/// An upstream that is overloaded for a while: the first two bulk requests get
/// a whole-request 429, the next two get 429 for the second half of their
/// items (the first half really goes to Elasticsearch), then it recovers.
#[derive(Clone)]
struct Throttle {
    es: String,
    client: reqwest::Client,
    bulks: Arc<AtomicUsize>,
}

async fn throttled(State(t): State<Throttle>, request: axum::extract::Request) -> axum::response::Response {
    let method = request.method().clone();
    let path_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let body: Bytes = axum::body::to_bytes(request.into_body(), 64 << 20).await.unwrap();
    let m = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let forward = |body: Bytes, kind: &str| {
        let request = t.client.request(m.clone(), format!("{}{}", t.es, path_query));
        if body.is_empty() {
            request
        } else {
            request.header("content-type", kind).body(body)
        }
    };
    if !path_query.contains("_bulk") {
        let r = forward(body, "application/json").send().await.unwrap();
        return (
            StatusCode::from_u16(r.status().as_u16()).unwrap(),
            r.bytes().await.unwrap(),
        )
            .into_response();
    }
    let n = t.bulks.fetch_add(1, Ordering::SeqCst);
    if n < 2 {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "{\"error\":{\"reason\":\"es_rejected_execution_exception\"}}",
        )
            .into_response();
    }
    if n < 4 {
        let text = String::from_utf8(body.to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let pairs = lines.len() / 2;
        let keep = pairs / 2;
        let first: String = lines[..keep * 2].iter().map(|l| format!("{l}\n")).collect();
        let r = forward(Bytes::from(first), "application/x-ndjson")
            .send()
            .await
            .unwrap();
        let mut answer: serde_json::Value = r.json().await.unwrap();
        let items = answer["items"].as_array_mut().unwrap();
        for _ in keep..pairs {
            items.push(serde_json::json!({ "index": { "status": 429, "error": { "type": "es_rejected_execution_exception", "reason": "queue full" } } }));
        }
        answer["errors"] = serde_json::json!(true);
        return axum::Json(answer).into_response();
    }
    let r = forward(body, "application/x-ndjson").send().await.unwrap();
    (
        StatusCode::from_u16(r.status().as_u16()).unwrap(),
        r.bytes().await.unwrap(),
    )
        .into_response()
}

#[tokio::test]
async fn the_writer_retries_429s_and_loses_nothing() {
    for engine in engines() {
        retries_429s(&engine).await;
    }
}

async fn retries_429s(engine: &Engine) {
    let throttle = Throttle {
        es: engine.url.clone(),
        client: reqwest::Client::new(),
        bulks: Arc::new(AtomicUsize::new(0)),
    };
    let upstream = support::spawn_router(axum::Router::new().fallback(throttled).with_state(throttle.clone())).await;
    let store = elastic_via_proxy(&upstream, &engine.prefix("throttle"))
        .await
        .with_bulk_config(BulkConfig {
            max_docs: 3_000,
            base_backoff_ms: 5,
            max_backoff_ms: 50,
            ..BulkConfig::default()
        });
    // Set-up's own bulk (the seeded incidents) already meets the overload and gets through.
    assert_eq!(store.setup(anchor()).await.unwrap().incidents_written, 4);
    assert_eq!(store.counts().await.unwrap().incidents, 4);
    throttle.bulks.store(0, Ordering::SeqCst);
    let data = sim::generate(&SimConfig::new(Scenario::ErrorSpike, 3, anchor()));
    let mut seen = Vec::new();
    let report = store.bulk(&data.metrics, &mut |p| seen.push(p)).await.unwrap();
    assert_eq!(report.written, data.metrics.len() as u64);
    assert!(report.retries >= 3, "{report:?}");
    assert!(throttle.bulks.load(Ordering::SeqCst) >= 5);
    assert_eq!(store.counts().await.unwrap().metrics, data.metrics.len() as u64);
    assert_eq!(
        seen.last().map(|p| (p.written, p.total)),
        Some((data.metrics.len(), data.metrics.len()))
    );
    assert!(
        seen.windows(2).all(|w| w[0].written <= w[1].written),
        "progress only grows"
    );
}

#[tokio::test]
async fn a_store_behind_a_dead_proxy_fails_with_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let transport = HttpTransport::new(
        &format!("http://127.0.0.1:{port}/es"),
        Credentials::default(),
        Duration::from_secs(2),
    )
    .unwrap();
    let store = ElasticStore::new(transport, IndexNames::default());
    let err = store.counts().await.unwrap_err();
    assert!(matches!(err, StoreError::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains("cannot reach"), "{err}");
    let window = TimeWindow::new(anchor() - TimeDelta::hours(1), anchor());
    assert!(store.series_keys(window).await.is_err());
}

/// Click after click on one store: each run writes only what the store
/// lacks (healthy history is a function of its own time, so runs minutes
/// apart share most documents), the same run again writes nothing, and after
/// every run the store holds exactly that run: the same answers as a fresh
/// memory store loaded with it.
#[tokio::test]
async fn consecutive_runs_write_only_what_the_store_lacks_and_hold_exactly_the_last() {
    use Scenario::*;
    for engine in engines() {
        let elastic = elastic_via_proxy(&engine.url, &engine.prefix("sync")).await;
        elastic.setup(anchor()).await.unwrap();
        let mut at = anchor();
        let runs = [
            (Healthy, 0),
            (MemoryLeak, 7),
            (MemoryLeak, 0),
            (ErrorSpike, 3),
            (RedHerring, 30),
            (DeploymentRollback, 1),
            (Healthy, 50),
        ];
        for (n, (scenario, minutes_later)) in runs.into_iter().enumerate() {
            at += TimeDelta::minutes(minutes_later);
            let data = sim::generate(&SimConfig::new(scenario, 21, at));
            let mut kept = None;
            quantumstate_core::store::load_dataset(&elastic, at, &data, &mut |done, _| {
                kept.get_or_insert(done);
            })
            .await
            .unwrap_or_else(|e| panic!("run {n} ({scenario}) on {}: {e}", engine.kind));
            let kept = kept.unwrap_or(0);
            let context = format!("run {n} ({scenario}, +{minutes_later} min) on {}", engine.kind);
            match (n, minutes_later) {
                (0, _) => assert_eq!(kept, 0, "{context}: an empty store holds nothing"),
                (_, 0) => assert_eq!(kept, data.len(), "{context}: the same run again writes nothing"),
                _ => assert!(
                    kept * 3 > data.len() * 2,
                    "{context}: only {kept} of {} kept",
                    data.len()
                ),
            }
            let memory = MemoryStore::new();
            load(&memory, &SimConfig::new(scenario, 21, at)).await;
            let window = data.truth.timeline.window();
            let everything = TimeWindow::new(window.start - TimeDelta::days(1), window.end + TimeDelta::days(1));
            let bucket = TimeDelta::seconds(30);
            let (m, e) = (
                memory.all_series(everything, bucket).await.unwrap(),
                elastic.all_series(everything, bucket).await.unwrap(),
            );
            assert_eq!(m.len(), e.len(), "{context}");
            for ((km, pm), (ke, pe)) in m.iter().zip(&e) {
                assert_eq!(km, ke, "{context}");
                assert_eq!(pm.len(), pe.len(), "{context}: {km:?}");
                for (a, b) in pm.iter().zip(pe) {
                    assert_eq!((a.at, a.count), (b.at, b.count), "{context}: {km:?}");
                    assert!((a.avg - b.avg).abs() < 1e-3, "{context}: {a:?} vs {b:?}");
                }
            }
            let q = LogQuery {
                service: None,
                min_level: Level::Debug,
                window: everything,
                words: vec![],
                limit: 10_000,
            };
            let ids = |v: Vec<quantumstate_core::LogDoc>| {
                v.iter().map(|l| l.doc_id()).collect::<std::collections::BTreeSet<_>>()
            };
            assert_eq!(
                ids(memory.logs(&q).await.unwrap()),
                ids(elastic.logs(&q).await.unwrap()),
                "{context}"
            );
        }
    }
}
