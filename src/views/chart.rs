use crate::api::RunSummary;
use crate::charts;
use leptos::html::Canvas;
use leptos::prelude::*;

/// The affected metric of the last run, with document counts.
#[component]
pub fn MetricChart(
    /// The last finished run.
    summary: RwSignal<Option<RunSummary>>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let draw_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(done) = summary.get() else { return };
        let Some(el) = canvas.get() else { return };
        match charts::draw_metric(&el, &done.chart) {
            Ok(()) => draw_error.set(None),
            Err(e) => draw_error.set(Some(e)),
        }
    });
    view! {
        <section class="chart-panel" aria-label="Metric chart">
            <canvas
                node_ref=canvas
                id="metric-chart"
                role="img"
                aria-label=move || summary.get().map(|s| format!(
                    "{} of {}: {} points",
                    s.chart.metric.label(), s.chart.service, s.chart.points.len()
                )).unwrap_or_default()
            ></canvas>
            {move || draw_error.get().map(|e| view! { <p class="error">{e}</p> })}
            {move || summary.get().map(|s| view! {
                <p class="counts" data-scenario=s.config.scenario.name()>
                    {format!(
                        "{}: generated {} documents (fingerprint {}) — store holds {} metrics, {} logs, {} incidents, {} decisions",
                        s.config.scenario.title(), s.generated, s.fingerprint,
                        s.counts.metrics, s.counts.logs, s.counts.incidents, s.counts.decisions
                    )}
                </p>
            })}
        </section>
    }
}
