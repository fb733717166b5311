//! Generation throughput and the whole incident pipeline on the default scenario
//! (memory leak, seed 42: 3 h 25 min of history at 30 s). `cargo bench -p quantumstate-core`;
//! `scripts/bench.sh` reads the results from `target/criterion/{generate,pipeline}/memory-leak`;
//! `replace/{write-then-prune,memory-store}` time a click's replacement of the
//! previous run's telemetry on the embedded store, the general way and its own.

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

fn replace(c: &mut Criterion) {
    // A click on the embedded store: the previous run's telemetry is there,
    // and the new run's replaces it. `write-then-prune` is the general path
    // (`KeepIds::of` and `prune_telemetry` format every id to tell old from
    // new); `memory-store` is `MemoryStore::replace_telemetry`.
    let before = sim::generate(&SimConfig::new(
        Scenario::ErrorSpike,
        7,
        Utc.with_ymd_and_hms(2026, 2, 13, 14, 0, 0).unwrap(),
    ));
    let data = sim::generate(&config());
    let holding_before = || {
        let store = MemoryStore::new();
        futures::executor::block_on(store.write_telemetry(&before.metrics, &before.logs, &mut |_, _| {})).unwrap();
        store
    };
    let mut group = c.benchmark_group("replace");
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function("write-then-prune", |b| {
        b.iter_batched(
            holding_before,
            |store| {
                futures::executor::block_on(async {
                    store
                        .write_telemetry(&data.metrics, &data.logs, &mut |_, _| {})
                        .await
                        .unwrap();
                    store
                        .prune_telemetry(&KeepIds::of(&data.metrics, &data.logs))
                        .await
                        .unwrap();
                });
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("memory-store", |b| {
        b.iter_batched(
            holding_before,
            |store| {
                futures::executor::block_on(store.replace_telemetry(&data.metrics, &data.logs, &mut |_, _| {}))
                    .unwrap();
                store
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, generation, pipeline, replace);
criterion_main!(benches);
