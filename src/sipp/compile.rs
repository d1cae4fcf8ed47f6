//! The element tree to a `Script`: SIPp's scenario loader (`scenario::scenario`) rule by
//! rule [src sipp: scenario.cpp], every problem recorded instead of stopping at the first.

use std::collections::BTreeSet;

use super::attrs::Attrs;
use super::error::Errors;
use super::script::{Optional, RtdId, Script, StepKind, VarId};
use super::steps::step;
pub use super::steps::Pending;
use super::xml::Element;

/// The most steps a scenario may have (SIPp's own are a few dozen; a call's position is
/// 16-bit).
pub const STEPS_MAX: usize = 10_000;

/// What a compilation needs besides the text, and what it gathers on the way.
pub struct Ctx<'a> {
    pub errors: Errors<'a>,
    /// `-key` names the load source declares (`[NAME]` keywords).
    pub keys: &'a [String],
    pub keys_used: BTreeSet<String>,
    pub fields_used: usize,
    pub variables: Vec<String>,
    pub rtds: Vec<String>,
    pub ignored: Vec<(String, usize)>,
    /// How deep keyword parameters are being parsed (bounded: no input exhausts the stack).
    pub depth: u8,
}

impl<'a> Ctx<'a> {
    /// A fresh context for compiling `source` with the load source's `-key` names.
    pub fn new(source: &'a crate::scenario::diag::Source, keys: &'a [String]) -> Ctx<'a> {
        Ctx {
            errors: Errors::new(source),
            keys,
            keys_used: BTreeSet::new(),
            fields_used: 0,
            variables: Vec::new(),
            rtds: Vec::new(),
            ignored: Vec::new(),
            depth: 0,
        }
    }

    /// The variable named `name`, declared on first use.
    pub fn var(&mut self, name: &str) -> VarId {
        if let Some(i) = self.variables.iter().position(|v| v == name) {
            return i as VarId;
        }
        if self.variables.len() >= VarId::MAX as usize {
            return VarId::MAX - 1;
        }
        self.variables.push(name.to_string());
        (self.variables.len() - 1) as VarId
    }

    pub fn rtd(&mut self, name: &str) -> RtdId {
        let name = if name == "true" { "1" } else { name };
        if let Some(i) = self.rtds.iter().position(|v| v == name) {
            return i as RtdId;
        }
        if self.rtds.len() >= RtdId::MAX as usize {
            return RtdId::MAX - 1;
        }
        self.rtds.push(name.to_string());
        (self.rtds.len() - 1) as RtdId
    }

    /// Records a construct accepted without effect, once.
    pub fn ignore(&mut self, what: &str, line: usize) {
        if !self.ignored.iter().any(|(w, _)| w == what) {
            self.ignored.push((what.to_string(), line));
        }
    }
}

const ELEMENTS: &[&str] = &[
    "send",
    "recv",
    "pause",
    "timewait",
    "nop",
    "label",
    "init",
    "User",
    "Global",
    "Reference",
    "ResponseTimeRepartition",
    "CallLengthRepartition",
];

