//! The Elasticsearch proxy at `/es/...`. Every request is parsed, checked
//! against what the app sends and re-encoded: [`route`] (method, path and
//! query), [`guard`] (origin, host, content type), [`body`] (strict JSON and
//! the clause allow-list); [`forward`] sends our own encoding, never the
//! client's bytes. The browser never sees the Elasticsearch URL or credentials.

pub mod body;
pub mod guard;

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
/// Default time a client has to send a request body.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time Elasticsearch has to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Proxy settings (`quantumstate serve` flags and environment).
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Elasticsearch base URL; `None`: the proxy answers 503.
    pub es_url: Option<String>,
    pub credentials: Credentials,
    /// Origins allowed cross-origin, normalized (`scheme://host[:port]`;
    /// same-origin needs nothing). See [`ProxyConfig::validate`].
    pub allow_origins: Vec<String>,
    /// Host names (besides IP literals and `localhost`) this server answers to.
    pub allowed_hosts: Vec<String>,
    /// The app's indices are `{prefix}{seed name}`.
    pub index_prefix: String,
    pub body_limit: usize,
    pub timeout: Duration,
    /// Time a client has to send a whole request body.
    pub body_timeout: Duration,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            es_url: None,
            credentials: Credentials::default(),
            allow_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            index_prefix: String::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
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

    /// Refuse settings that cannot work, naming the flag: `--allow-origin`
    /// must be `scheme://host[:port]` (not `*`: the proxy is not for every
    /// site), `--upstream-timeout` and `--body-limit` above zero. Normalizes
    /// the origins in place.
    pub fn validate(&mut self) -> anyhow::Result<()> {
        for origin in &mut self.allow_origins {
            if origin == "*" {
                anyhow::bail!(
                    "--allow-origin '*' is not supported: any site could then read and write your cluster \
                     through this proxy; name each origin (e.g. --allow-origin https://demo.example)"
                );
            }
            *origin = guard::normalize_origin(origin).map_err(|e| anyhow::anyhow!("--allow-origin {e}"))?;
        }
        for host in &self.allowed_hosts {
            if host.is_empty() || host.contains(['/', '@', ' ', '*']) {
                anyhow::bail!("--allowed-host {host:?}: give a host name (e.g. demo.example), no scheme or path");
            }
        }
        if self.timeout.is_zero() {
            anyhow::bail!("--upstream-timeout must be at least 1 second");
        }
        if self.body_limit == 0 {
            anyhow::bail!("--body-limit must be above 0");
        }
        Ok(())
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
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
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

/// What an allowed request does, and so what its body must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// No body: the cluster banner, index existence, a document read.
    Plain,
    /// `PUT /{index}` with the app's own mappings.
    CreateIndex(Index),
    Search(Index),
    Count(Index),
    /// `PUT /{decisions}/_doc/{id}`: one audit record under its own id.
    PutDoc(Index, String),
    /// `_bulk`: `index`/`create` into the app's indices.
    Bulk {
        default_index: Option<Index>,
    },
}

/// An allowed request, in the canonical form we forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub endpoint: Endpoint,
    /// Rebuilt from the matched segments, never the raw path.
    pub path: String,
    /// Rebuilt from the checked parameters.
    pub query: String,
}

const REFRESH: (&str, &[&str]) = ("refresh", &["true", "false", "wait_for"]);
/// Only trims the answer: `_bulk`'s per-item answers are large.
const BULK_FILTER: (&str, &[&str]) = ("filter_path", &["items.*.status,items.*.error"]);

/// The policy: is `method path?query` (path after `/es`) allowed, and as what?
pub fn route(config: &ProxyConfig, method: &Method, path: &str, query: Option<&str>) -> Result<Route, Refusal> {
    // Index names and API names are plain ASCII: anything encoded, dotted or
    // doubled is a trick (the upstream decodes what we would not have matched).
    if path.contains(['%', '\\', '\0']) || path.contains("..") || path.contains("//") {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_path",
            "path traversal, encoded characters and empty segments are not allowed",
        ));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let segments: Vec<&str> = match segments.as_slice() {
        [""] => Vec::new(),
        [rest @ .., ""] => rest.to_vec(),
        _ => segments,
    };
    let app_index = |name: &str| -> Result<Index, Refusal> {
        body::index_of(&config.index_prefix, name).ok_or_else(|| {
            Refusal::new(
                StatusCode::FORBIDDEN,
                "index_not_allowed",
                format!("only the app's indices are reachable ({})", config.indices().join(", ")),
            )
        })
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
    let done = |endpoint: Endpoint, params: &[(&str, &[&str])]| -> Result<Route, Refusal> {
        Ok(Route {
            endpoint,
            path: format!("/{}", segments.join("/")),
            query: guard::query(query, params)?,
        })
    };
    use Method as M;
    match segments.as_slice() {
        // Cluster name and version, for the connection test.
        [] => methods(&[M::GET]).and_then(|_| done(Endpoint::Plain, &[])),
        ["_bulk"] => {
            methods(&[M::POST])?;
            done(Endpoint::Bulk { default_index: None }, &[REFRESH, BULK_FILTER])
        }
        [first, ..] if first.starts_with('_') => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "api_not_allowed",
            format!("the {first} API is not available through this proxy"),
        )),
        [index] => {
            let index = app_index(index)?;
            methods(&[M::GET, M::HEAD, M::PUT])?;
            let endpoint = if method == M::PUT {
                Endpoint::CreateIndex(index)
            } else {
                Endpoint::Plain
            };
            done(endpoint, &[])
        }
        [index, "_bulk"] => {
            let index = app_index(index)?;
            methods(&[M::POST])?;
            done(
                Endpoint::Bulk {
                    default_index: Some(index),
                },
                &[REFRESH, BULK_FILTER],
            )
        }
        [index, "_search"] => {
            let index = app_index(index)?;
            methods(&[M::GET, M::POST])?;
            done(Endpoint::Search(index), &[])
        }
        [index, "_count"] => {
            let index = app_index(index)?;
            methods(&[M::GET, M::POST])?;
            done(Endpoint::Count(index), &[])
        }
        [index, "_doc", id] if !id.starts_with('_') => {
            let index = app_index(index)?;
            methods(&[M::GET, M::PUT])?;
            if method == M::GET {
                return done(Endpoint::Plain, &[]);
            }
            if index != Index::Decisions {
                return Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "write_not_allowed",
                    "single documents are written to the audit trail only; telemetry goes through _bulk",
                ));
            }
            done(Endpoint::PutDoc(index, id.to_string()), &[REFRESH])
        }
        _ => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "api_not_allowed",
            format!("{path} is not available through this proxy"),
        )),
    }
}

