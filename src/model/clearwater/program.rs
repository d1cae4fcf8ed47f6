//! Which program a Sprout worker runs for a message, and its steps: the registration,
//! call, timer and subscription programs of `flows` and the deregistrations of
//! `deregister`, per era and per GR setting.

use super::deregister as D;
use super::flows::*;

/// A Sprout worker's program for one message.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Program {
    /// Relaying (responses, in-dialog requests): no blocking operation.
    Relay,
    /// Refused by the LoadMonitor: a stateless 503 and nothing else.
    Reject,
    RegisterChallenge,
    RegisterAuthInitial,
    RegisterAuthRefresh,
    RegisterUnchallengedRefresh,
    RegisterUnchallengedInitial,
    InviteWithHomer,
    InviteWithoutHomer,
    BindingExpiry,
    RegisterAuthInitialGr,
    RegisterAuthRefreshGr,
    RegisterUnchallengedRefreshGr,
    RegisterUnchallengedInitialGr,
    BindingExpiryGr,
    RegisterAuthInitialKeepTimer,
    RegisterAuthRefreshKeepTimer,
    RegisterAuthInitialKeepTimerGr,
    RegisterAuthRefreshKeepTimerGr,
    AuthTimeout,
    /// The answer to a request Sprout itself sent: an application server's to a third-party
    /// REGISTER, a UE's to a NOTIFY.
    LocalResponse,
    Subscribe,
    SubscribeGr,
    /// A REGISTER with expiry 0 (deregister.rs).
    DeregisterAuth,
    DeregisterAuthGr,
    DeregisterAuthKeepTimer,
    DeregisterAuthKeepTimerGr,
    DeregisterUnchallenged,
    DeregisterUnchallengedGr,
}

impl Program {
    pub fn steps(self) -> &'static [Step] {
        match self {
            Program::Relay | Program::Reject | Program::LocalResponse => &[],
            Program::RegisterChallenge => REGISTER_CHALLENGE,
            Program::RegisterAuthInitial => REGISTER_AUTH_INITIAL,
            Program::RegisterAuthRefresh => REGISTER_AUTH_REFRESH,
            Program::RegisterUnchallengedRefresh => REGISTER_UNCHALLENGED_REFRESH,
            Program::RegisterUnchallengedInitial => REGISTER_UNCHALLENGED_INITIAL,
            Program::InviteWithHomer => INVITE_WITH_HOMER,
            Program::InviteWithoutHomer => INVITE_WITHOUT_HOMER,
            Program::BindingExpiry => BINDING_EXPIRY,
            Program::RegisterAuthInitialGr => REGISTER_AUTH_INITIAL_GR,
            Program::RegisterAuthRefreshGr => REGISTER_AUTH_REFRESH_GR,
            Program::RegisterUnchallengedRefreshGr => REGISTER_UNCHALLENGED_REFRESH_GR,
            Program::RegisterUnchallengedInitialGr => REGISTER_UNCHALLENGED_INITIAL_GR,
            Program::BindingExpiryGr => BINDING_EXPIRY_GR,
            Program::RegisterAuthInitialKeepTimer => REGISTER_AUTH_INITIAL_KEEP_TIMER,
            Program::RegisterAuthRefreshKeepTimer => REGISTER_AUTH_REFRESH_KEEP_TIMER,
            Program::RegisterAuthInitialKeepTimerGr => REGISTER_AUTH_INITIAL_KEEP_TIMER_GR,
            Program::RegisterAuthRefreshKeepTimerGr => REGISTER_AUTH_REFRESH_KEEP_TIMER_GR,
            Program::AuthTimeout => AUTH_TIMEOUT,
            Program::Subscribe => SUBSCRIBE,
            Program::SubscribeGr => SUBSCRIBE_GR,
            Program::DeregisterAuth => D::DEREGISTER_AUTH,
            Program::DeregisterAuthGr => D::DEREGISTER_AUTH_GR,
            Program::DeregisterAuthKeepTimer => D::DEREGISTER_AUTH_KEEP_TIMER,
            Program::DeregisterAuthKeepTimerGr => D::DEREGISTER_AUTH_KEEP_TIMER_GR,
            Program::DeregisterUnchallenged => D::DEREGISTER_UNCHALLENGED,
            Program::DeregisterUnchallengedGr => D::DEREGISTER_UNCHALLENGED_GR,
        }
    }

    /// The documented era's variant (the challenge timer not deleted), if any.
    pub fn keeping_challenge_timer(self) -> Program {
        match self {
            Program::RegisterAuthInitial => Program::RegisterAuthInitialKeepTimer,
            Program::RegisterAuthRefresh => Program::RegisterAuthRefreshKeepTimer,
            Program::RegisterAuthInitialGr => Program::RegisterAuthInitialKeepTimerGr,
            Program::RegisterAuthRefreshGr => Program::RegisterAuthRefreshKeepTimerGr,
            Program::DeregisterAuth => Program::DeregisterAuthKeepTimer,
            Program::DeregisterAuthGr => Program::DeregisterAuthKeepTimerGr,
            other => other,
        }
    }

    /// The geographically redundant variant (remote bindings writes), if any.
    pub fn gr(self) -> Program {
        match self {
            Program::RegisterAuthInitial => Program::RegisterAuthInitialGr,
            Program::RegisterAuthRefresh => Program::RegisterAuthRefreshGr,
            Program::RegisterUnchallengedRefresh => Program::RegisterUnchallengedRefreshGr,
            Program::RegisterUnchallengedInitial => Program::RegisterUnchallengedInitialGr,
            Program::BindingExpiry => Program::BindingExpiryGr,
            Program::RegisterAuthInitialKeepTimer => Program::RegisterAuthInitialKeepTimerGr,
            Program::RegisterAuthRefreshKeepTimer => Program::RegisterAuthRefreshKeepTimerGr,
            Program::Subscribe => Program::SubscribeGr,
            Program::DeregisterAuth => Program::DeregisterAuthGr,
            Program::DeregisterAuthKeepTimer => Program::DeregisterAuthKeepTimerGr,
            Program::DeregisterUnchallenged => Program::DeregisterUnchallengedGr,
            other => other,
        }
    }

    pub fn is_register(self) -> bool {
        matches!(
            self,
            Program::RegisterChallenge
                | Program::RegisterAuthInitial
                | Program::RegisterAuthRefresh
                | Program::RegisterUnchallengedRefresh
                | Program::RegisterAuthInitialGr
                | Program::RegisterAuthRefreshGr
                | Program::RegisterUnchallengedRefreshGr
                | Program::RegisterUnchallengedInitial
                | Program::RegisterUnchallengedInitialGr
                | Program::RegisterAuthInitialKeepTimer
                | Program::RegisterAuthRefreshKeepTimer
                | Program::RegisterAuthInitialKeepTimerGr
                | Program::RegisterAuthRefreshKeepTimerGr
                | Program::DeregisterAuth
                | Program::DeregisterAuthGr
                | Program::DeregisterAuthKeepTimer
                | Program::DeregisterAuthKeepTimerGr
                | Program::DeregisterUnchallenged
                | Program::DeregisterUnchallengedGr
        )
    }

    pub fn is_binding_expiry(self) -> bool {
        matches!(self, Program::BindingExpiry | Program::BindingExpiryGr)
    }

    /// A Chronos callback into Sprout's HTTP stack rather than a SIP message: no UE waits
    /// for it and the SIP LoadMonitor does not time it.
    pub fn is_timer_task(self) -> bool {
        self.is_binding_expiry() || self == Program::AuthTimeout
    }
}
