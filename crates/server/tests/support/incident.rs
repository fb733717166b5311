//! A generated incident in someone else's data, as files a user would choose
//! in "Your data": services outside the catalogue (billing-api, web-gateway,
//! catalog-api), any sampling interval, integer error counts, a few malformed
//! lines and a service whose metric types the agents do not know.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub const REGION: &str = "eu-central-1";
pub const ROOT: &str = "billing-api";
pub const CALLER: &str = "web-gateway";
pub const BYSTANDER: &str = "catalog-api";
/// Metrics lines replaced by malformed ones (1-based).
pub const BAD_LINES: [usize; 3] = [5, 120, 121];

/// A small deterministic generator of our own (xorshift).
pub struct Noise(pub u64);

impl Noise {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() % 2000) as f64 / 1000.0 - 1.0
    }
    pub fn int(&mut self, below: u64) -> u64 {
        self.next() % below
    }
}

/// One generated incident: a deploy breaks billing-api, its caller follows a
/// minute later; `resolved`: someone rolls back and 18 healthy minutes follow,
/// else the data ends while it is still broken.
pub struct Case {
    pub seed: u64,
    pub interval_secs: i64,
    pub resolved: bool,
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 14, 3, 0, 0).unwrap()
}

impl Case {
    pub fn onset(&self) -> DateTime<Utc> {
        start() + TimeDelta::minutes(150 + self.seed as i64 % 7)
    }

    pub fn rollback(&self) -> DateTime<Utc> {
        self.onset() + TimeDelta::minutes(6)
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.onset() + TimeDelta::minutes(if self.resolved { 25 } else { 12 })
    }

    pub fn broken(&self, at: DateTime<Utc>, delay: i64) -> bool {
        at >= self.onset() + TimeDelta::minutes(delay)
            && (!self.resolved || at < self.rollback() + TimeDelta::minutes(1))
    }

    /// Metrics NDJSON (with [`BAD_LINES`] malformed) and logs NDJSON.
    pub fn files(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let mut noise = Noise(self.seed * 7919 + 1);
        let mut metrics = Vec::new();
        let mut logs = Vec::new();
        let mut at = start();
        while at <= self.end() {
            for service in [ROOT, CALLER, BYSTANDER] {
                let bad = match service {
                    ROOT => self.broken(at, 0),
                    CALLER => self.broken(at, 1),
                    _ => false,
                };
                let errors = if bad { 30 + noise.int(20) } else { noise.int(3) };
                let latency = if bad {
                    520.0 + 40.0 * noise.unit()
                } else {
                    90.0 + 5.0 * noise.unit()
                };
                let doc = |metric: &str, value: serde_json::Value, unit: &str| {
                    json!({ "@timestamp": at.to_rfc3339(), "service": service, "region": REGION,
                            "metric_type": metric, "value": value, "unit": unit })
                };
                // Integer error counts and latencies, as many exporters write them.
                metrics.push(doc("error_rate", json!(errors), "errors_per_min"));
                metrics.push(doc("request_latency_ms", json!(latency.round() as i64), "ms"));
                metrics.push(doc(
                    "cpu_percent",
                    json!((41.0 + 2.0 * noise.unit()).round()),
                    "percent",
                ));
                let log = |level: &str, message: &str, code: Option<&str>| {
                    json!({ "@timestamp": (at + TimeDelta::seconds(7)).to_rfc3339(), "service": service,
                            "region": REGION, "level": level, "message": message, "error_code": code })
                };
                if bad && service == ROOT {
                    logs.push(log(
                        "ERROR",
                        "panic: nil map write in InvoiceBatcher.flush",
                        Some("E_BILLING_PANIC"),
                    ));
                } else if bad {
                    logs.push(log(
                        "ERROR",
                        "upstream billing-api answered 502 Bad Gateway",
                        Some("UPSTREAM_502"),
                    ));
                } else if noise.int(9) == 0 {
                    logs.push(log("INFO", "served requests", None));
                }
            }
            // A service the agents cannot judge: only a metric type they do not know.
            metrics.push(
                json!({ "@timestamp": at.to_rfc3339(), "service": "batch-runner", "region": REGION,
                                 "metric_type": "disk_io", "value": noise.int(500), "unit": "ops" }),
            );
            at += TimeDelta::seconds(self.interval_secs);
        }
        let line = |at: DateTime<Utc>, message: &str| json!({ "@timestamp": at.to_rfc3339(), "service": ROOT, "region": REGION, "level": "INFO", "message": message });
        logs.push(line(
            self.onset() - TimeDelta::minutes(1),
            "Deploy v7.3.0 complete, replacing v7.2.4",
        ));
        if self.resolved {
            logs.push(line(self.rollback(), "kubectl rollout undo deployment/billing-api"));
        }
        let mut text = String::new();
        for (i, doc) in metrics.iter().enumerate() {
            if BAD_LINES.contains(&(i + 1)) {
                text.push_str("{\"@timestamp\": \"not a time\", \"service\": 3}\n");
            } else {
                let _ = writeln!(text, "{doc}");
            }
        }
        let m = dir.join(format!("metrics-{}.ndjson", self.seed));
        let l = dir.join(format!("logs-{}.ndjson", self.seed));
        std::fs::write(&m, text).unwrap();
        std::fs::write(&l, logs.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        (m, l)
    }
}
