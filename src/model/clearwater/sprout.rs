//! Sprout: a worker runs a message's program (flows.rs), blocking on HTTP to Homestead and
//! Homer, on memcached and on its local Chronos; between blocking operations it needs the
//! CPU again. The servers of those operations (Homestead, Homer, memcached and Chronos on
//! the Sprout nodes) are handled here too, with their failure behaviour:
//! - HTTP [src cpp-common: httpclient.cpp]: at most `http_attempts` (2) targets, shuffled;
//!   a transport error blacklists the target; a timeout (1.2 s per attempt) moves on;
//! - memcached [src cpp-common: memcachedstore.cpp]: up to 2 replicas per operation; in GR,
//!   reads fall back to the remote site's store, writes are repeated there;
//! - Chronos: the worker's local Chronos replicates to the timer's 2 replicas; a replica that
//!   misses the replication (blocked port, crash) will not fire.

use rand::Rng as _;

use super::events::{Ev, Job, Side};
use super::flows::{ChronosOp, HttpOp, McKey, McOp, Method, Program, Step, TimerKind};
use super::message::{Hop, HttpAnswer, Msg, RegisterStage, Route, Status, NO_KEY};
use super::node::{rendezvous, whole_seconds, NodeId, Topology, NO_NODE};
use super::outage::OutageCause;
use super::params::Params;
use super::reachability::Path;
use super::ue::UeId;
use super::world::{Class, World};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;
use crate::network::blacklist::Standing;
use crate::network::dns::Lookup;
use crate::network::ports::{self, Interface};
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

fn interface(step: Step) -> &'static Interface {
    match step {
        Step::Http(op) if op.is_homer() => &ports::SPROUT_TO_HOMER,
        Step::Http(_) => &ports::SPROUT_TO_HOMESTEAD,
        Step::Mc(..) => &ports::MEMCACHED,
        Step::Chronos(..) => &ports::CHRONOS,
    }
}

