//! `quantumstate`: serves the app and runs QuantumState headless.

use anyhow::Context;
use clap::{Parser, Subcommand};
use quantumstate_server::serve::{self, ServeConfig};
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
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve { bind, dist } => {
            let config = ServeConfig { dist };
            config.check().context("cannot serve the app")?;
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            let local = listener.local_addr()?;
            // Tests and scripts wait for this exact line.
            println!("QuantumState listening on http://{local}/");
            serve::run(listener, config).await
        }
    }
}
