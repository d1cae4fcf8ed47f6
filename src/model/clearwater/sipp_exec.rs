//! What a SIPp call does as it leaves a step, as SIPp's `call::executeAction` and
//! `call::next` do it [src sipp: call.cpp]: the step's actions on the call's variables (`crate::sipp::eval`),
//! the next step (a `jump`, then `next` when its `test` variable is set and `chance`
//! allows), the step's counters and response times; and the messages a step drops on
//! purpose (`lost`) and retransmits (`retrans`), with SIPp's UDP timer.

use rand::Rng as _;

use super::events::Ev;
use super::sipp_state::{
    Failure, Retrans, MAX_RETRANS_INVITE, MAX_RETRANS_OTHER, RTDS_MAX, RTT_ROWS_MAX, SEND_RETRY, T2_MS,
};
use super::world::World;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::model::slab::Key;
use crate::scenario::Load;
use crate::sipp::eval::{self, Value};
use crate::sipp::plan::Role;
use crate::sipp::response::{self, Reply};
use crate::sipp::script::StepKind;

impl World {
    /// Runs step `pc`'s actions for `key` (`received`: the response the step matched) and
    /// returns the step the call goes to next.
    pub(super) fn sipp_after(&mut self, key: Key, pc: usize, received: Option<u16>, now: SimTime) -> usize {
        self.sipp_globals_in(key);
        // Sprout grants what a contact asks, up to reg_max_expires (sipp_address.rs).
        let granted_max_s = self.reg_max_expires_s();
        let Load::Sipp(load) = &self.p.load else { return pc + 1 };
        let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) else { return pc + 1 };
        let src = &load.sources[c.source as usize];
        let steps = &src.script.steps;
        let mut from = pc;
        let actions = &steps[pc].common.actions;
        if !actions.is_empty() {
            let env = c.env(src, now);
            let text = if !eval::needs_text(actions) {
                String::new()
            } else if let Some(code) = received {
                // The response answers the request the call last sent (an ACK has none),
                // rendered as it was sent.
                let sent = steps[..pc].iter().rev().find_map(|s| match &s.kind {
                    StepKind::Send(s) => match &s.what {
                        crate::sipp::script::SendWhat::Request(m) if m != "ACK" => Some((s, m.as_str())),
                        _ => None,
                    },
                    _ => None,
                });
                let request = sent.map_or(String::new(), |(s, _)| eval::render(&s.message, &env, &c.vars));
                let bono = self.nodes[self.ues[c.ue].edge].tier == crate::scenario::Tier::Bono;
                response::text(&Reply {
                    code,
                    request: &request,
                    method: sent.map_or("INVITE", |(_, m)| m),
                    call_number: env.call_number,
                    cseq: env.cseq,
                    granted_expires_s: granted_max_s,
                    bono,
                })
            } else if let StepKind::Send(s) = &steps[pc].kind {
                eval::render(&s.message, &env, &c.vars)
            } else {
                String::new()
            };
            let out = eval::run(actions, &mut c.vars, &env, &text, &mut self.load_rng);
            let globals = &src.script.global_variables;
            if !globals.is_empty() {
                let (s, vars) = (c.source as usize, std::mem::take(&mut c.vars));
                let run = self.sipp.as_mut().expect("SIPp load");
                run.keep_globals(s, globals, &vars);
                run.calls.get_mut(key).expect("live SIPp call").vars = vars;
            }
            let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
            if let Some(f) = out.failure {
                c.action_failure = Some(f);
            }
            if let Some(v) = out.jump {
                // SIPp: msg_index = value - 1, then the usual step from there.
                if v <= 0 || v as usize > steps.len() {
                    return (v.max(0) as usize).min(steps.len());
                }
                from = v as usize - 1;
            }
        }
        let common = &steps[from].common;
        let c = self.sipp.as_ref().and_then(|r| r.calls.get(key)).expect("live SIPp call");
        let tested = common.test.is_none_or(|v| c.vars.get(v as usize).is_some_and(Value::is_set));
        match common.next {
            Some(n) if tested && (common.chance >= 1.0 || self.load_rng.random::<f64>() < common.chance) => n,
            _ => from + 1,
        }
    }

    /// The call sees its source's `<Global>` variables as they stand now.
    pub(super) fn sipp_globals_in(&mut self, key: Key) {
        let Load::Sipp(load) = &self.p.load else { return };
        let Some(run) = self.sipp.as_mut() else { return };
        let Some(c) = run.calls.get_mut(key) else { return };
        let s = c.source as usize;
        let ids = &load.sources[s].script.global_variables;
        if ids.is_empty() {
            return;
        }
        let mut vars = std::mem::take(&mut c.vars);
        run.globals_into(s, ids, &mut vars);
        run.calls.get_mut(key).expect("live SIPp call").vars = vars;
    }

    /// The call passes its current step (counted, its RTDs started or stopped) to `next`.
    pub(super) fn sipp_pass(&mut self, key: Key, next: usize, now: SimTime) {
        let s = self.sipp.as_ref().and_then(|r| r.calls.get(key)).map(|c| (c.source as usize, c.pc as usize));
        let Some((s, pc)) = s else { return };
        let keep_rtt = self.p.sipp_rtt;
        let load = match &self.p.load {
            Load::Sipp(l) => l,
            _ => return,
        };
        let src = &load.sources[s];
        let common = &src.script.steps[pc].common;
        let run = self.sipp.as_mut().expect("SIPp load");
        run.counts[s].steps[pc].passed += 1;
        let Some(c) = run.calls.get_mut(key) else { return };
        c.pc = next.min(u16::MAX as usize) as u16;
        for &r in &common.start_rtd {
            if (r as usize) < RTDS_MAX {
                c.rtd_start[r as usize] = now;
                c.rtd_done &= !(1 << r);
            }
        }
        for &r in &common.rtd {
            let r = r as usize;
            if r >= RTDS_MAX || (c.rtd_done & (1 << r) != 0 && !common.repeat_rtd) {
                continue;
            }
            c.rtd_done |= 1 << r;
            let took = now.since(c.rtd_start[r]).as_ns();
            let counts = &mut run.counts[s];
            counts.totals.rtd[r].record(took);
            let bounds = &src.script.response_time_repartition;
            let bin = bounds.partition_point(|&b| (b as u64) * 1_000_000 <= took);
            counts.totals.rtd_bins[r][bin] += 1;
            if keep_rtt && counts.rtt.len() < RTT_ROWS_MAX {
                counts.rtt.push((now, took, r as u16));
            }
        }
    }

    /// Whether step `pc`'s message is dropped on purpose (`lost`, a percentage, drawn from
    /// the load's stream only for a step that has one); counted per step.
    pub(super) fn sipp_lost(&mut self, key: Key, pc: usize) -> bool {
        let Load::Sipp(load) = &self.p.load else { return false };
        let Some(run) = self.sipp.as_mut() else { return false };
        let Some(s) = run.calls.get(key).map(|c| c.source as usize) else { return false };
        let Some(pct) = load.sources[s].script.steps.get(pc).and_then(|st| st.common.lost) else { return false };
        let lost = self.load_rng.random::<f64>() < pct / 100.0;
        if lost {
            run.counts[s].steps[pc].lost += 1;
        }
        lost
    }

    /// Starts SIPp's retransmission timer for send step `pc` when it has `retrans`
    /// (`unsent`: the message was dropped by `lost` and has not reached the deployment).
    pub(super) fn sipp_retrans_start(&mut self, q: &mut EventQueue<Ev>, key: Key, pc: usize, unsent: bool) {
        let Load::Sipp(load) = &self.p.load else { return };
        let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) else { return };
        let StepKind::Send(send) = &load.sources[c.source as usize].script.steps[pc].kind else { return };
        // SIPp retransmits over UDP only.
        let udp = load.sources[c.source as usize].transport.udp;
        let Some(t1) = send.retrans.filter(|&ms| ms > 0 && udp) else {
            c.retrans = None;
            return;
        };
        let invite = matches!(&send.what, crate::sipp::script::SendWhat::Request(m) if m == "INVITE");
        let gen = c.retrans.map_or(0, |r| r.gen.wrapping_add(1));
        c.retrans = Some(Retrans { step: pc as u16, delay_ms: t1, count: 0, invite, unsent, gen });
        q.schedule_in(SimDuration::from_ms(t1 as u64), Ev::SippRetrans { call: key, gen });
    }

    /// A response reached the call: an INVITE's retransmissions stop at any response, other
    /// requests' at a final one (a provisional one sets the timer to T2).
    pub(super) fn sipp_retrans_answered(&mut self, q: &mut EventQueue<Ev>, key: Key, code: u16) {
        let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) else { return };
        let Some(r) = c.retrans.as_mut() else { return };
        if code >= 200 || r.invite {
            c.retrans = None;
        } else {
            r.gen = r.gen.wrapping_add(1);
            r.delay_ms = T2_MS;
            q.schedule_in(SimDuration::from_ms(T2_MS as u64), Ev::SippRetrans { call: key, gen: r.gen });
        }
    }

    /// The retransmission timer expired: retransmit (a dropped message is sent now; one
    /// the deployment has answers with the final response the call dropped, as the
    /// deployment's transaction answers a retransmission) or, past the limit, fail the call
    /// with FailedMaxUDPRetrans (or go to the send's `ontimeout`).
    pub fn sipp_retrans_due(&mut self, q: &mut EventQueue<Ev>, key: Key, gen: u32) {
        let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) else { return };
        let Some(mut r) = c.retrans.filter(|r| r.gen == gen) else { return };
        let s = c.source as usize;
        if self.sipp_quit(s, q.now()) {
            return;
        }
        let step = r.step as usize;
        r.count += 1;
        let allowed = if r.invite { MAX_RETRANS_INVITE } else { MAX_RETRANS_OTHER };
        let run = self.sipp.as_mut().expect("SIPp load");
        if r.count > allowed {
            run.counts[s].steps[step].timeouts += 1;
            let c = run.calls.get_mut(key).expect("live SIPp call");
            c.retrans = None;
            let ontimeout = self.sipp_load().sources[s].script.steps[step].common.ontimeout;
            return match ontimeout {
                Some(n) => {
                    let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
                    c.pc = n as u16;
                    self.sipp_bump(key);
                    self.sipp_run(q, key)
                }
                None => self.sipp_end(q, key, Some(Failure::MaxUdpRetrans)),
            };
        }
        r.delay_ms = if r.invite { r.delay_ms.saturating_mul(2) } else { r.delay_ms.saturating_mul(2).min(T2_MS) };
        run.counts[s].steps[step].retrans += 1;
        run.counts[s].totals.retransmissions += 1;
        // The retransmission is itself subject to `lost`.
        let lost = self.sipp_lost(key, step);
        let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
        let (was_unsent, dropped) = (r.unsent, c.dropped);
        r.unsent &= lost;
        c.retrans = Some(r);
        q.schedule_in(SimDuration::from_ms(r.delay_ms as u64), Ev::SippRetrans { call: key, gen });
        if lost {
            return;
        }
        if was_unsent {
            self.sipp_send_now(q, key, step);
        } else if let Some(code) = dropped {
            self.sipp_response(q, key, code);
        }
    }

    /// The step after `pc` when `condexec` skips it (SIPp's `next()` without actions).
    pub(super) fn sipp_after_skip(&mut self, key: Key, pc: usize) -> usize {
        let Load::Sipp(load) = &self.p.load else { return pc + 1 };
        let c = self.sipp.as_ref().and_then(|r| r.calls.get(key)).expect("live SIPp call");
        let common = &load.sources[c.source as usize].script.steps[pc].common;
        let tested = common.test.is_none_or(|v| c.vars.get(v as usize).is_some_and(Value::is_set));
        match common.next {
            Some(n) if tested && (common.chance >= 1.0 || self.load_rng.random::<f64>() < common.chance) => n,
            _ => pc + 1,
        }
    }

    /// `[cseq]`: every request sent but an ACK.
    pub(super) fn sipp_count_request(&mut self, key: Key, pc: usize) {
        let src = self.sipp.as_ref().and_then(|r| r.calls.get(key)).map(|c| c.source as usize);
        let Some(s) = src else { return };
        let ack = matches!(&self.sipp_load().sources[s].script.steps[pc].kind,
            StepKind::Send(x) if matches!(&x.what, crate::sipp::script::SendWhat::Request(m) if m == "ACK"));
        if let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) {
            c.cseq += (!ack) as u32;
            c.blocked = None;
        }
    }

    /// Send step `pc`'s procedure reaches the deployment: a registration, the call's
    /// INVITE, its BYE.
    pub(super) fn sipp_send_now(&mut self, q: &mut EventQueue<Ev>, key: Key, pc: usize) {
        let Some(c) = self.sipp.as_ref().and_then(|r| r.calls.get(key)) else { return };
        let (ue, callee, call, s) = (c.ue, c.callee, c.call, c.source as usize);
        match self.sipp_load().sources[s].roles[pc] {
            Role::Register => {
                if self.ues[ue].registering {
                    return; // a retransmission while the UE's registration runs: absorbed
                }
                self.sipp.as_mut().expect("SIPp load").registering[ue as usize] = key;
                self.start_register(q, ue);
            }
            Role::Invite => {
                let call = self.start_sipp_call(q, ue, callee, key);
                if let Some(c) = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)) {
                    c.call = call;
                }
            }
            Role::Bye if self.calls.get(call).is_some() => self.sipp_bye(q, call),
            _ => {}
        }
    }

    /// A send step cannot go now (the UE's registration is busy): with a send timeout (the
    /// step's `timeout`, else the source's `send_timeout`) the call tries again every
    /// `SEND_RETRY` until it runs out (FailedTimeoutOnSend); without one it fails at once
    /// (FailedOutboundCongestion).
    pub(super) fn sipp_send_blocked(&mut self, q: &mut EventQueue<Ev>, key: Key, pc: usize) {
        let now = q.now();
        let c = self.sipp.as_ref().and_then(|r| r.calls.get(key)).expect("live SIPp call");
        let (s, since) = (c.source as usize, c.blocked.unwrap_or(now));
        let src = &self.sipp_load().sources[s];
        let own = match &src.script.steps[pc].kind {
            StepKind::Send(x) => x.timeout,
            _ => None,
        };
        let Some(ms) = own.or(src.send_timeout) else {
            return self.sipp_end(q, key, Some(Failure::OutboundCongestion));
        };
        let limit = SimDuration::from_ms(ms as u64);
        let waited = now.since(since);
        if waited > limit {
            self.sipp.as_mut().expect("SIPp load").counts[s].steps[pc].timeouts += 1;
            return self.sipp_end(q, key, Some(Failure::TimeoutOnSend));
        }
        let gen = self.sipp_bump(key);
        let c = self.sipp.as_mut().and_then(|r| r.calls.get_mut(key)).expect("live SIPp call");
        c.blocked = Some(since);
        let wait = SEND_RETRY.min(SimDuration::from_ns(limit.as_ns() - waited.as_ns() + 1));
        q.schedule_in(wait, Ev::SippTimer { call: key, gen });
    }
}
