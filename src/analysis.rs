//! Figures computed from replication results, shared by the report writers and the planner:
//! pure functions, no formatting.

use crate::engine::SimTime;
use crate::metrics::LatencyHistogram;
use crate::model::clearwater::ClearwaterResult;
use crate::model::clearwater::{FailCause, ReqType};
use crate::scenario::Tier;

/// Indices (in `ClearwaterResult::nodes`) of a tier's nodes; empty if it has none.
pub fn tier_nodes(r: &ClearwaterResult, tier: Tier) -> Vec<usize> {
    r.nodes.iter().enumerate().filter(|(_, n)| n.tier == tier).map(|(i, _)| i).collect()
}

/// The tier's mean CPU (busy fraction of its cores, after warm-up, averaged over its nodes).
pub fn tier_cpu_mean(r: &ClearwaterResult, ids: &[usize]) -> f64 {
    if ids.is_empty() {
        return 0.0;
    }
    ids.iter().map(|&i| r.nodes[i].cpu).sum::<f64>() / ids.len() as f64
}

/// The tier's CPU samples (every node, every sample interval after `warm`), sorted.
pub fn tier_cpu_samples(r: &ClearwaterResult, ids: &[usize], warm: SimTime) -> Vec<f64> {
    let mut samples: Vec<f64> =
        r.rows.iter().filter(|row| row.time > warm && ids.contains(&(row.node as usize))).map(|row| row.cpu).collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples
}

/// The `q` quantile of sorted values (nearest rank); 0 when empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Failed ÷ started over every request type after warm-up (0 with nothing started).
pub fn failure_ratio(r: &ClearwaterResult) -> f64 {
    let started: u64 = ReqType::ALL.iter().map(|&t| r.req[t as usize].counts.started).sum();
    let failed: u64 = ReqType::ALL
        .iter()
        .map(|&t| FailCause::ALL.iter().map(|&c| r.req[t as usize].counts.failed[c as usize]).sum::<u64>())
        .sum();
    if started == 0 {
        0.0
    } else {
        failed as f64 / started as f64
    }
}

/// A request type's latency histogram (after warm-up).
pub fn latency(r: &ClearwaterResult, t: ReqType) -> &LatencyHistogram {
    &r.req[t as usize].latency
}
