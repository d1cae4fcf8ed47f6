//! Sprout's threads at work: the transport thread (transport_thread.rs) that parses every
//! message and sends the stateless 503s, and the worker threads (worker_pool.rs): a message
//! takes a free worker or waits; a finished one passes its worker to the next waiting
//! message, after the later era's queue-age check [src sprout: thread_dispatcher.cpp].

use super::events::{Class, Ev, Job};
use super::flows::Method;
use super::ids::NodeId;
use super::message::{Hop, Status};
use super::program::Program;
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;

impl World {
    /// A job for `node`'s transport thread: parsing a received message, or sending the
    /// stateless 503 for a refused one (its program is then `Reject`). The thread sleeps in
    /// its poll between messages, so the scheduler runs it ahead of queued worker bursts, as
    /// it does a worker woken by an I/O reply (docs/calibration.md, "Scheduling"): one thread
    /// among a hundred runnable workers would otherwise parse at a fraction of a core and
    /// starve the LoadMonitor behind it of the messages it should refuse.
    pub(super) fn transport_offer(&mut self, q: &mut EventQueue<Ev>, node: NodeId, key: Key, demand: SimDuration) {
        if self.nodes[node].rx.offer(key, demand) {
            self.submit(q, node, Job::Rx(key), demand, Class::Resumed);
        }
    }

    /// The transport thread finished a job: it starts its next one, and the message moves on.
    pub(super) fn transport_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, key: Key) {
        if let Some((next, demand)) = self.nodes[node].rx.done() {
            self.submit(q, node, Job::Rx(next), demand, Class::Resumed);
        }
        let Some(m) = self.msgs.get(key) else { return };
        if m.program == Program::Reject {
            self.forward(q, key, Hop::OriginBono)
        } else {
            self.sprout_dispatch(q, key)
        }
    }

    /// A worker takes the message: its first CPU burst is queued.
    pub(super) fn start_on_worker(&mut self, q: &mut EventQueue<Ev>, node: NodeId, key: Key) {
        let epoch = self.nodes[node].workers.epoch();
        let m = self.msgs.get_mut(key).expect("live message");
        m.holds_worker = true;
        m.worker_epoch = epoch;
        let total = SimDuration::from_ns(m.worker_ns).saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(key), total, Class::New);
    }

    /// The message is done with its worker: the next waiting message takes it, its wait
    /// counted in its latency (the stopwatch started when it was queued).
    pub(super) fn release_worker(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get_mut(key).expect("live message");
        if !std::mem::take(&mut m.holds_worker) {
            return;
        }
        let (node, epoch) = (m.route.sprout, m.worker_epoch);
        while let Some(next) = self.nodes[node].workers.release(epoch) {
            let n = self.msgs.get_mut(next).expect("waiting message");
            let waited = now.since(n.step_at);
            n.lat_ns += waited.as_ns();
            if self.p.queue_timeout.is_some_and(|max| waited > max) && n.is_request() {
                // The later era's queue-age check as a worker dequeues the request
                // [src sprout: thread_dispatcher.cpp]: an ACK is dropped, another request
                // gets a stateless 503 (a short burst), and the worker moves on.
                self.nodes[node].window.rejected += 1;
                self.stats.counters.queue_timeouts += 1;
                let n = self.msgs.get_mut(next).expect("waiting message");
                if n.method == Method::Ack {
                    self.msgs.remove(next);
                } else {
                    n.program = Program::Reject;
                    n.status = Status::Response(503);
                    let cost = self.p.reject_cost.saturating_mul_f64(1.0 + self.p.sprout_untimed);
                    self.submit(q, node, Job::Msg(next), cost, Class::New);
                }
                continue;
            }
            return self.start_on_worker(q, node, next);
        }
    }
}
