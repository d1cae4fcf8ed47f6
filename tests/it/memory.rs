//! Memory per subscriber, measured the way `cwsim bench SCENARIO` reports it (peak resident
//! set above start-up, divided by the subscribers), on core-only hours of 100 000 and
//! 200 000 subscribers (one Sprout, one Homestead, one Homer): the 100 000 run's figure
//! against a bound counted by hand, and the cost of each subscriber beyond the fixed costs
//! (the difference of the two runs) against the per-subscriber part of that count.
//!
//! Per subscriber, from the model's types (bytes):
//!
//! | what                                                                 | bytes |
//! |----------------------------------------------------------------------|------:|
//! | `Ue`, the phone's state (held ≤ 48 by subscriber.rs)                 |    48 |
//! | binding store: expiry per site `[u32; 2]`, replicas held `[u8; 2]`   |    10 |
//! | Chronos binding timer: generation, two replicas, three flags         |    12 |
//! | Homestead cache: registered `bool`, fresh-until `SimTime`            |     9 |
//! | pending events: the next registration refresh, the binding timer's   |       |
//! | pop, and the pop of the timer the last refresh replaced              |       |
//! | (cancellation is lazy: it stays in the list until it falls due, 30   |       |
//! | minutes on). Those more than a block (~137 s) ahead — all but        |       |
//! | ~137/1800 ≈ 8% — sit in the coarse blocks at 24 bytes (8 bytes of    |       |
//! | packed time and sequence, a 16-byte event); the rest at 32 (16-byte  |       |
//! | key): 3 × (24 + 0.08 × 8) ≈ 74                                       |    74 |
//! | **sum**                                                              |   153 |
//!
//! Slack, at most a quarter on top (the event list's slots grow by a quarter, its blocks by
//! 6 KiB chunks; the allocator rounds): 153 × 1.25 ≈ 191 bytes per subscriber.
//!
//! Costs that do not grow with subscribers, at most 8 MiB: three nodes (CPU queues,
//! LoadMonitors, resolver caches), 720 five-second samples of them and of the request types,
//! the latency histograms' touched pages, the event list's slot table, allocator arenas.
//! Spread over 100 000 subscribers: 8 MiB / 100 000 ≈ 84 bytes.
//!
//! Bound on the 100 000-subscriber run: 191 + 84 ≈ 275 bytes per subscriber.

use crate::support::{cwsim, stderr, stdout};

const PER_SUBSCRIBER: f64 = 153.0 * 1.25;
const FIXED_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// Peak bytes above start-up of one core-only hour with `subscribers`, single thread.
fn peak_above_start(subscribers: u64) -> f64 {
    let set = format!("load.subscribers={subscribers}");
    let out = cwsim(&["bench", "scenarios/core-only-113k.toml", "--runs", "1", "--set", &set]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // "peak memory: 28.7 MiB (24.4 MiB above start-up), 256 bytes per subscriber"
    let line =
        text.lines().find(|l| l.starts_with("peak memory:")).unwrap_or_else(|| panic!("no memory line:\n{text}"));
    let above = line.split('(').nth(1).and_then(|r| r.split_whitespace().next()).unwrap();
    above.parse::<f64>().unwrap() * 1024.0 * 1024.0
}

#[test]
#[cfg(target_os = "linux")]
fn memory_per_subscriber_stays_within_the_hand_count() {
    let small = peak_above_start(100_000);
    let per_subscriber = small / 100_000.0;
    let bound = PER_SUBSCRIBER + FIXED_BYTES / 100_000.0;
    println!("100 000 subscribers: {per_subscriber:.0} bytes per subscriber (bound {bound:.0})");
    assert!(per_subscriber <= bound.round(), "{per_subscriber:.0} bytes per subscriber, bound {bound:.0}");
    // Each further subscriber: what the fixed costs do not explain.
    let marginal = (peak_above_start(200_000) - small) / 100_000.0;
    println!("each subscriber beyond the fixed costs: {marginal:.0} bytes (bound {PER_SUBSCRIBER:.0})");
    assert!(marginal <= PER_SUBSCRIBER, "{marginal:.0} bytes per added subscriber, bound {PER_SUBSCRIBER:.0}");
}
