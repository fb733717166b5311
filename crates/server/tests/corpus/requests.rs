//! The corpus: origins, hosts, paths, query strings, methods and headers.

use super::*;

pub fn origin_and_host(out: &mut Vec<Case>, addr: &str) {
    let q = json!({"size": 0}).to_string();
    let search = format!("/es/{M}/_search");
    for (name, origin, status) in [
        ("evil origin", "https://evil.example", 403),
        ("null origin", "null", 403),
        ("same host, other port", "http://127.0.0.1:1", 403),
        ("allowed origin with a path", "https://judge.example/x", 403),
        ("suffix trick", "https://judge.example.evil.example", 403),
        ("empty origin", "", 403),
    ] {
        out.push(case(format!("origin: {name}"), "POST", search.clone(), q.clone(), status).header("Origin", origin));
    }
    for (name, origin) in [
        ("same origin", format!("http://{addr}")),
        ("allowed origin", "https://judge.example".into()),
    ] {
        out.push(
            case(format!("origin: {name}"), "POST", search.clone(), q.clone(), 200)
                .header("Origin", &origin)
                .forwards(&format!("/{M}/_search"), Some(json!({"size": 0}))),
        );
    }
    out.push(
        case(
            "origin: evil origin deletes logs by id",
            "POST",
            "/es/_bulk",
            ndjson(&[json!({"delete": {"_index": L, "_id": "l-auth-service-1-00"}}).to_string()]),
            403,
        )
        .header("Origin", "https://evil.example"),
    );
    for (name, host, status) in [
        ("rebinding name", "evil.example:8080".to_string(), 421),
        ("rebinding name, no port", "attacker.example".into(), 421),
        ("IP-looking name", "127.0.0.1.nip.io".into(), 421),
        ("userinfo", format!("x@{addr}"), 421),
    ] {
        out.push(case(format!("host: {name}"), "POST", search.clone(), q.clone(), status).header("Host", &host));
    }
    out.push(
        case("host: allowed name", "POST", search.clone(), q.clone(), 200)
            .header("Host", "demo.example")
            .forwards(&format!("/{M}/_search"), Some(json!({"size": 0}))),
    );
    out.push(case("host: static page to a rebinding name", "GET", "/", "", 421).header("Host", "evil.example"));
}

