//! The headless commands: `run`, `analyze`, `detect`, `eval`. `run` and
//! `analyze` print text (default), JSON or the Markdown post-mortem.

use crate::transport::{Credentials, HttpTransport};
use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use quantumstate_core::agents::{narrate, AgentConfig, Event, IncidentReport, Listener, Pipeline};
use quantumstate_core::detect::stream::{score_series, StreamingConfig};
use quantumstate_core::elastic::{ElasticStore, IndexNames};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::topology::Topology;
use quantumstate_core::{eval, eval_classes, ingest, postmortem, MemoryStore, MetricDoc, Service, Store};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Parse a scenario name (the seed's names).
pub fn scenario(name: &str) -> anyhow::Result<Scenario> {
    Scenario::parse(name).with_context(|| {
        format!(
            "unknown scenario {name:?}; expected one of: {}",
            Scenario::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        )
    })
}

pub fn service(name: &str) -> anyhow::Result<Service> {
    Service::parse(name).with_context(|| format!("unknown service {name:?}"))
}

pub fn timestamp(text: &str) -> anyhow::Result<DateTime<Utc>> {
    Ok(quantumstate_core::time::parse_timestamp(text)?)
}

/// A readable report of one pipeline run: the mode, the status, every
/// decision with its evidence, and a pending plan in full (all from narration).
pub fn render(report: &IncidentReport) -> String {
    narrate::report_text(report)
}

/// Progress on stderr as the pipeline's events arrive: each agent and how long it took.
struct Progress {
    started: Option<std::time::Instant>,
}

impl Progress {
    fn new() -> Self {
        Progress { started: None }
    }
}

impl Listener for Progress {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Started(_) => self.started = Some(std::time::Instant::now()),
            Event::Finished { agent, decision, .. } => eprintln!(
                "  {} done in {:.1} ms ({}%)",
                agent.as_str(),
                self.started.map(|t| t.elapsed().as_secs_f64() * 1e3).unwrap_or(0.0),
                decision.confidence
            ),
            Event::AwaitingApproval(report) => eprintln!(
                "  surgeon waits for approval: {}",
                report.plan.as_ref().map(|p| p.summary()).unwrap_or_default()
            ),
            Event::Resumed { approved } => eprintln!("  resumed ({})", if approved { "approved" } else { "rejected" }),
            Event::Done(report) => eprintln!(
                "  {} — {}",
                narrate::status_label(report.status),
                narrate::mode_label(report.mode)
            ),
        }
    }
}

/// How `run` and `analyze` print their report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Every decision with its evidence.
    #[default]
    Text,
    /// The whole typed report.
    Json,
    /// The post-mortem, to paste into a ticket.
    Markdown,
}

fn print(report: &IncidentReport, format: Format, topology: &Topology) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, report)?;
            writeln!(stdout)?;
        }
        Format::Text => write!(stdout, "{}", render(report))?,
        Format::Markdown => write!(stdout, "{}", postmortem::markdown(report, topology))?,
    }
    Ok(())
}

/// An Elasticsearch store over reqwest, credentials from the environment.
pub fn elastic_store(url: &str, prefix: &str) -> anyhow::Result<ElasticStore<HttpTransport>> {
    let transport = HttpTransport::new(url, Credentials::from_env(), Duration::from_secs(60))?;
    Ok(ElasticStore::new(
        transport,
        IndexNames {
            prefix: prefix.to_string(),
        },
    ))
}

/// `setup`: indices and seeded history, with a final count.
pub async fn setup(store: &ElasticStore<HttpTransport>, anchor: DateTime<Utc>, repair: bool) -> anyhow::Result<()> {
    eprintln!("setting up indices at {}", store.transport().base());
    let report = store.setup(anchor).await.context("set-up failed")?;
    if repair {
        let repaired = store.repair().await.context("repair failed")?;
        for (index, id, why) in &repaired.removed {
            eprintln!("  removed malformed {index}/{id}: {why}");
        }
        eprintln!("repair: {} malformed documents removed", repaired.removed.len());
    }
    for name in &report.created {
        eprintln!("  created {name}");
    }
    for name in &report.existing {
        eprintln!("  {name} already exists (left as is)");
    }
    let counts = store.counts().await?;
    eprintln!(
        "seeded incidents written: {}; documents now: {} metrics, {} logs, {} incidents, {} decisions",
        report.incidents_written, counts.metrics, counts.logs, counts.incidents, counts.decisions
    );
    Ok(())
}

