//! Headers of the static app: caching (hashed assets immutable, everything
//! else revalidates), `ETag`, `Vary`, security headers with a CSP the app's
//! own `index.html` passes, and precompressed copies that are never served
//! stale.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// A file's modification time and length.
type FileStamp = (Option<SystemTime>, u64);

/// Per-server state of the static files.
pub struct Statics {
    dist: PathBuf,
    /// `index.html`'s (modified, length) and the CSP computed from it.
    csp: Mutex<Option<(FileStamp, String)>>,
    /// Files whose precompressed copies are being rewritten.
    refreshing: Mutex<HashSet<PathBuf>>,
}

/// One year: what hashed file names can be cached for.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Anything else (`index.html`, client routes): ask each time, answer 304 if unchanged.
pub const REVALIDATE: &str = "no-cache";
/// CSP of everything that is not a page.
const CSP_OTHER: &str = "default-src 'none'; frame-ancestors 'none'";
/// Scripts: a worker's script brings its own policy (the file reader in
/// `src/bin/worker.rs` loads its glue and compiles its wasm from this server).
/// A page's scripts run under the page's policy, so this one only binds workers.
const CSP_SCRIPT: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'";

impl Statics {
    pub fn new(dist: &Path) -> Arc<Self> {
        Arc::new(Statics {
            dist: dist.to_path_buf(),
            csp: Mutex::new(None),
            refreshing: Mutex::new(HashSet::new()),
        })
    }

    /// The file under `dist` that a GET of `path` serves, if any.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let relative = Path::new(path.trim_start_matches('/'));
        if path.contains('%') || relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        let candidate = self.dist.join(relative);
        if candidate.is_dir() {
            return Some(candidate.join("index.html")).filter(|p| p.is_file());
        }
        if candidate.is_file() {
            return Some(candidate);
        }
        let last = path.rsplit('/').next().unwrap_or_default();
        (!last.contains('.')).then(|| self.dist.join("index.html"))
    }

    /// The page CSP: scripts from this server plus the inline scripts of the
    /// current `index.html` by hash, wasm compilation, inline styles (the UI
    /// sets `style` attributes), fetches to any http(s) proxy the user points
    /// the app at, no framing, no plugins.
    fn page_csp(&self) -> String {
        let index = self.dist.join("index.html");
        let meta = std::fs::metadata(&index).ok();
        let key = (
            meta.as_ref().and_then(|m| m.modified().ok()),
            meta.map_or(0, |m| m.len()),
        );
        let mut cache = self.csp.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, csp)) = cache.as_ref() {
            if *k == key {
                return csp.clone();
            }
        }
        let html = std::fs::read_to_string(&index).unwrap_or_default();
        let hashes: String = inline_scripts(&html)
            .iter()
            .map(|s| format!(" 'sha256-{}'", sha256_base64(s)))
            .collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: blob:; connect-src 'self' http: https:; font-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        *cache = Some((key, csp.clone()));
        csp
    }

    /// Rewrite `file`'s precompressed copies in the background (once at a time).
    fn refresh(self: &Arc<Self>, file: PathBuf) {
        {
            let mut busy = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
            if !busy.insert(file.clone()) {
                return;
            }
        }
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::serve::precompress_file(&file) {
                tracing::warn!("cannot precompress {}: {e}", file.display());
            }
            me.refreshing.lock().unwrap_or_else(|e| e.into_inner()).remove(&file);
        });
    }
}

/// The bodies of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script") else {
            break;
        };
        if !tag.contains("src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

fn sha256_base64(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Trunk names built assets `name-<hash>.ext` (wasm: `name-<hash>_bg.wasm`).
pub fn is_hashed(file: &Path) -> bool {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty() && (8..=32).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A weak validator from length and modification time (the same for every encoding).
fn etag(file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    let nanos = meta
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!("W/\"{:x}-{nanos:x}\"", meta.len()))
}

fn stale(file: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let source = modified(file);
    [".br", ".gz"].iter().any(|suffix| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        match (modified(Path::new(&name)), source) {
            (Some(copy), Some(source)) => copy < source,
            // No copy: nothing stale to serve.
            (None, _) => false,
            (Some(_), None) => true,
        }
    })
}

/// Middleware of the static files (inside compression).
pub async fn static_headers(State(statics): State<Arc<Statics>>, mut request: Request, next: Next) -> Response {
    let file = statics.resolve(request.uri().path());
    let compressible = file
        .as_deref()
        .and_then(|f| f.extension())
        .and_then(|e| e.to_str())
        .is_some_and(|e| crate::serve::COMPRESSIBLE.contains(&e));
    // A copy older than its file (or a path we cannot map to a file) is never
    // served: the raw file goes out, compressed on the fly, while the copies
    // are rewritten.
    if file.is_none() || (compressible && file.as_deref().is_some_and(stale)) {
        request.headers_mut().remove(header::ACCEPT_ENCODING);
        if let Some(f) = file.clone().filter(|_| compressible) {
            statics.refresh(f);
        }
    }
    let get = matches!(*request.method(), Method::GET | Method::HEAD);
    let tag = file.as_deref().and_then(etag).filter(|_| get);
    let matched = tag.as_ref().is_some_and(|t| {
        request
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|c| c.trim().trim_start_matches("W/") == t.trim_start_matches("W/"))
            })
    });
    let mut response = if matched {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        next.run(request).await
    };
    let ok = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if ok {
        let cache = if file.as_deref().is_some_and(is_hashed) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
            headers.insert(header::ETAG, tag);
        }
    }
    response
}

/// Security headers on every answer.
pub async fn security_headers(State(statics): State<Arc<Statics>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let page = content_type.starts_with("text/html");
    let script = content_type.contains("javascript");
    // A 304 updates the cached page's headers: it must not replace its CSP.
    let revalidated = response.status() == StatusCode::NOT_MODIFIED;
    let csp = if page {
        statics.page_csp()
    } else if script {
        CSP_SCRIPT.to_string()
    } else {
        CSP_OTHER.to_string()
    };
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(csp) = HeaderValue::from_str(&csp)
        .map_err(|_| ())
        .and_then(|c| if revalidated { Err(()) } else { Ok(c) })
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed(Path::new("quantumstate-app-3f9a1c2b4d5e6f70_bg.wasm")));
        assert!(is_hashed(Path::new("main-0123456789abcdef.css")));
        assert!(!is_hashed(Path::new("index.html")));
        assert!(!is_hashed(Path::new("quantumstate-app.js")));
        assert!(!is_hashed(Path::new("favicon.ico")));
    }

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = r#"<script type="module">import init from '/a.js';</script><script src="/b.js"></script>"#;
        assert_eq!(inline_scripts(html), vec!["import init from '/a.js';"]);
    }
}
