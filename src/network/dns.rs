//! DNS: an authoritative server holding A records per cluster name, and the resolver cache
//! every client keeps.
//!
//! Resolver semantics follow Clearwater's `DnsCachedResolver`
//! [src cpp-common: dnscachedresolver.cpp]: positive answers live for their TTL; empty
//! answers for the negative TTL (300 s); when a refresh fails (server down: the query times
//! out after 600 ms) the records already cached are kept and their expiry pushed out by 30 s,
//! again and again; while one caller refreshes an expired entry, other callers keep using the
//! stale records.

use crate::engine::{SimDuration, SimTime};

/// A name the deployment publishes: a tier's cluster name in one site.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name(pub u8);

/// The authoritative server (a BIND-like static zone, or Route 53-like records).
#[derive(Clone, Debug)]
pub struct DnsServer {
    /// Records per name; index = `Name.0`.
    records: Vec<Vec<u16>>,
    pub up: bool,
    pub ttl: SimDuration,
    pub negative_ttl: SimDuration,
    /// Queries answered (for tests and statistics), in all and per name.
    pub queries: u64,
    pub queries_by_name: Vec<u64>,
    /// Queries that got no answer (server down), per name.
    pub failed_by_name: Vec<u64>,
}

/// What a query returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Records(Vec<u16>, SimDuration),
    /// SERVFAIL or no answer before the query timeout.
    Failed,
}

impl DnsServer {
    pub fn new(names: usize, ttl: SimDuration, negative_ttl: SimDuration) -> Self {
        DnsServer {
            records: vec![Vec::new(); names],
            up: true,
            ttl,
            negative_ttl,
            queries: 0,
            queries_by_name: vec![0; names],
            failed_by_name: vec![0; names],
        }
    }

    pub fn set_records(&mut self, name: Name, records: Vec<u16>) {
        self.records[name.0 as usize] = records;
    }

    pub fn records(&self, name: Name) -> &[u16] {
        &self.records[name.0 as usize]
    }

    pub fn query(&mut self, name: Name, ttl_override: Option<SimDuration>) -> Answer {
        if !self.up {
            self.failed_by_name[name.0 as usize] += 1;
            return Answer::Failed;
        }
        self.queries += 1;
        self.queries_by_name[name.0 as usize] += 1;
        let records = self.records[name.0 as usize].clone();
        let ttl = if records.is_empty() { self.negative_ttl } else { ttl_override.unwrap_or(self.ttl) };
        Answer::Records(records, ttl)
    }
}

/// One cached answer and when it expires: the rule every resolver here follows (nodes'
/// caches below, and each UE's cache of the Bono name). Use it until it expires; when a
/// refresh gets no answer, keep it `stale_extension` longer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Cached<T> {
    pub value: T,
    pub expires: SimTime,
}

impl<T> Cached<T> {
    pub fn new(value: T, expires: SimTime) -> Self {
        Cached { value, expires }
    }

    pub fn is_fresh(&self, now: SimTime) -> bool {
        now < self.expires
    }

    /// A query answered with `value` for `ttl`.
    pub fn answered(&mut self, now: SimTime, value: T, ttl: SimDuration) {
        self.value = value;
        self.expires = now + ttl;
    }

    /// A refresh got no answer: the stale answer is kept a little longer.
    pub fn refresh_failed(&mut self, now: SimTime, stale_extension: SimDuration) {
        self.expires = now + stale_extension;
    }
}

#[derive(Clone, Debug)]
struct Entry {
    answer: Cached<Vec<u16>>,
    refreshing: bool,
}

