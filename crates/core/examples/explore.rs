use chrono::{TimeZone, Utc};
use quantumstate_core::agents::{AgentConfig, Pipeline};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::{MemoryStore, Store};

fn main() {
    let seed: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(42);
    for scenario in Scenario::ALL {
        let store = MemoryStore::new();
        let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
        let config = SimConfig::new(scenario, seed, anchor);
        let data = sim::generate(&config);
        futures::executor::block_on(async {
            store.write_metrics(&data.metrics).await.unwrap();
            store.write_logs(&data.logs).await.unwrap();
            store.write_incidents(&sim::seeded_incidents(anchor)).await.unwrap();
            let p = Pipeline::new(&store, AgentConfig::default());
            let r = p.run(data.truth.timeline.end).await.unwrap();
            println!(
                "=== {scenario} onset {} -> {:?}",
                data.truth.timeline.onset.format("%H:%M"),
                r.status
            );
            for d in &r.decisions {
                println!(
                    "[{}] {} ({}): {}",
                    d.agent.as_str(),
                    d.service,
                    d.confidence,
                    d.decision
                );
            }
        });
    }
}
