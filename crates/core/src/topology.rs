//! The platform's dependency graph, as data a user can replace.
//!
//! From the seed: checkout-service calls payment-service, inventory-service and
//! auth-service; auth-service keeps its sessions in Redis; every service
//! validates tokens with auth-service. Nodes are names (services of the seed's
//! catalogue, services of someone else's data, or infrastructure such as
//! `redis`), so a replaced graph needs no code change.
//!
//! ```
//! use quantumstate_core::topology::Topology;
//!
//! let graph = Topology::platform();
//! assert!(graph.depends_on("checkout-service", "auth-service"));
//! assert_eq!(graph.callers("auth-service"), ["checkout-service", "inventory-service", "payment-service"]);
//! ```

use crate::model::LogDoc;
use serde::{Deserialize, Serialize};

/// One edge: `from` calls (depends on) `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The caller.
    pub from: String,
    /// What it calls.
    pub to: String,
    /// What the call is for, in a few words ("charges cards", "validates tokens").
    pub why: String,
}

/// A directed graph of who calls whom. Read it from JSON
/// (`{"dependencies":[{"from":…,"to":…,"why":…}]}`) to describe another platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Topology {
    /// Every edge, caller first.
    pub dependencies: Vec<Dependency>,
}

/// Infrastructure node the seed names: auth-service's session cache.
pub const REDIS: &str = "redis";

impl Topology {
    /// The seed's platform.
    pub fn platform() -> Topology {
        let edge = |from: &str, to: &str, why: &str| Dependency {
            from: from.to_string(),
            to: to.to_string(),
            why: why.to_string(),
        };
        Topology {
            dependencies: vec![
                edge("checkout-service", "payment-service", "charges the order"),
                edge("checkout-service", "inventory-service", "reserves stock"),
                edge("checkout-service", "auth-service", "validates the user's token"),
                edge("payment-service", "auth-service", "validates tokens"),
                edge("inventory-service", "auth-service", "validates tokens"),
                edge("auth-service", REDIS, "keeps sessions"),
            ],
        }
    }

    /// Every node, sorted, each once.
    pub fn nodes(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .dependencies
            .iter()
            .flat_map(|d| [d.from.as_str(), d.to.as_str()])
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// What `service` calls directly, sorted.
    pub fn dependencies_of(&self, service: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .dependencies
            .iter()
            .filter(|d| d.from == service)
            .map(|d| d.to.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Who calls `service` directly, sorted.
    pub fn callers(&self, service: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .dependencies
            .iter()
            .filter(|d| d.to == service)
            .map(|d| d.from.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `caller` reaches `dependency` through one or more calls.
    pub fn depends_on(&self, caller: &str, dependency: &str) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        let mut todo: Vec<&str> = self.dependencies_of(caller);
        while let Some(next) = todo.pop() {
            if next == dependency {
                return true;
            }
            if !seen.contains(&next) {
                seen.push(next);
                todo.extend(self.dependencies_of(next));
            }
        }
        false
    }

    /// Everything that calls `service` directly or indirectly (its blast radius), sorted.
    pub fn impacted_by(&self, service: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .nodes()
            .into_iter()
            .filter(|n| self.depends_on(n, service))
            .collect();
        out.retain(|n| *n != service);
        out
    }

    /// Who calls whom as the logs tell it, for a platform no graph describes: a
    /// service among `services` whose lines name another of them calls it
    /// ("upstream billing-api answered 502", "dial tcp billing-api:8443").
    pub fn named_in_logs(services: &[&str], logs: &[LogDoc]) -> Topology {
        let mut dependencies: Vec<Dependency> = Vec::new();
        for line in logs.iter().filter(|l| services.contains(&l.service.as_str())) {
            for callee in services.iter().filter(|s| **s != line.service) {
                let known = dependencies.iter().any(|d| d.from == line.service && d.to == *callee);
                if !known && names(&line.message, callee) {
                    dependencies.push(Dependency {
                        from: line.service.clone(),
                        to: callee.to_string(),
                        why: "named in its log lines".into(),
                    });
                }
            }
        }
        Topology { dependencies }
    }

    /// Why `from` calls `to`, if it does directly.
    pub fn reason(&self, from: &str, to: &str) -> Option<&str> {
        self.dependencies
            .iter()
            .find(|d| d.from == from && d.to == to)
            .map(|d| d.why.as_str())
    }
}

/// Whether `message` names `service` as a name of its own (`billing-api:8443`,
/// `http://billing-api/v1`, `billing-api.prod.svc`), not inside another name
/// (`api` is not named by `billing-api`).
fn names(message: &str, service: &str) -> bool {
    let (m, s) = (message.to_ascii_lowercase(), service.to_ascii_lowercase());
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    !s.is_empty()
        && m.match_indices(&s).any(|(i, _)| {
            m[..i].chars().next_back().is_none_or(|c| !part(c))
                && m[i + s.len()..].chars().next().is_none_or(|c| !part(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_matches_the_seed() {
        let graph = Topology::platform();
        assert_eq!(
            graph.dependencies_of("checkout-service"),
            ["auth-service", "inventory-service", "payment-service"]
        );
        assert_eq!(graph.dependencies_of("auth-service"), [REDIS]);
        for service in crate::Service::ALL {
            if service != crate::Service::AuthService {
                assert!(
                    graph.depends_on(service.as_str(), "auth-service"),
                    "{service:?} validates tokens with auth"
                );
            }
        }
    }

    #[test]
    fn blast_radius_follows_calls_transitively() {
        let graph = Topology::platform();
        assert_eq!(
            graph.impacted_by(REDIS),
            [
                "auth-service",
                "checkout-service",
                "inventory-service",
                "payment-service"
            ]
        );
        assert_eq!(graph.impacted_by("payment-service"), ["checkout-service"]);
        assert!(graph.impacted_by("checkout-service").is_empty());
    }

    #[test]
    fn a_replaced_graph_is_read_from_json_and_survives_cycles() {
        let json = r#"{"dependencies":[{"from":"a","to":"b","why":"x"},{"from":"b","to":"a","why":"y"}]}"#;
        let graph: Topology = serde_json::from_str(json).unwrap();
        assert!(graph.depends_on("a", "a"));
        assert_eq!(graph.impacted_by("a"), ["b"]);
        assert_eq!(graph.reason("b", "a"), Some("y"));
    }

    #[test]
    fn a_service_is_named_in_its_callers_wordings_not_inside_other_names() {
        for m in [
            "upstream billing-api answered 502 Bad Gateway",
            "dial tcp billing-api:8443: connect: connection refused",
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure, cluster: outbound|8080||billing-api.prod.svc.cluster.local",
            "POST http://billing-api/v1/invoices failed: 503 Service Unavailable",
            "Call to Billing-API timed out after 5000ms",
        ] {
            assert!(names(m, "billing-api"), "{m}");
        }
        for m in [
            "billing-api-canary answered 502",
            "legacy-billing-api is down",
            "billing api slow",
        ] {
            assert!(!names(m, "billing-api"), "{m}");
        }
        assert!(!names("billing-api answered 502", "api"));
    }
}
