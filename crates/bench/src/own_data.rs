//! "Your data" in the browser: files of 1, 10 and 50 MB generated here
//! (metrics NDJSON, services outside the catalogue, 15 s sampling, one incident
//! at the end) given to the app's file input; the page's own User Timing
//! measures say how long the worker took to read them into the store
//! (`qs:own-read`) and the agents to analyse them (`qs:own-analysis`). Memory
//! is the linear memory of the page's wasm and of the worker's after the run
//! (both only grow: the peak). A fresh page per size.
//! `quantumstate-bench --only-own-data` prints the rows.

use anyhow::{bail, Context};
use chrono::{TimeDelta, TimeZone, Utc};
use fantoccini::{Client, Locator};
use quantumstate_testkit::Driver;
use serde_json::json;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// The sizes measured, in MB.
pub const SIZES_MB: [usize; 3] = [1, 10, 50];
const SERVICES: usize = 24;
const INTERVAL_SECS: i64 = 15;

/// One size's figures.
#[derive(Debug)]
pub struct Row {
    pub bytes: u64,
    pub documents: u64,
    pub read_ms: f64,
    pub analysis_ms: f64,
    pub page_memory: f64,
    pub worker_memory: f64,
    pub status: String,
}

impl Row {
    pub fn docs_per_s(&self) -> f64 {
        self.documents as f64 / (self.read_ms / 1e3)
    }
}

/// About `mb` MB of metrics NDJSON ending in an error spike on svc-00; returns the lines.
fn write_file(path: &Path, mb: usize) -> anyhow::Result<u64> {
    let target = mb * 1_000_000;
    // ~140 bytes a line, two metrics per service and step.
    let steps = (target / (140 * 2 * SERVICES)) as i64;
    let start = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
    let onset = steps - 40;
    let mut out = String::with_capacity(target + target / 10);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut noise = move |below: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % below
    };
    let mut lines = 0;
    for step in 0..steps {
        let at = (start + TimeDelta::seconds(step * INTERVAL_SECS)).to_rfc3339();
        for s in 0..SERVICES {
            let bad = s == 0 && step >= onset;
            let errors = if bad { 40 + noise(10) } else { noise(3) };
            let cpu = 36 + noise(5);
            for (metric, value, unit) in [
                ("error_rate", errors, "errors_per_min"),
                ("cpu_percent", cpu, "percent"),
            ] {
                let doc = json!({ "@timestamp": at, "service": format!("svc-{s:02}"), "region": "eu-central-1",
                                  "metric_type": metric, "value": value, "unit": unit });
                let _ = writeln!(out, "{doc}");
                lines += 1;
            }
        }
    }
    std::fs::write(path, out)?;
    Ok(lines)
}

const FIGURES_JS: &str = r#"
const m = n => { const e = performance.getEntriesByName(n); return e.length ? e[e.length - 1].duration : null; };
const li = document.querySelector('#own-file-reports li');
const own = document.querySelector('#own-data');
const verdict = document.querySelector('#verdict');
return {
    read_ms: m('qs:own-read'), analysis_ms: m('qs:own-analysis'),
    good: li && li.dataset.good ? Number(li.dataset.good) : null,
    page_memory: window.quantumstateApp ? window.quantumstateApp.wasm_memory_bytes() : null,
    worker_memory: own && own.dataset.workerMemory ? Number(own.dataset.workerMemory) : null,
    status: verdict ? verdict.dataset.status || null : null,
    error: (document.querySelector('#own-message') || {}).textContent || null,
};
"#;

async fn one(client: &Client, url: &str, path: &Path, lines: u64) -> anyhow::Result<Row> {
    client.goto(url).await?;
    client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#verdict.noincident"))
        .await?;
    let input = client.find(Locator::Css("#own-files")).await?;
    input.send_keys(&path.display().to_string()).await?;
    let started = std::time::Instant::now();
    loop {
        let v = client.execute(FIGURES_JS, vec![]).await?;
        if let Some(e) = v["error"].as_str() {
            bail!("the page refused the file: {e}");
        }
        if v["analysis_ms"].is_number() && v["status"].is_string() {
            return Ok(Row {
                bytes: std::fs::metadata(path)?.len(),
                documents: v["good"].as_u64().unwrap_or(lines),
                read_ms: v["read_ms"].as_f64().unwrap_or(f64::NAN),
                analysis_ms: v["analysis_ms"].as_f64().unwrap_or(f64::NAN),
                page_memory: v["page_memory"].as_f64().unwrap_or(f64::NAN),
                worker_memory: v["worker_memory"].as_f64().unwrap_or(f64::NAN),
                status: v["status"].as_str().unwrap_or_default().to_string(),
            });
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("no result after 10 minutes: {v}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Measure every size on a server of `dist`.
pub async fn measure(server: &Path, dist: &Path) -> anyhow::Result<Vec<Row>> {
    let (_server, url) = quantumstate_testkit::serve(server, dist, &[]);
    let driver = Driver::start();
    let client = crate::page::session(&driver).await?;
    let dir = std::env::temp_dir().join("qs-bench-own-data");
    std::fs::create_dir_all(&dir)?;
    let mut rows = Vec::new();
    for mb in SIZES_MB {
        let path = dir.join(format!("metrics-{mb}mb.ndjson"));
        let lines = write_file(&path, mb)?;
        eprintln!("… your data: {mb} MB ({lines} lines)");
        rows.push(
            one(&client, &url, &path, lines)
                .await
                .with_context(|| format!("{mb} MB"))?,
        );
    }
    let _ = client.close().await;
    Ok(rows)
}

/// The rows as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| input | documents | read into the store (worker) | documents/s | analysis (advisory) | verdict | page wasm memory | worker wasm memory |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {:.1} MB | {} | {:.0} ms | {:.0} | {:.0} ms | {} | {:.1} MB | {:.1} MB |",
            r.bytes as f64 / 1e6,
            r.documents,
            r.read_ms,
            r.docs_per_s(),
            r.analysis_ms,
            r.status,
            r.page_memory / 1e6,
            r.worker_memory / 1e6
        );
    }
    out
}
