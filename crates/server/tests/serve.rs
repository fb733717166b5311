//! Serving the built app: tested through the router, no socket.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use quantumstate_server::serve::{self, app, ServeConfig};
use tower::ServiceExt;

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>QuantumState</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.path().join("app.js"), "export function start() {}\n".repeat(200)).unwrap();
    dir
}

async fn get(config: &ServeConfig, path: &str, encoding: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(encoding) = encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    let response = app(config)
        .unwrap()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

#[tokio::test]
async fn serves_index_wasm_with_its_mime_type_and_spa_routes() {
    let dir = dist();
    let config = ServeConfig {
        dist: dir.path().to_path_buf(),
        ..Default::default()
    };
    let (status, headers, body) = get(&config, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains("QuantumState"));
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));

    let (status, headers, _) = get(&config, "/app_bg.wasm", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");

    // A share link or client route gets the app.
    let (status, _, body) = get(&config, "/replay/memory-leak", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains("QuantumState"));

    // A missing asset is not papered over with HTML.
    let (status, _, _) = get(&config, "/missing.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn compresses_text_assets_for_clients_that_accept_gzip() {
    let dir = dist();
    let config = ServeConfig {
        dist: dir.path().to_path_buf(),
        ..Default::default()
    };
    let (status, headers, body) = get(&config, "/app.js", Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let raw = std::fs::metadata(dir.path().join("app.js")).unwrap().len() as usize;
    assert!(body.len() < raw / 4, "{} bytes gzip vs {raw} raw", body.len());
}

#[tokio::test]
async fn serves_the_build_precompressed_once_with_brotli_or_gzip() {
    let dir = dist();
    let config = ServeConfig {
        dist: dir.path().to_path_buf(),
        ..Default::default()
    };
    // index.html, app.js and app_bg.wasm; the second start finds them fresh.
    assert_eq!(serve::precompress(dir.path()).unwrap(), 3);
    assert_eq!(serve::precompress(dir.path()).unwrap(), 0);
    let raw = std::fs::read(dir.path().join("app.js")).unwrap();

    let (status, headers, body) = get(&config, "/app.js", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, std::fs::read(dir.path().join("app.js.br")).unwrap());
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut unpacked).unwrap();
    assert_eq!(unpacked, raw);

    let (_, headers, body) = get(&config, "/app.js", Some("gzip")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(body, std::fs::read(dir.path().join("app.js.gz")).unwrap());

    // A client that accepts neither gets the file as it is; client routes get index.html compressed.
    let (_, headers, body) = get(&config, "/app.js", None).await;
    assert!(!headers.contains_key(header::CONTENT_ENCODING));
    assert_eq!(body, raw);
    let (_, headers, _) = get(&config, "/replay/memory-leak", Some("br")).await;
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
}

#[test]
fn refuses_to_start_without_a_build_and_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = ServeConfig {
        dist: dir.path().to_path_buf(),
        ..Default::default()
    }
    .check()
    .unwrap_err();
    assert!(err.to_string().contains("trunk build"));
}
