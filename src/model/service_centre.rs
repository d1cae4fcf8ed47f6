//! A multi-server service centre: the CPU of every simulated node.
//!
//! `servers` identical servers (cores) share a FIFO queue; each job brings its own service
//! demand. A second class of *urgent* jobs has preemptive-resume priority: an urgent job
//! that finds every server busy takes over a server running a normal job, which goes back to
//! the head of the queue with its remaining work. The Clearwater model uses it for work that
//! resumes a thread already in progress — a Sprout worker woken by its I/O reply — which the
//! Linux scheduler runs ahead of queued new work (wakeup preemption).
//!
//! The centre does not schedule events itself: `arrive*` and `complete` return the start of
//! service (slot, generation, completion time) and the owning model schedules the completion
//! event. A preempted job's completion event goes stale: its slot's generation has moved on.
//! Queues and slot vectors are reused, so there is no allocation per job.

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{LatencyHistogram, TimeAverage};

#[derive(Copy, Clone, Debug)]
struct Waiting<J> {
    job: J,
    arrived: SimTime,
    /// Remaining demand, before any slow-down factor.
    demand: SimDuration,
    expirable: bool,
    urgent: bool,
    /// First start of service (a preempted job keeps it).
    started: Option<SimTime>,
}

#[derive(Copy, Clone, Debug)]
struct InService<J> {
    job: J,
    arrived: SimTime,
    started: SimTime,
    done_at: SimTime,
    expired: bool,
    urgent: bool,
}

/// A job entering service: the model schedules its completion at `done_at` on `slot`,
/// quoting `gen`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub slot: u32,
    pub gen: u32,
    pub done_at: SimTime,
}

/// A job leaving the centre.
#[derive(Copy, Clone, Debug)]
pub struct Finished<J> {
    pub job: J,
    pub arrived: SimTime,
    /// First start of service.
    pub started: SimTime,
    /// The job waited longer than the queue timeout and was only rejected, not served.
    pub expired: bool,
}

impl<J> Finished<J> {
    /// Queue wait plus service (plus any time preempted): what Clearwater's LoadMonitor
    /// calls the request latency.
    pub fn sojourn(&self, now: SimTime) -> SimDuration {
        now.since(self.arrived)
    }
}

/// Statistics since the start of the run or the last [`ServiceCentre::reset_stats`].
#[derive(Clone, Debug)]
pub struct CentreStats {
    pub arrivals: u64,
    pub completions: u64,
    /// Jobs that found every server busy (and did not preempt one).
    pub delayed: u64,
    pub preemptions: u64,
    /// Number of busy servers over time.
    pub busy: TimeAverage,
    /// Number of jobs waiting (not in service) over time.
    pub queued: TimeAverage,
    /// Wait before the first start of service.
    pub wait: LatencyHistogram,
    pub sojourn: LatencyHistogram,
}

impl CentreStats {
    fn new(now: SimTime) -> Self {
        CentreStats {
            arrivals: 0,
            completions: 0,
            delayed: 0,
            preemptions: 0,
            busy: TimeAverage::new(now),
            queued: TimeAverage::new(now),
            wait: LatencyHistogram::new(),
            sojourn: LatencyHistogram::new(),
        }
    }

    /// ∫ N(t) dt (jobs in the centre, waiting or in service), in job·ns.
    pub fn in_system_integral(&self, now: SimTime) -> u128 {
        self.busy.integral(now) + self.queued.integral(now)
    }
}

pub struct ServiceCentre<J: Copy> {
    slots: Vec<Option<InService<J>>>,
    gens: Vec<u32>,
    free: Vec<u32>,
    queue: VecDeque<Waiting<J>>,
    urgent: VecDeque<Waiting<J>>,
    /// Service demands are multiplied by this (CPU slow-down faults); 1.0 normally.
    slowdown: f64,
    /// Expirable jobs that waited longer than this get the second value as demand instead
    /// of their own (Sprout answers requests older than 4 s with a stateless 503).
    queue_timeout: Option<(SimDuration, SimDuration)>,
    /// Add a server whenever every one is busy (the "unlimited capacity" assumption);
    /// `servers` stays the nominal count utilisation is measured against.
    unlimited: bool,
    nominal: u32,
    /// Whether `stats.wait` and `stats.sojourn` are recorded (a model that reads only the
    /// busy-server average turns them off: two histogram records per job saved).
    latency: bool,
    stats: CentreStats,
}

