//! `cargo bench --bench model`: the full Clearwater model on scenarios/core-only-113k.toml
//! (one simulated hour), median of 5 runs — the same figures as
//! `cwsim bench scenarios/core-only-113k.toml`.

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/core-only-113k.toml");
    let s = cwsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let runs: Vec<_> = (0..5).map(|_| cwsim::bench::scenario_once(&s)).collect();
    for r in &runs {
        println!("run: {:.3} s, {} events, {:.0} events/s", r.wall_s, r.events, r.events_per_s());
    }
    let med = |f: fn(&cwsim::bench::BenchRun) -> f64| cwsim::bench::median(runs.iter().map(f).collect());
    println!(
        "core-only-113k, 1 simulated hour: median {:.3} s wall, {:.0} events/s",
        med(|r| r.wall_s),
        med(|r| r.events_per_s())
    );
}
