//! Clearwater's LoadMonitor driven alone with scripted admissions, completions and
//! penalties. Every expected value is worked out by hand in the comments, following the
//! arithmetic in CLEARWATER_FACTS.md ("Overload control: the LoadMonitor").

use cwsim::engine::{SimDuration, SimTime};
use cwsim::model::load_monitor::{LoadMonitor, LoadMonitorConfig, Variant};

fn ms(t: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_ms(t)
}

fn documented(init_rate: f32) -> LoadMonitor {
    LoadMonitor::new(
        LoadMonitorConfig {
            variant: Variant::Documented,
            target_latency_us: 100_000,
            max_tokens: 1000,
            init_rate,
            min_rate: 10.0,
            max_rate: 0.0,
        },
        SimTime::ZERO,
    )
}

fn later(init_rate: f32) -> LoadMonitor {
    LoadMonitor::new(
        LoadMonitorConfig {
            variant: Variant::Later,
            target_latency_us: 10_000,
            max_tokens: 1000,
            init_rate,
            min_rate: 10.0,
            max_rate: 2000.0,
        },
        SimTime::ZERO,
    )
}

/// Completes 20 requests: the first with latency `first`, then 19 with `rest`, at
/// `start + 100 ms × k` (k = 1..20).
fn twenty(lm: &mut LoadMonitor, start: u64, first: u64, rest: u64) {
    for k in 1..=20u64 {
        lm.complete(ms(start + 100 * k), if k == 1 { first } else { rest });
    }
}

#[test]
fn documented_high_latency_divides_the_rate_by_1_2() {
    // Smoothed latency starts at the target, 100 000 µs. A first completion of 900 000 µs:
    // ⌊(7·100 000 + 900 000)/8⌋ = 200 000; 19 more of 200 000 keep it there. The 20th
    // completes at 2.0 s, 2 s after the start: err = (200 000 − 100 000)/100 000 = 1 > 0,
    // so rate = 500/1.2 (in single precision).
    let mut lm = documented(500.0);
    twenty(&mut lm, 0, 900_000, 200_000);
    assert_eq!(lm.smoothed_latency_us(), 200_000);
    assert_eq!(lm.rate(), 500.0f32 / 1.2f32);
}

#[test]
fn documented_waits_for_both_20_requests_and_2_seconds() {
    // Same latencies, but the 20 completions end at 1.0 s: no adjustment yet. The count
    // keeps growing; the next completion, at 2.0 s, adjusts.
    let mut lm = documented(500.0);
    for k in 1..=20u64 {
        lm.complete(ms(50 * k), if k == 1 { 900_000 } else { 200_000 });
    }
    assert_eq!(lm.rate(), 500.0);
    lm.complete(ms(1999), 200_000);
    assert_eq!(lm.rate(), 500.0, "1999 ms is not yet 2 s");
    lm.complete(ms(2000), 200_000);
    assert_eq!(lm.rate(), 500.0f32 / 1.2f32);
}

#[test]
fn documented_low_latency_with_enough_demand_adds_to_the_rate() {
    // First latency 20 000: ⌊(700 000 + 20 000)/8⌋ = 90 000; then 90 000 keeps it.
    // err = (90 000 − 100 000)/100 000 = −0.1 < −0.005. Demand: 501 admissions in the 2 s
    // window exceed half of rate × elapsed = 0.5 · 500 · 2 = 500 (the full bucket of 1000
    // plus 500/s refill allows them). Increase: −err · max_tokens · 0.5 = 0.1 · 1000 · 0.5 =
    // 50 (exact in single precision), so 550.
    let mut lm = documented(500.0);
    for _ in 0..501 {
        assert!(lm.admit(ms(10), false));
    }
    twenty(&mut lm, 0, 20_000, 90_000);
    assert_eq!(lm.rate(), 550.0);
}

#[test]
fn documented_low_latency_without_demand_leaves_the_rate() {
    // As above with only 500 admissions: 500 is not more than 500, so no increase.
    let mut lm = documented(500.0);
    for _ in 0..500 {
        lm.admit(ms(10), false);
    }
    twenty(&mut lm, 0, 20_000, 90_000);
    assert_eq!(lm.rate(), 500.0);
}

#[test]
fn documented_penalty_forces_a_decrease_even_at_low_latency() {
    let mut lm = documented(500.0);
    for _ in 0..501 {
        lm.admit(ms(10), false);
    }
    lm.penalty();
    twenty(&mut lm, 0, 20_000, 90_000);
    assert_eq!(lm.rate(), 500.0f32 / 1.2f32);
    // The penalty is forgotten after the adjustment: the next window (latency still
    // 90 000, err −0.1; 2 s later, with 500 admissions > 0.5 · 416.67 · 2 = 416.67) increases
    // by 50.
    for _ in 0..500 {
        lm.admit(ms(2100), false);
    }
    twenty(&mut lm, 2000, 90_000, 90_000);
    assert_eq!(lm.rate(), 500.0f32 / 1.2f32 + 50.0);
}

#[test]
fn the_rate_never_goes_below_the_minimum() {
    // 11/1.2 = 9.17 < 10: the documented variant floors at min_token_rate = 10.
    let mut lm = documented(11.0);
    twenty(&mut lm, 0, 900_000, 200_000);
    assert_eq!(lm.rate(), 10.0);
    // So does the later one (target 10 000 µs; latency 20 000 ⇒ err = 1).
    let mut lm = later(11.0);
    for k in 1..=20u64 {
        lm.complete(ms(k), 20_000);
    }
    assert_eq!(lm.rate(), 10.0);
}

