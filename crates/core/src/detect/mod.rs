//! The detector core behind Cassandra and `quantumstate detect`: the robust
//! statistics ([`stats`]), the spike + CUSUM detector ([`detector`]), the
//! streaming scorer that feeds it a rolling baseline ([`stream`]), count models for integer counters ([`counts`]), the
//! time-of-day baseline from days of history ([`seasonal`]), the change-point
//! search over a whole series ([`changepoint`]), and the per-series judgement
//! that combines them with persistence and materiality ([`series`]).
//!
//! The judgement is typed: besides an anomaly it says why something that came
//! close was not flagged ([`NotFlagged`]), when a series cannot be judged
//! ([`CannotJudge`]), and which services stopped reporting ([`StoppedReporting`]).

pub mod changepoint;
pub mod common;
pub mod counts;
pub mod detector;
pub mod seasonal;
pub mod series;
pub mod stats;
pub mod stream;

use crate::store::SeriesKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A service none of whose series has reported for a while: a finding in itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoppedReporting {
    pub service: String,
    /// Its latest reading, any metric.
    pub last_seen: DateTime<Utc>,
    /// Minutes from that reading to "now".
    pub silent_minutes: f64,
}

/// Why there is no verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CannotJudge {
    /// The store holds no metrics.
    NoData,
    /// Every reading is later than "now".
    DataAfterNow { first: DateTime<Utc> },
    /// Too few readings for a baseline.
    TooLittleData {
        key: SeriesKey,
        points: usize,
        minutes: f64,
        needed: usize,
    },
}

impl CannotJudge {
    /// One line for the decision.
    pub fn reason(&self) -> String {
        match self {
            CannotJudge::NoData => "the store holds no metrics".into(),
            CannotJudge::DataAfterNow { first } => {
                format!("the data begins at {}, after now", crate::time::ymd_hm(first))
            }
            CannotJudge::TooLittleData {
                key,
                points,
                minutes,
                needed,
            } => format!(
                "{} {} has {points} readings over {minutes:.0} min, {needed} needed for a baseline",
                key.service, key.metric_type
            ),
        }
    }
}

/// A series that came close and why it was not flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotFlagged {
    /// Crossed the line and came back within minutes.
    Blip {
        key: SeriesKey,
        at: DateTime<Utc>,
        minutes: f64,
        peak: f64,
    },
    /// Statistically unusual, but smaller than the materiality line.
    Immaterial {
        key: SeriesKey,
        at: DateTime<Utc>,
        deviation: f64,
        needed: f64,
    },
    /// As high as at this time on earlier days (a daily rhythm, a recurring job).
    UsualAtThisHour {
        key: SeriesKey,
        at: DateTime<Utc>,
        deviation: f64,
        days: usize,
    },
    /// Every other service's same metric moved alike since then (demand).
    PlatformWide {
        key: SeriesKey,
        at: DateTime<Utc>,
        services: usize,
    },
}

impl NotFlagged {
    pub fn key(&self) -> &SeriesKey {
        match self {
            NotFlagged::Blip { key, .. }
            | NotFlagged::Immaterial { key, .. }
            | NotFlagged::UsualAtThisHour { key, .. }
            | NotFlagged::PlatformWide { key, .. } => key,
        }
    }

    /// One line for the decision.
    pub fn reason(&self) -> String {
        let k = self.key();
        match self {
            NotFlagged::Blip { at, minutes, .. } => format!(
                "{} {} moved at {} for {minutes:.0} min and recovered (a blip)",
                k.service,
                k.metric_type,
                crate::time::hm(at)
            ),
            NotFlagged::Immaterial { deviation, needed, .. } => format!(
                "{} {} deviated by {deviation:.2}, under the {needed:.2} that matters",
                k.service, k.metric_type
            ),
            NotFlagged::UsualAtThisHour { deviation, days, .. } => format!(
                "{} {} is {deviation:+.1} off the day's level, as usual at this hour on the {days} previous days",
                k.service, k.metric_type
            ),
            NotFlagged::PlatformWide { at, services, .. } => format!(
                "{} {} moved from {} on as the {services} other services' did (the platform's demand, not a fault)",
                k.service,
                k.metric_type,
                crate::time::hm(at)
            ),
        }
    }
}
