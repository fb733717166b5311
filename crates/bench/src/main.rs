//! `quantumstate-bench`: the numbers users feel, from one run on one machine.
//!
//! `scripts/bench.sh` builds the app and the server in release mode, runs the
//! criterion benches, then this binary, which measures the rest, prints one
//! Markdown table and writes it to `docs/benchmarks.md`. See README.md,
//! "Benchmarks".

mod breakdown;
mod bundle;
mod criterion;
mod footprint;
mod ingest;
mod machine;
mod own_data;
mod page;
mod report;
mod stats;

use anyhow::Context;
use clap::Parser;
use quantumstate_testkit::Driver;
use stats::Sample;
use std::path::PathBuf;

/// Scenario buttons in the order the page shows them.
const SCENARIOS: [&str; 5] = [
    "memory-leak",
    "deployment-rollback",
    "error-spike",
    "red-herring",
    "healthy",
];

#[derive(Parser)]
#[command(about = "Measure QuantumState: bundle, load, click to verdict, throughput, scale, memory")]
struct Args {
    /// The release build of the app (`trunk build --release`).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// The release `quantumstate` binary (`cargo build --release -p quantumstate-server`).
    #[arg(long, default_value = "target/release/quantumstate")]
    server: PathBuf,
    /// Where criterion wrote `cargo bench -p quantumstate-core --bench pipeline`.
    #[arg(long, default_value = "target/criterion")]
    criterion: PathBuf,
    /// The Markdown report.
    #[arg(long, default_value = "docs/benchmarks.md")]
    out: PathBuf,
    /// Cold loads, each in a fresh browser profile.
    #[arg(long, default_value_t = 7)]
    loads: usize,
    /// Timed clicks per scenario and store (after one untimed warm-up click).
    #[arg(long, default_value_t = 5)]
    clicks: usize,
    /// "Run all" rounds in one page for the memory figures.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Documents per bulk-ingest run (proxy versus direct).
    #[arg(long, default_value_t = 100_000)]
    ingest_docs: usize,
    /// Bulk-ingest runs per path, alternating.
    #[arg(long, default_value_t = 3)]
    ingest_runs: usize,
    /// Cassandra scans timed on the week of history.
    #[arg(long, default_value_t = 5)]
    scans: usize,
    /// Only measure where a click's time goes on each engine, print it, and stop.
    #[arg(long)]
    only_breakdown: bool,
    /// Only measure bulk ingest through the proxy against direct on each engine, print it, and stop.
    #[arg(long)]
    only_ingest: bool,
    /// Only measure reading and analysing your own files in the browser (1, 10, 50 MB), print it, and stop.
    #[arg(long)]
    only_own_data: bool,
    /// Only measure the footprint (bundle, bytes before interactive, cold loads, memory over
    /// "Run all" rounds; no search engine), print its rows and put them into `--out` in place
    /// of the old ones.
    #[arg(long)]
    only_footprint: bool,
}

/// `--only-footprint`: the embedded app alone, a few minutes.
async fn footprint_only(args: &Args, machine: machine::Machine, bundle: Vec<bundle::FileSize>) -> anyhow::Result<()> {
    let (_server, url) = quantumstate_testkit::serve(&args.server, &args.dist, &[]);
    let driver = Driver::start();
    say(&format!("{} cold loads", args.loads));
    let mut loads = Vec::new();
    for _ in 0..args.loads {
        loads.push(page::cold_load(&driver, &url).await.context("cold load")?);
    }
    say(&format!("memory: \"Run all\" {} times in one page", args.rounds));
    let (memory, run_all_ms) = memory_rounds(&driver, &url, args.rounds).await?;
    let mut t = report::Table(String::new());
    footprint::load_rows(&mut t, &bundle, &loads);
    footprint::memory_rows(&mut t, &memory, &run_all_ms);
    println!("{}", t.0);
    let old = std::fs::read_to_string(&args.out).unwrap_or_default();
    let note = format!(
        "Footprint rows regenerated {} at commit {} by `scripts/bench.sh --only-footprint` (Bundle, \
         Footprint, Load, Memory); the other rows are from the run above.",
        machine.date, machine.commit
    );
    std::fs::write(&args.out, footprint::splice(&old, &t.0, &note, report::HOW))
        .with_context(|| format!("writing {}", args.out.display()))?;
    say(&format!("footprint rows written to {}", args.out.display()));
    Ok(())
}

/// `rounds` × "Run all" in one page: memory after each, and each round's duration.
async fn memory_rounds(driver: &Driver, url: &str, rounds: usize) -> anyhow::Result<(Vec<page::Memory>, Vec<f64>)> {
    let client = page::open(driver, url).await?;
    let mut memory = Vec::new();
    let mut run_all_ms = Vec::new();
    for _ in 0..rounds {
        run_all_ms.push(page::run_all(&client).await?);
        memory.push(page::memory(&client).await?);
    }
    client.close().await?;
    Ok((memory, run_all_ms))
}