pub fn compile(root: &Element, ctx: &mut Ctx) -> Script {
    let mut script = Script {
        name: String::new(),
        steps: Vec::new(),
        init: Vec::new(),
        variables: Vec::new(),
        user_variables: Vec::new(),
        global_variables: Vec::new(),
        rtds: Vec::new(),
        response_time_repartition: Vec::new(),
        call_length_repartition: Vec::new(),
        ignored: Vec::new(),
        fields_used: 0,
        keys_used: Vec::new(),
    };
    if root.name != "scenario" {
        ctx.errors.at(
            &root.span,
            "XML",
            format!("the document element is <{}>; a SIPp scenario is a <scenario>", root.name),
        );
        return script;
    }
    let a = Attrs::new(root, &["name"], ctx);
    script.name = a.str("name").unwrap_or("").to_string();
    let mut labels: Vec<(String, usize)> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut last_optional: Option<&Element> = None;
    let mut timewait = false;
    for el in &root.children {
        let name = el.name.as_str();
        match name {
            "send" | "recv" | "pause" | "timewait" | "nop" => {
                if timewait {
                    ctx.errors.at(
                        &el.span,
                        &format!("<{name}>"),
                        "<timewait> can only be the last message of a scenario",
                    );
                }
                if name != "recv" {
                    if let Some(opt) = last_optional.take() {
                        ctx.errors.at(
                            &opt.span,
                            "<recv optional>",
                            format!("an optional <recv> must be followed by a mandatory <recv>, not <{name}>"),
                        );
                    }
                }
                let idx = script.steps.len();
                if let Some(step) = step(el, idx, &mut pending, ctx) {
                    if let StepKind::Recv(r) = &step.kind {
                        last_optional = (r.optional == Optional::Yes).then_some(el);
                    }
                    timewait |= matches!(step.kind, StepKind::Pause { timewait: true, .. });
                    script.steps.push(step);
                }
            }
            "label" => {
                let a = Attrs::new(el, &["id"], ctx);
                if let Some(id) = a.required("id", ctx) {
                    if labels.iter().any(|(l, _)| l == id) {
                        a.bad("id", ctx, format!("the label \"{id}\" is used twice"));
                    } else {
                        labels.push((id.to_string(), script.steps.len()));
                    }
                }
            }
            "init" => init(el, &mut script, ctx),
            "User" | "Global" | "Reference" => {
                let a = Attrs::new(el, &["variables"], ctx);
                if let Some(vars) = a.required("variables", ctx) {
                    for v in vars.split(',') {
                        let id = ctx.var(v.trim());
                        if name == "User" && !script.user_variables.contains(&id) {
                            script.user_variables.push(id);
                        }
                        if name == "Global" && !script.global_variables.contains(&id) {
                            script.global_variables.push(id);
                        }
                    }
                }
            }
            "ResponseTimeRepartition" | "CallLengthRepartition" => {
                let a = Attrs::new(el, &["value"], ctx);
                let bounds = a.required("value", ctx).and_then(|v| repartition(&a, v, ctx)).unwrap_or_default();
                if name == "ResponseTimeRepartition" {
                    script.response_time_repartition = bounds;
                } else {
                    script.call_length_repartition = bounds;
                }
            }
            "sendCmd" | "recvCmd" => ctx.errors.at(
                &el.span,
                &format!("<{name}>"),
                "unsupported: 3PCC (<sendCmd>/<recvCmd>, twin SIPp instances) is not simulated",
            ),
            "DefaultMessage" => {
                ctx.errors.at(&el.span, "<DefaultMessage>", "unsupported: <DefaultMessage> is not simulated")
            }
            _ => ctx.errors.at(
                &el.span,
                &format!("<{name}>"),
                format!("unknown element <{name}> in <scenario>; supported: {}", ELEMENTS.join(", ")),
            ),
        }
    }
    if let Some(opt) = last_optional {
        ctx.errors.at(&opt.span, "<recv optional>", "an optional <recv> cannot end a scenario");
    }
    for p in pending {
        match labels.iter().find(|(l, _)| *l == p.label) {
            Some((_, at)) => {
                let c = &mut script.steps[p.step].common;
                if p.ontimeout {
                    c.ontimeout = Some(*at);
                } else {
                    c.next = Some(*at);
                }
            }
            None => {
                let known: Vec<&str> = labels.iter().map(|(l, _)| l.as_str()).collect();
                let list = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                ctx.errors.at(
                    &p.attr.0,
                    &p.attr.1,
                    format!("no <label id=\"{}\"> in the scenario (labels: {list})", p.label),
                );
            }
        }
    }
    if script.steps.len() > STEPS_MAX {
        ctx.errors.at(
            &root.span,
            "<scenario>",
            format!("{} messages: at most {STEPS_MAX} are supported", script.steps.len()),
        );
    }
    if script.steps.is_empty() && ctx.errors.is_empty() {
        ctx.errors.at(&root.span, "<scenario>", "no messages: a scenario needs at least one send, recv, pause or nop");
    }
    script
}

fn repartition(a: &Attrs, v: &str, ctx: &mut Ctx) -> Option<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    for part in v.split(',') {
        match part.trim().parse::<u32>() {
            Ok(x) if out.last().is_none_or(|l| x > *l) => out.push(x),
            _ => {
                a.bad("value", ctx, format!("expected increasing milliseconds separated by commas, got \"{v}\""));
                return None;
            }
        }
    }
    Some(out)
}

fn init(el: &Element, script: &mut Script, ctx: &mut Ctx) {
    Attrs::new(el, &[], ctx);
    for child in &el.children {
        match child.name.as_str() {
            "nop" => {
                let idx = script.init.len();
                let mut ignore = Vec::new();
                if let Some(s) = step(child, idx, &mut ignore, ctx) {
                    script.init.push(s);
                }
                if let Some(p) = ignore.first() {
                    ctx.errors.at(&p.attr.0, &p.attr.1, "labels in <init> are not supported");
                }
            }
            "label" => {
                let a = Attrs::new(child, &["id"], ctx);
                a.bad("id", ctx, "labels in <init> are not supported");
            }
            other => ctx.errors.at(
                &child.span,
                &format!("<{other}>"),
                format!("invalid element <{other}> in <init>; supported: nop, label"),
            ),
        }
    }
}