impl<J: Copy> ServiceCentre<J> {
    /// # Panics
    /// If `servers` is zero (the scenario validator rejects zero cores).
    pub fn new(servers: u32, now: SimTime) -> Self {
        assert!(servers > 0, "a service centre needs at least one server");
        ServiceCentre {
            slots: vec![None; servers as usize],
            gens: vec![0; servers as usize],
            // Reversed so slot 0 is used first: makes traces easier to read.
            free: (0..servers).rev().collect(),
            queue: VecDeque::with_capacity(64),
            urgent: VecDeque::with_capacity(64),
            slowdown: 1.0,
            queue_timeout: None,
            unlimited: false,
            nominal: servers,
            latency: true,
            stats: CentreStats::new(now),
        }
    }

    /// A centre that never queues: it grows a server whenever all are busy. `nominal` is the
    /// core count utilisation is reported against (it may exceed 100%).
    pub fn unlimited(nominal: u32, now: SimTime) -> Self {
        let mut c = Self::new(nominal, now);
        c.unlimited = true;
        c
    }

    /// The same centre without the wait and sojourn histograms: they stay empty.
    pub fn without_latency(mut self) -> Self {
        self.latency = false;
        self
    }

    /// The nominal number of servers (cores).
    pub fn servers(&self) -> u32 {
        self.nominal
    }

    pub fn busy(&self) -> u32 {
        self.slots.len() as u32 - self.free.len() as u32
    }

