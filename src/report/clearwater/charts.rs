//! The charts of a Clearwater run, drawn from the replications' results: tier CPU, request
//! outcomes, LoadMonitor token rates, latency percentiles and the outage distribution.

use std::collections::BTreeMap;

use crate::analysis::latency::{latency, pooled};
use crate::analysis::outage::{outage_faults, outage_totals};
use crate::model::clearwater::{ClearwaterResult, ReqType};
use crate::report::plots::{Chart, Series};
use crate::scenario::{Scenario, Tier};

/// Percentiles shown in the latency chart.
const PERCENTILES: [f64; 7] = [50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0];

/// The charts of a run: tier CPU, request outcomes and (when there are any) LoadMonitor
/// token rates over time, latency percentiles, and the outage distribution.
pub fn charts(s: &Scenario, results: &[ClearwaterResult]) -> Vec<(&'static str, Chart)> {
    let reps = results.len().max(1) as f64;
    let mut out = Vec::new();
    // Tier CPU: mean over the tier's nodes (per site when there are two) and the
    // replications, per sample.
    let mut cpu = Vec::new();
    for site in &s.sites {
        for tier in Tier::ALL {
            let mut by_time: BTreeMap<u64, (f64, u32)> = BTreeMap::new();
            for r in results {
                for row in r.rows.iter().filter(|row| {
                    let n = &r.nodes[row.node as usize];
                    n.tier == tier && n.site == site.name
                }) {
                    let e = by_time.entry(row.time.as_ns()).or_default();
                    e.0 += row.cpu * 100.0;
                    e.1 += 1;
                }
            }
            if !by_time.is_empty() {
                let points = by_time.iter().map(|(t, (sum, n))| (*t as f64 / 1e9, sum / *n as f64)).collect();
                let name =
                    if s.sites.len() > 1 { format!("{}@{}", tier.name(), site.name) } else { tier.name().into() };
                cpu.push(Series { name, points });
            }
        }
    }
    out.push((
        "cpu",
        Chart {
            title: format!("{}: CPU per tier", s.name),
            x_label: "time (s)".into(),
            y_label: "CPU (% of the node's cores)".into(),
            series: cpu,
        },
    ));
    // Request outcomes per second, all request types together.
    let step = s.simulation.sample_interval.as_secs_f64();
    let mut ok: BTreeMap<u64, f64> = BTreeMap::new();
    let mut failed: BTreeMap<u64, f64> = BTreeMap::new();
    for r in results {
        for row in &r.request_rows {
            *ok.entry(row.time.as_ns()).or_default() += row.counts.ok as f64 / step / reps;
            *failed.entry(row.time.as_ns()).or_default() += row.counts.failed.iter().sum::<u64>() as f64 / step / reps;
        }
    }
    let line = |m: &BTreeMap<u64, f64>| m.iter().map(|(t, v)| (*t as f64 / 1e9, *v)).collect();
    out.push((
        "requests",
        Chart {
            title: format!("{}: requests completed at the UEs", s.name),
            x_label: "time (s)".into(),
            y_label: "per second".into(),
            series: vec![
                Series { name: "succeeded".into(), points: line(&ok) },
                Series { name: "failed".into(), points: line(&failed) },
            ],
        },
    ));
    // Latency percentiles per request type (INVITE→200 left out: the callee's answer delay
    // dominates it).
    let mut lat = Vec::new();
    for t in ReqType::ALL.into_iter().filter(|&t| t != ReqType::InviteAnswer) {
        let h = pooled(results, |r| latency(r, t));
        if h.count() > 0 {
            let points = PERCENTILES.iter().map(|&p| (p, h.quantile_us(p / 100.0) as f64 / 1e3)).collect();
            lat.push(Series { name: t.name().into(), points });
        }
    }
    out.push((
        "latency",
        Chart {
            title: format!("{}: latency percentiles", s.name),
            x_label: "percentile".into(),
            y_label: "latency (ms)".into(),
            series: lat,
        },
    ));
    // LoadMonitor token rates (replication 0).
    if let Some(r) = results.first() {
        let mut rates = Vec::new();
        for (i, n) in r.nodes.iter().enumerate() {
            let points: Vec<(f64, f64)> = r
                .rows
                .iter()
                .filter(|row| row.node as usize == i)
                .filter_map(|row| row.throttle.as_ref().map(|t| (row.time.as_secs_f64(), t.token_rate)))
                .collect();
            if !points.is_empty() && n.tier != Tier::Homer {
                rates.push(Series { name: format!("{} {}", n.site, n.label), points });
            }
        }
        if !rates.is_empty() {
            out.push((
                "token_rate",
                Chart {
                    title: format!("{}: LoadMonitor token rate (replication 0)", s.name),
                    x_label: "time (s)".into(),
                    y_label: "permitted requests per second".into(),
                    series: rates,
                },
            ));
        }
    }
    // Outage distribution among affected subscribers.
    if outage_faults(s) {
        let mut totals: Vec<f64> = results.iter().flat_map(outage_totals).collect();
        totals.sort_by(|a, b| a.total_cmp(b));
        if !totals.is_empty() {
            let n = totals.len() as f64;
            let points = totals.iter().enumerate().map(|(i, x)| (*x, (i + 1) as f64 / n)).collect();
            out.push((
                "outage_cdf",
                Chart {
                    title: format!("{}: outage per affected subscriber", s.name),
                    x_label: "outage (s)".into(),
                    y_label: "fraction of affected subscribers".into(),
                    series: vec![Series { name: "CDF".into(), points }],
                },
            ));
        }
    }
    out
}
