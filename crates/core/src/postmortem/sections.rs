//! The post-mortem's sections after the summary: impact, timeline, root
//! cause, action, MTTR against history, what was not known, follow-ups.

use super::{data_end, minutes};
use crate::agents::narrate::{self, class_words, mttr, status_label};
use crate::agents::{percent, with_unit, IncidentReport, Mode, ReportStatus, RootCause, Verdict};
use crate::time::{hm, md_hms};
use crate::topology::Topology;
use chrono::{DateTime, Utc};
use std::fmt::Write;

pub(super) fn impact(out: &mut String, report: &IncidentReport, topology: &Topology) {
    let _ = writeln!(out, "## Impact\n");
    let (Some(d), Some(inv)) = (&report.scan.detection, &report.investigation) else {
        let _ = writeln!(out, "None: no service left its baseline.\n");
        return;
    };
    let _ = writeln!(out, "- **Root service:** {} ({})", inv.root_service, d.region);
    if inv.impacted.is_empty() {
        let known = topology.nodes().contains(&inv.root_service.as_str());
        let _ = writeln!(
            out,
            "- **Impacted callers:** {}",
            if known {
                format!("none: nothing in the dependency graph calls {}", inv.root_service)
            } else {
                format!("unknown: {} is not in the dependency graph", inv.root_service)
            }
        );
    } else {
        let callers: Vec<String> = inv
            .impacted
            .iter()
            .map(|c| match topology.reason(c, &inv.root_service) {
                Some(why) => format!("{c} ({why})"),
                None => c.clone(),
            })
            .collect();
        let _ = writeln!(
            out,
            "- **Impacted callers (from the topology):** {}",
            callers.join(", ")
        );
    }
    let end = match report.verification.as_ref().map(|v| &v.verdict) {
        Some(Verdict::Resolved { recovered_at, .. }) => {
            format!(
                "{} (onset {} → recovered {})",
                minutes(d.onset, *recovered_at),
                hm(d.onset),
                hm(recovered_at)
            )
        }
        _ => format!(
            "at least {} (onset {} → still unhealthy at {}, the end of the data read)",
            minutes(d.onset, data_end(report)),
            hm(d.onset),
            hm(data_end(report))
        ),
    };
    let _ = writeln!(out, "- **Duration:** {end}");
    let p = &d.primary;
    let m = p.metric();
    let level = match m {
        Some(metric) if metric.is_alarm(p.value_at_detection) || p.severity >= 1.0 => format!(
            "critical: {} reached its alarm level ({})",
            p.key.metric_type,
            with_unit(m, metric.alarm_level())
        ),
        Some(metric) => format!(
            "degraded: {} peaked {:.0}% of the way from its baseline to the alarm level ({})",
            p.key.metric_type,
            p.severity * 100.0,
            with_unit(m, metric.alarm_level())
        ),
        None => format!("{} peaked at {:.1}σ from its baseline", p.key.metric_type, p.peak_z),
    };
    let _ = writeln!(
        out,
        "- **Severity:** {level}; baseline {}, {} when flagged, {} at the end ({:.1}σ peak)",
        with_unit(m, p.baseline.median),
        with_unit(m, p.value_at_detection),
        with_unit(m, p.current),
        p.peak_z
    );
    let also: Vec<&str> = d.corroborating.iter().map(|a| a.key.metric_type.as_str()).collect();
    if !also.is_empty() {
        let _ = writeln!(out, "- **Also anomalous on {}:** {}", d.service, also.join(", "));
    }
    out.push('\n');
}

