//! Resizing a site's memcached and Chronos clusters: the resize window (memcached's replica
//! sets of both memberships), Astaire streaming records under its CPU limit, Chronos
//! pulling timers page by page, and the end of the resize. cluster.rs holds the state and
//! cites the sources.
//!
//! Costs (the documentation gives none): a record costs Astaire one `memcached_op` of CPU
//! (the astaire-throttle script assumes memcached's CPU "is similar" to Astaire's), and the
//! source's memcached and the receiver's memcached one `memcached_op` each. A timer costs
//! one `chronos_op` where a page is prepared and one where it is processed, as does each
//! replication or tombstone it causes; each page's DELETE costs one `chronos_op` at every
//! other node. Mean costs, so the resynchronisation draws no random numbers.

use super::binding_store::{record_key, SALT_BINDINGS, SALT_TIMER_BINDING};
use super::cluster::{position, remap, resize_set, Astaire, ChronosResync, Resize, ResizeRecord, RESYNC_PAGE};
use super::events::{Class, Ev, Job, ResyncStep, Side};
use super::ids::{NodeId, UeId, NO_NODE};
use super::node::{rendezvous, whole_seconds, Topology};
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::scenario::Tier;

impl World {
    /// memcached's replica set of a record of `site`'s store: its two replicas, or during a
    /// resize the set of both memberships. Returns the set and its length.
    pub fn mc_set(&self, key: u64, site: u8) -> ([NodeId; 4], usize) {
        match self.scaling.resizing(site) {
            Some(r) => resize_set(rendezvous(key, &r.servers), rendezvous(key, &r.new_servers)),
            None => {
                let stable = self.replicas.get(site, key, self.topo.nodes(site, Tier::Sprout));
                let len = stable.iter().filter(|&&n| n != NO_NODE).count();
                ([stable[0], stable[1], NO_NODE, NO_NODE], len)
            }
        }
    }

    /// The bindings record's replica set (see `mc_set`).
    pub fn bindings_set(&self, ue: UeId, site: u8) -> ([NodeId; 4], usize) {
        self.mc_set(record_key(SALT_BINDINGS, ue), site)
    }

    /// Starts resizing `site`'s clusters from `servers` to `new_servers`: the records move
    /// into the resize view, and every node of the new membership starts Astaire and
    /// Chronos's resynchronisation. Joining nodes (scale-up) enter the tier, and its DNS
    /// record, when it ends.
    pub(super) fn start_resize(
        &mut self,
        q: &mut EventQueue<Ev>,
        site: u8,
        servers: Vec<NodeId>,
        new_servers: Vec<NodeId>,
        cpu_limit: f64,
    ) {
        let now = q.now();
        let now_s = whole_seconds(now);
        let dns_after = new_servers.len() > servers.len();
        let mut r = Resize { servers, new_servers, cpu_limit, dns_after, started: now, ..Default::default() };
        let all = r.all_nodes();
        // memcached: positions of the old replicas become positions of the resize set;
        // Astaire on each new replica streams the record from each old replica in turn.
        let mut rounds: Vec<[Vec<(UeId, NodeId)>; 2]> = vec![Default::default(); r.new_servers.len()];
        for ue in 0..self.ues.len() as UeId {
            if !self.store.holds(ue, site) {
                continue;
            }
            let key = record_key(SALT_BINDINGS, ue);
            let (cur, new) = (rendezvous(key, &r.servers), rendezvous(key, &r.new_servers));
            let (set, len) = resize_set(cur, new);
            self.store.set_held(ue, site, remap(self.store.held(ue, site), &cur, &set[..len]));
            if !self.store.holds_valid(ue, site, now_s) {
                continue;
            }
            for n in new.into_iter().filter(|&n| n != NO_NODE && !cur.contains(&n)) {
                let i = position(&r.new_servers, n).expect("a new replica is a new server");
                for (round, &c) in cur.iter().enumerate().filter(|(_, &c)| c != NO_NODE) {
                    rounds[i][round].push((ue, c));
                }
            }
        }
        for (i, [first, second]) in rounds.into_iter().enumerate() {
            let mut work = first;
            work.extend(second);
            r.astaire.push(Astaire { node: r.new_servers[i], work, ..Default::default() });
        }
        // Chronos: each new node asks every other node for the timers it will hold.
        for (i, &node) in r.new_servers.iter().enumerate() {
            // Chronos shuffles the list so that the nodes do not all ask the same one first;
            // here each starts after itself in the membership.
            let k = position(&all, node).unwrap_or(i);
            let servers: Vec<NodeId> = (1..all.len()).map(|j| all[(k + j) % all.len()]).collect();
            let lists = vec![Vec::new(); servers.len()];
            r.chronos.push(ChronosResync { node, servers, lists, ..Default::default() });
        }
        for ue in 0..self.ues.len() as UeId {
            let t = *self.chronos.get(ue);
            if !t.set || !all.contains(&t.replicas[0]) {
                continue;
            }
            let new = rendezvous(record_key(SALT_TIMER_BINDING, ue), &r.new_servers);
            if new == t.replicas {
                continue;
            }
            for c in r.chronos.iter_mut().filter(|c| new.contains(&c.node)) {
                for (which, &holder) in t.replicas.iter().enumerate() {
                    if t.held[which] && holder != c.node {
                        if let Some(s) = position(&c.servers, holder) {
                            c.lists[s].push(ue);
                        }
                    }
                }
            }
        }
        let (astaire, chronos): (Vec<NodeId>, Vec<NodeId>) =
            (r.astaire.iter().map(|a| a.node).collect(), r.chronos.iter().map(|c| c.node).collect());
        *self.scaling.slot(site) = Some(r);
        for node in astaire {
            q.schedule_in(SimDuration::ZERO, Ev::Resync { node, step: ResyncStep::AstaireNext });
        }
        for node in chronos {
            self.chronos_ask(q, node, SimDuration::ZERO);
        }
    }

