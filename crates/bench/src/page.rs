//! Measurements in headless Chromium: cold loads, click to verdict, the
//! browser's generation rate, and memory over many runs in one page.
//!
//! Times come from the page's own clock (`performance.now()`): a
//! MutationObserver notes when Cassandra's decision and Guardian's verdict
//! reach the DOM, so WebDriver's round trips are not in the figures.

use anyhow::{anyhow, bail, Context};
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, Locator};
use quantumstate_testkit::Driver;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Extra Chromium flags: precise `performance.memory` and a callable `gc()`.
const MEMORY_FLAGS: [&str; 2] = ["--enable-precise-memory-info", "--js-flags=--expose-gc"];
const WAIT: Duration = Duration::from_secs(120);

pub async fn session(driver: &Driver) -> anyhow::Result<Client> {
    let client = driver.session(1440, 900, &MEMORY_FLAGS).await;
    client
        .update_timeouts(TimeoutConfiguration::new(Some(WAIT), Some(WAIT), None))
        .await?;
    Ok(client)
}

async fn run<T: for<'de> Deserialize<'de>>(client: &Client, script: &str, args: Vec<Value>) -> anyhow::Result<T> {
    let v = client.execute_async(script, args).await?;
    if let Some(e) = v.get("error").and_then(Value::as_str) {
        bail!("in the page: {e}");
    }
    serde_json::from_value(v.clone()).with_context(|| format!("unexpected answer from the page: {v}"))
}

/// One cold load: navigation start → the shell's `app-interactive` mark (the
/// first screen answers clicks) and on to the app's `app-ready`.
#[derive(Debug, Deserialize)]
pub struct Load {
    pub interactive_ms: f64,
    /// The app's `app-ready` mark: loaded, mounted, opening run settled.
    pub ready_ms: Option<f64>,
    pub fcp_ms: Option<f64>,
    /// The app's wasm fully downloaded (its resource timing `responseEnd`).
    pub wasm_loaded_ms: Option<f64>,
    /// The app's `app-start` mark: wasm compiled and instantiated, `main` running.
    pub start_ms: Option<f64>,
    /// The app's `app-mounted` mark: the first screen's DOM built.
    pub mounted_ms: Option<f64>,
    /// Bytes over the wire (all resources and the document), as the server sent them.
    pub transferred: u64,
    /// Every request of the page (the document first), in the order they started.
    pub fetched: Vec<Fetched>,
}

/// One request of a load, from resource timing.
#[derive(Debug, Deserialize, Clone)]
pub struct Fetched {
    /// The URL's path without the leading `/` (`index.html` for the document).
    pub path: String,
    /// When it was requested and when its last byte arrived (ms since navigation start).
    pub start_ms: f64,
    pub end_ms: f64,
    pub transferred: u64,
}