pub fn path_method_header(out: &mut Vec<Case>) {
    let paths: Vec<(String, u16)> = vec![
        (format!("/es/{M}/../_cluster/settings"), 400),
        (format!("/es/{M}/%2e%2e/_cluster/settings"), 400),
        (format!("/es/{M}/%2E%2E/_cluster/settings"), 400),
        (format!("/es/{M}%2F_search"), 400),
        (format!("/es/{M}//_search"), 400),
        (format!("/es/{M}/_s%65arch"), 400),
        (format!("/es/%6d{}", &M[1..]), 400),
        (format!("/es/{M}%00/_search"), 400),
        (format!("/es/{M}\\..\\_cluster"), 400),
        ("/es/_all/_search".into(), 403),
        ("/es/*/_search".into(), 403),
        (format!("/es/{M},secrets/_search"), 403),
        (format!("/es/{M}*/_search"), 403),
        ("/es/.security/_search".into(), 403),
        ("/es/%3Cmetrics-%7Bnow%7D%3E/_search".into(), 400),
        ("/es/_search".into(), 403),
        ("/es/_msearch".into(), 403),
        ("/es/_mget".into(), 403),
        ("/es/_sql".into(), 403),
        ("/es/_reindex".into(), 403),
        ("/es/_cluster/settings".into(), 403),
        ("/es/_security/user/admin".into(), 403),
        ("/es/_snapshot/x".into(), 403),
        ("/es/_scripts/x".into(), 403),
        ("/es/_ingest/pipeline/x".into(), 403),
        ("/es/_tasks".into(), 403),
        ("/es/_nodes".into(), 403),
        ("/es/_cat/indices".into(), 403),
        (format!("/es/{M}/_update_by_query"), 403),
        (format!("/es/{M}/_explain/x"), 403),
        (format!("/es/{M}/_termvectors"), 403),
        (format!("/es/{M}/_field_caps"), 403),
        (format!("/es/{M}/_validate/query"), 403),
        (format!("/es/{M}/_search/template"), 403),
        (format!("/es/{M}/_rank_eval"), 403),
        (format!("/es/{M}/_refresh"), 403),
        ("/es/other-index/_search".into(), 403),
    ];
    for (path, status) in paths {
        out.push(case(format!("path: {path}"), "POST", path, "{}", status));
    }
    let search = format!("/es/{M}/_search");
    for (query, status) in [
        ("scroll=1m", 400),
        (
            "source=%7B%22query%22%3A%7B%7D%7D&source_content_type=application/json",
            400,
        ),
        ("q=*", 400),
        ("_source=*", 400),
        ("filter_path=hits", 400),
        ("error_trace=true", 400),
        ("format=yaml", 400),
        ("pretty", 400),
        ("refresh=true", 400),
        ("search_type=dfs_query_then_fetch", 400),
        ("allow_no_indices=true;expand_wildcards=all", 400),
    ] {
        out.push(case(
            format!("query: {query}"),
            "POST",
            format!("{search}?{query}"),
            "{}",
            status,
        ));
    }
    for (query, status) in [
        ("refresh=wait_for;pipeline=x", 400),
        ("refresh=wait_for&pipeline=x", 400),
        ("pipeline=x", 400),
        ("filter_path=*", 400),
        ("refresh=yes", 400),
        ("refresh=wait_for&refresh=true", 400),
        ("routing=r", 400),
        ("require_alias=false", 400),
        ("%72efresh=true;%70ipeline=x", 400),
    ] {
        out.push(case(
            format!("bulk query: {query}"),
            "POST",
            format!("/es/_bulk?{query}"),
            "",
            status,
        ));
    }
    for (method, status) in [
        ("DELETE", 405),
        ("PATCH", 405),
        ("PUT", 405),
        ("OPTIONS", 200),
        ("TRACE", 405),
        ("FOO", 405),
        ("HEAD", 405),
    ] {
        out.push(case(
            format!("method: {method} _search"),
            method,
            search.clone(),
            "",
            status,
        ));
    }
    out.push(case("method: HEAD with a body", "HEAD", format!("/es/{M}"), "x", 400));
    let q = json!({"size": 0}).to_string();
    out.push(
        case(
            "header: client Authorization is not forwarded",
            "POST",
            search.clone(),
            q.clone(),
            200,
        )
        .header("Authorization", "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==")
        .header("Cookie", "sid=1")
        .header("X-Opaque-Id", "x")
        .header("Referer", "https://evil.example/")
        .forwards(&format!("/{M}/_search"), Some(json!({"size": 0}))),
    );
    out.push(
        case("header: method override", "POST", search.clone(), q.clone(), 200)
            .header("X-HTTP-Method-Override", "DELETE")
            .forwards(&format!("/{M}/_search"), Some(json!({"size": 0}))),
    );
    out.push(
        case(
            "header: Content-Length and Transfer-Encoding (smuggling)",
            "POST",
            search.clone(),
            "0\r\n\r\nPOST /es/_bulk HTTP/1.1\r\n\r\n".to_string(),
            400,
        )
        .header("Transfer-Encoding", "chunked")
        .header("Content-Length", "5"),
    );
    out.push(
        case(
            "header: Content-Length larger than the body limit",
            "POST",
            search.clone(),
            "",
            413,
        )
        .header("Content-Length", "999999999"),
    );
    out.push(
        case("header: header over 64 KiB", "GET", format!("/es/{I}/_count"), "", 431)
            .header("X-Big", &"a".repeat(100 << 10)),
    );
    out.push(
        case(
            "header: duplicated Content-Type",
            "POST",
            search.clone(),
            q.clone(),
            415,
        )
        .header("Content-Type", "text/plain, application/json"),
    );
    out.push(case("root: cluster banner", "GET", "/es/", "", 200).forwards("/", None));
    out.push(case("root: POST", "POST", "/es/", "{}", 405));
}
