//! The fault timeline: each `[[fault]]` starts at `at` and, with `until`, ends then.

use super::events::Ev;
use super::ids::NodeId;
use super::reachability::Block;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::scenario::{FailureMode, Fault, FaultKind, Tier};

impl World {
    pub fn schedule_faults(&mut self, q: &mut EventQueue<Ev>, faults: &[Fault]) {
        self.faults = faults.to_vec();
        self.scaling.before = vec![0; faults.len()];
        for (i, f) in faults.iter().enumerate() {
            q.schedule_at(SimTime::ZERO + f.at, Ev::Fault { index: i as u32, start: true });
            if let Some(until) = f.until {
                q.schedule_at(SimTime::ZERO + until, Ev::Fault { index: i as u32, start: false });
            }
        }
    }

    /// The node a fault names, among the tier's nodes at the fault's time. Validation checks
    /// the index against the sizes `scale` faults give the tier; `None` would be a bug there,
    /// and the fault is then ignored rather than crashing the run.
    fn node_id(&self, site: usize, tier: Tier, index: u32) -> Option<NodeId> {
        self.topo.nodes(site as u8, tier).get(index as usize).copied()
    }

    pub fn fault(&mut self, q: &mut EventQueue<Ev>, index: u32, start: bool) {
        if start {
            // Outages count from the first fault on.
            self.start_outage_tracking(q);
        }
        self.apply_fault(q, index, start);
        // Whatever changed, each Bono's path to the Sprouts may have.
        self.refresh_paths(q.now());
    }

    fn apply_fault(&mut self, q: &mut EventQueue<Ev>, index: u32, start: bool) {
        let kind = self.faults[index as usize].kind.clone();
        match kind {
            FaultKind::NodeCrash { site, tier, index, mode } => {
                let Some(id) = self.node_id(site, tier, index) else { return };
                if start {
                    self.crash(q, id, mode == FailureMode::Silent);
                } else {
                    self.recover(q, id);
                }
            }
            FaultKind::SiteFailure { site, mode } => {
                let ids: Vec<NodeId> = self.topo.ids[site].iter().flatten().copied().collect();
                for id in ids {
                    if start {
                        self.crash(q, id, mode == FailureMode::Silent);
                    } else {
                        self.recover(q, id);
                    }
                }
            }
            FaultKind::DnsFailure => self.dns.up = !start,
            FaultKind::Partition => self.net.partitioned = start,
            FaultKind::BlockPort { from, to, port, between_sites } => {
                let b = Block { from, to, port, between_sites };
                if start {
                    self.net.blocks.push(b);
                } else if let Some(i) = self.net.blocks.iter().position(|x| *x == b) {
                    self.net.blocks.remove(i);
                }
            }
            FaultKind::CpuSlowdown { site, tier, index, factor } => {
                let Some(id) = self.node_id(site, tier, index) else { return };
                self.nodes[id].cpu.set_slowdown(if start { factor } else { 1.0 });
            }
            FaultKind::Latency { extra, between_sites } => {
                let d = if start { extra } else { SimDuration::ZERO };
                if between_sites {
                    self.net.extra_latency.inter_site = d;
                } else {
                    self.net.extra_latency.intra_site = d;
                }
            }
            FaultKind::Scale { site, tier, nodes, astaire_cpu_limit } => {
                // `until` brings the tier back to its size before the change.
                let site = site as u8;
                if start {
                    let before = self.topo.nodes(site, tier).len() as u32;
                    self.scaling.before[index as usize] = before;
                    self.scale(q, site, tier, nodes, astaire_cpu_limit);
                } else {
                    let before = self.scaling.before[index as usize];
                    self.scale(q, site, tier, before, astaire_cpu_limit);
                }
            }
        }
    }
}
