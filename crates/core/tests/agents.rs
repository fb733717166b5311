//! The agents on every seed scenario, over a range of seeds and knobs.

use chrono::{DateTime, TimeZone, Utc};
use quantumstate_core::agents::archaeologist::RootCause;
use quantumstate_core::agents::guardian::Verdict;
use quantumstate_core::agents::{AgentConfig, IncidentReport, Pipeline, ReportStatus};
use quantumstate_core::changes::ChangeKind;
use quantumstate_core::sim::{self, Dataset, RunbookAction, Scenario, SimConfig};
use quantumstate_core::store::IncidentQuery;
use quantumstate_core::{Agent, AnomalyType, MemoryStore, MetricType, Service, Store};

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap()
}

fn load(store: &MemoryStore, config: &SimConfig) -> Dataset {
    let data = sim::generate(config);
    futures::executor::block_on(async {
        store.write_metrics(&data.metrics).await.unwrap();
        store.write_logs(&data.logs).await.unwrap();
        store
            .write_incidents(&sim::seeded_incidents(config.anchor))
            .await
            .unwrap();
    });
    data
}

fn run_with(config: &SimConfig, agents: AgentConfig) -> (MemoryStore, Dataset, IncidentReport) {
    let store = MemoryStore::new();
    let data = load(&store, config);
    let report = futures::executor::block_on(Pipeline::new(&store, agents).run(data.truth.timeline.end)).unwrap();
    (store, data, report)
}

fn run(config: &SimConfig) -> (MemoryStore, Dataset, IncidentReport) {
    run_with(config, AgentConfig::default())
}

fn days_ago(report: &IncidentReport) -> i64 {
    report.investigation.as_ref().unwrap().similar[0].days_ago.round() as i64
}

#[test]
fn memory_leak_is_flagged_before_80_percent_and_resolved_by_a_restart() {
    for seed in 0..12 {
        let (_, data, report) = run(&SimConfig::new(Scenario::MemoryLeak, seed, anchor()));
        assert_eq!(report.status, ReportStatus::Resolved, "seed {seed}");
        let d = report.scan.detection.as_ref().unwrap();
        assert_eq!(d.service, "payment-service");
        assert_eq!(d.anomaly_type, AnomalyType::MemoryLeakProgressive);
        let crossed_80 = data
            .metrics
            .iter()
            .filter(|m| m.service == "payment-service" && m.metric_type == "memory_percent" && m.value > 80.0)
            .map(|m| m.timestamp)
            .min()
            .unwrap();
        assert!(
            d.detected_at < crossed_80,
            "seed {seed}: flagged {} vs 80% at {}",
            d.detected_at,
            crossed_80
        );
        assert!(d.primary.value_at_detection < 80.0);
        let inv = report.investigation.as_ref().unwrap();
        assert_eq!(inv.root_cause, RootCause::MemoryExhaustion, "seed {seed}");
        assert!(inv.statement.contains("Heap"), "{}", inv.statement);
        assert_eq!(days_ago(&report), 14);
        assert_eq!(inv.similar[0].incident.service, "payment-service");
        assert_eq!(report.plan.as_ref().unwrap().action, RunbookAction::RestartService);
    }
}

#[test]
fn bad_deployment_blames_v3_5_0_and_rolls_back_to_v3_4_2() {
    for seed in 0..12 {
        let (_, _, report) = run(&SimConfig::new(Scenario::DeploymentRollback, seed, anchor()));
        assert_eq!(report.status, ReportStatus::Resolved, "seed {seed}");
        let d = report.scan.detection.as_ref().unwrap();
        assert_eq!(d.service, "checkout-service");
        let inv = report.investigation.as_ref().unwrap();
        assert_eq!(
            inv.anomaly_type,
            AnomalyType::DeploymentRegression,
            "seed {seed}: {}",
            inv.decision
        );
        assert_eq!(
            inv.root_cause,
            RootCause::Deployment {
                version: Some("v3.5.0".into()),
                previous: Some("v3.4.2".into()),
                change: ChangeKind::Deploy,
            }
        );
        let deploy = inv.deploy.as_ref().unwrap();
        assert!(
            deploy.blamed && (-1.0..=3.0).contains(&deploy.lead_minutes),
            "{deploy:?}"
        );
        assert_eq!(days_ago(&report), 3);
        let plan = report.plan.as_ref().unwrap();
        assert_eq!(
            (plan.action, plan.target_version.as_deref()),
            (RunbookAction::RollbackDeployment, Some("v3.4.2"))
        );
    }
}

