//! Outage accounting: per subscriber, the intervals during which it could neither place nor
//! receive a call — its edge node had failed, or its registration had lapsed — until it
//! registered again through a working Bono. Counted from the first fault on.

use super::ue::UeId;
use super::world::World;
use crate::engine::SimTime;

/// Why a subscriber could not place or receive calls.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutageCause {
    /// The node it was connected to failed.
    EdgeFailure,
    /// Its registration lapsed and was removed.
    BindingExpired,
}

impl OutageCause {
    pub fn name(self) -> &'static str {
        match self {
            OutageCause::EdgeFailure => "edge-failure",
            OutageCause::BindingExpired => "binding-expired",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    pub ue: UeId,
    pub start: SimTime,
    pub end: SimTime,
    pub cause: OutageCause,
    /// Still going at the end of the run (`end` is the end of the run).
    pub open: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Outages {
    pub tracking: bool,
    pub records: Vec<Outage>,
}

impl World {
    pub fn outage_begin(&mut self, ue: UeId, at: SimTime, cause: OutageCause) {
        if !self.outages.tracking {
            return;
        }
        let u = &mut self.ues[ue as usize];
        if u.out_since == SimTime::MAX {
            u.out_since = at;
            u.out_cause = cause;
        }
    }

    /// `ue` registered successfully through a working path.
    pub fn outage_end(&mut self, ue: UeId, at: SimTime) {
        let u = &mut self.ues[ue as usize];
        if u.out_since != SimTime::MAX {
            self.outages.records.push(Outage { ue, start: u.out_since, end: at, cause: u.out_cause, open: false });
            u.out_since = SimTime::MAX;
        }
    }

    /// Closes every outage still open at the end of the run.
    pub fn close_outages(&mut self, end: SimTime) {
        for ue in 0..self.ues.len() as UeId {
            let u = &mut self.ues[ue as usize];
            if u.out_since != SimTime::MAX {
                self.outages.records.push(Outage { ue, start: u.out_since, end, cause: u.out_cause, open: true });
                u.out_since = SimTime::MAX;
            }
        }
    }
}
