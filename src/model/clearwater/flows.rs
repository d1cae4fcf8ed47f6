//! What each SIP request makes a Sprout worker do, as data: the blocking operations in
//! order, between which the worker needs the CPU again.
//!
//! These programs transcribe the message flows in CLEARWATER_FACTS.md ("What each request
//! costs"), taken from Sprout's and Homestead's code paths. The tests count the operations
//! the simulation actually performs against the counts listed there.

pub use super::method::Method;

/// Homestead/Homer HTTP requests [src sprout: hssconnection.cpp, xdmconnection.cpp].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpOp {
    /// `GET /impi/<impi>/registration-status` (the Cx UAR), from the I-CSCF.
    Uar,
    /// `GET /impi/<impi>/av` (the Cx MAR): an authentication vector for the challenge.
    Mar,
    /// `PUT /impu/<impu>/reg-data` with reqtype=reg (the Cx SAR) at registration.
    Sar,
    /// `PUT /impu/<impu>/reg-data` with reqtype=dereg-timeout when a binding expires
    /// (dereg-user when a REGISTER removes it).
    SarDereg,
    /// `PUT /impu/<impu>/reg-data` with reqtype=call: served from Homestead's cache.
    RegDataCall,
    /// `GET /impu/<impu>/reg-data`: Sprout re-reads the registration data when a binding
    /// timer pops [src sprout: handlers.cpp, AoRTimeoutTask].
    RegDataGet,
    /// `GET /impu/<impu>/location` (the Cx LIR), from the I-CSCF for a terminating call.
    Lir,
    /// Homer: `GET /org.etsi.ngn.simservs/users/<impu>/simservs.xml` (MMTEL settings).
    Simservs,
}

impl HttpOp {
    pub fn is_homer(self) -> bool {
        self == HttpOp::Simservs
    }
}

/// memcached operations [src cpp-common: memcachedstore.cpp].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum McOp {
    Get,
    Set,
    Add,
    Cas,
    Delete,
}

impl McOp {
    pub fn is_write(self) -> bool {
        !matches!(self, McOp::Get)
    }
}

/// Which record a memcached operation touches.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum McKey {
    /// The authentication vector stored for the digest challenge (the IMPI's AV store).
    Av,
    /// The originating subscriber's registration bindings (AoR).
    Bindings,
    /// The called subscriber's bindings (terminating S-CSCF lookup).
    CalleeBindings,
    /// The originating subscriber's bindings in the *other* site's store: in a
    /// geographically redundant deployment Sprout repeats every bindings write (and its
    /// preceding get) there [doc 8.46.1].
    RemoteBindings,
}

/// Chronos timer operations (HTTP to the local Chronos, TCP/7253).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChronosOp {
    /// POST a new timer.
    Post,
    /// PUT (replace) an existing timer.
    Put,
    Delete,
}

/// Sprout's one-shot timers: the 30 s authentication-challenge timer and the registration
/// binding timer due at binding expiry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimerKind {
    Challenge,
    Binding,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Http(HttpOp),
    Mc(McOp, McKey),
    Chronos(ChronosOp, TimerKind),
}

use ChronosOp as C;
use HttpOp as H;
use McKey as K;
use McOp as M;
use Step::{Chronos as Ch, Http as Ht, Mc};

/// First REGISTER (no credentials): I-CSCF UAR; S-CSCF MAR; store the AV (get + set);
/// start the 30 s challenge timer; answer 401.
pub const REGISTER_CHALLENGE: &[Step] =
    &[Ht(H::Uar), Ht(H::Mar), Mc(M::Get, K::Av), Mc(M::Set, K::Av), Ch(C::Post, TimerKind::Challenge)];

/// Second REGISTER (with credentials) of an initial registration: I-CSCF UAR; fetch and
/// consume the AV; delete the challenge timer; SAR; bindings get then add; binding timer.
pub const REGISTER_AUTH_INITIAL: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Ch(C::Delete, TimerKind::Challenge),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Add, K::Bindings),
    Ch(C::Post, TimerKind::Binding),
];

/// Second REGISTER of a re-registration: as above, but the bindings are updated with a
/// get + compare-and-set instead of an add, and the binding timer is replaced.
pub const REGISTER_AUTH_REFRESH: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Ch(C::Delete, TimerKind::Challenge),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Ch(C::Put, TimerKind::Binding),
];

/// The documented era's registrar left the challenge timer to pop: only from Sep 2017 was
/// it deleted once the challenge was answered ("Save off timers, and delete when auth
/// complete" [src sprout: authenticationsproutlet.cpp]). The same programs without the
/// delete.
pub const REGISTER_AUTH_INITIAL_KEEP_TIMER: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Add, K::Bindings),
    Ch(C::Post, TimerKind::Binding),
];

pub const REGISTER_AUTH_REFRESH_KEEP_TIMER: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Ch(C::Put, TimerKind::Binding),
];

