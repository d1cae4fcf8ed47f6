//! Load profiles: who registers and calls when.
//!
//! - Clearwater's SIP stress script [doc 8.56; src sprout: sip-stress.xml]: pairs of
//!   subscribers; after a uniform start in [0, 600 s) the pair loops: REGISTER A, then
//!   REGISTER B (each waits for its 200 OK), then with probability 0.167 a call from A to B
//!   (a uniform pre-call delay out of a 270 s budget, the call, the rest of the budget),
//!   otherwise a 300 s pause. Pauses start when the previous step completes, as in SIPp.
//! - Core-only stress [src clearwater-perf-utils]: every subscriber refreshes its
//!   registration `reregisters_per_hour` times an hour; calls arrive as a Poisson process
//!   at `bhca/2 · N / 3600` per second between uniformly chosen subscribers.
//! - SIPp-like rate: calls at an exact spacing of 1/rate, a concurrency limit, a total, and
//!   a stepped ramp; callers and callees taken in sequence, like `-inf` with SEQUENTIAL.

use super::ids::UeId;
use super::pair::{Pair, PairScript};
use super::subscriber::Ue;
use rand::Rng as _;
use rand_distr::{Distribution, Exp1};

use super::events::Ev;
use super::node::{whole_seconds, Topology};
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::scenario::Load;

/// The pair's call budget: the cycle minus the call itself (300 − 6 − 24 = 270 s).
fn call_budget(reregister: SimDuration, answer_after: SimDuration, talk: SimDuration) -> SimDuration {
    SimDuration::from_ns(reregister.as_ns().saturating_sub(answer_after.as_ns() + talk.as_ns()))
}

impl World {
    /// Creates every subscriber, anchored to a Bono of its site picked at random from the
    /// DNS answer for the Bono name (to a Sprout when the site has no Bono).
    pub fn create_subscribers(&mut self, q: &mut EventQueue<Ev>) {
        let n = self.p.load.subscribers() as usize;
        let split = self.p.dns.site_split.clone();
        for ue in 0..n as UeId {
            self.ues.push(Ue::default());
            self.store.add_subscriber();
            self.chronos.add_subscriber();
            self.homestead.add_subscriber();
            let mut rng = self.ue_rng(ue);
            let x: f64 = rng.random();
            let mut acc = 0.0;
            let mut site = split.len() - 1;
            for (i, f) in split.iter().enumerate() {
                acc += f;
                if x < acc {
                    site = i;
                    break;
                }
            }
            let edges = self.dns.records(Topology::name(site as u8, self.edge_tier(site as u8)));
            let edge = edges[rng.random_range(0..edges.len())];
            let u = &mut self.ues[ue];
            u.site = site as u8;
            u.dns.value = site as u8;
            u.edge = edge;
        }
        let _ = q;
    }

    /// Schedules the profile's first events (and, for preregistered profiles, installs the
    /// registrations a running deployment would hold).
    pub fn start_load(&mut self, q: &mut EventQueue<Ev>) {
        let n = self.ues.len() as UeId;
        match self.p.load.clone() {
            Load::SipStress { preregistered, start_spread, reregister, .. } => {
                self.pairs =
                    vec![Pair { step: PairScript::Start, gen: 0, post_call: SimDuration::ZERO }; n as usize / 2];
                for pair in 0..n / 2 {
                    let a = 2 * pair;
                    let mut rng = self.ue_rng(a);
                    let (spread, at) = if preregistered { (reregister, true) } else { (start_spread, false) };
                    let start =
                        SimTime::ZERO + SimDuration::from_ns((spread.as_ns() as f64 * rng.random::<f64>()) as u64);
                    if at {
                        for ue in [a, a + 1] {
                            self.preregister(q, ue, start, reregister);
                        }
                    }
                    q.schedule_at(start, Ev::PairStep { pair, gen: 0 });
                }
            }
            Load::CoreOnly { preregistered, reregisters_per_hour, bhca, .. } => {
                if reregisters_per_hour > 0.0 {
                    let every = SimDuration::from_secs_f64(3600.0 / reregisters_per_hour);
                    self.start_refresh_timers(q, preregistered, every);
                }
                if bhca > 0.0 && n >= 2 {
                    self.rate_now = bhca / 2.0 * n as f64 / 3600.0;
                    self.schedule_next_call(q);
                }
            }
            Load::Rate { preregistered, reregister, rate, rate_increase, rate_interval, .. } => {
                self.start_refresh_timers(q, preregistered, reregister);
                self.rate_now = rate.as_per_second();
                if n >= 2 {
                    self.schedule_next_call(q);
                }
                if rate_increase.is_some() {
                    q.schedule_in(rate_interval, Ev::RampStep);
                }
            }
            Load::Sipp(s) => {
                if s.preregistered {
                    // Bindings as if each subscriber registered within the last half of its
                    // granted expiry: they lapse unless a source re-registers them.
                    let every =
                        SimDuration::from_secs(self.p.granted_expires_s as u64 / 2).max(SimDuration::from_secs(1));
                    for ue in 0..n {
                        let mut rng = self.ue_rng(ue);
                        let at = SimTime::ZERO + every.saturating_mul_f64(rng.random::<f64>());
                        self.preregister(q, ue, at, every);
                    }
                }
                self.start_sipp(q);
            }
            Load::Poisson { .. } => unreachable!("the queue model has no subscribers"),
        }
    }

