//! The UE: its connection to an edge node (Bono, or Sprout without one), its DNS cache of
//! the Bono name, and the registration procedure it runs.

use super::events::Ev;
use super::flows::Method;
use super::message::{RegisterStage, Route, NO_KEY};
use super::node::{NodeId, NO_NODE};
use super::transaction::{FailCause, ReqType};
use super::world::World;
use crate::engine::{EventQueue, SimTime};
use crate::model::slab::Key;
use crate::network::dns::Cached;

pub type UeId = u32;

/// One subscriber's UE: what the phone knows and does. The network's records of the
/// subscriber live with the components that keep them (memcached.rs, chronos.rs,
/// homestead.rs, outage.rs). Kept small (see the test): subscribers count in millions.
#[derive(Clone, Debug)]
pub struct Ue {
    /// The node this UE is connected to: a Bono, or a Sprout when the site has no Bono
    /// (Clearwater's core-only stress tests drive Sprout directly).
    pub edge: NodeId,
    pub site: u8,
    /// The UE believes it is registered (last REGISTER succeeded, not yet expired).
    pub registered: bool,
    /// A registration procedure is in progress.
    pub registering: bool,
    /// The UE's TCP connection to `edge` is up (as far as the UE knows).
    pub connected: bool,
    /// Generation of the UE's own refresh timer.
    pub reg_gen: u32,
    /// The UE's DNS cache of the Bono name: the site whose Bonos the answer listed, and its
    /// expiry (`SimTime::ZERO`: never answered).
    pub dns: Cached<u8>,
    /// Generation of the UE's DNS query / connection attempt in progress.
    pub conn_gen: u32,
    /// The REGISTER transaction in progress, if any.
    pub reg_txn: Key,
    /// Random draws made so far (the UE's stream position).
    pub draws: u32,
}

impl Ue {
    pub fn new() -> Ue {
        Ue {
            edge: NO_NODE,
            site: 0,
            registered: false,
            registering: false,
            connected: false,
            reg_gen: 0,
            dns: Cached::new(0, SimTime::ZERO),
            conn_gen: 0,
            reg_txn: NO_KEY,
            draws: 0,
        }
    }
}

