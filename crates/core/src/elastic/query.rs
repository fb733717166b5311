//! Query DSL builders and response parsers: pure functions.

use crate::model::{rfc3339, Index, Level};
use crate::store::*;
use crate::time::TimeWindow;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

/// Elasticsearch's default `index.max_result_window`.
pub const MAX_HITS: usize = 10_000;

/// Explicit mappings of each index (`context` kept in `_source`, not indexed).
pub fn mappings(index: Index) -> Value {
    let common = json!({
        "@timestamp": { "type": "date" },
        "service": { "type": "keyword" },
        "region": { "type": "keyword" },
    });
    let specific = match index {
        Index::Metrics => json!({
            "metric_type": { "type": "keyword" },
            "value": { "type": "float" },
            "unit": { "type": "keyword" },
        }),
        Index::Logs => json!({
            "level": { "type": "keyword" },
            "message": { "type": "text" },
            "trace_id": { "type": "keyword" },
            "error_code": { "type": "keyword" },
        }),
        Index::Incidents => json!({
            "anomaly_type": { "type": "keyword" },
            "root_cause": { "type": "text" },
            "actions_taken": { "type": "text" },
            "resolved_at": { "type": "date" },
            "mttr_seconds": { "type": "long" },
            "status": { "type": "keyword" },
        }),
        Index::Decisions => json!({
            "agent": { "type": "keyword" },
            "decision": { "type": "text" },
            "confidence": { "type": "integer" },
            "context": { "type": "object", "enabled": false },
        }),
    };
    let mut properties = common;
    if let (Some(p), Some(s)) = (properties.as_object_mut(), specific.as_object()) {
        p.extend(s.clone());
    }
    json!({ "mappings": { "dynamic": "false", "properties": properties } })
}

fn range(window: TimeWindow) -> Value {
    json!({ "range": { "@timestamp": {
        "gte": rfc3339::format(&window.start),
        "lt": rfc3339::format(&window.end),
    } } })
}

fn key_filter(key: &SeriesKey, window: TimeWindow) -> Value {
    json!({ "bool": { "filter": [
        { "term": { "service": key.service } },
        { "term": { "metric_type": key.metric_type } },
        range(window),
    ] } })
}

pub fn series_keys(window: TimeWindow) -> Value {
    json!({
        "size": 0,
        "query": { "bool": { "filter": [range(window)] } },
        "aggs": { "services": {
            "terms": { "field": "service", "size": 500 },
            "aggs": { "metrics": { "terms": { "field": "metric_type", "size": 100 } } },
        } },
    })
}

pub fn parse_series_keys(v: &Value) -> Result<Vec<SeriesKey>, StoreError> {
    let mut out = Vec::new();
    for s in buckets(v, "/aggregations/services/buckets")? {
        let service = s["key"].as_str().unwrap_or_default();
        for m in buckets(s, "/metrics/buckets")? {
            out.push(SeriesKey::new(service, m["key"].as_str().unwrap_or_default()));
        }
    }
    crate::order::sort_by(&mut out, |a, b| a.cmp(b));
    Ok(out)
}

fn histogram(bucket: TimeDelta) -> Value {
    json!({
        "date_histogram": {
            "field": "@timestamp",
            "fixed_interval": format!("{}s", bucket.num_seconds().max(1)),
            "min_doc_count": 1,
        },
        "aggs": {
            "avg": { "avg": { "field": "value" } },
            "min": { "min": { "field": "value" } },
            "max": { "max": { "field": "value" } },
        },
    })
}

pub fn metric_series(key: &SeriesKey, window: TimeWindow, bucket: TimeDelta) -> Value {
    json!({
        "size": 0,
        "query": key_filter(key, window),
        "aggs": { "series": histogram(bucket) },
    })
}

/// Histogram buckets one [`all_series`] request may ask for: well under
/// Elasticsearch's default `search.max_buckets` (65,536).
pub const ALL_SERIES_MAX_BUCKETS: i64 = 20_000;

/// Every series' histogram in one request: services → metrics → histogram.
pub fn all_series(window: TimeWindow, bucket: TimeDelta) -> Value {
    json!({
        "size": 0,
        "query": { "bool": { "filter": [range(window)] } },
        "aggs": { "services": {
            "terms": { "field": "service", "size": 500 },
            "aggs": { "metrics": {
                "terms": { "field": "metric_type", "size": 100 },
                "aggs": { "series": histogram(bucket) },
            } },
        } },
    })
}

