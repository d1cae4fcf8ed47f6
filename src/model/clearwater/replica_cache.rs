//! A memo of rendezvous hashing's answers (node.rs): where a record or timer of a site lives.
//!
//! Rendezvous hashing hashes the key with every Sprout of the site, so at 89 Sprouts one
//! answer costs ~1 500 instructions — and a REGISTER asks the same few questions (its
//! bindings, its AV, its binding timer) several times within milliseconds: for the operation,
//! for each replica's copy, for the timer's replication. So each site keeps the last answers
//! in a direct-mapped table, hashed on the key.
//!
//! The answer depends on the candidates as well as the key. Rather than trust every place
//! that changes a site's Sprouts (scaling, the end of a resize) to say so, each site's table
//! keeps a copy of the candidate list its answers were computed for, compares the list it is
//! asked about with it (a memcmp of a few hundred bytes at most), and starts afresh when they
//! differ. A cached answer is therefore always the answer `rendezvous` would give.

use std::cell::RefCell;

use super::ids::NodeId;
use super::node::rendezvous;

/// log₂ of the entries per site: 8 192 × 16 bytes = 128 KiB, enough for every key asked
/// about in the ~100 ms a REGISTER's flow takes at 10 million subscribers (~5 500
/// registrations a second, a handful of keys each).
const BITS: u32 = 13;

#[derive(Copy, Clone)]
struct Entry {
    key: u64,
    replicas: [NodeId; 2],
    valid: bool,
}

const EMPTY: Entry = Entry { key: 0, replicas: [0; 2], valid: false };

#[derive(Default)]
struct SiteTable {
    /// The candidates every valid entry was computed for.
    candidates: Vec<NodeId>,
    /// Allocated on first use (a site nobody asks about costs nothing).
    entries: Vec<Entry>,
}

/// Per site, the latest answers of `rendezvous(key, candidates)`. Interior mutability: the
/// model's read-only lookups (`&World`) fill it.
#[derive(Default)]
pub struct ReplicaCache {
    sites: RefCell<Vec<SiteTable>>,
}

impl ReplicaCache {
    /// `rendezvous(key, candidates)`, from the table of `site` when it has the answer.
    #[inline]
    pub fn get(&self, site: u8, key: u64, candidates: &[NodeId]) -> [NodeId; 2] {
        let mut sites = self.sites.borrow_mut();
        let s = site as usize;
        if sites.len() <= s {
            sites.resize_with(s + 1, SiteTable::default);
        }
        let table = &mut sites[s];
        if table.candidates.as_slice() != candidates || table.entries.is_empty() {
            table.candidates.clear();
            table.candidates.extend_from_slice(candidates);
            table.entries.clear();
            table.entries.resize(1 << BITS, EMPTY);
        }
        // Fibonacci hashing: keys differ in their low bits (the subscriber) and in bits 32
        // and up (the record's salt); the product's top bits mix both.
        let slot = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize;
        let e = &mut table.entries[slot];
        if e.valid && e.key == key {
            return e.replicas;
        }
        let replicas = rendezvous(key, candidates);
        *e = Entry { key, replicas, valid: true };
        replicas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_rendezvous_answers_whatever_the_history() {
        let cache = ReplicaCache::default();
        let a: Vec<NodeId> = (0..89).collect();
        let mut b = a.clone();
        b.push(200); // a scaled-up site
        let c = vec![3, 5];
        // Keys that collide in the table (many more keys than entries) and lists that change
        // under the same site: every answer must equal a fresh computation.
        for round in 0..3u64 {
            for (site, list) in [(0u8, &a), (1, &c), (0, &b), (0, &a)] {
                for k in 0..20_000u64 {
                    // The same keys twice, the second time mostly from the table.
                    let key = ((k % 10_000) * 7919) ^ (round << 32);
                    assert_eq!(cache.get(site, key, list), rendezvous(key, list), "key {key} site {site}");
                }
            }
        }
    }

    #[test]
    fn a_repeated_question_is_answered_from_the_table() {
        let cache = ReplicaCache::default();
        let list: Vec<NodeId> = (0..10).collect();
        let first = cache.get(0, 42, &list);
        // Poison the stored answer: a hit returns it, a recomputation would not.
        {
            let mut sites = cache.sites.borrow_mut();
            let e = sites[0].entries.iter_mut().find(|e| e.valid && e.key == 42).unwrap();
            e.replicas = [77, 78];
        }
        assert_ne!(first, [77, 78]);
        assert_eq!(cache.get(0, 42, &list), [77, 78]);
        // A different candidate list empties the table.
        let other: Vec<NodeId> = (0..11).collect();
        assert_eq!(cache.get(0, 42, &other), rendezvous(42, &other));
    }
}
