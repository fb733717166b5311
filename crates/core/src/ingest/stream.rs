//! The reader of [`super::metrics`], [`super::logs`] and [`super::incidents`],
//! fed a file in pieces: the browser reads a 50 MB file a slice at a time off
//! the main thread and hands over the documents as they come. Line numbers run
//! on across pieces; the verdict on the file (read, or not in the model) comes
//! at [`Stream::finish`].

use super::documents::{INCIDENTS_EXPECTED, LOGS_EXPECTED, METRICS_EXPECTED, UNKNOWN_REGION};
use super::{LineError, NotInModel};
use crate::model::{IncidentDoc, LogDoc, MetricDoc, MetricType, Service};
use crate::time::parse_timestamp;
use serde::de::DeserializeOwned;

/// What a file holds, as far as its first line tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Metrics,
    Logs,
    Incidents,
}

impl Kind {
    /// Guess from the first non-blank line: JSON naming `metric_type` is
    /// metrics, `level` or `message` logs, `anomaly_type` incidents; anything
    /// else is read as metrics (NDJSON or CSV), whose reader says what it expected.
    pub fn sniff(head: &str) -> Kind {
        let Some(line) = head.lines().map(str::trim).find(|l| !l.is_empty()) else {
            return Kind::Metrics;
        };
        if !line.starts_with('{') {
            return Kind::Metrics;
        }
        if line.contains("\"metric_type\"") {
            Kind::Metrics
        } else if line.contains("\"anomaly_type\"") {
            Kind::Incidents
        } else if line.contains("\"level\"") || line.contains("\"message\"") {
            Kind::Logs
        } else {
            Kind::Metrics
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Metrics => "metrics",
            Kind::Logs => "logs",
            Kind::Incidents => "incidents",
        }
    }
}

pub(super) struct Columns {
    timestamp: usize,
    service: usize,
    metric_type: usize,
    value: usize,
    region: Option<usize>,
}

enum Form {
    /// No non-blank line yet.
    Undecided,
    Ndjson,
    Csv(Columns),
    Refused(NotInModel),
}

/// How a CSV row (its cells) becomes a document, given the header's columns.
type CsvRow<T> = fn(&[&str], &Columns) -> Result<T, String>;

/// A reader fed complete lines, a piece at a time.
pub struct Stream<T> {
    what: &'static str,
    expected: &'static str,
    /// Metrics only: how a CSV row becomes a document.
    csv: Option<CsvRow<T>>,
    json: fn(&str) -> Result<T, String>,
    form: Form,
    /// Lines seen so far.
    line: usize,
    docs: Vec<T>,
    good: usize,
    bad: Vec<LineError>,
}

fn json_line<T: DeserializeOwned>(line: &str) -> Result<T, String> {
    serde_json::from_str::<T>(line).map_err(|e| e.to_string())
}

impl Stream<MetricDoc> {
    /// Metrics: NDJSON, or CSV with the header `timestamp,service,metric_type,value`.
    pub fn metrics() -> Self {
        Stream::new("metrics", METRICS_EXPECTED, Some(csv_row))
    }
}

impl Stream<LogDoc> {
    pub fn logs() -> Self {
        Stream::new("logs", LOGS_EXPECTED, None)
    }
}

impl Stream<IncidentDoc> {
    pub fn incidents() -> Self {
        Stream::new("incidents", INCIDENTS_EXPECTED, None)
    }
}

impl<T: DeserializeOwned> Stream<T> {
    fn new(what: &'static str, expected: &'static str, csv: Option<CsvRow<T>>) -> Self {
        Stream {
            what,
            expected,
            csv,
            json: json_line::<T>,
            form: Form::Undecided,
            line: 0,
            docs: Vec::new(),
            good: 0,
            bad: Vec::new(),
        }
    }
}

impl<T> Stream<T> {
    /// Read `text`, which must end at a line boundary (or be the file's end).
    pub fn feed(&mut self, text: &str) {
        for raw in text.lines() {
            self.line += 1;
            let line = raw.trim();
            if line.is_empty() || matches!(self.form, Form::Refused(_)) {
                continue;
            }
            if matches!(self.form, Form::Undecided) {
                match self.csv.filter(|_| !line.starts_with('{')) {
                    None => self.form = Form::Ndjson,
                    Some(_) => {
                        self.form = match columns(line) {
                            Some(c) => Form::Csv(c),
                            None => Form::Refused(self.refusal(format!(
                                "line {} is {:?}, which is neither JSON nor that header",
                                self.line,
                                shorten(line)
                            ))),
                        };
                        continue;
                    }
                }
            }
            let parsed = match (&self.form, self.csv) {
                (Form::Csv(c), Some(row)) => row(&cells(line), c),
                _ => (self.json)(line),
            };
            match parsed {
                Ok(doc) => {
                    self.good += 1;
                    self.docs.push(doc);
                }
                Err(reason) => self.bad.push(LineError {
                    line: self.line,
                    reason,
                }),
            }
        }
    }

    /// The documents read since the last call.
    pub fn take_docs(&mut self) -> Vec<T> {
        std::mem::take(&mut self.docs)
    }

    /// Lines read so far.
    pub fn lines(&self) -> usize {
        self.line
    }

    /// Documents read so far (taken or not).
    pub fn good(&self) -> usize {
        self.good
    }

    /// The lines that could not be read so far.
    pub fn bad(&self) -> &[LineError] {
        &self.bad
    }

    /// Whether the file has already been refused (its header says it is not in the model).
    pub fn refused(&self) -> Option<&NotInModel> {
        match &self.form {
            Form::Refused(e) => Some(e),
            _ => None,
        }
    }

