//! Calls as the UEs run them: the INVITE (with redials), the called party's answer, the
//! in-dialog UPDATE and BYE along the record-routed path, and the hang-up.

use super::call_record::{Call, CallPhase};
use super::events::Ev;
use super::flows::Method;
use super::ids::NodeId;
use super::ids::{UeId, NO_KEY};
use super::message::{Hop, RegisterStage, Route, Status};
use super::ralf::{AcrKind, Role, NO_SESSIONS};
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;
use crate::scenario::Load;

impl World {
    /// Starts a call from `caller` to `callee`; `pair` is the stress pair to resume after it.
    pub fn start_call(&mut self, q: &mut EventQueue<Ev>, caller: UeId, callee: UeId, pair: u32) {
        self.place_call(q, caller, callee, pair, NO_KEY);
    }

    /// Starts a call for the SIPp call `sipp`; returns the deployment's call.
    pub(super) fn start_sipp_call(&mut self, q: &mut EventQueue<Ev>, caller: UeId, callee: UeId, sipp: Key) -> Key {
        self.place_call(q, caller, callee, u32::MAX, sipp)
    }

    fn place_call(&mut self, q: &mut EventQueue<Ev>, caller: UeId, callee: UeId, pair: u32, sipp: Key) -> Key {
        let call = self.calls.insert(Call {
            caller,
            callee,
            route: Route::EMPTY, // set by send_invite
            phase: CallPhase::Inviting,
            invite: NO_KEY,
            pair,
            attempts: 0,
            billing: NO_SESSIONS,
            sipp,
        });
        self.calls_started += 1;
        self.send_invite(q, call);
        call
    }

    /// A SIPp call's BYE along the call's path.
    pub(super) fn sipp_bye(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if let Some(c) = self.calls.get_mut(call) {
            c.phase = CallPhase::Ending;
            self.in_dialog(q, call, Method::Bye);
        }
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
        self.send_request(q, txn, Method::Invite, caller, callee, call, route, RegisterStage::Unauthenticated);
    }

    /// The INVITE failed. Before any provisional response the caller may redial after the
    /// back-off (`[sip] call_retries`); otherwise the call is over.
    pub(super) fn invite_failed(&mut self, q: &mut EventQueue<Ev>, call: Key, provisional: bool) {
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
        self.send_request(q, txn, method, caller, callee, call, route, RegisterStage::Unauthenticated);
    }

    /// A request reaches the called UE, which answers as Clearwater's stress script does.
    pub fn ue_gets_request(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        match m.method {
            Method::Invite => {
                m.status = Status::Response(180);
                let (call, txn) = (m.call, m.txn);
                // (An INVITE of an abandoned attempt still rings, but does not drive the call.)
                if let Some(c) = self.calls.get_mut(call).filter(|c| c.invite == txn) {
                    c.phase = CallPhase::Ringing;
                    let sipp = c.sipp;
                    q.schedule_in(self.answer_after(sipp), Ev::CallStep { call });
                }
                self.forward(q, key, Hop::TargetBono);
            }
            Method::Ack | Method::Register | Method::Subscribe => {
                self.msgs.remove(key);
            }
            Method::Update | Method::Bye | Method::Notify => {
                m.status = Status::Response(200);
                self.forward(q, key, Hop::TargetBono);
            }
        }
    }

