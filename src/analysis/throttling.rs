//! What the LoadMonitors did after warm-up: admissions, refusals by method, penalties, and
//! how steady their token rate was.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::clearwater::{ClearwaterResult, Method, ThrottleRow};
use crate::scenario::{Scenario, ThrottleProfile, Tier};

/// What a tier's LoadMonitors did after warm-up.
#[derive(Serialize, Clone, Debug)]
pub struct TierThrottle {
    pub profile: &'static str,
    pub admitted: u64,
    /// Refusals the LoadMonitor decided (all eras count them; only refusable messages are
    /// actually answered 503 — see `rejected_by_method`).
    pub refused_tokens: u64,
    pub rejected_by_method: BTreeMap<&'static str, u64>,
    pub penalties: u64,
    /// Token rate over the 5 s samples after warm-up: mean and coefficient of variation.
    pub token_rate_mean: f64,
    pub token_rate_cv: f64,
    pub smoothed_latency_ms_mean: f64,
}

/// Mean and coefficient of variation (0 for a constant or empty series).
pub fn mean_cv(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
    (mean, if mean > 0.0 { var.sqrt() / mean } else { 0.0 })
}

/// One replication's LoadMonitor samples of a tier's nodes after warm-up, in sample order:
/// the nodes' own LoadMonitors, or (`chronos`) those of the Chronos beside each node.
pub fn throttle_rows<'a>(
    s: &Scenario,
    r: &'a ClearwaterResult,
    tier: Tier,
    chronos: bool,
) -> impl Iterator<Item = &'a ThrottleRow> + 'a {
    let warm = s.simulation.warmup_end();
    r.rows.iter().filter(move |row| row.time > warm && r.nodes[row.node as usize].tier == tier).filter_map(move |row| {
        if chronos {
            row.chronos.as_ref()
        } else {
            row.throttle.as_ref()
        }
    })
}

/// Per throttled tier (and `chronos`, when Sprout's Chronos LoadMonitors sampled anything).
pub fn throttling(s: &Scenario, results: &[ClearwaterResult]) -> BTreeMap<&'static str, TierThrottle> {
    let profile = match s.throttling.profile {
        ThrottleProfile::Documented => "documented",
        ThrottleProfile::Later => "later",
    };
    let rows_of = |tier: Tier, chronos: bool| -> Vec<&ThrottleRow> {
        results.iter().flat_map(|r| throttle_rows(s, r, tier, chronos)).collect()
    };
    let mut out = BTreeMap::new();
    for &tier in &s.throttling.tiers {
        let rows = rows_of(tier, false);
        if rows.is_empty() {
            continue;
        }
        let mut by_method = BTreeMap::new();
        match tier {
            Tier::Bono | Tier::Sprout => {
                for m in Method::ALL {
                    let refused = |r: &ClearwaterResult| r.counters.throttle_rejections[tier as usize][m as usize];
                    by_method.insert(m.name(), results.iter().map(refused).sum());
                }
            }
            Tier::Homestead => {
                by_method.insert("http", results.iter().map(|r| r.counters.homestead_rejections).sum());
            }
            // Homer and Ralf answer HTTP: their refusals, after warm-up, from the node rows.
            Tier::Homer | Tier::Ralf => {
                let warm = s.simulation.warmup_end();
                let refused = |r: &ClearwaterResult| -> u64 {
                    let of_tier = |row: &&crate::model::clearwater::NodeRow| {
                        row.time > warm && r.nodes[row.node as usize].tier == tier
                    };
                    r.rows.iter().filter(of_tier).map(|row| row.rejected).sum()
                };
                by_method.insert("http", results.iter().map(refused).sum());
            }
        }
        out.insert(tier.name(), TierThrottle::new(profile, &rows, by_method));
    }
    let rows = rows_of(Tier::Sprout, true);
    if !rows.is_empty() {
        let by_method = BTreeMap::from([("http", results.iter().map(|r| r.counters.chronos_rejections).sum())]);
        out.insert("chronos", TierThrottle::new(profile, &rows, by_method));
    }
    out
}

impl TierThrottle {
    fn new(profile: &'static str, rows: &[&ThrottleRow], rejected_by_method: BTreeMap<&'static str, u64>) -> Self {
        let (rate_mean, rate_cv) = mean_cv(&rows.iter().map(|t| t.token_rate).collect::<Vec<_>>());
        let (lat_mean, _) = mean_cv(&rows.iter().map(|t| t.smoothed_latency_ms).collect::<Vec<_>>());
        TierThrottle {
            profile,
            admitted: rows.iter().map(|t| t.admitted).sum(),
            refused_tokens: rows.iter().map(|t| t.rejected).sum(),
            rejected_by_method,
            penalties: rows.iter().map(|t| t.penalties).sum(),
            token_rate_mean: rate_mean,
            token_rate_cv: rate_cv,
            smoothed_latency_ms_mean: lat_mean,
        }
    }
}
