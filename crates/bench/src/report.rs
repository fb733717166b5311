//! The one table, in Markdown, with where and how it was measured.

use crate::stats::{thousands, Sample};
use crate::Results;
use std::fmt::Write;

/// Targets from issue 6 (the footprint's are in [`crate::footprint`]).
const EMBEDDED_VERDICT_TARGET_MS: f64 = 100.0;
const ELASTIC_VERDICT_TARGET_MS: f64 = 1_500.0;
const PROXY_RATIO_TARGET: f64 = 0.90;

pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

pub fn kb(bytes: u64) -> String {
    format!("{:.1} kB", bytes as f64 / 1000.0)
}

pub fn mib(bytes: f64) -> String {
    format!("{:.2} MiB", bytes / 1_048_576.0)
}

fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M", per_second / 1e6)
    } else {
        thousands(per_second.round() as u64)
    }
}

pub struct Table(pub String);

impl Table {
    pub fn row(&mut self, area: &str, measure: &str, result: &str, target: &str, status: &str) {
        let _ = writeln!(self.0, "| {area} | {measure} | {result} | {target} | {status} |");
    }
}

pub fn markdown(r: &Results) -> String {
    let m = &r.machine;
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Measured {} on {} ({} cores, {}), commit {}, by `scripts/bench.sh` \
         (see README.md, \"Benchmarks\"). Every figure is from this one run on this machine.\n",
        m.date, m.cpu, m.cores, m.memory, m.commit
    );
    let tools: Vec<String> = m.tools.iter().map(|(t, v)| format!("{t}: `{v}`")).collect();
    let _ = writeln!(out, "Tools: {}.\n", tools.join("; "));

    let mut t = Table(String::new());
    let _ = writeln!(t.0, "| area | measure | result | target | |");
    let _ = writeln!(t.0, "|---|---|---|---|---|");

    crate::footprint::load_rows(&mut t, &r.bundle, &r.loads);

    // Click to verdict.
    for (store, scenario, clicks) in &r.clicks {
        let v = Sample::new(clicks.iter().map(|c| c.verdict_ms).collect());
        let c = Sample::new(clicks.iter().map(|c| c.cassandra_ms).collect());
        let target = if store == "embedded" {
            EMBEDDED_VERDICT_TARGET_MS
        } else {
            ELASTIC_VERDICT_TARGET_MS
        };
        t.row(
            "Click to verdict",
            &format!("{store}: {scenario}"),
            &format!(
                "verdict {} · Cassandra's decision {} · of which writing the {} documents {}",
                v.show(0, "ms"),
                c.show(0, "ms"),
                clicks
                    .first()
                    .and_then(|c| c.documents)
                    .map(thousands)
                    .unwrap_or_default(),
                Sample::new(clicks.iter().filter_map(|c| c.write_ms).collect()).show(0, "ms")
            ),
            &format!("≤ {} ms", thousands(target as u64)),
            verdict(v.median() <= target),
        );
    }

    // Throughput.
    if let Some(g) = &r.generate {
        t.row(
            "Throughput",
            "generation, native (criterion, memory-leak default)",
            &format!(
                "{} docs/s ({} docs in {:.2} ms; 95% CI {:.2}–{:.2} ms)",
                rate(g.elements_per_second().unwrap_or(f64::NAN)),
                thousands(g.elements.unwrap_or(0)),
                g.median_ns / 1e6,
                g.low_ns / 1e6,
                g.high_ns / 1e6
            ),
            "",
            "",
        );
    }
    let browser_rates = Sample::new(
        r.clicks
            .iter()
            .filter(|(store, _, _)| store == "embedded")
            .flat_map(|(_, _, clicks)| clicks)
            .filter_map(|c| Some(c.documents? as f64 * 1e3 / c.generate_ms?))
            .collect(),
    );
    let native = r.generate.as_ref().and_then(|g| g.elements_per_second());
    t.row(
        "Throughput",
        "generation in Chromium (wasm), every embedded click",
        &format!(
            "{} docs/s (min {}, max {}, n={}){}",
            rate(browser_rates.median()),
            rate(browser_rates.min()),
            rate(browser_rates.max()),
            browser_rates.n(),
            native
                .map(|n| format!("; {:.2}× native", browser_rates.median() / n))
                .unwrap_or_default()
        ),
        "",
        "",
    );
    if let Some(p) = &r.pipeline {
        t.row(
            "Throughput",
            "pipeline: load + 4 agents, memory-leak default (criterion)",
            &format!("{:.0} runs/s ({:.2} ms per run)", p.per_second(), p.median_ns / 1e6),
            "",
            "",
        );
    }
    let (metrics, logs) = r.week_docs;
    let week = (metrics + logs) as f64;
    t.row(
        "Scale",
        "a week, 4 services, 30 s interval: generation (native)",
        &format!(
            "{} docs ({} metrics + {} logs) in {:.2} s: {} docs/s",
            thousands(week as u64),
            thousands(metrics as u64),
            thousands(logs as u64),
            r.week_generate_s,
            rate(week / r.week_generate_s)
        ),
        "",
        "",
    );
    for e in &r.engines {
        engine_rows(&mut t, r, e);
    }

    crate::footprint::memory_rows(&mut t, &r.memory, &r.run_all_ms);
    out.push_str(&t.0);
    out.push_str(HOW);
    out
}

