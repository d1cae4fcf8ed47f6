//! Ralf, Clearwater's CTF (Charging Trigger Function) [doc 8.1.5, 8.26]: Sprout and Bono
//! report billable events to it over HTTP (TCP/10888 [doc 8.27.8]); it turns each into an
//! Rf Accounting-Request (ACR) to the CDF over Diameter, keeping each call's session in its
//! own memcached cluster and its interim timer in its own Chronos cluster [doc 8.5.6].
//!
//! What is simulated, per call and per charging node — Bono as P-CSCF on each side, Sprout
//! as originating and as terminating S-CSCF:
//! - **START** when the node relays the INVITE's 200 OK: Ralf sends the ACR; on the CDF's
//!   answer it sets the interim timer (only when the session refresh time exceeds the
//!   interim interval) and stores the session [src ralf: session_manager.cpp];
//! - **INTERIM** each time the timer pops (Chronos repeats it every interim interval for
//!   the session refresh time): Ralf reads and rewrites the session, then sends the ACR;
//! - **STOP** when the node relays the BYE's 200 OK: Ralf reads the session, deletes it and
//!   its timer, and sends the ACR. An INTERIM or STOP for a session Ralf does not hold (its
//!   START failed, or the nodes holding it crashed) is ignored, as Ralf does.
//!
//! Each site has its own Ralf cluster; Sprout and Bono use only their local one
//! [doc 8.46]. Sending an ACR costs the sender CPU (`costs.acr_send`) but no SIP processing
//! waits for it. Not simulated: EVENT ACRs (REGISTER), retries of a failed ACR, CDF errors.
//!
//! Ralf sees the rest of the deployment only through [`Host`]: what it may ask of a node
//! (CPU, random draws, admission), of the network (delays, reachability) and of the
//! scheduler. `World` implements it (world.rs).

use super::events::{Class, Ev, Job, Side};
use super::ids::{NodeId, NO_KEY, NO_NODE};
use super::node::rendezvous;
use super::params::CHRONOS_BACKUP_DELAY;
use super::reachability::Path;
use crate::engine::{Dist, SimDuration, SimTime};
use crate::model::slab::{Key, Slab};
use crate::network::ports::{self, Interface};
use crate::scenario::{Scenario, Tier};
use serde::Serialize;

/// What Ralf may ask of the deployment around it.
pub trait Host {
    fn now(&self) -> SimTime;
    fn schedule_in(&mut self, after: SimDuration, ev: Ev);
    /// Queues CPU work on a node.
    fn submit(&mut self, node: NodeId, job: Job, demand: SimDuration, class: Class);
    /// A draw from `dist` with the node's random stream.
    fn draw(&mut self, node: NodeId, dist: &Dist) -> SimDuration;
    /// A uniform choice in `0..n` with the node's random stream.
    fn pick(&mut self, node: NodeId, n: usize) -> usize;
    fn node_delay(&mut self, from: NodeId, to: NodeId) -> SimDuration;
    fn path(&self, from: NodeId, to: NodeId, iface: &Interface) -> Path;
    fn site(&self, node: NodeId) -> u8;
    fn tier(&self, node: NodeId) -> Tier;
    fn up(&self, node: NodeId) -> bool;
    /// The Ralf nodes of a site (its cluster name's records).
    fn ralf_nodes(&self, site: u8) -> Vec<NodeId>;
    /// A new HTTP request at `node`: counted, and asked of its LoadMonitor (`false`: 503).
    fn admit_http(&mut self, node: NodeId) -> bool;
}

/// The kinds of Accounting-Request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AcrKind {
    Start,
    Interim,
    Stop,
}

/// The charging nodes of a call, one session each.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    OriginBono,
    OriginSprout,
    TargetSprout,
    TargetBono,
}

/// A call's Ralf sessions, by `Role as usize` (`NO_KEY`: none).
pub type CallSessions = [Key; 4];
pub const NO_SESSIONS: CallSessions = [NO_KEY; 4];

