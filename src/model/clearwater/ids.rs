//! The identifiers the model's records refer to each other by.

use crate::model::slab::Key;

/// A node of the deployment (index into the world's nodes).
pub type NodeId = u16;
/// A subscriber (index into the world's subscribers).
pub type UeId = u32;

/// No node (a route role without one, a replica that does not exist).
pub const NO_NODE: NodeId = u16::MAX;
/// A key that never resolves (a message of no transaction or call).
pub const NO_KEY: Key = Key { idx: u32::MAX, gen: u32::MAX };
