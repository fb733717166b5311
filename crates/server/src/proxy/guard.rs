//! Checks on everything around a body: the query string (split on `&` and
//! `;`, as Elasticsearch and OpenSearch split it, percent-decoded as they
//! decode it), `Host` (DNS rebinding), `Origin` (cross-site requests) and
//! `Content-Type`.

use super::Refusal;
use axum::http::{HeaderMap, StatusCode};
use std::net::IpAddr;

fn bad_parameter(message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
}

/// `%XX` and `+` decoded; a malformed escape is refused.
fn decode(text: &str) -> Result<String, Refusal> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| bad_parameter("malformed percent-encoding in the query string"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad_parameter("query string is not UTF-8"))
}

/// The query parameters, decoded; duplicates refused. Each must be one of
/// `allowed` (name, accepted values) and is returned in canonical form for
/// us to forward.
pub fn query(raw: Option<&str>, allowed: &[(&str, &[&str])]) -> Result<String, Refusal> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for pair in raw.unwrap_or_default().split(['&', ';']).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name)?, decode(value)?);
        if seen.iter().any(|(n, _)| *n == name) {
            return Err(bad_parameter(format!("query parameter {name:?} given twice")));
        }
        let Some((_, values)) = allowed.iter().find(|(n, _)| *n == name) else {
            return Err(bad_parameter(format!("query parameter {name:?} is not allowed here")));
        };
        if !values.contains(&value.as_str()) {
            return Err(bad_parameter(format!(
                "{name}={value:?} is not allowed (allowed: {})",
                values.join(", ")
            )));
        }
        seen.push((name, value));
    }
    Ok(seen
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&"))
}

/// `host[:port]` without the port (IPv6 literals keep their brackets).
fn hostname(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether a `Host` value may address this server: an IP literal or
/// `localhost` (no DNS name an attacker controls can rebind to them), or a
/// name given with `--allowed-host`.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    if host.is_empty() || host.bytes().any(|b| b.is_ascii_whitespace() || b == b'/' || b == b'@') {
        return false;
    }
    let name = hostname(host);
    let literal = name.trim_start_matches('[').trim_end_matches(']');
    literal.parse::<IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(host) || a.eq_ignore_ascii_case(name))
}

/// A request's `Host` (or its absolute URI's authority).
pub fn host_of(headers: &HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
}

/// `scheme://host[:port]` in lower case, or why not.
pub fn normalize_origin(origin: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(origin).map_err(|e| format!("{origin:?} is not an origin URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{origin:?}: an origin is http:// or https://"));
    }
    if url.host_str().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || origin.trim_end_matches('/').matches('/').count() != 2
    {
        return Err(format!(
            "{origin:?} is not an origin: give scheme://host[:port] only (e.g. https://demo.example)"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// A present `Origin` must be this server itself or an `--allow-origin`.
pub fn origin_allowed(headers: &HeaderMap, host: &str, allowed: &[String]) -> Result<(), Refusal> {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    let same = ["http://", "https://"]
        .iter()
        .any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{host}")));
    let listed = normalize_origin(origin).is_ok_and(|o| allowed.contains(&o));
    if same || listed {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("requests from origin {origin:?} are not allowed (see --allow-origin)"),
        ))
    }
}

/// The media type of a body-carrying request, which must be one of `allowed`:
/// a cross-site form or `text/plain` POST needs no CORS preflight, JSON does.
pub fn content_type(headers: &HeaderMap, allowed: &[&'static str]) -> Result<&'static str, Refusal> {
    let given = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = given.split(';').next().unwrap_or_default().trim();
    allowed
        .iter()
        .find(|a| essence.eq_ignore_ascii_case(a))
        .copied()
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "bad_content_type",
                format!(
                    "Content-Type {given:?} is not accepted here; send {}",
                    allowed.join(" or ")
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_and_encodings_cannot_smuggle_parameters() {
        let refresh: &[(&str, &[&str])] = &[("refresh", &["true", "false", "wait_for"])];
        assert_eq!(query(Some("refresh=wait_for"), refresh).unwrap(), "refresh=wait_for");
        assert!(query(Some("refresh=false;pipeline=x"), refresh).is_err());
        assert!(query(Some("refresh=false%3Bpipeline=x"), refresh).is_err());
        assert!(query(Some("%70ipeline=x"), refresh).is_err());
        assert!(query(Some("refresh=true&refresh=false"), refresh).is_err());
        assert!(query(Some("refresh=%zz"), refresh).is_err());
        assert_eq!(query(Some("re%66resh=true"), refresh).unwrap(), "refresh=true");
    }

    #[test]
    fn hosts_are_ip_literals_localhost_or_named() {
        let named = vec!["demo.example".to_string()];
        for ok in [
            "127.0.0.1:8080",
            "[::1]:80",
            "localhost:3000",
            "demo.example",
            "DEMO.example:443",
        ] {
            assert!(host_allowed(ok, &named), "{ok}");
        }
        for no in ["evil.example", "127.0.0.1.evil.example", "", "a b", "x@127.0.0.1"] {
            assert!(!host_allowed(no, &named), "{no}");
        }
    }

    #[test]
    fn origins_are_normalized_or_refused_with_the_reason() {
        assert_eq!(
            normalize_origin("https://Demo.example:443").unwrap(),
            "https://demo.example"
        );
        for no in [
            "*",
            "null",
            "demo.example",
            "https://demo.example/app",
            "ftp://x",
            "https://u@x",
        ] {
            assert!(normalize_origin(no).is_err(), "{no}");
        }
    }
}