/// What billing did (after warm-up).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BillingCounts {
    /// ACRs sent by Sprout and Bono (START, STOP) and raised by Ralf's timers (INTERIM).
    pub acr_start: u64,
    pub acr_interim: u64,
    pub acr_stop: u64,
    /// ACRs that never reached a Ralf (node down, network) or that its LoadMonitor refused.
    pub acr_lost: u64,
    pub acr_rejected: u64,
    /// INTERIM or STOP ACRs for a session Ralf did not hold.
    pub acr_ignored: u64,
    /// ACRs answered by the CDF.
    pub cdf_answers: u64,
    /// Sessions written to Ralf's memcached, and interim timers set in its Chronos.
    pub sessions_stored: u64,
    pub interim_timers: u64,
}

/// An ACR on its way: from its sender through Ralf to the CDF and back.
#[derive(Clone, Debug)]
struct Acr {
    kind: AcrKind,
    session: Key,
    ralf: NodeId,
}

/// A call's session at one charging node, as Ralf's memcached holds it.
#[derive(Clone, Debug)]
struct Session {
    /// The START was answered and the session written to these replicas, which still hold
    /// it (a crash loses a copy).
    stored: bool,
    held: [bool; 2],
    replicas: [NodeId; 2],
    /// The interim timer: its replicas (primary first), generation, and when it stops
    /// repeating (`SimTime::ZERO`: no timer).
    timer: [NodeId; 2],
    timer_gen: u32,
    timer_until: SimTime,
}

/// Ralf's parameters, from the scenario.
#[derive(Clone, Debug)]
struct Params {
    request: Dist,
    send: Dist,
    cdf: Dist,
    memcached_op: Dist,
    chronos_op: Dist,
    interim: SimDuration,
    session_expires: SimDuration,
}

/// Every Ralf cluster of the deployment.
pub struct Ralf {
    /// Some site has Ralf nodes: Sprout and Bono report billable events.
    enabled: bool,
    p: Params,
    acrs: Slab<Acr>,
    sessions: Slab<Session>,
    pub counts: BillingCounts,
}

/// Salt of the session key hashed onto Ralf's memcached replicas.
const SALT_SESSION: u64 = 0xa5a5_0010;

