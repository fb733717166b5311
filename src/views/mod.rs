//! One file per view. Components render and dispatch to the [`Controller`].

mod audit;
mod charts;
mod header;
mod health;
mod scenarios;
mod settings;
mod timeline;

use crate::controller::Controller;
use leptos::prelude::*;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let c = Controller::new();
    provide_context(c);
    // Let the browser paint the first screen before the opening (healthy) run
    // takes the main thread: a frame, then a task after its paint.
    request_animation_frame(move || {
        set_timeout(
            move || {
                crate::mark_interactive();
                c.start();
            },
            std::time::Duration::ZERO,
        )
    });
    view! {
        <header::Header />
        <main id="main">
            {move || c.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || c.error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <header::Tally />
            <health::PlatformHealth />
            <scenarios::ScenarioPanel />
            <div class="two-col">
                <timeline::Timeline />
                <charts::StoryChart />
            </div>
            <div class="two-col">
                <charts::DecisionsChart />
                <charts::MttrChart />
            </div>
            <audit::AuditTrail />
            <audit::IncidentHistory />
            <settings::Settings />
        </main>
    }
}
