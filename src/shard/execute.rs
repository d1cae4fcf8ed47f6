//! One shard of a run or a sweep: its units simulated, their full results kept in a part.

use super::part::{Header, Job, Part, Payload};
use super::ShardSpec;
use crate::engine::{RunControl, RunEnd};
use crate::scenario::Scenario;
use crate::sweep::grid::{self, SweepError};

fn header(job: Job, scenario_sha256: &str, shard: ShardSpec, total_units: u64) -> Header {
    Header {
        cwsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_sha256: scenario_sha256.to_string(),
        job_sha256: job.sha256(),
        job,
        shard,
        units: shard.units(total_units),
        total_units,
    }
}

/// Shard `shard` of a run: `scenario` is `job`'s scenario as loaded (its `--seed` and
/// `--replications` applied); its units are replications. `None` when interrupted.
pub fn run(
    job: Job,
    scenario: &Scenario,
    shard: ShardSpec,
    threads: Option<usize>,
    control: &RunControl,
) -> anyhow::Result<Option<Part>> {
    let header = header(job, &scenario.hash, shard, u64::from(scenario.simulation.replications));
    let reps: Vec<u32> = header.units.iter().map(|&u| u as u32).collect();
    let results = crate::run::simulate(scenario, &reps, threads, control)?;
    if results.interrupted() {
        return Ok(None);
    }
    Ok(Some(Part { header, payload: Payload::Run(results) }))
}

/// Shard `shard` of a sweep; `base_sha256` is the hash of the scenario with the fixed
/// overrides only. `None` when interrupted.
pub fn sweep(
    job: Job,
    base_sha256: &str,
    shard: ShardSpec,
    threads: Option<usize>,
    control: &RunControl,
) -> Result<Option<Part>, SweepError> {
    let Job::Sweep { source, axes, fixed, replications, .. } = &job else {
        return Err(SweepError::Other("not a sweep".into()));
    };
    let points = grid::prepare(source, axes, fixed, *replications)?;
    let all = grid::units(&points);
    let header = header(job.clone(), base_sha256, shard, all.len() as u64);
    let mine: Vec<(usize, u32)> = header.units.iter().map(|&u| all[u as usize]).collect();
    let results = grid::simulate_units(&points, &mine, threads, control)?;
    if results.iter().any(|r| r.end == RunEnd::Interrupted) {
        return Ok(None);
    }
    Ok(Some(Part { header, payload: Payload::Sweep(results) }))
}
