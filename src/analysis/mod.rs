//! Figures computed from replication results: pure functions from the scenario and the
//! results to serialisable summaries, shared by the report writers, the sweep and the
//! planner. Nothing here formats; `report/` turns these into files.
//!
//! `summary` (the whole Clearwater run summary, `summarise`) is made of: `header` (what
//! ran), `tiers` (CPU per tier), `requests` (counts and failures at the UEs), `latency`
//! (histograms and their summaries), `counters` (event counters, operations per second),
//! `advice` (tiers to scale up), `goodput` (offered and carried load, for the run report and
//! the sweep alike), `throttling` (what the LoadMonitors did), `outage` (subscribers cut off
//! by faults, and the documentation's analytic estimate); `mser` (MSER-5 warm-up detection,
//! for report.txt).

pub mod advice;
pub mod billing;
pub mod counters;
pub mod goodput;
pub mod header;
pub mod latency;
pub mod mser;
pub mod outage;
pub mod requests;
pub mod summary;
pub mod throttling;
pub mod tiers;

pub use header::RunHeader;
pub use latency::latency;
pub use requests::failure_ratio;
pub use summary::{summarise, Summary};
pub use tiers::{tier_cpu_mean, tier_cpu_samples, tier_nodes};

/// The `q` quantile of sorted values (nearest rank); 0 when empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
