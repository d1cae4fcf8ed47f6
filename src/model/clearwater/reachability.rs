//! Reachability: whether a message from one node to another gets through — the target's
//! state (up, crashed loudly or silently), a partition between sites, blocked ports.

use super::ids::NodeId;
use super::node::Node;
use crate::engine::SimDuration;
use crate::network::ports::Interface;
use crate::scenario::Tier;

/// The fate of a message sent to a node.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Path {
    Open,
    /// Connection refused or reset: the sender learns at once.
    Refused,
    /// Black-holed: the sender learns only by its own timers.
    Dropped,
}

/// A `block-port` rule in force: messages on this interface are dropped, as by a firewall
/// missing the rule.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub from: Tier,
    pub to: Tier,
    pub port: u16,
    pub between_sites: bool,
}

/// Added one-way latency, by scope.
#[derive(Clone, Debug, Default)]
pub struct ExtraLatency {
    pub intra_site: SimDuration,
    pub inter_site: SimDuration,
}

/// The network faults in force.
#[derive(Clone, Debug, Default)]
pub struct NetworkFaults {
    pub partitioned: bool,
    pub blocks: Vec<Block>,
    pub extra_latency: ExtraLatency,
}

/// The fate of a message from `from` (`None`: a UE) to `to`, on `iface` (`None`: a
/// response on an established connection, not filtered by port).
pub fn path(nodes: &[Node], net: &NetworkFaults, from: Option<NodeId>, to: NodeId, iface: Option<&Interface>) -> Path {
    let t = &nodes[to as usize];
    if !t.up {
        return if t.silent { Path::Dropped } else { Path::Refused };
    }
    if let Some(f) = from.filter(|&f| f != to) {
        // (Loopback traffic — a Sprout and its own memcached or Chronos — crosses no
        // network, so no partition or firewall rule applies to it.)
        let cross = nodes[f as usize].site != t.site;
        if cross && net.partitioned {
            return Path::Dropped;
        }
        if let Some(i) = iface {
            if net
                .blocks
                .iter()
                .any(|b| b.from == i.from && b.to == i.to && b.port == i.port && b.between_sites == cross)
            {
                return Path::Dropped;
            }
        }
    }
    Path::Open
}
