//! One message element (`send`, `recv`, `pause`, `timewait`, `nop`) to a `Step`: its own
//! attributes, the attributes every message element shares (SIPp's `getCommonAttributes`
//! and `getBookKeeping`), its actions and, for a send, its message text.

use super::actions;
use super::attrs::{Attrs, DISTRIBUTION_ATTRS};
use super::compile::Ctx;
use super::keywords;
use super::script::{Common, Message, Optional, PauseLength, Piece, Recv, RecvMatch, Send, SendWhat, Step, StepKind};
use super::xml::Element;

const COMMON: &[&str] = &[
    "lost",
    "crlf",
    "ignoresdp",
    "hiderest",
    "hide",
    "display",
    "condexec",
    "condexec_inverse",
    "next",
    "test",
    "chance",
    "ontimeout",
    "rtd",
    "start_rtd",
    "repeat_rtd",
    "counter",
];
const SEND: &[&str] = &["retrans", "timeout", "start_txn", "ack_txn"];
const RECV: &[&str] =
    &["response", "request", "optional", "advance_state", "regexp_match", "timeout", "rrs", "auth", "response_txn"];
const PAUSE: &[&str] = &["milliseconds", "variable", "sanity_check"];

/// A label reference to resolve once every label is known.
pub struct Pending {
    pub step: usize,
    pub ontimeout: bool,
    pub label: String,
    pub attr: (std::ops::Range<usize>, String),
}

pub fn step(el: &Element, idx: usize, pending: &mut Vec<Pending>, ctx: &mut Ctx) -> Option<Step> {
    let name = el.name.as_str();
    let mut allowed = COMMON.to_vec();
    match name {
        "send" => allowed.extend_from_slice(SEND),
        "recv" => allowed.extend_from_slice(RECV),
        "pause" | "timewait" => {
            allowed.extend_from_slice(PAUSE);
            allowed.extend_from_slice(DISTRIBUTION_ATTRS);
        }
        _ => {}
    }
    let a = Attrs::new(el, &allowed, ctx);
    let line = ctx.errors.line_of(el.span.start);
    let mut actions = Vec::new();
    for child in &el.children {
        if child.name == "action" {
            actions.extend(actions::compile(child, ctx));
        } else {
            ctx.errors.at(
                &child.span,
                &format!("<{}>", child.name),
                format!("unknown element <{}> in <{name}>; supported: action", child.name),
            );
        }
    }
    let kind = match name {
        "send" => StepKind::Send(send(el, &a, ctx)?),
        "recv" => StepKind::Recv(recv(&a, ctx)?),
        "pause" | "timewait" => {
            let length = if a.get("variable").is_some() {
                PauseLength::Variable(a.var("variable", ctx)?)
            } else if a.get("distribution").is_some() {
                PauseLength::Dist(a.distribution(ctx)?)
            } else if a.get("milliseconds").is_some() {
                PauseLength::Dist(super::script::Distribution::Fixed(a.ms("milliseconds", ctx)? as f64))
            } else if a.get("min").is_some() || a.get("max").is_some() {
                let (min, max) = (a.f64("min", ctx)?, a.f64("max", ctx)?);
                PauseLength::Dist(super::script::Distribution::Uniform { min, max })
            } else {
                PauseLength::Default
            };
            a.bool("sanity_check", true, ctx);
            StepKind::Pause { length, timewait: name == "timewait" }
        }
        _ => StepKind::Nop,
    };
    let mut common = common(&a, ctx);
    common.actions = actions;
    for (attr, ontimeout) in [("next", false), ("ontimeout", true)] {
        if let Some(at) = a.get(attr) {
            if name == "timewait" {
                a.bad(attr, ctx, format!("{attr} labels are not allowed in <timewait>"));
                continue;
            }
            pending.push(Pending {
                step: idx,
                ontimeout,
                label: at.value.clone(),
                attr: (at.value_span.clone(), format!("<{name} {attr}>")),
            });
        }
    }
    Some(Step { kind, common, line })
}

