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
    /// Requests sent at once, over all the indices written (each index's last
    /// chunk waits for the tail: see [`apply`]).
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
    /// The tail goes after the others (see [`apply`]) with `refresh=wait_for`:
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

/// One bulk action: write `source` under `id` in `index`, or (no source) delete it.
#[derive(Debug, Clone)]
pub(super) struct Action<'i> {
    pub index: &'i str,
    pub id: String,
    pub source: Option<String>,
}

impl<'i> Action<'i> {
    /// Writes of `docs` into `index`.
    pub fn writes<D: Document>(index: &'i str, docs: &[D]) -> Result<Vec<Action<'i>>, StoreError> {
        docs.iter()
            .map(|d| {
                Ok(Action {
                    index,
                    id: d.doc_id(),
                    source: Some(serde_json::to_string(d).map_err(|e| StoreError::Malformed(e.to_string()))?),
                })
            })
            .collect()
    }

    /// Deletions of `ids` from `index`.
    pub fn deletes(index: &'i str, ids: &[String]) -> Vec<Action<'i>> {
        ids.iter()
            .map(|id| Action {
                index,
                id: id.clone(),
                source: None,
            })
            .collect()
    }

    fn size(&self) -> usize {
        self.id.len() + self.source.as_ref().map_or(0, String::len) + 64 + self.index.len()
    }
}

/// One chunk's NDJSON body (ends with a newline, as `_bulk` requires):
/// each write's action line and source, each delete's action line.
fn actions_ndjson(op: BulkOp, items: &[&Action]) -> String {
    let mut body = String::with_capacity(items.iter().map(|a| a.size()).sum());
    for a in items {
        let action = if a.source.is_some() { op.as_str() } else { "delete" };
        body.push_str(&serde_json::json!({ action: { "_index": a.index, "_id": a.id } }).to_string());
        body.push('\n');
        if let Some(source) = &a.source {
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
fn chunks(items: &[Action], max_docs: usize, max_bytes: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < items.len() && end - start < max_docs.max(1) {
            let size = items[end].size();
            if end > start && bytes + size > max_bytes {
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
    items: &[Action<'_>],
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
            body: Some(actions_ndjson(config.op, &pending)),
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
            let delete = action.source.is_none();
            match status {
                200..=299 if delete => outcome.deleted += 1,
                200..=299 => outcome.written += 1,
                404 if delete => {}
                429 if attempt < config.max_retries => again.push(*action),
                _ => outcome.failures.push(DocFailure {
                    index: action.index.to_string(),
                    id: action.id.clone(),
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
    apply(
        transport,
        Action::writes(index, docs)?,
        Vec::new(),
        config,
        refresh,
        progress,
    )
    .await
}

/// Delete `ids` from `index` by id, visible once this returns (see [`apply`]).
/// Returns how many documents were deleted.
pub(super) async fn delete<T: Transport>(
    transport: &T,
    index: &str,
    ids: &[String],
    config: &BulkConfig,
) -> Result<u64, StoreError> {
    let deletes = Action::deletes(index, ids);
    Ok(apply(transport, Vec::new(), deletes, config, Refresh::Now, &mut |_| {})
        .await?
        .deleted)
}

/// Actions per request in the tail (the last writes and the deletions): a
/// delete line is ~80 bytes, so ~1 MB, well under the proxy's limits.
const TAIL_ACTIONS: usize = 10_000;

/// Apply `writes` (to any of the app's indices), then `deletes`, with
/// `_bulk`. Each index's writes are cut into chunks; up to
/// `config.in_flight` chunks go at once (ids are deterministic, so the order
/// of arrival does not matter), all but each index's last. Once those are
/// written, the tail: every index's last chunk and the deletions, usually in
/// one request (pieces of at most [`TAIL_ACTIONS`] and `max_bytes` one after
/// the other, each), asking for a [`Refresh`] (a refresh covers the shards a
/// request touches, so the tail touches every index written), so that once
/// this returns every write and deletion is visible to searches. A write
/// that fails before the tail (a request, or a document for good) deletes
/// nothing; a document of the tail that fails does not hold back the
/// deletions sent with it. Nothing is sent when there is nothing to do.
/// Progress is reported after each chunk; the written count is exact (only
/// items answered 2xx); an id already gone counts as neither deleted nor
/// failed.
pub(super) async fn apply<T: Transport>(
    transport: &T,
    writes: Vec<Action<'_>>,
    deletes: Vec<Action<'_>>,
    config: &BulkConfig,
    refresh: Refresh,
    progress: &mut dyn FnMut(BulkProgress),
) -> Result<BulkReport, StoreError> {
    use futures_util::stream::{self, StreamExt};

    let total = writes.len();
    // What a partial failure is counted against: the actions sent.
    let mut items = writes.len();
    let mut seed = Fnv64::new();
    if let Some(first) = writes.first().or(deletes.first()) {
        seed.write(first.index);
    }
    let seed = seed.finish() ^ (writes.len() + deletes.len()) as u64;
    // Each index's writes, in order of first appearance.
    let mut groups: Vec<Vec<Action>> = Vec::new();
    for action in writes {
        match groups.iter_mut().find(|g| g[0].index == action.index) {
            Some(g) => g.push(action),
            None => groups.push(vec![action]),
        }
    }
    let mut body: Vec<Vec<Action>> = Vec::new();
    let mut tail: Vec<Action> = Vec::new();
    for mut group in groups {
        // Moved out chunk by chunk, from the back: no source is copied.
        let mut ranges = chunks(&group, config.max_docs, config.max_bytes);
        if let Some(last) = ranges.pop() {
            tail.extend(group.drain(last.start..));
        }
        while let Some(range) = ranges.pop() {
            body.push(group.split_off(range.start));
        }
    }
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
    let mut in_flight = stream::iter(body.iter().enumerate())
        .map(|(n, chunk)| async move {
            let mut rng = SimRng::new(seed ^ n as u64, 7);
            send_chunk(transport, chunk, None, config, &mut rng).await
        })
        .buffer_unordered(config.in_flight.max(1));
    while let Some(result) = in_flight.next().await {
        absorb(result, &mut done)?;
    }
    drop(in_flight);
    // A document failed for good: what was written is made visible, and
    // nothing is deleted (the store keeps the previous documents).
    if done.failures.is_empty() {
        items += deletes.len();
        tail.extend(deletes);
    }
    // Every piece of the tail refreshes what it touched (usually one piece).
    for (n, range) in chunks(&tail, TAIL_ACTIONS, config.max_bytes).into_iter().enumerate() {
        let mut rng = SimRng::new(seed ^ u64::MAX ^ n as u64, 7);
        let result = send_chunk(transport, &tail[range], Some(refresh), config, &mut rng).await;
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
            total: items,
            failures: done.failures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_pairs_writes_with_sources_and_deletes_stand_alone() {
        let action = |id: &str, source: Option<&str>| Action {
            index: "logs-quantumstate",
            id: id.into(),
            source: source.map(str::to_string),
        };
        let items = [
            action("a", Some("{\"x\":1}")),
            action("b", Some("{\"x\":2}")),
            action("c", None),
        ];
        let body = actions_ndjson(BulkOp::Index, &items.iter().collect::<Vec<_>>());
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
