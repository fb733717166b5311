//! The app's code arrives after the first screen answers clicks
//! (`src/bin/shell.rs`): what a user does first, right after load, before the
//! app's wasm has arrived, is queued and runs once it has. For every scenario
//! on the embedded store, a scenario in Elasticsearch mode (saved from an
//! earlier visit, through the proxy to osmem-server) and files chosen in
//! "Your data"; each two ways:
//! - held: a gate in front of the real server holds the app's wasm back until
//!   the test has acted, so "before it arrived" is certain, not a race;
//! - throttled: Chromium's network throttled as Lighthouse's mobile run does
//!   it (every request 562.5 ms late, 1.47 Mbit/s down), no gate.

mod support;

use axum::extract::Request;
use axum::middleware::{self, Next};
use fantoccini::{Client, Locator};
use quantumstate_core::Scenario;
use quantumstate_server::proxy::ProxyConfig;
use quantumstate_server::serve::{app, ServeConfig};
use quantumstate_testkit::network::{throttle, Conditions};
use std::sync::Arc;
use std::time::Duration;
use support::incident::{Case, BAD_LINES, ROOT};
use tokio::sync::watch;

/// An upper bound, not a pause: a throttled Elasticsearch run is the slowest.
const WAIT: Duration = Duration::from_secs(120);
/// The app's saved store choice (`controller::STORAGE_MODE`).
const STORAGE_MODE: &str = "quantumstate.mode";

async fn wait(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            support::screenshot(client, "late-code-failure").await;
            panic!("{css}: {e}")
        }
    }
}

async fn text(client: &Client, css: &str) -> String {
    wait(client, css).await.text().await.unwrap()
}

/// What the user does first.
#[derive(Clone, Copy, Debug)]
enum FirstUse {
    /// A scenario button, embedded store (the default).
    Scenario(Scenario),
    /// The error spike with Elasticsearch mode saved from an earlier visit.
    Elastic,
    /// Two files chosen in "Your data".
    OwnFiles,
}

impl FirstUse {
    fn all() -> Vec<FirstUse> {
        let mut uses: Vec<FirstUse> = Scenario::ALL.into_iter().map(FirstUse::Scenario).collect();
        uses.extend([FirstUse::Elastic, FirstUse::OwnFiles]);
        uses
    }

    /// A name for files and index prefixes.
    fn slug(self) -> &'static str {
        match self {
            FirstUse::Scenario(s) => s.name(),
            FirstUse::Elastic => "elastic",
            FirstUse::OwnFiles => "own-files",
        }
    }

    /// The status line's words once it is queued.
    fn queued(self) -> String {
        match self {
            FirstUse::Scenario(s) => s.title().to_string(),
            FirstUse::Elastic => Scenario::ErrorSpike.title().to_string(),
            FirstUse::OwnFiles => "Reading your files".into(),
        }
    }
}

/// The real server (with the proxy in front of `es_url`, if any), the app's
/// wasm held back while the returned gate is closed.
async fn server(es_url: Option<&str>, held: bool) -> (String, watch::Sender<bool>) {
    let (open, gate) = watch::channel(!held);
    let gate = Arc::new(gate);
    let proxy = ProxyConfig {
        es_url: es_url.map(str::to_string),
        ..Default::default()
    };
    let router = app(&ServeConfig {
        dist: support::dist(),
        proxy,
    })
    .unwrap()
    .layer(middleware::from_fn(move |request: Request, next: Next| {
        let mut gate = (*gate).clone();
        async move {
            if request.uri().path().ends_with("quantumstate-app_bg.wasm") {
                let _ = gate.wait_for(|open| *open).await;
            }
            next.run(request).await
        }
    }));
    (support::spawn_router(router).await, open)
}