pub(super) fn timeline(out: &mut String, report: &IncidentReport) {
    let mut rows: Vec<(DateTime<Utc>, String, String)> = Vec::new();
    if let (Some(d), Some(inv)) = (&report.scan.detection, &report.investigation) {
        rows.push((
            d.onset,
            "data".into(),
            format!("onset: {} {} leaves its baseline", d.service, d.primary.key.metric_type),
        ));
        for c in inv.deploy.iter().chain(inv.fix.iter()) {
            rows.push((
                c.at,
                format!("{} on {}", c.kind.noun(), c.service),
                format!("\"{}\" ({})", c.message, c.verdict),
            ));
        }
        rows.push((
            d.detected_at,
            "data".into(),
            format!(
                "first reading past the detector's threshold ({})",
                with_unit(d.primary.metric(), d.primary.value_at_detection)
            ),
        ));
    }
    let mut decisions = Vec::new();
    for doc in &report.decisions {
        decisions.push((doc.timestamp, agent_name(doc.agent), doc.decision.clone()));
    }
    if let Some(r) = &report.remediation {
        rows.push((
            r.finished_at,
            "Surgeon (simulated)".into(),
            format!(
                "{} finished; {} simulated recovery readings",
                r.plan.summary(),
                r.recovery_points
            ),
        ));
    }
    if let Some(v) = &report.verification {
        if let Some(s) = &v.action_seen {
            rows.push((s.at, format!("operator on {}", s.service), format!("\"{}\"", s.message)));
        }
        match &v.verdict {
            Verdict::Resolved { recovered_at, .. } => rows.push((
                *recovered_at,
                "data".into(),
                format!(
                    "healthy again on all {} metrics checked, and it stayed so",
                    v.checked_series
                ),
            )),
            Verdict::AwaitingRecovery { .. } => {
                rows.push((data_end(report), "data".into(), "the data ends; not recovered".into()))
            }
            Verdict::Escalate { .. } => {}
        }
    }
    // Stable: at one instant, the data comes before the agent that read it; the
    // agents keep the pipeline's order (Guardian's verdict may be dated before
    // Archaeologist's record: it is the time recovery was read, not written).
    crate::order::sort_by(&mut rows, |a, b| a.0.cmp(&b.0));
    let mut merged = Vec::with_capacity(rows.len() + decisions.len());
    let mut rows = rows.into_iter().peekable();
    let mut floor = None;
    for d in decisions {
        let key = floor.map_or(d.0, |f: DateTime<Utc>| f.max(d.0));
        while let Some(r) = rows.next_if(|r| r.0 <= key) {
            merged.push(r);
        }
        floor = Some(key);
        merged.push(d);
    }
    merged.extend(rows);
    let _ = writeln!(out, "## Timeline (UTC)\n");
    for (at, who, what) in merged {
        let _ = writeln!(out, "- **{}** · {who}: {}", md_hms(at), one_line(&what));
    }
    out.push('\n');
}

fn agent_name(agent: crate::model::Agent) -> String {
    let name = agent.as_str();
    name[..1].to_ascii_uppercase() + &name[1..]
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn root_cause(out: &mut String, report: &IncidentReport) {
    let _ = writeln!(out, "## Root cause\n");
    let Some(inv) = &report.investigation else {
        let _ = writeln!(out, "None: there was no incident to explain.\n");
        return;
    };
    let _ = writeln!(
        out,
        "{}\n\nEvidence chain (Archaeologist, confidence {}%):\n",
        inv.statement,
        percent(inv.confidence)
    );
    for (i, line) in inv.evidence.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", i + 1, one_line(line));
    }
    if !inv.evidence_logs.is_empty() {
        let _ = writeln!(
            out,
            "\nLog lines behind it (first {}):\n\n```text",
            inv.evidence_logs.len().min(5)
        );
        for l in inv.evidence_logs.iter().take(5) {
            let _ = writeln!(
                out,
                "{} {} {} [{}] {}",
                md_hms(l.timestamp),
                l.service,
                l.level,
                l.error_code.as_deref().unwrap_or("-"),
                l.message.lines().next().unwrap_or_default().replace("```", "'''")
            );
        }
        let _ = writeln!(out, "```");
    }
    out.push('\n');
}

