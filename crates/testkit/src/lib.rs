//! # quantumstate-testkit
//!
//! The real parts the end-to-end tests and the benchmarks drive: a
//! `quantumstate serve` process, ChromeDriver with headless Chromium, and the
//! search engines: osmem-server (a light Elasticsearch-compatible stand-in
//! from PyPI), OpenSearch (a real Lucene engine, `scripts/engine.sh`) and
//! noida-db (an Elasticsearch 8.15 persona from PyPI). Every child process is
//! killed when its handle drops (the shared OpenSearch node stops when the
//! test binary exits and its standard input closes); nothing waits by
//! sleeping except bounded retries while a server starts listening.

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod engines;
pub use engines::*;
pub mod network;
pub mod postmortem;

/// A child process killed on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback port (free when asked; the caller binds it next).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Start `bin serve` on a free loopback port with the built app in `dist`;
/// returns it and its base URL once it prints that it listens.
pub fn serve(bin: &Path, dist: &Path, extra: &[&str]) -> (Running, String) {
    let mut child = Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--dist"])
        .arg(dist)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {} serve: {e}", bin.display()));
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .expect("read stdout");
        if let Some(rest) = line.strip_prefix("QuantumState listening on ") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    (Running(child), url)
}

/// Chromium flags for every session: headless, quiet, no background traffic.
const CHROME_ARGS: [&str; 8] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// Narrowest window Chromium opens; narrower sizes are emulated phones.
const MIN_WINDOW_WIDTH: u32 = 500;

/// A ChromeDriver process; each [`Driver::session`] is a fresh headless
/// Chromium with its own empty profile (a cold cache).
pub struct Driver {
    _process: Running,
    port: u16,
}

impl Driver {
    pub fn start() -> Driver {
        let port = free_port();
        let process = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (apt-get install chromium-driver; scripts/test.sh does)");
        Driver {
            _process: Running(process),
            port,
        }
    }

    /// A new browser window `width`×`height`, with `extra` Chromium flags.
    pub async fn session(&self, width: u32, height: u32, extra: &[&str]) -> Client {
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| a.to_string()).collect();
        let mut options = serde_json::Map::new();
        if width < MIN_WINDOW_WIDTH {
            // Chromium keeps windows at least 500 px wide: a phone is emulated
            // (its viewport, pixel ratio, touch and meta-viewport handling).
            args.push(format!("--window-size={MIN_WINDOW_WIDTH},{height}"));
            options.insert(
                "mobileEmulation".into(),
                serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "touch": true, "mobile": true } }),
            );
        } else {
            args.push(format!("--window-size={width},{height}"));
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        options.insert("args".into(), serde_json::json!(args));
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), serde_json::Value::Object(options));
        // ChromeDriver takes a moment to listen: retry the connection, bounded.
        let mut last_err = None;
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => return client,
                Err(e) => {
                    last_err = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("cannot connect to chromedriver: {last_err:?}");
    }
}

/// A headless Chromium session (window `width`×`height`) and its driver.
pub async fn browser(width: u32, height: u32) -> (Client, Driver) {
    let driver = Driver::start();
    let client = driver.session(width, height, &[]).await;
    (client, driver)
}

/// Start osmem-server, the Elasticsearch-compatible stand-in (`pip install
/// osmem-server==0.1.6`; scripts/test.sh does). Returns it and its base URL.
pub fn osmem() -> (Running, String) {
    let bin = Command::new("python3")
        .args(["-c", "import osmem_server; print(osmem_server.resolve_binary())"])
        .output()
        .expect("python3");
    assert!(
        bin.status.success(),
        "osmem-server is not installed: pip install osmem-server==0.1.6 (scripts/test.sh does)"
    );
    let bin = String::from_utf8(bin.stdout).unwrap().trim().to_string();
    let mut child = Command::new(bin)
        .args([
            "-addr",
            "127.0.0.1:0",
            "-no-stdin-watch",
            "-parent-pid",
            &std::process::id().to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start osmem-server");
    let stdout = child.stdout.take().unwrap();
    // It prints one JSON line with its URL once it listens.
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .expect("osmem-server exited")
        .unwrap();
    let url = serde_json::from_str::<serde_json::Value>(&line).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    (Running(child), url)
}
