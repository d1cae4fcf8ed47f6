//! Shared by the fuzz targets: run a valid scenario, clamped small, and accept any
//! outcome but a panic.

use cwsim::engine::RunControl;
use cwsim::scenario::Scenario;

/// Larger runs are skipped, not run: the fuzzer is after panics, not out-of-memory kills.
const MEMORY_MAX: u64 = 256 << 20;

pub fn run_clamped(mut s: Scenario) {
    s.simulation.max_events = 20_000;
    s.simulation.replications = s.simulation.replications.min(2);
    if cwsim::resources::run_memory(&s, 1).bytes > MEMORY_MAX {
        return;
    }
    // Ok (completed), Err (event budget, stall, invariant) — all fine; only a panic fails.
    let _ = cwsim::run::execute(&s, Some(1), &RunControl::default());
}
