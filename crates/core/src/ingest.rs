//! Reading documents someone else wrote: NDJSON in the seed's data model, the
//! CSV metrics form `timestamp,service,metric_type,value` (see [`metrics`]), and
//! `timestamp,value` CSV for a single metric. Bad lines are reported with their
//! line number; good lines are kept. [`metrics`], [`logs`] and [`incidents`] are
//! the one reader that `analyze` uses; the app's worker feeds the same reader a
//! file in pieces through [`Stream`].

use crate::time::parse_timestamp;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

/// Parse NDJSON; blank lines are skipped.
pub fn ndjson<T: DeserializeOwned>(text: &str) -> (Vec<T>, Vec<LineError>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_text = line.trim();
        if line_text.is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(line_text) {
            Ok(doc) => good.push(doc),
            Err(e) => bad.push(LineError {
                line: i + 1,
                reason: e.to_string(),
            }),
        }
    }
    (good, bad)
}

/// One data row of a `timestamp,value` CSV, kept even when unreadable so
/// that output rows stay aligned with input rows.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRow {
    /// 1-based line number.
    pub line: usize,
    /// The timestamp column as written.
    pub timestamp: String,
    pub at: Option<DateTime<Utc>>,
    /// `None`: not a finite number.
    pub value: Option<f64>,
}

/// Parse `timestamp,value` rows; a header row is skipped, extra columns
/// ignored, and every other non-blank line is a row (unreadable values are
/// `None`, with the reason in the errors). Refuses text with no comma-separated
/// row at all or no numeric value in the second column (wrong separator, wrong file).
pub fn csv_rows(text: &str) -> Result<(Vec<CsvRow>, Vec<LineError>), String> {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_text = line.trim();
        if line_text.is_empty() {
            continue;
        }
        let mut cols = line_text.split(',').map(|c| c.trim().trim_matches('"'));
        let (Some(ts), Some(value)) = (cols.next(), cols.next()) else {
            return Err(format!(
                "line {}: expected comma-separated timestamp,value columns, found {line_text:?}",
                i + 1
            ));
        };
        let at = parse_timestamp(ts);
        let number = value.parse::<f64>().ok().filter(|v| v.is_finite());
        if rows.is_empty() && at.is_err() && number.is_none() {
            continue; // header
        }
        let reason = match (&at, number) {
            (Err(e), _) => Some(e.to_string()),
            (_, None) => Some(format!("value {value:?} is not a finite number")),
            _ => None,
        };
        if let Some(reason) = reason {
            bad.push(LineError { line: i + 1, reason });
        }
        rows.push(CsvRow {
            line: i + 1,
            timestamp: ts.to_string(),
            at: at.ok(),
            value: number,
        });
    }
    if !rows.iter().any(|r| r.value.is_some()) {
        return Err("no numeric value in the second column".into());
    }
    Ok((rows, bad))
}

mod documents;
mod stream;
pub use documents::*;
pub use stream::{Kind, Stream};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MetricDoc;

    #[test]
    fn bad_lines_are_reported_and_good_ones_kept() {
        let text = r#"{"@timestamp":"2026-02-13T14:32:00Z","service":"payment-service","region":"us-east-1","metric_type":"memory_percent","value":74.3,"unit":"percent"}
not json

{"@timestamp":"yesterday","service":"x","region":"r","metric_type":"m","value":1,"unit":"u"}
{"@timestamp":"2026-02-13 14:33:00","service":"payment-service","region":"us-east-1","metric_type":"memory_percent","value":75,"unit":"percent"}
"#;
        let (good, bad): (Vec<MetricDoc>, _) = ndjson(text);
        assert_eq!(good.len(), 2);
        assert_eq!(bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 4]);
        assert!(bad[1].reason.contains("timestamp"));
    }

    #[test]
    fn csv_accepts_both_timestamp_forms_and_skips_the_header() {
        let text = "timestamp,value\n2014-02-19 10:50:00,12.5\n2014-02-19T10:55:00Z,13\n2014-02-19 11:00:00,abc\n";
        let (rows, bad) = csv_rows(text).unwrap();
        assert_eq!(rows.len(), 3, "the unreadable row is kept, unscored");
        assert_eq!(rows[2].value, None);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 4);
        assert_eq!(rows[1].value, Some(13.0));
    }

    #[test]
    fn csv_with_another_separator_or_no_numbers_is_refused() {
        assert!(csv_rows("timestamp;value\n2014-02-19 10:50:00;12.5\n").is_err());
        assert!(csv_rows("a,b\nx,y\n").is_err());
        assert!(csv_rows("").is_err());
    }
}
