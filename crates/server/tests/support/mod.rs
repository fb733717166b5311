//! Shared fixtures for the end-to-end tests: a real `quantumstate serve`, a real
//! ChromeDriver, and a headless Chromium session driven through WebDriver.

#![allow(dead_code, unused_imports)]

use chrono::{DateTime, TimeZone, Utc};
use fantoccini::Client;
use quantumstate_core::elastic::{ElasticStore, IndexNames};
use quantumstate_core::sim::{self, SimConfig};
use quantumstate_core::Store;
use quantumstate_server::proxy::ProxyConfig;
use quantumstate_server::serve::{app, ServeConfig};
use quantumstate_server::transport::{Credentials, HttpTransport};
use std::path::PathBuf;
use std::time::Duration;

pub mod incident;

pub use quantumstate_testkit::{browser, osmem, Running};

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
    quantumstate_testkit::serve(env!("CARGO_BIN_EXE_quantumstate").as_ref(), &dist(), extra)
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

/// Serve `router` on a free loopback port in this runtime; returns its base URL.
pub async fn spawn_router(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// The simulated "now" of the store tests.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap()
}

/// Our proxy (prefix-isolated) in front of `es_url`; returns its `/es` URL.
pub async fn proxy_in_front(es_url: &str, prefix: &str) -> String {
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
    let proxy = ProxyConfig {
        es_url: Some(es_url.into()),
        index_prefix: prefix.into(),
        ..Default::default()
    };
    let base = spawn_router(app(&ServeConfig { dist: dir, proxy }).unwrap()).await;
    format!("{base}/es")
}

/// A proxy (prefix-isolated) in front of `es_url`; returns the store that talks to it.
pub async fn elastic_via_proxy(es_url: &str, prefix: &str) -> ElasticStore<HttpTransport> {
    let proxy = proxy_in_front(es_url, prefix).await;
    let transport = HttpTransport::new(&proxy, Credentials::default(), Duration::from_secs(30)).unwrap();
    ElasticStore::new(transport, IndexNames { prefix: prefix.into() })
}

/// Documents in `index` of the engine at `es_url`, asked directly (not
/// through the proxy).
pub async fn count(es_url: &str, index: &str) -> u64 {
    let v: serde_json::Value = reqwest::get(format!("{es_url}/{index}/_count"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["count"]
        .as_u64()
        .unwrap_or_else(|| panic!("{index}: no count in {v}"))
}

/// Replace the store's telemetry with `config`'s as the app does
/// (`store::load_scenario`: its count check is exact).
pub async fn load<S: Store>(store: &S, config: &SimConfig) -> sim::Dataset {
    quantumstate_core::store::load_scenario(store, config, &mut |_, _| {})
        .await
        .unwrap_or_else(|e| panic!("loading {}: {e}", config.scenario))
}
