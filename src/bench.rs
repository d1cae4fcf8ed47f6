//! Benchmarks run by `cwsim bench` and `cargo bench`: the figures the README reports.

use std::time::Instant;

use crate::engine::{Dist, RunControl, SimDuration, SimTime};
use crate::model::queue::{self, QueueParams};

/// One timed run.
#[derive(Clone, Debug)]
pub struct BenchRun {
    pub wall_s: f64,
    pub customers: u64,
    pub events: u64,
}

impl BenchRun {
    pub fn customers_per_s(&self) -> f64 {
        self.customers as f64 / self.wall_s
    }
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.wall_s
    }
}

/// Customers per run of the engine benchmark (`cwsim bench`'s default).
pub const ENGINE_CUSTOMERS: u64 = 10_000_000;

/// M/M/10 at ρ = 0.8 (λ = 8/s, μ = 1/s) until about `customers` have arrived, through the
/// real engine, service centre and statistics (HDR histograms, time averages).
pub fn mmc_params(customers: u64) -> QueueParams {
    let lambda = 8.0;
    QueueParams {
        servers: 10,
        interarrival: Dist::exp(SimDuration::from_secs_f64(1.0 / lambda)),
        service: Dist::exp(SimDuration::from_secs(1)),
        stop_arrivals: SimTime::MAX,
        end: SimTime::ZERO + SimDuration::from_secs_f64(customers as f64 / lambda),
        warmup_end: SimTime::ZERO,
        sample_interval: Some(SimDuration::from_secs(1000)),
        seed: 1,
        max_events: u64::MAX,
    }
}

pub fn mmc_once(customers: u64, seed: u64) -> BenchRun {
    let mut params = mmc_params(customers);
    params.seed = seed;
    let start = Instant::now();
    let r = queue::run(&params, 0, &RunControl::default());
    let wall_s = start.elapsed().as_secs_f64();
    BenchRun { wall_s, customers: r.arrivals, events: r.events }
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Resident-set figures of this process from /proc (Linux); `None` elsewhere.
pub fn memory_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field =
        |name: &str| status.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse::<u64>().ok();
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// One timed run of replication 0 of a Clearwater scenario, single-threaded.
pub fn scenario_once(s: &crate::scenario::Scenario) -> BenchRun {
    let start = Instant::now();
    let r = crate::model::clearwater::run(s, 0, &RunControl::default());
    BenchRun { wall_s: start.elapsed().as_secs_f64(), customers: r.subscribers, events: r.events }
}
