use crate::charts::{self, Palette, DARK, LIGHT};
use crate::controller::Controller;
use leptos::html::Canvas;
use leptos::prelude::*;

/// Draw on `canvas` now and again whenever what `draw` reads, the theme or
/// the window size changes. Returns the last drawing error, if any.
pub(super) fn keep_drawn(
    canvas: NodeRef<Canvas>,
    draw: impl Fn(&web_sys::HtmlCanvasElement, Palette) -> Option<Result<(), String>> + 'static,
) -> RwSignal<Option<String>> {
    let c = expect_context::<Controller>();
    let size = RwSignal::new(0u32);
    let handle = window_event_listener(leptos::ev::resize, move |_| size.update(|v| *v += 1));
    on_cleanup(move || handle.remove());
    let failed = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        size.get();
        let palette = if c.dark.get() { DARK } else { LIGHT };
        if let Some(el) = canvas.get() {
            if let Some(result) = draw(&el, palette) {
                failed.set(result.err());
            }
        }
    });
    failed
}

/// The affected metric with baseline, alarm, onset, forecast, remediation and recovery.
#[component]
pub fn StoryChart() -> impl IntoView {
    let c = expect_context::<Controller>();
    let canvas = NodeRef::<Canvas>::new();
    let failed = keep_drawn(canvas, move |el, palette| {
        c.chart.get().map(|data| charts::draw_metric(el, &data, palette))
    });
    let summary = move || {
        c.chart.get().map(|d| {
            let last = d.points.last().map(|p| p.avg).unwrap_or_default();
            let mut s = format!(
                "{} {} over {} points; latest {:.1} {}; alarm level {}.",
                d.service,
                d.metric.label(),
                d.points.len(),
                last,
                d.metric.unit(),
                d.alarm
            );
            if let Some(at) = d.onset {
                s.push_str(&format!(" Onset {}.", quantumstate_core::time::hm(at)));
            }
            if let Some(at) = d.detected_at {
                s.push_str(&format!(" Flagged {}.", quantumstate_core::time::hm(at)));
            }
            if let Some(at) = d.remediation_at {
                s.push_str(&format!(" Remediated {}.", quantumstate_core::time::hm(at)));
            }
            if let Some(at) = d.recovered_at {
                s.push_str(&format!(" Recovered {}.", quantumstate_core::time::hm(at)));
            }
            s
        })
    };
    view! {
        <section class="panel chart-panel" aria-label="Metric chart">
            <h2>"What happened"</h2>
            <canvas node_ref=canvas id="metric-chart" role="img" aria-label=move || summary().unwrap_or_default()></canvas>
            <p class="legend">
                <span class="k healthy">"healthy range"</span><span class="k baseline">"baseline ±3σ"</span><span class="k alarm">"alarm level"</span>
                <span class="k onset">"onset"</span><span class="k detect">"flagged + forecast"</span><span class="k remedy">"remediation"</span><span class="k recovered">"recovered"</span>
            </p>
            <p class="chart-summary">{summary}</p>
            {move || failed.get().map(|e| view! { <p class="error">{e}</p> })}
            {move || c.run.get().loaded.map(|l| view! {
                <p class="counts" data-scenario=l.config.scenario.name()>
                    {format!("{}: generated {} documents (fingerprint {}, seed {})", l.config.scenario.title(), l.generated, l.fingerprint, l.config.seed)}
                    {move || c.counts.get().map(|n| format!(" — store holds {} metrics, {} logs, {} incidents, {} decisions", n.metrics, n.logs, n.incidents, n.decisions))}
                </p>
            })}
        </section>
    }
}

/// Agents on a time axis.
#[component]
pub fn DecisionsChart() -> impl IntoView {
    let c = expect_context::<Controller>();
    let canvas = NodeRef::<Canvas>::new();
    let failed = keep_drawn(canvas, move |el, palette| {
        let docs: Vec<_> = c.run.get().decisions.iter().flatten().cloned().collect();
        Some(charts::draw_decisions(el, &docs, palette))
    });
    let label = move || {
        let docs = c.run.get().decisions;
        docs.iter()
            .flatten()
            .map(|d| format!("{} at {}", d.agent.as_str(), quantumstate_core::time::hms(d.timestamp)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="panel" aria-label="Decisions over time">
            <h2>"Decisions over time"</h2>
            <canvas node_ref=canvas id="decisions-chart" class="small-chart" role="img"
                aria-label=label></canvas>
            {move || failed.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}

/// This incident's MTTR against past incidents of the same type.
#[component]
pub fn MttrChart() -> impl IntoView {
    let c = expect_context::<Controller>();
    let canvas = NodeRef::<Canvas>::new();
    let bars = Memo::new(move |_| {
        let run = c.run.get();
        let Some(inv) = run.investigation else {
            return Vec::new();
        };
        let kind = inv.anomaly_type.as_str().to_string();
        let current = run.scan.and_then(|s| s.detection).map(|d| d.onset);
        let mut bars: Vec<(String, f64, bool)> = c
            .history
            .get()
            .iter()
            .filter(|i| i.anomaly_type == kind)
            .filter_map(|i| {
                let is_current = Some(i.timestamp) == current;
                Some((
                    if is_current {
                        "this one".to_string()
                    } else {
                        format!(
                            "{} {}",
                            i.service.trim_end_matches("-service"),
                            quantumstate_core::time::md(i.timestamp)
                        )
                    },
                    i.mttr_seconds? as f64 / 60.0,
                    is_current,
                ))
            })
            .collect();
        bars.truncate(8);
        bars
    });
    let failed = keep_drawn(canvas, move |el, palette| {
        Some(charts::draw_mttr(el, &bars.get(), palette))
    });
    let label = move || {
        bars.get()
            .iter()
            .map(|(l, v, _)| format!("{l}: {v:.0} min"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="panel" aria-label="MTTR compared">
            <h2>"MTTR against past incidents of this type"</h2>
            <canvas node_ref=canvas id="mttr-chart" class="small-chart" role="img"
                aria-label=label></canvas>
            {move || failed.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}
