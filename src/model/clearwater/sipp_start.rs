//! The SIPp load's start: each source's counters, its `-users` users, its `<init>` stanza
//! (run once, before the first call, as SIPp does: what it leaves in the `<Global>`
//! variables is where the calls start from) and its first arrivals.

use super::events::Ev;
use super::ids::NO_KEY;
use super::sipp_address::EXPIRES_UNSTATED;
use super::sipp_state::{SippRun, SourceCounts, SourcePace, Timing, Totals};
use super::world::World;
use crate::engine::EventQueue;
use crate::sipp::eval::{self, Env, Value};

impl World {
    /// The SIPp load's first events: every source starts creating calls at time zero.
    pub(super) fn start_sipp(&mut self, q: &mut EventQueue<Ev>) {
        let load = self.sipp_load().clone();
        let n = self.ues.len();
        let mut run =
            SippRun { registering: vec![NO_KEY; n], expires_s: vec![EXPIRES_UNSTATED; n], ..SippRun::default() };
        for (i, src) in load.sources.iter().enumerate() {
            run.pace.push(SourcePace { per_second: src.per_second() });
            let steps = vec![Default::default(); src.script.steps.len()];
            let rtds = src.script.rtds.len();
            let totals = Totals {
                rtd: vec![Timing::default(); rtds],
                rtd_bins: vec![vec![0; src.script.response_time_repartition.len() + 1]; rtds],
                call_length_bins: vec![0; src.script.call_length_repartition.len() + 1],
                ..Totals::default()
            };
            run.counts.push(SourceCounts { totals, steps, ..SourceCounts::default() });
            // -users: users 1..=n, taken from the back and returned to the front (SIPp's
            // free-user list), so they are used in turn.
            run.free_users.push((1..=src.users.unwrap_or(0) as u32).rev().collect());
            run.add_user_vars(src.script.user_variables.len(), src.users.unwrap_or(0) as usize);
            // <init>: its actions run once on variables of their own; the globals keep what
            // they leave.
            let mut vars = vec![Value::Unset; src.script.variables.len()];
            let env = Env { fields: &[], keys: &src.keys, call_number: 0, cseq: 0, now_us: 0 };
            for step in &src.script.init {
                eval::run(&step.common.actions, &mut vars, &env, "", &mut self.load_rng);
            }
            let globals = &src.script.global_variables;
            run.globals.push(globals.iter().map(|&v| vars.get(v as usize).cloned().unwrap_or_default()).collect());
            // -users: that many calls at once; otherwise the first of the paced ones.
            for _ in 0..src.users.unwrap_or(1) {
                q.schedule_at(q.now(), Ev::SippArrival { source: i as u32 });
            }
            if src.rate_increase.is_some() && src.users.is_none() {
                q.schedule_in(src.rate_interval, Ev::SippRamp { source: i as u32 });
            }
        }
        self.sipp = Some(Box::new(run));
    }
}
