//! The events of the Clearwater world, and the work items a node's CPU queues.

use super::ids::{NodeId, UeId};
use crate::engine::EventKind;
use crate::model::slab::Key;

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
    UeRegister { ue: UeId, gen: u16 },
    /// A stress-profile pair resumes its script after a pause.
    PairStep { pair: u32, gen: u32 },
    /// A call's next scripted action (answer, UPDATE, hang-up).
    CallStep { call: Key },
    /// An application server's answer to a third-party REGISTER reaches Sprout.
    AsAnswer { msg: Key },
    /// A UE's reg-event subscription refresh is due (`[sip] reg_event_expires`).
    UeSubscribe { ue: UeId },
    /// An answered call's session refresh is due (`[load] session_expires`).
    SessionRefresh { call: Key },
    /// The caller redials a call whose INVITE failed (`[sip] call_retries`).
    CallRedial { call: Key },
    /// The load generator starts a call (core-only, rate).
    CallArrival,
    /// The rate profile's stepped ramp.
    RampStep,
    /// A binding timer is due on one of its Chronos replicas.
    ChronosPop { ue: UeId, gen: u32, replica: u8 },
    /// An outbound UE's keepalive pong on its flow to `edge` is due.
    UeFlowCheck { ue: UeId, edge: NodeId },
    /// A challenge timer set at `site` is due on one of its replicas (documented era).
    ChallengePop { ue: UeId, site: u8, replica: u8 },
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
    /// A step of a cluster resize's resynchronisation on `node` (resync.rs).
    Resync { node: NodeId, step: ResyncStep },
    /// Periodic statistics.
    Sample,
    /// End of warm-up: statistics restart.
    WarmupEnd,
    /// A billing request (ACR) reaches a Ralf node.
    AcrArrive { node: NodeId, acr: Key },
    /// The CDF answers an ACR Ralf sent it.
    CdfAnswer { acr: Key },
    /// A Ralf session's interim timer is due (`gen`: the timer's generation).
    RalfTimer { session: Key, gen: u32 },
    /// A subscriber's binding is due to lapse (outage accounting, after the first fault).
    BindingCheck { ue: UeId, gen: u32 },
    /// A SIPp source's next call is due.
    SippArrival { source: u32 },
    /// A SIPp source's rate steps up (`rate_increase`).
    SippRamp { source: u32 },
    /// A SIPp call's pause ends, or its recv times out (`gen`: the call's timer generation).
    SippTimer { call: Key, gen: u32 },
    /// A SIPp call's UDP retransmission timer expires (`gen`: the timer's generation).
    SippRetrans { call: Key, gen: u32 },
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
            Ev::AcrArrive { .. } => 25,
            Ev::CdfAnswer { .. } => 26,
            Ev::RalfTimer { .. } => 27,
            Ev::BindingCheck { .. } => 28,
            Ev::ChallengePop { .. } => 29,
            Ev::UeFlowCheck { .. } => 30,
            Ev::SessionRefresh { .. } => 32,
            Ev::AsAnswer { .. } => 33,
            Ev::UeSubscribe { .. } => 34,
            Ev::Resync { .. } => 31,
            Ev::SippArrival { .. } => 34,
            Ev::SippRamp { .. } => 35,
            Ev::SippTimer { .. } => 36,
            Ev::SippRetrans { .. } => 37,
        }
    }

    fn target(&self) -> u64 {
        match *self {
            Ev::CpuDone { node, slot, .. } => ((node as u64) << 16) | slot as u64,
            Ev::Hop { msg } | Ev::OpArrive { msg } | Ev::OpReply { msg, .. } | Ev::DnsDone { msg } => msg.idx as u64,
            Ev::SideArrive { node, .. } | Ev::PoolRecycle { node } | Ev::PoolDnsDone { node } => node as u64,
            Ev::TxnTimeout { txn, .. } => txn.idx as u64,
            Ev::UeRegister { ue, .. }
            | Ev::ChronosPop { ue, .. }
            | Ev::ChallengePop { ue, .. }
            | Ev::UeFlowCheck { ue, .. }
            | Ev::UeSubscribe { ue }
            | Ev::BindingCheck { ue, .. } => ue as u64,
            Ev::PairStep { pair, .. } => pair as u64,
            Ev::CallStep { call } | Ev::CallRedial { call } | Ev::SessionRefresh { call } => call.idx as u64,
            Ev::Fault { index, .. } => index as u64,
            Ev::AcrArrive { acr, .. } | Ev::CdfAnswer { acr } => acr.idx as u64,
            Ev::RalfTimer { session, .. } => session.idx as u64,
            Ev::OpTimeout { msg, .. } | Ev::AsAnswer { msg } => msg.idx as u64,
            Ev::UeDns { ue, .. } | Ev::UeConnect { ue, .. } | Ev::UeConnLost { ue } => ue as u64,
            Ev::BonoGaveUp { bono, sprout } => ((bono as u64) << 16) | sprout as u64,
            Ev::DnsHealth { node, .. } | Ev::Resync { node, .. } => node as u64,
            Ev::CallArrival | Ev::RampStep | Ev::Sample | Ev::WarmupEnd => 0,
            Ev::SippArrival { source } | Ev::SippRamp { source } => source as u64,
            Ev::SippTimer { call, .. } | Ev::SippRetrans { call, .. } => call.idx as u64,
        }
    }
}

