//! How a SIP outbound UE (`sip.ue_mode = "rfc5626"`) recovers from a failed edge: RFC 3263
//! target failover within the DNS answer, RFC 5626 flow-failure detection by CRLF
//! keepalive, and RFC 5626's exponential back-off once every target has failed. In
//! `documented` mode none of this happens (the assumptions of doc 8.46.3's estimate).

use super::events::Ev;
use super::ids::{NodeId, UeId};
use super::reachability::Path;
use super::txn::FailCause;
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::scenario::UeMode;
use rand::Rng as _;

/// RFC 5626 §4.4.1: the keepalive interval's upper bound for TCP (120 s), the lower bound
/// 20% less; a flow without a pong 10 s after the ping has failed.
const KEEPALIVE_MAX: SimDuration = SimDuration::from_secs(120);
const PONG_TIMEOUT: SimDuration = SimDuration::from_secs(10);
/// RFC 5626 §4.5: the back-off's max-time.
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(1800);

impl World {
    pub(super) fn outbound(&self) -> bool {
        self.p.sip.ue_mode == UeMode::Rfc5626
    }

    /// The edge a registration procedure tries next: the first time a random one of the
    /// `n` in the answer, then each of the others in turn.
    pub(super) fn next_target(&mut self, ue: UeId, n: usize) -> usize {
        if self.ues[ue].tried == 0 {
            let mut rng = self.ue_rng(ue);
            self.ues[ue].first = rng.random_range(0..n.min(1 << 16)) as u16;
        }
        let u = &self.ues[ue];
        (u.first as usize + u.tried as usize) % n
    }

    /// A registration attempt failed with `cause`. An outbound UE treats a transport error
    /// or a timeout as the flow's failure and moves to the next target of its answer
    /// (`true`: the procedure goes on); otherwise, or when every target has been tried, the
    /// procedure has failed.
    pub(super) fn register_attempt_failed(&mut self, q: &mut EventQueue<Ev>, ue: UeId, cause: FailCause) -> bool {
        if !self.outbound() || !matches!(cause, FailCause::Transport | FailCause::Timeout) {
            return false;
        }
        let answer = self.edge_answer(self.ues[ue].dns.value);
        let u = &mut self.ues[ue];
        if u.tried == 0 {
            // The procedure began on an existing connection: go on from its edge.
            u.first = answer.iter().position(|&n| n == u.edge).unwrap_or(0) as u16;
        }
        u.connected = false;
        u.flow_authenticated = false;
        u.tried = u.tried.saturating_add(1);
        if u.tried as usize >= answer.len() {
            return false;
        }
        self.stats.counters.ue_target_failovers += 1;
        self.ue_pick_edge(q, ue);
        true
    }

    /// How long `ue` waits before its next registration procedure after a failed one
    /// (drawn from its stream): `register_retry`, or for an outbound UE RFC 5626's doubling
    /// back-off from that base.
    pub(super) fn register_backoff(&mut self, ue: UeId) -> SimDuration {
        let mut rng = self.ue_rng(ue);
        let base = self.p.sip.register_retry.sample(&mut rng);
        if !self.outbound() {
            return base;
        }
        let u = &mut self.ues[ue];
        u.failures = u.failures.saturating_add(1);
        let doubling = 1u64 << (u.failures - 1).min(20);
        let upper = SimDuration::from_ns(base.as_ns().saturating_mul(doubling)).min(BACKOFF_MAX);
        upper.saturating_mul_f64(rng.random_range(0.5..1.0))
    }

    /// `edge` died without a word: an outbound UE connected to it notices at its next
    /// keepalive, a uniformly random point of its 96–120 s cycle, 10 s after the ping.
    pub(super) fn watch_flow(&mut self, q: &mut EventQueue<Ev>, ue: UeId, edge: NodeId) {
        if !self.outbound() || !self.ues[ue].connected {
            return;
        }
        let mut rng = self.ue_rng(ue);
        let interval = KEEPALIVE_MAX.saturating_mul_f64(rng.random_range(0.8..1.0));
        let next_ping = interval.saturating_mul_f64(rng.random::<f64>());
        q.schedule_in(next_ping + PONG_TIMEOUT, Ev::UeFlowCheck { ue, edge });
    }

    /// The keepalive's pong is due: if the UE is still on `edge` and it cannot be reached,
    /// the flow has failed and the UE re-forms it.
    pub fn ue_flow_check(&mut self, q: &mut EventQueue<Ev>, ue: UeId, edge: NodeId) {
        let u = &self.ues[ue];
        if u.edge != edge || !u.connected || self.path(None, edge, None) == Path::Open {
            return;
        }
        self.stats.counters.flow_failures_detected += 1;
        self.ue_conn_lost(q, ue);
    }
}
