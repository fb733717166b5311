//! Condition families: generated telemetry with the properties of real
//! production data that our scenario simulator does not have (integer error
//! counts, days of history with a daily rhythm and a nightly batch job, hours-old
//! incidents, irregular sampling, blips, services that stop reporting). Each
//! family varies seeds, services, intervals and amplitudes; every case says
//! what a correct detector should conclude.

use crate::model::{AnomalyType, MetricDoc, MetricType, Service};
use crate::sim::rng::SimRng;
use chrono::{DateTime, TimeDelta, Timelike, Utc};

/// A property of real telemetry, one family of cases each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    IntegerCounts,
    DailyRhythm,
    LongIncidents,
    IrregularSampling,
    Blips,
    StoppedReporting,
}

impl Condition {
    pub const ALL: [Condition; 6] = [
        Condition::IntegerCounts,
        Condition::DailyRhythm,
        Condition::LongIncidents,
        Condition::IrregularSampling,
        Condition::Blips,
        Condition::StoppedReporting,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::IntegerCounts => "integer-error-counts",
            Condition::DailyRhythm => "daily-rhythm-and-batch-job",
            Condition::LongIncidents => "multi-hour-leaks-and-storms",
            Condition::IrregularSampling => "irregular-sampling",
            Condition::Blips => "blips-and-fixing-deploys",
            Condition::StoppedReporting => "stopped-reporting-or-too-short",
        }
    }
}

/// What a correct scan concludes on a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// An incident on this service, starting then, of this class.
    Incident {
        service: Service,
        onset: DateTime<Utc>,
        class: AnomalyType,
    },
    /// Healthy: no incident at all.
    Nothing,
    /// This service stopped reporting (a finding, not an incident).
    Stopped(Service),
    /// Too little data to judge: the scan must say so.
    CannotJudge,
}

/// One generated case: documents (possibly unsorted, duplicated) and "now".
#[derive(Debug, Clone)]
pub struct Case {
    pub label: String,
    pub docs: Vec<MetricDoc>,
    pub now: DateTime<Utc>,
    pub expect: Expect,
}

/// Poisson draw (Knuth for small rates, normal approximation above 30).
pub fn poisson(rng: &mut SimRng, rate: f64) -> f64 {
    if rate <= 0.0 {
        return 0.0;
    }
    if rate > 30.0 {
        return (rate + rate.sqrt() * rng.normal()).round().max(0.0);
    }
    let limit = (-rate).exp();
    let mut k = 0.0;
    let mut p = rng.uniform();
    while p > limit {
        k += 1.0;
        p *= rng.uniform();
    }
    k
}

/// Healthy level and AR(1) noise of a metric.
fn level(metric: MetricType, service: Service) -> (f64, f64) {
    healthy_level(metric, f64::from(service as u8))
}

/// Healthy level and AR(1) noise of a metric on the `shift`-th service of a
/// generated family (also used by the core's family tests).
pub fn healthy_level(metric: MetricType, shift: f64) -> (f64, f64) {
    match metric {
        MetricType::MemoryPercent => (47.0 + 2.0 * shift, 1.2),
        MetricType::CpuPercent => (30.0 + 2.0 * shift, 2.5),
        MetricType::ErrorRate => (0.3, 0.1),
        MetricType::RequestLatencyMs => (110.0 + 10.0 * shift, 7.0),
        MetricType::RequestsPerMin => (700.0 + 40.0 * shift, 18.0),
    }
}

/// Shape of a case's series; `fault` returns the value to add (or replace) at a time.
struct SeriesSpec<'a> {
    service: Service,
    metric: MetricType,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    interval_secs: i64,
    /// Integer counts per interval (Poisson) instead of an AR(1) float.
    counts: bool,
    /// Relative daily rhythm amplitude (peak in the evening).
    rhythm: f64,
    fault: &'a dyn Fn(DateTime<Utc>, f64) -> f64,
}

fn daily(at: DateTime<Utc>) -> f64 {
    let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
    (std::f64::consts::TAU * (hour - 13.0) / 24.0).sin()
}

