//! The page's side of the worker's batches: metric columns back into
//! documents (only the metric types the agents know are kept for the store),
//! logs and incidents from JSON, and what the data spans.

use crate::view_model::{OwnRun, ServiceSummary};
use chrono::DateTime;
use quantumstate_core::{IncidentDoc, LogDoc, MetricDoc, MetricType, Service};
use std::collections::BTreeMap;

/// The services of `series` (service, metric type), catalogue ones first,
/// each with the metric types the agents judge and those they do not.
pub fn services<'a>(series: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<ServiceSummary> {
    let mut by: BTreeMap<(bool, &str), ServiceSummary> = BTreeMap::new();
    for (service, metric_type) in series {
        let in_catalogue = Service::parse(service).is_some();
        let entry = by.entry((!in_catalogue, service)).or_insert_with(|| ServiceSummary {
            service: service.to_string(),
            in_catalogue,
            known: Vec::new(),
            unknown: Vec::new(),
        });
        match MetricType::parse(metric_type) {
            Some(m) if !entry.known.contains(&m) => entry.known.push(m),
            None if !entry.unknown.iter().any(|u| u == metric_type) => entry.unknown.push(metric_type.to_string()),
            _ => {}
        }
    }
    by.into_values().collect()
}

/// At most this many reading intervals are kept to estimate the spacing.
const INTERVAL_SAMPLES: usize = 4096;

struct Series {
    service: String,
    region: String,
    metric_type: String,
    unit: String,
    known: Option<MetricType>,
    last_ms: Option<i64>,
}

/// Everything the batches of one reading job added up to.
#[derive(Default)]
pub struct Collector {
    series: Vec<Series>,
    intervals: Vec<i64>,
    span: Option<(i64, i64)>,
    /// Metric documents of known types (the ones written).
    pub metrics: usize,
    /// Metric documents of types the agents do not know (not written).
    pub not_judged: usize,
    pub logs: usize,
    pub incidents: usize,
}

impl Collector {
    /// A metrics batch: `keys` names the series first seen in it, then the columns.
    pub fn metrics(&mut self, keys: &str, t: &[f64], v: &[f64], s: &[u32]) -> Result<Vec<MetricDoc>, String> {
        let fresh: Vec<[String; 4]> = serde_json::from_str(keys).map_err(|e| e.to_string())?;
        for [service, region, metric_type, unit] in fresh {
            self.series.push(Series {
                known: MetricType::parse(&metric_type),
                service,
                region,
                metric_type,
                unit,
                last_ms: None,
            });
        }
        let mut docs = Vec::with_capacity(t.len());
        for ((ms, value), id) in t.iter().zip(v).zip(s) {
            let Some(series) = self.series.get_mut(*id as usize) else {
                return Err(format!("series {id} was never named"));
            };
            let ms = *ms as i64;
            if series.known.is_none() {
                self.not_judged += 1;
                continue;
            }
            if let Some(last) = series.last_ms {
                if ms > last && self.intervals.len() < INTERVAL_SAMPLES {
                    self.intervals.push(ms - last);
                }
            }
            series.last_ms = Some(ms);
            let Some(timestamp) = DateTime::from_timestamp_millis(ms) else {
                continue;
            };
            self.span = Some(self.span.map_or((ms, ms), |(a, b)| (a.min(ms), b.max(ms))));
            docs.push(MetricDoc {
                timestamp,
                service: series.service.clone(),
                region: series.region.clone(),
                metric_type: series.metric_type.clone(),
                value: *value,
                unit: series.unit.clone(),
            });
        }
        self.metrics += docs.len();
        Ok(docs)
    }

    pub fn logs(&mut self, json: &str) -> Result<Vec<LogDoc>, String> {
        let docs: Vec<LogDoc> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        self.logs += docs.len();
        Ok(docs)
    }

    pub fn incidents(&mut self, json: &str) -> Result<Vec<IncidentDoc>, String> {
        let docs: Vec<IncidentDoc> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        self.incidents += docs.len();
        Ok(docs)
    }

    /// The services found, catalogue ones first, each with what can be judged.
    pub fn services(&self) -> Vec<ServiceSummary> {
        services(self.series.iter().map(|s| (s.service.as_str(), s.metric_type.as_str())))
    }

    /// What the analysis is about, or why there is nothing the agents can judge.
    pub fn summary(&self, source: String) -> Result<OwnRun, String> {
        let services = self.services();
        let Some((start, end)) = self.span else {
            if services.is_empty() {
                return Err("Nothing to analyse: none of the files holds readable metrics (the agents start from metrics; logs alone cannot be judged).".into());
            }
            let unknown: Vec<String> = services.iter().flat_map(|s| s.unknown.clone()).collect();
            return Err(format!(
                "Nothing in your data can be judged: its metric types ({}) are none of those the agents know ({}).",
                unknown.join(", "),
                MetricType::ALL.map(|m| m.as_str()).join(", ")
            ));
        };
        let mut intervals = self.intervals.clone();
        intervals.sort_unstable();
        let interval_ms = intervals.get(intervals.len() / 2).copied().unwrap_or(60_000);
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
        Ok(OwnRun {
            source,
            metrics: self.metrics,
            logs: self.logs,
            start: at(start),
            end: at(end),
            interval_secs: (interval_ms / 1000).max(1),
            services,
        })
    }
}
