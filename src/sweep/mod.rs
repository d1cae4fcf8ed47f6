//! Replications (and, later, parameter sweeps and shards) across threads.

pub mod replicate;

pub use replicate::replicate;
