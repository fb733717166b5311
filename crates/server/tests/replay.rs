//! Replaying one share link twice on one Elasticsearch store (osmem-server,
//! through the proxy) tells the same story word for word: the second run
//! neither finds its own earlier incident as a past one nor loses the
//! recovery telemetry that the first run wrote and the reset cleared.

mod support;

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
    let es = support::proxy_in_front(&es_url, "replay-").await;
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
