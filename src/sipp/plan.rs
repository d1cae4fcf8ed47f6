//! How a compiled caller script runs on the simulated deployment: each step's role. The
//! deployment model runs SIP procedures (a REGISTER with its digest challenge, a call's
//! INVITE with the ACK, a BYE), so a script's steps map onto them: a send that starts a
//! procedure starts it; the responses its `recv`s wait for come from the simulation; sends
//! the procedure makes itself (the REGISTER with credentials after a 401 `recv auth`, the
//! ACK of a 2xx) are carried by it. Anything else is refused before the run, by name.
//!
//! The answering side (`callee`) is read for what the model's called UE does: how long it
//! waits between ringing and answering.

use super::script::{Distribution, PauseLength, RecvMatch, Script, SendWhat, StepKind};

/// What a step does at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Starts a registration (REGISTER, then the challenge and the REGISTER with credentials).
    Register,
    /// Starts a call (INVITE to the paired subscriber).
    Invite,
    /// Ends the call (BYE along the call's path).
    Bye,
    /// A send the running procedure makes itself (credentials after a 401, ACK).
    Carried,
    /// Waits for a response from the simulation.
    Recv,
    Pause,
    Nop,
}

/// The roles of `script`'s steps, or what cannot be simulated (one message per step).
pub fn roles(script: &Script) -> Result<Vec<Role>, Vec<String>> {
    let mut out = Vec::with_capacity(script.steps.len());
    let mut errors = Vec::new();
    let mut after_auth = false;
    for step in &script.steps {
        let role = match &step.kind {
            StepKind::Send(s) => match &s.what {
                SendWhat::Request(m) => match m.as_str() {
                    "REGISTER" if after_auth => Role::Carried,
                    "REGISTER" => Role::Register,
                    "INVITE" => Role::Invite,
                    "ACK" => Role::Carried,
                    "BYE" => Role::Bye,
                    other => {
                        errors.push(format!(
                            "line {}: <send> {other}: the deployment model runs REGISTER, INVITE, ACK and BYE from a \
                             caller; {other} is not simulated",
                            step.line
                        ));
                        Role::Nop
                    }
                },
                SendWhat::Response(code) => {
                    errors.push(format!(
                        "line {}: <send> SIP/2.0 {code}: a caller script sends requests; the answering side is the \
                         source's `callee` scenario",
                        step.line
                    ));
                    Role::Nop
                }
            },
            StepKind::Recv(r) => match &r.matcher {
                RecvMatch::Response(_) => Role::Recv,
                RecvMatch::Request(m) => {
                    errors.push(format!(
                        "line {}: <recv request=\"{m}\">: requests reach the called subscriber, whose behaviour the \
                         source's `callee` scenario gives; a caller script receives responses",
                        step.line
                    ));
                    Role::Nop
                }
            },
            StepKind::Pause { .. } => Role::Pause,
            StepKind::Nop => Role::Nop,
        };
        // `lost` drops a message the script sends or receives; the procedure the model runs
        // goes on by itself after a challenge and sends the ACK itself, so those cannot be
        // dropped from the script.
        if step.common.lost.is_some() {
            let why = match (&step.kind, role) {
                (StepKind::Send(_), Role::Carried) => {
                    Some("a send the procedure makes itself (credentials after a 401, the ACK)")
                }
                (StepKind::Recv(r), _) if r.auth => {
                    Some("a challenge (recv auth): the model's registration answers it")
                }
                _ => None,
            };
            if let Some(why) = why {
                errors.push(format!("line {}: lost on {why} is not simulated", step.line));
            }
        }
        after_auth = match &step.kind {
            StepKind::Recv(r) => r.auth,
            StepKind::Pause { .. } | StepKind::Nop => after_auth,
            StepKind::Send(_) => false,
        };
        out.push(role);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The called side's answer delay: the pauses between the first provisional response it
/// sends and its 200 OK to the INVITE, in ms (`default_pause_ms` for a `<pause/>`). SIPp's
/// default UAS (no `callee`) answers at once: 0.
pub fn answer_delay_ms(callee: &Script, default_pause_ms: u64) -> Result<u64, String> {
    let mut ringing = false;
    let mut total = 0u64;
    let mut got_invite = false;
    for step in &callee.steps {
        match &step.kind {
            StepKind::Recv(r) if matches!(&r.matcher, RecvMatch::Request(m) if m == "INVITE") => got_invite = true,
            StepKind::Send(s) if got_invite => match s.what {
                SendWhat::Response(100) => {}
                SendWhat::Response(c) if c < 200 => ringing = true,
                SendWhat::Response(200) => return Ok(total),
                SendWhat::Response(c) => {
                    return Err(format!(
                        "line {}: the callee answers the INVITE with {c}; the deployment model's called subscriber \
                         rings and answers 200",
                        step.line
                    ))
                }
                SendWhat::Request(_) => {}
            },
            StepKind::Pause { length, .. } if got_invite => {
                let ms = match length {
                    PauseLength::Default => default_pause_ms,
                    PauseLength::Dist(Distribution::Fixed(ms)) => *ms as u64,
                    _ => {
                        return Err(format!(
                            "line {}: the callee's pause before answering must be a fixed duration (milliseconds)",
                            step.line
                        ))
                    }
                };
                if ringing {
                    total = total.saturating_add(ms);
                }
            }
            _ => {}
        }
    }
    Err("the callee never answers an INVITE with 200 (it needs <recv request=\"INVITE\"> then a 200 OK)".into())
}