impl Ralf {
    pub fn new(s: &Scenario) -> Ralf {
        Ralf {
            enabled: s.sites.iter().any(|site| site.tier(Tier::Ralf).nodes > 0),
            p: Params {
                request: s.costs.ralf_request.clone(),
                send: s.costs.acr_send.clone(),
                cdf: s.network.cdf.clone(),
                memcached_op: s.costs.memcached_op.clone(),
                chronos_op: s.costs.chronos_op.clone(),
                interim: s.billing.interim_interval,
                session_expires: s.billing.session_expires,
            },
            acrs: Slab::default(),
            sessions: Slab::default(),
            counts: BillingCounts::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// A charging node relayed a call's 200 OK to INVITE (`Start`) or to BYE (`Stop`):
    /// it reports it to a Ralf of its site. Returns the session a START opened.
    pub fn report(&mut self, h: &mut impl Host, from: NodeId, kind: AcrKind, session: Key) -> Key {
        if h.ralf_nodes(h.site(from)).is_empty() || (kind != AcrKind::Start && session == NO_KEY) {
            return NO_KEY;
        }
        let session = if kind == AcrKind::Start {
            let none = [NO_NODE; 2];
            let s = Session {
                stored: false,
                held: [false; 2],
                replicas: none,
                timer: none,
                timer_gen: 0,
                timer_until: SimTime::ZERO,
            };
            self.sessions.insert(s)
        } else {
            session
        };
        let acr = self.acrs.insert(Acr { kind, session, ralf: NO_NODE });
        self.count_sent(kind);
        let demand = h.draw(from, &self.p.send);
        h.submit(from, Job::Side(Side::AcrSend { acr }), demand, Class::New);
        session
    }

    fn count_sent(&mut self, kind: AcrKind) {
        match kind {
            AcrKind::Start => self.counts.acr_start += 1,
            AcrKind::Interim => self.counts.acr_interim += 1,
            AcrKind::Stop => self.counts.acr_stop += 1,
        }
    }

    /// The sender finished building the ACR: it goes to a random Ralf of its site.
    pub fn sent(&mut self, h: &mut impl Host, from: NodeId, acr: Key) {
        let ralfs = h.ralf_nodes(h.site(from));
        let Some(a) = self.acrs.get_mut(acr) else { return };
        if ralfs.is_empty() {
            return self.lost(acr);
        }
        let ralf = ralfs[h.pick(from, ralfs.len())];
        a.ralf = ralf;
        let iface = if h.tier(from) == Tier::Bono { &ports::BONO_TO_RALF } else { &ports::SPROUT_TO_RALF };
        if h.path(from, ralf, iface) != Path::Open {
            return self.lost(acr);
        }
        let d = h.node_delay(from, ralf);
        h.schedule_in(d, Ev::AcrArrive { node: ralf, acr });
    }

    /// An ACR being built or processed on a node that crashed.
    pub fn lost_in_crash(&mut self, acr: Key) {
        if self.acrs.get(acr).is_some() {
            self.lost(acr);
        }
    }

    fn lost(&mut self, acr: Key) {
        self.counts.acr_lost += 1;
        self.acrs.remove(acr);
    }

    /// An ACR reaches Ralf `node`: admitted, it queues for the CPU.
    pub fn arrive(&mut self, h: &mut impl Host, node: NodeId, acr: Key) {
        if self.acrs.get(acr).is_none() {
            return;
        }
        if !h.up(node) {
            return self.lost(acr);
        }
        if !h.admit_http(node) {
            self.counts.acr_rejected += 1;
            self.acrs.remove(acr);
            return;
        }
        let demand = h.draw(node, &self.p.request);
        h.submit(node, Job::Acr(acr), demand, Class::New);
    }

    /// Ralf processed the request: session work first (INTERIM, STOP), then the ACR to the
    /// CDF.
    pub fn processed(&mut self, h: &mut impl Host, node: NodeId, acr: Key) {
        let Some(a) = self.acrs.get(acr) else { return };
        let (kind, session) = (a.kind, a.session);
        if kind != AcrKind::Start {
            let held =
                self.sessions.get(session).filter(|s| s.stored && (0..2).any(|r| s.held[r] && h.up(s.replicas[r])));
            let Some(s) = held else {
                self.counts.acr_ignored += 1;
                self.acrs.remove(acr);
                return;
            };
            let replicas = s.replicas;
            // Read the session, then write it back (INTERIM) or delete it (STOP) on both
            // replicas.
            self.store_op(h, node, replicas[0]);
            for r in replicas.into_iter().filter(|&r| r != NO_NODE) {
                self.store_op(h, node, r);
            }
            if kind == AcrKind::Stop {
                let timer = self.sessions.get(session).map_or([NO_NODE; 2], |s| s.timer);
                if timer[0] != NO_NODE {
                    self.timer_op(h, node, timer);
                }
                self.sessions.remove(session);
            }
        }
        let d = h.draw(node, &self.p.cdf);
        h.schedule_in(d, Ev::CdfAnswer { acr });
    }

    /// The CDF answered: a START's session is stored and its interim timer set.
    pub fn cdf_answered(&mut self, h: &mut impl Host, acr: Key) {
        let Some(a) = self.acrs.remove(acr) else { return };
        self.counts.cdf_answers += 1;
        if a.kind != AcrKind::Start || !h.up(a.ralf) {
            return;
        }
        if self.sessions.get(a.session).is_none() {
            return;
        }
        let ralfs = h.ralf_nodes(h.site(a.ralf));
        let replicas = rendezvous((SALT_SESSION << 32) ^ a.session.idx as u64 ^ ((a.session.gen as u64) << 40), &ralfs);
        let mut timer = [NO_NODE; 2];
        if self.p.session_expires > self.p.interim {
            // Ralf POSTs the timer to its local Chronos, which replicates it.
            let other = if replicas[0] == a.ralf { replicas[1] } else { replicas[0] };
            timer = [a.ralf, other];
            self.timer_op(h, a.ralf, timer);
            self.counts.interim_timers += 1;
        }
        for r in replicas.into_iter().filter(|&r| r != NO_NODE) {
            self.store_op(h, a.ralf, r);
        }
        self.counts.sessions_stored += 1;
        let now = h.now();
        let until = now + self.p.session_expires;
        let s = self.sessions.get_mut(a.session).expect("checked above");
        s.stored = true;
        s.replicas = replicas;
        s.held = [replicas[0] != NO_NODE, replicas[1] != NO_NODE];
        s.timer = timer;
        if timer[0] != NO_NODE {
            s.timer_until = until;
            s.timer_gen = s.timer_gen.wrapping_add(1);
            let gen = s.timer_gen;
            h.schedule_in(self.p.interim, Ev::RalfTimer { session: a.session, gen });
        }
    }

    /// A session's interim timer is due: the first live replica fires (the backup 2 s
    /// late), calling back into the Ralf on its node with an INTERIM; Chronos repeats the
    /// timer until the session refresh time has passed.
    pub fn timer_due(&mut self, h: &mut impl Host, session: Key, gen: u32) {
        let Some(s) = self.sessions.get(session).filter(|s| s.timer_gen == gen) else { return };
        let now = h.now();
        let node = if h.up(s.timer[0]) {
            s.timer[0]
        } else if s.timer[1] != NO_NODE && h.up(s.timer[1]) {
            s.timer[1]
        } else {
            return; // no live replica holds the timer
        };
        let backup = node != s.timer[0];
        if now + self.p.interim < s.timer_until {
            h.schedule_in(self.p.interim, Ev::RalfTimer { session, gen });
        }
        let demand = h.draw(node, &self.p.chronos_op);
        h.submit(node, Job::Side(Side::RalfStore), demand, Class::New);
        let acr = self.acrs.insert(Acr { kind: AcrKind::Interim, session, ralf: node });
        self.count_sent(AcrKind::Interim);
        if backup {
            h.schedule_in(CHRONOS_BACKUP_DELAY, Ev::AcrArrive { node, acr });
        } else {
            self.arrive(h, node, acr);
        }
    }

    /// A Ralf node crashed: its copies of sessions are gone.
    pub fn lose_node(&mut self, node: NodeId) {
        for s in self.sessions.iter_mut() {
            for r in 0..2 {
                if s.replicas[r] == node {
                    s.held[r] = false;
                }
            }
        }
    }

    /// One memcached operation of Ralf's session store, on `replica` (from `from`).
    fn store_op(&mut self, h: &mut impl Host, from: NodeId, replica: NodeId) {
        if replica == NO_NODE || h.path(from, replica, &ports::RALF_MEMCACHED) != Path::Open {
            return;
        }
        let demand = h.draw(replica, &self.p.memcached_op);
        h.submit(replica, Job::Side(Side::RalfStore), demand, Class::New);
    }

    /// One Chronos operation on the timer's replicas (the local one, then its replication).
    fn timer_op(&mut self, h: &mut impl Host, from: NodeId, timer: [NodeId; 2]) {
        for (k, r) in timer.into_iter().enumerate().filter(|&(_, r)| r != NO_NODE) {
            if k > 0 && h.path(from, r, &ports::RALF_CHRONOS) != Path::Open {
                continue;
            }
            let demand = h.draw(r, &self.p.chronos_op);
            h.submit(r, Job::Side(Side::RalfStore), demand, Class::New);
        }
    }

    /// Forgets what was counted during warm-up.
    pub fn restart_counts(&mut self) {
        self.counts = BillingCounts::default();
    }
}
