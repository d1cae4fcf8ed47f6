//! `cwsim sweep` on the command line: preflight, the sweep (or one shard of it), its files.

use super::*;

pub(super) fn cmd_sweep(args: &SweepArgs) -> i32 {
    use crate::sweep::grid;
    let points = grid::point_count(&args.axes);
    if points > crate::resources::SWEEP_POINTS_MAX {
        eprintln!(
            "error: the sweep has {points} points (the product of the --set value counts); at most {} are run at once: \
             sweep fewer values, or split the sweep with --fix",
            crate::resources::SWEEP_POINTS_MAX
        );
        return EXIT_BAD_INPUT;
    }
    let Ok(source) = read_source(&args.scenario) else { return EXIT_BAD_INPUT };
    let base = match source.load(&args.fixed) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    let default_dir = |suffix: &str| Path::new("outputs").join(format!("{}-sweep{suffix}", base.name));
    let estimate = crate::resources::sweep_memory(&base, threads_or_cores(args.threads));
    let what = format!("the sweep of {}", base.name);
    let sweep_error = |e: grid::SweepError| match e {
        grid::SweepError::Invalid { point, errors } => {
            eprintln!("{errors}\n(in the sweep point {point})");
            EXIT_BAD_INPUT
        }
        grid::SweepError::Other(e) => {
            eprintln!("error: {}: {e}", args.scenario.display());
            EXIT_BAD_INPUT
        }
        grid::SweepError::Stopped(e) => {
            eprintln!("error: {}: {e}", args.scenario.display());
            EXIT_FAILURE
        }
    };
    if let Some(shard) = args.shard {
        let dir = args.out.clone().unwrap_or_else(|| default_dir("-parts"));
        return shard::sweep(args, source, &base, shard, &dir, &estimate, sweep_error);
    }
    let dir = args.out.clone().unwrap_or_else(|| default_dir(""));
    if let Err(code) = preflight(&dir, &estimate, args.max_memory, &what) {
        return code;
    }
    install_interrupt_handler();
    let started = Instant::now();
    let sweep = grid::prepare(&source, &args.axes, &args.fixed, args.replications)
        .and_then(|points| grid::run(points, args.threads.map(usize::from), args.keep_points, &CONTROL));
    let sweep = match sweep {
        Ok(x) => x,
        Err(e) => return sweep_error(e),
    };
    if CONTROL.interrupt.load(Ordering::SeqCst) {
        eprintln!("interrupted: no output files were written");
        return EXIT_INTERRUPTED;
    }
    let out = crate::sweep::output::render(&args.axes, sweep, args.slo_p99, args.top);
    for n in &out.notes {
        eprintln!("note: {n}");
    }
    match write_outputs(&out.files, &dir) {
        Ok(_) => {
            if !args.quiet {
                print!("{}", out.ranking);
                println!(
                    "\n{} points × {} replication(s) in {:.1} s; wrote {}",
                    out.points,
                    out.replications,
                    started.elapsed().as_secs_f64(),
                    dir.join("sweep.csv").display()
                );
            }
            EXIT_OK
        }
        Err(code) => code,
    }
}
