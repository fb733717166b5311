//! Changes and operator actions in log lines, in any common wording.
//!
//! A **change** is a deploy, release, rollout, config or rule push or a
//! feature-flag flip: it can cause trouble or fix it. An **operator action**
//! is a remedy someone applied (rollback, restart, failover, scale-out, config
//! revert): in advisory mode Guardian judges the recovery after it.
//!
//! ```
//! use quantumstate_core::changes::{change_in, ChangeKind};
//!
//! let c = change_in("Deploy v10.4.1 complete, replacing v10.3.9").unwrap();
//! assert_eq!(c.kind, ChangeKind::Deploy);
//! assert_eq!((c.version.as_deref(), c.previous.as_deref()), (Some("v10.4.1"), Some("v10.3.9")));
//! ```

use crate::taxonomy::tokens;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    #[default]
    Deploy,
    Config,
    FeatureFlag,
}

impl ChangeKind {
    /// The noun at the start of a sentence.
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "Deployment",
            ChangeKind::Config => "Config change",
            ChangeKind::FeatureFlag => "Feature-flag flip",
        }
    }

    /// The noun for texts.
    pub fn noun(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "deploy",
            ChangeKind::Config => "config change",
            ChangeKind::FeatureFlag => "feature-flag flip",
        }
    }
}

/// A change read from one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub version: Option<String>,
    /// The version it replaced: the roll-back target.
    pub previous: Option<String>,
    /// Still under way ("started", "in progress"), not yet complete.
    pub in_progress: bool,
}

/// A remedy an operator (or a tool) applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorAction {
    Rollback,
    Restart,
    Failover,
    ScaleOut,
    ConfigRevert,
}

impl fmt::Display for OperatorAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OperatorAction::Rollback => "rollback",
            OperatorAction::Restart => "restart",
            OperatorAction::Failover => "failover",
            OperatorAction::ScaleOut => "scale-out",
            OperatorAction::ConfigRevert => "config revert",
        })
    }
}

fn any(toks: &[String], stems: &[&str]) -> bool {
    toks.iter().any(|t| stems.iter().any(|s| t.starts_with(s)))
}

fn word(toks: &[String], words: &[&str]) -> bool {
    toks.iter().any(|t| words.contains(&t.as_str()))
}

/// The operator action a line reports, if any.
pub fn action_in(message: &str) -> Option<OperatorAction> {
    let toks = tokens(message);
    let rolled_back = word(&toks, &["rollback", "rollbacks", "rolledback"])
        || (word(&toks, &["rolled", "rolling", "roll"]) && word(&toks, &["back"]))
        || (word(&toks, &["rollout", "release", "deployment", "helm"]) && word(&toks, &["undo", "undone"]));
    if rolled_back {
        return Some(OperatorAction::Rollback);
    }
    if any(&toks, &["revert"]) {
        return Some(if any(&toks, &["config", "setting", "flag"]) {
            OperatorAction::ConfigRevert
        } else {
            OperatorAction::Rollback
        });
    }
    if any(&toks, &["failover", "failedover"]) || (word(&toks, &["failed"]) && word(&toks, &["over"])) {
        return Some(OperatorAction::Failover);
    }
    let backing_off = any(&toks, &["backoff", "crashloop"]) || (word(&toks, &["back"]) && word(&toks, &["off"]));
    if any(&toks, &["restart", "bounced", "recycl"]) && !backing_off {
        return Some(OperatorAction::Restart);
    }
    let scaled = any(&toks, &["scal"]) && word(&toks, &["out", "up"]);
    if scaled || (any(&toks, &["replica"]) && any(&toks, &["increas", "added"])) {
        return Some(OperatorAction::ScaleOut);
    }
    None
}

/// Whether a token looks like a version: `v10.4.1`, `2024.11.3`, `2.1.0-rc1`.
fn looks_like_version(t: &str) -> bool {
    let core = t.strip_prefix(['v', 'V']).unwrap_or(t);
    let (numbers, _suffix) = core.split_once('-').unwrap_or((core, ""));
    let parts: Vec<&str> = numbers.split('.').collect();
    (2..=4).contains(&parts.len())
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        // Four numeric parts with a port or a small last part is an address, not a version.
        && !(parts.len() == 4 && t.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// Version-looking words, in order, with their byte offsets: dotted versions,
/// or a number after "build", "revision", "version", "release".
fn versions(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut previous_word = String::new();
    let mut offset = 0;
    for raw in text.split_inclusive(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '"' | '\'')) {
        let at = offset;
        offset += raw.len();
        let trimmed = raw.trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '"' | '\'' | '.' | ':' | '!' | '[' | ']')
        });
        // "checkout:1.8.2", "app@2.0.1", "image=…:v3".
        let candidate = trimmed.rsplit([':', '@', '=']).next().unwrap_or(trimmed);
        let numbered = matches!(
            previous_word.as_str(),
            "build" | "revision" | "rev" | "version" | "release" | "r" | "#"
        ) && !candidate.is_empty()
            && candidate.trim_start_matches('#').chars().all(|c| c.is_ascii_digit());
        if looks_like_version(candidate) || numbered {
            out.push((at, candidate.trim_start_matches('#').to_string()));
        }
        previous_word = trimmed.to_ascii_lowercase();
    }
    out
}

/// Words after which the next version is the one being replaced.
const PREVIOUS_MARKERS: [&str; 7] = [
    "previous",
    "replacing",
    "replaces",
    "replaced",
    "from",
    "was",
    "superseding",
];

