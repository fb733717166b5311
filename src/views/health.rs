use crate::controller::Controller;
use leptos::prelude::*;

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
