//! Clearwater's LoadMonitor: a token bucket whose refill rate adapts to the latency of the
//! work the node does, against a target [src cpp-common: load_monitor.cpp].
//!
//! Two variants, transcribed with their arithmetic — single-precision factors, integer
//! latencies, and a bucket refilled only when a request asks to be admitted:
//! - **Documented** (late 2015 – mid 2017, the documented defaults): smoothed latency
//!   `⌊(7·lat + x)/8⌋` in whole µs starting at the target, never reset; the rate is
//!   reconsidered once ≥ 20 requests completed *and* ≥ 2 s passed; `rate/1.2` (floored at
//!   the minimum) when latency is above target or a penalty was recorded; else, below
//!   target by more than 0.5% and with more admissions than half of `rate × elapsed`,
//!   `rate + (−err)·max_tokens·0.5`, unbounded; the bucket is capped at `max_tokens`.
//! - **Later** (since Nov 2017): the latency is a running mean over the window, reset at
//!   each adjustment; the rate is reconsidered at every 20th completion; the demand test
//!   uses the mean of `⌊20 000 000 / µs since the last adjustment⌋`; rates are clamped to
//!   `[min, max]` (max 0 = none); the bucket is capped only when one refill alone exceeds
//!   `max_tokens` (then *set* to it), so it can otherwise grow without limit.

use crate::engine::SimTime;

const REQUESTS_BEFORE_ADJUSTMENT: i32 = 20;
const SECONDS_BEFORE_ADJUSTMENT: u64 = 2;
const DECREASE_THRESHOLD: f32 = 0.0;
const DECREASE_FACTOR: f32 = 1.2;
const INCREASE_THRESHOLD: f32 = -0.005;
const INCREASE_FACTOR: f32 = 0.5;
const PERCENTAGE_BEFORE_ADJUSTMENT: f32 = 0.5;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Variant {
    Documented,
    Later,
}

#[derive(Copy, Clone, Debug, PartialEq)]
pub struct LoadMonitorConfig {
    pub variant: Variant,
    pub target_latency_us: u64,
    pub max_tokens: u32,
    pub init_rate: f32,
    pub min_rate: f32,
    /// 0: no upper limit (the later variant only applies it).
    pub max_rate: f32,
}

/// Totals kept for observability (never reset by adjustments).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub admitted: u64,
    pub rejected: u64,
    pub penalties: u64,
    pub adjustments: u64,
}

#[derive(Clone, Debug)]
pub struct LoadMonitor {
    cfg: LoadMonitorConfig,
    tokens: f32,
    rate: f32,
    replenish_ns: u64,
    /// Documented: the EWMA (µs, starts at the target). Later: the window's running mean.
    smoothed_latency_us: i64,
    smoothed_rate: f32,
    adjust_count: i32,
    accepted: i32,
    rejected: i32,
    penalties: i32,
    /// Documented: ms; later: µs (the two clocks Clearwater reads).
    last_adjustment: u64,
    totals: Totals,
}

impl LoadMonitor {
    pub fn new(cfg: LoadMonitorConfig, now: SimTime) -> Self {
        let ns = now.as_ns();
        LoadMonitor {
            cfg,
            tokens: cfg.max_tokens as f32,
            rate: cfg.init_rate,
            replenish_ns: ns,
            smoothed_latency_us: match cfg.variant {
                Variant::Documented => cfg.target_latency_us as i64,
                Variant::Later => 0,
            },
            smoothed_rate: 0.0,
            adjust_count: 0,
            accepted: 0,
            rejected: 0,
            penalties: 0,
            last_adjustment: match cfg.variant {
                Variant::Documented => ns / 1_000_000,
                Variant::Later => ns / 1_000,
            },
            totals: Totals::default(),
        }
    }

    /// The permitted request rate (tokens per second).
    pub fn rate(&self) -> f32 {
        self.rate
    }
    pub fn tokens(&self) -> f32 {
        self.tokens
    }
    pub fn smoothed_latency_us(&self) -> i64 {
        self.smoothed_latency_us
    }
    pub fn totals(&self) -> Totals {
        self.totals
    }
    pub fn config(&self) -> &LoadMonitorConfig {
        &self.cfg
    }

    fn replenish(&mut self, now: SimTime) {
        let ns = now.as_ns();
        // Clearwater: (Δtv_nsec)/1000.0 + (Δtv_sec)·1e6 in double, stored in a float.
        let timediff_us = (ns.saturating_sub(self.replenish_ns) as f64 / 1000.0) as f32;
        let added = ((self.rate * timediff_us) as f64) / 1_000_000.0;
        let max = self.cfg.max_tokens as f32;
        match self.cfg.variant {
            Variant::Documented => {
                self.tokens = (self.tokens as f64 + added) as f32;
                if self.tokens >= max {
                    self.tokens = max;
                }
            }
            Variant::Later => {
                let new_tokens = added as f32;
                self.tokens = if new_tokens > max { max } else { new_tokens + self.tokens };
            }
        }
        self.replenish_ns = ns;
    }

