//! `cwsim run`: scenario → replications → rendered outputs. No printing here; the CLI
//! decides what to show.

use crate::engine::RunControl;
use crate::model::clearwater;
use crate::model::queue::{self, QueueParams};
use crate::report::{self, OutputFiles};
use crate::scenario::{ModelKind, Scenario};
use crate::sweep::replicate;

/// What a finished (or interrupted) run produced.
pub struct RunOutcome {
    pub files: OutputFiles,
    pub interrupted: bool,
    pub events: u64,
}

/// Runs every replication of `scenario` on `threads` threads and renders the outputs.
pub fn execute(scenario: &Scenario, threads: Option<usize>, control: &RunControl) -> anyhow::Result<RunOutcome> {
    match scenario.simulation.model {
        ModelKind::Queue => {
            let params = QueueParams::from_scenario(scenario);
            let results =
                replicate(scenario.simulation.replications, threads, |rep| queue::run(&params, rep, control))?;
            Ok(RunOutcome {
                interrupted: results.iter().any(|r| r.interrupted),
                events: results.iter().map(|r| r.events).sum(),
                files: report::queue::render(scenario, &results),
            })
        }
        ModelKind::Clearwater => {
            let missing = clearwater::unsupported_faults(scenario);
            anyhow::ensure!(
                missing.is_empty(),
                "scenario {}: these fault kinds are not simulated by this build: {}",
                scenario.name,
                missing.join(", ")
            );
            let results =
                replicate(scenario.simulation.replications, threads, |rep| clearwater::run(scenario, rep, control))?;
            Ok(RunOutcome {
                interrupted: results.iter().any(|r| r.interrupted),
                events: results.iter().map(|r| r.events).sum(),
                files: report::clearwater::render(scenario, &results),
            })
        }
    }
}
