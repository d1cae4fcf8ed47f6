//! Simulated worlds. `service_centre` is the CPU of every node.

pub mod clearwater;
pub mod load_monitor;
pub mod queue;
pub mod service_centre;
pub mod slab;
