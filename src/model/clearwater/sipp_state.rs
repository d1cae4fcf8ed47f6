//! A SIPp load's state: the calls each source has running (a script position per call),
//! each source's pace, and SIPp's own counters. Plain data; sipp_ue.rs runs the scripts.

use super::ids::UeId;
use crate::engine::SimTime;
use crate::model::slab::{Key, Slab};

/// One SIPp call: a run of a source's script by one subscriber.
#[derive(Clone, Debug)]
pub struct SippCall {
    pub source: u8,
    pub ue: UeId,
    /// The subscriber an INVITE calls (the paired one).
    pub callee: UeId,
    /// The step it is at.
    pub pc: u16,
    /// The deployment's call it placed (INVITE, BYE), or none.
    pub call: Key,
    /// Timers (pause, recv timeout) carry this; a stale one is ignored.
    pub gen: u32,
    /// Waiting out a pause (else a pending timer is a recv's timeout).
    pub paused: bool,
    pub started: SimTime,
    /// When each of the script's response-time measures started (SIPp keeps at most
    /// `RTDS_MAX`), and which were recorded already.
    pub rtd_start: [SimTime; RTDS_MAX],
    pub rtd_done: u8,
}

/// SIPp's limit on a scenario's response-time measures.
pub const RTDS_MAX: usize = 5;

/// A sum of durations (count, sum and sum of squares in ns): SIPp's average and standard
/// deviation columns, exact in integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timing {
    pub count: u64,
    pub sum_ns: u128,
    pub sum_sq: u128,
}

impl Timing {
    pub fn record(&mut self, ns: u64) {
        self.count += 1;
        self.sum_ns += ns as u128;
        self.sum_sq += (ns as u128) * (ns as u128);
    }

    /// The part of `self` after `earlier`.
    pub fn since(&self, earlier: &Timing) -> Timing {
        Timing {
            count: self.count - earlier.count,
            sum_ns: self.sum_ns - earlier.sum_ns,
            sum_sq: self.sum_sq - earlier.sum_sq,
        }
    }

    pub fn mean_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64
        }
    }

    /// Population standard deviation, as SIPp computes it.
    pub fn stdev_ns(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let mean = self.mean_ns();
        (self.sum_sq as f64 / self.count as f64 - mean * mean).max(0.0).sqrt()
    }
}

/// A source's cumulative counters at one moment (SIPp's (C) columns; a (P) column is the
/// difference of two of these).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub created: u64,
    pub successful: u64,
    pub failed: [u64; 5],
    pub live: u64,
    /// Per response-time measure.
    pub rtd: Vec<Timing>,
    /// Per response-time measure, calls per repartition bin (`bounds.len() + 1` bins).
    pub rtd_bins: Vec<Vec<u64>>,
    /// Successful calls' lengths.
    pub call_length: Timing,
    pub call_length_bins: Vec<u64>,
}

/// Why a SIPp call failed, as SIPp's statistics name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    UnexpectedMessage,
    MaxUdpRetrans,
    TcpConnect,
    TimeoutOnRecv,
    OutboundCongestion,
}

impl Failure {
    pub const ALL: [Failure; 5] = [
        Failure::UnexpectedMessage,
        Failure::MaxUdpRetrans,
        Failure::TcpConnect,
        Failure::TimeoutOnRecv,
        Failure::OutboundCongestion,
    ];

    /// The `-trace_stat` column stem.
    pub fn name(self) -> &'static str {
        match self {
            Failure::UnexpectedMessage => "FailedUnexpectedMessage",
            Failure::MaxUdpRetrans => "FailedMaxUDPRetrans",
            Failure::TcpConnect => "FailedTcpConnect",
            Failure::TimeoutOnRecv => "FailedTimeoutOnRecv",
            Failure::OutboundCongestion => "FailedOutboundCongestion",
        }
    }
}

/// Per step of a script, SIPp's screen counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepCounts {
    /// Messages sent (send) or received (recv); pauses and nops: calls that went through.
    pub passed: u64,
    pub timeouts: u64,
    pub unexpected: u64,
}

/// A source's counters over the run (SIPp's cumulative statistics).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceCounts {
    pub totals: Totals,
    /// Calls not started because `limit` calls were running.
    pub refused_by_limit: u64,
    pub steps: Vec<StepCounts>,
    /// `totals` at each sample time (for `sipp_stats.csv`).
    pub samples: Vec<(SimTime, Totals)>,
    /// Every response time measured: (when, how long, which measure), for `sipp_rtt.csv`
    /// (kept with `output.sipp_stats`, at most `RTT_ROWS_MAX`).
    pub rtt: Vec<(SimTime, u64, u16)>,
}

/// The most response-time rows kept per source.
pub const RTT_ROWS_MAX: usize = 1_000_000;

/// A source's pace.
#[derive(Clone, Debug, Default)]
pub struct SourcePace {
    /// Calls per second now (ramped by `rate_increase`).
    pub per_second: f64,
}

/// The SIPp load's whole state.
#[derive(Default)]
pub struct SippRun {
    pub calls: Slab<SippCall>,
    pub pace: Vec<SourcePace>,
    pub counts: Vec<SourceCounts>,
    /// The SIPp call each subscriber's registration belongs to (indexed by UE).
    pub registering: Vec<Key>,
    /// The last final status a UE transaction got (what the script's recv is matched with
    /// when the model ends a transaction as failed).
    pub last_status: u16,
}
