//! Homer (XDMS): Sprout fetches a subscriber's MMTEL service settings (simservs) over HTTP
//! when an INVITE is routed to the MMTEL application server — for the caller and again for
//! the callee. Homer keeps the documents in Cassandra: a request costs its CPU and a
//! Cassandra read. With `"homer"` in `[throttling] tiers` it runs Crest's LoadMonitor and
//! answers 503 when refused (Sprout counts two 503s as a penalty, then carries on without
//! services). Crest times a request from its start to its end, the Cassandra read included
//! (tornado's `prepare` to `on_finish` [src crest: api/base.py]), in every era.

use super::events::Ev;
use super::ids::NodeId;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;

impl World {
    /// A simservs request reaches Homer `target`: its CPU demand, or `None` if Homer's
    /// LoadMonitor refused it (the 503 is on its way back).
    pub(super) fn homer_request(&mut self, q: &mut EventQueue<Ev>, key: Key, target: NodeId) -> Option<SimDuration> {
        let now = q.now();
        self.nodes[target].window.requests += 1;
        let admitted = self.nodes[target].throttle.as_mut().is_none_or(|lm| lm.admit(now, false));
        if !admitted {
            self.nodes[target].window.rejected += 1;
            let m = self.msgs.get(key).expect("live message");
            let (sprout, attempt) = (m.sprout(), m.attempt);
            self.refuse_op(q, key, target, sprout, attempt);
            return None;
        }
        // One Cassandra read for the document.
        Some(self.demand(target, |p| &p.costs.homer_request) + self.cassandra_cpu(target, 1))
    }

    /// Homer finished the request's CPU work after `in_node` in the node: the Cassandra read
    /// it adds. Its latency is reported now, read included.
    pub(super) fn homer_served(&mut self, server: NodeId, now: SimTime, in_node: SimDuration) -> SimDuration {
        let read = self.p.net.cassandra.sample(&mut self.nodes[server].rng);
        let latency = (in_node + read).as_ns();
        self.nodes[server].record_latency(latency);
        self.throttle_complete(server, now, latency);
        read
    }
}
