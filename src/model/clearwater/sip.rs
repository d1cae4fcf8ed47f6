//! SIP message routing: UE → Bono → Sprout → Bono → UE and back, with the CPU work at each
//! hop. Responses retrace the route (Via); in-dialog requests follow the record-routed
//! path fixed by the INVITE.

use super::flows::{Method, Program};
use super::state::*;
use super::world::{Class, World};
use crate::engine::{EventQueue, SimDuration};
use crate::model::slab::Key;

impl World {
    /// A UE sends a request; it reaches the UE's Bono after the access delay.
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
        let msg = self.msgs.insert(Msg {
            txn,
            method,
            code: 0,
            ue,
            peer,
            route,
            hop: if route[0] == NO_NODE { HOP_SPROUT } else { HOP_BONO_A },
            program: Program::Relay,
            pc: 0,
            stage,
            op_target: NO_NODE,
            attempt: 0,
            found: false,
            hss: false,
            call,
            lat_ns: 0,
            worker_ns: 0,
        });
        let d = self.access_delay(if route[0] == NO_NODE { route[1] } else { route[0] });
        q.schedule_in(d, Ev::Hop { msg });
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
        let node_at = |h: u8| match h {
            HOP_BONO_A => Some(route[0]),
            HOP_SPROUT => Some(route[1]),
            HOP_BONO_B => Some(route[2]),
            _ => None,
        };
        let d = match (node_at(from), node_at(hop)) {
            (Some(a), Some(b)) => self.node_delay(a, b),
            (Some(bono), None) | (None, Some(bono)) => self.access_delay(bono),
            (None, None) => SimDuration::ZERO,
        };
        q.schedule_in(d, Ev::Hop { msg: key });
    }

    pub fn on_hop(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let Some(m) = self.msgs.get(key) else { return };
        match m.hop {
            HOP_UE_A => self.ue_gets_response(q, key),
            HOP_UE_B => self.ue_gets_request(q, key),
            HOP_SPROUT => self.sprout_receive(q, key),
            hop => {
                let node = if hop == HOP_BONO_A { m.route[0] } else { m.route[2] };
                if m.code == 0 {
                    self.nodes[node as usize].window.requests += 1;
                }
                let demand = self.demand(node, |p| &p.costs.bono_message);
                self.submit(q, node, Job::Msg(key), demand, Class::New);
            }
        }
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
            self.stats.queue_timeouts += 1;
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
