//! SIP message routing: UE → Bono → Sprout → Bono → UE and back, with the CPU work at each
//! hop. Responses retrace the route (Via); in-dialog requests follow the record-routed
//! path fixed by the INVITE. Each arrival first checks the path (node down, partition,
//! blocked port): a refused connection comes back to the sender as a transport error, a
//! black-holed message is simply lost and the sender's timers take over.

use super::failure::Path;
use super::flows::{Method, Program};
use super::state::*;
use super::world::{Class, World};
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
        code: u16,
        ue: UeId,
        peer: UeId,
        route: [NodeId; 3],
        hop: u8,
        stage: u8,
    ) -> Key {
        self.msgs.insert(Msg {
            txn,
            method,
            code,
            ue,
            peer,
            route,
            hop,
            program: Program::Relay,
            pc: 0,
            stage,
            op_target: NO_NODE,
            attempt: 0,
            op_sent: crate::engine::SimTime::ZERO,
            op_site: 0,
            op_code: 0,
            http_503s: 0,
            tries: 0,
            found: false,
            hss: false,
            call: NO_KEY,
            lat_ns: 0,
            worker_ns: 0,
        })
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
        route: [NodeId; 3],
        stage: u8,
    ) {
        let hop = if route[0] == NO_NODE { HOP_SPROUT } else { HOP_BONO_A };
        let msg = self.new_msg(txn, method, 0, ue, peer, route, hop, stage);
        self.msgs.get_mut(msg).expect("just inserted").call = call;
        let d = self.access_delay(if route[0] == NO_NODE { route[1] } else { route[0] });
        q.schedule_in(d, Ev::Hop { msg });
    }

    /// The node a hop of the message's route is on (`None` for the UEs).
    fn node_at(route: [NodeId; 3], hop: u8) -> Option<NodeId> {
        match hop {
            HOP_BONO_A => Some(route[0]),
            HOP_SPROUT => Some(route[1]),
            HOP_BONO_B => Some(route[2]),
            _ => None,
        }
    }

    /// Moves a message to `hop`, after the network delay between where it is and there.
    /// An absent Bono (core-only deployments) is skipped.
    pub fn forward(&mut self, q: &mut EventQueue<Ev>, key: Key, hop: u8) {
        let m = self.msgs.get_mut(key).expect("live message");
        let hop = match hop {
            HOP_BONO_A if m.route[0] == NO_NODE => HOP_UE_A,
            HOP_BONO_B if m.route[2] == NO_NODE && m.hop == HOP_UE_B => HOP_SPROUT,
            HOP_BONO_B if m.route[2] == NO_NODE => HOP_UE_B,
            h => h,
        };
        let from = m.hop;
        m.hop = hop;
        let route = m.route;
        let d = match (Self::node_at(route, from), Self::node_at(route, hop)) {
            (Some(a), Some(b)) => self.node_delay(a, b),
            (Some(edge), None) | (None, Some(edge)) => self.access_delay(edge),
            (None, None) => SimDuration::ZERO,
        };
        q.schedule_in(d, Ev::Hop { msg: key });
    }

    /// Where a message arriving at `hop` came from, and the interface a request uses to get
    /// there (responses ride the connection their request opened: no port check).
    fn arrival(m: &Msg) -> (Option<NodeId>, Option<&'static ports::Interface>) {
        let request = m.code == 0;
        match (m.hop, request) {
            (HOP_SPROUT, true) => {
                let iface = if m.method == Method::Register { &ports::BONO_TO_ICSCF } else { &ports::BONO_TO_SCSCF };
                (Self::node_at(m.route, HOP_BONO_A).filter(|&n| n != NO_NODE), Some(iface))
            }
            (HOP_BONO_B, true) => (Some(m.route[1]), Some(&ports::SPROUT_TO_BONO)),
            (HOP_SPROUT, false) => (Self::node_at(m.route, HOP_BONO_B).filter(|&n| n != NO_NODE), None),
            (HOP_BONO_A, false) => (Some(m.route[1]), None),
            _ => (None, None),
        }
    }

    pub fn on_hop(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let Some(m) = self.msgs.get(key) else { return };
        let hop = m.hop;
        if hop == HOP_UE_A {
            return self.ue_gets_response(q, key);
        }
        if hop == HOP_UE_B {
            return self.ue_gets_request(q, key);
        }
        let node = Self::node_at(m.route, hop).expect("a node hop");
        let (from, iface) = Self::arrival(m);
        match self.path(from, node, iface) {
            Path::Open => {}
            Path::Refused => return self.refused_at(q, key),
            Path::Dropped => return self.dropped_at(q, key),
        }
        if hop == HOP_SPROUT {
            return self.sprout_receive(q, key);
        }
        if m.code == 0 {
            self.nodes[node as usize].window.requests += 1;
        }
        if !self.sip_admit(node, key, q.now()) {
            // Bono answers 503 itself: the work is relaying a response instead.
            self.msgs.get_mut(key).expect("live").code = 503;
        }
        let demand = self.demand(node, |p| &p.costs.bono_message);
        self.submit(q, node, Job::Msg(key), demand, Class::New);
    }

    /// The node at the message's hop refused the connection (crashed loudly): the sender
    /// learns at once.
    pub fn refused_at(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        match (m.hop, m.code == 0) {
            // The UE's own edge refused it.
            (HOP_BONO_A, true) => self.transport_error_to_ue(q, key),
            (HOP_SPROUT, true) if m.route[0] == NO_NODE => self.transport_error_to_ue(q, key),
            // The Bono that sent it is gone too (a whole site failed): nobody is left to retry.
            (HOP_SPROUT, true) if !self.nodes[m.route[0] as usize].up => {
                self.msgs.remove(key);
            }
            // Bono's connection to that Sprout failed: blacklist it and try another.
            (HOP_SPROUT, true) => {
                let (bono, sprout) = (m.route[0], m.route[1]);
                m.hop = HOP_BONO_A;
                m.route[1] = NO_NODE;
                self.bono_lost_sprout(q.now(), bono, sprout);
                self.bono_forward(q, key)
            }
            // The callee's Bono is gone: Sprout answers the caller.
            (HOP_BONO_B, true) => {
                let m = self.msgs.get_mut(key).expect("live");
                m.hop = HOP_SPROUT;
                if m.method == Method::Ack {
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
        if m.hop == HOP_SPROUT && m.code == 0 && m.route[0] != NO_NODE {
            // Bono's transaction times out in turn and it stops using that Sprout.
            let t = self.p.sip.transaction_timeout;
            q.schedule_in(t, Ev::BonoGaveUp { bono: m.route[0], sprout: m.route[1] });
        }
    }

    /// Turns a request into a transport error travelling back to its UE.
    fn transport_error_to_ue(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        m.code = TRANSPORT_ERROR;
        let edge = if m.route[0] == NO_NODE { m.route[1] } else { m.route[0] };
        m.hop = HOP_UE_A;
        let d = self.access_delay(edge);
        q.schedule_in(d, Ev::Hop { msg: key });
    }

    /// CPU work on a message finished at `node`.
    pub fn msg_cpu_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, key: Key, wait: SimDuration, expired: bool) {
        let Some(m) = self.msgs.get_mut(key) else { return };
        if m.hop != HOP_SPROUT {
            return self.bono_forward(q, key);
        }
        if expired {
            // Waited past the queue timeout: ACKs are dropped, other requests get a
            // stateless 503 [src sprout: thread_dispatcher.cpp].
            self.nodes[node as usize].window.rejected += 1;
            self.stats.counters.queue_timeouts += 1;
            if m.method == Method::Ack {
                self.msgs.remove(key);
                return;
            }
            return self.respond_from_sprout(q, key, 503);
        }
        m.lat_ns += wait.as_ns() + m.worker_ns;
        self.sprout_continue(q, key);
    }

    fn bono_forward(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let m = self.msgs.get_mut(key).expect("live message");
        let (hop, is_request) = (m.hop, m.code == 0);
        match (hop, is_request) {
            (HOP_BONO_A, true) => {
                if m.route[1] == NO_NODE {
                    if m.tries as u32 >= self.p.sip.max_targets {
                        m.code = 503;
                        return self.forward(q, key, HOP_UE_A);
                    }
                    m.tries += 1;
                    let bono = m.route[0] as usize;
                    let node = &mut self.nodes[bono];
                    match node.pool.as_ref().and_then(|p| p.pick(&mut node.rng)) {
                        Some(sprout) => self.msgs.get_mut(key).expect("live").route[1] = sprout,
                        None => {
                            // No upstream connection at all: Bono answers 503 itself.
                            let m = self.msgs.get_mut(key).expect("live");
                            m.code = 503;
                            return self.forward(q, key, HOP_UE_A);
                        }
                    }
                }
                self.forward(q, key, HOP_SPROUT)
            }
            (HOP_BONO_B, true) => self.forward(q, key, HOP_UE_B),
            (HOP_BONO_B, false) => self.forward(q, key, HOP_SPROUT),
            _ => self.forward(q, key, HOP_UE_A),
        }
    }

    /// Sprout turns the request into its own final response and sends it back.
    pub fn respond_from_sprout(&mut self, q: &mut EventQueue<Ev>, key: Key, code: u16) {
        let m = self.msgs.get_mut(key).expect("live message");
        m.code = code;
        self.forward(q, key, HOP_BONO_A);
    }
}
