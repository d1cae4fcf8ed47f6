//! SIP message routing: UE → Bono → Sprout → Bono → UE and back, with the CPU work at each
//! hop. Responses retrace the route (Via); in-dialog requests follow the record-routed
//! path fixed by the INVITE. Each arrival first checks the path (node down, partition,
//! blocked port): a refused connection comes back to the sender as a transport error, a
//! black-holed message is simply lost and the sender's timers take over.

use super::events::Class;
use super::events::{Ev, Job};
use super::flows::Method;
use super::ids::{NodeId, UeId, NO_NODE};
use super::message::{Hop, Msg, RegisterStage, Route, Status};
use super::ralf::Role;
use super::reachability::Path;
use super::world::World;
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;
use crate::network::ports;

impl World {
    /// A new message at `hop` of `route` (no network delay applied yet).
    #[allow(clippy::too_many_arguments)]
    pub fn new_msg(
        &mut self,
        txn: Key,
        method: Method,
        status: Status,
        ue: UeId,
        peer: UeId,
        route: Route,
        hop: Hop,
        stage: RegisterStage,
    ) -> Key {
        let mut m = Msg::new(txn, method, status, ue, peer, route, hop);
        m.stage = stage;
        self.msgs.insert(m)
    }

    /// A UE sends a request; it reaches the UE's Bono (or its Sprout, without Bono) after
    /// the access delay.
    #[allow(clippy::too_many_arguments)]
    pub fn send_request(
        &mut self,
        q: &mut EventQueue<Ev>,
        txn: Key,
        method: Method,
        ue: UeId,
        peer: UeId,
        call: Key,
        route: Route,
        stage: RegisterStage,
    ) {
        let hop = if route.origin_bono == NO_NODE { Hop::Sprout } else { Hop::OriginBono };
        let msg = self.new_msg(txn, method, Status::Request, ue, peer, route, hop, stage);
        self.msgs.get_mut(msg).expect("just inserted").call = call;
        let d = self.access_delay(route.origin_edge());
        q.schedule_in(d, Ev::Hop { msg });
    }

    /// Moves a message to `hop`, after the network delay between where it is and there.
    /// An absent Bono (core-only deployments) is skipped.
    pub fn forward(&mut self, q: &mut EventQueue<Ev>, key: Key, hop: Hop) {
        let m = self.msgs.get_mut(key).expect("live message");
        let no_target_bono = m.route.target_bono == NO_NODE;
        let hop = match hop {
            Hop::OriginBono if m.route.origin_bono == NO_NODE => Hop::OriginUe,
            Hop::TargetBono if no_target_bono && m.hop == Hop::TargetUe => Hop::Sprout,
            Hop::TargetBono if no_target_bono => Hop::TargetUe,
            h => h,
        };
        let from = m.hop;
        m.hop = hop;
        let route = m.route;
        let d = match (route.at(from), route.at(hop)) {
            (Some(a), Some(b)) => self.node_delay(a, b),
            (Some(edge), None) | (None, Some(edge)) => self.access_delay(edge),
            (None, None) => SimDuration::ZERO,
        };
        q.schedule_in(d, Ev::Hop { msg: key });
    }

    /// Where a message arriving at `hop` came from, and the interface a request uses to get
    /// there (responses ride the connection their request opened: no port check).
    fn arrival(m: &Msg) -> (Option<NodeId>, Option<&'static ports::Interface>) {
        match (m.hop, m.is_request()) {
            (Hop::Sprout, true) => {
                let iface = if m.method == Method::Register { &ports::BONO_TO_ICSCF } else { &ports::BONO_TO_SCSCF };
                (m.route.at(Hop::OriginBono), Some(iface))
            }
            (Hop::TargetBono, true) => (Some(m.route.sprout), Some(&ports::SPROUT_TO_BONO)),
            (Hop::Sprout, false) => (m.route.at(Hop::TargetBono), None),
            (Hop::OriginBono, false) => (Some(m.route.sprout), None),
            _ => (None, None),
        }
    }

    pub fn on_hop(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let Some(m) = self.msgs.get(key) else { return };
        let hop = m.hop;
        if hop == Hop::OriginUe {
            return self.ue_gets_response(q, key);
        }
        if hop == Hop::TargetUe {
            return self.ue_gets_request(q, key);
        }
        let node = m.route.at(hop).expect("a node hop");
        let (from, iface) = Self::arrival(m);
        match self.path(from, node, iface) {
            Path::Open => {}
            Path::Refused => return self.refused_at(q, key),
            Path::Dropped => return self.dropped_at(q, key),
        }
        if hop == Hop::Sprout {
            return self.sprout_receive(q, key);
        }
        if m.is_request() {
            self.nodes[node].window.requests += 1;
        }
        if !self.sip_admit(node, key, q.now()) {
            // Bono answers 503 itself: the work is relaying a response instead.
            self.msgs.get_mut(key).expect("live").status = Status::Response(503);
        } else if self.bono_refers_away(node, self.msgs.get(key).expect("live")) {
            // A quiescing Bono sends its client elsewhere (scaling.rs).
            self.msgs.get_mut(key).expect("live").status = Status::Response(305);
        }
        let demand = self.demand(node, |p| &p.costs.bono_message);
        self.submit(q, node, Job::Msg(key), demand, Class::New);
    }

