//! Event-queue ordering under load: many events on few distinct times.

use cwsim::engine::{EventQueue, SimTime};
use rand::{Rng, SeedableRng};

#[test]
fn equal_time_events_pop_in_fifo_order() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut q = EventQueue::new();
    // 10 000 events on only 7 distinct times, pushed in random time order; the payload is
    // the insertion index.
    for i in 0..10_000u32 {
        q.schedule_at(SimTime::from_ns(rng.random_range(0..7)), i);
    }
    let mut last: Option<(SimTime, u32)> = None;
    while let Some((t, i)) = q.pop() {
        if let Some((lt, li)) = last {
            assert!(t > lt || (t == lt && i > li), "({t}, {i}) popped after ({lt}, {li})");
        }
        last = Some((t, i));
    }
}
