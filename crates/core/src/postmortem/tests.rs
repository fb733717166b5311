use super::*;
use crate::agents::{AgentConfig, Pipeline};
use crate::agents::{ReportStatus, Verdict};
use crate::sim::family::{self, Ending, Spec, Story};
use crate::sim::{Scenario, SimConfig};
use crate::store::MemoryStore;
use crate::taxonomy::Class;
use crate::Store;
use chrono::TimeZone;
use quantumstate_testkit::postmortem::{assert_sections, section};

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 3, 11, 0, 0).unwrap()
}

/// Advisory run over one generated family case.
fn advisory(story: Story, variant: usize, ending: Ending) -> (family::Case, IncidentReport) {
    let case = family::case(&Spec {
        story,
        variant,
        seed: 40 + variant as u64,
        anchor: anchor(),
        ending,
    });
    let report = futures::executor::block_on(async {
        let store = MemoryStore::new();
        store.write_metrics(&case.data.metrics).await.unwrap();
        store.write_logs(&case.data.logs).await.unwrap();
        let pipeline = Pipeline::advisory(&store, AgentConfig::default());
        let now = pipeline.latest_data_time().await.unwrap().unwrap();
        pipeline.run(now).await.unwrap()
    });
    (case, report)
}

fn simulated(scenario: Scenario, seed: u64) -> IncidentReport {
    futures::executor::block_on(async {
        let store = MemoryStore::new();
        let config = SimConfig::new(scenario, seed, anchor());
        let data = crate::store::load_scenario(&store, &config, &mut |_, _| {})
            .await
            .unwrap();
        Pipeline::new(&store, AgentConfig::default())
            .run(data.truth.timeline.end)
            .await
            .unwrap()
    })
}

#[test]
fn open_advisory_incidents_recommend_claim_no_mttr_and_say_what_is_unknown() {
    let stories = [
        Story::DeployDefect,
        Story::DependencyOutage,
        Story::Class(Class::PoolExhaustion),
    ];
    for (variant, story) in stories.into_iter().enumerate() {
        let (case, report) = advisory(story, variant, Ending::MidIncident);
        assert_eq!(report.status, ReportStatus::AwaitingRecovery, "{}", case.name);
        let md = markdown(&report, &Topology::platform());
        assert_sections(&md);
        let root = case.root.as_str();
        assert!(title(&report).contains(root), "{}", title(&report));
        let summary = section(&md, "## Summary");
        assert!(
            summary.contains("In your data, ") && summary.contains("still open"),
            "{summary}"
        );
        assert!(section(&md, "## Action recommended (advisory: QuantumState changed nothing)").contains(root));
        let mttr = section(&md, "## MTTR against history");
        assert!(mttr.contains("no MTTR"), "{mttr}");
        assert!(!mttr.contains("from onset to sustained recovery"), "{mttr}");
        assert!(section(&md, "## Impact").contains("at least"), "{md}");
        for impacted in &case.impacted {
            assert!(
                section(&md, "## Impact").contains(impacted.as_str()),
                "{}: {md}",
                impacted.as_str()
            );
        }
        assert!(section(&md, "## What was not known").contains("data stops at"), "{md}");
        assert!(section(&md, "## Follow-ups").contains("analyse again"), "{md}");
        assert!(
            section(&md, "## Timeline (UTC)").contains("the data ends; not recovered"),
            "{md}"
        );
        for claim in ["RESOLVED", "Simulation: executed", "resolved it"] {
            assert!(!md.contains(claim), "{claim:?} in {}:\n{md}", case.name);
        }
    }
}

#[test]
fn resolved_advisory_incidents_report_the_operator_action_and_the_measured_mttr() {
    for (variant, story) in [Story::DeployDefect, Story::Class(Class::TrafficSurge)]
        .into_iter()
        .enumerate()
    {
        let (case, report) = advisory(story, variant + 1, Ending::OperatorRollback);
        if report.status != ReportStatus::Resolved {
            panic!(
                "{}: {:?}\n{}",
                case.name,
                report.status,
                markdown(&report, &Topology::platform())
            );
        }
        let md = markdown(&report, &Topology::platform());
        assert_sections(&md);
        let Some(Verdict::Resolved {
            mttr_seconds,
            recovered_at,
            ..
        }) = report.verification.as_ref().map(|v| &v.verdict)
        else {
            unreachable!()
        };
        assert!(
            headline(&report).contains("resolved in the data"),
            "{}",
            headline(&report)
        );
        let mttr_text = section(&md, "## MTTR against history");
        assert!(
            mttr_text.contains(&mttr(*mttr_seconds)) && mttr_text.contains("as measured in the data"),
            "{mttr_text}"
        );
        assert!(
            section(&md, "## Impact").contains(&format!("recovered {}", hm(recovered_at))),
            "{md}"
        );
        let seen = report
            .verification
            .as_ref()
            .and_then(|v| v.action_seen.as_ref())
            .expect("the rollback is in the logs");
        assert!(section(&md, "## Timeline (UTC)").contains(&seen.message), "{md}");
        assert!(md.contains("What the data shows was done:** "), "{md}");
        assert!(!md.contains("Simulation: executed"), "{md}");
    }
}

#[test]
fn a_simulated_resolution_names_the_simulation_and_compares_with_history() {
    for (scenario, seed) in [(Scenario::DeploymentRollback, 3), (Scenario::ErrorSpike, 4)] {
        let report = simulated(scenario, seed);
        assert_eq!(report.status, ReportStatus::Resolved, "{scenario:?}");
        let md = markdown(&report, &Topology::platform());
        assert_sections(&md);
        assert!(headline(&report).starts_with("Simulated "), "{}", headline(&report));
        assert!(md.contains("## Action taken (in the simulation)"), "{md}");
        let Some(Verdict::Resolved {
            historical_mttr_seconds: Some(h),
            ..
        }) = report.verification.as_ref().map(|v| &v.verdict)
        else {
            panic!("the seeded history has this type: {md}")
        };
        assert!(section(&md, "## MTTR against history").contains(&mttr(*h)), "{md}");
        assert!(
            section(&md, "## What was not known").contains("simulated world"),
            "{md}"
        );
        assert!(section(&md, "## Follow-ups").contains("Record this incident"), "{md}");
    }
}

#[test]
fn a_quiet_run_says_no_incident_in_every_section() {
    let report = simulated(Scenario::Healthy, 8);
    assert_eq!(report.status, ReportStatus::NoIncident);
    let md = markdown(&report, &Topology::platform());
    assert_sections(&md);
    assert!(title(&report).starts_with("No incident"));
    assert!(
        headline(&report).contains(&format!("{} series", report.scan.series.len())),
        "{md}"
    );
    assert!(section(&md, "## Impact").contains("None"));
    assert!(section(&md, "## Root cause").contains("None"));
    assert!(section(&md, "## MTTR against history").contains("no incident"));
    assert!(section(&md, "## Follow-ups").contains("None"));
    assert!(!md.contains("MTTR 0"), "{md}");
}

#[test]
fn an_unknown_root_service_is_not_given_callers() {
    let (_, mut report) = advisory(Story::DeployDefect, 0, Ending::MidIncident);
    let inv = report.investigation.as_mut().unwrap();
    inv.root_service = "ledger-api".into();
    inv.impacted.clear();
    let md = markdown(&report, &Topology::platform());
    assert!(
        section(&md, "## Impact").contains("unknown: ledger-api is not in the dependency graph"),
        "{md}"
    );
    assert!(
        section(&md, "## What was not known").contains("Who calls ledger-api"),
        "{md}"
    );
}
