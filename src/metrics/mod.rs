//! Measurement: latency histograms, time-weighted averages, replication estimates.

pub mod estimate;
pub mod histogram;
pub mod theory;
pub mod time_average;

pub use estimate::{estimate, Estimate, Level, Sample};
pub use histogram::LatencyHistogram;
pub use time_average::TimeAverage;
