//! `cargo bench --bench engine`: the M/M/10 engine benchmark (median of 5 runs).

fn main() {
    let customers = std::env::var("CWSIM_BENCH_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let runs: Vec<_> = (1..=5).map(|seed| cwsim::bench::mmc_once(customers, seed)).collect();
    for r in &runs {
        println!("run: {:.3} s, {:.0} customers/s, {:.0} events/s", r.wall_s, r.customers_per_s(), r.events_per_s());
    }
    let med = |f: fn(&cwsim::bench::BenchRun) -> f64| cwsim::bench::median(runs.iter().map(f).collect());
    println!(
        "M/M/10 rho=0.8, {customers} customers: median {:.0} customers/s, {:.0} events/s, {:.3} s",
        med(|r| r.customers_per_s()),
        med(|r| r.events_per_s()),
        med(|r| r.wall_s)
    );
}
