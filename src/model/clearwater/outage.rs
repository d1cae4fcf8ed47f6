//! Outage accounting: per subscriber, the intervals during which it could not place or
//! receive a call, derived from what it can do rather than from which event happened. A
//! subscriber is in service while all three hold:
//! - its edge works: the node it is connected to is up (a failed edge starts an outage that
//!   ends only when it registers again, through a working node: until then calls cannot
//!   reach it);
//! - its edge Bono has a path on: a connection to a live, reachable Sprout (without Bono,
//!   the edge is the Sprout itself);
//! - it has a valid binding in a store a Sprout can read (its registration has not lapsed
//!   and the copies have not all been lost).
//!
//! Counted from the first fault on; outage_watch.rs and the behaviour files report each
//! change.

use super::ids::UeId;
use crate::engine::SimTime;

/// Why a subscriber could not place or receive calls.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum OutageCause {
    /// The node it was connected to failed.
    EdgeFailure,
    /// Its registration lapsed, or every copy of it was lost.
    BindingExpired,
    /// Its Bono had no working connection to any Sprout.
    NoSproutPath,
}

impl OutageCause {
    pub fn name(self) -> &'static str {
        match self {
            OutageCause::EdgeFailure => "edge-failure",
            OutageCause::BindingExpired => "binding-expired",
            OutageCause::NoSproutPath => "no-sprout-path",
        }
    }

    fn bit(self) -> u8 {
        match self {
            OutageCause::EdgeFailure => 1,
            OutageCause::BindingExpired => 2,
            OutageCause::NoSproutPath => 4,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Per subscriber: since when it is out (`SimTime::MAX`: in service), why it went out,
    /// and which conditions fail now (`OutageCause` bits).
    since: Vec<SimTime>,
    cause: Vec<OutageCause>,
    down: Vec<u8>,
    /// Per subscriber: the generation of its pending binding check.
    check_gen: Vec<u32>,
    /// Per node: whether a Bono has a working path to a Sprout (others: true).
    path_ok: Vec<bool>,
    /// Outages that ended, in the order they ended.
    records: Vec<Outage>,
}

impl Outages {
    pub fn tracking(&self) -> bool {
        self.tracking
    }

    /// Outages count from the first fault on.
    pub fn start_tracking(&mut self, subscribers: usize, nodes: usize) {
        if !self.tracking {
            self.tracking = true;
            self.since = vec![SimTime::MAX; subscribers];
            self.cause = vec![OutageCause::EdgeFailure; subscribers];
            self.down = vec![0; subscribers];
            self.check_gen = vec![0; subscribers];
            self.path_ok = vec![true; nodes];
        }
    }

    /// A condition of `ue`'s service fails (the outage starts if it was in service).
    pub fn begin(&mut self, ue: UeId, at: SimTime, cause: OutageCause) {
        if !self.tracking {
            return;
        }
        let u = ue as usize;
        if self.down[u] == 0 {
            self.since[u] = at;
            self.cause[u] = cause;
        }
        self.down[u] |= cause.bit();
    }

    /// A condition of `ue`'s service holds again (the outage ends if none fails).
    pub fn restore(&mut self, ue: UeId, at: SimTime, cause: OutageCause) {
        if !self.tracking {
            return;
        }
        let u = ue as usize;
        let was = self.down[u];
        self.down[u] &= !cause.bit();
        if was != 0 && self.down[u] == 0 {
            // A condition that failed and held again at the same instant cost no service.
            if at > self.since[u] {
                self.records.push(Outage { ue, start: self.since[u], end: at, cause: self.cause[u], open: false });
            }
            self.since[u] = SimTime::MAX;
        }
    }

    /// `ue` registered: its edge and its Bono's path worked, and its binding is fresh.
    pub fn registered(&mut self, ue: UeId, at: SimTime) {
        if !self.tracking {
            return;
        }
        self.restore(ue, at, OutageCause::NoSproutPath);
        self.restore(ue, at, OutageCause::BindingExpired);
        self.restore(ue, at, OutageCause::EdgeFailure);
    }

    /// A new binding check for `ue`: its generation (older checks are stale).
    pub fn next_check(&mut self, ue: UeId) -> u32 {
        let g = &mut self.check_gen[ue as usize];
        *g = g.wrapping_add(1);
        *g
    }

    pub fn check_is_current(&self, ue: UeId, gen: u32) -> bool {
        self.tracking && self.check_gen[ue as usize] == gen
    }

    /// Whether Bono `node` had a working path at the last look.
    pub fn path_ok(&self, node: u16) -> bool {
        self.path_ok.get(node as usize).copied().unwrap_or(true)
    }

    /// Records a Bono's path; `true` if it changed.
    pub fn set_path_ok(&mut self, node: u16, ok: bool) -> bool {
        if self.path_ok.len() <= node as usize {
            self.path_ok.resize(node as usize + 1, true);
        }
        std::mem::replace(&mut self.path_ok[node as usize], ok) != ok
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
