//! Sprout's PJSIP transport thread: one per node (`start_pjsip_thread` creates exactly one
//! [src sprout: stack.cpp]). It reads and parses every SIP message the node receives, runs
//! the documented era's admission check and sends its stateless 503s, then queues the
//! message for the workers. Being one thread it works on one message at a time, whatever the
//! node's cores: a one-server FIFO in front of the worker pool, whose jobs still need a core
//! of the node's CPU.

use std::collections::VecDeque;

use crate::engine::SimDuration;
use crate::model::slab::Key;

#[derive(Clone, Debug, Default)]
pub struct TransportThread {
    /// `[simulation] unlimited_cpu`: no capacity limit anywhere, this thread's included —
    /// every job starts at once.
    unlimited: bool,
    /// A job is on the CPU (queued for a core or running).
    busy: bool,
    /// Jobs waiting for the thread, with their CPU demand.
    waiting: VecDeque<(Key, SimDuration)>,
}

impl TransportThread {
    pub fn new(unlimited: bool) -> TransportThread {
        TransportThread { unlimited, ..TransportThread::default() }
    }

    /// A job for the thread: `true` if it may start now (the caller submits it to the CPU),
    /// `false` if it waits behind the one in progress.
    pub fn offer(&mut self, key: Key, demand: SimDuration) -> bool {
        if self.unlimited {
            return true;
        }
        if self.busy {
            self.waiting.push_back((key, demand));
            false
        } else {
            self.busy = true;
            true
        }
    }

    /// A job finished: the next one to submit, if any.
    pub fn done(&mut self) -> Option<(Key, SimDuration)> {
        if self.unlimited {
            return None;
        }
        let next = self.waiting.pop_front();
        self.busy = next.is_some();
        next
    }

    /// The node crashed: the thread is gone, and the messages waiting for it (the one in
    /// progress was on the CPU and is lost with the CPU's jobs).
    pub fn clear(&mut self) -> Vec<Key> {
        self.busy = false;
        self.waiting.drain(..).map(|(k, _)| k).collect()
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::slab::Slab;

    #[test]
    fn one_job_at_a_time_in_arrival_order() {
        let mut keys: Slab<u8> = Slab::default();
        let (a, b, c) = (keys.insert(0), keys.insert(1), keys.insert(2));
        let mut t = TransportThread::default();
        let us = SimDuration::from_us;
        assert!(t.offer(a, us(1)));
        assert!(!t.offer(b, us(2)));
        assert!(!t.offer(c, us(3)));
        assert_eq!(t.waiting(), 2);
        assert_eq!(t.done(), Some((b, us(2))));
        assert_eq!(t.done(), Some((c, us(3))));
        assert_eq!(t.done(), None);
        // Idle again: the next job starts at once.
        assert!(t.offer(a, us(1)));
        assert!(!t.offer(b, us(1)));
        assert_eq!(t.clear(), vec![b]);
        assert!(t.offer(c, us(1)));
        // Without capacity limits every job starts at once.
        let mut t = TransportThread::new(true);
        assert!(t.offer(a, us(1)) && t.offer(b, us(1)));
        assert_eq!(t.done(), None);
    }
}
