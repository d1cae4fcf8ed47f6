//! A Sprout node's SIP worker threads as a counting semaphore: a message holds a worker from
//! the moment one picks it off the queue until its processing ends, blocking I/O included
//! (Sprout's workers make synchronous HTTP, memcached and Chronos calls). Messages that find
//! every worker busy wait in FIFO order. Sprout runs 50 workers per core as documented
//! (until Nov 2017), 250 per core later [src sprout: etc/init.d/sprout].

use std::collections::VecDeque;

use crate::model::slab::Key;

#[derive(Clone, Debug, Default)]
pub struct WorkerPool {
    size: u32,
    busy: u32,
    waiting: VecDeque<Key>,
    /// Bumped when the node crashes: a message that took a worker before cannot give it back.
    epoch: u32,
    /// Most workers busy at once since the last sample.
    busy_max: u32,
}

impl WorkerPool {
    pub fn new(size: u32) -> WorkerPool {
        WorkerPool { size, ..WorkerPool::default() }
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Takes a worker if one is free (`false`: the message must wait, see `wait`).
    pub fn try_take(&mut self) -> bool {
        if self.busy < self.size {
            self.busy += 1;
            self.busy_max = self.busy_max.max(self.busy);
            true
        } else {
            false
        }
    }

    pub fn wait(&mut self, key: Key) {
        self.waiting.push_back(key);
    }

    /// A worker taken in `epoch` is free again: the next waiting message takes it.
    pub fn release(&mut self, epoch: u32) -> Option<Key> {
        if epoch != self.epoch {
            return None;
        }
        match self.waiting.pop_front() {
            Some(next) => Some(next), // the worker passes straight to it
            None => {
                self.busy = self.busy.saturating_sub(1);
                None
            }
        }
    }

    /// The node crashed: every worker is gone and the waiting messages with them.
    pub fn clear(&mut self) -> Vec<Key> {
        self.busy = 0;
        self.epoch = self.epoch.wrapping_add(1);
        self.waiting.drain(..).collect()
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// The most workers busy at once since the previous call.
    pub fn take_busy_max(&mut self) -> u32 {
        std::mem::replace(&mut self.busy_max, self.busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::slab::Slab;

    #[test]
    fn a_full_pool_queues_in_order_and_hands_workers_on() {
        let mut keys: Slab<u8> = Slab::default();
        let (a, b, c) = (keys.insert(0), keys.insert(1), keys.insert(2));
        let mut p = WorkerPool::new(1);
        assert!(p.try_take());
        assert!(!p.try_take());
        p.wait(b);
        p.wait(c);
        let e = p.epoch();
        assert_eq!(p.release(e), Some(b));
        assert_eq!(p.release(e), Some(c));
        assert_eq!(p.release(e), None);
        assert!(p.try_take(), "the last release freed the worker");
        let _ = a;
        // A crash: the old epoch's releases are ignored.
        p.wait(a);
        assert_eq!(p.clear(), vec![a]);
        assert_eq!(p.release(e), None);
        assert!(p.try_take());
    }
}
