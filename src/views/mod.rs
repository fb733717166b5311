//! One file per view. Components render and dispatch; data work is in `api`.

mod chart;
mod health;
mod scenarios;

use crate::api::{self, RunSummary, ServiceHealth};
use crate::AppState;
use chart::MetricChart;
use health::PlatformHealth;
use leptos::prelude::*;
use leptos::task::spawn_local;
use quantumstate_core::sim::SimConfig;
use quantumstate_core::{MemoryStore, Scenario};
use scenarios::ScenarioButtons;
use std::rc::Rc;

/// Seed used when the user has not chosen one.
pub const DEFAULT_SEED: u64 = 42;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState {
        store: StoredValue::new_local(Rc::new(MemoryStore::new())),
    };
    provide_context(state);
    let summary = RwSignal::new(None::<RunSummary>);
    let health = RwSignal::new(Vec::<ServiceHealth>::new());
    let running = RwSignal::new(None::<Scenario>);
    let error = RwSignal::new(None::<String>);

    // A healthy platform on first load, so there is something to look at.
    let run = move |scenario: Scenario| {
        running.set(Some(scenario));
        error.set(None);
        let store = state.store.get_value();
        spawn_local(async move {
            let anchor = chrono::Utc::now();
            let config = SimConfig::new(scenario, DEFAULT_SEED, anchor);
            match api::run_scenario(store.as_ref(), config).await {
                Ok(done) => {
                    if let Ok(h) = api::platform_health(store.as_ref(), done.config.timeline().end).await {
                        health.set(h);
                    }
                    summary.set(Some(done));
                }
                Err(e) => error.set(Some(format!("Could not run {scenario}: {e}"))),
            }
            running.set(None);
        });
    };
    run(Scenario::Healthy);

    view! {
        <header class="topbar">
            <h1>"QuantumState"</h1>
            <p class="tagline">"Incident-response flight simulator — embedded store"</p>
        </header>
        <main>
            <PlatformHealth health=health />
            <ScenarioButtons running=running on_run=run />
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <MetricChart summary=summary />
        </main>
    }
}
