//! The discrete-event engine: time, the event queue, random streams, distributions and the
//! run fingerprint. Nothing here does I/O or can fail on valid input; a model plugs in by
//! implementing [`Model`] with a closed `enum` of events.

pub mod coarse_blocks;
pub mod dist;
pub mod event_list;
pub mod fingerprint;
pub mod rng;
pub mod time;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use dist::Dist;
pub use event_list::EventQueue;
pub use fingerprint::{EventKind, Fingerprint};
pub use rng::{Rng, RngFactory, StreamId};
pub use time::{SimDuration, SimTime};

/// A simulated world: owns its state and reacts to its own events.
pub trait Model {
    /// A closed set of event kinds, small and `Copy` so the queue moves plain bytes.
    type Event: Copy + EventKind;

    /// Processes one event at `queue.now()`, scheduling any follow-up events.
    fn handle(&mut self, event: Self::Event, queue: &mut EventQueue<Self::Event>);
}

/// Shared, thread-safe controls of a batch of runs: an interrupt flag (Ctrl-C) and progress
/// counters across all runs — simulated nanoseconds, events processed and runs finished
/// (for the progress bar; never read by a simulation).
#[derive(Default)]
pub struct RunControl {
    pub interrupt: AtomicBool,
    pub progress_ns: AtomicU64,
    pub progress_events: AtomicU64,
    pub runs_finished: AtomicU64,
}

impl RunControl {
    /// `const` so the CLI can keep one in a `static` for its Ctrl-C handler.
    pub const fn new() -> Self {
        RunControl {
            interrupt: AtomicBool::new(false),
            progress_ns: AtomicU64::new(0),
            progress_events: AtomicU64::new(0),
            runs_finished: AtomicU64::new(0),
        }
    }
}

/// How a call to [`Simulation::run_until`] ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RunEnd {
    /// Reached the end time (or ran out of events before it).
    Completed,
    /// The interrupt flag was raised; the model stopped mid-run.
    Interrupted,
    /// The event budget ([`Simulation::set_max_events`]) ran out before the end time.
    EventLimit,
    /// Simulated time stood still for [`STALL_EVENTS`] events: the model makes no progress.
    Stalled,
}

/// Events processed without simulated time advancing before a run is declared stalled. No
/// model does this much at one instant; a zero-length loop of events does it in seconds.
pub const STALL_EVENTS: u64 = 100_000_000;

/// Events between two looks at the interrupt flag and the progress counter: rare enough to
/// cost nothing, frequent enough (~ a few ms of wall time) to react at once to Ctrl-C.
const CONTROL_EVERY: u64 = 1 << 16;

/// A model together with its event queue, fingerprint and event counter.
pub struct Simulation<M: Model> {
    pub queue: EventQueue<M::Event>,
    pub model: M,
    fingerprint: Fingerprint,
    events: u64,
    max_events: u64,
}

impl<M: Model> Simulation<M> {
    pub fn new(model: M) -> Self {
        Simulation {
            queue: EventQueue::new(),
            model,
            fingerprint: Fingerprint::default(),
            events: 0,
            max_events: u64::MAX,
        }
    }

    /// Stops [`Self::run_until`] with [`RunEnd::EventLimit`] once `max` events are processed.
    pub fn set_max_events(&mut self, max: u64) {
        self.max_events = max;
    }

