//! The seed's data model: the four indices' documents and the catalogue of
//! services, regions and metrics with their healthy ranges and alarm levels.
//!
//! Field names are exactly the seed's (`@timestamp`, `service`, `metric_type`, ...).
//! Service and metric names are strings in documents, because data written by
//! someone else may name services we have never heard of; the catalogue below
//! knows the seed's ones.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The four seed indices (plus nothing else: extra data lives in these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Index {
    Metrics,
    Logs,
    Incidents,
    Decisions,
}

impl Index {
    pub const ALL: [Index; 4] = [Index::Metrics, Index::Logs, Index::Incidents, Index::Decisions];

    /// The seed's index name.
    pub fn name(self) -> &'static str {
        match self {
            Index::Metrics => "metrics-quantumstate",
            Index::Logs => "logs-quantumstate",
            Index::Incidents => "incidents-quantumstate",
            Index::Decisions => "agent-decisions-quantumstate",
        }
    }
}

/// `@timestamp` as RFC 3339 UTC with a `Z` (whole seconds unless there are milliseconds).
pub mod rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn format(at: &DateTime<Utc>) -> String {
        at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        crate::time::parse_timestamp(&text).map_err(serde::de::Error::custom)
    }

    /// The same for an optional timestamp (`resolved_at`).
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => s.serialize_str(&format(at)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
            let text = Option::<String>::deserialize(d)?;
            text.map(|t| crate::time::parse_timestamp(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

/// One measurement of one metric (index `metrics-quantumstate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDoc {
    #[serde(rename = "@timestamp", with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    pub service: String,
    pub region: String,
    pub metric_type: String,
    pub value: f64,
    pub unit: String,
}

/// Log severity as the seed uses it; other spellings are read leniently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// Case-insensitive, with the usual aliases (WARNING, FATAL, TRACE).
    pub fn parse(text: &str) -> Option<Level> {
        match text.trim().to_ascii_uppercase().as_str() {
            "TRACE" | "DEBUG" => Some(Level::Debug),
            "INFO" | "NOTICE" => Some(Level::Info),
            "WARN" | "WARNING" => Some(Level::Warn),
            "ERROR" | "ERR" => Some(Level::Error),
            "CRITICAL" | "CRIT" | "FATAL" | "EMERGENCY" | "ALERT" => Some(Level::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Level::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown log level {text:?}")))
    }
}

/// One application log line (index `logs-quantumstate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogDoc {
    #[serde(rename = "@timestamp", with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    pub service: String,
    pub region: String,
    pub level: Level,
    pub message: String,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
}

/// A resolved past incident (index `incidents-quantumstate`): institutional memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDoc {
    #[serde(rename = "@timestamp", with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    pub service: String,
    pub region: String,
    pub anomaly_type: String,
    pub root_cause: String,
    pub actions_taken: String,
    #[serde(with = "rfc3339::option", default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub mttr_seconds: Option<u64>,
    pub status: String,
}

/// The agents that write to the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agent {
    Cassandra,
    Archaeologist,
    Surgeon,
    Guardian,
}

impl Agent {
    pub const ALL: [Agent; 4] = [Agent::Cassandra, Agent::Archaeologist, Agent::Surgeon, Agent::Guardian];

    pub fn as_str(self) -> &'static str {
        match self {
            Agent::Cassandra => "cassandra",
            Agent::Archaeologist => "archaeologist",
            Agent::Surgeon => "surgeon",
            Agent::Guardian => "guardian",
        }
    }
}

/// One agent decision (index `agent-decisions-quantumstate`): the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionDoc {
    #[serde(rename = "@timestamp", with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    pub agent: Agent,
    pub decision: String,
    /// 0–100, as in the seed.
    pub confidence: u8,
    pub service: String,
    pub context: serde_json::Value,
}

/// A document that knows its index and its deterministic `_id`.
///
/// Ids are derived from content that identifies the document (not from a
/// counter), so writing the same data twice overwrites instead of duplicating.
pub trait Document: Serialize {
    const INDEX: Index;
    fn doc_id(&self) -> String;
}

impl Document for MetricDoc {
    const INDEX: Index = Index::Metrics;
    fn doc_id(&self) -> String {
        format!(
            "m-{}-{}-{}",
            self.service,
            self.metric_type,
            self.timestamp.timestamp_millis()
        )
    }
}

