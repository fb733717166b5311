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

/// `(stem, weight)`: a token that starts with `stem` counts `weight`, once per line.
type Stems = &'static [(&'static str, f64)];

/// Class-generic "a dependency is down" stems; the kind comes from [`DOWN_KINDS`].
const DOWN: Stems = &[
    ("refused", 2.5),
    ("econnrefused", 3.0),
    ("unavailable", 1.5),
    ("unreachable", 2.5),
    ("offline", 2.5),
    ("evicted", 1.5),
    ("down", 1.0),
    ("disconnect", 1.5),
    ("reset", 1.0),
    ("econnreset", 2.5),
    ("broken", 1.0),
    ("nohealthy", 3.0),
    ("healthy", 0.5),
    ("failover", 1.5),
    ("lost", 1.0),
    ("503", 1.0),
    ("502", 1.0),
    ("unable", 0.5),
    ("connect", 0.5),
    ("connection", 0.5),
    ("closed", 1.0),
    ("establish", 1.0),
    ("nonode", 2.0),
    ("node", 0.3),
    ("failed", 0.5),
    ("fallback", 1.0),
    ("open", 0.3),
    ("breaker", 1.5),
];

/// Which kind of dependency a "down" line is about.
const DOWN_KINDS: [(Class, Stems); 4] = [
    (
        Class::CacheDown,
        &[
            ("redis", 2.0),
            ("memcache", 2.0),
            ("cache", 1.5),
            ("valkey", 2.0),
            ("6379", 1.0),
        ],
    ),
    (
        Class::DatabaseDown,
        &[
            ("postgres", 2.0),
            ("psql", 2.0),
            ("pg", 1.0),
            ("mysql", 2.0),
            ("mariadb", 2.0),
            ("mongo", 2.0),
            ("database", 2.0),
            ("db", 1.5),
            ("sql", 1.5),
            ("jdbc", 2.0),
            ("5432", 1.0),
            ("3306", 1.0),
            ("replica", 1.0),
            ("primary", 0.5),
        ],
    ),
    (
        Class::QueueDown,
        &[
            ("kafka", 2.0),
            ("rabbit", 2.0),
            ("amqp", 2.0),
            ("broker", 2.0),
            ("queue", 1.5),
            ("sqs", 2.0),
            ("nats", 2.0),
            ("pubsub", 2.0),
            ("9092", 1.0),
            ("5672", 1.0),
            ("topic", 0.5),
            ("partition", 0.5),
        ],
    ),
    (
        Class::UpstreamDown,
        &[
            ("upstream", 1.5),
            ("service", 0.5),
            ("api", 0.5),
            ("endpoint", 1.0),
            ("backend", 1.0),
            ("host", 0.5),
            ("cluster", 0.5),
        ],
    ),
];

