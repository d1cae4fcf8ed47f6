//! `cwsim bench`: the engine's own workloads and a scenario timed, with peak memory.

use super::*;
use crate::bench;

pub(super) fn cmd_bench(args: &BenchArgs) -> i32 {
    if let Some(path) = &args.scenario {
        return bench_scenario(path, &args.set, args.runs);
    }
    println!(
        "M/M/10, λ = 8/s, μ = 1/s (ρ = 0.8), {} customers per run, {} runs, single thread",
        args.customers, args.runs
    );
    let mut runs = Vec::new();
    for seed in 1..=args.runs as u64 {
        let r = bench::mmc_once(args.customers, seed);
        println!(
            "  run {seed}: {:.3} s  {:>12.0} customers/s  {:>12.0} events/s",
            r.wall_s,
            r.customers_per_s(),
            r.events_per_s()
        );
        runs.push(r);
    }
    let med = |f: fn(&bench::BenchRun) -> f64| bench::median(runs.iter().map(f).collect());
    println!(
        "median: {:.3} s  {:.0} customers/s  {:.0} events/s",
        med(|r| r.wall_s),
        med(|r| r.customers_per_s()),
        med(|r| r.events_per_s())
    );
    EXIT_OK
}

fn bench_scenario(path: &Path, overrides: &[scenario::Override], runs: u32) -> i32 {
    let s = match load_with(path, overrides) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if s.simulation.model != crate::scenario::ModelKind::Clearwater {
        eprintln!("error: {}: cwsim bench SCENARIO times Clearwater scenarios", path.display());
        return EXIT_BAD_INPUT;
    }
    let base = bench::memory_kib().map(|m| m.0);
    println!(
        "{}: {} subscribers, {} simulated, replication 0, single thread, {runs} runs",
        s.name,
        s.load.subscribers(),
        s.simulation.duration
    );
    let mut results = Vec::new();
    for i in 1..=runs {
        let r = bench::scenario_once(&s);
        println!("  run {i}: {:.3} s  {} events  {:>12.0} events/s", r.wall_s, r.events, r.events_per_s());
        results.push(r);
    }
    let med = |f: fn(&bench::BenchRun) -> f64| bench::median(results.iter().map(f).collect());
    println!("median: {:.3} s wall, {:.0} events/s", med(|r| r.wall_s), med(|r| r.events_per_s()));
    // The engine's own speed on this machine now: the model's events/s as a share of it
    // compares across machines and days where the bare figure does not.
    let engine: Vec<f64> =
        (1..=runs as u64).map(|seed| bench::mmc_once(bench::ENGINE_CUSTOMERS, seed).events_per_s()).collect();
    let engine = bench::median(engine);
    println!(
        "engine (M/M/10, {} customers, same invocation): {engine:.0} events/s; model/engine ratio {:.3}",
        bench::ENGINE_CUSTOMERS,
        med(|r| r.events_per_s()) / engine
    );
    if let (Some(base), Some((_, peak))) = (base, bench::memory_kib()) {
        let subs = s.load.subscribers().max(1);
        println!(
            "peak memory: {:.1} MiB ({:.1} MiB above start-up), {:.0} bytes per subscriber",
            peak as f64 / 1024.0,
            peak.saturating_sub(base) as f64 / 1024.0,
            peak.saturating_sub(base) as f64 * 1024.0 / subs as f64
        );
    }
    EXIT_OK
}
