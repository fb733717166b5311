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

    /// Why `from` calls `to`, if it does directly.
    pub fn reason(&self, from: &str, to: &str) -> Option<&str> {
        self.dependencies
            .iter()
            .find(|d| d.from == from && d.to == to)
            .map(|d| d.why.as_str())
    }
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
}
