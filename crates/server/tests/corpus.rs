//! A hostile-request corpus against a running proxy in front of a recording
//! upstream (a real HTTP server that records every request it receives).
//! Each request's status is asserted, and so is what reached the upstream:
//! nothing for a refusal, our canonical re-encoding for an allowed request.

mod support;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use quantumstate_core::{DecisionDoc, Document, IncidentDoc, MetricDoc};
use quantumstate_server::listen::{self, Limits};
use quantumstate_server::proxy::ProxyConfig;
use quantumstate_server::serve::{app, ServeConfig};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const M: &str = "metrics-quantumstate";
const L: &str = "logs-quantumstate";
const I: &str = "incidents-quantumstate";
const D: &str = "agent-decisions-quantumstate";

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    headers: HeaderMap,
    body: Bytes,
}

type Log = Arc<Mutex<Vec<Recorded>>>;

/// The upstream: records everything, answers 200 (a redirect for one path).
async fn recorder() -> (String, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let router = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let seen = seen.clone();
        async move {
            let target = uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
            let redirect = target.contains("redirect-me");
            seen.lock().unwrap().push(Recorded {
                method: method.to_string(),
                target,
                headers,
                body,
            });
            if redirect {
                return axum::response::Response::builder()
                    .status(302)
                    .header("location", "/_cluster/settings")
                    .body(axum::body::Body::empty())
                    .unwrap();
            }
            axum::response::Response::builder()
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"ok":true,"errors":false,"items":[]}"#))
                .unwrap()
        }
    });
    (support::spawn_router(router).await, log)
}

struct Case {
    name: String,
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    status: u16,
    /// For allowed requests: the path and query and body the upstream must see.
    forwarded: Option<(String, Option<Value>)>,
}

fn case(
    name: impl Into<String>,
    method: &'static str,
    target: impl Into<String>,
    body: impl Into<Vec<u8>>,
    status: u16,
) -> Case {
    let target = target.into();
    let kind = if target.contains("_bulk") {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    let headers = if matches!(method, "POST" | "PUT") {
        vec![("Content-Type".to_string(), kind.to_string())]
    } else {
        Vec::new()
    };
    Case {
        name: name.into(),
        method,
        target,
        headers,
        body: body.into(),
        status,
        forwarded: None,
    }
}

impl Case {
    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }
    fn no_content_type(mut self) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self
    }
    fn forwards(mut self, target: &str, body: Option<Value>) -> Self {
        self.forwarded = Some((target.into(), body));
        self
    }
}

/// Send a request byte for byte; the status (0 if the connection closed
/// without one) and the whole answer as text.
async fn raw(addr: &str, c: &Case) -> (u16, String) {
    let mut head = format!("{} {} HTTP/1.1\r\n", c.method, c.target);
    if !c.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (n, v) in &c.headers {
        if !v.is_empty() || n != "Host" {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
    }
    if !c
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", c.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(&c.body).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn metric() -> (String, Value) {
    let doc: MetricDoc = serde_json::from_value(json!({
        "@timestamp": "2026-02-13T15:00:00Z", "service": "auth-service", "region": "eu-west-1",
        "metric_type": "latency_ms", "value": 12.5, "unit": "ms"
    }))
    .unwrap();
    (doc.doc_id(), serde_json::to_value(&doc).unwrap())
}

fn incident() -> (String, Value) {
    let doc: IncidentDoc = serde_json::from_value(json!({
        "@timestamp": "2026-02-13T15:00:00Z", "service": "auth-service", "region": "eu-west-1",
        "anomaly_type": "memory_leak", "root_cause": "leak", "actions_taken": "restart", "status": "resolved"
    }))
    .unwrap();
    (doc.doc_id(), serde_json::to_value(&doc).unwrap())
}

fn decision() -> (String, Value) {
    let doc: DecisionDoc = serde_json::from_value(json!({
        "@timestamp": "2026-02-13T15:00:00Z", "agent": "guardian", "decision": "verified",
        "confidence": 90, "service": "auth-service", "context": {}
    }))
    .unwrap();
    (doc.doc_id(), serde_json::to_value(&doc).unwrap())
}

/// A directory of static files for the server: an index.html.
fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    dir
}

fn ndjson(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[path = "corpus/bulk.rs"]
mod bulk;
#[path = "corpus/engine.rs"]
mod engine;
#[path = "corpus/requests.rs"]
mod requests;
#[path = "corpus/search.rs"]
mod search;
#[path = "corpus/writes.rs"]
mod writes;

/// Every class of the external probe, in several encodings.
fn all(addr: &str) -> Vec<Case> {
    let mut out = Vec::new();
    bulk::cases(&mut out);
    search::cases(&mut out);
    writes::cases(&mut out);
    requests::origin_and_host(&mut out, addr);
    requests::path_method_header(&mut out);
    out
}

/// The proxy under test in front of `upstream`, serving `dist` (holding an
/// index.html); its address (`host:port`).
async fn proxy_to(upstream: String, dist: &std::path::Path) -> String {
    let proxy = ProxyConfig {
        es_url: Some(upstream),
        allow_origins: vec!["https://judge.example".into()],
        allowed_hosts: vec!["demo.example".into()],
        body_limit: 64 << 10,
        ..Default::default()
    };
    let router = app(&ServeConfig {
        dist: dist.to_path_buf(),
        proxy,
    })
    .unwrap();
    let base = listen::spawn_loopback(router, Limits::default()).await.unwrap();
    base.trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn the_hostile_corpus_is_refused_and_nothing_unintended_reaches_the_upstream() {
    let (upstream, log) = recorder().await;
    let dist = dist();
    let addr = proxy_to(upstream, dist.path()).await;
    let corpus = all(&addr);
    let (mut refused, mut reached, mut failures) = (0, 0, Vec::new());
    for c in &corpus {
        let before = log.lock().unwrap().len();
        let (status, _) = raw(&addr, c).await;
        let got: Vec<Recorded> = log.lock().unwrap()[before..].to_vec();
        if status != c.status {
            failures.push(format!("{}: status {status}, expected {}", c.name, c.status));
        }
        match (&c.forwarded, got.as_slice()) {
            (None, []) => refused += 1,
            (None, _) => failures.push(format!("{}: reached the upstream: {:?}", c.name, got[0].target)),
            (Some((target, body)), [one]) => {
                reached += 1;
                if &one.target != target || one.method != c.method {
                    failures.push(format!("{}: upstream saw {} {}", c.name, one.method, one.target));
                }
                let forwarded: Option<Value> = if one.body.is_empty() {
                    None
                } else if target.contains("_bulk") {
                    let lines: Vec<Value> = std::str::from_utf8(&one.body)
                        .unwrap()
                        .lines()
                        .map(|l| serde_json::from_str(l).unwrap())
                        .collect();
                    Some(Value::Array(lines))
                } else {
                    Some(serde_json::from_slice(&one.body).unwrap())
                };
                if &forwarded != body {
                    failures.push(format!("{}: upstream got body {forwarded:?}", c.name));
                }
                for h in [
                    "origin",
                    "referer",
                    "cookie",
                    "x-http-method-override",
                    "x-opaque-id",
                    "authorization",
                ] {
                    if one.headers.contains_key(h) {
                        failures.push(format!("{}: header {h} was forwarded", c.name));
                    }
                }
            }
            (Some(_), _) => failures.push(format!("{}: upstream saw {} requests", c.name, got.len())),
        }
    }
    println!(
        "corpus: {} tried, {refused} refused, {reached} reached the upstream (as intended)",
        corpus.len()
    );
    assert!(corpus.len() >= 150, "{} requests", corpus.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
