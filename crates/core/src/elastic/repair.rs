//! Removing what does not parse from the incident history and the audit trail
//! (`quantumstate setup --repair`): one junk document must not stop every run.

use super::*;

/// What [`ElasticStore::repair`] removed: (index, id, why it does not parse).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepairReport {
    pub removed: Vec<(String, String, String)>,
}

impl<T: Transport> ElasticStore<T> {
    /// Delete the documents of the incident history and the audit trail that
    /// do not parse as the data model (first 10,000 of each index). Needs the
    /// cluster's own credentials: the proxy refuses deletes.
    pub async fn repair(&self) -> Result<RepairReport, StoreError> {
        let mut report = RepairReport::default();
        for index in [Index::Incidents, Index::Decisions] {
            let name = self.names.name(index);
            let body = json!({ "size": query::MAX_HITS, "query": { "match_all": {} } });
            let v = self.search(index, body).await?;
            let bad = match index {
                Index::Incidents => split_hits::<IncidentDoc>(&v)?.1,
                _ => split_hits::<DecisionDoc>(&v)?.1,
            };
            report
                .removed
                .extend(bad.into_iter().map(|(id, why)| (name.clone(), id, why)));
        }
        if report.removed.is_empty() {
            return Ok(report);
        }
        let mut body = String::new();
        for (index, id, _) in &report.removed {
            body.push_str(&json!({ "delete": { "_index": index, "_id": id } }).to_string());
            body.push('\n');
        }
        let answer = self
            .call(Request {
                method: Method::Post,
                path: "/_bulk?refresh=wait_for".into(),
                body: Some(body),
                ndjson: true,
            })
            .await?;
        if answer["errors"].as_bool() == Some(true) {
            return Err(StoreError::Malformed(format!(
                "some malformed documents could not be deleted: {}",
                snippet(&answer.to_string())
            )));
        }
        Ok(report)
    }
}
