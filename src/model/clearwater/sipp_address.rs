//! What a SIPp request's text decides at send time (`crate::sipp::identity`): the
//! subscriber a REGISTER registers, the caller and callee of an INVITE, and the binding
//! lifetime a REGISTER asks for, which Sprout's registrar grants up to `reg_max_expires`
//! [src sprout: registrarsproutlet.cpp].
//!
//! A party whose user has no number keeps the call's own subscriber (the one its injection
//! line or call number gave it, or its last REGISTER named); an unnamed callee is the
//! caller's next subscriber. So a script whose URIs name no one (SIPp's reference UAC)
//! spreads its calls over the subscribers by call number.

use super::ids::UeId;
use super::params::REQUESTED_EXPIRES_S;
use super::world::World;
use crate::engine::SimTime;
use crate::model::slab::Key;
use crate::sipp::eval;
use crate::sipp::identity;
use crate::sipp::plan::Role;
use crate::sipp::script::StepKind;

/// No SIPp REGISTER has stated an expiry for this subscriber.
pub const EXPIRES_UNSTATED: u32 = u32::MAX;

impl World {
    /// The header section of the message send step `pc` of `key` writes now, with the
    /// call's variables, fields and keys substituted.
    pub(super) fn sipp_message(&self, key: Key, pc: usize, now: SimTime) -> String {
        let c = self.sipp.as_ref().and_then(|r| r.calls.get(key)).expect("live SIPp call");
        let src = &self.sipp_load().sources[c.source as usize];
        let StepKind::Send(send) = &src.script.steps[pc].kind else { return String::new() };
        let env = c.env(src, now);
        eval::render(&send.head, &env, &c.vars)
    }

    /// Reads who send step `pc` of `key` (a REGISTER or an INVITE) names and moves the call
    /// to them; returns the expiry a REGISTER asks for (`EXPIRES_UNSTATED` if it states
    /// none).
    pub(super) fn sipp_address(&mut self, key: Key, pc: usize, role: Role, now: SimTime) -> u32 {
        if !matches!(role, Role::Register | Role::Invite) {
            return EXPIRES_UNSTATED;
        }
        let msg = self.sipp_message(key, pc, now);
        let head = identity::Head::parse(&msg);
        let n = self.ues.len() as u64;
        let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
        match role {
            Role::Register => {
                if let Some(ue) = head.register_aor(n) {
                    c.ue = ue as UeId;
                }
                head.expires_s().unwrap_or(EXPIRES_UNSTATED)
            }
            Role::Invite => {
                let parties = head.invite_parties(n);
                if let Some(ue) = parties.from {
                    c.ue = ue as UeId;
                }
                c.callee = parties.to.map_or((c.ue as u64 + 1) % n.max(1), |e| e) as UeId;
                EXPIRES_UNSTATED
            }
            _ => EXPIRES_UNSTATED,
        }
    }

    /// The expiry `ue`'s REGISTERs ask for: what its last SIPp REGISTER stated (absent:
    /// the registrar's maximum), else the 3600 s the built-in UEs ask for.
    pub(super) fn requested_expires_s(&self, ue: UeId) -> u32 {
        let max = self.reg_max_expires_s();
        match self.sipp.as_ref().and_then(|r| r.expires_s.get(ue as usize)) {
            Some(&EXPIRES_UNSTATED) => max,
            Some(&e) => e,
            None => REQUESTED_EXPIRES_S,
        }
    }

    /// The binding lifetime Sprout grants `ue`'s REGISTER: its request capped at
    /// `reg_max_expires` (0: the binding is removed).
    pub(super) fn granted_expires_s(&self, ue: UeId) -> u32 {
        if self.sipp.is_none() {
            return self.p.granted_expires_s;
        }
        self.requested_expires_s(ue).min(self.reg_max_expires_s())
    }

    /// Whether the flow `ue`'s registration goes over is the one its earlier REGISTERs
    /// authenticated: always for a built-in UE; for a SIPp call only when its source sends
    /// every call over one socket (`transport` u1, t1, l1).
    pub(super) fn sipp_flow_kept(&self, ue: UeId) -> bool {
        let Some(run) = self.sipp.as_ref() else { return true };
        let call = run.registering.get(ue as usize).and_then(|&k| run.calls.get(k));
        call.is_some_and(|c| self.sipp_load().sources[c.source as usize].transport.one_socket)
    }

    pub(super) fn reg_max_expires_s(&self) -> u32 {
        (self.p.sip.reg_max_expires.as_ns() / 1_000_000_000).min(u32::MAX as u64) as u32
    }
}
