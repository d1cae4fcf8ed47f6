//! The state the Clearwater world keeps: events, in-flight messages and transactions,
//! calls, subscribers. Everything here is plain data; behaviour lives in the sibling
//! modules. Sizes matter: millions of subscribers must fit in well under 1 KiB each.

use super::flows::{Method, Program};
use crate::engine::{EventKind, SimTime};
use crate::model::slab::Key;

pub type NodeId = u16;
pub type UeId = u32;

pub const NO_NODE: NodeId = u16::MAX;
pub const NO_KEY: Key = Key { idx: u32::MAX, gen: u32::MAX };

/// Positions along a SIP route: originating UE, its Bono, Sprout, the callee's Bono, callee.
pub const HOP_UE_A: u8 = 0;
pub const HOP_BONO_A: u8 = 1;
pub const HOP_SPROUT: u8 = 2;
pub const HOP_BONO_B: u8 = 3;
pub const HOP_UE_B: u8 = 4;

/// Not a SIP status: the message is a transport failure (connection refused or reset)
/// travelling back to the sender that will see it.
pub const TRANSPORT_ERROR: u16 = 1;

/// The events of the Clearwater world.
#[derive(Copy, Clone, Debug)]
pub enum Ev {
    /// A node's CPU finished the job on `slot`.
    CpuDone { node: NodeId, slot: u16, gen: u32 },
    /// A SIP message reaches its current hop (a node or a UE).
    Hop { msg: Key },
    /// A remote operation (HTTP, memcached, Chronos) reaches its server.
    OpArrive { msg: Key },
    /// A remote operation's answer reaches the Sprout worker waiting for it.
    OpReply { msg: Key, attempt: u8 },
    /// A DNS query made by a Sprout worker for this message completes.
    DnsDone { msg: Key },
    /// Fire-and-forget work reaches a node (memcached replica write, Chronos replication).
    SideArrive { node: NodeId, side: Side },
    /// A UE's transaction timer (Timer B/F, or Timer C after a provisional response).
    TxnTimeout { txn: Key, deadline: u32 },
    /// A UE refreshes its registration (core-only and rate profiles).
    UeRegister { ue: UeId, gen: u32 },
    /// A stress-profile pair resumes its script after a pause.
    PairStep { pair: u32, gen: u32 },
    /// A call's next scripted action (answer, UPDATE, hang-up).
    CallStep { call: Key },
    /// The caller redials a call whose INVITE failed (`[sip] call_retries`).
    CallRedial { call: Key },
    /// The load generator starts a call (core-only, rate).
    CallArrival,
    /// The rate profile's stepped ramp.
    RampStep,
    /// A binding timer is due on one of its Chronos replicas.
    ChronosPop { ue: UeId, gen: u32, replica: u8 },
    /// Bono's connection recycler (every second).
    PoolRecycle { node: NodeId },
    /// Bono's recycler DNS query completes.
    PoolDnsDone { node: NodeId },
    /// A `[[fault]]` starts or ends.
    Fault { index: u32, start: bool },
    /// A blocking operation got no answer in time (target black-holed).
    OpTimeout { msg: Key, attempt: u8 },
    /// A UE's DNS query for the Bono name completes.
    UeDns { ue: UeId, gen: u32 },
    /// A UE's TCP connection attempt completes (or fails).
    UeConnect { ue: UeId, gen: u32 },
    /// A UE's connection was reset (its Bono crashed loudly): it re-registers at once.
    UeConnLost { ue: UeId },
    /// A Bono gives up on a request it sent to a silent Sprout (its transaction timer) and
    /// blacklists that Sprout.
    BonoGaveUp { bono: NodeId, sprout: NodeId },
    /// Route 53-style health checks change their verdict on a node.
    DnsHealth { node: NodeId, healthy: bool },
    /// Periodic statistics.
    Sample,
    /// End of warm-up: statistics restart.
    WarmupEnd,
}

impl EventKind for Ev {
    fn kind(&self) -> u32 {
        match self {
            Ev::CpuDone { .. } => 0,
            Ev::Hop { .. } => 1,
            Ev::OpArrive { .. } => 2,
            Ev::OpReply { .. } => 3,
            Ev::DnsDone { .. } => 4,
            Ev::SideArrive { .. } => 5,
            Ev::TxnTimeout { .. } => 6,
            Ev::UeRegister { .. } => 7,
            Ev::PairStep { .. } => 8,
            Ev::CallStep { .. } => 9,
            Ev::CallArrival => 10,
            Ev::RampStep => 11,
            Ev::ChronosPop { .. } => 12,
            Ev::PoolRecycle { .. } => 13,
            Ev::PoolDnsDone { .. } => 14,
            Ev::Sample => 15,
            Ev::WarmupEnd => 16,
            Ev::Fault { .. } => 17,
            Ev::OpTimeout { .. } => 18,
            Ev::UeDns { .. } => 19,
            Ev::UeConnect { .. } => 20,
            Ev::UeConnLost { .. } => 21,
            Ev::BonoGaveUp { .. } => 22,
            Ev::DnsHealth { .. } => 23,
            Ev::CallRedial { .. } => 24,
        }
    }

