//! What is normal *at this time of day*: with a day or more of history, a
//! reading is compared with the same time on earlier days, so a busy evening
//! or a nightly batch job that recurs at the same hour is not an incident.

use crate::store::SeriesPoint;
use chrono::{DateTime, Timelike, Utc};

/// History this long (or longer) gives a time-of-day profile.
pub const MIN_PROFILE_HOURS: f64 = 24.0;

/// Median level per time-of-day slot, from days of (coarse) history.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyProfile {
    slot_minutes: u32,
    /// Per slot: median of that slot and its two neighbours over all days (None: no data).
    slots: Vec<Option<f64>>,
    /// Median over all slots: the level residuals are re-centred on.
    pub level: f64,
    /// Whole days the history covers.
    pub days: usize,
}

fn slot_of(at: DateTime<Utc>, slot_minutes: u32) -> usize {
    ((at.hour() * 60 + at.minute()) / slot_minutes.max(1)) as usize
}

impl DailyProfile {
    /// From history spanning at least [`MIN_PROFILE_HOURS`] in buckets of at most
    /// 15 minutes; `None` otherwise.
    pub fn build(history: &[SeriesPoint], slot_minutes: u32) -> Option<DailyProfile> {
        let (first, last) = (history.first()?, history.last()?);
        let hours = (last.at - first.at).num_seconds() as f64 / 3600.0;
        if hours < MIN_PROFILE_HOURS || !(1..=15).contains(&slot_minutes) {
            return None;
        }
        let n = (24 * 60 / slot_minutes) as usize;
        let mut buckets: Vec<Vec<f64>> = vec![Vec::new(); n];
        for p in history {
            buckets[slot_of(p.at, slot_minutes) % n].push(p.avg);
        }
        let slots: Vec<Option<f64>> = (0..n)
            .map(|i| {
                let mut v = Vec::new();
                for d in [n - 1, 0, 1] {
                    v.extend_from_slice(&buckets[(i + d) % n]);
                }
                super::stats::median(&v)
            })
            .collect();
        let all: Vec<f64> = slots.iter().flatten().copied().collect();
        Some(DailyProfile {
            slot_minutes,
            level: super::stats::median(&all)?,
            slots,
            days: (hours / 24.0).floor() as usize,
        })
    }

    /// The usual level at this time of day.
    pub fn expected(&self, at: DateTime<Utc>) -> Option<f64> {
        self.slots
            .get(slot_of(at, self.slot_minutes) % self.slots.len().max(1))
            .copied()
            .flatten()
    }

    /// The reading with the time-of-day pattern taken out, re-centred on the
    /// profile's level (same units, so materiality still applies).
    pub fn adjust(&self, p: &SeriesPoint) -> SeriesPoint {
        let shift = self.expected(p.at).map(|e| self.level - e).unwrap_or(0.0);
        SeriesPoint {
            avg: p.avg + shift,
            min: p.min + shift,
            max: p.max + shift,
            ..*p
        }
    }
}

/// The dominant period of a regularly sampled series, in points: after the
/// autocorrelation's first dip below zero (a random walk's never dips), the
/// first peak within 90% of the highest, if that is at least `min_acf`. Lags
/// up to `max_lag` and at most 40% of the data are searched.
pub fn dominant_period(values: &[f64], max_lag: usize, min_acf: f64) -> Option<usize> {
    let n = values.len();
    let max_lag = max_lag.min(n * 2 / 5);
    if max_lag < 4 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let x: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let var = x.iter().map(|v| v * v).sum::<f64>() / n as f64;
    if var <= f64::EPSILON * mean.abs().max(1.0) {
        return None;
    }
    let acf = |lag: usize| -> f64 {
        let s: f64 = x[..n - lag].iter().zip(&x[lag..]).map(|(a, b)| a * b).sum();
        s / (n - lag) as f64 / var
    };
    let acfs: Vec<f64> = (0..=max_lag).map(|lag| if lag < 2 { 1.0 } else { acf(lag) }).collect();
    let dip = (2..=max_lag).find(|lag| acfs[*lag] < 0.0)?;
    let best = (dip..=max_lag).map(|lag| acfs[lag]).fold(f64::NEG_INFINITY, f64::max);
    if best < min_acf {
        return None;
    }
    // Multiples of the period correlate about as well: the first peak near the best.
    (dip..=max_lag).find(|lag| {
        let r = acfs[*lag];
        r >= 0.9 * best && r >= acfs[lag - 1] && acfs.get(lag + 1).is_none_or(|next| r >= *next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn the_period_of_a_rhythm_is_found_and_noise_or_a_trend_has_none() {
        let mut rng = crate::sim::rng::SimRng::new(7, 1);
        for period in [24usize, 48, 96, 288] {
            let v: Vec<f64> = (0..period * 6)
                .map(|i| 10.0 * (std::f64::consts::TAU * i as f64 / period as f64).sin() + rng.normal())
                .collect();
            let found = dominant_period(&v, 1000, 0.5).unwrap();
            assert!(found.abs_diff(period) <= 1, "{period}: {found}");
        }
        let noise: Vec<f64> = (0..2000).map(|_| rng.normal()).collect();
        assert_eq!(dominant_period(&noise, 1000, 0.5), None);
        let mut walk = 0.0;
        let trend: Vec<f64> = (0..2000)
            .map(|_| {
                walk += rng.normal();
                walk
            })
            .collect();
        assert_eq!(dominant_period(&trend, 1000, 0.5), None);
    }

    #[test]
    fn a_nightly_job_is_expected_at_its_hour() {
        let start = DateTime::<Utc>::from_timestamp(1_700_000_000 / 86_400 * 86_400, 0).unwrap();
        let history: Vec<SeriesPoint> = (0..(2 * 288))
            .map(|i| {
                let at = start + TimeDelta::minutes(5 * i);
                let batch = (120..165).contains(&(at.hour() * 60 + at.minute()));
                let avg = if batch { 60.0 } else { 30.0 };
                SeriesPoint {
                    at,
                    avg,
                    min: avg,
                    max: avg,
                    count: 10,
                }
            })
            .collect();
        let profile = DailyProfile::build(&history, 5).unwrap();
        let tonight = start + TimeDelta::days(2) + TimeDelta::minutes(140);
        assert_eq!(profile.expected(tonight), Some(60.0));
        let p = SeriesPoint {
            at: tonight,
            avg: 61.0,
            min: 61.0,
            max: 61.0,
            count: 1,
        };
        assert_eq!(profile.adjust(&p).avg, 31.0);
        assert!(
            DailyProfile::build(&history[..200], 5).is_none(),
            "under a day: no profile"
        );
    }
}