    /// Each subscriber refreshes every `every`, at a uniformly random phase.
    fn start_refresh_timers(&mut self, q: &mut EventQueue<Ev>, preregistered: bool, every: SimDuration) {
        for ue in 0..self.ues.len() as UeId {
            let mut rng = self.ue_rng(ue);
            let at = SimTime::ZERO + SimDuration::from_ns((every.as_ns() as f64 * rng.random::<f64>()) as u64);
            if preregistered {
                self.preregister(q, ue, at, every);
            }
            q.schedule_at(at, Ev::UeRegister { ue, gen: 0 });
        }
    }

    /// Installs the state of a subscriber that last registered `every` before `next` (the
    /// binding in memcached, its Chronos timer, Homestead's record of random age).
    fn preregister(&mut self, q: &mut EventQueue<Ev>, ue: UeId, next: SimTime, every: SimDuration) {
        let granted_ns = self.p.granted_expires_s as u64 * crate::engine::time::NS_PER_S;
        let expiry_ns = (next.as_ns() + granted_ns).saturating_sub(every.as_ns());
        let expiry = SimTime::from_ns(expiry_ns);
        let mut rng = self.ue_rng(ue);
        let fresh = self.p.hss_reregistration.saturating_mul_f64(rng.random::<f64>());
        let (bono_ttl, sites) = (self.p.dns.bono_ttl, self.topo.ids.len());
        // Steady state of the UE's DNS cache: it looked the Bono name up at the first
        // registration after its answer expired, so lookups come every m = ⌈TTL/every⌉
        // registrations and the last one was j registrations before `next`, j uniform in
        // 1..=m. (Times before the run are negative; an answer that expired then is kept
        // as expired at 1 ns, which still counts as "has an answer" for stale use.)
        let m = bono_ttl.as_ns().div_ceil(every.as_ns().max(1)).max(1);
        let j = if m > 1 { rng.random_range(1..=m) } else { 1 };
        let last_lookup_ns = next.as_ns() as i128 - (j as i128) * every.as_ns() as i128;
        let expires_ns = (last_lookup_ns + bono_ttl.as_ns() as i128).max(1);
        let dns_expires = SimTime::from_ns(expires_ns as u64);
        let site = self.ues[ue].site;
        // Both replicas of the bindings hold the record — one where the site has a single
        // Sprout. Rendezvous hashing names min(2, Sprouts) replicas whatever the key, so the
        // count alone says which (no hashing per subscriber).
        let mut held = [0u8; 2];
        for (s, h) in held.iter_mut().enumerate().take(sites) {
            *h = match self.sprouts_of(s as u8).len() {
                0 => 0,
                1 => 1,
                _ => 3,
            };
        }
        let u = &mut self.ues[ue];
        u.registered = true;
        u.connected = true;
        // A SIPp instance starts with a socket of its own: Bono has authenticated nothing on
        // its flow, whoever registered the subscriber before the run.
        let sipp = matches!(self.p.load, Load::Sipp(_));
        u.flow_authenticated = self.nodes[u.edge].tier == crate::scenario::Tier::Bono && !sipp;
        u.dns.expires = dns_expires;
        self.homestead.install(ue, SimTime::ZERO + fresh);
        let expires_s = whole_seconds(expiry);
        // GR: Sprout wrote the bindings to both sites' stores.
        self.store.install(ue, [expires_s, if sites == 2 { expires_s } else { 0 }], held);
        let replicas = self.binding_timer_replicas(ue, site);
        let due = SimTime::ZERO + SimDuration::from_secs(expires_s as u64);
        self.set_binding_timer(q, ue, due.max(q.now()), replicas, None);
        self.reg_event_preinstall(q, ue);
    }