    fn target(&self) -> u64 {
        match *self {
            Ev::CpuDone { node, slot, .. } => ((node as u64) << 16) | slot as u64,
            Ev::Hop { msg } | Ev::OpArrive { msg } | Ev::OpReply { msg, .. } | Ev::DnsDone { msg } => msg.idx as u64,
            Ev::SideArrive { node, .. } | Ev::PoolRecycle { node } | Ev::PoolDnsDone { node } => node as u64,
            Ev::TxnTimeout { txn, .. } => txn.idx as u64,
            Ev::UeRegister { ue, .. } | Ev::ChronosPop { ue, .. } => ue as u64,
            Ev::PairStep { pair, .. } => pair as u64,
            Ev::CallStep { call } | Ev::CallRedial { call } => call.idx as u64,
            Ev::Fault { index, .. } => index as u64,
            Ev::OpTimeout { msg, .. } => msg.idx as u64,
            Ev::UeDns { ue, .. } | Ev::UeConnect { ue, .. } | Ev::UeConnLost { ue } => ue as u64,
            Ev::BonoGaveUp { bono, sprout } => ((bono as u64) << 16) | sprout as u64,
            Ev::DnsHealth { node, .. } => node as u64,
            Ev::CallArrival | Ev::RampStep | Ev::Sample | Ev::WarmupEnd => 0,
        }
    }
}

/// Work a node's CPU does.
#[derive(Copy, Clone, Debug)]
pub enum Job {
    /// SIP processing of a message (Bono relay; a Sprout worker burst).
    Msg(Key),
    /// Serving the current remote operation of a message (Homestead, Homer, memcached,
    /// Chronos).
    Op(Key),
    /// Work nobody waits for.
    Side(Side),
}

#[derive(Copy, Clone, Debug)]
pub enum Side {
    /// A memcached write to the second replica of a record (`delete`: it removes it).
    McReplicaWrite { ue: UeId, site: u8, bindings: bool, delete: bool },
    /// Chronos replicating a timer operation to another replica (`which`: its replica slot;
    /// `binding`: a binding timer, else a challenge timer).
    ChronosReplica { ue: UeId, which: u8, binding: bool, gen: u32 },
    /// A Chronos replica firing a binding timer.
    ChronosPop { ue: UeId, gen: u32 },
    /// A Chronos replica told that another replica fired.
    ChronosSkip,
    /// A page of a store's resynchronisation leaving its sender (`remaining` records or
    /// timers still to send to `to`, this page included).
    Resync { to: NodeId, remaining: u32, timers: bool },
    /// A resynchronisation page arriving at its new home.
    ResyncStore { count: u32, timers: bool },
}

/// A SIP message (request or response) in flight, with everything needed to carry it on
/// even after the UE gave up on its transaction (the load is real either way).
#[derive(Clone, Debug)]
pub struct Msg {
    /// The UE-side transaction; `NO_KEY` for ACKs and Chronos callbacks.
    pub txn: Key,
    pub method: Method,
    /// 0 for a request, else the response code.
    pub code: u16,
    pub ue: UeId,
    /// The called party (INVITE and in-dialog requests).
    pub peer: UeId,
    /// Bono of the originator, Sprout, Bono of the called party.
    pub route: [NodeId; 3],
    pub hop: u8,
    pub program: Program,
    /// Next step of the program.
    pub pc: u8,
    /// REGISTER: 0 without credentials, 1 with, 2 a refresh sent without a challenge.
    pub stage: u8,
    /// Target of the remote operation in progress, attempts made, and when it was sent.
    pub op_target: NodeId,
    pub attempt: u8,
    pub op_sent: SimTime,
    /// memcached: the site whose store the current operation addresses.
    pub op_site: u8,
    /// HTTP: the status of the answer in flight (0 success, 503 throttled, 504 HSS timeout)
    /// and how many attempts were answered 503.
    pub op_code: u16,
    pub http_503s: u8,
    /// Bono: how many Sprouts this request was sent to (retries on transport errors).
    pub tries: u8,
    /// The callee lookup found a valid binding (INVITE).
    pub found: bool,
    /// The Homestead request in progress involves the HSS.
    pub hss: bool,
    /// The call this message belongs to.
    pub call: Key,
    /// LoadMonitor latency accumulated at Sprout: queue waits + worker CPU.
    pub lat_ns: u64,
    /// Worker (timed) part of the CPU job in service.
    pub worker_ns: u64,
}

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

