//! Share links: everything that makes a demo replay byte for byte (scenarios,
//! seed, anchor, knobs), as a URL query string. No credentials, no proxy URL.

use crate::model::Service;
use crate::sim::{Scenario, SimConfig, INTENSITY_RANGE};
use chrono::{DateTime, SecondsFormat, Utc};

/// A demo anyone can replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareLink {
    /// One or more scenarios, run in order.
    pub scenarios: Vec<Scenario>,
    pub seed: u64,
    pub anchor: DateTime<Utc>,
    pub intensity: f64,
    pub target: Option<Service>,
    /// Surgeon's approval threshold (0–1).
    pub threshold: f64,
    /// Live replay instead of instant injection (detection happens earlier in
    /// the story, so the decisions differ).
    pub live: bool,
}

/// What was wrong with a link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error("unknown scenario {0:?}")]
    Scenario(String),
    #[error("seed {0:?} is not a whole number")]
    Seed(String),
    #[error("anchor {0:?} is not an RFC 3339 time")]
    Anchor(String),
    #[error("intensity {0:?} is not a number between 0.5 and 2")]
    Intensity(String),
    #[error("unknown target service {0:?}")]
    Target(String),
    #[error("threshold {0:?} is not a number between 0 and 1")]
    Threshold(String),
    #[error("the link names no scenario")]
    NoScenario,
    #[error("speed {0:?} is neither instant nor live")]
    Speed(String),
    #[error("unknown parameter {0:?}")]
    Unknown(String),
}

fn decode(v: &str) -> String {
    // Values are plain ASCII; only `:` and `+` of the anchor may arrive encoded.
    v.replace("%3A", ":")
        .replace("%3a", ":")
        .replace("%2B", "+")
        .replace("%2b", "+")
}

impl ShareLink {
    pub fn new(scenarios: Vec<Scenario>, config: &SimConfig, threshold: f64) -> Self {
        ShareLink {
            scenarios,
            seed: config.seed,
            anchor: config.anchor,
            intensity: config.intensity,
            target: config.target,
            threshold,
            live: false,
        }
    }

    /// The simulator config of the `i`-th scenario.
    pub fn config(&self, scenario: Scenario) -> SimConfig {
        let mut c = SimConfig::new(scenario, self.seed, self.anchor);
        c.intensity = self.intensity;
        c.target = self.target;
        c
    }

    /// `s=memory-leak,error-spike&seed=42&anchor=2026-02-13T15:00:00Z&i=1&th=0.8[&t=auth-service]`
    pub fn to_query(&self) -> String {
        let names: Vec<&str> = self.scenarios.iter().map(|s| s.name()).collect();
        let mut q = format!(
            "s={}&seed={}&anchor={}&i={}&th={}",
            names.join(","),
            self.seed,
            self.anchor.to_rfc3339_opts(SecondsFormat::Secs, true),
            self.intensity,
            self.threshold
        );
        if let Some(t) = self.target {
            q.push_str(&format!("&t={t}"));
        }
        if self.live {
            q.push_str("&sp=live");
        }
        q
    }

    /// Parse a query string (with or without the leading `?`). `None` when it
    /// carries no share link at all.
    pub fn parse(query: &str) -> Option<Result<ShareLink, ShareError>> {
        let query = query.trim_start_matches('?');
        if query.is_empty() {
            return None;
        }
        Some(Self::parse_pairs(query))
    }

    fn parse_pairs(query: &str) -> Result<ShareLink, ShareError> {
        let mut link = ShareLink {
            scenarios: Vec::new(),
            seed: 42,
            anchor: DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default(),
            intensity: 1.0,
            target: None,
            threshold: 0.8,
            live: false,
        };
        let mut anchor = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "s" => {
                    for name in value.split(',') {
                        link.scenarios
                            .push(Scenario::parse(name).ok_or_else(|| ShareError::Scenario(name.into()))?);
                    }
                }
                "seed" => link.seed = value.parse().map_err(|_| ShareError::Seed(value.clone()))?,
                "anchor" => {
                    anchor = Some(
                        DateTime::parse_from_rfc3339(&value)
                            .map_err(|_| ShareError::Anchor(value.clone()))?
                            .with_timezone(&Utc),
                    )
                }
                "i" => {
                    link.intensity = value
                        .parse::<f64>()
                        .ok()
                        .filter(|v| (INTENSITY_RANGE.0..=INTENSITY_RANGE.1).contains(v))
                        .ok_or_else(|| ShareError::Intensity(value.clone()))?
                }
                "t" => link.target = Some(Service::parse(&value).ok_or_else(|| ShareError::Target(value.clone()))?),
                "th" => {
                    link.threshold = value
                        .parse::<f64>()
                        .ok()
                        .filter(|v| (0.0..=1.0).contains(v))
                        .ok_or_else(|| ShareError::Threshold(value.clone()))?
                }
                "sp" => {
                    link.live = match value.as_str() {
                        "live" => true,
                        "instant" => false,
                        _ => return Err(ShareError::Speed(value)),
                    }
                }
                other => return Err(ShareError::Unknown(other.to_string())),
            }
        }
        if link.scenarios.is_empty() {
            return Err(ShareError::NoScenario);
        }
        link.anchor = anchor.ok_or(ShareError::Anchor(String::new()))?;
        Ok(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn round_trips() {
        let link = ShareLink {
            scenarios: vec![Scenario::MemoryLeak, Scenario::RedHerring],
            seed: 7,
            anchor: Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap(),
            intensity: 1.5,
            target: Some(Service::InventoryService),
            threshold: 0.9,
            live: true,
        };
        assert_eq!(ShareLink::parse(&format!("?{}", link.to_query())), Some(Ok(link)));
        assert_eq!(ShareLink::parse(""), None);
    }

    #[test]
    fn tampered_links_say_what_is_wrong() {
        let base = "seed=1&anchor=2026-02-13T15:00:00Z";
        assert_eq!(
            ShareLink::parse(&format!("s=meltdown&{base}")),
            Some(Err(ShareError::Scenario("meltdown".into())))
        );
        assert_eq!(
            ShareLink::parse("s=healthy&seed=x&anchor=2026-02-13T15:00:00Z"),
            Some(Err(ShareError::Seed("x".into())))
        );
        assert!(matches!(
            ShareLink::parse("s=healthy&seed=1&anchor=yesterday"),
            Some(Err(ShareError::Anchor(_)))
        ));
        assert!(matches!(
            ShareLink::parse(&format!("s=healthy&{base}&i=9")),
            Some(Err(ShareError::Intensity(_)))
        ));
        assert!(matches!(
            ShareLink::parse(&format!("s=healthy&{base}&es=http://x")),
            Some(Err(ShareError::Unknown(_)))
        ));
        assert_eq!(ShareLink::parse(base), Some(Err(ShareError::NoScenario)));
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(q in ".{0,120}") {
            let _ = ShareLink::parse(&q);
        }
    }
}
