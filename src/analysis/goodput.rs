//! Offered and carried load at the UEs: calls attempted and answered, registrations started
//! and completed. [`counts`] is the one definition of what goodput counts; the run report
//! averages per-replication rates ([`goodput`], with a confidence interval), the sweep pools
//! its replications ([`pooled`]), and both read the same counts.

use serde::Serialize;

use crate::metrics::{estimate, Estimate};
use crate::model::clearwater::{ClearwaterResult, ReqType};

/// The request types of a registration procedure.
const REGISTRATIONS: [ReqType; 2] = [ReqType::RegisterInitial, ReqType::RegisterRefresh];

/// What one replication offered and carried after warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GoodputCounts {
    pub measured_s: f64,
    /// INVITEs sent, and 200 OKs received for them.
    pub offered_calls: u64,
    pub call_setups: u64,
    /// Registration procedures started, and completed.
    pub offered_registrations: u64,
    pub registrations: u64,
}

/// One replication's goodput counts.
pub fn counts(r: &ClearwaterResult) -> GoodputCounts {
    let c = |t: ReqType| &r.req[t].counts;
    GoodputCounts {
        measured_s: r.measured.as_secs_f64(),
        offered_calls: c(ReqType::InviteSetup).started,
        call_setups: c(ReqType::InviteAnswer).ok,
        offered_registrations: REGISTRATIONS.iter().map(|&t| c(t).started).sum(),
        registrations: REGISTRATIONS.iter().map(|&t| c(t).ok).sum(),
    }
}

/// Offered and carried load at the UEs, per second of measured time: means over
/// replications, each replication's rate from its own measured time.
#[derive(Serialize, Clone, Debug)]
pub struct Goodput {
    /// Calls attempted (INVITEs sent) and answered (200 OK received).
    pub offered_calls_per_s: Estimate,
    pub call_setups_per_s: Estimate,
    /// Registration procedures started and completed.
    pub offered_registrations_per_s: Estimate,
    pub registrations_per_s: Estimate,
}

/// The run report's goodput (summary.json `goodput`).
pub fn goodput(results: &[ClearwaterResult]) -> Goodput {
    let all: Vec<GoodputCounts> = results.iter().map(counts).collect();
    let rate = |f: fn(&GoodputCounts) -> u64| {
        estimate(
            &all.iter().map(|c| if c.measured_s == 0.0 { 0.0 } else { f(c) as f64 / c.measured_s }).collect::<Vec<_>>(),
        )
    };
    Goodput {
        offered_calls_per_s: rate(|c| c.offered_calls),
        call_setups_per_s: rate(|c| c.call_setups),
        offered_registrations_per_s: rate(|c| c.offered_registrations),
        registrations_per_s: rate(|c| c.registrations),
    }
}

/// Goodput of replications pooled: every count over all measured time (a sweep point).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PooledGoodput {
    pub offered_calls_per_s: f64,
    pub call_setups_per_s: f64,
    pub offered_registrations_per_s: f64,
    pub registrations_per_s: f64,
}

/// Sums the replications' counts and divides by their summed measured time (0 rates with
/// no measured time).
pub fn pooled(all: &[GoodputCounts]) -> PooledGoodput {
    let secs: f64 = all.iter().map(|c| c.measured_s).sum::<f64>().max(f64::MIN_POSITIVE);
    let per_s = |f: fn(&GoodputCounts) -> u64| all.iter().map(f).sum::<u64>() as f64 / secs;
    PooledGoodput {
        offered_calls_per_s: per_s(|c| c.offered_calls),
        call_setups_per_s: per_s(|c| c.call_setups),
        offered_registrations_per_s: per_s(|c| c.offered_registrations),
        registrations_per_s: per_s(|c| c.registrations),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_weighs_replications_by_measured_time() {
        let a = GoodputCounts { measured_s: 100.0, offered_calls: 1000, call_setups: 900, ..Default::default() };
        let b = GoodputCounts { measured_s: 50.0, offered_calls: 200, call_setups: 100, ..Default::default() };
        let p = pooled(&[a, b]);
        assert_eq!(p.offered_calls_per_s, 1200.0 / 150.0);
        assert_eq!(p.call_setups_per_s, 1000.0 / 150.0);
        assert_eq!(pooled(&[]).registrations_per_s, 0.0);
    }
}
