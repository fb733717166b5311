use crate::api::RunState;
use crate::controller::Controller;
use leptos::prelude::*;
use quantumstate_core::agents::guardian::Verdict;
use quantumstate_core::agents::with_unit;
use quantumstate_core::agents::ReportStatus;
use quantumstate_core::{Agent, DecisionDoc};

fn role(agent: Agent) -> &'static str {
    match agent {
        Agent::Cassandra => "Detects and forecasts",
        Agent::Archaeologist => "Finds the root cause",
        Agent::Surgeon => "Remediates",
        Agent::Guardian => "Verifies and records MTTR",
    }
}

/// Evidence lines for one agent, as plain text.
fn evidence(agent: Agent, run: &RunState) -> Vec<String> {
    let mut out = Vec::new();
    match agent {
        Agent::Cassandra => {
            if let Some(scan) = &run.scan {
                out.push(format!(
                    "{} series scanned; analysis window from {}",
                    scan.series.len(),
                    quantumstate_core::time::hm(scan.analysis.start)
                ));
                if let Some(d) = &scan.detection {
                    let p = &d.primary;
                    let m = p.metric();
                    out.push(format!(
                        "{} {}: baseline {} (robust σ {:.2}), current {}, peak {:.1}σ, {:?} test",
                        d.service,
                        p.key.metric_type,
                        with_unit(m, p.baseline.median),
                        p.baseline.sigma,
                        with_unit(m, p.current),
                        p.peak_z,
                        p.kind
                    ));
                    out.push(format!(
                        "onset {}, flagged {} at {}",
                        quantumstate_core::time::hms(d.onset),
                        quantumstate_core::time::hms(d.detected_at),
                        with_unit(m, p.value_at_detection)
                    ));
                    if let Some(f) = &d.forecast {
                        if let Some(min) = f.minutes_at_detection {
                            out.push(format!(
                                "forecast at detection: alarm level {} in {:.0} min",
                                with_unit(m, f.alarm_level),
                                min
                            ));
                        }
                        if let Some(at) = f.crossed_at {
                            out.push(format!(
                                "crossed the alarm level at {}",
                                quantumstate_core::time::hms(at)
                            ));
                        }
                    }
                    for a in &d.corroborating {
                        out.push(format!(
                            "also {}: {} → {}",
                            a.key.metric_type,
                            with_unit(a.metric(), a.baseline.median),
                            with_unit(a.metric(), a.current)
                        ));
                    }
                    out.push(format!(
                        "WARN+ logs since onset: {} (baseline {:.1}/h)",
                        d.warn_logs_since_onset, d.warn_logs_per_hour_before
                    ));
                }
            }
        }
        Agent::Archaeologist => {
            if let Some(inv) = &run.investigation {
                out.extend(inv.evidence.iter().skip(1).cloned());
                for l in inv.evidence_logs.iter().take(5) {
                    out.push(format!(
                        "{} {} [{}] {}",
                        quantumstate_core::time::hms(l.timestamp),
                        l.level,
                        l.error_code.as_deref().unwrap_or("-"),
                        l.message.lines().next().unwrap_or_default()
                    ));
                }
                for s in &inv.similar {
                    out.push(format!(
                        "past: {} on {} ({:.0} days ago, score {:.1}): {}",
                        s.incident.anomaly_type,
                        s.incident.service,
                        s.days_ago,
                        s.score,
                        s.reasons.join("; ")
                    ));
                }
            }
        }
        Agent::Surgeon => {
            if let Some(p) = &run.plan {
                out.push(format!("runbook: {} ({}), risk {}", p.title, p.action, p.risk));
                out.push(format!("expected: {}", p.expected_effect));
                out.push(format!(
                    "confidence {:.0}% vs threshold {:.0}%",
                    p.confidence * 100.0,
                    p.threshold * 100.0
                ));
                if let Some(cited) = &p.cited {
                    out.push(format!("cites: {cited}"));
                }
            }
            if let Some(r) = &run.remediation {
                out.push(format!(
                    "executed {} → {}, {} recovery readings written",
                    quantumstate_core::time::hms(r.started_at),
                    quantumstate_core::time::hms(r.finished_at),
                    r.recovery_points
                ));
            }
        }
        Agent::Guardian => {
            if let Some(v) = &run.verification {
                match &v.verdict {
                    Verdict::Resolved {
                        recovered_at,
                        mttr_seconds,
                        historical_mttr_seconds,
                    } => {
                        out.push(format!(
                            "recovered at {}; MTTR {} min {} s",
                            quantumstate_core::time::hms(recovered_at),
                            mttr_seconds / 60,
                            mttr_seconds % 60
                        ));
                        if let Some(h) = historical_mttr_seconds {
                            out.push(format!("historical MTTR for this type: {} min", h / 60));
                        }
                    }
                    Verdict::Escalate { reasons } => out.extend(reasons.iter().cloned()),
                }
                out.push(format!("{} metrics checked", v.checked_series));
            }
        }
    }
    out
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
                    <p class="decision">{plan.as_ref().map(quantumstate_core::agents::surgeon::awaiting_text)}</p>
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
