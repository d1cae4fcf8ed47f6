//! The fault timeline: each `[[fault]]` starts at `at` and, with `until`, ends then.

use super::failure::Block;
use super::state::*;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::scenario::{FailureMode, Fault, FaultKind, Tier};

/// Fault kinds this build simulates; a scenario naming another is refused before it runs.
pub fn supported(kind: &FaultKind) -> bool {
    !matches!(kind, FaultKind::Scale { .. })
}

/// Added one-way latency, by scope.
#[derive(Clone, Debug, Default)]
pub struct ExtraLatency {
    pub intra_site: SimDuration,
    pub inter_site: SimDuration,
}

impl World {
    pub fn schedule_faults(&mut self, q: &mut EventQueue<Ev>, faults: &[Fault]) {
        self.faults = faults.to_vec();
        for (i, f) in faults.iter().enumerate() {
            q.schedule_at(SimTime::ZERO + f.at, Ev::Fault { index: i as u16, start: true });
            if let Some(until) = f.until {
                q.schedule_at(SimTime::ZERO + until, Ev::Fault { index: i as u16, start: false });
            }
        }
    }

    fn node_id(&self, site: usize, tier: Tier, index: u32) -> NodeId {
        self.topo.nodes(site as u8, tier)[index as usize]
    }

    pub fn fault(&mut self, q: &mut EventQueue<Ev>, index: u16, start: bool) {
        if start {
            // Outages count from the first fault on.
            self.outages.tracking = true;
        }
        let kind = self.faults[index as usize].kind.clone();
        match kind {
            FaultKind::NodeCrash { site, tier, index, mode } => {
                let id = self.node_id(site, tier, index);
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
            FaultKind::Partition => self.partitioned = start,
            FaultKind::BlockPort { from, to, port, between_sites } => {
                let b = Block { from, to, port, between_sites };
                if start {
                    self.blocks.push(b);
                } else if let Some(i) = self.blocks.iter().position(|x| *x == b) {
                    self.blocks.remove(i);
                }
            }
            FaultKind::CpuSlowdown { site, tier, index, factor } => {
                let id = self.node_id(site, tier, index);
                self.nodes[id as usize].cpu.set_slowdown(if start { factor } else { 1.0 });
            }
            FaultKind::Latency { extra, between_sites } => {
                let d = if start { extra } else { SimDuration::ZERO };
                if between_sites {
                    self.extra_latency.inter_site = d;
                } else {
                    self.extra_latency.intra_site = d;
                }
            }
            FaultKind::Scale { .. } => unreachable!("scaling is refused before the run"),
        }
    }
}
