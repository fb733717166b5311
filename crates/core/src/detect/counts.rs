//! Counters are integers, mostly zero: a median/MAD baseline of 0, 0, 1, 0, 2
//! has a scale of 0, so one stray error would read as a 50σ event. A series
//! whose bucket sums are whole numbers is modelled as Poisson counts instead:
//! its scale is never below the Poisson spread of its rate.

use crate::store::SeriesPoint;

/// Whether the bucket sums (`avg × count`) are non-negative whole numbers:
/// event counts, not a gauge. Needs a few points, and at least one reading
/// that is not zero or one whole number (a flat gauge at 50 is not a count).
pub fn is_count_series(points: &[SeriesPoint]) -> bool {
    if points.len() < 10 {
        return false;
    }
    let whole = |x: f64| x >= 0.0 && (x - x.round()).abs() < 1e-6;
    let sums = points.iter().map(|p| p.avg * p.count as f64);
    let mut small = false;
    for s in sums {
        if !whole(s) {
            return false;
        }
        small |= s <= 1.0;
    }
    small
}

/// Scale floor of a count series with mean `rate` per bucket average made of
/// `per_bucket` readings: the Poisson standard deviation of that average, with
/// the rate never taken below one event in two readings (a quiet service's
/// single error is then about 1.4σ, not 50σ).
pub fn count_sigma_floor(rate: f64, per_bucket: f64) -> f64 {
    (rate.max(0.5) / per_bucket.max(1.0)).sqrt()
}

/// Median readings per bucket.
pub fn readings_per_bucket(points: &[SeriesPoint]) -> f64 {
    let counts: Vec<f64> = points.iter().map(|p| p.count as f64).collect();
    super::stats::median(&counts).unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn points(values: &[f64]) -> Vec<SeriesPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| SeriesPoint {
                at: DateTime::<Utc>::from_timestamp(60 * i as i64, 0).unwrap_or_default(),
                avg: *v,
                min: *v,
                max: *v,
                count: 1,
            })
            .collect()
    }

    #[test]
    fn integer_counts_are_counts_and_gauges_are_not() {
        assert!(is_count_series(&points(&[
            0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0
        ])));
        assert!(!is_count_series(&points(&[
            0.3, 0.2, 0.4, 0.31, 0.2, 0.25, 0.3, 0.2, 0.4, 0.3
        ])));
        assert!(!is_count_series(&points(&[50.0; 12])));
    }

    #[test]
    fn one_stray_error_is_not_extreme() {
        let floor = count_sigma_floor(0.05, 1.0);
        assert!(1.0 / floor < 1.5, "{floor}");
        // A storm of 8/min against a quiet service is far out.
        assert!(8.0 / floor > 10.0);
    }
}
