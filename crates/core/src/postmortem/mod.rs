//! The post-mortem of one pipeline run, as Markdown to paste into a ticket.
//! Built only from the typed [`IncidentReport`] and the narration module, so the
//! app ("Copy post-mortem", "Download .md") and the CLI (`--format markdown`)
//! say the same thing, and every claim names its mode: in the simulation the
//! actions ran in the simulated world; on someone else's data (advisory) the
//! agents recommended and only what the data shows is reported as done.
//!
//! The sections are written in `sections`; the summary is narration's headline.

use crate::agents::narrate::{self, mode_label, mttr, status_label};
use crate::agents::IncidentReport;
use crate::time::{hm, md_hms, ymd_hm};
use crate::topology::Topology;
use chrono::{DateTime, Utc};
use std::fmt::Write;

mod sections;
use sections::*;

fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    mttr((to - from).num_seconds().max(0) as u64)
}

/// The end of what the run saw: the last data point Guardian read, else "now".
fn data_end(report: &IncidentReport) -> DateTime<Utc> {
    report
        .verification
        .as_ref()
        .and_then(|v| v.data_until)
        .unwrap_or(report.scan.now)
}

/// The post-mortem's title.
pub fn title(report: &IncidentReport) -> String {
    match (&report.scan.detection, &report.investigation) {
        (Some(d), Some(inv)) => format!(
            "{} on {}, {}",
            inv.anomaly_type.describe(),
            inv.root_service,
            ymd_hm(d.onset)
        ),
        _ => format!(
            "No incident, {} to {}",
            ymd_hm(report.scan.analysis.start),
            hm(report.scan.analysis.end)
        ),
    }
}

/// One sentence that tells the incident, naming the mode (narration's headline,
/// as the app's banner tells it).
pub fn headline(report: &IncidentReport) -> String {
    narrate::sentence(&narrate::headline(&narrate::Story::from(report), Some(report.status)))
}

/// The whole post-mortem. `topology` is the dependency graph the run used.
pub fn markdown(report: &IncidentReport, topology: &Topology) -> String {
    let mut out = format!("# Post-mortem: {}\n\n", title(report));
    let incident = report
        .scan
        .detection
        .as_ref()
        .map(|d| format!("\n- **Incident:** `{}`", d.incident_id()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- **Mode:** {}\n- **Status:** {}{incident}\n- **Analysed up to:** {} UTC\n",
        mode_label(report.mode),
        status_label(report.status),
        md_hms(report.scan.now)
    );
    let _ = writeln!(out, "## Summary\n\n{}\n", headline(report));
    impact(&mut out, report, topology);
    timeline(&mut out, report);
    root_cause(&mut out, report);
    action(&mut out, report);
    mttr_section(&mut out, report);
    let _ = writeln!(out, "## What was not known\n");
    for line in not_known(report, topology) {
        let _ = writeln!(out, "- {line}");
    }
    let _ = writeln!(out, "\n## Follow-ups\n");
    for line in follow_ups(report) {
        let _ = writeln!(out, "- [ ] {line}");
    }
    out
}

#[cfg(test)]
mod tests;