    /// A registration procedure finished (`ok`: 200 OK received).
    pub fn register_done(&mut self, q: &mut EventQueue<Ev>, ue: UeId, ok: bool) {
        let u = &mut self.ues[ue];
        u.registering = false;
        u.registered = ok;
        u.tried = 0;
        if ok {
            u.failures = 0;
        }
        match self.p.load.clone() {
            Load::SipStress { reregister, call_probability, answer_after, talk, .. } => {
                let pair = ue / 2;
                let step = self.pairs[pair as usize].step;
                if step == PairScript::RegisteringA && ue == 2 * pair && ok {
                    self.pairs[pair as usize].step = PairScript::RegisteringB;
                    self.start_register(q, ue + 1);
                } else if step == PairScript::RegisteringB && ue == 2 * pair + 1 && ok {
                    let mut rng = self.ue_rng(2 * pair);
                    let (x, y): (f64, f64) = (rng.random(), rng.random());
                    let p = &mut self.pairs[pair as usize];
                    p.gen = p.gen.wrapping_add(1);
                    if x < call_probability {
                        let budget = call_budget(reregister, answer_after, talk);
                        let pre = SimDuration::from_ns((budget.as_ns() as f64 * y) as u64);
                        p.step = PairScript::PreCall;
                        p.post_call = budget - pre;
                        q.schedule_in(pre, Ev::PairStep { pair, gen: p.gen });
                    } else {
                        p.step = PairScript::Pausing;
                        q.schedule_in(reregister, Ev::PairStep { pair, gen: p.gen });
                    }
                } else if !ok && matches!(step, PairScript::RegisteringA | PairScript::RegisteringB) {
                    // A failed step ends this pass of the script; the pair tries again after
                    // the pause.
                    let p = &mut self.pairs[pair as usize];
                    p.gen = p.gen.wrapping_add(1);
                    p.step = PairScript::Pausing;
                    q.schedule_in(reregister, Ev::PairStep { pair, gen: p.gen });
                }
            }
            Load::CoreOnly { reregisters_per_hour, .. } => {
                let every = SimDuration::from_secs_f64(3600.0 / reregisters_per_hour);
                let after = if ok { every } else { self.register_backoff(ue) };
                self.schedule_refresh(q, ue, after);
            }
            Load::Rate { reregister, .. } => {
                let after = if ok { reregister } else { self.register_backoff(ue) };
                self.schedule_refresh(q, ue, after);
            }
            Load::Poisson { .. } | Load::Sipp(_) => {}
        }
    }

    fn schedule_refresh(&mut self, q: &mut EventQueue<Ev>, ue: UeId, after: SimDuration) {
        let u = &mut self.ues[ue];
        u.reg_gen = u.reg_gen.wrapping_add(1);
        q.schedule_in(after, Ev::UeRegister { ue, gen: u.reg_gen });
    }

    pub fn ue_register_timer(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u16) {
        if self.ues[ue].reg_gen == gen {
            self.start_register(q, ue);
        }
    }

    pub fn pair_step(&mut self, q: &mut EventQueue<Ev>, pair: u32, gen: u32) {
        let p = &mut self.pairs[pair as usize];
        if p.gen != gen {
            return;
        }
        match p.step {
            PairScript::Start | PairScript::Pausing | PairScript::PostCall => {
                p.step = PairScript::RegisteringA;
                self.start_register(q, 2 * pair);
            }
            PairScript::PreCall => {
                p.step = PairScript::InCall;
                self.start_call(q, 2 * pair, 2 * pair + 1, pair);
            }
            PairScript::RegisteringA | PairScript::RegisteringB | PairScript::InCall => {}
        }
    }

    /// The pair's call ended: wait out the rest of the budget, then loop.
    pub fn pair_after_call(&mut self, q: &mut EventQueue<Ev>, pair: u32) {
        let p = &mut self.pairs[pair as usize];
        p.gen = p.gen.wrapping_add(1);
        p.step = PairScript::PostCall;
        q.schedule_in(p.post_call, Ev::PairStep { pair, gen: p.gen });
    }

    fn schedule_next_call(&mut self, q: &mut EventQueue<Ev>) {
        if self.rate_now <= 0.0 {
            return;
        }
        let gap = match self.p.load {
            // Poisson arrivals.
            Load::CoreOnly { .. } => {
                let e: f64 = Exp1.sample(&mut self.load_rng);
                e / self.rate_now
            }
            // SIPp paces new calls evenly.
            _ => 1.0 / self.rate_now,
        };
        q.schedule_in(SimDuration::from_secs_f64(gap), Ev::CallArrival);
    }

    pub fn call_arrival(&mut self, q: &mut EventQueue<Ev>) {
        let n = self.ues.len() as u64;
        match self.p.load {
            Load::CoreOnly { .. } => {
                let caller = self.load_rng.random_range(0..n) as UeId;
                let mut callee = self.load_rng.random_range(0..n - 1) as UeId;
                if callee >= caller {
                    callee += 1;
                }
                self.start_call(q, caller, callee, u32::MAX);
                self.schedule_next_call(q);
            }
            Load::Rate { limit, max_calls, .. } => {
                if max_calls.is_some_and(|m| self.calls_started >= m) {
                    return;
                }
                if (self.calls.len() as u64) < limit {
                    let pairs = n / 2;
                    let k = self.calls_started % pairs;
                    self.start_call(q, (2 * k) as UeId, (2 * k + 1) as UeId, u32::MAX);
                } else {
                    self.stats.counters.calls_refused_by_limit += 1;
                }
                self.schedule_next_call(q);
            }
            _ => {}
        }
    }

    pub fn ramp_step(&mut self, q: &mut EventQueue<Ev>) {
        if let Load::Rate { rate_increase: Some(inc), rate_max, rate_interval, .. } = self.p.load {
            let max = rate_max.map_or(f64::INFINITY, |m| m.as_per_second());
            self.rate_now = (self.rate_now + inc.as_per_second()).min(max);
            if self.rate_now < max {
                q.schedule_in(rate_interval, Ev::RampStep);
            }
        }
    }
}
