//! One file per view. Components take what they show as props (so each can
//! be mounted alone); [`App`] wires them to the [`Controller`].

mod audit;
mod charts;
mod dialog;
mod export;
mod header;
mod health;
mod own_data;
mod scenarios;
mod settings;
mod timeline;
mod topology;

pub use charts::StoryChart;
pub use dialog::AbandonDialog;
pub use header::Tally;
pub use health::PlatformHealth;
pub use timeline::{HeadlineBanner, Timeline};
pub use topology::TopologyMap;

use crate::controller::Controller;
use crate::view_model::{blast, chart_so_far};
use leptos::prelude::*;
use quantumstate_core::topology::Topology;

/// The whole page: controls and the dependency map on the left, the
/// incident's story (headline, services, agent timeline, chart) on the right,
/// details below.
#[component]
pub fn App() -> impl IntoView {
    let c = Controller::new();
    provide_context(c);
    // Let the browser paint the first screen before the opening (healthy) run
    // takes the main thread: a frame, then a task after its paint.
    // The app is ready (`app-ready`) once that run has settled.
    request_animation_frame(move || set_timeout(move || c.start(), std::time::Duration::ZERO));
    // What lies below the first screen is built in a task of its own, so the
    // first screen's task stays short.
    let below = RwSignal::new(false);
    set_timeout(move || below.set(true), std::time::Duration::ZERO);
    let graph = Topology::platform();
    let run = Signal::from(c.run);
    let shown = Signal::derive(move || c.revealed.get().min(c.run.get().cards()));
    let busy = Signal::derive(move || c.busy.get().is_some());
    let dark = Signal::from(c.dark);
    // While the story is told the services stand as Cassandra found them.
    let health = Signal::derive(move || {
        let peak = c.health_peak.get();
        if !peak.is_empty() && shown.get() < 4 && c.run.get().verification.is_some() {
            peak
        } else {
            c.health.get()
        }
    });
    let marks = {
        let graph = graph.clone();
        Signal::derive(move || {
            let r = c.run.get();
            if shown.get() >= 1 {
                blast(&graph, &r)
            } else {
                Default::default()
            }
        })
    };
    let root = Signal::derive(move || marks.get().root);
    let chart = Signal::derive(move || {
        let data = c.chart.get()?;
        Some(chart_so_far(&data, &c.run.get(), shown.get()))
    });
    // The tally counts a run once its story has been told.
    let tally = Memo::new(move |before: Option<&crate::view_model::Tally>| {
        let now = c.tally.get();
        match before {
            Some(before) if c.revealing() => *before,
            _ => now,
        }
    });
    let on_decide = Callback::new(move |approve: bool| c.decide(approve));
    let on_skip = Callback::new(move |()| c.skip_reveal());
    let asking = Signal::derive(move || c.asking.get().map(|s| s.words().to_string()));
    let on_answer = Callback::new(move |abandon: bool| c.answer(abandon));
    view! {
        <a class="skip-link" href="#story">"Skip to the incident story"</a>
        <header::Header tally=tally.into() />
        <main id="main">
            <div class="toasts">
                {move || c.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                {move || c.error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
            <div class="stage">
                <div class="controls">
                    <scenarios::ScenarioPanel />
                    <own_data::OwnDataPanel />
                    <TopologyMap graph=graph health=health blast=marks />
                </div>
                <section id="story" class="story" aria-label="Incident story" tabindex="-1">
                    <HeadlineBanner run=run shown=shown on_skip=on_skip />
                    <PlatformHealth health=health root=root dark=dark />
                    <Timeline run=run shown=shown busy=busy on_decide=on_decide />
                    <StoryChart data=chart dark=dark />
                    <export::ExportBar />
                </section>
            </div>
            <Show when=move || below.get()>
                <div class="two-col">
                    <charts::DecisionsChart />
                    <charts::MttrChart />
                </div>
                <audit::AuditTrail />
                <audit::IncidentHistory />
                <settings::Settings />
            </Show>
            <AbandonDialog asking=asking on_answer=on_answer />
        </main>
    }
}
