//! Cassandra on telemetry as it really is: one generated family of 50 cases
//! per condition (varied seeds, services, intervals and amplitudes), each
//! asserting detection, onset error in minutes, class and zero false incidents.

use chrono::{DateTime, TimeZone, Utc};
use quantumstate_core::agents::AgentConfig;
use quantumstate_core::detect::NotFlagged;
use quantumstate_core::eval::condition_score::{scan_case, score_case, ConditionScore};
use quantumstate_core::eval::conditions::{family, Condition, Expect};
use quantumstate_core::eval::median_of;

const CASES: usize = 50;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// Score a family; also hand back every scan for case-level checks.
fn run(
    condition: Condition,
    seed: u64,
) -> (
    ConditionScore,
    Vec<(String, Expect, quantumstate_core::agents::cassandra::Scan)>,
) {
    let agents = AgentConfig::default();
    let mut score = ConditionScore::default();
    let mut scans = Vec::new();
    for case in family(condition, CASES, seed, anchor()) {
        let scan = futures::executor::block_on(scan_case(&case, &agents)).unwrap();
        score_case(&mut score, &case, &scan);
        scans.push((case.label.clone(), case.expect.clone(), scan));
    }
    (score, scans)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

#[test]
fn integer_error_counts_are_found_and_dated_from_the_change_not_a_stray_error() {
    let (s, scans) = run(Condition::IntegerCounts, 11);
    assert!(s.incidents >= 30, "{s:?}");
    assert_eq!(s.detected, s.incidents, "missed: {:?}", missed(&scans));
    assert_eq!(s.false_incidents, 0, "{:?}", false_ones(&scans));
    assert_eq!(s.classified, s.detected);
    assert!(median_of(&s.onset_errors_min) <= 1.0, "{:?}", s.onset_errors_min);
    assert!(max(&s.onset_errors_min) <= 4.0, "{:?}", s.onset_errors_min);
}

#[test]
fn a_daily_rhythm_and_a_nightly_batch_job_are_not_incidents() {
    let (s, scans) = run(Condition::DailyRhythm, 12);
    assert_eq!(s.cases, CASES);
    assert_eq!(s.false_incidents, 0, "{:?}", false_ones(&scans));
    // Inside the batch job the scan says why it did not flag the jump.
    let usual = scans
        .iter()
        .filter(|(_, _, scan)| {
            scan.not_flagged
                .iter()
                .any(|n| matches!(n, NotFlagged::UsualAtThisHour { .. }))
        })
        .count();
    assert!(
        usual >= CASES / 2 * 8 / 10,
        "{usual} of {} batch-hour scans explained",
        CASES / 2
    );
}

#[test]
fn multi_hour_leaks_and_storms_are_dated_by_the_change_point_and_shaped_from_onset() {
    let (s, scans) = run(Condition::LongIncidents, 13);
    assert_eq!(s.incidents, CASES);
    assert!(s.detected * 100 >= s.incidents * 96, "missed: {:?}", missed(&scans));
    assert_eq!(s.false_incidents, 0, "{:?}", false_ones(&scans));
    assert!(s.classified * 100 >= s.detected * 95, "{s:?}");
    assert!(median_of(&s.onset_errors_min) <= 15.0, "{:?}", s.onset_errors_min);
    assert!(max(&s.onset_errors_min) <= 60.0, "{:?}", s.onset_errors_min);
}

#[test]
fn irregular_sampling_gaps_duplicates_and_timestamp_spellings_give_the_same_answer() {
    let (s, scans) = run(Condition::IrregularSampling, 14);
    assert_eq!(s.incidents, CASES);
    assert_eq!(s.detected, s.incidents, "missed: {:?}", missed(&scans));
    assert_eq!(s.false_incidents, 0, "{:?}", false_ones(&scans));
    assert!(s.classified * 100 >= s.detected * 95, "{s:?}");
    assert!(median_of(&s.onset_errors_min) <= 3.0, "{:?}", s.onset_errors_min);
    assert!(max(&s.onset_errors_min) <= 10.0, "{:?}", s.onset_errors_min);
}

#[test]
fn blips_glitches_and_fixing_deploys_open_no_incident_and_say_why() {
    let (s, scans) = run(Condition::Blips, 15);
    assert_eq!(s.false_incidents, 0, "{:?}", false_ones(&scans));
    let bumps: Vec<_> = scans
        .iter()
        .filter(|(label, _, _)| label.contains("CPU bump"))
        .collect();
    let explained = bumps
        .iter()
        .filter(|(_, _, scan)| scan.not_flagged.iter().any(|n| matches!(n, NotFlagged::Blip { .. })))
        .count();
    assert!(
        explained * 10 >= bumps.len() * 9,
        "{explained} of {} bumps named a blip",
        bumps.len()
    );
    assert!(bumps.iter().any(|(_, _, scan)| scan.decision.contains("blip")));
}

#[test]
fn a_silent_service_is_a_finding_and_too_little_data_cannot_be_judged() {
    let (s, scans) = run(Condition::StoppedReporting, 16);
    assert_eq!(s.false_incidents, 0, "{:?}", false_ones(&scans));
    assert_eq!(s.findings, CASES);
    assert_eq!(
        s.findings_reported,
        s.findings,
        "{:?}",
        scans.iter().map(|x| &x.2.decision).collect::<Vec<_>>()
    );
    for (_, expect, scan) in &scans {
        match expect {
            Expect::CannotJudge => assert!(scan.decision.starts_with("Cannot judge: "), "{}", scan.decision),
            Expect::Stopped(service) => assert!(scan
                .decision
                .contains(&format!("{} stopped reporting", service.as_str()))),
            _ => unreachable!(),
        }
    }
}

fn missed(scans: &[(String, Expect, quantumstate_core::agents::cassandra::Scan)]) -> Vec<String> {
    scans
        .iter()
        .filter(|(_, e, scan)| matches!(e, Expect::Incident { .. }) && scan.detection.is_none())
        .map(|(label, _, scan)| format!("{label}: {}", scan.decision))
        .collect()
}

fn false_ones(scans: &[(String, Expect, quantumstate_core::agents::cassandra::Scan)]) -> Vec<String> {
    scans
        .iter()
        .filter(|(_, e, scan)| match (e, &scan.detection) {
            (Expect::Incident { service, .. }, Some(d)) => d.service != service.as_str(),
            (_, Some(_)) => !matches!(e, Expect::Incident { .. }),
            _ => false,
        })
        .map(|(label, _, scan)| format!("{label}: {}", scan.decision))
        .collect()
}
