//! In-browser tests (wasm-bindgen-test in headless Chromium): determinism on
//! wasm, scenario loading, chart preparation, share links, and the timeline
//! component driven by clicks.
#![cfg(target_arch = "wasm32")]

use chrono::{TimeDelta, TimeZone, Utc};
use quantumstate_app::api::{self, RunState};
use quantumstate_core::agents::{AgentConfig, Pipeline};
use quantumstate_core::share::ShareLink;
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::{MemoryStore, MetricType, TimeWindow};
use wasm_bindgen::JsCast;
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
async fn loading_reports_progress_and_the_chart_tells_the_whole_story() {
    let store = MemoryStore::new();
    let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
    let config = SimConfig::new(Scenario::MemoryLeak, 7, anchor);
    let mut seen = Vec::new();
    let loaded = api::load_scenario(&store, &config, &mut |done, total| seen.push((done, total)))
        .await
        .unwrap();
    assert_eq!(seen.last(), Some(&(loaded.generated, loaded.generated)));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));

    let pipeline = Pipeline::new(&store, AgentConfig::default());
    let report = pipeline.run(loaded.truth.timeline.end).await.unwrap();
    let run = RunState {
        loaded: Some(loaded),
        scan: Some(report.scan),
        investigation: report.investigation,
        plan: report.plan,
        remediation: report.remediation,
        verification: report.verification,
        status: Some(report.status),
        ..RunState::default()
    };
    let chart = api::chart_data(&store, &run).await.unwrap().unwrap();
    assert_eq!(
        (chart.service.as_str(), chart.metric),
        ("payment-service", MetricType::MemoryPercent)
    );
    let (onset, detected) = (chart.onset.unwrap(), chart.detected_at.unwrap());
    let (remedy, recovered) = (chart.remediation_at.unwrap(), chart.recovered_at.unwrap());
    assert!(onset <= detected && detected < remedy && remedy < recovered);
    let ((t0, v0), (t1, v1)) = chart.forecast.unwrap();
    assert_eq!((t0, v1), (detected, 80.0));
    assert!(t1 > t0 && v0 < 80.0);
    let (lo, hi) = chart.baseline_band.unwrap();
    assert!(lo < 53.0 && 53.0 < hi);
    // The recovery is in the series: the last point is healthy again.
    assert!(chart.points.last().unwrap().avg < 65.0);
}

#[wasm_bindgen_test]
fn long_series_are_decimated_to_at_most_600_points() {
    let end = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
    for hours in [1, 4, 24, 24 * 7] {
        let window = TimeWindow::new(end - TimeDelta::hours(hours), end);
        let bucket = api::chart_bucket(window, 30);
        assert_eq!(bucket.num_seconds() % 30, 0);
        assert!(
            window.length().num_seconds() / bucket.num_seconds() <= api::MAX_CHART_POINTS,
            "{hours} h"
        );
    }
}

#[wasm_bindgen_test]
fn share_links_parse_in_the_browser() {
    let link = ShareLink::parse("?s=error-spike,healthy&seed=9&anchor=2026-02-13T15:00:00Z&i=1.2&th=0.95")
        .unwrap()
        .unwrap();
    assert_eq!(link.scenarios, vec![Scenario::ErrorSpike, Scenario::Healthy]);
    assert_eq!(ShareLink::parse(&format!("?{}", link.to_query())), Some(Ok(link)));
    assert!(ShareLink::parse("?s=error-spike&seed=9&anchor=not-a-time")
        .unwrap()
        .is_err());
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn text(selector: &str) -> String {
    document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Wait (bounded) until `selector` matches: the app works asynchronously.
async fn wait_for(selector: &str) -> web_sys::Element {
    for _ in 0..400 {
        if let Some(e) = document().query_selector(selector).unwrap() {
            return e;
        }
        gloo_timers::future::TimeoutFuture::new(25).await;
    }
    panic!("{selector} never appeared");
}

#[wasm_bindgen_test]
async fn the_timeline_fills_agent_by_agent_and_ends_resolved() {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.unchecked_into(), quantumstate_app::views::App);
    // First load: a healthy platform, Cassandra quiet, nobody else acts.
    wait_for("#verdict.noincident").await;
    assert!(text("[data-agent=cassandra] .decision").starts_with("No anomaly"));
    assert!(document()
        .query_selector("[data-agent=surgeon] .decision")
        .unwrap()
        .is_none());

    let button: web_sys::HtmlElement = wait_for("button[data-scenario=deployment-rollback]:not([disabled])")
        .await
        .unchecked_into();
    button.click();
    wait_for("#verdict.resolved").await;
    for agent in ["cassandra", "archaeologist", "surgeon", "guardian"] {
        assert_eq!(
            document()
                .query_selector(&format!("[data-agent={agent}]"))
                .unwrap()
                .unwrap()
                .get_attribute("data-state")
                .as_deref(),
            Some("done"),
            "{agent}"
        );
        assert!(
            !text(&format!("[data-agent={agent}] .elapsed")).is_empty(),
            "{agent} shows its time"
        );
    }
    assert!(text("[data-agent=archaeologist] .decision").contains("v3.5.0"));
    assert!(text("[data-agent=surgeon] .decision").contains("rollback_deployment"));
    assert!(text("[data-agent=guardian] .decision").starts_with("RESOLVED"));
    assert_eq!(
        document().query_selector_all("#audit tbody tr").unwrap().length(),
        5,
        "quiet scan + four records"
    );
    drop(handle);
}
