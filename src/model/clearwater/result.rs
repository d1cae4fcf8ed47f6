//! What one replication measured, as the model hands it to analysis and reports.

use super::pair::Pair;
use super::subscriber::Ue;
use super::txn::{PerReq, ReqType};
use super::world::World;
use super::{outage, stats};
use crate::engine::{Fingerprint, RunEnd, SimDuration, SimTime};
use crate::metrics::LatencyHistogram;
use crate::scenario::{Scenario, Tier};
use stats::{NodeRow, OpCounts, ReqCounts, ReqStats};

/// A node as reported: where it is and how busy it was after warm-up.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NodeSummary {
    pub label: String,
    pub site: String,
    pub tier: Tier,
    pub cores: u32,
    /// Mean busy fraction of its cores after warm-up.
    pub cpu: f64,
}

/// Everything one replication measured.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ClearwaterResult {
    pub replication: u32,
    pub fingerprint: Fingerprint,
    pub events: u64,
    /// How the replication ended, and the simulated time it stopped at.
    pub end: RunEnd,
    pub stopped_at: SimTime,
    pub measured: SimDuration,
    pub subscribers: u64,
    pub req: PerReq<ReqStats>,
    pub req_total: PerReq<ReqCounts>,
    /// Transactions still open at the end, by request type.
    pub in_flight: PerReq<u64>,
    pub ops: OpCounts,
    pub dns_queries: u64,
    pub dns_queries_by_name: Vec<u64>,
    pub dns_failed_by_name: Vec<u64>,
    pub sprout_latency: LatencyHistogram,
    pub sprout_latency_with_io: LatencyHistogram,
    pub nodes: Vec<NodeSummary>,
    pub rows: Vec<NodeRow>,
    /// The stateful statistic at the end (timers ÷ replication factor).
    pub registrations_end: f64,
    /// Subscribers with a valid binding at the end.
    pub bound_end: u64,
    /// Bytes of subscriber state (the `Ue` array) — for the memory budget.
    pub subscriber_bytes: u64,
    #[serde(with = "crate::shard::wire::CountersDef")]
    pub counters: stats::Counters,
    /// Every outage (from the first fault on), in the order they ended.
    pub outages: Vec<outage::Outage>,
    /// UE-side request outcomes per sample interval.
    pub request_rows: Vec<stats::RequestRow>,
    /// Billing, when some site has Ralf nodes (after warm-up).
    pub billing: Option<super::ralf::BillingCounts>,
    /// Each subscriber's home site (for `outages.csv`).
    pub ue_sites: Vec<u8>,
    /// Sprout cluster resizes whose resynchronisation completed, in order.
    pub resizes: Vec<super::cluster::ResizeRecord>,
    /// A SIPp load's counters per source, over the whole run as SIPp counts (empty for the
    /// other profiles).
    pub sipp: Vec<super::sipp_state::SourceCounts>,
}

impl ClearwaterResult {
    /// Conservation at the end of a run: over the whole run every request started has
    /// ended or is in flight, and after warm-up no type ended more often than it started.
    /// A violation is a model bug; the run reports it instead of writing wrong figures.
    pub fn check_invariants(&self) -> Result<(), String> {
        for t in ReqType::ALL {
            let (total, measured) = (&self.req_total[t], &self.req[t].counts);
            let in_flight = self.in_flight[t];
            if total.started != total.ended() + in_flight {
                return Err(format!(
                    "{}: started {} ≠ ended {} + in flight {} over the whole run",
                    t.name(),
                    total.started,
                    total.ended(),
                    in_flight
                ));
            }
            if measured.ended() > measured.started {
                return Err(format!(
                    "{}: after warm-up, ok {} + failed {} > started {}",
                    t.name(),
                    measured.ok,
                    measured.ended() - measured.ok,
                    measured.started
                ));
            }
        }
        Ok(())
    }
}

impl World {
    /// The replication's results, once the run stopped at `now`.
    pub(super) fn into_result(
        mut self,
        s: &Scenario,
        replication: u32,
        fingerprint: Fingerprint,
        events: u64,
        end: RunEnd,
        now: SimTime,
    ) -> ClearwaterResult {
        let w = &mut self;
        let outages = w.outages.finish(now);
        let measured = now.since(s.simulation.warmup_end().min(now));
        let mut in_flight = PerReq::<u64>::default();
        for t in w.txns.iter() {
            in_flight[t.req_type()] += 1;
        }
        let nodes = w
            .nodes
            .iter()
            .map(|n| NodeSummary {
                label: n.label(),
                site: s.sites[n.site as usize].name.clone(),
                tier: n.tier,
                cores: n.cores,
                cpu: if measured.is_zero() {
                    0.0
                } else {
                    n.cpu.stats().busy.integral(now) as f64 / (measured.as_ns() as f64 * n.cores as f64)
                },
            })
            .collect();
        let subscriber_bytes = w.ues.capacity() * std::mem::size_of::<Ue>()
            + w.pairs.capacity() * std::mem::size_of::<Pair>()
            + w.store.bytes()
            + w.chronos.bytes()
            + w.homestead.bytes();
        let up: Vec<bool> = w.nodes.iter().map(|n| n.up).collect();
        ClearwaterResult {
            replication,
            fingerprint,
            events,
            end,
            stopped_at: now,
            measured,
            subscribers: w.ues.len() as u64,
            req: w.stats.req.clone(),
            req_total: w.stats.req_total.clone(),
            in_flight,
            ops: w.stats.ops.clone(),
            dns_queries: w.dns.queries,
            dns_queries_by_name: w.dns.queries_by_name.clone(),
            dns_failed_by_name: w.dns.failed_by_name.clone(),
            sprout_latency: w.stats.sprout_latency.clone(),
            sprout_latency_with_io: w.stats.sprout_latency_with_io.clone(),
            nodes,
            registrations_end: w.registrations_statistic(),
            bound_end: (0..w.ues.len() as u32).filter(|&u| w.bound_for(u, w.ues[u].site, now)).count() as u64,
            subscriber_bytes: subscriber_bytes as u64,
            counters: stats::Counters {
                timers_orphaned: w.chronos.orphaned(|n| up[n as usize]),
                ..w.stats.counters.clone()
            },
            outages,
            billing: w.ralf.as_ref().filter(|r| r.enabled()).map(|r| r.counts.clone()),
            ue_sites: w.ues.iter().map(|u| u.site).collect(),
            resizes: w.scaling.done.clone(),
            sipp: w.sipp.as_ref().map_or_else(Vec::new, |r| r.counts.clone()),
            request_rows: std::mem::take(&mut w.stats.request_rows),
            rows: std::mem::take(&mut w.stats.rows),
        }
    }
}
