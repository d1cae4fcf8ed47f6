//! memcached's registration store as data: per subscriber and site, the binding's expiry
//! and which replicas hold the record; and where records live (rendezvous hashing over the
//! site's Sprouts). memcached.rs holds the operations.

use super::ids::UeId;
use super::node::whole_seconds;
use crate::engine::SimTime;

/// Salts of the record keys hashed onto replicas (memcached records, Chronos timers).
pub const SALT_AV: u64 = 0xa5a5_0001;
pub const SALT_BINDINGS: u64 = 0xa5a5_0002;
pub const SALT_TIMER_BINDING: u64 = 0xa5a5_0003;
pub const SALT_TIMER_CHALLENGE: u64 = 0xa5a5_0004;

/// The hashing key of a subscriber's record of one kind.
pub fn record_key(salt: u64, ue: UeId) -> u64 {
    (salt << 32) ^ ue as u64
}

/// The registration store of every site: per subscriber, a binding expiry and the replicas
/// holding the record, one pair per site (structure of arrays: millions of subscribers).
#[derive(Clone, Debug, Default)]
pub struct BindingStore {
    /// A binding is valid while `now_s < expires_s` [src sprout: registrarsproutlet.cpp].
    expires_s: Vec<[u32; 2]>,
    /// Bit r set while replica r of that site's store holds the record (during a resize,
    /// position r of its replica set: cluster.rs).
    held: Vec<[u8; 2]>,
}

impl BindingStore {
    pub fn with_capacity(n: usize) -> Self {
        BindingStore { expires_s: Vec::with_capacity(n), held: Vec::with_capacity(n) }
    }

    pub fn add_subscriber(&mut self) {
        self.expires_s.push([0; 2]);
        self.held.push([0; 2]);
    }

    /// Whether a valid copy of `ue`'s bindings is in `site`'s store.
    pub fn bound_in(&self, ue: UeId, site: u8, now: SimTime) -> bool {
        self.valid(ue, site, whole_seconds(now))
    }

    fn valid(&self, ue: UeId, site: u8, now_s: u32) -> bool {
        self.held[ue as usize][site as usize] != 0 && now_s < self.expires_s[ue as usize][site as usize]
    }

    /// Whether replica `replica` of `site`'s store answers a read with a valid binding.
    pub fn replica_finds(&self, ue: UeId, site: u8, replica: u8, now_s: u32) -> bool {
        self.held[ue as usize][site as usize] & (1 << replica) != 0
            && now_s < self.expires_s[ue as usize][site as usize]
    }

    /// The binding's expiry in `site`'s store (whole seconds; 0: none).
    pub fn expires_s(&self, ue: UeId, site: u8) -> u32 {
        self.expires_s[ue as usize][site as usize]
    }

    /// A registration's state as a running deployment holds it (preregistered profiles).
    pub fn install(&mut self, ue: UeId, expires_s: [u32; 2], held: [u8; 2]) {
        self.expires_s[ue as usize] = expires_s;
        self.held[ue as usize] = held;
    }

    /// After a resize, the record sits on its new replicas.
    pub fn set_held(&mut self, ue: UeId, site: u8, held: u8) {
        self.held[ue as usize][site as usize] = held;
    }

    /// A crash lost replica `r`'s copy.
    pub fn lose_copy(&mut self, ue: UeId, site: u8, r: usize) {
        self.held[ue as usize][site as usize] &= !(1 << r);
    }

    /// The write to the replica at position `pos` of the record's replica set landed
    /// (`delete`: it removed the record).
    pub fn replica_written(&mut self, ue: UeId, site: u8, pos: usize, delete: bool) {
        let held = &mut self.held[ue as usize][site as usize];
        if delete {
            *held &= !(1 << pos);
        } else {
            *held |= 1 << pos;
        }
    }

    /// Which positions of the record's replica set hold it (bit r: position r).
    pub fn held(&self, ue: UeId, site: u8) -> u8 {
        self.held[ue as usize][site as usize]
    }

    /// Whether some replica of `site`'s store holds the record (valid or not).
    pub fn holds(&self, ue: UeId, site: u8) -> bool {
        self.held[ue as usize][site as usize] != 0
    }

    /// Valid records of `site`, for resynchronisation after a resize.
    pub fn holds_valid(&self, ue: UeId, site: u8, now_s: u32) -> bool {
        self.valid(ue, site, now_s)
    }

    /// Replica `replica` stored a binding valid until `expires_s`.
    pub fn write(&mut self, ue: UeId, site: u8, replica: u8, expires_s: u32) {
        self.expires_s[ue as usize][site as usize] = expires_s;
        self.held[ue as usize][site as usize] |= 1 << replica;
    }

    /// Replica `replica` deleted the record.
    pub fn delete(&mut self, ue: UeId, site: u8, replica: u8) {
        self.expires_s[ue as usize][site as usize] = 0;
        self.held[ue as usize][site as usize] &= !(1 << replica);
    }

    /// The binding-expiry task writes back the record without its expired binding:
    /// `true` if it had expired (and is now gone from every replica).
    pub fn remove_expired(&mut self, ue: UeId, site: u8, now_s: u32) -> bool {
        let e = &mut self.expires_s[ue as usize][site as usize];
        if *e != 0 && *e <= now_s {
            *e = 0;
            self.held[ue as usize][site as usize] = 0;
            true
        } else {
            false
        }
    }

    pub fn bytes(&self) -> usize {
        self.expires_s.capacity() * std::mem::size_of::<[u32; 2]>() + self.held.capacity() * 2
    }
}
