//! The headless commands, run as a user runs them: the real binary.

use chrono::{TimeZone, Utc};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use std::path::Path;

mod common;
use common::quantumstate;

fn write_ndjson<T: serde::Serialize>(path: &Path, docs: &[T], corrupt_line: Option<usize>) {
    let mut text = String::new();
    for (i, d) in docs.iter().enumerate() {
        if Some(i) == corrupt_line {
            text.push_str("{\"@timestamp\": \"not a time\", \"service\": 3}\n");
        }
        text.push_str(&serde_json::to_string(d).unwrap());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// `quantumstate analyze` over these files (`("metrics", path)` → `--metrics path`), then `extra`.
fn analyze(files: &[(&str, &Path)], extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["analyze".to_string()];
    for (flag, path) in files {
        args.push(format!("--{flag}"));
        args.push(path.to_str().unwrap().to_string());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    quantumstate(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn run_prints_a_resolved_report_with_four_decisions_as_json() {
    let (ok, stdout, stderr) = quantumstate(&[
        "run",
        "--scenario",
        "deployment-rollback",
        "--seed",
        "3",
        "--anchor",
        "2026-02-13T15:00:00Z",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["status"], "resolved");
    let agents: Vec<&str> = report["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["agent"].as_str().unwrap())
        .collect();
    assert_eq!(agents, ["cassandra", "archaeologist", "surgeon", "guardian"]);
    assert_eq!(report["investigation"]["anomaly_type"], "deployment_regression");
}

#[test]
fn run_rejects_an_unknown_scenario_with_the_valid_names() {
    let (ok, _, stderr) = quantumstate(&["run", "--scenario", "meltdown"]);
    assert!(!ok);
    assert!(
        stderr.contains("memory-leak") && stderr.contains("red-herring"),
        "{stderr}"
    );
}

#[test]
fn analyze_reports_bad_lines_and_still_finds_the_incident() {
    let dir = tempfile::tempdir().unwrap();
    let anchor = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
    let data = sim::generate(&SimConfig::new(Scenario::ErrorSpike, 11, anchor));
    let (metrics, logs, incidents) = (
        dir.path().join("m.ndjson"),
        dir.path().join("l.ndjson"),
        dir.path().join("i.ndjson"),
    );
    write_ndjson(&metrics, &data.metrics, Some(5));
    write_ndjson(&logs, &data.logs, None);
    write_ndjson(&incidents, &sim::seeded_incidents(anchor), None);
    let (ok, stdout, stderr) = analyze(
        &[("metrics", &metrics), ("logs", &logs), ("incidents", &incidents)],
        &["--json"],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("line 6"), "{stderr}");
    assert!(stderr.contains("1 bad lines skipped"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["scan"]["detection"]["service"], "auth-service");
    assert_eq!(report["investigation"]["root_cause"]["kind"], "dependency");
}

/// Data in the seed's model but not from our generator's catalogue: other
/// service names, one-minute sampling, 90 minutes of history.
#[test]
fn analyze_works_on_foreign_services_and_sampling() {
    let dir = tempfile::tempdir().unwrap();
    let anchor = Utc.with_ymd_and_hms(2026, 5, 2, 18, 0, 0).unwrap();
    let mut config = SimConfig::new(Scenario::MemoryLeak, 5, anchor);
    config.interval_secs = 60;
    config.history_minutes = 90;
    let data = sim::generate(&config);
    let rename = |s: &str| {
        s.replace("payment-service", "billing-api")
            .replace("checkout-service", "cart-api")
    };
    let metrics: Vec<_> = data
        .metrics
        .iter()
        .cloned()
        .map(|mut m| {
            m.service = rename(&m.service);
            m
        })
        .collect();
    let logs: Vec<_> = data
        .logs
        .iter()
        .cloned()
        .map(|mut l| {
            l.service = rename(&l.service);
            l
        })
        .collect();
    let (m, l) = (dir.path().join("m.ndjson"), dir.path().join("l.ndjson"));
    write_ndjson(&m, &metrics, None);
    write_ndjson(&l, &logs, None);
    let (ok, stdout, stderr) = analyze(&[("metrics", &m), ("logs", &l)], &["--json"]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["scan"]["detection"]["service"], "billing-api");
    assert_eq!(report["scan"]["detection"]["anomaly_type"], "memory_leak_progressive");
    // The data ends while the heap still climbs: open, never "resolved".
    assert_eq!(report["mode"], "advisory");
    assert_eq!(report["status"], "awaiting_recovery", "{}", report["decisions"]);
    assert!(report["remediation"].is_null());
}

/// Text output names the mode and claims only what happened.
#[test]
fn run_says_simulation_and_analyze_says_advisory_without_executed_or_resolved() {
    let (ok, stdout, stderr) = quantumstate(&[
        "run",
        "--scenario",
        "error-spike",
        "--seed",
        "4",
        "--anchor",
        "2026-02-13T15:00:00Z",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("mode: simulation"), "{stdout}");
    assert!(
        stdout.contains("Simulation: executed") && stdout.contains("RESOLVED in the simulation"),
        "{stdout}"
    );

    let dir = tempfile::tempdir().unwrap();
    let anchor = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
    let data = sim::generate(&SimConfig::new(Scenario::DeploymentRollback, 12, anchor));
    let (m, l) = (dir.path().join("m.ndjson"), dir.path().join("l.ndjson"));
    write_ndjson(&m, &data.metrics, None);
    write_ndjson(&l, &data.logs, None);
    let (ok, stdout, stderr) = analyze(&[("metrics", &m), ("logs", &l)], &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("mode: advisory"), "{stdout}");
    assert!(stdout.contains("status: OPEN: awaiting recovery"), "{stdout}");
    assert!(
        stdout.contains("Recommends rollback of checkout-service to v3.4.2"),
        "{stdout}"
    );
    for claim in ["Executed", "executed rollback", "RESOLVED"] {
        assert!(!stdout.contains(claim), "{claim:?} claimed: {stdout}");
    }
}

#[test]
fn a_plan_waiting_for_approval_is_printed_in_full() {
    let (ok, stdout, stderr) = quantumstate(&[
        "run",
        "--scenario",
        "memory-leak",
        "--seed",
        "2",
        "--anchor",
        "2026-02-13T15:00:00Z",
        "--approval-threshold",
        "1.0",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("status: Awaiting approval"), "{stdout}");
    let pending = stdout
        .split("[pending]")
        .nth(1)
        .unwrap_or_else(|| panic!("no pending plan: {stdout}"));
    for part in [
        "rolling restart of payment-service",
        "risk",
        "Expected:",
        "threshold",
        "runbook:",
    ] {
        assert!(pending.contains(part), "{part:?} missing: {pending}");
    }
}

#[test]
fn detect_scores_every_row_in_order_and_flags_the_anomaly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("series.csv");
    let mut text = String::from("timestamp,value\n");
    let start = Utc.with_ymd_and_hms(2014, 2, 19, 10, 50, 0).unwrap();
    let mut rng = quantumstate_core::sim::rng::SimRng::new(9, 0);
    for i in 0..800 {
        let at = start + chrono::TimeDelta::minutes(5 * i);
        let value = 40.0 + 2.0 * rng.normal() + if (600..620).contains(&i) { 30.0 } else { 0.0 };
        text.push_str(&format!("{},{value:.3}\n", at.format("%Y-%m-%d %H:%M:%S")));
    }
    text.push_str("2014-02-22 08:00:00,oops\n2014-02-22 08:05:00,NaN\n");
    std::fs::write(&csv, text).unwrap();
    let (ok, stdout, stderr) = quantumstate(&["detect", "--csv", csv.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("line 802") && stderr.contains("line 803"), "{stderr}");
    let rows: Vec<Vec<String>> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(stdout.lines().next(), Some("timestamp,value,anomaly_score"));
    // The unreadable row is kept (score 0), so output rows align with input rows.
    assert_eq!(rows.len(), 802);
    assert_eq!(rows[800], vec!["2014-02-22 08:00:00", "", "0.000000"]);
    assert_eq!(rows[801], vec!["2014-02-22 08:05:00", "", "0.000000"]);
    let scores: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    assert!(scores[..600].iter().all(|s| *s < 0.5), "false alarm before the anomaly");
    assert!(scores[600..605].iter().any(|s| *s >= 0.5), "anomaly missed");
    assert_eq!(rows[0][0], "2014-02-19 10:50:00");
}

/// Someone else's platform: their service names and their dependency graph.
#[test]
fn analyze_reads_a_replacement_topology_and_names_root_and_impact_on_it() {
    use quantumstate_core::sim::family::{self, Ending, Spec, Story};
    let dir = tempfile::tempdir().unwrap();
    let case = family::case(&Spec {
        story: Story::DependencyOutage,
        variant: 0,
        seed: 21,
        anchor: Utc.with_ymd_and_hms(2026, 4, 2, 10, 0, 0).unwrap(),
        ending: Ending::MidIncident,
    });
    assert_eq!(case.root.as_str(), "payment-service");
    let rename = |s: &str| {
        s.replace("payment-service", "billing-api")
            .replace("checkout-service", "cart-api")
    };
    let metrics: Vec<_> = case
        .data
        .metrics
        .iter()
        .cloned()
        .map(|mut m| {
            m.service = rename(&m.service);
            m
        })
        .collect();
    let logs: Vec<_> = case
        .data
        .logs
        .iter()
        .cloned()
        .map(|mut l| {
            l.service = rename(&l.service);
            l.message = rename(&l.message);
            l
        })
        .collect();
    let (m, l, t) = (
        dir.path().join("m.ndjson"),
        dir.path().join("l.ndjson"),
        dir.path().join("topology.json"),
    );
    write_ndjson(&m, &metrics, None);
    write_ndjson(&l, &logs, None);
    std::fs::write(
        &t,
        r#"{"dependencies":[{"from":"cart-api","to":"billing-api","why":"charges the cart"}]}"#,
    )
    .unwrap();
    let (ok, stdout, stderr) = analyze(&[("metrics", &m), ("logs", &l), ("topology", &t)], &["--json"]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["investigation"]["root_service"], "billing-api",
        "{}",
        report["investigation"]["statement"]
    );
    assert_eq!(report["investigation"]["impacted"], serde_json::json!(["cart-api"]));
    assert_eq!(report["plan"]["service"], "billing-api");
    assert_eq!(report["plan"]["action"], "fail_over_database");

    // The seed's graph knows neither name, but cart-api's lines name billing-api:
    // the graph is read from the logs, and the report says so.
    let (ok, stdout, stderr) = analyze(&[("metrics", &m), ("logs", &l)], &["--json"]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["investigation"]["root_service"], "billing-api");
    assert_eq!(report["investigation"]["impacted"], serde_json::json!(["cart-api"]));
    let factors = report["investigation"]["factors"].to_string();
    assert!(factors.contains("log lines name the root"), "{factors}");

    // Neither the graph nor the lines tie the two: no impact can be claimed.
    let unnamed: Vec<_> = logs
        .iter()
        .cloned()
        .map(|mut l| {
            l.message = l.message.replace("billing-api", "a downstream service");
            l
        })
        .collect();
    write_ndjson(&l, &unnamed, None);
    let (ok, stdout, stderr) = analyze(&[("metrics", &m), ("logs", &l)], &["--json"]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["investigation"]["impacted"], serde_json::json!([]));
    write_ndjson(&l, &logs, None);

    std::fs::write(&t, "{not json").unwrap();
    let (ok, _, stderr) = analyze(&[("metrics", &m), ("logs", &l), ("topology", &t)], &["--json"]);
    assert!(!ok && stderr.contains("not a dependency graph"), "{stderr}");
}

#[test]
fn detect_refuses_a_csv_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, says) in [
        (
            "semicolons.csv",
            "timestamp;value\n2014-02-19 10:50:00;1.5\n",
            "comma-separated",
        ),
        (
            "words.csv",
            "timestamp,value\n2014-02-19 10:50:00,high\n",
            "no numeric value",
        ),
    ] {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let (ok, stdout, stderr) = quantumstate(&["detect", "--csv", csv.to_str().unwrap()]);
        assert!(!ok, "{name}: accepted, printed {stdout}");
        assert!(stderr.contains(says) && stderr.contains(name), "{name}: {stderr}");
    }
}
