//! The fault timeline: each `[[fault]]` starts at `at` and, with `until`, ends then.

use super::state::*;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::scenario::{Fault, FaultKind};

/// Fault kinds this build simulates; a scenario naming another is refused before it runs.
pub fn supported(kind: &FaultKind) -> bool {
    matches!(kind, FaultKind::DnsFailure | FaultKind::CpuSlowdown { .. } | FaultKind::Latency { .. })
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

    pub fn fault(&mut self, _q: &mut EventQueue<Ev>, index: u16, start: bool) {
        let kind = self.faults[index as usize].kind.clone();
        match kind {
            FaultKind::DnsFailure => self.dns.up = !start,
            FaultKind::CpuSlowdown { site, tier, index, factor } => {
                let id = self.topo.nodes(site as u8, tier)[index as usize];
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
            other => unreachable!("unsupported fault {other:?} is refused before the run"),
        }
    }
}
