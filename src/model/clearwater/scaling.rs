//! Elastic scaling (`kind = "scale"`): nodes join or leave a tier at run time, in the order
//! of the documented procedure [doc 8.41].
//!
//! - Scaling up a Sprout tier: the new nodes first join the site's memcached and Chronos
//!   clusters — every node's cluster settings list the old and the new membership, Astaire
//!   and Chronos resynchronise (resync.rs) — and only when they are done does the DNS
//!   record list the new nodes: with automatic clustering the node "has fully joined" once
//!   the cluster is stable, which the cluster manager declares after `astaire wait-sync`
//!   [src clearwater-etcd: synchronization_fsm.py]. Other tiers have no such clusters in
//!   this model: their DNS record changes at once.
//! - Every client notices the DNS change only when its cached answer expires. Bono then
//!   moves its upstream connections one recycle at a time (each lives U[0.8P, 1.2P),
//!   P = 600 s), which is why a new Sprout takes traffic only gradually.
//! - Scaling down: the DNS record changes first, then the leaving nodes quiesce. A leaving
//!   Sprout closes its connections (Bonos drop it at once and refill elsewhere) and leaves
//!   the clusters, which resynchronise the same way before it is turned down. A leaving
//!   Bono closes its untrusted port but keeps its clients' flows: it answers a REGISTER on
//!   a flow with no dialog with 305 (Use Proxy) [src sprout: bono.cpp], so each client
//!   moves to another Bono at its next registration rather than all at once.

use super::events::Ev;
use super::flows::Method;
use super::ids::NodeId;
use super::message::{Hop, Msg};
use super::node::Topology;
use super::txn::FailCause;
use super::world::{NodeSpec, World};
use crate::engine::EventQueue;
use crate::model::slab::Key;
use crate::scenario::Tier;

impl World {
    /// Brings the tier of `site` to `target` nodes (`astaire_cpu_limit`: percent of a node).
    pub fn scale(&mut self, q: &mut EventQueue<Ev>, site: u8, tier: Tier, target: u32, astaire_cpu_limit: u32) {
        if tier == Tier::Sprout && self.scaling.resizing(site).is_some() {
            // One resize at a time: this one starts when the one in progress has finished.
            self.scaling.pending[site as usize] = Some((target, astaire_cpu_limit));
            return;
        }
        let old: Vec<NodeId> = self.topo.nodes(site, tier).to_vec();
        let current = old.len() as u32;
        if target == current {
            return;
        }
        // A joining Sprout is in the clusters, not yet in the tier clients choose from.
        let joining: Vec<NodeId> = (current..target).map(|_| self.add_node(q, site, tier)).collect();
        for _ in target..current {
            self.retire_node(site, tier);
        }
        if tier != Tier::Sprout {
            self.topo.ids[site as usize][tier as usize].extend(&joining);
        }
        if tier != Tier::Sprout || joining.is_empty() {
            // No cluster to join first (or scaling down: DNS changes before the nodes go).
            let name = Topology::name(site, tier);
            self.dns.set_records(name, self.topo.nodes(site, tier).to_vec());
        }
        if tier == Tier::Sprout {
            let mut new_servers = self.topo.nodes(site, tier).to_vec();
            new_servers.extend(&joining);
            self.start_resize(q, site, old, new_servers, astaire_cpu_limit as f64 / 100.0);
        }
    }

    fn add_node(&mut self, q: &mut EventQueue<Ev>, site: u8, tier: Tier) -> NodeId {
        let now = q.now();
        let id = self.nodes.len() as NodeId;
        let index = self.created[site as usize][tier as usize];
        self.created[site as usize][tier as usize] += 1;
        let spec = NodeSpec { site, tier, index, cores: self.cores[site as usize][tier as usize] };
        let mut node = Self::make_node(&self.p, &self.rngs, self.topo.ids.len(), id, spec, now);
        node.window.busy_at_start = 0;
        self.nodes.push(node);
        self.chronos.add_node();
        // A fresh node resolves what it needs when it starts.
        for s in 0..self.topo.ids.len() as u8 {
            for t in Tier::ALL {
                let n = Topology::name(s, t);
                let answer = self.dns.query(n, None);
                self.nodes[id].resolver.complete(now, n, answer);
            }
        }
        if tier == Tier::Bono {
            let sprouts = self.nodes[id].resolver.peek(Topology::name(site, Tier::Sprout)).to_vec();
            let node = &mut self.nodes[id];
            if let Some(pool) = node.pool.as_mut() {
                pool.recycle(now, &sprouts, &mut node.rng);
            }
            q.schedule_in(super::params::POOL_RECYCLE_EVERY, Ev::PoolRecycle { node: id });
        }
        self.stats.counters.nodes_added += 1;
        id
    }

    /// The last node of the tier quiesces: out of DNS and of the tier's choices. A Sprout's
    /// connections close (Bonos refill elsewhere); a Bono keeps its clients' flows.
    fn retire_node(&mut self, site: u8, tier: Tier) {
        let Some(id) = self.topo.ids[site as usize][tier as usize].pop() else { return };
        self.nodes[id].retired = true;
        self.retired.push(id);
        self.stats.counters.nodes_removed += 1;
        if tier == Tier::Sprout {
            for b in 0..self.nodes.len() as NodeId {
                if let Some(pool) = self.nodes[b].pool.as_mut() {
                    pool.disconnect(id);
                }
            }
        }
    }

    /// Whether a quiescing Bono answers this request with 305: a REGISTER from one of its
    /// clients whose flow carries no dialog [src sprout: bono.cpp].
    pub(super) fn bono_refers_away(&self, bono: NodeId, m: &Msg) -> bool {
        if !self.nodes[bono].retired || m.method != Method::Register || m.hop != Hop::OriginBono || !m.is_request() {
            return false;
        }
        let ue = m.ue;
        let dialog = |c: &super::call_record::Call| {
            (c.caller == ue && c.route.origin_bono == bono) || (c.callee == ue && c.route.target_bono == bono)
        };
        !self.calls.iter().any(dialog)
    }

    /// The UE's REGISTER got a 305 from its quiescing Bono: the REGISTER failed, and the UE
    /// drops that flow and registers again at once, through another Bono of the DNS answer.
    pub(super) fn ue_use_proxy(&mut self, q: &mut EventQueue<Ev>, txn: Key) {
        let t = self.txns.remove(txn).expect("live transaction");
        self.stats.failed(t.req_type(), FailCause::Other, t.measured);
        let u = &mut self.ues[t.ue];
        u.registering = false;
        u.connected = false;
        u.flow_authenticated = false;
        self.start_register(q, t.ue);
    }
}
