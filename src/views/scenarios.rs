use crate::controller::Controller;
use leptos::prelude::*;
use quantumstate_core::{Scenario, Service};

/// Scenario buttons, knobs, run all, reset, and the progress line.
#[component]
pub fn ScenarioPanel() -> impl IntoView {
    let c = expect_context::<Controller>();
    let k = c.knobs;
    let speed = move || match (k.live.get(), k.staged.get()) {
        (true, _) => "live",
        (false, true) => "staged",
        (false, false) => "instant",
    };
    view! {
        <section class="panel scenarios-panel" aria-labelledby="scenarios-title">
            <h2 id="scenarios-title">"Inject a failure"</h2>
            // One reserved line under the heading, on screen on a laptop and a
            // phone: progress comes and goes without moving anything.
            <div class="status-line">
                {move || c.busy.get().map(|b| view! {
                    <div class="busy" role="status">
                        <span>{b}</span>
                        {move || c.progress.get().map(|(done, total)| view! {
                            <progress max=total.to_string() value=done.to_string() aria-label="Documents written"></progress>
                        })}
                    </div>
                })}
            </div>
            <div class="scenarios">
                {Scenario::ALL.into_iter().map(|s| view! {
                    <button
                        class="scenario"
                        data-scenario=s.name()
                        disabled=move || c.busy.get().is_some()
                        on:click=move |_| c.run_now(s)
                    >
                        <span class="title">{s.title()}</span>
                        <span class="blurb">{s.blurb()}</span>
                    </button>
                }).collect_view()}
            </div>
            <div class="knobs">
                <label>"Seed "<input type="number" min="0" prop:value=move || k.seed.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { k.seed.set(v) } } /></label>
                <label>"Intensity "<input type="range" min="0.5" max="2" step="0.1" prop:value=move || k.intensity.get().to_string()
                    on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { k.intensity.set(v) } } />
                    <output>{move || format!("{:.1}×", k.intensity.get())}</output></label>
                <label>"Target "<select on:change=move |ev| k.target.set(Service::parse(&event_target_value(&ev)))>
                    <option value="" selected=move || k.target.get().is_none()>"scenario default"</option>
                    {Service::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || k.target.get() == Some(s)>{s.as_str()}</option> }).collect_view()}
                </select></label>
                <label>"Auto-fix threshold "<input id="threshold" type="number" min="0" max="1" step="0.05" prop:value=move || k.threshold.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { k.threshold.set(v.clamp(0.0, 1.0)) } } /></label>
                <label>"Speed "<select id="speed" on:change=move |ev| k.set_speed(&event_target_value(&ev))>
                    <option value="staged" selected=move || speed() == "staged">"instant, told step by step"</option>
                    <option value="instant" selected=move || speed() == "instant">"instant, all at once"</option>
                    <option value="live" selected=move || speed() == "live">"live replay"</option>
                </select></label>
            </div>
            <div class="run-buttons">
                <button id="run-all" disabled=move || c.busy.get().is_some() on:click=move |_| c.run_all()>"Run all in sequence"</button>
                <button id="reset" class="ghost" disabled=move || c.busy.get().is_some() on:click=move |_| c.reset()
                    title="Clears metrics and logs; incident history and the audit trail stay">"Reset telemetry"</button>
            </div>
        </section>
    }
}