    fn get_token(&mut self, now: SimTime) -> bool {
        self.replenish(now);
        let ok = self.tokens >= 1.0;
        if ok {
            self.tokens -= 1.0;
        }
        ok
    }

    /// Asks to admit a message. `exempt`: admitted whatever the bucket says (it still takes a
    /// token if one is there) — only the later variant has exemptions; the documented one
    /// lets the caller decide what a refusal means.
    #[inline]
    pub fn admit(&mut self, now: SimTime, exempt: bool) -> bool {
        if self.get_token(now) || (exempt && self.cfg.variant == Variant::Later) {
            self.accepted += 1;
            self.totals.admitted += 1;
            true
        } else {
            self.rejected += 1;
            self.totals.rejected += 1;
            false
        }
    }

    pub fn penalty(&mut self) {
        self.penalties += 1;
        self.totals.penalties += 1;
    }

    /// A message's processing finished after `latency_us` (queue wait + timed CPU).
    #[inline]
    pub fn complete(&mut self, now: SimTime, latency_us: u64) {
        match self.cfg.variant {
            Variant::Documented => self.complete_documented(now, latency_us),
            Variant::Later => self.complete_later(now, latency_us),
        }
    }

    fn complete_documented(&mut self, now: SimTime, latency_us: u64) {
        let latency = latency_us.min(i32::MAX as u64) as i64;
        // int arithmetic in Clearwater: truncation toward zero.
        self.smoothed_latency_us = (7 * self.smoothed_latency_us + latency) / 8;
        self.adjust_count += 1;
        if self.adjust_count < REQUESTS_BEFORE_ADJUSTMENT {
            return;
        }
        let now_ms = now.as_ns() / 1_000_000;
        if now_ms < self.last_adjustment + SECONDS_BEFORE_ADJUSTMENT * 1000 {
            return;
        }
        let target = self.cfg.target_latency_us as i64;
        let err = (self.smoothed_latency_us - target) as f32 / target as f32;
        if err > DECREASE_THRESHOLD || self.penalties > 0 {
            let mut new_rate = self.rate / DECREASE_FACTOR;
            if new_rate < self.cfg.min_rate {
                new_rate = self.cfg.min_rate;
            }
            self.rate = new_rate;
        } else if err < INCREASE_THRESHOLD {
            // Clearwater holds this in an `int` (32 bits), which wraps after 24.9 days with no
            // adjustment; runs may last a year, so it is 64 bits here.
            let ms_passed = (now_ms - self.last_adjustment) as i64;
            let maximum_permitted_requests = self.rate * ms_passed as f32 / 1000.0;
            // `* 0.5` is a double literal in Clearwater.
            let minimum_threshold = (maximum_permitted_requests as f64 * 0.5) as f32;
            if self.accepted as f32 > minimum_threshold {
                self.rate += -err * self.cfg.max_tokens as f32 * INCREASE_FACTOR;
            }
        }
        self.totals.adjustments += 1;
        self.last_adjustment = now_ms;
        self.adjust_count = 0;
        self.accepted = 0;
        self.rejected = 0;
        self.penalties = 0;
    }

    fn update_rate(&mut self, new_rate: f32) {
        let r = if new_rate > self.cfg.min_rate { new_rate } else { self.cfg.min_rate };
        self.rate = if self.cfg.max_rate != 0.0 && r > self.cfg.max_rate { self.cfg.max_rate } else { r };
    }

    fn complete_later(&mut self, now: SimTime, latency_us: u64) {
        let n = self.adjust_count as u64;
        self.smoothed_latency_us = ((self.smoothed_latency_us as u64 * n + latency_us) / (n + 1)) as i64;
        let now_us = now.as_ns() / 1_000;
        let us_passed = now_us.saturating_sub(self.last_adjustment);
        // `REQUESTS_BEFORE_ADJUSTMENT * 1000000 / us_passed`: integer division.
        let current_rate = 20_000_000u64.checked_div(us_passed).map_or(0.0, |r| r as f32);
        self.smoothed_rate =
            (self.smoothed_rate * self.adjust_count as f32 + current_rate) / (self.adjust_count + 1) as f32;
        self.adjust_count += 1;
        if self.adjust_count < REQUESTS_BEFORE_ADJUSTMENT {
            return;
        }
        let target = self.cfg.target_latency_us as f32;
        let err = (self.smoothed_latency_us as f32 - target) / target;
        if err > DECREASE_THRESHOLD || self.penalties > 0 {
            self.update_rate(self.rate / DECREASE_FACTOR);
        } else if err < INCREASE_THRESHOLD {
            let threshold_rate = self.rate * PERCENTAGE_BEFORE_ADJUSTMENT;
            if self.smoothed_rate > threshold_rate {
                self.update_rate(self.rate + -err * self.cfg.max_tokens as f32 * INCREASE_FACTOR);
            }
        }
        self.totals.adjustments += 1;
        self.last_adjustment = now_us;
        self.adjust_count = 0;
        self.accepted = 0;
        self.rejected = 0;
        self.penalties = 0;
        self.smoothed_latency_us = 0;
        self.smoothed_rate = 0.0;
    }
}
