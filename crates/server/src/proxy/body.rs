//! Request bodies: parsed as strictly as the upstream parses them (one JSON
//! value, duplicate keys refused), checked against what the app sends, and
//! re-encoded by us. Only the re-encoding is forwarded.

use super::{Endpoint, Refusal};
use axum::http::StatusCode;
use quantumstate_core::elastic::query::{mappings, MAX_HITS};
use quantumstate_core::{DecisionDoc, Document, IncidentDoc, Index, LogDoc, MetricDoc};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Bounds on what a read may ask for.
const MAX_CLAUSES: usize = 256;
const MAX_DEPTH: usize = 6;
const MAX_TERMS: usize = 1_000;
const MAX_AGGS: usize = 16;
const MAX_AGG_DEPTH: usize = 3;
const MAX_TERMS_SIZE: u64 = 1_000;
const MAX_SORT: usize = 4;
const MAX_STRING: usize = 1_024;
const MAX_BULK_ACTIONS: usize = 20_000;
const MAX_ID: usize = 512;
/// A run's documents per index, with room: the default scenario writes ~8,000.
const MAX_IDS: usize = 100_000;

fn bad(message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, "bad_body", message)
}

fn refused(message: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::FORBIDDEN, "body_not_allowed", message)
}

/// A JSON value whose objects had no duplicate keys.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parse exactly one JSON value (surrounding whitespace only), duplicate keys refused.
pub fn strict_json(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let Strict(value) = Strict::deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Refusal> {
    v.as_object().ok_or_else(|| bad(format!("{what} must be an object")))
}

fn only_keys(o: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), Refusal> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(refused(format!("{k:?} is not allowed in {what}"))),
        None => Ok(()),
    }
}

/// `{ "<one key>": value }`.
fn single<'a>(v: &'a Value, what: &str) -> Result<(&'a str, &'a Value), Refusal> {
    let o = object(v, what)?;
    match (o.len(), o.iter().next()) {
        (1, Some((k, v))) => Ok((k.as_str(), v)),
        _ => Err(bad(format!("{what} must have exactly one key"))),
    }
}

fn small_uint(v: &Value, max: u64, what: &str) -> Result<(), Refusal> {
    match v.as_u64() {
        Some(n) if n <= max => Ok(()),
        _ => Err(refused(format!("{what} must be a whole number up to {max}"))),
    }
}

fn scalar(v: &Value, what: &str) -> Result<(), Refusal> {
    match v {
        Value::String(s) if s.len() <= MAX_STRING => Ok(()),
        Value::Number(_) | Value::Bool(_) => Ok(()),
        _ => Err(refused(format!("{what} must be a string, number or boolean"))),
    }
}

/// The fields of an index and their mapping types, from the app's own mappings.
struct Fields(Map<String, Value>);

