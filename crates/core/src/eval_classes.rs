//! Diagnosis quality per evidence class: root cause, root service and action
//! accuracy over the generated families of [`crate::sim::family`] (every
//! class on several services, wordings and intervals, plus the change and
//! cross-service stories), in simulation mode.

use crate::agents::{AgentConfig, Event, IncidentReport, Listener, Pipeline};
use crate::sim::family::{self, Case, Ending, Spec, Story};
use crate::store::{MemoryStore, StoreError};
use crate::taxonomy::Class;
use crate::Store;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One family's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassScore {
    pub family: String,
    pub runs: usize,
    pub detected: usize,
    pub root_cause: usize,
    pub root_service: usize,
    pub action: usize,
    /// Names of the cases that missed, with what was concluded instead.
    pub misses: Vec<String>,
}

/// Every family, `per_family` variants each.
pub fn specs(per_family: usize, anchor: DateTime<Utc>) -> Vec<Spec> {
    let stories = Class::ALL.into_iter().map(Story::Class).chain([
        Story::DeployDefect,
        Story::DeployLatency,
        Story::FixingDeploy,
        Story::DeployThenDns,
        Story::DependencyOutage,
    ]);
    let mut out = Vec::new();
    for (f, story) in stories.enumerate() {
        for variant in 0..per_family {
            out.push(Spec {
                story,
                variant,
                seed: 7_000 + (f * 100 + variant) as u64,
                anchor: anchor + chrono::TimeDelta::minutes(41 * (f * per_family + variant) as i64),
                ending: Ending::MidIncident,
            });
        }
    }
    out
}

/// Keeps the final report (the eval is a listener like every other front end).
#[derive(Default)]
struct Last(Option<IncidentReport>);

impl Listener for Last {
    fn event(&mut self, event: Event<'_>) {
        if let Event::Done(r) | Event::AwaitingApproval(r) = event {
            self.0 = Some(r.clone());
        }
    }
}

/// Load one case into a fresh memory store.
pub async fn load(case: &Case) -> Result<MemoryStore, StoreError> {
    let store = MemoryStore::new();
    store.write_metrics(&case.data.metrics).await?;
    store.write_logs(&case.data.logs).await?;
    Ok(store)
}

fn family_name(story: Story) -> String {
    match story {
        Story::Class(c) => c.as_str().to_string(),
        Story::DeployDefect => "deploy_then_defects".into(),
        Story::DeployLatency => "deploy_latency_only".into(),
        Story::FixingDeploy => "fixing_deploy".into(),
        Story::DeployThenDns => "deploy_then_unrelated_dns".into(),
        Story::DependencyOutage => "dependency_outage_with_callers".into(),
    }
}

/// Run every spec through the pipeline; one score per family, in order.
pub async fn evaluate(specs: &[Spec], agents: &AgentConfig) -> Result<Vec<ClassScore>, StoreError> {
    let mut scores: Vec<ClassScore> = Vec::new();
    for spec in specs {
        let case = family::case(spec);
        let store = load(&case).await?;
        let mut last = Last::default();
        let end = case.data.truth.timeline.end;
        Pipeline::new(&store, agents.clone()).run_with(end, &mut last).await?;
        let name = family_name(spec.story);
        if scores.last().is_none_or(|s| s.family != name) {
            scores.push(ClassScore {
                family: name,
                ..ClassScore::default()
            });
        }
        let Some(score) = scores.last_mut() else { continue };
        score.runs += 1;
        let Some(report) = last.0.filter(|r| r.scan.detection.is_some()) else {
            score.misses.push(format!("{}: not detected", case.name));
            continue;
        };
        score.detected += 1;
        let (Some(inv), Some(plan)) = (&report.investigation, &report.plan) else {
            continue;
        };
        let cause_ok = inv.root_cause.name() == case.cause;
        let service_ok = inv.root_service == case.root.as_str();
        let action_ok = plan.action == case.action && plan.service == case.root.as_str();
        score.root_cause += usize::from(cause_ok);
        score.root_service += usize::from(service_ok);
        score.action += usize::from(action_ok);
        if !(cause_ok && service_ok && action_ok) {
            score.misses.push(format!(
                "{}: {} on {}, {} on {}",
                case.name,
                inv.root_cause.name(),
                inv.root_service,
                plan.action,
                plan.service
            ));
        }
    }
    Ok(scores)
}

/// The per-class table `quantumstate eval` prints (Markdown).
pub fn table(scores: &[ClassScore]) -> String {
    let pct = |n: usize, d: usize| {
        if d == 0 {
            "—".to_string()
        } else {
            format!("{:.0}%", 100.0 * n as f64 / d as f64)
        }
    };
    let mut out =
        String::from("| family | runs | detected | root cause | root service | action |\n|---|---|---|---|---|---|\n");
    let mut total = ClassScore::default();
    for s in scores {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            s.family,
            s.runs,
            pct(s.detected, s.runs),
            pct(s.root_cause, s.runs),
            pct(s.root_service, s.runs),
            pct(s.action, s.runs)
        ));
        total.runs += s.runs;
        total.detected += s.detected;
        total.root_cause += s.root_cause;
        total.root_service += s.root_service;
        total.action += s.action;
    }
    out.push_str(&format!(
        "| **all** | {} | {} | {} | {} | {} |\n",
        total.runs,
        pct(total.detected, total.runs),
        pct(total.root_cause, total.runs),
        pct(total.root_service, total.runs),
        pct(total.action, total.runs)
    ));
    out
}