const LOAD_JS: &str = r#"
const done = arguments[arguments.length - 1];
// The shell's and the app's marks and the first contentful paint are observed
// (buffered: earlier entries count); the paint is given until two frames after
// the app's mark.
let interactive = null, ready = null, fcp = null, frames = 0, finished = false;
const finish = () => {
    if (finished) return;
    finished = true;
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const wasm = resources.find(r => r.name.includes('quantumstate-app_bg.wasm'));
    const start = performance.getEntriesByName('app-start')[0];
    const mounted = performance.getEntriesByName('app-mounted')[0];
    done({
        interactive_ms: interactive,
        ready_ms: ready,
        fcp_ms: fcp,
        wasm_loaded_ms: wasm ? wasm.responseEnd : null,
        start_ms: start ? start.startTime : null,
        mounted_ms: mounted ? mounted.startTime : null,
        transferred: resources.reduce((n, r) => n + r.transferSize, nav ? nav.transferSize : 0),
        fetched: (nav ? [nav] : []).concat(resources).map(r => {
            const path = new URL(r.name, location.href).pathname.replace(/^\//, '');
            return { path: r === nav ? 'index.html' : path, start_ms: r.startTime,
                     end_ms: r.responseEnd, transferred: r.transferSize };
        }),
    });
};
const frame = () => { if (fcp !== null || ++frames > 2) finish(); else requestAnimationFrame(frame); };
new PerformanceObserver(list => {
    const p = list.getEntriesByName('first-contentful-paint')[0];
    if (p) { fcp = p.startTime; if (ready !== null) finish(); }
}).observe({ type: 'paint', buffered: true });
new PerformanceObserver((list, observer) => {
    const m = list.getEntriesByName('app-interactive')[0];
    const r = list.getEntriesByName('app-ready')[0];
    if (m && interactive === null) interactive = m.startTime;
    if (r && interactive !== null) { observer.disconnect(); ready = r.startTime; requestAnimationFrame(frame); }
}).observe({ type: 'mark', buffered: true });
"#;

/// A fresh browser profile (empty cache) loads `url`.
pub async fn cold_load(driver: &Driver, url: &str) -> anyhow::Result<Load> {
    let client = session(driver).await?;
    client.goto(url).await?;
    let load = run(&client, LOAD_JS, vec![]).await;
    client.close().await?;
    load
}

/// Wait (bounded) until `css` matches; otherwise say what did not happen.
async fn appear(client: &Client, css: &str, what: &str) -> anyhow::Result<()> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| anyhow!("the app {what}: {e}"))?;
    Ok(())
}

/// Wait until the app is idle: every scenario button enabled again.
pub async fn idle(client: &Client) -> anyhow::Result<()> {
    appear(client, "button.scenario:not([disabled])", "did not become idle").await?;
    if let Ok(e) = client.find(Locator::Css("p.error[role='alert']")).await {
        bail!("the app shows an error: {}", e.text().await.unwrap_or_default());
    }
    Ok(())
}

/// One scenario click, timed in the page.
#[derive(Debug, Deserialize)]
pub struct Click {
    /// Click → Cassandra's decision in the DOM.
    pub cassandra_ms: f64,
    /// Click → Guardian's verdict (or "no incident") in the DOM.
    pub verdict_ms: f64,
    pub verdict: String,
    /// The app's own `qs:generate` and `qs:write` measures, and the documents it generated.
    pub generate_ms: Option<f64>,
    pub write_ms: Option<f64>,
    pub documents: Option<u64>,
}

const CLICK_JS: &str = r#"
const [name, done] = arguments;
const button = document.querySelector(`button[data-scenario='${name}']`);
const verdict = document.getElementById('verdict');
const timeline = document.querySelector('section.timeline');
if (!button || button.disabled || !verdict || !timeline) { done({ error: `no idle button for ${name}` }); return; }
// The timeline names its run (data-run): anything shown under the previous one is stale.
const previous = timeline.dataset.run;
// The pipeline's own state (data-*), not the staged reveal that tells it afterwards.
const decision = () => timeline.dataset.cassandra;
const terminal = () => /\b(resolved|noincident|escalated|awaitingapproval)\b/.test(verdict.dataset.status || '');
let cassandra = null;
const observer = new MutationObserver(() => {
    const now = performance.now();
    if (!timeline.dataset.run || timeline.dataset.run === previous) return;
    if (cassandra === null && decision()) cassandra = now;
    if (cassandra !== null && terminal()) {
        observer.disconnect();
        done({ cassandra_ms: cassandra - t0, verdict_ms: now - t0, verdict: verdict.dataset.status });
    }
});
observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
const t0 = performance.now();
button.click();
"#;

const GENERATED_JS: &str = r#"
const done = arguments[arguments.length - 1];
const measure = name => {
    const m = performance.getEntriesByName(name, 'measure').pop();
    return m ? m.duration : null;
};
const counts = document.querySelector('.counts');
const found = counts && counts.textContent.match(/generated (\d+) documents/);
done({
    generate_ms: measure('qs:generate'),
    write_ms: measure('qs:write'),
    documents: found ? Number(found[1]) : null,
});
"#;