    fn refusal(&self, found: String) -> NotInModel {
        NotInModel {
            what: self.what,
            expected: self.expected,
            found,
        }
    }

    fn form_name(&self) -> &'static str {
        match self.form {
            Form::Csv(_) => "CSV",
            _ => "NDJSON",
        }
    }

    /// The file's verdict: its bad lines and how it was read, or why it is
    /// not in the model (it had lines and none of them was a document).
    pub fn finish(self) -> Result<(Vec<LineError>, &'static str), NotInModel> {
        if let Form::Refused(e) = self.form {
            return Err(e);
        }
        if self.good == 0 {
            if let Some(e) = self.bad.first() {
                let found = match self.form {
                    Form::Csv(_) => format!("none of its {} rows is readable (first: {e})", self.bad.len()),
                    _ => format!("none of its {} lines is one (first: {e})", self.bad.len()),
                };
                return Err(self.refusal(found));
            }
        }
        let form = self.form_name();
        Ok((self.bad, form))
    }
}

fn shorten(line: &str) -> String {
    let mut out: String = line.chars().take(60).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

fn cells(line: &str) -> Vec<&str> {
    line.split(',').map(|c| c.trim().trim_matches('"').trim()).collect()
}

fn columns(header: &str) -> Option<Columns> {
    let names: Vec<String> = cells(header).iter().map(|c| c.to_ascii_lowercase()).collect();
    let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    Some(Columns {
        timestamp: find(&["timestamp", "@timestamp"])?,
        service: find(&["service"])?,
        metric_type: find(&["metric_type"])?,
        value: find(&["value"])?,
        region: find(&["region"]),
    })
}

fn csv_row(row: &[&str], c: &Columns) -> Result<MetricDoc, String> {
    let cell = |i: usize, name: &str| {
        row.get(i)
            .copied()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("no {name}"))
    };
    let timestamp = parse_timestamp(cell(c.timestamp, "timestamp")?).map_err(|e| e.to_string())?;
    let service = cell(c.service, "service")?;
    let metric_type = cell(c.metric_type, "metric_type")?;
    let metric = MetricType::parse(metric_type).ok_or_else(|| {
        format!(
            "unknown metric_type {metric_type:?}; expected one of {}",
            MetricType::ALL.map(|m| m.as_str()).join(", ")
        )
    })?;
    let raw = cell(c.value, "value")?;
    let value = raw
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("value {raw:?} is not a number"))?;
    let region = c
        .region
        .and_then(|i| row.get(i).copied())
        .filter(|r| !r.is_empty())
        .or_else(|| Service::parse(service).map(|s| s.region()))
        .unwrap_or(UNKNOWN_REGION);
    Ok(MetricDoc {
        timestamp,
        service: service.to_string(),
        region: region.to_string(),
        metric_type: metric.as_str().to_string(),
        value,
        unit: metric.unit().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric_line(minute: usize, value: f64) -> String {
        format!(
            "{{\"@timestamp\":\"2026-07-01T08:{minute:02}:00Z\",\"service\":\"ledger-api\",\"region\":\"eu-west-1\",\"metric_type\":\"error_rate\",\"value\":{value},\"unit\":\"errors_per_min\"}}\n"
        )
    }

    #[test]
    fn a_file_fed_in_pieces_reads_as_the_whole_file() {
        for csv in [false, true] {
            let mut text = String::new();
            if csv {
                text.push_str("timestamp,service,metric_type,value\n");
            }
            for m in 0..40 {
                if m % 7 == 3 {
                    text.push_str("garbage line\n\n");
                } else if csv {
                    text.push_str(&format!("2026-07-01T08:{m:02}:00Z,ledger-api,error_rate,{m}\n"));
                } else {
                    text.push_str(&metric_line(m, m as f64));
                }
            }
            let whole = crate::ingest::metrics(&text).unwrap();
            for piece in [1, 3, 17] {
                let mut s = Stream::metrics();
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                let mut docs = Vec::new();
                for chunk in lines.chunks(piece) {
                    s.feed(&chunk.concat());
                    docs.extend(s.take_docs());
                }
                let (bad, form) = s.finish().unwrap();
                assert_eq!((docs.len(), &bad, form), (whole.docs.len(), &whole.bad, whole.form));
                assert_eq!(docs, whole.docs);
            }
        }
    }

    #[test]
    fn a_wrong_header_is_refused_at_once() {
        let mut s = Stream::metrics();
        s.feed("date;host;cpu\n");
        assert!(s.refused().is_some());
        s.feed("2026-07-01;a;3\n");
        assert_eq!(s.good(), 0);
        assert!(s.finish().unwrap_err().to_string().contains("date;host;cpu"));
    }

    #[test]
    fn the_first_line_tells_the_kind() {
        assert_eq!(Kind::sniff(&metric_line(0, 1.0)), Kind::Metrics);
        assert_eq!(Kind::sniff("\n timestamp,service,metric_type,value\n"), Kind::Metrics);
        assert_eq!(
            Kind::sniff("{\"@timestamp\":\"2026-07-01T08:00:00Z\",\"service\":\"a\",\"region\":\"r\",\"level\":\"ERROR\",\"message\":\"x\"}"),
            Kind::Logs
        );
        assert_eq!(Kind::sniff("{\"anomaly_type\":\"memory_leak\"}"), Kind::Incidents);
        assert_eq!(Kind::sniff("hello"), Kind::Metrics);
    }
}
