//! `<action>` children to `Action`s, with SIPp's attribute rules per action
//! [src sipp: scenario.cpp].

use super::attrs::{Attrs, DISTRIBUTION_ATTRS};
use super::compile::Ctx;
use super::keywords;
use super::script::{Action, ArithOp, Check, Compare, Ereg, Occurrence, Operand, SearchIn, StrOperand};
use super::xml::Element;

/// Actions compiled.
pub const SUPPORTED: &[&str] = &[
    "ereg",
    "assign",
    "assignstr",
    "add",
    "subtract",
    "multiply",
    "divide",
    "sample",
    "test",
    "strcmp",
    "todouble",
    "gettimeofday",
    "jump",
    "log",
    "warning",
    "exec",
];

/// SIPp actions refused, with the reason.
fn refused(name: &str) -> Option<&'static str> {
    Some(match name {
        "error" => "it stops SIPp itself",
        "lookup" | "insert" | "replace" => "injection-file edits at run time are not simulated",
        "setdest" | "closecon" => "the simulated UE's transport is the deployment's, not the scenario's",
        "verifyauth" => "the UE never checks credentials (it is not a registrar)",
        "pauserestore" | "index" | "trim" | "urldecode" | "urlencode" | "rtp_echo" => "not supported",
        _ => return None,
    })
}

/// The `<action>` element's children.
pub fn compile(action: &Element, ctx: &mut Ctx) -> Vec<Action> {
    Attrs::new(action, &[], ctx);
    action.children.iter().filter_map(|el| one(el, ctx)).collect()
}

fn check(a: &Attrs, ctx: &mut Ctx) -> Check {
    let it = a.bool("check_it", false, ctx);
    let inverse = a.bool("check_it_inverse", false, ctx);
    if it && inverse {
        a.bad("check_it_inverse", ctx, "check_it and check_it_inverse cannot both be set");
    }
    match (it, inverse) {
        (true, _) => Check::FailIfNoMatch,
        (false, true) => Check::FailIfMatch,
        _ => Check::No,
    }
}

/// `value` or `variable` (SIPp's `handle_rhs`).
fn operand(a: &Attrs, ctx: &mut Ctx) -> Option<Operand> {
    match (a.get("value"), a.get("variable")) {
        (Some(_), Some(_)) => {
            a.bad("variable", ctx, "give value or variable, not both");
            None
        }
        (Some(_), None) => a.f64("value", ctx).map(Operand::Value),
        (None, Some(_)) => a.var("variable", ctx).map(Operand::Variable),
        (None, None) => {
            ctx.errors.at(&a.el.span, &format!("<{}>", a.el.name), "needs a value or a variable attribute");
            None
        }
    }
}

