//! The incident pipeline, the only driver of the agents: Cassandra →
//! Archaeologist → Surgeon → Guardian. Front ends (the app, `run`, `analyze`,
//! `eval`) listen to its [`Event`]s through a [`Listener`], as ripgrep's
//! `Sink` listens to its `Searcher`; none of them re-drives the steps.
//!
//! Two [`Mode`]s:
//! - **simulation**: our scenarios. Surgeon's action runs in the simulated world
//!   ([`crate::sim::recovery`] writes its log lines and the recovery telemetry)
//!   and Guardian verifies it.
//! - **advisory**: someone else's data. Surgeon recommends; nothing is written
//!   but the audit records; Guardian judges recovery from the input alone.

use super::archaeologist::{self, Investigation};
use super::cassandra::{self, Scan};
use super::guardian::{self, Verdict, Verification};
use super::narrate;
use super::surgeon::{self, Approval, Plan, Remediation};
use super::{decision, percent, AgentConfig};
use crate::model::{Agent, DecisionDoc};
use crate::sim::recovery::{self, Execution, SeriesLevel};
use crate::store::{Store, StoreError, Visible};
use crate::topology::Topology;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Whose world the agents act in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Our generated scenarios: actions run in the simulated world.
    #[default]
    Simulation,
    /// Someone else's data: Surgeon recommends, Guardian reads the data only.
    Advisory,
}

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    NoIncident,
    AwaitingApproval,
    Resolved,
    Escalated,
    /// Advisory: still open at the end of the data.
    AwaitingRecovery,
}

/// Everything the agents found and did for one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentReport {
    #[serde(default)]
    pub mode: Mode,
    pub status: ReportStatus,
    pub scan: Scan,
    pub investigation: Option<Investigation>,
    pub plan: Option<Plan>,
    /// Simulation only: what the executed plan did.
    pub remediation: Option<Remediation>,
    pub verification: Option<Verification>,
    /// The audit records this run wrote, in order.
    pub decisions: Vec<DecisionDoc>,
}

impl IncidentReport {
    /// The audit record `agent` wrote in this run, if any.
    pub fn decision_of(&self, agent: Agent) -> Option<&DecisionDoc> {
        self.decisions.iter().rev().find(|d| d.agent == agent)
    }
}

