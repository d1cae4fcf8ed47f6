//! The `queue` model: one multi-server service centre fed by Poisson arrivals.
//!
//! It runs the same engine, service centre and statistics the Clearwater nodes use, so the
//! Erlang C and Little's-law tests validate the shared machinery end to end; it is also the
//! engine benchmark (M/M/10 at ρ = 0.8).

use crate::engine::{
    Dist, EventKind, EventQueue, Fingerprint, Model, Rng, RngFactory, RunControl, RunEnd, SimDuration, SimTime,
    Simulation, StreamId,
};
use crate::metrics::LatencyHistogram;
use crate::model::service_centre::ServiceCentre;
use crate::scenario::{Load, Scenario};

/// Stream classes of this model.
const STREAM_ARRIVALS: u16 = 1;
const STREAM_SERVICE: u16 = 2;

#[derive(Copy, Clone, Debug)]
pub enum QueueEvent {
    Arrival,
    Departure { slot: u32, gen: u32 },
    Sample,
    WarmupEnd,
}

impl EventKind for QueueEvent {
    fn kind(&self) -> u32 {
        match self {
            QueueEvent::Arrival => 0,
            QueueEvent::Departure { .. } => 1,
            QueueEvent::Sample => 2,
            QueueEvent::WarmupEnd => 3,
        }
    }
    fn target(&self) -> u64 {
        match self {
            QueueEvent::Departure { slot, .. } => *slot as u64,
            _ => 0,
        }
    }
}

/// One row of `timeseries.csv`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueueSample {
    pub time: SimTime,
    /// Cumulative since the start of the run (not reset at warm-up).
    pub arrivals: u64,
    pub completions: u64,
    /// Jobs present, counted from the centre's queue and servers.
    pub in_system: u64,
    pub queued: u64,
    pub busy: u32,
    /// Busy fraction of all servers over the interval that ends here.
    pub utilisation: f64,
}

/// Parameters of one queue run (separate from the scenario so tests and the benchmark can
/// build runs directly).
#[derive(Clone, Debug)]
pub struct QueueParams {
    pub servers: u32,
    pub interarrival: Dist,
    pub service: Dist,
    /// No arrivals at or after this time.
    pub stop_arrivals: SimTime,
    pub end: SimTime,
    pub warmup_end: SimTime,
    /// `None`: no time series (the benchmark).
    pub sample_interval: Option<SimDuration>,
    pub seed: u64,
    /// The replication's event budget (`simulation.max_events`).
    pub max_events: u64,
}

impl QueueParams {
    /// # Panics
    /// If the scenario is not a validated `queue` scenario.
    pub fn from_scenario(s: &Scenario) -> Self {
        let q = s.queue.as_ref().expect("validated queue scenario has [queue]");
        let Load::Poisson { rate, stop_at } = &s.load else { panic!("validated queue scenario has a poisson load") };
        QueueParams {
            servers: q.servers,
            interarrival: Dist::exp(rate.mean_gap().expect("validated rate > 0")),
            service: q.service.clone(),
            stop_arrivals: stop_at.map_or(SimTime::MAX, |d| SimTime::ZERO + d),
            end: s.simulation.end(),
            warmup_end: s.simulation.warmup_end(),
            sample_interval: s.output.timeseries.then_some(s.simulation.sample_interval),
            seed: s.simulation.seed,
            max_events: s.simulation.max_events,
        }
    }
}

pub struct QueueWorld {
    centre: ServiceCentre<()>,
    arrival_rng: Rng,
    service_rng: Rng,
    params: QueueParams,
    arrivals: u64,
    completions: u64,
    samples: Vec<QueueSample>,
    last_sample: SimTime,
    last_busy_integral: u128,
}

impl Model for QueueWorld {
    type Event = QueueEvent;

    #[inline]
    fn handle(&mut self, event: QueueEvent, q: &mut EventQueue<QueueEvent>) {
        let now = q.now();
        match event {
            QueueEvent::Arrival => {
                let next = now + self.params.interarrival.sample(&mut self.arrival_rng);
                if next < self.params.stop_arrivals {
                    q.schedule_at(next, QueueEvent::Arrival);
                }
                self.arrivals += 1;
                let demand = self.params.service.sample(&mut self.service_rng);
                if let Some(s) = self.centre.arrive(now, (), demand) {
                    q.schedule_at(s.done_at, QueueEvent::Departure { slot: s.slot, gen: s.gen });
                }
            }
            QueueEvent::Departure { slot, gen } => {
                self.completions += 1;
                let (_, next) = self.centre.complete(now, slot, gen).expect("no preemption in the queue model");
                if let Some(s) = next {
                    q.schedule_at(s.done_at, QueueEvent::Departure { slot: s.slot, gen: s.gen });
                }
            }
            QueueEvent::Sample => {
                self.sample(now);
                if let Some(every) = self.params.sample_interval {
                    q.schedule_in(every, QueueEvent::Sample);
                }
            }
            QueueEvent::WarmupEnd => {
                self.centre.reset_stats(now);
                self.last_busy_integral = 0;
            }
        }
    }
}

