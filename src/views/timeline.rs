use crate::view_model::{self, RunState};
use leptos::prelude::*;
use quantumstate_core::agents::{narrate, Mode, ReportStatus};
use quantumstate_core::Agent;

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
    narrate::evidence(agent, &run.story())
}

/// One agent's card: its decision (two lines; the rest behind "Evidence"),
/// confidence, simulated time, and Approve/Reject when Surgeon waits.
#[component]
fn AgentCard(
    /// Which agent.
    agent: Agent,
    /// Its position in the pipeline (0–3).
    index: usize,
    /// The run.
    run: Signal<RunState>,
    /// Cards on screen so far (the staged reveal).
    shown: Signal<usize>,
    /// Whether the agents are still working.
    busy: Signal<bool>,
    /// Approve (true) or reject (false) Surgeon's proposal.
    on_decide: Callback<bool>,
) -> impl IntoView {
    let visible = move || index < shown.get();
    let waiting = move || agent == Agent::Surgeon && run.get().status == Some(ReportStatus::AwaitingApproval);
    let doc = move || run.get().decisions[index].clone().filter(|_| visible());
    let state = move || {
        let r = run.get();
        if r.decisions[index].is_some() && visible() {
            "done"
        } else if waiting() && visible() {
            "waiting"
        } else if busy.get() && r.decisions[..index].iter().all(Option::is_some) && r.decisions[index].is_none() {
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
                // Simulated time on the card; the compute time on hover.
                <span class="elapsed" title=move || run.get().elapsed_ms[index].map(|ms| format!("computed in {ms:.0} ms"))>
                    {move || doc().map(|d| format!("{} UTC", quantumstate_core::time::hm(d.timestamp)))}
                </span>
            </header>
            // Every state has the same rows (text, meter, evidence), so a card
            // keeps its size as its decision lands and nothing below it moves.
            {move || match doc() {
                Some(d) => view! {
                    <p class="decision">{d.decision.clone()}</p>
                    <div class="confidence-row">
                        <div class="confidence" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=d.confidence.to_string()
                            aria-label=format!("{} confidence", agent.as_str())>
                            <span style=format!("width:{}%", d.confidence)></span>
                        </div>
                        <em>{format!("{}%", d.confidence)}</em>
                    </div>
                }.into_any(),
                None if waiting() && visible() => {
                    let plan = run.get().plan;
                    view! {
                        <p class="decision">{plan.as_ref().map(narrate::awaiting)}</p>
                        <div class="approval">
                            <button id="approve" on:click=move |_| on_decide.run(true)>"Approve"</button>
                            <button id="reject" class="danger" on:click=move |_| on_decide.run(false)>"Reject"</button>
                        </div>
                    }.into_any()
                }
                None => view! {
                    <p class="placeholder">{if state() == "working" { "working…" } else { "—" }}</p>
                    <div class="confidence-row"></div>
                }.into_any(),
            }}
            {move || {
                let lines = if visible() { evidence(agent, &run.get()) } else { Vec::new() };
                if lines.is_empty() {
                    view! { <div class="evidence-slot"></div> }.into_any()
                } else {
                    view! {
                        <details>
                            <summary>"Evidence"</summary>
                            <ul class="evidence">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                        </details>
                    }.into_any()
                }
            }}
        </article>
    }
}

/// Cassandra → Archaeologist → Surgeon → Guardian, each card as the story reaches it.
#[component]
pub fn Timeline(
    /// The run.
    run: Signal<RunState>,
    /// Cards on screen so far (the staged reveal).
    shown: Signal<usize>,
    /// Whether the agents are still working.
    busy: Signal<bool>,
    /// Approve (true) or reject (false) Surgeon's proposal.
    on_decide: Callback<bool>,
) -> impl IntoView {
    view! {
        <section class="panel timeline" aria-labelledby="timeline-title"
            data-run=move || run.get().loaded.map(|l| l.config.anchor.timestamp().to_string())
            data-cassandra=move || run.get().decisions[0].is_some().then_some("done")>
            <h2 id="timeline-title">"Agent timeline"</h2>
            {Agent::ALL.into_iter().enumerate().map(|(i, a)| view! {
                <AgentCard agent=a index=i run=run shown=shown busy=busy on_decide=on_decide />
            }).collect_view()}
        </section>
    }
}

/// The incident in one sentence, with its severity and verdict. The verdict
/// pill (`#verdict`) shows the story as told so far; `data-status` is the
/// pipeline's own state the moment it is known (for the benchmarks).
#[component]
pub fn HeadlineBanner(
    /// The run.
    run: Signal<RunState>,
    /// Cards on screen so far (the staged reveal).
    shown: Signal<usize>,
    /// Stop the staged reveal and show everything.
    on_skip: Callback<()>,
) -> impl IntoView {
    let told = Memo::new(move |_| {
        let r = run.get();
        let n = shown.get().min(r.cards());
        (view_model::headline(&r, n), r.status.filter(|_| n >= r.cards()))
    });
    let h = move || told.get().0;
    let finished = move || told.get().1;
    let revealing = move || {
        let r = run.get();
        r.status.is_some() && shown.get() < r.cards()
    };
    view! {
        <div id="headline" class=move || format!("headline {}", h().tone.as_str()) tabindex="-1">
            <div class="chips">
                {move || h().severity.map(|s| {
                    let whose = if run.get().mode == Mode::Advisory { "Your data · " } else { "Simulated · " };
                    view! { <span class=format!("severity {}", s.as_str())><span class="sim">{whose}</span>{s.as_str()}</span> }
                })}
                <span id="verdict"
                    class=move || format!("verdict {}", finished().map(view_model::status_class).unwrap_or("open"))
                    data-status=move || run.get().status.map(view_model::status_class)>
                    {move || h().status}
                </span>
                <button class="ghost skip" hidden=move || !revealing() on:click=move |_| on_skip.run(())>"Show all now"</button>
            </div>
            // The finished sentence holds its place from the start: what is not
            // told yet is drawn invisibly, and the working line sits on top of it.
            <p class="sentence">
                <span class="line">
                    <span class="told">{move || { let h = h(); (!h.working).then_some(h.sentence) }}</span>
                    <span class="untold" aria-hidden="true">{move || h().untold}</span>
                </span>
                {move || { let h = h(); h.working.then(|| view! { <span class="working">{h.sentence}</span> }) }}
            </p>
            // Said once the story is told: screen readers hear the verdict, not every step.
            <p class="sr-only" role="status">{move || finished().map(|_| format!("{}. {}", h().status, h().sentence))}</p>
        </div>
    }
}
