//! Sampling: every `sample_interval` a row per node (CPU, queue, latency, LoadMonitor,
//! Chronos timers, Bono connections) and per request type; the warm-up reset; the
//! registrations statistic.

use super::events::Ev;
use super::ids::NodeId;
use super::stats::{throttle_row, NodeRow, ReqCounts, RequestRow};
use super::txn::{FailCause, ReqType};
use super::world::World;
use crate::engine::EventQueue;
use crate::scenario::Tier;

impl World {
    /// Chronos replication factor in a site: 2, or 1 with a single Sprout.
    pub fn replication(&self, site: u8) -> u64 {
        self.sprouts_of(site).len().min(2) as u64
    }

    pub fn sample(&mut self, q: &mut EventQueue<Ev>) {
        let now = q.now();
        q.schedule_in(self.p.sample_interval, Ev::Sample);
        self.sipp_sample(now);
        for t in ReqType::ALL {
            let (total, last) = (&self.stats.req_total[t], &self.stats.req_at_last_sample[t]);
            let mut d =
                ReqCounts { started: total.started - last.started, ok: total.ok - last.ok, ..Default::default() };
            for c in FailCause::ALL {
                d.failed[c] = total.failed[c] - last.failed[c];
            }
            if d.started + d.ended() > 0 {
                self.stats.request_rows.push(RequestRow { time: now, kind: t, counts: d });
            }
        }
        self.stats.req_at_last_sample = self.stats.req_total.clone();
        let span_ns = self.p.sample_interval.as_ns() as f64;
        for id in 0..self.nodes.len() as NodeId {
            let replication = self.replication(self.nodes[id].site).max(1);
            let n = &mut self.nodes[id];
            let busy = n.cpu.stats().busy.integral(now);
            let cpu =
                (busy - n.window.busy_at_start.min(busy) + n.window.busy_carry) as f64 / (span_ns * n.cores as f64);
            let w = std::mem::take(&mut n.window);
            n.window.busy_at_start = busy;
            let throttle = throttle_row(n.throttle.as_ref(), &mut n.throttle_at_sample);
            let chronos = throttle_row(n.chronos_throttle.as_ref(), &mut n.chronos_at_sample);
            // Every local Sprout, and the other site's ones the pool failed over to.
            let connections = match &n.pool {
                Some(pool) => {
                    let local = self.topo.nodes(n.site, Tier::Sprout).iter().map(|&s| (s, pool.count_to(s)));
                    let sites = self.topo.ids.len() as u8;
                    let remote = (0..sites).filter(|&s| s != n.site).flat_map(|s| self.topo.nodes(s, Tier::Sprout));
                    let remote = remote.map(|&s| (s, pool.count_to(s))).filter(|c| c.1 > 0);
                    local.chain(remote).collect()
                }
                None => Vec::new(),
            };
            self.stats.rows.push(NodeRow {
                time: now,
                node: id,
                cpu,
                queue: n.cpu.queue_len() as u32,
                latency_ms: (w.latency_n > 0).then(|| w.latency_sum_ns as f64 / w.latency_n as f64 / 1e6),
                requests: w.requests,
                rejected: w.rejected,
                registrations: self.chronos.binding_timers(id) as f64 / replication as f64,
                chronos_timers: self.chronos.timers(id),
                connections,
                throttle,
                chronos,
            });
        }
    }

    pub fn warmup_end(&mut self, q: &mut EventQueue<Ev>) {
        let now = q.now();
        self.stats.restart();
        if let Some(r) = self.ralf.as_mut() {
            r.restart_counts();
        }
        for n in self.nodes.iter_mut() {
            let busy = n.cpu.stats().busy.integral(now);
            n.window.busy_carry += busy - n.window.busy_at_start.min(busy);
            n.window.busy_at_start = 0;
            n.cpu.reset_stats(now);
        }
    }

    /// Registrations as Clearwater's stateful statistic reports them: binding timers held
    /// by all Chronos replicas divided by the replication factor.
    pub fn registrations_statistic(&self) -> f64 {
        let mut total = 0.0;
        for site in 0..self.topo.ids.len() as u8 {
            let timers: u64 = self.sprouts_of(site).iter().map(|&s| self.chronos.binding_timers(s)).sum();
            total += timers as f64 / self.replication(site).max(1) as f64;
        }
        total
    }
}