#[test]
fn documented_bucket_is_capped_at_max_tokens() {
    // The bucket starts full (1000). 1000 admissions at t = 0 empty it; the 1001st is
    // refused. 10 s later the refill is 500 · 10 = 5000, capped at 1000: 1000 more, then no.
    let mut lm = documented(500.0);
    for _ in 0..1000 {
        assert!(lm.admit(SimTime::ZERO, false));
    }
    assert!(!lm.admit(SimTime::ZERO, false));
    for _ in 0..1000 {
        assert!(lm.admit(ms(10_000), false));
    }
    assert!(!lm.admit(ms(10_000), false));
    // Refill happens only on admission and at the rate in force: 1 ms at 500/s = 0.5 token,
    // not enough; the next ms brings it to 1.0.
    assert!(!lm.admit(ms(10_001), false));
    assert!(lm.admit(ms(10_002), false));
}

#[test]
fn later_bucket_is_capped_only_by_a_single_large_refill() {
    // Full bucket (1000) untouched until 1.5 s: one refill of 2000/s · 1.5 s = 3000 > 1000
    // sets it to 1000. But at 0.25 s a refill of 500 ≤ 1000 is *added*: 1000 + 500 = 1500,
    // so 1500 admissions succeed — the defect of the later variant.
    let mut lm = later(2000.0);
    let mut admitted = 0;
    while lm.admit(ms(250), false) {
        admitted += 1;
    }
    assert_eq!(admitted, 1500);
    let mut lm = later(2000.0);
    let mut admitted = 0;
    while lm.admit(ms(1500), false) {
        admitted += 1;
    }
    assert_eq!(admitted, 1000);
}

#[test]
fn later_exempt_requests_pass_but_still_take_tokens() {
    // Empty the bucket with exempt admissions: they all pass (1500 > 1000 tokens at 0.25 s)
    // and the tokens are spent, so a normal request is refused afterwards.
    let mut lm = later(2000.0);
    for _ in 0..1600 {
        assert!(lm.admit(ms(250), true));
    }
    assert!(!lm.admit(ms(250), false));
    assert_eq!(lm.totals().admitted, 1600);
}

#[test]
fn later_demand_estimate_decides_the_increase() {
    // 20 completions 10 ms apart after the last adjustment (real rate 100/s), latency
    // 5 000 µs: running mean 5 000, err = (5 000 − 10 000)/10 000 = −0.5. The demand
    // estimate averages ⌊20 000 000/(10 000 k)⌋ = ⌊2000/k⌋ for k = 1..20:
    // 2000 1000 666 500 400 333 285 250 222 200 181 166 153 142 133 125 117 111 105 100,
    // sum 7189, mean 359.45 (3.6 × the real 100/s).
    // Rate 600: threshold 300 < 359.45 ⇒ 600 + 0.5 · 1000 · 0.5 = 850.
    let mut lm = later(600.0);
    for k in 1..=20u64 {
        lm.complete(ms(10 * k), 5_000);
    }
    assert_eq!(lm.rate(), 850.0);
    // Rate 800: threshold 400 > 359.45 ⇒ no increase.
    let mut lm = later(800.0);
    for k in 1..=20u64 {
        lm.complete(ms(10 * k), 5_000);
    }
    assert_eq!(lm.rate(), 800.0);
}

#[test]
fn later_rate_is_clamped_to_its_maximum() {
    // Completions 1 ms apart: ⌊20 000/k⌋ averages 3597.5 > 0.5 · 1900; the increase to
    // 1900 + 250 = 2150 is clamped to max_token_rate = 2000.
    let mut lm = later(1900.0);
    for k in 1..=20u64 {
        lm.complete(ms(k), 5_000);
    }
    assert_eq!(lm.rate(), 2000.0);
}

#[test]
fn later_adjusts_every_20_completions_without_a_time_condition() {
    // 20 completions within 20 ms at latency 20 000 (err = 1): decrease at once, 2000/1.2.
    // The window's mean restarts from 0: 19 more completions at 20 000 do nothing; the 20th
    // decreases again.
    let mut lm = later(2000.0);
    for k in 1..=20u64 {
        lm.complete(ms(k), 20_000);
    }
    let first = 2000.0f32 / 1.2f32;
    assert_eq!(lm.rate(), first);
    for k in 21..=39u64 {
        lm.complete(ms(k), 20_000);
    }
    assert_eq!(lm.rate(), first);
    lm.complete(ms(40), 20_000);
    assert_eq!(lm.rate(), first / 1.2f32);
}

#[test]
fn documented_window_longer_than_24_9_days_does_not_wrap() {
    // 30 days pass with no traffic, then 500 admissions and 20 fast completions. Window
    // = 2 592 000 000 ms; demand threshold = 0.5 · 500/s · 2 592 000 s = 648 000 000
    // admissions, far above 500: no increase. In 32 bits the window wraps negative
    // (2 592 000 000 > 2^31 − 1), the threshold turns negative and the rate would rise.
    let mut lm = documented(500.0);
    let day_ms = 86_400_000u64;
    for _ in 0..500 {
        lm.admit(ms(30 * day_ms), false);
    }
    twenty(&mut lm, 30 * day_ms, 20_000, 90_000);
    assert_eq!(lm.rate(), 500.0);
}
