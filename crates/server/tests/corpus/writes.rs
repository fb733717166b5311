//! The corpus: single documents, index creation, delete by query (refused).

use super::*;

pub fn cases(out: &mut Vec<Case>) {
    let (did, ddoc) = decision();
    let (iid, idoc) = incident();
    out.push(
        case(
            "doc: the app's audit record",
            "PUT",
            format!("/es/{D}/_doc/{did}?refresh=wait_for"),
            ddoc.to_string(),
            200,
        )
        .forwards(&format!("/{D}/_doc/{did}?refresh=wait_for"), Some(ddoc.clone())),
    );
    out.push(
        case(
            "doc: an audit record in the middle of a run (no refresh)",
            "PUT",
            format!("/es/{D}/_doc/{did}"),
            ddoc.to_string(),
            200,
        )
        .forwards(&format!("/{D}/_doc/{did}"), Some(ddoc.clone())),
    );
    out.push(case(
        "doc: audit record under a forged id",
        "PUT",
        format!("/es/{D}/_doc/d-forged"),
        ddoc.to_string(),
        403,
    ));
    out.push(case(
        "doc: audit record without @timestamp",
        "PUT",
        format!("/es/{D}/_doc/{did}"),
        json!({"agent": "guardian"}).to_string(),
        400,
    ));
    out.push(case(
        "doc: write into the incident history",
        "PUT",
        format!("/es/{I}/_doc/{iid}"),
        idoc.to_string(),
        403,
    ));
    out.push(case(
        "doc: write into metrics",
        "PUT",
        format!("/es/{M}/_doc/x"),
        "{}",
        403,
    ));
    out.push(case(
        "doc: POST auto-id",
        "POST",
        format!("/es/{D}/_doc"),
        ddoc.to_string(),
        403,
    ));
    out.push(case(
        "doc: _create",
        "PUT",
        format!("/es/{D}/_create/{did}"),
        ddoc.to_string(),
        403,
    ));
    out.push(case(
        "doc: _update",
        "POST",
        format!("/es/{D}/_update/{did}"),
        "{}",
        403,
    ));
    out.push(case("doc: DELETE", "DELETE", format!("/es/{D}/_doc/{did}"), "", 405));
    out.push(
        case("doc: read", "GET", format!("/es/{I}/_doc/{iid}"), "", 200).forwards(&format!("/{I}/_doc/{iid}"), None),
    );
    out.push(
        case(
            "doc: read, upstream redirects",
            "GET",
            format!("/es/{I}/_doc/redirect-me"),
            "",
            502,
        )
        .forwards(&format!("/{I}/_doc/redirect-me"), None),
    );
    out.push(case(
        "doc: pipeline parameter",
        "PUT",
        format!("/es/{D}/_doc/{did}?pipeline=x"),
        ddoc.to_string(),
        400,
    ));
    out.push(case(
        "doc: refresh=false;pipeline=x",
        "PUT",
        format!("/es/{D}/_doc/{did}?refresh=false;pipeline=x"),
        ddoc.to_string(),
        400,
    ));
    out.push(case(
        "doc: refresh=false%3Bpipeline=x",
        "PUT",
        format!("/es/{D}/_doc/{did}?refresh=false%3Bpipeline=x"),
        ddoc.to_string(),
        400,
    ));
    out.push(case(
        "doc: encoded parameter name",
        "PUT",
        format!("/es/{D}/_doc/{did}?%70ipeline=x"),
        ddoc.to_string(),
        400,
    ));
    out.push(case(
        "doc: duplicated refresh",
        "PUT",
        format!("/es/{D}/_doc/{did}?refresh=true&refresh=wait_for"),
        ddoc.to_string(),
        400,
    ));
    out.push(case(
        "doc: op_type",
        "PUT",
        format!("/es/{D}/_doc/{did}?op_type=index"),
        ddoc.to_string(),
        400,
    ));
    out.push(case(
        "doc: routing",
        "PUT",
        format!("/es/{D}/_doc/{did}?routing=x"),
        ddoc.to_string(),
        400,
    ));
    let mappings = quantumstate_core::elastic::query::mappings(quantumstate_core::Index::Metrics);
    out.push(
        case(
            "index: created with the app's mappings",
            "PUT",
            format!("/es/{M}"),
            mappings.to_string(),
            200,
        )
        .forwards(&format!("/{M}"), Some(mappings.clone())),
    );
    out.push(case(
        "index: created with a default pipeline",
        "PUT",
        format!("/es/{M}"),
        json!({"settings": {"default_pipeline": "x"}}).to_string(),
        403,
    ));
    out.push(case(
        "index: created with another index's mappings",
        "PUT",
        format!("/es/{L}"),
        mappings.to_string(),
        403,
    ));
    out.push(case(
        "index: created without a body",
        "PUT",
        format!("/es/{M}"),
        "",
        400,
    ));
    out.push(case("index: exists", "HEAD", format!("/es/{M}"), "", 200).forwards(&format!("/{M}"), None));
    out.push(case("index: foreign", "PUT", "/es/secrets", mappings.to_string(), 403));
    out.push(case("index: DELETE", "DELETE", format!("/es/{M}"), "", 405));
    out.push(case(
        "index: PUT _mapping",
        "PUT",
        format!("/es/{M}/_mapping"),
        json!({"runtime": {}}).to_string(),
        403,
    ));
    out.push(case("index: _settings", "PUT", format!("/es/{M}/_settings"), "{}", 403));
    out.push(case("index: _close", "POST", format!("/es/{M}/_close"), "", 403));
    // No delete by query (the app deletes by id with `_bulk`): not the reset, not a prune.
    let all = json!({"query": {"match_all": {}}});
    let prune = json!({"query": {"bool": {"must_not": [{"ids": {"values": ["m-a"]}}]}}});
    for (name, target, body, status) in [
        (
            "the former telemetry reset",
            format!("/es/{L}/_delete_by_query?refresh=true&conflicts=proceed"),
            all.clone(),
            403,
        ),
        (
            "the former prune",
            format!("/es/{M}/_delete_by_query?refresh=true"),
            prune,
            403,
        ),
        (
            "selective delete",
            format!("/es/{L}/_delete_by_query"),
            json!({"query": {"term": {"service": "x"}}}),
            403,
        ),
        (
            "incident history",
            format!("/es/{I}/_delete_by_query"),
            all.clone(),
            403,
        ),
        ("audit trail", format!("/es/{D}/_delete_by_query"), all.clone(), 403),
        ("slices", format!("/es/{L}/_delete_by_query?slices=5"), all.clone(), 403),
        (
            "conflicts=proceed;scroll",
            format!("/es/{L}/_delete_by_query?conflicts=proceed;scroll=1m"),
            all.clone(),
            403,
        ),
        ("no body", format!("/es/{L}/_delete_by_query"), Value::Null, 403),
    ] {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        out.push(case(format!("reset: {name}"), "POST", target, body, status));
    }
    out.push(
        case(
            "reset: text/plain (CSRF)",
            "POST",
            format!("/es/{L}/_delete_by_query"),
            all.to_string(),
            403,
        )
        .header("Content-Type", "text/plain"),
    );
}
