//! In-browser tests (wasm-bindgen-test in headless Chromium): determinism on
//! wasm, scenario loading, chart preparation, share links, the whole app
//! driven by clicks, and components mounted alone with props (headline,
//! timeline, topology map, story chart).
#![cfg(target_arch = "wasm32")]

use chrono::{TimeDelta, TimeZone, Utc};
use quantumstate_app::api;
use quantumstate_app::view_model::{self, RunState};
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
        ..RunState::from_report(report)
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
        let bucket = view_model::chart_bucket(window, 30);
        assert_eq!(bucket.num_seconds() % 30, 0);
        assert!(
            window.length().num_seconds() / bucket.num_seconds() <= view_model::MAX_CHART_POINTS,
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
    assert!(text("[data-agent=surgeon] .decision").contains("rollback of checkout-service"));
    assert!(text("[data-agent=guardian] .decision").starts_with("RESOLVED"));
    assert_eq!(
        document().query_selector_all("#audit tbody tr").unwrap().length(),
        5,
        "quiet scan + four records"
    );
    drop(handle);
}

// ---- Components mounted alone, with props ----

use leptos::prelude::*;
use quantumstate_app::view_model::{ChartData, EventKind};
use quantumstate_app::views::{AbandonDialog, HeadlineBanner, StoryChart, Timeline, TopologyMap};
use quantumstate_core::agents::guardian::Verdict;
use quantumstate_core::agents::ReportStatus;
use quantumstate_core::topology::Topology;

/// One scenario through the whole pipeline on a fresh embedded store.
async fn run_scenario(scenario: Scenario, seed: u64) -> (MemoryStore, RunState) {
    let store = MemoryStore::new();
    let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
    let config = SimConfig::new(scenario, seed, anchor);
    let loaded = api::load_scenario(&store, &config, &mut |_, _| {}).await.unwrap();
    let report = Pipeline::new(&store, AgentConfig::default())
        .run(loaded.truth.timeline.end)
        .await
        .unwrap();
    let run = RunState {
        loaded: Some(loaded),
        ..RunState::from_report(report)
    };
    (store, run)
}

/// Mount `view` in a fresh element; returns the element and the mount handle.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> (web_sys::Element, impl Drop) {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), view);
    (host, handle)
}

fn inside(host: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    host.query_selector(selector).unwrap()
}

