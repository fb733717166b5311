//! `quantumstate`: serves the app and runs QuantumState headless.

use anyhow::Context;
use clap::{Parser, Subcommand};
use quantumstate_core::agents::AgentConfig;
use quantumstate_core::sim::SimConfig;
use quantumstate_server::cli;
use quantumstate_server::proxy::ProxyConfig;
use quantumstate_server::serve::{self, ServeConfig};
use quantumstate_server::transport;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "quantumstate",
    version,
    about = "QuantumState: incident-response flight simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the built app (Trunk's dist/) with SPA fallback and compression.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "QS_BIND")]
        bind: SocketAddr,
        /// The built app.
        #[arg(long, default_value = "dist", env = "QS_DIST")]
        dist: PathBuf,
        #[command(flatten)]
        es: EsArgs,
        /// An origin allowed to call /es cross-origin, scheme://host[:port] (repeatable; same-origin needs nothing; '*' is refused).
        #[arg(long = "allow-origin")]
        allow_origins: Vec<String>,
        /// A host name this server answers to besides IP addresses and localhost (repeatable; DNS-rebinding protection).
        #[arg(long = "allowed-host")]
        allowed_hosts: Vec<String>,
        /// Largest request body the proxy accepts, in bytes.
        #[arg(long, default_value_t = quantumstate_server::proxy::DEFAULT_BODY_LIMIT)]
        body_limit: usize,
        /// Seconds Elasticsearch has to answer a proxied request (1 or more).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        upstream_timeout: u64,
        /// Seconds a client has to send a request's headers; also closes idle keep-alive connections.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60))]
        header_timeout: u64,
        /// Seconds a client has to send a request body.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
        body_timeout: u64,
        /// Most connections served at once (more wait in the kernel's queue).
        #[arg(long, default_value_t = quantumstate_server::listen::DEFAULT_MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_connections: u64,
    },
    /// Create the indices (explicit mappings) and the seeded incident history; idempotent.
    Setup {
        #[command(flatten)]
        es: EsArgs,
        /// The seeded incidents are dated relative to this instant (default: now).
        #[arg(long)]
        anchor: Option<String>,
        /// Also delete incident and decision documents that do not parse as the data model.
        #[arg(long)]
        repair: bool,
    },
    /// Generate a scenario and run the four agents on the embedded store.
    Run {
        /// memory-leak, deployment-rollback, error-spike, healthy or red-herring.
        #[arg(long)]
        scenario: String,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The simulated "now" (RFC 3339); default: the current time.
        #[arg(long)]
        anchor: Option<String>,
        /// 0.5 to 2.0.
        #[arg(long, default_value_t = 1.0)]
        intensity: f64,
        /// Inject into this service instead of the scenario's default.
        #[arg(long)]
        target: Option<String>,
        #[command(flatten)]
        agents: AgentArgs,
        /// Write to and analyse in Elasticsearch (or our proxy's /es URL) instead of memory.
        #[arg(long, env = "ES_URL")]
        es_url: Option<String>,
        /// Index name prefix (for several demos on one cluster).
        #[arg(long, default_value = "", env = "QS_INDEX_PREFIX")]
        index_prefix: String,
        /// Output: text (every decision), json (the report) or markdown (the post-mortem).
        #[arg(long, value_enum, default_value_t = cli::Format::Text)]
        format: cli::Format,
        /// Same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Run the agents (advisory mode) on your files: metrics as NDJSON in the seed's
    /// data model or CSV (timestamp,service,metric_type,value), logs as NDJSON.
    Analyze {
        #[arg(long)]
        metrics: PathBuf,
        #[arg(long)]
        logs: PathBuf,
        #[arg(long)]
        incidents: Option<PathBuf>,
        /// The platform's dependency graph as JSON ({"dependencies":[{"from","to","why"}]});
        /// default: the seed's platform.
        #[arg(long)]
        topology: Option<PathBuf>,
        #[command(flatten)]
        agents: AgentArgs,
        /// Output: text (every decision), json (the report) or markdown (the post-mortem).
        #[arg(long, value_enum, default_value_t = cli::Format::Text)]
        format: cli::Format,
        /// Same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Score one `timestamp,value` series in streaming order with the detector core Cassandra uses (CSV to stdout).
    Detect {
        #[arg(long)]
        csv: PathBuf,
    },
    /// Agent quality over many seeded scenario variants.
    Eval {
        #[arg(long, default_value_t = 200)]
        variants: usize,
        /// Cases per condition family of realistic telemetry (0: skip them).
        #[arg(long, default_value_t = 60)]
        conditions: usize,
        #[arg(long, default_value = "2026-02-13T15:00:00Z")]
        anchor: String,
        #[arg(long)]
        json: bool,
    },
}

/// Where Elasticsearch is. Credentials come only from the environment:
/// ES_API_KEY, or ES_USERNAME and ES_PASSWORD.
#[derive(clap::Args)]
struct EsArgs {
    /// Elasticsearch base URL (http or https, no credentials in it).
    #[arg(long, env = "ES_URL")]
    es_url: Option<String>,
    /// Index name prefix: the app's indices are PREFIX + the seed's names.
    #[arg(long, default_value = "", env = "QS_INDEX_PREFIX")]
    index_prefix: String,
}

/// Agent knobs shared by the commands.
#[derive(clap::Args)]
struct AgentArgs {
    /// Surgeon acts alone at or above this confidence (0–1).
    #[arg(long, default_value_t = 0.8)]
    approval_threshold: f64,
}

impl AgentArgs {
    fn config(&self) -> AgentConfig {
        AgentConfig {
            approval_threshold: self.approval_threshold,
            ..AgentConfig::default()
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            bind,
            dist,
            es,
            allow_origins,
            allowed_hosts,
            body_limit,
            upstream_timeout,
            header_timeout,
            body_timeout,
            max_connections,
        } => {
            let es_url = es.es_url.as_deref().map(transport::clean_base_url).transpose()?;
            match &es_url {
                Some(url) => tracing::info!(es_url = %url, prefix = %es.index_prefix, "proxying /es to Elasticsearch"),
                None => tracing::info!("no --es-url: the app runs on its embedded store; /es answers 503"),
            }
            let mut proxy = ProxyConfig {
                es_url,
                credentials: transport::Credentials::from_env(),
                allow_origins,
                allowed_hosts,
                index_prefix: es.index_prefix,
                body_limit,
                timeout: std::time::Duration::from_secs(upstream_timeout),
                body_timeout: std::time::Duration::from_secs(body_timeout),
            };
            // Before the "listening" line: a bad flag is an error, not a server that fails later.
            proxy.validate()?;
            let config = ServeConfig { dist, proxy };
            config.check().context("cannot serve the app")?;
            let limits = quantumstate_server::listen::Limits {
                header_timeout: std::time::Duration::from_secs(header_timeout),
                max_connections: max_connections as usize,
            };
            // Build the app once here so that any setting it refuses stops start-up.
            let router = serve::app(&config).context("cannot start the server")?;
            match serve::precompress(&config.dist) {
                Ok(0) => {}
                Ok(n) => tracing::info!("precompressed {n} files of {} (brotli and gzip)", config.dist.display()),
                // A read-only build still works: responses are compressed on the fly.
                Err(e) => tracing::warn!("cannot precompress {}: {e}", config.dist.display()),
            }
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            let local = listener.local_addr()?;
            // Tests and scripts wait for this exact line.
            println!("QuantumState listening on http://{local}/");
            serve::run(listener, router, limits).await
        }
        Command::Run {
            scenario,
            seed,
            anchor,
            intensity,
            target,
            agents,
            es_url,
            index_prefix,
            format,
            json,
        } => {
            let format = if json { cli::Format::Json } else { format };
            let anchor = anchor
                .as_deref()
                .map(cli::timestamp)
                .transpose()?
                .unwrap_or_else(chrono::Utc::now);
            let mut config = SimConfig::new(cli::scenario(&scenario)?, seed, anchor);
            config.intensity = intensity;
            config.target = target.as_deref().map(cli::service).transpose()?;
            match es_url {
                Some(url) => {
                    let store = cli::elastic_store(&url, &index_prefix)?;
                    cli::run_elastic(&store, config, agents.config(), format).await
                }
                None => cli::run(config, agents.config(), format).await,
            }
        }
        Command::Setup { es, anchor, repair } => {
            let url = es.es_url.context("set --es-url or ES_URL")?;
            let anchor = anchor
                .as_deref()
                .map(cli::timestamp)
                .transpose()?
                .unwrap_or_else(chrono::Utc::now);
            cli::setup(&cli::elastic_store(&url, &es.index_prefix)?, anchor, repair).await
        }
        Command::Analyze {
            metrics,
            logs,
            incidents,
            topology,
            agents,
            format,
            json,
        } => {
            let format = if json { cli::Format::Json } else { format };
            let inputs = cli::AnalyzeInputs {
                metrics: &metrics,
                logs: &logs,
                incidents: incidents.as_deref(),
                topology: topology.as_deref(),
            };
            cli::analyze(&inputs, agents.config(), format).await
        }
        Command::Detect { csv } => cli::detect(&csv, &AgentConfig::default(), &mut std::io::stdout().lock()),
        Command::Eval {
            variants,
            conditions,
            anchor,
            json,
        } => {
            cli::eval(
                variants,
                conditions,
                cli::timestamp(&anchor)?,
                AgentConfig::default(),
                json,
            )
            .await
        }
    }
}