    /// The callee's delay from ringing to answering (a SIPp call's: its source's `callee`).
    fn answer_after(&self, sipp: Key) -> SimDuration {
        match &self.p.load {
            Load::Sipp(s) => {
                let source = self.sipp.as_ref().and_then(|r| r.calls.get(sipp)).map(|c| c.source as usize);
                source.map_or(SimDuration::ZERO, |i| s.sources[i].answer_after)
            }
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
            Load::Poisson { .. } | Load::Sipp(_) => SimDuration::ZERO,
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
        route: Route,
    ) {
        let (ok, stage) = (Status::Response(200), RegisterStage::Unauthenticated);
        let msg = self.new_msg(txn, Method::Invite, ok, caller, callee, route, Hop::TargetUe, stage);
        self.msgs.get_mut(msg).expect("just inserted").call = call;
        self.forward(q, msg, Hop::TargetBono);
    }

    /// The caller got the 200 OK: ACK, then (stress profile) an UPDATE round trip, then talk.
    pub(super) fn call_answered(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if self.calls.get(call).is_none() {
            return;
        }
        self.in_dialog(q, call, Method::Ack);
        let c = self.calls.get_mut(call).expect("live call");
        c.phase = CallPhase::Talking;
        if matches!(self.p.load, Load::Sipp(_)) {
            // The script hangs up (its pause, then its BYE); a call whose script failed
            // meanwhile is hung up at once (SIPp's default behaviour "bye").
            let sipp = c.sipp;
            if sipp == NO_KEY {
                c.phase = CallPhase::Ending;
                return self.in_dialog(q, call, Method::Bye);
            }
            return self.sipp_response(q, sipp, 200);
        }
        if matches!(self.p.load, Load::SipStress { .. }) {
            self.in_dialog(q, call, Method::Update);
        } else {
            self.schedule_hangup(q, call);
            if let Some(se) = self.session_expires() {
                q.schedule_in(SimDuration::from_ns(se.as_ns() / 2), Ev::SessionRefresh { call });
            }
        }
    }

    fn session_expires(&self) -> Option<SimDuration> {
        match &self.p.load {
            Load::CoreOnly { session_expires, .. } | Load::Rate { session_expires, .. } => *session_expires,
            Load::SipStress { .. } | Load::Poisson { .. } | Load::Sipp(_) => None,
        }
    }

    /// Half the session interval has passed on an answered call: the caller (the refresher)
    /// sends an UPDATE through the record-routed path, and will again [RFC 4028].
    pub fn session_refresh(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        let talking = self.calls.get(call).is_some_and(|c| c.phase == CallPhase::Talking);
        let Some(se) = self.session_expires() else { return };
        if talking {
            self.in_dialog(q, call, Method::Update);
            q.schedule_in(SimDuration::from_ns(se.as_ns() / 2), Ev::SessionRefresh { call });
        }
    }

    pub(super) fn schedule_hangup(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if self.calls.get(call).is_some() {
            q.schedule_in(self.talk_time(), Ev::CallStep { call });
        }
    }

    /// The call is over (BYE answered, or a failure): free it and resume the pair's script.
    pub(super) fn call_over(&mut self, q: &mut EventQueue<Ev>, call: Key) {
        if let Some(c) = self.calls.remove(call) {
            if c.pair != u32::MAX {
                self.pair_after_call(q, c.pair);
            }
        }
    }

    /// A charging node relayed a response: the 200 OK to a call's INVITE starts its
    /// billing session at Ralf, the 200 OK to its BYE stops it.
    pub(super) fn report_billable(&mut self, q: &mut EventQueue<Ev>, key: Key, node: NodeId, roles: &[Role]) {
        let Some(m) = self.msgs.get(key) else { return };
        let kind = match (m.method, m.status) {
            (Method::Invite, Status::Response(200)) => AcrKind::Start,
            (Method::Bye, Status::Response(200)) => AcrKind::Stop,
            _ => return,
        };
        let call = m.call;
        let Some(sessions) = self.calls.get(call).map(|c| c.billing) else { return };
        for &role in roles {
            let before = sessions[role as usize];
            if kind == AcrKind::Start && before != NO_KEY {
                continue; // a retransmitted 200 OK: the session is open already
            }
            let session = self.with_ralf(q, |r, h| r.report(h, node, kind, before));
            if let Some(c) = self.calls.get_mut(call) {
                c.billing[role as usize] = if kind == AcrKind::Start { session } else { NO_KEY };
            }
        }
    }
}
