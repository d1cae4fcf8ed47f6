//! What the servers did besides answering requests: event counters summed over
//! replications, and operations served per second.

use std::collections::BTreeMap;

use crate::metrics::{estimate, Estimate};
use crate::model::clearwater::{ClearwaterResult, HttpOp};

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

/// The event counters, summed over replications.
pub fn counter_totals(results: &[ClearwaterResult]) -> BTreeMap<&'static str, u64> {
    let mut counters = BTreeMap::new();
    let total = |f: fn(&ClearwaterResult) -> u64| results.iter().map(f).sum::<u64>();
    counters.insert("timer_pops", total(|r| r.counters.timer_pops));
    counters.insert("bindings_expired", total(|r| r.counters.bindings_expired));
    counters.insert("queue_timeouts", total(|r| r.counters.queue_timeouts));
    counters.insert("dns_queries", total(|r| r.dns_queries));
    counters.insert("calls_refused_by_limit", total(|r| r.counters.calls_refused_by_limit));
    counters.insert("call_redials", total(|r| r.counters.call_redials));
    counters.insert("http_failures", total(|r| r.counters.http_failures));
    counters.insert("memcached_failures", total(|r| r.counters.memcached_failures));
    counters.insert("timers_lost", total(|r| r.counters.timers_lost));
    counters.insert("expiry_tasks_failed", total(|r| r.counters.expiry_tasks_failed));
    counters.insert("connection_resets", total(|r| r.counters.connection_resets));
    counters.insert("timers_orphaned_at_end", total(|r| r.counters.timers_orphaned));
    counters.insert("nodes_added", total(|r| r.counters.nodes_added));
    counters.insert("nodes_removed", total(|r| r.counters.nodes_removed));
    counters.insert("resync_timers", total(|r| r.counters.resync_timers));
    counters.insert("resync_records", total(|r| r.counters.resync_records));
    counters.insert("resync_pages", total(|r| r.counters.resync_pages));
    counters
}
