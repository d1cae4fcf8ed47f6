//! The Clearwater deployment model: Bono, Sprout (with memcached and Chronos), Homestead,
//! Homer, DNS and connection pools, driven by Clearwater's own load profiles.
//!
//! Module map: `state` (events, messages, transactions, subscribers), `world` (construction
//! and dispatch), `sip` (routing through Bono and Sprout), `sprout` (worker programs and the
//! servers of their blocking operations, Chronos), `ue` (transactions, calls), `load`
//! (profiles), `bono` (connection pool recycler), `flows` (the programs as data), `stats`.

pub mod admission;
pub mod binding_store;
pub mod bono;
pub mod call;
pub mod call_record;
pub mod challenge_timer;
pub mod chronos;
pub mod cluster;
pub mod deregister;
pub mod events;
pub mod fault_timeline;
pub mod flows;
pub mod homer;
pub mod homestead;
pub mod homestead_cache;
pub mod http_client;
pub mod ids;
pub mod load;
pub mod memcached;
pub mod message;
pub mod method;
pub mod node;
pub mod node_failure;
pub mod outage;
pub mod outage_watch;
pub mod overload_policy;
pub mod pair;
pub mod params;
pub mod program;
pub mod ralf;
pub mod ralf_host;
pub mod reachability;
pub mod reg_event;
pub mod replica_cache;
pub mod result;
pub mod resync;
pub mod routing;
pub mod sampling;
pub mod scaling;
pub mod sipp_address;
pub mod sipp_exec;
pub mod sipp_start;
pub mod sipp_state;
pub mod sipp_ue;
pub mod sprout;
pub mod sprout_workers;
pub mod stats;
pub mod subscriber;
pub mod third_party_register;
pub mod timer_store;
pub mod transaction;
pub mod transport_thread;
pub mod txn;
pub mod ue;
pub mod ue_recovery;
pub mod worker_pool;
pub mod world;

// The model's public vocabulary: what results are made of. Readers of results (report,
// analysis, sweep, plan, tests) import from here, not from the files that define them.
pub use flows::{ChronosOp, HttpOp, McOp, Method};
pub use outage::Outage;
pub use outage::OutageCause;
pub use ralf::BillingCounts;
pub use result::{ClearwaterResult, NodeSummary};
pub use sipp_state::{
    Failure as SippFailure, SourceCounts as SippCounts, StepCounts as SippStepCounts, Timing as SippTiming,
    Totals as SippTotals,
};
pub use stats::{Counters, NodeRow, OpCounts, ReqCounts, ReqStats, RequestRow, ThrottleRow};
pub use txn::{FailCause, PerCause, PerReq, ReqType};

use crate::engine::{RunControl, Simulation};
use crate::scenario::Scenario;
use world::World;

/// Runs one replication of a Clearwater scenario.
pub fn run(s: &Scenario, replication: u32, control: &RunControl) -> ClearwaterResult {
    let mut sim = Simulation::build(|q| World::new(s, replication, q));
    sim.set_max_events(s.simulation.max_events);
    let end = sim.run_until(s.simulation.end(), control);
    let now = sim.now();
    let (fingerprint, events) = (sim.fingerprint(), sim.events_processed());
    sim.model.into_result(s, replication, fingerprint, events, end, now)
}
