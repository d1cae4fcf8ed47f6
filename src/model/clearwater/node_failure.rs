//! What a node failure does: what a crash destroys (queued work, memcached records,
//! Chronos timers, connections), how the nodes and UEs that depended on it find out, and
//! what health-checked DNS makes of it.

use super::events::{Ev, Job, Side};
use super::ids::{NodeId, UeId};
use super::message::Hop;
use super::outage::OutageCause;
use super::world::World;
use crate::engine::{EventQueue, SimTime};
use crate::model::slab::Key;
use crate::scenario::Tier;

impl World {
    /// A node fails. Everything it was doing is lost; its memcached records and Chronos
    /// timers are gone; loud failures reset its connections.
    pub fn crash(&mut self, q: &mut EventQueue<Ev>, node: NodeId, silent: bool) {
        let now = q.now();
        let n = &mut self.nodes[node];
        if !n.up {
            return;
        }
        n.up = false;
        n.silent = silent;
        if let Some(pool) = n.pool.as_mut() {
            // Its upstream connections die with the process; it reconnects after restarting.
            pool.disconnect_all();
        }
        let (tier, site) = (n.tier, n.site);
        let mut lost = std::mem::take(&mut self.scratch_jobs);
        n.cpu.drain(now, &mut lost);
        for job in lost.drain(..) {
            match job {
                Job::Msg(key) | Job::Rx(key) => self.lost_in_node(q, key, silent),
                Job::Op(key) => self.op_lost(q, key, silent),
                Job::Acr(acr) | Job::Side(Side::AcrSend { acr }) => self.with_ralf(q, |r, _| r.lost_in_crash(acr)),
                Job::Side(_) => {}
            }
        }
        self.scratch_jobs = lost;
        // Messages waiting for a worker die with the process, and the workers with them.
        let parsing = self.nodes[node].rx.clear();
        for key in parsing.into_iter().chain(self.nodes[node].workers.clear()) {
            self.lost_in_node(q, key, silent);
        }
        if tier == Tier::Ralf {
            self.with_ralf(q, |r, _| r.lose_node(node));
        }
        if tier == Tier::Sprout {
            self.wipe_sprout_state(node, site, now);
            if !silent {
                // Bonos see their connections to it reset.
                for bono in self.topo.ids.iter().flat_map(|s| s[Tier::Bono as usize].clone()).collect::<Vec<_>>() {
                    if self.nodes[bono].up {
                        self.bono_lost_sprout(now, bono, node);
                    }
                }
            }
        }
        // UEs connected to it: unreachable from now on; loudly reset ones re-register.
        for ue in 0..self.ues.len() as UeId {
            if self.ues[ue].edge == node {
                self.outages.begin(ue, now, OutageCause::EdgeFailure);
                if !silent && self.ues[ue].connected {
                    let d = self.access_delay(node);
                    q.schedule_in(d, Ev::UeConnLost { ue });
                } else if silent {
                    self.watch_flow(q, ue, node);
                }
            }
        }
        let delay = self.health_check_delay();
        q.schedule_in(delay, Ev::DnsHealth { node, healthy: false });
    }

    /// The node is back, empty (its process restarted).
    pub fn recover(&mut self, q: &mut EventQueue<Ev>, node: NodeId) {
        let n = &mut self.nodes[node];
        if n.up {
            return;
        }
        n.up = true;
        n.silent = false;
        let delay = self.health_check_delay();
        q.schedule_in(delay, Ev::DnsHealth { node, healthy: true });
    }

    /// How long health checks take to change their verdict: interval × failure threshold.
    fn health_check_delay(&self) -> crate::engine::SimDuration {
        let d = &self.p.dns;
        crate::engine::SimDuration::from_ns(d.health_check_interval.as_ns() * d.health_check_failures as u64)
    }

    /// memcached records and Chronos timers held by a crashed Sprout node are gone.
    fn wipe_sprout_state(&mut self, node: NodeId, site: u8, now: SimTime) {
        self.chronos.lose_node(node);
        self.memcached_lost_node(node, site, now);
    }

    /// A SIP message being processed by a node that crashed.
    fn lost_in_node(&mut self, q: &mut EventQueue<Ev>, key: Key, silent: bool) {
        let Some(m) = self.msgs.get(key) else { return };
        if !silent && m.hop == Hop::Sprout && m.is_request() && !m.program.is_timer_task() {
            // The Bono (or direct UE) sees the connection reset.
            return self.refused_at(q, key);
        }
        self.dropped_at(q, key);
    }

    /// A worker whose Sprout crashed while it waited on I/O.
    pub fn worker_lost(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let silent = self.msgs.get(key).is_none_or(|m| self.nodes[m.sprout()].silent);
        self.lost_in_node(q, key, silent);
    }

    /// An operation queued or in service at a server that crashed.
    fn op_lost(&mut self, q: &mut EventQueue<Ev>, key: Key, silent: bool) {
        let now = q.now();
        let Some(m) = self.msgs.get(key) else { return };
        let attempt = m.attempt;
        let at = if silent { (m.op_sent + self.p.pool.http_timeout).max(now) } else { now };
        q.schedule_at(at, Ev::OpTimeout { msg: key, attempt });
    }

    /// A Bono found a Sprout unusable: drop its connections to it and blacklist it.
    pub fn bono_lost_sprout(&mut self, now: SimTime, bono: NodeId, sprout: NodeId) {
        let (black, gray) = (self.p.pool.sip_blacklist, self.p.pool.graylist);
        let n = &mut self.nodes[bono];
        n.blacklist.add(now, sprout, black, gray);
        if let Some(pool) = n.pool.as_mut() {
            pool.disconnect(sprout);
        }
        self.refresh_path(bono, now);
    }

    pub fn bono_gave_up(&mut self, q: &mut EventQueue<Ev>, bono: NodeId, sprout: NodeId) {
        if self.nodes[bono].up {
            self.bono_lost_sprout(q.now(), bono, sprout);
        }
    }

    pub fn dns_health(&mut self, node: NodeId, healthy: bool) {
        // A flip scheduled before a recovery (or crash) that has since been undone is stale.
        if self.nodes[node].up == healthy {
            self.nodes[node].dns_healthy = healthy;
        }
    }
}
