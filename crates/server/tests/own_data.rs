//! End-to-end "Your data": the real server, the built app and its file-reading
//! worker, a real headless Chromium. The files are written by this test, not
//! by the simulator: services outside the catalogue (billing-api, web-gateway,
//! catalog-api), other sampling intervals, integer error counts, a few
//! malformed lines, a file that is not in the model and a service whose metric
//! types the agents do not know. Then a ~50 MB file: progress, a page that
//! answers clicks while it is read, and the result.
//! Run by scripts/test.sh (`--include-ignored`) after `trunk build`.

mod support;

use chrono::TimeDelta;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;
use support::incident::{Case, Noise, BAD_LINES, REGION, ROOT};

const WAIT: Duration = Duration::from_secs(60);

async fn wait(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            support::screenshot(client, "own-data-failure").await;
            let page = client
                .execute("return document.body.innerText", vec![])
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            panic!("{css}: {e}\n--- page ---\n{page}")
        }
    }
}

async fn js(client: &Client, script: &str) -> serde_json::Value {
    client.execute(script, vec![]).await.unwrap()
}

async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Give the file input these files (WebDriver: one path per line).
async fn choose(client: &Client, files: &[&Path]) {
    let input = wait(client, "#own-files:not([disabled])").await;
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    input.send_keys(&paths.join("\n")).await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn your_own_files_are_read_judged_in_advisory_mode_and_exported() {
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&url).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("inventory.txt");
    std::fs::write(&wrong, "date;host;cpu\n2026-09-14;a;3\n").unwrap();
    for case in [
        Case {
            seed: 3,
            interval_secs: 45,
            resolved: true,
        },
        Case {
            seed: 11,
            interval_secs: 30,
            resolved: false,
        },
        Case {
            seed: 19,
            interval_secs: 60,
            resolved: true,
        },
    ] {
        let what = format!(
            "seed {} every {} s, resolved {}",
            case.seed, case.interval_secs, case.resolved
        );
        let (metrics, logs) = case.files(dir.path());
        let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_string();
        choose(&client, &[&metrics, &logs, &wrong]).await;
        let verdict = if case.resolved { "resolved" } else { "awaitingrecovery" };
        wait(&client, &format!("#verdict.{verdict}")).await;
        wait(&client, "#copy-postmortem").await;

        // What was read: the bad lines by number, the refused file with what was expected.
        let report = format!("#own-file-reports li[data-file='{}']", name(&metrics));
        let bad = wait(&client, &report).await.attr("data-bad").await.unwrap();
        assert_eq!(bad.as_deref(), Some("3"), "{what}");
        for line in BAD_LINES {
            let shown = text(&client, &format!("{report} .bad-lines li[data-line='{line}']")).await;
            assert!(shown.starts_with(&format!("line {line}: ")), "{what}: {shown}");
        }
        let kind = wait(&client, &format!("#own-file-reports li[data-file='{}']", name(&logs))).await;
        assert_eq!(kind.attr("data-kind").await.unwrap().as_deref(), Some("logs"), "{what}");
        let refused = text(&client, "#own-file-reports li[data-file='inventory.txt']").await;
        assert!(
            refused.contains("refused") && refused.contains("timestamp,service,metric_type,value"),
            "{what}: {refused}"
        );
        // Services outside the catalogue are shown; the one with unknown metric types is not judged.
        let judged = |s: &str| format!("#own-services li[data-service='{s}']");
        assert!(
            text(&client, &judged(ROOT)).await.contains("not in the catalogue"),
            "{what}"
        );
        let runner = wait(&client, &judged("batch-runner")).await;
        assert_eq!(runner.attr("data-judged").await.unwrap().as_deref(), Some("false"));

        // The verdict, the root service, and advisory wording everywhere.
        let headline = text(&client, "#headline .sentence").await;
        assert!(
            headline.starts_with(&format!("In your data, {ROOT} ")),
            "{what}: {headline}"
        );
        let surgeon = text(&client, "[data-agent='surgeon'] .decision").await;
        assert!(surgeon.starts_with("Recommends"), "{what}: {surgeon}");
        let guardian = text(&client, "[data-agent='guardian'] .decision").await;
        let expected = if case.resolved { "RESOLVED in your data" } else { "OPEN" };
        assert!(guardian.starts_with(expected), "{what}: {guardian}");
        let advisory = js(
            &client,
            "return [...document.querySelectorAll('#audit tbody tr')].slice(0, 4).map(r => r.dataset.mode)",
        )
        .await;
        assert_eq!(
            advisory,
            json!(["advisory", "advisory", "advisory", "advisory"]),
            "{what}"
        );
        let page = js(&client, "return document.body.innerText").await;
        let page = page.as_str().unwrap();
        let claims: Vec<&str> = page.lines().filter(|l| l.to_lowercase().contains("executed")).collect();
        assert!(claims.is_empty(), "{what}: the page speaks of an execution: {claims:?}");
        let chip = js(
            &client,
            "return document.querySelector('#headline .severity').textContent",
        )
        .await;
        assert!(
            chip.as_str().unwrap().starts_with("Your data · "),
            "{what}: severity chip {chip}"
        );

        // Share cannot carry the data; the post-mortem is offered instead.
        assert!(wait(&client, "#share").await.attr("disabled").await.unwrap().is_some());
        assert!(text(&client, "#share-note")
            .await
            .contains("cannot carry your own data"));

        // The export: core's post-mortem of this run.
        let md = js(&client, "return document.querySelector('#postmortem').textContent").await;
        let md = md.as_str().unwrap();
        assert!(md.starts_with("# Post-mortem: "), "{what}: {md}");
        assert!(md.contains(&format!(" on {ROOT}, ")), "{what}: {md}");
        assert!(md.contains("- **Mode:** advisory"), "{what}: {md}");
        assert!(md.contains("\n\nIn your data, "), "{what}: summary:\n{md}");
        assert!(md.contains("E_BILLING_PANIC"), "{what}: evidence chain:\n{md}");
        assert!(
            md.contains(if case.resolved { "RESOLVED" } else { "OPEN" }),
            "{what}: {md}"
        );
        assert!(!md.contains("Executed"), "{what}: {md}");
        wait(&client, "#copy-postmortem").await.click().await.unwrap();
        assert!(text(&client, ".notice").await.contains("Post-mortem copied"));
        assert!(client.find(Locator::Css("#download-postmortem")).await.is_ok());
        assert!(client.find(Locator::Css("#download-chart")).await.is_ok());
        assert!(
            support::painted_pixels(&client, "#metric-chart").await > 500,
            "{what}: chart blank"
        );
    }

    // A scenario afterwards runs on the simulation again, and Share comes back.
    wait(&client, "button[data-scenario='memory-leak']:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    wait(&client, "#verdict.resolved").await;
    assert!(text(&client, "#headline .sentence")
        .await
        .starts_with("Simulated payment-service"));
    assert!(wait(&client, "#share").await.attr("disabled").await.unwrap().is_none());
    assert!(client.find(Locator::Css("#share-note")).await.is_err());
    client.close().await.unwrap();
}

/// About 50 MB of metrics NDJSON: `services` catalogue-outside services over
/// many hours at 15 s, one incident at the end.
fn big_file(path: &Path) -> usize {
    let case = Case {
        seed: 5,
        interval_secs: 15,
        resolved: true,
    };
    let mut noise = Noise(99);
    let mut out = String::with_capacity(52_000_000);
    let mut lines = 0;
    let services: Vec<String> = (0..24).map(|i| format!("svc-{i:02}")).collect();
    let hours = 31;
    let begin = case.onset() - TimeDelta::hours(hours);
    let mut at = begin;
    while at <= case.end() {
        for s in &services {
            let bad = s == "svc-00" && case.broken(at, 0);
            for (metric, value, unit) in [
                (
                    "error_rate",
                    json!(if bad { 40 + noise.int(10) } else { noise.int(3) }),
                    "errors_per_min",
                ),
                ("cpu_percent", json!((38.0 + 3.0 * noise.unit()).round()), "percent"),
            ] {
                let _ = writeln!(
                    out,
                    "{}",
                    json!({ "@timestamp": at.to_rfc3339(), "service": s, "region": REGION,
                            "metric_type": metric, "value": value, "unit": unit })
                );
                lines += 1;
            }
        }
        at += TimeDelta::seconds(case.interval_secs);
    }
    std::fs::write(path, out).unwrap();
    lines
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn a_50_mb_file_shows_progress_and_the_page_answers_while_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ndjson");
    let lines = big_file(&path);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 45_000_000, "{size} bytes");
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&url).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    choose(&client, &[&path]).await;
    wait(&client, "#own-progress").await;
    // While the worker reads, the page answers: the theme toggle flips, and the
    // progress bar is still up (and short of the total) after it did.
    let toggle = wait(&client, ".topbar button[aria-pressed]").await;
    let before = toggle.attr("aria-pressed").await.unwrap();
    toggle.click().await.unwrap();
    let state = js(
        &client,
        "const p = document.querySelector('#own-progress'); \
         return [document.querySelector('.topbar button[aria-pressed]').getAttribute('aria-pressed'), \
                 p ? Number(p.dataset.done) : null, p ? Number(p.dataset.total) : null]",
    )
    .await;
    assert_ne!(
        state[0].as_str(),
        before.as_deref(),
        "the toggle did not answer: {state}"
    );
    let (done, total) = (state[1].as_f64(), state[2].as_f64());
    assert!(
        done.zip(total).is_some_and(|(d, t)| d < t),
        "the file was read before the click was answered: {state}"
    );
    assert_eq!(total, Some(size as f64));
    // The result.
    let report = wait(
        &client,
        "#own-file-reports li[data-file='big.ndjson'][data-good]:not([data-good='0'])",
    )
    .await;
    assert_eq!(report.attr("data-good").await.unwrap(), Some(lines.to_string()));
    wait(&client, "#verdict.resolved").await;
    assert!(text(&client, "#headline .sentence")
        .await
        .starts_with("In your data, svc-00 "));
    // Read it again and cancel: nothing is analysed, and the last story stays.
    choose(&client, &[&path]).await;
    wait(&client, "#own-cancel").await.click().await.unwrap();
    assert!(text(&client, "#own-message").await.starts_with("Cancelled"));
    assert!(client.find(Locator::Css("#own-progress")).await.is_err());
    wait(&client, "#verdict.resolved").await;
    wait(&client, "#own-files:not([disabled])").await;
    client.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/, chromedriver and osmem-server: run scripts/test.sh"]
