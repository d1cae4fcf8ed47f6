//! The charts of a Clearwater run, drawn from the replications' results: CPU per node,
//! Bono connections per Sprout (scaling runs), request outcomes, offered load and goodput,
//! LoadMonitor and Chronos token rates, the latency percentile distribution and the outage
//! distribution. Every time chart marks the end of the warm-up and each fault or scale event;
//! a run without CPU limits says so in every chart.

use std::collections::BTreeMap;

use crate::analysis::latency::{latency, pooled};
use crate::analysis::outage::{analytic_estimate, outage_faults, outage_totals};
use crate::model::clearwater::{ClearwaterResult, ReqType};
use crate::report::plots::{Chart, Colour, Marker, Series, XAxis, EVENT, FAILURE, OFFERED, REFERENCE, SUCCESS, WARMUP};
use crate::scenario::{FaultKind, Scenario, Tier};

/// The quantiles of the latency chart: 1/(1−q) = 10^(k/10) for k = 0..=40, i.e. from the
/// minimum (0%) to 99.99%, ten points per decade of 1/(1−q).
pub fn latency_quantiles() -> Vec<f64> {
    (0..=40).map(|k| 1.0 - 10f64.powf(-(k as f64) / 10.0)).collect()
}

/// The warning every chart of a run without CPU limits carries (also in report.txt).
pub const UNLIMITED_CPU_WARNING: &str =
    "unlimited_cpu = true: no CPU limit, no CPU queueing; CPU above 100% is demand beyond the cores";

/// Registrations offered and completed: lighter shades of the calls' colours.
const REG_OFFERED: Colour = Colour(120, 170, 240);
const REG_DONE: Colour = Colour(110, 200, 130);

/// The vertical markers of a time chart: the end of the warm-up, then each fault's start and
/// (if it has one) its end, in the scenario's order.
pub fn time_markers(s: &Scenario) -> Vec<Marker> {
    let mut out = Vec::new();
    if !s.simulation.warmup.is_zero() {
        out.push(Marker { x: s.simulation.warmup.as_secs_f64(), label: "warm-up end".into(), colour: WARMUP });
    }
    for f in &s.faults {
        let what = f.kind.describe(s);
        out.push(Marker { x: f.at.as_secs_f64(), label: what.clone(), colour: EVENT });
        if let Some(until) = f.until {
            let ended = if matches!(f.kind, FaultKind::Scale { .. }) { "undone" } else { "ends" };
            out.push(Marker { x: until.as_secs_f64(), label: format!("{what} {ended}"), colour: EVENT });
        }
    }
    out
}

/// A node's name in the charts: its label, with its site when there are two.
fn node_name(s: &Scenario, r: &ClearwaterResult, node: usize) -> String {
    let n = &r.nodes[node];
    if s.sites.len() > 1 {
        format!("{} {}", n.site, n.label)
    } else {
        n.label.clone()
    }
}

