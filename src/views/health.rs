use crate::charts;
use crate::controller::Controller;
use leptos::html::Canvas;
use leptos::prelude::*;
use quantumstate_core::MetricType;

/// The last hour of one metric, with its alarm level.
#[component]
fn Sparkline(
    /// Which metric.
    metric: MetricType,
    /// One-minute averages, oldest first.
    values: Vec<f64>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let label = format!(
        "{}: last hour from {:.1} to {:.1}",
        metric.label(),
        values.first().copied().unwrap_or_default(),
        values.last().copied().unwrap_or_default()
    );
    super::charts::keep_drawn(canvas, move |el, palette| {
        Some(charts::draw_sparkline(el, &values, metric.alarm_level(), palette))
    });
    view! {
        <figure class="spark">
            <canvas node_ref=canvas class="sparkline" role="img" aria-label=label></canvas>
            <figcaption>{metric.label()}</figcaption>
        </figure>
    }
}

/// The four services with region, health and latest readings.
#[component]
pub fn PlatformHealth() -> impl IntoView {
    let c = expect_context::<Controller>();
    view! {
        <section class="services" aria-label="Platform health">
            {move || c.health.get().into_iter().map(|h| view! {
                <article class=format!("service {}", h.health.as_str()) data-service=h.service.as_str()>
                    <h2>{h.service.as_str()}</h2>
                    <p class="region">{h.service.region()}" · "{h.service.role()}</p>
                    <p class="status">{h.health.as_str()}</p>
                    <div class="sparks">
                        {h.sparks.iter().cloned().map(|(m, values)| view! { <Sparkline metric=m values=values /> }).collect_view()}
                    </div>
                    <ul class="readings">
                        {h.latest.iter().map(|(m, v)| view! {
                            <li class=quantumstate_core::Health::of(*m, *v).as_str()><span>{m.label()}</span><strong>{format!("{v:.1}")}</strong></li>
                        }).collect_view()}
                    </ul>
                </article>
            }).collect_view()}
        </section>
    }
}
