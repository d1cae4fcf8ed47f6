//! Admission at each throttled node: the LoadMonitor asked for every SIP message (Bono,
//! Sprout) or HTTP request (Chronos), told every completion and every penalty. The rules of
//! each era are in overload_policy.rs.

use super::ids::NodeId;
use super::overload_policy::refusable;
use super::world::World;
use crate::engine::SimTime;

impl World {
    /// A SIP message reaches a throttled Bono or Sprout: `false` if it is refused.
    #[inline]
    pub fn sip_admit(&mut self, node: NodeId, key: crate::model::slab::Key, now: SimTime) -> bool {
        let Some(lm) = self.nodes[node].throttle.as_mut() else { return true };
        let m = self.msgs.get(key).expect("live message");
        let can_refuse = refusable(lm.config().variant, m);
        let admitted = lm.admit(now, !can_refuse);
        if !admitted && can_refuse {
            self.nodes[node].window.rejected += 1;
            let tier = self.nodes[node].tier;
            self.stats.counters.throttle_rejections[tier as usize][m.method as usize] += 1;
            return false;
        }
        true
    }

    /// A throttled node finished a message or request after `latency_ns`.
    #[inline]
    pub fn throttle_complete(&mut self, node: NodeId, now: SimTime, latency_ns: u64) {
        if let Some(lm) = self.nodes[node].throttle.as_mut() {
            lm.complete(now, latency_ns / 1_000);
        }
    }

    /// An HTTP request reaches the Chronos on Sprout node `node`: `false` if refused (503).
    #[inline]
    pub fn chronos_admit(&mut self, node: NodeId, now: SimTime) -> bool {
        let Some(lm) = self.nodes[node].chronos_throttle.as_mut() else { return true };
        let admitted = lm.admit(now, false);
        if !admitted {
            self.stats.counters.chronos_rejections += 1;
        }
        admitted
    }

    /// Chronos on `node` answered a request that spent `latency_ns` in the node.
    #[inline]
    pub fn chronos_complete(&mut self, node: NodeId, now: SimTime, latency_ns: u64) {
        if let Some(lm) = self.nodes[node].chronos_throttle.as_mut() {
            lm.complete(now, latency_ns / 1_000);
        }
    }

    pub fn throttle_penalty(&mut self, node: NodeId) {
        if let Some(lm) = self.nodes[node].throttle.as_mut() {
            lm.penalty();
        }
    }
}
