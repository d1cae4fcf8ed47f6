//! Sprout: a worker runs a message's program (flows.rs), blocking on HTTP to Homestead and
//! Homer, on memcached and on its local Chronos; between blocking operations it needs the
//! CPU again. The servers of those operations (Homestead, Homer, memcached and Chronos on
//! the Sprout nodes) are handled here too.

use rand::Rng as _;

use super::flows::{ChronosOp, HttpOp, McKey, McOp, Method, Program, Step, TimerKind};
use super::node::{rendezvous, whole_seconds, Topology};
use super::params::Params;
use super::state::*;
use super::world::{Class, World};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;
use crate::network::dns::Lookup;
use crate::scenario::Tier;

/// Salts of the record keys hashed onto memcached and Chronos replicas.
const SALT_AV: u64 = 0xa5a5_0001;
const SALT_BINDINGS: u64 = 0xa5a5_0002;
const SALT_TIMER_BINDING: u64 = 0xa5a5_0003;
const SALT_TIMER_CHALLENGE: u64 = 0xa5a5_0004;

fn record_key(salt: u64, ue: UeId) -> u64 {
    (salt << 32) ^ ue as u64
}

/// The step a message is executing (its program counter was advanced when it started).
fn current_step(m: &Msg) -> Step {
    m.program.steps()[m.pc as usize - 1]
}

