//! The bulk writer: NDJSON chunks bounded by count and bytes, a few in flight
//! at once; every item's status is read; only 429s are retried, with
//! randomized exponential backoff; every other failure is reported with its
//! document id.

use super::{check, Method, Request, Transport};
use crate::model::{Document, Fnv64};
use crate::sim::rng::SimRng;
use crate::store::{DocFailure, StoreError};
use serde_json::Value;

/// Chunking and retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkConfig {
    pub max_docs: usize,
    pub max_bytes: usize,
    /// Retries of 429s (items or whole requests) before giving up.
    pub max_retries: u32,
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Chunks sent at once (the last one always goes alone, after the others).
    pub in_flight: usize,
    /// `index` (upsert) or `create` (write-once: an id already there is a 409).
    pub op: BulkOp,
}

/// The bulk action of every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BulkOp {
    /// Upsert by id: writing the same documents twice adds nothing.
    #[default]
    Index,
    /// Write once: a document whose id exists fails with 409 (version conflict).
    Create,
}

impl BulkOp {
    fn as_str(self) -> &'static str {
        match self {
            BulkOp::Index => "index",
            BulkOp::Create => "create",
        }
    }
}

impl Default for BulkConfig {
    fn default() -> Self {
        // 2,000 docs / 4 MiB per request: well under the proxy's 10 MiB body limit.
        BulkConfig {
            max_docs: 2_000,
            max_bytes: 4 << 20,
            max_retries: 8,
            base_backoff_ms: 100,
            max_backoff_ms: 5_000,
            in_flight: 3,
            op: BulkOp::Index,
        }
    }
}

/// How a bulk write makes its documents visible to searches before it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The last chunk goes alone, after the others, with `refresh=wait_for`:
    /// it returns once the engine's next scheduled refresh (every second by
    /// default) has made everything visible. Cheap for the cluster.
    WaitFor,
    /// The same, with `refresh=true`: the shards written refresh at once.
    /// For small interactive writes, where a second of waiting shows.
    Now,
}

impl Refresh {
    fn param(self) -> &'static str {
        match self {
            Refresh::WaitFor => "&refresh=wait_for",
            Refresh::Now => "&refresh=true",
        }
    }
}

/// Progress after each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkProgress {
    pub written: usize,
    pub total: usize,
    pub retries: u32,
}

/// A finished bulk write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkReport {
    pub written: u64,
    /// Documents deleted by the same requests (an id already gone is not counted).
    pub deleted: u64,
    pub retries: u32,
}

/// Full-jitter backoff: uniform in [0, min(cap, base·2^attempt)].
fn backoff(config: &BulkConfig, attempt: u32, rng: &mut SimRng) -> u64 {
    let ceiling = config
        .base_backoff_ms
        .saturating_mul(1 << attempt.min(20))
        .min(config.max_backoff_ms);
    (rng.uniform() * ceiling as f64) as u64
}

/// Only what the writer reads back: each item's status and error. A full
/// answer repeats index, version, shards and sequence numbers for every
/// document, five times the bytes to send back and to parse.
macro_rules! bulk_answer {
    () => {
        "filter_path=items.*.status,items.*.error"
    };
}

/// One bulk action: write `source` under `id`, or (no source) delete `id`.
type Action = (String, Option<String>);

/// One chunk's NDJSON body (ends with a newline, as `_bulk` requires):
/// each write's action line and source, each delete's action line.
fn actions_ndjson(op: BulkOp, index: &str, items: &[&Action]) -> String {
    let size = |(id, s): &Action| id.len() + s.as_ref().map_or(0, String::len) + 48 + index.len();
    let mut body = String::with_capacity(items.iter().map(|a| size(a)).sum());
    for (id, source) in items {
        let action = if source.is_some() { op.as_str() } else { "delete" };
        body.push_str(&serde_json::json!({ action: { "_index": index, "_id": id } }).to_string());
        body.push('\n');
        if let Some(source) = source {
            body.push_str(source);
            body.push('\n');
        }
    }
    body
}

/// How one chunk ended.
#[derive(Default)]
struct ChunkOutcome {
    written: usize,
    deleted: usize,
    retries: u32,
    failures: Vec<DocFailure>,
}

