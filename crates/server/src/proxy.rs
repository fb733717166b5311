//! The Elasticsearch proxy at `/es/...`: the whole policy is [`route`] and
//! [`check_bulk`]; [`forward`] does the I/O. The browser never sees the
//! Elasticsearch URL or credentials.

use crate::transport::{root_cause, Credentials};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use quantumstate_core::Index;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Default largest request body: a few bulk chunks' worth.
pub const DEFAULT_BODY_LIMIT: usize = 10 << 20;
/// Default time Elasticsearch has to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Proxy settings (`quantumstate serve` flags and environment).
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Elasticsearch base URL; `None`: the proxy answers 503.
    pub es_url: Option<String>,
    pub credentials: Credentials,
    /// Origins allowed cross-origin (same-origin needs nothing).
    pub allow_origins: Vec<String>,
    /// The app's indices are `{prefix}{seed name}`.
    pub index_prefix: String,
    pub body_limit: usize,
    pub timeout: Duration,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            es_url: None,
            credentials: Credentials::default(),
            allow_origins: Vec::new(),
            index_prefix: String::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl ProxyConfig {
    pub fn indices(&self) -> Vec<String> {
        Index::ALL
            .iter()
            .map(|i| format!("{}{}", self.index_prefix, i.name()))
            .collect()
    }

    fn telemetry(&self) -> Vec<String> {
        [Index::Metrics, Index::Logs]
            .iter()
            .map(|i| format!("{}{}", self.index_prefix, i.name()))
            .collect()
    }
}

/// A refused request: status and a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.code, "message": self.message })),
        )
            .into_response()
    }
}

/// What an allowed request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// Forward as is.
    Plain,
    /// A `_bulk` whose body must be checked; actions without `_index` go to this index.
    Bulk { default_index: Option<String> },
}

/// Query parameters the app uses.
const ALLOWED_PARAMS: &[&str] = &["refresh", "conflicts"];
/// Only trims the answer: allowed on `_bulk`, whose per-item answers are large.
const BULK_PARAMS: &[&str] = &["filter_path"];

/// The policy: is `method path?query` (path after `/es`) allowed?
pub fn route(config: &ProxyConfig, method: &Method, path: &str, query: Option<&str>) -> Result<Allowed, Refusal> {
    let lower = path.to_ascii_lowercase();
    if lower.contains("..")
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains("%00")
        || path.contains('\\')
        || path.contains("//")
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_path",
            "path traversal and encoded separators are not allowed",
        ));
    }
    for pair in query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let name = pair.split('=').next().unwrap_or_default();
        let bulk = path.trim_end_matches('/').ends_with("/_bulk");
        if !(ALLOWED_PARAMS.contains(&name) || bulk && BULK_PARAMS.contains(&name)) {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                format!("query parameter {name:?} is not allowed"),
            ));
        }
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let segments: Vec<&str> = if segments == [""] { Vec::new() } else { segments };
    let indices = config.indices();
    let app_index = |name: &str| -> Result<String, Refusal> {
        if indices.iter().any(|i| i == name) {
            Ok(name.to_string())
        } else {
            Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "index_not_allowed",
                format!("only the app's indices are reachable ({})", indices.join(", ")),
            ))
        }
    };
    let methods = |allowed: &[Method]| -> Result<(), Refusal> {
        if allowed.contains(method) {
            Ok(())
        } else {
            Err(Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} is not allowed here"),
            ))
        }
    };
    use Method as M;
    match segments.as_slice() {
        // Cluster name and version, for the connection test.
        [] => methods(&[M::GET]).map(|_| Allowed::Plain),
        ["_bulk"] => methods(&[M::POST]).map(|_| Allowed::Bulk { default_index: None }),
        [first, ..] if first.starts_with('_') => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "api_not_allowed",
            format!("the {first} API is not available through this proxy"),
        )),
        [index] => {
            app_index(index)?;
            methods(&[M::GET, M::HEAD, M::PUT]).map(|_| Allowed::Plain)
        }
        [index, "_mapping"] => {
            app_index(index)?;
            methods(&[M::GET, M::PUT]).map(|_| Allowed::Plain)
        }
        [index, "_bulk"] => {
            let index = app_index(index)?;
            methods(&[M::POST]).map(|_| Allowed::Bulk {
                default_index: Some(index),
            })
        }
        [index, "_search" | "_count"] => {
            app_index(index)?;
            methods(&[M::GET, M::POST]).map(|_| Allowed::Plain)
        }
        [index, "_refresh"] => {
            app_index(index)?;
            methods(&[M::POST]).map(|_| Allowed::Plain)
        }
        [index, "_doc", id] if !id.is_empty() => {
            app_index(index)?;
            methods(&[M::GET, M::PUT]).map(|_| Allowed::Plain)
        }
        // The app's own reset: telemetry only, never the incident history or the audit trail.
        [index, "_delete_by_query"] => {
            app_index(index)?;
            if !config.telemetry().iter().any(|t| t == index) {
                return Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "delete_not_allowed",
                    "only metrics and logs can be reset; incident history and the audit trail are kept",
                ));
            }
            methods(&[M::POST]).map(|_| Allowed::Plain)
        }
        _ => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "api_not_allowed",
            format!("{path} is not available through this proxy"),
        )),
    }
}

