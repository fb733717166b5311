use crate::api::RunState;
use crate::controller::Controller;
use leptos::prelude::*;
use quantumstate_core::agents::{narrate, Mode, ReportStatus};
use quantumstate_core::{Agent, DecisionDoc};

fn role(agent: Agent) -> &'static str {
    match agent {
        Agent::Cassandra => "Detects and forecasts",
        Agent::Archaeologist => "Finds the root cause",
        Agent::Surgeon => "Remediates",
        Agent::Guardian => "Verifies and records MTTR",
    }
}

/// Evidence lines for one agent, worded by core's narration (as in the CLI and audit).
fn evidence(agent: Agent, run: &RunState) -> Vec<String> {
    narrate::evidence(
        agent,
        &narrate::Story {
            mode: Mode::Simulation,
            scan: run.scan.as_ref(),
            investigation: run.investigation.as_ref(),
            plan: run.plan.as_ref(),
            remediation: run.remediation.as_ref(),
            verification: run.verification.as_ref(),
        },
    )
}

/// One agent's card.
#[component]
fn AgentCard(
    /// Which agent.
    agent: Agent,
    /// Its position in the pipeline (0–3).
    index: usize,
) -> impl IntoView {
    let c = expect_context::<Controller>();
    let doc = move || c.run.get().decisions[index].clone();
    let state = move || {
        let run = c.run.get();
        if run.decisions[index].is_some() {
            "done"
        } else if agent == Agent::Surgeon && run.status == Some(ReportStatus::AwaitingApproval) {
            "waiting"
        } else if run.status == Some(ReportStatus::NoIncident) && index > 0 {
            "idle"
        } else if c.busy.get().is_some() && run.decisions[..index].iter().all(Option::is_some) {
            "working"
        } else {
            "idle"
        }
    };
    view! {
        <article class=move || format!("agent {} {}", agent.as_str(), state()) data-agent=agent.as_str() data-state=state>
            <header>
                <h3>{agent.as_str()}</h3>
                <span class="role">{role(agent)}</span>
                <span class="elapsed">{move || c.run.get().elapsed_ms[index].map(|ms| format!("{ms:.1} ms")).unwrap_or_default()}</span>
            </header>
            {move || doc().map(|d: DecisionDoc| view! {
                <p class="decision">{d.decision.clone()}</p>
                <div class="confidence" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=d.confidence.to_string()
                    aria-label=format!("{} confidence", agent.as_str())>
                    <span style=format!("width:{}%", d.confidence)></span>
                    <em>{format!("{}%", d.confidence)}</em>
                </div>
            })}
            {move || (agent == Agent::Surgeon && c.run.get().status == Some(ReportStatus::AwaitingApproval)).then(|| {
                let plan = c.run.get().plan;
                view! {
                    <p class="decision">{plan.as_ref().map(narrate::awaiting)}</p>
                    <div class="approval">
                        <button id="approve" on:click=move |_| c.decide(true)>"Approve"</button>
                        <button id="reject" class="danger" on:click=move |_| c.decide(false)>"Reject"</button>
                    </div>
                }
            })}
            {move || {
                let lines = evidence(agent, &c.run.get());
                (!lines.is_empty()).then(|| view! {
                    <details>
                        <summary>"Evidence"</summary>
                        <ul class="evidence">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    </details>
                })
            }}
        </article>
    }
}

/// Cassandra → Archaeologist → Surgeon → Guardian, each as it finishes.
#[component]
pub fn Timeline() -> impl IntoView {
    let c = expect_context::<Controller>();
    view! {
        <section class="panel timeline" aria-label="Incident timeline"
            data-run=move || c.run.get().loaded.map(|l| l.config.anchor.timestamp().to_string())>
            <h2>
                "Incident timeline "
                <span id="verdict" class=move || format!("verdict {}", c.run.get().status.map(|s| format!("{s:?}").to_ascii_lowercase()).unwrap_or_default())>
                    {move || c.run.get().verdict_label().unwrap_or("")}
                </span>
            </h2>
            {Agent::ALL.into_iter().enumerate().map(|(i, a)| view! { <AgentCard agent=a index=i /> }).collect_view()}
        </section>
    }
}
