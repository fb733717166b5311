//! Replaying one share link twice on one Elasticsearch store (osmem-server,
//! through the proxy) tells the same story word for word: the second run
//! neither finds its own earlier incident as a past one nor loses the
//! recovery telemetry that the first run wrote and the reset cleared.

mod support;

use quantumstate_server::listen::{self, Limits};
use quantumstate_server::proxy::ProxyConfig;
use quantumstate_server::serve::{app, ServeConfig};
use std::process::Command;

fn run(es: &str, scenario: &str, seed: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_quantumstate"))
        .args([
            "run",
            "--scenario",
            scenario,
            "--seed",
            seed,
            "--anchor",
            "2026-02-13T15:00:00Z",
        ])
        .args(["--es-url", es, "--index-prefix", "replay-", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_link_twice_on_one_store_tells_the_same_story() {
    let (_es, es_url) = support::osmem();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let proxy = ProxyConfig {
        es_url: Some(es_url),
        index_prefix: "replay-".into(),
        ..Default::default()
    };
    let router = app(&ServeConfig {
        dist: dir.path().to_path_buf(),
        proxy,
    })
    .unwrap();
    let base = listen::spawn_loopback(router, Limits::default()).await.unwrap();
    let es = format!("{base}/es");
    for (scenario, seed, status) in [
        ("memory-leak", "42", "resolved"),
        ("error-spike", "7", "resolved"),
        ("deployment-rollback", "3", "resolved"),
    ] {
        let (es, s, n) = (es.clone(), scenario.to_string(), seed.to_string());
        let (first, second) = tokio::task::spawn_blocking(move || (run(&es, &s, &n), run(&es, &s, &n)))
            .await
            .unwrap();
        assert_eq!(first["status"], status, "{scenario}");
        let words = |r: &serde_json::Value| -> Vec<String> {
            let decisions = r["decisions"].as_array().unwrap();
            decisions
                .iter()
                .map(|d| d["decision"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(words(&first).len(), 4, "{scenario}: four agents decided");
        assert_eq!(
            words(&first),
            words(&second),
            "{scenario}: the replay tells another story"
        );
        // And the records, evidence and verdict behind the words.
        for part in ["decisions", "investigation", "plan", "verification", "status"] {
            assert_eq!(first[part], second[part], "{scenario}: {part} differs");
        }
    }
}
