//! Replacing the telemetry with a run's documents while writing only what the
//! store lacks. The simulator's healthy documents are a function of their own
//! timestamp (see [`crate::sim`]), so consecutive runs share most documents
//! under the same ids; a run checks which five-minute blocks the store already holds
//! exactly, writes the others, then deletes what is not part of the run.
//!
//! The check, per index, is one aggregation over the run's own ids: for logs
//! (whose ids hash their content) the count of the run's ids present per
//! service and block; for metrics (one id per series and timestamp) the same
//! count per series and block plus the sum of the values stored under them, so
//! a block holding another run's values under the same ids is rewritten.
//! What is not the run's is found by a search for every other id and deleted
//! by id in the write's tail, its last request, once every other chunk is
//! written: its refresh makes writes and deletions visible together, and an
//! index with nothing to change gets no request.

use super::query::MAX_HITS;
use super::{bulk, ElasticStore, Refresh, Transport};
use crate::model::{Document, Index, LogDoc, MetricDoc};
use crate::store::{bucket_start, KeepIds, StoreError};
use chrono::TimeDelta;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The unit whose presence is checked: five minutes of one series (metrics)
/// or of one service's logs. A block the store lacks in part is written whole,
/// so a run minutes after the last rewrites at most a block per series more
/// than it adds; a default run has ~850 blocks, one aggregation answers them.
pub const BLOCK_MINUTES: i64 = 5;
/// Past this many documents per index a run is written in full (the id lists
/// would make the checks larger than the writes they save).
pub const MAX_CHECKED_IDS: usize = 50_000;

/// What replacing the telemetry did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Documents written.
    pub written: u64,
    /// Documents the store already held exactly (not written again).
    pub kept: u64,
    /// Documents deleted because they are not part of the run.
    pub deleted: u64,
}

fn block() -> TimeDelta {
    TimeDelta::minutes(BLOCK_MINUTES)
}

fn ids_query(ids: &[String]) -> Value {
    json!({ "ids": { "values": ids } })
}

/// Per series and block: how many of `ids` are stored, and their values' sum.
pub fn metric_blocks(ids: &[String]) -> Value {
    json!({
        "size": 0,
        "query": ids_query(ids),
        "aggs": { "s": {
            "terms": { "field": "service", "size": 100 },
            "aggs": { "m": {
                "terms": { "field": "metric_type", "size": 100 },
                "aggs": { "b": {
                    "date_histogram": { "field": "@timestamp", "fixed_interval": format!("{BLOCK_MINUTES}m"), "min_doc_count": 1 },
                    "aggs": { "v": { "sum": { "field": "value" } } },
                } },
            } },
        } },
    })
}

/// Per service and block: how many of `ids` are stored.
pub fn log_blocks(ids: &[String]) -> Value {
    json!({
        "size": 0,
        "query": ids_query(ids),
        "aggs": { "s": {
            "terms": { "field": "service", "size": 100 },
            "aggs": { "b": {
                "date_histogram": { "field": "@timestamp", "fixed_interval": format!("{BLOCK_MINUTES}m"), "min_doc_count": 1 },
            } },
        } },
    })
}

/// The ids of (up to [`MAX_HITS`]) documents that are not among `ids`.
pub fn others(ids: &[String]) -> Value {
    let query = if ids.is_empty() {
        json!({ "match_all": {} })
    } else {
        json!({ "bool": { "must_not": [ids_query(ids)] } })
    };
    json!({ "size": MAX_HITS, "_source": false, "query": query })
}

/// (series or service, block start in ms) → (count, sum of values).
type Blocks = HashMap<(String, i64), (u64, f64)>;

fn buckets<'a>(v: &'a Value, pointer: &str) -> Result<&'a Vec<Value>, StoreError> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| StoreError::Malformed(format!("no {pointer} in a block check")))
}

fn key_str(bucket: &Value) -> String {
    bucket["key"].as_str().unwrap_or_default().to_string()
}