impl World {
    /// A SIP message arrives at Sprout: choose its program and queue its first CPU burst.
    pub fn sprout_receive(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (ue, request, method, stage) = (m.ue, m.is_request(), m.method, m.stage);
        let node = m.sprout();
        let (program, cost): (Program, fn(&Params) -> &crate::engine::Dist) = if !request {
            (Program::Relay, |p| &p.costs.sprout_response)
        } else {
            self.nodes[node as usize].window.requests += 1;
            self.stats.count_sprout_request();
            match method {
                Method::Register => (self.register_program(ue, stage, node, now), |p| &p.costs.sprout_request),
                Method::Invite if self.p.has_homer => (Program::InviteWithHomer, |p| &p.costs.sprout_request),
                Method::Invite => (Program::InviteWithoutHomer, |p| &p.costs.sprout_request),
                _ => (Program::Relay, |p| &p.costs.sprout_in_dialog),
            }
        };
        if !self.sip_admit(node, key, now) {
            // A stateless 503 from the transport thread: cheap, and not a worker's message.
            let m = self.msgs.get_mut(key).expect("live message");
            m.program = Program::Reject;
            m.status = Status::Response(503);
            let cost = self.p.reject_cost.saturating_mul_f64(1.0 + self.p.sprout_untimed);
            return self.submit(q, node, Job::Msg(key), cost, Class::New);
        }
        let worker = self.demand(node, cost);
        let m = self.msgs.get_mut(key).expect("live message");
        m.program = program;
        m.pc = 0;
        m.lat_ns = 0;
        m.worker_ns = worker.as_ns();
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(key), total, if request { Class::NewRequest } else { Class::New });
    }

    /// Whether a valid copy of `ue`'s bindings is in `site`'s store.
    pub fn bound_in(&self, ue: UeId, site: u8, now: SimTime) -> bool {
        let u = &self.ues[ue as usize];
        u.mc_held[site as usize] != 0 && whole_seconds(now) < u.binding_expires_s[site as usize]
    }

    /// Whether Sprouts of `site` would find valid bindings (locally, else in GR remotely).
    pub fn bound_for(&self, ue: UeId, site: u8, now: SimTime) -> bool {
        self.bound_in(ue, site, now) || (self.gr() && self.bound_in(ue, 1 - site, now))
    }

    pub fn gr(&self) -> bool {
        self.topo.ids.len() == 2
    }

    /// Which registrar program a REGISTER runs: an unauthenticated one is challenged, one
    /// with credentials registers; a refresh sent without a challenge is accepted if Sprout
    /// finds its bindings, else challenged.
    fn register_program(&self, ue: UeId, stage: RegisterStage, sprout: NodeId, now: SimTime) -> Program {
        use RegisterStage as S;
        let bound = self.bound_for(ue, self.nodes[sprout as usize].site, now);
        let p = match (stage, bound) {
            (S::Unauthenticated, _) | (S::UnchallengedRefresh, false) => Program::RegisterChallenge,
            (S::UnchallengedRefresh, true) => Program::RegisterUnchallengedRefresh,
            (S::WithCredentials, true) => Program::RegisterAuthRefresh,
            (S::WithCredentials, false) => Program::RegisterAuthInitial,
        };
        if self.gr() {
            p.gr()
        } else {
            p
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
            m.http_503s = 0;
            m.op_site = self.nodes[m.route.sprout as usize].site;
            if let Step::Mc(_, McKey::RemoteBindings) = step {
                m.op_site = 1 - m.op_site;
            }
            self.op_start(q, key, step);
        } else {
            self.sprout_finish(q, key);
        }
    }

    /// Queues a continuation burst after a blocking operation returned.
    fn sprout_resume(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let node = self.msgs.get(key).expect("live message").sprout();
        let worker = self.demand(node, |p| &p.costs.sprout_continuation);
        self.msgs.get_mut(key).expect("live message").worker_ns = worker.as_ns();
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(key), total, Class::Resumed);
    }

    fn sprout_finish(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, lat_ns, program) = (m.route.sprout, m.lat_ns, m.program);
        if program == Program::Reject {
            return self.forward(q, key, Hop::OriginBono);
        }
        self.nodes[sprout as usize].record_latency(lat_ns);
        self.stats.sprout_latency.record(SimDuration::from_ns(lat_ns));
        if !program.is_binding_expiry() {
            self.throttle_complete(sprout, now, lat_ns);
        }
        let m = self.msgs.get(key).expect("live message");
        if !m.is_request() {
            return self.forward(q, key, Hop::OriginBono);
        }
        match m.program {
            Program::Relay => self.forward(q, key, Hop::TargetBono),
            Program::RegisterChallenge => self.respond_from_sprout(q, key, 401),
            p if p.is_register() => self.respond_from_sprout(q, key, 200),
            Program::InviteWithHomer | Program::InviteWithoutHomer => {
                if m.found {
                    let (peer, call) = (m.peer, m.call);
                    let callee_bono = self.edge_bono(peer);
                    let m = self.msgs.get_mut(key).expect("live message");
                    m.route.target_bono = callee_bono;
                    let route = m.route;
                    if let Some(c) = self.calls.get_mut(call) {
                        c.route = route;
                    }
                    self.forward(q, key, Hop::TargetBono)
                } else {
                    // The callee has no valid binding: 480 Temporarily Unavailable.
                    self.respond_from_sprout(q, key, 480)
                }
            }
            _ => {
                self.msgs.remove(key);
            }
        }
    }

    /// The program cannot go on (its HTTP or local store operation failed for good).
    fn sprout_abort(&mut self, q: &mut EventQueue<Ev>, key: Key, code: u16) {
        let m = self.msgs.get(key).expect("live message");
        if m.program.is_binding_expiry() {
            self.stats.counters.expiry_tasks_failed += 1;
            self.msgs.remove(key);
        } else {
            self.respond_from_sprout(q, key, code);
        }
    }

    // --- Blocking operations -----------------------------------------------------------

    fn op_start(&mut self, q: &mut EventQueue<Ev>, key: Key, step: Step) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, ue, attempt, op_site) = (m.route.sprout, m.ue, m.attempt, m.op_site);
        let site = self.nodes[sprout as usize].site;
        let target = match step {
            Step::Http(op) => {
                let tier = if op.is_homer() { Tier::Homer } else { Tier::Homestead };
                let name = Topology::name(site, tier);
                let tried = m.op_target;
                let retired = &self.retired;
                let node = &mut self.nodes[sprout as usize];
                match node.resolver.lookup(now, name) {
                    Lookup::Fresh(r) | Lookup::Stale(r) if !r.is_empty() => {
                        // Shuffled targets: a random usable one, another one on the retry (a
                        // lone target is tried twice).
                        let usable: Vec<NodeId> = r
                            .iter()
                            .copied()
                            .filter(|&t| node.blacklist.standing(now, t) != Standing::Avoid && !retired.contains(&t))
                            .filter(|&t| attempt == 0 || t != tried || r.len() == 1)
                            .collect();
                        let pool = if usable.is_empty() { r.to_vec() } else { usable };
                        let pick = pool[node.rng.random_range(0..pool.len())];
                        // A graylisted target takes one probing request at a time.
                        if node.blacklist.standing(now, pick) == Standing::Probe {
                            node.blacklist.start_probe(pick);
                        }
                        pick
                    }
                    Lookup::Refresh(_) | Lookup::Miss => {
                        // Resolve first (the worker blocks), then run this step again.
                        let d = self.dns_round_trip(sprout);
                        self.msgs.get_mut(key).expect("live").pc -= 1;
                        q.schedule_in(d, Ev::DnsDone { msg: key });
                        return;
                    }
                    _ => return self.sprout_abort(q, key, 504),
                }
            }
            Step::Mc(op, record) => {
                let owner = if record == McKey::CalleeBindings { m.peer } else { ue };
                let salt = if record == McKey::Av { SALT_AV } else { SALT_BINDINGS };
                let replicas = rendezvous(record_key(salt, owner), self.sprouts_of(op_site));
                let first = if attempt == 0 { 0 } else { 1 };
                if replicas[first] == NO_NODE {
                    // No (further) replica to try: this attempt fails at once.
                    self.msgs.get_mut(key).expect("live").attempt = 2;
                    return self.op_failed(q, key);
                }
                if op.is_write() && first == 0 && replicas[1] != NO_NODE {
                    // memcached writes go to both replicas; the worker waits for the first.
                    let bindings = record != McKey::Av;
                    let side = Side::McReplicaWrite { ue: owner, site: op_site, bindings, delete: op == McOp::Delete };
                    self.send_side(q, sprout, replicas[1], &ports::MEMCACHED, side);
                }
                replicas[first]
            }
            // Sprout talks to the Chronos on its own node.
            Step::Chronos(..) => sprout,
        };
        let m = self.msgs.get_mut(key).expect("live message");
        m.op_target = target;
        m.attempt += 1;
        m.op_sent = now;
        let d = self.node_delay(sprout, target);
        q.schedule_in(d, Ev::OpArrive { msg: key });
    }

    /// Fire-and-forget work from `from` to `to` (lost if the path is not open).
    pub fn send_side(&mut self, q: &mut EventQueue<Ev>, from: NodeId, to: NodeId, iface: &Interface, side: Side) {
        let d = self.node_delay(from, to);
        if self.path(Some(from), to, Some(iface)) == Path::Open {
            q.schedule_in(d, Ev::SideArrive { node: to, side });
        }
    }

    /// The DNS query a worker blocked on returns; the step is retried with the new answer.
    pub fn dns_done(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let Some(m) = self.msgs.get(key) else { return };
        let sprout = m.route.sprout;
        if !self.nodes[sprout as usize].up {
            return self.worker_lost(q, key);
        }
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
        let Some(m) = self.msgs.get(key) else { return };
        let (sprout, target, ue, step, attempt, sent) =
            (m.route.sprout, m.op_target, m.ue, current_step(m), m.attempt, m.op_sent);
        match self.path(Some(sprout), target, Some(interface(step))) {
            Path::Open => {}
            Path::Refused => {
                // Connection refused: the worker learns when the reset gets back.
                let d = self.node_delay(target, sprout);
                q.schedule_in(d, Ev::OpTimeout { msg: key, attempt });
                return;
            }
            Path::Dropped => {
                let timeout = self.op_timeout(step, sprout, target);
                q.schedule_at((sent + timeout).max(now), Ev::OpTimeout { msg: key, attempt });
                return;
            }
        }
        let demand = match step {
            Step::Http(op) if op.is_homer() => {
                self.nodes[target as usize].window.requests += 1;
                self.demand(target, |p| &p.costs.homer_request)
            }
            Step::Http(op) => {
                self.nodes[target as usize].window.requests += 1;
                let admitted = match self.nodes[target as usize].throttle.as_mut() {
                    Some(lm) => lm.admit(now, false),
                    None => true,
                };
                if !admitted {
                    // Homestead's HTTP stack answers 503 at once (no Retry-After).
                    self.nodes[target as usize].window.rejected += 1;
                    self.stats.counters.homestead_rejections += 1;
                    return self.refuse_op(q, key, target, sprout, attempt);
                }
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
            Step::Chronos(..) => {
                if !self.chronos_admit(target, now) {
                    return self.refuse_op(q, key, target, sprout, attempt);
                }
                self.demand(target, |p| &p.costs.chronos_op)
            }
        };
        // memcached and Chronos run beside the waiting worker on Sprout nodes.
        let class = if matches!(step, Step::Http(_)) { Class::New } else { Class::Resumed };
        self.submit(q, target, Job::Op(key), demand, class);
    }

    /// The server's LoadMonitor refused the request: an immediate 503 back to the worker.
    fn refuse_op(&mut self, q: &mut EventQueue<Ev>, key: Key, server: NodeId, sprout: NodeId, attempt: u8) {
        self.msgs.get_mut(key).expect("live").op_answer = HttpAnswer::Unavailable;
        let d = self.node_delay(server, sprout);
        q.schedule_in(d, Ev::OpReply { msg: key, attempt });
    }

    /// How long a worker waits on an operation whose target does not answer. HTTP (Homestead,
    /// Homer, Chronos): on the pooled connection, the request timeout; but a failure closed
    /// that connection, so until a request to the target succeeds again each one opens a
    /// new connection and gives up after the connect timeout, local or remote site
    /// [src cpp-common: httpclient.cpp, http_connection_pool.cpp]. (Pooled connections
    /// idle for 60 s are freed too; under load they never are, which this assumes.)
    /// memcached: its connect timeout, local or remote [src cpp-common: memcachedstore].
    fn op_timeout(&self, step: Step, from: NodeId, to: NodeId) -> SimDuration {
        use crate::model::clearwater::params::{MEMCACHED_CONNECT_LOCAL, MEMCACHED_CONNECT_REMOTE};
        let remote = self.nodes[from as usize].site != self.nodes[to as usize].site;
        match step {
            Step::Http(_) | Step::Chronos(..) => {
                if !self.nodes[from as usize].blacklist.failed_since_success(to) {
                    self.p.pool.http_timeout
                } else if remote {
                    crate::model::clearwater::params::HTTP_CONNECT_REMOTE
                } else {
                    self.p.pool.http_connect_timeout_local
                }
            }
            Step::Mc(..) if remote => MEMCACHED_CONNECT_REMOTE,
            Step::Mc(..) => MEMCACHED_CONNECT_LOCAL,
        }
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
        let Some(m) = self.msgs.get(key) else { return };
        let (sprout, ue, peer, step, used_hss, attempt, site) =
            (m.route.sprout, m.ue, m.peer, current_step(m), m.hss, m.attempt, m.op_site);
        let expiry_task = m.program.is_binding_expiry();
        self.stats.count_op(step);
        let mut delay = self.node_delay(server, sprout);
        match step {
            Step::Http(op) => {
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
                    return;
                }
                delay += io;
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
                let replica = if attempt <= 1 { 0 } else { 1 };
                let now_s = whole_seconds(now);
                let granted = self.p.granted_expires_s;
                match (op, record) {
                    (McOp::Get, McKey::CalleeBindings | McKey::Bindings) => {
                        let owner = if record == McKey::CalleeBindings { peer } else { ue };
                        let u = &self.ues[owner as usize];
                        let found = u.mc_held[site as usize] & (1 << replica) != 0
                            && now_s < u.binding_expires_s[site as usize];
                        let home = self.nodes[sprout as usize].site;
                        if !found && self.gr() && site == home {
                            // GR: not in the local store, so read the remote site's.
                            let m = self.msgs.get_mut(key).expect("live");
                            m.op_site = 1 - home;
                            m.attempt = 0;
                            return self.op_start(q, key, step);
                        }
                        if record == McKey::CalleeBindings {
                            self.msgs.get_mut(key).expect("live").found = found;
                        }
                    }
                    (McOp::Add | McOp::Cas, McKey::Bindings | McKey::RemoteBindings) if !expiry_task => {
                        let u = &mut self.ues[ue as usize];
                        u.binding_expires_s[site as usize] = now_s + granted;
                        u.mc_held[site as usize] |= 1 << replica;
                    }
                    (McOp::Cas, McKey::Bindings | McKey::RemoteBindings) => {
                        // The timer-pop task writes back the AoR without expired bindings.
                        let u = &mut self.ues[ue as usize];
                        let e = &mut u.binding_expires_s[site as usize];
                        if *e != 0 && *e <= now_s {
                            *e = 0;
                            u.mc_held[site as usize] = 0;
                            if record == McKey::Bindings {
                                self.stats.counters.bindings_expired += 1;
                                self.outage_begin(ue, now, OutageCause::BindingExpired);
                            }
                        }
                    }
                    (McOp::Delete, McKey::Bindings | McKey::RemoteBindings) => {
                        let u = &mut self.ues[ue as usize];
                        u.binding_expires_s[site as usize] = 0;
                        u.mc_held[site as usize] &= !(1 << replica);
                    }
                    _ => {}
                }
            }
            Step::Chronos(op, timer) => self.chronos_apply(q, server, ue, op, timer),
        }
        q.schedule_in(delay, Ev::OpReply { msg: key, attempt });
    }

    /// The worker's blocking operation returned: it needs the CPU again.
    pub fn op_reply(&mut self, q: &mut EventQueue<Ev>, key: Key, attempt: u8) {
        let Some(m) = self.msgs.get(key) else { return };
        if m.attempt != attempt {
            return;
        }
        let (sprout, target) = (m.route.sprout, m.op_target);
        if !self.nodes[sprout as usize].up {
            return self.worker_lost(q, key);
        }
        if self.partitioned && self.nodes[sprout as usize].site != self.nodes[target as usize].site {
            return; // the answer is lost too; the timeout was scheduled when it was sent
        }
        let answer = self.msgs.get(key).expect("live").op_answer;
        if answer != HttpAnswer::Ok {
            return self.http_error(q, key, answer);
        }
        self.nodes[sprout as usize].blacklist.success(target);
        self.sprout_resume(q, key);
    }

    /// Homestead answered 503 (throttled) or 504 (HSS timeout): try the other target after a
    /// 503, give up after two 503s or any 504, recording a penalty at Sprout.
    fn http_error(&mut self, q: &mut EventQueue<Ev>, key: Key, answer: HttpAnswer) {
        let m = self.msgs.get_mut(key).expect("live message");
        m.op_answer = HttpAnswer::Ok;
        let (sprout, step, attempt) = (m.route.sprout, current_step(m), m.attempt);
        if answer == HttpAnswer::Unavailable {
            m.http_503s += 1;
            if (attempt as u32) < self.p.pool.http_attempts {
                return self.op_start(q, key, step);
            }
        }
        if matches!(step, Step::Chronos(..)) {
            // Chronos refused twice: Sprout goes on without the timer, and without a penalty.
            return self.sprout_resume(q, key);
        }
        let m = self.msgs.get(key).expect("live");
        if answer == HttpAnswer::GatewayTimeout || m.http_503s >= 2 {
            self.throttle_penalty(sprout);
        }
        self.sprout_abort(q, key, 504)
    }

    /// The operation failed (refused, or timed out): retry elsewhere or give up.
    pub fn op_timeout_event(&mut self, q: &mut EventQueue<Ev>, key: Key, attempt: u8) {
        let Some(m) = self.msgs.get(key) else { return };
        if m.attempt != attempt {
            return;
        }
        if !self.nodes[m.route.sprout as usize].up {
            return self.worker_lost(q, key);
        }
        self.op_failed(q, key);
    }

    fn op_failed(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, target, step, attempt, site) =
            (m.route.sprout, m.op_target, current_step(m), m.attempt, m.op_site);
        let home = self.nodes[sprout as usize].site;
        match step {
            Step::Http(_) => {
                let (black, gray) = (self.p.pool.http_blacklist, self.p.pool.graylist);
                self.nodes[sprout as usize].blacklist.add(now, target, black, gray);
                self.stats.counters.http_failures += 1;
                if (attempt as u32) < self.p.pool.http_attempts {
                    self.op_start(q, key, step)
                } else {
                    self.sprout_abort(q, key, 504)
                }
            }
            Step::Mc(op, record) => {
                self.stats.counters.memcached_failures += 1;
                if attempt < 2 {
                    return self.op_start(q, key, step); // the other replica
                }
                let gr = self.gr();
                let m = self.msgs.get_mut(key).expect("live");
                match (op, record) {
                    // Local store unreachable: GR reads go to the remote store.
                    (McOp::Get, McKey::Bindings | McKey::CalleeBindings) if gr && site == home => {
                        m.op_site = 1 - home;
                        m.attempt = 0;
                        self.op_start(q, key, step)
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
            Step::Chronos(..) => self.sprout_resume(q, key),
        }
    }

    // --- Chronos -------------------------------------------------------------------------

    /// The hashing key of `ue`'s bindings record.
    pub fn bindings_key(&self, ue: UeId) -> u64 {
        record_key(SALT_BINDINGS, ue)
    }

    /// The memcached replicas of `ue`'s bindings in `site`'s store.
    pub fn bindings_replicas(&self, ue: UeId, site: u8) -> [NodeId; 2] {
        rendezvous(record_key(SALT_BINDINGS, ue), self.sprouts_of(site))
    }

    /// Where a subscriber's binding timer lives: two Sprouts of its site, by rendezvous
    /// hashing of the timer id.
    pub fn binding_timer_replicas(&self, ue: UeId, site: u8) -> [NodeId; 2] {
        rendezvous(record_key(SALT_TIMER_BINDING, ue), self.sprouts_of(site))
    }

    /// Chronos on `node` (the worker's own node) handles a timer operation: it stores the
    /// timer on its replicas (rendezvous hashing over the site's Sprouts), replicating the
    /// operation to the replicas other than itself.
    fn chronos_apply(&mut self, q: &mut EventQueue<Ev>, node: NodeId, ue: UeId, op: ChronosOp, timer: TimerKind) {
        let now = q.now();
        let site = self.nodes[node as usize].site;
        match (timer, op) {
            (TimerKind::Challenge, _) => {
                let replicas = rendezvous(record_key(SALT_TIMER_CHALLENGE, ue), self.sprouts_of(site));
                for (which, r) in replicas.into_iter().enumerate().filter(|(_, r)| *r != NO_NODE) {
                    if r != node {
                        let side = Side::ChronosReplica { ue, which: which as u8, binding: false, gen: 0 };
                        self.send_side(q, node, r, &ports::CHRONOS, side);
                    }
                    let c = &mut self.nodes[r as usize].challenge_timers;
                    *c = if op == ChronosOp::Delete { c.saturating_sub(1) } else { *c + 1 };
                }
            }
            (TimerKind::Binding, ChronosOp::Delete) => {
                // The timer-pop task deletes the timer only when no binding is left.
                if !self.bound_for(ue, site, now) {
                    self.clear_binding_timer(ue);
                }
            }
            (TimerKind::Binding, _) => {
                let expires = self.ues[ue as usize].binding_expires_s[site as usize];
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
        let u = &self.ues[ue as usize];
        if !(u.timer_set && u.timer_replicas == replicas) {
            self.clear_binding_timer(ue);
        }
        let u = &mut self.ues[ue as usize];
        u.timer_gen = u.timer_gen.wrapping_add(1);
        u.timer_set = true;
        u.timer_due = due;
        u.timer_replicas = replicas;
        let gen = u.timer_gen;
        for (which, r) in replicas.into_iter().enumerate() {
            if r == NO_NODE {
                continue;
            }
            match local {
                Some(l) if l != r => {
                    let side = Side::ChronosReplica { ue, which: which as u8, binding: true, gen };
                    self.send_side(q, l, r, &ports::CHRONOS, side);
                }
                _ => self.hold_timer(ue, which as u8),
            }
        }
        q.schedule_at(due, Ev::ChronosPop { ue, gen, replica: 0 });
    }

    fn hold_timer(&mut self, ue: UeId, which: u8) {
        let u = &mut self.ues[ue as usize];
        if !u.timer_held[which as usize] {
            u.timer_held[which as usize] = true;
            let r = u.timer_replicas[which as usize];
            self.nodes[r as usize].binding_timers += 1;
        }
    }

    fn clear_binding_timer(&mut self, ue: UeId) {
        let u = &mut self.ues[ue as usize];
        if !u.timer_set {
            return;
        }
        u.timer_set = false;
        u.timer_gen = u.timer_gen.wrapping_add(1);
        for which in 0..2 {
            if u.timer_held[which] {
                u.timer_held[which] = false;
                let c = &mut self.nodes[u.timer_replicas[which] as usize].binding_timers;
                *c = c.saturating_sub(1);
            }
        }
    }

    /// A binding timer is due on replica `replica`: the primary fires at the due time; a
    /// backup 2 s later only if the primary could not [src chronos: timer.cpp]. A timer no
    /// live replica holds is lost: the binding is never cleaned up.
    pub fn chronos_pop(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32, replica: u8) {
        let u = &self.ues[ue as usize];
        if !u.timer_set || u.timer_gen != gen {
            return;
        }
        let node = u.timer_replicas[replica as usize];
        let fires = node != NO_NODE && u.timer_held[replica as usize] && self.nodes[node as usize].up;
        if !fires {
            if replica == 0 && u.timer_replicas[1] != NO_NODE {
                q.schedule_in(super::params::CHRONOS_BACKUP_DELAY, Ev::ChronosPop { ue, gen, replica: 1 });
            } else {
                self.stats.counters.timers_lost += 1;
            }
            return;
        }
        let demand = self.demand(node, |p| &p.costs.chronos_op);
        self.submit(q, node, Job::Side(Side::ChronosPop { ue, gen }), demand, Class::New);
    }

    pub fn side_arrive(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side) {
        if !self.nodes[node as usize].up {
            return;
        }
        if matches!(side, Side::ChronosReplica { .. } | Side::ChronosSkip) && !self.chronos_admit(node, q.now()) {
            return; // 503: the replicating Chronos does not retry
        }
        let demand = match side {
            Side::McReplicaWrite { .. } => self.demand(node, |p| &p.costs.memcached_op),
            Side::ResyncStore { count, timers } => {
                let per = if timers { self.p.costs.chronos_op.mean() } else { self.p.costs.memcached_op.mean() };
                per.saturating_mul_f64(count as f64)
            }
            _ => self.demand(node, |p| &p.costs.chronos_op),
        };
        self.submit(q, node, Job::Side(side), demand, Class::Resumed);
    }

    /// Whether a finished job was an HTTP request served by the node's Chronos (what its
    /// LoadMonitor measures).
    pub fn is_chronos_request(&self, job: &Job) -> bool {
        match job {
            Job::Op(key) => self.msgs.get(*key).is_some_and(|m| matches!(current_step(m), Step::Chronos(..))),
            Job::Side(side) => matches!(side, Side::ChronosReplica { .. } | Side::ChronosSkip),
            Job::Msg(_) => false,
        }
    }

    pub fn side_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side) {
        match side {
            Side::McReplicaWrite { ue, site, bindings, delete } => {
                self.stats.counters.mc_replica_writes += 1;
                if bindings {
                    // Whichever replica's write lands first, each records its own copy.
                    let held = &mut self.ues[ue as usize].mc_held[site as usize];
                    if delete {
                        *held &= !2;
                    } else {
                        *held |= 2;
                    }
                }
            }
            Side::ChronosReplica { ue, which, binding, gen } => {
                let u = &self.ues[ue as usize];
                if binding && u.timer_set && u.timer_gen == gen {
                    self.hold_timer(ue, which);
                }
            }
            Side::ChronosSkip | Side::ResyncStore { .. } => {}
            Side::Resync { to, remaining, timers } => self.resync_page_sent(q, node, to, remaining, timers),
            Side::ChronosPop { ue, gen } => {
                let u = &self.ues[ue as usize];
                if !u.timer_set || u.timer_gen != gen {
                    return;
                }
                self.stats.counters.timer_pops += 1;
                // Tell the other replica so its backup does not fire too.
                let other = if u.timer_replicas[0] == node { u.timer_replicas[1] } else { u.timer_replicas[0] };
                if other != NO_NODE {
                    self.send_side(q, node, other, &ports::CHRONOS, Side::ChronosSkip);
                }
                // The timer has fired: later pops of this generation are ignored.
                let u = &mut self.ues[ue as usize];
                u.timer_gen = u.timer_gen.wrapping_add(1);
                // The pop is an HTTP callback into the Sprout on the same node.
                let program = if self.gr() { Program::BindingExpiryGr } else { Program::BindingExpiry };
                let route = Route { sprout: node, ..Route::EMPTY };
                let (request, stage) = (Status::Request, RegisterStage::Unauthenticated);
                let msg = self.new_msg(NO_KEY, Method::Register, request, ue, ue, route, Hop::Sprout, stage);
                self.msgs.get_mut(msg).expect("just inserted").program = program;
                let worker = self.demand(node, |p| &p.costs.sprout_request);
                self.msgs.get_mut(msg).expect("just inserted").worker_ns = worker.as_ns();
                let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
                self.submit(q, node, Job::Msg(msg), total, Class::New);
            }
        }
    }
}
