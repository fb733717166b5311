//! Refreshing the panels after a run; the audit panel reads only the records
//! added since the last refresh.

use super::Controller;
use crate::api::{self, AppStore};
use crate::view_model::AuditRow;
use leptos::prelude::*;
use quantumstate_core::agents::ReportStatus;
use quantumstate_core::store::IncidentQuery;
use quantumstate_core::Store;

/// Audit records the panel shows (the newest).
pub const AUDIT_ROWS: usize = 200;

impl Controller {
    /// Re-read the panels from the store: the health cards, the chart and the
    /// tables each in a task of their own (see [`api::yield_to_browser`]).
    pub async fn refresh(self) {
        let store = self.store();
        let run = self.run.get_untracked();
        self.tally.update(|t| {
            if matches!(run.status, Some(ReportStatus::Resolved | ReportStatus::Escalated)) {
                t.add(&run)
            }
        });
        if let Some(end) = run.data_end() {
            let at = run.verification.as_ref().map(|v| v.verified_at).unwrap_or(end);
            if let Ok(h) = api::platform_health(&store, at).await {
                self.health.set(h);
            }
            if let Some(scan) = run.scan.as_ref().filter(|s| s.detection.is_some()) {
                if let Ok(h) = api::platform_health(&store, scan.now).await {
                    self.health_peak.set(h);
                }
            }
            api::yield_to_browser().await;
        }
        match api::chart_data(&store, &run).await {
            Ok(c) => self.chart.set(c),
            Err(e) => self.error.set(Some(format!("Could not read the chart data: {e}"))),
        }
        api::yield_to_browser().await;
        self.refresh_audit(&store).await;
        if let Ok(h) = store
            .incidents(&IncidentQuery {
                limit: 200,
                ..IncidentQuery::default()
            })
            .await
        {
            self.history.set(h);
        }
        if let Ok(c) = store.counts().await {
            self.counts.set(Some(c));
        }
    }

    /// Add the audit records written since the last refresh to the panel
    /// (newest first, at most [`AUDIT_ROWS`]). Only those are read: reading
    /// all of them each time parsed every context again, and that transient
    /// peak, growing with the trail, is what grew the wasm memory.
    pub(super) async fn refresh_audit(self, store: &AppStore) {
        let Ok(counts) = store.counts().await else { return };
        let seen = self.counts.get_untracked().map(|c| c.decisions);
        let full = self.audit.with_untracked(Vec::is_empty);
        let wanted = match seen {
            Some(seen) if !full && counts.decisions >= seen => (counts.decisions - seen) as usize,
            // A new store, or the first read.
            _ => AUDIT_ROWS,
        };
        if wanted == 0 {
            return;
        }
        let Ok(fresh) = store.decisions(wanted.min(AUDIT_ROWS)).await else {
            return;
        };
        let fresh: Vec<AuditRow> = fresh.into_iter().map(AuditRow::from).collect();
        self.audit.update(|rows| {
            let old = std::mem::take(rows);
            let kept: Vec<AuditRow> = if wanted >= AUDIT_ROWS {
                Vec::new()
            } else {
                old.into_iter().filter(|r| fresh.iter().all(|f| f.id != r.id)).collect()
            };
            *rows = fresh;
            rows.extend(kept);
            rows.truncate(AUDIT_ROWS);
        });
    }
}