fn push_series(rng: &mut SimRng, docs: &mut Vec<MetricDoc>, spec: &SeriesSpec) {
    let (mean, sigma) = level(spec.metric, spec.service);
    let mut state = 0.0;
    let mut at = spec.start;
    while at <= spec.end {
        let base = mean * (1.0 + spec.rhythm * daily(at));
        let value = if spec.counts {
            poisson(rng, (spec.fault)(at, base.max(0.0)))
        } else {
            state = 0.6 * state + rng.normal() * sigma * 0.8;
            let v = (spec.fault)(at, base + state);
            if spec.metric == MetricType::ErrorRate {
                v.max(0.02)
            } else {
                v.max(0.0)
            }
        };
        docs.push(MetricDoc {
            timestamp: at,
            service: spec.service.as_str().into(),
            region: spec.service.region().into(),
            metric_type: spec.metric.as_str().into(),
            value: (value * 1000.0).round() / 1000.0,
            unit: spec.metric.unit().into(),
        });
        at += TimeDelta::seconds(spec.interval_secs);
    }
}

fn none(_: DateTime<Utc>, v: f64) -> f64 {
    v
}

/// Three services with all five metrics; the `target` metric of `services[0]` gets `fault`.
#[allow(clippy::too_many_arguments)]
fn platform(
    rng: &mut SimRng,
    services: [Service; 3],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    interval_secs: i64,
    counts: bool,
    rhythm: f64,
    target: MetricType,
    fault: &dyn Fn(DateTime<Utc>, f64) -> f64,
) -> Vec<MetricDoc> {
    let mut docs = Vec::new();
    for (i, service) in services.into_iter().enumerate() {
        for metric in MetricType::ALL {
            let faulty = i == 0 && metric == target;
            let spec = SeriesSpec {
                service,
                metric,
                start,
                end,
                interval_secs,
                counts: counts && metric == MetricType::ErrorRate,
                rhythm: match metric {
                    MetricType::RequestsPerMin => rhythm,
                    MetricType::CpuPercent | MetricType::RequestLatencyMs => rhythm * 0.8,
                    _ => 0.0,
                },
                fault: if faulty { fault } else { &none },
            };
            push_series(rng, &mut docs, &spec);
        }
    }
    docs
}

fn services(i: usize) -> [Service; 3] {
    let all = Service::ALL;
    [all[i % 4], all[(i + 1) % 4], all[(i + 2) % 4]]
}

fn minute(at: DateTime<Utc>, minutes: f64) -> DateTime<Utc> {
    at + TimeDelta::seconds((minutes * 60.0).round() as i64)
}

/// `count` cases of `condition`, reproducible from `seed`.
pub fn family(condition: Condition, count: usize, seed: u64, anchor: DateTime<Utc>) -> Vec<Case> {
    (0..count)
        .map(|i| {
            let mut rng = SimRng::new(seed.wrapping_add(i as u64), 77 + condition as u64);
            let now = anchor + TimeDelta::minutes(53 * i as i64);
            case(condition, i, &mut rng, now)
        })
        .collect()
}

