//! Generated incident families for tests and `eval`: every class of the
//! evidence taxonomy on several services, in several real-world wordings
//! (HikariCP, Netty, Node, Go, Python, nginx, Envoy, Kubernetes events), at
//! several sampling intervals, plus the change and cross-service stories.
//!
//! A case is a healthy generation with a fault painted over it: the root's
//! metrics move, its logs speak the class's wording, and (for a dependency
//! outage) its callers fail a minute later with upstream errors.

use super::{generate, Dataset, RunbookAction, Scenario, SimConfig};
use crate::model::{Level, LogDoc, MetricDoc, Service};
use crate::taxonomy::Class;
use crate::topology::Topology;
use chrono::{DateTime, TimeDelta, Utc};

/// What a family injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// Log evidence of one class on one service.
    Class(Class),
    /// A deploy, then code defects.
    DeployDefect,
    /// A deploy, then latency only (no error lines).
    DeployLatency,
    /// Errors, then a deploy after which they stop (data goes on).
    FixingDeploy,
    /// A harmless deploy, then DNS failures 8 min later.
    DeployThenDns,
    /// The root's database goes down; every caller fails a minute later.
    DependencyOutage,
}

/// How the data ends (for advisory runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Still failing at the end of the data.
    MidIncident,
    /// An operator rolls back after 6 min; healthy from 7 min on; 18 more minutes of data.
    OperatorRollback,
    /// The trouble stops by itself after 6 min; 18 more minutes of data.
    RecoversAlone,
}

/// One generated case and what the agents should conclude.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub story: Story,
    pub root: Service,
    pub impacted: Vec<Service>,
    pub onset: DateTime<Utc>,
    /// `RootCause::name()` expected.
    pub cause: &'static str,
    pub action: RunbookAction,
    /// When the data shows recovery (an ending other than mid-incident).
    pub recovered_from: Option<DateTime<Utc>>,
    pub data: Dataset,
}