/// `run --es-url`: write the scenario to Elasticsearch with progress, check
/// the counts, and run the agents on it.
pub async fn run_elastic(
    store: &ElasticStore<HttpTransport>,
    config: SimConfig,
    agents: AgentConfig,
    format: Format,
) -> anyhow::Result<()> {
    store.setup(config.anchor).await.context("set-up failed")?;
    let data = sim::generate(&config);
    let total = data.len();
    let mut last_decile = usize::MAX;
    let mut report = |done: usize| {
        let percent = done * 100 / total.max(1);
        if percent / 10 != last_decile {
            eprintln!("  written {done}/{total} ({percent}%)");
            last_decile = percent / 10;
        }
    };
    // Only what the store lacks is written; the previous run goes only after.
    let sync = store
        .sync_telemetry(&data.metrics, &data.logs, &mut |done, _| report(done))
        .await
        .context("writing the scenario")?;
    let counts = store.counts().await?;
    if counts.metrics != data.metrics.len() as u64 || counts.logs != data.logs.len() as u64 {
        bail!(
            "count check failed: generated {} metrics and {} logs, Elasticsearch holds {} and {}",
            data.metrics.len(),
            data.logs.len(),
            counts.metrics,
            counts.logs
        );
    }
    eprintln!(
        "count check ok: {} metrics, {} logs ({} written, {} already held, {} of an earlier run deleted)",
        counts.metrics, counts.logs, sync.written, sync.kept, sync.deleted
    );
    eprintln!(
        "mode: {}",
        narrate::mode_label(quantumstate_core::agents::Mode::Simulation)
    );
    let pipeline = Pipeline::new(store, agents);
    let report = pipeline.run_with(data.truth.timeline.end, &mut Progress::new()).await?;
    if store.skipped_documents() > 0 {
        eprintln!(
            "warning: skipped {} malformed documents in the incident history or audit trail; \
             `quantumstate setup --repair` removes them",
            store.skipped_documents()
        );
    }
    print(&report, format, &pipeline.topology)
}

/// `run`: generate a scenario into the memory store and run the agents.
pub async fn run(config: SimConfig, agents: AgentConfig, format: Format) -> anyhow::Result<()> {
    let store = MemoryStore::new();
    let data = quantumstate_core::store::load_scenario(&store, &config, &mut |_, _| {}).await?;
    eprintln!(
        "generated {} metrics and {} logs for {} (seed {}, anchor {}, fingerprint {})",
        data.metrics.len(),
        data.logs.len(),
        config.scenario,
        config.seed,
        config.anchor.to_rfc3339(),
        data.fingerprint()
    );
    eprintln!(
        "mode: {}",
        narrate::mode_label(quantumstate_core::agents::Mode::Simulation)
    );
    let pipeline = Pipeline::new(&store, agents);
    let report = pipeline.run_with(data.truth.timeline.end, &mut Progress::new()).await?;
    print(&report, format, &pipeline.topology)
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Read one file with the shared reader; bad lines go to stderr (the first 20).
fn load<T>(
    path: &Path,
    what: &str,
    reader: fn(&str) -> Result<ingest::Read<T>, ingest::NotInModel>,
) -> anyhow::Result<Vec<T>> {
    let read = reader(&read(path)?).with_context(|| format!("{}", path.display()))?;
    for e in read.bad.iter().take(20) {
        eprintln!("{}: skipped {e}", path.display());
    }
    if read.bad.len() > 20 {
        eprintln!("{}: ... and {} more bad lines", path.display(), read.bad.len() - 20);
    }
    eprintln!(
        "{}: {} {what} read ({}), {} bad lines skipped",
        path.display(),
        read.docs.len(),
        read.form,
        read.bad.len()
    );
    Ok(read.docs)
}

/// What `analyze` reads.
pub struct AnalyzeInputs<'a> {
    pub metrics: &'a Path,
    pub logs: &'a Path,
    pub incidents: Option<&'a Path>,
    /// A replacement for the seed's dependency graph.
    pub topology: Option<&'a Path>,
}

