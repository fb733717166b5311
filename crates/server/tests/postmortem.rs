//! `analyze --format markdown` and `run --format markdown`: the post-mortem,
//! section by section, for a resolved, an open and a quiet case. `analyze` reads
//! files this test writes itself (not the simulator's): other services
//! (ledger-api, storefront, search-api), 45-second sampling, integer error
//! counts, metrics as CSV or NDJSON.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use quantumstate_testkit::postmortem::{assert_sections, section};
use serde_json::json;
use std::fmt::Write;
use std::path::{Path, PathBuf};

mod common;
use common::quantumstate;

const INTERVAL_SECS: i64 = 45;
const REGION: &str = "ap-south-1";

/// A small deterministic generator of our own (xorshift).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() % 2000) as f64 / 1000.0 - 1.0
    }
    fn int(&mut self, below: u64) -> u64 {
        self.next() % below
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ending {
    /// The deploy breaks ledger-api; an operator rolls back 6 min later; 18 healthy minutes follow.
    Resolved,
    /// The deploy breaks ledger-api; the data ends 12 min after onset.
    Open,
    /// Nothing happens.
    Quiet,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 6, 0, 0).unwrap()
}

/// 08:40, after 160 minutes of healthy history.
fn onset() -> DateTime<Utc> {
    start() + TimeDelta::minutes(160)
}

fn rollback_at() -> DateTime<Utc> {
    onset() + TimeDelta::minutes(6)
}

fn end(ending: Ending) -> DateTime<Utc> {
    match ending {
        Ending::Resolved => onset() + TimeDelta::minutes(25),
        Ending::Open | Ending::Quiet => onset() + TimeDelta::minutes(12),
    }
}

struct Telemetry {
    /// (timestamp, service, metric_type, value, unit)
    metrics: Vec<(DateTime<Utc>, &'static str, &'static str, f64, &'static str)>,
    logs: Vec<serde_json::Value>,
}

fn telemetry(ending: Ending, seed: u64) -> Telemetry {
    let mut noise = Noise(seed | 1);
    let mut metrics = Vec::new();
    let mut logs = Vec::new();
    let broken = |at: DateTime<Utc>, delay: i64| {
        ending != Ending::Quiet
            && at >= onset() + TimeDelta::minutes(delay)
            && (ending == Ending::Open || at < rollback_at() + TimeDelta::minutes(1))
    };
    let mut at = start();
    while at <= end(ending) {
        for service in ["ledger-api", "storefront", "search-api"] {
            let bad = match service {
                "ledger-api" => broken(at, 0),
                "storefront" => broken(at, 1),
                _ => false,
            };
            let errors = if bad { 25 + noise.int(15) } else { noise.int(3) };
            let latency = if bad {
                480.0 + 30.0 * noise.unit()
            } else {
                115.0 + 6.0 * noise.unit()
            };
            metrics.push((at, service, "error_rate", errors as f64, "errors_per_min"));
            metrics.push((at, service, "request_latency_ms", latency.round(), "ms"));
            metrics.push((
                at,
                service,
                "cpu_percent",
                (33.0 + 2.0 * noise.unit()).round(),
                "percent",
            ));
            metrics.push((
                at,
                service,
                "requests_per_min",
                (880.0 + 20.0 * noise.unit()).round(),
                "requests_per_min",
            ));
            let log = |level: &str, message: String, code: Option<&str>, offset: i64| {
                json!({ "@timestamp": (at + TimeDelta::seconds(offset)).to_rfc3339(), "service": service,
                        "region": REGION, "level": level, "message": message, "error_code": code })
            };
            if bad && service == "ledger-api" {
                logs.push(log(
                    "ERROR",
                    "panic: runtime error: invalid memory address or nil pointer dereference in LedgerWriter.post"
                        .into(),
                    Some("E_LEDGER_PANIC"),
                    10,
                ));
            } else if bad {
                logs.push(log(
                    "ERROR",
                    "upstream ledger-api answered 502 Bad Gateway".into(),
                    Some("UPSTREAM_502"),
                    20,
                ));
            } else if noise.int(8) == 0 {
                logs.push(log(
                    "INFO",
                    format!("served {} requests", 600 + noise.int(300)),
                    None,
                    5,
                ));
            }
        }
        at += TimeDelta::seconds(INTERVAL_SECS);
    }
    let line = |at: DateTime<Utc>, message: &str| json!({ "@timestamp": at.to_rfc3339(), "service": "ledger-api", "region": REGION, "level": "INFO", "message": message });
    if ending != Ending::Quiet {
        logs.push(line(
            onset() - TimeDelta::minutes(1),
            "Deploy v4.2.0 complete, replacing v4.1.7",
        ));
    }
    if ending == Ending::Resolved {
        logs.push(line(rollback_at(), "kubectl rollout undo deployment/ledger-api"));
    }
    Telemetry { metrics, logs }
}

/// The files of one case in `dir`: metrics (CSV with one bad row, or NDJSON), logs, history, topology.
struct Files {
    metrics: PathBuf,
    logs: PathBuf,
    incidents: PathBuf,
    topology: PathBuf,
}

fn write_case(dir: &Path, ending: Ending, csv: bool) -> Files {
    let t = telemetry(ending, 7 + ending as u64);
    let mut text = String::new();
    if csv {
        text.push_str("timestamp,service,metric_type,value\n");
        for (i, (at, service, metric, value, _)) in t.metrics.iter().enumerate() {
            let _ = writeln!(text, "{},{service},{metric},{value}", at.format("%Y-%m-%d %H:%M:%S"));
            if i == 9 {
                text.push_str("2026-07-01 06:02:00,ledger-api,error_rate,many\n");
            }
        }
    } else {
        for (at, service, metric, value, unit) in &t.metrics {
            let doc = json!({ "@timestamp": at.to_rfc3339(), "service": service, "region": REGION,
                              "metric_type": metric, "value": value, "unit": unit });
            let _ = writeln!(text, "{doc}");
        }
    }
    let files = Files {
        metrics: dir.join(if csv { "metrics.csv" } else { "metrics.ndjson" }),
        logs: dir.join("logs.ndjson"),
        incidents: dir.join("incidents.ndjson"),
        topology: dir.join("topology.json"),
    };
    std::fs::write(&files.metrics, text).unwrap();
    let logs: String = t.logs.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&files.logs, logs).unwrap();
    let past = json!({ "@timestamp": "2026-06-12T10:00:00Z", "service": "ledger-api", "region": REGION,
        "anomaly_type": "deployment_regression", "root_cause": "Release v4.0.2 broke ledger posting",
        "actions_taken": "Rolled back ledger-api to v4.0.1", "resolved_at": "2026-06-12T10:25:00Z",
        "mttr_seconds": 1500, "status": "resolved" });
    std::fs::write(&files.incidents, format!("{past}\n")).unwrap();
    std::fs::write(
        &files.topology,
        r#"{"dependencies":[{"from":"storefront","to":"ledger-api","why":"posts every order"},{"from":"storefront","to":"search-api","why":"product search"}]}"#,
    )
    .unwrap();
    files
}