/// Real wordings per class: several systems, none of them our own.
pub fn wordings(class: Class) -> &'static [(&'static str, Option<&'static str>)] {
    match class {
        Class::CacheDown => &[
            ("Error: connect ECONNREFUSED 10.0.3.7:6379", None),
            ("io.lettuce.core.RedisConnectionException: Unable to connect to redis-master:6379", None),
            ("memcached: server 10.0.3.9:11211 marked dead, all servers down", Some("CACHE_DOWN")),
        ],
        Class::DatabaseDown => &[
            ("org.postgresql.util.PSQLException: Connection to db-primary:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.", None),
            ("dial tcp 10.0.5.2:3306: connect: connection refused (mysql primary)", None),
            ("pymongo.errors.ServerSelectionTimeoutError: mongo-0:27017: [Errno 111] Connection refused", None),
        ],
        Class::QueueDown => &[
            ("[Producer clientId=orders] Connection to node -1 (kafka-0:9092) could not be established. Broker may not be available.", None),
            ("AMQP connection to rabbitmq:5672 lost: CONNECTION_FORCED - broker forced connection closure", None),
            ("nats: no servers available for connection", Some("QUEUE_UNAVAILABLE")),
        ],
        Class::UpstreamDown => &[
            ("no healthy upstream", Some("503")),
            ("connect() failed (111: Connection refused) while connecting to upstream, upstream: \"http://10.0.0.5:8080/v1/rates\"", None),
            ("upstream connect error or disconnect/reset before headers. reset reason: connection failure", None),
        ],
        Class::PoolExhaustion => &[
            ("HikariPool-1 - Connection is not available, request timed out after 30000ms.", None),
            ("java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30001ms (total=10, active=10, idle=0, waiting=24)", None),
            ("sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00", None),
            ("pq: sorry, too many clients already", None),
        ],
        Class::UpstreamTimeout => &[
            ("upstream timed out (110: Connection timed out) while reading response header from upstream", None),
            ("rpc error: code = DeadlineExceeded desc = context deadline exceeded", None),
            ("java.net.SocketTimeoutException: Read timed out", None),
            ("Error: connect ETIMEDOUT 10.0.4.12:443", None),
        ],
        Class::Tls => &[
            ("javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed", None),
            ("x509: certificate has expired or is not yet valid: current time 2026-02-13T15:02:11Z is after 2026-02-13T00:00:00Z", None),
            ("Error: certificate has expired", Some("CERT_HAS_EXPIRED")),
            ("SSL_do_handshake() failed (SSL: error:14094415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired) while SSL handshaking to upstream", None),
        ],
        Class::Dns => &[
            ("java.net.UnknownHostException: payments.internal: Name or service not known", None),
            ("Error: getaddrinfo ENOTFOUND payments.internal", None),
            ("dial tcp: lookup payments.internal on 10.96.0.10:53: no such host", None),
            ("payments.internal could not be resolved (3: Host not found)", None),
        ],
        Class::RateLimited => &[
            ("HTTP 429 Too Many Requests from api.partner.example: rate limit exceeded", None),
            ("ThrottlingException: Rate exceeded", None),
            ("limiting requests, excess: 20.500 by zone \"api\", client: 10.0.0.7", None),
            ("RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Read requests'", None),
        ],
        Class::HeapExhaustion => &[
            ("java.lang.OutOfMemoryError: Java heap space", None),
            ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", None),
            ("Container app was OOMKilled (exit code 137)", None),
        ],
        Class::DiskFull => &[
            ("java.io.IOException: No space left on device", None),
            ("Error: ENOSPC: no space left on device, write", None),
            ("The node was low on resource: ephemeral-storage. Container app was using 12Gi", Some("Evicted")),
        ],
        Class::FdExhaustion => &[
            ("java.net.SocketException: Too many open files", None),
            ("Error: EMFILE: too many open files, open '/app/config.json'", None),
            ("socket() failed (24: Too many open files) while connecting to upstream", None),
        ],
        Class::CodeDefect => &[
            ("java.lang.NullPointerException: Cannot invoke \"Cart.total()\" because \"cart\" is null\n\tat com.shop.OrderService.place(OrderService.java:88)", None),
            ("Traceback (most recent call last):\n  File \"/app/orders.py\", line 88, in place_order\nKeyError: 'sku'", None),
            ("TypeError: Cannot read properties of undefined (reading 'price')\n    at placeOrder (/app/src/orders.js:42:17)", None),
            ("panic: runtime error: invalid memory address or nil pointer dereference\ngoroutine 1 [running]:", None),
        ],
        Class::BadConfig => &[
            ("Invalid configuration: property 'gateway.url' is missing", None),
            ("Error: Missing required environment variable GATEWAY_API_KEY", None),
            ("Error: configmap \"app-config\" not found", Some("CreateContainerConfigError")),
        ],
        Class::Clock => &[
            ("Clock skew detected: local time is 4m12s ahead of the NTP server", None),
            ("jwt: token used before issued (iat 1760000123 > now 1760000001)", None),
            ("System clock wrong by 312.4 seconds", None),
        ],
        Class::RetryStorm => &[
            ("Retrying request to rates-api (attempt 5 of 5)", None),
            ("Retry 'ratesRetry' recorded a failed retry attempt. Number of retry attempts: '3'", None),
            ("gRPC retry budget exhausted: 1200 retries in 60s", None),
        ],
        Class::TrafficSurge => &[
            ("Load shedding: rejecting 30% of requests (queue depth 5000)", None),
            ("Server overloaded: 5000 requests waiting", None),
            ("Traffic surge: 3.1x the normal request rate", None),
        ],
        Class::TrafficDrop => &[
            ("No traffic received on /checkout for 120s", None),
            ("Zero requests from the load balancer in the last 2 minutes", None),
        ],
    }
}

/// What the agents should do for a class alone on one service.
pub fn expected(class: Class) -> (&'static str, RunbookAction) {
    match class {
        Class::CacheDown | Class::QueueDown | Class::UpstreamDown => {
            ("dependency", RunbookAction::RestartDependencyWithCircuitBreaker)
        }
        Class::DatabaseDown => ("dependency", RunbookAction::FailOverDatabase),
        Class::PoolExhaustion => ("pool_exhaustion", RunbookAction::RelieveConnectionPool),
        Class::UpstreamTimeout => ("upstream_timeout", RunbookAction::RestartDependencyWithCircuitBreaker),
        Class::Tls => ("tls_certificate", RunbookAction::RotateCertificate),
        Class::Dns => ("dns", RunbookAction::SwitchResolver),
        Class::RateLimited => ("rate_limited", RunbookAction::ShedLoad),
        Class::HeapExhaustion => ("memory_exhaustion", RunbookAction::RestartService),
        Class::DiskFull => ("disk_full", RunbookAction::FreeDisk),
        Class::FdExhaustion => ("fd_exhaustion", RunbookAction::RestartService),
        Class::CodeDefect => ("code_defect", RunbookAction::PageOwner),
        Class::BadConfig => ("bad_config", RunbookAction::RevertConfig),
        Class::Clock => ("clock", RunbookAction::ResyncClock),
        Class::RetryStorm => ("retry_storm", RunbookAction::CapRetries),
        Class::TrafficSurge => ("saturation", RunbookAction::ScaleOut),
        Class::TrafficDrop => ("traffic_drop", RunbookAction::PageOwner),
    }
}