    fn resize_of(&mut self, node: NodeId) -> Option<&mut Resize> {
        let site = self.nodes[node].site as usize;
        self.scaling.resize.get_mut(site).and_then(|r| r.as_mut())
    }

    /// Submits background work nobody waits for (lost if the node is down).
    fn resync_work(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side, demand: SimDuration) {
        if self.nodes[node].up {
            self.submit(q, node, Job::Side(side), demand, Class::New);
        }
    }

    pub fn resync_event(&mut self, q: &mut EventQueue<Ev>, node: NodeId, step: ResyncStep) {
        match step {
            ResyncStep::AstaireNext => self.astaire_next(q, node),
            ResyncStep::ChronosGet { server } => self.chronos_get(q, node, server),
            ResyncStep::ChronosPage { server } => {
                let count = self.resize_of(node).and_then(|r| r.chronos.iter().find(|c| c.node == node));
                let count = count.map_or(0, |c| c.page.len());
                let demand = self.p.costs.chronos_op.mean().saturating_mul_f64(count.max(1) as f64);
                self.resync_work(q, node, Side::ChronosTake { server }, demand);
            }
        }
    }

    /// Astaire on `node` starts its next chunk: records from one source, at most a page.
    fn astaire_next(&mut self, q: &mut EventQueue<Ev>, node: NodeId) {
        let now = q.now();
        let Some(r) = self.resize_of(node) else { return };
        let Some(a) = r.astaire.iter_mut().find(|a| a.node == node) else { return };
        if a.next >= a.work.len() {
            a.done = true;
            return self.resize_progress(q, node);
        }
        let source = a.work[a.next].1;
        let mut end = a.next;
        while end < a.work.len() && end - a.next < RESYNC_PAGE && a.work[end].1 == source {
            end += 1;
        }
        let count = end - a.next;
        a.chunk_end = end;
        a.chunk_started = now;
        self.stats.counters.resync_pages += 1;
        let work = self.p.costs.memcached_op.mean().saturating_mul_f64(count as f64);
        // The source's memcached serves the TAP stream; Astaire receives it.
        self.resync_work(q, source, Side::ResyncStore { count: count as u32, timers: false }, work);
        if self.nodes[node].up {
            self.submit(q, node, Job::Side(Side::Astaire { records: count as u32 }), work, Class::New);
        }
    }

