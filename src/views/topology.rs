use crate::view_model::{Blast, ServiceHealth};
use leptos::prelude::*;
use quantumstate_core::topology::Topology;

/// Drawing size of the map (SVG user units).
const WIDTH: f64 = 320.0;
const ROW: f64 = 56.0;
const NODE_W: f64 = 96.0;
const NODE_H: f64 = 28.0;

/// Each node's layer: the longest chain of callers above it (callers on top).
fn layers(graph: &Topology) -> Vec<(String, usize)> {
    let nodes = graph.nodes();
    let mut depth: Vec<usize> = vec![0; nodes.len()];
    // Longest path from a node nobody calls; a cycle stops after |nodes| rounds.
    for _ in 0..nodes.len() {
        for d in &graph.dependencies {
            let (Some(from), Some(to)) = (
                nodes.iter().position(|n| *n == d.from),
                nodes.iter().position(|n| *n == d.to),
            ) else {
                continue;
            };
            if depth[to] < depth[from] + 1 && depth[from] + 1 < nodes.len() {
                depth[to] = depth[from] + 1;
            }
        }
    }
    nodes.iter().zip(depth).map(|(n, d)| (n.to_string(), d)).collect()
}

/// Centre of every node: layers top to bottom, nodes of a layer spread evenly.
pub fn positions(graph: &Topology) -> Vec<(String, f64, f64)> {
    let layered = layers(graph);
    let rows = layered.iter().map(|(_, d)| *d).max().unwrap_or(0) + 1;
    let mut out = Vec::new();
    for row in 0..rows {
        let here: Vec<&String> = layered.iter().filter(|(_, d)| *d == row).map(|(n, _)| n).collect();
        for (i, name) in here.iter().enumerate() {
            let x = WIDTH * (i as f64 + 1.0) / (here.len() as f64 + 1.0);
            out.push(((*name).clone(), x, ROW * row as f64 + NODE_H));
        }
    }
    out
}

/// The platform's services and what they call, from core's dependency graph,
/// with the root cause and the callers it hits marked as the incident unfolds.
#[component]
pub fn TopologyMap(
    /// Who calls whom.
    graph: Topology,
    /// The incident's root cause and blast radius (empty when there is none).
    blast: Signal<Blast>,
    /// Current health of the services (colours their nodes).
    health: Signal<Vec<ServiceHealth>>,
) -> impl IntoView {
    let at = positions(&graph);
    let height = at.iter().map(|(_, _, y)| *y).fold(0.0, f64::max) + NODE_H;
    let place = {
        let at = at.clone();
        move |name: &str| at.iter().find(|(n, _, _)| n == name).map(|(_, x, y)| (*x, *y))
    };
    let edges = graph
        .dependencies
        .iter()
        .filter_map(|d| {
            let (x1, y1) = place(&d.from)?;
            let (x2, y2) = place(&d.to)?;
            Some(view! {
                <line x1=x1 y1=y1 + NODE_H / 2.0 x2=x2 y2=y2 - NODE_H / 2.0 class="edge" data-why=d.why.clone()></line>
            })
        })
        .collect_view();
    let nodes = at
        .into_iter()
        .map(|(name, x, y)| {
            let mark = {
                let name = name.clone();
                move || {
                    let b = blast.get();
                    if b.root.as_deref() == Some(name.as_str()) {
                        "root"
                    } else if b.symptom.as_deref() == Some(name.as_str()) || b.impacted.contains(&name) {
                        "impacted"
                    } else {
                        "none"
                    }
                }
            };
            let state = {
                let name = name.clone();
                move || {
                    health
                        .get()
                        .iter()
                        .find(|h| h.service.as_str() == name)
                        .map_or("infra", |h| h.health.as_str())
                }
            };
            let mark2 = mark.clone();
            view! {
                <g class=move || format!("node {} {}", state(), mark()) data-node=name.clone() data-mark=mark2>
                    <rect x=x - NODE_W / 2.0 y=y - NODE_H / 2.0 width=NODE_W height=NODE_H rx="6"></rect>
                    <text x=x y=y + 4.0 text-anchor="middle">{name.trim_end_matches("-service").to_string()}</text>
                </g>
            }
        })
        .collect_view();
    let summary = move || {
        let b = blast.get();
        match &b.root {
            None => "No incident: every service and dependency as drawn.".to_string(),
            Some(root) => {
                let hit: Vec<&str> = b.impacted.iter().map(String::as_str).collect();
                format!(
                    "Root cause: {root}. Impacted callers: {}.",
                    if hit.is_empty() {
                        "none".to_string()
                    } else {
                        hit.join(", ")
                    }
                )
            }
        }
    };
    view! {
        <section class="panel topology" aria-labelledby="topology-title">
            <h2 id="topology-title">"Dependencies"</h2>
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-labelledby="topology-summary">
                {edges}
                {nodes}
            </svg>
            <p id="topology-summary" class="topology-summary">"Callers above what they call. " {summary}</p>
        </section>
    }
}