/// A date bucket's key, epoch milliseconds (some engines answer it as a float).
fn key_ms(bucket: &Value) -> i64 {
    let key = &bucket["key"];
    key.as_i64()
        .or_else(|| key.as_f64().map(|f| f as i64))
        .unwrap_or_default()
}

pub fn parse_metric_blocks(v: &Value) -> Result<Blocks, StoreError> {
    let mut out = Blocks::new();
    for s in buckets(v, "/aggregations/s/buckets")? {
        for m in buckets(s, "/m/buckets")? {
            let series = format!("{}/{}", key_str(s), key_str(m));
            for b in buckets(m, "/b/buckets")? {
                let at = key_ms(b);
                let count = b["doc_count"].as_u64().unwrap_or_default();
                let sum = b.pointer("/v/value").and_then(Value::as_f64).unwrap_or(f64::NAN);
                out.insert((series.clone(), at), (count, sum));
            }
        }
    }
    Ok(out)
}

pub fn parse_log_blocks(v: &Value) -> Result<Blocks, StoreError> {
    let mut out = Blocks::new();
    for s in buckets(v, "/aggregations/s/buckets")? {
        for b in buckets(s, "/b/buckets")? {
            let at = key_ms(b);
            let count = b["doc_count"].as_u64().unwrap_or_default();
            out.insert((key_str(s), at), (count, 0.0));
        }
    }
    Ok(out)
}

/// The ids found by [`others`], and whether they are all there are.
pub fn parse_others(v: &Value) -> Result<(Vec<String>, bool), StoreError> {
    let hits = buckets(v, "/hits/hits")?;
    let ids: Vec<String> = hits
        .iter()
        .filter_map(|h| h["_id"].as_str().map(str::to_string))
        .collect();
    let total = v.pointer("/hits/total/value").and_then(Value::as_u64);
    let exact = v
        .pointer("/hits/total/relation")
        .and_then(Value::as_str)
        .unwrap_or("eq")
        == "eq";
    let complete =
        ids.len() == hits.len() && exact && total.is_none_or(|t| t == ids.len() as u64) && ids.len() < MAX_HITS;
    Ok((ids, complete))
}

fn metric_block_key(d: &MetricDoc) -> (String, i64) {
    (
        format!("{}/{}", d.service, d.metric_type),
        bucket_start(d.timestamp, block()).timestamp_millis(),
    )
}

fn log_block_key(d: &LogDoc) -> (String, i64) {
    (d.service.clone(), bucket_start(d.timestamp, block()).timestamp_millis())
}

/// Whether a stored block's (count, sum) is the expected one. A float field
/// sums the values as float32 (Lucene), a stand-in may sum them as sent.
fn same(stored: Option<&(u64, f64)>, count: u64, sums: (f64, f64)) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + b.abs().sqrt());
    stored.is_some_and(|&(n, s)| n == count && (close(s, sums.0) || close(s, sums.1)))
}

/// The documents whose block the store does not hold exactly.
fn missing_metrics(docs: &[MetricDoc], stored: &Blocks) -> Vec<MetricDoc> {
    let mut expected: HashMap<(String, i64), (u64, f64, f64)> = HashMap::new();
    for d in docs {
        let e = expected.entry(metric_block_key(d)).or_default();
        e.0 += 1;
        e.1 += d.value;
        e.2 += f64::from(d.value as f32);
    }
    docs.iter()
        .filter(|d| {
            let key = metric_block_key(d);
            let (n, sent, float) = expected[&key];
            !same(stored.get(&key), n, (sent, float))
        })
        .cloned()
        .collect()
}

fn missing_logs(docs: &[LogDoc], stored: &Blocks) -> Vec<LogDoc> {
    let mut expected: HashMap<(String, i64), u64> = HashMap::new();
    for d in docs {
        *expected.entry(log_block_key(d)).or_default() += 1;
    }
    docs.iter()
        .filter(|d| {
            let key = log_block_key(d);
            stored.get(&key).map(|s| s.0) != Some(expected[&key])
        })
        .cloned()
        .collect()
}