pub(super) fn action(out: &mut String, report: &IncidentReport) {
    let Some(plan) = &report.plan else {
        let _ = writeln!(out, "## Action\n\nNone needed.\n");
        return;
    };
    match (report.mode, report.status, &report.remediation) {
        (Mode::Simulation, _, Some(r)) => {
            let _ = writeln!(
                out,
                "## Action taken (in the simulation)\n\n{}\n\n- **Ran:** {} → {} (simulated world)",
                r.decision,
                md_hms(r.started_at),
                md_hms(r.finished_at)
            );
        }
        (Mode::Simulation, ReportStatus::AwaitingApproval, _) => {
            let _ = writeln!(
                out,
                "## Action proposed (simulation, awaiting approval)\n\n{}\n",
                narrate::awaiting(plan)
            );
        }
        (Mode::Simulation, _, None) => {
            let _ = writeln!(out, "## Action (not taken)\n\n{}\n", narrate::rejected_plan(plan));
        }
        (Mode::Advisory, _, _) => {
            let _ = writeln!(
                out,
                "## Action recommended (advisory: QuantumState changed nothing)\n\n{}\n",
                narrate::recommendation(plan)
            );
            let seen = report.verification.as_ref().and_then(|v| v.action_seen.as_ref());
            let _ = writeln!(
                out,
                "- **What the data shows was done:** {}",
                match seen {
                    Some(s) => narrate::seen_words(s),
                    None => "no operator action appears in the logs".into(),
                }
            );
        }
    }
    let _ = writeln!(
        out,
        "- **Runbook:** {} ({}), risk {}; confidence {}% against the {}% threshold for acting alone\n",
        plan.title,
        plan.action,
        plan.risk,
        percent(plan.confidence),
        percent(plan.threshold)
    );
}

pub(super) fn mttr_section(out: &mut String, report: &IncidentReport) {
    let _ = writeln!(out, "## MTTR against history\n");
    let Some(inv) = &report.investigation else {
        let _ = writeln!(out, "Nothing to measure: no incident.\n");
        return;
    };
    match report.verification.as_ref().map(|v| &v.verdict) {
        Some(Verdict::Resolved {
            mttr_seconds,
            historical_mttr_seconds,
            ..
        }) => {
            let measured = match report.mode {
                Mode::Simulation => "in the simulation",
                Mode::Advisory => "as measured in the data",
            };
            let _ = writeln!(
                out,
                "- **This incident:** {} from onset to sustained recovery, {measured}",
                mttr(*mttr_seconds)
            );
            let _ = writeln!(
                out,
                "- **History:** {}",
                match historical_mttr_seconds {
                    Some(h) if h > mttr_seconds => format!(
                        "past {} incidents took {} on average: this one was {} faster",
                        inv.anomaly_type,
                        mttr(*h),
                        mttr(h - mttr_seconds)
                    ),
                    Some(h) => format!(
                        "past {} incidents took {} on average: this one was {} slower",
                        inv.anomaly_type,
                        mttr(*h),
                        mttr(mttr_seconds - h)
                    ),
                    None => format!(
                        "no past {} incident with an MTTR in the history: nothing to compare",
                        inv.anomaly_type
                    ),
                }
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "- **This incident:** no MTTR: it has not recovered ({})",
                status_label(report.status)
            );
        }
    }
    for s in &inv.similar {
        let _ = writeln!(out, "- **Similar past incident:** {}", narrate::cited(s));
    }
    out.push('\n');
}