fn text_in(host: &web_sys::Element, selector: &str) -> String {
    inside(host, selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

async fn next_frame() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

#[wasm_bindgen_test]
async fn the_headline_tells_the_incident_in_order_and_true_to_the_data() {
    let (_store, run) = run_scenario(Scenario::MemoryLeak, 42).await;
    let shown = RwSignal::new(1usize);
    let r = run.clone();
    let (host, _h) = mount(
        move || view! { <HeadlineBanner run=Signal::derive(move || r.clone()) shown=shown.into() on_skip=Callback::new(|_| ()) /> },
    );
    next_frame().await;
    let sentence = text_in(&host, ".sentence .told");
    assert!(
        sentence.starts_with("Simulated payment-service memory leak"),
        "{sentence}"
    );
    assert!(!sentence.contains("recovered"), "not told yet: {sentence}");
    // The rest is drawn invisibly, so the banner already has its final size.
    let untold = text_in(&host, ".sentence .untold");
    assert!(untold.contains("recovered in"), "{untold}");
    let height = |host: &web_sys::Element| inside(host, ".sentence").unwrap().get_bounding_client_rect().height();
    let before = height(&host);
    assert_eq!(inside(&host, "#verdict").unwrap().class_name(), "verdict open");
    assert_eq!(
        inside(&host, "#verdict")
            .unwrap()
            .get_attribute("data-status")
            .as_deref(),
        Some("resolved")
    );

    shown.set(4);
    next_frame().await;
    let sentence = text_in(&host, ".sentence .told");
    assert_eq!(text_in(&host, ".sentence .untold"), "", "all told");
    assert_eq!(height(&host), before, "the sentence kept its size as it was told");
    let Some(Verdict::Resolved {
        mttr_seconds,
        historical_mttr_seconds,
        ..
    }) = run.verification.as_ref().map(|v| v.verdict.clone())
    else {
        panic!("the leak resolves");
    };
    assert!(
        sentence.contains(&format!("recovered in {} min", (mttr_seconds + 30) / 60)),
        "{sentence}"
    );
    assert!(sentence.contains("restarted automatically"), "{sentence}");
    let historical = (historical_mttr_seconds.unwrap() + 30) / 60;
    assert!(sentence.contains(&format!("{historical}-min average")), "{sentence}");
    assert!(inside(&host, "#verdict.resolved").is_some());
    assert_eq!(text_in(&host, ".severity"), "Simulated · critical");
    assert!(
        text_in(&host, "[role=status]").contains("Resolved"),
        "the live region says the verdict"
    );
}

#[wasm_bindgen_test]
async fn headlines_say_faster_only_when_it_was_and_name_a_ruled_out_deploy() {
    for scenario in [Scenario::DeploymentRollback, Scenario::ErrorSpike, Scenario::RedHerring] {
        for seed in [1, 2, 3] {
            let (_store, run) = run_scenario(scenario, seed).await;
            let h = view_model::headline(&run, 4);
            let d = run.scan.as_ref().unwrap().detection.as_ref().unwrap();
            assert!(
                h.sentence.starts_with(&format!("Simulated {}", d.service)),
                "{}",
                h.sentence
            );
            if let Some(Verdict::Resolved {
                mttr_seconds,
                historical_mttr_seconds,
                ..
            }) = run.verification.as_ref().map(|v| &v.verdict)
            {
                let faster = historical_mttr_seconds.is_some_and(|h| (h + 30) / 60 > (mttr_seconds + 30) / 60);
                assert_eq!(
                    h.sentence.contains("min faster"),
                    faster,
                    "{scenario:?}/{seed}: {}",
                    h.sentence
                );
            }
            let ruled_out = run
                .investigation
                .as_ref()
                .and_then(|i| i.deploy.as_ref())
                .is_some_and(|d| !d.blamed && d.version.is_some());
            assert_eq!(
                h.sentence.contains("ruled out"),
                ruled_out,
                "{scenario:?}/{seed}: {}",
                h.sentence
            );
        }
    }
}

#[wasm_bindgen_test]
async fn the_timeline_shows_only_the_cards_the_story_has_reached() {
    let (_store, run) = run_scenario(Scenario::DeploymentRollback, 42).await;
    let shown = RwSignal::new(2usize);
    let decided = RwSignal::new(None::<bool>);
    let r = run.clone();
    let (host, _h) = mount(move || {
        view! {
            <Timeline run=Signal::derive(move || r.clone()) shown=shown.into() busy=Signal::derive(|| false)
                on_decide=Callback::new(move |a| decided.set(Some(a))) />
        }
    });
    next_frame().await;
    let state = |agent: &str| {
        inside(&host, &format!("[data-agent={agent}]"))
            .unwrap()
            .get_attribute("data-state")
            .unwrap()
    };
    assert_eq!(state("cassandra"), "done");
    assert_eq!(state("archaeologist"), "done");
    assert_eq!(state("surgeon"), "idle");
    assert_eq!(state("guardian"), "idle");
    assert!(inside(&host, "[data-agent=surgeon] .decision").is_none());
    shown.set(4);
    next_frame().await;
    assert_eq!(state("guardian"), "done");
    assert!(text_in(&host, "[data-agent=surgeon] .decision").contains("rollback of checkout-service"));
    assert!(
        text_in(&host, "[data-agent=guardian] .elapsed").ends_with("UTC"),
        "simulated time on the card"
    );

    // A run that waits: Approve calls back with true.
    let mut waiting = run.clone();
    waiting.status = Some(ReportStatus::AwaitingApproval);
    waiting.decisions[2] = None;
    waiting.decisions[3] = None;
    let (host, _h2) = mount(move || {
        view! {
            <Timeline run=Signal::derive(move || waiting.clone()) shown=Signal::derive(|| 3) busy=Signal::derive(|| false)
                on_decide=Callback::new(move |a| decided.set(Some(a))) />
        }
    });
    next_frame().await;
    let approve: web_sys::HtmlElement = inside(&host, "#approve").unwrap().unchecked_into();
    approve.click();
    assert_eq!(decided.get_untracked(), Some(true));
}

#[wasm_bindgen_test]
async fn the_abandon_dialog_is_modal_cancels_back_to_the_button_and_abandons_on_request() {
    let asking = RwSignal::new(None::<String>);
    let answers = RwSignal::new(Vec::<bool>::new());
    let (host, _h) = mount(move || {
        view! {
            <button id="opener">"Memory leak"</button>
            <AbandonDialog asking=asking.into() on_answer=Callback::new(move |a| {
                answers.update(|v| v.push(a));
                asking.set(None);
            }) />
        }
    });
    next_frame().await;
    let dialog = inside(&host, "#abandon-dialog").unwrap();
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("alertdialog"));
    assert!(!dialog.has_attribute("open"), "no question yet");
    let opener: web_sys::HtmlElement = inside(&host, "#opener").unwrap().unchecked_into();
    let focused = || document().active_element().map(|e| e.id()).unwrap_or_default();
    for (question, abandon) in [("Memory leak", false), ("every scenario in sequence", true)] {
        opener.focus().unwrap();
        asking.set(Some(question.to_string()));
        next_frame().await;
        assert!(dialog.has_attribute("open"), "{question}");
        assert!(text_in(&host, "#abandon-text").contains(question));
        assert!(text_in(&host, "#abandon").ends_with(question));
        assert_eq!(focused(), "keep-waiting", "the safe answer takes focus");
        if abandon {
            let b: web_sys::HtmlElement = inside(&host, "#abandon").unwrap().unchecked_into();
            b.click();
        } else {
            // What Escape fires on a modal dialog.
            let cancel = web_sys::Event::new_with_event_init_dict("cancel", &{
                let init = web_sys::EventInit::new();
                init.set_cancelable(true);
                init
            })
            .unwrap();
            dialog.dispatch_event(&cancel).unwrap();
        }
        next_frame().await;
        assert!(!dialog.has_attribute("open"), "{question}: closed");
        if !abandon {
            assert_eq!(focused(), "opener", "focus returns to what had it");
        }
    }
    assert_eq!(answers.get_untracked(), vec![false, true]);
}

#[wasm_bindgen_test]
async fn the_topology_map_marks_the_root_cause_and_its_callers() {
    let (_store, run) = run_scenario(Scenario::ErrorSpike, 42).await;
    let graph = Topology::platform();
    let marks = view_model::blast(&graph, &run);
    assert_eq!(marks.root.as_deref(), Some("redis"), "{marks:?}");
    let blast = RwSignal::new(marks);
    let (host, _h) = mount(
        move || view! { <TopologyMap graph=Topology::platform() blast=blast.into() health=Signal::derive(Vec::new) /> },
    );
    next_frame().await;
    assert_eq!(
        host.query_selector_all("[data-node]").unwrap().length(),
        5,
        "four services and Redis"
    );
    assert_eq!(host.query_selector_all("line.edge").unwrap().length(), 6);
    let mark = |node: &str| {
        inside(&host, &format!("[data-node='{node}']"))
            .unwrap()
            .get_attribute("data-mark")
            .unwrap()
    };
    assert_eq!(mark("redis"), "root");
    for caller in [
        "auth-service",
        "checkout-service",
        "payment-service",
        "inventory-service",
    ] {
        assert_eq!(mark(caller), "impacted", "{caller}");
    }
    assert!(text_in(&host, ".topology-summary").contains("Root cause: redis"));
    // A leak on payment: only checkout, which calls it, is hit.
    let (_store, leak) = run_scenario(Scenario::MemoryLeak, 42).await;
    blast.set(view_model::blast(&graph, &leak));
    next_frame().await;
    assert_eq!(mark("payment-service"), "root");
    assert_eq!(mark("checkout-service"), "impacted");
    assert_eq!(mark("auth-service"), "none");
}

#[wasm_bindgen_test]
async fn the_story_chart_draws_crisp_with_every_event_labelled() {
    let (store, run) = run_scenario(Scenario::RedHerring, 42).await;
    let chart: ChartData = api::chart_data(&store, &run).await.unwrap().unwrap();
    let kinds: Vec<EventKind> = chart.events.iter().map(|e| e.kind).collect();
    for kind in [
        EventKind::Onset,
        EventKind::Flagged,
        EventKind::DeployRuledOut,
        EventKind::Remediation,
        EventKind::Recovered,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    assert!(chart.focus_from.is_some(), "quiet history is compressed");
    // Before Surgeon's card the series stops where Cassandra looked.
    let early = view_model::chart_so_far(&chart, &run, 2);
    let looked = run.scan.as_ref().unwrap().now;
    assert!(early.points.iter().all(|p| p.at <= looked));
    assert!(early
        .events
        .iter()
        .all(|e| !matches!(e.kind, EventKind::Remediation | EventKind::Recovered)));

    let data = RwSignal::new(Some(chart));
    let (host, _h) = mount(move || view! { <StoryChart data=data.into() dark=Signal::derive(|| true) /> });
    next_frame().await;
    let canvas: web_sys::HtmlCanvasElement = inside(&host, "#metric-chart").unwrap().unchecked_into();
    let ratio = web_sys::window().unwrap().device_pixel_ratio();
    assert_eq!(
        canvas.width(),
        (f64::from(canvas.client_width()) * ratio).round() as u32,
        "backing store × devicePixelRatio"
    );
    let label = canvas.get_attribute("aria-label").unwrap();
    assert!(label.contains("ruled out") && label.contains("recovered"), "{label}");
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let pixels = ctx
        .get_image_data(0.0, 0.0, f64::from(canvas.width()), f64::from(canvas.height()))
        .unwrap()
        .data();
    let background = &pixels[0..3];
    let painted = pixels.chunks(4).filter(|p| &p[0..3] != background).count();
    assert!(painted > 5_000, "{painted} painted pixels");
}
