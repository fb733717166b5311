//! The corpus: `_search` and `_count` bodies, content types.

use super::*;

pub fn cases(out: &mut Vec<Case>) {
    let app_query = json!({
        "size": 0,
        "query": { "bool": { "filter": [
            { "range": { "@timestamp": { "gte": "2026-02-13T14:00:00Z", "lt": "2026-02-13T15:00:00Z" } } },
            { "term": { "service": "auth-service" } },
        ] } },
        "aggs": { "series": {
            "date_histogram": { "field": "@timestamp", "fixed_interval": "30s", "min_doc_count": 1 },
            "aggs": { "avg": { "avg": { "field": "value" } } },
        } },
    });
    out.push(
        case(
            "search: the app's histogram",
            "POST",
            format!("/es/{M}/_search"),
            app_query.to_string(),
            200,
        )
        .forwards(&format!("/{M}/_search"), Some(app_query.clone())),
    );
    let logs = json!({ "size": 50, "query": { "bool": { "filter": [
        { "terms": { "level": ["ERROR", "CRITICAL"] } },
        { "bool": { "should": [{ "prefix": { "message": "deploy" } }], "minimum_should_match": 1 } },
        { "exists": { "field": "error_code" } },
    ] } }, "sort": [{ "@timestamp": "asc" }] });
    out.push(
        case(
            "search: the app's log query",
            "POST",
            format!("/es/{L}/_search"),
            logs.to_string(),
            200,
        )
        .forwards(&format!("/{L}/_search"), Some(logs.clone())),
    );
    out.push(
        case(
            "count: the app's log count",
            "POST",
            format!("/es/{L}/_count"),
            json!({"query": logs["query"]}).to_string(),
            200,
        )
        .forwards(&format!("/{L}/_count"), Some(json!({"query": logs["query"]}))),
    );
    out.push(case("count: no body", "GET", format!("/es/{I}/_count"), "", 200).forwards(&format!("/{I}/_count"), None));
    out.push(
        case(
            "search: charset parameter",
            "POST",
            format!("/es/{M}/_search"),
            app_query.to_string(),
            200,
        )
        .header("Content-Type", "Application/JSON;charset=UTF-8")
        .forwards(&format!("/{M}/_search"), Some(app_query.clone())),
    );
    // How a run finds what to write and what to delete: its own ids, no sources.
    let run_check = json!({"size": 10000, "_source": false, "query": {"bool": {"must_not": [{"ids": {"values": ["m-a", "m-b"]}}]}}});
    out.push(
        case(
            "search: the ids a run does not hold",
            "POST",
            format!("/es/{M}/_search"),
            run_check.to_string(),
            200,
        )
        .forwards(&format!("/{M}/_search"), Some(run_check)),
    );
    let refused: Vec<(&str, Value, u16)> = vec![
        (
            "terms lookup into another index",
            json!({"query": {"terms": {"service": {"index": "secrets", "id": "1", "path": "p"}}}}),
            403,
        ),
        (
            "terms lookup, nested",
            json!({"query": {"bool": {"filter": [{"terms": {"service": {"index": I, "id": "1", "path": "root_cause"}}}]}}}),
            403,
        ),
        ("script_fields", json!({"script_fields": {"x": {"script": "1"}}}), 403),
        (
            "script_score",
            json!({"query": {"script_score": {"query": {"match_all": {}}, "script": "1"}}}),
            403,
        ),
        ("script query", json!({"query": {"script": {"script": "true"}}}), 403),
        (
            "runtime_mappings",
            json!({"runtime_mappings": {"x": {"type": "keyword", "script": "emit('a')"}}}),
            403,
        ),
        ("size 100000", json!({"size": 100000}), 403),
        ("size -1", json!({"size": -1}), 403),
        ("size 1.5", json!({"size": 1.5}), 403),
        ("size as a string", json!({"size": "10"}), 403),
        ("from", json!({"from": 9990, "size": 10}), 403),
        ("_source filtering", json!({"_source": ["*"]}), 403),
        ("_source true", json!({"_source": true}), 403),
        ("ids with a number", json!({"query": {"ids": {"values": [7]}}}), 403),
        (
            "ids naming a type",
            json!({"query": {"ids": {"type": "_doc", "values": ["m-x"]}}}),
            403,
        ),
        ("ids without a list", json!({"query": {"ids": {"values": "m-x"}}}), 403),
        ("stored_fields", json!({"stored_fields": ["*"]}), 403),
        ("docvalue_fields", json!({"docvalue_fields": ["*"]}), 403),
        ("highlight", json!({"highlight": {"fields": {"*": {}}}}), 403),
        (
            "suggest",
            json!({"suggest": {"s": {"text": "x", "term": {"field": "message"}}}}),
            403,
        ),
        ("knn", json!({"knn": {"field": "v", "query_vector": [1], "k": 1}}), 403),
        ("rescore", json!({"rescore": {"query": {}}}), 403),
        ("collapse", json!({"collapse": {"field": "service"}}), 403),
        ("search_after", json!({"search_after": [1]}), 403),
        ("pit", json!({"pit": {"id": "x"}}), 403),
        ("indices_boost", json!({"indices_boost": [{"secrets": 2}]}), 403),
        ("track_total_hits", json!({"track_total_hits": true}), 403),
        ("query_string", json!({"query": {"query_string": {"query": "*"}}}), 403),
        (
            "simple_query_string",
            json!({"query": {"simple_query_string": {"query": "*"}}}),
            403,
        ),
        ("wildcard", json!({"query": {"wildcard": {"service": "*"}}}), 403),
        ("regexp", json!({"query": {"regexp": {"service": ".*.*.*"}}}), 403),
        ("fuzzy", json!({"query": {"fuzzy": {"service": "x"}}}), 403),
        ("match", json!({"query": {"match": {"message": "x"}}}), 403),
        (
            "more_like_this other index",
            json!({"query": {"more_like_this": {"like": [{"_index": "secrets", "_id": "1"}]}}}),
            403,
        ),
        (
            "percolate",
            json!({"query": {"percolate": {"field": "q", "index": "secrets", "id": "1"}}}),
            403,
        ),
        (
            "nested",
            json!({"query": {"nested": {"path": "x", "query": {"match_all": {}}}}}),
            403,
        ),
        (
            "has_child",
            json!({"query": {"has_child": {"type": "x", "query": {"match_all": {}}}}}),
            403,
        ),
        (
            "geo_shape lookup",
            json!({"query": {"geo_shape": {"f": {"indexed_shape": {"index": "secrets", "id": "1"}}}}}),
            403,
        ),
        ("term on _index", json!({"query": {"term": {"_index": "secrets"}}}), 403),
        (
            "term on an unknown field",
            json!({"query": {"term": {"password": "x"}}}),
            403,
        ),
        (
            "term object form",
            json!({"query": {"term": {"service": {"value": "x", "boost": 2}}}}),
            403,
        ),
        (
            "range with format",
            json!({"query": {"range": {"@timestamp": {"gte": "now", "format": "x"}}}}),
            403,
        ),
        (
            "prefix object form",
            json!({"query": {"prefix": {"message": {"value": "x", "rewrite": "scoring_boolean"}}}}),
            403,
        ),
        (
            "exists on the unindexed context",
            json!({"query": {"exists": {"field": "context"}}}),
            403,
        ),
        (
            "match_all with options",
            json!({"query": {"match_all": {"boost": 2}}}),
            403,
        ),
        (
            "minimum_should_match percent",
            json!({"query": {"bool": {"should": [], "minimum_should_match": "50%"}}}),
            403,
        ),
        (
            "bool with a clause object, not a list",
            json!({"query": {"bool": {"filter": {"match_all": {}}}}}),
            403,
        ),
        (
            "terms with 5000 values",
            json!({"query": {"terms": {"service": vec!["a"; 5000]}}}),
            403,
        ),
        (
            "300 clauses",
            json!({"query": {"bool": {"filter": vec![json!({"match_all": {}}); 300]}}}),
            403,
        ),
        ("agg script", json!({"aggs": {"a": {"avg": {"script": "1"}}}}), 400),
        (
            "agg with field and script",
            json!({"aggs": {"a": {"avg": {"field": "value", "script": "1"}}}}),
            403,
        ),
        (
            "terms agg with include",
            json!({"aggs": {"a": {"terms": {"field": "service", "include": ".*"}}}}),
            403,
        ),
        (
            "terms agg size 100000",
            json!({"aggs": {"a": {"terms": {"field": "service", "size": 100000}}}}),
            403,
        ),
        (
            "scripted_metric",
            json!({"aggs": {"a": {"scripted_metric": {"field": "value", "map_script": "1"}}}}),
            403,
        ),
        (
            "top_hits",
            json!({"aggs": {"a": {"top_hits": {"field": "value"}}}}),
            403,
        ),
        (
            "significant_terms",
            json!({"aggs": {"a": {"significant_terms": {"field": "service"}}}}),
            403,
        ),
        ("global agg", json!({"aggs": {"a": {"global": {}}}}), 400),
        (
            "histogram 1ms",
            json!({"aggs": {"a": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1ms"}}}}),
            403,
        ),
        (
            "histogram on a keyword",
            json!({"aggs": {"a": {"date_histogram": {"field": "service", "fixed_interval": "1s"}}}}),
            403,
        ),
        (
            "histogram extended_bounds",
            json!({"aggs": {"a": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1s", "extended_bounds": {"min": 0, "max": 9e15}}}}}),
            403,
        ),
        (
            "aggs nested 5 deep",
            json!({"aggs": {"a": {"terms": {"field": "service"}, "aggs": {"b": {"terms": {"field": "service"}, "aggs": {"c": {"terms": {"field": "service"}, "aggs": {"d": {"terms": {"field": "service"}, "aggs": {"e": {"terms": {"field": "service"}}}}}}}}}}}}),
            403,
        ),
        ("sort by script", json!({"sort": [{"_script": {"script": "1"}}]}), 403),
        (
            "sort object options",
            json!({"sort": [{"@timestamp": {"order": "asc", "missing": "_last"}}]}),
            403,
        ),
        ("body is an array", json!([1]), 400),
        ("body is a string", json!("x"), 400),
    ];
    for (name, body, status) in refused {
        out.push(case(
            format!("search: {name}"),
            "POST",
            format!("/es/{M}/_search"),
            body.to_string(),
            status,
        ));
    }
    out.push(case(
        "count: aggregations",
        "POST",
        format!("/es/{M}/_count"),
        json!({"aggs": {}}).to_string(),
        403,
    ));
    out.push(case(
        "count: size",
        "POST",
        format!("/es/{M}/_count"),
        json!({"size": 1}).to_string(),
        403,
    ));
    let raw_bad: Vec<(&str, String, u16)> = vec![
        ("duplicate key: size", r#"{"size":0,"size":100000}"#.into(), 400),
        (
            "duplicate key: query",
            r#"{"query":{"match_all":{}},"query":{"script":{}}}"#.into(),
            400,
        ),
        ("trailing garbage", r#"{"size":0} {"script_fields":{}}"#.into(), 400),
        ("comment", r#"{/* */"size":0}"#.into(), 400),
        ("single quotes", "{'size':0}".into(), 400),
        ("not JSON", "size=0".into(), 400),
        (
            "200 levels deep",
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            400,
        ),
        ("huge number", r#"{"size":1e999}"#.into(), 400),
        ("number beyond u64", r#"{"size":18446744073709551616}"#.into(), 403),
    ];
    for (name, body, status) in raw_bad {
        out.push(case(
            format!("search: {name}"),
            "POST",
            format!("/es/{M}/_search"),
            body,
            status,
        ));
    }
    let q = app_query.to_string();
    for (name, kind) in [
        ("text/plain", "text/plain"),
        ("form", "application/x-www-form-urlencoded"),
        ("multipart", "multipart/form-data; boundary=x"),
        ("ndjson", "application/x-ndjson"),
        ("json prefix trick", "application/jsonx"),
        ("empty", ""),
    ] {
        out.push(
            case(
                format!("search: content type {name}"),
                "POST",
                format!("/es/{M}/_search"),
                q.clone(),
                415,
            )
            .header("Content-Type", kind),
        );
    }
    out.push(case(
        "search: GET with a body",
        "GET",
        format!("/es/{M}/_search"),
        q.clone(),
        400,
    ));
}