/// Load the page, do `first` on the first screen, let the app arrive, check
/// that it did what was asked. `label` names the run in failures.
async fn first_use(client: &Client, first: FirstUse, held: bool, label: &str) {
    let what = format!("{label}, {first:?}");
    // Elasticsearch mode gets an engine of its own, empty.
    let engine = matches!(first, FirstUse::Elastic).then(support::osmem);
    let es_url = engine.as_ref().map(|(_, url)| url.as_str());
    let (url, open) = server(es_url, held).await;
    client.goto(&url).await.unwrap();
    if let FirstUse::Elastic = first {
        // An earlier visit chose Elasticsearch; this load starts in that mode.
        wait(client, "#shell:not([inert])").await;
        client
            .execute(&format!("localStorage.setItem('{STORAGE_MODE}', 'elastic')"), vec![])
            .await
            .unwrap();
        client.refresh().await.unwrap();
    }
    // The first screen answers at once; the app has not arrived.
    wait(client, "#shell:not([inert])").await;
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        seed: 3,
        interval_secs: 45,
        resolved: true,
    };
    match first {
        FirstUse::Scenario(_) | FirstUse::Elastic => {
            let seed = client.find(Locator::Css("#shell [name=seed]")).await.unwrap();
            seed.clear().await.unwrap();
            seed.send_keys("7").await.unwrap();
            let name = match first {
                FirstUse::Scenario(s) => s.name(),
                _ => Scenario::ErrorSpike.name(),
            };
            let button = format!("#shell [data-queue='{name}']");
            client.find(Locator::Css(&button)).await.unwrap().click().await.unwrap();
        }
        FirstUse::OwnFiles => {
            let (metrics, logs) = case.files(dir.path());
            // Where a user would tap "Choose files": in the middle of the screen.
            let input = client.find(Locator::Css("#shell input[name=files]")).await.unwrap();
            client
                .execute(
                    "arguments[0].scrollIntoView({ block: 'center' })",
                    vec![serde_json::to_value(&input).unwrap()],
                )
                .await
                .unwrap();
            input
                .send_keys(&format!("{}\n{}", metrics.display(), logs.display()))
                .await
                .unwrap();
        }
    }
    // Said where the user acted: files under the file input, the rest in the
    // status line under the scenarios' heading.
    let said = match first {
        FirstUse::OwnFiles => "#shell [data-shell=own-status] span",
        _ => "#shell .status-line .busy span",
    };
    let status = text(client, said).await;
    assert!(
        status.starts_with(&format!("{}: starts once the simulator has loaded", first.queued())),
        "{what}: {status}"
    );
    assert!(
        client.find(Locator::Css("#verdict")).await.is_err(),
        "{what}: the app mounted before its code arrived"
    );
    let on_screen = client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             return r.top >= 0 && r.bottom <= window.innerHeight;",
            vec![serde_json::json!(said)],
        )
        .await
        .unwrap();
    support::screenshot(client, &format!("late-code-queued-{label}-{}", first.slug())).await;
    assert_eq!(
        on_screen,
        serde_json::json!(true),
        "{what}: the status line is off screen"
    );
    open.send(true).unwrap();

    // The app did what was queued, with what was typed before it arrived.
    match first {
        FirstUse::Scenario(s) => {
            let counts = text(client, &format!("p.counts[data-scenario='{}']", s.name())).await;
            assert!(counts.contains("seed 7"), "{what}: {counts}");
            let verdict = if s == Scenario::Healthy {
                "noincident"
            } else {
                "resolved"
            };
            wait(client, &format!("#verdict.{verdict}")).await;
        }
        FirstUse::Elastic => {
            wait(client, ".badge[data-mode='Elasticsearch']").await;
            let counts = text(client, "p.counts[data-scenario='error-spike']").await;
            assert!(counts.contains("seed 7"), "{what}: {counts}");
            wait(client, "#verdict.resolved").await;
            let es_url = es_url.unwrap();
            let metrics = support::count(es_url, "metrics-quantumstate").await;
            let decisions = support::count(es_url, "agent-decisions-quantumstate").await;
            assert!(metrics > 7_000, "{what}: {metrics} metrics in Elasticsearch");
            assert_eq!(decisions, 4, "{what}: this incident's four decisions, in Elasticsearch");
        }
        FirstUse::OwnFiles => {
            wait(client, "#verdict.resolved").await;
            let report = wait(client, "#own-file-reports li[data-file='metrics-3.ndjson']").await;
            assert_eq!(
                report.attr("data-bad").await.unwrap(),
                Some(BAD_LINES.len().to_string()),
                "{what}"
            );
            let headline = text(client, "#headline .sentence").await;
            assert!(
                headline.starts_with(&format!("In your data, {ROOT} ")),
                "{what}: {headline}"
            );
        }
    }
    assert!(
        client.find(Locator::Css("#shell")).await.is_err(),
        "{what}: the app replaced the shell"
    );
    // Nothing of the app was fetched before the first screen answered clicks;
    // throttled, the wasm took as long as the throttle says it must.
    let fetched: serde_json::Value = client
        .execute(
            "const mark = performance.getEntriesByName('app-interactive')[0].startTime;
             return performance.getEntriesByType('resource')
                 .filter(r => ['quantumstate-app.js', 'quantumstate-app_bg.wasm']
                     .includes(new URL(r.name).pathname.split('/').pop()))
                 .map(r => [r.startTime >= mark, Math.round(r.responseEnd - r.startTime), r.name.endsWith('.wasm')]);",
            vec![],
        )
        .await
        .unwrap();
    let after: Vec<bool> = fetched.as_array().unwrap().iter().map(|f| f[0] == true).collect();
    assert_eq!(
        after,
        [true, true],
        "{what}: the app's glue and wasm, after app-interactive: {fetched}"
    );
    if !held {
        let wasm = fetched.as_array().unwrap().iter().find(|f| f[2] == true).unwrap();
        let wasm_ms = wasm[1].as_f64().unwrap();
        // 300 kB: less than the app's wasm as served (brotli or gzip).
        let floor = Conditions::LIGHTHOUSE_MOBILE.latency
            + 300_000.0 / Conditions::LIGHTHOUSE_MOBILE.download_throughput * 1000.0;
        assert!(
            wasm_ms >= floor,
            "{what}: the app's wasm arrived in {wasm_ms} ms: not throttled (at least {floor} ms)"
        );
    }
}

#[tokio::test]
#[ignore = "needs dist/, chromedriver and osmem-server: run scripts/test.sh"]
async fn what_is_used_before_the_app_arrives_runs_once_it_has() {
    let (held, _d1) = support::browser(1440, 900).await;
    for first in FirstUse::all() {
        first_use(&held, first, true, "held").await;
    }
    held.close().await.unwrap();
    let (slow, _d2) = support::browser(1440, 900).await;
    throttle(&slow, Conditions::LIGHTHOUSE_MOBILE).await;
    for first in FirstUse::all() {
        first_use(&slow, first, false, "throttled").await;
    }
    slow.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn on_a_phone_the_queued_choice_is_said_where_it_was_made() {
    let (phone, _driver) = support::browser(390, 844).await;
    for first in [FirstUse::Scenario(Scenario::MemoryLeak), FirstUse::OwnFiles] {
        first_use(&phone, first, true, "phone").await;
    }
    phone.close().await.unwrap();
}
