//! Subscribers cut off by faults: per-subscriber outage statistics from the first fault on,
//! what happened after it, and the documentation's analytic GR outage estimate to compare.

use std::collections::BTreeMap;

use serde::Serialize;

use super::percentile;
use crate::engine::SimTime;
use crate::metrics::{estimate, Estimate};
use crate::model::clearwater::{ClearwaterResult, FailCause, ReqType};
use crate::scenario::{FailureMode, FaultKind, Load, Scenario, Tier};

/// Per-subscriber outage time (the sum of its outages), from the first fault on.
#[derive(Serialize, Clone, Debug)]
pub struct OutageSummary {
    pub subscribers: u64,
    /// Fraction of subscribers with any outage.
    pub fraction_affected: Estimate,
    /// Mean outage per subscriber, over all subscribers.
    pub mean_s: Estimate,
    /// Fraction of subscribers whose outage lasted at least this many seconds.
    pub fraction_at_least_s: BTreeMap<&'static str, Estimate>,
    pub affected: AffectedSummary,
    /// Outages still going at the end of the run (their end is the end of the run).
    pub open_at_end: u64,
    /// The documentation's estimate for the same parameters [doc 8.46.3], which assumes
    /// unlimited capacity and DNS that drops a dead site at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytic_estimate: Option<Analytic>,
    /// Why the documentation's estimate does not apply to these parameters, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytic_estimate_not_applicable: Option<String>,
    /// What happened after the first fault: registration failures, and the busiest moment
    /// of the nodes that stayed up.
    pub after_fault: AfterFault,
}

#[derive(Serialize, Clone, Debug)]
pub struct AfterFault {
    pub register_rejected_503: u64,
    pub register_timeouts: u64,
    pub register_transport_errors: u64,
    /// Highest 5 s CPU sample and queue length among the Sprouts that stayed up.
    pub surviving_sprout_cpu_max: f64,
    pub surviving_sprout_queue_max: u32,
}

/// What happened after the first fault (the whole run without one).
pub fn after_fault(s: &Scenario, results: &[ClearwaterResult]) -> AfterFault {
    let from = s.faults.iter().map(|f| SimTime::ZERO + f.at).min().unwrap_or(SimTime::ZERO);
    let mut a = AfterFault {
        register_rejected_503: 0,
        register_timeouts: 0,
        register_transport_errors: 0,
        surviving_sprout_cpu_max: 0.0,
        surviving_sprout_queue_max: 0,
    };
    for r in results {
        for row in r.request_rows.iter().filter(|row| row.time > from) {
            if matches!(row.kind, ReqType::RegisterInitial | ReqType::RegisterRefresh) {
                a.register_timeouts += row.counts.failed[FailCause::Timeout];
                a.register_rejected_503 += row.counts.failed[FailCause::Rejected503];
                a.register_transport_errors += row.counts.failed[FailCause::Transport];
            }
        }
        for row in r.rows.iter().filter(|row| row.time > from && r.nodes[row.node as usize].tier == Tier::Sprout) {
            // A node that failed samples as idle; the busiest samples are the survivors'.
            a.surviving_sprout_cpu_max = a.surviving_sprout_cpu_max.max(row.cpu);
            a.surviving_sprout_queue_max = a.surviving_sprout_queue_max.max(row.queue);
        }
    }
    a
}

#[derive(Serialize, Clone, Debug)]
pub struct Analytic {
    pub mean_s: f64,
    pub fraction_affected: f64,
    pub affected_mean_s: f64,
    /// Fraction of subscribers with a long outage (the retry back-off, loud failures; the
    /// wait for the next re-registration, silent ones).
    pub fraction_long: f64,
}