    /// The node at the message's hop refused the connection (crashed loudly): the sender
    /// learns at once.
    pub fn refused_at(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        match (m.hop, m.is_request()) {
            // The UE's own edge refused it.
            (Hop::OriginBono, true) => self.transport_error_to_ue(q, key),
            (Hop::Sprout, true) if m.route.origin_bono == NO_NODE => self.transport_error_to_ue(q, key),
            // The Bono that sent it is gone too (a whole site failed): nobody is left to retry.
            (Hop::Sprout, true) if !self.nodes[m.route.origin_bono].up => {
                self.msgs.remove(key);
            }
            // Bono's connection to that Sprout failed: blacklist it and try another.
            (Hop::Sprout, true) => {
                let (bono, sprout) = (m.route.origin_bono, m.route.sprout);
                m.hop = Hop::OriginBono;
                m.route.sprout = NO_NODE;
                self.bono_lost_sprout(q.now(), bono, sprout);
                self.bono_forward(q, key)
            }
            // The callee's Bono is gone: Sprout answers the caller.
            (Hop::TargetBono, true) => {
                let m = self.msgs.get_mut(key).expect("live");
                m.hop = Hop::Sprout;
                if matches!(m.method, Method::Ack | Method::Notify) {
                    self.msgs.remove(key);
                    return;
                }
                self.respond_from_sprout(q, key, 480)
            }
            _ => {
                self.msgs.remove(key);
            }
        }
    }

    /// The message vanished (black-holed node, partition, blocked port): nobody hears.
    pub fn dropped_at(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.remove(key).expect("live message");
        if m.hop == Hop::Sprout && m.is_request() && m.route.origin_bono != NO_NODE {
            // Bono's transaction times out in turn and it stops using that Sprout.
            let t = self.p.sip.transaction_timeout;
            q.schedule_in(t, Ev::BonoGaveUp { bono: m.route.origin_bono, sprout: m.route.sprout });
        }
    }

    /// Turns a request into a transport error travelling back to its UE.
    fn transport_error_to_ue(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        m.status = Status::TransportError;
        let edge = m.route.origin_edge();
        m.hop = Hop::OriginUe;
        let d = self.access_delay(edge);
        q.schedule_in(d, Ev::Hop { msg: key });
    }

    /// CPU work on a message finished at `node`.
    pub fn msg_cpu_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, key: Key, wait: SimDuration) {
        let billing = self.billing();
        let Some(m) = self.msgs.get_mut(key) else { return };
        if m.hop != Hop::Sprout {
            if !m.is_request() && billing {
                let role = if m.hop == Hop::OriginBono { Role::OriginBono } else { Role::TargetBono };
                self.report_billable(q, key, node, &[role]);
            }
            return self.bono_forward(q, key);
        }
        m.lat_ns += wait.as_ns() + m.worker_ns;
        self.sprout_continue(q, key);
    }

    fn bono_forward(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        match (m.hop, m.is_request()) {
            (Hop::OriginBono, true) => {
                if m.route.sprout == NO_NODE {
                    if m.tries as u32 >= self.p.sip.max_targets {
                        m.status = Status::Response(503);
                        return self.forward(q, key, Hop::OriginUe);
                    }
                    m.tries += 1;
                    let bono = m.route.origin_bono;
                    let node = &mut self.nodes[bono];
                    match node.pool.as_ref().and_then(|p| p.pick(&mut node.rng)) {
                        Some(sprout) => self.msgs.get_mut(key).expect("live").route.sprout = sprout,
                        None => {
                            // No upstream connection at all: Bono answers 503 itself.
                            let m = self.msgs.get_mut(key).expect("live");
                            m.status = Status::Response(503);
                            return self.forward(q, key, Hop::OriginUe);
                        }
                    }
                }
                self.forward(q, key, Hop::Sprout)
            }
            (Hop::TargetBono, true) => self.forward(q, key, Hop::TargetUe),
            (Hop::TargetBono, false) => self.forward(q, key, Hop::Sprout),
            _ => self.forward(q, key, Hop::OriginUe),
        }
    }

    /// Sprout turns the request into its own final response and sends it back.
    pub fn respond_from_sprout(&mut self, q: &mut EventQueue<Ev>, key: Key, code: u16) {
        let m = self.msgs.get_mut(key).expect("live message");
        m.status = Status::Response(code);
        self.forward(q, key, Hop::OriginBono);
    }
}