pub fn parse_all_series(v: &Value) -> Result<Vec<(SeriesKey, Vec<SeriesPoint>)>, StoreError> {
    let mut out = Vec::new();
    for s in buckets(v, "/aggregations/services/buckets")? {
        let service = s["key"].as_str().unwrap_or_default();
        for m in buckets(s, "/metrics/buckets")? {
            let key = SeriesKey::new(service, m["key"].as_str().unwrap_or_default());
            out.push((key, points(buckets(m, "/series/buckets")?)?));
        }
    }
    crate::order::sort_by(&mut out, |a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn buckets<'a>(v: &'a Value, pointer: &str) -> Result<&'a Vec<Value>, StoreError> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| StoreError::Malformed(format!("missing {pointer}")))
}

fn millis(v: &Value) -> Option<DateTime<Utc>> {
    v.as_f64().and_then(|ms| DateTime::from_timestamp_millis(ms as i64))
}

/// Float aggregations come back as f32 widened to f64; round to what was written.
fn value(v: &Value) -> Option<f64> {
    v.as_f64().map(|x| (x * 1e4).round() / 1e4)
}

pub fn parse_series(v: &Value) -> Result<Vec<SeriesPoint>, StoreError> {
    points(buckets(v, "/aggregations/series/buckets")?)
}

fn points(buckets: &[Value]) -> Result<Vec<SeriesPoint>, StoreError> {
    buckets
        .iter()
        .filter(|b| b["doc_count"].as_u64().unwrap_or(0) > 0)
        .map(|b| {
            Ok(SeriesPoint {
                at: millis(&b["key"]).ok_or_else(|| StoreError::Malformed("bucket key".into()))?,
                avg: value(&b["avg"]["value"]).unwrap_or(f64::NAN),
                min: value(&b["min"]["value"]).unwrap_or(f64::NAN),
                max: value(&b["max"]["value"]).unwrap_or(f64::NAN),
                count: b["doc_count"].as_u64().unwrap_or(0),
            })
        })
        .collect()
}

pub fn metric_stats(key: &SeriesKey, window: TimeWindow) -> Value {
    json!({
        "size": 0,
        "query": key_filter(key, window),
        "aggs": { "stats": { "extended_stats": { "field": "value" } } },
    })
}

pub fn parse_stats(v: &Value) -> Result<Option<MetricStats>, StoreError> {
    let s = v
        .pointer("/aggregations/stats")
        .ok_or_else(|| StoreError::Malformed("no stats".into()))?;
    let count = s["count"].as_u64().unwrap_or(0);
    if count == 0 {
        return Ok(None);
    }
    Ok(Some(MetricStats {
        count,
        mean: value(&s["avg"]).unwrap_or(f64::NAN),
        min: value(&s["min"]).unwrap_or(f64::NAN),
        max: value(&s["max"]).unwrap_or(f64::NAN),
        std_dev: s["std_deviation_population"]
            .as_f64()
            .or_else(|| s["std_deviation"].as_f64())
            .unwrap_or(f64::NAN),
    }))
}

pub fn time_range() -> Value {
    json!({
        "size": 0,
        "aggs": {
            "first": { "min": { "field": "@timestamp" } },
            "last": { "max": { "field": "@timestamp" } },
        },
    })
}

pub fn parse_time_range(v: &Value) -> Result<Option<DataSpan>, StoreError> {
    Ok(millis(&v["aggregations"]["first"]["value"]).zip(millis(&v["aggregations"]["last"]["value"])))
}

fn levels_at_least(min: Level) -> Vec<&'static str> {
    [Level::Debug, Level::Info, Level::Warn, Level::Error, Level::Critical]
        .into_iter()
        .filter(|l| *l >= min)
        .map(Level::as_str)
        .collect()
}

/// The filter of a log query (shared by `_search` and `_count`).
pub fn log_filter(q: &LogQuery) -> Value {
    let mut filter = vec![
        range(q.window),
        json!({ "terms": { "level": levels_at_least(q.min_level) } }),
    ];
    if let Some(service) = &q.service {
        filter.push(json!({ "term": { "service": service } }));
    }
    if !q.words.is_empty() {
        // Word prefixes on the analysed message, as MemoryStore matches them.
        let should: Vec<Value> = q
            .words
            .iter()
            .map(|w| json!({ "prefix": { "message": w.to_ascii_lowercase() } }))
            .collect();
        filter.push(json!({ "bool": { "should": should, "minimum_should_match": 1 } }));
    }
    json!({ "bool": { "filter": filter } })
}

