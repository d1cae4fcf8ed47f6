//! The UE's transaction layer: a request's transaction with Timer B/F (Timer C after a
//! provisional response), the responses that end it, and the request types and failure
//! causes the statistics count.

use super::events::Ev;
use super::flows::Method;
use super::message::{RegisterStage, Status, NO_KEY};
use super::params::TIMER_C;
use super::ue::UeId;
use super::world::World;
use crate::engine::{EventQueue, SimTime};
use crate::model::slab::Key;

/// Request types reported at the UE.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReqType {
    RegisterInitial,
    RegisterRefresh,
    /// INVITE → 180 at the caller.
    InviteSetup,
    /// INVITE → 200 at the caller (includes the callee's answer delay).
    InviteAnswer,
    Update,
    Bye,
}

impl ReqType {
    pub const ALL: [ReqType; 6] = [
        ReqType::RegisterInitial,
        ReqType::RegisterRefresh,
        ReqType::InviteSetup,
        ReqType::InviteAnswer,
        ReqType::Update,
        ReqType::Bye,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReqType::RegisterInitial => "register_initial",
            ReqType::RegisterRefresh => "register_refresh",
            ReqType::InviteSetup => "invite_setup",
            ReqType::InviteAnswer => "invite_answer",
            ReqType::Update => "update",
            ReqType::Bye => "bye",
        }
    }
}

/// Why a request failed, as the UE sees it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailCause {
    /// No final answer before Timer B/F (or Timer C after a provisional).
    Timeout,
    /// 503 Service Unavailable (throttling, queue timeout, no upstream).
    Rejected503,
    /// The connection failed.
    Transport,
    /// Any other final failure (e.g. 480: callee not registered).
    Other,
}

impl FailCause {
    pub const ALL: [FailCause; 4] =
        [FailCause::Timeout, FailCause::Rejected503, FailCause::Transport, FailCause::Other];

    pub fn name(self) -> &'static str {
        match self {
            FailCause::Timeout => "timeout",
            FailCause::Rejected503 => "rejected_503",
            FailCause::Transport => "transport",
            FailCause::Other => "other",
        }
    }
}

/// A UE-side SIP transaction (what the UE is waiting for).
#[derive(Clone, Debug)]
pub struct Txn {
    pub method: Method,
    pub ue: UeId,
    /// When this transaction's request was sent.
    pub sent_at: SimTime,
    /// When the procedure started (a REGISTER's first, challenged transaction).
    pub started_at: SimTime,
    /// REGISTER: which request of the procedure is outstanding.
    pub stage: RegisterStage,
    /// REGISTER: the UE believed itself registered (a refresh).
    pub refresh: bool,
    pub call: Key,
    pub provisional: bool,
    /// Only the timeout event with this number counts (a 180 moves the deadline).
    pub deadline: u32,
    /// Its current request type started after warm-up: only then does its outcome count
    /// in the measured statistics (so that ok + failed ≤ started per type).
    pub measured: bool,
}

impl Txn {
    pub fn req_type(&self) -> ReqType {
        match self.method {
            Method::Register if self.refresh => ReqType::RegisterRefresh,
            Method::Register => ReqType::RegisterInitial,
            Method::Invite if self.provisional => ReqType::InviteAnswer,
            Method::Invite => ReqType::InviteSetup,
            Method::Update => ReqType::Update,
            Method::Bye | Method::Ack => ReqType::Bye,
        }
    }
}

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
        match t.method {
            Method::Register => {
                if ok {
                    self.outages.end(t.ue, now);
                }
                self.register_done(q, t.ue, ok)
            }
            Method::Invite if ok => self.call_answered(q, t.call),
            Method::Invite => self.invite_failed(q, t.call, t.provisional),
            Method::Update => self.schedule_hangup(q, t.call),
            Method::Bye | Method::Ack => self.call_over(q, t.call),
        }
    }
}