#[test]
fn redis_outage_is_a_dependency_failure_fixed_with_a_circuit_breaker() {
    for seed in 0..12 {
        let (_, _, report) = run(&SimConfig::new(Scenario::ErrorSpike, seed, anchor()));
        assert_eq!(report.status, ReportStatus::Resolved, "seed {seed}");
        let d = report.scan.detection.as_ref().unwrap();
        assert_eq!(
            (d.service.as_str(), d.anomaly_type),
            ("auth-service", AnomalyType::ErrorSpikeSudden)
        );
        let inv = report.investigation.as_ref().unwrap();
        assert_eq!(
            inv.root_cause,
            RootCause::Dependency { name: "Redis".into() },
            "seed {seed}"
        );
        assert_eq!(days_ago(&report), 7);
        assert_eq!(
            report.plan.as_ref().unwrap().action,
            RunbookAction::RestartDependencyWithCircuitBreaker
        );
    }
}

#[test]
fn red_herring_deploy_is_not_blamed() {
    for seed in 0..12 {
        let (_, _, report) = run(&SimConfig::new(Scenario::RedHerring, seed, anchor()));
        let inv = report.investigation.as_ref().unwrap();
        assert!(
            matches!(inv.root_cause, RootCause::Dependency { .. }),
            "seed {seed}: {}",
            inv.decision
        );
        assert_ne!(inv.anomaly_type, AnomalyType::DeploymentRegression);
        let deploy = inv.deploy.as_ref().expect("the deploy is found and discussed");
        assert!(!deploy.blamed);
        assert!(inv.decision.contains("ruled out"), "{}", inv.decision);
        assert_ne!(report.plan.as_ref().unwrap().action, RunbookAction::RollbackDeployment);
    }
}

#[test]
fn healthy_runs_detect_nothing_and_write_one_quiet_record() {
    for seed in 0..30 {
        let (store, _, report) = run(&SimConfig::new(Scenario::Healthy, seed, anchor()));
        assert_eq!(
            report.status,
            ReportStatus::NoIncident,
            "seed {seed}: {}",
            report.scan.decision
        );
        assert_eq!(report.decisions.len(), 1);
        let trail = futures::executor::block_on(store.decisions(10)).unwrap();
        assert_eq!(trail.len(), 1);
        assert!(trail[0].decision.starts_with("No anomaly"));
    }
}

#[test]
fn every_incident_leaves_four_audit_records_and_a_plausible_mttr() {
    for scenario in [
        Scenario::MemoryLeak,
        Scenario::DeploymentRollback,
        Scenario::ErrorSpike,
        Scenario::RedHerring,
    ] {
        let (store, data, report) = run(&SimConfig::new(scenario, 99, anchor()));
        let trail = futures::executor::block_on(store.decisions(100)).unwrap();
        let agents: Vec<Agent> = trail.iter().rev().map(|d| d.agent).collect();
        assert_eq!(agents, Agent::ALL.to_vec(), "{scenario}");
        assert!(trail.iter().all(|d| d.service == data.truth.service.unwrap().as_str()));
        assert!(trail.iter().all(|d| d.context.is_object() && d.confidence <= 100));
        let Some(Verdict::Resolved {
            mttr_seconds,
            recovered_at,
            ..
        }) = report.verification.map(|v| v.verdict)
        else {
            panic!("{scenario} not resolved")
        };
        // MTTR runs from the detected onset: at least the incident phase, at most an hour.
        let phase = i64::from(scenario.incident_minutes()) * 60;
        assert!(
            (mttr_seconds as i64) >= phase - 120 && mttr_seconds <= 3600,
            "{scenario}: {mttr_seconds}"
        );
        assert!(recovered_at > data.truth.timeline.end);
    }
}

#[test]
fn a_resolved_incident_is_found_by_the_next_similar_one() {
    let store = MemoryStore::new();
    let first = load(&store, &SimConfig::new(Scenario::DeploymentRollback, 1, anchor()));
    let pipeline = Pipeline::new(&store, AgentConfig::default());
    let report = futures::executor::block_on(pipeline.run(first.truth.timeline.end)).unwrap();
    assert_eq!(report.status, ReportStatus::Resolved);
    let recorded = futures::executor::block_on(store.incidents(&IncidentQuery {
        service: Some("checkout-service".into()),
        anomaly_type: Some("deployment_regression".into()),
        limit: 10,
    }))
    .unwrap();
    assert_eq!(recorded.len(), 2, "seeded + the one just resolved");

    // Two hours later the same thing happens again: the fresh incident ranks first.
    let later = anchor() + chrono::TimeDelta::hours(2);
    futures::executor::block_on(store.clear_telemetry()).unwrap();
    let second = load(&store, &SimConfig::new(Scenario::DeploymentRollback, 2, later));
    let report = futures::executor::block_on(pipeline.run(second.truth.timeline.end)).unwrap();
    let top = &report.investigation.unwrap().similar[0];
    assert!(top.days_ago < 1.0, "{top:?}");
    assert!(top.incident.root_cause.contains("v3.5.0"));
}