fn names(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn common(a: &Attrs, ctx: &mut Ctx) -> Common {
    let mut c = Common { chance: 1.0, ..Common::default() };
    if let Some(lost) = a.f64("lost", ctx) {
        if (0.0..=100.0).contains(&lost) {
            c.lost = Some(lost);
        } else {
            a.bad("lost", ctx, format!("a percentage from 0 to 100, got {lost}"));
        }
    }
    c.crlf = a.get("crlf").is_some();
    if a.get("ignoresdp").is_some() {
        a.bool("ignoresdp", false, ctx);
        let line = ctx.errors.line_of(a.el.span.start);
        ctx.ignore("ignoresdp (SDP is not modelled)", line);
    }
    let hiderest = a.bool("hiderest", false, ctx);
    c.hide = a.bool("hide", hiderest, ctx);
    c.display = a.str("display").map(str::to_string);
    if let Some(v) = a.var("condexec", ctx) {
        c.condexec = Some((v, a.bool("condexec_inverse", false, ctx)));
    }
    c.test = a.var("test", ctx);
    if let Some(ch) = a.f64("chance", ctx) {
        if (0.0..=1.0).contains(&ch) {
            c.chance = ch;
        } else {
            a.bad("chance", ctx, format!("chance {ch} not in range [0..1]"));
        }
    }
    if (a.get("test").is_some() || a.get("chance").is_some()) && a.get("next").is_none() {
        let which = if a.get("test").is_some() { "test" } else { "chance" };
        a.bad(which, ctx, format!("{which} decides whether to take next, and there is no next"));
    }
    if let Some(v) = a.str("start_rtd") {
        c.start_rtd = names(v).map(|n| ctx.rtd(n)).collect();
    }
    if let Some(v) = a.str("rtd") {
        c.rtd = names(v).map(|n| ctx.rtd(n)).collect();
    }
    c.repeat_rtd = a.bool("repeat_rtd", false, ctx);
    c.counter = a.str("counter").map(str::to_string);
    c
}

fn send(el: &Element, a: &Attrs, ctx: &mut Ctx) -> Option<Send> {
    let body = el.text.trim();
    if body.is_empty() {
        ctx.errors.at(&el.span, "<send>", "no message: a <send> holds its message in <![CDATA[ … ]]>");
        return None;
    }
    let base = if el.has_cdata { el.text_start } else { el.span.start };
    let message = clean(keywords::parse(&el.text, base, "<send>", ctx));
    let at = base + (el.text.len() - el.text.trim_start().len());
    let first = message.literal_prefix().lines().next().unwrap_or("").trim_start();
    let (head, rest) = first.split_once(' ').unwrap_or((first, ""));
    let code = rest.split_whitespace().next();
    let what = match (head, code) {
        ("SIP/2.0", Some(code)) => match code.parse::<u16>() {
            Ok(c) if (100..700).contains(&c) => SendWhat::Response(c),
            _ => {
                ctx.errors.at(&(at..at + 1), "<send>", format!("invalid status code \"{code}\" (100 to 699)"));
                return None;
            }
        },
        (method, _)
            if first.contains(' ')
                && !method.is_empty()
                && method != "SIP/2.0"
                && method.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._!%*+`'~".contains(&b)) =>
        {
            SendWhat::Request(method.to_string())
        }
        _ => {
            ctx.errors.at(
                &(at..at + 1),
                "<send>",
                "the first line must start with literal text: a method and a Request-URI, or SIP/2.0 and a status code \
                 (no keyword before them)",
            );
            return None;
        }
    };
    let start_txn = a.str("start_txn").map(str::to_string);
    let ack_txn = a.str("ack_txn").map(str::to_string);
    if start_txn.is_some() && ack_txn.is_some() {
        a.bad("ack_txn", ctx, "give start_txn or ack_txn, not both");
    }
    let head = super::eval::head_of(&message);
    let (retrans, timeout) = (a.ms("retrans", ctx), a.ms("timeout", ctx));
    Some(Send { message, head, what, retrans, timeout, start_txn, ack_txn })
}

fn recv(a: &Attrs, ctx: &mut Ctx) -> Option<Recv> {
    let matcher = match (a.str("response"), a.str("request")) {
        (Some(_), Some(_)) => {
            a.bad("request", ctx, "a <recv> waits for a response or a request, not both");
            return None;
        }
        (Some(code), None) => match code.trim().parse::<u16>() {
            Ok(c) if (100..700).contains(&c) => RecvMatch::Response(c),
            _ => {
                a.bad("response", ctx, format!("expected a status code from 100 to 699, got \"{code}\""));
                return None;
            }
        },
        (None, Some(m)) if !m.trim().is_empty() => RecvMatch::Request(m.trim().to_string()),
        _ => {
            ctx.errors.at(&a.el.span, "<recv>", "needs a response or a request attribute");
            return None;
        }
    };
    let optional = match a.str("optional") {
        None | Some("false") => Optional::No,
        Some("true") => Optional::Yes,
        Some("global") => Optional::Global,
        Some(v) => {
            a.bad("optional", ctx, format!("expected true, false or global, got \"{v}\""));
            Optional::No
        }
    };
    let regexp_match = a.bool("regexp_match", false, ctx);
    if regexp_match && matches!(matcher, RecvMatch::Response(_)) {
        a.bad("regexp_match", ctx, "regexp_match applies to request, not response");
    }
    if a.get("response_txn").is_some() && matches!(matcher, RecvMatch::Request(_)) {
        a.bad("response_txn", ctx, "response_txn applies to a response, not a request");
    }
    Some(Recv {
        matcher,
        regexp_match,
        optional,
        rrs: a.bool("rrs", false, ctx),
        auth: a.bool("auth", false, ctx),
        timeout: a.ms("timeout", ctx),
        response_txn: a.str("response_txn").map(str::to_string),
        advance_state: a.bool("advance_state", true, ctx),
    })
}

/// SIPp's `clean_cdata`: the indentation of every line and the blank lines before the
/// first one go.
fn clean(m: Message) -> Message {
    let mut out = Vec::with_capacity(m.0.len());
    let mut at_line_start = true;
    let mut started = false;
    for p in m.0 {
        match p {
            Piece::Literal(s) => {
                let mut t = String::with_capacity(s.len());
                for ch in s.chars() {
                    if at_line_start && (ch == ' ' || ch == '\t' || (!started && (ch == '\n' || ch == '\r'))) {
                        continue;
                    }
                    at_line_start = ch == '\n';
                    started = true;
                    t.push(ch);
                }
                if !t.is_empty() {
                    out.push(Piece::Literal(t));
                }
            }
            k => {
                at_line_start = false;
                started = true;
                out.push(k);
            }
        }
    }
    Message(out)
}
