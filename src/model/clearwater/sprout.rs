//! Sprout's workers: a worker runs a message's program (flows.rs), blocking on HTTP to
//! Homestead and Homer (http_client.rs), on memcached (memcached.rs) and on its local
//! Chronos (chronos.rs); between blocking operations it needs the CPU again. This file
//! holds the worker's life — program choice, the CPU bursts, the dispatch of each step to
//! the component that serves it — and the fire-and-forget work between nodes.

use super::events::Class;
use super::events::{Ev, Job, Side};
use super::flows::{McKey, Method, Step};
use super::ids::{NodeId, UeId};
use super::message::{Hop, HttpAnswer, RegisterStage, Status};
use super::node::Topology;
use super::params::Params;
use super::program::Program;
use super::ralf::Role;
use super::reachability::Path;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;
use crate::network::ports::{self, Interface};
use crate::scenario::Tier;

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
        let node = self.msgs.get(key).expect("live message").sprout();
        let demand = self.demand(node, |p| &p.costs.sprout_transport);
        self.transport_offer(q, node, key, demand);
    }

    /// The transport thread parsed the message: the LoadMonitor decides, then a worker takes
    /// it (or it waits for one), or the transport thread sends a stateless 503.
    pub(super) fn sprout_dispatch(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (ue, request, method, stage) = (m.ue, m.is_request(), m.method, m.stage);
        let node = m.sprout();
        let (program, cost): (Program, fn(&Params) -> &crate::engine::Dist) = if !request {
            let local = m.program == Program::LocalResponse;
            let relay = if local { Program::LocalResponse } else { Program::Relay };
            (relay, |p| &p.costs.sprout_response)
        } else {
            self.nodes[node].window.requests += 1;
            self.stats.count_sprout_request();
            match method {
                Method::Register => (self.register_program(ue, stage, node, now), |p| &p.costs.sprout_request),
                Method::Invite if self.p.has_homer => (Program::InviteWithHomer, |p| &p.costs.sprout_request),
                Method::Invite => (Program::InviteWithoutHomer, |p| &p.costs.sprout_request),
                Method::Subscribe if self.gr() => (Program::SubscribeGr, |p| &p.costs.sprout_request),
                Method::Subscribe => (Program::Subscribe, |p| &p.costs.sprout_request),
                _ => (Program::Relay, |p| &p.costs.sprout_in_dialog),
            }
        };
        if !self.sip_admit(node, key, now) {
            // A stateless 503 from the transport thread: cheap, and not a worker's message.
            let m = self.msgs.get_mut(key).expect("live message");
            m.program = Program::Reject;
            m.status = Status::Response(503);
            let cost = self.p.reject_cost.saturating_mul_f64(1.0 + self.p.sprout_untimed);
            return self.transport_offer(q, node, key, cost);
        }
        let worker = self.demand(node, cost);
        let m = self.msgs.get_mut(key).expect("live message");
        m.program = program;
        m.pc = 0;
        m.lat_ns = 0;
        m.io_ns = 0;
        m.worker_ns = worker.as_ns();
        if !self.nodes[node].workers.try_take() {
            // Every worker is busy (most of them blocked on I/O): wait for one.
            self.msgs.get_mut(key).expect("live message").step_at = now;
            self.stats.counters.worker_waits += 1;
            return self.nodes[node].workers.wait(key);
        }
        self.start_on_worker(q, node, key);
    }

    /// Which registrar program a REGISTER runs: an unauthenticated one is challenged, one
    /// with credentials or integrity-protected registers — refreshing the bindings Sprout
    /// finds, adding them if it finds none.
    fn register_program(&self, ue: UeId, stage: RegisterStage, sprout: NodeId, now: SimTime) -> Program {
        use RegisterStage as S;
        let bound = self.bound_for(ue, self.nodes[sprout].site, now);
        let removes = self.requested_expires_s(ue) == 0;
        let p = match (stage, bound) {
            (S::Unauthenticated, _) => Program::RegisterChallenge,
            (S::IntegrityProtected, _) if removes => Program::DeregisterUnchallenged,
            (S::WithCredentials, _) if removes => Program::DeregisterAuth,
            (S::IntegrityProtected, true) => Program::RegisterUnchallengedRefresh,
            (S::IntegrityProtected, false) => Program::RegisterUnchallengedInitial,
            (S::WithCredentials, true) => Program::RegisterAuthRefresh,
            (S::WithCredentials, false) => Program::RegisterAuthInitial,
        };
        let p = if self.gr() { p.gr() } else { p };
        if self.p.keeps_challenge_timer {
            p.keeping_challenge_timer()
        } else {
            p
        }
    }

    /// Runs the next step of the message's program, or finishes it.
    pub fn sprout_continue(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get_mut(key).expect("live message");
        let steps = m.program.steps();
        if (m.pc as usize) < steps.len() {
            let step = steps[m.pc as usize];
            m.pc += 1;
            m.step_at = now;
            m.attempt = 0;
            m.http_503s = 0;
            m.op_site = self.nodes[m.route.sprout].site;
            if let Step::Mc(_, McKey::RemoteBindings) = step {
                m.op_site = 1 - m.op_site;
            }
            self.op_start(q, key, step);
        } else {
            self.sprout_finish(q, key);
        }
    }

    /// Queues a continuation burst after a blocking operation returned.
    pub(super) fn sprout_resume(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let node = self.io_done(key, q.now());
        let worker = self.demand(node, |p| &p.costs.sprout_continuation);
        self.msgs.get_mut(key).expect("live message").worker_ns = worker.as_ns();
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(key), total, Class::Resumed);
    }

    /// The worker's blocking operation ended: its time counts as I/O. Returns the Sprout.
    fn io_done(&mut self, key: Key, now: SimTime) -> NodeId {
        let m = self.msgs.get_mut(key).expect("live message");
        m.io_ns += now.since(m.step_at).as_ns();
        m.sprout()
    }

    /// The worker finished the message (successfully or not): its latency goes to the
    /// statistics and to the LoadMonitor, which every processed message reports to
    /// [src sprout: thread_dispatcher.cpp]. The documented era's stopwatch ran through
    /// blocking I/O; the later era pauses it there ("Pause the stopwatch when doing blocking
    /// IO", Oct 2017 [src sprout: thread_dispatcher.cpp]).
    fn worker_done(&mut self, key: Key, now: SimTime) {
        let m = self.msgs.get(key).expect("live message");
        let (sprout, program) = (m.route.sprout, m.program);
        let (cpu_side, with_io) = (m.lat_ns, m.lat_ns + m.io_ns);
        let monitored = if self.p.io_timed { with_io } else { cpu_side };
        self.nodes[sprout].record_latency(monitored);
        self.stats.sprout_latency.record(SimDuration::from_ns(cpu_side));
        self.stats.sprout_latency_with_io.record(SimDuration::from_ns(with_io));
        // A binding-expiry task is a Chronos callback on Sprout's HTTP stack, not a SIP
        // message through the thread dispatcher: the SIP LoadMonitor does not time it.
        if !program.is_timer_task() {
            self.throttle_complete(sprout, now, monitored);
        }
    }

    fn sprout_finish(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let program = self.msgs.get(key).expect("live message").program;
        if program == Program::Reject {
            return self.forward(q, key, Hop::OriginBono);
        }
        self.worker_done(key, now);
        self.release_worker(q, key);
        if program == Program::LocalResponse {
            self.msgs.remove(key);
            return;
        }
        let sprout = self.msgs.get(key).expect("live message").route.sprout;
        let m = self.msgs.get(key).expect("live message");
        if !m.is_request() {
            if self.billing() {
                self.report_billable(q, key, sprout, &[Role::OriginSprout, Role::TargetSprout]);
            }
            return self.forward(q, key, Hop::OriginBono);
        }
        match m.program {
            Program::Relay => self.forward(q, key, Hop::TargetBono),
            Program::RegisterChallenge => self.respond_from_sprout(q, key, 401),
            p if p.is_register() => {
                let ue = m.ue;
                self.respond_from_sprout(q, key, 200);
                self.register_with_as(q, sprout, ue);
                self.notify_subscriber(q, sprout, ue, false);
            }
            Program::Subscribe | Program::SubscribeGr => {
                let ue = m.ue;
                self.respond_from_sprout(q, key, 200);
                self.notify_subscriber(q, sprout, ue, true);
            }
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
    pub(super) fn sprout_abort(&mut self, q: &mut EventQueue<Ev>, key: Key, code: u16) {
        let now = q.now();
        self.io_done(key, now);
        self.worker_done(key, now);
        self.release_worker(q, key);
        let m = self.msgs.get(key).expect("live message");
        if m.program.is_timer_task() {
            if m.program.is_binding_expiry() {
                self.stats.counters.expiry_tasks_failed += 1;
            }
            self.msgs.remove(key);
        } else {
            self.respond_from_sprout(q, key, code);
        }
    }

    // --- Blocking operations -----------------------------------------------------------

    /// Starts the current step's remote operation: picks its target and sends the request.
    pub(super) fn op_start(&mut self, q: &mut EventQueue<Ev>, key: Key, step: Step) {
        let now = q.now();
        let sprout = self.msgs.get(key).expect("live message").sprout();
        let target = match step {
            Step::Http(op) => match self.http_target(q, key, op) {
                Some(t) => t,
                None => return, // waiting for DNS, or given up
            },
            Step::Mc(op, record) => match self.memcached_target(q, key, op, record) {
                Some(t) => t,
                None => {
                    // No (further) replica to try: this attempt fails at once.
                    let m = self.msgs.get_mut(key).expect("live");
                    m.attempt = m.attempt.max(2);
                    return self.op_failed(q, key);
                }
            },
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
        if !self.nodes[sprout].up {
            return self.worker_lost(q, key);
        }
        let Step::Http(op) = m.program.steps()[m.pc as usize] else { unreachable!("only HTTP steps resolve") };
        let tier = if op.is_homer() { Tier::Homer } else { Tier::Homestead };
        let name = Topology::name(self.nodes[sprout].site, tier);
        let answer = self.dns.query(name, None);
        self.nodes[sprout].resolver.complete(now, name, answer);
        self.sprout_continue(q, key);
    }

    /// A blocking operation's request reaches its server: queue the server's CPU work.
    pub fn op_arrive(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let Some(m) = self.msgs.get(key) else { return };
        let (sprout, target, step, attempt, sent) = (m.sprout(), m.op_target, m.current_step(), m.attempt, m.op_sent);
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
            Step::Http(op) if op.is_homer() => match self.homer_request(q, key, target) {
                Some(d) => d,
                None => return, // refused: 503
            },
            Step::Http(op) => match self.homestead_request(q, key, target, op) {
                Some(d) => d,
                None => return, // refused: 503
            },
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

    /// The server finished its CPU work: apply the operation's effect and answer.
    pub fn op_served(&mut self, q: &mut EventQueue<Ev>, server: NodeId, key: Key, in_node: SimDuration) {
        let Some(m) = self.msgs.get(key) else { return };
        let (sprout, ue, step, attempt) = (m.sprout(), m.ue, m.current_step(), m.attempt);
        self.stats.count_op(step);
        let mut delay = self.node_delay(server, sprout);
        match step {
            Step::Http(op) if op.is_homer() => delay += self.homer_served(server, q.now(), in_node),
            Step::Http(op) => match self.homestead_served(q, key, server, op, delay, in_node) {
                Some(io) => delay += io,
                None => return, // the HSS timed out: 504
            },
            Step::Mc(op, record) => {
                if !self.memcached_served(q, key, op, record) {
                    return;
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
        if !self.nodes[sprout].up {
            return self.worker_lost(q, key);
        }
        if self.net.partitioned && self.nodes[sprout].site != self.nodes[target].site {
            return; // the answer is lost too; the timeout was scheduled when it was sent
        }
        let answer = self.msgs.get(key).expect("live").op_answer;
        if answer != HttpAnswer::Ok {
            return self.http_error(q, key, answer);
        }
        self.nodes[sprout].blacklist.success(target);
        self.sprout_resume(q, key);
    }

    /// The operation failed (refused, or timed out): retry elsewhere or give up.
    pub fn op_timeout_event(&mut self, q: &mut EventQueue<Ev>, key: Key, attempt: u8) {
        let Some(m) = self.msgs.get(key) else { return };
        if m.attempt != attempt {
            return;
        }
        if !self.nodes[m.route.sprout].up {
            return self.worker_lost(q, key);
        }
        self.op_failed(q, key);
    }

    /// The operation failed (refused, or timed out): retry elsewhere or give up.
    fn op_failed(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get(key).expect("live message");
        let (step, attempt) = (m.current_step(), m.attempt);
        match step {
            Step::Http(_) => self.http_failed(q, key),
            Step::Mc(op, record) => {
                self.stats.counters.memcached_failures += 1;
                if attempt < 2 || self.memcached_more_replicas(key) {
                    return self.op_start(q, key, step); // the next replica
                }
                self.memcached_failed(q, key, op, record)
            }
            Step::Chronos(..) => self.sprout_resume(q, key),
        }
    }

    pub fn side_arrive(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side) {
        if !self.nodes[node].up {
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

    /// Work nobody waits for finished on `node`.
    pub fn side_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, side: Side) {
        match side {
            Side::McReplicaWrite { ue, site, bindings, delete } => {
                self.memcached_replica_written(node, ue, site, bindings, delete)
            }
            Side::ChronosReplica { ue, which, binding, gen } => self.chronos_replicated(ue, which, binding, gen),
            Side::ChronosSkip | Side::ResyncStore { .. } => {}
            Side::Astaire { .. } => self.astaire_chunk_done(q, node),
            Side::ChronosServe { requester } => self.chronos_page_ready(q, node, requester),
            Side::ChronosTake { server } => self.chronos_page_taken(q, node, server),
            Side::ChronosPop { ue, gen } => self.chronos_fired(q, node, ue, gen),
            Side::ChallengePop { ue, site } => self.challenge_fired(q, node, ue, site),
            Side::AcrSend { acr } => self.with_ralf(q, |r, h| r.sent(h, node, acr)),
            Side::RalfStore => {}
            Side::AsRegister { ue } => self.as_register_sent(q, node, ue),
            Side::Notify { ue } => self.notify_sent(q, node, ue),
        }
    }
}
