//! Scale-up advice: which tiers reached Clearwater's documented elastic-scaling trigger.

use serde::Serialize;

use super::tiers::TierSummary;
use crate::scenario::Tier;

/// The documented elastic-scaling trigger: scale a tier up at ~60% average CPU [doc 8.41].
pub const SCALE_UP_CPU: f64 = 0.6;

/// A tier at or above the documented scale-up trigger. How many nodes it needs is the
/// planner's question (`cwsim plan`), answered by simulation, not by extrapolating this run.
#[derive(Serialize, Clone, Debug)]
pub struct ScaleAdvice {
    pub tier: &'static str,
    pub nodes: u32,
    pub cpu_mean: f64,
}

/// The tiers to scale up, in the order given.
pub fn scale_up(tiers: &[(Tier, TierSummary)]) -> Vec<ScaleAdvice> {
    tiers
        .iter()
        .filter(|(_, t)| t.cpu_mean >= SCALE_UP_CPU)
        .map(|(tier, t)| ScaleAdvice { tier: tier.name(), nodes: t.nodes, cpu_mean: t.cpu_mean })
        .collect()
}
