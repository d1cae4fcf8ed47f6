//! A node of the deployment: its CPU (a multi-server FIFO service centre), its random
//! stream, its resolver cache, its connection pool (Bono) and its counters.

use super::events::Job;
use super::ids::{NodeId, NO_NODE};
use crate::engine::{Rng, SimTime};
use crate::model::service_centre::ServiceCentre;
use crate::network::blacklist::Blacklist;
use crate::network::dns::{Name, ResolverCache};
use crate::network::pool::ConnPool;
use crate::scenario::Tier;

/// Counters of the current sample interval (reset at every sample).
#[derive(Clone, Debug, Default)]
pub struct Window {
    /// New requests received (SIP requests at Bono/Sprout, HTTP requests at Homestead/Homer).
    pub requests: u64,
    pub rejected: u64,
    /// LoadMonitor-style latency (queue wait + timed CPU) of completed messages.
    pub latency_sum_ns: u128,
    pub latency_n: u64,
    /// The CPU's busy-server integral when the interval started.
    pub busy_at_start: u128,
    /// Busy time of this interval from before a statistics reset (end of warm-up).
    pub busy_carry: u128,
}

pub struct Node {
    pub site: u8,
    pub tier: Tier,
    /// Index within its tier and site (bono-0, sprout-1, …).
    pub index: u16,
    pub cores: u32,
    pub cpu: ServiceCentre<Job>,
    pub rng: Rng,
    pub up: bool,
    /// Scaled in: out of DNS and of every client's choices, finishing what it has.
    pub retired: bool,
    /// When down: black-holed (silent) rather than refusing connections (loud).
    pub silent: bool,
    /// What Route 53-style health checks currently say about the node.
    pub dns_healthy: bool,
    pub resolver: ResolverCache,
    /// Bono only: upstream connections to Sprout.
    pub pool: Option<ConnPool>,
    pub blacklist: Blacklist,
    /// Overload control, on the tiers `[throttling]` names.
    pub throttle: Option<crate::model::load_monitor::LoadMonitor>,
    /// The throttle's totals at the previous sample (to report per interval).
    pub throttle_at_sample: crate::model::load_monitor::Totals,
    /// Sprout nodes: the LoadMonitor of the Chronos beside it, and its totals at the
    /// previous sample.
    pub chronos_throttle: Option<crate::model::load_monitor::LoadMonitor>,
    pub chronos_at_sample: crate::model::load_monitor::Totals,
    pub window: Window,
    /// Sprout's PJSIP transport thread (unused on other tiers).
    pub rx: super::transport_thread::TransportThread,
    /// Sprout's SIP worker threads (unused on other tiers).
    pub workers: super::worker_pool::WorkerPool,
}

impl Node {
    pub fn label(&self) -> String {
        format!("{}-{}", self.tier.name(), self.index)
    }

    /// Records a completed message's LoadMonitor latency.
    #[inline]
    pub fn record_latency(&mut self, ns: u64) {
        self.window.latency_sum_ns += ns as u128;
        self.window.latency_n += 1;
    }
}

/// Where every node is: ids per site and tier, and the DNS name of each cluster.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// `ids[site][tier]`: the node ids of that tier in that site, in index order.
    pub ids: Vec<[Vec<NodeId>; 5]>,
}

impl Topology {
    pub fn nodes(&self, site: u8, tier: Tier) -> &[NodeId] {
        &self.ids[site as usize][tier as usize]
    }

    pub fn names(&self) -> usize {
        self.ids.len() * Tier::ALL.len()
    }

    /// The cluster name of a tier in a site ("sprout.site1" …).
    pub fn name(site: u8, tier: Tier) -> Name {
        Name(site * Tier::ALL.len() as u8 + tier as u8)
    }
}

/// Rendezvous (highest-random-weight) hashing: the `k ≤ 2` candidates with the highest
/// hash of (key, node). Chronos places timer replicas this way
/// [src chronos: doc/design/hashing.md]; memcached replicas are placed the same way here.
pub fn rendezvous(key: u64, candidates: &[NodeId]) -> [NodeId; 2] {
    let weight = |n: NodeId| {
        let mut s = key ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        crate::engine::rng::splitmix64(&mut s)
    };
    // The first two candidates seed the pair (best first; a tie keeps the earlier one), so
    // the loop over the rest — 89 Sprouts at 10 million subscribers — makes one
    // comparison per candidate that is almost never true.
    let (first, rest) = match candidates {
        [] => return [NO_NODE; 2],
        [only] => return [*only, NO_NODE],
        [a, b, rest @ ..] => {
            let (wa, wb) = (weight(*a), weight(*b));
            (if wb > wa { [(wb, *b), (wa, *a)] } else { [(wa, *a), (wb, *b)] }, rest)
        }
    };
    let mut best = first;
    for &n in rest {
        let w = weight(n);
        if w > best[1].0 {
            if w > best[0].0 {
                best[1] = best[0];
                best[0] = (w, n);
            } else {
                best[1] = (w, n);
            }
        }
    }
    [best[0].1, best[1].1]
}

/// Whole seconds of simulated time (Sprout keeps registration expiries in seconds).
pub fn whole_seconds(t: SimTime) -> u32 {
    (t.as_ns() / crate::engine::time::NS_PER_S) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendezvous_is_stable_and_minimally_disruptive() {
        let nodes = [1, 2, 3];
        let mut moved = 0;
        for key in 0..1000u64 {
            let r = rendezvous(key, &nodes);
            assert_ne!(r[0], r[1]);
            // Adding a node only moves keys onto the new node.
            let r4 = rendezvous(key, &[1, 2, 3, 4]);
            if r4[0] != r[0] {
                assert_eq!(r4[0], 4);
                moved += 1;
            }
        }
        // About a quarter of primaries move to the new node (binomial, n = 1000, p = 1/4:
        // 250 ± 3σ = ±41).
        assert!((209..=291).contains(&moved), "{moved}");
        assert_eq!(rendezvous(5, &[7]), [7, super::NO_NODE]);
        assert_eq!(rendezvous(5, &[]), [super::NO_NODE; 2]);
    }

    /// The definition: the highest weight first, ties to the earlier candidate.
    fn reference(key: u64, candidates: &[NodeId]) -> [NodeId; 2] {
        let weight = |n: NodeId| {
            let mut s = key ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            crate::engine::rng::splitmix64(&mut s)
        };
        let mut best = [(0u64, NO_NODE); 2];
        for &n in candidates {
            let w = weight(n);
            if w > best[0].0 || best[0].1 == NO_NODE {
                best[1] = best[0];
                best[0] = (w, n);
            } else if w > best[1].0 || best[1].1 == NO_NODE {
                best[1] = (w, n);
            }
        }
        [best[0].1, best[1].1]
    }

    #[test]
    fn rendezvous_agrees_with_its_definition() {
        let lists: [Vec<NodeId>; 4] = [vec![4], vec![9, 2], (0..10).collect(), (100..189).rev().collect()];
        for key in 0..20_000u64 {
            for list in &lists {
                let key = key.wrapping_mul(0xff51_afd7_ed55_8ccd);
                assert_eq!(rendezvous(key, list), reference(key, list), "key {key}, {} candidates", list.len());
            }
        }
        // Equal weights (the same node twice): the earlier one ranks first.
        assert_eq!(rendezvous(1, &[3, 3]), reference(1, &[3, 3]));
    }
}
