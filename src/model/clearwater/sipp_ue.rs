//! SIPp scenarios run by the subscribers: each source creates calls at its rate (SIPp's
//! `-r`/`-rp`, `-rate_increase`, `-l`, `-m`); each call walks its script. A send that starts
//! a procedure starts the deployment's own (registration with its challenge, INVITE, BYE:
//! the same messages the built-in profiles send); a `recv` waits for the responses the
//! simulation delivers, and a response the script does not expect fails the call as SIPp
//! counts it. What each step does is `crate::sipp::plan`'s role.

use rand::Rng as _;

use super::events::Ev;
use super::ids::{UeId, NO_KEY};
use super::sipp_state::STEPS_WITHOUT_WAIT_MAX;
use super::sipp_state::{Failure, SippCall, RTDS_MAX};
use super::txn::FailCause;
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;
use crate::scenario::sipp_load::{InfOrder, SippLoad};
use crate::scenario::Load;
use crate::sipp::eval::Value;
use crate::sipp::plan::Role;
use crate::sipp::script::{Optional, PauseLength, RecvMatch, StepKind};

impl World {
    pub(super) fn sipp_load(&self) -> &SippLoad {
        match &self.p.load {
            Load::Sipp(s) => s,
            _ => unreachable!("a SIPp event in a run without a SIPp load"),
        }
    }

    /// A source's next call is due.
    pub fn sipp_arrival(&mut self, q: &mut EventQueue<Ev>, source: u32) {
        let s = source as usize;
        let src = &self.sipp_load().sources[s];
        let (limit, max_calls, calls, users) = (src.limit, src.max_calls, src.calls(), src.users);
        let vars = src.script.variables.len();
        if src.timeout.is_some_and(|t| q.now() >= SimTime::ZERO + t) {
            return;
        }
        let run = self.sipp.as_mut().expect("SIPp load");
        let created = run.counts[s].totals.created;
        if max_calls.is_some_and(|m| created >= m) {
            return;
        }
        if users.is_none() && run.counts[s].totals.live >= limit {
            run.counts[s].refused_by_limit += 1;
        } else {
            let n = self.ues.len() as u64;
            let user = if users.is_some() { run.free_users[s].pop_back().unwrap_or(0) } else { 0 };
            let line = self.sipp_line(s, created, user);
            let (ue, callee) = if calls && n >= 2 {
                let k = line % (n / 2);
                ((2 * k) as UeId, (2 * k + 1) as UeId)
            } else {
                ((line % n) as UeId, ((line + 1) % n) as UeId)
            };
            let run = self.sipp.as_mut().expect("SIPp load");
            run.counts[s].totals.created += 1;
            run.counts[s].totals.live += 1;
            let now = q.now();
            let call = SippCall {
                source: s as u8,
                ue,
                callee,
                pc: 0,
                call: NO_KEY,
                gen: 0,
                paused: false,
                started: now,
                rtd_start: [now; RTDS_MAX],
                rtd_done: 0,
                line: line as u32,
                user,
                number: created + 1,
                vars: vec![Value::Unset; vars],
                action_failure: None,
                cseq: 0,
                retrans: None,
                dropped: None,
                blocked: None,
            };
            let mut call = call;
            let ids = self.sipp_load().sources[s].script.user_variables.clone();
            let run = self.sipp.as_mut().expect("SIPp load");
            run.user_vars_into(s, &ids, &mut call);
            let key = run.calls.insert(call);
            self.sipp_run(q, key);
        }
        let per_second = self.sipp.as_ref().expect("SIPp load").pace[s].per_second;
        if per_second > 0.0 && users.is_none() {
            q.schedule_in(SimDuration::from_secs_f64(1.0 / per_second), Ev::SippArrival { source });
        }
    }

    /// The injection-file line (or, without one, the call number) of a source's `n`-th call,
    /// placed by `user` (1-based; 0 without `-users`): USER order gives each user its line.
    fn sipp_line(&mut self, s: usize, n: u64, user: u32) -> u64 {
        match &self.sipp_load().sources[s].inf {
            None => n,
            Some(inf) => {
                let lines = inf.lines.len() as u64;
                match inf.order {
                    InfOrder::Sequential => n % lines,
                    InfOrder::User => (user.max(1) as u64 - 1) % lines,
                    InfOrder::Random => self.load_rng.random_range(0..lines),
                }
            }
        }
    }

