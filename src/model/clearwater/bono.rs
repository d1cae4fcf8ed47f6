//! Bono's side of the Bono→Sprout connection pool: the once-a-second recycler, which
//! re-resolves the Sprout cluster name through Bono's resolver cache when it has
//! connections to replace.
//!
//! In a geographically redundant deployment Bono "prefers the Sprout node local to [it], but
//! will fail over to the one in the other site" [doc 8.46.4], set up with SRV priorities:
//! the local Sprouts are the first priority, the remote site's the second, and — as
//! Clearwater's resolvers do with priorities [src cpp-common: baseresolver.cpp] — Bono
//! connects to the second only while every first-priority target is blacklisted (or
//! retired). Connections to the remote site live out their lifetime; as they expire, new
//! picks go back to the local Sprouts once those are usable again.

use super::events::Ev;
use super::ids::NodeId;
use super::node::Topology;
use super::params::POOL_RECYCLE_EVERY;
use super::world::World;
use crate::engine::EventQueue;
use crate::network::blacklist::Standing;
use crate::network::dns::Lookup;
use crate::scenario::Tier;

impl World {
    pub fn pool_recycle(&mut self, q: &mut EventQueue<Ev>, node: NodeId) {
        let now = q.now();
        q.schedule_in(POOL_RECYCLE_EVERY, Ev::PoolRecycle { node });
        let n = &mut self.nodes[node];
        // A crashed Bono lost its connections and does nothing until it restarts.
        if !n.up || !n.pool.as_ref().is_some_and(|p| p.needs_recycle(now)) {
            return;
        }
        let name = Topology::name(n.site, Tier::Sprout);
        match n.resolver.lookup(now, name) {
            Lookup::Fresh(r) | Lookup::Stale(r) => {
                let records = r.to_vec();
                self.refill_pool(q, node, &records);
            }
            Lookup::Refresh(_) | Lookup::Miss => {
                let d = self.dns_round_trip(node);
                q.schedule_in(d, Ev::PoolDnsDone { node });
            }
        }
    }

    pub fn pool_dns_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId) {
        let now = q.now();
        let name = Topology::name(self.nodes[node].site, Tier::Sprout);
        let answer = self.dns.query(name, None);
        let records = self.nodes[node].resolver.complete(now, name, answer).to_vec();
        self.refill_pool(q, node, &records);
    }

    /// Replaces expired connections with random picks among non-blacklisted addresses. A
    /// connect to a Sprout that is down or cut off fails and blacklists it (a silent one
    /// would take the TCP connect timeout to fail; the slot is unusable either way).
    fn refill_pool(&mut self, q: &mut EventQueue<Ev>, node: NodeId, records: &[NodeId]) {
        let now = q.now();
        let usable = |w: &World, r: NodeId| {
            w.nodes[node].blacklist.standing(now, r) != Standing::Avoid && !w.retired.contains(&r)
        };
        let mut candidates: Vec<NodeId> = records.iter().copied().filter(|&r| usable(self, r)).collect();
        if candidates.is_empty() && self.gr() {
            // The SRV answer's second priority: the other site's Sprouts.
            let remote = Topology::name(1 - self.nodes[node].site, Tier::Sprout);
            let records = self.nodes[node].resolver.peek(remote).to_vec();
            candidates = records.into_iter().filter(|&r| usable(self, r)).collect();
        }
        let reachable: Vec<bool> =
            candidates.iter().map(|&c| self.path(Some(node), c, None) == super::reachability::Path::Open).collect();
        let mut failed = Vec::new();
        let n = &mut self.nodes[node];
        if let Some(pool) = n.pool.as_mut() {
            let mut connect = |t: NodeId| {
                let ok = candidates.iter().position(|&c| c == t).is_some_and(|k| reachable[k]);
                if !ok {
                    failed.push(t);
                }
                ok
            };
            pool.recycle_checked(now, &candidates, &mut n.rng, &mut connect);
        }
        for t in failed {
            self.bono_lost_sprout(now, node, t);
        }
        self.refresh_path(node, now);
    }
}
