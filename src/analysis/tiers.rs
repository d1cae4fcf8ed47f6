//! CPU per tier: which nodes make a tier, their mean busy fraction, their samples, and the
//! tier's summary.

use serde::Serialize;

use super::percentile;
use crate::engine::SimTime;
use crate::metrics::estimate;
use crate::model::clearwater::ClearwaterResult;
use crate::scenario::{Scenario, Tier};

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

/// A tier's CPU after warm-up: the mean over its nodes (with its interval over
/// replications), and the 95th percentile and maximum of its nodes' samples.
#[derive(Serialize, Clone, Debug)]
pub struct TierSummary {
    pub nodes: u32,
    pub cores: u32,
    pub cpu_mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_mean_ci95: Option<f64>,
    pub cpu_p95: f64,
    pub cpu_max: f64,
}

/// Every tier that has nodes, in `Tier::ALL` order (the node list of the first replication;
/// every replication builds the same deployment).
pub fn tier_summaries(s: &Scenario, results: &[ClearwaterResult]) -> Vec<(Tier, TierSummary)> {
    let Some(first) = results.first() else { return Vec::new() };
    let warm = s.simulation.warmup_end();
    let mut out = Vec::new();
    for tier in Tier::ALL {
        let ids = tier_nodes(first, tier);
        if ids.is_empty() {
            continue;
        }
        let e = estimate(&results.iter().map(|r| tier_cpu_mean(r, &ids)).collect::<Vec<_>>());
        let mut samples: Vec<f64> = results.iter().flat_map(|r| tier_cpu_samples(r, &ids, warm)).collect();
        samples.sort_by(|a, b| a.total_cmp(b));
        out.push((
            tier,
            TierSummary {
                nodes: ids.len() as u32,
                cores: first.nodes[ids[0]].cores,
                cpu_mean: e.mean,
                cpu_mean_ci95: e.ci95,
                cpu_p95: percentile(&samples, 0.95),
                cpu_max: samples.last().copied().unwrap_or(0.0),
            },
        ));
    }
    out
}
