//! What a real engine does that a stand-in may not: near-real-time search
//! (a write is searchable only after a refresh), per-item errors from Lucene's
//! mappings and versioning, and a node that goes away mid-ingest. Each runs
//! on osmem-server and on OpenSearch (the node that stops is one of its own).

mod support;

use quantumstate_core::elastic::{BulkConfig, BulkOp};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::store::LogQuery;
use quantumstate_core::{Document, Level, MetricDoc, Store, StoreError};
use quantumstate_testkit::{engines, opensearch};
use support::{anchor, elastic_via_proxy};

fn metrics(n: usize) -> Vec<MetricDoc> {
    let mut config = SimConfig::new(Scenario::Healthy, 9, anchor());
    config.history_minutes = 600;
    let data = sim::generate(&config);
    assert!(data.metrics.len() >= n, "{} metrics generated", data.metrics.len());
    data.metrics.into_iter().take(n).collect()
}

/// Once a bulk write returns, the last chunk is searchable: the writer sends
/// it alone, after the others, with `refresh=wait_for`. On OpenSearch a write
/// is otherwise visible only after the next refresh (every second).
#[tokio::test]
async fn a_finished_bulk_write_is_searchable_at_once_last_chunk_included() {
    for engine in engines() {
        let store = elastic_via_proxy(&engine.url, &engine.prefix("nrt"))
            .await
            .with_bulk_config(BulkConfig {
                max_docs: 400,
                ..BulkConfig::default()
            });
        store.setup(anchor()).await.unwrap();
        for round in 0..3 {
            let docs = metrics(1_000 + 700 * round);
            let report = store.bulk(&docs, &mut |_| {}).await.unwrap();
            assert_eq!(report.written, docs.len() as u64, "{}", engine.kind);
            // No wait, no retry: counted and found right away.
            assert_eq!(
                store.counts().await.unwrap().metrics,
                docs.len() as u64,
                "{} round {round}",
                engine.kind
            );
            let last = docs.last().unwrap();
            let key = quantumstate_core::store::SeriesKey::new(&last.service, &last.metric_type);
            let window =
                quantumstate_core::TimeWindow::new(last.timestamp, last.timestamp + chrono::TimeDelta::seconds(1));
            let stats = store.metric_stats(&key, window).await.unwrap();
            assert_eq!(stats.map(|s| s.count), Some(1), "{} round {round}", engine.kind);
        }
        // The app's load path refreshes once at the end instead: also exact at once.
        let data = quantumstate_core::store::load_scenario(
            &store,
            &SimConfig::new(Scenario::ErrorSpike, 4, anchor()),
            &mut |_, _| {},
        )
        .await
        .unwrap();
        let q = LogQuery {
            service: None,
            min_level: Level::Debug,
            window: data.truth.timeline.window(),
            words: vec![],
            limit: 1,
        };
        assert_eq!(
            store.count_logs(&q).await.unwrap(),
            data.logs.len() as u64,
            "{}",
            engine.kind
        );
    }
}

/// Write-once (`create`) over documents already there: the engine answers
/// 409 (version conflict) for exactly those, and the new ones are written.
#[tokio::test]
async fn version_conflicts_are_reported_per_document_and_the_rest_is_written() {
    for engine in engines() {
        let store = elastic_via_proxy(&engine.url, &engine.prefix("conflict")).await;
        store.setup(anchor()).await.unwrap();
        let docs = metrics(900);
        store.bulk(&docs[..600], &mut |_| {}).await.unwrap();
        let once = store.with_bulk_config(BulkConfig {
            op: BulkOp::Create,
            max_docs: 250,
            ..BulkConfig::default()
        });
        let err = once.bulk(&docs[500..], &mut |_| {}).await.unwrap_err();
        let StoreError::PartialWrite { total, failures } = err else {
            panic!("{}: {err:?}", engine.kind)
        };
        assert_eq!(total, 400);
        let mut failed: Vec<String> = failures.iter().map(|f| f.id.clone()).collect();
        failed.sort();
        let mut expected: Vec<String> = docs[500..600].iter().map(|d| d.doc_id()).collect();
        expected.sort();
        assert_eq!(failed, expected, "{}", engine.kind);
        assert!(
            failures.iter().all(|f| f.status == 409),
            "{}: {:?}",
            engine.kind,
            failures[0]
        );
        assert_eq!(once.counts().await.unwrap().metrics, 900, "{}", engine.kind);
    }
}

