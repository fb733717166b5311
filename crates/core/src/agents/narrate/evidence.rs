//! Evidence lines per agent (the app's timeline) and the whole report as text (the CLI).

use super::*;

/// What one agent's evidence list shows, from whatever the run has so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Story<'a> {
    pub mode: Mode,
    pub scan: Option<&'a Scan>,
    pub investigation: Option<&'a Investigation>,
    pub plan: Option<&'a Plan>,
    pub remediation: Option<&'a Remediation>,
    pub verification: Option<&'a Verification>,
}

impl<'a> From<&'a IncidentReport> for Story<'a> {
    fn from(r: &'a IncidentReport) -> Self {
        Story {
            mode: r.mode,
            scan: Some(&r.scan),
            investigation: r.investigation.as_ref(),
            plan: r.plan.as_ref(),
            remediation: r.remediation.as_ref(),
            verification: r.verification.as_ref(),
        }
    }
}

fn cassandra_evidence(scan: &Scan, out: &mut Vec<String>) {
    out.push(format!(
        "{} series scanned; analysis window from {}",
        scan.series.len(),
        hm(scan.analysis.start)
    ));
    let Some(d) = &scan.detection else { return };
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
        hms(d.onset),
        hms(d.detected_at),
        with_unit(m, p.value_at_detection)
    ));
    if let Some(f) = &d.forecast {
        if let Some(min) = f.minutes_at_detection {
            out.push(format!(
                "forecast at detection: alarm level {} in {min:.0} min",
                with_unit(m, f.alarm_level)
            ));
        }
        if let Some(at) = f.crossed_at {
            out.push(format!("crossed the alarm level at {}", hms(at)));
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
    for a in &d.elsewhere {
        out.push(format!(
            "elsewhere {} {}: onset {}",
            a.key.service,
            a.key.metric_type,
            hms(a.onset)
        ));
    }
    out.push(format!(
        "WARN+ logs since onset: {} (baseline {:.1}/h)",
        d.warn_logs_since_onset, d.warn_logs_per_hour_before
    ));
}

/// Evidence lines for one agent, as plain text.
pub fn evidence(agent: Agent, story: &Story) -> Vec<String> {
    let mut out = Vec::new();
    match agent {
        Agent::Cassandra => {
            if let Some(scan) = story.scan {
                cassandra_evidence(scan, &mut out);
            }
        }
        Agent::Archaeologist => {
            if let Some(inv) = story.investigation {
                out.extend(inv.evidence.iter().skip(1).cloned());
                for l in inv.evidence_logs.iter().take(5) {
                    out.push(format!(
                        "{} {} [{}] {}",
                        hms(l.timestamp),
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
            out.push(format!("mode: {}", mode_label(story.mode)));
            if let Some(p) = story.plan {
                out.push(format!("runbook: {}, risk {}", p.title, p.risk));
                out.push(format!("expected: {}", p.expected_effect));
                out.push(format!(
                    "confidence {}% vs threshold {}% (capped at the detection's{})",
                    percent(p.confidence),
                    percent(p.threshold),
                    story
                        .scan
                        .and_then(|s| s.detection.as_ref())
                        .map(|d| format!(" {}%", percent(d.confidence)))
                        .unwrap_or_default()
                ));
                if let Some(cited) = &p.cited {
                    out.push(format!("cites: {cited}"));
                }
            }
            if let Some(r) = story.remediation {
                out.push(format!(
                    "simulated {} → {}, {} simulated recovery readings written",
                    hms(r.started_at),
                    hms(r.finished_at),
                    r.recovery_points
                ));
            }
        }
        Agent::Guardian => {
            if let Some(v) = story.verification {
                match &v.verdict {
                    Verdict::Resolved {
                        recovered_at,
                        mttr_seconds,
                        historical_mttr_seconds,
                    } => {
                        out.push(format!(
                            "recovered at {}; MTTR {}",
                            hms(recovered_at),
                            mttr(*mttr_seconds)
                        ));
                        if let Some(h) = historical_mttr_seconds {
                            out.push(format!("historical MTTR for this type: {} min", h / 60));
                        }
                    }
                    Verdict::Escalate { reasons } | Verdict::AwaitingRecovery { reasons } => {
                        out.extend(reasons.iter().cloned())
                    }
                }
                if let Some(seen) = &v.action_seen {
                    out.push(format!("action in the data: {}", seen_words(seen)));
                }
                if let Some(until) = v.data_until {
                    out.push(format!("telemetry read until {}", hms(until)));
                }
                out.push(format!("{} metrics checked", v.checked_series));
            }
        }
    }
    out
}

/// The whole report as text, for the CLI: mode, status, every decision with its
/// evidence, and a plan that waits for approval in full.
pub fn report_text(report: &IncidentReport) -> String {
    let mut out = format!(
        "mode: {}\nstatus: {}\n",
        mode_label(report.mode),
        status_label(report.status)
    );
    let story = Story::from(report);
    for d in &report.decisions {
        out.push_str(&format!(
            "\n[{}] {} · {} · confidence {}%\n  {}\n",
            d.timestamp.format("%Y-%m-%d %H:%M:%S"),
            d.agent.as_str(),
            d.service,
            d.confidence,
            d.decision
        ));
        for line in evidence(d.agent, &story) {
            out.push_str(&format!("    - {line}\n"));
        }
    }
    if let (ReportStatus::AwaitingApproval, Some(plan)) = (report.status, &report.plan) {
        out.push_str(&format!(
            "\n[pending] surgeon · {}\n  {}\n",
            plan.service,
            awaiting(plan)
        ));
        for line in evidence(Agent::Surgeon, &story) {
            out.push_str(&format!("    - {line}\n"));
        }
    }
    out
}
