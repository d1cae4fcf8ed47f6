//! The documented era's challenge timers: Sprout POSTs a 30 s timer with every digest
//! challenge and, until Sep 2017, never deleted it [src sprout: authenticationsproutlet.cpp].
//! Each one pops: the Chronos replica holding it (the primary, or the backup 2 s later
//! [src chronos: timer.cpp]) calls back into its Sprout, whose AuthTimeoutTask reads the
//! IMPI's authentication record and, finding the challenge answered, ignores the pop
//! [src sprout: handlers.cpp]. In the later era the registrar deletes the timer instead.

use super::binding_store::{record_key, SALT_TIMER_CHALLENGE};
use super::events::{Class, Ev, Job, Side};
use super::flows::Method;
use super::ids::{NodeId, UeId, NO_KEY, NO_NODE};
use super::message::{Hop, RegisterStage, Route, Status};
use super::params::Params;
use super::params::CHRONOS_BACKUP_DELAY;
use super::program::Program;
use super::world::World;
use crate::engine::{Dist, EventQueue, SimDuration};
use crate::network::ports;

/// The challenge timer's interval [src sprout: authenticationsproutlet.cpp].
pub const CHALLENGE_TIMER: SimDuration = SimDuration::from_secs(30);

impl World {
    /// The challenge timer's replicas: two Sprouts of `site`.
    pub(super) fn challenge_replicas(&self, ue: UeId, site: u8) -> [NodeId; 2] {
        self.replicas.get(site, record_key(SALT_TIMER_CHALLENGE, ue), self.sprouts_of(site))
    }

    /// A challenge timer is due on replica `replica`: it fires there if that node is up,
    /// else on the backup 2 s later; a timer no live replica holds is lost.
    pub fn challenge_due(&mut self, q: &mut EventQueue<Ev>, ue: UeId, site: u8, replica: u8) {
        let replicas = self.challenge_replicas(ue, site);
        let node = replicas[replica as usize];
        if node != NO_NODE && self.nodes[node].up {
            let demand = self.demand(node, |p| &p.costs.chronos_op);
            return self.submit(q, node, Job::Side(Side::ChallengePop { ue, site }), demand, Class::New);
        }
        if replica == 0 && replicas[1] != NO_NODE {
            q.schedule_in(CHRONOS_BACKUP_DELAY, Ev::ChallengePop { ue, site, replica: 1 });
        } else {
            self.stats.counters.timers_lost += 1;
        }
    }

    /// Chronos on `node` fired the timer: both replicas drop it (the other is told, as for
    /// any pop) and the Sprout on `node` runs the authentication-timeout task.
    pub(super) fn challenge_fired(&mut self, q: &mut EventQueue<Ev>, node: NodeId, ue: UeId, site: u8) {
        self.stats.counters.timer_pops += 1;
        for r in self.challenge_replicas(ue, site) {
            if r == NO_NODE {
                continue;
            }
            if r != node {
                self.send_side(q, node, r, &ports::CHRONOS, Side::ChronosSkip);
            }
            self.chronos.count_challenge(r, true);
        }
        // Parsing the callback, one store read and a 200: the work of a continuation burst
        // (docs/calibration.md).
        self.start_timer_task(q, node, ue, Program::AuthTimeout, |p| &p.costs.sprout_continuation);
    }

    /// A Chronos callback becomes a task on a worker of the Sprout on `node`, its first
    /// burst drawn from `cost`.
    pub(super) fn start_timer_task(
        &mut self,
        q: &mut EventQueue<Ev>,
        node: NodeId,
        ue: UeId,
        program: Program,
        cost: fn(&Params) -> &Dist,
    ) {
        let route = Route { sprout: node, ..Route::EMPTY };
        let (request, stage) = (Status::Request, RegisterStage::Unauthenticated);
        let msg = self.new_msg(NO_KEY, Method::Register, request, ue, ue, route, Hop::Sprout, stage);
        let worker = self.demand(node, cost);
        let m = self.msgs.get_mut(msg).expect("just inserted");
        m.program = program;
        m.worker_ns = worker.as_ns();
        let total = worker.saturating_mul_f64(1.0 + self.p.sprout_untimed);
        self.submit(q, node, Job::Msg(msg), total, Class::New);
    }
}
