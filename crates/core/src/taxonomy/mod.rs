//! The evidence taxonomy: what kind of trouble a log line reports, read from
//! its error code and message tokens (never from exact phrases).
//!
//! A line is split into lower-case tokens (camelCase and `SNAKE_CASE` split
//! too, so `SSLHandshakeException` gives `ssl`, `handshake`, `exception`), and
//! every class adds the weights of the token stems it recognises, once each.
//! Pairs of stems that mean more together (`pool` + `timeout`) add a bonus.
//! The best class wins if its score reaches [`MIN_SCORE`].
//!
//! ```
//! use quantumstate_core::taxonomy::{classify, Class};
//!
//! let hikari = "HikariPool-1 - Connection is not available, request timed out after 30000ms.";
//! assert_eq!(classify(hikari, None), Some(Class::PoolExhaustion));
//! let node = "Error: getaddrinfo ENOTFOUND payments.internal";
//! assert_eq!(classify(node, None), Some(Class::Dns));
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// A named kind of trouble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    CacheDown,
    DatabaseDown,
    QueueDown,
    UpstreamDown,
    PoolExhaustion,
    UpstreamTimeout,
    Tls,
    Dns,
    RateLimited,
    HeapExhaustion,
    DiskFull,
    FdExhaustion,
    CodeDefect,
    BadConfig,
    Clock,
    RetryStorm,
    TrafficSurge,
    TrafficDrop,
}

impl Class {
    pub const ALL: [Class; 18] = [
        Class::CacheDown,
        Class::DatabaseDown,
        Class::QueueDown,
        Class::UpstreamDown,
        Class::PoolExhaustion,
        Class::UpstreamTimeout,
        Class::Tls,
        Class::Dns,
        Class::RateLimited,
        Class::HeapExhaustion,
        Class::DiskFull,
        Class::FdExhaustion,
        Class::CodeDefect,
        Class::BadConfig,
        Class::Clock,
        Class::RetryStorm,
        Class::TrafficSurge,
        Class::TrafficDrop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::CacheDown => "cache_down",
            Class::DatabaseDown => "database_down",
            Class::QueueDown => "queue_down",
            Class::UpstreamDown => "upstream_down",
            Class::PoolExhaustion => "pool_exhaustion",
            Class::UpstreamTimeout => "upstream_timeout",
            Class::Tls => "tls_certificate",
            Class::Dns => "dns",
            Class::RateLimited => "rate_limited",
            Class::HeapExhaustion => "heap_exhaustion",
            Class::DiskFull => "disk_full",
            Class::FdExhaustion => "fd_exhaustion",
            Class::CodeDefect => "code_defect",
            Class::BadConfig => "bad_config",
            Class::Clock => "clock",
            Class::RetryStorm => "retry_storm",
            Class::TrafficSurge => "traffic_surge",
            Class::TrafficDrop => "traffic_drop",
        }
    }

    pub fn parse(text: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// A dependency that stopped answering (cache, database, queue, upstream API).
    pub fn is_dependency_down(self) -> bool {
        matches!(
            self,
            Class::CacheDown | Class::DatabaseDown | Class::QueueDown | Class::UpstreamDown
        )
    }

    /// Trouble that lives in something this service calls, not in the service itself.
    pub fn is_in_dependency(self) -> bool {
        self.is_dependency_down() || matches!(self, Class::UpstreamTimeout | Class::RateLimited)
    }

    /// Trouble a change of our own (deploy, config, flag) can introduce.
    pub fn can_come_with_a_change(self) -> bool {
        matches!(
            self,
            Class::CodeDefect | Class::BadConfig | Class::HeapExhaustion | Class::FdExhaustion | Class::RetryStorm
        )
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Below this a line is not evidence of any class (one strong stem is 2, one weak stem 1).
pub const MIN_SCORE: f64 = 2.0;

mod stems;

use stems::{Stems, CLASSES, DOWN, DOWN_KINDS, PAIRS};

/// Lower-case tokens of `text`: split at non-alphanumerics and at camelCase humps.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        out.push(word.to_ascii_lowercase());
        // camelCase parts: "SSLHandshakeException" → ssl, handshake, exception.
        let chars: Vec<char> = word.chars().collect();
        let mut start = 0;
        let mut parts = Vec::new();
        for i in 1..chars.len() {
            let hump = chars[i].is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || (i + 1 < chars.len() && chars[i + 1].is_ascii_lowercase() && chars[i - 1].is_ascii_uppercase()));
            let digit_edge = chars[i].is_ascii_digit() != chars[i - 1].is_ascii_digit();
            if hump || digit_edge {
                parts.push(chars[start..i].iter().collect::<String>());
                start = i;
            }
        }
        if !parts.is_empty() {
            parts.push(chars[start..].iter().collect::<String>());
            out.extend(parts.into_iter().map(|p| p.to_ascii_lowercase()));
        }
    }
    out
}