/// One family member: `variant` picks the service, the wording and the interval.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub story: Story,
    pub variant: usize,
    pub seed: u64,
    pub anchor: DateTime<Utc>,
    pub ending: Ending,
}

const INTERVALS: [u32; 3] = [30, 60, 15];
/// Minutes of trouble before the data ends (mid-incident).
const TROUBLE_MINUTES: i64 = 12;
/// Minutes of trouble before it stops, and data after that, for recovering endings.
const TROUBLE_BEFORE_RECOVERY: i64 = 6;
const DATA_AFTER_RECOVERY: i64 = 18;

/// An error line that says nothing about the cause.
const NOISE_500: &str = "HTTP 500 Internal Server Error on POST /api/v1/orders";

fn log(at: DateTime<Utc>, service: Service, level: Level, message: &str, code: Option<&str>) -> LogDoc {
    LogDoc {
        timestamp: at,
        service: service.as_str().into(),
        region: service.region().into(),
        level,
        message: message.into(),
        trace_id: None,
        error_code: code.map(str::to_string),
    }
}

/// How the metrics of a troubled service move: `(metric, multiply, add)`.
fn effects(story: Story) -> &'static [(&'static str, f64, f64)] {
    match story {
        Story::DeployLatency => &[("request_latency_ms", 4.5, 0.0)],
        Story::Class(Class::HeapExhaustion) => &[("memory_percent", 1.0, 33.0), ("request_latency_ms", 2.5, 0.0)],
        Story::Class(Class::TrafficSurge) => &[
            ("requests_per_min", 2.6, 0.0),
            ("cpu_percent", 1.0, 40.0),
            ("request_latency_ms", 2.5, 0.0),
        ],
        Story::Class(Class::TrafficDrop) => &[("requests_per_min", 0.15, 0.0)],
        _ => &[("error_rate", 1.0, 16.0), ("request_latency_ms", 3.5, 0.0)],
    }
}

fn paint(
    metrics: &mut [MetricDoc],
    service: Service,
    story: Story,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    scale: f64,
) {
    for m in metrics.iter_mut().filter(|m| m.service == service.as_str()) {
        if m.timestamp < from || m.timestamp >= until {
            continue;
        }
        // Full strength after one minute (a step, as outages are).
        let ramp = ((m.timestamp - from).num_seconds() as f64 / 60.0).clamp(0.3, 1.0) * scale;
        if let Some((_, mul, add)) = effects(story).iter().find(|(k, _, _)| *k == m.metric_type) {
            let target = m.value * mul + add;
            m.value = super::round2(m.value + (target - m.value) * ramp);
        }
    }
}

