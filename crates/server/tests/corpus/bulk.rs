//! The corpus: `_bulk` parser differentials and metadata tricks.

use super::*;

pub fn cases(out: &mut Vec<Case>) {
    let (mid, mdoc) = metric();
    let (iid, idoc) = incident();
    let good_action = json!({ "index": { "_index": M, "_id": mid } }).to_string();
    let doc = mdoc.to_string();
    let ok = ndjson(&[good_action.clone(), doc.clone()]);
    let canonical = Some(json!([{ "index": { "_index": M, "_id": mid } }, mdoc]));
    out.push(
        case(
            "bulk: the app's own write",
            "POST",
            "/es/_bulk?filter_path=items.*.status,items.*.error&refresh=wait_for",
            ok.clone(),
            200,
        )
        .forwards(
            "/_bulk?filter_path=items.*.status,items.*.error&refresh=wait_for",
            canonical.clone(),
        ),
    );
    out.push(
        case(
            "bulk: create, default index from the path",
            "POST",
            format!("/es/{M}/_bulk"),
            ndjson(&[json!({"create":{"_id": mid}}).to_string(), doc.clone()]),
            200,
        )
        .forwards(
            &format!("/{M}/_bulk"),
            Some(json!([{ "create": { "_index": M, "_id": mid } }, mdoc])),
        ),
    );
    out.push(
        case(
            "bulk: application/json content type",
            "POST",
            "/es/_bulk",
            ok.clone(),
            200,
        )
        .header("Content-Type", "application/json; charset=utf-8")
        .forwards("/_bulk", canonical.clone()),
    );
    out.push(
        case(
            "bulk: key order and spacing are re-encoded",
            "POST",
            "/es/_bulk",
            format!("{{ \"index\" : {{ \"_id\" : \"{mid}\" , \"_index\" : \"{M}\" }} }}\n{doc}\n"),
            200,
        )
        .forwards("/_bulk", canonical.clone()),
    );
    let foreign_delete = json!({ "delete": { "_index": "secrets", "_id": "x" } }).to_string();
    let blank_variants = [
        format!("{good_action}\n\n{foreign_delete}\n{doc}\n"),
        format!("{good_action}\n{doc}\n\n{foreign_delete}\n"),
        format!("{good_action}\n \n{foreign_delete}\n{doc}\n"),
        format!("{good_action}\n\r\n{foreign_delete}\n{doc}\n"),
        format!("\n{good_action}\n{doc}\n"),
        format!("{good_action}\n\t\n{doc}\n"),
    ];
    for (n, body) in blank_variants.into_iter().enumerate() {
        out.push(case(
            format!("bulk: blank line smuggles an action #{n}"),
            "POST",
            "/es/_bulk",
            body,
            400,
        ));
    }
    let bad_meta: Vec<(&str, Value, u16)> = vec![
        ("numeric _index", json!({"index": {"_index": 4711, "_id": "a"}}), 403),
        ("array _index", json!({"index": {"_index": [M], "_id": "a"}}), 403),
        ("null _index", json!({"index": {"_index": null, "_id": "a"}}), 403),
        (
            "foreign _index",
            json!({"index": {"_index": "secrets", "_id": "a"}}),
            403,
        ),
        (
            "wildcard _index",
            json!({"index": {"_index": "metrics-*", "_id": "a"}}),
            403,
        ),
        (
            "list _index",
            json!({"index": {"_index": format!("{M},secrets"), "_id": "a"}}),
            403,
        ),
        (
            "upper-case _index",
            json!({"index": {"_index": M.to_uppercase(), "_id": "a"}}),
            403,
        ),
        ("missing _index", json!({"index": {"_id": "a"}}), 403),
        (
            "pipeline",
            json!({"index": {"_index": M, "_id": mid, "pipeline": "x"}}),
            403,
        ),
        (
            "routing",
            json!({"index": {"_index": M, "_id": mid, "routing": "r"}}),
            403,
        ),
        (
            "version",
            json!({"index": {"_index": M, "_id": mid, "version": 9, "version_type": "external"}}),
            403,
        ),
        (
            "if_seq_no",
            json!({"index": {"_index": M, "_id": mid, "if_seq_no": 1, "if_primary_term": 1}}),
            403,
        ),
        (
            "require_alias",
            json!({"index": {"_index": M, "_id": mid, "require_alias": true}}),
            403,
        ),
        (
            "dynamic_templates",
            json!({"index": {"_index": M, "_id": mid, "dynamic_templates": {}}}),
            403,
        ),
        (
            "_type",
            json!({"index": {"_index": M, "_id": mid, "_type": "_doc"}}),
            403,
        ),
        ("numeric _id", json!({"index": {"_index": M, "_id": 7}}), 400),
        ("empty _id", json!({"index": {"_index": M, "_id": ""}}), 400),
        ("no _id", json!({"index": {"_index": M}}), 400),
        // A delete has no document line: the next line is read as an action, as upstream reads it.
        (
            "delete followed by a document line",
            json!({"delete": {"_index": M, "_id": mid}}),
            400,
        ),
        ("update", json!({"update": {"_index": M, "_id": mid}}), 403),
        (
            "two actions in one line",
            json!({"index": {"_index": M, "_id": mid}, "delete": {"_index": I, "_id": iid}}),
            400,
        ),
        ("action is an array", json!([{"index": {"_index": M, "_id": mid}}]), 400),
        ("metadata is a string", json!({"index": M}), 400),
    ];
    for (name, action, status) in bad_meta {
        out.push(case(
            format!("bulk: {name}"),
            "POST",
            "/es/_bulk",
            ndjson(&[action.to_string(), doc.clone()]),
            status,
        ));
    }
    out.push(
        case(
            "bulk: a run deletes telemetry it no longer holds, by id",
            "POST",
            "/es/_bulk?filter_path=items.*.status,items.*.error&refresh=true",
            ndjson(&[
                json!({"delete": {"_index": M, "_id": mid}}).to_string(),
                json!({"delete": {"_index": L, "_id": "l-auth-service-1-00"}}).to_string(),
            ]),
            200,
        )
        .forwards(
            "/_bulk?filter_path=items.*.status,items.*.error&refresh=true",
            Some(
                json!([{"delete": {"_index": M, "_id": mid}}, {"delete": {"_index": L, "_id": "l-auth-service-1-00"}}]),
            ),
        ),
    );
    let bad_deletes = [
        (
            "delete from the incident history",
            json!({"delete": {"_index": I, "_id": iid}}),
            403,
        ),
        (
            "delete from the audit trail",
            json!({"delete": {"_index": D, "_id": "d-x"}}),
            403,
        ),
        (
            "delete of a foreign index",
            json!({"delete": {"_index": "secrets", "_id": "m-x"}}),
            403,
        ),
        (
            "delete of an id not of the index's form",
            json!({"delete": {"_index": M, "_id": "l-x"}}),
            403,
        ),
        (
            "delete with a numeric id",
            json!({"delete": {"_index": M, "_id": 4711}}),
            400,
        ),
        (
            "delete with routing",
            json!({"delete": {"_index": M, "_id": mid, "routing": "x"}}),
            403,
        ),
        (
            "delete with a version",
            json!({"delete": {"_index": M, "_id": mid, "version": 1}}),
            403,
        ),
    ];
    for (name, action, status) in bad_deletes {
        out.push(case(
            format!("bulk: {name}"),
            "POST",
            "/es/_bulk",
            ndjson(&[action.to_string()]),
            status,
        ));
    }
    let raw_bad: Vec<(&str, String, u16)> = vec![
        ("duplicate _index, foreign first", format!("{{\"index\":{{\"_index\":\"secrets\",\"_index\":\"{M}\",\"_id\":\"{mid}\"}}}}\n{doc}\n"), 400),
        ("duplicate _index, foreign last", format!("{{\"index\":{{\"_index\":\"{M}\",\"_index\":\"secrets\",\"_id\":\"{mid}\"}}}}\n{doc}\n"), 400),
        ("duplicate action key", format!("{{\"index\":{{\"_index\":\"{M}\",\"_id\":\"{mid}\"}},\"index\":{{\"_index\":\"secrets\",\"_id\":\"x\"}}}}\n{doc}\n"), 400),
        ("duplicate key in the document", format!("{good_action}\n{{\"@timestamp\":\"2026-02-13T15:00:00Z\",\"value\":1,\"value\":2}}\n"), 400),
        ("comment in the action", format!("{{/*x*/\"index\":{{\"_index\":\"{M}\",\"_id\":\"{mid}\"}}}}\n{doc}\n"), 400),
        ("trailing garbage after the action", format!("{good_action} {{\"delete\":{{}}}}\n{doc}\n"), 400),
        ("no final newline", format!("{good_action}\n{doc}"), 400),
        ("action without a document", format!("{good_action}\n"), 400),
        ("odd number of lines", format!("{good_action}\n{doc}\n{good_action}\n"), 400),
        ("empty body", String::new(), 400),
        ("only a newline", "\n".into(), 400),
        ("byte-order mark", format!("\u{feff}{good_action}\n{doc}\n"), 400),
        ("NaN in the document", format!("{good_action}\n{{\"value\":NaN}}\n"), 400),
        ("lone surrogate", format!("{{\"index\":{{\"_index\":\"{M}\",\"_id\":\"\\ud800\"}}}}\n{doc}\n"), 400),
        ("document is not an object", format!("{good_action}\n[1,2]\n"), 400),
        ("document lacks @timestamp", format!("{}\n{}\n", json!({"index":{"_index": I, "_id": iid}}), json!({"service":"x"})), 400),
        ("document of the wrong type", format!("{}\n{doc}\n", json!({"index":{"_index": I, "_id": iid}})), 400),
        ("id that is not the document's", format!("{}\n{doc}\n", json!({"index":{"_index": M, "_id": "m-forged"}})), 403),
        ("seeded incident overwritten", format!("{}\n{}\n", json!({"index":{"_index": I, "_id": iid}}), json!({"@timestamp":"2026-02-13T15:00:00Z","service":"auth-service","region":"x","anomaly_type":"memory_leak","root_cause":"forged","actions_taken":"none","status":"resolved"})), 403),
        ("foreign default index", format!("{}\n{doc}\n", json!({"index":{"_id": mid}})), 403),
    ];
    for (name, body, status) in raw_bad {
        let target = if name == "foreign default index" {
            "/es/secrets/_bulk"
        } else {
            "/es/_bulk"
        };
        out.push(case(format!("bulk: {name}"), "POST", target, body, status));
    }
    let mut invalid = ok.clone().into_bytes();
    invalid.insert(3, 0xff);
    out.push(case("bulk: invalid UTF-8", "POST", "/es/_bulk", invalid, 400));
    out.push(case("bulk: text/plain", "POST", "/es/_bulk", ok.clone(), 415).header("Content-Type", "text/plain"));
    out.push(
        case("bulk: form", "POST", "/es/_bulk", ok.clone(), 415)
            .header("Content-Type", "application/x-www-form-urlencoded"),
    );
    out.push(case("bulk: no content type", "POST", "/es/_bulk", ok.clone(), 415).no_content_type());
    out.push(
        case(
            "bulk: gzip-encoded body",
            "POST",
            "/es/_bulk",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
            400,
        )
        .header("Content-Encoding", "gzip"),
    );
    let big = format!(
        "{good_action}\n{{\"@timestamp\":\"2026-02-13T15:00:00Z\",\"pad\":\"{}\"}}\n",
        "x".repeat(70 << 10)
    );
    out.push(case("bulk: over the body limit", "POST", "/es/_bulk", big, 413));
    let _ = idoc;
}
