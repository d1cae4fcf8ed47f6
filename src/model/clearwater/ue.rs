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
        let txn =
            Txn { method, ue, sent_at: now, started_at: now, stage: 0, refresh, call, provisional: false, deadline: 0 };
        self.stats.started(txn.req_type());
        let key = self.txns.insert(txn);
        q.schedule_in(self.p.sip.transaction_timeout, Ev::TxnTimeout { txn: key, deadline: 0 });
        key
    }

    /// Starts a registration procedure for `ue` unless one is already running.
    pub fn start_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let u = &mut self.ues[ue as usize];
        if u.registering {
            return;
        }
        u.registering = true;
        let refresh = u.registered;
        let stage = if refresh && !self.p.sip.challenge_reregister { 2 } else { 0 };
        let txn = self.new_txn(q, Method::Register, ue, NO_KEY, refresh);
        self.txns.get_mut(txn).expect("just created").stage = stage;
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
        let route = self.first_route(caller);
        let call = self.calls.insert(Call { caller, callee, route, phase: CallPhase::Inviting, invite: NO_KEY, pair });
        let txn = self.new_txn(q, Method::Invite, caller, call, false);
        self.calls.get_mut(call).expect("just created").invite = txn;
        self.calls_started += 1;
        self.send_request(q, txn, Method::Invite, caller, callee, call, route, 0);
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
                    self.stats.succeeded(ReqType::InviteSetup, latency);
                    t.provisional = true;
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
                self.stats.succeeded(kind, now.since(since));
            }
            Some(cause) => self.stats.failed(kind, cause),
        }
        let ok = failure.is_none();
        match t.method {
            Method::Register => self.register_done(q, t.ue, ok),
            Method::Invite if ok => self.call_answered(q, t.call),
            Method::Invite => self.call_over(q, t.call),
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
                let call = m.call;
                if let Some(c) = self.calls.get_mut(call) {
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
            CallPhase::Inviting | CallPhase::Ending => {}
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
        let msg = self.msgs.insert(Msg {
            txn,
            method: Method::Invite,
            code: 200,
            ue: caller,
            peer: callee,
            route,
            hop: HOP_UE_B,
            program: super::flows::Program::Relay,
            pc: 0,
            stage: 0,
            op_target: NO_NODE,
            attempt: 0,
            found: false,
            hss: false,
            call,
            lat_ns: 0,
            worker_ns: 0,
        });
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
