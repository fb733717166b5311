//! Diagnosis and remediation over generated families: every class on several
//! services, wordings and sampling intervals; changes as causes and as fixes;
//! root and impact across services; advisory runs that tell the truth.

use chrono::{DateTime, TimeZone, Utc};
use quantumstate_core::agents::guardian::Verdict;
use quantumstate_core::agents::{AgentConfig, Event, IncidentReport, Listener, Mode, Pipeline, ReportStatus};
use quantumstate_core::eval_classes;
use quantumstate_core::sim::family::{self, Case, Ending, Spec, Story};
use quantumstate_core::sim::RunbookAction;
use quantumstate_core::taxonomy::{classify, Class};
use quantumstate_core::Agent;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap()
}

fn spec(story: Story, variant: usize, ending: Ending) -> Spec {
    Spec {
        story,
        variant,
        seed: 100 + variant as u64,
        anchor: anchor() + chrono::TimeDelta::minutes(97 * variant as i64),
        ending,
    }
}

fn run(case: &Case, mode: Mode, agents: AgentConfig) -> IncidentReport {
    futures::executor::block_on(async {
        let store = eval_classes::load(case).await.unwrap();
        let pipeline = match mode {
            Mode::Simulation => Pipeline::new(&store, agents),
            Mode::Advisory => Pipeline::advisory(&store, agents),
        };
        pipeline.run(case.data.truth.timeline.end).await.unwrap()
    })
}

