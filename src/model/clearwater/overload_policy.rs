//! Overload control in the deployment: which nodes run a LoadMonitor, what they may reject
//! in each era, and where admissions, completions and penalties happen.
//!
//! - Bono and Sprout ask the LoadMonitor for every SIP message they receive
//!   [src sprout: common_sip_processing.cpp, thread_dispatcher.cpp]. Documented era: a
//!   message that finds no token is rejected if it is a request other than ACK — REGISTER
//!   and BYE included. Later era: responses, in-dialog requests, REGISTER (and SUBSCRIBE,
//!   OPTIONS, priority and emergency requests, which the model does not send) are admitted
//!   anyway, taking a token if there is one; only new dialogs can be refused. A refusal is a
//!   stateless 503 `Retry-After: 0`. Every message a worker finishes reports its latency.
//! - Homestead asks for every HTTP request and answers 503 when refused
//!   [src cpp-common: httpstack.cpp]; an HSS timeout is a penalty.
//! - Sprout's HTTP client records a penalty when a request ends with two 503 answers or a 504
//!   [src cpp-common: httpconnection.cpp].
//! - Chronos, beside each Sprout, asks its own LoadMonitor for every HTTP request it
//!   receives — Sprout's timer POST/PUT/DELETE and other Chronos nodes' replica PUTs — and
//!   answers 503 when refused [src cpp-common: httpstack.cpp; src chronos: main.cpp]. Sprout's
//!   Chronos client tries its one target twice, records no penalty (it has no LoadMonitor
//!   [src cpp-common: chronosconnection.cpp]) and carries on without the timer, as Sprout
//!   does ("If the update to Chronos failed, that's OK" [src sprout: regstore.cpp]). A
//!   refused replica PUT is lost: that replica does not hold the timer.

use super::flows::Method;
use super::message::Msg;
use crate::engine::SimTime;
use crate::model::load_monitor::{LoadMonitor, LoadMonitorConfig, Variant};
use crate::scenario::{ThrottleProfile, Throttling, Tier};

/// The LoadMonitor a node of `tier` with `cores` cores runs, if its tier is throttled.
pub fn monitor_for(t: &Throttling, tier: Tier, cores: u32, now: SimTime) -> Option<LoadMonitor> {
    if !t.tiers.contains(&tier) {
        return None;
    }
    let variant = variant_of(t.profile);
    if tier == Tier::Homer {
        // Homer (Crest) runs its own LoadMonitor with fixed settings: 100 ms target, a
        // 20-token bucket, 10/s initial and minimum rate, per process [src crest: api/base.py].
        return Some(LoadMonitor::new(
            LoadMonitorConfig {
                variant: Variant::Documented,
                target_latency_us: 100_000,
                max_tokens: 20,
                init_rate: 10.0,
                min_rate: 10.0,
                max_rate: 0.0,
            },
            now,
        ));
    }
    let init = match variant {
        Variant::Documented => t.init_token_rate.as_per_second() * cores as f64,
        Variant::Later => t.init_token_rate.as_per_second(),
    };
    Some(LoadMonitor::new(
        LoadMonitorConfig {
            variant,
            target_latency_us: t.target_latency.as_us().max(1),
            max_tokens: t.max_tokens,
            init_rate: init as f32,
            min_rate: t.min_token_rate.as_per_second() as f32,
            max_rate: t.max_token_rate.map_or(0.0, |r| r.as_per_second() as f32),
        },
        now,
    ))
}

/// The Chronos LoadMonitor of a Sprout node, if `[throttling] tiers` names `"chronos"`.
pub fn chronos_monitor_for(t: &Throttling, tier: Tier, now: SimTime) -> Option<LoadMonitor> {
    let c = &t.chronos;
    if tier != Tier::Sprout || !c.enabled {
        return None;
    }
    Some(LoadMonitor::new(
        LoadMonitorConfig {
            variant: variant_of(t.profile),
            target_latency_us: c.target_latency.as_us().max(1),
            max_tokens: c.max_tokens,
            init_rate: c.init_token_rate.as_per_second() as f32,
            min_rate: c.min_token_rate.as_per_second() as f32,
            max_rate: 0.0,
        },
        now,
    ))
}

fn variant_of(profile: ThrottleProfile) -> Variant {
    match profile {
        ThrottleProfile::Documented => Variant::Documented,
        ThrottleProfile::Later => Variant::Later,
    }
}

/// Whether the era's rules allow refusing this SIP message.
pub fn refusable(variant: Variant, m: &Msg) -> bool {
    let request = m.is_request();
    match variant {
        Variant::Documented => request && m.method != Method::Ack,
        Variant::Later => request && !m.method.in_dialog() && !matches!(m.method, Method::Register | Method::Subscribe),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::clearwater::ids::NO_KEY;
    use crate::model::clearwater::message::{Hop, Route, Status};

    #[test]
    fn each_era_refuses_what_its_code_refuses() {
        // [src sprout: common_sip_processing.cpp, thread_dispatcher.cpp]: the documented era
        // refuses every request but ACK; the later era not REGISTER, SUBSCRIBE or in-dialog
        // requests (ACK, BYE, UPDATE, a subscription's NOTIFY). Responses never.
        let msg = |method, status| Msg::new(NO_KEY, method, status, 0, 0, Route::EMPTY, Hop::Sprout);
        for m in Method::ALL {
            let documented = m != Method::Ack;
            let later = matches!(m, Method::Invite);
            assert_eq!(refusable(Variant::Documented, &msg(m, Status::Request)), documented, "{m:?}");
            assert_eq!(refusable(Variant::Later, &msg(m, Status::Request)), later, "{m:?}");
            for v in [Variant::Documented, Variant::Later] {
                assert!(!refusable(v, &msg(m, Status::Response(200))));
            }
        }
    }
}