/// The documentation's GR outage estimate [doc 8.46.3] for this scenario's parameters,
/// under its assumptions (unlimited capacity; DNS drops the dead site at once): a site
/// holding a fraction `f` of the subscribers fails; registrations every `T`; Bono record TTL
/// `L`; failed registrations retried after `R`. A UE looks the record up at the first
/// registration after its cached answer expires, so lookups come every `C = ⌈L/T⌉·T` and the
/// answer's age `a` at the fault is uniform on `[0, C)`.
/// - loud: the connection resets and the UE registers at once. With an expired answer
///   (`a ≥ L`) it reaches the live site. Otherwise it retries the dead site every `R` until
///   the answer expires: out `⌈(L − a)/R⌉·R`. Mean over the site, with `L = nR + r`
///   (`0 ≤ r < R`): `(1/C)∫₀ᴸ ⌈u/R⌉R du = (R²·n(n+1)/2 + R·(n+1)·r)/C`; the documentation's
///   `(L/T)·R` is the case `R ≥ L ≤ T`;
/// - silent: the UE notices at its next registration, uniform in `[0, T)`: mean `T/2`, for
///   `L ≤ T` (its answer has then expired). With `L > T` the answer may still name the dead
///   site and the estimate's reasoning does not hold: not applicable.
///
/// `None` when the scenario has no site failure; `Some(Err(why))` when it does not apply.
pub fn analytic_estimate(s: &Scenario) -> Option<Result<Analytic, String>> {
    let (site, mode) = s.faults.iter().find_map(|f| match f.kind {
        FaultKind::SiteFailure { site, mode } => Some((site, mode)),
        _ => None,
    })?;
    let cycle = match &s.load {
        Load::CoreOnly { reregisters_per_hour, .. } if *reregisters_per_hour > 0.0 => 3600.0 / reregisters_per_hour,
        Load::SipStress { reregister, .. } | Load::Rate { reregister, .. } => reregister.as_secs_f64(),
        _ => return Some(Err("subscribers do not re-register periodically".into())),
    };
    let f = *s.dns.site_split.get(site)?;
    let ttl = s.dns.bono_ttl.as_secs_f64();
    let retry = s.sip.register_retry.mean_ns() / 1e9;
    Some(analytic_outage(mode, f, cycle, ttl, retry))
}