    /// Astaire's chunk is through: the records are in the local memcached, and the next
    /// chunk waits until Astaire's CPU limit allows it.
    pub(super) fn astaire_chunk_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId) {
        let now = q.now();
        let now_s = whole_seconds(now);
        let site = self.nodes[node].site;
        let cores = self.nodes[node].cores as f64;
        let Some(r) = self.resize_of(node) else { return };
        let limit = r.cpu_limit;
        let Some(a) = r.astaire.iter().find(|a| a.node == node) else { return };
        let (from, to, started) = (a.next, a.chunk_end, a.chunk_started);
        let chunk: Vec<(UeId, NodeId)> = a.work[from..to].to_vec();
        let mut copied = 0u32;
        for (ue, source) in chunk {
            let (set, len) = self.bindings_set(ue, site);
            let (Some(s), Some(d)) = (position(&set[..len], source), position(&set[..len], node)) else { continue };
            if self.store.replica_finds(ue, site, s as u8, now_s) {
                self.store.set_held(ue, site, self.store.held(ue, site) | 1 << d);
                copied += 1;
            }
        }
        self.stats.counters.resync_records += copied as u64;
        let count = (to - from) as f64;
        let work = self.p.costs.memcached_op.mean().saturating_mul_f64(count);
        self.resync_work(q, node, Side::ResyncStore { count: copied, timers: false }, work);
        if let Some(a) = self.resize_of(node).and_then(|r| r.astaire.iter_mut().find(|a| a.node == node)) {
            a.next = to;
        }
        // cpulimit holds Astaire to `limit` of the node's cores on average.
        let pace = SimDuration::from_secs_f64(work.as_secs_f64() / (limit * cores));
        let at = (started + pace).max(now);
        q.schedule_at(at, Ev::Resync { node, step: ResyncStep::AstaireNext });
    }

    /// Chronos on `node` sends its next GET, `after` from now, or is done.
    fn chronos_ask(&mut self, q: &mut EventQueue<Ev>, node: NodeId, after: SimDuration) {
        let Some(r) = self.resize_of(node) else { return };
        let Some(c) = r.chronos.iter_mut().find(|c| c.node == node) else { return };
        let Some(&server) = c.servers.get(c.server) else {
            c.done = true;
            return self.resize_progress(q, node);
        };
        let d = after + self.node_delay(node, server);
        q.schedule_in(d, Ev::Resync { node, step: ResyncStep::ChronosGet { server } });
    }

    /// A GET reaches `server`: it gathers up to a page of the timers `node` will hold that
    /// have not moved yet.
    fn chronos_get(&mut self, q: &mut EventQueue<Ev>, node: NodeId, server: NodeId) {
        let chronos = &self.chronos;
        let Some(r) = self.scaling.resize.get_mut(self.nodes[node].site as usize).and_then(|r| r.as_mut()) else {
            return;
        };
        let new_servers = r.new_servers.clone();
        let Some(c) = r.chronos.iter_mut().find(|c| c.node == node) else { return };
        let list = &c.lists[c.server];
        c.page.clear();
        while c.pos < list.len() && c.page.len() < RESYNC_PAGE {
            let ue = list[c.pos];
            c.pos += 1;
            let t = chronos.get(ue);
            let new = rendezvous(record_key(SALT_TIMER_BINDING, ue), &new_servers);
            let holds = (0..2).any(|w| t.held[w] && t.replicas[w] == server);
            if t.set && t.replicas != new && holds {
                c.page.push(ue);
            }
        }
        let count = c.page.len();
        self.stats.counters.resync_pages += 1;
        let demand = self.p.costs.chronos_op.mean().saturating_mul_f64(count.max(1) as f64);
        if self.nodes[server].up {
            self.submit(q, server, Job::Side(Side::ChronosServe { requester: node }), demand, Class::New);
        } else {
            // No answer: Chronos gives up on that node and asks the next.
            if let Some(c) = self.resize_of(node).and_then(|r| r.chronos.iter_mut().find(|c| c.node == node)) {
                c.page.clear();
                c.server += 1;
                c.pos = 0;
            }
            self.chronos_ask(q, node, SimDuration::ZERO);
        }
    }

    /// The server's page is ready: the response travels back.
    pub(super) fn chronos_page_ready(&mut self, q: &mut EventQueue<Ev>, server: NodeId, node: NodeId) {
        let d = self.node_delay(server, node);
        q.schedule_in(d, Ev::Resync { node, step: ResyncStep::ChronosPage { server } });
    }

    /// `node` processed a page: the timers move to their new replicas (it replicates them
    /// to the replicas after it and tombstones the old ones), it sends a DELETE to every
    /// other node, one after another, and then asks for the next page.
    pub(super) fn chronos_page_taken(&mut self, q: &mut EventQueue<Ev>, node: NodeId, _server: NodeId) {
        let Some(r) = self.resize_of(node) else { return };
        let (new_servers, all) = (r.new_servers.clone(), r.all_nodes());
        let Some(c) = r.chronos.iter_mut().find(|c| c.node == node) else { return };
        let page = std::mem::take(&mut c.page);
        if c.pos >= c.lists[c.server].len() {
            c.server += 1;
            c.pos = 0;
        }
        let mut sends = vec![0u32; self.nodes.len()];
        let mut moved = 0u64;
        for &ue in &page {
            let t = *self.chronos.get(ue);
            let new = rendezvous(record_key(SALT_TIMER_BINDING, ue), &new_servers);
            let Some(level) = position(&new, node) else { continue };
            if !t.set || t.replicas == new {
                continue; // updated or popped meanwhile
            }
            let old = t.replicas;
            for &n in new.iter().skip(level + 1).filter(|&&n| n != NO_NODE) {
                if position(&old, n).is_none_or(|l| l >= level) {
                    sends[n as usize] += 1;
                }
            }
            for &o in old.iter().skip(level).filter(|&&o| o != NO_NODE && !new.contains(&o)) {
                sends[o as usize] += 1;
            }
            self.chronos.move_timer(ue, new);
            moved += 1;
        }
        self.stats.counters.resync_timers += moved;
        let op = self.p.costs.chronos_op.mean();
        let mut wait = SimDuration::ZERO;
        for n in all.into_iter().filter(|&n| n != node) {
            let count = sends[n as usize] + 1;
            self.resync_work(q, n, Side::ResyncStore { count, timers: true }, op.saturating_mul_f64(count as f64));
            wait = wait + self.node_delay(node, n) + self.node_delay(n, node);
        }
        self.chronos_ask(q, node, wait);
    }

    /// A node finished its part; once every node has, the resize ends: memcached drops the
    /// old membership and, on a scale-up, the DNS record now lists the new nodes.
    fn resize_progress(&mut self, q: &mut EventQueue<Ev>, node: NodeId) {
        let site = self.nodes[node].site;
        if !self.scaling.resizing(site).is_some_and(|r| r.finished()) {
            return;
        }
        let r = self.scaling.slot(site).take().expect("a resize in progress");
        for ue in 0..self.ues.len() as UeId {
            if self.store.holds(ue, site) {
                let key = record_key(SALT_BINDINGS, ue);
                let (cur, new) = (rendezvous(key, &r.servers), rendezvous(key, &r.new_servers));
                let (set, len) = resize_set(cur, new);
                self.store.set_held(ue, site, remap(self.store.held(ue, site), &set[..len], &new));
            }
        }
        if r.dns_after {
            self.topo.ids[site as usize][Tier::Sprout as usize] = r.new_servers.clone();
            self.dns.set_records(Topology::name(site, Tier::Sprout), r.new_servers.clone());
        }
        let (before, after) = (r.servers.len() as u32, r.new_servers.len() as u32);
        let record =
            ResizeRecord { site, nodes_before: before, nodes_after: after, started: r.started, resynced: q.now() };
        self.scaling.done.push(record);
        if let Some((target, limit)) = self.scaling.pending[site as usize].take() {
            self.scale(q, site, Tier::Sprout, target, limit);
            self.refresh_paths(q.now());
        }
    }
}
