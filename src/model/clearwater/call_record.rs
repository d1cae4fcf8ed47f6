//! A call in progress: its parties, its record-routed path, where it is. Plain data; call.rs
//! holds what the UEs do with it.

use super::ids::UeId;
use super::message::Route;
use super::ralf::CallSessions;
use crate::model::slab::Key;

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
    pub route: Route,
    pub phase: CallPhase,
    /// The INVITE transaction (answered by the callee's 200).
    pub invite: Key,
    /// Stress-profile pair to resume when the call ends (`u32::MAX`: none).
    pub pair: u32,
    /// INVITEs sent for this call so far (1 + redials).
    pub attempts: u8,
    /// Its billing sessions at Ralf, by charging node (none without Ralf).
    pub billing: CallSessions,
    /// The SIPp call that placed it (none for the built-in profiles).
    pub sipp: Key,
}
