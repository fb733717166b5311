//! Log lines: normal operation for every service, and each fault's own story.

use super::curves::Fault;
use super::rng::SimRng;
use super::{Scenario, SimConfig, Timeline};
use crate::model::{Level, LogDoc, MetricDoc, MetricType, Service};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;

/// One INFO line per service about every this many seconds in normal operation.
const INFO_EVERY_SECS: f64 = 90.0;
/// The seed's log thresholds for the heap: WARN at 65%, ERROR at 80%, CRITICAL approaching 90%.
const HEAP_WARN: f64 = 65.0;
const HEAP_ERROR: f64 = 80.0;
const HEAP_CRITICAL: f64 = 87.0;
/// From here GC pauses start timing requests out.
const HEAP_TIMEOUTS: f64 = 75.0;
/// Chance that a healthy step also logs a harmless WARN (slow query): real
/// systems are never silent, and the agents must not take this for an incident.
const HEALTHY_WARN_CHANCE: f64 = 0.004;

struct Emitter<'a> {
    out: Vec<LogDoc>,
    /// The fault's own lines draw from here, in order from the onset (which
    /// does not depend on where the window starts); healthy lines draw from
    /// their step's own key, see [`SimRng::at`].
    rng: SimRng,
    timeline: &'a Timeline,
}

impl Emitter<'_> {
    fn emit(&mut self, at: DateTime<Utc>, service: Service, level: Level, message: String, code: Option<&str>) {
        let trace = self.rng.below(1_000_000);
        self.push(at, service, level, message, code, trace);
    }

    fn push(
        &mut self,
        at: DateTime<Utc>,
        service: Service,
        level: Level,
        message: String,
        code: Option<&str>,
        trace: u64,
    ) {
        if at < self.timeline.start || at > self.timeline.end {
            return;
        }
        let trace = format!("trace-{trace:06}");
        self.out.push(LogDoc {
            timestamp: at,
            service: service.as_str().to_string(),
            region: service.region().to_string(),
            level,
            message,
            trace_id: Some(trace),
            error_code: code.map(str::to_string),
        });
    }

    /// A second within the step starting at `at`, never past "now".
    fn jitter(&mut self, at: DateTime<Utc>, step_secs: u32) -> DateTime<Utc> {
        jitter(&mut self.rng, at, step_secs).min(self.timeline.end)
    }
}

/// A second within the step starting at `at`.
fn jitter(rng: &mut SimRng, at: DateTime<Utc>, step_secs: u32) -> DateTime<Utc> {
    at + TimeDelta::seconds(rng.below(u64::from(step_secs.max(1))) as i64)
}

impl Emitter<'_> {
    /// A healthy line: its time, words and trace id all from `rng`, the
    /// step's own draws. A line jittered past "now" is not written (not moved
    /// to "now"), so the lines up to any moment are the same in every window.
    fn healthy(
        &mut self,
        rng: &mut SimRng,
        at: DateTime<Utc>,
        service: Service,
        level: Level,
        message: String,
        code: Option<&str>,
    ) {
        let trace = rng.below(1_000_000);
        self.push(at, service, level, message, code, trace);
    }
}

fn short(service: Service) -> &'static str {
    service.as_str().trim_end_matches("-service")
}

fn info_line(service: Service, rng: &mut SimRng) -> String {
    let n = rng.below(900_000) + 100_000;
    let ms = 40 + rng.below(120);
    match (service, rng.below(3)) {
        (_, 0) => format!("Health check OK ({ms}ms)"),
        (Service::PaymentService, _) => {
            format!(
                "Payment authorized: txn-{n} amount ${}.{:02} in {ms}ms",
                5 + rng.below(400),
                rng.below(100)
            )
        }
        (Service::CheckoutService, _) => format!("Order placed: order-{n} ({} items) in {ms}ms", 1 + rng.below(6)),
        (Service::AuthService, _) => {
            format!("Token validated for session sess-{n:x} (cache hit) in {ms}ms")
        }
        (Service::InventoryService, _) => {
            format!(
                "Stock reserved: sku-{n} qty {} (warehouse eu-1) in {ms}ms",
                1 + rng.below(4)
            )
        }
    }
}

/// Cache name per service, for the Redis outage story.
fn cache_name(service: Service) -> &'static str {
    match service {
        Service::AuthService => "session",
        Service::PaymentService => "idempotency-key",
        Service::CheckoutService => "cart",
        Service::InventoryService => "stock-level",
    }
}

pub(super) fn generate(
    config: &SimConfig,
    timeline: &Timeline,
    fault: Option<&Fault>,
    metrics: &[MetricDoc],
) -> Vec<LogDoc> {
    let step = config.interval_secs.max(1);
    let mut em = Emitter {
        out: Vec::new(),
        rng: SimRng::new(config.seed, 2000),
        timeline,
    };
    for service in Service::ALL {
        let base = SimRng::new(config.seed, 1001 + service as u64);
        let mut at = timeline.start;
        while at <= timeline.end {
            // Each step draws from its own time's key: a step's lines are the
            // same whatever window they fall in.
            let mut rng = base.at(at.timestamp_millis());
            if rng.chance(f64::from(step) / INFO_EVERY_SECS) {
                let when = jitter(&mut rng, at, step);
                let line = info_line(service, &mut rng);
                em.healthy(&mut rng, when, service, Level::Info, line, None);
            }
            if rng.chance(HEALTHY_WARN_CHANCE) {
                let when = jitter(&mut rng, at, step);
                let ms = 300 + rng.below(400);
                em.healthy(
                    &mut rng,
                    when,
                    service,
                    Level::Warn,
                    format!("Slow query on primary DB: {ms}ms"),
                    Some("SLOW_QUERY"),
                );
            }
            at += TimeDelta::seconds(i64::from(step));
        }
    }
    if let Some(fault) = fault {
        let values: HashMap<(String, i64), f64> = metrics
            .iter()
            .filter(|m| m.service == fault.service.as_str())
            .map(|m| ((m.metric_type.clone(), m.timestamp.timestamp()), m.value))
            .collect();
        let value_at = |metric: MetricType, at: DateTime<Utc>| {
            values
                .get(&(metric.as_str().to_string(), at.timestamp()))
                .copied()
                .unwrap_or(0.0)
        };
        fault_logs(&mut em, config, fault, &value_at);
    }
    em.out
}

