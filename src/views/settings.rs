use crate::controller::Controller;
use leptos::prelude::*;

/// Where the data lives: embedded, or Elasticsearch through the proxy.
#[component]
pub fn Settings() -> impl IntoView {
    let c = expect_context::<Controller>();
    let url = RwSignal::new(c.proxy_url.get_untracked());
    view! {
        <section class="panel settings" aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <p>"Data store: " <strong>{move || c.mode.get()}</strong>
                ". The embedded store needs nothing. Elasticsearch mode writes through the QuantumState proxy "
                "(" <code>"quantumstate serve --es-url …"</code> "), which keeps the cluster URL and credentials on the server."</p>
            <div class="knobs">
                <label>"Proxy URL "<input id="proxy-url" type="text" prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev)) /></label>
                <button id="use-elastic" disabled=move || c.busy.get().is_some() on:click=move |_| c.use_elastic(url.get_untracked())>
                    "Connect and set up"</button>
                <button id="use-embedded" class="ghost" disabled=move || c.busy.get().is_some() on:click=move |_| c.use_embedded()>
                    "Use embedded store"</button>
            </div>
            {move || c.counts.get().map(|n| view! {
                <table class="counts-table">
                    <tbody>
                        <tr><th>"metrics-quantumstate"</th><td>{n.metrics}</td></tr>
                        <tr><th>"logs-quantumstate"</th><td>{n.logs}</td></tr>
                        <tr><th>"incidents-quantumstate"</th><td>{n.incidents}</td></tr>
                        <tr><th>"agent-decisions-quantumstate"</th><td>{n.decisions}</td></tr>
                    </tbody>
                </table>
            })}
            <label class="share-line">"Replay link of the last run "
                <input id="share-url" readonly prop:value=move || c.share_url().unwrap_or_default() />
            </label>
            {move || c.run.get().loaded.map(|l| view! {
                <p class="counts" data-scenario=l.config.scenario.name()>
                    {format!("{}: generated {} documents (fingerprint {}, seed {})", l.config.scenario.title(), l.generated, l.fingerprint, l.config.seed)}
                </p>
            })}
        </section>
    }
}
