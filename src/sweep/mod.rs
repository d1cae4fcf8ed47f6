//! Replications and parameter sweeps across threads.

pub mod chart;
pub mod grid;
pub mod html;
pub mod output;
pub mod rank;
pub mod replicate;

pub use replicate::replicate;
