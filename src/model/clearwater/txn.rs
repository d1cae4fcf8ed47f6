//! A UE-side transaction (what the UE is waiting for), the request types the statistics
//! count and why a request failed. Plain data; transaction.rs holds the behaviour.

use super::flows::Method;
use super::ids::UeId;
use super::ids::{ByKind, Kind};
use super::message::RegisterStage;
use crate::engine::SimTime;
use crate::model::slab::Key;

/// Request types reported at the UE.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum ReqType {
    RegisterInitial,
    RegisterRefresh,
    /// INVITE → 180 at the caller.
    InviteSetup,
    /// INVITE → 200 at the caller (includes the callee's answer delay).
    InviteAnswer,
    Update,
    Bye,
    /// SUBSCRIBE to the reg event package (initial or refresh).
    Subscribe,
}

impl ReqType {
    pub const ALL: [ReqType; 7] = [
        ReqType::RegisterInitial,
        ReqType::RegisterRefresh,
        ReqType::InviteSetup,
        ReqType::InviteAnswer,
        ReqType::Update,
        ReqType::Bye,
        ReqType::Subscribe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReqType::RegisterInitial => "register_initial",
            ReqType::RegisterRefresh => "register_refresh",
            ReqType::InviteSetup => "invite_setup",
            ReqType::InviteAnswer => "invite_answer",
            ReqType::Update => "update",
            ReqType::Bye => "bye",
            ReqType::Subscribe => "subscribe",
        }
    }
}

/// Why a request failed, as the UE sees it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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
            Method::Subscribe | Method::Notify => ReqType::Subscribe,
        }
    }
}

impl Kind for ReqType {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

impl Kind for FailCause {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// One value per request type.
pub type PerReq<T> = ByKind<ReqType, T, 7>;
/// One value per failure cause.
pub type PerCause<T> = ByKind<FailCause, T, 4>;