impl Fields {
    fn of(index: Index) -> Fields {
        let m = mappings(index);
        Fields(
            m.pointer("/mappings/properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        )
    }

    fn check(&self, field: &str) -> Result<&str, Refusal> {
        self.0
            .get(field)
            .map(|m| m["type"].as_str().unwrap_or_default())
            .filter(|kind| *kind != "object")
            .ok_or_else(|| refused(format!("field {field:?} is not one of the index's fields")))
    }
}

struct Budget {
    clauses: usize,
    aggs: usize,
}

fn clause(fields: &Fields, v: &Value, depth: usize, budget: &mut Budget) -> Result<(), Refusal> {
    budget.clauses += 1;
    if depth > MAX_DEPTH || budget.clauses > MAX_CLAUSES {
        return Err(refused(format!(
            "query too complex (over {MAX_DEPTH} levels or {MAX_CLAUSES} clauses)"
        )));
    }
    let (kind, body) = single(v, "a query clause")?;
    match kind {
        "match_all" => match body.as_object() {
            Some(o) if o.is_empty() => Ok(()),
            _ => Err(refused("match_all takes no options")),
        },
        "bool" => {
            let o = object(body, "bool")?;
            only_keys(
                o,
                &["filter", "should", "must", "must_not", "minimum_should_match"],
                "bool",
            )?;
            for key in ["filter", "should", "must", "must_not"] {
                if let Some(list) = o.get(key) {
                    let list = list
                        .as_array()
                        .ok_or_else(|| refused(format!("bool {key} must be a list of clauses")))?;
                    for c in list {
                        clause(fields, c, depth + 1, budget)?;
                    }
                }
            }
            match o.get("minimum_should_match") {
                Some(n) => small_uint(n, 64, "minimum_should_match"),
                None => Ok(()),
            }
        }
        "term" => {
            let (field, value) = single(body, "term")?;
            fields.check(field)?;
            scalar(value, "a term value")
        }
        "terms" => {
            let (field, values) = single(body, "terms")?;
            fields.check(field)?;
            let values = values
                .as_array()
                .filter(|a| a.len() <= MAX_TERMS)
                .ok_or_else(|| refused(format!("terms takes a list of up to {MAX_TERMS} values (no lookups)")))?;
            values.iter().try_for_each(|v| scalar(v, "a terms value"))
        }
        "range" => {
            let (field, bounds) = single(body, "range")?;
            fields.check(field)?;
            let bounds = object(bounds, "range")?;
            only_keys(bounds, &["gte", "gt", "lte", "lt"], "range")?;
            bounds.values().try_for_each(|v| match v {
                Value::String(s) if s.len() <= 64 => Ok(()),
                Value::Number(_) => Ok(()),
                _ => Err(refused("range bounds must be short strings or numbers")),
            })
        }
        "prefix" => {
            let (field, value) = single(body, "prefix")?;
            fields.check(field)?;
            match value {
                Value::String(s) if s.len() <= 256 => Ok(()),
                _ => Err(refused("prefix takes a short string")),
            }
        }
        // Documents of this index by id (the ids query names no other index).
        "ids" => {
            let o = object(body, "ids")?;
            only_keys(o, &["values"], "ids")?;
            let values = o
                .get("values")
                .and_then(Value::as_array)
                .filter(|a| a.len() <= MAX_IDS)
                .ok_or_else(|| refused(format!("ids takes a list of up to {MAX_IDS} values")))?;
            values.iter().try_for_each(|v| match v.as_str() {
                Some(id) if !id.is_empty() && id.len() <= MAX_ID => Ok(()),
                _ => Err(refused(format!(
                    "ids are non-empty strings of at most {MAX_ID} characters"
                ))),
            })
        }
        "exists" => {
            let o = object(body, "exists")?;
            only_keys(o, &["field"], "exists")?;
            let field = o["field"].as_str().ok_or_else(|| bad("exists needs a field"))?;
            fields.check(field).map(|_| ())
        }
        other => Err(refused(format!("query clause {other:?} is not allowed"))),
    }
}

fn valid_interval(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    !digits.is_empty()
        && digits.len() <= 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u64>().is_ok_and(|n| n >= 1)
        && matches!(unit, "s" | "m" | "h" | "d")
}

fn aggs(fields: &Fields, v: &Value, depth: usize, budget: &mut Budget) -> Result<(), Refusal> {
    if depth > MAX_AGG_DEPTH {
        return Err(refused(format!("aggregations nested over {MAX_AGG_DEPTH} levels")));
    }
    for (name, agg) in object(v, "aggs")? {
        budget.aggs += 1;
        if budget.aggs > MAX_AGGS {
            return Err(refused(format!("over {MAX_AGGS} aggregations")));
        }
        if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(refused(format!("aggregation name {name:?} is not allowed")));
        }
        let o = object(agg, "an aggregation")?;
        let mut kinds = o.iter().filter(|(k, _)| k.as_str() != "aggs");
        let (Some((kind, body)), None) = (kinds.next(), kinds.next()) else {
            return Err(bad(format!("aggregation {name:?} must have exactly one type")));
        };
        let b = object(body, kind)?;
        let field = b
            .get("field")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("aggregation {name:?} needs a field")))?;
        let field_type = fields.check(field)?;
        match kind.as_str() {
            "terms" => {
                only_keys(b, &["field", "size"], "a terms aggregation")?;
                if let Some(size) = b.get("size") {
                    small_uint(size, MAX_TERMS_SIZE, "terms size")?;
                }
            }
            "date_histogram" => {
                only_keys(b, &["field", "fixed_interval", "min_doc_count"], "a date_histogram")?;
                if field_type != "date" {
                    return Err(refused("date_histogram needs a date field"));
                }
                match b.get("fixed_interval").and_then(Value::as_str) {
                    Some(i) if valid_interval(i) => {}
                    _ => return Err(refused("fixed_interval must be like 30s, 5m, 1h or 1d")),
                }
                if let Some(n) = b.get("min_doc_count") {
                    small_uint(n, 1_000_000, "min_doc_count")?;
                }
            }
            "avg" | "min" | "max" | "sum" | "extended_stats" | "value_count" => {
                only_keys(b, &["field"], kind)?;
            }
            other => return Err(refused(format!("aggregation type {other:?} is not allowed"))),
        }
        if let Some(sub) = o.get("aggs") {
            aggs(fields, sub, depth + 1, budget)?;
        }
    }
    Ok(())
}

