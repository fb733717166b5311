//! The bulk writer: NDJSON chunks bounded by count and bytes; every item's
//! status is read; only 429s are retried, with randomized exponential backoff;
//! every other failure is reported with its document id.

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

/// One chunk's NDJSON body (ends with a newline, as `_bulk` requires).
pub fn ndjson(index: &str, items: &[(String, String)]) -> String {
    let mut body = String::with_capacity(items.iter().map(|(id, s)| id.len() + s.len() + 48 + index.len()).sum());
    for (id, source) in items {
        body.push_str(&serde_json::json!({ "index": { "_index": index, "_id": id } }).to_string());
        body.push('\n');
        body.push_str(source);
        body.push('\n');
    }
    body
}

pub(super) async fn write<T: Transport, D: Document>(
    transport: &T,
    index: &str,
    docs: &[D],
    config: &BulkConfig,
    progress: &mut dyn FnMut(BulkProgress),
) -> Result<BulkReport, StoreError> {
    let items: Vec<(String, String)> = docs
        .iter()
        .map(|d| {
            Ok((
                d.doc_id(),
                serde_json::to_string(d).map_err(|e| StoreError::Malformed(e.to_string()))?,
            ))
        })
        .collect::<Result<_, StoreError>>()?;
    let total = items.len();
    let mut seed = Fnv64::new();
    seed.write(index);
    let mut rng = SimRng::new(seed.finish() ^ total as u64, 7);
    let mut written = 0usize;
    let mut retries = 0u32;
    let mut failures: Vec<DocFailure> = Vec::new();
    let mut start = 0;
    while start < items.len() {
        // Next chunk: up to max_docs and max_bytes (at least one document).
        let mut end = start;
        let mut bytes = 0;
        while end < items.len() && end - start < config.max_docs {
            let size = items[end].0.len() + items[end].1.len() + 64 + index.len();
            if end > start && bytes + size > config.max_bytes {
                break;
            }
            bytes += size;
            end += 1;
        }
        let last_chunk = end == items.len();
        let mut pending: Vec<&(String, String)> = items[start..end].iter().collect();
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let owned: Vec<(String, String)> = pending.iter().map(|p| (*p).clone()).collect();
            let path = if last_chunk {
                concat!("/_bulk?", bulk_answer!(), "&refresh=wait_for")
            } else {
                concat!("/_bulk?", bulk_answer!())
            };
            let request = Request {
                method: Method::Post,
                path: path.into(),
                body: Some(ndjson(index, &owned)),
                ndjson: true,
            };
            let response = transport.send(request).await?;
            if matches!(response.status, 429 | 503) {
                if attempt >= config.max_retries {
                    return Err(StoreError::Status {
                        status: response.status,
                        message: format!("still overloaded after {attempt} retries; {written} of {total} written"),
                    });
                }
                transport.sleep_ms(backoff(config, attempt, &mut rng)).await;
                attempt += 1;
                retries += 1;
                continue;
            }
            let answer = check(response)?;
            let results = answer["items"]
                .as_array()
                .ok_or_else(|| StoreError::Malformed("bulk answer without items".into()))?;
            if results.len() != pending.len() {
                return Err(StoreError::Malformed(format!(
                    "{} items answered for {} sent",
                    results.len(),
                    pending.len()
                )));
            }
            let mut again = Vec::new();
            for (item, doc) in results.iter().zip(pending.iter()) {
                let result: &Value = item.as_object().and_then(|o| o.values().next()).unwrap_or(&Value::Null);
                let status = result["status"].as_u64().unwrap_or(0) as u16;
                match status {
                    200..=299 => written += 1,
                    429 if attempt < config.max_retries => again.push(*doc),
                    _ => failures.push(DocFailure {
                        index: index.to_string(),
                        id: doc.0.clone(),
                        status,
                        reason: result
                            .pointer("/error/reason")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .unwrap_or_else(|| result["error"].to_string()),
                    }),
                }
            }
            progress(BulkProgress {
                written,
                total,
                retries,
            });
            if !again.is_empty() {
                transport.sleep_ms(backoff(config, attempt, &mut rng)).await;
                attempt += 1;
                retries += again.len() as u32;
            }
            pending = again;
        }
        start = end;
    }
    if failures.is_empty() {
        Ok(BulkReport {
            written: written as u64,
            retries,
        })
    } else {
        Err(StoreError::PartialWrite { total, failures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_ends_with_a_newline_and_pairs_actions_with_sources() {
        let body = ndjson(
            "logs-quantumstate",
            &[("a".into(), "{\"x\":1}".into()), ("b".into(), "{\"x\":2}".into())],
        );
        assert!(body.ends_with('\n'));
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], r#"{"index":{"_id":"a","_index":"logs-quantumstate"}}"#);
        assert_eq!(lines[3], "{\"x\":2}");
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
