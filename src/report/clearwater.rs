//! Outputs of the Clearwater model: summary.json, timeseries.csv, latency.csv, report.txt.
//! The columns and keys are a contract (README.md, "Outputs"); change them only together
//! with the documentation.

use std::collections::BTreeMap;

use super::common::{description_line, json_bytes, latency_csv};
use super::files::OutputFiles;
use crate::analysis::latency::{latency, pooled, pooled_metrics};
use crate::analysis::outage::{outage_faults, outage_totals};
use crate::analysis::{summarise, Summary};
use crate::metrics::Estimate;
use crate::model::clearwater::{ClearwaterResult, ReqType};
use crate::scenario::{Scenario, Tier};

/// Every output file of a Clearwater run, from its replications' results.
pub fn render(s: &Scenario, results: &[ClearwaterResult]) -> OutputFiles {
    let summary = summarise(s, results);
    let mut files = OutputFiles::default();
    files.add("summary.json", json_bytes(&summary));
    if s.output.timeseries {
        files.add("timeseries.csv", timeseries_csv(results));
    }
    let pooled = pooled_metrics(results);
    files.add("latency.csv", latency_csv(pooled.iter().map(|(n, h)| (*n, h))));
    if s.output.timeseries {
        files.add("requests.csv", requests_csv(results));
    }
    if outage_faults(s) {
        files.add("outages.csv", outages_csv(s, results));
    }
    let mut notes = Vec::new();
    if s.output.plots {
        for (name, chart) in charts(s, results) {
            super::plots::add(&mut files, name, &chart, &mut notes);
        }
    }
    let mut report = report_text(&summary);
    for n in notes {
        report.extend_from_slice(format!("note: {n}\n").as_bytes());
    }
    files.add("report.txt", report);
    files
}

/// Percentiles shown in the latency chart.
const PERCENTILES: [f64; 7] = [50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0];

/// The charts of a run: tier CPU, request outcomes and (when there are any) LoadMonitor
/// token rates over time, latency percentiles, and the outage distribution.
fn charts(s: &Scenario, results: &[ClearwaterResult]) -> Vec<(&'static str, crate::report::plots::Chart)> {
    use crate::report::plots::{Chart, Series};
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

pub const TIMESERIES_COLUMNS: &str = "replication,time_s,site,tier,node,cpu,queue,latency_ms,requests,rejected,\
registrations,chronos_timers,connections,token_rate,smoothed_latency_ms,admitted,penalties,\
chronos_token_rate,chronos_smoothed_latency_ms,chronos_admitted,chronos_rejected";

fn timeseries_csv(results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(TIMESERIES_COLUMNS);
    out.push('\n');
    for r in results {
        for row in &r.rows {
            let n = &r.nodes[row.node as usize];
            let connections: Vec<String> =
                row.connections.iter().map(|(s, c)| format!("{}:{c}", r.nodes[*s as usize].label)).collect();
            let (rate, smoothed, admitted, penalties) = match &row.throttle {
                Some(t) => (
                    format!("{:.3}", t.token_rate),
                    format!("{:.3}", t.smoothed_latency_ms),
                    t.admitted.to_string(),
                    t.penalties.to_string(),
                ),
                None => Default::default(),
            };
            let chronos = match &row.chronos {
                Some(t) => format!("{:.3},{:.3},{},{}", t.token_rate, t.smoothed_latency_ms, t.admitted, t.rejected),
                None => ",,,".to_string(),
            };
            out.push_str(&format!(
                "{},{},{},{},{},{:.6},{},{},{},{},{},{},{},{rate},{smoothed},{admitted},{penalties},{chronos}\n",
                r.replication,
                row.time.as_secs_f64(),
                n.site,
                n.tier.name(),
                n.label,
                row.cpu,
                row.queue,
                row.latency_ms.map(|l| format!("{l:.6}")).unwrap_or_default(),
                row.requests,
                row.rejected,
                row.registrations,
                row.chronos_timers,
                connections.join(";")
            ));
        }
    }
    out.into_bytes()
}

pub const REQUESTS_COLUMNS: &str = "replication,time_s,request,started,ok,timeout,rejected_503,transport,other";

fn requests_csv(results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(REQUESTS_COLUMNS);
    out.push('\n');
    for r in results {
        for row in &r.request_rows {
            let c = &row.counts;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                r.replication,
                row.time.as_secs_f64(),
                row.kind.name(),
                c.started,
                c.ok,
                c.failed[0],
                c.failed[1],
                c.failed[2],
                c.failed[3]
            ));
        }
    }
    out.into_bytes()
}

pub const OUTAGES_COLUMNS: &str = "replication,subscriber,site,start_s,end_s,duration_s,cause,open";

fn outages_csv(s: &Scenario, results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(OUTAGES_COLUMNS);
    out.push('\n');
    for r in results {
        let mut rows: Vec<_> = r.outages.iter().collect();
        rows.sort_by_key(|o| (o.ue, o.start));
        for o in rows {
            out.push_str(&format!(
                "{},{},{},{},{},{:.6},{},{}\n",
                r.replication,
                o.ue,
                s.sites[r.ue_sites[o.ue as usize] as usize].name,
                o.start.as_secs_f64(),
                o.end.as_secs_f64(),
                o.end.since(o.start).as_secs_f64(),
                o.cause.name(),
                o.open
            ));
        }
    }
    out.into_bytes()
}

