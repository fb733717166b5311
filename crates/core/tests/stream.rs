//! The streaming scorer behind `quantumstate detect`, over generated families
//! (seeds, levels, noise scales, spike sizes and spacings): a repeated
//! identical failure alarms every time, and plain white noise rarely alarms.

use quantumstate_core::agents::AgentConfig;
use quantumstate_core::detect::stream::{score_series, StreamingConfig};
use quantumstate_core::sim::rng::SimRng;

fn scores(values: &[f64]) -> Vec<f64> {
    let values: Vec<Option<f64>> = values.iter().map(|v| Some(*v)).collect();
    score_series(AgentConfig::default().detector, StreamingConfig::default(), &values)
}

/// Rising edges of score ≥ 0.5.
fn alarms(scores: &[f64]) -> usize {
    let mut was = false;
    let mut n = 0;
    for s in scores {
        let alarm = *s >= 0.5;
        n += usize::from(alarm && !was);
        was = alarm;
    }
    n
}

/// The same failure (same height, 10–20 robust σ, beyond the core's 6σ spike
/// line; same width) three times in one series: the second and third alarm as
/// the first does. The first is also a new extreme and scores higher.
#[test]
fn a_repeated_identical_spike_alarms_every_time() {
    let mut low = Vec::new();
    let mut ratios = Vec::new();
    for case in 0..60u64 {
        let mut rng = SimRng::new(4_000 + case, 5);
        let level = rng.range(10.0, 1_000.0);
        let sigma = level * rng.range(0.01, 0.08);
        let height = sigma * rng.range(10.0, 20.0);
        let width = 1 + (case % 3) as usize;
        let gap = 300 + (case as usize % 5) * 150;
        let first = 1_200 + (case as usize % 7) * 40;
        let n = first + 3 * gap + 200;
        let mut values: Vec<f64> = (0..n).map(|_| level + sigma * rng.normal()).collect();
        let at: Vec<usize> = (0..3).map(|k| first + k * gap).collect();
        for a in &at {
            for v in &mut values[*a..*a + width] {
                *v += height;
            }
        }
        let s = scores(&values);
        let peaks: Vec<f64> = at
            .iter()
            .map(|a| s[*a..*a + width + 2].iter().copied().fold(0.0, f64::max))
            .collect();
        for (k, p) in peaks.iter().enumerate() {
            if *p < 0.5 {
                low.push(format!("case {case} spike {} scored {p:.3} ({peaks:?})", k + 1));
            }
        }
        ratios.extend(peaks[1..].iter().map(|p| p / peaks[0].max(1e-9)));
    }
    let worst = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    println!("repeat / first spike score: worst {worst:.2}");
    assert!(
        low.is_empty(),
        "{} of 180 spikes below 0.5:\n{}",
        low.len(),
        low.join("\n")
    );
}

/// Alarms per 10,000 points of white noise (varied levels and scales), over
/// 400,000 points: 37, or 0.93 per 10,000, the figure README states; at most
/// 1.5 passes.
#[test]
fn white_noise_raises_few_alarms() {
    let mut total = 0;
    let mut points = 0;
    for case in 0..8u64 {
        let mut rng = SimRng::new(900 + case, 0);
        let level = rng.range(-50.0, 500.0);
        let sigma = rng.range(0.1, 20.0);
        let values: Vec<f64> = (0..50_000).map(|_| level + sigma * rng.normal()).collect();
        total += alarms(&scores(&values));
        points += values.len();
    }
    let per_10k = total as f64 / (points as f64 / 10_000.0);
    println!("white noise: {total} alarms in {points} points = {per_10k:.2} per 10,000");
    assert!(per_10k <= 1.5, "{per_10k:.2} alarms per 10,000 points");
}

/// A lasting level shift of 4–10 σ is flagged within a few points of its
/// start; before it, the white-noise rate of false alarms holds.
#[test]
fn a_level_shift_is_flagged_at_its_start() {
    let mut missed = Vec::new();
    let (mut early, mut before) = (0, 0);
    for case in 0..60u64 {
        let mut rng = SimRng::new(7_000 + case, 2);
        let level = rng.range(1.0, 300.0);
        let sigma = level * rng.range(0.01, 0.05);
        let shift = sigma * rng.range(4.0, 10.0) * if case % 2 == 0 { 1.0 } else { -1.0 };
        let at = 1_500 + (case as usize % 9) * 70;
        let values: Vec<f64> = (0..at + 400)
            .map(|i| level + sigma * rng.normal() + if i >= at { shift } else { 0.0 })
            .collect();
        let s = scores(&values);
        early += alarms(&s[..at]);
        before += at;
        if !s[at..at + 10].iter().any(|x| *x >= 0.5) {
            missed.push(format!("case {case}: {:.1} σ", shift / sigma));
        }
    }
    assert!(missed.is_empty(), "{} of 60 shifts missed: {missed:?}", missed.len());
    let per_10k = early as f64 / (before as f64 / 10_000.0);
    assert!(
        per_10k <= 1.5,
        "{early} false alarms in {before} points before the shifts"
    );
}