/// One engine's rows: its start-up, where a click's time goes, bulk ingest and the week.
fn engine_rows(t: &mut Table, r: &Results, e: &crate::EngineRun) {
    if let Some(s) = e.start_s {
        t.row(
            "Engine",
            &format!("{}: `scripts/engine.sh` start to answering", e.label),
            &format!("{s:.1} s"),
            "",
            "",
        );
    }
    for (scenario, phases) in &e.breakdown {
        let total = Sample::new(phases.iter().map(|p| p.total_ms).collect());
        t.row(
            "Where the time goes",
            &format!(
                "{}: {scenario}, native through the proxy (ms, medians of {})",
                e.label,
                phases.len()
            ),
            &crate::breakdown::summary(phases),
            &format!("≤ {} ms", thousands(ELASTIC_VERDICT_TARGET_MS as u64)),
            verdict(total.median() <= ELASTIC_VERDICT_TARGET_MS),
        );
    }
    let docs = r.ingest_docs as f64;
    let (direct, proxy) = (docs / e.direct_s.median(), docs / e.proxy_s.median());
    t.row(
        "Throughput",
        &format!(
            "{}: bulk ingest of {} docs straight to the engine",
            e.label,
            thousands(r.ingest_docs as u64)
        ),
        &format!(
            "{} docs/s (median of {} runs, {:.2} s)",
            rate(direct),
            e.direct_s.n(),
            e.direct_s.median()
        ),
        "",
        "",
    );
    t.row(
        "Throughput",
        &format!(
            "{}: the same through the proxy (`quantumstate serve --es-url`)",
            e.label
        ),
        &format!(
            "{} docs/s (median of {} runs, {:.2} s): {:.0}% of direct",
            rate(proxy),
            e.proxy_s.n(),
            e.proxy_s.median(),
            100.0 * proxy / direct
        ),
        &format!("≥ {:.0}% of direct", PROXY_RATIO_TARGET * 100.0),
        verdict(proxy / direct >= PROXY_RATIO_TARGET),
    );

    let (metrics, logs) = r.week_docs;
    let week = (metrics + logs) as f64;
    t.row(
        "Scale",
        &format!("{}: the week into the engine (bulk, direct)", e.label),
        &format!("{:.1} s: {} docs/s", e.week_ingest_s, rate(week / e.week_ingest_s)),
        "",
        "",
    );
    let scan = Sample::new(e.scans.iter().map(|s| s.ms).collect());
    if let Some(s) = e.scans.first() {
        t.row(
            "Scale",
            &format!(
                "{}: Cassandra's scan at the week's end (3 h window, every series)",
                e.label
            ),
            &format!(
                "{}: {} requests, {} documents returned, {} documents aggregated, {} of answers",
                scan.show(0, "ms"),
                s.requests,
                s.hits_returned,
                thousands(s.documents_covered),
                kb(s.response_bytes)
            ),
            "aggregations only",
            // A detection reads one log line (the service's region); a quiet week reads none.
            verdict(e.scans.iter().all(|s| s.hits_returned <= 1)),
        );
    }
    let b = &e.baselines;
    t.row(
        "Scale",
        &format!(
            "{}: week-long baselines, `extended_stats` per series over all 7 days",
            e.label
        ),
        &format!(
            "{:.0} ms: {} requests, {} documents returned, {} documents aggregated, {} of answers",
            b.ms,
            b.requests,
            b.hits_returned,
            thousands(b.documents_covered),
            kb(b.response_bytes)
        ),
        "aggregations only",
        verdict(b.hits_returned == 0),
    );
}

