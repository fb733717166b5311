//! End-to-end: the real server, the real built app, a real headless Chromium.
//! Run by scripts/test.sh (`--include-ignored`) after `trunk build`.

mod support;

use fantoccini::{Client, Locator};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn wait(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            // Leave a picture of what the page showed instead.
            support::screenshot(client, "failure").await;
            let verdict = client.find(Locator::Css("#verdict")).await.ok();
            let shown = match verdict {
                Some(v) => v.attr("class").await.ok().flatten().unwrap_or_default(),
                None => String::new(),
            };
            panic!(
                "{css}: {e}; verdict shown: {shown:?}; decisions: {:?}",
                decisions(client).await
            )
        }
    }
}

async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn click_scenario(client: &Client, name: &str) {
    wait(client, &format!("button[data-scenario='{name}']:not([disabled])"))
        .await
        .click()
        .await
        .unwrap();
}

/// Decisions of the current run, agent: text (the timeline's cards).
async fn decisions(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for agent in ["cassandra", "archaeologist", "surgeon", "guardian"] {
        if let Ok(e) = client
            .find(Locator::Css(&format!("[data-agent='{agent}'] .decision")))
            .await
        {
            out.push(format!("{agent}: {}", e.text().await.unwrap()));
        }
    }
    out
}

async fn audit_rows(client: &Client) -> usize {
    client.find_all(Locator::Css("#audit tbody tr")).await.unwrap().len()
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn every_scenario_button_runs_the_four_agents_to_the_right_end() {
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&url).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    support::screenshot(&client, "idle-1440x900").await;
    assert_eq!(
        client.title().await.unwrap(),
        "QuantumState — incident-response flight simulator"
    );
    assert_eq!(client.find_all(Locator::Css(".service")).await.unwrap().len(), 4);

    let mut rows = audit_rows(&client).await;
    for (scenario, verdict) in [
        ("memory-leak", "resolved"),
        ("deployment-rollback", "resolved"),
        ("error-spike", "resolved"),
        ("red-herring", "resolved"),
        ("healthy", "noincident"),
    ] {
        click_scenario(&client, scenario).await;
        wait(&client, &format!(".counts[data-scenario='{scenario}']")).await;
        wait(&client, &format!("#verdict.{verdict}")).await;
        let now = audit_rows(&client).await;
        let expected = if verdict == "resolved" { 4 } else { 1 };
        assert_eq!(now - rows, expected, "{scenario}: audit records added");
        rows = now;
        let d = decisions(&client).await.join("\n");
        match scenario {
            "memory-leak" => assert!(d.contains("Memory leak detected on payment-service"), "{d}"),
            "deployment-rollback" => assert!(
                d.contains("Deployment v3.5.0") && d.contains("rollback of checkout-service"),
                "{d}"
            ),
            "error-spike" => assert!(d.contains("Redis") && d.contains("behind a circuit breaker"), "{d}"),
            "red-herring" => {
                assert!(d.contains("ruled out"), "{d}");
                assert!(!d.contains("rollback of"), "the deploy is not blamed: {d}");
            }
            _ => assert!(d.starts_with("cassandra: No anomaly"), "{d}"),
        }
        if scenario == "memory-leak" {
            let class = client
                .find(Locator::Css(".service[data-service='payment-service']"))
                .await
                .unwrap()
                .attr("class")
                .await
                .unwrap()
                .unwrap_or_default();
            assert!(!class.is_empty());
            for canvas in ["#metric-chart", "#decisions-chart", "#mttr-chart"] {
                let painted = support::painted_pixels(&client, canvas).await;
                assert!(painted > 500, "{canvas} looks blank: {painted} painted pixels");
            }
            support::screenshot(&client, "resolved-1440x900").await;
        }
    }
    client.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn below_the_threshold_the_surgeon_waits_for_approve_or_reject() {
    let (_server, url) = support::serve(&[]);
    for (width, height) in [(1440, 900), (390, 844)] {
        let (client, _driver) = support::browser(width, height).await;
        client.goto(&url).await.unwrap();
        wait(&client, "#verdict.noincident").await;
        let threshold = client.find(Locator::Css("#threshold")).await.unwrap();
        threshold.clear().await.unwrap();
        threshold.send_keys("1\u{E007}").await.unwrap(); // Enter commits the change
        click_scenario(&client, "error-spike").await;
        wait(&client, "#verdict.awaitingapproval").await;
        support::screenshot(&client, &format!("awaiting-approval-{width}x{height}")).await;
        assert!(text(&client, "[data-agent='surgeon'] .decision")
            .await
            .contains("waiting for human approval"));
        assert!(
            client
                .find(Locator::Css("[data-agent='guardian'] .decision"))
                .await
                .is_err(),
            "Guardian waits too"
        );
        wait(&client, "#approve").await.click().await.unwrap();
        wait(&client, "#verdict.resolved").await;
        assert!(text(&client, "[data-agent='surgeon'] .decision")
            .await
            .contains("after human approval"));
        if width == 390 {
            support::screenshot(&client, "resolved-390x844").await;
        }

        click_scenario(&client, "deployment-rollback").await;
        wait(&client, "#verdict.awaitingapproval").await;
        wait(&client, "#reject").await.click().await.unwrap();
        wait(&client, "#verdict.escalated").await;
        assert!(text(&client, "[data-agent='guardian'] .decision")
            .await
            .starts_with("ESCALATE"));
        client.close().await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn a_share_link_replays_the_same_decisions_and_a_tampered_one_explains_itself() {
    let (_server, url) = support::serve(&[]);
    let (first, _d1) = support::browser(1440, 900).await;
    first.goto(&url).await.unwrap();
    wait(&first, "#verdict.noincident").await;
    click_scenario(&first, "memory-leak").await;
    // Screenshot while the agents work (the busy line is up).
    if let Ok(busy) = first
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(".busy"))
        .await
    {
        let _ = busy;
        support::screenshot(&first, "running-1440x900").await;
    }
    wait(&first, "#verdict.resolved").await;
    let original = decisions(&first).await;
    let link = wait(&first, "#share-url").await.prop("value").await.unwrap().unwrap();
    assert!(link.contains("s=memory-leak") && link.contains("anchor="), "{link}");
    assert!(!link.contains("es=") && !link.contains("password"), "{link}");
    first.close().await.unwrap();

    // A fresh browser session: same decisions, word for word.
    let (second, _d2) = support::browser(390, 844).await;
    second.goto(&link).await.unwrap();
    wait(&second, "#verdict.resolved").await;
    assert_eq!(decisions(&second).await, original);
    assert!(text(&second, ".notice").await.contains("Replaying a shared demo"));

    // Tampered: a clear message and the default demo.
    let tampered = link.replace("s=memory-leak", "s=meltdown");
    second.goto(&tampered).await.unwrap();
    wait(&second, "#verdict.noincident").await;
    let notice = text(&second, ".notice").await;
    assert!(
        notice.contains("cannot be replayed") && notice.contains("meltdown"),
        "{notice}"
    );
    support::screenshot(&second, "idle-390x844").await;
    second.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn live_replay_moves_the_chart_and_cassandra_fires_while_the_curve_climbs() {
    let (_server, url) = support::serve(&[]);
    for (width, height) in [(1440, 900), (390, 844)] {
        let (client, _driver) = support::browser(width, height).await;
        client.goto(&url).await.unwrap();
        wait(&client, "#verdict.noincident").await;
        client
            .find(Locator::Css("#speed"))
            .await
            .unwrap()
            .select_by_value("live")
            .await
            .unwrap();
        click_scenario(&client, "memory-leak").await;
        // While replaying, the busy line shows the simulated clock.
        let busy = wait(&client, ".busy").await.text().await.unwrap();
        assert!(busy.contains("Live replay"), "{busy}");
        support::screenshot(&client, &format!("running-{width}x{height}")).await;
        // Caught this early the evidence is thinner: Surgeon may ask first.
        let verdict = wait(&client, "#verdict.resolved, #verdict.awaitingapproval").await;
        if verdict
            .attr("class")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("awaitingapproval")
        {
            wait(&client, "#approve").await.click().await.unwrap();
        }
        wait(&client, "#verdict.resolved").await;
        let cassandra = text(&client, "[data-agent='cassandra'] .decision").await;
        // Fired before the alarm level: the crossing is still a forecast.
        assert!(
            cassandra.contains("Memory leak detected") && cassandra.contains("Time to critical"),
            "{cassandra}"
        );
        assert!(!cassandra.contains("crossed at"), "{cassandra}");
        let link = wait(&client, "#share-url").await.prop("value").await.unwrap().unwrap();
        assert!(link.contains("sp=live"), "{link}");
        client.close().await.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs dist-subpath/ (trunk build --public-url /quantumstate/) and chromedriver: run scripts/test.sh"]
async fn the_build_works_under_a_sub_path_on_a_plain_static_host() {
    let dist = std::env::var("QS_DIST_SUBPATH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dist-subpath"));
    assert!(
        dist.join("index.html").is_file(),
        "build it: trunk build --release --public-url /quantumstate/ --dist dist-subpath"
    );
    // Any static host: plain files under /quantumstate/, nothing else.
    let router = axum::Router::new().nest_service("/quantumstate", tower_http::services::ServeDir::new(&dist));
    let base = support::spawn_router(router).await;
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&format!("{base}/quantumstate/")).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    click_scenario(&client, "error-spike").await;
    wait(&client, "#verdict.resolved").await;
    let link = wait(&client, "#share-url").await.prop("value").await.unwrap().unwrap();
    assert!(
        link.starts_with(&format!("{base}/quantumstate/?s=error-spike")),
        "{link}"
    );
    client.goto(&link).await.unwrap();
    wait(&client, "#verdict.resolved").await;
    // The file-reading worker loads from under the sub-path too: it reads a
    // file and refuses it with the reader's message.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hosts.txt");
    std::fs::write(&file, "date;host;cpu\n2026-09-14;a;3\n").unwrap();
    wait(&client, "#own-files:not([disabled])")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    let refused = wait(&client, "#own-file-reports li[data-refused='true']").await;
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("timestamp,service,metric_type,value"));
    client.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/, chromedriver, osmem-server and the engine: run scripts/test.sh"]
async fn elasticsearch_mode_through_the_proxy_and_a_clear_fallback_without_it() {
    // On the light stand-in and on a real OpenSearch node.
    for engine in quantumstate_testkit::engines() {
        elasticsearch_mode(&engine.url, &engine.kind.to_string()).await;
    }
    no_elasticsearch().await;
}

/// A click in Elasticsearch mode on `es_url`: the agents run on the data written there.
async fn elasticsearch_mode(es_url: &str, engine: &str) {
    let es_url = es_url.to_string();
    let (_server, url) = support::serve(&["--es-url", &es_url]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&url).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    wait(&client, "#use-elastic:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    wait(&client, ".badge[data-mode='Elasticsearch']").await;
    click_scenario(&client, "error-spike").await;
    wait(&client, "#verdict.resolved").await;
    let d = decisions(&client).await.join("\n");
    assert!(d.contains("Redis") && d.contains("RESOLVED"), "{engine}: {d}");
    // The data really is in Elasticsearch, and the panel shows the same counts.
    let (metrics, decisions_n) = (
        support::count(&es_url, "metrics-quantumstate").await,
        support::count(&es_url, "agent-decisions-quantumstate").await,
    );
    assert!(metrics > 7_000, "{engine}: {metrics}");
    assert_eq!(
        decisions_n, 4,
        "the four agents of this incident, written to Elasticsearch"
    );
    // The panel refreshes right after the verdict: poll it, bounded.
    let mut panel = String::new();
    for _ in 0..100 {
        panel = text(&client, ".counts-table").await;
        if panel.contains(&metrics.to_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(panel.contains(&metrics.to_string()), "{engine}: {panel}");
    // The choice survives a reload.
    client.refresh().await.unwrap();
    wait(&client, ".badge[data-mode='Elasticsearch']").await;
    wait(&client, "#verdict.noincident").await;
    client.close().await.unwrap();
}

async fn no_elasticsearch() {
    // A server without Elasticsearch: a clear message, still embedded, still working.
    let (_plain, plain_url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&plain_url).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    wait(&client, "#use-elastic:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    let error = wait(&client, ".error").await.text().await.unwrap();
    assert!(
        error.contains("Still on the embedded store") && error.contains("--es-url"),
        "{error}"
    );
    assert_eq!(text(&client, ".badge").await, "Embedded store");
    click_scenario(&client, "memory-leak").await;
    wait(&client, "#verdict.resolved").await;
    // Elasticsearch saved on an earlier visit, unreachable on this one: said,
    // and this visit runs on the embedded store.
    client
        .execute("localStorage.setItem('quantumstate.mode', 'elastic')", vec![])
        .await
        .unwrap();
    client.refresh().await.unwrap();
    wait(&client, "#verdict.noincident").await;
    let notice = wait(&client, ".notice").await.text().await.unwrap();
    assert!(
        notice.contains("chosen on an earlier visit") && notice.contains("embedded store"),
        "{notice}"
    );
    assert_eq!(text(&client, ".badge").await, "Embedded store");
    client.close().await.unwrap();
}
