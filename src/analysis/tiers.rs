//! CPU per tier: which nodes make a tier, their mean busy fraction and their samples.

use crate::engine::SimTime;
use crate::model::clearwater::ClearwaterResult;
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
