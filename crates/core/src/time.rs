//! Time helpers: lenient timestamp parsing, the clock formats the agents and
//! the app print, and half-open windows.
//!
//! Parsing and printing are written out here rather than done with chrono's
//! strftime patterns: those pull its pattern interpreter into the wasm bundle
//! (about 20 KB before compression) for a handful of fixed formats.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;

/// A timestamp that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable timestamp {0:?}: expected RFC 3339 (2026-02-13T14:32:00Z) or `2014-02-19 10:50:00` (UTC)")]
pub struct TimestampError(pub String);

/// RFC 3339 with any offset, or a naive `YYYY-MM-DD HH:MM[:SS[.fff]]` (space
/// or `T`) taken as UTC, or epoch milliseconds.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, TimestampError> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Some(at) = parse_naive(t) {
        return Ok(at);
    }
    if let Ok(millis) = t.parse::<i64>() {
        if let Some(at) = DateTime::from_timestamp_millis(millis) {
            return Ok(at);
        }
    }
    Err(TimestampError(text.to_string()))
}

/// `YYYY-MM-DD HH:MM[:SS[.fraction]]`, with a space or `T`, as UTC.
fn parse_naive(t: &str) -> Option<DateTime<Utc>> {
    let b = t.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = t.get(from..from + len)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b' ' | b'T') || b[13] != b':' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?)?;
    let (hour, minute) = (digits(11, 2)?, digits(14, 2)?);
    let (second, nanos) = match &t[16..] {
        "" => (0, 0),
        rest => {
            let rest = rest.strip_prefix(':')?;
            let second = digits(17, 2)?;
            let nanos = match rest.get(2..)? {
                "" => 0,
                fraction => {
                    let f = fraction.strip_prefix('.')?;
                    if f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32)
                }
            };
            (second, nanos)
        }
    };
    Some(date.and_hms_nano_opt(hour, minute, second, nanos)?.and_utc())
}

/// `14:32`
pub fn hm(at: impl Borrow<DateTime<Utc>>) -> String {
    let at = at.borrow();
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `14:32:05`
pub fn hms(at: impl Borrow<DateTime<Utc>>) -> String {
    let at = at.borrow();
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

/// `02-13`
pub fn md(at: impl Borrow<DateTime<Utc>>) -> String {
    let at = at.borrow();
    format!("{:02}-{:02}", at.month(), at.day())
}

/// `02-13 14:32:05`
pub fn md_hms(at: impl Borrow<DateTime<Utc>>) -> String {
    let at = at.borrow();
    format!("{} {}", md(at), hms(at))
}

/// `2026-02-13 14:32`
pub fn ymd_hm(at: impl Borrow<DateTime<Utc>>) -> String {
    let at = at.borrow();
    format!("{:04}-{} {}", at.year(), md(at), hm(at))
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2014, 2, 9, h, m, s).unwrap()
    }

    #[test]
    fn reads_rfc3339_naive_forms_and_epoch_millis() {
        assert_eq!(parse_timestamp("2014-02-09T10:50:05Z").unwrap(), at(10, 50, 5));
        assert_eq!(parse_timestamp("2014-02-09T12:50:05+02:00").unwrap(), at(10, 50, 5));
        assert_eq!(parse_timestamp(" 2014-02-09 10:50:05 ").unwrap(), at(10, 50, 5));
        assert_eq!(parse_timestamp("2014-02-09T10:50:05").unwrap(), at(10, 50, 5));
        assert_eq!(parse_timestamp("2014-02-09 10:50").unwrap(), at(10, 50, 0));
        assert_eq!(
            parse_timestamp("2014-02-09 10:50:05.25").unwrap(),
            at(10, 50, 5) + TimeDelta::milliseconds(250)
        );
        assert_eq!(
            parse_timestamp(&at(10, 50, 5).timestamp_millis().to_string()).unwrap(),
            at(10, 50, 5)
        );
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2014-02-30 10:50:00",
            "2014-02-09 25:00:00",
            "2014-02-09 10:5x:00",
            "2014-02-09 10:50:",
            "2014-02-09 10:50:05.",
            "2014-02-09 10:50:05.1234567891",
            "2014-02-09 10:50:05 junk",
            "2014/02/09 10:50:05",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn clock_formats_match_strftime() {
        let t = Utc.with_ymd_and_hms(2026, 2, 3, 4, 5, 6).unwrap();
        assert_eq!(hm(t), t.format("%H:%M").to_string());
        assert_eq!(hms(t), t.format("%H:%M:%S").to_string());
        assert_eq!(md(t), t.format("%m-%d").to_string());
        assert_eq!(md_hms(t), t.format("%m-%d %H:%M:%S").to_string());
        assert_eq!(ymd_hm(t), t.format("%Y-%m-%d %H:%M").to_string());
    }
}