/// A value no mapping accepts (a word in a float field): exactly that document fails.
#[tokio::test]
async fn a_mapping_conflict_fails_only_its_document() {
    #[derive(serde::Serialize)]
    struct Raw(serde_json::Value);
    impl Document for Raw {
        const INDEX: quantumstate_core::Index = quantumstate_core::Index::Metrics;
        fn doc_id(&self) -> String {
            self.0["id"].as_str().unwrap_or_default().to_string()
        }
    }
    for engine in engines() {
        // Straight to the cluster: the proxy refuses documents outside the data model.
        let store = quantumstate_server::cli::elastic_store(&engine.url, &engine.prefix("mapping")).unwrap();
        store.setup(anchor()).await.unwrap();
        let mut docs: Vec<Raw> = (0..30)
            .map(|i| {
                Raw(
                    serde_json::json!({ "id": format!("ok-{i}"), "@timestamp": "2026-02-13T14:00:00Z",
                "service": "s", "region": "r", "metric_type": "m", "value": i, "unit": "u" }),
                )
            })
            .collect();
        docs[29] = Raw(serde_json::json!({ "id": "word", "@timestamp": "2026-02-13T14:00:00Z",
            "service": "s", "region": "r", "metric_type": "m", "value": "high", "unit": "u" }));
        let err = store.bulk(&docs, &mut |_| {}).await.unwrap_err();
        let StoreError::PartialWrite { failures, .. } = err else {
            panic!("{}: {err:?}", engine.kind)
        };
        assert_eq!(failures.len(), 1, "{}", engine.kind);
        assert_eq!(
            (failures[0].id.as_str(), failures[0].status),
            ("word", 400),
            "{}",
            engine.kind
        );
        assert_eq!(store.counts().await.unwrap().metrics, 29, "{}", engine.kind);
    }
}

/// The node goes away while a scenario is being written: the load fails with
/// an error that says the engine cannot be reached, and claims nothing.
#[tokio::test]
async fn a_node_stopped_mid_ingest_fails_the_load_clearly_and_claims_nothing() {
    let log = std::env::temp_dir().join(format!("qs-engine-stopped-{}.log", std::process::id()));
    let (mut node, url, _) = opensearch(&log);
    let engine_url = url.clone();
    let store = elastic_via_proxy(&engine_url, "stopped-")
        .await
        .with_bulk_config(BulkConfig {
            max_docs: 500,
            in_flight: 2,
            ..BulkConfig::default()
        });
    store.setup(anchor()).await.unwrap();
    let mut config = SimConfig::new(Scenario::MemoryLeak, 2, anchor());
    config.history_minutes = 24 * 60;
    let mut last = (0, 0);
    let result = quantumstate_core::store::load_scenario(&store, &config, &mut |done, total| {
        if last.0 == 0 && done > 0 {
            node.stop();
        }
        last = (done, total);
    })
    .await;
    let err = result.expect_err("the load cannot succeed without its node");
    let text = err.to_string();
    assert!(
        matches!(err, StoreError::Unreachable(_) | StoreError::Status { status: 502, .. }),
        "{err:?}"
    );
    assert!(text.contains("cannot reach"), "{text}");
    assert!(last.0 > 0 && last.0 < last.1, "progress stopped part-way: {last:?}");
    // Nobody answers any more: no read pretends otherwise.
    assert!(store.counts().await.is_err());
}

/// 100,000 documents through the proxy, then a reset: every document
/// arrives and the reset leaves none. OpenSearch 2.x answers
/// `_delete_by_query` with one `TASK_RESOURCE_USAGE` header per scroll batch
/// of 1,000 documents (opensearch-project/OpenSearch#18245): past ~98,000
/// documents that is over the 100 headers an HTTP client (hyper) reads, and
/// the reset failed with a 502 "message head is too large" (also straight to
/// the engine: the proxy was only the first to clear so many). The store now
/// deletes by id. The real engine only: osmem answers plainly and takes half
/// a minute per 100,000 documents.
#[tokio::test]
async fn a_hundred_thousand_documents_go_through_the_proxy_and_a_reset_clears_them() {
    let engine = quantumstate_testkit::Engine::start(quantumstate_testkit::EngineKind::OpenSearch);
    let store = elastic_via_proxy(&engine.url, &engine.prefix("large")).await;
    store.setup(anchor()).await.unwrap();
    let mut config = SimConfig::new(Scenario::Healthy, 5, anchor());
    config.history_minutes = 42 * 60;
    let docs: Vec<MetricDoc> = sim::generate(&config).metrics.into_iter().take(100_000).collect();
    assert_eq!(docs.len(), 100_000);
    let report = store.bulk(&docs, &mut |_| {}).await.unwrap();
    assert_eq!(report.written, 100_000);
    assert_eq!(store.counts().await.unwrap().metrics, 100_000);
    // The 502 was here: the reset's answer had over 100 headers.
    store.clear_telemetry().await.unwrap();
    assert_eq!(store.counts().await.unwrap().metrics, 0);
}

