//! The command-line side of sharding: `run --shard`, `sweep --shard` and `cwsim merge`.

use std::path::Path;

use super::{
    install_interrupt_handler, threads_or_cores, write_outputs, MergeArgs, RunArgs, SweepArgs, CONTROL, EXIT_BAD_INPUT,
    EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK,
};
use crate::resources::MemoryEstimate;
use crate::scenario::{Scenario, SourceText};
use crate::shard::part::{Job, Part};
use crate::shard::{execute, ShardSpec};
use crate::sweep::grid::SweepError;

/// `cwsim run --shard K/N`: `scenario` is `source` loaded with the command's options.
pub(super) fn run(args: &RunArgs, source: SourceText, scenario: &Scenario, shard: ShardSpec) -> i32 {
    let dir = args.out.clone().unwrap_or_else(|| Path::new("outputs").join(format!("{}-parts", scenario.name)));
    let estimate = crate::resources::run_memory(scenario, threads_or_cores(args.threads));
    if let Err(code) = preflight(&dir, &estimate, args.max_memory, &format!("scenario {}", scenario.name)) {
        return code;
    }
    install_interrupt_handler();
    let job = Job::Run { source, set: args.set.clone(), seed: args.seed, replications: args.replications };
    match execute::run(job, scenario, shard, args.threads.map(usize::from), &CONTROL) {
        Ok(part) => write_part(part, &dir, args.quiet),
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_FAILURE
        }
    }
}

/// `cwsim sweep --shard K/N`: `base` is the scenario with the fixed overrides.
pub(super) fn sweep(
    args: &SweepArgs,
    source: SourceText,
    base: &Scenario,
    shard: ShardSpec,
    dir: &Path,
    estimate: &MemoryEstimate,
    sweep_error: impl Fn(SweepError) -> i32,
) -> i32 {
    if let Err(code) = preflight(dir, estimate, args.max_memory, &format!("the sweep of {}", base.name)) {
        return code;
    }
    install_interrupt_handler();
    let job = Job::Sweep {
        source,
        axes: args.axes.clone(),
        fixed: args.fixed.clone(),
        replications: args.replications,
        slo_p99: args.slo_p99,
        top: args.top,
        keep_points: args.keep_points,
    };
    match execute::sweep(job, &base.hash, shard, args.threads.map(usize::from), &CONTROL) {
        Ok(part) => write_part(part, dir, args.quiet),
        Err(e) => sweep_error(e),
    }
}

/// The run's preflight for a part file: the part directory is shared by the shards, so it
/// need only be (or become) a directory.
fn preflight(dir: &Path, estimate: &MemoryEstimate, max_memory: Option<u64>, what: &str) -> Result<(), i32> {
    if dir.exists() && !dir.is_dir() {
        eprintln!("error: {} exists and is not a directory", dir.display());
        return Err(EXIT_BAD_INPUT);
    }
    let max = max_memory.unwrap_or_else(crate::resources::default_max_memory);
    crate::resources::check(what, estimate, max).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_BAD_INPUT
    })
}

/// Writes a shard's part (`None`: interrupted, nothing written).
fn write_part(part: Option<Part>, dir: &Path, quiet: bool) -> i32 {
    let Some(part) = part else {
        eprintln!("interrupted: no part file was written");
        return EXIT_INTERRUPTED;
    };
    match part.write(dir) {
        Ok(path) => {
            if !quiet {
                let h = &part.header;
                println!("shard {}: {} of {} units; wrote {}", h.shard, h.units.len(), h.total_units, path.display());
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: cannot write the part into {}: {e}", dir.display());
            EXIT_FAILURE
        }
    }
}

/// `cwsim merge`: every refusal is printed, each naming its file, with exit code 2.
pub(super) fn merge(args: &MergeArgs) -> i32 {
    use crate::shard::merge;
    let refuse = |errors: Vec<String>| {
        errors.iter().for_each(|e| eprintln!("error: {e}"));
        EXIT_BAD_INPUT
    };
    let paths = match merge::collect(&args.parts) {
        Ok(p) => p,
        Err(errors) => return refuse(errors),
    };
    if let Err(e) = crate::report::files::check_output_dir(&args.out) {
        eprintln!("error: output directory: {e}");
        return EXIT_BAD_INPUT;
    }
    install_interrupt_handler();
    let merged = match merge::merge(&paths) {
        Ok(m) => m,
        Err(errors) => return refuse(errors),
    };
    for n in &merged.notes {
        eprintln!("note: {n}");
    }
    match write_outputs(&merged.files, &args.out) {
        Ok(_) => {
            if !args.quiet {
                print!("{}", merged.shown);
                println!(
                    "\nmerged {} parts ({} units) of a {}; wrote {}",
                    merged.shards,
                    merged.units,
                    merged.command,
                    args.out.display()
                );
            }
            EXIT_OK
        }
        Err(code) => code,
    }
}