    /// Jobs waiting (both classes).
    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.urgent.len()
    }

    /// Jobs in the centre, counted from the actual queues and slots.
    pub fn in_system(&self) -> u64 {
        self.queue_len() as u64 + self.slots.iter().filter(|s| s.is_some()).count() as u64
    }

    pub fn stats(&self) -> &CentreStats {
        &self.stats
    }

    pub fn set_slowdown(&mut self, factor: f64) {
        self.slowdown = factor;
    }

    /// Expirable jobs that wait longer than `max_wait` are rejected at a cost of
    /// `reject_demand` instead of being served.
    pub fn set_queue_timeout(&mut self, max_wait: SimDuration, reject_demand: SimDuration) {
        self.queue_timeout = Some((max_wait, reject_demand));
    }

    fn effective(&self, demand: SimDuration) -> SimDuration {
        if self.slowdown == 1.0 {
            demand
        } else {
            demand.saturating_mul_f64(self.slowdown)
        }
    }

    fn waiting(job: J, now: SimTime, demand: SimDuration, expirable: bool, urgent: bool) -> Waiting<J> {
        Waiting { job, arrived: now, demand, expirable, urgent, started: None }
    }

    /// A job arrives; returns its start of service if a server is free.
    #[inline]
    pub fn arrive(&mut self, now: SimTime, job: J, demand: SimDuration) -> Option<Started> {
        self.arrive_job(now, Self::waiting(job, now, demand, false, false))
    }

    /// Like [`arrive`](Self::arrive), for a job subject to the queue timeout.
    #[inline]
    pub fn arrive_expirable(&mut self, now: SimTime, job: J, demand: SimDuration) -> Option<Started> {
        self.arrive_job(now, Self::waiting(job, now, demand, true, false))
    }

    /// An urgent job: served before every normal job, preempting one if need be.
    #[inline]
    pub fn arrive_urgent(&mut self, now: SimTime, job: J, demand: SimDuration) -> Option<Started> {
        let w = Self::waiting(job, now, demand, false, true);
        if self.free.is_empty() {
            if let Some(slot) = self.preemptible() {
                self.stats.arrivals += 1;
                self.preempt(now, slot);
                return Some(self.start(now, slot, w));
            }
        }
        self.arrive_job(now, w)
    }

    #[inline]
    fn arrive_job(&mut self, now: SimTime, w: Waiting<J>) -> Option<Started> {
        self.stats.arrivals += 1;
        if self.unlimited && self.free.is_empty() {
            self.slots.push(None);
            self.gens.push(0);
            self.free.push(self.slots.len() as u32 - 1);
        }
        match self.free.pop() {
            Some(slot) => Some(self.start(now, slot, w)),
            None => {
                self.stats.delayed += 1;
                if w.urgent {
                    self.urgent.push_back(w);
                } else {
                    self.queue.push_back(w);
                }
                self.stats.queued.set(now, self.queue_len() as u64);
                None
            }
        }
    }

    /// The normal job with the most work left (latest completion; highest slot on ties).
    fn preemptible(&self) -> Option<u32> {
        let mut best: Option<(SimTime, u32)> = None;
        for (i, s) in self.slots.iter().enumerate() {
            if let Some(s) = s {
                if !s.urgent && best.is_none_or(|(t, _)| s.done_at >= t) {
                    best = Some((s.done_at, i as u32));
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// Puts the job on `slot` back at the head of the queue with its remaining work; the
    /// slot's pending completion event goes stale.
    fn preempt(&mut self, now: SimTime, slot: u32) {
        let s = self.slots[slot as usize].take().expect("preempting a busy slot");
        self.gens[slot as usize] = self.gens[slot as usize].wrapping_add(1);
        self.stats.preemptions += 1;
        let left = s.done_at.since(now);
        let demand = if self.slowdown == 1.0 { left } else { left.saturating_mul_f64(1.0 / self.slowdown) };
        self.queue.push_front(Waiting {
            job: s.job,
            arrived: s.arrived,
            demand,
            expirable: false,
            urgent: false,
            started: Some(s.started),
        });
        self.stats.queued.set(now, self.queue_len() as u64);
    }

    #[inline]
    fn start(&mut self, now: SimTime, slot: u32, w: Waiting<J>) -> Started {
        let wait = now.since(w.arrived);
        if w.started.is_none() && self.latency {
            self.stats.wait.record(wait);
        }
        self.stats.busy.set(now, self.busy() as u64);
        let (demand, expired) = match self.queue_timeout {
            Some((max_wait, reject)) if w.expirable && wait > max_wait => (reject, true),
            _ => (w.demand, false),
        };
        let done_at = now + self.effective(demand);
        let started = w.started.unwrap_or(now);
        self.slots[slot as usize] =
            Some(InService { job: w.job, arrived: w.arrived, started, done_at, expired, urgent: w.urgent });
        Started { slot, gen: self.gens[slot as usize], done_at }
    }

    /// The job on `slot` completes: returns it and the next job's start, if one was waiting;
    /// `None` if the completion is stale (the job was preempted; `gen` is old).
    ///
    /// # Panics
    /// If `slot` is idle with a current `gen`: that completion event is a model bug.
    #[inline]
    pub fn complete(&mut self, now: SimTime, slot: u32, gen: u32) -> Option<(Finished<J>, Option<Started>)> {
        if self.gens[slot as usize] != gen {
            return None;
        }
        let done = self.slots[slot as usize].take().expect("model bug: completion on an idle server");
        self.gens[slot as usize] = self.gens[slot as usize].wrapping_add(1);
        self.stats.completions += 1;
        if self.latency {
            self.stats.sojourn.record(now.since(done.arrived));
        }
        let finished = Finished { job: done.job, arrived: done.arrived, started: done.started, expired: done.expired };
        let next = match self.urgent.pop_front().or_else(|| self.queue.pop_front()) {
            Some(w) => {
                self.stats.queued.set(now, self.queue_len() as u64);
                Some(self.start(now, slot, w))
            }
            None => {
                self.free.push(slot);
                self.stats.busy.set(now, self.busy() as u64);
                None
            }
        };
        Some((finished, next))
    }

    /// Removes every job (the node crashed): returns them, in service first, then waiting;
    /// their pending completions go stale.
    pub fn drain(&mut self, now: SimTime, out: &mut Vec<J>) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if let Some(s) = slot.take() {
                out.push(s.job);
                self.gens[i] = self.gens[i].wrapping_add(1);
                self.free.push(i as u32);
            }
        }
        out.extend(self.urgent.drain(..).map(|w| w.job));
        out.extend(self.queue.drain(..).map(|w| w.job));
        self.free.sort_unstable_by(|a, b| b.cmp(a));
        self.stats.busy.set(now, 0);
        self.stats.queued.set(now, 0);
    }

    /// Starts a new measurement period (end of warm-up) without touching the jobs.
    pub fn reset_stats(&mut self, now: SimTime) {
        let mut fresh = CentreStats::new(now);
        fresh.busy.set(now, self.busy() as u64);
        fresh.queued.set(now, self.queue_len() as u64);
        fresh.busy.reset(now);
        fresh.queued.reset(now);
        self.stats = fresh;
    }
}

#[cfg(test)]
#[path = "service_centre_tests.rs"]
mod tests;
