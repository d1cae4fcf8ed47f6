//! The UE side: SIP transactions (with Timer B/F), the digest-challenged REGISTER, the
//! called party's answers, and call progress.

use super::flows::Method;
use super::params::TIMER_C;
use super::state::*;
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;
use crate::scenario::Load;

impl World {
    /// Opens a UE transaction; it fails by timeout unless answered within Timer B/F.
    fn new_txn(&mut self, q: &mut EventQueue<Ev>, method: Method, ue: UeId, call: Key, refresh: bool) -> Key {
        let now = q.now();
        let txn = Txn {
            method,
            ue,
            sent_at: now,
            started_at: now,
            stage: 0,
            refresh,
            call,
            provisional: false,
            deadline: 0,
            measured: self.stats.measuring,
        };
        self.stats.started(txn.req_type());
        let key = self.txns.insert(txn);
        q.schedule_in(self.p.sip.transaction_timeout, Ev::TxnTimeout { txn: key, deadline: 0 });
        key
    }

    /// Starts a registration procedure for `ue` unless one is already running: resolve the
    /// Bono name (through the UE's DNS cache), connect if the answer points elsewhere, send
    /// the REGISTER.
    pub fn start_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let now = q.now();
        let u = &mut self.ues[ue as usize];
        if u.registering {
            return;
        }
        u.registering = true;
        if u.dns_expires > now {
            return self.ue_pick_edge(q, ue);
        }
        u.conn_gen = u.conn_gen.wrapping_add(1);
        let gen = u.conn_gen;
        let d = if self.dns.up {
            let mut rng = self.ue_rng(ue);
            self.p.dns.server_latency.sample(&mut rng) + self.p.dns.server_latency.sample(&mut rng)
        } else {
            self.p.dns.query_timeout
        };
        q.schedule_in(d, Ev::UeDns { ue, gen });
    }

    /// The UE's DNS query for the Bono name returns (or times out).
    pub fn ue_dns(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32) {
        let now = q.now();
        if self.ues[ue as usize].conn_gen != gen {
            return;
        }
        let site = self.dns_bono_site(ue);
        let name = super::node::Topology::name(site, self.edge_tier(site));
        let answered = !matches!(self.dns.query(name, Some(self.p.dns.bono_ttl)), crate::network::dns::Answer::Failed);
        let u = &mut self.ues[ue as usize];
        if answered {
            u.dns_site = site;
            u.dns_expires = now + self.p.dns.bono_ttl;
        } else if u.dns_expires != crate::engine::SimTime::ZERO {
            // No answer: keep the stale one 30 s more [src cpp-common: dnscachedresolver.cpp].
            u.dns_expires = now + self.p.dns.stale_extension;
        } else {
            return self.register_failed_early(q, ue, FailCause::Other);
        }
        self.ue_pick_edge(q, ue);
    }

    /// The edge tier UEs connect to in a site: Bono, or Sprout where there is none.
    pub fn edge_tier(&self, site: u8) -> crate::scenario::Tier {
        if self.topo.nodes(site, crate::scenario::Tier::Bono).is_empty() {
            crate::scenario::Tier::Sprout
        } else {
            crate::scenario::Tier::Bono
        }
    }

    /// Which site's Bonos the DNS returns to `ue`: its own site's; with latency-based,
    /// health-checked records, the other site's when health checks failed every Bono of its
    /// own [doc 8.46.4].
    pub fn dns_bono_site(&self, ue: UeId) -> u8 {
        let home = self.ues[ue as usize].site;
        if self.p.dns.mode != crate::scenario::DnsMode::LatencyBased || !self.gr() {
            return home;
        }
        let healthy = |s: u8| self.topo.nodes(s, self.edge_tier(s)).iter().any(|&n| self.nodes[n as usize].dns_healthy);
        if healthy(home) || !healthy(1 - home) {
            home
        } else {
            1 - home
        }
    }

    /// Connects to an edge of the cached answer (keeping the current one if it is in it) and
    /// sends the REGISTER.
    fn ue_pick_edge(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let site = self.ues[ue as usize].dns_site;
        let all = self.topo.nodes(site, self.edge_tier(site));
        let latency_based = self.p.dns.mode == crate::scenario::DnsMode::LatencyBased;
        let mut answer: Vec<NodeId> =
            all.iter().copied().filter(|&n| !latency_based || self.nodes[n as usize].dns_healthy).collect();
        if answer.is_empty() {
            answer = all.to_vec();
        }
        let u = &self.ues[ue as usize];
        if u.connected && answer.contains(&u.edge) {
            return self.send_register(q, ue);
        }
        use rand::Rng as _;
        let mut rng = self.ue_rng(ue);
        let edge = answer[rng.random_range(0..answer.len())];
        let d = match self.path(None, edge, None) {
            super::failure::Path::Dropped => self.p.sip.tcp_connect_timeout,
            _ => self.access_delay(edge) + self.access_delay(edge),
        };
        let u = &mut self.ues[ue as usize];
        u.edge = edge;
        u.connected = false;
        u.conn_gen = u.conn_gen.wrapping_add(1);
        q.schedule_in(d, Ev::UeConnect { ue, gen: u.conn_gen });
    }

    /// The TCP connection attempt completes: connected, or refused / timed out.
    pub fn ue_connect(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32) {
        let u = &self.ues[ue as usize];
        if u.conn_gen != gen {
            return;
        }
        if self.path(None, u.edge, None) == super::failure::Path::Open {
            self.ues[ue as usize].connected = true;
            self.send_register(q, ue);
        } else {
            self.register_failed_early(q, ue, FailCause::Transport);
        }
    }

    /// The UE's connection was reset (its edge crashed loudly): a REGISTER in flight fails
    /// with a transport error, and the UE re-registers at once.
    pub fn ue_conn_lost(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let u = &mut self.ues[ue as usize];
        u.connected = false;
        self.stats.counters.connection_resets += 1;
        if u.registering {
            let txn = u.reg_txn;
            if self.txns.get(txn).is_some() {
                self.end_txn(q, txn, Some(FailCause::Transport));
            } else {
                // Still resolving or connecting: abandon that attempt.
                let u = &mut self.ues[ue as usize];
                u.conn_gen = u.conn_gen.wrapping_add(1);
                u.registering = false;
            }
        }
        self.start_register(q, ue);
    }

    /// The registration failed before a REGISTER could be sent (no DNS answer, no
    /// connection): it counts as a failed registration.
    fn register_failed_early(&mut self, q: &mut EventQueue<Ev>, ue: UeId, cause: FailCause) {
        let kind = if self.ues[ue as usize].registered { ReqType::RegisterRefresh } else { ReqType::RegisterInitial };
        self.stats.started(kind);
        self.stats.failed(kind, cause, self.stats.measuring);
        self.register_done(q, ue, false);
    }

    fn send_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let refresh = self.ues[ue as usize].registered;
        let stage = if refresh && !self.p.sip.challenge_reregister { 2 } else { 0 };
        let txn = self.new_txn(q, Method::Register, ue, NO_KEY, refresh);
        self.txns.get_mut(txn).expect("just created").stage = stage;
        self.ues[ue as usize].reg_txn = txn;
        let route = self.first_route(ue);
        self.send_request(q, txn, Method::Register, ue, ue, NO_KEY, route, stage);
    }

    /// The route of a new request from `ue`: through its Bono (Sprout picked by the Bono's
    /// pool), or straight to its Sprout when there is no Bono.
    pub fn first_route(&self, ue: UeId) -> [NodeId; 3] {
        let edge = self.ues[ue as usize].edge;
        if self.nodes[edge as usize].tier == crate::scenario::Tier::Bono {
            [edge, NO_NODE, NO_NODE]
        } else {
            [NO_NODE, edge, NO_NODE]
        }
    }

    /// The Bono a called UE is reached through, or none.
    pub fn edge_bono(&self, ue: UeId) -> NodeId {
        let edge = self.ues[ue as usize].edge;
        if self.nodes[edge as usize].tier == crate::scenario::Tier::Bono {
            edge
        } else {
            NO_NODE
        }
    }

    /// Starts a call from `caller` to `callee`; `pair` is the stress pair to resume after it.
    pub fn start_call(&mut self, q: &mut EventQueue<Ev>, caller: UeId, callee: UeId, pair: u32) {
        let call = self.calls.insert(Call {
            caller,
            callee,
            route: [NO_NODE; 3], // set by send_invite
            phase: CallPhase::Inviting,
            invite: NO_KEY,
            pair,
            attempts: 0,
        });
        self.calls_started += 1;
        self.send_invite(q, call);
    }

    /// Sends the call's INVITE (again, on a redial) along a fresh first route.
    fn send_invite(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        let c = self.calls.get(call).expect("live call");
        let (caller, callee) = (c.caller, c.callee);
        let route = self.first_route(caller);
        let txn = self.new_txn(q, Method::Invite, caller, call, false);
        let c = self.calls.get_mut(call).expect("live call");
        c.route = route;
        c.invite = txn;
        c.phase = CallPhase::Inviting;
        c.attempts = c.attempts.saturating_add(1);
        self.send_request(q, txn, Method::Invite, caller, callee, call, route, 0);
    }

    /// The INVITE failed. Before any provisional response the caller may redial after the
    /// back-off (`[sip] call_retries`); otherwise the call is over.
    fn invite_failed(&mut self, q: &mut EventQueue<Ev>, call: Key, provisional: bool) {
        let retries = self.p.sip.call_retries;
        let Some(c) = self.calls.get_mut(call) else { return };
        if provisional || u32::from(c.attempts) > retries {
            return self.call_over(q, call);
        }
        c.phase = CallPhase::Redialling;
        let caller = c.caller;
        let mut rng = self.ue_rng(caller);
        let after = self.p.sip.call_retry.sample(&mut rng);
        self.stats.counters.call_redials += 1;
        q.schedule_in(after, Ev::CallRedial { call });
    }

    pub fn call_redial(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if self.calls.get(call).is_some_and(|c| c.phase == CallPhase::Redialling) {
            self.send_invite(q, call);
        }
    }

    /// The caller sends an in-dialog request along the call's record-routed path.
    fn in_dialog(&mut self, q: &mut EventQueue<Ev>, call: Key, method: Method) {
        let c = self.calls.get(call).expect("live call");
        let (caller, callee, route) = (c.caller, c.callee, c.route);
        let txn = if method == Method::Ack { NO_KEY } else { self.new_txn(q, method, caller, call, false) };
        self.send_request(q, txn, method, caller, callee, call, route, 0);
    }

    /// A response reaches the UE that sent the request.
    pub fn ue_gets_response(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.remove(key).expect("live message");
        let Some(t) = self.txns.get_mut(m.txn) else { return }; // the UE gave up already
        match (m.method, m.code) {
            (Method::Invite, 100..=199) => {
                if !t.provisional {
                    let latency = now.since(t.sent_at);
                    self.stats.succeeded(ReqType::InviteSetup, latency, t.measured);
                    t.provisional = true;
                    t.measured = self.stats.measuring;
                    t.deadline += 1;
                    let deadline = t.deadline;
                    self.stats.started(ReqType::InviteAnswer);
                    q.schedule_in(TIMER_C, Ev::TxnTimeout { txn: m.txn, deadline });
                }
            }
            (Method::Register, 401) if t.stage == 0 => {
                // Challenged: answer with credentials at once, in a new transaction.
                t.stage = 1;
                t.sent_at = now;
                t.deadline += 1;
                let (deadline, ue) = (t.deadline, t.ue);
                q.schedule_in(self.p.sip.transaction_timeout, Ev::TxnTimeout { txn: m.txn, deadline });
                let route = self.first_route(ue);
                self.send_request(q, m.txn, Method::Register, ue, ue, NO_KEY, route, 1);
            }
            (_, 200..=299) => self.end_txn(q, m.txn, None),
            (_, TRANSPORT_ERROR) => self.end_txn(q, m.txn, Some(FailCause::Transport)),
            (_, 503) => self.end_txn(q, m.txn, Some(FailCause::Rejected503)),
            _ => self.end_txn(q, m.txn, Some(FailCause::Other)),
        }
    }

    pub fn txn_timeout(&mut self, q: &mut EventQueue<Ev>, txn: Key, deadline: u32) {
        if self.txns.get(txn).is_some_and(|t| t.deadline == deadline) {
            self.end_txn(q, txn, Some(FailCause::Timeout));
        }
    }

    /// Ends a transaction exactly once: records the outcome and moves the UE's script on.
    fn end_txn(&mut self, q: &mut EventQueue<Ev>, key: Key, failure: Option<FailCause>) {
        let now = q.now();
        let t = self.txns.remove(key).expect("live transaction");
        let kind = t.req_type();
        match failure {
            None => {
                let since = if t.method == Method::Register { t.started_at } else { t.sent_at };
                self.stats.succeeded(kind, now.since(since), t.measured);
            }
            Some(cause) => self.stats.failed(kind, cause, t.measured),
        }
        let ok = failure.is_none();
        match t.method {
            Method::Register => {
                if ok {
                    self.outage_end(t.ue, now);
                }
                self.register_done(q, t.ue, ok)
            }
            Method::Invite if ok => self.call_answered(q, t.call),
            Method::Invite => self.invite_failed(q, t.call, t.provisional),
            Method::Update => self.schedule_hangup(q, t.call),
            Method::Bye | Method::Ack => self.call_over(q, t.call),
        }
    }

    /// A request reaches the called UE, which answers as Clearwater's stress script does.
    pub fn ue_gets_request(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        match m.method {
            Method::Invite => {
                m.code = 180;
                let (call, txn) = (m.call, m.txn);
                // (An INVITE of an abandoned attempt still rings, but does not drive the call.)
                if let Some(c) = self.calls.get_mut(call).filter(|c| c.invite == txn) {
                    c.phase = CallPhase::Ringing;
                    q.schedule_in(self.answer_after(), Ev::CallStep { call });
                }
                self.forward(q, key, HOP_BONO_B);
            }
            Method::Ack | Method::Register => {
                self.msgs.remove(key);
            }
            Method::Update | Method::Bye => {
                m.code = 200;
                self.forward(q, key, HOP_BONO_B);
            }
        }
    }

    fn answer_after(&self) -> SimDuration {
        match &self.p.load {
            Load::SipStress { answer_after, .. }
            | Load::CoreOnly { answer_after, .. }
            | Load::Rate { answer_after, .. } => *answer_after,
            Load::Poisson { .. } => SimDuration::ZERO,
        }
    }

    fn talk_time(&self) -> SimDuration {
        match &self.p.load {
            Load::SipStress { talk, .. } => *talk,
            Load::CoreOnly { call_length, .. } | Load::Rate { call_length, .. } => *call_length,
            Load::Poisson { .. } => SimDuration::ZERO,
        }
    }

    /// The call's next scripted action: the callee answers, or the caller hangs up.
    pub fn call_step(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        let Some(c) = self.calls.get_mut(call) else { return };
        match c.phase {
            CallPhase::Ringing => {
                // The callee's 200 OK for the INVITE, sent along the INVITE's route.
                let (invite, caller, callee, route) = (c.invite, c.caller, c.callee, c.route);
                c.phase = CallPhase::Inviting;
                self.send_response_from_callee(q, invite, call, caller, callee, route);
            }
            CallPhase::Talking => {
                c.phase = CallPhase::Ending;
                self.in_dialog(q, call, Method::Bye);
            }
            CallPhase::Inviting | CallPhase::Ending | CallPhase::Redialling => {}
        }
    }

    fn send_response_from_callee(
        &mut self,
        q: &mut EventQueue<Ev>,
        txn: Key,
        call: Key,
        caller: UeId,
        callee: UeId,
        route: [NodeId; 3],
    ) {
        let msg = self.new_msg(txn, Method::Invite, 200, caller, callee, route, HOP_UE_B, 0);
        self.msgs.get_mut(msg).expect("just inserted").call = call;
        self.forward(q, msg, HOP_BONO_B);
    }

    /// The caller got the 200 OK: ACK, then (stress profile) an UPDATE round trip, then talk.
    fn call_answered(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if self.calls.get(call).is_none() {
            return;
        }
        self.in_dialog(q, call, Method::Ack);
        self.calls.get_mut(call).expect("live call").phase = CallPhase::Talking;
        if matches!(self.p.load, Load::SipStress { .. }) {
            self.in_dialog(q, call, Method::Update);
        } else {
            self.schedule_hangup(q, call);
        }
    }

    fn schedule_hangup(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if self.calls.get(call).is_some() {
            q.schedule_in(self.talk_time(), Ev::CallStep { call });
        }
    }

    /// The call is over (BYE answered, or a failure): free it and resume the pair's script.
    fn call_over(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if let Some(c) = self.calls.remove(call) {
            if c.pair != u32::MAX {
                self.pair_after_call(q, c.pair);
            }
        }
    }
}
