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
    let accept: Vec<(&str, &str)> = encoding.map(|e| ("accept-encoding", e)).into_iter().collect();
    get_with(config, path, &accept).await
}

#[tokio::test]
async fn serves_index_wasm_with_its_mime_type_and_spa_routes() {
    let dir = dist();
    let config = config(&dir);
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
    let config = config(&dir);
    let (status, headers, body) = get(&config, "/app.js", Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    let raw = std::fs::metadata(dir.path().join("app.js")).unwrap().len() as usize;
    assert!(body.len() < raw / 4, "{} bytes gzip vs {raw} raw", body.len());
}

#[tokio::test]
async fn serves_the_build_precompressed_once_with_brotli_or_gzip() {
    let dir = dist();
    let config = config(&dir);
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

/// A build as Trunk writes it: hashed assets, an inline start-up script.
fn trunk_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>QuantumState</title><script type=\"module\">import init from '/app-0123456789abcdef.js'; init();</script>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app-0123456789abcdef.js"),
        "export default function init() {}\n".repeat(50),
    )
    .unwrap();
    std::fs::write(dir.path().join("app-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.path().join("favicon.svg"), "<svg/>").unwrap();
    dir
}

fn config(dir: &tempfile::TempDir) -> ServeConfig {
    ServeConfig {
        dist: dir.path().to_path_buf(),
        ..Default::default()
    }
}

async fn get_with(
    config: &ServeConfig,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    for (n, v) in headers {
        request = request.header(*n, *v);
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
async fn hashed_assets_are_immutable_and_the_page_revalidates() {
    let dir = trunk_dist();
    let config = config(&dir);
    for path in ["/app-0123456789abcdef.js", "/app-0123456789abcdef_bg.wasm"] {
        let (status, headers, _) = get(&config, path, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable",
            "{path}"
        );
    }
    for path in ["/", "/index.html", "/replay/memory-leak", "/favicon.svg"] {
        let (_, headers, _) = get(&config, path, None).await;
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{path}");
    }
    // A missing asset is not cacheable for a year.
    let (status, headers, _) = get(&config, "/app-ffffffffffffffff.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(header::CACHE_CONTROL).is_none());
}

#[tokio::test]
async fn etags_answer_304_and_change_with_the_file() {
    let dir = trunk_dist();
    let config = config(&dir);
    let (_, headers, _) = get(&config, "/", None).await;
    let tag = headers[header::ETAG].to_str().unwrap().to_string();
    let (status, headers, body) = get_with(&config, "/", &[("if-none-match", &tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers[header::ETAG], tag.as_str());
    assert!(
        headers.get(header::CONTENT_SECURITY_POLICY).is_none(),
        "a 304 keeps the page's CSP"
    );
    // Another representation, or a rebuilt file, is sent in full.
    let (status, _, _) = get_with(&config, "/", &[("if-none-match", "W/\"0-0\"")]).await;
    assert_eq!(status, StatusCode::OK);
    let index = dir.path().join("index.html");
    std::fs::write(&index, "<!DOCTYPE html><title>QuantumState v2</title>").unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&index)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let (status, headers, body) = get_with(&config, "/", &[("if-none-match", &tag)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers[header::ETAG], tag.as_str());
    assert!(String::from_utf8(body).unwrap().contains("v2"));
}

#[tokio::test]
async fn static_answers_vary_on_accept_encoding() {
    let dir = trunk_dist();
    serve::precompress(dir.path()).unwrap();
    let config = config(&dir);
    for (path, encoding) in [
        ("/app-0123456789abcdef.js", Some("br")),
        ("/app-0123456789abcdef.js", None),
        ("/", Some("gzip")),
    ] {
        let (_, headers, _) = get(&config, path, encoding).await;
        let vary = headers[header::VARY].to_str().unwrap().to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "{path} {encoding:?}: {vary}");
    }
}

#[tokio::test]
async fn security_headers_and_a_csp_that_allows_the_pages_own_script() {
    use base64::Engine;
    use sha2::Digest;
    let dir = trunk_dist();
    let config = config(&dir);
    let (_, headers, _) = get(&config, "/", None).await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(
        b"import init from '/app-0123456789abcdef.js'; init();",
    ));
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    for part in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "'wasm-unsafe-eval'",
        "base-uri 'self'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(
        !csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp}"
    );
    // A script: as a worker (the file reader) it may load this server's scripts
    // and wasm and fetch from it, nothing else; nothing may frame it.
    let (_, headers, _) = get(&config, "/app-0123456789abcdef.js", None).await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'"
    );
    // Anything else: nothing may run.
    for other in ["/favicon.svg", "/app-0123456789abcdef_bg.wasm"] {
        let (_, headers, _) = get(&config, other, None).await;
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; frame-ancestors 'none'",
            "{other}"
        );
    }
    // The proxy's answers carry them too.
    let (_, headers, _) = get(&config, "/es/_cluster/settings", None).await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn a_precompressed_copy_older_than_its_file_is_never_served() {
    let dir = trunk_dist();
    let js = dir.path().join("app-0123456789abcdef.js");
    serve::precompress(dir.path()).unwrap();
    let fresh = "export const version = 2;\n".repeat(80);
    std::fs::write(&js, &fresh).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&js)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let config = config(&dir);
    for encoding in ["br", "gzip", "br, gzip"] {
        let (status, headers, body) = get(&config, "/app-0123456789abcdef.js", Some(encoding)).await;
        assert_eq!(status, StatusCode::OK);
        let unpacked = match headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()) {
            Some("br") => {
                let mut out = Vec::new();
                brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap();
                out
            }
            Some("gzip") => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut out).unwrap();
                out
            }
            _ => body,
        };
        assert_eq!(String::from_utf8(unpacked).unwrap(), fresh, "{encoding}");
    }
    // The copies are rewritten in the background; poll (bounded) until they are fresh.
    let br = dir.path().join("app-0123456789abcdef.js.br");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let mut out = Vec::new();
        let bytes = std::fs::read(&br).unwrap();
        if brotli::BrotliDecompress(&mut &bytes[..], &mut out).is_ok() && out == fresh.as_bytes() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "app.js.br was not rewritten");
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A copy whose file was deleted is not served either.
    std::fs::remove_file(&js).unwrap();
    let (status, _, _) = get(&config, "/app-0123456789abcdef.js", Some("br")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
