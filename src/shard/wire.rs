//! Part-file forms of result types whose own `Serialize` is shaped for summary.json.
//!
//! `Counters` skips and renames fields in summary.json (its counters are summed by their
//! serde names there); a part file must hold every field. serde's remote derive writes the
//! full struct here, and the compiler checks this copy names exactly `Counters`' fields.

use serde::{Deserialize, Serialize};

use crate::model::clearwater::Counters;
use crate::model::clearwater::Method;

#[derive(Serialize, Deserialize)]
#[serde(remote = "Counters")]
pub struct CountersDef {
    pub sprout_requests: u64,
    pub mc_replica_writes: u64,
    pub timer_pops: u64,
    pub bindings_expired: u64,
    pub queue_timeouts: u64,
    pub calls_refused_by_limit: u64,
    pub chronos_rejections: u64,
    pub call_redials: u64,
    pub http_failures: u64,
    pub memcached_failures: u64,
    pub timers_lost: u64,
    pub expiry_tasks_failed: u64,
    pub connection_resets: u64,
    pub ue_target_failovers: u64,
    pub worker_waits: u64,
    pub flow_failures_detected: u64,
    pub notifies_sent: u64,
    pub throttle_rejections: [[u64; Method::COUNT]; 5],
    pub homestead_rejections: u64,
    pub hss_timeouts: u64,
    pub nodes_added: u64,
    pub nodes_removed: u64,
    pub resync_timers: u64,
    pub resync_records: u64,
    pub resync_pages: u64,
    pub timers_orphaned: u64,
}
