//! Robust statistics for baselines and trends.
//!
//! We evaluated the augurs crates (augurs-changepoint, augurs-outlier,
//! augurs-ets): they solve batch forecasting and multi-series outlier problems,
//! pull in large numeric stacks for the browser bundle, and offer no streaming
//! robust z-score or CUSUM. What Cassandra needs is the few functions below.

/// Median of `values` (NaNs ignored); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// Median absolute deviation scaled to estimate a normal standard deviation.
pub fn robust_sigma(values: &[f64], center: f64) -> f64 {
    let deviations: Vec<f64> = values.iter().map(|x| (x - center).abs()).collect();
    median(&deviations).unwrap_or(0.0) * 1.4826
}

/// Theil–Sen slope of `(x, y)` pairs: the median of pairwise slopes, robust to
/// outliers. Uses at most the last 60 points to bound the work.
pub fn theil_sen_slope(points: &[(f64, f64)]) -> Option<f64> {
    let pts = &points[points.len().saturating_sub(60)..];
    let mut slopes = Vec::with_capacity(pts.len() * pts.len() / 2);
    for (i, a) in pts.iter().enumerate() {
        for b in &pts[i + 1..] {
            let dx = b.0 - a.0;
            if dx.abs() > f64::EPSILON {
                slopes.push((b.1 - a.1) / dx);
            }
        }
    }
    median(&slopes)
}

/// Median of `values` (reordered in place) in O(n); `None` when empty.
pub fn select_median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let even = values.len().is_multiple_of(2);
    let mid = values.len() / 2;
    let (left, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if even {
        let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((lower + upper) / 2.0)
    } else {
        Some(upper)
    }
}

/// Upper tail of the standard normal, `P(Z > x)`, relative error below 1.2e-7.
pub fn normal_tail(x: f64) -> f64 {
    // Numerical Recipes' erfc (Chebyshev fit), erfc(x/√2)/2.
    let z = x / std::f64::consts::SQRT_2;
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.5 * a);
    let r = t
        * (-a * a - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    let erfc = if z >= 0.0 { r } else { 2.0 - r };
    erfc / 2.0
}

/// A robust location and scale.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Baseline {
    pub median: f64,
    /// Robust standard deviation, never below the floor it was built with.
    pub sigma: f64,
    pub samples: usize,
}

impl Baseline {
    /// From samples, with `sigma_floor` guarding flat series against zero scale.
    pub fn from_samples(values: &[f64], sigma_floor: f64) -> Option<Baseline> {
        let median = median(values)?;
        let sigma = robust_sigma(values, median).max(sigma_floor).max(f64::MIN_POSITIVE);
        Some(Baseline {
            median,
            sigma,
            samples: values.len(),
        })
    }

    pub fn z(&self, value: f64) -> f64 {
        (value - self.median) / self.sigma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_sigma_ignore_a_few_outliers() {
        let mut v: Vec<f64> = (0..100).map(|i| 50.0 + f64::from(i % 5) - 2.0).collect();
        v.extend([1000.0, -1000.0, 900.0]);
        let b = Baseline::from_samples(&v, 0.01).unwrap();
        assert!((b.median - 50.0).abs() < 1e-9);
        assert!(b.sigma > 0.5 && b.sigma < 3.0, "{}", b.sigma);
    }

    #[test]
    fn theil_sen_finds_the_trend_through_outliers() {
        let mut pts: Vec<(f64, f64)> = (0..40).map(|i| (f64::from(i), 2.0 * f64::from(i) + 1.0)).collect();
        pts[10].1 = 500.0;
        pts[30].1 = -500.0;
        assert!((theil_sen_slope(&pts).unwrap() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn select_median_matches_the_sorting_median() {
        for n in 1..40 {
            let mut v: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64 * 0.5).collect();
            let expected = median(&v).unwrap();
            assert_eq!(select_median(&mut v), Some(expected));
        }
        assert_eq!(select_median(&mut []), None);
    }

    #[test]
    fn normal_tail_matches_known_values() {
        assert!((normal_tail(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_tail(1.96) - 0.025).abs() < 1e-4);
        assert!((normal_tail(-1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn flat_series_use_the_floor() {
        let b = Baseline::from_samples(&[3.0; 50], 0.2).unwrap();
        assert_eq!(b.sigma, 0.2);
        assert_eq!(b.z(4.0), 5.0);
    }
}
