//! The embedded store: ordered maps behind a mutex, no I/O.

use super::*;
use crate::model::Document;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct Inner {
    /// (service, metric_type) → millis → reading.
    metrics: BTreeMap<SeriesKey, BTreeMap<i64, MetricDoc>>,
    /// (millis, id) → line, so a window is one range scan.
    logs: BTreeMap<(i64, String), LogDoc>,
    incidents: BTreeMap<String, IncidentDoc>,
    decisions: BTreeMap<String, StoredDecision>,
}

/// An audit record as kept: its `context` as compact JSON text, about a
/// quarter of the memory of the parsed value. The audit trail only grows.
struct StoredDecision {
    /// The record with `context` left null.
    doc: DecisionDoc,
    context: String,
}

impl StoredDecision {
    fn new(doc: &DecisionDoc) -> Self {
        StoredDecision {
            doc: DecisionDoc {
                context: serde_json::Value::Null,
                ..doc.clone()
            },
            context: doc.context.to_string(),
        }
    }

    fn restore(&self) -> DecisionDoc {
        DecisionDoc {
            // Written by `to_string` above: it parses back.
            context: serde_json::from_str(&self.context).unwrap_or_default(),
            ..self.doc.clone()
        }
    }
}

/// Audit records the embedded store keeps: the newest this many (the app says
/// so above its audit trail). Each is a few KB; uncapped, a page left running
/// "Run all" would grow without bound.
pub const DECISIONS_KEPT: usize = 1_000;

/// The embedded in-memory store: the default, needs no set-up.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a
        // way that matters more than losing them, so carry on with the data.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn millis_range(window: TimeWindow) -> std::ops::Range<i64> {
    window.start.timestamp_millis()..window.end.timestamp_millis().max(window.start.timestamp_millis())
}

fn matching_logs<'a>(inner: &'a Inner, query: &'a LogQuery) -> impl Iterator<Item = &'a LogDoc> + 'a {
    let range = millis_range(query.window);
    inner
        .logs
        .range((range.start, String::new())..(range.end, String::new()))
        .map(|(_, d)| d)
        .filter(|d| d.level >= query.min_level)
        .filter(|d| query.service.as_deref().is_none_or(|s| d.service == s))
        .filter(|d| query.matches_words(&d.message))
}