    /// `-rate_increase` every `-rate_interval`, up to `-rate_max`.
    pub fn sipp_ramp(&mut self, q: &mut EventQueue<Ev>, source: u32) {
        let src = &self.sipp_load().sources[source as usize];
        let period = src.rate_period.as_secs_f64().max(1e-9);
        let (inc, max, every) =
            (src.rate_increase.unwrap_or(0.0) / period, src.rate_max.map(|m| m / period), src.rate_interval);
        let pace = &mut self.sipp.as_mut().expect("SIPp load").pace[source as usize];
        pace.per_second = max.map_or(pace.per_second + inc, |m| (pace.per_second + inc).min(m));
        if max.is_none_or(|m| pace.per_second < m) {
            q.schedule_in(every, Ev::SippRamp { source });
        }
    }

    /// Whether source `s` has quit (`-timeout`): its calls are left as they stand.
    pub(super) fn sipp_quit(&self, s: usize, now: SimTime) -> bool {
        self.sipp_load().sources[s].timeout.is_some_and(|t| now >= SimTime::ZERO + t)
    }

    /// Runs `key`'s script from where it stands until it waits (a recv, a pause) or ends.
    pub(super) fn sipp_run(&mut self, q: &mut EventQueue<Ev>, key: Key) {
        let mut budget = STEPS_WITHOUT_WAIT_MAX;
        loop {
            self.sipp_globals_in(key);
            let Some(c) = self.sipp.as_ref().and_then(|r| r.calls.get(key)) else { return };
            let (s, pc) = (c.source as usize, c.pc as usize);
            if self.sipp_quit(s, q.now()) {
                return; // SIPp has quit
            }
            let src = &self.sipp_load().sources[s];
            if pc >= src.script.steps.len() {
                return self.sipp_end(q, key, None);
            }
            budget -= 1;
            if budget == 0 {
                return self.sipp_end(q, key, Some(Failure::Loop));
            }
            let (role, step) = (src.roles[pc], &src.script.steps[pc]);
            if let Some((v, inverse)) = step.common.condexec {
                // condexec: the step runs only when its variable is (not) set.
                if c.vars.get(v as usize).is_some_and(Value::is_set) == inverse {
                    let next = self.sipp_after_skip(key, pc);
                    self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call").pc = next as u16;
                    continue;
                }
            }
            let (recv_timeout, length) = match &step.kind {
                StepKind::Recv(r) => (r.timeout.or(src.recv_timeout), PauseLength::Default),
                StepKind::Pause { length, .. } => (None, length.clone()),
                _ => (None, PauseLength::Default),
            };
            let default_pause = src.default_pause;
            let now = q.now();
            match role {
                Role::Recv => {
                    if let Some(ms) = recv_timeout {
                        let gen = self.sipp_bump(key);
                        q.schedule_in(SimDuration::from_ms(ms as u64), Ev::SippTimer { call: key, gen });
                    }
                    return;
                }
                Role::Pause => {
                    // A variable's length is read before the step's own actions, as SIPp does.
                    let from_var = match length {
                        PauseLength::Variable(v) => c.vars.get(v as usize).map_or(0.0, Value::double),
                        _ => 0.0,
                    };
                    let next = self.sipp_after(key, pc, None, now);
                    let d = match length {
                        PauseLength::Default => default_pause,
                        PauseLength::Variable(_) if from_var.is_finite() => {
                            SimDuration::from_ns((from_var.clamp(0.0, SimDuration::LIMIT.as_ms_f64()) * 1e6) as u64)
                        }
                        PauseLength::Variable(_) => SimDuration::ZERO,
                        PauseLength::Dist(d) => {
                            SimDuration::from_ns((d.sample_ms(&mut self.load_rng) * 1e6).round() as u64)
                        }
                    };
                    self.sipp_pass(key, next, now);
                    let gen = self.sipp_bump(key);
                    if let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) {
                        c.paused = true;
                    }
                    q.schedule_in(d, Ev::SippTimer { call: key, gen });
                    return;
                }
                Role::Nop => {
                    let next = self.sipp_after(key, pc, None, now);
                    self.sipp_pass(key, next, now);
                }
                Role::Carried => {
                    self.sipp_count_request(key, pc);
                    self.sipp_retrans_start(q, key, pc, false);
                    let next = self.sipp_after(key, pc, None, now);
                    self.sipp_pass(key, next, now);
                }
                Role::Register | Role::Invite | Role::Bye => {
                    // The message decides who sends it, to whom, and for how long.
                    let expires = self.sipp_address(key, pc, role, now);
                    let c = self.sipp.as_ref().and_then(|r| r.calls.get(key)).expect("live SIPp call");
                    if role == Role::Register && self.ues[c.ue].registering {
                        // The UE's one registration is busy: SIPp's send cannot go now.
                        return self.sipp_send_blocked(q, key, pc);
                    }
                    if role == Role::Bye && self.calls.get(c.call).is_none() {
                        self.sipp_pass(key, pc + 1, now);
                        return self.sipp_end(q, key, Some(Failure::UnexpectedMessage));
                    }
                    self.sipp_count_request(key, pc);
                    if role == Role::Register {
                        let run = self.sipp.as_mut().expect("SIPp load");
                        run.expires_s[run.calls.get(key).expect("live SIPp call").ue as usize] = expires;
                    }
                    let lost = self.sipp_lost(key, pc);
                    self.sipp_retrans_start(q, key, pc, lost);
                    let next = self.sipp_after(key, pc, None, now);
                    self.sipp_pass(key, next, now);
                    if !lost {
                        self.sipp_send_now(q, key, pc);
                    }
                }
            }
        }
    }

    /// Every source's totals at a sample time (`sipp_stats.csv`'s rows).
    pub(super) fn sipp_sample(&mut self, now: SimTime) {
        if let Some(run) = self.sipp.as_mut() {
            for c in &mut run.counts {
                let t = c.totals.clone();
                c.samples.push((now, t));
            }
        }
    }

    pub(super) fn sipp_bump(&mut self, key: Key) -> u32 {
        let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
        c.gen = c.gen.wrapping_add(1);
        c.gen
    }

    /// A pause ended or a recv timed out.
    pub fn sipp_timer(&mut self, q: &mut EventQueue<Ev>, key: Key, gen: u32) {
        let Some(c) = self.sipp.as_ref().and_then(|r| r.calls.get(key)).filter(|c| c.gen == gen) else { return };
        let (s, pc, paused) = (c.source as usize, c.pc as usize, c.paused);
        let src = &self.sipp_load().sources[s];
        if src.timeout.is_some_and(|t| q.now() >= SimTime::ZERO + t) {
            return; // SIPp has quit
        }
        if paused {
            if let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) {
                c.paused = false;
            }
        } else if src.roles.get(pc) == Some(&Role::Recv) {
            // A recv timed out: ontimeout, or FailedTimeoutOnRecv.
            let ontimeout = src.script.steps[pc].common.ontimeout;
            self.sipp.as_mut().expect("SIPp load").counts[s].steps[pc].timeouts += 1;
            match ontimeout {
                Some(n) => {
                    if let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) {
                        c.pc = n as u16;
                    }
                }
                None => return self.sipp_end(q, key, Some(Failure::TimeoutOnRecv)),
            }
        }
        self.sipp_bump(key);
        self.sipp_run(q, key);
    }

    /// A response for `key`'s current procedure reached its UE: matched against the recv it
    /// waits at (optional ones may be skipped), dropped when that step's `lost` says so.
    pub(super) fn sipp_response(&mut self, q: &mut EventQueue<Ev>, key: Key, code: u16) {
        let Some(c) = self.sipp.as_ref().and_then(|r| r.calls.get(key)) else { return };
        let s = c.source as usize;
        if self.sipp_quit(s, q.now()) {
            return; // SIPp has quit
        }
        let src = &self.sipp_load().sources[s];
        let steps = &src.script.steps;
        let mut at = c.pc as usize;
        let found = loop {
            let Some(step) = steps.get(at) else { break false };
            match (&step.kind, src.roles[at]) {
                (StepKind::Recv(r), Role::Recv) => {
                    if matches!(r.matcher, RecvMatch::Response(want) if want == code) {
                        break true;
                    }
                    if r.optional == Optional::No {
                        break false;
                    }
                }
                // Sends the procedure makes itself, and nops, are passed on the way.
                (_, Role::Carried | Role::Nop) => {}
                _ => break false,
            }
            at += 1;
        };
        let (abort, len) = (src.behaviors.abortunexp, steps.len());
        let now = q.now();
        if !found {
            let run = self.sipp.as_mut().expect("SIPp load");
            if let Some(step) = run.counts[s].steps.get_mut(at) {
                step.unexpected += 1;
            }
            if abort || at >= len {
                return self.sipp_end(q, key, Some(Failure::UnexpectedMessage));
            }
            return; // default behaviour abortunexp off: SIPp goes on waiting
        }
        if self.sipp_lost(key, at) {
            if code >= 200 {
                self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call").dropped = Some(code);
            }
            return;
        }
        self.sipp_retrans_answered(q, key, code);
        let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
        c.pc = at as u16;
        c.dropped = None;
        let next = self.sipp_after(key, at, Some(code), now);
        self.sipp_pass(key, next, now);
        self.sipp_bump(key);
        self.sipp_run(q, key)
    }

    /// A UE transaction of `key` failed: by timeout or transport error, or with a final
    /// response the script's recv is matched against.
    pub(super) fn sipp_txn_failed(&mut self, q: &mut EventQueue<Ev>, key: Key, cause: FailCause) {
        match cause {
            FailCause::Timeout => self.sipp_end(q, key, Some(Failure::MaxUdpRetrans)),
            FailCause::Transport => self.sipp_end(q, key, Some(Failure::TcpConnect)),
            FailCause::Rejected503 | FailCause::Other => {
                let code = self.sipp.as_ref().map_or(500, |r| r.last_status);
                self.sipp_response(q, key, code)
            }
        }
    }

    /// A registration procedure of a SIPp call ended.
    pub(super) fn sipp_register_done(&mut self, q: &mut EventQueue<Ev>, ue: UeId, failure: Option<FailCause>) {
        let Some(run) = self.sipp.as_mut() else { return };
        let key = std::mem::replace(&mut run.registering[ue as usize], NO_KEY);
        if key == NO_KEY {
            return;
        }
        match failure {
            None => self.sipp_response(q, key, 200),
            Some(cause) => self.sipp_txn_failed(q, key, cause),
        }
    }

    /// The registration of a SIPp call was challenged.
    pub(super) fn sipp_challenged(&mut self, q: &mut EventQueue<Ev>, ue: UeId) {
        let key = self.sipp.as_ref().map_or(NO_KEY, |r| r.registering[ue as usize]);
        if key != NO_KEY {
            self.sipp_response(q, key, 401);
        }
    }

    /// The call ends: counted as SIPp counts it, freed, its deployment call dropped.
    pub(super) fn sipp_end(&mut self, q: &mut EventQueue<Ev>, key: Key, failure: Option<Failure>) {
        let source = self.sipp.as_ref().and_then(|r| r.calls.get(key)).map(|c| c.source as usize);
        if source.is_some_and(|s| self.sipp_quit(s, q.now())) {
            return; // SIPp has quit: the call is left as it stands
        }
        let Some(run) = self.sipp.as_mut() else { return };
        let Some(c) = run.calls.remove(key) else { return };
        let s = c.source as usize;
        // A failed action check marks the call failed; it went on to its end (SIPp).
        let failure = failure.or(c.action_failure.map(Failure::from_action));
        let bye = self.sipp_load().sources[s].behaviors.bye;
        let run = self.sipp.as_mut().expect("SIPp load");
        run.counts[s].totals.live -= 1;
        if run.registering[c.ue as usize] == key {
            run.registering[c.ue as usize] = NO_KEY;
        }
        match failure {
            None => {
                let t = &mut run.counts[s].totals;
                t.successful += 1;
                let length = q.now().since(c.started).as_ns();
                t.call_length.record(length);
                let bounds = &self.sipp_load().sources[s].script.call_length_repartition;
                let bin = bounds.partition_point(|&b| (b as u64) * 1_000_000 <= length);
                self.sipp.as_mut().expect("SIPp load").counts[s].totals.call_length_bins[bin] += 1;
            }
            Some(f) => run.counts[s].totals.failed[f as usize] += 1,
        }
        if self.sipp_load().sources[s].users.is_some() {
            let ids = self.sipp_load().sources[s].script.user_variables.clone();
            self.sipp.as_mut().expect("SIPp load").keep_user_vars(s, &ids, &c);
            // -users: the user is free again and a call starts at once.
            if c.user != 0 {
                self.sipp.as_mut().expect("SIPp load").free_users[s].push_front(c.user);
            }
            q.schedule_in(SimDuration::ZERO, Ev::SippArrival { source: s as u32 });
        }
        if let Some(call) = self.calls.get_mut(c.call).filter(|_| bye) {
            call.sipp = NO_KEY;
            // SIPp's default behaviour "bye": a failed call that was answered is hung up; one
            // still ringing is hung up when its answer comes (call.rs). Without it the
            // dialog is left as it stands (the answer finds no SIPp call: nothing is sent).
            if failure.is_some() && call.phase == super::call_record::CallPhase::Talking {
                self.sipp_bye(q, c.call);
            }
        }
    }
}