pub fn logs(q: &LogQuery) -> Value {
    json!({
        "size": q.limit.min(MAX_HITS),
        "query": log_filter(q),
        "sort": [{ "@timestamp": "asc" }],
    })
}

pub fn error_codes(service: &str, window: TimeWindow) -> Value {
    json!({
        "size": 0,
        "query": { "bool": { "filter": [
            range(window),
            { "term": { "service": service } },
            { "exists": { "field": "error_code" } },
        ] } },
        "aggs": { "codes": {
            "terms": { "field": "error_code", "size": 100 },
            "aggs": {
                "first": { "min": { "field": "@timestamp" } },
                "last": { "max": { "field": "@timestamp" } },
            },
        } },
    })
}

pub fn parse_error_codes(v: &Value) -> Result<Vec<ErrorCodeCount>, StoreError> {
    let mut out: Vec<ErrorCodeCount> = buckets(v, "/aggregations/codes/buckets")?
        .iter()
        .filter_map(|b| {
            Some(ErrorCodeCount {
                code: b["key"].as_str()?.to_string(),
                count: b["doc_count"].as_u64()?,
                first_seen: millis(&b["first"]["value"])?,
                last_seen: millis(&b["last"]["value"])?,
            })
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    Ok(out)
}

pub fn incidents(q: &IncidentQuery) -> Value {
    let mut filter = Vec::new();
    if let Some(s) = &q.service {
        filter.push(json!({ "term": { "service": s } }));
    }
    if let Some(t) = &q.anomaly_type {
        filter.push(json!({ "term": { "anomaly_type": t } }));
    }
    json!({
        "size": if q.limit == 0 { MAX_HITS } else { q.limit.min(MAX_HITS) },
        "query": { "bool": { "filter": filter } },
        "sort": [{ "@timestamp": "desc" }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window() -> TimeWindow {
        TimeWindow::new(
            Utc.with_ymd_and_hms(2026, 2, 13, 14, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap(),
        )
    }

    #[test]
    fn every_log_filter_keeps_service_and_window_even_with_words() {
        // The original's OR-conditions escaped the service and time filters.
        let q = LogQuery {
            service: Some("checkout-service".into()),
            min_level: Level::Info,
            window: window(),
            words: vec!["deploy".into(), "release".into()],
            limit: 50,
        };
        let f = log_filter(&q);
        let filters = f["bool"]["filter"].as_array().unwrap();
        assert!(filters.iter().any(|c| c["term"]["service"] == "checkout-service"));
        assert!(filters
            .iter()
            .any(|c| c["range"]["@timestamp"]["gte"] == "2026-02-13T14:00:00Z"));
        let words = filters.iter().find(|c| c["bool"]["should"].is_array()).unwrap();
        assert_eq!(words["bool"]["minimum_should_match"], 1);
        assert!(f["bool"].get("should").is_none(), "no top-level OR");
        assert_eq!(
            filters.iter().find(|c| c["terms"].is_object()).unwrap()["terms"]["level"],
            json!(["INFO", "WARN", "ERROR", "CRITICAL"])
        );
    }

    #[test]
    fn series_are_read_from_a_date_histogram() {
        let body = metric_series(
            &SeriesKey::new("auth-service", "error_rate"),
            window(),
            TimeDelta::seconds(30),
        );
        assert_eq!(body["size"], 0);
        assert_eq!(body["aggs"]["series"]["date_histogram"]["fixed_interval"], "30s");
        let answer = json!({ "aggregations": { "series": { "buckets": [
            { "key": 1770991200000u64, "doc_count": 2, "avg": {"value": 0.30000001192092896}, "min": {"value": 0.2}, "max": {"value": 0.4} },
            { "key": 1770991230000u64, "doc_count": 0, "avg": {"value": null}, "min": {"value": null}, "max": {"value": null} },
        ] } } });
        let points = parse_series(&answer).unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].avg, 0.3);
        assert_eq!(points[0].at, window().start);
    }

    #[test]
    fn mappings_keep_context_unindexed() {
        let m = mappings(Index::Decisions);
        assert_eq!(m["mappings"]["properties"]["context"]["enabled"], false);
        assert_eq!(m["mappings"]["properties"]["@timestamp"]["type"], "date");
        assert_eq!(
            mappings(Index::Metrics)["mappings"]["properties"]["value"]["type"],
            "float"
        );
    }
}
