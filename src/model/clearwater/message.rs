//! A SIP message in flight and its typed protocol state: where it is on its route, what it
//! is (request, response, transport failure), and which REGISTER of a procedure it is.

use super::flows::Method;
use super::ids::{NodeId, UeId, NO_KEY, NO_NODE};
use super::program::Program;
use crate::engine::SimTime;
use crate::model::slab::Key;

/// Where a message is along its route: originating UE, its Bono, Sprout, the called party's
/// Bono, called UE. Requests travel towards `TargetUe`, responses back towards `OriginUe`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    OriginUe,
    OriginBono,
    Sprout,
    TargetBono,
    TargetUe,
}

/// The nodes a message passes, by role. A role without a node is `NO_NODE`: no Bono in
/// core-only deployments, no Sprout yet while the originating Bono has not picked one, no
/// terminating Bono before Sprout found the callee. A new role (an I-CSCF split, say) is a
/// new field and a new `Hop`, not a renumbering.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub origin_bono: NodeId,
    pub sprout: NodeId,
    pub target_bono: NodeId,
}

impl Route {
    pub const EMPTY: Route = Route { origin_bono: NO_NODE, sprout: NO_NODE, target_bono: NO_NODE };

    /// The node at `hop` (`None` for the UEs and for roles without a node).
    pub fn at(&self, hop: Hop) -> Option<NodeId> {
        let n = match hop {
            Hop::OriginBono => self.origin_bono,
            Hop::Sprout => self.sprout,
            Hop::TargetBono => self.target_bono,
            Hop::OriginUe | Hop::TargetUe => NO_NODE,
        };
        (n != NO_NODE).then_some(n)
    }

    /// The node the originating UE is connected to: its Bono, or Sprout without one.
    pub fn origin_edge(&self) -> NodeId {
        if self.origin_bono == NO_NODE {
            self.sprout
        } else {
            self.origin_bono
        }
    }
}

/// What a message is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Request,
    /// A final or provisional response with its SIP status code.
    Response(u16),
    /// Not SIP: a connection refused or reset, travelling back to the sender that sees it.
    TransportError,
}

impl Status {
    pub fn is_request(self) -> bool {
        self == Status::Request
    }
}

/// Which REGISTER of a registration procedure a request is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegisterStage {
    /// Without credentials: Sprout challenges it (401).
    Unauthenticated,
    /// The answer to the challenge, with credentials.
    WithCredentials,
    /// Integrity-protected: sent on a connection Bono has already authenticated (or, with
    /// `[sip] challenge_reregister = false`, any re-REGISTER): Sprout does not challenge it.
    IntegrityProtected,
}

/// How the HTTP server of a blocking operation answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HttpAnswer {
    Ok,
    /// 503: the server's LoadMonitor refused it.
    Unavailable,
    /// 504: Homestead's HSS did not answer in time.
    GatewayTimeout,
}

/// A SIP message (request or response) in flight, with everything needed to carry it on
/// even after the UE gave up on its transaction (the load is real either way).
#[derive(Clone, Debug)]
pub struct Msg {
    /// The UE-side transaction; `NO_KEY` for ACKs and Chronos callbacks.
    pub txn: Key,
    pub method: Method,
    pub status: Status,
    pub ue: UeId,
    /// The called party (INVITE and in-dialog requests).
    pub peer: UeId,
    pub route: Route,
    pub hop: Hop,
    pub program: Program,
    /// Next step of the program.
    pub pc: u8,
    pub stage: RegisterStage,
    /// Target of the remote operation in progress, attempts made, and when it was sent.
    pub op_target: NodeId,
    pub attempt: u8,
    pub op_sent: SimTime,
    /// memcached: the site whose store the current operation addresses.
    pub op_site: u8,
    /// HTTP: the answer in flight, and how many attempts were answered 503.
    pub op_answer: HttpAnswer,
    pub http_503s: u8,
    /// Bono: how many Sprouts this request was sent to (retries on transport errors).
    pub tries: u8,
    /// The callee lookup found a valid binding (INVITE).
    pub found: bool,
    /// The Homestead request in progress involves the HSS.
    pub hss: bool,
    /// The call this message belongs to.
    pub call: Key,
    /// Latency accumulated at Sprout excluding blocking I/O: queue waits + worker CPU (what
    /// the later era's LoadMonitor is fed).
    pub lat_ns: u64,
    /// Time the worker spent blocked on its program's operations (HTTP, memcached,
    /// Chronos), and when the current operation started.
    pub io_ns: u64,
    pub step_at: SimTime,
    /// Worker (timed) part of the CPU job in service.
    pub worker_ns: u64,
    /// The message holds one of its Sprout's worker threads, taken in this epoch of the
    /// node's pool.
    pub holds_worker: bool,
    pub worker_epoch: u32,
}

impl Msg {
    /// A new message at `hop` of `route`.
    pub fn new(txn: Key, method: Method, status: Status, ue: UeId, peer: UeId, route: Route, hop: Hop) -> Msg {
        Msg {
            txn,
            method,
            status,
            ue,
            peer,
            route,
            hop,
            program: Program::Relay,
            pc: 0,
            stage: RegisterStage::Unauthenticated,
            op_target: NO_NODE,
            attempt: 0,
            op_sent: SimTime::ZERO,
            op_site: 0,
            op_answer: HttpAnswer::Ok,
            http_503s: 0,
            tries: 0,
            found: false,
            hss: false,
            call: NO_KEY,
            lat_ns: 0,
            io_ns: 0,
            step_at: SimTime::ZERO,
            worker_ns: 0,
            holds_worker: false,
            worker_epoch: 0,
        }
    }

    pub fn is_request(&self) -> bool {
        self.status.is_request()
    }

    /// The step of its program the message is executing (the program counter was advanced
    /// when the step started).
    pub fn current_step(&self) -> super::flows::Step {
        self.program.steps()[self.pc as usize - 1]
    }

    /// The Sprout running this message's program.
    pub fn sprout(&self) -> NodeId {
        self.route.sprout
    }
}
