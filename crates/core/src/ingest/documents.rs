//! The one reader of someone else's files: metrics (NDJSON or the CSV form),
//! logs and past incidents (NDJSON), each in the seed's data model. A file with
//! lines that cannot be read keeps its good lines and reports the bad ones with
//! their line numbers; a file with nothing in the model at all is refused with a
//! message naming what was expected.

use super::LineError;
use crate::model::{IncidentDoc, LogDoc, MetricDoc};

use super::Stream;

/// The header of the CSV metrics form (`region` may be added as a fifth column).
pub const CSV_METRICS_HEADER: &str = "timestamp,service,metric_type,value";

/// Region of a CSV row that names none and whose service is not in the catalogue.
pub const UNKNOWN_REGION: &str = "unknown";

/// What one file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    pub docs: Vec<T>,
    /// Lines that could not be read, in file order.
    pub bad: Vec<LineError>,
    /// How the file was read: `"NDJSON"` or `"CSV"`.
    pub form: &'static str,
}

/// A file that holds nothing in the data model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not {what}: expected {expected}; {found}")]
pub struct NotInModel {
    pub what: &'static str,
    pub expected: &'static str,
    /// What the file held instead (its first problem, with its line number).
    pub found: String,
}

pub(crate) const METRICS_EXPECTED: &str = "one JSON metric document per line ({\"@timestamp\",\"service\",\"region\",\"metric_type\",\"value\",\"unit\"}) or CSV with the header timestamp,service,metric_type,value";
pub(crate) const LOGS_EXPECTED: &str =
    "one JSON log document per line ({\"@timestamp\",\"service\",\"region\",\"level\",\"message\"}, optional \"error_code\", \"trace_id\")";
pub(crate) const INCIDENTS_EXPECTED: &str = "one JSON incident document per line ({\"@timestamp\",\"service\",\"region\",\"anomaly_type\",\"root_cause\",\"actions_taken\",\"status\"}, optional \"resolved_at\", \"mttr_seconds\")";

/// A metrics file: NDJSON metric documents, or CSV with the header
/// `timestamp,service,metric_type,value` (any column order, an optional
/// `region` column). A CSV row's unit comes from the catalogue's metric type, its
/// region from the column, else from the catalogue's service, else
/// [`UNKNOWN_REGION`]. Values may be integers.
pub fn metrics(text: &str) -> Result<Read<MetricDoc>, NotInModel> {
    whole(Stream::metrics(), text)
}

/// A logs file: NDJSON log documents.
pub fn logs(text: &str) -> Result<Read<LogDoc>, NotInModel> {
    whole(Stream::logs(), text)
}

/// A past-incidents file: NDJSON incident documents.
pub fn incidents(text: &str) -> Result<Read<IncidentDoc>, NotInModel> {
    whole(Stream::incidents(), text)
}

fn whole<T>(mut stream: Stream<T>, text: &str) -> Result<Read<T>, NotInModel> {
    stream.feed(text);
    let docs = stream.take_docs();
    stream.finish().map(|(bad, form)| Read { docs, bad, form })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_metrics_take_units_and_regions_from_the_catalogue_and_count_bad_rows() {
        let text = "\n service ,timestamp,metric_type,value\n\
            ledger-api,2026-07-01T08:00:00Z,error_rate,3\n\
            payment-service,2026-07-01 08:00:45,memory_percent,61.5\n\
            ledger-api,2026-07-01T08:01:30Z,queue_depth,4\n\
            ledger-api,soon,error_rate,3\n\
            ledger-api,2026-07-01T08:02:15Z,error_rate,lots\n\
            ledger-api,2026-07-01T08:03:00Z\n";
        let read = metrics(text).unwrap();
        assert_eq!(read.form, "CSV");
        assert_eq!(read.docs.len(), 2);
        let (a, b) = (&read.docs[0], &read.docs[1]);
        assert_eq!(
            (a.value, a.unit.as_str(), a.region.as_str()),
            (3.0, "errors_per_min", UNKNOWN_REGION)
        );
        assert_eq!((b.unit.as_str(), b.region.as_str()), ("percent", "us-east-1"));
        assert_eq!(read.bad.iter().map(|e| e.line).collect::<Vec<_>>(), vec![5, 6, 7, 8]);
        assert!(read.bad[0].reason.contains("queue_depth") && read.bad[0].reason.contains("request_latency_ms"));
        assert!(read.bad[2].reason.contains("\"lots\""));
        assert!(read.bad[3].reason.contains("no metric_type"));
    }

    #[test]
    fn a_region_column_is_used_when_present() {
        let text = "timestamp,service,region,metric_type,value\n2026-07-01T08:00:00Z,payment-service,ap-south-1,cpu_percent,40\n";
        assert_eq!(metrics(text).unwrap().docs[0].region, "ap-south-1");
    }

    #[test]
    fn ndjson_metrics_keep_good_lines_and_number_the_bad_ones() {
        let text = "{\"@timestamp\":\"2026-07-01T08:00:00Z\",\"service\":\"a\",\"region\":\"r\",\"metric_type\":\"error_rate\",\"value\":2,\"unit\":\"errors_per_min\"}\n{oops\n";
        let read = metrics(text).unwrap();
        assert_eq!((read.form, read.docs.len()), ("NDJSON", 1));
        assert_eq!(read.bad[0].line, 2);
    }

    #[test]
    fn files_outside_the_model_are_refused_naming_what_was_expected() {
        let log = "{\"@timestamp\":\"2026-07-01T08:00:00Z\",\"service\":\"a\",\"region\":\"r\",\"level\":\"ERROR\",\"message\":\"boom\"}\n";
        let e = metrics(log).unwrap_err();
        assert!(
            e.to_string().contains("metric_type") && e.to_string().contains("line 1"),
            "{e}"
        );
        let e = metrics("date;host;cpu\n2026-07-01;a;3\n").unwrap_err();
        assert!(e.to_string().contains("timestamp,service,metric_type,value"), "{e}");
        assert!(e.to_string().contains("date;host;cpu"), "{e}");
        let e = logs("timestamp,service,metric_type,value\n").unwrap_err();
        assert!(e.to_string().contains("\"level\""), "{e}");
        let e = incidents("[1,2]\n").unwrap_err();
        assert!(e.to_string().contains("actions_taken"), "{e}");
        let e = metrics("timestamp,service,metric_type,value\nx,y,z,w\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn empty_files_are_empty_not_refused() {
        assert!(metrics("\n\n").unwrap().docs.is_empty());
        assert!(logs("").unwrap().docs.is_empty());
    }
}