/// (version, previous) in any common wording.
pub fn versions_in(text: &str) -> (Option<String>, Option<String>) {
    let found = versions(text);
    let lower = text.to_ascii_lowercase();
    let marker_at = PREVIOUS_MARKERS
        .iter()
        .filter_map(|m| {
            lower.match_indices(m).find(|(i, _)| {
                // Whole words only ("from" in "frontend" does not count).
                let before = lower[..*i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric());
                let after = lower[i + m.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric());
                before && after
            })
        })
        .map(|(i, _)| i)
        .min();
    // "a -> b", "a → b": a was replaced by b.
    if let Some(arrow) = lower.find("->").or_else(|| lower.find('→')) {
        let before = found.iter().rev().find(|(i, _)| *i < arrow).map(|(_, v)| v.clone());
        let after = found.iter().find(|(i, _)| *i > arrow).map(|(_, v)| v.clone());
        if before.is_some() && after.is_some() {
            return (after, before);
        }
    }
    match marker_at {
        Some(m) => {
            let previous = found.iter().find(|(i, _)| *i > m).map(|(_, v)| v.clone());
            let version = found
                .iter()
                .find(|(i, v)| *i < m || Some(v) != previous.as_ref())
                .filter(|(_, v)| Some(v) != previous.as_ref())
                .map(|(_, v)| v.clone());
            (version, previous)
        }
        None => (found.first().map(|(_, v)| v.clone()), None),
    }
}

/// The change a line reports, if any (an operator's remedy is not a change).
pub fn change_in(message: &str) -> Option<Change> {
    if action_in(message).is_some() {
        return None;
    }
    let toks = tokens(message);
    let kind = if any(&toks, &["flag", "toggle", "featureflag", "experiment"])
        && any(
            &toks,
            &["enabl", "disabl", "flip", "turned", "toggl", "switch", "rolled", "set"],
        ) {
        ChangeKind::FeatureFlag
    } else if any(&toks, &["config", "configmap", "setting", "rule", "policy"])
        && any(
            &toks,
            &[
                "push", "appl", "updat", "chang", "reload", "rolled", "deploy", "publish",
            ],
        )
    {
        ChangeKind::Config
    } else if any(&toks, &["deploy", "releas", "rollout", "upgrad", "canary", "ship"])
        || (word(&toks, &["rolled"]) && word(&toks, &["out"]))
    {
        ChangeKind::Deploy
    } else {
        return None;
    };
    let done = any(
        &toks,
        &[
            "complet", "finish", "succe", "done", "live", "promot", "applied", "enabled", "disabled",
        ],
    ) || (word(&toks, &["rolled"]) && word(&toks, &["out"]));
    let started = any(&toks, &["start", "begin", "initiat", "progress", "pending", "queued"]);
    let (version, previous) = versions_in(message);
    Some(Change {
        kind,
        version,
        previous,
        in_progress: started && !done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_common_wordings() {
        for (line, version, previous) in [
            (
                "Deployment v3.5.0 complete (previous: v3.4.2)",
                Some("v3.5.0"),
                Some("v3.4.2"),
            ),
            ("Deploy v10.4.1 complete", Some("v10.4.1"), None),
            ("Release 2024.11.3 rolled out", Some("2024.11.3"), None),
            ("rollout of build 8812 finished", Some("8812"), None),
            (
                "Deployed checkout:1.8.2, replacing v10.3.9",
                Some("1.8.2"),
                Some("v10.3.9"),
            ),
            ("Upgraded from 2.14.0 to 2.14.1", Some("2.14.1"), Some("2.14.0")),
            ("release 4.2.0 -> 4.3.0 shipped", Some("4.3.0"), Some("4.2.0")),
            ("Health check OK (10.0.0.3:6379)", None, None),
        ] {
            assert_eq!(
                versions_in(line),
                (version.map(String::from), previous.map(String::from)),
                "{line}"
            );
        }
    }

    #[test]
    fn changes_and_actions_in_many_wordings() {
        for line in [
            "Deployment v3.5.0 complete (previous: v3.4.2)",
            "Release 2024.11.3 rolled out to 100%",
            "rollout of build 8812 finished",
            "helm upgrade payments succeeded, revision 42",
            "Config push applied: pool.max=5",
            "Feature flag new-pricing enabled for 100% of users",
        ] {
            assert!(change_in(line).is_some(), "{line}");
        }
        for (line, action) in [
            ("Rolled back checkout-service to v3.4.2", OperatorAction::Rollback),
            ("rollback to 2024.11.2 complete", OperatorAction::Rollback),
            ("kubectl rollout undo deployment/checkout", OperatorAction::Rollback),
            (
                "kubectl rollout restart deployment/auth-service",
                OperatorAction::Restart,
            ),
            ("Operator restarted redis-sessions-2", OperatorAction::Restart),
            ("Failover to replica db-2 complete", OperatorAction::Failover),
            (
                "Scaled out payment-service from 4 to 8 replicas",
                OperatorAction::ScaleOut,
            ),
            (
                "Reverted config change 7781 (pool.max back to 50)",
                OperatorAction::ConfigRevert,
            ),
        ] {
            assert_eq!(action_in(line), Some(action), "{line}");
            assert!(change_in(line).is_none(), "{line} is a remedy, not a change");
        }
        assert!(change_in("Back-off restarting failed container").is_none());
        assert!(change_in("Health check OK (42ms)").is_none());
    }
}
