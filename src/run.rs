//! `cwsim run`: scenario → replications → rendered outputs. No printing here; the CLI
//! decides what to show.

use crate::engine::{RunControl, RunEnd, SimTime};
use crate::model::clearwater;
use crate::model::queue::{self, QueueParams};
use crate::report::{self, OutputFiles};
use crate::scenario::{ModelKind, Scenario};
use crate::sweep::replicate::replicate_range;

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

/// Replication results of one model kind, in replication order.
pub enum Results {
    Queue(Vec<queue::QueueResult>),
    Clearwater(Vec<clearwater::ClearwaterResult>),
}

impl Results {
    pub fn new(scenario: &Scenario) -> Results {
        match scenario.simulation.model {
            ModelKind::Queue => Results::Queue(Vec::new()),
            ModelKind::Clearwater => Results::Clearwater(Vec::new()),
        }
    }

    pub fn len(&self) -> u32 {
        match self {
            Results::Queue(r) => r.len() as u32,
            Results::Clearwater(r) => r.len() as u32,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs replications `len()..to` on `threads` threads and appends them: a replication's
    /// result depends only on the scenario and its index, so results gathered in several
    /// calls equal those of one call.
    pub fn extend_to(
        &mut self,
        scenario: &Scenario,
        to: u32,
        threads: Option<usize>,
        control: &RunControl,
    ) -> anyhow::Result<()> {
        let from = self.len();
        match self {
            Results::Queue(all) => {
                let params = QueueParams::from_scenario(scenario);
                let results = replicate_range(from..to, threads, |rep| queue::run(&params, rep, control))?;
                check_ends(scenario, results.iter().map(|r| (r.replication, r.end, r.stopped_at)))?;
                all.extend(results);
            }
            Results::Clearwater(all) => {
                let results = replicate_range(from..to, threads, |rep| clearwater::run(scenario, rep, control))?;
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
                all.extend(results);
            }
        }
        Ok(())
    }

    /// The outputs of the replications so far, as a run of exactly that many renders them.
    pub fn outcome(&self, scenario: &Scenario) -> RunOutcome {
        let mut s = scenario.clone();
        s.simulation.replications = self.len();
        match self {
            Results::Queue(r) => RunOutcome {
                interrupted: r.iter().any(|r| r.end == RunEnd::Interrupted),
                events: r.iter().map(|r| r.events).sum(),
                files: report::queue::render(&s, r),
            },
            Results::Clearwater(r) => RunOutcome {
                interrupted: r.iter().any(|r| r.end == RunEnd::Interrupted),
                events: r.iter().map(|r| r.events).sum(),
                files: report::clearwater::render(&s, r),
            },
        }
    }
}

/// Runs every replication of `scenario` on `threads` threads and renders the outputs.
pub fn execute(scenario: &Scenario, threads: Option<usize>, control: &RunControl) -> anyhow::Result<RunOutcome> {
    let mut results = Results::new(scenario);
    results.extend_to(scenario, scenario.simulation.replications, threads, control)?;
    Ok(results.outcome(scenario))
}