enum ChunkError {
    /// Still 429/503 after every retry.
    Overloaded {
        status: u16,
        attempts: u32,
    },
    Store(StoreError),
}

impl From<StoreError> for ChunkError {
    fn from(e: StoreError) -> Self {
        ChunkError::Store(e)
    }
}

/// Split `items` into chunks of at most `max_docs` actions and `max_bytes`
/// (at least one action each).
fn chunks(index: &str, items: &[Action], config: &BulkConfig) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < items.len() && end - start < config.max_docs {
            let (id, source) = &items[end];
            let size = id.len() + source.as_ref().map_or(0, String::len) + 64 + index.len();
            if end > start && bytes + size > config.max_bytes {
                break;
            }
            bytes += size;
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Send one chunk until every item is done or failed for good; retries
/// 429s (whole request or items) with backoff. A delete of an id already
/// gone (404) is done.
async fn send_chunk<T: Transport>(
    transport: &T,
    index: &str,
    items: &[Action],
    refresh: Option<Refresh>,
    config: &BulkConfig,
    rng: &mut SimRng,
) -> Result<ChunkOutcome, ChunkError> {
    let mut outcome = ChunkOutcome::default();
    let mut pending: Vec<&Action> = items.iter().collect();
    let mut attempt = 0u32;
    while !pending.is_empty() {
        let path = format!(
            "/_bulk?{}{}",
            bulk_answer!(),
            refresh.map(Refresh::param).unwrap_or_default()
        );
        let request = Request {
            method: Method::Post,
            path,
            body: Some(actions_ndjson(config.op, index, &pending)),
            ndjson: true,
        };
        let response = transport.send(request).await?;
        if matches!(response.status, 429 | 503) {
            if attempt >= config.max_retries {
                return Err(ChunkError::Overloaded {
                    status: response.status,
                    attempts: attempt,
                });
            }
            transport.sleep_ms(backoff(config, attempt, rng)).await;
            attempt += 1;
            outcome.retries += 1;
            continue;
        }
        let answer = check(response)?;
        let results = answer["items"]
            .as_array()
            .ok_or_else(|| StoreError::Malformed("bulk answer without items".into()))?;
        if results.len() != pending.len() {
            return Err(
                StoreError::Malformed(format!("{} items answered for {} sent", results.len(), pending.len())).into(),
            );
        }
        let mut again = Vec::new();
        for (item, action) in results.iter().zip(pending.iter()) {
            let result: &Value = item.as_object().and_then(|o| o.values().next()).unwrap_or(&Value::Null);
            let status = result["status"].as_u64().unwrap_or(0) as u16;
            let delete = action.1.is_none();
            match status {
                200..=299 if delete => outcome.deleted += 1,
                200..=299 => outcome.written += 1,
                404 if delete => {}
                429 if attempt < config.max_retries => again.push(*action),
                _ => outcome.failures.push(DocFailure {
                    index: index.to_string(),
                    id: action.0.clone(),
                    status,
                    reason: result
                        .pointer("/error/reason")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| result["error"].to_string()),
                }),
            }
        }
        if !again.is_empty() {
            transport.sleep_ms(backoff(config, attempt, rng)).await;
            attempt += 1;
            outcome.retries += again.len() as u32;
        }
        pending = again;
    }
    Ok(outcome)
}

/// Write `docs` into `index` (see [`apply`]).
pub(super) async fn write<T: Transport, D: Document>(
    transport: &T,
    index: &str,
    docs: &[D],
    config: &BulkConfig,
    refresh: Refresh,
    progress: &mut dyn FnMut(BulkProgress),
) -> Result<BulkReport, StoreError> {
    apply(transport, index, docs, &[], config, refresh, progress).await
}

/// Delete `ids` from `index` by id, visible once this returns (see [`apply`]).
/// Returns how many documents were deleted.
pub(super) async fn delete<T: Transport>(
    transport: &T,
    index: &str,
    ids: &[String],
    config: &BulkConfig,
) -> Result<u64, StoreError> {
    let none: &[crate::model::MetricDoc] = &[];
    Ok(apply(transport, index, none, ids, config, Refresh::Now, &mut |_| {})
        .await?
        .deleted)
}

