//! memcached on the Sprout nodes: the registration store, where its records live, and what
//! each operation does [src cpp-common: memcachedstore.cpp].
//!
//! - Every record has up to two replicas among the site's Sprouts, placed by rendezvous
//!   hashing; a write goes to both (the worker waits for the first), a read tries the first
//!   and then the second. While the site's cluster is resized the set is larger (cluster.rs).
//! - Geographic redundancy: each site has its own store; Sprout repeats every bindings write
//!   in the remote store, and a read that finds nothing locally (or cannot reach the local
//!   store) reads the remote one [doc 8.46.1].
//! - The store keeps, per subscriber and site, the binding's expiry (whole seconds) and which
//!   replicas hold the record; a crash loses the copies on that node.

use super::binding_store::{record_key, SALT_AV, SALT_BINDINGS};
use super::events::{Ev, Side};
use super::flows::{McKey, McOp, Step};
use super::ids::{NodeId, UeId};
use super::node::whole_seconds;
use super::outage::OutageCause;
use super::world::World;
use crate::engine::{EventQueue, SimTime};
use crate::model::slab::Key;
use crate::network::ports;

impl World {
    /// Whether Sprouts of `site` would find valid bindings (locally, else in GR remotely).
    pub fn bound_for(&self, ue: UeId, site: u8, now: SimTime) -> bool {
        self.store.bound_in(ue, site, now) || (self.gr() && self.store.bound_in(ue, 1 - site, now))
    }

    /// The replica a memcached operation goes to (`None`: no further replica to try). A
    /// write's copies to the other replicas of its set leave at once.
    pub(super) fn memcached_target(
        &mut self,
        q: &mut EventQueue<Ev>,
        key: Key,
        op: McOp,
        record: McKey,
    ) -> Option<NodeId> {
        let m = self.msgs.get(key).expect("live message");
        let (sprout, attempt, site) = (m.sprout(), m.attempt as usize, m.op_site);
        let owner = if record == McKey::CalleeBindings { m.peer } else { m.ue };
        let salt = if record == McKey::Av { SALT_AV } else { SALT_BINDINGS };
        let (set, len) = self.mc_set(record_key(salt, owner), site);
        if attempt >= len {
            return None;
        }
        if op.is_write() && attempt == 0 {
            // memcached writes go to every replica of the set; the worker waits for the first.
            let bindings = record != McKey::Av;
            for &r in &set[1..len] {
                let side = Side::McReplicaWrite { ue: owner, site, bindings, delete: op == McOp::Delete };
                self.send_side(q, sprout, r, &ports::MEMCACHED, side);
            }
        }
        Some(set[attempt])
    }

    /// During a resize a read that finds nothing goes on to the next replica of the set
    /// [src cpp-common: memcachedstore.cpp].
    pub(super) fn memcached_more_replicas(&self, key: Key) -> bool {
        let m = self.msgs.get(key).expect("live message");
        if self.scaling.resizing(m.op_site).is_none() {
            return false;
        }
        let owner = if matches!(m.current_step(), Step::Mc(_, McKey::CalleeBindings)) { m.peer } else { m.ue };
        let salt = if matches!(m.current_step(), Step::Mc(_, McKey::Av)) { SALT_AV } else { SALT_BINDINGS };
        (m.attempt as usize) < self.mc_set(record_key(salt, owner), m.op_site).1
    }