impl World {
    /// Starts a registration procedure for `ue` unless one is already running: resolve the
    /// Bono name (through the UE's DNS cache), connect if the answer points elsewhere, send
    /// the REGISTER.
    pub fn start_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let now = q.now();
        let u = &mut self.ues[ue as usize];
        if u.registering {
            return;
        }
        u.registering = true;
        if u.dns.is_fresh(now) {
            return self.ue_pick_edge(q, ue);
        }
        u.conn_gen = u.conn_gen.wrapping_add(1);
        let gen = u.conn_gen;
        let d = if self.dns.up {
            let mut rng = self.ue_rng(ue);
            self.p.dns.server_latency.sample(&mut rng) + self.p.dns.server_latency.sample(&mut rng)
        } else {
            self.p.dns.query_timeout
        };
        q.schedule_in(d, Ev::UeDns { ue, gen });
    }

    /// The UE's DNS query for the Bono name returns (or times out).
    pub fn ue_dns(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32) {
        let now = q.now();
        if self.ues[ue as usize].conn_gen != gen {
            return;
        }
        let site = self.dns_bono_site(ue);
        let name = super::node::Topology::name(site, self.edge_tier(site));
        let answered = !matches!(self.dns.query(name, Some(self.p.dns.bono_ttl)), crate::network::dns::Answer::Failed);
        let u = &mut self.ues[ue as usize];
        if answered {
            u.dns.answered(now, site, self.p.dns.bono_ttl);
        } else if u.dns.expires != SimTime::ZERO {
            // No answer: keep the stale one 30 s more [src cpp-common: dnscachedresolver.cpp].
            u.dns.refresh_failed(now, self.p.dns.stale_extension);
        } else {
            return self.register_failed_early(q, ue, FailCause::Other);
        }
        self.ue_pick_edge(q, ue);
    }

    /// The edge tier UEs connect to in a site: Bono, or Sprout where there is none.
    pub fn edge_tier(&self, site: u8) -> crate::scenario::Tier {
        if self.topo.nodes(site, crate::scenario::Tier::Bono).is_empty() {
            crate::scenario::Tier::Sprout
        } else {
            crate::scenario::Tier::Bono
        }
    }

    /// Which site's Bonos the DNS returns to `ue`: its own site's; with latency-based,
    /// health-checked records, the other site's when health checks failed every Bono of its
    /// own [doc 8.46.4].
    pub fn dns_bono_site(&self, ue: UeId) -> u8 {
        let home = self.ues[ue as usize].site;
        if self.p.dns.mode != crate::scenario::DnsMode::LatencyBased || !self.gr() {
            return home;
        }
        let healthy = |s: u8| self.topo.nodes(s, self.edge_tier(s)).iter().any(|&n| self.nodes[n as usize].dns_healthy);
        if healthy(home) || !healthy(1 - home) {
            home
        } else {
            1 - home
        }
    }

    /// Connects to an edge of the cached answer (keeping the current one if it is in it) and
    /// sends the REGISTER.
    fn ue_pick_edge(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let site = self.ues[ue as usize].dns.value;
        let all = self.topo.nodes(site, self.edge_tier(site));
        let latency_based = self.p.dns.mode == crate::scenario::DnsMode::LatencyBased;
        let mut answer: Vec<NodeId> =
            all.iter().copied().filter(|&n| !latency_based || self.nodes[n as usize].dns_healthy).collect();
        if answer.is_empty() {
            answer = all.to_vec();
        }
        let u = &self.ues[ue as usize];
        if u.connected && answer.contains(&u.edge) {
            return self.send_register(q, ue);
        }
        use rand::Rng as _;
        let mut rng = self.ue_rng(ue);
        let edge = answer[rng.random_range(0..answer.len())];
        let d = match self.path(None, edge, None) {
            super::reachability::Path::Dropped => self.p.sip.tcp_connect_timeout,
            _ => self.access_delay(edge) + self.access_delay(edge),
        };
        let u = &mut self.ues[ue as usize];
        u.edge = edge;
        u.connected = false;
        u.conn_gen = u.conn_gen.wrapping_add(1);
        q.schedule_in(d, Ev::UeConnect { ue, gen: u.conn_gen });
    }

    /// The TCP connection attempt completes: connected, or refused / timed out.
    pub fn ue_connect(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32) {
        let u = &self.ues[ue as usize];
        if u.conn_gen != gen {
            return;
        }
        if self.path(None, u.edge, None) == super::reachability::Path::Open {
            self.ues[ue as usize].connected = true;
            self.send_register(q, ue);
        } else {
            self.register_failed_early(q, ue, FailCause::Transport);
        }
    }

    /// The UE's connection was reset (its edge crashed loudly): a REGISTER in flight fails
    /// with a transport error, and the UE re-registers at once.
    pub fn ue_conn_lost(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let u = &mut self.ues[ue as usize];
        u.connected = false;
        self.stats.counters.connection_resets += 1;
        if u.registering {
            let txn = u.reg_txn;
            if self.txns.get(txn).is_some() {
                self.end_txn(q, txn, Some(FailCause::Transport));
            } else {
                // Still resolving or connecting: abandon that attempt.
                let u = &mut self.ues[ue as usize];
                u.conn_gen = u.conn_gen.wrapping_add(1);
                u.registering = false;
            }
        }
        self.start_register(q, ue);
    }

    /// The registration failed before a REGISTER could be sent (no DNS answer, no
    /// connection): it counts as a failed registration.
    fn register_failed_early(&mut self, q: &mut EventQueue<Ev>, ue: UeId, cause: FailCause) {
        let kind = if self.ues[ue as usize].registered { ReqType::RegisterRefresh } else { ReqType::RegisterInitial };
        self.stats.started(kind);
        self.stats.failed(kind, cause, self.stats.measuring);
        self.register_done(q, ue, false);
    }

    fn send_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let refresh = self.ues[ue as usize].registered;
        let stage = if refresh && !self.p.sip.challenge_reregister {
            RegisterStage::UnchallengedRefresh
        } else {
            RegisterStage::Unauthenticated
        };
        let txn = self.new_txn(q, Method::Register, ue, NO_KEY, refresh);
        self.txns.get_mut(txn).expect("just created").stage = stage;
        self.ues[ue as usize].reg_txn = txn;
        let route = self.first_route(ue);
        self.send_request(q, txn, Method::Register, ue, ue, NO_KEY, route, stage);
    }

    /// The route of a new request from `ue`: through its Bono (Sprout picked by the Bono's
    /// pool), or straight to its Sprout when there is no Bono.
    pub fn first_route(&self, ue: UeId) -> Route {
        let edge = self.ues[ue as usize].edge;
        if self.nodes[edge as usize].tier == crate::scenario::Tier::Bono {
            Route { origin_bono: edge, ..Route::EMPTY }
        } else {
            Route { sprout: edge, ..Route::EMPTY }
        }
    }

    /// The Bono a called UE is reached through, or none.
    pub fn edge_bono(&self, ue: UeId) -> NodeId {
        let edge = self.ues[ue as usize].edge;
        if self.nodes[edge as usize].tier == crate::scenario::Tier::Bono {
            edge
        } else {
            NO_NODE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_enough() {
        // Subscribers are counted in millions.
        let size = std::mem::size_of::<super::Ue>();
        assert!(size <= 128, "Ue is {size} bytes");
    }
}