async fn in_elasticsearch_mode_the_indices_are_analysed_as_they_are() {
    use quantumstate_core::elastic::{ElasticStore, IndexNames};
    use quantumstate_core::Store;
    use quantumstate_server::transport::{Credentials, HttpTransport};
    let (_es, es_url) = support::osmem();
    // Someone else's telemetry, already in the cluster (written here, not by a scenario).
    let case = Case {
        seed: 23,
        interval_secs: 45,
        resolved: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let (m, l) = case.files(dir.path());
    let metrics = quantumstate_core::ingest::metrics(&std::fs::read_to_string(m).unwrap())
        .unwrap()
        .docs;
    let logs = quantumstate_core::ingest::logs(&std::fs::read_to_string(l).unwrap())
        .unwrap()
        .docs;
    let transport = HttpTransport::new(&es_url, Credentials::default(), Duration::from_secs(30)).unwrap();
    let store = ElasticStore::new(transport, IndexNames::default());
    store.setup(case.end()).await.unwrap();
    store.write_metrics(&metrics).await.unwrap();
    store.write_logs(&logs).await.unwrap();
    let before = store.counts().await.unwrap();

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
    wait(&client, "#analyse-indices:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    wait(&client, "#verdict.resolved").await;
    let headline = text(&client, "#headline .sentence").await;
    assert!(headline.starts_with(&format!("In your data, {ROOT} ")), "{headline}");
    assert!(text(&client, "[data-agent='surgeon'] .decision")
        .await
        .starts_with("Recommends"));
    assert!(text(&client, "[data-agent='guardian'] .decision")
        .await
        .starts_with("RESOLVED in your data"));
    wait(&client, "#copy-postmortem").await;
    // No scenario was written: the telemetry is as it was; only the four advisory records were added.
    let after = store.counts().await.unwrap();
    assert_eq!((after.metrics, after.logs), (before.metrics, before.logs));
    assert_eq!(after.decisions, before.decisions + 4);
    let modes = js(
        &client,
        "return [...document.querySelectorAll('#audit tbody tr')].slice(0, 4).map(r => r.dataset.mode)",
    )
    .await;
    assert_eq!(modes, json!(["advisory", "advisory", "advisory", "advisory"]));
    client.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn files_dropped_on_the_page_are_read_like_chosen_ones() {
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&url).await.unwrap();
    wait(&client, "#verdict.noincident").await;
    let case = Case {
        seed: 31,
        interval_secs: 45,
        resolved: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let (m, l) = case.files(dir.path());
    let (m, l) = (std::fs::read_to_string(m).unwrap(), std::fs::read_to_string(l).unwrap());
    // A drop of two files onto the page, as the browser delivers it.
    client
        .execute(
            "const dt = new DataTransfer();
             dt.items.add(new File([arguments[0]], 'dropped-metrics.ndjson'));
             dt.items.add(new File([arguments[1]], 'dropped-logs.ndjson'));
             document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));",
            vec![json!(m), json!(l)],
        )
        .await
        .unwrap();
    wait(&client, "#verdict.resolved").await;
    let report = wait(&client, "#own-file-reports li[data-file='dropped-metrics.ndjson']").await;
    assert_eq!(report.attr("data-bad").await.unwrap().as_deref(), Some("3"));
    assert!(text(&client, "#headline .sentence")
        .await
        .starts_with(&format!("In your data, {ROOT} ")));
    client.close().await.unwrap();
}
