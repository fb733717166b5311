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
    #[error("anchor {0:?} is not an RFC 3339 time in whole seconds between 2000 and 2099")]
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
    #[error("parameter {0:?} appears more than once")]
    Duplicate(String),
    #[error("{0} scenarios: a link runs at most {MAX_SCENARIOS}")]
    TooManyScenarios(usize),
    #[error("{0:?} is not valid percent-encoding")]
    Encoding(String),
}

/// Scenarios one link may run (the app's "run all" is five).
pub const MAX_SCENARIOS: usize = 10;

/// Anchors a link may carry: whole seconds from 2000 to 2099 (UTC), so that
/// every document time of the replay, its history included, is an ordinary
/// date the store writes and reads back unchanged.
pub fn anchor_in_range(anchor: &DateTime<Utc>) -> bool {
    use chrono::{Datelike, Timelike};
    (2000..2100).contains(&anchor.year()) && anchor.nanosecond() == 0
}

/// Parameters that social sites and mail tools append: ignored, not errors.
fn is_tracking(key: &str) -> bool {
    key.starts_with("utm_")
        || matches!(
            key,
            "fbclid"
                | "gclid"
                | "gbraid"
                | "wbraid"
                | "dclid"
                | "msclkid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "yclid"
                | "_ga"
        )
}

