//! The seed's four pre-seeded incidents: the Archaeologist's institutional memory.

use crate::model::{AnomalyType, IncidentDoc, Service};
use chrono::{DateTime, TimeDelta, Utc};

/// One pre-seeded incident: (service, type, days before the anchor, MTTR in minutes,
/// root cause, actions taken). The first four columns are the seed's table.
pub struct SeededIncident {
    pub service: Service,
    pub anomaly_type: AnomalyType,
    pub days_ago: i64,
    pub mttr_minutes: u64,
    pub root_cause: &'static str,
    pub actions_taken: &'static str,
}

pub const SEEDED_INCIDENTS: [SeededIncident; 4] = [
    SeededIncident {
        service: Service::PaymentService,
        anomaly_type: AnomalyType::MemoryLeakProgressive,
        days_ago: 14,
        mttr_minutes: 47,
        root_cause: "Release v2.1.0-rc1 retained gateway connection objects in the payment client pool; \
                     JVM heap grew about 1.3%/min until the GC overhead limit (HEAP_PRESSURE) and transactions timed out",
        actions_taken: "Rolled back payment-service to v2.0.9; heap returned to 52% within 6 minutes; \
                        connection pool fix shipped in v2.1.0",
    },
    SeededIncident {
        service: Service::AuthService,
        anomaly_type: AnomalyType::ErrorSpikeSudden,
        days_ago: 7,
        mttr_minutes: 16,
        root_cause: "Redis cluster node redis-sessions-2 was evicted under memory pressure; the session cache went \
                     offline (CACHE_OFFLINE, REDIS_UNAVAILABLE) and auth fell back to the database, saturating its pool",
        actions_taken: "Restarted the Redis node and opened the session-cache circuit breaker; \
                        error rate back under 1/min within 4 minutes",
    },
    SeededIncident {
        service: Service::CheckoutService,
        anomaly_type: AnomalyType::DeploymentRegression,
        days_ago: 3,
        mttr_minutes: 8,
        root_cause: "Deployment v3.4.0 shipped a NullPointerException in OrderService.placeOrder for carts with \
                     removed items; 5xx errors (INTERNAL_SERVER_ERROR) spiked 2 minutes after the deploy",
        actions_taken: "Rolled back checkout-service to the previous release v3.3.9; errors cleared within 3 minutes",
    },
    SeededIncident {
        service: Service::InventoryService,
        anomaly_type: AnomalyType::MemoryLeakProgressive,
        days_ago: 21,
        mttr_minutes: 90,
        root_cause: "Unbounded reservation cache kept expired stock reservations in memory; \
                     heap climbed for two hours (HEAP_PRESSURE) until reservations slowed",
        actions_taken: "Restarted inventory-service with a 15-minute cache TTL; permanent fix shipped in v4.1.3",
    },
];

/// The seeded incidents as documents, dated relative to `anchor`.
pub fn seeded_incidents(anchor: DateTime<Utc>) -> Vec<IncidentDoc> {
    SEEDED_INCIDENTS
        .iter()
        .map(|s| {
            // Whole minutes, so ids do not depend on the anchor's seconds.
            let started = anchor - TimeDelta::days(s.days_ago);
            let started = started - TimeDelta::seconds(started.timestamp() % 60);
            IncidentDoc {
                timestamp: started,
                service: s.service.as_str().to_string(),
                region: s.service.region().to_string(),
                anomaly_type: s.anomaly_type.as_str().to_string(),
                root_cause: s.root_cause.to_string(),
                actions_taken: s.actions_taken.to_string(),
                resolved_at: Some(started + TimeDelta::minutes(s.mttr_minutes as i64)),
                mttr_seconds: Some(s.mttr_minutes * 60),
                status: "resolved".to_string(),
            }
        })
        .collect()
}