pub const HOW: &str = "
## How it is measured

- **Bundle:** every file `trunk build --release` put in `dist/`, compressed here with gzip level 9,
  with zopfli (the `.gz` copies `quantumstate serve` writes and serves to gzip-only clients) and
  brotli quality 11 (served to clients that accept it). \"Over the wire\" is the browser's
  `transferSize` on a cold load from `quantumstate serve` (brotli 11 to Chromium).
- **Footprint:** a file counts before interactive when any cold load requested it (its resource
  timing `startTime`, the document included) before the `app-interactive` mark; \"after\" files were
  requested only later in the load, the rest not at all. The figure is the sum of those files'
  gzip -9 sizes, as the target is stated.
- **Load:** each load is a new Chromium session with an empty profile (nothing cached). The figure
  is the `startTime` of the `app-interactive` performance mark, which the first screen's own module
  (`src/bin/shell.rs`) sets once its buttons answer clicks (a scenario, \"Run all\", \"Reset\" or files
  are then queued for the app, the theme and the knobs work); it then fetches the app, which sets
  `app-ready` once the opening healthy run has settled and its buttons are enabled
  (`Controller::idle`, `src/controller.rs`); `startTime` counts from navigation start. First contentful paint is Chromium's own entry.
- **Click to verdict:** in one page per store, one untimed warm-up click per scenario, then the
  timed clicks. A MutationObserver in the page notes when Cassandra's decision and the verdict
  (`#verdict` resolved or no incident) of the new run (the timeline's `data-run`) reach the DOM,
  on the page's own clock; the next click waits until the app is idle. On the embedded store the
  agents run without pausing, so both land in the same frame. Elasticsearch mode is the same page switched to the proxy of
  `quantumstate serve --es-url` in front of osmem-server: each click generates, bulk-writes and
  queries through the proxy.
- **Throughput:** criterion (`cargo bench -p quantumstate-core --bench pipeline`) for native
  generation and the pipeline; the browser figure is the app's `qs:generate` User Timing measure
  divided into the documents that run generated. Bulk ingest writes the first 100,000 metric
  documents of the week below with the app's bulk writer (2,000 documents per request), direct and
  through the proxy alternately, into emptied indices, and checks every document arrived.
- **Scale:** a healthy week (7 × 24 h of history) for all four services at the default 30 s
  interval, generated natively and bulk-written straight to osmem-server. Cassandra's scan is the
  agent's own code (`cassandra::scan`) at the end of the week; a transport wrapper counts requests,
  answer bytes and the documents returned in `hits.hits`; \"documents aggregated\" counts the
  metric documents inside the windows the aggregations summarised.
- **Memory:** one page, \"Run all in sequence\" repeatedly; after each round a full `gc()` (Chromium
  with `--js-flags=--expose-gc`), then `performance.memory.usedJSHeapSize`
  (`--enable-precise-memory-info`), the wasm linear memory size (it never shrinks) and the number
  of audit records kept. Round 1 is the warm-up. Every run adds audit records (the trail is kept
  in full, as text), so the bound is per record: the growth of JS heap plus wasm memory from round
  2 to the last, divided by the records added in between.
";
