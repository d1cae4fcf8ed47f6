//! Where the outage conditions are watched (outage.rs holds the state): whether each Bono
//! has a working path to a Sprout, re-evaluated whenever its pool or the nodes and network
//! around it change; and whether each subscriber's binding is still valid, checked when it
//! is due to lapse. Only from the first fault on.

use super::events::Ev;
use super::ids::{NodeId, UeId};
use super::outage::OutageCause;
use super::reachability::Path;
use super::world::World;
use crate::engine::{EventQueue, SimTime};
use crate::network::ports;
use crate::scenario::Tier;

impl World {
    /// The first fault: outages count from now on. Every Bono's path and every
    /// subscriber's binding is looked at once, then watched.
    pub(super) fn start_outage_tracking(&mut self, q: &mut EventQueue<Ev>) {
        if self.outages.tracking() {
            return;
        }
        self.outages.start_tracking(self.ues.len(), self.nodes.len());
        let now = q.now();
        for ue in 0..self.ues.len() as UeId {
            if self.bound_for(ue, self.ues[ue].site, now) {
                self.schedule_binding_check(q, ue);
            } else {
                self.outages.begin(ue, now, OutageCause::BindingExpired);
            }
        }
        self.refresh_paths(now);
    }

    /// Re-evaluates every Bono's path (after a fault starts or ends).
    pub(super) fn refresh_paths(&mut self, now: SimTime) {
        if !self.outages.tracking() {
            return;
        }
        for node in 0..self.nodes.len() as NodeId {
            if self.nodes[node].tier == Tier::Bono {
                self.refresh_path(node, now);
            }
        }
    }

    /// Re-evaluates Bono `bono`'s path; when it changes, so does the service of every
    /// subscriber connected through it.
    pub(super) fn refresh_path(&mut self, bono: NodeId, now: SimTime) {
        if !self.outages.tracking() {
            return;
        }
        let ok = self.bono_has_path(bono);
        if !self.outages.set_path_ok(bono, ok) {
            return;
        }
        for ue in 0..self.ues.len() as UeId {
            if self.ues[ue].edge == bono {
                if ok {
                    self.outages.restore(ue, now, OutageCause::NoSproutPath);
                } else {
                    self.outages.begin(ue, now, OutageCause::NoSproutPath);
                }
            }
        }
    }

    /// A Bono has a working path when it is up and holds a connection to a live Sprout
    /// that calls can reach (a silently dead Sprout's connections do not count, though the
    /// Bono has not noticed yet).
    fn bono_has_path(&self, bono: NodeId) -> bool {
        let n = &self.nodes[bono];
        let Some(pool) = n.pool.as_ref() else { return true };
        n.up && pool
            .targets()
            .any(|t| self.nodes[t].up && self.path(Some(bono), t, Some(&ports::BONO_TO_SCSCF)) == Path::Open)
    }

    /// Schedules a check of `ue`'s binding for when it is due to lapse (if it is valid).
    pub(super) fn schedule_binding_check(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        if !self.outages.tracking() {
            return;
        }
        let until = self.binding_valid_until(ue);
        if until > q.now() {
            let gen = self.outages.next_check(ue);
            q.schedule_at(until, Ev::BindingCheck { ue, gen });
        }
    }

    /// A binding was due to lapse: unless a registration renewed it, the subscriber can no
    /// longer be reached.
    pub fn binding_check(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32) {
        if !self.outages.check_is_current(ue, gen) {
            return;
        }
        let now = q.now();
        if self.bound_for(ue, self.ues[ue].site, now) {
            // Renewed by a registration whose answer the UE never saw.
            self.schedule_binding_check(q, ue);
        } else {
            self.outages.begin(ue, now, OutageCause::BindingExpired);
        }
    }

    /// When `ue`'s binding stops being valid in every store that holds it.
    fn binding_valid_until(&self, ue: UeId) -> SimTime {
        let sites = self.topo.ids.len() as u8;
        let expires_s = (0..sites).filter(|&s| self.store.holds(ue, s)).map(|s| self.store.expires_s(ue, s)).max();
        SimTime::ZERO + crate::engine::SimDuration::from_secs(expires_s.unwrap_or(0) as u64)
    }
}
