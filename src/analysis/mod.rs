//! Figures computed from replication results: pure functions from the scenario and the
//! results to serialisable summaries, shared by the report writers, the sweep and the
//! planner. Nothing here formats; `report/` turns these into files.
//!
//! `tiers` (CPU per tier), `requests` (counts and failures at the UEs), `latency`
//! (histograms and their summaries), `goodput` (offered and carried load, for the run report
//! and the sweep alike), `throttling` (what the LoadMonitors did), `outage` (subscribers cut off by faults, and the
//! documentation's analytic estimate).

pub mod goodput;
pub mod latency;
pub mod outage;
pub mod requests;
pub mod throttling;
pub mod tiers;

pub use latency::latency;
pub use requests::failure_ratio;
pub use tiers::{tier_cpu_mean, tier_cpu_samples, tier_nodes};

/// The `q` quantile of sorted values (nearest rank); 0 when empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