/// One step of the pipeline, as it happens.
#[derive(Debug, Clone, Copy)]
pub enum Event<'r> {
    /// `agent` begins its step.
    Started(Agent),
    /// `agent` finished and recorded `decision`; `report` holds its typed result.
    Finished {
        agent: Agent,
        decision: &'r DecisionDoc,
        report: &'r IncidentReport,
    },
    /// Simulation, below the threshold: the run stops for a human.
    AwaitingApproval(&'r IncidentReport),
    /// A human answered; the run goes on.
    Resumed { approved: bool },
    /// The run is over (also after a stop for approval is answered).
    Done(&'r IncidentReport),
}

/// Watches the pipeline's events (progress lines, timings, panels).
pub trait Listener {
    fn event(&mut self, event: Event<'_>);
}

/// Listens to nothing.
impl Listener for () {
    fn event(&mut self, _: Event<'_>) {}
}

/// The agents over one store.
pub struct Pipeline<'s, S: Store> {
    pub store: &'s S,
    pub config: AgentConfig,
    pub mode: Mode,
    pub topology: Topology,
}

/// Label for platform-wide records (a quiet scan is about no single service).
pub const PLATFORM: &str = "platform";

impl<'s, S: Store> Pipeline<'s, S> {
    /// Simulation mode over the seed's platform.
    pub fn new(store: &'s S, config: AgentConfig) -> Self {
        Pipeline {
            store,
            config,
            mode: Mode::Simulation,
            topology: Topology::platform(),
        }
    }

    /// Advisory mode: for data someone else wrote.
    pub fn advisory(store: &'s S, config: AgentConfig) -> Self {
        Pipeline {
            mode: Mode::Advisory,
            ..Pipeline::new(store, config)
        }
    }

    /// Write an audit record. A run's last record before it stops (done, or
    /// waiting for a person) is [`Visible::Now`], and makes the run's earlier
    /// ones visible with it: one refresh per run instead of one per record.
    async fn record(&self, doc: DecisionDoc, visible: Visible) -> Result<DecisionDoc, StoreError> {
        self.store.append_decision(&doc, visible).await?;
        Ok(doc)
    }

    /// "Now" for data someone else wrote: the latest metric timestamp.
    pub async fn latest_data_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.store.metric_time_range().await?.map(|(_, last)| last))
    }

    /// Cassandra looks without recording (live replay's watch loop): is there an incident?
    pub async fn watch(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(cassandra::scan(self.store, &self.config, now)
            .await?
            .detection
            .is_some())
    }

    /// Push `doc` into the report and tell the listener.
    fn finished(report: &mut IncidentReport, agent: Agent, doc: DecisionDoc, listener: &mut dyn Listener) {
        report.decisions.push(doc);
        if let Some(decision) = report.decisions.last() {
            listener.event(Event::Finished {
                agent,
                decision,
                report: &*report,
            });
        }
    }

    /// The whole pipeline as of `now`, silently.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<IncidentReport, StoreError> {
        self.run_with(now, &mut ()).await
    }

    /// The whole pipeline as of `now`. In simulation below the approval threshold
    /// it stops at [`ReportStatus::AwaitingApproval`]; continue with [`Pipeline::resume_with`].
    pub async fn run_with(
        &self,
        now: DateTime<Utc>,
        listener: &mut dyn Listener,
    ) -> Result<IncidentReport, StoreError> {
        listener.event(Event::Started(Agent::Cassandra));
        let scan = cassandra::scan(self.store, &self.config, now).await?;
        let doc = match &scan.detection {
            Some(d) => decision(
                now,
                Agent::Cassandra,
                &d.service,
                d.decision.clone(),
                percent(d.confidence),
                json!({ "mode": self.mode, "incident_id": d.incident_id(), "anomaly_type": d.anomaly_type, "region": d.region, "detection": d }),
            ),
            None => decision(
                now,
                Agent::Cassandra,
                PLATFORM,
                scan.decision.clone(),
                99,
                json!({ "mode": self.mode, "series_scanned": scan.series.len(), "analysis_window": scan.analysis }),
            ),
        };
        let last = match scan.detection {
            Some(_) => Visible::Later,
            None => Visible::Now,
        };
        let doc = self.record(doc, last).await?;
        let mut report = IncidentReport {
            mode: self.mode,
            status: ReportStatus::NoIncident,
            scan,
            investigation: None,
            plan: None,
            remediation: None,
            verification: None,
            decisions: Vec::new(),
        };
        Self::finished(&mut report, Agent::Cassandra, doc, listener);
        let Some(detection) = report.scan.detection.clone() else {
            listener.event(Event::Done(&report));
            return Ok(report);
        };

        listener.event(Event::Started(Agent::Archaeologist));
        let inv = archaeologist::investigate_with(self.store, &self.config, &self.topology, &detection, now).await?;
        let plan = surgeon::plan(&self.config, &detection, &inv);
        // The run stops here when a person must approve the plan.
        let last = match self.mode == Mode::Simulation && !plan.automatic {
            true => Visible::Now,
            false => Visible::Later,
        };
        let doc = self
            .record(decision(
                now + TimeDelta::seconds(1),
                Agent::Archaeologist,
                &inv.root_service,
                inv.decision.clone(),
                percent(inv.confidence),
                json!({ "mode": self.mode, "incident_id": detection.incident_id(), "anomaly_type": inv.anomaly_type, "investigation": inv }),
            ), last)
            .await?;
        report.investigation = Some(inv);
        report.plan = Some(plan.clone());
        Self::finished(&mut report, Agent::Archaeologist, doc, listener);

        match self.mode {
            Mode::Advisory => self.advise(report, listener).await,
            Mode::Simulation if plan.automatic => self.execute(report, Approval::Automatic, listener).await,
            Mode::Simulation => {
                report.status = ReportStatus::AwaitingApproval;
                listener.event(Event::AwaitingApproval(&report));
                Ok(report)
            }
        }
    }

    /// Continue an incident waiting for approval, silently.
    pub async fn resume(&self, report: IncidentReport, approve: bool) -> Result<IncidentReport, StoreError> {
        self.resume_with(report, approve, &mut ()).await
    }

    /// Continue an incident waiting for approval: approve executes, reject escalates.
    pub async fn resume_with(
        &self,
        mut report: IncidentReport,
        approve: bool,
        listener: &mut dyn Listener,
    ) -> Result<IncidentReport, StoreError> {
        let Some(plan) = report
            .plan
            .clone()
            .filter(|_| report.status == ReportStatus::AwaitingApproval)
        else {
            return Ok(report);
        };
        listener.event(Event::Resumed { approved: approve });
        if approve {
            return self.execute(report, Approval::Human, listener).await;
        }
        let at = report.scan.now + TimeDelta::seconds(2);
        listener.event(Event::Started(Agent::Surgeon));
        let doc = self
            .record(
                self.surgeon_record(&plan, narrate::rejected_plan(&plan), at),
                Visible::Later,
            )
            .await?;
        Self::finished(&mut report, Agent::Surgeon, doc, listener);
        listener.event(Event::Started(Agent::Guardian));
        let v = guardian::rejected(&plan, at + TimeDelta::seconds(1));
        let doc = self.record(self.guardian_doc(&report, &v), Visible::Now).await?;
        report.verification = Some(v);
        report.status = ReportStatus::Escalated;
        Self::finished(&mut report, Agent::Guardian, doc, listener);
        listener.event(Event::Done(&report));
        Ok(report)
    }

    /// Surgeon's record of a plan that was not executed (rejected, or advisory).
    fn surgeon_record(&self, plan: &Plan, text: String, at: DateTime<Utc>) -> DecisionDoc {
        decision(
            at,
            Agent::Surgeon,
            &plan.service,
            text,
            percent(plan.confidence),
            json!({ "mode": self.mode, "incident_id": plan.incident_id, "executed": false, "plan": plan }),
        )
    }

    fn guardian_doc(&self, report: &IncidentReport, v: &Verification) -> DecisionDoc {
        let service = report.plan.as_ref().map(|p| p.service.as_str()).unwrap_or(PLATFORM);
        decision(
            v.verified_at,
            Agent::Guardian,
            service,
            v.decision.clone(),
            percent(v.confidence),
            json!({ "mode": self.mode, "incident_id": report.scan.detection.as_ref().map(|d| d.incident_id()), "verification": v }),
        )
    }

    /// Advisory: Surgeon recommends, Guardian judges the data.
    async fn advise(
        &self,
        mut report: IncidentReport,
        listener: &mut dyn Listener,
    ) -> Result<IncidentReport, StoreError> {
        let (Some(detection), Some(inv), Some(plan)) = (
            report.scan.detection.clone(),
            report.investigation.clone(),
            report.plan.clone(),
        ) else {
            return Ok(report);
        };
        let now = report.scan.now;
        listener.event(Event::Started(Agent::Surgeon));
        let doc = self
            .record(
                self.surgeon_record(&plan, narrate::recommendation(&plan), now + TimeDelta::seconds(2)),
                Visible::Later,
            )
            .await?;
        Self::finished(&mut report, Agent::Surgeon, doc, listener);
        listener.event(Event::Started(Agent::Guardian));
        let v = guardian::judge(
            self.store,
            &self.config,
            &detection,
            &inv,
            &report.scan.series,
            &plan,
            now,
        )
        .await?;
        let doc = self.record(self.guardian_doc(&report, &v), Visible::Now).await?;
        report.status = match v.verdict {
            Verdict::Resolved { .. } => ReportStatus::Resolved,
            Verdict::Escalate { .. } => ReportStatus::Escalated,
            Verdict::AwaitingRecovery { .. } => ReportStatus::AwaitingRecovery,
        };
        report.verification = Some(v);
        Self::finished(&mut report, Agent::Guardian, doc, listener);
        listener.event(Event::Done(&report));
        Ok(report)
    }

    /// Simulation: the simulator carries out the plan, Guardian verifies.
    async fn execute(
        &self,
        mut report: IncidentReport,
        approval: Approval,
        listener: &mut dyn Listener,
    ) -> Result<IncidentReport, StoreError> {
        let (Some(detection), Some(inv), Some(plan)) = (
            report.scan.detection.clone(),
            report.investigation.clone(),
            report.plan.clone(),
        ) else {
            return Ok(report);
        };
        listener.event(Event::Started(Agent::Surgeon));
        let started = report.scan.now + TimeDelta::seconds(2);
        let finished = started + TimeDelta::seconds(self.config.remediation_secs);
        let already = self.store.decisions(500).await?.into_iter().any(|d| {
            d.agent == Agent::Surgeon && d.context["incident_id"] == plan.incident_id && d.context["executed"] == true
        });
        let execution = Execution {
            incident_id: &plan.incident_id,
            action: plan.action,
            service: &plan.service,
            region: &plan.region,
            target: plan.target_version.as_deref().or(plan.target.as_deref()),
            started,
            finished,
        };
        // Fixing the root heals its callers too.
        let levels: Vec<(String, SeriesLevel)> = report
            .scan
            .series
            .iter()
            .filter(|s| s.key.service == inv.root_service || inv.impacted.contains(&s.key.service))
            .map(|s| {
                (
                    s.key.service.clone(),
                    SeriesLevel {
                        metric_type: s.key.metric_type.clone(),
                        baseline: s.baseline.median,
                        sigma: s.baseline.sigma,
                        last: s.last,
                    },
                )
            })
            .collect();
        let step = TimeDelta::seconds(self.config.bucket_secs.max(1));
        let mut points = Vec::new();
        let mut services: Vec<&str> = levels.iter().map(|(s, _)| s.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        for service in services {
            let region = crate::Service::parse(service)
                .map(|s| s.region())
                .unwrap_or(plan.region.as_str());
            let mine: Vec<SeriesLevel> = levels
                .iter()
                .filter(|(s, _)| s == service)
                .map(|(_, l)| l.clone())
                .collect();
            let e = Execution {
                service,
                region,
                ..execution.clone()
            };
            points.extend(recovery::recovery(&e, &mine, self.config.verify_minutes, step));
        }
        let recovery_points = points.len();
        // Written even when `already`: the ids are deterministic, so this adds
        // nothing to a store that holds it, and a replay whose telemetry was
        // reset gets the same recovery (and the same story) again.
        if plan.action.changes_something() {
            // One request with one refresh for both indices (Elasticsearch).
            let lines = recovery::action_lines(&execution);
            self.store.write_telemetry(&points, &lines, &mut |_, _| {}).await?;
        }
        let rem = Remediation {
            plan: plan.clone(),
            approval,
            started_at: started,
            finished_at: finished,
            recovery_points: if plan.action.changes_something() {
                recovery_points
            } else {
                0
            },
            decision: String::new(),
            newly_executed: !already,
        };
        let rem = Remediation {
            decision: narrate::executed(&rem),
            ..rem
        };
        let doc = self
            .record(decision(
                started,
                Agent::Surgeon,
                &plan.service,
                rem.decision.clone(),
                percent(plan.confidence),
                json!({ "mode": self.mode, "incident_id": plan.incident_id, "executed": true, "approval": approval, "plan": plan,
                        "recovery_points": rem.recovery_points }),
            ), Visible::Later)
            .await?;
        report.remediation = Some(rem);
        Self::finished(&mut report, Agent::Surgeon, doc, listener);

        listener.event(Event::Started(Agent::Guardian));
        let until = finished + TimeDelta::minutes(self.config.verify_minutes);
        let v = guardian::verify(
            self.store,
            &self.config,
            &detection,
            &inv,
            &report.scan.series,
            &plan,
            started,
            until,
        )
        .await?;
        let doc = self.record(self.guardian_doc(&report, &v), Visible::Now).await?;
        report.status = match v.verdict {
            Verdict::Resolved { .. } => ReportStatus::Resolved,
            Verdict::Escalate { .. } | Verdict::AwaitingRecovery { .. } => ReportStatus::Escalated,
        };
        report.verification = Some(v);
        Self::finished(&mut report, Agent::Guardian, doc, listener);
        listener.event(Event::Done(&report));
        Ok(report)
    }
}
