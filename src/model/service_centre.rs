//! A multi-server FIFO service centre: the CPU of every simulated node.
//!
//! `servers` identical servers (cores) share one FIFO queue; each job brings its own service
//! demand. The centre does not schedule events itself: `arrive` and `complete` return the
//! start of service (with its completion time), and the owning model schedules the
//! completion event carrying the server slot. That keeps the centre reusable by any model
//! and free of allocation per job (the queue and slot vectors are reused).

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{LatencyHistogram, TimeAverage};

#[derive(Copy, Clone, Debug)]
struct Waiting<J> {
    job: J,
    arrived: SimTime,
    demand: SimDuration,
}

#[derive(Copy, Clone, Debug)]
struct InService<J> {
    job: J,
    arrived: SimTime,
    started: SimTime,
}

/// A job entering service: the model schedules its completion at `done_at` on `slot`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub slot: u32,
    pub done_at: SimTime,
}

/// A job leaving the centre.
#[derive(Copy, Clone, Debug)]
pub struct Finished<J> {
    pub job: J,
    pub arrived: SimTime,
    pub started: SimTime,
}

impl<J> Finished<J> {
    /// Queue wait plus service: what Clearwater's LoadMonitor calls the request latency.
    pub fn sojourn(&self, now: SimTime) -> SimDuration {
        now.since(self.arrived)
    }
}

/// Statistics since the start of the run or the last [`ServiceCentre::reset_stats`].
#[derive(Clone, Debug)]
pub struct CentreStats {
    pub arrivals: u64,
    pub completions: u64,
    /// Jobs that found every server busy.
    pub delayed: u64,
    /// Number of busy servers over time.
    pub busy: TimeAverage,
    /// Number of jobs waiting (not in service) over time.
    pub queued: TimeAverage,
    pub wait: LatencyHistogram,
    pub sojourn: LatencyHistogram,
}