/// How a job queues for a node's CPU.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// New work (a message arriving, a server request): FIFO.
    New,
    /// Work resuming a thread that is already running — a Sprout worker woken by its I/O
    /// reply, or memcached/Chronos on the Sprout node serving that worker: the OS scheduler
    /// runs such woken threads ahead of queued new work, so they go first.
    Resumed,
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
    /// Ralf processing a billing request.
    Acr(Key),
    /// Sprout's transport thread parsing a received message, or sending a stateless 503.
    Rx(Key),
}

#[derive(Copy, Clone, Debug)]
pub enum Side {
    /// Sprout building and sending a third-party REGISTER to an application server.
    AsRegister { ue: UeId },
    /// Sprout building and sending a NOTIFY to a subscribed UE (reg_event.rs).
    Notify { ue: UeId },
    /// A memcached write to the second replica of a record (`delete`: it removes it).
    McReplicaWrite { ue: UeId, site: u8, bindings: bool, delete: bool },
    /// Chronos replicating a timer operation to another replica (`which`: its replica slot;
    /// `binding`: a binding timer, else a challenge timer).
    ChronosReplica { ue: UeId, which: u8, binding: bool, gen: u32 },
    /// A Chronos replica firing a binding timer.
    ChronosPop { ue: UeId, gen: u32 },
    /// A Chronos replica firing a challenge timer set at `site`.
    ChallengePop { ue: UeId, site: u8 },
    /// A Chronos replica told that another replica fired.
    ChronosSkip,
    /// Astaire streaming a chunk of records into its node's memcached.
    Astaire { records: u32 },
    /// Chronos preparing a page of timers for `requester`'s resynchronisation.
    ChronosServe { requester: NodeId },
    /// Chronos processing the page `server` sent.
    ChronosTake { server: NodeId },
    /// Resynchronisation work nobody waits for: memcached serving or storing streamed
    /// records, Chronos handling replications, tombstones and DELETEs (`count` of them).
    ResyncStore { count: u32, timers: bool },
    /// Sprout or Bono building and sending a billing request (its Ralf client threads).
    AcrSend { acr: Key },
    /// A Ralf node's memcached or Chronos serving Ralf (nobody waits for it).
    RalfStore,
}

/// The steps of a resize's resynchronisation that wait for time or the network.
#[derive(Copy, Clone, Debug)]
pub enum ResyncStep {
    /// Astaire may start its next chunk (its CPU limit allows it).
    AstaireNext,
    /// Chronos's GET reaches `server`.
    ChronosGet { server: NodeId },
    /// `server`'s page of timers reaches the node that asked.
    ChronosPage { server: NodeId },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_enough() {
        // Events travel through the heap by value.
        assert!(std::mem::size_of::<Ev>() <= 16, "Ev is {} bytes", std::mem::size_of::<Ev>());
        assert!(std::mem::size_of::<Job>() <= 16);
    }
}