/// With the engine's scheduled refresh off (so only a write that asks for a
/// refresh makes anything visible), every audit record of a run is
/// searchable as soon as the run stops: done (no incident, fixed, advised),
/// waiting for approval, or resumed (approved, rejected). A run refreshes only
/// with its last record.
#[tokio::test]
async fn every_audit_record_is_searchable_when_a_run_stops() {
    use quantumstate_core::agents::{AgentConfig, Pipeline, ReportStatus};
    let engine = quantumstate_testkit::Engine::start(quantumstate_testkit::EngineKind::OpenSearch);
    let prefix = engine.prefix("visible");
    let store = elastic_via_proxy(&engine.url, &prefix).await;
    store.setup(anchor()).await.unwrap();
    let off = reqwest::Client::new()
        .put(format!("{}/{prefix}agent-decisions-quantumstate/_settings", engine.url))
        .json(&serde_json::json!({ "index": { "refresh_interval": "-1" } }))
        .send()
        .await
        .unwrap();
    assert!(off.status().is_success(), "{}", off.status());
    let searchable = |written: Vec<quantumstate_core::DecisionDoc>| {
        let store = &store;
        async move {
            let trail: Vec<String> = store
                .decisions(1_000)
                .await
                .unwrap()
                .iter()
                .map(Document::doc_id)
                .collect();
            written
                .iter()
                .map(Document::doc_id)
                .filter(|id| !trail.contains(id))
                .count()
        }
    };
    let approval = AgentConfig {
        approval_threshold: 1.0,
        ..AgentConfig::default()
    };
    let mut seen = Vec::new();
    for (n, scenario) in [
        Scenario::Healthy,
        Scenario::MemoryLeak,
        Scenario::ErrorSpike,
        Scenario::DeploymentRollback,
    ]
    .into_iter()
    .enumerate()
    {
        let config = SimConfig::new(scenario, 5, anchor() + chrono::TimeDelta::hours(n as i64));
        let data = quantumstate_core::store::load_scenario(&store, &config, &mut |_, _| {})
            .await
            .unwrap();
        let now = data.truth.timeline.end;
        // Each check right after the run stops, before anything else is written.
        let mut check = |what: &str, report: &quantumstate_core::agents::IncidentReport, missing: usize| {
            seen.push(format!("{scenario} {what}: {:?}", report.status));
            assert_eq!(
                missing,
                0,
                "{scenario} {what}: {missing} of {} records not searchable",
                report.decisions.len()
            );
        };
        match scenario {
            Scenario::Healthy | Scenario::MemoryLeak => {
                let done = Pipeline::new(&store, AgentConfig::default()).run(now).await.unwrap();
                check("run", &done, searchable(done.decisions.clone()).await);
            }
            _ => {
                let pipeline = Pipeline::new(&store, approval.clone());
                let waiting = pipeline.run(now).await.unwrap();
                assert_eq!(waiting.status, ReportStatus::AwaitingApproval);
                check("waiting", &waiting, searchable(waiting.decisions.clone()).await);
                let approve = scenario == Scenario::DeploymentRollback;
                let resumed = pipeline.resume(waiting, approve).await.unwrap();
                check(
                    if approve { "approved" } else { "rejected" },
                    &resumed,
                    searchable(resumed.decisions.clone()).await,
                );
                if approve {
                    let advised = Pipeline::advisory(&store, AgentConfig::default())
                        .run(now)
                        .await
                        .unwrap();
                    check("advised", &advised, searchable(advised.decisions.clone()).await);
                }
            }
        }
    }
    println!("every record searchable after: {}", seen.join("; "));
}
