//! Bono's pool of upstream TCP connections to Sprout [src sprout: sip_connection_pool.cpp].
//!
//! `upstream_connections` slots (50); each slot holds one connection to one Sprout address,
//! picked at random from the DNS answer (blacklisted addresses avoided); each connection
//! lives a uniformly random time in [0.8P, 1.2P) with P = `upstream_recycle_connections`
//! (600 s); a recycler looks every second and replaces expired connections with a fresh pick.
//! Each request goes to a random connected slot. This is why a newly added Sprout takes
//! traffic only gradually: it gains connections only as old ones expire.

use rand::Rng as _;

use crate::engine::{Rng, SimDuration, SimTime};

#[derive(Copy, Clone, Debug)]
struct Slot {
    target: Option<u16>,
    expires: SimTime,
}

#[derive(Clone, Debug)]
pub struct ConnPool {
    slots: Vec<Slot>,
    period: SimDuration,
    connected: usize,
}

impl ConnPool {
    pub fn new(size: u32, period: SimDuration) -> Self {
        ConnPool { slots: vec![Slot { target: None, expires: SimTime::ZERO }; size as usize], period, connected: 0 }
    }

    fn lifetime(&self, rng: &mut Rng) -> SimDuration {
        let p = self.period.as_ns() as f64;
        SimDuration::from_ns(rng.random_range(0.8 * p..1.2 * p) as u64)
    }

    /// Replaces every expired or empty slot with a connection to a random address among
    /// `candidates` (already filtered of blacklisted ones). Returns how many were replaced.
    pub fn recycle(&mut self, now: SimTime, candidates: &[u16], rng: &mut Rng) -> usize {
        self.recycle_checked(now, candidates, rng, &mut |_| true)
    }

    /// As [`Self::recycle`], connecting for real: `connect(target)` says whether the TCP
    /// connection is made. A failed connect leaves the slot empty until the next look (a
    /// second later) and the target is not picked again in this pass; the caller blacklists
    /// it [src sprout: sip_connection_pool.cpp].
    pub fn recycle_checked(
        &mut self,
        now: SimTime,
        candidates: &[u16],
        rng: &mut Rng,
        connect: &mut dyn FnMut(u16) -> bool,
    ) -> usize {
        let mut candidates = std::borrow::Cow::Borrowed(candidates);
        let mut replaced = 0;
        for i in 0..self.slots.len() {
            let s = self.slots[i];
            if s.target.is_some() && s.expires > now {
                continue;
            }
            let pick = (!candidates.is_empty()).then(|| rng.random_range(0..candidates.len()));
            let target = pick.map(|k| candidates[k]);
            if let (Some(k), Some(t)) = (pick, target) {
                if !connect(t) {
                    candidates.to_mut().remove(k);
                    self.connected -= s.target.is_some() as usize;
                    self.slots[i] = Slot { target: None, expires: now };
                    continue;
                }
            }
            let expires = now + self.lifetime(rng);
            self.connected += target.is_some() as usize;
            self.connected -= s.target.is_some() as usize;
            self.slots[i] = Slot { target, expires };
            replaced += 1;
        }
        replaced
    }

    /// Fills every slot at the start of a run as if the pool had been running for a long
    /// time: each connection has a random part of its lifetime left.
    pub fn start(&mut self, now: SimTime, candidates: &[u16], rng: &mut Rng) {
        self.recycle(now, candidates, rng);
        for i in 0..self.slots.len() {
            let left = self.slots[i].expires.since(now).as_ns() as f64 * rng.random::<f64>();
            self.slots[i].expires = now + SimDuration::from_ns(left as u64);
        }
    }

    /// Whether any slot is empty or expired (the recycler has work to do).
    pub fn needs_recycle(&self, now: SimTime) -> bool {
        self.slots.iter().any(|s| s.target.is_none() || s.expires <= now)
    }

    /// A random connected slot's target (a request picks a slot, not a target).
    #[inline]
    pub fn pick(&self, rng: &mut Rng) -> Option<u16> {
        if self.connected == 0 {
            return None;
        }
        loop {
            if let Some(t) = self.slots[rng.random_range(0..self.slots.len())].target {
                return Some(t);
            }
        }
    }

    /// Drops every connection to `target` (it failed); the slots refill at the next recycle.
    pub fn disconnect(&mut self, target: u16) {
        for s in &mut self.slots {
            if s.target == Some(target) {
                s.target = None;
                self.connected -= 1;
            }
        }
    }

    /// The targets of the connected slots (with repeats).
    pub fn targets(&self) -> impl Iterator<Item = u16> + '_ {
        self.slots.iter().filter_map(|s| s.target)
    }

    /// Drops every connection (the process holding them crashed).
    pub fn disconnect_all(&mut self) {
        for s in &mut self.slots {
            s.target = None;
        }
        self.connected = 0;
    }

    /// Number of connections per target, for the targets in `targets` order.
    pub fn count_to(&self, target: u16) -> u32 {
        self.slots.iter().filter(|s| s.target == Some(target)).count() as u32
    }

    pub fn connected(&self) -> usize {
        self.connected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngFactory, StreamId};

    #[test]
    fn lifetimes_within_bounds_and_recycled() {
        let mut rng = RngFactory::new(1, 0).stream(StreamId::new(0, 0));
        let p = SimDuration::from_secs(600);
        let mut pool = ConnPool::new(50, p);
        assert_eq!(pool.recycle(SimTime::ZERO, &[1, 2], &mut rng), 50);
        assert_eq!(pool.connected(), 50);
        // Nothing expires before 0.8P = 480 s; everything has by 1.2P = 720 s.
        assert_eq!(pool.recycle(SimTime::ZERO + SimDuration::from_secs(479), &[3], &mut rng), 0);
        assert_eq!(pool.recycle(SimTime::ZERO + SimDuration::from_secs(720), &[3], &mut rng), 50);
        assert_eq!(pool.count_to(3), 50);
        pool.disconnect(3);
        assert_eq!((pool.connected(), pool.pick(&mut rng)), (0, None));
    }

    #[test]
    fn a_refused_connect_leaves_the_slot_empty_and_the_target_unpicked() {
        let mut rng = RngFactory::new(1, 0).stream(StreamId::new(0, 0));
        let mut pool = ConnPool::new(50, SimDuration::from_secs(600));
        let mut refused = Vec::new();
        pool.recycle_checked(SimTime::ZERO, &[1, 2], &mut rng, &mut |t| {
            if t == 2 {
                refused.push(t);
            }
            t != 2
        });
        // Target 2 is tried once, then dropped from this pass: one slot stays empty.
        assert_eq!(refused, vec![2]);
        assert_eq!((pool.count_to(2), pool.count_to(1), pool.connected()), (0, 49, 49));
        assert!(pool.needs_recycle(SimTime::ZERO));
    }
}
