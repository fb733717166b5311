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

/// Whether `error` is an engine refusing an aggregation type it does not
/// know (Elasticsearch-compatible servers such as noida-db lack some).
pub fn is_unsupported_aggregation(error: &StoreError, aggregation: &str) -> bool {
    matches!(error, StoreError::Status { status: 400, message }
        if message.contains("Unknown aggregation type") && message.contains(aggregation))
}

/// Distinct values one [`metric_stats_fallback`] asks for (the most a
/// guarded proxy lets a `terms` aggregation ask): the simulator writes two
/// decimals, so a series over a few hours has fewer.
pub const STATS_FALLBACK_VALUES: usize = 1_000;

/// [`metric_stats`] without `extended_stats`: count, mean, min and max from
/// `value_count`, `avg`, `min` and `max`, and the distinct values with their
/// counts (`terms` on `value`), from which the population standard deviation
/// follows exactly.
pub fn metric_stats_fallback(key: &SeriesKey, window: TimeWindow) -> Value {
    json!({
        "size": 0,
        "query": key_filter(key, window),
        "aggs": {
            "count": { "value_count": { "field": "value" } },
            "avg": { "avg": { "field": "value" } },
            "min": { "min": { "field": "value" } },
            "max": { "max": { "field": "value" } },
            "values": { "terms": { "field": "value", "size": STATS_FALLBACK_VALUES } },
        },
    })
}

/// Parse [`metric_stats_fallback`]'s answer. Past [`STATS_FALLBACK_VALUES`]
/// distinct values, the standard deviation is that of the most frequent ones.
pub fn parse_stats_fallback(v: &Value) -> Result<Option<MetricStats>, StoreError> {
    let aggs = v
        .pointer("/aggregations")
        .ok_or_else(|| StoreError::Malformed("no aggregations".into()))?;
    let count = aggs["count"]["value"].as_u64().unwrap_or(0);
    if count == 0 {
        return Ok(None);
    }
    let mut stats = MetricStats {
        count,
        mean: value(&aggs["avg"]["value"]).unwrap_or(f64::NAN),
        min: value(&aggs["min"]["value"]).unwrap_or(f64::NAN),
        max: value(&aggs["max"]["value"]).unwrap_or(f64::NAN),
        std_dev: f64::NAN,
    };
    let values: Vec<(f64, f64)> = buckets(v, "/aggregations/values/buckets")?
        .iter()
        .filter_map(|b| Some((value(&b["key"])?, b["doc_count"].as_u64()? as f64)))
        .collect();
    let n: f64 = values.iter().map(|(_, c)| c).sum();
    if n > 0.0 {
        let mean = values.iter().map(|(x, c)| x * c).sum::<f64>() / n;
        let variance = values.iter().map(|(x, c)| c * (x - mean) * (x - mean)).sum::<f64>() / n;
        if n as u64 == count {
            stats.mean = mean;
        }
        stats.std_dev = variance.max(0.0).sqrt();
    }
    Ok(Some(stats))
}

/// The first or last document by time matching `query` (for engines whose
/// `min`/`max` of a date field answer null).
pub fn time_edge(query: Option<Value>, ascending: bool) -> Value {
    let mut body = json!({
        "size": 1,
        "sort": [{ "@timestamp": if ascending { "asc" } else { "desc" } }],
    });
    if let Some(q) = query {
        body["query"] = q;
    }
    body
}

/// The timestamp of [`time_edge`]'s hit, if any.
pub fn parse_time_edge(v: &Value) -> Option<DateTime<Utc>> {
    let hit = v.pointer("/hits/hits/0/_source/@timestamp")?.as_str()?;
    DateTime::parse_from_rfc3339(hit).ok().map(|t| t.with_timezone(&Utc))
}

/// Whether an answer with documents left a date aggregation null.
pub fn date_aggregation_is_null(v: &Value, pointer: &str) -> bool {
    let hits = v.pointer("/hits/total/value").and_then(Value::as_u64).unwrap_or(0);
    hits > 0 && v.pointer(pointer).is_some_and(Value::is_null)
}

/// The logs of one error code of [`error_codes`]: for its first and last time
/// through [`time_edge`].
pub fn error_code_filter(service: &str, code: &str, window: TimeWindow) -> Value {
    json!({ "bool": { "filter": [
        range(window),
        { "term": { "service": service } },
        { "term": { "error_code": code } },
    ] } })
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
    fn the_stats_fallback_gives_the_population_deviation_of_the_values() {
        let key = SeriesKey::new("auth-service", "error_rate");
        let body = metric_stats_fallback(&key, window());
        assert!(body["aggs"]["values"]["terms"].is_object());
        assert!(!body.to_string().contains("extended_stats"));
        // 1.25 once, 2.5 twice: mean 2.0833, population deviation 0.5893.
        let answer = json!({ "aggregations": {
            "count": { "value": 3 }, "avg": { "value": 2.0833333333 }, "min": { "value": 1.25 }, "max": { "value": 2.5 },
            "values": { "buckets": [ { "key": 2.5, "doc_count": 2 }, { "key": 1.25, "doc_count": 1 } ], "sum_other_doc_count": 0 },
        } });
        let s = parse_stats_fallback(&answer).unwrap().unwrap();
        assert_eq!((s.count, s.min, s.max), (3, 1.25, 2.5));
        assert!((s.mean - 25.0 / 12.0).abs() < 1e-9, "{s:?}");
        let expected = ((2.0 * (2.5f64 - 25.0 / 12.0).powi(2) + (1.25f64 - 25.0 / 12.0).powi(2)) / 3.0).sqrt();
        assert!((s.std_dev - expected).abs() < 1e-9, "{s:?}");
        let none = json!({ "aggregations": { "count": { "value": 0 }, "values": { "buckets": [] } } });
        assert_eq!(parse_stats_fallback(&none).unwrap(), None);
        let err = StoreError::Status {
            status: 400,
            message: "Unknown aggregation type [extended_stats] did you mean [terms]?".into(),
        };
        assert!(is_unsupported_aggregation(&err, "extended_stats"));
        assert!(!is_unsupported_aggregation(&err, "percentiles"));
    }

    #[test]
    fn date_edges_fall_back_to_sorted_hits() {
        let null = json!({ "hits": { "total": { "value": 3 } }, "aggregations": { "first": { "value": null } } });
        assert!(date_aggregation_is_null(&null, "/aggregations/first/value"));
        let empty = json!({ "hits": { "total": { "value": 0 } }, "aggregations": { "first": { "value": null } } });
        assert!(!date_aggregation_is_null(&empty, "/aggregations/first/value"));
        let hit = json!({ "hits": { "hits": [ { "_source": { "@timestamp": "2026-02-13T14:00:00Z" } } ] } });
        assert_eq!(parse_time_edge(&hit), Some(window().start));
        let body = time_edge(Some(error_code_filter("auth-service", "E1", window())), false);
        assert_eq!(body["sort"][0]["@timestamp"], "desc");
        assert_eq!(body["size"], 1);
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