impl<T: Transport> ElasticStore<T> {
    /// Make the telemetry exactly `metrics` and `logs` (see the module
    /// documentation), reporting `(done, total)`: documents the store already
    /// holds count as done at once. Nothing is deleted unless every other
    /// chunk was written.
    pub async fn sync_telemetry(
        &self,
        metrics: &[MetricDoc],
        logs: &[LogDoc],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<SyncReport, StoreError> {
        let total = metrics.len() + logs.len();
        let metric_ids: Vec<String> = metrics.iter().map(Document::doc_id).collect();
        let log_ids: Vec<String> = logs.iter().map(Document::doc_id).collect();
        if metric_ids.len().max(log_ids.len()) > MAX_CHECKED_IDS {
            let (written, _) = self.write_both((metrics, &[]), (logs, &[]), 0, total, progress).await?;
            let deleted = self
                .prune_ids(&KeepIds {
                    metrics: metric_ids,
                    logs: log_ids,
                })
                .await?;
            return Ok(SyncReport {
                written,
                kept: 0,
                deleted,
            });
        }
        let (held_metrics, held_logs, other_metrics, other_logs) = futures_util::future::try_join4(
            self.search(Index::Metrics, metric_blocks(&metric_ids)),
            self.search(Index::Logs, log_blocks(&log_ids)),
            self.search(Index::Metrics, others(&metric_ids)),
            self.search(Index::Logs, others(&log_ids)),
        )
        .await?;
        let write_metrics = missing_metrics(metrics, &parse_metric_blocks(&held_metrics)?);
        let write_logs = missing_logs(logs, &parse_log_blocks(&held_logs)?);
        let kept = total - write_metrics.len() - write_logs.len();
        progress(kept, total);
        // Found before the writes, which only add the run's own ids: they go
        // in the same requests, after the writes, under the same refresh.
        let (other_metrics, metrics_complete) = parse_others(&other_metrics)?;
        let (other_logs, logs_complete) = parse_others(&other_logs)?;
        let (written, mut deleted) = self
            .write_both(
                (&write_metrics, &other_metrics),
                (&write_logs, &other_logs),
                kept,
                total,
                progress,
            )
            .await?;
        // More others than one search returns: the rest, now.
        let (m, l) = futures_util::future::try_join(
            self.delete_rest(metrics_complete, Index::Metrics, &metric_ids),
            self.delete_rest(logs_complete, Index::Logs, &log_ids),
        )
        .await?;
        deleted += m + l;
        Ok(SyncReport {
            written,
            kept: kept as u64,
            deleted,
        })
    }

    /// After a search that found only the first [`MAX_HITS`] others (not
    /// `complete`), delete the rest.
    async fn delete_rest(&self, complete: bool, index: Index, keep: &[String]) -> Result<u64, StoreError> {
        match complete {
            true => Ok(0),
            false => self.delete_others(index, keep).await,
        }
    }

    /// Metrics and logs at once, each as (documents to write, ids to delete),
    /// progress offset by `done`: the deletions go only once every other write
    /// is done, with the last one, under the same refresh (see
    /// [`bulk::apply`]). Returns (written, deleted).
    pub(super) async fn write_both(
        &self,
        metrics: (&[MetricDoc], &[String]),
        logs: (&[LogDoc], &[String]),
        done: usize,
        total: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(u64, u64), StoreError> {
        let (m, l) = (self.names.name(Index::Metrics), self.names.name(Index::Logs));
        let mut writes = bulk::Action::writes(&m, metrics.0)?;
        writes.extend(bulk::Action::writes(&l, logs.0)?);
        let mut deletes = bulk::Action::deletes(&m, metrics.1);
        deletes.extend(bulk::Action::deletes(&l, logs.1));
        let report = bulk::apply(self.transport(), writes, deletes, &self.bulk, Refresh::Now, &mut |p| {
            progress(done + p.written, total)
        })
        .await?;
        Ok((report.written, report.deleted))
    }

    /// Delete every metric and log that is not `keep`'s.
    pub(super) async fn prune_ids(&self, keep: &KeepIds) -> Result<u64, StoreError> {
        let (m, l) = futures_util::future::try_join(
            self.delete_others(Index::Metrics, &keep.metrics),
            self.delete_others(Index::Logs, &keep.logs),
        )
        .await?;
        Ok(m + l)
    }

    /// Delete every document of `index` that is not among `keep`: the ids
    /// found by a search, deleted by id with `_bulk`, [`MAX_HITS`] at a time
    /// until none is left. Not `_delete_by_query`: OpenSearch 2.x answers it
    /// with one `TASK_RESOURCE_USAGE` header per scroll batch of 1,000
    /// documents (opensearch-project/OpenSearch#18245), and an HTTP client
    /// refuses an answer of over 100 headers (hyper's limit), so deleting
    /// ~100,000 documents failed; it is also slower for the few documents a
    /// run usually deletes.
    pub(super) async fn delete_others(&self, index: Index, keep: &[String]) -> Result<u64, StoreError> {
        let mut deleted = 0;
        loop {
            let found = self.search(index, others(keep)).await?;
            let (ids, complete) = parse_others(&found)?;
            deleted += bulk::delete(self.transport(), &self.names.name(index), &ids, &self.bulk).await?;
            if complete {
                return Ok(deleted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{self, Scenario, SimConfig};

    fn config(scenario: Scenario, minutes_later: i64) -> SimConfig {
        let anchor = chrono::DateTime::parse_from_rfc3339("2026-02-13T15:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
            + TimeDelta::minutes(minutes_later);
        SimConfig::new(scenario, 42, anchor)
    }

    /// The blocks an engine holding `docs` would answer for the ids of `run`.
    fn stored(docs: &[MetricDoc], run: &[MetricDoc]) -> Blocks {
        let ids: std::collections::HashSet<String> = run.iter().map(Document::doc_id).collect();
        let mut out = Blocks::new();
        for d in docs.iter().filter(|d| ids.contains(&d.doc_id())) {
            let e = out.entry(metric_block_key(d)).or_default();
            e.0 += 1;
            e.1 += f64::from(d.value as f32);
        }
        out
    }

    #[test]
    fn a_later_run_writes_only_its_new_hours_and_the_faulted_service() {
        for scenario in Scenario::ALL {
            let before = sim::generate(&config(scenario, 0));
            let after = sim::generate(&config(scenario, 2));
            let missing = missing_metrics(&after.metrics, &stored(&before.metrics, &after.metrics));
            // Everything the store holds exactly is skipped: the new
            // minutes' blocks, and the faulted service's since its onset.
            assert!(
                missing.len() * 10 < after.metrics.len(),
                "{scenario}: {} of {} rewritten",
                missing.len(),
                after.metrics.len()
            );
            // The same run again: nothing to write.
            assert!(missing_metrics(&after.metrics, &stored(&after.metrics, &after.metrics)).is_empty());
        }
    }

    #[test]
    fn a_block_with_other_values_under_the_same_ids_is_rewritten() {
        let run = sim::generate(&config(Scenario::MemoryLeak, 0));
        let mut other = run.metrics.clone();
        other[100].value += 0.01;
        let missing = missing_metrics(&run.metrics, &stored(&other, &run.metrics));
        assert!(missing.iter().any(|d| d.doc_id() == run.metrics[100].doc_id()));
        assert!(
            missing.len() <= (BLOCK_MINUTES * 2) as usize,
            "only that block of that series"
        );
    }

    #[test]
    fn others_are_complete_only_below_the_hit_limit() {
        let answer = json!({ "hits": { "total": { "value": 2, "relation": "eq" }, "hits": [ { "_id": "a" }, { "_id": "b" } ] } });
        assert_eq!(
            parse_others(&answer).unwrap(),
            (vec!["a".to_string(), "b".to_string()], true)
        );
        let capped = json!({ "hits": { "total": { "value": 10000, "relation": "gte" }, "hits": [ { "_id": "a" } ] } });
        assert!(!parse_others(&capped).unwrap().1);
    }
}