fn fault_logs(
    em: &mut Emitter,
    config: &SimConfig,
    fault: &Fault,
    value_at: &dyn Fn(MetricType, DateTime<Utc>) -> f64,
) {
    let service = fault.service;
    let step = config.interval_secs.max(1);
    let (version, previous) = service.versions();
    if let Some(deploy) = fault.deploy_at() {
        let (version, previous) = match fault.scenario {
            // The red herring ships a harmless config-only patch.
            Scenario::RedHerring => (format!("{version}-cfg1"), version.to_string()),
            _ => (version.to_string(), previous.to_string()),
        };
        em.emit(
            deploy - TimeDelta::seconds(90),
            service,
            Level::Info,
            format!("Deployment {version} started (rolling, 6 pods)"),
            None,
        );
        em.emit(
            deploy,
            service,
            Level::Info,
            format!("Deployment {version} complete (previous: {previous})"),
            None,
        );
    }
    let mut at = fault.onset;
    let mut step_index = 0u32;
    while at <= em.timeline.end {
        let tau = fault.minutes_in(at);
        match fault.scenario {
            Scenario::Healthy => {}
            Scenario::MemoryLeak => {
                // One heap report a minute, its level from the heap reading (the seed's thresholds).
                if step_index.is_multiple_of((60 / step).max(1)) {
                    let heap = value_at(MetricType::MemoryPercent, at);
                    let when = em.jitter(at, step);
                    let (level, text) = if heap >= HEAP_CRITICAL {
                        (
                            Level::Critical,
                            format!("JVM heap at {heap:.1}% — OutOfMemoryError imminent, transactions timing out"),
                        )
                    } else if heap >= HEAP_ERROR {
                        (
                            Level::Error,
                            format!("JVM heap critical: {heap:.1}% — GC overhead limit approaching"),
                        )
                    } else if heap >= HEAP_WARN {
                        (
                            Level::Warn,
                            format!("JVM heap usage elevated: {heap:.1}% — GC frequency increasing"),
                        )
                    } else {
                        (
                            Level::Info,
                            format!("GC cycle completed: heap {heap:.1}% after collection"),
                        )
                    };
                    let code = (level >= Level::Warn).then_some("HEAP_PRESSURE");
                    em.emit(when, service, level, text, code);
                    if heap >= HEAP_TIMEOUTS && em.rng.chance(0.6) {
                        let pause = 0.4 + (heap - HEAP_TIMEOUTS) * 0.1;
                        let when = em.jitter(at, step);
                        em.emit(
                            when,
                            service,
                            Level::Error,
                            format!("Request timed out after 5000ms: stop-the-world GC pause {pause:.1}s"),
                            Some("HEAP_PRESSURE"),
                        );
                    }
                }
            }
            Scenario::DeploymentRollback => {
                let errors = value_at(MetricType::ErrorRate, at);
                let lines = ((errors / 5.0).round() as u64).min(4);
                for _ in 0..lines {
                    let line = 180 + em.rng.below(60);
                    let field = ["getSku()", "getQuantity()", "getPrice()"][em.rng.below(3) as usize];
                    let when = em.jitter(at, step);
                    let pkg = short(service);
                    em.emit(
                        when,
                        service,
                        Level::Error,
                        format!(
                            "java.lang.NullPointerException: Cannot invoke \"CartItem.{field}\" because \"item\" is null\n\
                             \tat com.quantumstate.{pkg}.OrderService.placeOrder(OrderService.java:{line})\n\
                             \tat com.quantumstate.{pkg}.CartController.submit(CartController.java:88)"
                        ),
                        Some("INTERNAL_SERVER_ERROR"),
                    );
                }
            }
            Scenario::ErrorSpike | Scenario::RedHerring => {
                let cache = cache_name(service);
                if step_index == 0 {
                    em.emit(
                        at,
                        service,
                        Level::Critical,
                        format!("Redis cluster node evicted — {cache} cache OFFLINE"),
                        Some("CACHE_OFFLINE"),
                    );
                }
                let lines = 2 + em.rng.below(3);
                for _ in 0..lines {
                    let when = em.jitter(at, step);
                    em.emit(
                        when,
                        service,
                        Level::Error,
                        format!("{cache} lookup failed: Redis connection refused (redis-sessions-2:6379) — falling back to database"),
                        Some("REDIS_UNAVAILABLE"),
                    );
                }
                if tau >= 1.0 && step_index.is_multiple_of(2) {
                    let used = 45 + em.rng.below(6);
                    let when = em.jitter(at, step);
                    em.emit(
                        when,
                        service,
                        Level::Warn,
                        format!("Database connection pool saturated ({used}/50) on the {cache} fallback path"),
                        Some("DB_POOL_EXHAUSTED"),
                    );
                }
            }
        }
        at += TimeDelta::seconds(i64::from(step));
        step_index += 1;
    }
}
