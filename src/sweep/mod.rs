//! Replications and parameter sweeps across threads.

pub mod grid;
pub mod replicate;

pub use replicate::replicate;
