//! What the servers did besides answering requests: event counters summed over
//! replications, and operations served per second.

use std::collections::BTreeMap;

use crate::metrics::{estimate, Estimate};
use crate::model::clearwater::{ClearwaterResult, Counters, HttpOp};

/// Per second of the first replication's measured time (every replication measures the
/// same span unless interrupted); 0 with none.
pub fn per_s(results: &[ClearwaterResult]) -> impl Fn(u64) -> f64 {
    let measured_s = results.first().map_or(0.0, |r| r.measured.as_secs_f64());
    move |v| if measured_s > 0.0 { v as f64 / measured_s } else { 0.0 }
}

/// Operations served per second of measured time (means over replications), by server.
pub fn operations_per_s(results: &[ClearwaterResult]) -> BTreeMap<&'static str, Estimate> {
    let per_s = per_s(results);
    let op = |f: fn(&ClearwaterResult) -> u64| estimate(&results.iter().map(|r| per_s(f(r))).collect::<Vec<_>>());
    BTreeMap::from([
        ("homestead", op(|r| r.ops.homestead_total())),
        ("homer", op(|r| r.ops.http_op(HttpOp::Simservs))),
        ("memcached", op(|r| r.ops.memcached_total())),
        ("memcached_replica_writes", op(|r| r.counters.mc_replica_writes)),
        ("chronos", op(|r| r.ops.chronos_total())),
        ("sprout_sip_requests", op(|r| r.counters.sprout_requests)),
    ])
}

/// The event counters, summed over replications, by name: every field `Counters` serialises
/// (its `#[serde]` attributes choose the names and leave out the counters reported elsewhere:
/// Sprout requests and replica writes under `operations_per_s`, LoadMonitor refusals under
/// `throttling`, and HSS timeouts, not reported), plus the DNS queries the result keeps
/// beside them. The map sorts the keys, so the JSON order does not depend on field order.
pub fn counter_totals(results: &[ClearwaterResult]) -> BTreeMap<String, u64> {
    let mut totals = BTreeMap::new();
    // Summing from the default counters lists every name even without results.
    for counters in std::iter::once(&Counters::default()).chain(results.iter().map(|r| &r.counters)) {
        let serde_json::Value::Object(fields) = serde_json::to_value(counters).expect("counters serialise") else {
            unreachable!("Counters serialises as a map")
        };
        for (name, value) in fields {
            *totals.entry(name).or_default() += value.as_u64().expect("counters are u64");
        }
    }
    totals.insert("dns_queries".into(), results.iter().map(|r| r.dns_queries).sum());
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_lists_these_counters() {
        // summary.json's `counters` keys, as the report listed them by hand before `Counters`
        // was serialised by derive; changing them changes every pinned summary.json.
        let names: Vec<String> = counter_totals(&[]).into_keys().collect();
        assert_eq!(
            names,
            [
                "bindings_expired",
                "call_redials",
                "calls_refused_by_limit",
                "connection_resets",
                "dns_queries",
                "expiry_tasks_failed",
                "flow_failures_detected",
                "http_failures",
                "memcached_failures",
                "nodes_added",
                "nodes_removed",
                "notifies_sent",
                "queue_timeouts",
                "resync_pages",
                "resync_records",
                "resync_timers",
                "timer_pops",
                "timers_lost",
                "timers_orphaned_at_end",
                "ue_target_failovers",
                "worker_waits",
            ]
        );
    }
}
