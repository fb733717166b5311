//! End-to-end: what a judge sees in the first minute, in a real headless
//! Chromium against the real server and the built app. The story comes into
//! view on click, nothing shifts, every state passes axe-core in both themes,
//! the approval gate takes focus, and the static assets are served.
//! Run by scripts/test.sh (`--include-ignored`) after `trunk build`.

mod support;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
/// Desktop, and a phone at its true size (emulated: Chromium windows are at least 500 px wide).
const SIZES: [(u32, u32); 2] = [(1440, 900), (390, 844)];
const THEMES: [&str; 2] = ["light", "dark"];

async fn wait(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            support::screenshot(client, "ux-failure").await;
            panic!("{css}: {e}")
        }
    }
}

/// axe-core's source: `AXE_CORE`, or the copy scripts/lib.sh installs.
fn axe_source() -> String {
    let path = std::env::var_os("AXE_CORE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let tools = std::env::var_os("QS_TOOLS")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| {
                    std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".local/share/quantumstate")
                });
            tools.join("node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {}: {e} (scripts/test.sh installs it)", path.display()))
}

/// Serious and critical axe-core violations of the page as it is now.
async fn axe(client: &Client, axe_js: &str) -> Vec<String> {
    client.execute(axe_js, vec![]).await.unwrap();
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)));
    "#;
    let found = client.execute_async(script, vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

/// Open the app in `theme` (kept where the app keeps it) and wait for the opening run.
async fn open(client: &Client, url: &str, theme: &str) {
    client.goto(url).await.unwrap();
    client
        .execute(
            "localStorage.setItem('quantumstate.theme', arguments[0])",
            vec![json!(theme)],
        )
        .await
        .unwrap();
    client.goto(url).await.unwrap();
    wait(client, "#verdict.noincident").await;
    let shown: Value = client
        .execute("return document.documentElement.dataset.theme", vec![])
        .await
        .unwrap();
    assert_eq!(shown, json!(theme));
}

/// Which of the story's parts lie wholly inside the viewport.
async fn in_view(client: &Client) -> Value {
    let script = r#"
        const seen = s => { const e = document.querySelector(s); if (!e) return false;
            const r = e.getBoundingClientRect();
            return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; };
        return { verdict: seen('#verdict'), first_card: seen("[data-agent='cassandra']"), chart: seen('#metric-chart') };
    "#;
    client.execute(script, vec![]).await.unwrap()
}

/// Cumulative layout shift since navigation (every shift, input or not), and
/// what moved: each shift's time, value and its sources' selectors and rects.
async fn layout_shift(client: &Client) -> (f64, Value) {
    let script = r#"
        const done = arguments[arguments.length - 1];
        let total = 0;
        const seen = [];
        const name = n => !n ? '?' : n.id ? '#' + n.id
            : (n.nodeName || '').toLowerCase() + (n.className && n.className.baseVal === undefined ? '.' + String(n.className).trim().split(/\s+/).join('.') : '');
        const rect = r => [Math.round(r.y), Math.round(r.height)];
        new PerformanceObserver(list => {
            for (const e of list.getEntries()) {
                total += e.value;
                seen.push({ t: Math.round(e.startTime), v: +e.value.toFixed(4),
                    moved: (e.sources || []).map(s => `${name(s.node)} ${rect(s.previousRect)}→${rect(s.currentRect)}`) });
            }
        }).observe({ type: 'layout-shift', buffered: true });
        // Buffered entries arrive in the observer's first callback, queued as a task.
        setTimeout(() => done([total, seen]), 50);
    "#;
    let found = client.execute_async(script, vec![]).await.unwrap();
    (found[0].as_f64().unwrap(), found[1].clone())
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn after_one_click_the_story_is_on_screen_and_nothing_shifts() {
    let (_server, url) = support::serve(&[]);
    for (width, height) in SIZES {
        let (client, _driver) = support::browser(width, height).await;
        for scenario in [
            "memory-leak",
            "deployment-rollback",
            "error-spike",
            "red-herring",
            "healthy",
        ] {
            open(&client, &url, "light").await;
            let viewport = client
                .execute("return [innerWidth, innerHeight]", vec![])
                .await
                .unwrap();
            // Phones are emulated at exactly their size; a desktop window's
            // viewport is its size less the browser's frame (1440×900 → 1440×757).
            assert_eq!(viewport[0], json!(width), "the page is laid out {width} px wide");
            assert!(
                viewport[1]
                    .as_u64()
                    .is_some_and(|h| h <= u64::from(height) && h + 200 >= u64::from(height)),
                "viewport {viewport} for a {width}×{height} window"
            );
            wait(&client, &format!("button[data-scenario='{scenario}']:not([disabled])"))
                .await
                .click()
                .await
                .unwrap();
            let verdict = if scenario == "healthy" {
                "noincident"
            } else {
                "resolved"
            };
            wait(&client, &format!("#verdict.{verdict}")).await;
            // The app may scroll (smoothly): wait, bounded, for it to settle.
            let want = json!({ "verdict": true, "first_card": true, "chart": true });
            let mut seen = in_view(&client).await;
            for _ in 0..30 {
                if seen == want {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                seen = in_view(&client).await;
            }
            assert_eq!(
                seen,
                json!({ "verdict": true, "first_card": true, "chart": true }),
                "{scenario} at {width}x{height}"
            );
            let (cls, shifts) = layout_shift(&client).await;
            eprintln!("layout shift, {scenario} at {width}x{height}: {cls:.4}");
            assert!(
                cls < 0.05,
                "{scenario} at {width}x{height}: layout shift {cls:.3}: {shifts:#}"
            );
            if scenario == "memory-leak" {
                // Told to the end: the service recovered, and the headline says how.
                let class = wait(&client, ".service[data-service='payment-service']")
                    .await
                    .attr("class")
                    .await
                    .unwrap();
                assert!(class.unwrap_or_default().contains("healthy"));
                let sentence = wait(&client, "#headline .sentence").await.text().await.unwrap();
                assert!(
                    sentence.starts_with("Simulated payment-service memory leak"),
                    "{sentence}"
                );
                assert!(
                    sentence.contains("alarm") && sentence.contains("recovered in"),
                    "{sentence}"
                );
            }
        }
        client.close().await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn the_incident_visibly_happens_while_the_story_is_told() {
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    open(&client, &url, "dark").await;
    wait(&client, "button[data-scenario='memory-leak']:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    // Mid-story: the root service is critical and marked, the verdict not yet told.
    wait(&client, ".service.critical.root[data-service='payment-service']").await;
    wait(&client, "[data-node='payment-service'][data-mark='root']").await;
    wait(&client, "[data-node='checkout-service'][data-mark='impacted']").await;
    assert!(
        client.find(Locator::Css("#verdict.resolved")).await.is_err(),
        "told in turn, not at once"
    );
    wait(&client, "#verdict.resolved").await;
    wait(&client, ".service.healthy[data-service='payment-service']").await;
    client.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn every_state_passes_axe_in_both_themes_and_the_gate_takes_focus() {
    let (_server, url) = support::serve(&[]);
    let axe_js = axe_source();
    for (width, height) in [(1440, 900), (1280, 720), (390, 844)] {
        let (client, _driver) = support::browser(width, height).await;
        let audit = width != 1280;
        for theme in THEMES {
            let shot = |state: &str| format!("{state}-{width}x{height}-{theme}");
            open(&client, &url, theme).await;
            support::screenshot(&client, &shot("idle")).await;
            if audit {
                assert_eq!(
                    axe(&client, &axe_js).await,
                    Vec::<String>::new(),
                    "idle {theme} {width}"
                );
            }
            wait(&client, "button[data-scenario='memory-leak']:not([disabled])")
                .await
                .click()
                .await
                .unwrap();
            wait(&client, ".skip:not([hidden])").await;
            support::screenshot(&client, &shot("running")).await;
            if audit {
                assert_eq!(
                    axe(&client, &axe_js).await,
                    Vec::<String>::new(),
                    "mid-run {theme} {width}"
                );
            }
            wait(&client, "#verdict.resolved").await;
            support::screenshot(&client, &shot("resolved")).await;
            if audit {
                assert_eq!(
                    axe(&client, &axe_js).await,
                    Vec::<String>::new(),
                    "resolved {theme} {width}"
                );
            }

            let threshold = client.find(Locator::Css("#threshold")).await.unwrap();
            threshold.clear().await.unwrap();
            threshold.send_keys("1\u{E007}").await.unwrap();
            wait(&client, "button[data-scenario='error-spike']:not([disabled])")
                .await
                .click()
                .await
                .unwrap();
            wait(&client, "#verdict.awaitingapproval").await;
            // The gate comes into view with focus on Approve, and the tab says so.
            let gate = || async {
                client
                    .execute(
                        "const a = document.activeElement, r = a.getBoundingClientRect();
                         return { id: a.id, visible: r.top >= 0 && r.bottom <= innerHeight };",
                        vec![],
                    )
                    .await
                    .unwrap()
            };
            let mut focused: Value = gate().await;
            for _ in 0..30 {
                if focused["visible"] == json!(true) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                focused = gate().await;
            }
            assert_eq!(focused, json!({ "id": "approve", "visible": true }), "{theme} {width}");
            assert!(client.title().await.unwrap().starts_with("Approval needed"));
            support::screenshot(&client, &shot("awaiting-approval")).await;
            if audit {
                assert_eq!(
                    axe(&client, &axe_js).await,
                    Vec::<String>::new(),
                    "approval {theme} {width}"
                );
            }
            // Starting another scenario asks first, in a modal dialog: the safe
            // answer has focus, Tab stays inside, Escape keeps the gate and
            // gives focus back to the button.
            let active = || async {
                client
                    .execute(
                        "return document.activeElement.id || document.activeElement.dataset.scenario",
                        vec![],
                    )
                    .await
                    .unwrap()
            };
            wait(&client, "button[data-scenario='memory-leak']")
                .await
                .click()
                .await
                .unwrap();
            let dialog = wait(&client, "#abandon-dialog[open]").await;
            assert_eq!(dialog.attr("role").await.unwrap().as_deref(), Some("alertdialog"));
            assert!(dialog.text().await.unwrap().contains("Memory leak"));
            assert_eq!(active().await, json!("keep-waiting"));
            support::screenshot(&client, &shot("abandon-dialog")).await;
            if audit {
                assert_eq!(
                    axe(&client, &axe_js).await,
                    Vec::<String>::new(),
                    "dialog {theme} {width}"
                );
            }
            let keys = |k: &'static str| {
                let client = &client;
                async move {
                    client.active_element().await.unwrap().send_keys(k).await.unwrap();
                }
            };
            keys("\u{E004}").await;
            assert_eq!(active().await, json!("abandon"), "Tab to the other answer");
            keys("\u{E004}").await;
            assert_eq!(active().await, json!("keep-waiting"), "Tab stays in the dialog");
            keys("\u{E00C}").await;
            wait(&client, "#abandon-dialog:not([open])").await;
            assert_eq!(active().await, json!("memory-leak"), "focus back on the button");
            wait(&client, "#verdict.awaitingapproval").await;
            if theme == "dark" {
                // Abandoning starts what was asked (at the default threshold:
                // it acts alone); nothing waits any more.
                let threshold = client.find(Locator::Css("#threshold")).await.unwrap();
                threshold.clear().await.unwrap();
                threshold.send_keys("0.8\u{E007}").await.unwrap();
                wait(&client, "button[data-scenario='memory-leak']")
                    .await
                    .click()
                    .await
                    .unwrap();
                wait(&client, "#abandon").await.click().await.unwrap();
                wait(&client, "#verdict.resolved").await;
                assert!(!client.title().await.unwrap().starts_with("Approval needed"));
                assert!(
                    client.find(Locator::Css("#approve")).await.is_err(),
                    "the abandoned gate is gone"
                );
                continue;
            }
            wait(&client, "#approve").await.click().await.unwrap();
            wait(&client, "#verdict.resolved").await;
            assert!(!client.title().await.unwrap().starts_with("Approval needed"));
            // Back to the default for the next theme.
            let threshold = client.find(Locator::Css("#threshold")).await.unwrap();
            threshold.clear().await.unwrap();
            threshold.send_keys("0.8\u{E007}").await.unwrap();
        }
        client.close().await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs dist/: run scripts/test.sh"]
async fn the_favicon_and_the_link_preview_image_are_served() {
    let (_server, url) = support::serve(&[]);
    let icon = reqwest::get(format!("{url}/favicon.ico")).await.unwrap();
    assert_eq!(icon.status(), 200);
    let bytes = icon.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");
    let preview = reqwest::get(format!("{url}/og-image.png")).await.unwrap();
    assert_eq!(preview.status(), 200);
    assert_eq!(&preview.bytes().await.unwrap()[1..4], b"PNG");
    let html = reqwest::get(&url).await.unwrap().text().await.unwrap();
    for needle in [
        "name=\"description\"",
        "og:title",
        "og:image",
        "id=\"shell\"",
        "data-theme",
    ] {
        assert!(html.contains(needle), "index.html has {needle}");
    }
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn run_all_tells_each_incident_in_turn() {
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    open(&client, &url, "light").await;
    // Every verdict the pill shows, and the headline with it, until the sequence ends.
    let script = r#"
        const done = arguments[arguments.length - 1];
        const seen = [];
        let last = document.getElementById('verdict').className.replace('verdict ', '');
        const observer = new MutationObserver(() => {
            const c = document.getElementById('verdict').className.replace('verdict ', '');
            if (c !== last && c !== 'open') {
                seen.push({ verdict: c, headline: document.querySelector('#headline .sentence').textContent });
            }
            last = c;
            const busy = document.getElementById('run-all').disabled;
            if (!busy && c === 'noincident' && seen.length > 1) { observer.disconnect(); done(seen); }
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        document.getElementById('run-all').click();
    "#;
    let seen: Vec<Value> = serde_json::from_value(client.execute_async(script, vec![]).await.unwrap()).unwrap();
    let verdicts: Vec<&str> = seen.iter().map(|s| s["verdict"].as_str().unwrap()).collect();
    let told: Vec<&str> = seen
        .iter()
        .filter(|s| s["verdict"] == "resolved")
        .map(|s| s["headline"].as_str().unwrap())
        .collect();
    for service in ["payment-service", "checkout-service", "auth-service"] {
        assert!(
            told.iter().any(|h| h.contains(service)),
            "{service} told in turn: {told:?}"
        );
    }
    assert_eq!(told.len(), 4, "four incidents, each shown resolved: {verdicts:?}");
    assert_eq!(verdicts.last(), Some(&"noincident"));
    client.close().await.unwrap();
}

/// index.html's static first screen, laid out beside the app (hidden, out of
/// flow, at the top of the page), against the app's own: where its parts are
/// and what they say. Returns `[{what, shell, app}]` with rects as
/// `[left, top, width, height]` in page pixels, or the text.
async fn shell_beside_app(client: &Client) -> Vec<Value> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        scrollTo(0, 0);
        fetch(location.href).then(r => r.text()).then(html => {
            const shell = document.importNode(new DOMParser().parseFromString(html, 'text/html').getElementById('shell'), true);
            shell.id = 'shell-beside';
            shell.style.cssText = 'position: absolute; top: 0; left: 0; width: 100%; visibility: hidden';
            document.body.prepend(shell);
            const rect = e => { if (!e) return null; const r = e.getBoundingClientRect(); return [r.left, r.top + scrollY, r.width, r.height].map(Math.round); };
            const text = e => e ? e.textContent.replace(/\s+/g, ' ').trim() : null;
            // [what, in the shell, in the app, whether the words are the same too]
            const pairs = [['title', '.topbar h1', 'body > header.topbar h1', true],
                ['figures', '.stats', 'body > header.topbar .stats', false],
                ['scenarios panel', '.scenarios-panel', '#main .scenarios-panel', false],
                ['scenarios heading', '.scenarios-panel h2', '#scenarios-title', true],
                ['your data panel heading', '.own-data h2', '#own-data h2', true],
                ['your data hint', '.own-data .hint', '#own-data .hint', true]];
            const out = [];
            for (const [what, mine, theirs, words] of pairs) {
                const a = shell.querySelector(mine), b = document.querySelector(theirs);
                out.push({ what, shell: rect(a), app: rect(b) });
                if (words) out.push({ what: what + ' text', shell: text(a), app: text(b) });
            }
            const buttons = [...document.querySelectorAll('#main button.scenario')];
            shell.querySelectorAll('button.scenario').forEach((a, i) => {
                out.push({ what: 'scenario ' + i, shell: rect(a), app: buttons[i] ? rect(buttons[i]) : null });
                out.push({ what: 'scenario ' + i + ' text', shell: text(a), app: buttons[i] ? text(buttons[i]) : null });
            });
            // The headline's box, where the first screen shows it (on a phone it
            // is further down); the app's sentence says more than the shell's.
            const headline = rect(document.getElementById('headline'));
            if (headline[1] < innerHeight) {
                out.push({ what: 'headline box', shell: (rect(shell.querySelector('.headline')) || []).slice(0, 3),
                    app: headline.slice(0, 3) });
            }
            shell.remove();
            done(out);
        });
    "#;
    serde_json::from_value(client.execute_async(script, vec![]).await.unwrap()).unwrap()
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn the_static_first_screen_is_the_apps_first_screen_and_paints_the_largest_text() {
    let (_server, url) = support::serve(&[]);
    for (width, height) in SIZES {
        let (client, _driver) = support::browser(width, height).await;
        for theme in THEMES {
            open(&client, &url, theme).await;
            let compared = shell_beside_app(&client).await;
            assert!(compared.len() > 10, "{compared:?}");
            let differ: Vec<&Value> = compared.iter().filter(|c| c["shell"] != c["app"]).collect();
            assert!(
                differ.is_empty(),
                "at {width}x{height}, {theme}: the static first screen differs from the app's: {differ:#?}"
            );
        }
        if width < 500 {
            // On a phone the largest text is the "Your data" hint: the static
            // first screen paints it, and the app's own copy is no larger, so
            // the largest contentful paint is the first one.
            let script = r#"
                const done = arguments[arguments.length - 1];
                new PerformanceObserver(list => done([
                    performance.getEntriesByName('first-contentful-paint')[0].startTime,
                    list.getEntries().map(e => e.startTime)])).observe({ type: 'largest-contentful-paint', buffered: true });
            "#;
            let paints = client.execute_async(script, vec![]).await.unwrap();
            let fcp = paints[0].as_f64().unwrap();
            let last = paints[1].as_array().and_then(|l| l.last()).and_then(Value::as_f64);
            assert_eq!(last, Some(fcp), "largest contentful paint at the first paint: {paints}");
        }
        client.close().await.unwrap();
    }
}