fn one(el: &Element, ctx: &mut Ctx) -> Option<Action> {
    let line = ctx.errors.line_of(el.span.start);
    let name = el.name.as_str();
    let construct = format!("<{name}>");
    if !el.children.is_empty() {
        ctx.errors.at(&el.children[0].span, &construct, "an action has no child elements");
    }
    match name {
        "ereg" => {
            let a = Attrs::new(
                el,
                &[
                    "regexp",
                    "search_in",
                    "header",
                    "variable",
                    "occurrence",
                    "occurence",
                    "case_indep",
                    "start_line",
                    "check_it",
                    "check_it_inverse",
                    "assign_to",
                ],
                ctx,
            );
            let text = a.required("regexp", ctx)?;
            let case_indep = a.bool("case_indep", false, ctx);
            if let Err(why) = super::script::Pattern::build(text, case_indep) {
                a.bad("regexp", ctx, format!("not a usable regular expression (POSIX extended syntax): {why}"));
                return None;
            }
            let regexp = super::script::Pattern::new(text, case_indep);
            let search_in = match a.str("search_in").unwrap_or("msg") {
                "msg" => SearchIn::Msg,
                "body" => SearchIn::Body,
                "var" => SearchIn::Var(a.var_required("variable", ctx)?),
                "hdr" => {
                    let header = a.required("header", ctx)?.to_string();
                    let occ = a.str("occurrence").or(a.str("occurence"));
                    let occurrence = match occ {
                        None => Occurrence::Nth(1),
                        Some("last") => Occurrence::Last,
                        Some(v) => match v.parse::<u32>() {
                            Ok(n) if n >= 1 => Occurrence::Nth(n),
                            _ => {
                                a.bad("occurrence", ctx, format!("expected a number from 1 or \"last\", got \"{v}\""));
                                return None;
                            }
                        },
                    };
                    SearchIn::Hdr { header, occurrence }
                }
                other => {
                    a.bad("search_in", ctx, format!("unknown search_in \"{other}\"; supported: msg, body, hdr, var"));
                    return None;
                }
            };
            let to = a.required("assign_to", ctx)?;
            let assign_to = to.split(',').map(|v| ctx.var(v.trim())).collect();
            Some(Action::Ereg(Ereg {
                regexp,
                search_in,
                case_indep,
                start_line: a.bool("start_line", false, ctx),
                check: check(&a, ctx),
                assign_to,
            }))
        }
        "assign" | "add" | "subtract" | "multiply" | "divide" | "jump" => {
            let a = Attrs::new(el, &["assign_to", "value", "variable"], ctx);
            if name == "jump" {
                return operand(&a, ctx).map(Action::Jump);
            }
            let to = a.var_required("assign_to", ctx)?;
            let value = operand(&a, ctx)?;
            if name == "divide" && value == Operand::Value(0.0) {
                a.bad("value", ctx, "divide actions cannot have a value of zero");
                return None;
            }
            let op = match name {
                "assign" => return Some(Action::Assign { to, value }),
                "add" => ArithOp::Add,
                "subtract" => ArithOp::Subtract,
                "multiply" => ArithOp::Multiply,
                _ => ArithOp::Divide,
            };
            Some(Action::Arith { op, to, value })
        }
        "sample" => {
            let mut allowed = vec!["assign_to"];
            allowed.extend_from_slice(DISTRIBUTION_ATTRS);
            let a = Attrs::new(el, &allowed, ctx);
            let to = a.var_required("assign_to", ctx)?;
            Some(Action::Sample { to, dist: a.distribution(ctx)? })
        }
        "test" | "strcmp" => {
            let mut allowed = vec!["assign_to", "variable", "variable2", "value", "check_it", "check_it_inverse"];
            if name == "test" {
                allowed.push("compare");
            }
            let a = Attrs::new(el, &allowed, ctx);
            let check = check(&a, ctx);
            let to = if a.get("assign_to").is_some() || check == Check::No {
                Some(a.var_required("assign_to", ctx)?)
            } else {
                None
            };
            let variable = a.var_required("variable", ctx)?;
            if a.get("value").is_some() && a.get("variable2").is_some() {
                a.bad("variable2", ctx, "give value or variable2, not both");
                return None;
            }
            if name == "strcmp" {
                let value = match a.str("value") {
                    Some(v) => StrOperand::Value(v.to_string()),
                    None => StrOperand::Variable(a.var_required("variable2", ctx)?),
                };
                return Some(Action::Strcmp { to, variable, value, check });
            }
            let value = match a.get("value") {
                Some(_) => Operand::Value(a.f64("value", ctx)?),
                None => Operand::Variable(a.var_required("variable2", ctx)?),
            };
            let compare = match a.required("compare", ctx)? {
                "equal" => Compare::Equal,
                "not_equal" => Compare::NotEqual,
                "greater_than" => Compare::GreaterThan,
                "less_than" => Compare::LessThan,
                "greater_than_equal" => Compare::GreaterThanEqual,
                "less_than_equal" => Compare::LessThanEqual,
                other => {
                    a.bad(
                        "compare",
                        ctx,
                        format!(
                            "unknown compare \"{other}\"; supported: equal, not_equal, greater_than, less_than, \
                             greater_than_equal, less_than_equal"
                        ),
                    );
                    return None;
                }
            };
            Some(Action::Test { to, variable, compare, value, check })
        }
        "todouble" => {
            let a = Attrs::new(el, &["assign_to", "variable"], ctx);
            Some(Action::Todouble { to: a.var_required("assign_to", ctx)?, variable: a.var_required("variable", ctx)? })
        }
        "assignstr" => {
            let a = Attrs::new(el, &["assign_to", "value"], ctx);
            let to = a.var_required("assign_to", ctx)?;
            let v = a.get("value");
            a.required("value", ctx)?;
            let v = v?;
            let value = keywords::parse(&v.value, v.value_span.start, "<assignstr value>", ctx);
            Some(Action::Assignstr { to, value })
        }
        "gettimeofday" => {
            let a = Attrs::new(el, &["assign_to"], ctx);
            let to = a.required("assign_to", ctx)?;
            let vars: Vec<&str> = to.split(',').collect();
            if vars.len() != 2 {
                a.bad("assign_to", ctx, "gettimeofday needs two variables: seconds,microseconds");
                return None;
            }
            Some(Action::Gettimeofday { seconds: ctx.var(vars[0].trim()), micros: ctx.var(vars[1].trim()) })
        }
        "log" | "warning" => {
            let a = Attrs::new(el, &["message"], ctx);
            a.required("message", ctx)?;
            ctx.ignore(&format!("<{name}> (no log in a simulation)"), line);
            Some(Action::Ignored(if name == "log" { "log" } else { "warning" }))
        }
        "exec" => {
            let a = Attrs::new(
                el,
                &[
                    "command",
                    "int_cmd",
                    "play_pcap_audio",
                    "play_pcap_image",
                    "play_pcap_video",
                    "play_dtmf",
                    "rtp_stream",
                    "rtpstream",
                ],
                ctx,
            );
            for pcap in
                ["play_pcap_audio", "play_pcap_image", "play_pcap_video", "play_dtmf", "rtp_stream", "rtpstream"]
            {
                if a.get(pcap).is_some() {
                    a.bad(
                        pcap,
                        ctx,
                        format!("unsupported: <exec {pcap}> (media play from pcap or RTP streams) is not simulated"),
                    );
                    return None;
                }
            }
            if let Some(cmd) = a.str("int_cmd") {
                if !matches!(cmd, "stop_now" | "stop_gracefully" | "stop_call") {
                    a.bad(
                        "int_cmd",
                        ctx,
                        format!("unknown int_cmd \"{cmd}\"; supported: stop_now, stop_gracefully, stop_call"),
                    );
                    return None;
                }
            } else {
                a.required("command", ctx)?;
            }
            ctx.ignore("<exec> (no command runs in a simulation)", line);
            Some(Action::Ignored("exec"))
        }
        other => {
            let why = refused(other).map(|w| format!("unsupported action <{other}>: {w}"));
            let msg = why.unwrap_or_else(|| format!("unknown action <{other}>"));
            ctx.errors.at(&el.span, &construct, format!("{msg}; supported: {}", SUPPORTED.join(", ")));
            None
        }
    }
}
