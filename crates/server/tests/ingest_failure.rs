//! A failed ingest loses nothing: a run writes its documents before it removes
//! the previous run's, so a connection that drops mid-write leaves every earlier
//! document in place, and the next complete run holds exactly its own documents.
//! Real osmem-server behind our proxy; the drop is a transport that stops
//! forwarding after a number of bulk requests, as a cut connection would.

mod support;

use chrono::TimeDelta;
use quantumstate_core::elastic::{ElasticStore, IndexNames, Request, Response, Transport};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::store::{load_dataset, LogQuery};
use quantumstate_core::{Level, Store, StoreError};
use quantumstate_server::transport::{Credentials, HttpTransport};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The real transport, cut after `bulk_budget` `_bulk` requests of telemetry
/// (the seeded incidents' write, alongside, is not counted), or at the first
/// request that carries deletions.
struct CutAfter {
    inner: HttpTransport,
    bulk_budget: AtomicUsize,
    at_deletions: bool,
}

impl Transport for CutAfter {
    async fn send(&self, request: Request) -> Result<Response, StoreError> {
        let incidents = request
            .body
            .as_deref()
            .is_some_and(|b| b.contains("incidents-quantumstate"));
        let deletes = request.body.as_deref().is_some_and(|b| b.contains("{\"delete\""));
        if request.path.contains("_bulk") && self.at_deletions && deletes {
            return Err(StoreError::Unreachable("connection reset by peer".into()));
        }
        if request.path.contains("_bulk") && !incidents {
            let left = self.bulk_budget.load(Ordering::SeqCst);
            if left == 0 {
                return Err(StoreError::Unreachable("connection reset by peer".into()));
            }
            self.bulk_budget.store(left - 1, Ordering::SeqCst);
        }
        self.inner.send(request).await
    }
    async fn sleep_ms(&self, ms: u64) {
        self.inner.sleep_ms(ms).await
    }
}

async fn logs_in(store: &impl Store, data: &sim::Dataset) -> usize {
    let query = LogQuery {
        service: None,
        min_level: Level::Info,
        window: data.truth.timeline.window(),
        words: Vec::new(),
        limit: 100_000,
    };
    store.count_logs(&query).await.unwrap() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_ingest_keeps_the_previous_run_and_a_full_one_replaces_it() {
    let (_es, es_url) = support::osmem();
    let proxy = support::proxy_in_front(&es_url, "cut-").await;
    let store_with = |bulk_budget: usize, at_deletions: bool| {
        let inner = HttpTransport::new(&proxy, Credentials::default(), Duration::from_secs(30)).unwrap();
        let transport = CutAfter {
            inner,
            bulk_budget: AtomicUsize::new(bulk_budget),
            at_deletions,
        };
        ElasticStore::new(transport, IndexNames { prefix: "cut-".into() })
    };
    let full = store_with(usize::MAX, false);
    full.setup(support::anchor()).await.unwrap();

    // A day apart, so the two runs share no document id.
    let first = sim::generate(&SimConfig::new(Scenario::MemoryLeak, 1, support::anchor()));
    let second = sim::generate(&SimConfig::new(
        Scenario::DeploymentRollback,
        2,
        support::anchor() + TimeDelta::days(1),
    ));
    load_dataset(&full, support::anchor(), &first, &mut |_, _| {})
        .await
        .unwrap();
    let before = full.counts().await.unwrap();
    assert_eq!(before.metrics + before.logs, first.len() as u64);

    // Cut before the first request, part-way, and at the request that carries
    // the deletions, which goes only once every other chunk is written.
    for (budget, at_deletions) in [(0, false), (1, false), (3, false), (usize::MAX, true)] {
        let cut = store_with(budget, at_deletions);
        let err = load_dataset(&cut, support::anchor(), &second, &mut |_, _| {})
            .await
            .expect_err("the cut transport fails the write");
        assert!(err.to_string().contains("connection reset"), "{err}");
        let after = full.counts().await.unwrap();
        assert!(
            after.metrics >= before.metrics && after.logs >= before.logs,
            "a failed ingest (budget {budget}, at deletions {at_deletions}) deleted documents: {before:?} -> {after:?}"
        );
        assert_eq!(logs_in(&full, &first).await, first.logs.len(), "budget {budget}");
        if at_deletions {
            // The writes before it landed: the cut was not at the first request.
            assert!(
                after.metrics + after.logs > before.metrics + before.logs,
                "{before:?} -> {after:?}"
            );
        }
    }

    load_dataset(&full, support::anchor(), &second, &mut |_, _| {})
        .await
        .unwrap();
    let replaced = full.counts().await.unwrap();
    assert_eq!(replaced.metrics, second.metrics.len() as u64);
    assert_eq!(replaced.logs, second.logs.len() as u64);
    assert_eq!(
        logs_in(&full, &first).await,
        0,
        "the previous run is gone once the new one is whole"
    );
}
