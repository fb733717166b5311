//! Serving the built app: static files from `dist/`, `index.html` for any
//! other path (client-side routes and share links), gzip/brotli compression.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use std::path::PathBuf;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Trunk's output folder.
    pub dist: PathBuf,
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

/// The whole HTTP app.
pub fn app(config: &ServeConfig) -> Router {
    let index = ServeFile::new(config.dist.join("index.html"));
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
    let files = ServeDir::new(&config.dist).fallback(spa);
    Router::new()
        .route(
            "/healthz",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .fallback_service(files)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Serve until Ctrl-C.
pub async fn run(listener: tokio::net::TcpListener, config: ServeConfig) -> anyhow::Result<()> {
    axum::serve(listener, app(&config))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