impl Store for MemoryStore {
    async fn write_metrics(&self, docs: &[MetricDoc]) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        for doc in docs {
            inner
                .metrics
                .entry(SeriesKey::new(&doc.service, &doc.metric_type))
                .or_default()
                .insert(doc.timestamp.timestamp_millis(), doc.clone());
        }
        Ok(docs.len() as u64)
    }

    async fn write_logs(&self, docs: &[LogDoc]) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        for doc in docs {
            inner
                .logs
                .insert((doc.timestamp.timestamp_millis(), doc.doc_id()), doc.clone());
        }
        Ok(docs.len() as u64)
    }

    async fn write_incidents(&self, docs: &[IncidentDoc]) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        for doc in docs {
            inner.incidents.insert(doc.doc_id(), doc.clone());
        }
        Ok(docs.len() as u64)
    }

    async fn append_decision(&self, doc: &DecisionDoc, _: Visible) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.decisions.insert(doc.doc_id(), StoredDecision::new(doc));
        if inner.decisions.len() > DECISIONS_KEPT {
            // The oldest goes (the order `decisions` lists them in, reversed).
            let oldest = inner
                .decisions
                .iter()
                .min_by(|(_, a), (_, b)| (a.doc.timestamp, &a.doc.agent).cmp(&(b.doc.timestamp, &b.doc.agent)))
                .map(|(id, _)| id.clone());
            if let Some(id) = oldest {
                inner.decisions.remove(&id);
            }
        }
        Ok(())
    }

    async fn series_keys(&self, window: TimeWindow) -> Result<Vec<SeriesKey>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .metrics
            .iter()
            .filter(|(_, points)| points.range(millis_range(window)).next().is_some())
            .map(|(key, _)| key.clone())
            .collect())
    }

    async fn metric_series(
        &self,
        key: &SeriesKey,
        window: TimeWindow,
        bucket: TimeDelta,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        let inner = self.lock();
        let Some(points) = inner.metrics.get(key) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<(SeriesPoint, f64)> = Vec::new();
        for doc in points.range(millis_range(window)).map(|(_, d)| d) {
            let at = bucket_start(doc.timestamp, bucket);
            match out.last_mut() {
                Some((p, sum)) if p.at == at => {
                    p.count += 1;
                    p.min = p.min.min(doc.value);
                    p.max = p.max.max(doc.value);
                    *sum += doc.value;
                }
                _ => out.push((
                    SeriesPoint {
                        at,
                        avg: 0.0,
                        min: doc.value,
                        max: doc.value,
                        count: 1,
                    },
                    doc.value,
                )),
            }
        }
        Ok(out
            .into_iter()
            .map(|(mut p, sum)| {
                p.avg = sum / p.count as f64;
                p
            })
            .collect())
    }

    async fn metric_stats(&self, key: &SeriesKey, window: TimeWindow) -> Result<Option<MetricStats>, StoreError> {
        let inner = self.lock();
        let Some(points) = inner.metrics.get(key) else {
            return Ok(None);
        };
        let values: Vec<f64> = points.range(millis_range(window)).map(|(_, d)| d.value).collect();
        if values.is_empty() {
            return Ok(None);
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Ok(Some(MetricStats {
            count: values.len() as u64,
            mean,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            std_dev: var.sqrt(),
        }))
    }

    async fn metric_time_range(&self) -> Result<Option<DataSpan>, StoreError> {
        let inner = self.lock();
        let first = inner
            .metrics
            .values()
            .filter_map(|p| p.values().next())
            .map(|d| d.timestamp)
            .min();
        let last = inner
            .metrics
            .values()
            .filter_map(|p| p.values().next_back())
            .map(|d| d.timestamp)
            .max();
        Ok(first.zip(last))
    }

    async fn logs(&self, query: &LogQuery) -> Result<Vec<LogDoc>, StoreError> {
        let inner = self.lock();
        Ok(matching_logs(&inner, query).take(query.limit).cloned().collect())
    }

    async fn count_logs(&self, query: &LogQuery) -> Result<u64, StoreError> {
        let inner = self.lock();
        Ok(matching_logs(&inner, query).count() as u64)
    }

    async fn error_codes(&self, service: &str, window: TimeWindow) -> Result<Vec<ErrorCodeCount>, StoreError> {
        let inner = self.lock();
        let range = millis_range(window);
        let mut codes: HashMap<&str, ErrorCodeCount> = HashMap::new();
        for doc in inner
            .logs
            .range((range.start, String::new())..(range.end, String::new()))
            .map(|(_, d)| d)
        {
            let Some(code) = doc.error_code.as_deref().filter(|_| doc.service == service) else {
                continue;
            };
            let entry = codes.entry(code).or_insert_with(|| ErrorCodeCount {
                code: code.to_string(),
                count: 0,
                first_seen: doc.timestamp,
                last_seen: doc.timestamp,
            });
            entry.count += 1;
            entry.first_seen = entry.first_seen.min(doc.timestamp);
            entry.last_seen = entry.last_seen.max(doc.timestamp);
        }
        let mut out: Vec<ErrorCodeCount> = codes.into_values().collect();
        crate::order::sort_by(&mut out, |a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
        Ok(out)
    }

    async fn incidents(&self, query: &IncidentQuery) -> Result<Vec<IncidentDoc>, StoreError> {
        let inner = self.lock();
        // Sort references and copy only what is returned: the history grows with every run.
        let mut out: Vec<&IncidentDoc> = inner
            .incidents
            .values()
            .filter(|d| query.service.as_deref().is_none_or(|s| d.service == s))
            .filter(|d| query.anomaly_type.as_deref().is_none_or(|t| d.anomaly_type == t))
            .collect();
        crate::order::sort_by(&mut out, |a, b| b.timestamp.cmp(&a.timestamp));
        let limit = if query.limit == 0 { usize::MAX } else { query.limit };
        Ok(out.into_iter().take(limit).cloned().collect())
    }

    async fn decisions(&self, limit: usize) -> Result<Vec<DecisionDoc>, StoreError> {
        let inner = self.lock();
        // The audit trail only grows: copy the newest `limit`, not every record.
        let mut out: Vec<&StoredDecision> = inner.decisions.values().collect();
        crate::order::sort_by(&mut out, |a, b| {
            (b.doc.timestamp.cmp(&a.doc.timestamp)).then_with(|| b.doc.agent.cmp(&a.doc.agent))
        });
        Ok(out.into_iter().take(limit).map(StoredDecision::restore).collect())
    }

    async fn counts(&self) -> Result<IndexCounts, StoreError> {
        let inner = self.lock();
        Ok(IndexCounts {
            metrics: inner.metrics.values().map(|p| p.len() as u64).sum(),
            logs: inner.logs.len() as u64,
            incidents: inner.incidents.len() as u64,
            decisions: inner.decisions.len() as u64,
        })
    }

    async fn clear_telemetry(&self) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.metrics.clear();
        inner.logs.clear();
        Ok(())
    }

    /// A write here cannot fail part-way, so the old telemetry goes first and
    /// no id is formatted to tell old from new (what a click saves: see the
    /// `replace` benchmark).
    async fn replace_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<u64, StoreError> {
        self.clear_telemetry().await?;
        self.write_telemetry(metrics, logs, progress).await
    }

    async fn prune_telemetry(&self, keep: &KeepIds) -> Result<(), StoreError> {
        let metrics: std::collections::HashSet<&str> = keep.metrics.iter().map(String::as_str).collect();
        let logs: std::collections::HashSet<&str> = keep.logs.iter().map(String::as_str).collect();
        let mut inner = self.lock();
        inner.metrics.retain(|_, points| {
            points.retain(|_, doc| metrics.contains(doc.doc_id().as_str()));
            !points.is_empty()
        });
        inner.logs.retain(|(_, id), _| logs.contains(id.as_str()));
        Ok(())
    }
}
