//! Outputs of the Clearwater model: summary.json, timeseries.csv, latency.csv, report.txt.
//! The columns and keys are a contract (README.md, "Outputs"); change them only together
//! with the documentation.

use std::collections::BTreeMap;

use serde::Serialize;

use super::common::{json_bytes, latency_csv, RunHeader};
use super::files::OutputFiles;
use crate::engine::Fingerprint;
use crate::metrics::{estimate, Estimate, LatencyHistogram};
use crate::model::clearwater::state::{FailCause, ReqType};
use crate::model::clearwater::ClearwaterResult;
use crate::scenario::{Scenario, Tier};

/// The documented elastic-scaling trigger: scale a tier up at ~60% average CPU [doc 8.41].
pub const SCALE_UP_CPU: f64 = 0.6;

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    header: RunHeader,
    load: LoadInfo,
    latency_ms: BTreeMap<&'static str, LatencySummary>,
    failures: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    requests: BTreeMap<&'static str, RequestCounts>,
    tiers: BTreeMap<&'static str, TierSummary>,
    /// Sprout's LoadMonitor latency (queue wait + timed CPU) per message, ms.
    sprout_message_latency_ms: LatencySummary,
    /// Operations served per second of measured time (means over replications).
    operations_per_s: BTreeMap<&'static str, Estimate>,
    registrations: Registrations,
    counters: BTreeMap<&'static str, u64>,
    scale_up: Vec<ScaleAdvice>,
}

#[derive(Serialize)]
struct LoadInfo {
    profile: &'static str,
    subscribers: u64,
    measured_s: f64,
    /// SIP requests received by Sprout per subscriber per second.
    sprout_requests_per_subscriber_per_s: Estimate,
}

