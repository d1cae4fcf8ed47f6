//! Chronos's timers as data: each subscriber's binding timer (generation, replicas, which
//! replicas hold it) and how many timers each node's Chronos holds. chronos.rs holds what
//! Chronos does with them.

use super::ids::{NodeId, UeId, NO_NODE};

/// A subscriber's binding timer.
#[derive(Copy, Clone, Debug)]
pub struct BindingTimer {
    /// Generation: pops and replications of an older timer are ignored.
    pub gen: u32,
    pub replicas: [NodeId; 2],
    /// A timer exists.
    pub set: bool,
    /// Which replicas actually hold it (replication can fail; a crash loses them).
    pub held: [bool; 2],
}

/// Every Chronos of the deployment: the subscribers' binding timers and, per node, how
/// many timers its Chronos holds (Clearwater's stateful statistics count these).
#[derive(Clone, Debug, Default)]
pub struct Chronos {
    timers: Vec<BindingTimer>,
    /// Per node id: binding and challenge timers held.
    binding_held: Vec<u64>,
    challenge_held: Vec<u64>,
}

impl Chronos {
    pub fn with_capacity(subscribers: usize) -> Self {
        Chronos { timers: Vec::with_capacity(subscribers), ..Default::default() }
    }

    pub fn add_subscriber(&mut self) {
        self.timers.push(BindingTimer { gen: 0, replicas: [NO_NODE; 2], set: false, held: [false; 2] });
    }

    /// A node joined the deployment (every node has a slot; only Sprouts run Chronos).
    pub fn add_node(&mut self) {
        self.binding_held.push(0);
        self.challenge_held.push(0);
    }

    /// Binding timers held by `node`'s Chronos.
    pub fn binding_timers(&self, node: NodeId) -> u64 {
        self.binding_held[node as usize]
    }

    /// All timers (binding and challenge) held by `node`'s Chronos.
    pub fn timers(&self, node: NodeId) -> u64 {
        self.binding_held[node as usize] + self.challenge_held[node as usize]
    }

    /// Binding timers that exist but that no live replica holds: they will never fire.
    pub fn orphaned(&self, up: impl Fn(NodeId) -> bool) -> u64 {
        self.timers.iter().filter(|t| t.set && !(0..2).any(|r| t.held[r] && up(t.replicas[r]))).count() as u64
    }

    /// The replicas of `ue`'s timer, if it has one.
    pub fn replicas_of(&self, ue: UeId) -> Option<[NodeId; 2]> {
        let t = &self.timers[ue as usize];
        t.set.then_some(t.replicas)
    }

    pub fn hold(&mut self, ue: UeId, which: u8) {
        let t = &mut self.timers[ue as usize];
        if !t.held[which as usize] {
            t.held[which as usize] = true;
            self.binding_held[t.replicas[which as usize] as usize] += 1;
        }
    }

    pub fn clear(&mut self, ue: UeId) {
        let t = &mut self.timers[ue as usize];
        if !t.set {
            return;
        }
        t.set = false;
        t.gen = t.gen.wrapping_add(1);
        for which in 0..2 {
            if t.held[which] {
                t.held[which] = false;
                let c = &mut self.binding_held[t.replicas[which] as usize];
                *c = c.saturating_sub(1);
            }
        }
    }

    /// `ue`'s binding timer.
    pub fn get(&self, ue: UeId) -> &BindingTimer {
        &self.timers[ue as usize]
    }

    /// A new generation of `ue`'s timer on `replicas` (none holds it yet); its generation.
    pub fn renew(&mut self, ue: UeId, replicas: [NodeId; 2]) -> u32 {
        let t = &mut self.timers[ue as usize];
        t.gen = t.gen.wrapping_add(1);
        t.set = true;
        t.replicas = replicas;
        t.gen
    }

    /// The timer fired: later pops of this generation are ignored.
    pub fn fired(&mut self, ue: UeId) {
        let t = &mut self.timers[ue as usize];
        t.gen = t.gen.wrapping_add(1);
    }

    /// A challenge timer set (or deleted) on `node`'s Chronos.
    pub fn count_challenge(&mut self, node: NodeId, delete: bool) {
        let c = &mut self.challenge_held[node as usize];
        *c = if delete { c.saturating_sub(1) } else { *c + 1 };
    }

    /// A timer's replicas change after a resize: the new ones hold it (as the resync
    /// delivers it), the old ones that are no longer replicas drop it.
    pub fn move_timer(&mut self, ue: UeId, new: [NodeId; 2]) {
        let t = self.timers[ue as usize];
        for r in 0..2 {
            if t.held[r] {
                let c = &mut self.binding_held[t.replicas[r] as usize];
                *c = c.saturating_sub(1);
            }
        }
        let mut now_held = [false; 2];
        for (r, &n) in new.iter().enumerate() {
            if n != NO_NODE {
                now_held[r] = true;
                self.binding_held[n as usize] += 1;
            }
        }
        let t = &mut self.timers[ue as usize];
        t.replicas = new;
        t.held = now_held;
    }

    /// `node` crashed: its Chronos lost every timer it held.
    pub fn lose_node(&mut self, node: NodeId) {
        self.binding_held[node as usize] = 0;
        self.challenge_held[node as usize] = 0;
        for t in &mut self.timers {
            for r in 0..2 {
                if t.set && t.replicas[r] == node {
                    t.held[r] = false;
                }
            }
        }
    }

    pub fn bytes(&self) -> usize {
        self.timers.capacity() * std::mem::size_of::<BindingTimer>()
    }
}
