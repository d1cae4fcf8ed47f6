//! What the Clearwater world measures: per request type at the UE (counts, failures by
//! cause, latency histograms), operation counts at the servers, and per-node samples every
//! `sample_interval`.

use super::flows::{ChronosOp, HttpOp, McOp, Method, Step};
use super::ids::NodeId;
use super::txn::{FailCause, PerCause, PerReq, ReqType};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::LatencyHistogram;
use crate::model::load_monitor::{LoadMonitor, Totals};

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReqCounts {
    pub started: u64,
    pub ok: u64,
    pub failed: PerCause<u64>,
}

impl ReqCounts {
    pub fn ended(&self) -> u64 {
        self.ok + self.failed.iter().sum::<u64>()
    }
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ReqStats {
    pub counts: ReqCounts,
    pub latency: LatencyHistogram,
}

/// Operations served, by kind (after warm-up).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpCounts {
    /// Indexed by `HttpOp as usize`.
    pub http: [u64; 8],
    /// Indexed by `McOp as usize`.
    pub memcached: [u64; 5],
    /// Indexed by `ChronosOp as usize`.
    pub chronos: [u64; 3],
}

impl OpCounts {
    pub fn http_op(&self, op: HttpOp) -> u64 {
        self.http[op as usize]
    }
    pub fn mc_op(&self, op: McOp) -> u64 {
        self.memcached[op as usize]
    }
    pub fn chronos_op(&self, op: ChronosOp) -> u64 {
        self.chronos[op as usize]
    }
    pub fn homestead_total(&self) -> u64 {
        self.http.iter().sum::<u64>() - self.http_op(HttpOp::Simservs)
    }
    pub fn memcached_total(&self) -> u64 {
        self.memcached.iter().sum()
    }
    pub fn chronos_total(&self) -> u64 {
        self.chronos.iter().sum()
    }
}

/// One row of `timeseries.csv`: a node over one sample interval.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NodeRow {
    pub time: SimTime,
    pub node: NodeId,
    /// Busy fraction of the node's cores over the interval.
    pub cpu: f64,
    pub queue: u32,
    /// Mean latency (queue wait + timed CPU) of messages completed in the interval, ms.
    pub latency_ms: Option<f64>,
    pub requests: u64,
    pub rejected: u64,
    /// Sprout: binding timers held ÷ replication factor (Clearwater's stateful statistic).
    pub registrations: f64,
    /// Sprout: Chronos timers held (binding and challenge).
    pub chronos_timers: u64,
    /// Bono: upstream connections per Sprout.
    pub connections: Vec<(NodeId, u32)>,
    /// The node's LoadMonitor, if it has one.
    pub throttle: Option<ThrottleRow>,
    /// Sprout nodes: the LoadMonitor of the Chronos beside it.
    pub chronos: Option<ThrottleRow>,
}

/// A LoadMonitor's state at a sample and its counts over the interval.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThrottleRow {
    /// The permitted request rate (tokens/s).
    pub token_rate: f64,
    pub smoothed_latency_ms: f64,
    pub admitted: u64,
    pub rejected: u64,
    pub penalties: u64,
}

/// One row of `requests.csv`: what UEs saw of one request type over one sample interval.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RequestRow {
    pub time: SimTime,
    pub kind: ReqType,
    pub counts: ReqCounts,
}

