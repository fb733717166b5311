//! The incident pipeline: Cassandra → Archaeologist → Surgeon → Guardian, step
//! by step (so a UI can show each agent as it finishes) or in one call.

use super::archaeologist::{self, Investigation};
use super::cassandra::{self, Scan};
use super::guardian::{self, Verdict, Verification};
use super::surgeon::{self, Approval, Plan, Remediation};
use super::{decision, percent, AgentConfig};
use crate::model::{Agent, DecisionDoc};
use crate::store::{Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    NoIncident,
    AwaitingApproval,
    Resolved,
    Escalated,
}

/// Everything the agents found and did for one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub status: ReportStatus,
    pub scan: Scan,
    pub investigation: Option<Investigation>,
    pub plan: Option<Plan>,
    pub remediation: Option<Remediation>,
    pub verification: Option<Verification>,
    /// The audit records this run wrote, in order.
    pub decisions: Vec<DecisionDoc>,
}

/// The agents over one store.
pub struct Pipeline<'s, S: Store> {
    pub store: &'s S,
    pub config: AgentConfig,
}

/// Label for platform-wide records (a quiet scan is about no single service).
pub const PLATFORM: &str = "platform";

impl<'s, S: Store> Pipeline<'s, S> {
    pub fn new(store: &'s S, config: AgentConfig) -> Self {
        Pipeline { store, config }
    }

    async fn record(&self, doc: DecisionDoc) -> Result<DecisionDoc, StoreError> {
        self.store.append_decision(&doc).await?;
        Ok(doc)
    }