fn sort(fields: &Fields, v: &Value) -> Result<(), Refusal> {
    let list = v
        .as_array()
        .filter(|a| a.len() <= MAX_SORT)
        .ok_or_else(|| refused(format!("sort must be a list of up to {MAX_SORT} fields")))?;
    for item in list {
        let (field, order) = single(item, "a sort")?;
        fields.check(field)?;
        if !matches!(order.as_str(), Some("asc" | "desc")) {
            return Err(refused("sort order must be \"asc\" or \"desc\""));
        }
    }
    Ok(())
}

/// A `_search` or `_count` body (count: `query` only).
fn read_body(index: Index, v: &Value, count: bool) -> Result<(), Refusal> {
    let fields = Fields::of(index);
    let o = object(v, "the body")?;
    let allowed: &[&str] = if count {
        &["query"]
    } else {
        &["size", "query", "aggs", "sort", "_source"]
    };
    only_keys(o, allowed, if count { "a count" } else { "a search" })?;
    // Ids only, no sources: how a run finds what to delete.
    if o.get("_source").is_some_and(|v| v != &Value::Bool(false)) {
        return Err(refused("_source may only be false"));
    }
    let mut budget = Budget { clauses: 0, aggs: 0 };
    if let Some(size) = o.get("size") {
        small_uint(size, MAX_HITS as u64, "size")?;
    }
    if let Some(q) = o.get("query") {
        clause(&fields, q, 0, &mut budget)?;
    }
    if let Some(a) = o.get("aggs") {
        aggs(&fields, a, 0, &mut budget)?;
    }
    if let Some(s) = o.get("sort") {
        sort(&fields, s)?;
    }
    Ok(())
}

fn typed<D: Document + serde::de::DeserializeOwned>(v: &Value, id: &str) -> Result<(), Refusal> {
    let doc = D::deserialize(v).map_err(|e| bad(format!("not a {} document: {e}", D::INDEX.name())))?;
    if doc.doc_id() != id {
        return Err(refused(format!(
            "document id {id:?} is not the document's own id (ids are derived from content)"
        )));
    }
    Ok(())
}

/// Check a document destined for `index` with `_id` `id`.
fn document(index: Index, v: &Value, id: &str) -> Result<(), Refusal> {
    match index {
        Index::Metrics => typed::<MetricDoc>(v, id),
        Index::Logs => typed::<LogDoc>(v, id),
        Index::Incidents => typed::<IncidentDoc>(v, id),
        Index::Decisions => typed::<DecisionDoc>(v, id),
    }
}

fn encode(v: &Value) -> Result<Vec<u8>, Refusal> {
    serde_json::to_vec(v).map_err(|e| bad(format!("cannot re-encode: {e}")))
}

/// The body to forward for a `POST` or `PUT` to `endpoint`: our own encoding
/// of what we checked (`GET` and `HEAD` carry none).
/// `prefix` is the app indices' name prefix.
pub fn check(endpoint: &Endpoint, body: &[u8], prefix: &str) -> Result<Option<Vec<u8>>, Refusal> {
    let empty = body.iter().all(u8::is_ascii_whitespace);
    let json = || strict_json(body).map_err(|e| bad(format!("body is not strict JSON: {e}")));
    match endpoint {
        Endpoint::Bulk { default_index } => bulk(body, *default_index, prefix).map(Some),
        _ if empty => match endpoint {
            Endpoint::Plain => Ok(None),
            _ => Err(bad("this request needs a body")),
        },
        Endpoint::Plain => Err(bad("this request takes no body")),
        Endpoint::Search(index) | Endpoint::Count(index) => {
            let v = json()?;
            read_body(*index, &v, matches!(endpoint, Endpoint::Count(_)))?;
            encode(&v).map(Some)
        }
        Endpoint::CreateIndex(index) => {
            let v = json()?;
            if v != mappings(*index) {
                return Err(refused("an index is created with the app's own mappings only"));
            }
            encode(&v).map(Some)
        }
        Endpoint::PutDoc(index, id) => {
            let v = json()?;
            document(*index, &v, id)?;
            encode(&v).map(Some)
        }
    }
}

