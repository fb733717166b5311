//! Shared fixtures for the end-to-end tests: a real `quantumstate serve`, a real
//! ChromeDriver, and a headless Chromium session driven through WebDriver.

#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process killed on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The built app: `QS_DIST`, or `dist/` at the workspace root.
pub fn dist() -> PathBuf {
    let dist = std::env::var_os("QS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no built app at {}: run scripts/test.sh (it runs `trunk build --release` first)",
        dist.display()
    );
    dist
}

/// Start `quantumstate serve` on a free port; returns it and its base URL.
pub fn serve(extra: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quantumstate"))
        .args(["serve", "--bind", "127.0.0.1:0", "--dist"])
        .arg(dist())
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start quantumstate serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // The server prints its address once it is listening: no guessing with sleeps.
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A headless Chromium session (window `width`×`height`) and its driver.
pub async fn browser(width: u32, height: u32) -> (Client, Running) {
    let port = free_port();
    let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver (apt-get install chromium-driver; scripts/test.sh does)");
    let driver = Running(driver);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", format!("--window-size={width},{height}")
        ]}),
    );
    // ChromeDriver takes a moment to listen: retry the connection, bounded.
    let mut last_err = None;
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (client, driver),
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("cannot connect to chromedriver: {last_err:?}");
}

/// Count the pixels of a canvas that differ from its top-left (background) pixel.
pub async fn painted_pixels(client: &Client, selector: &str) -> u64 {
    let script = r#"
        const c = document.querySelector(arguments[0]);
        if (!c || c.width === 0 || c.height === 0) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] !== d[0] || d[i+1] !== d[1] || d[i+2] !== d[2]) n++;
        }
        return n;
    "#;
    client
        .execute(script, vec![serde_json::json!(selector)])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(0)
}

/// Save a PNG of the page under `target/screenshots/` for a person to look at.
pub async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Start the Elasticsearch-compatible test server (osmem-server from PyPI;
/// scripts/test.sh installs it). Returns it and its base URL.
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

/// Serve `router` on a free loopback port in this runtime; returns its base URL.
pub async fn spawn_router(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}