/// Seconds per bulk ingest of `docs`, straight to the engine and through the
/// proxy, alternating so both see the same machine.
async fn proxy_versus_direct(
    es_url: &str,
    proxy_url: &str,
    docs: &[quantumstate_core::MetricDoc],
    runs: usize,
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let (mut direct, mut proxy) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        direct.push(ingest::timed_bulk(es_url, docs).await.context("direct bulk")?);
        proxy.push(
            ingest::timed_bulk(proxy_url, docs)
                .await
                .context("bulk through the proxy")?,
        );
    }
    Ok((direct, proxy))
}

/// Everything measured, for the report.
pub struct Results {
    pub machine: machine::Machine,
    pub bundle: Vec<bundle::FileSize>,
    pub loads: Vec<page::Load>,
    /// (store label, scenario, clicks)
    pub clicks: Vec<(String, &'static str, Vec<page::Click>)>,
    pub generate: Option<criterion::Estimate>,
    pub pipeline: Option<criterion::Estimate>,
    pub ingest_docs: usize,
    pub week_docs: (usize, usize),
    pub week_generate_s: f64,
    /// The same measurements on each engine.
    pub engines: Vec<EngineRun>,
    pub memory: Vec<page::Memory>,
    pub run_all_ms: Vec<f64>,
}

/// What one search engine did.
pub struct EngineRun {
    /// e.g. "OpenSearch 2.19.6".
    pub label: String,
    /// Seconds from starting the engine to its answering, if this run started it.
    pub start_s: Option<f64>,
    pub direct_s: Sample,
    pub proxy_s: Sample,
    pub week_ingest_s: f64,
    pub scans: Vec<ingest::QueryRound>,
    pub baselines: ingest::QueryRound,
    /// Where each scenario's click time goes, several clicks each.
    pub breakdown: Vec<(&'static str, Vec<breakdown::Phases>)>,
}

/// `name` and the version its `GET /` reports (osmem-server reports the
/// OpenSearch version it emulates).
async fn engine_label(url: &str, name: &str) -> String {
    let number = async {
        let v: serde_json::Value = reqwest::get(url).await.ok()?.json().await.ok()?;
        Some(v.pointer("/version/number")?.as_str()?.to_string())
    };
    match number.await {
        Some(n) => format!("{name} {n}"),
        None => name.to_string(),
    }
}

fn say(what: &str) {
    eprintln!("==> {what}");
}

/// `clicks` timed clicks per scenario (after one untimed warm-up each) through `proxy_url`.
async fn breakdowns(
    proxy_url: &str,
    label: &str,
    clicks: usize,
) -> anyhow::Result<Vec<(&'static str, Vec<breakdown::Phases>)>> {
    let mut out = Vec::new();
    let mut anchor = ingest::anchor();
    for scenario in quantumstate_core::sim::Scenario::ALL {
        let mut phases = Vec::new();
        for i in 0..=clicks {
            // Each click a new moment, as the app's anchors are.
            anchor += chrono::TimeDelta::minutes(30);
            let p = breakdown::click(proxy_url, scenario, 42, anchor)
                .await
                .with_context(|| format!("{scenario} on {label}"))?;
            if i > 0 {
                phases.push(p);
            }
        }
        out.push((scenario.name(), phases));
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.only_own_data {
        print!(
            "{}",
            own_data::table(&own_data::measure(&args.server, &args.dist).await?)
        );
        return Ok(());
    }
    // The commit and tools as they are when the measuring starts.
    let machine = machine::describe();
    say("bundle sizes");
    let bundle = bundle::measure(&args.dist)?;
    let generate = criterion::read(&args.criterion, "generate", "memory-leak");
    let pipeline = criterion::read(&args.criterion, "pipeline", "memory-leak");
    if args.only_footprint {
        anyhow::ensure!(args.server.is_file(), "no server binary at {}", args.server.display());
        return footprint_only(&args, machine, bundle).await;
    }
    for e in [&generate, &pipeline].into_iter().filter_map(|r| r.as_ref().err()) {
        eprintln!("warning: {e:#}");
    }

    anyhow::ensure!(
        args.server.is_file(),
        "no server binary at {}: cargo build --release -p quantumstate-server",
        args.server.display()
    );
    let (_osmem, osmem_url) = quantumstate_testkit::osmem();
    say("starting OpenSearch (scripts/engine.sh)");
    let log = std::env::temp_dir().join("qs-bench-engine.log");
    let (_node, opensearch_url, opensearch_start) = quantumstate_testkit::opensearch(&log);
    let engines = [
        (
            engine_label(&osmem_url, "osmem-server, as OpenSearch").await,
            osmem_url.clone(),
            None,
        ),
        (
            engine_label(&opensearch_url, "OpenSearch").await,
            opensearch_url.clone(),
            Some(opensearch_start.as_secs_f64()),
        ),
    ];
    let servers: Vec<_> = engines
        .iter()
        .map(|(_, es_url, _)| quantumstate_testkit::serve(&args.server, &args.dist, &["--es-url", es_url]))
        .collect();
    let url = servers[0].1.clone();
    if args.only_breakdown {
        for ((label, _, _), (_, url)) in engines.iter().zip(&servers) {
            for (scenario, phases) in breakdowns(&format!("{url}/es"), label, args.clicks).await? {
                println!("{label}, {scenario}: {}", breakdown::summary(&phases));
            }
        }
        return Ok(());
    }
    if args.only_ingest {
        let week = ingest::generate_week();
        let docs = &week.data.metrics[..args.ingest_docs.min(week.data.metrics.len())];
        for ((label, es_url, _), (_, url)) in engines.iter().zip(&servers) {
            let (direct, proxy) = proxy_versus_direct(es_url, &format!("{url}/es"), docs, args.ingest_runs).await?;
            let (direct, proxy) = (Sample::new(direct), Sample::new(proxy));
            let rate = |s: &Sample| docs.len() as f64 / s.median();
            println!(
                "{label}: bulk ingest of {} documents, median of {}: direct {:.0} docs/s, proxy {:.0} docs/s ({:.0}% of direct)",
                docs.len(),
                args.ingest_runs,
                rate(&direct),
                rate(&proxy),
                100.0 * direct.median() / proxy.median()
            );
        }
        return Ok(());
    }
    let driver = Driver::start();

    say(&format!("{} cold loads", args.loads));
    let mut loads = Vec::new();
    for _ in 0..args.loads {
        loads.push(page::cold_load(&driver, &url).await.context("cold load")?);
    }

    let mut clicks = Vec::new();
    let stores = std::iter::once(("embedded".to_string(), url.clone(), false)).chain(
        engines
            .iter()
            .zip(&servers)
            .map(|((label, _, _), (_, url))| (format!("Elasticsearch ({label})"), url.clone(), true)),
    );
    for (label, url, elastic) in stores {
        say(&format!(
            "click to verdict, {label} store, {} clicks per scenario",
            args.clicks
        ));
        let client = page::open(&driver, &url).await?;
        if elastic {
            page::use_elastic(&client).await?;
        }
        for scenario in SCENARIOS {
            // The first click of each scenario warms caches; it is not counted.
            page::click(&client, scenario)
                .await
                .with_context(|| format!("{scenario}, {label}"))?;
            let mut timed = Vec::new();
            for _ in 0..args.clicks {
                timed.push(
                    page::click(&client, scenario)
                        .await
                        .with_context(|| format!("{scenario}, {label}"))?,
                );
            }
            clicks.push((label.clone(), scenario, timed));
        }
        client.close().await?;
    }

    say(&format!("memory: \"Run all\" {} times in one page", args.rounds));
    let (memory, run_all_ms) = memory_rounds(&driver, &url, args.rounds).await?;

    say("a week of history: generation");
    let week = ingest::generate_week();
    let data = week.data;
    anyhow::ensure!(
        data.metrics.len() >= args.ingest_docs,
        "the week has {} metric documents, fewer than --ingest-docs",
        data.metrics.len()
    );
    let mut runs = Vec::new();
    for ((label, es_url, start_s), (_, url)) in engines.iter().zip(&servers) {
        let proxy_url = format!("{url}/es");
        say(&format!(
            "{label}: where a click's time goes, {} clicks per scenario",
            args.clicks
        ));
        let breakdown = breakdowns(&proxy_url, label, args.clicks).await?;
        say(&format!(
            "{label}: bulk ingest of {} documents, proxy versus direct, {} runs each",
            args.ingest_docs, args.ingest_runs
        ));
        let (direct, proxy) =
            proxy_versus_direct(es_url, &proxy_url, &data.metrics[..args.ingest_docs], args.ingest_runs).await?;
        say(&format!("{label}: a week of history: ingest and Cassandra's queries"));
        let week_ingest_s = ingest::ingest_week(es_url, &data).await?;
        let end = data.truth.timeline.end;
        let scans = ingest::cassandra_scans(es_url, end, args.scans).await?;
        let baselines = ingest::week_baselines(es_url, data.truth.timeline.window()).await?;
        runs.push(EngineRun {
            label: label.clone(),
            start_s: *start_s,
            direct_s: Sample::new(direct),
            proxy_s: Sample::new(proxy),
            week_ingest_s,
            scans,
            baselines,
            breakdown,
        });
    }

    let results = Results {
        machine,
        bundle,
        loads,
        clicks,
        generate: generate.ok(),
        pipeline: pipeline.ok(),
        ingest_docs: args.ingest_docs,
        week_docs: (data.metrics.len(), data.logs.len()),
        week_generate_s: week.seconds,
        engines: runs,
        memory,
        run_all_ms,
    };
    let markdown = report::markdown(&results);
    println!("{markdown}");
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, &markdown).with_context(|| format!("writing {}", args.out.display()))?;
    say(&format!("written to {}", args.out.display()));
    Ok(())
}
