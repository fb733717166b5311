use leptos::prelude::*;
use quantumstate_core::Scenario;

/// One button per scenario; disabled while a run is in progress.
#[component]
pub fn ScenarioButtons(
    /// The scenario being generated, if any.
    running: RwSignal<Option<Scenario>>,
    /// Called with the clicked scenario.
    on_run: impl Fn(Scenario) + Copy + 'static,
) -> impl IntoView {
    view! {
        <section class="scenarios" aria-label="Scenarios">
            {Scenario::ALL.into_iter().map(|s| view! {
                <button
                    class="scenario"
                    data-scenario=s.name()
                    title=s.blurb()
                    aria-label=format!("Run scenario: {}", s.title())
                    disabled=move || running.get().is_some()
                    on:click=move |_| on_run(s)
                >
                    <span class="title">{s.title()}</span>
                    <span class="blurb">{s.blurb()}</span>
                </button>
            }).collect_view()}
        </section>
    }
}