/// What the cache can offer a caller right now.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Fresh records: use them.
    Fresh(&'a [u16]),
    /// Expired records and nobody refreshing: the caller should refresh, meanwhile these are
    /// the best known (Clearwater's caller blocks on the refresh).
    Refresh(&'a [u16]),
    /// Expired records while another caller refreshes: use them.
    Stale(&'a [u16]),
    /// Nothing cached: the caller must query and wait.
    Miss,
}

/// One client's resolver cache, one entry per name.
#[derive(Clone, Debug)]
pub struct ResolverCache {
    entries: Vec<Option<Entry>>,
    pub stale_extension: SimDuration,
}

impl ResolverCache {
    pub fn new(names: usize, stale_extension: SimDuration) -> Self {
        ResolverCache { entries: vec![None; names], stale_extension }
    }

    #[inline]
    pub fn lookup(&mut self, now: SimTime, name: Name) -> Lookup<'_> {
        let slot = &mut self.entries[name.0 as usize];
        let Some(e) = slot else { return Lookup::Miss };
        if e.answer.is_fresh(now) {
            return Lookup::Fresh(&e.answer.value);
        }
        if e.refreshing {
            return Lookup::Stale(&e.answer.value);
        }
        e.refreshing = true;
        Lookup::Refresh(&e.answer.value)
    }

    /// Applies a query's outcome; returns the records now cached (maybe none).
    pub fn complete(&mut self, now: SimTime, name: Name, answer: Answer) -> &[u16] {
        let slot = &mut self.entries[name.0 as usize];
        match (answer, slot.as_mut()) {
            (Answer::Records(records, ttl), _) => {
                *slot = Some(Entry { answer: Cached::new(records, now + ttl), refreshing: false });
            }
            (Answer::Failed, Some(e)) => {
                e.answer.refresh_failed(now, self.stale_extension);
                e.refreshing = false;
            }
            (Answer::Failed, None) => {}
        }
        slot.as_ref().map_or(&[], |e| e.answer.value.as_slice())
    }

    /// The records cached for `name`, fresh or not, without starting a refresh (for the
    /// lower-priority part of an answer whose first part was just looked up).
    pub fn peek(&self, name: Name) -> &[u16] {
        self.entries[name.0 as usize].as_ref().map_or(&[], |e| e.answer.value.as_slice())
    }

    /// When the entry for `name` expires (for tests and reports).
    pub fn expiry(&self, name: Name) -> Option<SimTime> {
        self.entries[name.0 as usize].as_ref().map(|e| e.answer.expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn answer_reused_until_ttl_then_refreshed() {
        let n = Name(0);
        let mut server = DnsServer::new(1, SimDuration::from_secs(300), SimDuration::from_secs(300));
        server.set_records(n, vec![1, 2]);
        let mut cache = ResolverCache::new(1, SimDuration::from_secs(30));
        assert_eq!(cache.lookup(t(0), n), Lookup::Miss);
        cache.complete(t(0), n, server.query(n, None));
        assert_eq!(cache.lookup(t(299), n), Lookup::Fresh(&[1, 2]));
        assert_eq!(cache.lookup(t(300), n), Lookup::Refresh(&[1, 2]));
        assert_eq!(cache.lookup(t(300), n), Lookup::Stale(&[1, 2]), "one refresher at a time");
        server.set_records(n, vec![3]);
        cache.complete(t(300), n, server.query(n, None));
        assert_eq!(cache.lookup(t(301), n), Lookup::Fresh(&[3]));
        assert_eq!(server.queries, 2);
    }

    #[test]
    fn stale_records_survive_a_dead_server_in_30s_steps() {
        let n = Name(0);
        let mut server = DnsServer::new(1, SimDuration::from_secs(300), SimDuration::from_secs(300));
        server.set_records(n, vec![7]);
        let mut cache = ResolverCache::new(1, SimDuration::from_secs(30));
        cache.complete(t(0), n, server.query(n, None));
        server.up = false;
        assert_eq!(cache.lookup(t(300), n), Lookup::Refresh(&[7]));
        assert_eq!(cache.complete(t(300), n, server.query(n, None)), &[7]);
        assert_eq!(cache.expiry(n), Some(t(330)));
        assert!(matches!(cache.lookup(t(330), n), Lookup::Refresh(_)));
        cache.complete(t(330), n, server.query(n, None));
        assert_eq!(cache.expiry(n), Some(t(360)));
    }

    #[test]
    fn empty_answers_use_the_negative_ttl() {
        let n = Name(0);
        let mut server = DnsServer::new(1, SimDuration::from_secs(30), SimDuration::from_secs(300));
        let mut cache = ResolverCache::new(1, SimDuration::from_secs(30));
        cache.complete(t(0), n, server.query(n, None));
        assert_eq!(cache.expiry(n), Some(t(300)));
    }
}