fn score(tokens: &[String], stems: Stems) -> f64 {
    stems
        .iter()
        .filter(|(stem, _)| tokens.iter().any(|t| t.starts_with(stem)))
        .map(|(_, w)| w)
        .sum()
}

fn has(tokens: &[String], stem: &str) -> bool {
    tokens.iter().any(|t| t.starts_with(stem))
}

/// Every class's score for one line (message and error code together), best first.
pub fn scores(message: &str, code: Option<&str>) -> Vec<(Class, f64)> {
    let mut text = String::with_capacity(message.len() + 32);
    text.push_str(message);
    if let Some(c) = code {
        text.push(' ');
        text.push_str(c);
    }
    let toks = tokens(&text);
    // Envoy's "no healthy upstream" arrives as three tokens.
    let mut toks = toks;
    if has(&toks, "no") && has(&toks, "healthy") {
        toks.push("nohealthy".into());
    }
    let mut out: Vec<(Class, f64)> = CLASSES.iter().map(|(c, stems)| (*c, score(&toks, stems))).collect();
    for &(class, a, b, bonus) in PAIRS {
        if has(&toks, a) && has(&toks, b) {
            if let Some(slot) = out.iter_mut().find(|(c, _)| *c == class) {
                slot.1 += bonus;
            }
        }
    }
    let down = score(&toks, DOWN);
    if down > 0.0 {
        let (kind, kind_score) = DOWN_KINDS.iter().map(|(c, stems)| (*c, score(&toks, stems))).fold(
            (Class::UpstreamDown, 0.0),
            |best, k| if k.1 > best.1 { k } else { best },
        );
        out.push((kind, down + kind_score.min(2.0)));
    }
    crate::order::sort_by(&mut out, |a, b| b.1.total_cmp(&a.1));
    out
}

/// The class of one log line, if any reaches [`MIN_SCORE`].
pub fn classify(message: &str, code: Option<&str>) -> Option<Class> {
    scores(message, code)
        .first()
        .filter(|(_, s)| *s >= MIN_SCORE)
        .map(|(c, _)| *c)
}

/// Named infrastructure a message can point at, for the statement ("Redis", "PostgreSQL").
pub fn dependency_name(message: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str); 12] = [
        ("redis", "Redis"),
        ("memcache", "Memcached"),
        ("postgres", "PostgreSQL"),
        ("mysql", "MySQL"),
        ("mongo", "MongoDB"),
        ("kafka", "Kafka"),
        ("rabbit", "RabbitMQ"),
        ("elasticsearch", "Elasticsearch"),
        ("sqs", "SQS"),
        ("nats", "NATS"),
        ("coredns", "CoreDNS"),
        ("database", "the database"),
    ];
    let toks = tokens(message);
    NAMES
        .iter()
        .find(|(stem, _)| toks.iter().any(|t| t.starts_with(stem)))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_and_codes_split_into_tokens() {
        assert_eq!(
            tokens("javax.net.ssl.SSLHandshakeException: PKIX"),
            [
                "javax",
                "net",
                "ssl",
                "sslhandshakeexception",
                "ssl",
                "handshake",
                "exception",
                "pkix"
            ]
        );
        assert!(tokens("ECONNREFUSED 10.0.0.3:6379").contains(&"econnrefused".to_string()));
    }
}
