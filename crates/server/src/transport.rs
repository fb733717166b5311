//! The native [`Transport`]: reqwest, with credentials from the environment.

use quantumstate_core::elastic::{Method, Request, Response, Transport};
use quantumstate_core::StoreError;
use std::time::Duration;

/// Credentials for Elasticsearch, only ever read from the environment.
#[derive(Clone, Default)]
pub struct Credentials(Option<String>);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Credentials(set)"
        } else {
            "Credentials(none)"
        })
    }
}

impl Credentials {
    /// `ES_API_KEY`, or `ES_USERNAME` + `ES_PASSWORD`, or none.
    pub fn from_env() -> Self {
        use base64::Engine;
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(key) = var("ES_API_KEY") {
            return Credentials(Some(format!("ApiKey {key}")));
        }
        match (var("ES_USERNAME"), var("ES_PASSWORD")) {
            (Some(u), Some(p)) => Credentials(Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            ))),
            _ => Credentials(None),
        }
    }

    /// The `Authorization` header value.
    pub fn header(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A base URL without user info, so it can be printed and logged.
pub fn clean_base_url(url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid Elasticsearch URL {url:?}: {e}"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        anyhow::bail!("put credentials in ES_API_KEY or ES_USERNAME/ES_PASSWORD, not in the URL");
    }
    if !matches!(parsed.scheme(), "http" | "https") {
        anyhow::bail!("Elasticsearch URL must be http or https, got {}", parsed.scheme());
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// reqwest to Elasticsearch (or to our proxy's `/es`).
#[derive(Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    base: String,
    credentials: Credentials,
}

impl HttpTransport {
    pub fn new(base: &str, credentials: Credentials, timeout: Duration) -> anyhow::Result<Self> {
        Ok(HttpTransport {
            client: reqwest::Client::builder().timeout(timeout).build()?,
            base: clean_base_url(base)?,
            credentials,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

impl Transport for HttpTransport {
    async fn send(&self, request: Request) -> Result<Response, StoreError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut builder = self.client.request(method, format!("{}{}", self.base, request.path));
        if let Some(auth) = self.credentials.header() {
            builder = builder.header(reqwest::header::AUTHORIZATION, auth);
        }
        if let Some(body) = request.body {
            let kind = if request.ndjson {
                "application/x-ndjson"
            } else {
                "application/json"
            };
            builder = builder.header(reqwest::header::CONTENT_TYPE, kind).body(body);
        }
        let response = builder.send().await.map_err(|e| {
            if e.is_timeout() {
                StoreError::Status {
                    status: 504,
                    message: format!("no answer from {} in time", self.base),
                }
            } else {
                StoreError::Unreachable(format!("{}: {}", self.base, root_cause(&e)))
            }
        })?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| StoreError::Unreachable(root_cause(&e)))?;
        Ok(Response { status, body })
    }

    async fn sleep_ms(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    fn note(&self, message: &str) {
        tracing::warn!(engine = %self.base, "{message}");
    }
}

/// The innermost error message (reqwest wraps hyper wraps io).
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
