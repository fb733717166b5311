//! Generation throughput and the whole incident pipeline on the default scenario
//! (memory leak, seed 42: 3 h 25 min of history at 30 s). `cargo bench -p quantumstate-core`;
//! `scripts/bench.sh` reads the results from `target/criterion/{generate,pipeline}/memory-leak`;
//! `prune/memory-leak` is the embedded store's per-click prune (`KeepIds::of` and
//! `MemoryStore::prune_telemetry` over the previous run's and the new run's telemetry).

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use quantumstate_core::agents::{AgentConfig, Pipeline};
use quantumstate_core::sim::{self, Scenario, SimConfig};
use quantumstate_core::store::KeepIds;
use quantumstate_core::{MemoryStore, Store};

fn config() -> SimConfig {
    SimConfig::new(
        Scenario::MemoryLeak,
        42,
        Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap(),
    )
}

fn generation(c: &mut Criterion) {
    let docs = sim::generate(&config()).len() as u64;
    let mut group = c.benchmark_group("generate");
    group.throughput(Throughput::Elements(docs));
    group.bench_function("memory-leak", |b| b.iter(|| sim::generate(&config())));
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let data = sim::generate(&config());
    // Memory store load + Cassandra, Archaeologist, Surgeon and Guardian.
    let mut group = c.benchmark_group("pipeline");
    group.bench_function("memory-leak", |b| {
        b.iter(|| {
            let store = MemoryStore::new();
            futures::executor::block_on(async {
                store.write_metrics(&data.metrics).await.unwrap();
                store.write_logs(&data.logs).await.unwrap();
                store
                    .write_incidents(&sim::seeded_incidents(config().anchor))
                    .await
                    .unwrap();
                Pipeline::new(&store, AgentConfig::default())
                    .run(data.truth.timeline.end)
                    .await
                    .unwrap()
            })
        })
    });
    group.finish();
}

fn prune(c: &mut Criterion) {
    // A click on the embedded store: the previous run's telemetry is there,
    // the new run's is written, then everything not among its ids goes.
    let before = sim::generate(&SimConfig::new(
        Scenario::ErrorSpike,
        7,
        Utc.with_ymd_and_hms(2026, 2, 13, 14, 0, 0).unwrap(),
    ));
    let data = sim::generate(&config());
    let mut group = c.benchmark_group("prune");
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function("memory-leak", |b| {
        b.iter_batched(
            || {
                let store = MemoryStore::new();
                futures::executor::block_on(async {
                    for d in [&before, &data] {
                        store.write_metrics(&d.metrics).await.unwrap();
                        store.write_logs(&d.logs).await.unwrap();
                    }
                });
                store
            },
            |store| {
                futures::executor::block_on(store.prune_telemetry(&KeepIds::of(&data.metrics, &data.logs))).unwrap();
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, generation, pipeline, prune);
criterion_main!(benches);
