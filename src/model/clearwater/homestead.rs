//! Homestead: the HSS cache Sprout asks over HTTP (UAR, MAR, SAR, LIR, registration data).
//!
//! - Admission: Homestead's LoadMonitor, when `[throttling]` names it, answers 503 at once
//!   [src cpp-common: httpstack.cpp].
//! - The cache rule [doc 8.21; src homestead: http_handlers.cpp]: with an external HSS, UAR, MAR
//!   (impu_cache_ttl = 0), LIR and deregistrations always go to the HSS; a registration SAR
//!   only when the subscriber is not registered at Homestead or its record is older than
//!   `hss_reregistration_time`; registration data for calls comes from the cache.
//! - An HSS answer later than the Diameter timeout: in the later era a 504 and a penalty at
//!   Homestead's LoadMonitor [src homestead: http_handlers.cpp]; in the documented era a 503
//!   (so that Sprout tries another Homestead) and no penalty — that era's penalties came
//!   only from the HSS's "too busy" answers (mid-2017 [src homestead: handlers.cpp]).
//!   Otherwise the request costs a Cassandra read (or the HSS round trip).
//! - Latency fed to the LoadMonitor: the documented era times the request from arrival to
//!   answer, Cassandra and HSS waits included; the later era pauses the stopwatch during
//!   them (from Nov 2017 [src homestead: diameter_hss_connection.cpp]).

use super::flows::HttpOp;
use super::ids::NodeId;
use super::message::HttpAnswer;
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;

use super::events::Ev;

/// The Cassandra operations a Homestead request makes: with an external HSS, what goes to the
/// HSS bypasses the cache except a registration's result, which is written (SAR, deregistration
/// SAR); everything else (and everything without an HSS, Homestead being the master) is one
/// read or write of Homestead's Cassandra tables [doc 8.21; src homestead: http_handlers.cpp].
fn cassandra_ops(op: HttpOp, hss: bool) -> u32 {
    match (op, hss) {
        (HttpOp::Sar | HttpOp::SarDereg, _) => 1,
        (_, true) => 0,
        _ => 1,
    }
}

impl World {
    /// An HTTP request reaches Homestead `target`: its CPU demand, or `None` if its
    /// LoadMonitor refused it (the 503 is on its way back).
    pub(super) fn homestead_request(
        &mut self,
        q: &mut EventQueue<Ev>,
        key: Key,
        target: NodeId,
        op: HttpOp,
    ) -> Option<SimDuration> {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, ue, attempt) = (m.sprout(), m.ue, m.attempt);
        self.nodes[target].window.requests += 1;
        let admitted = match self.nodes[target].throttle.as_mut() {
            Some(lm) => lm.admit(now, false),
            None => true,
        };
        if !admitted {
            // Homestead's HTTP stack answers 503 at once (no Retry-After).
            self.nodes[target].window.rejected += 1;
            self.stats.counters.homestead_rejections += 1;
            self.refuse_op(q, key, target, sprout, attempt);
            return None;
        }
        let hss = self.p.net.hss.is_some() && self.homestead.needs_hss(op, ue, now);
        self.msgs.get_mut(key).expect("live").hss = hss;
        let base = self.demand(target, |p| &p.costs.homestead_request);
        let base = if hss { base + self.demand(target, |p| &p.costs.homestead_hss) } else { base };
        Some(base + self.cassandra_cpu(target, cassandra_ops(op, hss)))
    }

    /// Cassandra's CPU for `ops` reads or writes on `node`, if the scenario models it.
    pub(super) fn cassandra_cpu(&mut self, node: NodeId, ops: u32) -> SimDuration {
        let Some(d) = self.p.costs.cassandra_op.as_ref() else { return SimDuration::ZERO };
        let rng = &mut self.nodes[node].rng;
        (0..ops).fold(SimDuration::ZERO, |sum, _| sum + d.sample(rng))
    }

    /// Homestead `server` finished the request's CPU work after `in_node` in the node: the
    /// time its Cassandra read or HSS round trip adds, and the effect on the cache; `None` if
    /// the HSS timed out (the error is on its way back, `delay` after the Diameter timeout).
    pub(super) fn homestead_served(
        &mut self,
        q: &mut EventQueue<Ev>,
        key: Key,
        server: NodeId,
        op: HttpOp,
        delay: SimDuration,
        in_node: SimDuration,
    ) -> Option<SimDuration> {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (ue, used_hss, attempt) = (m.ue, m.hss, m.attempt);
        let rng = &mut self.nodes[server].rng;
        let io = match (&self.p.net.hss, used_hss) {
            (Some(hss), true) => hss.sample(rng),
            _ => self.p.net.cassandra.sample(rng),
        };
        let timed_out = used_hss && io > self.p.net.diameter_timeout;
        if self.p.io_timed {
            // The CPU part (`in_node`: queue + service) just ended; the answer leaves after
            // the I/O or the timeout. Reported now with its full latency: a few milliseconds
            // early against the LoadMonitor's 2 s adjustment window.
            let waited = if timed_out { self.p.net.diameter_timeout } else { io };
            let latency = (in_node + waited).as_ns();
            self.nodes[server].record_latency(latency);
            self.throttle_complete(server, now, latency);
        }
        if timed_out {
            self.stats.counters.hss_timeouts += 1;
            let answer = if self.p.io_timed {
                // Documented era: 503, no penalty.
                HttpAnswer::Unavailable
            } else {
                // Later era: 504, and a penalty at Homestead.
                self.throttle_penalty(server);
                HttpAnswer::GatewayTimeout
            };
            self.msgs.get_mut(key).expect("live").op_answer = answer;
            q.schedule_in(delay + self.p.net.diameter_timeout, Ev::OpReply { msg: key, attempt });
            return None;
        }
        match op {
            HttpOp::Sar => self.homestead.sar_answered(ue, used_hss, now + self.p.hss_reregistration),
            HttpOp::SarDereg => self.homestead.deregistered(ue),
            _ => {}
        }
        Some(io)
    }
}
