//! The UE: its connection to an edge node (Bono, or Sprout without one), its DNS cache of
//! the Bono name, and the registration procedure it runs.

use super::events::Ev;
use super::flows::Method;
use super::ids::{NodeId, UeId, NO_KEY, NO_NODE};
use super::message::{RegisterStage, Route};
use super::txn::{FailCause, ReqType};
use super::world::World;
use crate::engine::{EventQueue, SimTime};

impl World {
    /// Starts a registration procedure for `ue` unless one is already running: resolve the
    /// Bono name (through the UE's DNS cache), connect if the answer points elsewhere, send
    /// the REGISTER.
    pub fn start_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let now = q.now();
        let u = &mut self.ues[ue];
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
        if self.ues[ue].conn_gen != gen {
            return;
        }
        let site = self.dns_bono_site(ue);
        let name = super::node::Topology::name(site, self.edge_tier(site));
        let answered = !matches!(self.dns.query(name, Some(self.p.dns.bono_ttl)), crate::network::dns::Answer::Failed);
        let u = &mut self.ues[ue];
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

    /// Which site's Bonos the DNS returns to `ue`: its own site's, as the latency-routed Route 53
    /// record sets with a 30 s TTL do [doc 8.46.4]. With `mode = "latency-based"` in a GR
    /// deployment, the other site's once health checks have failed every Bono of its own (and
    /// not every Bono of the other): those health checks are this model's assumption (Route 53
    /// health checks on the record sets), which the documented setup does not describe.
    pub fn dns_bono_site(&self, ue: UeId) -> u8 {
        let home = self.ues[ue].site;
        if self.p.dns.mode != crate::scenario::DnsMode::LatencyBased || !self.gr() {
            return home;
        }
        let healthy = |s: u8| self.topo.nodes(s, self.edge_tier(s)).iter().any(|&n| self.nodes[n].dns_healthy);
        if healthy(home) || !healthy(1 - home) {
            home
        } else {
            1 - home
        }
    }

    /// Connects to an edge of the cached answer (keeping the current one if it is in it) and
    /// sends the REGISTER.
    pub(super) fn ue_pick_edge(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let answer = self.edge_answer(self.ues[ue].dns.value);
        let u = &self.ues[ue];
        // A quiescing Bono (scaled in) keeps its clients' flows until it answers 305.
        let quiescing = |w: &World| w.nodes[u.edge].retired && w.nodes[u.edge].tier == crate::scenario::Tier::Bono;
        if u.connected && (answer.contains(&u.edge) || quiescing(self)) {
            return self.send_register(q, ue);
        }
        let edge = if self.outbound() {
            answer[self.next_target(ue, answer.len())]
        } else {
            use rand::Rng as _;
            let mut rng = self.ue_rng(ue);
            answer[rng.random_range(0..answer.len())]
        };
        let d = match self.path(None, edge, None) {
            super::reachability::Path::Dropped => self.p.sip.tcp_connect_timeout,
            _ => self.access_delay(edge) + self.access_delay(edge),
        };
        let u = &mut self.ues[ue];
        u.edge = edge;
        u.connected = false;
        u.flow_authenticated = false;
        u.conn_gen = u.conn_gen.wrapping_add(1);
        q.schedule_in(d, Ev::UeConnect { ue, gen: u.conn_gen });
    }

    /// The edges a DNS answer for `site` lists: with latency-based DNS only those passing
    /// health checks (all of them if none does).
    pub(super) fn edge_answer(&self, site: u8) -> Vec<NodeId> {
        let all = self.topo.nodes(site, self.edge_tier(site));
        let latency_based = self.p.dns.mode == crate::scenario::DnsMode::LatencyBased;
        let answer: Vec<NodeId> =
            all.iter().copied().filter(|&n| !latency_based || self.nodes[n].dns_healthy).collect();
        if answer.is_empty() {
            all.to_vec()
        } else {
            answer
        }
    }

    /// The TCP connection attempt completes: connected, or refused / timed out.
    pub fn ue_connect(&mut self, q: &mut EventQueue<Ev>, ue: UeId, gen: u32) {
        let u = &self.ues[ue];
        if u.conn_gen != gen {
            return;
        }
        if self.path(None, u.edge, None) == super::reachability::Path::Open {
            self.ues[ue].connected = true;
            self.send_register(q, ue);
        } else {
            self.register_failed_early(q, ue, FailCause::Transport);
        }
    }

    /// The UE's connection was reset (its edge crashed loudly): a REGISTER in flight fails
    /// with a transport error, and the UE re-registers at once.
    pub fn ue_conn_lost(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let u = &mut self.ues[ue];
        u.connected = false;
        u.flow_authenticated = false;
        self.stats.counters.connection_resets += 1;
        if u.registering {
            let txn = u.reg_txn;
            if self.txns.get(txn).is_some() {
                self.end_txn(q, txn, Some(FailCause::Transport));
            } else {
                // Still resolving or connecting: abandon that attempt.
                let u = &mut self.ues[ue];
                u.conn_gen = u.conn_gen.wrapping_add(1);
                u.registering = false;
            }
        }
        self.start_register(q, ue);
    }

    /// The registration failed before a REGISTER could be sent (no DNS answer, no
    /// connection): it counts as a failed registration.
    fn register_failed_early(&mut self, q: &mut EventQueue<Ev>, ue: UeId, cause: FailCause) {
        if self.register_attempt_failed(q, ue, cause) {
            return; // an outbound UE tries the next target
        }
        let kind = if self.ues[ue].registered { ReqType::RegisterRefresh } else { ReqType::RegisterInitial };
        self.stats.started(kind);
        self.stats.failed(kind, cause, self.stats.measuring);
        self.register_done(q, ue, false);
        if self.sipp.is_some() {
            self.sipp_register_done(q, ue, Some(cause));
        }
    }

    fn send_register(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let u = &self.ues[ue];
        let refresh = u.registered;
        let protected = match self.p.sip.challenge_reregister {
            // Bono marks a REGISTER on a connection it has authenticated.
            None => u.connected && u.flow_authenticated && self.nodes[u.edge].tier == crate::scenario::Tier::Bono,
            Some(always) => refresh && !always,
        };
        // A SIPp instance keeps Bono's flow from one call to the next only over one socket.
        let protected = protected && self.sipp_flow_kept(ue);
        let stage = if protected { RegisterStage::IntegrityProtected } else { RegisterStage::Unauthenticated };
        let txn = self.new_txn(q, Method::Register, ue, NO_KEY, refresh);
        self.txns.get_mut(txn).expect("just created").stage = stage;
        self.ues[ue].reg_txn = txn;
        let route = self.first_route(ue);
        self.send_request(q, txn, Method::Register, ue, ue, NO_KEY, route, stage);
    }

    /// The route of a new request from `ue`: through its Bono (Sprout picked by the Bono's
    /// pool), or straight to its Sprout when there is no Bono.
    pub fn first_route(&self, ue: UeId) -> Route {
        let edge = self.ues[ue].edge;
        if self.nodes[edge].tier == crate::scenario::Tier::Bono {
            Route { origin_bono: edge, ..Route::EMPTY }
        } else {
            Route { sprout: edge, ..Route::EMPTY }
        }
    }

    /// The Bono a called UE is reached through, or none.
    pub fn edge_bono(&self, ue: UeId) -> NodeId {
        let edge = self.ues[ue].edge;
        if self.nodes[edge].tier == crate::scenario::Tier::Bono {
            edge
        } else {
            NO_NODE
        }
    }
}
