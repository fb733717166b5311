//! Slow and stalled clients: a half-sent header is dropped, idle keep-alive
//! connections close, a body that never arrives is a 408, and `/healthz`
//! keeps answering with 1,100 stalled sockets open against a server limited
//! to 1,024 file descriptors.

mod support;

use quantumstate_server::listen::{self, Limits};
use quantumstate_server::proxy::ProxyConfig;
use quantumstate_server::serve::{app, ServeConfig};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    dir
}

async fn server(proxy: ProxyConfig, limits: Limits) -> (tempfile::TempDir, String) {
    let dir = dist();
    let router = app(&ServeConfig {
        dist: dir.path().to_path_buf(),
        proxy,
    })
    .unwrap();
    let base = listen::spawn_loopback(router, limits).await.unwrap();
    (dir, base.trim_start_matches("http://").to_string())
}

/// Read until the server closes; how long that took.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut seen = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut seen)).await;
    assert!(read.is_ok(), "still open after {limit:?}");
    (started.elapsed(), seen)
}

#[tokio::test]
async fn a_half_sent_header_is_dropped_within_10_s() {
    let (_dir, addr) = server(ProxyConfig::default(), Limits::default()).await;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes())
        .await
        .unwrap();
    let (took, seen) = until_closed(&mut stream, Duration::from_secs(15)).await;
    assert!(took <= Duration::from_millis(10_500), "dropped after {took:?}");
    assert!(!String::from_utf8_lossy(&seen).contains("200 OK"));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let limits = Limits {
        header_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let (_dir, addr) = server(ProxyConfig::default(), limits).await;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // The answer comes, then nothing more is sent: the server closes.
    let (took, seen) = until_closed(&mut stream, Duration::from_secs(6)).await;
    let text = String::from_utf8_lossy(&seen);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        took >= Duration::from_millis(1_500) && took <= Duration::from_secs(3),
        "closed after {took:?}"
    );
}

#[tokio::test]
async fn a_body_that_never_arrives_is_a_408() {
    let proxy = ProxyConfig {
        es_url: Some("http://127.0.0.1:9".into()),
        body_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let (_dir, addr) = server(proxy, Limits::default()).await;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /es/metrics-quantumstate/_search HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"size\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("no answer")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("body_timeout"));
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// `quantumstate serve` as a child limited to 1,024 open files.
fn serve_limited(dist: &std::path::Path) -> (support::Running, String) {
    let mut child = Command::new("prlimit")
        .arg("--nofile=1024:1024")
        .arg(env!("CARGO_BIN_EXE_quantumstate"))
        .args(["serve", "--bind", "127.0.0.1:0", "--dist"])
        .arg(dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("prlimit (util-linux)");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.strip_prefix("QuantumState listening on http://") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    (support::Running(child), url)
}

async fn healthz(addr: &str) -> (u16, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut seen)).await;
    let status = String::from_utf8_lossy(&seen)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, started.elapsed())
}

#[tokio::test]
async fn healthz_answers_with_1100_stalled_sockets_under_ulimit_1024() {
    let dir = dist();
    let (_server, addr) = serve_limited(dir.path());
    let mut stalled = Vec::new();
    for _ in 0..1_100 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stall: ")
            .await
            .unwrap();
        stalled.push(s);
    }
    let (status, took) = healthz(&addr).await;
    assert_eq!(
        status, 200,
        "no /healthz answer with 1,100 stalled sockets (after {took:?})"
    );
    assert!(took < Duration::from_secs(5), "/healthz took {took:?}");
    // Still serving afterwards, stalled sockets still open on our side.
    let (status, _) = healthz(&addr).await;
    assert_eq!(status, 200);
    println!("healthz answered in {took:?} with {} stalled sockets", stalled.len());
}
