//! A SIPp load's state: the calls each source has running (a script position per call),
//! each source's pace, and SIPp's own counters. Plain data; sipp_ue.rs runs the scripts.

use super::ids::UeId;
use crate::engine::SimTime;
use crate::model::slab::{Key, Slab};
use crate::sipp::eval::{ActionFailure, Env, Value};
use crate::sipp::script::VarId;

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
    /// The injection-file line (or call number) the call was made with.
    pub line: u32,
    /// The `-users` user placing it (1-based; 0 without `-users`).
    pub user: u32,
    /// SIPp's `[call_number]`: the source's calls created before this one, plus one.
    pub number: u64,
    /// The scenario's variables (empty when it has none: nothing allocated).
    pub vars: Vec<Value>,
    /// The first action check that failed: the call goes on and is counted failed with
    /// this reason when it ends (SIPp's `last_action_result`).
    pub action_failure: Option<ActionFailure>,
    /// SIPp's `[cseq]`: incremented by each request sent other than ACK.
    pub cseq: u32,
    /// The UDP retransmission timer of the last send with `retrans`, if running.
    pub retrans: Option<Retrans>,
    /// A final response dropped by `lost`, sent again by the deployment when the request is
    /// retransmitted (its transaction answers a retransmission with its last response).
    pub dropped: Option<u16>,
    /// Since when a send has been waiting to go (a send timeout runs).
    pub blocked: Option<SimTime>,
}

impl SippCall {
    /// What substituting message text needs from this call of source `src` at `now`: its
    /// injection line, the source's keys, `[call_number]`, `[cseq]`, the time.
    pub fn env<'a>(&self, src: &'a crate::scenario::sipp_load::SippSource, now: SimTime) -> Env<'a> {
        let fields: &[String] = src.inf.as_ref().map_or(&[], |inf| &inf.lines[self.line as usize % inf.lines.len()]);
        Env {
            fields,
            keys: &src.keys,
            call_number: self.number,
            cseq: self.cseq as u64,
            now_us: now.since(SimTime::ZERO).as_ns() / 1_000,
        }
    }
}

/// How often a blocked send tries again (SIPp retries on its scheduler's next pass).
pub const SEND_RETRY: crate::engine::SimDuration = crate::engine::SimDuration::from_ms(10);

/// SIPp's retransmission timer of one send [src sipp: call.cpp]: T1 = `retrans`, doubled
/// on each expiry (capped at T2 = 4 s for non-INVITE), at most 5 retransmissions for an
/// INVITE and 9 for anything else, then FailedMaxUDPRetrans.
#[derive(Clone, Copy, Debug)]
pub struct Retrans {
    /// The send step.
    pub step: u16,
    pub delay_ms: u32,
    pub count: u8,
    pub invite: bool,
    /// The message never left (dropped by `lost`): a retransmission starts the procedure.
    pub unsent: bool,
    /// Only the timer event with this number counts.
    pub gen: u32,
}

/// SIPp's T2 and retransmission limits (`DEFAULT_T2_TIMER_VALUE`,
/// `UDP_MAX_RETRANS_INVITE_TRANSACTION`, `UDP_MAX_RETRANS_NON_INVITE_TRANSACTION`).
pub const T2_MS: u32 = 4000;
pub const MAX_RETRANS_INVITE: u8 = 5;
pub const MAX_RETRANS_OTHER: u8 = 9;

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
    pub failed: [u64; Failure::ALL.len()],
    /// SIPp's Retransmissions counter.
    pub retransmissions: u64,
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
    TimeoutOnSend,
    RegexpDoesntMatch,
    RegexpShouldntMatch,
    RegexpHdrNotFound,
    TestDoesntMatch,
    TestShouldntMatch,
    StrcmpDoesntMatch,
    StrcmpShouldntMatch,
    /// Steps ran without waiting more than `STEPS_WITHOUT_WAIT_MAX` times in a row (a `next`
    /// or `jump` loop of nops: SIPp would spin); counted in FailedCall only.
    Loop,
}

/// The most steps a call runs at one moment before it is ended as a loop.
pub const STEPS_WITHOUT_WAIT_MAX: u32 = 100_000;

impl Failure {
    pub const ALL: [Failure; 14] = [
        Failure::UnexpectedMessage,
        Failure::MaxUdpRetrans,
        Failure::TcpConnect,
        Failure::TimeoutOnRecv,
        Failure::OutboundCongestion,
        Failure::TimeoutOnSend,
        Failure::RegexpDoesntMatch,
        Failure::RegexpShouldntMatch,
        Failure::RegexpHdrNotFound,
        Failure::TestDoesntMatch,
        Failure::TestShouldntMatch,
        Failure::StrcmpDoesntMatch,
        Failure::StrcmpShouldntMatch,
        Failure::Loop,
    ];

