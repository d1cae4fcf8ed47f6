//! cwsim: a discrete-event simulator of a Project Clearwater IMS deployment.
//!
//! See ARCHITECTURE.md for the bird's-eye view and the code map.

pub mod analysis;
pub mod bench;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod network;
pub mod plan;
pub mod ports;
pub mod report;
pub mod resources;
pub mod run;
pub mod scenario;
pub mod shard;
pub mod sipp;
pub mod sweep;
pub mod until_ci;
