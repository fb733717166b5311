//! Medians and spreads of repeated measurements.

/// A sample of one measurement repeated `n` times.
#[derive(Debug, Clone)]
pub struct Sample {
    values: Vec<f64>,
}

impl Sample {
    pub fn new(mut values: Vec<f64>) -> Sample {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        Sample { values }
    }

    pub fn n(&self) -> usize {
        self.values.len()
    }

    pub fn median(&self) -> f64 {
        let v = &self.values;
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.values.first().copied().unwrap_or(f64::NAN)
    }

    pub fn max(&self) -> f64 {
        self.values.last().copied().unwrap_or(f64::NAN)
    }

    /// "median (min–max, n=…)" with `unit`, `decimals` places.
    pub fn show(&self, decimals: usize, unit: &str) -> String {
        format!(
            "{:.d$} {unit} ({:.d$}–{:.d$}, n={})",
            self.median(),
            self.min(),
            self.max(),
            self.n(),
            d = decimals
        )
    }
}

/// 12,345,678 → "12,345,678".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_samples_and_spread() {
        let odd = Sample::new(vec![5.0, 1.0, 3.0]);
        assert_eq!((odd.median(), odd.min(), odd.max()), (3.0, 1.0, 5.0));
        assert_eq!(Sample::new(vec![4.0, 1.0, 2.0, 3.0]).median(), 2.5);
        assert!(Sample::new(vec![]).median().is_nan());
        assert_eq!(Sample::new(vec![f64::NAN, 2.0]).n(), 1);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
