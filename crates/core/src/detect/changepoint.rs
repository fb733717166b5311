//! Change-point search over a whole series: where did the episode begin?
//!
//! The model is a *hinge*: a constant level before the change, a straight line
//! from it on. A step is a line of slope near zero at a new level; a leak is a
//! line climbing from the old level. Every split is tried in O(n) total with
//! prefix sums, so the search covers days of history at no real cost. (PELT or
//! binary segmentation generalise it to several changes; one is what an
//! incident onset needs: the last quiet stretch, then the episode.)

/// The best single change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// First index of the changed segment.
    pub index: usize,
    /// Mean before the change.
    pub before: f64,
    /// The fitted line's value at the change and at the last point.
    pub start_level: f64,
    pub end_level: f64,
    /// Share of the variance (about one constant) the hinge explains, 0–1.
    pub explained: f64,
}

#[derive(Clone, Copy, Default)]
struct Sums {
    n: f64,
    x: f64,
    y: f64,
    xx: f64,
    xy: f64,
    yy: f64,
}

impl Sums {
    fn add(self, x: f64, y: f64) -> Sums {
        Sums {
            n: self.n + 1.0,
            x: self.x + x,
            y: self.y + y,
            xx: self.xx + x * x,
            xy: self.xy + x * y,
            yy: self.yy + y * y,
        }
    }
    fn minus(self, o: Sums) -> Sums {
        Sums {
            n: self.n - o.n,
            x: self.x - o.x,
            y: self.y - o.y,
            xx: self.xx - o.xx,
            xy: self.xy - o.xy,
            yy: self.yy - o.yy,
        }
    }
    fn sse_constant(&self) -> f64 {
        if self.n < 1.0 {
            return 0.0;
        }
        (self.yy - self.y * self.y / self.n).max(0.0)
    }
    /// Least-squares line: (slope, intercept, sse).
    fn line(&self) -> (f64, f64, f64) {
        let sxx = self.xx - self.x * self.x / self.n;
        if self.n < 2.0 || sxx <= f64::EPSILON {
            return (0.0, self.y / self.n.max(1.0), self.sse_constant());
        }
        let sxy = self.xy - self.x * self.y / self.n;
        let slope = sxy / sxx;
        let intercept = (self.y - slope * self.x) / self.n;
        (slope, intercept, (self.sse_constant() - sxy * sxy / sxx).max(0.0))
    }
}

/// The hinge that fits `(x, y)` (x ascending, e.g. minutes) best, with at
/// least `min_segment` points on each side; `None` for too few points.
pub fn hinge(points: &[(f64, f64)], min_segment: usize) -> Option<ChangePoint> {
    let n = points.len();
    let min_segment = min_segment.max(2);
    if n < 2 * min_segment {
        return None;
    }
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(Sums::default());
    for (x, y) in points {
        let last = prefix[prefix.len() - 1];
        prefix.push(last.add(*x, *y));
    }
    let total = prefix[n];
    let mut best: Option<(f64, usize)> = None;
    for (i, before) in prefix.iter().enumerate().take(n - min_segment + 1).skip(min_segment) {
        let before = *before;
        let after = total.minus(before);
        let cost = before.sse_constant() + after.line().2;
        if best.is_none_or(|(c, _)| cost < c) {
            best = Some((cost, i));
        }
    }
    let (cost, index) = best?;
    let before = prefix[index];
    let (slope, intercept, _) = total.minus(before).line();
    let var = total.sse_constant();
    Some(ChangePoint {
        index,
        before: before.y / before.n,
        start_level: intercept + slope * points[index].0,
        end_level: intercept + slope * points[n - 1].0,
        explained: if var > 0.0 { 1.0 - cost / var } else { 0.0 },
    })
}

/// How much better a parabola fits `(x, y)` than a straight line: the line's
/// squared error over the parabola's (1 for a straight ramp or a flat level,
/// large for a curve such as the falling half of a daily rhythm).
pub fn curvature(points: &[(f64, f64)]) -> f64 {
    let n = points.len();
    if n < 5 {
        return 1.0;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n as f64;
    // Centred powers of x: fit y = a + b·u + c·u², u = x − mean.
    let (mut s2, mut s3, mut s4, mut sy1, mut sy2, mut syy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (x, y) in points {
        let (u, v) = (x - mx, y - my);
        s2 += u * u;
        s3 += u * u * u;
        s4 += u * u * u * u;
        sy1 += u * v;
        sy2 += u * u * v;
        syy += v * v;
    }
    if s2 <= f64::EPSILON {
        return 1.0;
    }
    let line_sse = (syy - sy1 * sy1 / s2).max(0.0);
    // Quadratic: regress v on u and (u² − s2/n), which is orthogonal to the constant.
    let w2 = s4 - s2 * s2 / n as f64;
    let (a11, a12, a22) = (s2, s3, w2);
    let det = a11 * a22 - a12 * a12;
    if det.abs() <= f64::EPSILON * a11 * a22.abs().max(1.0) {
        return 1.0;
    }
    let (b1, b2) = (sy1, sy2);
    let c1 = (a22 * b1 - a12 * b2) / det;
    let c2 = (a11 * b2 - a12 * b1) / det;
    let quad_sse = (syy - c1 * b1 - c2 * b2).max(0.0);
    if quad_sse <= f64::EPSILON * syy.max(1.0) {
        return if line_sse <= f64::EPSILON * syy.max(1.0) {
            1.0
        } else {
            f64::INFINITY
        };
    }
    line_sse / quad_sse
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::SimRng;

    fn series(seed: u64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        let mut rng = SimRng::new(seed, 3);
        (0..400)
            .map(|i| (f64::from(i), f(f64::from(i)) + rng.normal()))
            .collect()
    }

    #[test]
    fn a_step_and_a_ramp_are_dated_at_their_start_over_many_seeds() {
        for seed in 0..50 {
            let at = 100.0 + (seed * 3) as f64;
            let step = hinge(&series(seed, |x| if x >= at { 8.0 } else { 0.0 }), 5).unwrap();
            assert!((step.index as f64 - at).abs() <= 2.0, "seed {seed}: {step:?}");
            assert!(
                (step.start_level - step.end_level).abs() < 1.5,
                "a step is flat after: {step:?}"
            );
            let ramp = hinge(&series(seed, |x| (x - at).max(0.0) * 0.1), 5).unwrap();
            assert!((ramp.index as f64 - at).abs() <= 25.0, "seed {seed}: {ramp:?}");
            assert!(ramp.end_level - ramp.start_level > 10.0, "{ramp:?}");
        }
    }

    #[test]
    fn a_ramp_is_straight_and_a_daily_curve_is_not() {
        for seed in 0..50 {
            let ramp: Vec<(f64, f64)> = series(seed, |x| 0.05 * x);
            assert!(curvature(&ramp) < 1.3, "seed {seed}: {}", curvature(&ramp));
            let fall: Vec<(f64, f64)> = series(seed, |x| 30.0 * (x / 400.0 * 1.5).cos());
            assert!(curvature(&fall) > 3.0, "seed {seed}: {}", curvature(&fall));
        }
    }

    #[test]
    fn too_short_is_none() {
        assert!(hinge(&[(0.0, 1.0), (1.0, 2.0)], 2).is_none());
    }
}