/// Latency percentiles of the pooled histogram; `mean` with its 95% half-width over
/// replication means.
#[derive(Serialize, Default)]
struct LatencySummary {
    count: u64,
    mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    mean_ci95: Option<f64>,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

#[derive(Serialize)]
struct RequestCounts {
    started: u64,
    ok: u64,
    failed: u64,
}

#[derive(Serialize)]
struct TierSummary {
    nodes: u32,
    cores: u32,
    cpu_mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu_mean_ci95: Option<f64>,
    cpu_p95: f64,
    cpu_max: f64,
}

#[derive(Serialize)]
struct Registrations {
    subscribers: u64,
    /// Binding timers ÷ replication factor at the end (Clearwater's stateful statistic).
    statistic_end: Estimate,
    /// Subscribers with a valid binding at the end.
    bound_end: Estimate,
}

#[derive(Serialize)]
struct ScaleAdvice {
    tier: &'static str,
    nodes: u32,
    cpu_mean: f64,
    /// Nodes that would bring the tier's average CPU under 60%, at the same load.
    recommended_nodes: u32,
}

fn latency_summary(
    results: &[ClearwaterResult],
    pick: impl Fn(&ClearwaterResult) -> &LatencyHistogram,
) -> LatencySummary {
    let mut pooled = LatencyHistogram::new();
    let mut means = Vec::new();
    for r in results {
        let h = pick(r);
        pooled.merge(h);
        if h.count() > 0 {
            means.push(h.mean_ns() / 1e6);
        }
    }
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

/// Nodes needed so that `nodes · cpu / n` < 60%.
pub fn recommended_nodes(nodes: u32, cpu_mean: f64) -> u32 {
    ((nodes as f64 * cpu_mean / SCALE_UP_CPU).floor() as u32 + 1).max(nodes)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub fn render(s: &Scenario, results: &[ClearwaterResult]) -> OutputFiles {
    let fingerprints: Vec<Fingerprint> = results.iter().map(|r| r.fingerprint).collect();
    let header = RunHeader::new(s, "clearwater", &fingerprints, results.iter().map(|r| r.events).sum());
    let measured_s = results.first().map_or(0.0, |r| r.measured.as_secs_f64());
    let per_s = |v: u64| if measured_s > 0.0 { v as f64 / measured_s } else { 0.0 };

    let mut latency_ms = BTreeMap::new();
    let mut failures = BTreeMap::new();
    let mut requests = BTreeMap::new();
    for t in ReqType::ALL {
        latency_ms.insert(t.name(), latency_summary(results, |r| &r.req[t as usize].latency));
        let mut f = BTreeMap::new();
        for c in FailCause::ALL {
            f.insert(c.name(), results.iter().map(|r| r.req[t as usize].counts.failed[c as usize]).sum());
        }
        failures.insert(t.name(), f);
        let sum = |g: fn(&crate::model::clearwater::stats::ReqCounts) -> u64| {
            results.iter().map(|r| g(&r.req[t as usize].counts)).sum::<u64>()
        };
        requests.insert(
            t.name(),
            RequestCounts { started: sum(|c| c.started), ok: sum(|c| c.ok), failed: sum(|c| c.failed.iter().sum()) },
        );
    }

    let mut tiers = BTreeMap::new();
    let mut scale_up = Vec::new();
    for tier in Tier::ALL {
        let Some(first) = results.first() else { break };
        let ids: Vec<usize> = first.nodes.iter().enumerate().filter(|(_, n)| n.tier == tier).map(|(i, _)| i).collect();
        if ids.is_empty() {
            continue;
        }
        let tier_mean = |r: &ClearwaterResult| ids.iter().map(|&i| r.nodes[i].cpu).sum::<f64>() / ids.len() as f64;
        let e = estimate(&results.iter().map(tier_mean).collect::<Vec<_>>());
        let warm = s.simulation.warmup_end();
        let mut samples: Vec<f64> = results
            .iter()
            .flat_map(|r| {
                r.rows.iter().filter(|row| row.time > warm && ids.contains(&(row.node as usize))).map(|row| row.cpu)
            })
            .collect();
        samples.sort_by(|a, b| a.total_cmp(b));
        let nodes = ids.len() as u32;
        tiers.insert(
            tier.name(),
            TierSummary {
                nodes,
                cores: first.nodes[ids[0]].cores,
                cpu_mean: e.mean,
                cpu_mean_ci95: e.ci95,
                cpu_p95: percentile(&samples, 0.95),
                cpu_max: samples.last().copied().unwrap_or(0.0),
            },
        );
        if e.mean >= SCALE_UP_CPU {
            scale_up.push(ScaleAdvice {
                tier: tier.name(),
                nodes,
                cpu_mean: e.mean,
                recommended_nodes: recommended_nodes(nodes, e.mean),
            });
        }
    }

    let mut ops = BTreeMap::new();
    let op = |f: fn(&ClearwaterResult) -> u64| estimate(&results.iter().map(|r| per_s(f(r))).collect::<Vec<_>>());
    ops.insert("homestead", op(|r| r.ops.homestead_total()));
    ops.insert("homer", op(|r| r.ops.http_op(crate::model::clearwater::flows::HttpOp::Simservs)));
    ops.insert("memcached", op(|r| r.ops.memcached_total()));
    ops.insert("memcached_replica_writes", op(|r| r.mc_replica_writes));
    ops.insert("chronos", op(|r| r.ops.chronos_total()));
    ops.insert("sprout_sip_requests", op(|r| r.sprout_requests));

    let mut counters = BTreeMap::new();
    let total = |f: fn(&ClearwaterResult) -> u64| results.iter().map(f).sum::<u64>();
    counters.insert("timer_pops", total(|r| r.timer_pops));
    counters.insert("bindings_expired", total(|r| r.bindings_expired));
    counters.insert("queue_timeouts", total(|r| r.queue_timeouts));
    counters.insert("dns_queries", total(|r| r.dns_queries));
    counters.insert("calls_refused_by_limit", total(|r| r.calls_refused_by_limit));

    let subscribers = results.first().map_or(0, |r| r.subscribers);
    let summary = Summary {
        header,
        load: LoadInfo {
            profile: s.load.name(),
            subscribers,
            measured_s,
            sprout_requests_per_subscriber_per_s: estimate(
                &results.iter().map(|r| per_s(r.sprout_requests) / subscribers.max(1) as f64).collect::<Vec<_>>(),
            ),
        },
        latency_ms,
        failures,
        requests,
        tiers,
        sprout_message_latency_ms: latency_summary(results, |r| &r.sprout_latency),
        operations_per_s: ops,
        registrations: Registrations {
            subscribers,
            statistic_end: estimate(&results.iter().map(|r| r.registrations_end).collect::<Vec<_>>()),
            bound_end: estimate(&results.iter().map(|r| r.bound_end as f64).collect::<Vec<_>>()),
        },
        counters,
        scale_up,
    };

    let mut files = OutputFiles::default();
    files.add("summary.json", json_bytes(&summary));
    if s.output.timeseries {
        files.add("timeseries.csv", timeseries_csv(results));
    }
    let pooled: Vec<(&str, LatencyHistogram)> = ReqType::ALL
        .iter()
        .map(|t| {
            let mut h = LatencyHistogram::new();
            results.iter().for_each(|r| h.merge(&r.req[*t as usize].latency));
            (t.name(), h)
        })
        .chain(std::iter::once(("sprout_message", {
            let mut h = LatencyHistogram::new();
            results.iter().for_each(|r| h.merge(&r.sprout_latency));
            h
        })))
        .collect();
    files.add("latency.csv", latency_csv(pooled.iter().map(|(n, h)| (*n, h))));
    files.add("report.txt", report_text(&summary));
    files
}

pub const TIMESERIES_COLUMNS: &str =
    "replication,time_s,site,tier,node,cpu,queue,latency_ms,requests,rejected,registrations,chronos_timers,connections";

fn timeseries_csv(results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(TIMESERIES_COLUMNS);
    out.push('\n');
    for r in results {
        for row in &r.rows {
            let n = &r.nodes[row.node as usize];
            let connections: Vec<String> =
                row.connections.iter().map(|(s, c)| format!("{}:{c}", r.nodes[*s as usize].label)).collect();
            out.push_str(&format!(
                "{},{},{},{},{},{:.6},{},{},{},{},{},{},{}\n",
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

fn report_text(s: &Summary) -> Vec<u8> {
    let h = &s.header;
    let mut out = format!(
        "cwsim {} — scenario {} (Clearwater), load {} with {} subscribers, seed {}, {} replication(s), {:.0} s measured\n\n",
        h.cwsim_version, h.scenario, s.load.profile, s.load.subscribers, h.seed, h.replications, s.load.measured_s
    );
    out.push_str("tier        nodes cores  cpu mean   cpu p95   cpu max   scale-up rule (avg CPU ≥ 60%)\n");
    for (name, t) in &s.tiers {
        let ci = t.cpu_mean_ci95.map(|c| format!("±{:.1}", c * 100.0)).unwrap_or_default();
        let advice = if t.cpu_mean >= SCALE_UP_CPU {
            format!("scale up: {} → {} nodes", t.nodes, recommended_nodes(t.nodes, t.cpu_mean))
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
    out.push_str(&format!(
        "registrations (stateful statistic) at end: {:.0} of {} subscribers\n",
        s.registrations.statistic_end.mean, s.registrations.subscribers
    ));
    out.push_str(&format!("fingerprint {}\n", h.fingerprint));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_up_rule() {
        // 2 nodes at 75%: 1.5 node-loads; 3 nodes give 50% < 60%.
        assert_eq!(recommended_nodes(2, 0.75), 3);
        // Exactly 60% on 1 node must move to 2 (the rule is "under 60%").
        assert_eq!(recommended_nodes(1, 0.6), 2);
        assert_eq!(recommended_nodes(4, 0.3), 4);
    }
}
