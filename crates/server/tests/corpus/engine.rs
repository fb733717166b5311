//! The corpus against real engines behind the proxy (osmem-server and an
//! OpenSearch node): every request the proxy lets through must be one the
//! engine accepts, and every request it refuses must leave the engine exactly
//! as it was (indices, settings, mappings, cluster settings, and every
//! document with its version).

use super::*;
use quantumstate_core::elastic::{ElasticStore, IndexNames};
use quantumstate_server::transport::{Credentials, HttpTransport};
use quantumstate_testkit::{engines, Engine};
use std::collections::BTreeMap;

/// Allowed requests a real engine answers with something other than 2xx, and why.
fn engine_status(name: &str) -> Option<u16> {
    match name {
        // `setup` created the index already.
        n if n.starts_with("index: create") => Some(400),
        // No document under that id: the recorder's redirect is a plain miss here.
        "doc: read, upstream redirects" => Some(404),
        _ => None,
    }
}

/// Allowed requests whose answer may carry an item's error, and why.
fn item_error_expected(name: &str) -> bool {
    // The 400 and 404 above answer with an error of their own; `create` is
    // write-once, and an earlier case (or the seeding) wrote that id: 409.
    engine_status(name).is_some() || name.contains("bulk: create")
}

/// Everything a refused request could have changed, as the engine reports it.
async fn snapshot(http: &reqwest::Client, url: &str) -> BTreeMap<String, (u16, Value)> {
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{url}{path}");
        async move {
            let r = http.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    http.post(format!("{url}/_refresh")).send().await.unwrap();
    let mut out = BTreeMap::new();
    for path in [
        "/_cat/indices?h=index&s=index&format=json".to_string(),
        "/_mapping".to_string(),
        "/_settings?flat_settings=true".to_string(),
        "/_cluster/settings?flat_settings=true".to_string(),
    ] {
        out.insert(path.clone(), get(path).await);
    }
    for index in [M, L, I, D] {
        let body = json!({ "size": 1000, "version": true, "query": { "match_all": {} } });
        let r = http
            .post(format!("{url}/{index}/_search"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        // Document by document, in id order (hit order is the engine's).
        let docs: BTreeMap<String, Value> = v
            .pointer("/hits/hits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|h| {
                (
                    h["_id"].as_str().unwrap_or_default().to_string(),
                    json!([h["_version"], h["_source"]]),
                )
            })
            .collect();
        out.insert(format!("{index} documents"), (status, json!(docs)));
    }
    out
}

#[tokio::test]
async fn on_real_engines_what_the_proxy_passes_is_accepted_and_what_it_refuses_changes_nothing() {
    for engine in engines() {
        on_engine(&engine).await;
    }
}

async fn on_engine(engine: &Engine) {
    let on = engine.kind;
    // The app's indices as the app creates them (the OpenSearch node is this
    // binary's own, and no other test here uses these names), and the
    // documents the corpus names.
    let direct = HttpTransport::new(&engine.url, Credentials::default(), Duration::from_secs(30)).unwrap();
    let store = ElasticStore::new(direct, IndexNames::default());
    store.setup(chrono::Utc::now()).await.unwrap();
    let http = reqwest::Client::new();
    for (index, (id, doc)) in [(M, metric()), (I, incident()), (D, decision())] {
        let r = http
            .put(format!("{}/{index}/_doc/{id}?refresh=true", engine.url))
            .json(&doc)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "seeding {index} on {on}: {}", r.status());
    }
    let dist = dist();
    let addr = proxy_to(engine.url.clone(), dist.path()).await;
    let corpus = all(&addr);
    let mut failures = Vec::new();

    // Refused first, against a known state.
    let before = snapshot(&http, &engine.url).await;
    let refused: Vec<&Case> = corpus.iter().filter(|c| c.forwarded.is_none()).collect();
    for c in &refused {
        let (status, _) = raw(&addr, c).await;
        if status != c.status {
            failures.push(format!("{}: status {status}, expected {}", c.name, c.status));
        }
    }
    let after = snapshot(&http, &engine.url).await;
    for (what, was) in &before {
        if after.get(what) != Some(was) {
            failures.push(format!(
                "refused requests changed {what}: {was:?} → {:?}",
                after.get(what)
            ));
        }
    }

    // Then what passes: the engine must accept our re-encoding.
    let allowed: Vec<&Case> = corpus.iter().filter(|c| c.forwarded.is_some()).collect();
    for c in &allowed {
        let (status, answer) = raw(&addr, c).await;
        // A bulk answers 200 with the items it refused: none may be.
        if answer.contains("\"error\":{") && !item_error_expected(&c.name) {
            failures.push(format!("{}: the engine refused an item: {answer}", c.name));
        }
        let expected = engine_status(&c.name);
        let ok = match expected {
            Some(e) => status == e,
            None => (200..300).contains(&status),
        };
        if !ok {
            failures.push(format!(
                "{}: the engine answered {status}, expected {}",
                c.name,
                expected.map_or("2xx".to_string(), |e| e.to_string())
            ));
        }
    }
    println!(
        "corpus on {on}: {} refused without a trace, {} passed and accepted",
        refused.len(),
        allowed.len()
    );
    assert!(
        refused.len() >= 120 && allowed.len() >= 15,
        "{} / {}",
        refused.len(),
        allowed.len()
    );
    assert!(
        failures.is_empty(),
        "on {on}, {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
