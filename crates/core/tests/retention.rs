//! What the embedded store keeps as runs go on: after a warm-up, each further
//! round of every scenario (as "Run all" does) may keep only its audit
//! records, incidents and the latest run's telemetry. Live heap bytes are
//! counted by a global allocator wrapper, so the figure is what the store and
//! the pipeline hold, not how the allocator lays it out.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use quantumstate_core::agents::{AgentConfig, Pipeline, ReportStatus};
use quantumstate_core::sim::{Scenario, SimConfig};
use quantumstate_core::store::load_scenario;
use quantumstate_core::{MemoryStore, Store};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The app's own stated bound (docs/benchmarks.md, "Memory").
const BOUND_PER_RECORD: f64 = 8.0 * 1024.0;

const RUN_ALL: [Scenario; 5] = [
    Scenario::MemoryLeak,
    Scenario::DeploymentRollback,
    Scenario::ErrorSpike,
    Scenario::RedHerring,
    Scenario::Healthy,
];

/// One "Run all": every scenario in turn, 30 simulated minutes apart, as the app does.
fn run_all(store: &MemoryStore, seed: u64, anchor: &mut DateTime<Utc>) {
    for scenario in RUN_ALL {
        *anchor += TimeDelta::minutes(30);
        let config = SimConfig::new(scenario, seed, *anchor);
        futures::executor::block_on(async {
            let data = load_scenario(store, &config, &mut |_, _| {}).await.unwrap();
            let report = Pipeline::new(store, AgentConfig::default())
                .run(data.truth.timeline.end)
                .await
                .unwrap();
            assert_ne!(
                report.status,
                ReportStatus::AwaitingApproval,
                "{scenario} at the default threshold"
            );
        });
    }
}

fn records(store: &MemoryStore) -> u64 {
    futures::executor::block_on(store.counts()).unwrap().decisions
}

#[test]
fn rounds_of_run_all_keep_at_most_the_bound_per_audit_record() {
    for seed in [7, 42, 1_000] {
        let store = MemoryStore::new();
        let mut anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
        // Round 1 fills the store with one run's telemetry; round 2 is the warm-up.
        run_all(&store, seed, &mut anchor);
        run_all(&store, seed, &mut anchor);
        let (bytes, kept) = (LIVE.load(Ordering::Relaxed), records(&store));
        for _ in 0..4 {
            run_all(&store, seed, &mut anchor);
        }
        let added = records(&store) - kept;
        let growth = (LIVE.load(Ordering::Relaxed) - bytes) as f64;
        assert!(added >= 4 * RUN_ALL.len() as u64, "seed {seed}: {added} records");
        let per_record = growth / added as f64;
        eprintln!(
            "seed {seed}: {:+.0} B over {added} records: {per_record:+.0} B per record",
            growth
        );
        assert!(
            per_record <= BOUND_PER_RECORD,
            "seed {seed}: the store keeps {per_record:.0} B per audit record ({growth:.0} B over {added})"
        );
    }
}