fn texts(report: &IncidentReport) -> String {
    report
        .decisions
        .iter()
        .map(|d| d.decision.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines from systems whose wording is not among the family generator's.
#[test]
fn real_wordings_land_in_their_class_without_a_phrase_list() {
    for class in Class::ALL {
        for (message, code) in family::wordings(class) {
            assert_eq!(classify(message, *code), Some(class), "{message}");
        }
    }
    for (message, code, class) in [
        (
            "Back-off pulling image \"shop/cart:9.1\": configmap \"cart-env\" not found",
            None,
            Class::BadConfig,
        ),
        (
            "io.netty.channel.ConnectTimeoutException: connection timed out: rates.internal/10.0.4.2:443",
            None,
            Class::UpstreamTimeout,
        ),
        ("upstream request timeout", Some("504"), Class::UpstreamTimeout),
        (
            "Timeout waiting for connection from pool",
            Some("CONNECTION_POOL_TIMEOUT"),
            Class::PoolExhaustion,
        ),
        (
            "SQLSTATE[08004] [1040] Too many connections",
            None,
            Class::PoolExhaustion,
        ),
        (
            "unable to verify the first certificate",
            Some("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
            Class::Tls,
        ),
        (
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            None,
            Class::Dns,
        ),
        (
            "Request was throttled. Expected available in 2 seconds.",
            None,
            Class::RateLimited,
        ),
        ("local_rate_limited", Some("429"), Class::RateLimited),
        (
            "OOMKilled: container exceeded its memory limit",
            None,
            Class::HeapExhaustion,
        ),
        ("failed to write WAL: disk full", None, Class::DiskFull),
        (
            "accept4: too many open files; retrying in 5ms",
            None,
            Class::FdExhaustion,
        ),
        (
            "AttributeError: 'NoneType' object has no attribute 'id'",
            None,
            Class::CodeDefect,
        ),
        ("Redis connection lost; reconnecting", None, Class::CacheDown),
        (
            "Could not connect to Redis at redis:6379: Connection refused",
            None,
            Class::CacheDown,
        ),
        (
            "FATAL: the database system is shutting down; postgres unavailable",
            None,
            Class::DatabaseDown,
        ),
    ] {
        assert_eq!(classify(message, code), Some(class), "{message}");
    }
    assert_eq!(classify("Health check OK (42ms)", None), None);
    assert_eq!(classify("Order placed: order-123 (2 items) in 80ms", None), None);
}

/// The classes the issue names, each in several wordings on several services
/// and intervals: the right cause, on the right service, with a fitting plan.
#[test]
fn pool_cert_dns_and_throttling_get_their_cause_and_a_fitting_action() {
    for class in [Class::PoolExhaustion, Class::Tls, Class::Dns, Class::RateLimited] {
        let (cause, action) = family::expected(class);
        for variant in 0..8 {
            let case = family::case(&spec(Story::Class(class), variant, Ending::MidIncident));
            let report = run(&case, Mode::Simulation, AgentConfig::default());
            let inv = report
                .investigation
                .as_ref()
                .unwrap_or_else(|| panic!("{}: not detected", case.name));
            let plan = report.plan.as_ref().unwrap();
            assert_eq!(inv.root_cause.name(), cause, "{}: {}", case.name, inv.statement);
            assert_eq!(
                (plan.action, plan.service.as_str()),
                (action, case.root.as_str()),
                "{}",
                case.name
            );
            assert!(plan.fits, "{}: {} must fit {class}", case.name, plan.action);
            assert_ne!(plan.action, RunbookAction::RestartService, "{}", case.name);
            assert_ne!(plan.action, RunbookAction::ScaleOut, "{}", case.name);
        }
    }
}

#[test]
fn a_dependency_outage_names_the_root_and_its_impact_and_acts_on_the_root() {
    for variant in 0..6 {
        let case = family::case(&spec(Story::DependencyOutage, variant, Ending::MidIncident));
        let report = run(&case, Mode::Simulation, AgentConfig::default());
        let inv = report.investigation.as_ref().unwrap();
        assert_eq!(inv.root_service, case.root.as_str(), "{}: {}", case.name, inv.statement);
        let detected: Vec<String> = std::iter::once(report.scan.detection.as_ref().unwrap().service.clone())
            .chain(
                report
                    .scan
                    .detection
                    .as_ref()
                    .unwrap()
                    .elsewhere
                    .iter()
                    .map(|a| a.key.service.clone()),
            )
            .collect();
        for caller in &case.impacted {
            if detected.contains(&caller.as_str().to_string()) {
                assert!(
                    inv.impacted.contains(&caller.as_str().to_string()),
                    "{}: {:?}",
                    case.name,
                    inv.impacted
                );
            }
        }
        assert!(!inv.impacted.is_empty(), "{}: no impact named", case.name);
        assert!(inv.statement.contains("Impact:"), "{}", inv.statement);
        let plan = report.plan.as_ref().unwrap();
        assert_eq!(
            (plan.service.as_str(), plan.action),
            (case.root.as_str(), case.action),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_latency_only_deploy_regression_is_blamed_and_rolled_back_to_the_named_version() {
    for variant in 0..6 {
        let case = family::case(&spec(Story::DeployLatency, variant, Ending::MidIncident));
        let report = run(&case, Mode::Simulation, AgentConfig::default());
        let inv = report.investigation.as_ref().unwrap();
        assert_eq!(inv.root_cause.name(), "deployment", "{}: {}", case.name, inv.statement);
        let deploy = inv.deploy.as_ref().unwrap();
        assert!(deploy.blamed && !deploy.fixed, "{deploy:?}");
        let plan = report.plan.as_ref().unwrap();
        assert_eq!(plan.action, RunbookAction::RollbackDeployment);
        assert_eq!(plan.target_version, deploy.previous, "{}", case.name);
        assert!(
            plan.target_version.is_some(),
            "{}: the logs name the previous version",
            case.name
        );
    }
}

#[test]
fn a_fixing_deploy_is_reported_as_a_fix_and_never_rolled_back() {
    for variant in 0..6 {
        let case = family::case(&spec(Story::FixingDeploy, variant, Ending::MidIncident));
        for mode in [Mode::Simulation, Mode::Advisory] {
            let report = run(&case, mode, AgentConfig::default());
            let Some(inv) = report.investigation.as_ref() else {
                continue;
            };
            let fix = inv
                .fix
                .as_ref()
                .unwrap_or_else(|| panic!("{}: {}", case.name, inv.decision));
            assert!(fix.fixed && !fix.blamed);
            assert!(inv.decision.contains("a fix"), "{}", inv.decision);
            assert_ne!(inv.root_cause.name(), "deployment", "{}", case.name);
            assert_ne!(report.plan.as_ref().unwrap().action, RunbookAction::RollbackDeployment);
        }
    }
}

#[test]
fn a_deploy_before_unrelated_dns_trouble_is_ruled_out() {
    for variant in 0..6 {
        let case = family::case(&spec(Story::DeployThenDns, variant, Ending::MidIncident));
        let report = run(&case, Mode::Simulation, AgentConfig::default());
        let inv = report.investigation.as_ref().unwrap();
        assert_eq!(inv.root_cause.name(), "dns", "{}: {}", case.name, inv.statement);
        let deploy = inv.deploy.as_ref().unwrap();
        assert!(!deploy.blamed && deploy.verdict.contains("ruled out"), "{deploy:?}");
        assert_eq!(report.plan.as_ref().unwrap().action, RunbookAction::SwitchResolver);
    }
}

fn assert_advisory_honest(report: &IncidentReport, name: &str) {
    let all = texts(report);
    assert_eq!(report.mode, Mode::Advisory);
    assert!(
        !all.contains("Executed") && !all.contains("Simulation: executed"),
        "{name}: {all}"
    );
    assert!(!all.contains("simulated world"), "{name}: {all}");
    assert!(report.remediation.is_none(), "{name}");
    assert!(all.contains("advisory"), "{name}: {all}");
}

#[test]
fn advisory_runs_that_end_mid_incident_stay_open_with_the_recommendation() {
    for (i, story) in [
        Story::Class(Class::PoolExhaustion),
        Story::DeployDefect,
        Story::Class(Class::Tls),
    ]
    .into_iter()
    .enumerate()
    {
        for variant in 0..3 {
            let case = family::case(&spec(story, variant + i, Ending::MidIncident));
            let report = run(&case, Mode::Advisory, AgentConfig::default());
            assert_eq!(
                report.status,
                ReportStatus::AwaitingRecovery,
                "{}: {}",
                case.name,
                texts(&report)
            );
            assert_advisory_honest(&report, &case.name);
            let guardian = report.decision_of(Agent::Guardian).unwrap();
            assert!(!guardian.decision.contains("RESOLVED") && guardian.decision.contains("awaiting recovery"));
            let plan = report.plan.as_ref().unwrap();
            assert!(guardian.decision.contains(&plan.summary()), "{}", guardian.decision);
            assert!(report
                .decision_of(Agent::Surgeon)
                .unwrap()
                .decision
                .starts_with("Recommends"));
        }
    }
}

fn mttr(report: &IncidentReport) -> Option<i64> {
    match &report.verification.as_ref()?.verdict {
        Verdict::Resolved { mttr_seconds, .. } => Some(*mttr_seconds as i64),
        _ => None,
    }
}

#[test]
fn advisory_runs_after_an_operator_rollback_name_it_and_measure_mttr_in_the_data() {
    for variant in 0..6 {
        let case = family::case(&spec(Story::DeployDefect, variant, Ending::OperatorRollback));
        let report = run(&case, Mode::Advisory, AgentConfig::default());
        assert_eq!(
            report.status,
            ReportStatus::Resolved,
            "{}: {}",
            case.name,
            texts(&report)
        );
        assert_advisory_honest(&report, &case.name);
        let v = report.verification.as_ref().unwrap();
        let seen = v
            .action_seen
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no action named", case.name));
        assert_eq!(seen.action, Some(quantumstate_core::changes::OperatorAction::Rollback));
        assert!(
            v.decision.contains("rollback") && v.decision.contains("as measured in the data"),
            "{}",
            v.decision
        );
        let truth = (case.recovered_from.unwrap() - case.onset).num_seconds();
        let got = mttr(&report).unwrap();
        assert!(
            (got - truth).abs() <= 150,
            "{}: MTTR {got} s vs {truth} s in the data",
            case.name
        );
    }
}

#[test]
fn advisory_runs_that_recover_without_an_action_are_resolved_with_the_measured_mttr() {
    for (i, story) in [Story::Class(Class::Dns), Story::Class(Class::CacheDown)]
        .into_iter()
        .enumerate()
    {
        for variant in 0..3 {
            let case = family::case(&spec(story, variant + 3 * i, Ending::RecoversAlone));
            let report = run(&case, Mode::Advisory, AgentConfig::default());
            assert_eq!(
                report.status,
                ReportStatus::Resolved,
                "{}: {}",
                case.name,
                texts(&report)
            );
            assert_advisory_honest(&report, &case.name);
            let v = report.verification.as_ref().unwrap();
            assert!(v.action_seen.is_none(), "{}: {:?}", case.name, v.action_seen);
            assert!(v.decision.contains("no operator action"), "{}", v.decision);
            let truth = (case.recovered_from.unwrap() - case.onset).num_seconds();
            let got = mttr(&report).unwrap();
            assert!((got - truth).abs() <= 150, "{}: MTTR {got} s vs {truth} s", case.name);
            assert!(
                v.data_until.unwrap() <= case.data.truth.timeline.end,
                "nothing dated after the data"
            );
        }
    }
}

#[test]
fn a_plan_is_never_surer_than_its_detection_and_a_weak_detection_waits() {
    for (i, class) in [Class::Dns, Class::PoolExhaustion, Class::CodeDefect]
        .into_iter()
        .enumerate()
    {
        let case = family::case(&spec(Story::Class(class), i, Ending::MidIncident));
        let report = run(&case, Mode::Simulation, AgentConfig::default());
        let detection = report.scan.detection.as_ref().unwrap();
        let plan = report.plan.as_ref().unwrap();
        assert!(plan.confidence <= detection.confidence + 1e-9);
        assert!(report.investigation.as_ref().unwrap().confidence <= detection.confidence + 1e-9);
        let inv = report.investigation.as_ref().unwrap();
        assert!(
            inv.evidence
                .iter()
                .any(|e| e.starts_with("confidence") && e.contains("base")),
            "{:?}",
            inv.evidence
        );
        // Just above the detection's confidence: however sure the diagnosis, a human decides.
        let strict = AgentConfig {
            approval_threshold: (detection.confidence + 0.005).min(1.0),
            ..AgentConfig::default()
        };
        let waiting = run(&case, Mode::Simulation, strict);
        assert_eq!(waiting.status, ReportStatus::AwaitingApproval, "{}", case.name);
        assert!(waiting.remediation.is_none());
    }
}

/// Records what a front end would see.
#[derive(Default)]
struct Recorder(Vec<String>);

impl Listener for Recorder {
    fn event(&mut self, event: Event<'_>) {
        self.0.push(match event {
            Event::Started(a) => format!("start {}", a.as_str()),
            Event::Finished { agent, report, .. } => {
                format!("done {} ({} records)", agent.as_str(), report.decisions.len())
            }
            Event::AwaitingApproval(_) => "awaiting".into(),
            Event::Resumed { approved } => format!("resumed {approved}"),
            Event::Done(r) => format!("end {:?}", r.status),
        });
    }
}

#[test]
fn the_pipeline_drives_and_listeners_see_every_step_in_order() {
    let case = family::case(&spec(Story::Class(Class::Dns), 1, Ending::MidIncident));
    let store = futures::executor::block_on(eval_classes::load(&case)).unwrap();
    let end = case.data.truth.timeline.end;
    let strict = AgentConfig {
        approval_threshold: 1.0,
        ..AgentConfig::default()
    };
    let pipeline = Pipeline::new(&store, strict);
    let mut seen = Recorder::default();
    let report = futures::executor::block_on(pipeline.run_with(end, &mut seen)).unwrap();
    assert_eq!(
        seen.0,
        [
            "start cassandra",
            "done cassandra (1 records)",
            "start archaeologist",
            "done archaeologist (2 records)",
            "awaiting"
        ]
    );
    let report = futures::executor::block_on(pipeline.resume_with(report, true, &mut seen)).unwrap();
    assert_eq!(
        &seen.0[5..],
        [
            "resumed true",
            "start surgeon",
            "done surgeon (3 records)",
            "start guardian",
            "done guardian (4 records)",
            "end Resolved"
        ]
    );
    let surgeon = report.decision_of(Agent::Surgeon).unwrap();
    assert!(surgeon.decision.starts_with("Simulation: executed") && surgeon.decision.contains("simulated world"));
    assert!(report
        .decision_of(Agent::Guardian)
        .unwrap()
        .decision
        .starts_with("RESOLVED in the simulation"));
}

#[test]
fn eval_reports_every_family_with_root_cause_service_and_action_columns() {
    let specs = eval_classes::specs(1, anchor());
    let scores = futures::executor::block_on(eval_classes::evaluate(&specs, &AgentConfig::default())).unwrap();
    assert_eq!(
        scores.len(),
        Class::ALL.len() + 5,
        "one row per class and per change/topology story"
    );
    assert!(scores.iter().all(|s| s.runs == 1));
    let table = eval_classes::table(&scores);
    assert!(table.starts_with("| family | runs | detected | root cause | root service | action |"));
    for s in &scores {
        assert!(table.contains(&format!("| {} | 1 |", s.family)), "{}", s.family);
    }
}
