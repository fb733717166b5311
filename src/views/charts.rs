use crate::charts::{self, Palette, DARK, LIGHT};
use crate::controller::Controller;
use crate::view_model::ChartData;
use leptos::html::Canvas;
use leptos::prelude::*;

/// Draw on `canvas` now and again whenever what `draw` reads, the theme or
/// the window size changes. Returns the last drawing error, if any.
pub(super) fn keep_drawn(
    canvas: NodeRef<Canvas>,
    dark: Signal<bool>,
    draw: impl Fn(&web_sys::HtmlCanvasElement, Palette) -> Option<Result<(), String>> + 'static,
) -> RwSignal<Option<String>> {
    let size = RwSignal::new(0u32);
    let handle = window_event_listener(leptos::ev::resize, move |_| size.update(|v| *v += 1));
    on_cleanup(move || handle.remove());
    let failed = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        size.get();
        let palette = if dark.get() { DARK } else { LIGHT };
        if let Some(el) = canvas.get() {
            if let Some(result) = draw(&el, palette) {
                failed.set(result.err());
            }
        }
    });
    failed
}

/// The chart in words, for screen readers and the image's label.
pub fn describe(d: &ChartData) -> String {
    let last = d.points.last().map(|p| p.avg).unwrap_or_default();
    let m = Some(d.metric);
    let mut s = format!(
        "{} {}: latest {}, alarm level {}.",
        d.service,
        charts::metric_words(d.metric),
        quantumstate_core::agents::with_unit(m, last),
        quantumstate_core::agents::with_unit(m, d.alarm)
    );
    for e in &d.events {
        s.push_str(&format!(" {}.", e.label));
    }
    s
}

/// The affected metric with its healthy band, baseline, alarm level and the
/// incident's moments (onset, flagged, deploys, remediation, recovery) labelled.
#[component]
pub fn StoryChart(
    /// What to draw (None: nothing run yet).
    data: Signal<Option<ChartData>>,
    /// Draw in the dark palette.
    dark: Signal<bool>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let failed = keep_drawn(canvas, dark, move |el, palette| {
        Some(match data.get() {
            Some(d) => charts::draw_metric(el, &d, palette),
            None => charts::draw_empty(el, "Pick a scenario to see its story here", palette),
        })
    });
    let label = move || data.get().map(|d| describe(&d)).unwrap_or_else(|| "No run yet".into());
    view! {
        <section class="panel chart-panel" aria-labelledby="chart-title">
            <h2 id="chart-title">"What happened"</h2>
            <canvas node_ref=canvas id="metric-chart" role="img" aria-label=label></canvas>
            <p class="legend" aria-hidden="true">
                <span class="k healthy">"healthy range"</span><span class="k baseline">"baseline ±3σ"</span>
                <span class="k alarm">"alarm level"</span><span class="k detect">"forecast"</span>
                <span class="k herring">"deploy ruled out"</span>
            </p>
            {move || failed.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}

/// Agents on a time axis.
#[component]
pub fn DecisionsChart() -> impl IntoView {
    let c = expect_context::<Controller>();
    let canvas = NodeRef::<Canvas>::new();
    let failed = keep_drawn(canvas, c.dark.into(), move |el, palette| {
        let docs: Vec<_> = c.run.get().decisions.iter().flatten().cloned().collect();
        Some(charts::draw_decisions(el, &docs, palette))
    });
    let label = move || {
        let docs = c.run.get().decisions;
        if docs.iter().all(Option::is_none) {
            return "No decisions yet".to_string();
        }
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
    let failed = keep_drawn(canvas, c.dark.into(), move |el, palette| {
        let bars = bars.get();
        Some(if bars.is_empty() {
            charts::draw_empty(el, "No past incident of this type to compare with yet", palette)
        } else {
            charts::draw_mttr(el, &bars, palette)
        })
    });
    let label = move || {
        let bars = bars.get();
        if bars.is_empty() {
            return "No past incident of this type to compare with yet".to_string();
        }
        bars.iter()
            .map(|(l, v, _)| format!("{l}: {v:.0} min"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="panel" aria-label="MTTR compared">
            <h2>"MTTR against past incidents of this type (minutes)"</h2>
            <canvas node_ref=canvas id="mttr-chart" class="small-chart" role="img"
                aria-label=label></canvas>
            {move || failed.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}