    pub fn from_action(f: ActionFailure) -> Failure {
        match f {
            ActionFailure::RegexpDoesntMatch => Failure::RegexpDoesntMatch,
            ActionFailure::RegexpShouldntMatch => Failure::RegexpShouldntMatch,
            ActionFailure::RegexpHdrNotFound => Failure::RegexpHdrNotFound,
            ActionFailure::TestDoesntMatch => Failure::TestDoesntMatch,
            ActionFailure::TestShouldntMatch => Failure::TestShouldntMatch,
            ActionFailure::StrcmpDoesntMatch => Failure::StrcmpDoesntMatch,
            ActionFailure::StrcmpShouldntMatch => Failure::StrcmpShouldntMatch,
        }
    }

    /// The `-trace_stat` column stem.
    pub fn name(self) -> &'static str {
        match self {
            Failure::UnexpectedMessage => "FailedUnexpectedMessage",
            Failure::MaxUdpRetrans => "FailedMaxUDPRetrans",
            Failure::TcpConnect => "FailedTcpConnect",
            Failure::TimeoutOnRecv => "FailedTimeoutOnRecv",
            Failure::OutboundCongestion => "FailedOutboundCongestion",
            Failure::TimeoutOnSend => "FailedTimeoutOnSend",
            Failure::RegexpDoesntMatch => "FailedRegexpDoesntMatch",
            Failure::RegexpShouldntMatch => "FailedRegexpShouldntMatch",
            Failure::RegexpHdrNotFound => "FailedRegexpHdrNotFound",
            Failure::TestDoesntMatch => "FailedTestDoesntMatch",
            Failure::TestShouldntMatch => "FailedTestShouldntMatch",
            Failure::StrcmpDoesntMatch => "FailedStrcmpDoesntMatch",
            Failure::StrcmpShouldntMatch => "FailedStrcmpShouldntMatch",
            Failure::Loop => "FailedCall (steps looping without a wait)",
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
    /// Retransmissions of a send (`retrans`).
    pub retrans: u64,
    /// Messages dropped on purpose (`lost`).
    pub lost: u64,
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
    /// The expiry each subscriber's last SIPp REGISTER asked for (indexed by UE;
    /// `EXPIRES_UNSTATED` when it stated none).
    pub expires_s: Vec<u32>,
    /// Per source, the `-users` users not placing a call now.
    pub free_users: Vec<std::collections::VecDeque<u32>>,
    /// Per source, per user (user - 1), the values of the `<User variables>` in their
    /// order: copied into a call when the user places it and back when it ends (a user
    /// places one call at a time, so this is SIPp's shared per-user table exactly).
    pub user_vars: Vec<Vec<Vec<Value>>>,
    /// Per source, the values of the `<Global variables>` in their order, shared by all its
    /// calls: copied into a call's variables before it evaluates anything and back after
    /// its actions ran (the simulation runs one call at a time, so this is SIPp's shared
    /// table exactly).
    pub globals: Vec<Vec<Value>>,
    /// The last final status a UE transaction got (what the script's recv is matched with
    /// when the model ends a transaction as failed).
    pub last_status: u16,
}

impl SippRun {
    /// A source's `<User variables>` table: `count` values for each of its `users`
    /// (nothing when the script declares none).
    pub fn add_user_vars(&mut self, count: usize, users: usize) {
        let users = if count == 0 { 0 } else { users };
        self.user_vars.push(vec![vec![Value::Unset; count]; users]);
    }

    /// A new call of `call.user` (source `s`) starts with the values of the variables `ids`
    /// that the user's previous call left.
    pub fn user_vars_into(&self, s: usize, ids: &[VarId], call: &mut SippCall) {
        let Some(stored) = (call.user as usize).checked_sub(1).and_then(|u| self.user_vars[s].get(u)) else { return };
        for (id, v) in ids.iter().zip(stored) {
            if let Some(slot) = call.vars.get_mut(*id as usize) {
                *slot = v.clone();
            }
        }
    }

    /// A call of source `s` sees the global variables `ids` as they stand.
    pub fn globals_into(&self, s: usize, ids: &[VarId], vars: &mut [Value]) {
        for (id, v) in ids.iter().zip(&self.globals[s]) {
            if let Some(slot) = vars.get_mut(*id as usize) {
                slot.clone_from(v);
            }
        }
    }

    /// A call of source `s` ran actions: the global variables `ids` take its values.
    pub fn keep_globals(&mut self, s: usize, ids: &[VarId], vars: &[Value]) {
        for (slot, id) in self.globals[s].iter_mut().zip(ids) {
            if let Some(v) = vars.get(*id as usize) {
                slot.clone_from(v);
            }
        }
    }

    /// The ended call `c` of source `s` leaves its user's variables `ids` for the user's
    /// next call.
    pub fn keep_user_vars(&mut self, s: usize, ids: &[VarId], c: &SippCall) {
        let Some(stored) = (c.user as usize).checked_sub(1).and_then(|u| self.user_vars[s].get_mut(u)) else { return };
        for (slot, id) in stored.iter_mut().zip(ids) {
            *slot = c.vars.get(*id as usize).cloned().unwrap_or_default();
        }
    }
}
