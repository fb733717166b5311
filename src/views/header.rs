use crate::controller::Controller;
use crate::view_model::Tally as TallyFigures;
use leptos::prelude::*;

/// Title, session figures, store badge, theme toggle and Share.
#[component]
pub fn Header(
    /// The session's figures as far as the story has been told.
    tally: Signal<TallyFigures>,
) -> impl IntoView {
    let c = expect_context::<Controller>();
    view! {
        <header class="topbar">
            <div class="brand">
                <h1>"QuantumState"</h1>
                <p class="tagline">"Incident-response flight simulator: four agents detect, diagnose, fix and verify"</p>
            </div>
            <Tally tally=tally />
            <div class="actions">
                <span class="badge" data-mode=move || c.mode.get()>{move || c.mode.get()}</span>
                <button class="ghost" aria-pressed=move || c.dark.get().to_string() on:click=move |_| c.toggle_theme()>
                    "Dark theme"
                </button>
                <button
                    id="share"
                    title="Copy a link that replays this exact demo"
                    disabled=move || c.share.get().is_none() || c.run.get().own.is_some()
                    on:click=move |_| c.copy_share()
                >"Share"</button>
            </div>
            {move || c.run.get().own.is_some().then(|| view! {
                <p id="share-note" class="share-note" role="note">
                    "A share link cannot carry your own data: it never leaves this browser. "
                    <button class="ghost" on:click=move |_| c.copy_postmortem()>"Copy the post-mortem instead"</button>
                </p>
            })}
        </header>
    }
}

/// Incidents handled, resolved, average MTTR and time saved this session.
#[component]
pub fn Tally(
    /// The session's figures.
    tally: Signal<TallyFigures>,
) -> impl IntoView {
    let cell = |label: &'static str, value: Signal<String>| {
        view! { <div class="stat"><span class="label">{label}</span><strong>{value}</strong></div> }
    };
    view! {
        <section class="stats" aria-label="Session figures">
            {cell("Handled", Signal::derive(move || tally.get().handled.to_string()))}
            {cell("Resolved", Signal::derive(move || tally.get().resolved.to_string()))}
            {cell("Avg MTTR", Signal::derive(move || tally.get().average_mttr_min().map(|m| format!("{m:.1} min")).unwrap_or("—".into())))}
            {cell("Saved vs history", Signal::derive(move || {
                let t = tally.get();
                if t.resolved == 0 { "—".to_string() } else { format!("{} min", (t.saved_s + 30).div_euclid(60)) }
            }))}
        </section>
    }
}
