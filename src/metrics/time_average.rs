//! Time-weighted averages of integer state (queue length, busy servers, registrations).
//!
//! The integral is kept as an exact `u128` of value·nanoseconds, so Little's law can be
//! checked to the last nanosecond rather than to float rounding.

use crate::engine::SimTime;

#[derive(Clone, Debug, Default)]
pub struct TimeAverage {
    value: u64,
    since: SimTime,
    area: u128,
    start: SimTime,
    max: u64,
}

impl TimeAverage {
    pub fn new(start: SimTime) -> Self {
        TimeAverage { value: 0, since: start, area: 0, start, max: 0 }
    }

    #[inline]
    fn accrue(&mut self, now: SimTime) {
        self.area += self.value as u128 * now.since(self.since).as_ns() as u128;
        self.since = now;
    }

    #[inline]
    pub fn set(&mut self, now: SimTime, value: u64) {
        self.accrue(now);
        self.value = value;
        self.max = self.max.max(value);
    }

    #[inline]
    pub fn increment(&mut self, now: SimTime) {
        self.set(now, self.value + 1);
    }

    #[inline]
    pub fn decrement(&mut self, now: SimTime) {
        debug_assert!(self.value > 0, "time-average went negative");
        self.set(now, self.value - 1);
    }

    pub fn value(&self) -> u64 {
        self.value
    }

    /// The largest value seen since the last reset.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// ∫ value dt from the start (or last reset) to `now`, in value·ns.
    pub fn integral(&self, now: SimTime) -> u128 {
        self.area + self.value as u128 * now.since(self.since).as_ns() as u128
    }

    /// Mean value between the start (or last reset) and `now`.
    pub fn mean(&self, now: SimTime) -> f64 {
        let span = now.since(self.start).as_ns();
        if span == 0 {
            self.value as f64
        } else {
            self.integral(now) as f64 / span as f64
        }
    }

    /// Forgets the history but keeps the current value (end of warm-up, start of a sample).
    pub fn reset(&mut self, now: SimTime) {
        self.accrue(now);
        self.area = 0;
        self.start = now;
        self.max = self.value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_average() {
        // 0 for 10 ns, 2 for 10 ns, 1 for 20 ns: area = 0 + 20 + 20 = 40 over 40 ns = 1.0.
        let mut a = TimeAverage::new(SimTime::ZERO);
        a.set(SimTime::from_ns(10), 2);
        a.decrement(SimTime::from_ns(20));
        assert_eq!(a.integral(SimTime::from_ns(40)), 40);
        assert_eq!(a.mean(SimTime::from_ns(40)), 1.0);
        assert_eq!(a.max(), 2);
        a.reset(SimTime::from_ns(40));
        assert_eq!(a.mean(SimTime::from_ns(50)), 1.0);
    }
}