impl Document for LogDoc {
    const INDEX: Index = Index::Logs;
    fn doc_id(&self) -> String {
        let mut h = Fnv64::new();
        h.write(self.level.as_str());
        h.write(&self.message);
        h.write(self.trace_id.as_deref().unwrap_or(""));
        h.write(self.error_code.as_deref().unwrap_or(""));
        format!(
            "l-{}-{}-{:016x}",
            self.service,
            self.timestamp.timestamp_millis(),
            h.finish()
        )
    }
}

impl Document for IncidentDoc {
    const INDEX: Index = Index::Incidents;
    fn doc_id(&self) -> String {
        // Not from the timestamp: the seeded history is dated relative to "now",
        // and setting it up again later must overwrite, not add.
        let mut h = Fnv64::new();
        h.write(&self.root_cause);
        h.write(&self.actions_taken);
        h.write(&self.mttr_seconds.unwrap_or(0).to_string());
        format!("i-{}-{}-{:016x}", self.service, self.anomaly_type, h.finish())
    }
}

impl Document for DecisionDoc {
    const INDEX: Index = Index::Decisions;
    fn doc_id(&self) -> String {
        // One decision per agent, service and instant: re-running a pipeline on
        // the same data replaces its records instead of adding copies.
        format!(
            "d-{}-{}-{}",
            self.agent.as_str(),
            self.service,
            self.timestamp.timestamp_millis()
        )
    }
}

/// FNV-1a, 64 bit: a tiny hash whose output never changes across platforms or
/// releases (std's `DefaultHasher` promises neither), used for ids and digests.
#[derive(Debug, Clone)]
pub struct Fnv64(u64);

impl Fnv64 {
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    pub fn write(&mut self, text: &str) {
        for b in text.as_bytes().iter().chain(std::iter::once(&0xff)) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

/// The seed's metric table: unit, healthy range and alarm level of each metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    MemoryPercent,
    CpuPercent,
    ErrorRate,
    RequestLatencyMs,
    RequestsPerMin,
}

/// Which side of the healthy range is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadDirection {
    Up,
    Down,
}

