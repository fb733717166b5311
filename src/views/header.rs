use crate::controller::Controller;
use leptos::prelude::*;

/// Title, store badge, theme toggle and Share.
#[component]
pub fn Header() -> impl IntoView {
    let c = expect_context::<Controller>();
    view! {
        <header class="topbar">
            <div class="brand">
                <h1>"QuantumState"</h1>
                <p class="tagline">"Incident-response flight simulator: four agents detect, diagnose, fix and verify"</p>
            </div>
            <div class="actions">
                <span class="badge" data-mode=move || c.mode.get()>{move || c.mode.get()}</span>
                <button class="ghost" aria-label="Switch between dark and light theme" on:click=move |_| c.toggle_theme()>
                    {move || if c.dark.get() { "Light theme" } else { "Dark theme" }}
                </button>
                <button
                    id="share"
                    aria-label="Copy a link that replays this exact demo"
                    disabled=move || c.share.get().is_none()
                    on:click=move |_| c.copy_share()
                >"Share"</button>
            </div>
        </header>
        {move || c.share_url().map(|url| view! {
            <p class="share-line"><label>"Replay link: "<input id="share-url" readonly value=url aria-label="Share link" /></label></p>
        })}
    }
}

/// Incidents handled, resolved, average MTTR and time saved this session.
#[component]
pub fn Tally() -> impl IntoView {
    let c = expect_context::<Controller>();
    let cell = |label: &'static str, value: Signal<String>| {
        view! { <div class="stat"><span class="label">{label}</span><strong>{value}</strong></div> }
    };
    view! {
        <section class="stats" aria-label="Session figures">
            {cell("Incidents handled", Signal::derive(move || c.tally.get().handled.to_string()))}
            {cell("Resolved", Signal::derive(move || c.tally.get().resolved.to_string()))}
            {cell("Average MTTR", Signal::derive(move || c.tally.get().average_mttr_min().map(|m| format!("{m:.1} min")).unwrap_or("—".into())))}
            {cell("Time saved vs history", Signal::derive(move || {
                let t = c.tally.get();
                if t.resolved == 0 { "—".to_string() } else { format!("{:.0} min", t.saved_s as f64 / 60.0) }
            }))}
        </section>
    }
}