fn analyze(files: &Files, format: &[&str]) -> (bool, String, String) {
    let args = [
        "analyze",
        "--metrics",
        files.metrics.to_str().unwrap(),
        "--logs",
        files.logs.to_str().unwrap(),
        "--incidents",
        files.incidents.to_str().unwrap(),
        "--topology",
        files.topology.to_str().unwrap(),
    ];
    quantumstate(&[&args[..], format].concat())
}

fn assert_has(md: &str, heading: &str, parts: &[&str]) {
    let text = section(md, heading);
    for p in parts {
        assert!(text.contains(p), "{heading}: {p:?} missing:\n{text}");
    }
}

fn assert_agents_in_order(timeline: &str) {
    let mut at = 0;
    for agent in ["Cassandra:", "Archaeologist:", "Surgeon:", "Guardian:"] {
        let found = timeline[at..]
            .find(agent)
            .unwrap_or_else(|| panic!("{agent} missing or out of order:\n{timeline}"));
        at += found;
    }
}

#[test]
fn analyze_markdown_of_a_resolved_incident_in_csv_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_case(dir.path(), Ending::Resolved, true);
    let (ok, md, stderr) = analyze(&files, &["--format", "markdown"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("line 12: value \"many\" is not a number"), "{stderr}");
    assert!(stderr.contains("(CSV), 1 bad lines skipped"), "{stderr}");
    assert_sections(&md);
    assert!(
        md.starts_with("# Post-mortem: Deployment regression on ledger-api, 2026-07-01 08:4"),
        "{md}"
    );
    assert!(md.contains("- **Status:** RESOLVED"), "{md}");
    assert_has(
        &md,
        "## Summary",
        &["In your data, ", "resolved in the data at", "after rollback at 08:46"],
    );
    assert_has(
        &md,
        "## Impact",
        &[
            "ledger-api (ap-south-1)",
            "storefront (posts every order)",
            "recovered 08:4",
            "critical: error_rate",
        ],
    );
    assert!(
        !section(&md, "## Impact").contains("search-api"),
        "a bystander is not impacted:\n{md}"
    );
    let timeline = section(&md, "## Timeline (UTC)");
    for part in [
        "07-01 08:39:00",
        "Deploy v4.2.0 complete",
        "07-01 08:46:00",
        "kubectl rollout undo",
        "healthy again",
    ] {
        assert!(timeline.contains(part), "{part:?} missing:\n{timeline}");
    }
    assert_agents_in_order(timeline);
    assert_has(
        &md,
        "## Root cause",
        &[
            "v4.2.0 of ledger-api",
            "Evidence chain",
            "E_LEDGER_PANIC",
            "1. Cassandra:",
        ],
    );
    assert_has(
        &md,
        "## Action recommended (advisory: QuantumState changed nothing)",
        &[
            "Recommends rollback of ledger-api to v4.1.7",
            "What the data shows was done:** rollback on ledger-api at 08:46:00",
        ],
    );
    assert_has(
        &md,
        "## MTTR against history",
        &[
            "as measured in the data",
            "past deployment_regression incidents took 25 min 0 s on average",
            "faster",
        ],
    );
    assert_has(
        &md,
        "## What was not known",
        &["Whether the recommendation was followed"],
    );
    assert_has(
        &md,
        "## Follow-ups",
        &[
            "- [ ] Find the regression in deploy v4.2.0 of ledger-api",
            "Check storefront",
            "Record this incident",
        ],
    );
    for claim in ["Executed", "Simulation", "executed rollback"] {
        assert!(!md.contains(claim), "{claim:?} claimed:\n{md}");
    }

    // Text stays the default; --json is --format json.
    let (ok, text, _) = analyze(&files, &[]);
    assert!(
        ok && text.starts_with("mode: advisory") && !text.contains("# Post-mortem"),
        "{text}"
    );
    let (_, a, _) = analyze(&files, &["--json"]);
    let (_, b, _) = analyze(&files, &["--format", "json"]);
    let (a, b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&a).unwrap(), serde_json::from_str(&b).unwrap());
    assert_eq!(a["status"], "resolved");
    assert_eq!(a["investigation"], b["investigation"]);
}

