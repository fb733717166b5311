//! Serving the built app: static files from `dist/`, `index.html` for any
//! other path (client-side routes and share links). The build's files are
//! served precompressed (brotli 11, gzip by zopfli, written once per build by
//! [`precompress`]); other answers are compressed on the fly at a fast level.

use crate::listen::{self, Limits};
use crate::proxy::{self, guard, ProxyConfig, ProxyState};
use crate::statics::{self, Statics};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::CompressionLevel;
use tracing::Level;

/// What `serve` needs.
#[derive(Debug, Clone, Default)]
pub struct ServeConfig {
    /// Trunk's output folder.
    pub dist: PathBuf,
    pub proxy: ProxyConfig,
}

/// A `dist/` that cannot be served.
#[derive(Debug, thiserror::Error)]
#[error("{0} has no index.html: build the app first (`trunk build --release`, see README.md)")]
pub struct MissingBuild(String);

impl ServeConfig {
    /// Fail early, with the fix, when the app was not built.
    pub fn check(&self) -> Result<(), MissingBuild> {
        if self.dist.join("index.html").is_file() {
            Ok(())
        } else {
            Err(MissingBuild(self.dist.display().to_string()))
        }
    }
}

/// `Host` must name this server (DNS rebinding): see [`guard::host_allowed`].
async fn check_host(State(allowed): State<Arc<Vec<String>>>, request: Request, next: Next) -> Response {
    // No Host at all is not a browser (HTTP/1.0 tools, in-process tests): nothing to rebind.
    let Some(host) = guard::host_of(request.headers(), request.uri()) else {
        return next.run(request).await;
    };
    if request.uri().path() == "/healthz" || guard::host_allowed(&host, &allowed) {
        return next.run(request).await;
    }
    proxy::Refusal::new(
        StatusCode::MISDIRECTED_REQUEST,
        "host_not_allowed",
        format!("this server does not answer to Host {host:?}; add it with --allowed-host"),
    )
    .into_response()
}

/// The whole HTTP app: the static app, `/es/...` proxy, `/healthz`, `/readyz`.
pub fn app(config: &ServeConfig) -> anyhow::Result<Router> {
    let mut proxy_config = config.proxy.clone();
    proxy_config.validate()?;
    let hosts = Arc::new(proxy_config.allowed_hosts.clone());
    let origins: Vec<HeaderValue> = proxy_config
        .allow_origins
        .iter()
        .map(|o| HeaderValue::from_str(o))
        .collect::<Result<_, _>>()?;
    let state = ProxyState::new(proxy_config)?;
    let proxy = Router::new()
        .route("/es", any(proxy::forward))
        .route("/es/", any(proxy::forward))
        .route("/es/{*path}", any(proxy::forward))
        .route("/readyz", get(proxy::readyz))
        .with_state(state);
    let proxy = if origins.is_empty() {
        proxy
    } else {
        proxy.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::HEAD])
                .allow_headers([header::CONTENT_TYPE])
                .max_age(std::time::Duration::from_secs(600)),
        )
    };
    let index = ServeFile::new(config.dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let spa = Router::new().fallback(move |request: Request| {
        let mut index = index.clone();
        async move {
            // A missing asset is a 404; any other path is a client-side route.
            let last = request.uri().path().rsplit('/').next().unwrap_or_default();
            if last.contains('.') {
                return (StatusCode::NOT_FOUND, "not found").into_response();
            }
            match index.try_call(request).await {
                Ok(response) => response.into_response(),
                Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
            }
        }
    });
    let statics = Statics::new(&config.dist);
    let files = Router::new()
        .fallback_service(
            ServeDir::new(&config.dist)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(spa),
        )
        .layer(middleware::from_fn_with_state(statics.clone(), statics::static_headers));
    Ok(Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .merge(proxy)
        .merge(files)
        // Precompressed files pass through; API answers are not worth brotli 11.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(middleware::from_fn_with_state(statics, statics::security_headers))
        .layer(middleware::from_fn_with_state(hosts, check_host))
        // Method, path, status and latency only: no bodies, no headers (credentials).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        ))
}

/// Serve [`app`] until Ctrl-C, within `limits`.
pub async fn run(listener: tokio::net::TcpListener, router: Router, limits: Limits) -> anyhow::Result<()> {
    listen::serve(listener, router, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// Brotli at its best quality (11), as served and as the benchmarks report.
pub fn brotli11(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Gzip at level 9: what the benchmarks' targets are stated in.
pub fn gzip9(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(bytes)?;
    gzip.finish()
}

/// Gzip as served to clients without brotli: zopfli, the same format about 5%
/// smaller than gzip -9 (seconds per build for the wasm, done once).
pub fn gzip_zopfli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(zopfli::Options::default(), zopfli::Format::Gzip, bytes, &mut out)?;
    Ok(out)
}

/// Extensions worth compressing.
pub const COMPRESSIBLE: [&str; 6] = ["wasm", "js", "css", "html", "svg", "json"];

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Write `x.br` (brotli 11) and `x.gz` (zopfli) next to every compressible
/// file under `dist` that lacks a fresh one; returns how many files it
/// compressed. Writes go to a temporary name and are renamed into place, so
/// servers starting together never serve a half-written file.
pub fn precompress(dist: &Path) -> std::io::Result<usize> {
    let mut done = 0;
    let mut dirs = vec![dist.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if !COMPRESSIBLE.contains(&ext) {
                continue;
            }
            if precompress_file(&path)? {
                done += 1;
            }
        }
    }
    Ok(done)
}

/// Write `file.br` and `file.gz` unless both are at least as new as `file`;
/// whether it wrote them. Writes go to a temporary name renamed into place,
/// so a server never serves a half-written copy.
pub fn precompress_file(path: &Path) -> std::io::Result<bool> {
    let source = modified(path);
    let fresh = |suffix: &str| {
        let mut name = path.to_path_buf().into_os_string();
        name.push(suffix);
        let target = PathBuf::from(name);
        let ok = matches!((modified(&target), source), (Some(t), Some(s)) if t >= s);
        (target, ok)
    };
    let (br, br_ok) = fresh(".br");
    let (gz, gz_ok) = fresh(".gz");
    if br_ok && gz_ok {
        return Ok(false);
    }
    let bytes = std::fs::read(path)?;
    for (target, data) in [(br, brotli11(&bytes)?), (gz, gzip_zopfli(&bytes)?)] {
        let mut tmp = target.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        std::fs::write(&tmp, data)?;
        std::fs::rename(&tmp, &target)?;
    }
    Ok(true)
}
