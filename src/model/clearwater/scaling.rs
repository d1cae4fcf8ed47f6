//! Elastic scaling (`kind = "scale"`): nodes join or leave a tier at run time.
//!
//! - The DNS records change at once; every client notices only when its cached answer
//!   expires. Bono then moves its upstream connections one recycle at a time (each lives
//!   U[0.8P, 1.2P), P = 600 s), which is why a new Sprout takes traffic only gradually.
//! - Sprout nodes carry memcached and Chronos: when the set changes, rendezvous hashing
//!   moves some records and timers to other nodes. The stores resynchronise in the
//!   background — every node sends the records that now belong elsewhere, in pages of 100
//!   [src chronos: doc/design/resynchronization.md] — at a CPU cost on both ends.
//! - A node leaving is quiesced: it drops out of DNS and of every client's choices, Bonos
//!   close their connections to it, its subscribers (a Bono's) reconnect elsewhere, and
//!   what it had queued still completes.

use super::binding_store::{record_key, SALT_BINDINGS};
use super::events::Class;
use super::events::{Ev, Job, Side};
use super::ids::{NodeId, UeId, NO_NODE};
use super::node::{rendezvous, Topology};
use super::world::{NodeSpec, World};
use crate::engine::EventQueue;
use crate::scenario::Tier;

/// Records or timers sent per resynchronisation request.
pub const RESYNC_PAGE: u32 = 100;

impl World {
    /// Brings the tier of `site` to `target` nodes.
    pub fn scale(&mut self, q: &mut EventQueue<Ev>, site: u8, tier: Tier, target: u32) {
        let old: Vec<NodeId> = self.topo.nodes(site, tier).to_vec();
        let current = old.len() as u32;
        for _ in current..target {
            self.add_node(q, site, tier);
        }
        for _ in target..current {
            self.retire_node(q, site, tier);
        }
        let name = Topology::name(site, tier);
        self.dns.set_records(name, self.topo.nodes(site, tier).to_vec());
        if tier == Tier::Sprout {
            self.rehome(q, site, &old);
        }
    }

    fn add_node(&mut self, q: &mut EventQueue<Ev>, site: u8, tier: Tier) {
        let now = q.now();
        let id = self.nodes.len() as NodeId;
        let index = self.created[site as usize][tier as usize];
        self.created[site as usize][tier as usize] += 1;
        let spec = NodeSpec { site, tier, index, cores: self.cores[site as usize][tier as usize] };
        let mut node = Self::make_node(&self.p, &self.rngs, self.topo.ids.len(), id, spec, now);
        node.window.busy_at_start = 0;
        self.nodes.push(node);
        self.chronos.add_node();
        self.topo.ids[site as usize][tier as usize].push(id);
        // A fresh node resolves what it needs when it starts.
        for s in 0..self.topo.ids.len() as u8 {
            for t in Tier::ALL {
                let n = Topology::name(s, t);
                let answer = self.dns.query(n, None);
                self.nodes[id].resolver.complete(now, n, answer);
            }
        }
        if tier == Tier::Bono {
            let sprouts = self.topo.nodes(site, Tier::Sprout).to_vec();
            let node = &mut self.nodes[id];
            if let Some(pool) = node.pool.as_mut() {
                pool.recycle(now, &sprouts, &mut node.rng);
            }
            q.schedule_in(super::params::POOL_RECYCLE_EVERY, Ev::PoolRecycle { node: id });
        }
        self.stats.counters.nodes_added += 1;
    }

    fn retire_node(&mut self, q: &mut EventQueue<Ev>, site: u8, tier: Tier) {
        let Some(id) = self.topo.ids[site as usize][tier as usize].pop() else { return };
        self.nodes[id].retired = true;
        self.retired.push(id);
        self.stats.counters.nodes_removed += 1;
        match tier {
            Tier::Sprout => {
                for b in 0..self.nodes.len() as NodeId {
                    if let Some(pool) = self.nodes[b].pool.as_mut() {
                        pool.disconnect(id);
                    }
                }
            }
            Tier::Bono => {
                // Its subscribers' connections are closed: they register again elsewhere.
                for ue in 0..self.ues.len() as UeId {
                    if self.ues[ue].edge == id && self.ues[ue].connected {
                        let d = self.access_delay(id);
                        q.schedule_in(d, Ev::UeConnLost { ue });
                    }
                }
            }
            _ => {}
        }
    }

    /// memcached records and Chronos timers of `site` whose replicas changed move to their
    /// new nodes; the resynchronisation traffic is paced, page by page, per pair of nodes.
    fn rehome(&mut self, q: &mut EventQueue<Ev>, site: u8, old: &[NodeId]) {
        let now = q.now();
        let now_s = super::node::whole_seconds(now);
        // (sender, receiver) → (timers, records) to send.
        let mut traffic: std::collections::BTreeMap<(NodeId, NodeId), (u32, u32)> = Default::default();
        for ue in 0..self.ues.len() as UeId {
            // The bindings record in this site's store.
            let new = self.bindings_replicas(ue, site);
            let before = rendezvous(record_key(SALT_BINDINGS, ue), old);
            if new != before && self.store.holds_valid(ue, site, now_s) {
                let sender = before.into_iter().find(|&n| n != NO_NODE).unwrap_or(new[0]);
                for r in new.into_iter().filter(|&r| r != NO_NODE && !before.contains(&r)) {
                    traffic.entry((sender, r)).or_default().1 += 1;
                }
                let held = (new[0] != NO_NODE) as u8 | (((new[1] != NO_NODE) as u8) << 1);
                self.store.set_held(ue, site, held);
            }
            // The binding timer, if it lives in this site's Chronos cluster.
            let timer = self.chronos.replicas_of(ue);
            if let Some(before) = timer.filter(|r| old.contains(&r[0])) {
                let new = self.binding_timer_replicas(ue, site);
                if new != before {
                    let sender = before[0];
                    for r in new.into_iter().filter(|&r| r != NO_NODE && !before.contains(&r)) {
                        traffic.entry((sender, r)).or_default().0 += 1;
                    }
                    self.chronos.move_timer(ue, new);
                }
            }
        }
        for ((from, to), (timers, records)) in traffic {
            self.stats.counters.resync_timers += timers as u64;
            self.stats.counters.resync_records += records as u64;
            if timers > 0 {
                self.resync_page(q, from, Side::Resync { to, remaining: timers, timers: true });
            }
            if records > 0 {
                self.resync_page(q, from, Side::Resync { to, remaining: records, timers: false });
            }
        }
    }

    /// Queues the next page of a resynchronisation at its sender.
    fn resync_page(&mut self, q: &mut EventQueue<Ev>, from: NodeId, side: Side) {
        let Side::Resync { remaining, timers, .. } = side else { return };
        let page = remaining.min(RESYNC_PAGE) as f64;
        let per = if timers { self.p.costs.chronos_op.mean() } else { self.p.costs.memcached_op.mean() };
        self.submit(q, from, Job::Side(side), per.saturating_mul_f64(page), Class::New);
    }

    /// A page left its sender: the receiver stores it, and the sender goes on.
    pub fn resync_page_sent(&mut self, q: &mut EventQueue<Ev>, from: NodeId, to: NodeId, remaining: u32, timers: bool) {
        let page = remaining.min(RESYNC_PAGE);
        self.stats.counters.resync_pages += 1;
        let d = self.node_delay(from, to);
        q.schedule_in(d, Ev::SideArrive { node: to, side: Side::ResyncStore { count: page, timers } });
        if remaining > page {
            self.resync_page(q, from, Side::Resync { to, remaining: remaining - page, timers });
        }
    }
}