fn case(condition: Condition, i: usize, rng: &mut SimRng, now: DateTime<Utc>) -> Case {
    let svc = services(i);
    let interval = [10, 15, 30, 60][i % 4];
    match condition {
        Condition::IntegerCounts => {
            // Errors per minute as integers: mostly 0, a stray 1 or 2.
            let start = now - TimeDelta::hours(3);
            let quiet = rng.range(0.02, 0.6);
            let healthy = i % 3 == 2;
            let onset = minute(now, -rng.range(15.0, 50.0));
            let storm = rng.range(4.0, 20.0);
            let fault = move |at: DateTime<Utc>, _: f64| if !healthy && at >= onset { storm } else { quiet };
            let docs = platform(rng, svc, start, now, 60, true, 0.0, MetricType::ErrorRate, &fault);
            Case {
                label: format!("{} errors {quiet:.2}/min → {storm:.1}/min", svc[0].as_str()),
                docs,
                now,
                expect: if healthy {
                    Expect::Nothing
                } else {
                    Expect::Incident {
                        service: svc[0],
                        onset,
                        class: AnomalyType::ErrorSpikeSudden,
                    }
                },
            }
        }
        Condition::DailyRhythm => {
            // Two days at 60 s: an evening peak and a nightly batch job (CPU,
            // memory, latency up for ~45 min at the same hour every day).
            // "Now" is inside today's batch job or at the evening peak.
            let batch_hour = i64::try_from(i % 4).unwrap_or(0) + 1;
            let day = now
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map(|d| d.and_utc())
                .unwrap_or(now);
            let now = if i.is_multiple_of(2) {
                day + TimeDelta::hours(batch_hour) + TimeDelta::minutes(10 + (i as i64 % 25))
            } else {
                day + TimeDelta::hours(19) + TimeDelta::minutes(i as i64 % 50)
            };
            let start = now - TimeDelta::hours(50);
            let lift = rng.range(20.0, 35.0);
            let in_batch = move |at: DateTime<Utc>| {
                let h = i64::from(at.hour()) * 60 + i64::from(at.minute());
                (batch_hour * 60..batch_hour * 60 + 45).contains(&h)
            };
            let amplitude = rng.range(0.2, 0.35);
            let mut docs = Vec::new();
            for (k, service) in svc.into_iter().take(2).enumerate() {
                for metric in [
                    MetricType::CpuPercent,
                    MetricType::MemoryPercent,
                    MetricType::RequestsPerMin,
                ] {
                    let batch = move |at: DateTime<Utc>, v: f64| {
                        if k == 0 && in_batch(at) {
                            match metric {
                                MetricType::CpuPercent => v + lift,
                                MetricType::MemoryPercent => v + lift / 3.0,
                                _ => v,
                            }
                        } else {
                            v
                        }
                    };
                    let spec = SeriesSpec {
                        service,
                        metric,
                        start,
                        end: now,
                        interval_secs: 60,
                        counts: false,
                        rhythm: if metric == MetricType::MemoryPercent {
                            0.0
                        } else {
                            amplitude
                        },
                        fault: &batch,
                    };
                    push_series(rng, &mut docs, &spec);
                }
            }
            Case {
                label: format!(
                    "{} batch at {batch_hour:02}:00, now {}",
                    svc[0].as_str(),
                    crate::time::hm(now)
                ),
                docs,
                now,
                expect: Expect::Nothing,
            }
        }
        Condition::LongIncidents => {
            let start = now - TimeDelta::hours(9);
            if i.is_multiple_of(2) {
                // A leak ramping for 3–5 hours, still below the 80% alarm.
                let hours = rng.range(3.0, 5.0);
                let onset = minute(now, -hours * 60.0);
                let rate = rng.range(16.0, 26.0) / (hours * 60.0);
                let fault =
                    move |at: DateTime<Utc>, v: f64| v + ((at - onset).num_seconds() as f64 / 60.0).max(0.0) * rate;
                let docs = platform(rng, svc, start, now, 30, false, 0.0, MetricType::MemoryPercent, &fault);
                Case {
                    label: format!("{} leak {:.3}%/min for {hours:.1} h", svc[0].as_str(), rate),
                    docs,
                    now,
                    expect: Expect::Incident {
                        service: svc[0],
                        onset,
                        class: AnomalyType::MemoryLeakProgressive,
                    },
                }
            } else {
                // An error storm that began 2–6 hours ago and still rages.
                let onset = minute(now, -rng.range(120.0, 360.0));
                let storm = rng.range(4.0, 15.0);
                let fault = move |at: DateTime<Utc>, v: f64| if at >= onset { v + storm } else { v };
                let docs = platform(rng, svc, start, now, 30, false, 0.0, MetricType::ErrorRate, &fault);
                Case {
                    label: format!(
                        "{} error storm +{storm:.1}/min since {}",
                        svc[0].as_str(),
                        crate::time::hm(onset)
                    ),
                    docs,
                    now,
                    expect: Expect::Incident {
                        service: svc[0],
                        onset,
                        class: AnomalyType::ErrorSpikeSudden,
                    },
                }
            }
        }
        Condition::IrregularSampling => irregular(i, rng, now, svc, interval),
        Condition::Blips => {
            let start = now - TimeDelta::hours(3);
            let at = minute(now, -rng.range(12.0, 45.0));
            let kind = i % 3;
            let amp = rng.range(25.0, 40.0);
            let (metric, label): (MetricType, &str) = match kind {
                0 => (MetricType::CpuPercent, "2-minute CPU bump during a rollout"),
                1 => (MetricType::RequestLatencyMs, "one-sample latency glitch"),
                _ => (MetricType::ErrorRate, "errors fall after a fixing deploy"),
            };
            let fault = move |t: DateTime<Utc>, v: f64| match kind {
                0 if t >= at && t < at + TimeDelta::minutes(2) => v + amp,
                1 if t >= at && t < at + TimeDelta::seconds(interval) => v * 5.0,
                2 if t < at => v + amp / 8.0,
                _ => v,
            };
            let docs = platform(rng, svc, start, now, interval, false, 0.0, metric, &fault);
            Case {
                label: format!("{} {label} at {}", svc[0].as_str(), crate::time::hm(at)),
                docs,
                now,
                expect: Expect::Nothing,
            }
        }
        Condition::StoppedReporting => {
            if i % 3 == 2 {
                // Ten minutes of data, or "now" an hour before the data begins.
                let short = i.is_multiple_of(2);
                let start = if short {
                    now - TimeDelta::minutes(10)
                } else {
                    now + TimeDelta::hours(1)
                };
                let end = start + TimeDelta::minutes(if short { 10 } else { 180 });
                let docs = platform(
                    rng,
                    svc,
                    start,
                    end,
                    interval,
                    false,
                    0.0,
                    MetricType::CpuPercent,
                    &none,
                );
                return Case {
                    label: if short {
                        "10 minutes of data".into()
                    } else {
                        "now before the data".into()
                    },
                    docs,
                    now,
                    expect: Expect::CannotJudge,
                };
            }
            let start = now - TimeDelta::hours(3);
            let stop = minute(now, -rng.range(10.0, 40.0));
            let mut docs = platform(
                rng,
                svc,
                start,
                now,
                interval,
                false,
                0.0,
                MetricType::CpuPercent,
                &none,
            );
            let gone = svc[0].as_str();
            docs.retain(|d| d.service != gone || d.timestamp < stop);
            Case {
                label: format!("{gone} silent since {}", crate::time::hm(stop)),
                docs,
                now,
                expect: Expect::Stopped(svc[0]),
            }
        }
    }
}