/// Every other class and its stems.
const CLASSES: [(Class, Stems); 14] = [
    (
        Class::PoolExhaustion,
        &[
            ("pool", 2.0),
            ("hikari", 2.5),
            ("exhaust", 1.0),
            ("saturat", 1.0),
            ("acquire", 1.5),
            ("pending", 0.5),
            ("waiting", 0.5),
            ("active", 0.5),
            ("idle", 0.5),
            ("leak", 0.5),
            ("maxconn", 2.0),
            ("max", 0.3),
            ("pgbouncer", 2.0),
            ("available", 0.5),
            ("outstanding", 1.0),
            ("overflow", 1.0),
        ],
    ),
    (
        Class::UpstreamTimeout,
        &[
            ("timeout", 2.0),
            ("timed", 1.5),
            ("etimedout", 3.0),
            ("deadline", 2.0),
            ("exceeded", 0.5),
            ("504", 2.0),
            ("gateway", 0.5),
            ("slow", 0.5),
            ("upstream", 0.5),
            ("elapsed", 0.5),
            ("waiting", 0.3),
        ],
    ),
    (
        Class::Tls,
        &[
            ("ssl", 2.0),
            ("tls", 2.0),
            ("certificat", 2.5),
            ("cert", 2.0),
            ("x509", 3.0),
            ("handshake", 2.0),
            ("pkix", 3.0),
            ("expired", 1.0),
            ("notafter", 2.0),
            ("signed", 1.0),
            ("verify", 0.5),
            ("trust", 1.0),
            ("chain", 0.5),
            ("https", 0.5),
        ],
    ),
    (
        Class::Dns,
        &[
            ("dns", 3.0),
            ("resol", 2.0),
            ("enotfound", 3.0),
            ("eai", 2.0),
            ("getaddrinfo", 2.5),
            ("unknownhost", 3.0),
            ("nxdomain", 3.0),
            ("lookup", 1.0),
            ("such", 0.5),
            ("name", 0.5),
            ("servfail", 3.0),
            ("coredns", 3.0),
            ("nameserver", 3.0),
            ("hostname", 1.0),
        ],
    ),
    (
        Class::RateLimited,
        &[
            ("throttl", 3.0),
            ("ratelimit", 3.0),
            ("rate", 1.0),
            ("limit", 1.0),
            ("429", 3.0),
            ("quota", 2.5),
            ("toomanyrequests", 3.0),
            ("requests", 0.5),
            ("slowdown", 2.0),
            ("excess", 1.0),
            ("burst", 1.0),
            ("zone", 0.3),
        ],
    ),
    (
        Class::HeapExhaustion,
        &[
            ("heap", 2.0),
            ("outofmemory", 3.0),
            ("oom", 3.0),
            ("oomkilled", 3.0),
            ("memory", 1.5),
            ("gc", 1.0),
            ("garbage", 1.5),
            ("allocation", 1.0),
            ("metaspace", 2.0),
        ],
    ),
    (
        Class::DiskFull,
        &[
            ("disk", 2.0),
            ("space", 1.5),
            ("enospc", 3.0),
            ("volume", 1.0),
            ("ephemeral", 1.5),
            ("storage", 1.0),
            ("diskpressure", 3.0),
            ("inode", 2.0),
            ("full", 1.0),
            ("filesystem", 1.0),
        ],
    ),
    (
        Class::FdExhaustion,
        &[
            ("emfile", 3.0),
            ("enfile", 3.0),
            ("descriptor", 2.5),
            ("files", 1.0),
            ("ulimit", 2.0),
            ("nofile", 2.0),
        ],
    ),
    (
        Class::CodeDefect,
        &[
            ("exception", 1.0),
            ("nullpointer", 3.0),
            ("npe", 2.5),
            ("typeerror", 3.0),
            ("referenceerror", 3.0),
            ("traceback", 3.0),
            ("panic", 3.0),
            ("goroutine", 2.0),
            ("nil", 1.0),
            ("dereference", 2.0),
            ("undefined", 2.0),
            ("keyerror", 3.0),
            ("attributeerror", 3.0),
            ("indexerror", 3.0),
            ("valueerror", 2.0),
            ("classcast", 3.0),
            ("illegalstate", 2.5),
            ("illegalargument", 2.5),
            ("unsupported", 1.0),
            ("segfault", 3.0),
            ("segmentation", 3.0),
            ("assert", 2.0),
            ("stack", 1.0),
            ("internal", 0.5),
            ("java", 0.5),
            ("py", 0.3),
            ("unhandled", 1.5),
            ("uncaught", 1.5),
            ("crashloop", 1.5),
            ("property", 0.5),
            ("function", 0.5),
            ("null", 1.0),
        ],
    ),
    (
        Class::BadConfig,
        &[
            ("config", 2.0),
            ("configuration", 2.5),
            ("setting", 1.0),
            ("misconfig", 3.0),
            ("invalid", 1.0),
            ("missing", 1.0),
            ("env", 1.0),
            ("variable", 1.0),
            ("yaml", 2.0),
            ("toml", 2.0),
            ("malformed", 1.5),
            ("unknown", 0.5),
            ("option", 0.5),
            ("parameter", 0.5),
            ("configmap", 3.0),
            ("secret", 1.0),
            ("createcontainerconfigerror", 3.0),
            ("flag", 0.5),
        ],
    ),
    (
        Class::Clock,
        &[
            ("clock", 3.0),
            ("skew", 3.0),
            ("drift", 2.0),
            ("ntp", 3.0),
            ("chrony", 3.0),
            ("nbf", 1.5),
            ("iat", 1.5),
            ("future", 1.0),
            ("yet", 0.5),
            ("time", 0.5),
            ("timestamp", 0.5),
        ],
    ),
    (
        Class::RetryStorm,
        &[
            ("retry", 2.0),
            ("retries", 2.0),
            ("retrying", 2.0),
            ("attempt", 1.0),
            ("backoff", 1.0),
            ("storm", 2.0),
            ("amplif", 2.0),
            ("thundering", 3.0),
            ("herd", 1.0),
        ],
    ),
    (
        Class::TrafficSurge,
        &[
            ("surge", 3.0),
            ("overload", 2.5),
            ("load", 0.5),
            ("shedding", 2.0),
            ("backlog", 1.5),
            ("spike", 1.0),
            ("traffic", 1.0),
            ("capacity", 1.0),
            ("autoscal", 1.5),
            ("hpa", 1.5),
        ],
    ),
    (
        Class::TrafficDrop,
        &[
            ("drop", 1.0),
            ("zero", 2.0),
            ("no", 0.3),
            ("traffic", 1.0),
            ("idle", 0.5),
            ("stopped", 1.0),
            ("receiving", 1.0),
        ],
    ),
];

/// Pairs of stems that together say more than apart.
const PAIRS: &[(Class, &str, &str, f64)] = &[
    (Class::PoolExhaustion, "pool", "timeout", 1.5),
    (Class::PoolExhaustion, "pool", "timed", 1.5),
    (Class::PoolExhaustion, "connection", "available", 1.5),
    (Class::PoolExhaustion, "too", "connections", 2.5),
    (Class::PoolExhaustion, "acquire", "connection", 1.0),
    (Class::Tls, "certificate", "expired", 2.0),
    (Class::Dns, "no", "host", 1.0),
    (Class::Dns, "host", "found", 2.0),
    (Class::Dns, "name", "service", 1.0),
    (Class::RateLimited, "too", "requests", 2.5),
    (Class::RateLimited, "limit", "exceeded", 1.0),
    (Class::FdExhaustion, "open", "files", 3.0),
    (Class::DiskFull, "space", "left", 2.5),
    (Class::Clock, "clock", "skew", 1.0),
    (Class::Clock, "not", "yet", 1.0),
    (Class::TrafficDrop, "no", "traffic", 2.0),
    (Class::PoolExhaustion, "too", "clients", 2.5),
    (Class::Clock, "before", "issued", 1.5),
    (Class::UpstreamTimeout, "timed", "out", 1.0),
];

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
