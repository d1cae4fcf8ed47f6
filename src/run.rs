//! `cwsim run`: scenario → replications → rendered outputs. No printing here; the CLI
//! decides what to show.

use crate::engine::{RunControl, RunEnd, SimTime};
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

/// Refuses results of replications that stopped early for a reason other than Ctrl-C: the
/// run stops cleanly with the reason, and no output is written.
pub fn check_ends(scenario: &Scenario, ends: impl IntoIterator<Item = (u32, RunEnd, SimTime)>) -> anyhow::Result<()> {
    for (replication, end, at) in ends {
        let of = scenario.simulation.duration;
        match end {
            RunEnd::Completed | RunEnd::Interrupted => {}
            RunEnd::EventLimit => anyhow::bail!(
                "scenario {}: replication {replication} used its event budget (simulation.max_events = {}) at \
                 simulated time {:.3} s of {of}; nothing was written. Raise simulation.max_events or shorten the run",
                scenario.name,
                scenario.simulation.max_events,
                at.as_secs_f64()
            ),
            RunEnd::Stalled => anyhow::bail!(
                "scenario {}: replication {replication} stopped: simulated time stood still at {:.3} s (of {of}) \
                 for {} events; the scenario drives the model into a loop without progress; nothing was written",
                scenario.name,
                at.as_secs_f64(),
                crate::engine::STALL_EVENTS
            ),
        }
    }
    Ok(())
}

/// Runs every replication of `scenario` on `threads` threads and renders the outputs.
pub fn execute(scenario: &Scenario, threads: Option<usize>, control: &RunControl) -> anyhow::Result<RunOutcome> {
    match scenario.simulation.model {
        ModelKind::Queue => {
            let params = QueueParams::from_scenario(scenario);
            let results =
                replicate(scenario.simulation.replications, threads, |rep| queue::run(&params, rep, control))?;
            check_ends(scenario, results.iter().map(|r| (r.replication, r.end, r.stopped_at)))?;
            Ok(RunOutcome {
                interrupted: results.iter().any(|r| r.end == RunEnd::Interrupted),
                events: results.iter().map(|r| r.events).sum(),
                files: report::queue::render(scenario, &results),
            })
        }
        ModelKind::Clearwater => {
            let results =
                replicate(scenario.simulation.replications, threads, |rep| clearwater::run(scenario, rep, control))?;
            check_ends(scenario, results.iter().map(|r| (r.replication, r.end, r.stopped_at)))?;
            for r in results.iter().filter(|r| r.end == RunEnd::Completed) {
                r.check_invariants().map_err(|e| {
                    anyhow::anyhow!(
                        "scenario {}: replication {}: internal invariant broken ({e}); this is a bug in cwsim, \
                         nothing was written",
                        scenario.name,
                        r.replication
                    )
                })?;
            }
            Ok(RunOutcome {
                interrupted: results.iter().any(|r| r.end == RunEnd::Interrupted),
                events: results.iter().map(|r| r.events).sum(),
                files: report::clearwater::render(scenario, &results),
            })
        }
    }
}
