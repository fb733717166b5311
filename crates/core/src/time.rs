//! Time helpers: lenient timestamp parsing and half-open windows.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A timestamp that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable timestamp {0:?}: expected RFC 3339 (2026-02-13T14:32:00Z) or `2014-02-19 10:50:00` (UTC)")]
pub struct TimestampError(pub String);

/// RFC 3339 with any offset, or a naive `YYYY-MM-DD HH:MM:SS[.fff]` / `YYYY-MM-DDTHH:MM:SS`
/// taken as UTC, or epoch milliseconds.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, TimestampError> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(millis) = t.parse::<i64>() {
        if let Some(at) = DateTime::from_timestamp_millis(millis) {
            return Ok(at);
        }
    }
    Err(TimestampError(text.to_string()))
}

/// A half-open time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        TimeWindow { start, end }
    }

    /// The `length` that ends at `end`.
    pub fn ending_at(end: DateTime<Utc>, length: TimeDelta) -> Self {
        TimeWindow {
            start: end - length,
            end,
        }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    pub fn length(&self) -> TimeDelta {
        self.end - self.start
    }
}