#[test]
fn analyze_markdown_of_an_open_incident_claims_no_mttr() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_case(dir.path(), Ending::Open, false);
    let (ok, md, stderr) = analyze(&files, &["--format", "markdown"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("(NDJSON), 0 bad lines skipped"), "{stderr}");
    assert_sections(&md);
    assert!(md.contains("- **Status:** OPEN: awaiting recovery"), "{md}");
    assert_has(
        &md,
        "## Summary",
        &[
            "In your data, ",
            "still open when the data ends at 08:51",
            "Surgeon recommends: rollback of ledger-api to v4.1.7 (not carried out by QuantumState)",
        ],
    );
    assert_has(
        &md,
        "## Impact",
        &["storefront", "at least", "still unhealthy at 08:51"],
    );
    let timeline = section(&md, "## Timeline (UTC)");
    assert!(
        timeline.contains("Deploy v4.2.0 complete") && timeline.contains("the data ends; not recovered"),
        "{timeline}"
    );
    assert_agents_in_order(timeline);
    assert_has(&md, "## Root cause", &["v4.2.0 of ledger-api", "Evidence chain"]);
    assert_has(
        &md,
        "## Action recommended (advisory: QuantumState changed nothing)",
        &["no operator action appears in the logs"],
    );
    assert_has(
        &md,
        "## MTTR against history",
        &[
            "no MTTR: it has not recovered",
            "Similar past incident:** deployment_regression on ledger-api",
        ],
    );
    assert!(
        !section(&md, "## MTTR against history").contains("from onset to sustained recovery"),
        "{md}"
    );
    assert_has(&md, "## What was not known", &["the data stops at 07-01 08:51"]);
    assert_has(
        &md,
        "## Follow-ups",
        &["analyse again with data after", "Decide on the recommended rollback"],
    );
    for claim in ["RESOLVED", "resolved in the data", "Executed", "Simulation"] {
        assert!(!md.contains(claim), "{claim:?} claimed:\n{md}");
    }
}

