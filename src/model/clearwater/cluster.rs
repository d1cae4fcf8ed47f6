//! A site's memcached and Chronos clusters (on its Sprouts) while they are resized, as data:
//! the old and new membership, the replica sets memcached uses meanwhile, and the work the
//! resynchronisation still has to do. resync.rs runs it; scaling.rs starts it.
//!
//! - While a resize is in progress every Sprout's `cluster_settings` lists both the old
//!   `servers` and the `new_servers`. memcached's read and write set of a record is then the
//!   current primary, then the new replicas, then the rest of the current replicas (no node
//!   twice); reads try them in that order until one has the record, writes go to all
//!   [src cpp-common: memcachedstoreview.cpp].
//! - Astaire, on each node that gains records, streams them from their current replicas
//!   (the primary, then each backup in turn) [src astaire: astaire.cpp], its process held to
//!   `astaire_cpu_limit_percentage` of the node's CPU by `cpulimit`
//!   [doc 8.21; src astaire: astaire-throttle.conf].
//! - Chronos, on each node of the new cluster, asks every other node in turn for the timers
//!   it will hold, in pages of 100, one request at a time: the next page is asked for only
//!   once the previous one is processed and its DELETEs answered
//!   [src chronos: chronos_internal_connection.cpp]; the protocol is described in
//!   [src chronos: doc/design/resynchronization.md].

use super::ids::{NodeId, UeId, NO_NODE};
use crate::engine::SimTime;

/// Timers per Chronos resynchronisation response (`MAX_TIMERS_IN_RESPONSE`), and records
/// per Astaire chunk (the granularity at which the model applies Astaire's stream).
pub const RESYNC_PAGE: usize = 100;

/// memcached's replica set of a record during a resize: the current primary, the new
/// replicas, the other current replicas, without repeats (`NO_NODE` pads the rest).
pub fn resize_set(current: [NodeId; 2], new: [NodeId; 2]) -> ([NodeId; 4], usize) {
    let mut set = [NO_NODE; 4];
    let mut len = 0;
    for n in [current[0], new[0], new[1], current[1]] {
        if n != NO_NODE && !set[..len].contains(&n) {
            set[len] = n;
            len += 1;
        }
    }
    (set, len)
}

/// The position of `node` in a replica set.
pub fn position(set: &[NodeId], node: NodeId) -> Option<usize> {
    set.iter().position(|&n| n == node && n != NO_NODE)
}

/// Which positions of `to` hold a record, given which positions of `from` hold it.
pub fn remap(held: u8, from: &[NodeId], to: &[NodeId]) -> u8 {
    let mut out = 0;
    for (i, &n) in from.iter().enumerate() {
        if held & (1 << i) != 0 {
            if let Some(p) = position(to, n) {
                out |= 1 << p;
            }
        }
    }
    out
}

/// One node's Astaire: the records it streams in, as (subscriber, source node), in the
/// order it taps them (every record from its primary first, then from its backup).
#[derive(Clone, Debug, Default)]
pub struct Astaire {
    pub node: NodeId,
    pub work: Vec<(UeId, NodeId)>,
    /// Entries already streamed.
    pub next: usize,
    /// End of the chunk being streamed.
    pub chunk_end: usize,
    /// When the chunk being streamed started (its CPU paces the next one).
    pub chunk_started: SimTime,
    pub done: bool,
}

/// One node's Chronos resynchronisation: the nodes it asks, in order, and per node the
/// timers (by subscriber) that node may hand it.
#[derive(Clone, Debug, Default)]
pub struct ChronosResync {
    pub node: NodeId,
    pub servers: Vec<NodeId>,
    pub lists: Vec<Vec<UeId>>,
    /// The server being asked, and how far into its list the pages have got.
    pub server: usize,
    pub pos: usize,
    /// The page the server is preparing or the node is processing.
    pub page: Vec<UeId>,
    pub done: bool,
}

/// A resize of one site's Sprout clusters in progress.
#[derive(Clone, Debug, Default)]
pub struct Resize {
    /// `servers=`: the membership before the resize.
    pub servers: Vec<NodeId>,
    /// `new_servers=`: the membership after it.
    pub new_servers: Vec<NodeId>,
    pub astaire: Vec<Astaire>,
    pub chronos: Vec<ChronosResync>,
    /// Astaire's CPU limit as a fraction of one node's cores (0.05: 5% of the node).
    pub cpu_limit: f64,
    /// Scale-up: the DNS record changes once the resynchronisation is over.
    pub dns_after: bool,
    pub started: SimTime,
}

impl Resize {
    /// Every node in either membership, old ones first.
    pub fn all_nodes(&self) -> Vec<NodeId> {
        let mut all = self.servers.clone();
        all.extend(self.new_servers.iter().filter(|n| !self.servers.contains(n)));
        all
    }

    pub fn finished(&self) -> bool {
        self.astaire.iter().all(|a| a.done) && self.chronos.iter().all(|c| c.done)
    }
}

/// A resize as it ran: when it started and when its resynchronisation completed (then the
/// DNS record changed, on a scale-up).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResizeRecord {
    pub site: u8,
    pub nodes_before: u32,
    pub nodes_after: u32,
    pub started: SimTime,
    pub resynced: SimTime,
}

/// Elastic scaling's state: tier sizes before each `scale` fault (for `until`), the
/// resizes in progress per site, a resize asked for while another ran, and those done.
#[derive(Clone, Debug, Default)]
pub struct Scaling {
    pub before: Vec<u32>,
    pub resize: Vec<Option<Resize>>,
    pub pending: Vec<Option<(u32, u32)>>,
    pub done: Vec<ResizeRecord>,
}

impl Scaling {
    pub fn resizing(&self, site: u8) -> Option<&Resize> {
        self.resize.get(site as usize).and_then(|r| r.as_ref())
    }

    pub fn slot(&mut self, site: u8) -> &mut Option<Resize> {
        let i = site as usize;
        if self.resize.len() <= i {
            self.resize.resize(i + 1, None);
            self.pending.resize(i + 1, None);
        }
        &mut self.resize[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resize_set_is_current_primary_then_new_then_current_backups() {
        // cpp-common's view: [current primary] + [new replicas] + [rest of current].
        assert_eq!(resize_set([1, 2], [1, 3]), ([1, 3, 2, NO_NODE], 3));
        assert_eq!(resize_set([1, NO_NODE], [2, 1]), ([1, 2, NO_NODE, NO_NODE], 2));
        assert_eq!(resize_set([1, 2], [3, 4]), ([1, 3, 4, 2], 4));
        // Positions follow their nodes across views.
        assert_eq!(remap(0b01, &[1, NO_NODE], &[1, 2, NO_NODE, NO_NODE]), 0b01);
        assert_eq!(remap(0b110, &[1, 3, 2, NO_NODE], &[3, 2]), 0b11);
        assert_eq!(remap(0b01, &[1, 3, 2, NO_NODE], &[3, 2]), 0);
    }
}
