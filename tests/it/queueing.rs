//! The service centre against queueing theory.
//!
//! Expected values are the analytic M/M/c results quoted in the test names (Erlang C; for
//! M/M/1 the sojourn time is exponential with rate μ−λ, so its p-quantile is
//! −ln(1−p)/(μ−λ)). Each check needs the 99% Student-t confidence interval over 20
//! independent replications to contain the analytic value, and the relative error of the
//! mean to be below 2%. Seeds are fixed, so the outcome is deterministic.

use cwsim::engine::{Dist, RunControl, SimDuration, SimTime};
use cwsim::metrics::{Level, Sample};
use cwsim::model::queue::{run, QueueParams, QueueResult};
use cwsim::sweep::replicate;

const REPLICATIONS: u32 = 20;

fn mmc(lambda: f64, servers: u32, horizon_s: u64) -> Vec<QueueResult> {
    let params = QueueParams {
        servers,
        interarrival: Dist::exp(SimDuration::from_secs_f64(1.0 / lambda)),
        service: Dist::exp(SimDuration::from_secs(1)),
        stop_arrivals: SimTime::MAX,
        end: SimTime::ZERO + SimDuration::from_secs(horizon_s),
        warmup_end: SimTime::ZERO + SimDuration::from_secs(1_000),
        sample_interval: None,
        seed: 20_261_125,
        max_events: u64::MAX,
    };
    replicate(REPLICATIONS, None, |rep| run(&params, rep, &RunControl::default())).unwrap()
}

fn check(name: &str, results: &[QueueResult], f: impl Fn(&QueueResult) -> f64, expected: f64) {
    let values: Vec<f64> = results.iter().map(f).collect();
    let s = Sample::of(&values);
    let hw = s.half_width(Level::P99).unwrap();
    let rel = (s.mean - expected).abs() / expected;
    println!("{name}: {:.5} ± {hw:.5} (99%), theory {expected}, rel. error {:.3}%", s.mean, rel * 100.0);
    assert!((s.mean - expected).abs() <= hw, "{name}: 99% CI {:.5} ± {hw:.5} misses {expected}", s.mean);
    assert!(rel < 0.02, "{name}: relative error {:.3}% ≥ 2%", rel * 100.0);
}

fn wait_s(r: &QueueResult) -> f64 {
    r.wait.mean_ns() / 1e9
}
fn sojourn_s(r: &QueueResult) -> f64 {
    r.sojourn.mean_ns() / 1e9
}
fn sojourn_quantile_s(p: f64) -> impl Fn(&QueueResult) -> f64 {
    move |r| r.sojourn.quantile_us(p) as f64 / 1e6
}

#[test]
fn mm1_lambda_half_matches_theory() {
    // ρ = 0.5: W = 1/(μ−λ) = 2.0, Wq = ρ/(μ−λ) = 1.0, sojourn ~ Exp(0.5):
    // p50 = ln 2 / 0.5 = 1.386, p99 = ln 100 / 0.5 = 9.210.
    let r = mmc(0.5, 1, 201_000);
    check("M/M/1 W", &r, sojourn_s, 2.0);
    check("M/M/1 Wq", &r, wait_s, 1.0);
    check("M/M/1 sojourn p50", &r, sojourn_quantile_s(0.5), 2f64.ln() / 0.5);
    check("M/M/1 sojourn p99", &r, sojourn_quantile_s(0.99), 100f64.ln() / 0.5);
    check("M/M/1 utilisation", &r, |r| r.utilisation, 0.5);
}

#[test]
fn mm4_lambda_3_matches_erlang_c() {
    // a = 3, c = 4: C(4, 3) = 0.5094, Wq = C/(cμ−λ) = 0.5094, L = λ(Wq + 1/μ) = 4.528.
    let r = mmc(3.0, 4, 101_000);
    check("M/M/4 P(wait)", &r, |r| r.p_wait(), 0.509_434);
    check("M/M/4 Wq", &r, wait_s, 0.509_434);
    check("M/M/4 L", &r, |r| r.mean_in_system, 4.528_302);
    check("M/M/4 utilisation", &r, |r| r.utilisation, 0.75);
}

#[test]
fn mm8_lambda_6_matches_erlang_c() {
    // a = 6, c = 8: C(8, 6) = 0.3570, Wq = C/(8−6) = 0.1785.
    let r = mmc(6.0, 8, 101_000);
    check("M/M/8 P(wait)", &r, |r| r.p_wait(), 0.356_981);
    check("M/M/8 Wq", &r, wait_s, 0.178_491);
    check("M/M/8 utilisation", &r, |r| r.utilisation, 0.75);
}

#[test]
fn littles_law_holds_exactly_after_draining() {
    // Arrivals stop at 5 000 s; by 6 000 s an M/M/4 at ρ = 0.75 has drained (checked).
    // Then ∫N(t)dt over the run equals the sum of all sojourn times, to the nanosecond.
    let params = QueueParams {
        servers: 4,
        interarrival: Dist::exp(SimDuration::from_secs_f64(1.0 / 3.0)),
        service: Dist::exp(SimDuration::from_secs(1)),
        stop_arrivals: SimTime::ZERO + SimDuration::from_secs(5_000),
        end: SimTime::ZERO + SimDuration::from_secs(6_000),
        warmup_end: SimTime::ZERO,
        sample_interval: Some(SimDuration::from_secs(10)),
        seed: 9,
        max_events: u64::MAX,
    };
    let r = run(&params, 0, &RunControl::default());
    assert_eq!(r.in_flight_end, 0, "the system must have drained");
    assert_eq!(r.arrivals, r.completions);
    let area = r.in_system_integral as f64;
    let sojourns = r.sojourn.sum_ns() as f64;
    assert!(r.arrivals > 14_000, "about λT = 15 000 customers expected, got {}", r.arrivals);
    assert!((area - sojourns).abs() <= 1e-9 * sojourns, "∫N dt = {area}, Σ sojourn = {sojourns}");
}

#[test]
fn conservation_at_every_sample() {
    // M/M/2 overloaded (ρ = 1.5) so the queue is long and the check is not trivial.
    let params = QueueParams {
        servers: 2,
        interarrival: Dist::exp(SimDuration::from_secs_f64(1.0 / 3.0)),
        service: Dist::exp(SimDuration::from_secs(1)),
        stop_arrivals: SimTime::MAX,
        end: SimTime::ZERO + SimDuration::from_secs(2_000),
        warmup_end: SimTime::ZERO + SimDuration::from_secs(100),
        sample_interval: Some(SimDuration::from_secs(5)),
        seed: 4,
        max_events: u64::MAX,
    };
    let r = run(&params, 0, &RunControl::default());
    assert_eq!(r.samples.len(), 400);
    for s in &r.samples {
        assert_eq!(s.arrivals, s.completions + s.in_system, "at {}", s.time);
        assert_eq!(s.in_system, s.queued + s.busy as u64, "at {}", s.time);
    }
    assert!(r.samples.last().unwrap().queued > 500, "an overloaded queue must grow");
}