/// What the model counts besides requests and operations (after warm-up).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counters {
    /// SIP requests received by Sprouts.
    #[serde(skip)]
    pub sprout_requests: u64,
    #[serde(skip)]
    pub mc_replica_writes: u64,
    pub timer_pops: u64,
    pub bindings_expired: u64,
    pub queue_timeouts: u64,
    pub calls_refused_by_limit: u64,
    /// Chronos LoadMonitor refusals (HTTP 503 to Sprout or to a replicating Chronos).
    #[serde(skip)]
    pub chronos_rejections: u64,
    /// Calls redialled after a failed INVITE (`[sip] call_retries`).
    pub call_redials: u64,
    pub http_failures: u64,
    pub memcached_failures: u64,
    pub timers_lost: u64,
    pub expiry_tasks_failed: u64,
    pub connection_resets: u64,
    /// Outbound UEs (`ue_mode = "rfc5626"`): registrations moved to the next target of the
    /// DNS answer, and dead flows found by a keepalive.
    pub ue_target_failovers: u64,
    /// SIP messages that found every Sprout worker thread busy and waited for one.
    pub worker_waits: u64,
    pub flow_failures_detected: u64,
    /// NOTIFYs Sprout sent to reg-event subscriptions (`[sip] reg_event_expires`).
    pub notifies_sent: u64,
    /// LoadMonitor refusals by tier (`Tier as usize`) and SIP method (`Method as usize`).
    #[serde(skip)]
    pub throttle_rejections: [[u64; Method::COUNT]; 5],
    /// Homestead's LoadMonitor refusals (HTTP 503).
    #[serde(skip)]
    pub homestead_rejections: u64,
    #[serde(skip)]
    pub hss_timeouts: u64,
    /// Elastic scaling: nodes added and removed, and the resynchronisation it caused.
    pub nodes_added: u64,
    pub nodes_removed: u64,
    pub resync_timers: u64,
    pub resync_records: u64,
    pub resync_pages: u64,
    /// Binding timers that exist but that no live Chronos replica holds (set at the end of
    /// the run): they will never fire.
    #[serde(rename = "timers_orphaned_at_end")]
    pub timers_orphaned: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub measuring: bool,
    /// After warm-up.
    pub req: PerReq<ReqStats>,
    /// The whole run (for conservation checks).
    pub req_total: PerReq<ReqCounts>,
    pub ops: OpCounts,
    /// Event counters (after warm-up).
    pub counters: Counters,
    /// Latency of every message a Sprout worker finished, excluding blocking I/O (queue
    /// waits + timed CPU; after warm-up).
    pub sprout_latency: LatencyHistogram,
    /// The same including the time the worker was blocked on I/O.
    pub sprout_latency_with_io: LatencyHistogram,
    pub rows: Vec<NodeRow>,
    pub request_rows: Vec<RequestRow>,
    /// Whole-run counters at the previous sample (to difference per interval).
    pub req_at_last_sample: PerReq<ReqCounts>,
}

impl Stats {
    pub fn started(&mut self, t: ReqType) {
        self.req[t].counts.started += 1;
        self.req_total[t].started += 1;
    }

    /// `measured`: the request started after warm-up (its start is in `req`).
    pub fn succeeded(&mut self, t: ReqType, latency: SimDuration, measured: bool) {
        if measured {
            let r = &mut self.req[t];
            r.counts.ok += 1;
            r.latency.record(latency);
        }
        self.req_total[t].ok += 1;
    }

    pub fn failed(&mut self, t: ReqType, cause: FailCause, measured: bool) {
        if measured {
            self.req[t].counts.failed[cause] += 1;
        }
        self.req_total[t].failed[cause] += 1;
    }

    pub fn count_op(&mut self, step: Step) {
        match step {
            Step::Http(op) => self.ops.http[op as usize] += 1,
            Step::Mc(op, _) => self.ops.memcached[op as usize] += 1,
            Step::Chronos(op, _) => self.ops.chronos[op as usize] += 1,
        }
    }

    pub fn count_sprout_request(&mut self) {
        self.counters.sprout_requests += 1;
    }

    /// Forgets everything measured during warm-up (the whole-run totals stay).
    pub fn restart(&mut self) {
        self.measuring = true;
        self.req = Default::default();
        self.ops = OpCounts::default();
        self.counters = Counters::default();
        self.sprout_latency = LatencyHistogram::new();
        self.sprout_latency_with_io = LatencyHistogram::new();
    }
}

/// A LoadMonitor's row for the interval since `at_sample` (which moves on to now).
pub fn throttle_row(lm: Option<&LoadMonitor>, at_sample: &mut Totals) -> Option<ThrottleRow> {
    let lm = lm?;
    let (t, last) = (lm.totals(), *at_sample);
    *at_sample = t;
    Some(ThrottleRow {
        token_rate: lm.rate() as f64,
        smoothed_latency_ms: lm.smoothed_latency_us() as f64 / 1e3,
        admitted: t.admitted - last.admitted,
        rejected: t.rejected - last.rejected,
        penalties: t.penalties - last.penalties,
    })
}