/// A `_bulk` body: `index`/`create` action lines each followed by its
/// document line, and `delete` action lines (no document line) for metrics
/// and logs only; every line non-blank (the upstream pairs blank lines too,
/// so we refuse them rather than guess), every action into an app index with
/// a string `_id` and nothing else. Re-encoded line by line.
fn bulk(body: &[u8], default_index: Option<Index>, prefix: &str) -> Result<Vec<u8>, Refusal> {
    let text = std::str::from_utf8(body).map_err(|_| bad("bulk body is not UTF-8"))?;
    let text = text
        .strip_suffix('\n')
        .ok_or_else(|| bad("a bulk body ends with a newline"))?;
    let lines: Vec<&str> = text.split('\n').collect();
    if let Some(n) = lines.iter().position(|l| l.trim().is_empty()) {
        return Err(bad(format!("bulk line {} is blank", n + 1)));
    }
    let mut out = Vec::with_capacity(body.len());
    let mut actions = 0;
    let mut i = 0;
    while i < lines.len() {
        let n = i + 1;
        actions += 1;
        if actions > MAX_BULK_ACTIONS {
            return Err(refused(format!("over {MAX_BULK_ACTIONS} actions in one bulk request")));
        }
        let action = strict_json(lines[i].as_bytes()).map_err(|e| bad(format!("bulk line {n}: {e}")))?;
        let (kind, meta) = single(&action, &format!("bulk line {n}"))?;
        if !matches!(kind, "index" | "create" | "delete") {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "action_not_allowed",
                format!("bulk line {n}: action {kind:?} is not allowed (index, create, and delete of telemetry only)"),
            ));
        }
        let meta = object(meta, "bulk metadata")?;
        only_keys(meta, &["_index", "_id"], &format!("bulk line {n} metadata"))?;
        let index = match meta.get("_index") {
            None => default_index,
            Some(Value::String(name)) => index_of(prefix, name),
            Some(_) => None,
        }
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::FORBIDDEN,
                "index_not_allowed",
                format!("bulk line {n}: _index must name one of the app's indices"),
            )
        })?;
        let id = match meta.get("_id") {
            Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_ID => id,
            _ => return Err(bad(format!("bulk line {n}: _id must be a non-empty string"))),
        };
        let name = format!("{prefix}{}", index.name());
        out.extend(encode(&serde_json::json!({ kind: { "_index": name, "_id": id } }))?);
        out.push(b'\n');
        if kind == "delete" {
            // The reset and a run's prune, by id: telemetry only, never incidents or decisions.
            let form = match index {
                Index::Metrics => "m-",
                Index::Logs => "l-",
                _ => {
                    return Err(Refusal::new(
                        StatusCode::FORBIDDEN,
                        "delete_not_allowed",
                        format!("bulk line {n}: only metrics and logs are deleted; incident history and the audit trail are kept"),
                    ))
                }
            };
            if !id.starts_with(form) {
                return Err(refused(format!(
                    "bulk line {n}: a delete names an id of the form {form}…"
                )));
            }
            i += 1;
            continue;
        }
        let Some(doc_line) = lines.get(i + 1) else {
            return Err(bad(format!(
                "bulk line {n}: every index or create action needs a document line"
            )));
        };
        let doc = strict_json(doc_line.as_bytes()).map_err(|e| bad(format!("bulk line {}: {e}", n + 1)))?;
        document(index, &doc, id).map_err(|r| Refusal {
            message: format!("bulk line {}: {}", n + 1, r.message),
            ..r
        })?;
        out.extend(encode(&doc)?);
        out.push(b'\n');
        i += 2;
    }
    Ok(out)
}

/// The app index called `name` (with the configured prefix).
pub fn index_of(prefix: &str, name: &str) -> Option<Index> {
    let rest = name.strip_prefix(prefix)?;
    Index::ALL.into_iter().find(|i| i.name() == rest)
}