/// `analyze`: the pipeline in advisory mode over files someone else produced (see [`ingest::metrics`]).
pub async fn analyze(inputs: &AnalyzeInputs<'_>, agents: AgentConfig, format: Format) -> anyhow::Result<()> {
    let AnalyzeInputs {
        metrics,
        logs,
        incidents,
        topology,
    } = *inputs;
    let topology: Topology = match topology {
        Some(path) => serde_json::from_str(&read(path)?).with_context(|| {
            format!(
                "{}: not a dependency graph ({{\"dependencies\":[{{\"from\",\"to\",\"why\"}}]}})",
                path.display()
            )
        })?,
        None => Topology::platform(),
    };
    let store = MemoryStore::new();
    let metric_docs: Vec<MetricDoc> = load(metrics, "metrics", ingest::metrics)?;
    if metric_docs.is_empty() {
        bail!("{}: no readable metric documents", metrics.display());
    }
    store.write_metrics(&metric_docs).await?;
    store.write_logs(&load(logs, "logs", ingest::logs)?).await?;
    if let Some(path) = incidents {
        store
            .write_incidents(&load(path, "incidents", ingest::incidents)?)
            .await?;
    }
    let pipeline = Pipeline {
        topology,
        ..Pipeline::advisory(&store, agents)
    };
    let now = pipeline.latest_data_time().await?.context("no metric timestamps")?;
    eprintln!("mode: {}", narrate::mode_label(pipeline.mode));
    let report = pipeline.run_with(now, &mut Progress::new()).await?;
    print(&report, format, &pipeline.topology)
}

/// `detect`: score one `timestamp,value` series in streaming order with the
/// detector core (the same [`AgentConfig`] options as Cassandra), one output
/// row per input row (an unreadable value scores 0, with a warning).
pub fn detect(csv: &Path, agents: &AgentConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    let (rows, bad) =
        ingest::csv_rows(&read(csv)?).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", csv.display()))?;
    for e in &bad {
        eprintln!("{}: {e}; scored 0", csv.display());
    }
    let values: Vec<Option<f64>> = rows.iter().map(|r| r.value).collect();
    let scores = score_series(agents.detector, StreamingConfig::default(), &values);
    writeln!(out, "timestamp,value,anomaly_score")?;
    for (row, score) in rows.into_iter().zip(scores) {
        let timestamp = row
            .at
            .map(|at| at.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or(row.timestamp);
        match row.value {
            Some(value) => writeln!(out, "{timestamp},{value},{score:.6}")?,
            None => writeln!(out, "{timestamp},,0.000000")?,
        }
    }
    Ok(())
}

/// Variants per family in the per-class table of `eval`.
const CLASS_VARIANTS: usize = 12;

/// `eval`: agent quality over many variants (simulation mode), diagnosis
/// accuracy per evidence class over the generated families, then Cassandra
/// over the condition families of realistic telemetry (`conditions` cases each).
pub async fn eval(
    count: usize,
    conditions: usize,
    anchor: DateTime<Utc>,
    agents: AgentConfig,
    json: bool,
) -> anyhow::Result<()> {
    let configs = eval::variants(count, anchor);
    let started = std::time::Instant::now();
    let scores = eval::evaluate(&configs, &agents).await?;
    let specs = eval_classes::specs(CLASS_VARIANTS, anchor);
    let classes = eval_classes::evaluate(&specs, &agents).await?;
    let first_secs = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let by_condition = eval::condition_score::evaluate_conditions(conditions, anchor, &agents).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "mode": "simulation",
                "scenarios": scores,
                "classes": classes,
                "conditions": by_condition
            }))?
        );
    } else {
        println!(
            "mode: {}\n{} scenario variants and {} family cases in {first_secs:.1} s\n",
            narrate::mode_label(quantumstate_core::agents::Mode::Simulation),
            configs.len(),
            specs.len(),
        );
        print!("{}", eval::table(&scores));
        println!("\nDiagnosis per evidence class ({CLASS_VARIANTS} variants each: services, wordings, intervals):\n");
        print!("{}", eval_classes::table(&classes));
        if conditions > 0 {
            println!(
                "\nCassandra on realistic telemetry: {conditions} cases per condition in {:.1} s\n",
                started.elapsed().as_secs_f64()
            );
            print!("{}", eval::condition_score::condition_table(&by_condition));
            println!();
            print!("{}", eval::condition_score::calibration_table(&by_condition));
        }
    }
    Ok(())
}
