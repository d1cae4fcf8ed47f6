//! The UE's transaction layer: a request's transaction with Timer B/F (Timer C after a
//! provisional response), the responses that end it, and the request types and failure
//! causes the statistics count.

use super::events::Ev;
use super::flows::Method;
use super::ids::{UeId, NO_KEY};
use super::message::{RegisterStage, Status};
use super::params::TIMER_C;
use super::txn::{FailCause, ReqType, Txn};
use super::world::World;
use crate::engine::EventQueue;
use crate::model::slab::Key;

impl World {
    /// Opens a UE transaction; it fails by timeout unless answered within Timer B/F.
    pub(super) fn new_txn(
        &mut self,
        q: &mut EventQueue<Ev>,
        method: Method,
        ue: UeId,
        call: Key,
        refresh: bool,
    ) -> Key {
        let now = q.now();
        let txn = Txn {
            method,
            ue,
            sent_at: now,
            started_at: now,
            stage: RegisterStage::Unauthenticated,
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

    /// A response reaches the UE that sent the request.
    pub fn ue_gets_response(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.remove(key).expect("live message");
        let Some(t) = self.txns.get_mut(m.txn) else { return }; // the UE gave up already
        match (m.method, m.status) {
            (Method::Invite, Status::Response(100..=199)) => {
                if !t.provisional {
                    if self.sipp.is_some() {
                        let (call, Status::Response(code)) = (t.call, m.status) else { unreachable!() };
                        let sipp = self.calls.get(call).map_or(NO_KEY, |c| c.sipp);
                        self.sipp_response(q, sipp, code);
                    }
                    let Some(t) = self.txns.get_mut(m.txn) else { return };
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
            (Method::Register, Status::Response(401)) if t.stage == RegisterStage::Unauthenticated => {
                // Challenged: answer with credentials at once, in a new transaction.
                t.stage = RegisterStage::WithCredentials;
                t.sent_at = now;
                t.deadline += 1;
                let (deadline, ue) = (t.deadline, t.ue);
                q.schedule_in(self.p.sip.transaction_timeout, Ev::TxnTimeout { txn: m.txn, deadline });
                let route = self.first_route(ue);
                self.send_request(q, m.txn, Method::Register, ue, ue, NO_KEY, route, RegisterStage::WithCredentials);
                if self.sipp.is_some() {
                    self.sipp_challenged(q, ue);
                }
            }
            (Method::Register, Status::Response(305)) => self.ue_use_proxy(q, m.txn),
            (_, Status::Response(code)) if code >= 300 && self.sipp.is_some() => {
                self.sipp.as_mut().expect("SIPp load").last_status = code;
                let cause = if code == 503 { FailCause::Rejected503 } else { FailCause::Other };
                self.end_txn(q, m.txn, Some(cause))
            }
            (_, Status::Response(200..=299)) => self.end_txn(q, m.txn, None),
            (_, Status::TransportError) => self.end_txn(q, m.txn, Some(FailCause::Transport)),
            (_, Status::Response(503)) => self.end_txn(q, m.txn, Some(FailCause::Rejected503)),
            _ => self.end_txn(q, m.txn, Some(FailCause::Other)),
        }
    }

    pub fn txn_timeout(&mut self, q: &mut EventQueue<Ev>, txn: Key, deadline: u32) {
        if self.txns.get(txn).is_some_and(|t| t.deadline == deadline) {
            self.end_txn(q, txn, Some(FailCause::Timeout));
        }
    }

    /// Ends a transaction exactly once: records the outcome and moves the UE's script on.
    pub(super) fn end_txn(&mut self, q: &mut EventQueue<Ev>, key: Key, failure: Option<FailCause>) {
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
        if self.sipp.is_some() && t.method != Method::Register {
            return self.sipp_call_txn_ended(q, &t, failure);
        }
        match t.method {
            Method::Register => {
                // A REGISTER with expiry 0 removed the binding: the UE is not registered.
                let removed = ok && self.granted_expires_s(t.ue) == 0;
                if ok && !removed {
                    self.outages.registered(t.ue, now);
                    let u = &mut self.ues[t.ue];
                    u.flow_authenticated = self.nodes[u.edge].tier == crate::scenario::Tier::Bono;
                    self.schedule_binding_check(q, t.ue);
                    self.reg_event_registered(q, t.ue);
                } else if !ok && failure.is_some_and(|cause| self.register_attempt_failed(q, t.ue, cause)) {
                    return; // an outbound UE tries the next target
                }
                self.register_done(q, t.ue, ok && !removed);
                if self.sipp.is_some() {
                    self.sipp_register_done(q, t.ue, failure);
                }
            }
            Method::Invite if ok => self.call_answered(q, t.call),
            Method::Invite => self.invite_failed(q, t.call, t.provisional),
            // The stress script's UPDATE comes before the talk; other UPDATEs are refreshes.
            Method::Update if matches!(self.p.load, crate::scenario::Load::SipStress { .. }) => {
                self.schedule_hangup(q, t.call)
            }
            Method::Update => {}
            Method::Bye | Method::Ack => self.call_over(q, t.call),
            Method::Subscribe => self.subscribe_done(q, t.ue, ok),
            Method::Notify => {}
        }
    }

    /// A SIPp call's INVITE or BYE transaction ended: the deployment's call goes on or ends
    /// as for the built-in profiles (no redial: SIPp does not redial), and the script hears.
    fn sipp_call_txn_ended(&mut self, q: &mut EventQueue<Ev>, t: &Txn, failure: Option<FailCause>) {
        let sipp = self.calls.get(t.call).map_or(NO_KEY, |c| c.sipp);
        match (t.method, failure) {
            (Method::Invite, None) => self.call_answered(q, t.call),
            (Method::Update, _) => {}
            (_, None) => {
                self.call_over(q, t.call);
                self.sipp_response(q, sipp, 200);
            }
            (_, Some(cause)) => {
                self.call_over(q, t.call);
                self.sipp_txn_failed(q, sipp, cause);
            }
        }
    }
}
