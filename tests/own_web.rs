//! In-browser tests of "Your data" without the worker: the page's side of the
//! worker's batches (columns back into documents, what can be judged, the
//! refusals) and the advisory story (headline, post-mortem) over data the
//! simulator did not label for the app.
#![cfg(target_arch = "wasm32")]

use chrono::{TimeDelta, TimeZone, Utc};
use quantumstate_app::own_data::collect::Collector;
use quantumstate_app::view_model::{self, RunState};
use quantumstate_core::agents::{AgentConfig, Pipeline};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::{MemoryStore, MetricType, Store};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn batches_become_documents_and_unknown_metric_types_are_not_judged() {
    let t0 = Utc.with_ymd_and_hms(2026, 9, 14, 3, 0, 0).unwrap();
    for interval in [30_i64, 45, 60] {
        let mut c = Collector::default();
        let keys = r#"[["billing-api","eu-central-1","error_rate","errors_per_min"],["batch-runner","eu-central-1","disk_io","ops"]]"#;
        let n = 40;
        let t: Vec<f64> = (0..n)
            .map(|i| (t0 + TimeDelta::seconds(interval * (i / 2) as i64)).timestamp_millis() as f64)
            .collect();
        let v: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let s: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let docs = c.metrics(keys, &t, &v, &s).unwrap();
        assert_eq!((docs.len(), c.not_judged), (20, 20));
        assert!(docs
            .iter()
            .all(|d| d.service == "billing-api" && d.unit == "errors_per_min"));
        // A later batch numbers on; an unnamed series is an error, not a guess.
        assert!(c.metrics("[]", &[t[0]], &[1.0], &[7]).is_err());
        let run = c.summary("m.ndjson".into()).unwrap();
        assert_eq!(run.interval_secs, interval);
        assert_eq!((run.start, run.metrics), (t0, 20));
        let services: Vec<(String, bool)> = run.services.iter().map(|s| (s.service.clone(), s.judged())).collect();
        assert_eq!(
            services,
            vec![("batch-runner".into(), false), ("billing-api".into(), true)]
        );
        assert!(run.services[1].describe().contains("not in the catalogue"));
        assert_eq!(run.story(), ("billing-api".to_string(), MetricType::ErrorRate));
    }
    // Nothing the agents know: refused, naming what they would know.
    let mut c = Collector::default();
    let keys = r#"[["batch-runner","r","disk_io","ops"]]"#;
    c.metrics(keys, &[0.0], &[1.0], &[0]).unwrap();
    let why = c.summary("x".into()).unwrap_err();
    assert!(why.contains("disk_io") && why.contains("memory_percent"), "{why}");
    let why = Collector::default().summary("x".into()).unwrap_err();
    assert!(why.contains("no") && why.contains("metrics"), "{why}");
}

#[wasm_bindgen_test]
async fn the_advisory_story_says_your_data_and_recommends() {
    for (scenario, seed) in [
        (Scenario::DeploymentRollback, 12),
        (Scenario::MemoryLeak, 5),
        (Scenario::Healthy, 2),
    ] {
        let anchor = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
        let data = sim::generate(&SimConfig::new(scenario, seed, anchor));
        let store = MemoryStore::new();
        store.write_metrics(&data.metrics).await.unwrap();
        store.write_logs(&data.logs).await.unwrap();
        let pipeline = Pipeline::advisory(&store, AgentConfig::default());
        let now = pipeline.latest_data_time().await.unwrap().unwrap();
        let report = pipeline.run(now).await.unwrap();
        let (start, end) = store.metric_time_range().await.unwrap().unwrap();
        let own = view_model::OwnRun {
            source: "files".into(),
            metrics: data.metrics.len(),
            logs: data.logs.len(),
            start,
            end,
            interval_secs: 30,
            services: Vec::new(),
        };
        let run = RunState {
            own: Some(own),
            ..RunState::from_report(report.clone())
        };
        let h = view_model::headline(&run, 4);
        let words = format!("{scenario:?}: {}", h.sentence);
        assert!(
            !h.sentence.contains("Simulat") && !h.sentence.to_lowercase().contains("executed"),
            "{words}"
        );
        if report.scan.detection.is_some() {
            assert!(h.sentence.starts_with("In your data, "), "{words}");
            assert!(h.sentence.contains("Surgeon recommends: "), "{words}");
        } else {
            assert!(
                h.sentence.starts_with("Advisory analysis of your data: no incident"),
                "{words}"
            );
        }
        let md = view_model::postmortem_markdown(&run).unwrap();
        assert!(
            md.starts_with("# Post-mortem: ") && md.contains("advisory"),
            "{words}\n{md}"
        );
        assert!(view_model::postmortem_file_name(&run).starts_with("postmortem-"));
    }
}
