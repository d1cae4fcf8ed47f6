//! Latency as the UEs and Sprout's LoadMonitor measured it.

use serde::Serialize;

use crate::metrics::{estimate, LatencyHistogram};
use crate::model::clearwater::{ClearwaterResult, ReqType};

/// A request type's latency histogram (after warm-up).
pub fn latency(r: &ClearwaterResult, t: ReqType) -> &LatencyHistogram {
    &r.req[t].latency
}

/// Latency percentiles of the pooled histogram; `mean` with its 95% half-width over
/// replication means.
#[derive(Serialize, Clone, Debug, Default)]
pub struct LatencySummary {
    pub count: u64,
    pub mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_ci95: Option<f64>,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// The replications' histograms of one metric merged, in replication order.
pub fn pooled(results: &[ClearwaterResult], pick: impl Fn(&ClearwaterResult) -> &LatencyHistogram) -> LatencyHistogram {
    let mut h = LatencyHistogram::new();
    results.iter().for_each(|r| h.merge(pick(r)));
    h
}

/// Every latency metric pooled over the replications: each request type, then Sprout's
/// per-message latency excluding blocking I/O (`sprout_message`) and including it
/// (`sprout_message_with_io`).
pub fn pooled_metrics(results: &[ClearwaterResult]) -> Vec<(&'static str, LatencyHistogram)> {
    ReqType::ALL
        .iter()
        .map(|&t| (t.name(), pooled(results, |r| latency(r, t))))
        .chain(std::iter::once(("sprout_message", pooled(results, |r| &r.sprout_latency))))
        .chain(std::iter::once(("sprout_message_with_io", pooled(results, |r| &r.sprout_latency_with_io))))
        .collect()
}

/// Percentiles of the pooled histogram, and the mean's interval over the replications that
/// measured anything.
pub fn latency_summary(
    results: &[ClearwaterResult],
    pick: impl Fn(&ClearwaterResult) -> &LatencyHistogram,
) -> LatencySummary {
    let pooled = pooled(results, &pick);
    let means: Vec<f64> = results.iter().map(&pick).filter(|h| h.count() > 0).map(|h| h.mean_ns() / 1e6).collect();
    let ms = |us: u64| us as f64 / 1e3;
    LatencySummary {
        count: pooled.count(),
        mean: pooled.mean_ns() / 1e6,
        mean_ci95: estimate(&means).ci95,
        p50: ms(pooled.quantile_us(0.5)),
        p95: ms(pooled.quantile_us(0.95)),
        p99: ms(pooled.quantile_us(0.99)),
        max: ms(pooled.max_us()),
    }
}
