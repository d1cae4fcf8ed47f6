//! Third-party registration, an optional load term (`sip.third_party_register`): when an
//! iFC names an application server for REGISTER, the S-CSCF sends each successful
//! registration on to it as a third-party REGISTER and handles its answer (TS 24.229
//! 5.4.1.7). Sprout sends it without blocking the worker: building and sending costs a
//! continuation-sized burst; the server's 200 comes back later, through the transport thread
//! and a worker like any response.

use super::events::{Class, Ev, Job, Side};
use super::flows::Method;
use super::ids::{NodeId, UeId, NO_KEY};
use super::message::{Hop, RegisterStage, Route, Status};
use super::program::Program;
use super::world::World;
use crate::engine::EventQueue;
use crate::model::slab::Key;

impl World {
    /// A registration succeeded at `sprout`: send it on to the application server, if any.
    pub(super) fn register_with_as(&mut self, q: &mut EventQueue<Ev>, sprout: NodeId, ue: UeId) {
        if self.p.sip.third_party_register.is_none() {
            return;
        }
        let worker = self.demand(sprout, |p| &p.costs.sprout_continuation);
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, sprout, Job::Side(Side::AsRegister { ue }), total, Class::Resumed);
    }

    /// The third-party REGISTER left `sprout`: the server's 200 arrives after its response
    /// time.
    pub(super) fn as_register_sent(&mut self, q: &mut EventQueue<Ev>, sprout: NodeId, ue: UeId) {
        let Some(d) = self.p.sip.third_party_register.as_ref() else { return };
        let delay = d.sample(&mut self.nodes[sprout].rng);
        let route = Route { sprout, ..Route::EMPTY };
        let (ok, stage) = (Status::Response(200), RegisterStage::Unauthenticated);
        let msg = self.new_msg(NO_KEY, Method::Register, ok, ue, ue, route, Hop::Sprout, stage);
        self.msgs.get_mut(msg).expect("just inserted").program = Program::LocalResponse;
        q.schedule_in(delay, Ev::AsAnswer { msg });
    }

    /// The server's answer reaches its Sprout (lost if that Sprout is down).
    pub fn as_answer(&mut self, q: &mut EventQueue<Ev>, msg: Key) {
        let Some(m) = self.msgs.get(msg) else { return };
        if self.nodes[m.sprout()].up {
            self.sprout_receive(q, msg);
        } else {
            self.msgs.remove(msg);
        }
    }
}
