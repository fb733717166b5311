//! A daily rhythm seen through 2–24 hours of history: too little for a
//! time-of-day profile, enough for the change-point search. Traffic that falls
//! through the evening and climbs in the morning, with CPU and latency
//! following it, is not an incident. One generated family of 60 cases (seeds,
//! services, intervals 15–60 s, amplitudes, every phase of the day).

use chrono::{DateTime, TimeDelta, TimeZone, Timelike, Utc};
use quantumstate_core::agents::AgentConfig;
use quantumstate_core::eval::condition_score::scan_case;
use quantumstate_core::eval::conditions::{healthy_level, Case, Expect};
use quantumstate_core::model::{MetricDoc, MetricType, Service};
use quantumstate_core::sim::rng::SimRng;

const CASES: usize = 60;

/// A case: `hours` of history ending at `now`, traffic peaking at `peak_hour`.
fn case(i: usize, rng: &mut SimRng, now: DateTime<Utc>) -> Case {
    let hours = 2.0 + (i % 23) as f64;
    let interval = [15, 30, 60][i % 3];
    let amplitude = rng.range(0.2, 0.45);
    let peak_hour = rng.range(14.0, 21.0);
    let services: Vec<Service> = (0..3).map(|k| Service::ALL[(i + k) % 4]).collect();
    let start = now - TimeDelta::seconds((hours * 3600.0) as i64);
    let mut docs = Vec::new();
    for (k, service) in services.iter().enumerate() {
        for metric in MetricType::ALL {
            let (mean, sigma) = healthy_level(metric, k as f64);
            let swing = match metric {
                MetricType::RequestsPerMin => amplitude,
                MetricType::CpuPercent | MetricType::RequestLatencyMs => 0.8 * amplitude,
                _ => 0.0,
            };
            let mut state = 0.0;
            let mut at = start;
            while at <= now {
                let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0 + f64::from(at.second()) / 3600.0;
                let daily = (std::f64::consts::TAU * (hour - peak_hour + 6.0) / 24.0).sin();
                state = 0.6 * state + rng.normal() * sigma * 0.8;
                let value = (mean * (1.0 + swing * daily) + state).max(0.02);
                docs.push(MetricDoc {
                    timestamp: at,
                    service: service.as_str().into(),
                    region: service.region().into(),
                    metric_type: metric.as_str().into(),
                    value: (value * 1000.0).round() / 1000.0,
                    unit: metric.unit().into(),
                });
                at += TimeDelta::seconds(interval);
            }
        }
    }
    Case {
        label: format!(
            "{hours:.0} h of history at {interval} s, amplitude {amplitude:.2}, peak {peak_hour:.1} h, now {}",
            now.format("%H:%M")
        ),
        docs,
        now,
        expect: Expect::Nothing,
    }
}

#[test]
fn a_daily_rhythm_with_hours_of_history_is_not_an_incident() {
    let agents = AgentConfig::default();
    let anchor = Utc.with_ymd_and_hms(2026, 5, 4, 0, 0, 0).unwrap();
    let mut false_ones = Vec::new();
    for i in 0..CASES {
        let mut rng = SimRng::new(500 + i as u64, 91);
        // Every phase of the day: "now" moves by 1 h 37 min per case.
        let now = anchor + TimeDelta::minutes(97 * i as i64);
        let case = case(i, &mut rng, now);
        let scan = futures::executor::block_on(scan_case(&case, &agents)).unwrap();
        if let Some(d) = &scan.detection {
            false_ones.push(format!(
                "{}: {} {}: {}",
                case.label, d.service, d.primary.key.metric_type, scan.decision
            ));
        }
    }
    assert!(
        false_ones.is_empty(),
        "{} of {CASES} false incidents:\n{}",
        false_ones.len(),
        false_ones.join("\n")
    );
}
