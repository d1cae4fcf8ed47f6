//! Homer (XDMS): Sprout fetches a subscriber's MMTEL service settings (simservs) over HTTP
//! when an INVITE is routed to the MMTEL application server. Homer keeps the documents in
//! Cassandra: a request costs its CPU and a Cassandra read.

use super::ids::NodeId;
use super::world::World;
use crate::engine::SimDuration;

impl World {
    /// A simservs request reaches Homer `target`: its CPU demand.
    pub(super) fn homer_request(&mut self, target: NodeId) -> SimDuration {
        self.nodes[target].window.requests += 1;
        self.demand(target, |p| &p.costs.homer_request)
    }

    /// Homer finished the request's CPU work: the Cassandra read it adds.
    pub(super) fn homer_served(&mut self, server: NodeId) -> SimDuration {
        self.p.net.cassandra.sample(&mut self.nodes[server].rng)
    }
}
