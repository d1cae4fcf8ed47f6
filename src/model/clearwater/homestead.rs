//! Homestead: the HSS cache Sprout asks over HTTP (UAR, MAR, SAR, LIR, registration data).
//!
//! - Admission: Homestead's LoadMonitor, when `[throttling]` names it, answers 503 at once
//!   [src cpp-common: httpstack.cpp].
//! - The cache rule [doc 8.21, src homestead]: with an external HSS, UAR, MAR
//!   (impu_cache_ttl = 0), LIR and deregistrations always go to the HSS; a registration SAR
//!   only when the subscriber is not registered at Homestead or its record is older than
//!   `hss_reregistration_time`; registration data for calls comes from the cache.
//! - An HSS answer later than the Diameter timeout is a 504 and a penalty at Homestead's
//!   LoadMonitor; otherwise the request costs a Cassandra read (or the HSS round trip).

use super::flows::HttpOp;
use super::message::HttpAnswer;
use super::node::NodeId;
use super::ue::UeId;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;

use super::events::Ev;

/// What Homestead's cache knows of each subscriber (structure of arrays).
#[derive(Clone, Debug, Default)]
pub struct HomesteadCache {
    /// The subscriber is registered at Homestead.
    registered: Vec<bool>,
    /// Until when its cached record is fresh (after that a SAR goes to the HSS again).
    fresh_until: Vec<SimTime>,
}

impl HomesteadCache {
    pub fn with_capacity(n: usize) -> Self {
        HomesteadCache { registered: Vec::with_capacity(n), fresh_until: Vec::with_capacity(n) }
    }

    pub fn add_subscriber(&mut self) {
        self.registered.push(false);
        self.fresh_until.push(SimTime::ZERO);
    }

    /// A registration as a running deployment holds it: registered, fresh until `until`.
    pub fn install(&mut self, ue: UeId, until: SimTime) {
        self.registered[ue as usize] = true;
        self.fresh_until[ue as usize] = until;
    }

    /// Whether the request goes to the HSS (with one configured).
    fn needs_hss(&self, op: HttpOp, ue: UeId, now: SimTime) -> bool {
        match op {
            HttpOp::Uar | HttpOp::Mar | HttpOp::Lir | HttpOp::SarDereg => true,
            HttpOp::Sar => !self.registered[ue as usize] || now >= self.fresh_until[ue as usize],
            HttpOp::RegDataCall | HttpOp::RegDataGet | HttpOp::Simservs => false,
        }
    }

    pub fn bytes(&self) -> usize {
        self.registered.capacity() + self.fresh_until.capacity() * std::mem::size_of::<SimTime>()
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
        self.nodes[target as usize].window.requests += 1;
        let admitted = match self.nodes[target as usize].throttle.as_mut() {
            Some(lm) => lm.admit(now, false),
            None => true,
        };
        if !admitted {
            // Homestead's HTTP stack answers 503 at once (no Retry-After).
            self.nodes[target as usize].window.rejected += 1;
            self.stats.counters.homestead_rejections += 1;
            self.refuse_op(q, key, target, sprout, attempt);
            return None;
        }
        let hss = self.p.net.hss.is_some() && self.homestead.needs_hss(op, ue, now);
        self.msgs.get_mut(key).expect("live").hss = hss;
        let base = self.demand(target, |p| &p.costs.homestead_request);
        Some(if hss { base + self.demand(target, |p| &p.costs.homestead_hss) } else { base })
    }

    /// Homestead `server` finished the request's CPU work: the time its Cassandra read or
    /// HSS round trip adds, and the effect on the cache; `None` if the HSS timed out (the
    /// 504 is on its way back, `delay` after the Diameter timeout).
    pub(super) fn homestead_served(
        &mut self,
        q: &mut EventQueue<Ev>,
        key: Key,
        server: NodeId,
        op: HttpOp,
        delay: SimDuration,
    ) -> Option<SimDuration> {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (ue, used_hss, attempt) = (m.ue, m.hss, m.attempt);
        let rng = &mut self.nodes[server as usize].rng;
        let io = match (&self.p.net.hss, used_hss) {
            (Some(hss), true) => hss.sample(rng),
            _ => self.p.net.cassandra.sample(rng),
        };
        if used_hss && io > self.p.net.diameter_timeout {
            // The HSS did not answer in time: 504, and a penalty at Homestead.
            self.stats.counters.hss_timeouts += 1;
            self.throttle_penalty(server);
            self.msgs.get_mut(key).expect("live").op_answer = HttpAnswer::GatewayTimeout;
            q.schedule_in(delay + self.p.net.diameter_timeout, Ev::OpReply { msg: key, attempt });
            return None;
        }
        let cache = &mut self.homestead;
        match op {
            HttpOp::Sar => {
                if used_hss || !cache.registered[ue as usize] {
                    cache.fresh_until[ue as usize] = now + self.p.hss_reregistration;
                }
                cache.registered[ue as usize] = true;
            }
            HttpOp::SarDereg => cache.registered[ue as usize] = false,
            _ => {}
        }
        Some(io)
    }
}
