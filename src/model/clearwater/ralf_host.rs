//! Ralf's view of the deployment: the world as `ralf::Host`, and how Sprout and Bono run
//! Ralf's handlers.

use super::events::{Class, Ev, Job};
use super::ids::NodeId;
use super::ralf::{self, Ralf};
use super::reachability::Path;
use super::world::World;
use crate::engine::{Dist, EventQueue, SimDuration, SimTime};
use crate::scenario::Tier;
use rand::Rng as _;

impl World {
    /// Whether Sprout and Bono report billable events (some site has Ralf nodes).
    pub fn billing(&self) -> bool {
        self.ralf.as_ref().is_some_and(|r| r.enabled())
    }

    /// Runs a Ralf handler with the world as its host.
    pub fn with_ralf<T>(&mut self, q: &mut EventQueue<Ev>, f: impl FnOnce(&mut Ralf, &mut RalfHost) -> T) -> T {
        let mut ralf = self.ralf.take().expect("Ralf handlers do not nest");
        let out = f(&mut ralf, &mut RalfHost { w: self, q });
        self.ralf = Some(ralf);
        out
    }
}

/// The world as Ralf sees it (`ralf::Host`).
pub struct RalfHost<'a> {
    w: &'a mut World,
    q: &'a mut EventQueue<Ev>,
}

impl ralf::Host for RalfHost<'_> {
    fn now(&self) -> SimTime {
        self.q.now()
    }
    fn schedule_in(&mut self, after: SimDuration, ev: Ev) {
        self.q.schedule_in(after, ev);
    }
    fn submit(&mut self, node: NodeId, job: Job, demand: SimDuration, class: Class) {
        self.w.submit(self.q, node, job, demand, class);
    }
    fn draw(&mut self, node: NodeId, dist: &Dist) -> SimDuration {
        dist.sample(&mut self.w.nodes[node].rng)
    }
    fn pick(&mut self, node: NodeId, n: usize) -> usize {
        self.w.nodes[node].rng.random_range(0..n)
    }
    fn node_delay(&mut self, from: NodeId, to: NodeId) -> SimDuration {
        self.w.node_delay(from, to)
    }
    fn path(&self, from: NodeId, to: NodeId, iface: &crate::network::ports::Interface) -> Path {
        self.w.path(Some(from), to, Some(iface))
    }
    fn site(&self, node: NodeId) -> u8 {
        self.w.nodes[node].site
    }
    fn tier(&self, node: NodeId) -> Tier {
        self.w.nodes[node].tier
    }
    fn up(&self, node: NodeId) -> bool {
        self.w.nodes[node].up
    }
    fn ralf_nodes(&self, site: u8) -> Vec<NodeId> {
        self.w.topo.nodes(site, Tier::Ralf).iter().copied().filter(|n| !self.w.retired.contains(n)).collect()
    }
    fn admit_http(&mut self, node: NodeId) -> bool {
        let now = self.q.now();
        let n = &mut self.w.nodes[node];
        n.window.requests += 1;
        let admitted = n.throttle.as_mut().is_none_or(|lm| lm.admit(now, false));
        if !admitted {
            n.window.rejected += 1;
        }
        admitted
    }
}