pub const REGISTER_AUTH_INITIAL_KEEP_TIMER_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Add, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Add, K::RemoteBindings),
    Ch(C::Post, TimerKind::Binding),
];

pub const REGISTER_AUTH_REFRESH_KEEP_TIMER_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Put, TimerKind::Binding),
];

/// The challenge timer pops 30 s after the challenge (AuthTimeoutTask
/// [src sprout: handlers.cpp]): Sprout reads the IMPI's authentication record; finding the nonce used
/// (its count incremented by the answered challenge) it ignores the pop. (A challenge never
/// answered would also send an AUTHENTICATION_TIMEOUT SAR; the model's UEs answer every
/// challenge they receive.)
pub const AUTH_TIMEOUT: &[Step] = &[Mc(M::Get, K::Av)];

/// Geographic redundancy: the same programs with every bindings write (and the get before
/// it) repeated against the remote site's memcached.
pub const REGISTER_AUTH_INITIAL_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Ch(C::Delete, TimerKind::Challenge),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Add, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Add, K::RemoteBindings),
    Ch(C::Post, TimerKind::Binding),
];

pub const REGISTER_AUTH_REFRESH_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Ch(C::Delete, TimerKind::Challenge),
    Mc(M::Set, K::Av),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Put, TimerKind::Binding),
];

pub const REGISTER_UNCHALLENGED_REFRESH_GR: &[Step] = &[
    Ht(H::Uar),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Put, TimerKind::Binding),
];

pub const REGISTER_UNCHALLENGED_INITIAL_GR: &[Step] = &[
    Ht(H::Uar),
    Ht(H::Sar),
    Mc(M::Get, K::Bindings),
    Mc(M::Add, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Add, K::RemoteBindings),
    Ch(C::Post, TimerKind::Binding),
];

pub const BINDING_EXPIRY_GR: &[Step] = &[
    Ht(H::RegDataGet),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];

/// An integrity-protected REGISTER (over a connection Bono already authenticated) that finds
/// the subscriber's bindings: UAR + SAR + bindings get/CAS + the binding timer replaced.
pub const REGISTER_UNCHALLENGED_REFRESH: &[Step] =
    &[Ht(H::Uar), Ht(H::Sar), Mc(M::Get, K::Bindings), Mc(M::Cas, K::Bindings), Ch(C::Put, TimerKind::Binding)];

/// The same when the bindings had lapsed: they are added and a new timer set.
pub const REGISTER_UNCHALLENGED_INITIAL: &[Step] =
    &[Ht(H::Uar), Ht(H::Sar), Mc(M::Get, K::Bindings), Mc(M::Add, K::Bindings), Ch(C::Post, TimerKind::Binding)];

/// Initial INVITE between on-net subscribers: originating S-CSCF (reg-data from cache, then
/// the MMTEL application server fetches the caller's simservs from Homer), I-CSCF LIR,
/// terminating S-CSCF (reg-data, MMTEL again for the callee, the callee's bindings). The
/// MMTEL iFC has no session-case condition, so it fires on both sides [doc 8.23.3].
pub const INVITE_WITH_HOMER: &[Step] = &[
    Ht(H::RegDataCall),
    Ht(H::Simservs),
    Ht(H::Lir),
    Ht(H::RegDataCall),
    Ht(H::Simservs),
    Mc(M::Get, K::CalleeBindings),
];

/// The same without a Homer tier (no MMTEL settings to fetch).
pub const INVITE_WITHOUT_HOMER: &[Step] =
    &[Ht(H::RegDataCall), Ht(H::Lir), Ht(H::RegDataCall), Mc(M::Get, K::CalleeBindings)];

/// Chronos pops a binding timer [src sprout: handlers.cpp, AoRTimeoutTask]: Sprout re-reads
/// the registration data, reads the bindings, writes them back without the expired binding
/// (compare-and-set), deletes the timer (no binding left) and tells the HSS (SAR,
/// dereg-timeout).
pub const BINDING_EXPIRY: &[Step] = &[
    Ht(H::RegDataGet),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];

/// A SUBSCRIBE to the reg event package [src sprout: subscription.cpp]: Sprout reads the
/// registration data (`get_registration_data`), then reads the AoR and writes it back with
/// the subscription (compare-and-set). The subscription's expiry is capped at
/// `reg_max_expires`, so it never brings the AoR's next expiry forward: no Chronos
/// operation. Writing the AoR sends the NOTIFY (reg_event.rs).
pub const SUBSCRIBE: &[Step] = &[Ht(H::RegDataGet), Mc(M::Get, K::Bindings), Mc(M::Cas, K::Bindings)];

/// The same in a geographically redundant deployment: the write repeated at the remote site.
pub const SUBSCRIBE_GR: &[Step] = &[
    Ht(H::RegDataGet),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
];

#[cfg(test)]
#[path = "flows_tests.rs"]
mod tests;
