use crate::charts;
use crate::view_model::ServiceHealth;
use leptos::html::Canvas;
use leptos::prelude::*;
use quantumstate_core::agents::with_unit;
use quantumstate_core::{MetricType, Service};

/// The last hour of one metric, with its alarm level.
#[component]
fn Sparkline(
    /// Which metric.
    metric: MetricType,
    /// One-minute averages, oldest first.
    values: Vec<f64>,
    /// Draw in the dark palette.
    dark: Signal<bool>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let label = format!(
        "{}: last hour from {} to {}",
        metric.label(),
        with_unit(Some(metric), values.first().copied().unwrap_or_default()),
        with_unit(Some(metric), values.last().copied().unwrap_or_default())
    );
    super::charts::keep_drawn(canvas, dark, move |el, palette| {
        Some(charts::draw_sparkline(el, &values, metric.alarm_level(), palette))
    });
    view! { <canvas node_ref=canvas class="sparkline" role="img" aria-label=label></canvas> }
}

/// Short names for the one-line readings.
fn short(metric: MetricType) -> &'static str {
    match metric {
        MetricType::MemoryPercent => "mem",
        MetricType::CpuPercent => "cpu",
        MetricType::ErrorRate => "err",
        MetricType::RequestLatencyMs => "p95",
        MetricType::RequestsPerMin => "rpm",
    }
}

/// The four services, compact: health, sparklines and the headline readings.
/// Before the first reading each card holds its place.
#[component]
pub fn PlatformHealth(
    /// The services as they should be shown now.
    health: Signal<Vec<ServiceHealth>>,
    /// The root cause's node, highlighted.
    root: Signal<Option<String>>,
    /// Draw in the dark palette.
    dark: Signal<bool>,
) -> impl IntoView {
    view! {
        <section class="panel services-panel" aria-labelledby="health-title">
            <h2 id="health-title">"Platform health"</h2>
            <div class="services">
                {move || {
                    let all = health.get();
                    let root = root.get();
                    Service::ALL.into_iter().map(|service| {
                        let h = all.iter().find(|h| h.service == service).cloned();
                        let state = h.as_ref().map_or("unknown", |h| h.health.as_str());
                        let is_root = root.as_deref() == Some(service.as_str());
                        let readings = h.as_ref().map(|h| {
                            h.latest.iter()
                                .filter(|(m, _)| matches!(m, MetricType::MemoryPercent | MetricType::ErrorRate | MetricType::RequestLatencyMs))
                                .map(|(m, v)| format!("{} {}", short(*m), with_unit(Some(*m), *v)))
                                .collect::<Vec<_>>()
                                .join(" · ")
                        });
                        view! {
                            <article class=format!("service {state}{}", if is_root { " root" } else { "" }) data-service=service.as_str()
                                title=format!("{} · {}", service.region(), service.role())>
                                <div class="service-head">
                                    <h3>{service.as_str().trim_end_matches("-service").to_string()}</h3>
                                    <p class="status">{state}{is_root.then(|| view! { <span class="root-tag">" · root"</span> })}</p>
                                </div>
                                <div class="sparks">
                                    {h.iter().flat_map(|h| h.sparks.clone()).map(|(m, values)| view! { <Sparkline metric=m values=values dark=dark /> }).collect_view()}
                                </div>
                                <p class="readings">{readings.unwrap_or_else(|| "waiting for the first reading".into())}</p>
                            </article>
                        }
                    }).collect_view()
                }}
            </div>
        </section>
    }
}