/// Per node, per sample time: the mean over the replications of `value(row)` (rows where it
/// is `None` left out). Nodes in the order of the first replication's node list.
fn per_node(
    results: &[ClearwaterResult],
    value: impl Fn(&crate::model::clearwater::NodeRow) -> Option<f64>,
) -> BTreeMap<usize, Vec<(f64, f64)>> {
    let mut acc: BTreeMap<usize, BTreeMap<u64, (f64, u32)>> = BTreeMap::new();
    for r in results {
        for row in &r.rows {
            if let Some(v) = value(row) {
                let e = acc.entry(row.node as usize).or_default().entry(row.time.as_ns()).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
    }
    acc.into_iter()
        .map(|(node, by_time)| {
            (node, by_time.into_iter().map(|(t, (sum, n))| (t as f64 / 1e9, sum / n as f64)).collect())
        })
        .collect()
}

/// The charts of a run, by output name.
pub fn charts(s: &Scenario, results: &[ClearwaterResult]) -> Vec<(&'static str, Chart)> {
    let Some(first) = results.first() else { return Vec::new() };
    let warning = s.simulation.unlimited_cpu.then(|| UNLIMITED_CPU_WARNING.to_string());
    let timed = |title: String, y: &str, series: Vec<Series>| Chart {
        markers: time_markers(s),
        warning: warning.clone(),
        ..Chart::new(format!("{}: {title}", s.name), "time (s)", y, series)
    };
    let mut out = Vec::new();
    // CPU per node (mean over replications per sample), tier by tier.
    let cpu_by_node = per_node(results, |row| Some(row.cpu * 100.0));
    let mut cpu = Vec::new();
    for tier in Tier::ALL {
        for (&node, points) in cpu_by_node.iter().filter(|(&n, _)| first.nodes.get(n).is_some_and(|x| x.tier == tier)) {
            cpu.push(Series::new(node_name(s, first, node), points.clone()));
        }
    }
    out.push(("cpu", timed("CPU per node".into(), "CPU (% of the node's cores)", cpu)));
    if let Some(c) = connections_chart(s, results) {
        out.push(("connections", Chart { markers: time_markers(s), warning: warning.clone(), ..c }));
    }
    out.push(("requests", timed("requests completed at the UEs".into(), "per second", outcome_series(s, results))));
    out.push(("goodput", timed("offered load and goodput".into(), "per second", goodput_series(s, results))));
    // LoadMonitor token rates (replication 0); identical lines drawn once.
    let rates = token_series(s, first, |row| row.throttle.as_ref().map(|t| t.token_rate), |n| n.tier != Tier::Homer);
    if !rates.is_empty() {
        let title = "LoadMonitor token rate (replication 0)".into();
        out.push(("token_rate", timed(title, "permitted requests per second", rates)));
    }
    let chronos = token_series(s, first, |row| row.chronos.as_ref().map(|t| t.token_rate), |_| true);
    if !chronos.is_empty() {
        let title = "Chronos LoadMonitor token rate on each Sprout (replication 0)".into();
        out.push(("chronos_token_rate", timed(title, "permitted timer requests per second", chronos)));
    }
    out.push(("latency", Chart { warning: warning.clone(), ..latency_chart(s, results) }));
    if let Some(c) = outage_chart(s, results) {
        out.push(("outage_cdf", Chart { warning, ..c }));
    }
    out
}

/// Requests succeeded (green) and failed (red) per second, all types together.
fn outcome_series(s: &Scenario, results: &[ClearwaterResult]) -> Vec<Series> {
    let (step, reps) = (s.simulation.sample_interval.as_secs_f64(), results.len() as f64);
    let mut ok: BTreeMap<u64, f64> = BTreeMap::new();
    let mut failed: BTreeMap<u64, f64> = BTreeMap::new();
    for r in results {
        for row in &r.request_rows {
            *ok.entry(row.time.as_ns()).or_default() += row.counts.ok as f64 / step / reps;
            *failed.entry(row.time.as_ns()).or_default() += row.counts.failed.iter().sum::<u64>() as f64 / step / reps;
        }
    }
    vec![Series::coloured("succeeded", line(&ok), SUCCESS), Series::coloured("failed", line(&failed), FAILURE)]
}

fn line(m: &BTreeMap<u64, f64>) -> Vec<(f64, f64)> {
    m.iter().map(|(t, v)| (*t as f64 / 1e9, *v)).collect()
}

/// Calls offered (INVITEs started) against calls answered, and registrations started against
/// completed, per second (mean over replications).
fn goodput_series(s: &Scenario, results: &[ClearwaterResult]) -> Vec<Series> {
    let (step, reps) = (s.simulation.sample_interval.as_secs_f64(), results.len() as f64);
    let mut lines: [BTreeMap<u64, f64>; 4] = Default::default();
    for r in results {
        for row in &r.request_rows {
            let (offered, done) = match row.kind {
                ReqType::InviteSetup => (Some(0), None),
                ReqType::InviteAnswer => (None, Some(1)),
                ReqType::RegisterInitial | ReqType::RegisterRefresh => (Some(2), Some(3)),
                _ => (None, None),
            };
            let t = row.time.as_ns();
            if let Some(i) = offered {
                *lines[i].entry(t).or_default() += row.counts.started as f64 / step / reps;
            }
            if let Some(i) = done {
                *lines[i].entry(t).or_default() += row.counts.ok as f64 / step / reps;
            }
        }
    }
    let [calls, setups, regs, regs_done] = &lines;
    vec![
        Series::coloured("calls offered", line(calls), OFFERED),
        Series::coloured("calls answered (goodput)", line(setups), SUCCESS),
        Series::coloured("registrations offered", line(regs), REG_OFFERED),
        Series::coloured("registrations completed", line(regs_done), REG_DONE),
    ]
}

/// One line per node of replication 0 that has `value`; nodes whose lines are identical are
/// drawn once, named together.
fn token_series(
    s: &Scenario,
    r: &ClearwaterResult,
    value: impl Fn(&crate::model::clearwater::NodeRow) -> Option<f64>,
    keep: impl Fn(&crate::model::clearwater::NodeSummary) -> bool,
) -> Vec<Series> {
    let by_node = per_node(std::slice::from_ref(r), value);
    let mut out: Vec<Series> = Vec::new();
    for (node, points) in by_node.into_iter().filter(|(n, _)| r.nodes.get(*n).is_some_and(&keep)) {
        let name = node_name(s, r, node);
        match out.iter_mut().find(|x| x.points == points) {
            Some(same) => {
                same.name = format!("{}, {name}", same.name);
            }
            None => out.push(Series::new(name, points)),
        }
    }
    out
}

/// Bono's upstream connections per Sprout as a share of all of them (mean over replications
/// per sample), for runs that scale a tier.
fn connections_chart(s: &Scenario, results: &[ClearwaterResult]) -> Option<Chart> {
    if !s.faults.iter().any(|f| matches!(f.kind, FaultKind::Scale { .. })) {
        return None;
    }
    let first = results.first()?;
    // (time, sprout) → summed connections over replications and Bonos; time → total.
    let mut per: BTreeMap<(usize, u64), f64> = BTreeMap::new();
    let mut total: BTreeMap<u64, f64> = BTreeMap::new();
    for r in results {
        for row in r.rows.iter().filter(|row| !row.connections.is_empty()) {
            for &(sprout, n) in &row.connections {
                *per.entry((sprout as usize, row.time.as_ns())).or_default() += n as f64;
                *total.entry(row.time.as_ns()).or_default() += n as f64;
            }
        }
    }
    let mut series: Vec<Series> = Vec::new();
    let mut current: Option<usize> = None;
    for ((sprout, t), n) in per {
        if current != Some(sprout) {
            current = Some(sprout);
            series.push(Series::new(node_name(s, first, sprout), Vec::new()));
        }
        let all = total[&t];
        if let Some(last) = series.last_mut() {
            last.points.push((t as f64 / 1e9, if all > 0.0 { 100.0 * n / all } else { 0.0 }));
        }
    }
    let title = format!("{}: Bono upstream connections per Sprout", s.name);
    (!series.is_empty()).then(|| Chart::new(title, "time (s)", "share of Bono connections (%)", series))
}

/// Latency against percentile per request type (INVITE→200 left out: the callee's answer
/// delay dominates it), on HdrHistogram's axis: x = 1/(1−q), log scale, to 99.99%.
fn latency_chart(s: &Scenario, results: &[ClearwaterResult]) -> Chart {
    let mut series = Vec::new();
    for t in ReqType::ALL.into_iter().filter(|&t| t != ReqType::InviteAnswer) {
        let h = pooled(results, |r| latency(r, t));
        if h.count() > 0 {
            let points =
                latency_quantiles().iter().map(|&q| (1.0 / (1.0 - q), h.quantile_us(q) as f64 / 1e3)).collect();
            series.push(Series::new(t.name(), points));
        }
    }
    let title = format!("{}: latency by percentile (pooled over replications)", s.name);
    Chart { x_axis: XAxis::Percentile, ..Chart::new(title, "percentile", "latency (ms)", series) }
}

/// The distribution of outage among affected subscribers on a log time axis, with the
/// measured mean and (for site failures) the documentation's estimate of the same mean.
fn outage_chart(s: &Scenario, results: &[ClearwaterResult]) -> Option<Chart> {
    if !outage_faults(s) {
        return None;
    }
    let mut totals: Vec<f64> = results.iter().flat_map(outage_totals).collect();
    totals.sort_by(|a, b| a.total_cmp(b));
    if totals.is_empty() {
        return None;
    }
    let n = totals.len() as f64;
    let points = totals.iter().enumerate().map(|(i, x)| (*x, (i + 1) as f64 / n)).collect();
    let mean = totals.iter().sum::<f64>() / n;
    let mut markers = vec![Marker { x: mean, label: format!("measured mean {mean:.1} s"), colour: SUCCESS }];
    if let Some(Ok(a)) = analytic_estimate(s) {
        let label = format!("documentation's estimate: mean {:.1} s", a.affected_mean_s);
        markers.push(Marker { x: a.affected_mean_s, label, colour: REFERENCE });
    }
    let title = format!("{}: outage per affected subscriber", s.name);
    let series = vec![Series::coloured("CDF", points, OFFERED)];
    Some(Chart {
        markers,
        x_axis: XAxis::Log,
        ..Chart::new(title, "outage (s, log scale)", "fraction of affected subscribers", series)
    })
}

#[cfg(test)]
#[path = "charts_tests.rs"]
mod tests;
