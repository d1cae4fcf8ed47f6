//! A REGISTER asking for its binding's removal (`Expires: 0`, or `expires=0` on its
//! Contact), as a SIPp scenario sends one: Sprout's registrar authenticates it like any
//! REGISTER (challenged unless it has credentials or is integrity-protected), writes the AoR
//! back without the binding, deletes the binding timer now that no binding is left, and
//! tells the HSS (SAR with reqtype=dereg-user) [src sprout: registrarsproutlet.cpp]. The
//! built-in profiles never deregister.

use super::flows::{ChronosOp as C, HttpOp as H, McKey as K, McOp as M, Step, TimerKind};
use Step::{Chronos as Ch, Http as Ht, Mc};

/// With credentials (after the 401): I-CSCF UAR; fetch and consume the AV; delete the
/// challenge timer; bindings get then compare-and-set without the binding; delete the
/// binding timer; SAR dereg-user.
pub const DEREGISTER_AUTH: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Ch(C::Delete, TimerKind::Challenge),
    Mc(M::Set, K::Av),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];

/// The documented era's registrar: the same without the challenge timer's delete.
pub const DEREGISTER_AUTH_KEEP_TIMER: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Mc(M::Set, K::Av),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];

/// Integrity-protected (over a connection Bono authenticated): no AV.
pub const DEREGISTER_UNCHALLENGED: &[Step] =
    &[Ht(H::Uar), Mc(M::Get, K::Bindings), Mc(M::Cas, K::Bindings), Ch(C::Delete, TimerKind::Binding), Ht(H::SarDereg)];

/// Geographic redundancy: the bindings write (and its get) repeated at the remote site.
pub const DEREGISTER_AUTH_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Ch(C::Delete, TimerKind::Challenge),
    Mc(M::Set, K::Av),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];

pub const DEREGISTER_AUTH_KEEP_TIMER_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Av),
    Mc(M::Set, K::Av),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];

pub const DEREGISTER_UNCHALLENGED_GR: &[Step] = &[
    Ht(H::Uar),
    Mc(M::Get, K::Bindings),
    Mc(M::Cas, K::Bindings),
    Mc(M::Get, K::RemoteBindings),
    Mc(M::Cas, K::RemoteBindings),
    Ch(C::Delete, TimerKind::Binding),
    Ht(H::SarDereg),
];