/// `%XX` decoded (`+` stays `+`: it is the anchor's offset sign, not a space).
fn decode(v: &str) -> Result<String, ShareError> {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| ShareError::Encoding(v.to_string()))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ShareError::Encoding(v.to_string()))
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
    /// carries no share link at all (tracking parameters alone are none).
    /// Every accepted link re-shares ([`ShareLink::to_query`]) as a link that
    /// parses back to it.
    pub fn parse(query: &str) -> Option<Result<ShareLink, ShareError>> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let pairs: Vec<(&str, &str)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .filter(|(key, _)| !is_tracking(key))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        Some(Self::parse_pairs(&pairs))
    }

    fn parse_pairs(pairs: &[(&str, &str)]) -> Result<ShareLink, ShareError> {
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
        for (n, (key, value)) in pairs.iter().enumerate() {
            if pairs[..n].iter().any(|(k, _)| k == key) {
                return Err(ShareError::Duplicate(key.to_string()));
            }
            let value = decode(value)?;
            match *key {
                "s" => {
                    let names: Vec<&str> = value.split(',').collect();
                    if names.len() > MAX_SCENARIOS {
                        return Err(ShareError::TooManyScenarios(names.len()));
                    }
                    for name in names {
                        link.scenarios
                            .push(Scenario::parse(name).ok_or_else(|| ShareError::Scenario(name.into()))?);
                    }
                }
                "seed" => link.seed = value.parse().map_err(|_| ShareError::Seed(value.clone()))?,
                "anchor" => {
                    anchor = Some(
                        DateTime::parse_from_rfc3339(&value)
                            .ok()
                            .map(|a| a.with_timezone(&Utc))
                            .filter(anchor_in_range)
                            .ok_or_else(|| ShareError::Anchor(value.clone()))?,
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
                other => return Err(ShareError::Unknown(other.chars().take(40).collect())),
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

    #[test]
    fn tracking_parameters_are_ignored_and_duplicates_refused() {
        let base = "s=healthy&seed=1&anchor=2026-02-13T15:00:00Z";
        let plain = ShareLink::parse(base).unwrap().unwrap();
        for extra in [
            "fbclid=IwAR0x",
            "utm_source=mastodon&utm_medium=social",
            "gclid=abc&msclkid=d",
        ] {
            assert_eq!(ShareLink::parse(&format!("{base}&{extra}")), Some(Ok(plain.clone())));
            assert_eq!(ShareLink::parse(&format!("{extra}&{base}")), Some(Ok(plain.clone())));
        }
        assert_eq!(ShareLink::parse("?fbclid=IwAR0x&utm_source=x"), None);
        assert_eq!(
            ShareLink::parse(&format!("{base}&seed=2")),
            Some(Err(ShareError::Duplicate("seed".into())))
        );
        assert_eq!(
            ShareLink::parse(&format!("{base}&s=memory-leak")),
            Some(Err(ShareError::Duplicate("s".into())))
        );
        // Encoded separators and names decode.
        let encoded = "s=memory-leak%2Chealthy&seed=1&anchor=2026-02-13T15%3A00%3A00%2B01%3A00";
        let link = ShareLink::parse(encoded).unwrap().unwrap();
        assert_eq!(link.scenarios, vec![Scenario::MemoryLeak, Scenario::Healthy]);
        assert_eq!(link.anchor, Utc.with_ymd_and_hms(2026, 2, 13, 14, 0, 0).unwrap());
    }

    #[test]
    fn scenario_count_and_anchors_are_bounded() {
        let many = ["healthy"; MAX_SCENARIOS + 1].join(",");
        assert_eq!(
            ShareLink::parse(&format!("s={many}&anchor=2026-02-13T15:00:00Z")),
            Some(Err(ShareError::TooManyScenarios(MAX_SCENARIOS + 1)))
        );
        let ten = ["healthy"; MAX_SCENARIOS].join(",");
        assert!(matches!(
            ShareLink::parse(&format!("s={ten}&anchor=2026-02-13T15:00:00Z")),
            Some(Ok(_))
        ));
        for anchor in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2016-12-31T23:59:60Z",
            "2026-02-13T15:00:00.5Z",
            "1999-12-31T23:59:59Z",
        ] {
            assert!(
                matches!(
                    ShareLink::parse(&format!("s=healthy&anchor={anchor}")),
                    Some(Err(ShareError::Anchor(_)))
                ),
                "{anchor}"
            );
        }
    }

    /// Link-like text: fragments of real links, tracking parameters, junk,
    /// percent-encoding and duplicates, from a fixed seed.
    fn link_like(rng: &mut crate::sim::rng::SimRng) -> String {
        const KEYS: &[&str] = &[
            "s",
            "seed",
            "anchor",
            "i",
            "t",
            "th",
            "sp",
            "utm_source",
            "fbclid",
            "gclid",
            "x",
            "",
        ];
        const VALUES: &[&str] = &[
            "memory-leak",
            "error-spike,healthy",
            "red-herring,deployment-rollback,memory-leak",
            "meltdown",
            "",
            "42",
            "18446744073709551615",
            "18446744073709551616",
            "+7",
            "-1",
            "2026-02-13T15:00:00Z",
            "2026-02-13T15:00:00+01:00",
            "2099-12-31T23:59:59-05:00",
            "2016-12-31T23:59:60Z",
            "0000-01-01T00:00:00Z",
            "2026-02-13T15:00:00.123Z",
            "1.5",
            "0.5",
            "2",
            "2.0000001",
            "NaN",
            "inf",
            "-0",
            "1e0",
            "0.8",
            "1",
            "auth-service",
            "inventory-service",
            "nobody",
            "live",
            "instant",
            "%3A",
            "%zz",
            "%",
            "%E2%82%AC",
            "healthy,healthy,healthy,healthy,healthy,healthy,healthy,healthy,healthy,healthy,healthy",
        ];
        let mut out = String::new();
        if rng.chance(0.3) {
            out.push('?');
        }
        for n in 0..rng.below(9) {
            if n > 0 {
                out.push(if rng.chance(0.9) { '&' } else { ';' });
            }
            let key = KEYS[rng.below(KEYS.len() as u64) as usize];
            let mut value = VALUES[rng.below(VALUES.len() as u64) as usize].to_string();
            if rng.chance(0.2) {
                value = value.replace(':', "%3A").replace(',', "%2C").replace('+', "%2B");
            }
            if rng.chance(0.05) {
                let at = rng.below(value.len() as u64 + 1) as usize;
                if value.is_char_boundary(at) {
                    value.insert(at, char::from_u32(rng.below(0x2FF) as u32).unwrap_or('?'));
                }
            }
            out.push_str(key);
            if rng.chance(0.95) {
                out.push('=');
            }
            out.push_str(&value);
        }
        out
    }

    #[test]
    fn fuzzed_links_never_panic_and_every_accepted_one_reshares_to_itself() {
        let mut rng = crate::sim::rng::SimRng::new(2026, 12);
        let (mut accepted, mut refused, mut none) = (0, 0, 0);
        // A complete valid link for a fraction of the inputs, so acceptance is exercised.
        let valid = "s=memory-leak&seed=7&anchor=2026-02-13T15:00:00Z";
        for n in 0..120_000 {
            let mut q = link_like(&mut rng);
            if n % 3 == 0 {
                q = format!("{valid}&{}", q.trim_start_matches('?'));
            }
            match ShareLink::parse(&q) {
                None => none += 1,
                Some(Err(_)) => refused += 1,
                Some(Ok(link)) => {
                    accepted += 1;
                    let again = link.to_query();
                    assert_eq!(ShareLink::parse(&again), Some(Ok(link.clone())), "{q} -> {again}");
                    assert_eq!(
                        ShareLink::parse(&again).and_then(Result::ok).map(|l| l.to_query()),
                        Some(again)
                    );
                    assert!(link.scenarios.len() <= MAX_SCENARIOS && anchor_in_range(&link.anchor));
                }
            }
        }
        println!("share-link fuzz: 120000 inputs, {accepted} accepted, {refused} refused, {none} no link");
        assert!(
            accepted > 5_000 && refused > 5_000 && none > 100,
            "{accepted} / {refused} / {none}"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(q in ".{0,120}") {
            let _ = ShareLink::parse(&q);
        }
    }
}
