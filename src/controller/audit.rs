//! The audit panel's records: only the new ones are read on each refresh.

use super::Controller;
use crate::api::AppStore;
use crate::view_model::AuditRow;
use leptos::prelude::*;
use quantumstate_core::Store;

/// Audit records the panel shows (the newest).
pub const AUDIT_ROWS: usize = 200;

impl Controller {
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