impl World {
    /// A SIP message arrives at Sprout: choose its program and queue its first CPU burst.
    pub fn sprout_receive(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (ue, code, method, stage) = (m.ue, m.code, m.method, m.stage);
        let node = m.route[1];
        let (program, cost): (Program, fn(&Params) -> &crate::engine::Dist) = if code != 0 {
            (Program::Relay, |p| &p.costs.sprout_response)
        } else {
            self.nodes[node as usize].window.requests += 1;
            self.stats.count_sprout_request();
            match method {
                Method::Register => (self.register_program(ue, stage, now), |p| &p.costs.sprout_request),
                Method::Invite if self.p.has_homer => (Program::InviteWithHomer, |p| &p.costs.sprout_request),
                Method::Invite => (Program::InviteWithoutHomer, |p| &p.costs.sprout_request),
                _ => (Program::Relay, |p| &p.costs.sprout_in_dialog),
            }
        };
        let worker = self.demand(node, cost);
        let m = self.msgs.get_mut(key).expect("live message");
        m.program = program;
        m.pc = 0;
        m.lat_ns = 0;
        m.worker_ns = worker.as_ns();
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(key), total, if code == 0 { Class::NewRequest } else { Class::New });
    }

    /// Which registrar program a REGISTER runs: stage 0 is unauthenticated (challenge),
    /// stage 1 carries credentials; stage 2 is a refresh sent without a challenge.
    fn register_program(&self, ue: UeId, stage: u8, now: SimTime) -> Program {
        let bound = whole_seconds(now) < self.ues[ue as usize].binding_expires_s;
        match (stage, bound) {
            (0, _) | (2, false) => Program::RegisterChallenge,
            (2, true) => Program::RegisterUnchallengedRefresh,
            (_, true) => Program::RegisterAuthRefresh,
            (_, false) => Program::RegisterAuthInitial,
        }
    }

    /// Runs the next step of the message's program, or finishes it.
    pub fn sprout_continue(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        let steps = m.program.steps();
        if (m.pc as usize) < steps.len() {
            let step = steps[m.pc as usize];
            m.pc += 1;
            m.attempt = 0;
            self.op_start(q, key, step);
        } else {
            self.sprout_finish(q, key);
        }
    }

    /// Queues a continuation burst after a blocking operation returned.
    fn sprout_resume(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let node = self.msgs.get(key).expect("live message").route[1];
        let worker = self.demand(node, |p| &p.costs.sprout_continuation);
        self.msgs.get_mut(key).expect("live message").worker_ns = worker.as_ns();
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(key), total, Class::Resumed);
    }

    fn sprout_finish(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get(key).expect("live message");
        let sprout = m.route[1];
        self.nodes[sprout as usize].record_latency(m.lat_ns);
        self.stats.sprout_latency.record(SimDuration::from_ns(m.lat_ns));
        if m.code != 0 {
            return self.forward(q, key, HOP_BONO_A);
        }
        match m.program {
            Program::Relay => self.forward(q, key, HOP_BONO_B),
            Program::RegisterChallenge => self.respond_from_sprout(q, key, 401),
            Program::RegisterAuthInitial | Program::RegisterAuthRefresh | Program::RegisterUnchallengedRefresh => {
                self.respond_from_sprout(q, key, 200)
            }
            Program::InviteWithHomer | Program::InviteWithoutHomer => {
                if m.found {
                    let (peer, call) = (m.peer, m.call);
                    let callee_bono = self.edge_bono(peer);
                    let m = self.msgs.get_mut(key).expect("live message");
                    m.route[2] = callee_bono;
                    let route = m.route;
                    if let Some(c) = self.calls.get_mut(call) {
                        c.route = route;
                    }
                    self.forward(q, key, HOP_BONO_B)
                } else {
                    // The callee has no valid binding: 480 Temporarily Unavailable.
                    self.respond_from_sprout(q, key, 480)
                }
            }
            Program::BindingExpiry => {
                self.msgs.remove(key);
            }
        }
    }

    // --- Blocking operations -----------------------------------------------------------

    fn op_start(&mut self, q: &mut EventQueue<Ev>, key: Key, step: Step) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, ue) = (m.route[1], m.ue);
        let site = self.nodes[sprout as usize].site;
        let target = match step {
            Step::Http(op) => {
                let tier = if op.is_homer() { Tier::Homer } else { Tier::Homestead };
                let name = Topology::name(site, tier);
                let node = &mut self.nodes[sprout as usize];
                match node.resolver.lookup(now, name) {
                    Lookup::Fresh(r) | Lookup::Stale(r) if !r.is_empty() => r[node.rng.random_range(0..r.len())],
                    Lookup::Refresh(_) | Lookup::Miss => {
                        // Resolve first (the worker blocks), then run this step again.
                        let d = self.dns_round_trip(sprout);
                        self.msgs.get_mut(key).expect("live").pc -= 1;
                        q.schedule_in(d, Ev::DnsDone { msg: key });
                        return;
                    }
                    _ => return self.respond_from_sprout(q, key, 504),
                }
            }
            Step::Mc(op, record) => {
                let owner = if record == McKey::CalleeBindings { m.peer } else { ue };
                let salt = if record == McKey::Av { SALT_AV } else { SALT_BINDINGS };
                let replicas = rendezvous(record_key(salt, owner), self.sprouts_of(site));
                if op.is_write() && replicas[1] != NO_NODE {
                    // memcached writes go to both replicas; the worker waits for the first.
                    let d = self.node_delay(sprout, replicas[1]);
                    q.schedule_in(d, Ev::SideArrive { node: replicas[1], side: Side::McReplicaWrite });
                }
                replicas[0]
            }
            // Sprout talks to the Chronos on its own node.
            Step::Chronos(..) => sprout,
        };
        let m = self.msgs.get_mut(key).expect("live message");
        m.op_target = target;
        m.attempt += 1;
        let d = self.node_delay(sprout, target);
        q.schedule_in(d, Ev::OpArrive { msg: key });
    }

    /// The DNS query a worker blocked on returns; the step is retried with the new answer.
    pub fn dns_done(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let sprout = m.route[1];
        let Step::Http(op) = m.program.steps()[m.pc as usize] else { unreachable!("only HTTP steps resolve") };
        let tier = if op.is_homer() { Tier::Homer } else { Tier::Homestead };
        let name = Topology::name(self.nodes[sprout as usize].site, tier);
        let answer = self.dns.query(name, None);
        self.nodes[sprout as usize].resolver.complete(now, name, answer);
        self.sprout_continue(q, key);
    }

    /// A blocking operation's request reaches its server: queue the server's CPU work.
    pub fn op_arrive(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (target, ue, step) = (m.op_target, m.ue, current_step(m));
        let demand = match step {
            Step::Http(op) if op.is_homer() => {
                self.nodes[target as usize].window.requests += 1;
                self.demand(target, |p| &p.costs.homer_request)
            }
            Step::Http(op) => {
                self.nodes[target as usize].window.requests += 1;
                let hss = self.homestead_needs_hss(op, ue, now);
                self.msgs.get_mut(key).expect("live").hss = hss;
                let base = self.demand(target, |p| &p.costs.homestead_request);
                if hss {
                    base + self.demand(target, |p| &p.costs.homestead_hss)
                } else {
                    base
                }
            }
            Step::Mc(..) => self.demand(target, |p| &p.costs.memcached_op),
            Step::Chronos(..) => self.demand(target, |p| &p.costs.chronos_op),
        };
        // memcached and Chronos run beside the waiting worker on Sprout nodes.
        let class = if matches!(step, Step::Http(_)) { Class::New } else { Class::Resumed };
        self.submit(q, target, Job::Op(key), demand, class);
    }

    /// Homestead's cache rule [doc 8.21, src homestead]: with an external HSS, UAR, MAR
    /// (impu_cache_ttl = 0), LIR and deregistrations always go to the HSS; a registration SAR
    /// only when the subscriber is not registered at Homestead or its record is older than
    /// hss_reregistration_time; reg-data for calls is served from the cache.
    fn homestead_needs_hss(&self, op: HttpOp, ue: UeId, now: SimTime) -> bool {
        if self.p.net.hss.is_none() {
            return false;
        }
        let u = &self.ues[ue as usize];
        match op {
            HttpOp::Uar | HttpOp::Mar | HttpOp::Lir | HttpOp::SarDereg => true,
            HttpOp::Sar => !u.hs_registered || now >= u.hs_fresh_until,
            HttpOp::RegDataCall | HttpOp::RegDataGet | HttpOp::Simservs => false,
        }
    }

    /// The server finished its CPU work: apply the operation's effect and answer.
    pub fn op_served(&mut self, q: &mut EventQueue<Ev>, server: NodeId, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, ue, peer, step, used_hss) = (m.route[1], m.ue, m.peer, current_step(m), m.hss);
        self.stats.count_op(step);
        let mut delay = self.node_delay(server, sprout);
        match step {
            Step::Http(op) => {
                let rng = &mut self.nodes[server as usize].rng;
                delay += match (&self.p.net.hss, used_hss) {
                    (Some(hss), true) => hss.sample(rng),
                    _ => self.p.net.cassandra.sample(rng),
                };
                let u = &mut self.ues[ue as usize];
                match op {
                    HttpOp::Sar => {
                        if used_hss || !u.hs_registered {
                            u.hs_fresh_until = now + self.p.hss_reregistration;
                        }
                        u.hs_registered = true;
                    }
                    HttpOp::SarDereg => u.hs_registered = false,
                    _ => {}
                }
            }
            Step::Mc(op, record) => {
                let now_s = whole_seconds(now);
                let granted = self.p.granted_expires_s;
                let expiry_program = self.msgs.get(key).expect("live").program == Program::BindingExpiry;
                match (op, record) {
                    (McOp::Get, McKey::CalleeBindings) => {
                        let found = now_s < self.ues[peer as usize].binding_expires_s;
                        self.msgs.get_mut(key).expect("live").found = found;
                    }
                    (McOp::Add | McOp::Cas, McKey::Bindings) if !expiry_program => {
                        self.ues[ue as usize].binding_expires_s = now_s + granted;
                    }
                    (McOp::Cas, McKey::Bindings) => {
                        // The timer-pop task writes back the AoR without expired bindings.
                        let u = &mut self.ues[ue as usize];
                        if u.binding_expires_s != 0 && u.binding_expires_s <= now_s {
                            u.binding_expires_s = 0;
                            self.stats.bindings_expired += 1;
                        }
                    }
                    (McOp::Delete, McKey::Bindings) => self.ues[ue as usize].binding_expires_s = 0,
                    _ => {}
                }
            }
            Step::Chronos(op, timer) => self.chronos_apply(q, server, ue, op, timer),
        }
        q.schedule_in(delay, Ev::OpReply { msg: key });
    }

    /// The worker's blocking operation returned: it needs the CPU again.
    pub fn op_reply(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        if self.msgs.get(key).is_some() {
            self.sprout_resume(q, key);
        }
    }

    // --- Chronos -------------------------------------------------------------------------

    /// Chronos on `node` (the worker's own node) handles a timer operation: it stores the
    /// timer on its replicas (rendezvous hashing over the site's Sprouts) and replicates the
    /// operation to the replicas other than itself.
    fn chronos_apply(&mut self, q: &mut EventQueue<Ev>, node: NodeId, ue: UeId, op: ChronosOp, timer: TimerKind) {
        let now = q.now();
        let site = self.nodes[node as usize].site;
        let salt = if timer == TimerKind::Binding { SALT_TIMER_BINDING } else { SALT_TIMER_CHALLENGE };
        let replicas = rendezvous(record_key(salt, ue), self.sprouts_of(site));
        for r in replicas {
            if r != NO_NODE && r != node {
                let d = self.node_delay(node, r);
                q.schedule_in(d, Ev::SideArrive { node: r, side: Side::ChronosReplica });
            }
        }
        match (timer, op) {
            (TimerKind::Challenge, ChronosOp::Delete) => {
                for r in replicas.into_iter().filter(|&r| r != NO_NODE) {
                    let c = &mut self.nodes[r as usize].challenge_timers;
                    *c = c.saturating_sub(1);
                }
            }
            (TimerKind::Challenge, _) => {
                for r in replicas.into_iter().filter(|&r| r != NO_NODE) {
                    self.nodes[r as usize].challenge_timers += 1;
                }
            }
            (TimerKind::Binding, ChronosOp::Delete) => {
                // The timer-pop task deletes the timer only when no binding is left.
                let u = &self.ues[ue as usize];
                if u.binding_expires_s <= whole_seconds(now) {
                    self.clear_binding_timer(ue);
                }
            }
            (TimerKind::Binding, _) => {
                let u = &self.ues[ue as usize];
                let interval_s = u.binding_expires_s.saturating_sub(whole_seconds(now)).max(1);
                let due = now + SimDuration::from_secs(interval_s as u64);
                self.set_binding_timer(q, ue, due, replicas);
            }
        }
    }

    /// Where a subscriber's binding timer lives: two Sprouts of its site, by rendezvous
    /// hashing of the timer id.
    pub fn binding_timer_replicas(&self, ue: UeId, site: u8) -> [NodeId; 2] {
        rendezvous(record_key(SALT_TIMER_BINDING, ue), self.sprouts_of(site))
    }

    /// Stores (or replaces) a subscriber's binding timer and schedules its pop.
    pub fn set_binding_timer(&mut self, q: &mut EventQueue<Ev>, ue: UeId, due: SimTime, replicas: [NodeId; 2]) {
        self.clear_binding_timer(ue);
        for r in replicas.into_iter().filter(|&r| r != NO_NODE) {
            self.nodes[r as usize].binding_timers += 1;
        }
        let u = &mut self.ues[ue as usize];
        u.timer_gen = u.timer_gen.wrapping_add(1);
        u.timer_set = true;
        u.timer_due = due;
        u.timer_replicas = replicas;
        q.schedule_at(due, Ev::ChronosPop { ue, gen: u.timer_gen, replica: 0 });
    }

    fn clear_binding_timer(&mut self, ue: UeId) {
        let u = &mut self.ues[ue as usize];
        if !u.timer_set {
            return;
        }
        u.timer_set = false;
        u.timer_gen = u.timer_gen.wrapping_add(1);
        for r in u.timer_replicas {
            if r != NO_NODE {
                let c = &mut self.nodes[r as usize].binding_timers;
                *c = c.saturating_sub(1);
            }
        }
    }

    /// A binding timer is due on replica `replica`: the primary fires at the due time; a
    /// backup 2 s later only if the primary could not [src chronos: timer.cpp].
    pub fn chronos_pop(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32, replica: u8) {
        let u = &self.ues[ue as usize];
        if !u.timer_set || u.timer_gen != gen {
            return;
        }
        let node = u.timer_replicas[replica as usize];
        if node == NO_NODE {
            return;
        }
        if !self.nodes[node as usize].up {
            if replica == 0 {
                q.schedule_in(super::params::CHRONOS_BACKUP_DELAY, Ev::ChronosPop { ue, gen, replica: 1 });
            }
            return;
        }
        let demand = self.demand(node, |p| &p.costs.chronos_op);
        self.submit(q, node, Job::Side(Side::ChronosPop { ue, gen }), demand, Class::New);
    }

    pub fn side_arrive(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side) {
        let demand = match side {
            Side::McReplicaWrite => self.demand(node, |p| &p.costs.memcached_op),
            _ => self.demand(node, |p| &p.costs.chronos_op),
        };
        self.submit(q, node, Job::Side(side), demand, Class::Resumed);
    }

    pub fn side_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side) {
        match side {
            Side::McReplicaWrite => self.stats.mc_replica_writes += 1,
            Side::ChronosReplica | Side::ChronosSkip => {}
            Side::ChronosPop { ue, gen } => {
                let u = &self.ues[ue as usize];
                if !u.timer_set || u.timer_gen != gen {
                    return;
                }
                self.stats.timer_pops += 1;
                // Tell the other replica so its backup does not fire too.
                let other = if u.timer_replicas[0] == node { u.timer_replicas[1] } else { u.timer_replicas[0] };
                if other != NO_NODE {
                    let d = self.node_delay(node, other);
                    q.schedule_in(d, Ev::SideArrive { node: other, side: Side::ChronosSkip });
                }
                // The pop is an HTTP callback into the Sprout on the same node.
                let msg = self.msgs.insert(Msg {
                    txn: NO_KEY,
                    method: Method::Register,
                    code: 0,
                    ue,
                    peer: ue,
                    route: [NO_NODE, node, NO_NODE],
                    hop: HOP_SPROUT,
                    program: Program::BindingExpiry,
                    pc: 0,
                    stage: 0,
                    op_target: NO_NODE,
                    attempt: 0,
                    found: false,
                    hss: false,
                    call: NO_KEY,
                    lat_ns: 0,
                    worker_ns: 0,
                });
                // The timer has fired: later pops of this generation are ignored.
                let u = &mut self.ues[ue as usize];
                u.timer_gen = u.timer_gen.wrapping_add(1);
                let worker = self.demand(node, |p| &p.costs.sprout_request);
                self.msgs.get_mut(msg).expect("just inserted").worker_ns = worker.as_ns();
                let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
                self.submit(q, node, Job::Msg(msg), total, Class::New);
            }
        }
    }
}