/// Write `docs` into `index`, then delete `deletes` by id, in one stream of
/// `_bulk` requests: up to `config.in_flight` chunks at once (ids are
/// deterministic, so the order of arrival does not matter), then the last
/// chunk alone, asking for a [`Refresh`], so that once this returns every
/// write and deletion is visible to searches: one refresh for both. The
/// deletions come after every write in the stream, so they share the last
/// chunk unless there are many. Nothing is sent, and no refresh asked,
/// when there is nothing to do. Progress is reported after each chunk; the
/// written count is exact (only items answered 2xx); an id already gone
/// counts as neither deleted nor failed.
pub(super) async fn apply<T: Transport, D: Document>(
    transport: &T,
    index: &str,
    docs: &[D],
    deletes: &[String],
    config: &BulkConfig,
    refresh: Refresh,
    progress: &mut dyn FnMut(BulkProgress),
) -> Result<BulkReport, StoreError> {
    use futures_util::stream::{self, StreamExt};

    let mut items: Vec<Action> = docs
        .iter()
        .map(|d| {
            Ok((
                d.doc_id(),
                Some(serde_json::to_string(d).map_err(|e| StoreError::Malformed(e.to_string()))?),
            ))
        })
        .collect::<Result<_, StoreError>>()?;
    items.extend(deletes.iter().map(|id| (id.clone(), None)));
    let total = docs.len();
    let mut seed = Fnv64::new();
    seed.write(index);
    let seed = seed.finish() ^ items.len() as u64;
    let mut ranges = chunks(index, &items, config);
    let last = ranges.pop();
    let mut done = ChunkOutcome::default();
    let mut absorb = |result: Result<ChunkOutcome, ChunkError>, done: &mut ChunkOutcome| -> Result<(), StoreError> {
        match result {
            Ok(o) => {
                done.written += o.written;
                done.deleted += o.deleted;
                done.retries += o.retries;
                done.failures.extend(o.failures);
                progress(BulkProgress {
                    written: done.written,
                    total,
                    retries: done.retries,
                });
                Ok(())
            }
            Err(ChunkError::Overloaded { status, attempts }) => Err(StoreError::Status {
                status,
                message: format!(
                    "still overloaded after {attempts} retries; {} of {total} written",
                    done.written
                ),
            }),
            Err(ChunkError::Store(e)) => Err(e),
        }
    };
    let all = &items;
    let mut in_flight = stream::iter(ranges.into_iter().enumerate())
        .map(|(n, range)| async move {
            let mut rng = SimRng::new(seed ^ n as u64, 7);
            send_chunk(transport, index, &all[range], None, config, &mut rng).await
        })
        .buffer_unordered(config.in_flight.max(1));
    while let Some(result) = in_flight.next().await {
        absorb(result, &mut done)?;
    }
    drop(in_flight);
    if let Some(range) = last {
        let mut rng = SimRng::new(seed ^ u64::MAX, 7);
        let result = send_chunk(transport, index, &items[range], Some(refresh), config, &mut rng).await;
        absorb(result, &mut done)?;
    }
    if done.failures.is_empty() {
        Ok(BulkReport {
            written: done.written as u64,
            deleted: done.deleted as u64,
            retries: done.retries,
        })
    } else {
        Err(StoreError::PartialWrite {
            total: items.len(),
            failures: done.failures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_pairs_writes_with_sources_and_deletes_stand_alone() {
        let items: Vec<Action> = vec![
            ("a".into(), Some("{\"x\":1}".into())),
            ("b".into(), Some("{\"x\":2}".into())),
            ("c".into(), None),
        ];
        let body = actions_ndjson(BulkOp::Index, "logs-quantumstate", &items.iter().collect::<Vec<_>>());
        assert!(body.ends_with('\n'));
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], r#"{"index":{"_id":"a","_index":"logs-quantumstate"}}"#);
        assert_eq!(lines[3], "{\"x\":2}");
        assert_eq!(lines[4], r#"{"delete":{"_id":"c","_index":"logs-quantumstate"}}"#);
    }

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let config = BulkConfig::default();
        let mut rng = SimRng::new(1, 1);
        for attempt in 0..12 {
            let b = backoff(&config, attempt, &mut rng);
            assert!(b <= config.max_backoff_ms.min(config.base_backoff_ms << attempt));
        }
    }
}