#[test]
fn below_the_threshold_surgeon_waits_then_approve_resolves_and_reject_escalates() {
    let strict = AgentConfig {
        approval_threshold: 1.0,
        ..AgentConfig::default()
    };
    for approve in [true, false] {
        let (store, _, report) = run_with(&SimConfig::new(Scenario::ErrorSpike, 4, anchor()), strict.clone());
        assert_eq!(report.status, ReportStatus::AwaitingApproval);
        assert_eq!(report.decisions.len(), 2, "nothing executed while waiting");
        let metrics_before = futures::executor::block_on(store.counts()).unwrap().metrics;
        let pipeline = Pipeline::new(&store, strict.clone());
        let done = futures::executor::block_on(pipeline.resume(report, approve)).unwrap();
        let counts = futures::executor::block_on(store.counts()).unwrap();
        assert_eq!(counts.decisions, 4);
        if approve {
            assert_eq!(done.status, ReportStatus::Resolved);
            assert!(counts.metrics > metrics_before, "recovery telemetry written");
        } else {
            assert_eq!(done.status, ReportStatus::Escalated);
            assert_eq!(counts.metrics, metrics_before, "nothing executed");
        }
    }
}

#[test]
fn surgeon_runs_once_per_incident_and_only_on_the_affected_service() {
    let (store, data, report) = run(&SimConfig::new(Scenario::DeploymentRollback, 8, anchor()));
    let before = futures::executor::block_on(store.counts()).unwrap();
    let pipeline = Pipeline::new(&store, AgentConfig::default());
    assert!(report.remediation.as_ref().unwrap().newly_executed);
    // The same incident seen again: Surgeon's action is not simulated twice.
    let again = futures::executor::block_on(pipeline.run(data.truth.timeline.end)).unwrap();
    assert!(!again.remediation.as_ref().unwrap().newly_executed);
    let after = futures::executor::block_on(store.counts()).unwrap();
    assert_eq!((before.metrics, before.logs), (after.metrics, after.logs));
    // Recovery telemetry only for checkout-service.
    let end = data.truth.timeline.end;
    for service in Service::ALL {
        let key = quantumstate_core::store::SeriesKey::new(service.as_str(), MetricType::ErrorRate.as_str());
        let window =
            quantumstate_core::TimeWindow::new(end + chrono::TimeDelta::seconds(1), end + chrono::TimeDelta::hours(1));
        let points =
            futures::executor::block_on(store.metric_series(&key, window, chrono::TimeDelta::seconds(30))).unwrap();
        assert_eq!(!points.is_empty(), service == Service::CheckoutService, "{service}");
    }
}

#[test]
fn target_and_intensity_knobs_still_find_the_right_service() {
    for (i, service) in Service::ALL.into_iter().enumerate() {
        for scenario in [Scenario::MemoryLeak, Scenario::DeploymentRollback, Scenario::ErrorSpike] {
            let mut config = SimConfig::new(scenario, 100 + i as u64, anchor());
            config.target = Some(service);
            config.intensity = [0.6, 1.0, 1.6, 2.0][i];
            let (_, _, report) = run(&config);
            let d = report
                .scan
                .detection
                .as_ref()
                .unwrap_or_else(|| panic!("{scenario} on {service} missed"));
            assert_eq!(d.service, service.as_str(), "{scenario}");
            assert_eq!(
                report.investigation.unwrap().anomaly_type,
                scenario.expected_anomaly().unwrap(),
                "{scenario} on {service}"
            );
        }
    }
}

/// Live replay: the agents look while the leak is still young.
#[test]
fn a_young_leak_is_already_called_a_leak_and_its_crossing_is_a_forecast() {
    for seed in 0..8 {
        let config = SimConfig::new(Scenario::MemoryLeak, 300 + seed, anchor());
        let data = sim::generate(&config);
        let now = data.truth.timeline.onset + chrono::TimeDelta::minutes(7);
        let store = MemoryStore::new();
        let metrics: Vec<_> = data.metrics.iter().filter(|m| m.timestamp <= now).cloned().collect();
        let logs: Vec<_> = data.logs.iter().filter(|l| l.timestamp <= now).cloned().collect();
        futures::executor::block_on(async {
            store.write_metrics(&metrics).await.unwrap();
            store.write_logs(&logs).await.unwrap();
            store.write_incidents(&sim::seeded_incidents(anchor())).await.unwrap();
        });
        let report = futures::executor::block_on(Pipeline::new(&store, AgentConfig::default()).run(now)).unwrap();
        let d = report
            .scan
            .detection
            .as_ref()
            .unwrap_or_else(|| panic!("seed {seed}: not detected 7 min in"));
        assert_eq!(
            d.anomaly_type,
            AnomalyType::MemoryLeakProgressive,
            "seed {seed}: {}",
            d.decision
        );
        let f = d.forecast.as_ref().unwrap();
        assert!(f.crossed_at.is_none() && f.eta.is_some(), "seed {seed}: {f:?}");
        assert!(d.decision.contains("Time to critical"), "{}", d.decision);
    }
}