pub(super) fn not_known(report: &IncidentReport, topology: &Topology) -> Vec<String> {
    let mut out = Vec::new();
    if report.mode == Mode::Simulation {
        out.push("This is a simulation: the incident, the action and the recovery happened in the simulated world, not on a real system.".into());
    }
    let (Some(d), Some(inv)) = (&report.scan.detection, &report.investigation) else {
        out.push(format!(
            "Only the {} series given were judged ({} to {}); services or signals not in the data were not.",
            report.scan.series.len(),
            md_hms(report.scan.analysis.start),
            md_hms(report.scan.analysis.end)
        ));
        return out;
    };
    if report.mode == Mode::Advisory {
        out.push("Whether the recommendation was followed: QuantumState only reads the data; an action is known only if the logs show it.".into());
    }
    if report.status == ReportStatus::AwaitingRecovery {
        out.push(format!(
            "How and when it ends: the data stops at {} before a sustained recovery.",
            md_hms(data_end(report))
        ));
    }
    if let Some(Verdict::Escalate { reasons }) = report.verification.as_ref().map(|v| &v.verdict) {
        out.push(format!("Why the action did not help: {}.", reasons.join("; ")));
    }
    match &inv.root_cause {
        RootCause::Unknown => out.push(format!(
            "The cause: no evidence class dominates on {}.",
            inv.root_service
        )),
        RootCause::Dependency { name } => out.push(format!("Why {name} failed: its own telemetry is not in the data.")),
        _ => {}
    }
    if inv.class_shares.is_empty() {
        out.push("What the logs say: no WARN+ line matches any evidence class.".into());
    }
    if inv.deploy.is_none() {
        out.push("Any change before onset: no deploy, config push or flag flip appears in the logs before it.".into());
    }
    if !topology.nodes().contains(&inv.root_service.as_str()) {
        out.push(format!(
            "Who calls {}: it is not in the dependency graph, so no impact on callers is claimed.",
            inv.root_service
        ));
    }
    if inv.similar.is_empty() {
        out.push(format!(
            "Precedent: no similar past incident in the history for {} on {}.",
            inv.anomaly_type, d.service
        ));
    }
    if let Some(p) = report.plan.as_ref().filter(|p| p.confidence < p.threshold) {
        out.push(format!(
            "Enough to act alone: confidence {}% is below the {}% threshold.",
            percent(p.confidence),
            percent(p.threshold)
        ));
    }
    out
}

pub(super) fn follow_ups(report: &IncidentReport) -> Vec<String> {
    let (Some(d), Some(inv)) = (&report.scan.detection, &report.investigation) else {
        return vec!["None: no incident.".into()];
    };
    let root = &inv.root_service;
    let mut out = vec![match &inv.root_cause {
        RootCause::Deployment { version, change, .. } => format!(
            "Find the regression in {} {} of {root} before it ships again.",
            change.noun(),
            version.as_deref().unwrap_or("(unnamed)")
        ),
        RootCause::Dependency { name } => {
            format!("Make {root} survive {name} failing (breaker, fallback) and review {name}'s health.")
        }
        RootCause::MemoryExhaustion => format!("Find the leak in {root} (heap profile across a release)."),
        RootCause::Saturation => format!("Size {root} for the load it saw, or shed it."),
        RootCause::Evidence { class } => format!("Remove the {} on {root}.", class_words(*class)),
        RootCause::Unknown => format!("Have a human read the dominant evidence on {root}."),
    }];
    match report.status {
        ReportStatus::AwaitingRecovery => out.push(format!(
            "Confirm the recovery: analyse again with data after {}.",
            md_hms(data_end(report))
        )),
        ReportStatus::AwaitingApproval => out.push("Approve or reject the proposed action.".into()),
        ReportStatus::Escalated => out.push(format!("Page the owner of {root}: the incident is not over.")),
        _ => {}
    }
    if let (Mode::Advisory, Some(p)) = (report.mode, &report.plan) {
        if report.status != ReportStatus::Resolved {
            out.push(format!("Decide on the recommended {}.", p.summary()));
        }
    }
    if !inv.impacted.is_empty() {
        out.push(format!(
            "Check {} for work retried or lost while {root} failed.",
            inv.impacted.join(", ")
        ));
    }
    let lag = (d.detected_at - d.onset).num_minutes();
    if lag >= 2 {
        out.push(format!(
            "Alert earlier: {} {} left its baseline at {}, {lag} min before the detector's threshold was crossed.",
            d.service,
            d.primary.key.metric_type,
            hm(d.onset)
        ));
    }
    if report.status == ReportStatus::Resolved {
        out.push(
            "Record this incident (cause, action, MTTR) in the incident history, so the next one is compared with it."
                .into(),
        );
    }
    out
}
