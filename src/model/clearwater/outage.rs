//! Outage accounting: per subscriber, the intervals during which it could neither place nor
//! receive a call — its edge node had failed, or its registration had lapsed — until it
//! registered again through a working Bono. Counted from the first fault on.

use super::ids::UeId;
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

/// Every subscriber's outage state, from the first fault on (before it, nothing is kept).
#[derive(Clone, Debug, Default)]
pub struct Outages {
    tracking: bool,
    /// Per subscriber: since when it is unreachable (`SimTime::MAX`: reachable), and why.
    since: Vec<SimTime>,
    cause: Vec<OutageCause>,
    /// Outages that ended, in the order they ended.
    records: Vec<Outage>,
}

impl Outages {
    /// Outages count from the first fault on.
    pub fn start_tracking(&mut self, subscribers: usize) {
        if !self.tracking {
            self.tracking = true;
            self.since = vec![SimTime::MAX; subscribers];
            self.cause = vec![OutageCause::EdgeFailure; subscribers];
        }
    }

    /// `ue` can no longer place or receive calls (if it still could).
    pub fn begin(&mut self, ue: UeId, at: SimTime, cause: OutageCause) {
        if !self.tracking {
            return;
        }
        if self.since[ue as usize] == SimTime::MAX {
            self.since[ue as usize] = at;
            self.cause[ue as usize] = cause;
        }
    }

    /// `ue` registered successfully through a working path.
    pub fn end(&mut self, ue: UeId, at: SimTime) {
        let Some(since) = self.since.get_mut(ue as usize) else { return };
        if *since != SimTime::MAX {
            let (start, cause) = (*since, self.cause[ue as usize]);
            self.records.push(Outage { ue, start, end: at, cause, open: false });
            *since = SimTime::MAX;
        }
    }

    /// Closes every outage still open at `end` and hands over all of them.
    pub fn finish(&mut self, end: SimTime) -> Vec<Outage> {
        for (ue, since) in self.since.iter_mut().enumerate() {
            if *since != SimTime::MAX {
                let cause = self.cause[ue];
                self.records.push(Outage { ue: ue as UeId, start: *since, end, cause, open: true });
                *since = SimTime::MAX;
            }
        }
        std::mem::take(&mut self.records)
    }
}