#[derive(Deserialize)]
struct Generated {
    generate_ms: Option<f64>,
    write_ms: Option<f64>,
    documents: Option<u64>,
}

/// Click `scenario`'s button, wait for the verdict and for the app to settle.
pub async fn click(client: &Client, scenario: &str) -> anyhow::Result<Click> {
    idle(client).await?;
    let mut click: Click = run(client, CLICK_JS, vec![json!(scenario)]).await?;
    if click.verdict.contains("awaitingapproval") {
        bail!("{scenario} waits for approval at the default threshold: nothing to time to a verdict");
    }
    idle(client).await?;
    let g: Generated = run(client, GENERATED_JS, vec![]).await?;
    click.generate_ms = g.generate_ms;
    click.write_ms = g.write_ms;
    click.documents = g.documents;
    Ok(click)
}

/// Open the app in a new session and wait for its first (healthy) run to settle.
pub async fn open(driver: &Driver, url: &str) -> anyhow::Result<Client> {
    let client = session(driver).await?;
    client.goto(url).await?;
    appear(&client, "#verdict.noincident", "did not finish its opening run").await?;
    idle(&client).await?;
    Ok(client)
}

/// Switch the page to Elasticsearch through the proxy the server offers at `/es`.
pub async fn use_elastic(client: &Client) -> anyhow::Result<()> {
    client.find(Locator::Css("#use-elastic")).await?.click().await?;
    appear(
        client,
        ".badge[data-mode='Elasticsearch']",
        "did not switch to Elasticsearch",
    )
    .await?;
    idle(client).await
}

/// Memory after a full garbage collection.
#[derive(Debug, Deserialize, Clone, Copy)]
pub struct Memory {
    pub js_heap: f64,
    pub wasm: f64,
    /// Audit records the store keeps (the Settings panel's count).
    pub decisions: Option<f64>,
}

const MEMORY_JS: &str = r#"
const done = arguments[arguments.length - 1];
if (typeof gc !== 'function' || !performance.memory || !window.quantumstateApp) {
    done({ error: 'needs --js-flags=--expose-gc, performance.memory and window.quantumstateApp' });
    return;
}
gc();
const row = [...document.querySelectorAll('.counts-table tr')]
    .find(r => r.querySelector('th').textContent === 'agent-decisions-quantumstate');
done({
    js_heap: performance.memory.usedJSHeapSize,
    wasm: window.quantumstateApp.wasm_memory_bytes(),
    decisions: row ? Number(row.querySelector('td').textContent) : null,
});
"#;

pub async fn memory(client: &Client) -> anyhow::Result<Memory> {
    run(client, MEMORY_JS, vec![]).await
}

/// Press "Run all in sequence" and wait until its last run (healthy) has settled.
const RUN_ALL_JS: &str = r#"
const done = arguments[arguments.length - 1];
const button = document.getElementById('run-all');
const verdict = document.getElementById('verdict');
const timeline = document.querySelector('section.timeline');
const previous = timeline.dataset.run;
const t0 = performance.now();
const observer = new MutationObserver(() => {
    if (timeline.dataset.run === previous) return;
    const quiet = /\bnoincident\b/.test(verdict.className);
    const idle = !button.disabled && !document.querySelector('.busy');
    if (quiet && idle && document.querySelector(".counts[data-scenario='healthy']")) {
        observer.disconnect();
        done({ ms: performance.now() - t0 });
    }
});
observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
button.click();
"#;

#[derive(Deserialize)]
struct Elapsed {
    ms: f64,
}

/// One "Run all" (five scenarios); returns its duration in ms.
pub async fn run_all(client: &Client) -> anyhow::Result<f64> {
    idle(client).await?;
    Ok(run::<Elapsed>(client, RUN_ALL_JS, vec![]).await?.ms)
}