/// Why a subscriber could not place or receive calls.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutageCause {
    /// The node it was connected to failed.
    EdgeFailure,
    /// Its registration lapsed and was removed.
    BindingExpired,
}

impl OutageCause {
    pub fn name(self) -> &'static str {
        match self {
            OutageCause::EdgeFailure => "edge-failure",
            OutageCause::BindingExpired => "binding-expired",
        }
    }
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
    /// REGISTER: 0 = unauthenticated (expects 401), 1 = with credentials.
    pub stage: u8,
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

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CallPhase {
    Inviting,
    /// Callee rings; answers at the next step.
    Ringing,
    /// Answered; the caller sends UPDATE (stress profile) or waits to hang up.
    Talking,
    Ending,
    /// The INVITE failed; the caller waits out the redial back-off.
    Redialling,
}

#[derive(Clone, Debug)]
pub struct Call {
    pub caller: UeId,
    pub callee: UeId,
    /// Record-routed path, fixed by the INVITE.
    pub route: [NodeId; 3],
    pub phase: CallPhase,
    /// The INVITE transaction (answered by the callee's 200).
    pub invite: Key,
    /// Stress-profile pair to resume when the call ends (`u32::MAX`: none).
    pub pair: u32,
    /// INVITEs sent for this call so far (1 + redials).
    pub attempts: u8,
}

/// One subscriber: its UE and the network's record of it. Kept small (see the test).
#[derive(Clone, Debug)]
pub struct Ue {
    /// The node this UE is connected to: a Bono, or a Sprout when the site has no Bono
    /// (Clearwater's core-only stress tests drive Sprout directly).
    pub edge: NodeId,
    pub site: u8,
    /// The UE believes it is registered (last REGISTER succeeded, not yet expired).
    pub registered: bool,
    /// A registration procedure is in progress.
    pub registering: bool,
    /// Server side (memcached): binding expiry in whole seconds since the start; a binding is
    /// valid while `now_s < binding_expires_s` [src sprout: registrarsproutlet.cpp]. One copy
    /// per site's store (GR writes both); `mc_held[site]` has bit r set while replica r of
    /// that store holds the record (a crash clears it).
    pub binding_expires_s: [u32; 2],
    pub mc_held: [u8; 2],
    /// The binding's Chronos timer: due time, generation, replicas, whether one exists.
    pub timer_due: SimTime,
    pub timer_gen: u32,
    pub timer_replicas: [NodeId; 2],
    pub timer_set: bool,
    /// Which replicas actually hold the timer (replication can fail; a crash loses them).
    pub timer_held: [bool; 2],
    /// Homestead's view: the subscriber is registered, and until when its cached record
    /// is fresh (after that a SAR goes to the HSS again) [doc 8.21 hss_reregistration_time].
    pub hs_registered: bool,
    pub hs_fresh_until: SimTime,
    /// Generation of the UE's own refresh timer.
    pub reg_gen: u32,
    /// The UE's TCP connection to `edge` is up (as far as the UE knows).
    pub connected: bool,
    /// The UE's DNS cache for the Bono name: the site whose Bonos it returned, and expiry.
    pub dns_site: u8,
    pub dns_expires: SimTime,
    /// Generation of the UE's DNS query / connection attempt in progress.
    pub conn_gen: u32,
    /// The REGISTER transaction in progress, if any.
    pub reg_txn: Key,
    /// Outage accounting: since when the UE is unreachable (`SimTime::MAX`: reachable).
    pub out_since: SimTime,
    pub out_cause: OutageCause,
    /// Random draws made so far (the UE's stream position).
    pub draws: u32,
}

/// A pair of subscribers running Clearwater's stress script.
#[derive(Copy, Clone, Debug)]
pub struct Pair {
    pub step: PairScript,
    pub gen: u32,
    /// Pause after the current call (the 270 s budget minus the pre-call delay).
    pub post_call: crate::engine::SimDuration,
}

/// Where a pair is in the stress script [src sprout: sip-stress.xml]: register A, register B,
/// then either pause or place a call, then loop.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PairScript {
    Start,
    RegisteringA,
    RegisteringB,
    Pausing,
    PreCall,
    InCall,
    PostCall,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_enough() {
        // Events travel through the heap by value; subscribers are counted in millions.
        assert!(std::mem::size_of::<Ev>() <= 16, "Ev is {} bytes", std::mem::size_of::<Ev>());
        assert!(std::mem::size_of::<Ue>() <= 128, "Ue is {} bytes", std::mem::size_of::<Ue>());
        assert!(std::mem::size_of::<Job>() <= 16);
    }
}