/// Every action of a `_bulk` body must index into an app index; no deletes or updates.
pub fn check_bulk(config: &ProxyConfig, body: &[u8], default_index: Option<&str>) -> Result<(), Refusal> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "bad_body", "bulk body is not UTF-8"))?;
    let indices = config.indices();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).enumerate();
    while let Some((n, line)) = lines.next() {
        let action: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("bulk line {}: not an action: {e}", n + 1),
            )
        })?;
        let Some((kind, meta)) = action
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("bulk line {}: expected one action", n + 1),
            ));
        };
        if kind != "index" && kind != "create" {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "action_not_allowed",
                format!("bulk action {kind:?} is not allowed"),
            ));
        }
        let index = meta["_index"].as_str().or(default_index).unwrap_or_default();
        if !indices.iter().any(|i| i == index) {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "index_not_allowed",
                format!("bulk line {}: index {index:?} is not one of the app's indices", n + 1),
            ));
        }
        // Skip the document line.
        if lines.next().is_none() {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                "bulk body ends after an action line",
            ));
        }
    }
    Ok(())
}

/// Shared by every proxied request.
pub struct ProxyState {
    pub config: ProxyConfig,
    pub client: reqwest::Client,
}

impl ProxyState {
    pub fn new(config: ProxyConfig) -> anyhow::Result<Arc<Self>> {
        let client = reqwest::Client::builder().timeout(config.timeout).build()?;
        Ok(Arc::new(ProxyState { config, client }))
    }
}

fn upstream_error(e: &reqwest::Error, timeout: Duration) -> Refusal {
    if e.is_timeout() {
        Refusal::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            format!(
                "Elasticsearch did not answer within {} s; it may be overloaded. Try again, or check the cluster.",
                timeout.as_secs()
            ),
        )
    } else {
        Refusal::new(
            StatusCode::BAD_GATEWAY,
            "upstream_unreachable",
            format!(
                "cannot reach Elasticsearch ({}); check --es-url and that the cluster is up",
                root_cause(e)
            ),
        )
    }
}

/// Check and forward one `/es/...` request.
pub async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    match forward_inner(&state, request).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn forward_inner(state: &ProxyState, request: Request) -> Result<Response, Refusal> {
    let config = &state.config;
    let method = request.method().clone();
    let uri = request.uri().clone();
    let path = uri.path().strip_prefix("/es").unwrap_or(uri.path()).to_string();
    let allowed = route(config, &method, &path, uri.query())?;
    let Some(base) = &config.es_url else {
        return Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "this server has no Elasticsearch configured: start it with --es-url (or ES_URL)",
        ));
    };
    let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
    let body: Bytes = axum::body::to_bytes(request.into_body(), config.body_limit)
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "request body over {} bytes: send smaller bulk chunks",
                    config.body_limit
                ),
            )
        })?;
    if let Allowed::Bulk { default_index } = &allowed {
        check_bulk(config, &body, default_index.as_deref())?;
    }
    let target = match uri.query() {
        Some(q) => format!("{base}{path}?{q}"),
        None => format!("{base}{path}"),
    };
    let reqwest_method = reqwest::Method::from_bytes(method.as_str().as_bytes())
        .map_err(|_| Refusal::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "unknown method"))?;
    let mut upstream = state.client.request(reqwest_method, target);
    if let Some(auth) = config.credentials.header() {
        upstream = upstream.header(reqwest::header::AUTHORIZATION, auth);
    }
    if !body.is_empty() {
        let kind = content_type
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.starts_with("application/json") || v.starts_with("application/x-ndjson"))
            .unwrap_or("application/json");
        upstream = upstream.header(reqwest::header::CONTENT_TYPE, kind).body(body);
    }
    let answer = upstream.send().await.map_err(|e| upstream_error(&e, config.timeout))?;
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let kind = answer
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
    let bytes = answer.bytes().await.map_err(|e| upstream_error(&e, config.timeout))?;
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    if let Some(kind) = kind {
        response.headers_mut().insert(header::CONTENT_TYPE, kind);
    }
    Ok(response)
}

/// `/readyz`: Elasticsearch reachable and the app's indices exist.
pub async fn readyz(State(state): State<Arc<ProxyState>>) -> Response {
    let config = &state.config;
    let Some(base) = &config.es_url else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "reason": "no Elasticsearch configured (--es-url)" })),
        )
            .into_response();
    };
    let mut missing = Vec::new();
    for index in config.indices() {
        let mut request = state.client.head(format!("{base}/{index}"));
        if let Some(auth) = config.credentials.header() {
            request = request.header(reqwest::header::AUTHORIZATION, auth);
        }
        match request.send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(_) => missing.push(index),
            Err(e) => {
                let refusal = upstream_error(&e, config.timeout);
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({ "ready": false, "reason": refusal.message })),
                )
                    .into_response();
            }
        }
    }
    if missing.is_empty() {
        Json(json!({ "ready": true })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "reason": "indices missing: run set-up", "missing": missing })),
        )
            .into_response()
    }
}
