//! In-browser tests (wasm-bindgen-test in headless Chromium).
#![cfg(target_arch = "wasm32")]

use chrono::{TimeZone, Utc};
use quantumstate_app::api;
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::{MemoryStore, Service};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The browser generates the very bytes native code does: share links replay
/// across platforms.
#[wasm_bindgen_test]
fn wasm_generation_matches_the_native_golden_fingerprint() {
    let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
    let data = sim::generate(&SimConfig::new(Scenario::MemoryLeak, 42, anchor));
    assert_eq!(data.fingerprint(), sim::GOLDEN_MEMORY_LEAK_42);
}

#[wasm_bindgen_test]
async fn running_a_scenario_fills_the_store_and_prepares_the_chart() {
    let store = MemoryStore::new();
    let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
    let done = api::run_scenario(&store, SimConfig::new(Scenario::MemoryLeak, 7, anchor))
        .await
        .unwrap();
    assert_eq!(done.counts.metrics + done.counts.logs, done.generated as u64);
    assert_eq!(done.counts.incidents, 4);
    assert_eq!(done.chart.service, Service::PaymentService);
    assert!(done.chart.points.last().unwrap().avg > 85.0);

    // Running again replaces the telemetry instead of piling it up.
    let again = api::run_scenario(&store, SimConfig::new(Scenario::Healthy, 7, anchor))
        .await
        .unwrap();
    assert_eq!(again.counts.metrics + again.counts.logs, again.generated as u64);
    let health = api::platform_health(&store, again.config.timeline().end).await.unwrap();
    assert!(
        health.iter().all(|h| h.health == quantumstate_core::Health::Healthy),
        "{health:?}"
    );
}