/// An incident of the usual kind, sampled every 10–60 s with gaps, duplicates,
/// shuffled order and mixed timestamp spellings (round-tripped through NDJSON).
fn irregular(i: usize, rng: &mut SimRng, now: DateTime<Utc>, svc: [Service; 3], interval: i64) -> Case {
    let start = now - TimeDelta::hours(3);
    let onset = minute(now, -rng.range(20.0, 50.0));
    let leak = i.is_multiple_of(2);
    let amp = rng.range(0.8, 1.6);
    let fault = move |at: DateTime<Utc>, v: f64| {
        let minutes = ((at - onset).num_seconds() as f64 / 60.0).max(0.0);
        match (leak, at >= onset) {
            (true, true) => v + amp * 0.8 * minutes,
            (false, true) => v + amp * 8.0,
            _ => v,
        }
    };
    let metric = if leak {
        MetricType::MemoryPercent
    } else {
        MetricType::ErrorRate
    };
    let mut docs = platform(rng, svc, start, now, interval, false, 0.0, metric, &fault);
    // Gaps of 2–8 minutes, away from the onset.
    for _ in 0..3 {
        let from = minute(start, rng.range(10.0, 130.0));
        let to = minute(from, rng.range(2.0, 8.0));
        if to < onset - TimeDelta::minutes(5) {
            docs.retain(|d| d.timestamp < from || d.timestamp >= to);
        }
    }
    let duplicates: Vec<MetricDoc> = docs.iter().filter(|_| rng.chance(0.05)).cloned().collect();
    docs.extend(duplicates);
    for k in (1..docs.len()).rev() {
        let j = rng.below(k as u64 + 1) as usize;
        docs.swap(k, j);
    }
    // Spell each timestamp one of three ways and read them back as a user's NDJSON would be.
    let text: String = docs
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            let ts = match k % 3 {
                0 => d.timestamp.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                1 => d.timestamp.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                _ => d.timestamp.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            };
            v["@timestamp"] = serde_json::Value::String(ts);
            format!("{v}\n")
        })
        .collect();
    let (docs, _bad) = crate::ingest::ndjson::<MetricDoc>(&text);
    Case {
        label: format!(
            "{} {} every {interval} s with gaps and duplicates",
            svc[0].as_str(),
            if leak { "leak" } else { "error step" }
        ),
        docs,
        now,
        expect: Expect::Incident {
            service: svc[0],
            onset,
            class: if leak {
                AnomalyType::MemoryLeakProgressive
            } else {
                AnomalyType::ErrorSpikeSudden
            },
        },
    }
}
