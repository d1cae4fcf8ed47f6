//! Simulated time: integer nanoseconds since the start of a run.
//!
//! Integer time makes runs reproducible bit for bit (no float rounding drift in the event
//! order) and makes Little's-law integrals exact. `u64` nanoseconds cover ~584 years; the
//! scenario validator caps run lengths and distribution parameters at [`SimDuration::LIMIT`]
//! and every sampled duration is capped there too, so time stays far from overflow. The
//! arithmetic saturates all the same: a time that would pass the end of `u64` stays at
//! [`SimTime::MAX`], after the end of any run, instead of wrapping into the past.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

pub const NS_PER_US: u64 = 1_000;
pub const NS_PER_MS: u64 = 1_000_000;
pub const NS_PER_S: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the run started.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug, serde::Serialize, serde::Deserialize)]
pub struct SimTime(u64);

/// A non-negative span of simulated time, in nanoseconds.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug, serde::Serialize, serde::Deserialize)]
pub struct SimDuration(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_ns(ns: u64) -> Self {
        SimTime(ns)
    }
    pub const fn as_ns(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// Time elapsed since `earlier`; zero if `earlier` is later (never negative).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest duration a scenario may give (run lengths, timeouts, distribution
    /// parameters) and the largest value a distribution draws: 366 days.
    pub const LIMIT: SimDuration = SimDuration(366 * 86_400 * NS_PER_S);

    pub const fn from_ns(ns: u64) -> Self {
        SimDuration(ns)
    }
    pub const fn from_us(us: u64) -> Self {
        SimDuration(us * NS_PER_US)
    }
    pub const fn from_ms(ms: u64) -> Self {
        SimDuration(ms * NS_PER_MS)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * NS_PER_S)
    }
    /// Rounds to the nearest nanosecond; negative or NaN inputs give zero, huge ones saturate.
    pub fn from_secs_f64(s: f64) -> Self {
        let ns = (s * NS_PER_S as f64).round();
        if ns.is_nan() || ns <= 0.0 {
            SimDuration(0)
        } else if ns >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(ns as u64)
        }
    }
    pub const fn as_ns(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    pub fn as_ms_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }
    pub fn as_us(self) -> u64 {
        self.0 / NS_PER_US
    }
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub fn saturating_mul_f64(self, factor: f64) -> SimDuration {
        SimDuration::from_secs_f64(self.as_secs_f64() * factor)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    #[inline]
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl AddAssign for SimDuration {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    #[inline]
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}

/// Human form used in messages and reports: the largest unit that shows the value exactly
/// ("250ms", "5m", "1.5s").
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 7] = [
            (86_400 * NS_PER_S, "d"),
            (3_600 * NS_PER_S, "h"),
            (60 * NS_PER_S, "m"),
            (NS_PER_S, "s"),
            (NS_PER_MS, "ms"),
            (NS_PER_US, "us"),
            (1, "ns"),
        ];
        let ns = self.0;
        if ns == 0 {
            return write!(f, "0s");
        }
        for (scale, unit) in UNITS {
            if ns % scale == 0 {
                return write!(f, "{}{}", ns / scale, unit);
            }
        }
        unreachable!("the ns unit divides every value")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", SimDuration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_picks_exact_unit() {
        assert_eq!(SimDuration::from_ms(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_secs(300).to_string(), "5m");
        assert_eq!(SimDuration::from_ms(1500).to_string(), "1500ms");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
    }

    #[test]
    fn from_secs_f64_rounds_and_clamps() {
        assert_eq!(SimDuration::from_secs_f64(0.1).as_ns(), 100_000_000);
        assert_eq!(SimDuration::from_secs_f64(-1.0).as_ns(), 0);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN).as_ns(), 0);
        assert_eq!(SimDuration::from_secs_f64(1e300).as_ns(), u64::MAX);
    }
}
