//! Figures from `cargo bench -p quantumstate-core --bench pipeline` (criterion),
//! read from its JSON output under `target/criterion`.

use anyhow::Context;
use serde_json::Value;
use std::path::Path;

/// One criterion benchmark: its median time per iteration and the elements
/// each iteration handles (when it declares a throughput).
pub struct Estimate {
    pub median_ns: f64,
    pub low_ns: f64,
    pub high_ns: f64,
    pub elements: Option<u64>,
}

impl Estimate {
    pub fn per_second(&self) -> f64 {
        1e9 / self.median_ns
    }

    pub fn elements_per_second(&self) -> Option<f64> {
        self.elements.map(|n| n as f64 * 1e9 / self.median_ns)
    }
}

fn json(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "{}: run `cargo bench -p quantumstate-core --bench pipeline` first",
            path.display()
        )
    })?;
    Ok(serde_json::from_str(&text)?)
}

/// `dir/<group>/<function>/new/{estimates,benchmark}.json`.
pub fn read(dir: &Path, group: &str, function: &str) -> anyhow::Result<Estimate> {
    let base = dir.join(group).join(function).join("new");
    let est = json(&base.join("estimates.json"))?;
    let bench = json(&base.join("benchmark.json"))?;
    let median = &est["median"];
    let f = |v: &Value| v.as_f64().context("criterion estimate is not a number");
    Ok(Estimate {
        median_ns: f(&median["point_estimate"])?,
        low_ns: f(&median["confidence_interval"]["lower_bound"])?,
        high_ns: f(&median["confidence_interval"]["upper_bound"])?,
        elements: bench["throughput"]["Elements"].as_u64(),
    })
}