/// Generate one case.
pub fn case(spec: &Spec) -> Case {
    let services = Service::ALL;
    let root = match spec.story {
        Story::DependencyOutage => [Service::PaymentService, Service::AuthService][spec.variant % 2],
        _ => services[spec.variant % services.len()],
    };
    let interval = INTERVALS[(spec.variant / services.len()) % INTERVALS.len()];
    // A fixing deploy needs data after the fix to show it.
    let recovering = spec.ending != Ending::MidIncident || spec.story == Story::FixingDeploy;
    let trouble = if recovering {
        TROUBLE_BEFORE_RECOVERY
    } else {
        TROUBLE_MINUTES
    };
    let tail = if recovering { DATA_AFTER_RECOVERY } else { 0 };
    let mut config = SimConfig::new(Scenario::Healthy, spec.seed, spec.anchor);
    config.interval_secs = interval;
    config.daily_rhythm = spec.variant % 3 != 2;
    let mut data = generate(&config);
    let end = data.truth.timeline.end;
    let onset = end - TimeDelta::minutes(trouble + tail);
    let stop = if recovering {
        onset + TimeDelta::minutes(trouble)
    } else {
        end + TimeDelta::minutes(1)
    };
    let step = TimeDelta::seconds(i64::from(interval));
    let topology = Topology::platform();
    let mut impacted: Vec<Service> = Vec::new();
    let class = match spec.story {
        Story::Class(c) => c,
        Story::DeployDefect | Story::FixingDeploy => Class::CodeDefect,
        Story::DeployLatency => Class::CodeDefect,
        Story::DeployThenDns => Class::Dns,
        Story::DependencyOutage => match root {
            Service::AuthService => Class::CacheDown,
            _ => Class::DatabaseDown,
        },
    };
    let words = wordings(class);
    let (message, code) = words[spec.variant % words.len()];
    let (version, previous) = (
        format!("v10.4.{}", 1 + spec.variant),
        format!("v10.3.{}", 9 + spec.variant),
    );
    let deploy_lines = [
        format!("Deploy {version} complete, replacing {previous}"),
        format!("Release {version} rolled out (previous: {previous})"),
        format!(
            "rollout of build {} finished (was build {})",
            8812 + spec.variant,
            8790 + spec.variant
        ),
    ];
    let deploy_line = &deploy_lines[spec.variant % deploy_lines.len()];
    let mut logs = Vec::new();
    match spec.story {
        Story::DeployDefect | Story::DeployLatency => logs.push(log(
            onset - TimeDelta::seconds(60),
            root,
            Level::Info,
            deploy_line,
            None,
        )),
        Story::DeployThenDns => logs.push(log(onset - TimeDelta::minutes(8), root, Level::Info, deploy_line, None)),
        Story::FixingDeploy => logs.push(log(stop - TimeDelta::seconds(30), root, Level::Info, deploy_line, None)),
        _ => {}
    }
    paint(&mut data.metrics, root, spec.story, onset, stop, 1.0);
    // Odd variants are noisy, as real incidents are: each step also logs one
    // line of a consequence class (retries, or timeouts for a retry storm) and,
    // every other step, an unclassifiable 500.
    let noisy = spec.variant % 2 == 1;
    let consequence = if class == Class::RetryStorm {
        Class::UpstreamTimeout
    } else {
        Class::RetryStorm
    };
    let (side, side_code) = wordings(consequence)[spec.variant % wordings(consequence).len()];
    if spec.story != Story::DeployLatency {
        let mut at = onset;
        let mut i = 0u64;
        while at < stop.min(end + TimeDelta::seconds(1)) {
            let level = if i == 0 { Level::Critical } else { Level::Error };
            for k in 0..2 {
                let when = (at + TimeDelta::seconds(k * 5)).min(end);
                logs.push(log(when, root, level, message, code));
            }
            if noisy {
                let when = (at + TimeDelta::seconds(3)).min(end);
                logs.push(log(when, root, Level::Error, side, side_code));
                if i.is_multiple_of(2) {
                    logs.push(log(when, root, Level::Error, NOISE_500, None));
                }
            }
            at += step;
            i += 1;
        }
    }
    if spec.story == Story::DependencyOutage {
        let callers: Vec<Service> = topology
            .impacted_by(root.as_str())
            .iter()
            .filter_map(|s| Service::parse(s))
            .collect();
        for caller in &callers {
            let from = onset + TimeDelta::minutes(1);
            paint(
                &mut data.metrics,
                *caller,
                Story::Class(Class::UpstreamDown),
                from,
                stop,
                0.6,
            );
            let msg = format!(
                "POST http://{}/v1/call failed: 503 Service Unavailable (upstream unavailable)",
                root.as_str()
            );
            let mut at = from;
            while at < stop.min(end + TimeDelta::seconds(1)) {
                logs.push(log(at, *caller, Level::Error, &msg, Some("UPSTREAM_503")));
                at += step * 2;
            }
        }
        impacted = callers;
    }
    if spec.ending == Ending::OperatorRollback {
        let svc = root.as_str();
        let msg = match spec.variant % 4 {
            0 => format!("Operator rolled back {svc} to {previous}"),
            1 => format!("kubectl rollout undo deployment/{svc} (to {previous})"),
            2 => format!("Rollback to {previous} complete"),
            _ => format!("Reverted {svc} to {previous} after the failed release"),
        };
        logs.push(log(stop - TimeDelta::seconds(40), root, Level::Info, &msg, None));
    }
    data.logs.extend(logs);
    crate::order::sort_by(&mut data.logs, |a, b| {
        a.timestamp.cmp(&b.timestamp).then_with(|| a.service.cmp(&b.service))
    });
    let (cause, action) = match spec.story {
        Story::Class(c) => expected(c),
        Story::DeployDefect | Story::DeployLatency => ("deployment", RunbookAction::RollbackDeployment),
        Story::FixingDeploy => expected(Class::CodeDefect),
        Story::DeployThenDns => expected(Class::Dns),
        Story::DependencyOutage => expected(class),
    };
    let name = format!(
        "{}/{}/{}s/{:?}",
        match spec.story {
            Story::Class(c) => c.as_str().to_string(),
            other => format!("{other:?}"),
        },
        root.as_str(),
        interval,
        spec.ending
    );
    Case {
        name,
        story: spec.story,
        root,
        impacted,
        onset,
        cause,
        action,
        recovered_from: (stop <= end).then_some(stop),
        data,
    }
}
