//! The embedded store's cap on audit records: past it, the oldest go.

use chrono::{TimeDelta, TimeZone, Utc};
use quantumstate_core::store::Visible;
use quantumstate_core::{MemoryStore, Store};

fn records(store: &MemoryStore) -> u64 {
    futures::executor::block_on(store.counts()).unwrap().decisions
}

#[test]
fn the_embedded_store_keeps_the_newest_audit_records_up_to_its_cap() {
    use quantumstate_core::store::DECISIONS_KEPT;
    use quantumstate_core::{Agent, DecisionDoc};
    let store = MemoryStore::new();
    let start = Utc.with_ymd_and_hms(2026, 2, 13, 15, 0, 0).unwrap();
    let extra = 57;
    // Out of order, as runs of a replayed share link can be: four agents per moment.
    let mut moments: Vec<i64> = (0..((DECISIONS_KEPT + extra) / 4) as i64 + 1).collect();
    moments.reverse();
    moments.rotate_left(7);
    let mut written = Vec::new();
    for m in moments {
        for agent in Agent::ALL {
            let doc = DecisionDoc {
                timestamp: start + TimeDelta::minutes(30 * m),
                agent,
                decision: format!("decision {m}"),
                confidence: 90,
                service: "payment-service".into(),
                context: serde_json::json!({ "moment": m, "words": "x".repeat(m as usize % 300) }),
            };
            futures::executor::block_on(store.append_decision(&doc, Visible::Now)).unwrap();
            written.push(doc);
        }
    }
    assert!(written.len() > DECISIONS_KEPT);
    assert_eq!(records(&store), DECISIONS_KEPT as u64);
    let kept = futures::executor::block_on(store.decisions(usize::MAX)).unwrap();
    written.sort_by_key(|d| std::cmp::Reverse((d.timestamp, d.agent)));
    assert_eq!(
        kept,
        written[..DECISIONS_KEPT],
        "the newest records, newest first, contexts intact"
    );
}
