//! # quantumstate-core
//!
//! Everything QuantumState knows, with no web or OS dependency: it builds for
//! `wasm32-unknown-unknown` and natively, and the browser app, the server and the
//! CLI all run this same code.
//!
//! - [`model`]: the seed's four indices as typed documents ([`MetricDoc`],
//!   [`LogDoc`], [`IncidentDoc`], [`DecisionDoc`]) and the catalogue of services and
//!   metrics with the seed's healthy ranges and alarm levels ([`MetricType`]).
//! - [`sim`]: the deterministic simulator. [`sim::generate`] turns a [`SimConfig`]
//!   (scenario, seed, anchor, knobs) into documents, byte-identical on every platform.
//! - [`store`]: the [`Store`] trait the agents read and write through, and
//!   [`MemoryStore`], the embedded default.
//! - [`elastic`]: [`elastic::ElasticStore`], the same trait on Elasticsearch over a
//!   small [`elastic::Transport`] (reqwest natively, gloo-net in the browser), with
//!   the bulk writer and the aggregation queries.
//! - [`agents`]: Cassandra, Archaeologist, Surgeon and Guardian, and the
//!   [`agents::Pipeline`] that runs them step by step or in one call.
//! - [`replay`] (a scenario written as simulated time passes), [`share`] (replayable links),
//!   [`eval`] (agent quality over seeded variants),
//!   [`ingest`] (NDJSON and CSV written by someone else), [`postmortem`] (the
//!   Markdown post-mortem of a run), [`time`] (timestamp
//!   parsing and clock formats), [`topology`] (the platform's dependency graph, as
//!   replaceable data), [`taxonomy`] (log evidence classified by code and message
//!   tokens), [`changes`] (deploys, config pushes, flag flips and operator actions
//!   in any wording) and [`order`] (one stable sort, for a smaller wasm).
//!
//! ```
//! use quantumstate_core::{sim, MemoryStore, Scenario, SimConfig, Store};
//! use chrono::{TimeZone, Utc};
//!
//! let anchor = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
//! let data = sim::generate(&SimConfig::new(Scenario::MemoryLeak, 42, anchor));
//! let store = MemoryStore::new();
//! futures::executor::block_on(async {
//!     store.write_metrics(&data.metrics).await.unwrap();
//!     let counts = store.counts().await.unwrap();
//!     assert_eq!(counts.metrics, data.metrics.len() as u64);
//! });
//! ```

pub mod agents;
pub mod changes;
pub mod detect;
pub mod elastic;
pub mod eval;
pub mod eval_classes;
pub mod ingest;
pub mod model;
pub mod order;
pub mod postmortem;
pub mod replay;
pub mod share;
pub mod sim;
pub mod store;
pub mod taxonomy;
pub mod time;
pub mod topology;

pub use model::{
    Agent, AnomalyType, DecisionDoc, Document, Health, IncidentDoc, Index, Level, LogDoc, MetricDoc, MetricType,
    Service,
};
pub use sim::{Dataset, Scenario, SimConfig};
pub use store::{MemoryStore, Store, StoreError};
pub use time::TimeWindow;
