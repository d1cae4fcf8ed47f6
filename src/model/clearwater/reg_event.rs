//! The reg event package, an optional load term (`[sip] reg_event_expires`): each UE
//! subscribes to its own registration state once registered (RFC 3680, as IMS UEs do after
//! registering, TS 24.229 5.1.1.3) and keeps the subscription refreshed. Sprout stores the
//! subscription in the AoR (the SUBSCRIBE program, flows.rs) and, whenever it writes the AoR —
//! the SUBSCRIBE itself and every REGISTER that changes the bindings, which a refresh does by
//! moving their expiry — sends a NOTIFY to each subscription
//! [src sprout: subscriber_data_manager.cpp, NotifySender]. The NOTIFY travels through the
//! UE's Bono, and the UE's 200 comes back to a Sprout worker like any response.
//!
//! Sprout caps the subscription's expiry at `reg_max_expires` [src sprout: subscription.cpp];
//! the UE refreshes it at half the granted interval (this model's assumption: RFC 6665 asks
//! only that it refresh before expiry). A failed SUBSCRIBE ends the subscription until the
//! next successful registration.

use super::events::{Class, Ev, Job, Side};
use super::flows::Method;
use super::ids::{NodeId, UeId, NO_KEY};
use super::message::{Hop, RegisterStage, Route, Status};
use super::program::Program;
use super::world::World;
use crate::engine::{EventQueue, SimDuration};

impl World {
    /// The interval Sprout grants a subscription.
    fn reg_event_granted(&self) -> Option<SimDuration> {
        self.p.sip.reg_event_expires.map(|e| e.min(self.p.sip.reg_max_expires))
    }

    /// A registration of `ue` succeeded: subscribe, unless a subscription is already kept up.
    pub(super) fn reg_event_registered(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        if self.reg_event_granted().is_none() || self.ues[ue].subscribing {
            return;
        }
        self.ues[ue].subscribing = true;
        self.send_subscribe(q, ue);
    }

    /// Steady state for a subscriber installed as registered: Sprout holds its subscription
    /// and its refresh is due at a uniformly random point of the refresh interval.
    pub(super) fn reg_event_preinstall(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let Some(granted) = self.reg_event_granted() else { return };
        use rand::Rng as _;
        let mut rng = self.ue_rng(ue);
        let due = SimDuration::from_ns(rng.random_range(0..granted.as_ns() / 2));
        let u = &mut self.ues[ue];
        u.subscribed = true;
        u.subscribing = true;
        q.schedule_in(due, Ev::UeSubscribe { ue });
    }

    fn send_subscribe(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let txn = self.new_txn(q, Method::Subscribe, ue, NO_KEY, false);
        let route = self.first_route(ue);
        self.send_request(q, txn, Method::Subscribe, ue, ue, NO_KEY, route, RegisterStage::Unauthenticated);
    }

    /// The SUBSCRIBE transaction ended: refresh at half the granted interval, or give up
    /// until the next registration.
    pub(super) fn subscribe_done(&mut self, q: &mut EventQueue<Ev>, ue: UeId, ok: bool) {
        let u = &mut self.ues[ue];
        u.subscribed = ok;
        u.subscribing = ok;
        if let (true, Some(granted)) = (ok, self.reg_event_granted()) {
            q.schedule_in(SimDuration::from_ns(granted.as_ns() / 2), Ev::UeSubscribe { ue });
        }
    }

    /// The UE's subscription refresh is due: refreshed while the UE is registered.
    pub fn ue_subscribe(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let u = &mut self.ues[ue];
        if u.registered {
            self.send_subscribe(q, ue);
        } else {
            u.subscribed = false;
            u.subscribing = false;
        }
    }

    /// Sprout wrote the AoR of `ue` (a registration or a SUBSCRIBE): a NOTIFY to its
    /// subscription, if it has one. Sprout builds and sends it in the same worker, without
    /// blocking: a continuation-sized burst.
    pub(super) fn notify_subscriber(&mut self, q: &mut EventQueue<Ev>, sprout: NodeId, ue: UeId, subscribing: bool) {
        if self.reg_event_granted().is_none() || !(subscribing || self.ues[ue].subscribed) {
            return;
        }
        let worker = self.demand(sprout, |p| &p.costs.sprout_continuation);
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, sprout, Job::Side(Side::Notify { ue }), total, Class::Resumed);
    }

    /// The NOTIFY left `sprout` towards the UE's Bono (or the UE itself, without one).
    pub(super) fn notify_sent(&mut self, q: &mut EventQueue<Ev>, sprout: NodeId, ue: UeId) {
        let route = Route { sprout, target_bono: self.edge_bono(ue), ..Route::EMPTY };
        let msg = self.new_msg(
            NO_KEY,
            Method::Notify,
            Status::Request,
            ue,
            ue,
            route,
            Hop::Sprout,
            RegisterStage::Unauthenticated,
        );
        self.msgs.get_mut(msg).expect("just inserted").program = Program::LocalResponse;
        self.stats.counters.notifies_sent += 1;
        self.forward(q, msg, Hop::TargetBono);
    }
}