/// Shared by every proxied request.
pub struct ProxyState {
    pub config: ProxyConfig,
    pub client: reqwest::Client,
}

impl ProxyState {
    pub fn new(config: ProxyConfig) -> anyhow::Result<Arc<Self>> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()?;
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
    } else if let Some(parse) = unreadable_answer(e) {
        // Reached, but its answer's head is not HTTP we accept (e.g. over
        // 100 headers).
        Refusal::new(
            StatusCode::BAD_GATEWAY,
            "upstream_bad_answer",
            format!("Elasticsearch answered, but its response could not be read ({parse})"),
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

/// The reason, if `e` is an answer whose head hyper could not parse.
fn unreadable_answer(e: &reqwest::Error) -> Option<String> {
    let mut current: &(dyn std::error::Error + 'static) = e;
    loop {
        if let Some(h) = current.downcast_ref::<hyper::Error>() {
            return h.is_parse().then(|| h.to_string());
        }
        current = current.source()?;
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
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().strip_prefix("/es").unwrap_or(parts.uri.path());
    let route = route(config, &method, path, parts.uri.query())?;
    // Cross-site requests are refused before anything is read or sent.
    let host = guard::host_of(&parts.headers, &parts.uri).unwrap_or_default();
    guard::origin_allowed(&parts.headers, &host, &config.allow_origins)?;
    let body_carrying = method == Method::POST || method == Method::PUT;
    let kind = if body_carrying {
        let accepted: &[&'static str] = match route.endpoint {
            Endpoint::Bulk { .. } => &["application/x-ndjson", "application/json"],
            _ => &["application/json"],
        };
        Some(guard::content_type(&parts.headers, accepted)?)
    } else {
        None
    };
    let Some(base) = &config.es_url else {
        return Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "this server has no Elasticsearch configured: start it with --es-url (or ES_URL)",
        ));
    };
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "request body over {} bytes: send smaller bulk chunks",
                config.body_limit
            ),
        )
    };
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > config.body_limit as u64) {
        return Err(too_large());
    }
    let body = tokio::time::timeout(config.body_timeout, axum::body::to_bytes(body, config.body_limit))
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} s",
                    config.body_timeout.as_secs()
                ),
            )
        })?;
    let body: Bytes = body.map_err(|e| {
        if root_cause(&e).contains("length limit") {
            too_large()
        } else {
            Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_incomplete",
                format!(
                    "the request body did not arrive in time or broke off ({})",
                    root_cause(&e)
                ),
            )
        }
    })?;
    if !body_carrying && !body.is_empty() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            format!("{method} requests carry no body here"),
        ));
    }
    let forwarded = if body_carrying {
        body::check(&route.endpoint, &body, &config.index_prefix)?
    } else {
        None
    };
    let target = if route.query.is_empty() {
        format!("{base}{}", route.path)
    } else {
        format!("{base}{}?{}", route.path, route.query)
    };
    let reqwest_method = reqwest::Method::from_bytes(method.as_str().as_bytes())
        .map_err(|_| Refusal::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "unknown method"))?;
    let mut upstream = state.client.request(reqwest_method, target);
    if let Some(auth) = config.credentials.header() {
        upstream = upstream.header(reqwest::header::AUTHORIZATION, auth);
    }
    if let (Some(bytes), Some(kind)) = (forwarded, kind) {
        upstream = upstream.header(reqwest::header::CONTENT_TYPE, kind).body(bytes);
    }
    let answer = upstream.send().await.map_err(|e| upstream_error(&e, config.timeout))?;
    if answer.status().is_redirection() {
        return Err(Refusal::new(
            StatusCode::BAD_GATEWAY,
            "upstream_redirect",
            format!(
                "Elasticsearch answered {} (a redirect); the proxy does not follow redirects: check --es-url",
                answer.status().as_u16()
            ),
        ));
    }
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