impl QueueWorld {
    fn sample(&mut self, now: SimTime) {
        let busy_integral = self.centre.stats().busy.integral(now);
        let span = now.since(self.last_sample).as_ns() as f64 * self.centre.servers() as f64;
        let utilisation = if span > 0.0 { (busy_integral - self.last_busy_integral) as f64 / span } else { 0.0 };
        self.samples.push(QueueSample {
            time: now,
            arrivals: self.arrivals,
            completions: self.completions,
            in_system: self.centre.in_system(),
            queued: self.centre.queue_len() as u64,
            busy: self.centre.busy(),
            utilisation,
        });
        self.last_sample = now;
        self.last_busy_integral = busy_integral;
    }
}

/// Measurements of one replication (after warm-up unless noted).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct QueueResult {
    pub replication: u32,
    pub fingerprint: Fingerprint,
    pub events: u64,
    /// How the replication ended, and the simulated time it stopped at.
    pub end: RunEnd,
    pub stopped_at: SimTime,
    pub measured: SimDuration,
    pub servers: u32,
    pub arrivals: u64,
    pub completions: u64,
    pub delayed: u64,
    /// ∫ busy servers dt / (servers · measured time).
    pub utilisation: f64,
    /// Time-average number in the system (L) and in the queue (Lq).
    pub mean_in_system: f64,
    pub mean_queued: f64,
    /// Exact ∫ N(t) dt in job·ns (for Little's law).
    pub in_system_integral: u128,
    /// Jobs still present at the end.
    pub in_flight_end: u64,
    pub wait: LatencyHistogram,
    pub sojourn: LatencyHistogram,
    pub samples: Vec<QueueSample>,
}

impl QueueResult {
    /// Fraction of arrivals that found every server busy (Erlang C's P(wait), by PASTA).
    pub fn p_wait(&self) -> f64 {
        if self.arrivals == 0 {
            0.0
        } else {
            self.delayed as f64 / self.arrivals as f64
        }
    }
}

/// Runs one replication.
pub fn run(params: &QueueParams, replication: u32, control: &RunControl) -> QueueResult {
    let rngs = RngFactory::new(params.seed, replication);
    let world = QueueWorld {
        centre: ServiceCentre::new(params.servers, SimTime::ZERO),
        arrival_rng: rngs.stream(StreamId::new(STREAM_ARRIVALS, 0)),
        service_rng: rngs.stream(StreamId::new(STREAM_SERVICE, 0)),
        params: params.clone(),
        arrivals: 0,
        completions: 0,
        samples: Vec::new(),
        last_sample: SimTime::ZERO,
        last_busy_integral: 0,
    };
    let mut sim = Simulation::new(world);
    sim.set_max_events(params.max_events);
    if params.warmup_end > SimTime::ZERO {
        sim.queue.schedule_at(params.warmup_end, QueueEvent::WarmupEnd);
    }
    if let Some(every) = params.sample_interval {
        sim.queue.schedule_at(SimTime::ZERO + every, QueueEvent::Sample);
    }
    let first = SimTime::ZERO + params.interarrival.sample(&mut sim.model.arrival_rng);
    if first < params.stop_arrivals {
        sim.queue.schedule_at(first, QueueEvent::Arrival);
    }
    let end = sim.run_until(params.end, control);
    let now = sim.now();
    let stats = sim.model.centre.stats();
    let measured = now.since(params.warmup_end.min(now));
    let servers = sim.model.centre.servers();
    let span = measured.as_ns() as f64;
    let in_system_integral = stats.in_system_integral(now);
    QueueResult {
        replication,
        fingerprint: sim.fingerprint(),
        events: sim.events_processed(),
        end,
        stopped_at: now,
        measured,
        servers,
        arrivals: stats.arrivals,
        completions: stats.completions,
        delayed: stats.delayed,
        utilisation: if span > 0.0 { stats.busy.integral(now) as f64 / (span * servers as f64) } else { 0.0 },
        mean_in_system: if span > 0.0 { in_system_integral as f64 / span } else { 0.0 },
        mean_queued: if span > 0.0 { stats.queued.integral(now) as f64 / span } else { 0.0 },
        in_system_integral,
        in_flight_end: sim.model.centre.in_system(),
        wait: stats.wait.clone(),
        sojourn: stats.sojourn.clone(),
        samples: std::mem::take(&mut sim.model.samples),
    }
}
