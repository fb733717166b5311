//! Live replay: a scenario's documents written into a store as simulated time
//! passes, so a UI (or a test) can watch the incident unfold minute by minute.
//!
//! Everything up to shortly before the onset is written at once; the rest
//! follows through [`Replay::advance`]. The documents are exactly those of
//! [`sim::generate`], so a replay and an instant load hold the same data once
//! the replay has reached the end.
//!
//! ```
//! use quantumstate_core::{replay::Replay, MemoryStore, Scenario, SimConfig, Store};
//! use chrono::{TimeZone, Utc};
//!
//! let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
//! let store = MemoryStore::new();
//! futures::executor::block_on(async {
//!     let mut replay = Replay::start(&store, &SimConfig::new(Scenario::MemoryLeak, 42, anchor)).await.unwrap();
//!     assert!(replay.now < replay.data.truth.timeline.onset);
//!     while replay.advance(&store, 5).await.unwrap() {}
//!     assert_eq!(store.counts().await.unwrap().metrics, replay.data.metrics.len() as u64);
//! });
//! ```

use crate::model::{LogDoc, MetricDoc};
use crate::sim::{self, Dataset, SimConfig};
use crate::store::{Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};

/// Minutes of history a live replay shows before the fault begins.
pub const LEAD_MINUTES: i64 = 10;

/// A scenario being written as simulated time passes.
pub struct Replay {
    pub config: SimConfig,
    /// Every document of the scenario (written or still to come).
    pub data: Dataset,
    /// The simulated "now": everything up to it is in the store.
    pub now: DateTime<Utc>,
}

impl Replay {
    /// Clear the store's telemetry, seed the incident history, and write the
    /// scenario up to [`LEAD_MINUTES`] before its onset.
    pub async fn start<S: Store>(store: &S, config: &SimConfig) -> Result<Replay, StoreError> {
        let data = sim::generate(config);
        let t = data.truth.timeline;
        let first_now = (t.onset - TimeDelta::minutes(LEAD_MINUTES)).max(t.start);
        store.clear_telemetry().await?;
        store.write_incidents(&sim::seeded_incidents(config.anchor)).await?;
        let mut replay = Replay {
            config: config.clone(),
            data,
            now: t.start - TimeDelta::seconds(1),
        };
        replay.write_until(store, first_now).await?;
        Ok(replay)
    }

    async fn write_until<S: Store>(&mut self, store: &S, until: DateTime<Utc>) -> Result<(), StoreError> {
        let from = self.now;
        let due = |at: DateTime<Utc>| at > from && at <= until;
        let metrics: Vec<MetricDoc> = self.data.metrics.iter().filter(|m| due(m.timestamp)).cloned().collect();
        let logs: Vec<LogDoc> = self.data.logs.iter().filter(|l| due(l.timestamp)).cloned().collect();
        store.write_metrics(&metrics).await?;
        store.write_logs(&logs).await?;
        self.now = until;
        Ok(())
    }

    /// Write the next `minutes` of data; false once the data has ended.
    pub async fn advance<S: Store>(&mut self, store: &S, minutes: i64) -> Result<bool, StoreError> {
        let end = self.data.truth.timeline.end;
        if self.now >= end {
            return Ok(false);
        }
        let next = (self.now + TimeDelta::minutes(minutes)).min(end);
        self.write_until(store, next).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use chrono::TimeZone;
    use futures::executor::block_on;

    #[test]
    fn a_replay_writes_in_order_and_ends_with_every_document_once() {
        let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
        for scenario in sim::Scenario::ALL {
            let store = MemoryStore::new();
            block_on(async {
                let mut replay = Replay::start(&store, &SimConfig::new(scenario, 7, anchor))
                    .await
                    .unwrap();
                let t = replay.data.truth.timeline;
                assert!(replay.now <= t.onset, "{scenario}: starts before the onset");
                let mut last = store.counts().await.unwrap().metrics;
                let mut steps = 0;
                while replay.advance(&store, 1).await.unwrap() {
                    let now = store.counts().await.unwrap().metrics;
                    assert!(now >= last, "{scenario}: never loses data");
                    last = now;
                    steps += 1;
                }
                assert_eq!(replay.now, t.end);
                assert!(steps > 0 || t.onset >= t.end, "{scenario}");
                let counts = store.counts().await.unwrap();
                assert_eq!(counts.metrics, replay.data.metrics.len() as u64, "{scenario}");
                assert_eq!(counts.logs, replay.data.logs.len() as u64, "{scenario}");
                assert!(!replay.advance(&store, 1).await.unwrap());
            });
        }
    }
}
