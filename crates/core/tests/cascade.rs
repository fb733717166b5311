//! A cascade across services no dependency graph describes (someone else's
//! data): a service breaks, its caller fails a minute later and says so in its
//! own words. The root is the service the caller's log lines name, even when
//! the caller's symptoms are the louder ones; without such a line the agents
//! do not guess a root from timing alone. Generated families: service names,
//! caller and root wordings (proxy, Go, HTTP client, Java, Python), sampling
//! intervals, which side is louder.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use quantumstate_core::agents::{AgentConfig, IncidentReport, Pipeline};
use quantumstate_core::model::{Level, LogDoc, MetricDoc};
use quantumstate_core::store::MemoryStore;
use quantumstate_core::Store;

const ROOTS: [&str; 3] = ["billing-api", "ledger", "orders-svc"];
const CALLERS: [&str; 3] = ["web-gateway", "edge", "storefront-bff"];
const BYSTANDER: &str = "catalog-api";

/// How a caller says its upstream failed, naming it.
fn caller_words(variant: usize, root: &str) -> String {
    match variant % 5 {
        0 => format!("upstream {root} answered 502 Bad Gateway"),
        1 => format!("dial tcp {root}:8443: connect: connection refused"),
        2 => format!(
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure, \
             cluster: outbound|8080||{root}.prod.svc.cluster.local"
        ),
        3 => format!("POST http://{root}/v1/invoices failed: 503 Service Unavailable"),
        _ => format!("Call to {root} timed out after 5000ms"),
    }
}

/// How a root fails on its own.
fn root_words(variant: usize) -> &'static str {
    match variant % 3 {
        0 => "panic: assignment to entry in nil map",
        1 => "java.lang.NullPointerException: Cannot invoke \"Invoice.total()\" because \"inv\" is null",
        _ => "Traceback (most recent call last): KeyError: 'currency'",
    }
}

struct Noise(u64);

impl Noise {
    fn int(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

struct Cascade {
    variant: usize,
    root: &'static str,
    caller: &'static str,
    interval_secs: i64,
    /// The caller's errors are the louder symptom (it is what an alert sees first).
    caller_louder: bool,
    /// The caller's lines name the root; else they speak of its own trouble only.
    named: bool,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 2, 1, 0, 0).unwrap()
}

impl Cascade {
    fn onset(&self) -> DateTime<Utc> {
        start() + TimeDelta::minutes(180 + self.variant as i64 % 5)
    }

    fn end(&self) -> DateTime<Utc> {
        self.onset() + TimeDelta::minutes(12)
    }

    fn data(&self) -> (Vec<MetricDoc>, Vec<LogDoc>) {
        let mut noise = Noise(self.variant as u64 * 7_919 + 17);
        let (mut metrics, mut logs) = (Vec::new(), Vec::new());
        let mut at = start();
        while at <= self.end() {
            for service in [self.root, self.caller, BYSTANDER] {
                let bad = (service == self.root && at >= self.onset())
                    || (service == self.caller && at >= self.onset() + TimeDelta::minutes(1));
                let loud = (service == self.caller) == self.caller_louder;
                let errors = match (bad, loud) {
                    (false, _) => noise.int(3),
                    (true, true) => 70 + noise.int(25),
                    (true, false) => 25 + noise.int(10),
                };
                let metric = |metric_type: &str, value: f64, unit: &str| MetricDoc {
                    timestamp: at,
                    service: service.into(),
                    region: "us-east-2".into(),
                    metric_type: metric_type.into(),
                    value,
                    unit: unit.into(),
                };
                metrics.push(metric("error_rate", errors as f64, "errors_per_min"));
                let latency = if bad { 480 + noise.int(60) } else { 85 + noise.int(10) };
                metrics.push(metric("request_latency_ms", latency as f64, "ms"));
                metrics.push(metric("cpu_percent", (38 + noise.int(5)) as f64, "percent"));
                let message = match (bad, service == self.root) {
                    (false, _) => None,
                    (true, true) => Some(root_words(self.variant).to_string()),
                    (true, false) if self.named => Some(caller_words(self.variant, self.root)),
                    (true, false) => Some("java.lang.OutOfMemoryError: Java heap space".to_string()),
                };
                if let Some(message) = message {
                    logs.push(LogDoc {
                        timestamp: at + TimeDelta::seconds(3),
                        service: service.into(),
                        region: "us-east-2".into(),
                        level: Level::Error,
                        message,
                        trace_id: None,
                        error_code: None,
                    });
                }
            }
            at += TimeDelta::seconds(self.interval_secs);
        }
        logs.push(LogDoc {
            timestamp: self.onset() - TimeDelta::minutes(1),
            service: self.root.into(),
            region: "us-east-2".into(),
            level: Level::Info,
            message: "Deploy v7.3.0 complete, replacing v7.2.4".into(),
            trace_id: None,
            error_code: None,
        });
        logs.sort_by_key(|l| l.timestamp);
        (metrics, logs)
    }

    fn name(&self) -> String {
        format!(
            "{} → {} every {} s, variant {}, caller louder {}, named {}",
            self.caller, self.root, self.interval_secs, self.variant, self.caller_louder, self.named
        )
    }

    fn report(&self) -> IncidentReport {
        futures::executor::block_on(async {
            let store = MemoryStore::new();
            let (metrics, logs) = self.data();
            store.write_metrics(&metrics).await.unwrap();
            store.write_logs(&logs).await.unwrap();
            Pipeline::advisory(&store, AgentConfig::default())
                .run(self.end())
                .await
                .unwrap()
        })
    }
}

fn family(named: bool) -> impl Iterator<Item = Cascade> {
    (0..12).map(move |variant| Cascade {
        variant,
        root: ROOTS[variant % 3],
        caller: CALLERS[(variant / 3) % 3],
        interval_secs: [30, 45, 60][variant % 3],
        caller_louder: variant % 2 == 0,
        named,
    })
}

#[test]
fn the_service_a_callers_log_lines_name_is_the_root_and_the_action_is_on_it() {
    for case in family(true) {
        let report = case.report();
        let name = case.name();
        let inv = report
            .investigation
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no investigation"));
        assert_eq!(inv.root_service, case.root, "{name}: {}", inv.statement);
        assert!(
            inv.impacted.iter().any(|s| s == case.caller),
            "{name}: impact {:?}",
            inv.impacted
        );
        let plan = report.plan.as_ref().unwrap_or_else(|| panic!("{name}: no plan"));
        assert_eq!(plan.service, case.root, "{name}: {}", plan.action.as_str());
    }
}

#[test]
fn without_a_line_naming_it_no_root_is_guessed_from_timing_alone() {
    for case in family(false) {
        let report = case.report();
        let name = case.name();
        let detected = report.scan.detection.as_ref().unwrap().service.clone();
        let inv = report
            .investigation
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no investigation"));
        assert_eq!(inv.root_service, detected, "{name}: {}", inv.statement);
        assert!(inv.impacted.is_empty(), "{name}: impact {:?}", inv.impacted);
    }
}
