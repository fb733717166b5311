//! Where a click's time goes in Elasticsearch mode, measured natively through
//! the proxy with the app's own code: the load (presence check, bulk write whose
//! last request carries the deletions by id and the refresh, count check) and
//! each agent, split by kind of request.

use crate::ingest::Counting;
use crate::stats::Sample;
use quantumstate_core::agents::pipeline::{Event, Listener};
use quantumstate_core::agents::{AgentConfig, Pipeline, ReportStatus};
use quantumstate_core::elastic::{ElasticStore, IndexNames, Method, Request, Response, Transport};
use quantumstate_core::sim::{Scenario, SimConfig};
use quantumstate_core::Agent;
use quantumstate_core::StoreError;
use quantumstate_server::transport::{Credentials, HttpTransport};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Milliseconds spent per kind of request: the load's checks (what the store
/// holds: searches by id), bulk writes (and the last request's, which carries
/// a click's deletions and waits for its refresh), bulk requests of deletions
/// only, single-document writes (the audit trail),
/// reads. Summed over requests, so requests in flight together count each (a
/// phase's own total is wall-clock).
#[derive(Debug, Default, Clone)]
pub struct Kinds(pub BTreeMap<&'static str, f64>);

/// Times every request by kind.
pub struct Timed<T> {
    inner: T,
    kinds: RefCell<Kinds>,
}

fn kind(request: &Request) -> &'static str {
    let body = request.body.as_deref().unwrap_or_default();
    if request.path.contains("_bulk") && body.starts_with("{\"delete\"") {
        "delete"
    } else if request.path.contains("_bulk") && request.path.contains("refresh=true") {
        "bulk+refresh"
    } else if request.path.contains("_bulk") {
        "bulk"
    } else if matches!(request.method, Method::Put) && request.path.contains("/_doc/") {
        "audit"
    } else if request.path.contains("_search") && body.contains("\"ids\"") {
        "check"
    } else {
        "read"
    }
}

impl<T: Transport> Transport for Timed<T> {
    async fn send(&self, request: Request) -> Result<Response, StoreError> {
        let k = kind(&request);
        let t = Instant::now();
        let r = self.inner.send(request).await;
        *self.kinds.borrow_mut().0.entry(k).or_default() += t.elapsed().as_secs_f64() * 1e3;
        r
    }

    async fn sleep_ms(&self, ms: u64) {
        self.inner.sleep_ms(ms).await
    }
}

impl<T> Timed<T> {
    fn take(&self) -> Kinds {
        std::mem::take(&mut *self.kinds.borrow_mut())
    }
}

/// One click, phase by phase (ms), with each phase's time by request kind.
#[derive(Debug, Clone)]
pub struct Phases {
    pub generate_ms: f64,
    pub load: (f64, Kinds),
    /// Cassandra, Archaeologist, Surgeon (plan and execution), Guardian.
    pub agents: [(f64, Kinds); 4],
    pub total_ms: f64,
    pub requests: u64,
    pub documents: usize,
    /// Of which the store did not already hold (written by this click).
    pub written: usize,
}

/// Run `scenario` as a click does, through `proxy` (`…/es`), timing each phase.
pub async fn click(
    proxy: &str,
    scenario: Scenario,
    seed: u64,
    anchor: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Phases> {
    let transport = HttpTransport::new(proxy, Credentials::default(), Duration::from_secs(60))?;
    let timed = Timed {
        inner: Counting::new(transport),
        kinds: RefCell::default(),
    };
    let store = ElasticStore::new(timed, IndexNames::default());
    let config = SimConfig::new(scenario, seed, anchor);
    // Untimed: the indices exist once the app has switched to Elasticsearch.
    store.setup(config.anchor).await?;
    store.transport().take();
    let requests_before = store.transport().inner.requests.get();
    let t0 = Instant::now();
    let t = Instant::now();
    let data = quantumstate_core::sim::generate(&config);
    let generate_ms = ms(t);
    let t = Instant::now();
    // The store reports what it already holds first (as done), then each chunk written.
    let mut kept = None;
    quantumstate_core::store::load_dataset(&store, config.anchor, &data, &mut |done, _| {
        kept.get_or_insert(done);
    })
    .await?;
    let load = (ms(t), store.transport().take());
    let pipeline = Pipeline::new(&store, AgentConfig::default());
    let mut timer = AgentTimer {
        store: &store,
        started: None,
        agents: Default::default(),
    };
    let report = pipeline.run_with(data.truth.timeline.end, &mut timer).await?;
    anyhow::ensure!(
        report.status != ReportStatus::AwaitingApproval,
        "{scenario} waits for approval at the default threshold"
    );
    let agents = timer.agents;
    Ok(Phases {
        generate_ms,
        load,
        agents,
        total_ms: ms(t0),
        requests: store.transport().inner.requests.get() - requests_before,
        documents: data.len(),
        written: data.len() - kept.unwrap_or(0),
    })
}

/// Times each agent's step from the pipeline's events.
struct AgentTimer<'a, T: Transport> {
    store: &'a ElasticStore<Timed<T>>,
    started: Option<Instant>,
    agents: [(f64, Kinds); 4],
}

impl<T: Transport> Listener for AgentTimer<'_, T> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Started(_) => {
                self.store.transport().take();
                self.started = Some(Instant::now());
            }
            Event::Finished { agent, .. } => {
                let i = Agent::ALL.iter().position(|a| *a == agent).unwrap_or(0);
                let elapsed = self.started.take().map(ms).unwrap_or(0.0);
                self.agents[i] = (elapsed, self.store.transport().take());
            }
            _ => {}
        }
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Medians over several clicks of one scenario, as one line of text.
pub fn summary(clicks: &[Phases]) -> String {
    let median = |f: &dyn Fn(&Phases) -> f64| Sample::new(clicks.iter().map(f).collect()).median();
    let kinds = |f: &dyn Fn(&Phases) -> &Kinds| {
        let mut names: Vec<&'static str> = clicks.iter().flat_map(|c| f(c).0.keys().copied()).collect();
        names.sort();
        names.dedup();
        names
            .iter()
            .map(|k| format!("{k} {:.0}", median(&|c| f(c).0.get(k).copied().unwrap_or(0.0))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = vec![
        format!("total {:.0} ms", median(&|c| c.total_ms)),
        format!("generate {:.0}", median(&|c| c.generate_ms)),
        format!("load {:.0} ({})", median(&|c| c.load.0), kinds(&|c| &c.load.1)),
    ];
    for (i, agent) in ["Cassandra", "Archaeologist", "Surgeon", "Guardian"].iter().enumerate() {
        if clicks.iter().any(|c| c.agents[i].0 > 0.0) {
            parts.push(format!(
                "{agent} {:.0} ({})",
                median(&|c| c.agents[i].0),
                kinds(&|c| &c.agents[i].1)
            ));
        }
    }
    parts.push(format!(
        "{:.0} requests, {} documents of which {:.0} written",
        median(&|c| c.requests as f64),
        clicks.first().map(|c| c.documents).unwrap_or(0),
        median(&|c| c.written as f64)
    ));
    parts.join(" · ")
}
