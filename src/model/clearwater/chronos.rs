//! Chronos on the Sprout nodes: the timers Sprout sets (the 30 s challenge timer, the
//! binding timer due at binding expiry), where they live and how they fire.
//!
//! - Sprout talks to the Chronos on its own node, which stores the timer on its two
//!   replicas (rendezvous hashing of the timer id over the site's Sprouts
//!   [src chronos: doc/design/hashing.md]) and replicates the operation to the replicas
//!   other than itself over TCP/7253; a replica the replication misses (blocked port, crash,
//!   its LoadMonitor's 503) will not fire.
//! - The primary fires at the due time; the backup 2 s later only if it did not hear that
//!   the primary fired [src chronos: timer.cpp]. A pop is an HTTP callback into the Sprout
//!   on the same node, which runs the binding-expiry task.

use super::binding_store::{record_key, SALT_TIMER_BINDING};
use super::challenge_timer::CHALLENGE_TIMER;
use super::events::Class;
use super::events::{Ev, Job, Side};
use super::flows::{ChronosOp, Step, TimerKind};
use super::ids::{NodeId, UeId, NO_NODE};
use super::node::whole_seconds;
use super::params::CHRONOS_BACKUP_DELAY;
use super::program::Program;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::network::ports;

impl World {
    /// Where a subscriber's binding timer lives: two Sprouts of its site, by rendezvous
    /// hashing of the timer id.
    pub fn binding_timer_replicas(&self, ue: UeId, site: u8) -> [NodeId; 2] {
        self.replicas.get(site, record_key(SALT_TIMER_BINDING, ue), self.sprouts_of(site))
    }

    /// Chronos on `node` (the worker's own node) handles a timer operation.
    pub(super) fn chronos_apply(
        &mut self,
        q: &mut EventQueue<Ev>,
        node: NodeId,
        ue: UeId,
        op: ChronosOp,
        timer: TimerKind,
    ) {
        let now = q.now();
        let site = self.nodes[node].site;
        match (timer, op) {
            (TimerKind::Challenge, _) => {
                let replicas = self.challenge_replicas(ue, site);
                for (which, r) in replicas.into_iter().enumerate().filter(|(_, r)| *r != NO_NODE) {
                    if r != node {
                        let side = Side::ChronosReplica { ue, which: which as u8, binding: false, gen: 0 };
                        self.send_side(q, node, r, &ports::CHRONOS, side);
                    }
                    self.chronos.count_challenge(r, op == ChronosOp::Delete);
                }
                if op == ChronosOp::Post && self.p.keeps_challenge_timer {
                    q.schedule_in(CHALLENGE_TIMER, Ev::ChallengePop { ue, site, replica: 0 });
                }
            }
            (TimerKind::Binding, ChronosOp::Delete) => {
                // The timer-pop task deletes the timer only when no binding is left.
                if !self.bound_for(ue, site, now) {
                    self.chronos.clear(ue);
                }
            }
            (TimerKind::Binding, _) => {
                let expires = self.store.expires_s(ue, site);
                let interval_s = expires.saturating_sub(whole_seconds(now)).max(1);
                let due = now + SimDuration::from_secs(interval_s as u64);
                let replicas = self.binding_timer_replicas(ue, site);
                self.set_binding_timer(q, ue, due, replicas, Some(node));
            }
        }
    }

    /// Stores (or replaces) a subscriber's binding timer and schedules its pop. `local`: the
    /// Chronos that received it (it holds the timer at once if it is a replica; other
    /// replicas get it by replication); `None` installs it on both replicas directly.
    pub fn set_binding_timer(
        &mut self,
        q: &mut EventQueue<Ev>,
        ue: UeId,
        due: SimTime,
        replicas: [NodeId; 2],
        local: Option<NodeId>,
    ) {
        // Replacing a timer on the same replicas: each keeps its copy until the update
        // reaches it (a replica the update never reaches keeps the old one).
        let t = self.chronos.get(ue);
        if !(t.set && t.replicas == replicas) {
            self.chronos.clear(ue);
        }
        let gen = self.chronos.renew(ue, replicas);
        for (which, r) in replicas.into_iter().enumerate() {
            if r == NO_NODE {
                continue;
            }
            match local {
                Some(l) if l != r => {
                    let side = Side::ChronosReplica { ue, which: which as u8, binding: true, gen };
                    self.send_side(q, l, r, &ports::CHRONOS, side);
                }
                _ => self.chronos.hold(ue, which as u8),
            }
        }
        q.schedule_at(due, Ev::ChronosPop { ue, gen, replica: 0 });
    }

    /// A binding timer is due on replica `replica`: the primary fires at the due time; a
    /// backup 2 s later only if the primary could not. A timer no live replica holds is
    /// lost: the binding is never cleaned up.
    pub fn chronos_pop(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32, replica: u8) {
        let t = *self.chronos.get(ue);
        if !t.set || t.gen != gen {
            return;
        }
        let node = t.replicas[replica as usize];
        let fires = node != NO_NODE && t.held[replica as usize] && self.nodes[node].up;
        if !fires {
            if replica == 0 && t.replicas[1] != NO_NODE {
                q.schedule_in(CHRONOS_BACKUP_DELAY, Ev::ChronosPop { ue, gen, replica: 1 });
            } else {
                self.stats.counters.timers_lost += 1;
            }
            return;
        }
        let demand = self.demand(node, |p| &p.costs.chronos_op);
        self.submit(q, node, Job::Side(Side::ChronosPop { ue, gen }), demand, Class::New);
    }

    /// A replication of a timer operation reached replica `which`.
    pub(super) fn chronos_replicated(&mut self, ue: UeId, which: u8, binding: bool, gen: u32) {
        let t = *self.chronos.get(ue);
        if binding && t.set && t.gen == gen {
            self.chronos.hold(ue, which);
        }
    }

    /// Chronos on `node` fires a binding timer: it tells the other replica and calls back
    /// into the Sprout on the same node, which runs the binding-expiry task.
    pub(super) fn chronos_fired(&mut self, q: &mut EventQueue<Ev>, node: NodeId, ue: UeId, gen: u32) {
        let t = *self.chronos.get(ue);
        if !t.set || t.gen != gen {
            return;
        }
        self.stats.counters.timer_pops += 1;
        // Tell the other replica so its backup does not fire too.
        let other = if t.replicas[0] == node { t.replicas[1] } else { t.replicas[0] };
        if other != NO_NODE {
            self.send_side(q, node, other, &ports::CHRONOS, Side::ChronosSkip);
        }
        // The timer has fired: later pops of this generation are ignored.
        self.chronos.fired(ue);
        let program = if self.gr() { Program::BindingExpiryGr } else { Program::BindingExpiry };
        self.start_timer_task(q, node, ue, program, |p| &p.costs.sprout_request);
    }

    /// Whether a finished job was an HTTP request served by the node's Chronos (what its
    /// LoadMonitor measures).
    pub fn is_chronos_request(&self, job: &Job) -> bool {
        match job {
            Job::Op(key) => self.msgs.get(*key).is_some_and(|m| matches!(m.current_step(), Step::Chronos(..))),
            Job::Side(side) => matches!(side, Side::ChronosReplica { .. } | Side::ChronosSkip),
            Job::Msg(_) | Job::Acr(_) | Job::Rx(_) => false,
        }
    }
}