    /// "Now" for data someone else wrote: the latest metric timestamp.
    pub async fn latest_data_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.store.metric_time_range().await?.map(|(_, last)| last))
    }

    /// Step 1: Cassandra scans and records her decision.
    pub async fn detect(&self, now: DateTime<Utc>) -> Result<(Scan, DecisionDoc), StoreError> {
        let scan = cassandra::scan(self.store, &self.config, now).await?;
        let doc = match &scan.detection {
            Some(d) => decision(
                now,
                Agent::Cassandra,
                &d.service,
                d.decision.clone(),
                percent(d.confidence),
                json!({ "incident_id": d.incident_id(), "anomaly_type": d.anomaly_type, "region": d.region, "detection": d }),
            ),
            None => decision(
                now,
                Agent::Cassandra,
                PLATFORM,
                scan.decision.clone(),
                99,
                json!({ "series_scanned": scan.series.len(), "analysis_window": scan.analysis }),
            ),
        };
        let doc = self.record(doc).await?;
        Ok((scan, doc))
    }

    /// Step 2: Archaeologist investigates Cassandra's detection.
    pub async fn investigate(&self, scan: &Scan) -> Result<Option<(Investigation, DecisionDoc)>, StoreError> {
        let Some(detection) = &scan.detection else {
            return Ok(None);
        };
        let inv = archaeologist::investigate(self.store, &self.config, detection, scan.now).await?;
        let doc = decision(
            scan.now + TimeDelta::seconds(1),
            Agent::Archaeologist,
            &detection.service,
            inv.decision.clone(),
            percent(inv.confidence),
            json!({ "incident_id": detection.incident_id(), "anomaly_type": inv.anomaly_type, "investigation": inv }),
        );
        let doc = self.record(doc).await?;
        Ok(Some((inv, doc)))
    }

    /// Step 3a: Surgeon's proposal (nothing written yet).
    pub fn plan(&self, scan: &Scan, inv: &Investigation) -> Option<Plan> {
        scan.detection.as_ref().map(|d| surgeon::plan(&self.config, d, inv))
    }

    /// Step 3b: execute the plan and record it.
    pub async fn execute(
        &self,
        scan: &Scan,
        plan: &Plan,
        approval: Approval,
    ) -> Result<(Remediation, DecisionDoc), StoreError> {
        let at = scan.now + TimeDelta::seconds(2);
        let rem = surgeon::execute(self.store, &self.config, plan, &scan.series, approval, at).await?;
        let doc = decision(
            at,
            Agent::Surgeon,
            &plan.service,
            rem.decision.clone(),
            percent(plan.confidence),
            json!({ "incident_id": plan.incident_id, "executed": true, "approval": approval, "plan": plan,
                    "recovery_points": rem.recovery_points }),
        );
        let doc = self.record(doc).await?;
        Ok((rem, doc))
    }

    /// Step 3b': a human rejected the plan: Surgeon records it, Guardian escalates.
    pub async fn reject(&self, scan: &Scan, plan: &Plan) -> Result<(Verification, Vec<DecisionDoc>), StoreError> {
        let Some(detection) = &scan.detection else {
            return Ok((guardian_none(scan), Vec::new()));
        };
        let at = scan.now + TimeDelta::seconds(2);
        let surgeon_doc = self
            .record(decision(
                at,
                Agent::Surgeon,
                &plan.service,
                format!(
                    "Rejected by the operator: {} was not executed. {}",
                    plan.summary(),
                    plan.rationale
                ),
                percent(plan.confidence),
                json!({ "incident_id": plan.incident_id, "executed": false, "plan": plan }),
            ))
            .await?;
        let verification = guardian::rejected(detection, &plan.summary(), at + TimeDelta::seconds(1));
        let guardian_doc = self.record(self.guardian_doc(scan, &verification)).await?;
        Ok((verification, vec![surgeon_doc, guardian_doc]))
    }

    fn guardian_doc(&self, scan: &Scan, v: &Verification) -> DecisionDoc {
        let service = scan.detection.as_ref().map(|d| d.service.as_str()).unwrap_or(PLATFORM);
        decision(
            v.verified_at,
            Agent::Guardian,
            service,
            v.decision.clone(),
            percent(v.confidence),
            json!({ "incident_id": scan.detection.as_ref().map(|d| d.incident_id()), "verification": v }),
        )
    }

    /// Step 4: Guardian verifies and records.
    pub async fn verify(
        &self,
        scan: &Scan,
        inv: &Investigation,
        rem: &Remediation,
    ) -> Result<(Verification, DecisionDoc), StoreError> {
        let Some(detection) = &scan.detection else {
            return Ok((guardian_none(scan), self.guardian_doc(scan, &guardian_none(scan))));
        };
        let v = guardian::verify(self.store, &self.config, detection, inv, rem, &scan.series).await?;
        let doc = self.record(self.guardian_doc(scan, &v)).await?;
        Ok((v, doc))
    }

    /// The whole pipeline as of `now`. Below the approval threshold it stops at
    /// [`ReportStatus::AwaitingApproval`]; continue with [`Pipeline::resume`].
    pub async fn run(&self, now: DateTime<Utc>) -> Result<IncidentReport, StoreError> {
        let (scan, cassandra_doc) = self.detect(now).await?;
        let mut report = IncidentReport {
            status: ReportStatus::NoIncident,
            scan,
            investigation: None,
            plan: None,
            remediation: None,
            verification: None,
            decisions: vec![cassandra_doc],
        };
        let Some((inv, doc)) = self.investigate(&report.scan).await? else {
            return Ok(report);
        };
        report.decisions.push(doc);
        let plan = self.plan(&report.scan, &inv).expect("a detection has a plan");
        report.investigation = Some(inv);
        report.plan = Some(plan.clone());
        if !plan.automatic {
            report.status = ReportStatus::AwaitingApproval;
            return Ok(report);
        }
        self.finish(report, Approval::Automatic).await
    }

    /// Continue an incident waiting for approval: approve executes, reject escalates.
    pub async fn resume(&self, mut report: IncidentReport, approve: bool) -> Result<IncidentReport, StoreError> {
        if report.status != ReportStatus::AwaitingApproval {
            return Ok(report);
        }
        if approve {
            return self.finish(report, Approval::Human).await;
        }
        let plan = report.plan.clone().expect("awaiting approval has a plan");
        let (v, docs) = self.reject(&report.scan, &plan).await?;
        report.decisions.extend(docs);
        report.verification = Some(v);
        report.status = ReportStatus::Escalated;
        Ok(report)
    }

    async fn finish(&self, mut report: IncidentReport, approval: Approval) -> Result<IncidentReport, StoreError> {
        let plan = report.plan.clone().expect("finish needs a plan");
        let inv = report.investigation.clone().expect("finish needs an investigation");
        let (rem, doc) = self.execute(&report.scan, &plan, approval).await?;
        report.decisions.push(doc);
        let (v, doc) = self.verify(&report.scan, &inv, &rem).await?;
        report.decisions.push(doc);
        report.status = match v.verdict {
            Verdict::Resolved { .. } => ReportStatus::Resolved,
            Verdict::Escalate { .. } => ReportStatus::Escalated,
        };
        report.remediation = Some(rem);
        report.verification = Some(v);
        Ok(report)
    }
}

fn guardian_none(scan: &Scan) -> Verification {
    Verification {
        verdict: Verdict::Escalate {
            reasons: vec!["no incident to verify".into()],
        },
        checked_series: 0,
        decision: "Nothing to verify.".into(),
        confidence: 0.0,
        verified_at: scan.now,
    }
}