impl MetricType {
    pub const ALL: [MetricType; 5] = [
        MetricType::MemoryPercent,
        MetricType::CpuPercent,
        MetricType::ErrorRate,
        MetricType::RequestLatencyMs,
        MetricType::RequestsPerMin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::MemoryPercent => "memory_percent",
            MetricType::CpuPercent => "cpu_percent",
            MetricType::ErrorRate => "error_rate",
            MetricType::RequestLatencyMs => "request_latency_ms",
            MetricType::RequestsPerMin => "requests_per_min",
        }
    }

    pub fn parse(text: &str) -> Option<MetricType> {
        MetricType::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// The seed's unit for this metric.
    pub fn unit(self) -> &'static str {
        match self {
            MetricType::MemoryPercent | MetricType::CpuPercent => "percent",
            MetricType::ErrorRate => "errors_per_min",
            MetricType::RequestLatencyMs => "ms",
            MetricType::RequestsPerMin => "requests_per_min",
        }
    }

    /// Human label for charts and reports.
    pub fn label(self) -> &'static str {
        match self {
            MetricType::MemoryPercent => "Memory (%)",
            MetricType::CpuPercent => "CPU (%)",
            MetricType::ErrorRate => "Errors (/min)",
            MetricType::RequestLatencyMs => "p95 latency (ms)",
            MetricType::RequestsPerMin => "Throughput (req/min)",
        }
    }

    /// The seed's healthy range `(low, high)`.
    pub fn healthy_range(self) -> (f64, f64) {
        match self {
            MetricType::MemoryPercent => (40.0, 65.0),
            MetricType::CpuPercent => (20.0, 50.0),
            MetricType::ErrorRate => (0.0, 1.0),
            MetricType::RequestLatencyMs => (80.0, 200.0),
            MetricType::RequestsPerMin => (600.0, 1000.0),
        }
    }

    /// The seed's alarm level. Throughput has none ("dropping sharply"): we use
    /// half of the healthy floor as its critical level.
    pub fn alarm_level(self) -> f64 {
        match self {
            MetricType::MemoryPercent => 80.0,
            MetricType::CpuPercent => 85.0,
            MetricType::ErrorRate => 10.0,
            MetricType::RequestLatencyMs => 1000.0,
            MetricType::RequestsPerMin => 300.0,
        }
    }

    pub fn bad_direction(self) -> BadDirection {
        match self {
            MetricType::RequestsPerMin => BadDirection::Down,
            _ => BadDirection::Up,
        }
    }

    /// Whether `value` is past the alarm level.
    pub fn is_alarm(self, value: f64) -> bool {
        match self.bad_direction() {
            BadDirection::Up => value > self.alarm_level(),
            BadDirection::Down => value < self.alarm_level(),
        }
    }

    /// Whether `value` is inside the healthy range (error rate: below its ceiling).
    pub fn is_healthy(self, value: f64) -> bool {
        let (lo, hi) = self.healthy_range();
        match self {
            MetricType::ErrorRate => value < hi,
            _ => (lo..=hi).contains(&value),
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Health of one reading, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Degraded,
    Critical,
}

impl Health {
    /// Healthy inside the seed's range, critical past the alarm level, degraded between.
    pub fn of(metric: MetricType, value: f64) -> Health {
        if metric.is_alarm(value) {
            Health::Critical
        } else if metric.is_healthy(value) {
            Health::Healthy
        } else {
            Health::Degraded
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Critical => "critical",
        }
    }
}

/// The four fictional services of the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    PaymentService,
    CheckoutService,
    AuthService,
    InventoryService,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::PaymentService,
        Service::CheckoutService,
        Service::AuthService,
        Service::InventoryService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::PaymentService => "payment-service",
            Service::CheckoutService => "checkout-service",
            Service::AuthService => "auth-service",
            Service::InventoryService => "inventory-service",
        }
    }

    pub fn parse(text: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Where it runs: US regions for the first three, the EU warehouse for inventory.
    pub fn region(self) -> &'static str {
        match self {
            Service::PaymentService => "us-east-1",
            Service::CheckoutService => "us-east-1",
            Service::AuthService => "us-west-2",
            Service::InventoryService => "eu-west-1",
        }
    }

    /// What it does, in one line (the seed's table).
    pub fn role(self) -> &'static str {
        match self {
            Service::PaymentService => "Card charges, refunds and gateway calls",
            Service::CheckoutService => "Cart to order: calls payment, inventory and auth",
            Service::AuthService => "JWT validation and sessions in a Redis cache",
            Service::InventoryService => "Stock levels and reservations (EU warehouse)",
        }
    }

    /// The release currently running and the one before it, for deploy events and rollbacks.
    pub fn versions(self) -> (&'static str, &'static str) {
        match self {
            Service::PaymentService => ("v2.1.0", "v2.0.9"),
            Service::CheckoutService => ("v3.5.0", "v3.4.2"),
            Service::AuthService => ("v1.8.3", "v1.8.2"),
            Service::InventoryService => ("v4.2.1", "v4.2.0"),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classification of a failure pattern (the seed's `anomaly_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyType {
    MemoryLeakProgressive,
    ErrorSpikeSudden,
    DeploymentRegression,
    LatencyDegradation,
    TrafficDrop,
    ResourceSaturation,
}

impl AnomalyType {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyType::MemoryLeakProgressive => "memory_leak_progressive",
            AnomalyType::ErrorSpikeSudden => "error_spike_sudden",
            AnomalyType::DeploymentRegression => "deployment_regression",
            AnomalyType::LatencyDegradation => "latency_degradation",
            AnomalyType::TrafficDrop => "traffic_drop",
            AnomalyType::ResourceSaturation => "resource_saturation",
        }
    }

    pub fn parse(text: &str) -> Option<AnomalyType> {
        [
            AnomalyType::MemoryLeakProgressive,
            AnomalyType::ErrorSpikeSudden,
            AnomalyType::DeploymentRegression,
            AnomalyType::LatencyDegradation,
            AnomalyType::TrafficDrop,
            AnomalyType::ResourceSaturation,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }

    /// Plain words for decision texts.
    pub fn describe(self) -> &'static str {
        match self {
            AnomalyType::MemoryLeakProgressive => "Memory leak",
            AnomalyType::ErrorSpikeSudden => "Error spike",
            AnomalyType::DeploymentRegression => "Deployment regression",
            AnomalyType::LatencyDegradation => "Latency degradation",
            AnomalyType::TrafficDrop => "Traffic drop",
            AnomalyType::ResourceSaturation => "Resource saturation",
        }
    }
}

impl fmt::Display for AnomalyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