/// The estimate itself, from `f`, `T`, `L` and `R` in seconds (see [`analytic_estimate`]).
pub fn analytic_outage(mode: FailureMode, f: f64, cycle: f64, ttl: f64, retry: f64) -> Result<Analytic, String> {
    let lookups = (ttl / cycle).ceil().max(1.0) * cycle;
    match mode {
        FailureMode::Loud => {
            if retry <= 0.0 {
                return Err("the registration retry back-off is zero".into());
            }
            let n = (ttl / retry).floor();
            let r = ttl - n * retry;
            let per_subscriber = (retry * retry * n * (n + 1.0) / 2.0 + retry * (n + 1.0) * r) / lookups;
            let long = f * ttl.min(lookups) / lookups;
            Ok(Analytic {
                mean_s: f * per_subscriber,
                fraction_affected: f,
                affected_mean_s: per_subscriber,
                fraction_long: long,
            })
        }
        FailureMode::Silent if ttl > cycle => Err(format!(
            "the Bono record's TTL ({ttl} s) outlasts the registration interval ({cycle} s): a UE may retry the dead \
             site after noticing the failure, which the estimate does not model"
        )),
        FailureMode::Silent => Ok(Analytic {
            mean_s: f * cycle / 2.0,
            fraction_affected: f,
            affected_mean_s: cycle / 2.0,
            fraction_long: f,
        }),
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct AffectedSummary {
    pub mean_s: Estimate,
    pub p50_s: f64,
    pub p95_s: f64,
    pub max_s: f64,
}

/// Thresholds of `outage.fraction_at_least_s`.
pub const OUTAGE_THRESHOLDS_S: [(&str, f64); 5] =
    [("1", 1.0), ("10", 10.0), ("60", 60.0), ("250", 250.0), ("600", 600.0)];

/// Total outage seconds per affected subscriber of one replication, in subscriber order.
pub fn outage_totals(r: &ClearwaterResult) -> Vec<f64> {
    let mut per: BTreeMap<u32, f64> = BTreeMap::new();
    for o in &r.outages {
        *per.entry(o.ue).or_default() += o.end.since(o.start).as_secs_f64();
    }
    per.into_values().collect()
}

/// Whether any fault can cut subscribers off (scaling, slow-downs and added latency cannot).
pub fn outage_faults(s: &Scenario) -> bool {
    use crate::scenario::FaultKind as K;
    s.faults.iter().any(|f| {
        matches!(
            f.kind,
            K::NodeCrash { .. } | K::SiteFailure { .. } | K::DnsFailure | K::Partition | K::BlockPort { .. }
        )
    })
}

/// The outage statistics, for scenarios with a fault that can cut subscribers off.
pub fn outage_summary(s: &Scenario, results: &[ClearwaterResult]) -> Option<OutageSummary> {
    if !outage_faults(s) {
        return None;
    }
    let n = results.first().map_or(1, |r| r.subscribers.max(1)) as f64;
    let totals: Vec<Vec<f64>> = results.iter().map(outage_totals).collect();
    let per_rep = |f: &dyn Fn(&[f64]) -> f64| estimate(&totals.iter().map(|t| f(t)).collect::<Vec<_>>());
    let mut pooled: Vec<f64> = totals.iter().flatten().copied().collect();
    pooled.sort_by(|a, b| a.total_cmp(b));
    let mut fraction_at_least_s = BTreeMap::new();
    for (name, threshold) in OUTAGE_THRESHOLDS_S {
        fraction_at_least_s.insert(name, per_rep(&|t| t.iter().filter(|&&x| x >= threshold).count() as f64 / n));
    }
    Some(OutageSummary {
        subscribers: n as u64,
        fraction_affected: per_rep(&|t| t.len() as f64 / n),
        mean_s: per_rep(&|t| t.iter().sum::<f64>() / n),
        fraction_at_least_s,
        affected: AffectedSummary {
            mean_s: estimate(
                &totals
                    .iter()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.iter().sum::<f64>() / t.len() as f64)
                    .collect::<Vec<_>>(),
            ),
            p50_s: percentile(&pooled, 0.5),
            p95_s: percentile(&pooled, 0.95),
            max_s: pooled.last().copied().unwrap_or(0.0),
        },
        open_at_end: results.iter().map(|r| r.outages.iter().filter(|o| o.open).count() as u64).sum(),
        analytic_estimate: analytic_estimate(s).and_then(Result::ok),
        analytic_estimate_not_applicable: analytic_estimate(s).and_then(Result::err),
        after_fault: after_fault(s, results),
    })
}

#[cfg(test)]
mod analytic_tests {
    use super::analytic_outage;
    use crate::scenario::FailureMode::{Loud, Silent};

    #[test]
    fn the_documented_setting_gives_the_documented_figures() {
        // [doc 8.46.3]: half the subscribers, 300 s registrations, 30 s TTL, 300 s back-off:
        // 5% out for 300 s, mean 15 s; silent 75 s.
        let a = analytic_outage(Loud, 0.5, 300.0, 30.0, 300.0).unwrap();
        assert!((a.mean_s - 15.0).abs() < 1e-9 && (a.fraction_long - 0.05).abs() < 1e-12);
        assert!((analytic_outage(Silent, 0.5, 300.0, 30.0, 300.0).unwrap().mean_s - 75.0).abs() < 1e-9);
    }

    #[test]
    fn a_back_off_shorter_than_the_ttl_retries_until_the_answer_expires() {
        // L = 120, R = 30, T = 300, f = 0.5. A UE with age a < 120 is out ⌈(120 − a)/30⌉·30:
        // 30, 60, 90 or 120 s for remaining lives in (0,30], (30,60], (60,90], (90,120], each
        // 30/300 of the ages: mean over the site (30+60+90+120)·0.1 = 30 s, over everyone
        // 15 s (the documentation's (L/T)·R would say 6 s).
        let a = analytic_outage(Loud, 0.5, 300.0, 120.0, 30.0).unwrap();
        assert!((a.mean_s - 15.0).abs() < 1e-9, "{}", a.mean_s);
        assert!((a.fraction_long - 0.2).abs() < 1e-12);
        // L = 450 > T = 300: lookups every 600 s; ages on [0, 600). R = 300: n = 1, r = 150:
        // (300²·1 + 300·2·150)/600 = (90 000 + 90 000)/600 = 300 s per site subscriber.
        let b = analytic_outage(Loud, 0.5, 300.0, 450.0, 300.0).unwrap();
        assert!((b.affected_mean_s - 300.0).abs() < 1e-9, "{}", b.affected_mean_s);
        assert!((b.fraction_long - 0.5 * 450.0 / 600.0).abs() < 1e-12);
        assert!(analytic_outage(Silent, 0.5, 300.0, 450.0, 300.0).is_err());
    }
}
