//! Simulated worlds. `service_centre` is the CPU of every node.

pub mod clearwater;
pub mod queue;
pub mod service_centre;
pub mod slab;
