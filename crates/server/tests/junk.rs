//! Junk documents in the incident history and the audit trail (written by
//! someone else, straight to the cluster): every reader skips them with a
//! counted warning, runs keep working, and `setup --repair` removes them.

mod support;

use quantumstate_core::store::IncidentQuery;
use quantumstate_core::Store;
use quantumstate_server::cli;
use std::process::Command;

const ANCHOR: &str = "2026-02-13T15:00:00Z";
const PREFIX: &str = "junk-";

fn quantumstate(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_quantumstate"))
        .args(args)
        .env_remove("ES_API_KEY")
        .env_remove("ES_USERNAME")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn junk_documents_are_skipped_with_a_warning_and_setup_repair_removes_them() {
    let (_es, es_url) = support::osmem();
    let common = ["--es-url", es_url.as_str(), "--index-prefix", PREFIX];
    let (ok, err) = quantumstate(&[&["setup", "--anchor", ANCHOR][..], &common].concat());
    assert!(ok, "{err}");
    let client = reqwest::Client::new();
    let junk = [
        (
            format!("{PREFIX}incidents-quantumstate"),
            "junk-incident",
            serde_json::json!({ "service": "auth-service", "anomaly_type": "memory_leak" }),
        ),
        (
            format!("{PREFIX}incidents-quantumstate"),
            "junk-date",
            serde_json::json!({ "@timestamp": "2026-02-13T15:00:00Z", "service": "x" }),
        ),
        (
            format!("{PREFIX}agent-decisions-quantumstate"),
            "junk-decision",
            serde_json::json!({ "agent": "nobody", "decision": "x" }),
        ),
    ];
    for (index, id, doc) in &junk {
        let r = client
            .put(format!("{es_url}/{index}/_doc/{id}?refresh=true"))
            .json(doc)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    // Readers skip and count them.
    let store = cli::elastic_store(&es_url, PREFIX).unwrap();
    let incidents = store.incidents(&IncidentQuery::default()).await.unwrap();
    assert!(!incidents.is_empty(), "the seeded history is still read");
    assert_eq!(store.skipped_documents(), 2);
    store.decisions(100).await.unwrap();
    assert_eq!(store.skipped_documents(), 3);

    // A run works and says what it skipped and how to fix it.
    let run = [&["run", "--scenario", "memory-leak", "--anchor", ANCHOR][..], &common].concat();
    let (ok, err) = quantumstate(&run);
    assert!(ok, "{err}");
    assert!(
        err.contains("malformed documents") && err.contains("setup --repair"),
        "{err}"
    );

    // Repair removes exactly the junk.
    let before = store.counts().await.unwrap();
    let (ok, err) = quantumstate(&[&["setup", "--repair", "--anchor", ANCHOR][..], &common].concat());
    assert!(ok, "{err}");
    assert!(err.contains("repair: 3 malformed documents removed"), "{err}");
    for (_, id, _) in &junk {
        assert!(err.contains(id), "{id} not reported: {err}");
    }
    let after = store.counts().await.unwrap();
    assert_eq!(after.incidents, before.incidents - 2);
    assert_eq!(after.decisions, before.decisions - 1);
    let fresh = cli::elastic_store(&es_url, PREFIX).unwrap();
    fresh.incidents(&IncidentQuery::default()).await.unwrap();
    fresh.decisions(100).await.unwrap();
    assert_eq!(fresh.skipped_documents(), 0);
    let (ok, err) = quantumstate(&run);
    assert!(ok && !err.contains("malformed"), "{err}");
}
