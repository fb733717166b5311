//! Cassandra's sentences: the detection and the quiet scan (moved as they were).

use super::*;
use crate::agents::cassandra::{Forecast, SeriesAnomaly};
use crate::model::{AnomalyType, MetricType};

/// A scan that found nothing.
pub fn quiet_scan(series: usize, services: usize, minutes: i64) -> String {
    format!("No anomaly: {series} series across {services} services within their baselines over the last {minutes} minutes.")
}

/// What Cassandra saw, in one paragraph.
pub fn detection(
    config: &AgentConfig,
    primary: &SeriesAnomaly,
    anomaly: AnomalyType,
    forecast: &Forecast,
    confidence: f64,
    corroborating: &[SeriesAnomaly],
) -> String {
    let m = primary.metric();
    let unit = |v: f64| with_unit(m, v);
    let sudden = primary.sudden(config);
    let movement = if sudden {
        format!(
            "Jumped from {} to {} within {}",
            unit(primary.baseline.median),
            unit(primary.value_at_detection),
            if primary.rise_minutes < 1.0 {
                "a minute".to_string()
            } else {
                format!("{:.0} min", primary.rise_minutes)
            }
        )
    } else {
        match m {
            Some(MetricType::MemoryPercent | MetricType::CpuPercent) => {
                format!("Rate: {:+.1}%/min", primary.rate_per_min)
            }
            _ => format!("Rate: {:+.2}/min", primary.rate_per_min),
        }
    };
    let mut text = format!(
        "{} detected on {}. {}: current {}, baseline {}. {}. Flagged at {} ({}), onset {}.",
        anomaly.describe(),
        primary.key.service,
        primary.key.metric_type,
        unit(primary.current),
        unit(primary.baseline.median),
        movement,
        crate::time::hm(primary.detected_at),
        unit(primary.value_at_detection),
        crate::time::hm(primary.onset),
    );
    let alarm = unit(forecast.alarm_level);
    let at_detection = forecast.minutes_at_detection.filter(|_| !sudden);
    match (at_detection, forecast.crossed_at, forecast.eta) {
        (Some(min), Some(crossed), _) => text.push_str(&format!(
            " Forecast at detection: {alarm} alarm level in ~{min:.0} minutes; crossed at {} ({:.0} min after the flag).",
            crate::time::hm(crossed),
            (crossed - primary.detected_at).num_seconds() as f64 / 60.0
        )),
        (_, Some(crossed), _) => text.push_str(&format!(" Past the {alarm} alarm level since {}.", crate::time::hm(crossed))),
        (_, None, Some(eta)) => text.push_str(&format!(" Time to critical ({alarm}): ~{}.", crate::time::hm(eta))),
        _ => {}
    }
    if !corroborating.is_empty() {
        let others: Vec<&str> = corroborating.iter().map(|a| a.key.metric_type.as_str()).collect();
        text.push_str(&format!(" Also anomalous: {}.", others.join(", ")));
    }
    text.push_str(&format!(" Confidence: {}%.", percent(confidence)));
    text
}