#[test]
fn analyze_markdown_of_quiet_data_says_no_incident() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_case(dir.path(), Ending::Quiet, true);
    let (ok, md, stderr) = analyze(&files, &["--format", "markdown"]);
    assert!(ok, "{stderr}");
    assert_sections(&md);
    assert!(md.starts_with("# Post-mortem: No incident"), "{md}");
    assert_has(
        &md,
        "## Summary",
        &["Advisory analysis of your data: no incident; 12 series across 3 services"],
    );
    assert_has(&md, "## Impact", &["None"]);
    assert_agents_in_order_prefix(section(&md, "## Timeline (UTC)"));
    assert_has(&md, "## Root cause", &["None"]);
    assert_has(&md, "## Action", &["None needed"]);
    assert_has(&md, "## MTTR against history", &["no incident"]);
    assert_has(&md, "## What was not known", &["Only the 12 series given were judged"]);
    assert_has(&md, "## Follow-ups", &["None"]);
    assert!(!md.contains("MTTR 0") && !md.contains("Recommends"), "{md}");
}

/// A quiet run records only Cassandra's scan.
fn assert_agents_in_order_prefix(timeline: &str) {
    assert_eq!(timeline.matches("\n- **").count(), 1, "{timeline}");
    assert!(timeline.contains("Cassandra: No anomaly"), "{timeline}");
}

fn run(scenario: &str, extra: &[&str]) -> String {
    let args = [
        "run",
        "--scenario",
        scenario,
        "--seed",
        "3",
        "--anchor",
        "2026-02-13T15:00:00Z",
        "--format",
        "markdown",
    ];
    let (ok, md, stderr) = quantumstate(&[&args[..], extra].concat());
    assert!(ok, "{stderr}");
    assert_sections(&md);
    md
}

#[test]
fn run_markdown_resolved_open_and_quiet() {
    let md = run("deployment-rollback", &[]);
    assert!(md.contains("- **Status:** RESOLVED"), "{md}");
    assert_has(
        &md,
        "## Summary",
        &["Simulated checkout-service deployment regression", "rolled back to"],
    );
    assert_has(&md, "## Impact", &["checkout-service (us-east-1)", "recovered 15:"]);
    let timeline = section(&md, "## Timeline (UTC)");
    assert_agents_in_order(timeline);
    assert!(timeline.contains("Surgeon (simulated): rollback of"), "{timeline}");
    assert_has(
        &md,
        "## Root cause",
        &["Deployment v3.5.0 of checkout-service", "Evidence chain"],
    );
    assert_has(
        &md,
        "## Action taken (in the simulation)",
        &["Simulation: executed rollback of", "(simulated world)"],
    );
    assert_has(
        &md,
        "## MTTR against history",
        &["in the simulation", "past deployment_regression incidents took"],
    );
    assert_has(&md, "## What was not known", &["This is a simulation"]);
    assert_has(&md, "## Follow-ups", &["Find the regression in deploy v3.5.0"]);

    // Open in the simulation: the plan waits for a human.
    let md = run("memory-leak", &["--approval-threshold", "1.0"]);
    assert!(md.contains("- **Status:** Awaiting approval"), "{md}");
    assert_has(
        &md,
        "## Summary",
        &[
            "Simulated payment-service memory leak",
            "Surgeon waits for your approval",
        ],
    );
    assert_has(
        &md,
        "## Action proposed (simulation, awaiting approval)",
        &["Proposes rolling restart of payment-service"],
    );
    assert_has(&md, "## MTTR against history", &["no MTTR"]);
    assert_has(&md, "## What was not known", &["below the 100% threshold"]);
    assert_has(&md, "## Follow-ups", &["Approve or reject"]);
    assert!(!md.contains("Simulation: executed") && !md.contains("RESOLVED"), "{md}");

    let md = run("healthy", &[]);
    assert!(md.starts_with("# Post-mortem: No incident"), "{md}");
    assert_has(&md, "## Summary", &["Simulation: no incident;"]);
    assert_has(&md, "## Root cause", &["None"]);
    assert_has(&md, "## Follow-ups", &["None"]);
}

#[test]
fn analyze_refuses_a_file_outside_the_model_naming_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_case(dir.path(), Ending::Open, false);
    // The logs given as metrics.
    let swapped = Files {
        metrics: files.logs.clone(),
        ..files
    };
    let (ok, stdout, stderr) = analyze(&swapped, &["--format", "markdown"]);
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("logs.ndjson") && stderr.contains("not metrics"),
        "{stderr}"
    );
    assert!(
        stderr.contains("timestamp,service,metric_type,value") && stderr.contains("\"metric_type\""),
        "{stderr}"
    );
}