impl CentreStats {
    fn new(now: SimTime) -> Self {
        CentreStats {
            arrivals: 0,
            completions: 0,
            delayed: 0,
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
    free: Vec<u32>,
    queue: VecDeque<Waiting<J>>,
    /// Service demands are multiplied by this (CPU slow-down faults); 1.0 normally.
    slowdown: f64,
    stats: CentreStats,
}

impl<J: Copy> ServiceCentre<J> {
    /// # Panics
    /// If `servers` is zero (the scenario validator rejects zero cores).
    pub fn new(servers: u32, now: SimTime) -> Self {
        assert!(servers > 0, "a service centre needs at least one server");
        ServiceCentre {
            slots: vec![None; servers as usize],
            // Reversed so slot 0 is used first: makes traces easier to read.
            free: (0..servers).rev().collect(),
            queue: VecDeque::with_capacity(64),
            slowdown: 1.0,
            stats: CentreStats::new(now),
        }
    }

    pub fn servers(&self) -> u32 {
        self.slots.len() as u32
    }

    pub fn busy(&self) -> u32 {
        self.servers() - self.free.len() as u32
    }

    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Jobs in the centre, counted from the actual queue and slots.
    pub fn in_system(&self) -> u64 {
        self.queue.len() as u64 + self.slots.iter().filter(|s| s.is_some()).count() as u64
    }

    pub fn stats(&self) -> &CentreStats {
        &self.stats
    }

    pub fn set_slowdown(&mut self, factor: f64) {
        self.slowdown = factor;
    }

    fn effective(&self, demand: SimDuration) -> SimDuration {
        if self.slowdown == 1.0 {
            demand
        } else {
            demand.saturating_mul_f64(self.slowdown)
        }
    }

    /// A job arrives; returns its start of service if a server is free.
    #[inline]
    pub fn arrive(&mut self, now: SimTime, job: J, demand: SimDuration) -> Option<Started> {
        self.stats.arrivals += 1;
        match self.free.pop() {
            Some(slot) => Some(self.start(
                now,
                slot,
                Waiting {
                    job,
                    arrived: now,
                    demand,
                },
            )),
            None => {
                self.stats.delayed += 1;
                self.queue.push_back(Waiting {
                    job,
                    arrived: now,
                    demand,
                });
                self.stats.queued.set(now, self.queue.len() as u64);
                None
            }
        }
    }

    #[inline]
    fn start(&mut self, now: SimTime, slot: u32, w: Waiting<J>) -> Started {
        self.stats.wait.record(now.since(w.arrived));
        self.stats
            .busy
            .set(now, (self.servers() - self.free.len() as u32) as u64);
        self.slots[slot as usize] = Some(InService {
            job: w.job,
            arrived: w.arrived,
            started: now,
        });
        Started {
            slot,
            done_at: now + self.effective(w.demand),
        }
    }

    /// The job on `slot` completes; returns it and the next job's start, if one was waiting.
    ///
    /// # Panics
    /// If `slot` is idle: a completion event for an idle server is a model bug.
    #[inline]
    pub fn complete(&mut self, now: SimTime, slot: u32) -> (Finished<J>, Option<Started>) {
        let done = self.slots[slot as usize]
            .take()
            .expect("model bug: completion on an idle server");
        self.stats.completions += 1;
        self.stats.sojourn.record(now.since(done.arrived));
        let finished = Finished {
            job: done.job,
            arrived: done.arrived,
            started: done.started,
        };
        let next = match self.queue.pop_front() {
            Some(w) => {
                self.stats.queued.set(now, self.queue.len() as u64);
                Some(self.start(now, slot, w))
            }
            None => {
                self.free.push(slot);
                self.stats
                    .busy
                    .set(now, (self.servers() - self.free.len() as u32) as u64);
                None
            }
        };
        (finished, next)
    }

    /// Starts a new measurement period (end of warm-up) without touching the jobs.
    pub fn reset_stats(&mut self, now: SimTime) {
        let mut fresh = CentreStats::new(now);
        fresh.busy.set(now, self.busy() as u64);
        fresh.queued.set(now, self.queue.len() as u64);
        fresh.busy.reset(now);
        fresh.queued.reset(now);
        self.stats = fresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: u64) -> SimTime {
        SimTime::from_ns(ns)
    }

    #[test]
    fn two_servers_hand_trace() {
        // Jobs a, b, c arrive at 0, 1, 2 with demand 10 on 2 servers:
        // a runs 0..10, b runs 1..11, c waits 2..10 then runs 10..20.
        let mut c = ServiceCentre::new(2, t(0));
        let d = SimDuration::from_ns(10);
        let sa = c.arrive(t(0), 'a', d).unwrap();
        let sb = c.arrive(t(1), 'b', d).unwrap();
        assert!(c.arrive(t(2), 'c', d).is_none());
        assert_eq!((sa.done_at, sb.done_at), (t(10), t(11)));
        let (fa, next) = c.complete(t(10), sa.slot);
        assert_eq!(fa.job, 'a');
        let sc = next.unwrap();
        assert_eq!((sc.slot, sc.done_at), (sa.slot, t(20)));
        let (fb, none) = c.complete(t(11), sb.slot);
        assert_eq!((fb.job, none), ('b', None));
        let (fc, _) = c.complete(t(20), sc.slot);
        assert_eq!(
            (fc.job, fc.started, fc.sojourn(t(20))),
            ('c', t(10), SimDuration::from_ns(18))
        );
        // Busy servers: 1 on [0,1), 2 on [1,11), 1 on [11,20) => 1 + 20 + 9 = 30 server·ns.
        assert_eq!(c.stats().busy.integral(t(20)), 30);
        // Queue: 1 on [2,10) => 8. In system = 38 = sum of sojourns 10 + 10 + 18.
        assert_eq!(c.stats().in_system_integral(t(20)), 38);
        assert_eq!(c.stats().sojourn.sum_ns(), 38);
        assert_eq!(c.stats().delayed, 1);
        assert_eq!(c.in_system(), 0);
    }

    #[test]
    fn slowdown_scales_demand() {
        let mut c = ServiceCentre::new(1, t(0));
        c.set_slowdown(2.0);
        let s = c.arrive(t(0), (), SimDuration::from_ns(10)).unwrap();
        assert_eq!(s.done_at, t(20));
    }
}
