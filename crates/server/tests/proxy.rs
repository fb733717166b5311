//! The proxy's policy as a table, through the router without a socket, then
//! the same hostile requests against a running proxy in front of a real
//! Elasticsearch-compatible server; upstream down and hanging.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use quantumstate_server::proxy::{body, route, Endpoint, ProxyConfig};
use quantumstate_server::serve::{app, ServeConfig};
use std::time::Duration;
use tower::ServiceExt;

const M: &str = "metrics-quantumstate";
const D: &str = "agent-decisions-quantumstate";

/// (method, path after /es, query, expected status or 0 for allowed)
fn table() -> Vec<(Method, String, Option<&'static str>, u16)> {
    use Method as X;
    vec![
        (X::GET, "/".into(), None, 0),
        (X::HEAD, format!("/{M}"), None, 0),
        (X::PUT, format!("/{M}"), None, 0),
        (X::GET, format!("/{M}/_mapping"), None, 403),
        (X::POST, format!("/{M}/_refresh"), None, 403),
        (X::POST, format!("/{M}/_search"), None, 0),
        (X::POST, "/logs-quantumstate/_count".into(), None, 0),
        (X::POST, "/_bulk".into(), Some("refresh=wait_for"), 0),
        (
            X::POST,
            "/_bulk".into(),
            Some("filter_path=items.*.status,items.*.error&refresh=wait_for"),
            0,
        ),
        (X::PUT, format!("/{D}/_doc/d-1"), Some("refresh=wait_for"), 0),
        // Refused.
        (X::POST, "/_all/_search".into(), None, 403),
        (X::POST, "/*/_search".into(), None, 403),
        (X::POST, format!("/{M},secrets/_search"), None, 403),
        (X::GET, "/.security/_search".into(), None, 403),
        (X::GET, "/other-index/_search".into(), None, 403),
        (X::GET, "/_cluster/settings".into(), None, 403),
        (X::POST, "/_security/user/admin".into(), None, 403),
        (X::GET, "/_cat/indices".into(), None, 403),
        // No delete by query: the app deletes by id with `_bulk`.
        (
            X::POST,
            format!("/{M}/_delete_by_query"),
            Some("refresh=true&conflicts=proceed"),
            403,
        ),
        (X::POST, format!("/{D}/_delete_by_query"), None, 403),
        (X::POST, "/incidents-quantumstate/_delete_by_query".into(), None, 403),
        (X::DELETE, format!("/{M}"), None, 405),
        (X::DELETE, format!("/{D}/_doc/d-1"), None, 405),
        (X::GET, format!("/{M}/_bulk"), None, 405),
        (X::GET, format!("/{M}/../_cluster/settings"), None, 400),
        (X::GET, format!("/{M}/%2e%2e/_cluster"), None, 400),
        (X::GET, format!("/{M}%2F_search"), None, 400),
        (X::GET, format!("/{M}//_search"), None, 400),
        (X::POST, format!("/{M}/_search"), Some("scroll=1m"), 400),
        (
            X::POST,
            format!("/{M}/_search"),
            Some("filter_path=x&refresh=true"),
            400,
        ),
    ]
}

#[test]
fn the_policy_table() {
    let config = ProxyConfig::default();
    for (method, path, query, expected) in table() {
        let got = route(&config, &method, &path, query);
        match (expected, got) {
            (0, Ok(_)) => {}
            (0, Err(r)) => panic!("{method} {path}: refused {r:?}"),
            (status, Ok(_)) => panic!("{method} {path}: allowed, expected {status}"),
            (status, Err(r)) => assert_eq!(r.status.as_u16(), status, "{method} {path}: {}", r.message),
        }
    }
    let bulk = route(&config, &Method::POST, "/_bulk/", Some("refresh=wait_for;")).unwrap();
    assert_eq!(bulk.endpoint, Endpoint::Bulk { default_index: None });
    // What is forwarded is rebuilt: no trailing slash, no stray separators.
    assert_eq!(
        (bulk.path.as_str(), bulk.query.as_str()),
        ("/_bulk", "refresh=wait_for")
    );
}

#[test]
fn bulk_bodies_may_only_index_into_the_app_indices() {
    use quantumstate_core::{Document, Index, MetricDoc};
    let doc: MetricDoc = serde_json::from_value(serde_json::json!({
        "@timestamp": "2026-02-13T15:00:00Z", "service": "auth-service", "region": "eu-west-1",
        "metric_type": "latency_ms", "value": 1.0, "unit": "ms"
    }))
    .unwrap();
    let id = doc.doc_id();
    let source = serde_json::to_string(&doc).unwrap();
    let check =
        |body: &str, default_index: Option<Index>| body::check(&Endpoint::Bulk { default_index }, body.as_bytes(), "");
    let ok = format!("{{\"index\":{{\"_index\":\"{M}\",\"_id\":\"{id}\"}}}}\n{source}\n");
    assert!(check(&ok, None).is_ok());
    let other = format!("{{\"index\":{{\"_index\":\"secrets\",\"_id\":\"{id}\"}}}}\n{source}\n");
    assert_eq!(check(&other, None).unwrap_err().status, StatusCode::FORBIDDEN);
    let delete = format!("{{\"delete\":{{\"_index\":\"{M}\",\"_id\":\"a\"}}}}\n{source}\n");
    assert_eq!(check(&delete, None).unwrap_err().status, StatusCode::FORBIDDEN);
    let no_index = format!("{{\"index\":{{\"_id\":\"{id}\"}}}}\n{source}\n");
    assert!(check(&no_index, None).is_err());
    assert!(check(&no_index, Some(Index::Metrics)).is_ok());
    assert_eq!(
        check("not json\n{}\n", None).unwrap_err().status,
        StatusCode::BAD_REQUEST
    );
    // The blank line the upstream would pair differently is refused, not skipped.
    let blank = format!("{{\"index\":{{\"_index\":\"{M}\",\"_id\":\"{id}\"}}}}\n\n{{\"delete\":{{\"_index\":\"secrets\",\"_id\":\"x\"}}}}\n{source}\n");
    assert_eq!(check(&blank, None).unwrap_err().status, StatusCode::BAD_REQUEST);
}