    /// A replica served the operation: apply it to the store. `false`: the worker was sent
    /// elsewhere instead of getting this answer (a GR read moving to the remote store).
    pub(super) fn memcached_served(&mut self, q: &mut EventQueue<Ev>, key: Key, op: McOp, record: McKey) -> bool {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, ue, peer, attempt, site) = (m.sprout(), m.ue, m.peer, m.attempt, m.op_site);
        let expiry_task = m.program.is_binding_expiry();
        // The position in the replica set of the replica that served it.
        let replica = attempt.saturating_sub(1);
        let now_s = whole_seconds(now);
        let granted = self.granted_expires_s(ue);
        match (op, record) {
            (McOp::Get, McKey::CalleeBindings | McKey::Bindings) => {
                let owner = if record == McKey::CalleeBindings { peer } else { ue };
                let found = self.store.replica_finds(owner, site, replica, now_s);
                if !found && self.memcached_more_replicas(key) {
                    self.op_start(q, key, Step::Mc(op, record));
                    return false;
                }
                let home = self.nodes[sprout].site;
                if !found && self.gr() && site == home {
                    // GR: not in the local store, so read the remote site's.
                    let m = self.msgs.get_mut(key).expect("live");
                    m.op_site = 1 - home;
                    m.attempt = 0;
                    self.op_start(q, key, Step::Mc(op, record));
                    return false;
                }
                if record == McKey::CalleeBindings {
                    self.msgs.get_mut(key).expect("live").found = found;
                }
            }
            (McOp::Add | McOp::Cas, McKey::Bindings | McKey::RemoteBindings) if !expiry_task => {
                self.store.write(ue, site, replica, now_s + granted);
            }
            (McOp::Cas, McKey::Bindings | McKey::RemoteBindings) => {
                // The timer-pop task writes back the AoR without expired bindings.
                let expired = self.store.remove_expired(ue, site, now_s);
                if expired && record == McKey::Bindings {
                    self.stats.counters.bindings_expired += 1;
                    self.outages.begin(ue, now, OutageCause::BindingExpired);
                }
            }
            (McOp::Delete, McKey::Bindings | McKey::RemoteBindings) => {
                self.store.delete(ue, site, replica);
            }
            _ => {}
        }
        true
    }

    /// Both replicas failed the operation (or there was none).
    pub(super) fn memcached_failed(&mut self, q: &mut EventQueue<Ev>, key: Key, op: McOp, record: McKey) {
        let gr = self.gr();
        let m = self.msgs.get_mut(key).expect("live");
        let home = self.nodes[m.sprout()].site;
        match (op, record) {
            // Local store unreachable: GR reads go to the remote store.
            (McOp::Get, McKey::Bindings | McKey::CalleeBindings) if gr && m.op_site == home => {
                m.op_site = 1 - home;
                m.attempt = 0;
                self.op_start(q, key, Step::Mc(op, record))
            }
            (McOp::Get, _) => {
                m.found = false;
                self.sprout_resume(q, key)
            }
            // A failed write to the remote site's store does not fail the request.
            (_, McKey::RemoteBindings) => self.sprout_resume(q, key),
            _ => self.sprout_abort(q, key, 500),
        }
    }

    /// A copy of a write arrived at `node`, another replica of the record, and was applied.
    pub(super) fn memcached_replica_written(&mut self, node: NodeId, ue: UeId, site: u8, bindings: bool, delete: bool) {
        self.stats.counters.mc_replica_writes += 1;
        if bindings {
            // Whichever replica's write lands first, each records its own copy.
            let (set, len) = self.bindings_set(ue, site);
            if let Some(pos) = set[..len].iter().position(|&n| n == node) {
                self.store.replica_written(ue, site, pos, delete);
            }
        }
    }

    /// A Sprout node crashed: its memcached copies are gone.
    pub(super) fn memcached_lost_node(&mut self, node: NodeId, site: u8, now: SimTime) {
        for ue in 0..self.ues.len() as UeId {
            let (set, len) = self.bindings_set(ue, site);
            let mut lost = false;
            for (r, &n) in set[..len].iter().enumerate() {
                if n == node {
                    self.store.lose_copy(ue, site, r);
                    lost = true;
                }
            }
            // The last copy gone: the subscriber cannot be reached until it registers.
            if lost && !self.bound_for(ue, self.ues[ue].site, now) {
                self.outages.begin(ue, now, OutageCause::BindingExpired);
            }
        }
    }
}