fn report_text(s: &Summary) -> Vec<u8> {
    let h = &s.header;
    let mut out = format!(
        "cwsim {} — scenario {} (Clearwater), load {} with {} subscribers, seed {}, {} replication(s), {:.0} s measured\n\n",
        h.cwsim_version, h.scenario, s.load.profile, s.load.subscribers, h.seed, h.replications, s.load.measured_s
    );
    if !h.description.is_empty() {
        out.insert_str(out.len() - 1, &description_line(h));
    }
    out.push_str("tier        nodes cores  cpu mean   cpu p95   cpu max   scale-up rule (avg CPU ≥ 60%)\n");
    for (name, t) in &s.tiers {
        let ci = t.cpu_mean_ci95.map(|c| format!("±{:.1}", c * 100.0)).unwrap_or_default();
        let advice = if s.scale_up.iter().any(|a| a.tier == *name) {
            "scale up (cwsim plan finds how far)".to_string()
        } else {
            "ok".to_string()
        };
        out.push_str(&format!(
            "{name:<11} {:>5} {:>5} {:>6.1}%{ci:<5} {:>7.1}%  {:>7.1}%   {advice}\n",
            t.nodes,
            t.cores,
            t.cpu_mean * 100.0,
            t.cpu_p95 * 100.0,
            t.cpu_max * 100.0
        ));
    }
    out.push_str("\nrequest          started      ok  failed   mean ms    p50     p95     p99     max\n");
    for (name, l) in &s.latency_ms {
        let r = &s.requests[name];
        if r.started == 0 {
            continue;
        }
        out.push_str(&format!(
            "{name:<16} {:>7} {:>7} {:>7} {:>9.2} {:>7.1} {:>7.1} {:>7.1} {:>7.1}\n",
            r.started, r.ok, r.failed, l.mean, l.p50, l.p95, l.p99, l.max
        ));
    }
    let m = &s.sprout_message_latency_ms;
    out.push_str(&format!(
        "\nSprout LoadMonitor latency per message (queue + timed CPU): mean {:.2} ms, p99 {:.2} ms\n",
        m.mean, m.p99
    ));
    let g = &s.goodput;
    out.push_str(&format!(
        "goodput: {:.2} call setups/s of {:.2} offered; {:.2} registrations/s of {:.2} offered\n",
        g.call_setups_per_s.mean,
        g.offered_calls_per_s.mean,
        g.registrations_per_s.mean,
        g.offered_registrations_per_s.mean
    ));
    for (tier, t) in &s.throttling {
        let rejected: u64 = t.rejected_by_method.values().sum();
        if rejected > 0 || t.penalties > 0 {
            let detail: Vec<String> =
                t.rejected_by_method.iter().filter(|(_, n)| **n > 0).map(|(m, n)| format!("{m} {n}")).collect();
            out.push_str(&format!(
                "throttling ({}) at {tier}: {rejected} rejected ({}), {} penalties, token rate {:.0}/s mean (cv {:.2})\n",
                t.profile,
                detail.join(", "),
                t.penalties,
                t.token_rate_mean,
                t.token_rate_cv
            ));
        }
    }
    let failed: u64 = s.failures.values().flat_map(|f| f.values()).sum();
    if failed > 0 {
        out.push_str("failures by cause:");
        for (name, f) in &s.failures {
            for (cause, n) in f {
                if *n > 0 {
                    out.push_str(&format!(" {name}.{cause}={n}"));
                }
            }
        }
        out.push('\n');
    }
    if let Some(o) = &s.outage {
        let ci = |e: &Estimate| e.ci95.map(|h| format!(" ± {h:.3}")).unwrap_or_default();
        out.push_str(&format!(
            "\noutage per subscriber (from the first fault): mean {:.2} s{}; affected {:.2}%{}; \
             ≥ 250 s: {:.2}%\n  affected subscribers: mean {:.1} s, p50 {:.1} s, p95 {:.1} s, max {:.1} s{}\n",
            o.mean_s.mean + 0.0,
            ci(&o.mean_s),
            o.fraction_affected.mean * 100.0,
            o.fraction_affected.ci95.map(|h| format!(" ± {:.2}", h * 100.0)).unwrap_or_default(),
            o.fraction_at_least_s["250"].mean * 100.0,
            o.affected.mean_s.mean,
            o.affected.p50_s,
            o.affected.p95_s,
            o.affected.max_s,
            if o.open_at_end > 0 { format!(" ({} still open at the end)", o.open_at_end) } else { String::new() }
        ));
        if let Some(a) = &o.analytic_estimate {
            out.push_str(&format!(
                "  the documentation's estimate for these parameters (unlimited capacity, DNS drops a dead site at \
                 once): mean {:.2} s, {:.1}% affected, {:.1}% with a long outage\n",
                a.mean_s,
                a.fraction_affected * 100.0,
                a.fraction_long * 100.0
            ));
        }
        if let Some(why) = &o.analytic_estimate_not_applicable {
            out.push_str(&format!("  the documentation's estimate does not apply: {why}\n"));
        }
        let f = &o.after_fault;
        out.push_str(&format!(
            "  after the fault: {} registrations rejected (503), {} timed out, {} refused; busiest surviving Sprout: \
             {:.0}% CPU, {} queued\n",
            f.register_rejected_503,
            f.register_timeouts,
            f.register_transport_errors,
            f.surviving_sprout_cpu_max * 100.0,
            f.surviving_sprout_queue_max
        ));
    }
    out.push_str(&format!(
        "registrations (stateful statistic) at end: {:.0} of {} subscribers\n",
        s.registrations.statistic_end.mean, s.registrations.subscribers
    ));
    out.push_str(&format!("fingerprint {}\n", h.fingerprint));
    out.into_bytes()
}