fn uri(path: &str, query: Option<&str>) -> String {
    match query {
        Some(q) => format!("/es{path}?{q}"),
        None => format!("/es{path}"),
    }
}

#[tokio::test]
async fn refusals_come_back_as_json_through_the_router_and_unconfigured_is_503() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let config = ServeConfig {
        dist: dir.path().to_path_buf(),
        ..Default::default()
    };
    for (method, path, query, expected) in table() {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri(&path, query))
            .header("content-type", "application/json")
            .body(Body::empty())
            .unwrap();
        let response = app(&config).unwrap().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let expected = if expected == 0 { 503 } else { expected };
        assert_eq!(status, expected, "{method} {path}");
        if method != Method::HEAD {
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(
                json["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let proxy = ProxyConfig {
        es_url: Some("http://127.0.0.1:9".into()),
        body_limit: 1024,
        ..Default::default()
    };
    let config = ServeConfig {
        dist: dir.path().to_path_buf(),
        proxy,
    };
    let request = Request::post(format!("/es/{M}/_search"))
        .header("content-type", "application/json")
        .body(Body::from(vec![b' '; 4096]))
        .unwrap();
    let response = app(&config).unwrap().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Send a request line byte for byte (HTTP clients normalise `..` and `%2e`).
async fn raw_status(base: &str, method: &str, target: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn proxy_to(es_url: &str, timeout: Duration) -> String {
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
    let proxy = ProxyConfig {
        es_url: Some(es_url.into()),
        timeout,
        ..Default::default()
    };
    support::spawn_router(app(&ServeConfig { dist: dir, proxy }).unwrap()).await
}

#[tokio::test]
async fn hostile_requests_against_a_running_proxy_never_reach_elasticsearch() {
    let (_es, es_url) = support::osmem();
    let proxy = proxy_to(&es_url, Duration::from_secs(10)).await;
    let client = reqwest::Client::new();
    // Something outside the app that must stay untouched.
    client.put(format!("{es_url}/secrets")).send().await.unwrap();
    for (method, path, query, expected) in table().into_iter().filter(|t| t.3 != 0) {
        let status = raw_status(&proxy, method.as_str(), &uri(&path, query)).await;
        assert_eq!(status, expected, "{method} {path}");
    }
    let bulk = "{\"index\":{\"_index\":\"secrets\",\"_id\":\"x\"}}\n{\"pwned\":true}\n";
    let response = client
        .post(format!("{proxy}/es/_bulk"))
        .header("content-type", "application/x-ndjson")
        .body(bulk)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let count: serde_json::Value = client
        .get(format!("{es_url}/secrets/_count"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"], 0, "nothing reached the other index");
    // And an allowed request goes through.
    let root = client.get(format!("{proxy}/es/")).send().await.unwrap();
    assert_eq!(root.status(), 200);
}

#[tokio::test]
async fn upstream_down_is_502_and_hanging_is_504_with_messages() {
    // Down: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxy = proxy_to(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5)).await;
    let response = reqwest::get(format!("{proxy}/es/{M}/_count")).await.unwrap();
    assert_eq!(response.status(), 502);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "upstream_unreachable");
    assert!(body["message"].as_str().unwrap().contains("--es-url"));

    // Hanging: accepts connections, never answers.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}", hang.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hang.accept().await {
            held.push(socket);
        }
    });
    let proxy = proxy_to(&hang_url, Duration::from_millis(500)).await;
    let response = reqwest::get(format!("{proxy}/es/{M}/_count")).await.unwrap();
    assert_eq!(response.status(), 504);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "upstream_timeout");
}

#[tokio::test]
async fn cors_preflight_is_answered_for_allowed_origins_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let proxy = ProxyConfig {
        allow_origins: vec!["https://judge.example".into()],
        ..Default::default()
    };
    let config = ServeConfig {
        dist: dir.path().to_path_buf(),
        proxy,
    };
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri(format!("/es/{M}/_search"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let ok = app(&config)
        .unwrap()
        .oneshot(preflight("https://judge.example"))
        .await
        .unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://judge.example");
    let evil = app(&config)
        .unwrap()
        .oneshot(preflight("https://evil.example"))
        .await
        .unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
}
