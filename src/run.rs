//! `cwsim run`: scenario → replications → rendered outputs. No printing here; the CLI
//! decides what to show.

use crate::engine::{RunControl, RunEnd, SimTime};
use crate::model::clearwater::{self, ClearwaterResult};
use crate::model::queue::{self, QueueParams, QueueResult};
use crate::report::{self, OutputFiles};
use crate::scenario::{ModelKind, Scenario};
use crate::sweep::replicate::replicate_list;

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

/// Every replication's results of one run, in replication order, as the renderers take them.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Results {
    Queue(Vec<QueueResult>),
    Clearwater(Vec<ClearwaterResult>),
}

impl Results {
    pub fn interrupted(&self) -> bool {
        match self {
            Results::Queue(r) => r.iter().any(|r| r.end == RunEnd::Interrupted),
            Results::Clearwater(r) => r.iter().any(|r| r.end == RunEnd::Interrupted),
        }
    }

    pub fn events(&self) -> u64 {
        match self {
            Results::Queue(r) => r.iter().map(|r| r.events).sum(),
            Results::Clearwater(r) => r.iter().map(|r| r.events).sum(),
        }
    }

    /// The replication indices held, in order.
    pub fn replications(&self) -> Vec<u32> {
        match self {
            Results::Queue(r) => r.iter().map(|r| r.replication).collect(),
            Results::Clearwater(r) => r.iter().map(|r| r.replication).collect(),
        }
    }

    /// No results yet, of the scenario's model kind.
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
        let reps: Vec<u32> = (self.len()..to).collect();
        match (self, simulate(scenario, &reps, threads, control)?) {
            (Results::Queue(all), Results::Queue(more)) => all.extend(more),
            (Results::Clearwater(all), Results::Clearwater(more)) => all.extend(more),
            _ => unreachable!("simulate returns results of the scenario's own model kind"),
        }
        Ok(())
    }

    /// The outputs of the replications so far, as a run of exactly that many renders them.
    pub fn outcome(&self, scenario: &Scenario) -> RunOutcome {
        let mut s = scenario.clone();
        s.simulation.replications = self.len();
        RunOutcome { interrupted: self.interrupted(), events: self.events(), files: render(&s, self) }
    }
}

/// Runs the replications `reps` of `scenario` on `threads` threads; results in the order of
/// `reps`. Refuses (as an error) a replication that stopped early or broke an invariant.
pub fn simulate(
    scenario: &Scenario,
    reps: &[u32],
    threads: Option<usize>,
    control: &RunControl,
) -> anyhow::Result<Results> {
    match scenario.simulation.model {
        ModelKind::Queue => {
            let params = QueueParams::from_scenario(scenario);
            let results = replicate_list(reps, threads, |rep| queue::run(&params, rep, control))?;
            check_ends(scenario, results.iter().map(|r| (r.replication, r.end, r.stopped_at)))?;
            Ok(Results::Queue(results))
        }
        ModelKind::Clearwater => {
            let results = replicate_list(reps, threads, |rep| clearwater::run(scenario, rep, control))?;
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
            Ok(Results::Clearwater(results))
        }
    }
}

/// Every output file of a run, from all its replications' results in replication order
/// (the one rendering both `cwsim run` and `cwsim merge` use).
pub fn render(scenario: &Scenario, results: &Results) -> OutputFiles {
    match results {
        Results::Queue(r) => report::queue::render(scenario, r),
        Results::Clearwater(r) => report::clearwater::render(scenario, r),
    }
}

/// Runs every replication of `scenario` on `threads` threads and renders the outputs.
pub fn execute(scenario: &Scenario, threads: Option<usize>, control: &RunControl) -> anyhow::Result<RunOutcome> {
    let reps: Vec<u32> = (0..scenario.simulation.replications).collect();
    let results = simulate(scenario, &reps, threads, control)?;
    Ok(RunOutcome { interrupted: results.interrupted(), events: results.events(), files: render(scenario, &results) })
}