    /// Builds the model with access to the queue, so it can schedule its first events.
    pub fn build(make: impl FnOnce(&mut EventQueue<M::Event>) -> M) -> Self {
        let mut queue = EventQueue::new();
        let model = make(&mut queue);
        Simulation { queue, model, fingerprint: Fingerprint::default(), events: 0, max_events: u64::MAX }
    }

    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Processes every event with time ≤ `end`, then moves the clock to `end` — unless the
    /// run is interrupted, exhausts its event budget or stalls: then the clock stays where
    /// the run stopped.
    pub fn run_until(&mut self, end: SimTime, control: &RunControl) -> RunEnd {
        let (mut reported, mut reported_events) = (self.queue.now(), self.events);
        // Checks happen every CONTROL_EVERY events, and exactly when the budget runs out.
        let mut until_check = CONTROL_EVERY.min(self.max_events.saturating_sub(self.events));
        // Where simulated time last moved: (time, events processed then).
        let (mut still_at, mut still_from) = (self.queue.now(), self.events);
        loop {
            if until_check == 0 {
                if self.queue.peek_time().is_some_and(|t| t <= end) {
                    return RunEnd::EventLimit;
                }
                break;
            }
            let Some((time, event)) = self.queue.pop_until(end) else { break };
            self.fingerprint.record(time.as_ns(), event.kind(), event.target());
            self.events += 1;
            self.model.handle(event, &mut self.queue);
            until_check -= 1;
            if until_check == 0 {
                until_check = CONTROL_EVERY.min(self.max_events.saturating_sub(self.events));
                let now = self.queue.now();
                control.progress_ns.fetch_add(now.since(reported).as_ns(), Ordering::Relaxed);
                control.progress_events.fetch_add(self.events - reported_events, Ordering::Relaxed);
                (reported, reported_events) = (now, self.events);
                if control.interrupt.load(Ordering::Relaxed) {
                    return RunEnd::Interrupted;
                }
                if now != still_at {
                    (still_at, still_from) = (now, self.events);
                } else if self.events - still_from >= STALL_EVENTS {
                    return RunEnd::Stalled;
                }
            }
        }
        self.queue.advance_to(end.max(self.queue.now()));
        control.progress_ns.fetch_add(self.queue.now().since(reported).as_ns(), Ordering::Relaxed);
        control.progress_events.fetch_add(self.events - reported_events, Ordering::Relaxed);
        control.runs_finished.fetch_add(1, Ordering::Relaxed);
        RunEnd::Completed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Copy, Clone)]
    struct Tick(u32);
    impl EventKind for Tick {
        fn kind(&self) -> u32 {
            0
        }
        fn target(&self) -> u64 {
            self.0 as u64
        }
    }

    /// Records the order events arrive in; each event `n < 3` schedules two equal-time
    /// children, so FIFO order on ties is observable.
    struct Recorder(Vec<u32>);
    impl Model for Recorder {
        type Event = Tick;
        fn handle(&mut self, e: Tick, q: &mut EventQueue<Tick>) {
            self.0.push(e.0);
            if e.0 < 3 {
                q.schedule_in(SimDuration::from_ns(1), Tick(e.0 * 10 + 10));
                q.schedule_in(SimDuration::from_ns(1), Tick(e.0 * 10 + 11));
            }
        }
    }

    #[test]
    fn equal_time_events_are_processed_in_scheduling_order() {
        let mut sim = Simulation::new(Recorder(vec![]));
        for i in 0..3 {
            sim.queue.schedule_at(SimTime::ZERO, Tick(i));
        }
        sim.run_until(SimTime::from_ns(100), &RunControl::default());
        assert_eq!(sim.model.0, vec![0, 1, 2, 10, 11, 20, 21, 30, 31]);
        assert_eq!(sim.events_processed(), 9);
        assert_eq!(sim.now(), SimTime::from_ns(100));
    }

    /// Each event schedules the next one `gap` later.
    struct Chain(SimDuration);
    impl Model for Chain {
        type Event = Tick;
        fn handle(&mut self, e: Tick, q: &mut EventQueue<Tick>) {
            q.schedule_in(self.0, e);
        }
    }

    #[test]
    fn the_event_budget_stops_the_run_exactly() {
        let mut sim = Simulation::new(Chain(SimDuration::from_ns(1)));
        sim.queue.schedule_at(SimTime::ZERO, Tick(0));
        sim.set_max_events(100_000);
        assert_eq!(sim.run_until(SimTime::MAX, &RunControl::default()), RunEnd::EventLimit);
        assert_eq!(sim.events_processed(), 100_000);
        // Event 100 000 ran at t = 99 999 ns; the clock stays there.
        assert_eq!(sim.now(), SimTime::from_ns(99_999));
    }

    #[test]
    fn a_run_whose_time_stands_still_is_declared_stalled() {
        let mut sim = Simulation::new(Chain(SimDuration::ZERO));
        sim.queue.schedule_at(SimTime::from_ns(5), Tick(0));
        assert_eq!(sim.run_until(SimTime::from_ns(10), &RunControl::default()), RunEnd::Stalled);
        // The clock moves from 0 to 5 ns before the first control check, which starts the
        // count there; the stall is seen at the first check STALL_EVENTS later.
        let n = sim.events_processed();
        assert!((STALL_EVENTS + CONTROL_EVERY..STALL_EVENTS + 2 * CONTROL_EVERY).contains(&n), "{n}");
        assert_eq!(sim.now(), SimTime::from_ns(5));
    }

    #[test]
    fn interrupt_stops_the_run() {
        struct Forever;
        impl Model for Forever {
            type Event = Tick;
            fn handle(&mut self, e: Tick, q: &mut EventQueue<Tick>) {
                q.schedule_in(SimDuration::from_ns(1), e);
            }
        }
        let mut sim = Simulation::new(Forever);
        sim.queue.schedule_at(SimTime::ZERO, Tick(0));
        let control = RunControl::default();
        control.interrupt.store(true, Ordering::Relaxed);
        assert_eq!(sim.run_until(SimTime::MAX, &control), RunEnd::Interrupted);
        assert_eq!(sim.events_processed(), CONTROL_EVERY);
    }
}
