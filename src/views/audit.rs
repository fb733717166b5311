use crate::controller::Controller;
use leptos::prelude::*;

/// Every agent decision, newest first, with its context as formatted JSON.
#[component]
pub fn AuditTrail() -> impl IntoView {
    let c = expect_context::<Controller>();
    view! {
        <section class="panel" aria-labelledby="audit-title">
            <h2 id="audit-title">"Audit trail " <small>"(agent-decisions-quantumstate)"</small></h2>
            <p class="panel-note">{format!(
                "The embedded store keeps the newest {} records; Elasticsearch keeps them all. The newest {} are listed here.",
                quantumstate_core::store::DECISIONS_KEPT,
                crate::controller::AUDIT_ROWS
            )}</p>
            // Scrolls on its own: reachable by keyboard.
            <div class="table-wrap" tabindex="0" role="region" aria-label="Audit trail records">
                <table id="audit">
                    <thead><tr><th>"time"</th><th>"agent"</th><th>"service"</th><th>"confidence"</th><th>"decision"</th></tr></thead>
                    <tbody>
                        // Keyed: a refresh adds the new records' rows and keeps the rest.
                        <For each=move || c.audit.get() key=|row| row.id.clone() children=|row| {
                            // The context is formatted only when someone opens it.
                            let open = RwSignal::new(false);
                            let d = row.doc.clone();
                            let advisory = row.advisory;
                            view! {
                                <tr data-agent=d.agent.as_str() data-mode=if advisory { "advisory" } else { "simulation" }>
                                    <td>{quantumstate_core::time::md_hms(d.timestamp)}</td>
                                    <td>{d.agent.as_str()}</td>
                                    <td>{d.service.clone()}</td>
                                    <td>{format!("{}%", d.confidence)}</td>
                                    <td>
                                        {advisory.then(|| view! { <span class="advisory-mark" title="Written in advisory mode: the agents recommended; QuantumState changed nothing in your systems">"advisory"</span>" " })}
                                        {d.decision.clone()}
                                        <details on:toggle=move |_| open.set(true)><summary>"context"</summary>
                                            <pre>{move || open.get().then(|| row.pretty_context())}</pre>
                                        </details>
                                    </td>
                                </tr>
                            }
                        } />
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Seeded and resolved incidents with MTTR.
#[component]
pub fn IncidentHistory() -> impl IntoView {
    let c = expect_context::<Controller>();
    view! {
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">"Incident history " <small>"(incidents-quantumstate)"</small></h2>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Incident history records">
                <table id="history">
                    <thead><tr><th>"started"</th><th>"service"</th><th>"type"</th><th>"MTTR"</th><th>"root cause"</th><th>"actions"</th></tr></thead>
                    <tbody>
                        {move || c.history.get().into_iter().map(|i| view! {
                            <tr>
                                <td>{quantumstate_core::time::ymd_hm(i.timestamp)}</td>
                                <td>{i.service.clone()}</td>
                                <td>{i.anomaly_type.clone()}</td>
                                <td>{i.mttr_seconds.map(|s| format!("{} min", s / 60)).unwrap_or_default()}</td>
                                <td>{i.root_cause.clone()}</td>
                                <td>{i.actions_taken.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
