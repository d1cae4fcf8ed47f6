//! Sprout's HTTP client [src cpp-common: httpclient.cpp, http_connection_pool.h]: the
//! target of each request (a random usable address of the cluster name, another one on the
//! retry, at most `http_attempts` in all), blacklisting after a transport error or timeout,
//! a penalty at Sprout's LoadMonitor when a request ends with two 503s or a 504, and how
//! long a worker waits on a target that does not answer.

use super::ids::NodeId;
use rand::Rng as _;

use super::events::Ev;
use super::flows::{HttpOp, Step};
use super::message::HttpAnswer;
use super::node::Topology;
use super::params::{HTTP_CONNECT_REMOTE, MEMCACHED_CONNECT_LOCAL, MEMCACHED_CONNECT_REMOTE};
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;
use crate::network::blacklist::Standing;
use crate::network::dns::Lookup;
use crate::scenario::Tier;

impl World {
    /// The target of an HTTP request from the message's worker: a random usable address of
    /// the cluster name, another one on the retry (a lone target is tried twice). `None`:
    /// the worker first resolves the name (the step runs again after), or gives up (504).
    pub(super) fn http_target(&mut self, q: &mut EventQueue<Ev>, key: Key, op: HttpOp) -> Option<NodeId> {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, attempt, tried) = (m.sprout(), m.attempt, m.op_target);
        let site = self.nodes[sprout].site;
        let tier = if op.is_homer() { Tier::Homer } else { Tier::Homestead };
        let name = Topology::name(site, tier);
        let retired = &self.retired;
        let node = &mut self.nodes[sprout];
        match node.resolver.lookup(now, name) {
            Lookup::Fresh(r) | Lookup::Stale(r) if !r.is_empty() => {
                if attempt == 0 && node.blacklist.is_empty() && retired.is_empty() {
                    // Every address is usable: the same draw over the whole answer, without
                    // building the list.
                    return Some(r[node.rng.random_range(0..r.len())]);
                }
                let usable: Vec<NodeId> = r
                    .iter()
                    .copied()
                    .filter(|&t| node.blacklist.standing(now, t) != Standing::Avoid && !retired.contains(&t))
                    .filter(|&t| attempt == 0 || t != tried || r.len() == 1)
                    .collect();
                let pool = if usable.is_empty() { r.to_vec() } else { usable };
                let pick = pool[node.rng.random_range(0..pool.len())];
                // A graylisted target takes one probing request at a time.
                if node.blacklist.standing(now, pick) == Standing::Probe {
                    node.blacklist.start_probe(pick);
                }
                Some(pick)
            }
            Lookup::Refresh(_) | Lookup::Miss => {
                // Resolve first (the worker blocks), then run this step again.
                let d = self.dns_round_trip(sprout);
                self.msgs.get_mut(key).expect("live").pc -= 1;
                q.schedule_in(d, Ev::DnsDone { msg: key });
                None
            }
            _ => {
                self.http_gave_up(q, key, op);
                None
            }
        }
    }

    /// The server's LoadMonitor refused the request: an immediate 503 back to the worker.
    pub(super) fn refuse_op(&mut self, q: &mut EventQueue<Ev>, key: Key, server: NodeId, sprout: NodeId, attempt: u8) {
        self.msgs.get_mut(key).expect("live").op_answer = HttpAnswer::Unavailable;
        let d = self.node_delay(server, sprout);
        q.schedule_in(d, Ev::OpReply { msg: key, attempt });
    }

    /// How long a worker waits on an operation whose target does not answer. HTTP (Homestead,
    /// Homer, Chronos): on the pooled connection, the request timeout; but a failure closed
    /// that connection, so until a request to the target succeeds again each one opens a
    /// new connection and gives up after the connect timeout, local or remote site
    /// [src cpp-common: httpclient.cpp, http_connection_pool.cpp]. (Pooled connections
    /// idle for 60 s are freed too; under load they never are, which this assumes.)
    /// memcached: its connect timeout, local or remote [src cpp-common: memcached_connection_pool.h].
    pub(super) fn op_timeout(&self, step: Step, from: NodeId, to: NodeId) -> SimDuration {
        let remote = self.nodes[from].site != self.nodes[to].site;
        match step {
            Step::Http(_) | Step::Chronos(..) => {
                if !self.nodes[from].blacklist.failed_since_success(to) {
                    self.p.pool.http_timeout
                } else if remote {
                    HTTP_CONNECT_REMOTE
                } else {
                    self.p.pool.http_connect_timeout_local
                }
            }
            Step::Mc(..) if remote => MEMCACHED_CONNECT_REMOTE,
            Step::Mc(..) => MEMCACHED_CONNECT_LOCAL,
        }
    }

    /// Homestead answered 503 (throttled) or 504 (HSS timeout): try the other target after a
    /// 503, give up after two 503s or any 504, recording a penalty at Sprout.
    pub(super) fn http_error(&mut self, q: &mut EventQueue<Ev>, key: Key, answer: HttpAnswer) {
        let m = self.msgs.get_mut(key).expect("live message");
        m.op_answer = HttpAnswer::Ok;
        let (sprout, step, attempt) = (m.route.sprout, m.current_step(), m.attempt);
        if answer == HttpAnswer::Unavailable {
            m.http_503s += 1;
            if (attempt as u32) < self.p.pool.http_attempts {
                return self.op_start(q, key, step);
            }
        }
        if matches!(step, Step::Chronos(..)) {
            // Chronos refused twice: Sprout goes on without the timer, and without a penalty.
            return self.sprout_resume(q, key);
        }
        let m = self.msgs.get(key).expect("live");
        if answer == HttpAnswer::GatewayTimeout || m.http_503s >= 2 {
            self.throttle_penalty(sprout);
        }
        match step {
            Step::Http(op) => self.http_gave_up(q, key, op),
            _ => self.sprout_abort(q, key, 504),
        }
    }

    /// An HTTP request got no answer (refused, or timed out): blacklist the target, then try
    /// another or give up.
    pub(super) fn http_failed(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let now = q.now();
        let m = self.msgs.get(key).expect("live message");
        let (sprout, target, step, attempt) = (m.sprout(), m.op_target, m.current_step(), m.attempt);
        let (black, gray) = (self.p.pool.http_blacklist, self.p.pool.graylist);
        self.nodes[sprout].blacklist.add(now, target, black, gray);
        self.stats.counters.http_failures += 1;
        if (attempt as u32) < self.p.pool.http_attempts {
            self.op_start(q, key, step)
        } else if let Step::Http(op) = step {
            self.http_gave_up(q, key, op)
        }
    }

    /// An HTTP request failed for good. Without its simservs document the MMTEL application
    /// server carries on with no service enabled ("no MMTel services enabled"
    /// [src sprout: mmtel.cpp]); any other failure ends the request (504).
    fn http_gave_up(&mut self, q: &mut EventQueue<Ev>, key: Key, op: HttpOp) {
        if op.is_homer() {
            self.sprout_resume(q, key)
        } else {
            self.sprout_abort(q, key, 504)
        }
    }
}
