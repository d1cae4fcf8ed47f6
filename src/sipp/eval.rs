//! Run-time variables and actions: what SIPp's `call::executeAction` does with a step's
//! `<action>`s [src sipp: call.cpp, variables.cpp, actions.cpp], on per-call variables
//! indexed by `VarId` (no names at run time). Pure: the model hands in the call's
//! variables, the text a search looks in, the time and the random stream, and applies the
//! outcome (a jump, a failure counted when the call ends).

use super::script::{Action, ArithOp, Check, Compare, Ereg, Keyword, Message, Operand, Piece, SearchIn, StrOperand};
use super::script::{Occurrence, VarId};

/// One per-call variable, typed as SIPp's `CCallVariable`.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Unset,
    Double(f64),
    Bool(bool),
    Str(Box<str>),
    /// A value captured by `ereg`.
    Matched(Box<str>),
}

impl Value {
    /// SIPp's `isSet`: a test attribute's verdict (a double is set when non-zero).
    pub fn is_set(&self) -> bool {
        match self {
            Value::Unset => false,
            Value::Double(d) => *d != 0.0,
            Value::Bool(b) => *b,
            Value::Str(_) | Value::Matched(_) => true,
        }
    }

    /// SIPp's `getDouble`: 0 for anything that is not a double.
    pub fn double(&self) -> f64 {
        match self {
            Value::Double(d) => *d,
            _ => 0.0,
        }
    }

    /// SIPp's `getString`: the text of a string or a capture, else empty.
    pub fn string(&self) -> &str {
        match self {
            Value::Str(s) | Value::Matched(s) => s,
            _ => "",
        }
    }

    /// SIPp's `toDouble`: the whole text must be a number (`strtod` leaving nothing over).
    fn to_double(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            Value::Bool(b) => Some(*b as u8 as f64),
            Value::Str(s) | Value::Matched(s) => s.trim_start().parse().ok(),
            Value::Unset => None,
        }
    }

    /// The text `[$var]` writes: an integral double without decimals (SIPp writes `%d`
    /// then), another with six (`%lf`).
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            Value::Double(d) if d.fract() == 0.0 && d.abs() < 2.1e9 => {
                let _ = write!(out, "{}", *d as i64);
            }
            Value::Double(d) => {
                let _ = write!(out, "{d:.6}");
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            other => out.push_str(other.string()),
        }
    }
}

/// Why an action failed the call (SIPp marks it failed and the call goes on; the reason is
/// counted when it ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionFailure {
    RegexpDoesntMatch,
    RegexpShouldntMatch,
    RegexpHdrNotFound,
    TestDoesntMatch,
    TestShouldntMatch,
    StrcmpDoesntMatch,
    StrcmpShouldntMatch,
}

/// What a step's actions decided.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Outcome {
    /// `jump`: the message index the call goes to (SIPp's `msg_index = value - 1`, then
    /// the usual step to the next one).
    pub jump: Option<i64>,
    pub failure: Option<ActionFailure>,
}

/// What substituting message text needs from the call.
pub struct Env<'a> {
    /// The call's injection-file line (empty without one).
    pub fields: &'a [String],
    pub keys: &'a [(String, String)],
    pub call_number: u64,
    pub cseq: u64,
    /// Simulated time in µs since the run's start (written as time since the Unix epoch).
    pub now_us: u64,
}

/// Message text with the keywords a simulation knows substituted: `[$var]`, `[fieldN]`,
/// `-key` keywords, `[call_number]`, `[cseq]` (with offsets). Keywords whose text is not
/// modelled (addresses, branches, routes…) are written empty.
pub fn render(m: &Message, env: &Env, vars: &[Value]) -> String {
    let mut out = String::new();
    for p in &m.0 {
        push_piece(p, env, vars, &mut out);
    }
    out
}

/// What of a request says who it is for: its request line and its To, From, Contact and
/// Expires lines (`identity::addressing`), up to the blank line that ends its headers, as
/// pieces to render (worked out once, when the scenario compiles: a send then renders only
/// these). A line whose name is not written out in the scenario's text (it starts with a
/// keyword) counts as another line.
pub fn head_of(m: &Message) -> Message {
    let mut out: Vec<Piece> = Vec::new();
    let literal = |out: &mut Vec<Piece>, text: &str| match out.last_mut() {
        Some(Piece::Literal(prev)) => prev.push_str(text),
        _ if !text.is_empty() => out.push(Piece::Literal(text.to_string())),
        _ => {}
    };
    // Whether the current line is kept; whether a line starts with the next piece.
    let (mut keep, mut at_line_start) = (true, false);
    for p in &m.0 {
        let Piece::Literal(s) = p else {
            if at_line_start {
                (keep, at_line_start) = (false, false);
            }
            if keep {
                out.push(p.clone());
            }
            continue;
        };
        let mut rest = s.as_str();
        loop {
            if at_line_start {
                if rest.starts_with('\n') || rest.starts_with("\r\n") {
                    return Message(out); // the blank line
                }
                if rest.is_empty() {
                    break; // the line starts with the next piece
                }
                let line = rest.split('\n').next().unwrap_or("");
                keep = line.split_once(':').and_then(|(name, _)| super::identity::addressing(name)).is_some();
                at_line_start = false;
            }
            match rest.find('\n') {
                Some(i) => {
                    if keep {
                        literal(&mut out, &rest[..=i]);
                    }
                    rest = &rest[i + 1..];
                    at_line_start = true;
                }
                None => {
                    if keep {
                        literal(&mut out, rest);
                    }
                    break;
                }
            }
        }
    }
    Message(out)
}

fn push_int(out: &mut String, x: i64) {
    use std::fmt::Write as _;
    let _ = write!(out, "{x}");
}

fn push_piece(p: &Piece, env: &Env, vars: &[Value], out: &mut String) {
    match p {
        Piece::Literal(s) => out.push_str(s),
        Piece::Keyword { keyword, offset } => match keyword {
            Keyword::Var(v) => vars.get(*v as usize).unwrap_or(&Value::Unset).render(out),
            Keyword::Field { n, file: None, line: None } => {
                out.push_str(env.fields.get(*n as usize).map_or("", String::as_str))
            }
            Keyword::Key(name) => {
                out.push_str(env.keys.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str()))
            }
            Keyword::CallNumber => push_int(out, env.call_number as i64 + *offset as i64),
            Keyword::Cseq => push_int(out, env.cseq as i64 + *offset as i64),
            _ => {}
        },
    }
}

fn rhs(v: &Operand, vars: &[Value]) -> f64 {
    match v {
        Operand::Value(x) => *x,
        Operand::Variable(id) => get(vars, *id).double(),
    }
}

fn get(vars: &[Value], id: VarId) -> &Value {
    vars.get(id as usize).unwrap_or(&Value::Unset)
}

fn set(vars: &mut [Value], id: VarId, v: Value) {
    if let Some(slot) = vars.get_mut(id as usize) {
        *slot = v;
    }
}

/// Whether `actions` search the message text (the caller renders it only then).
pub fn needs_text(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::Ereg(e) if !matches!(e.search_in, SearchIn::Var(_))))
}

/// Runs `actions` in order, as SIPp does: the first failing check ends the list. `text` is
/// the message the step sent or received (empty unless `needs_text`).
pub fn run(actions: &[Action], vars: &mut [Value], env: &Env, text: &str, rng: &mut crate::engine::Rng) -> Outcome {
    let mut out = Outcome::default();
    for a in actions {
        match a {
            Action::Ereg(e) => {
                if let Err(f) = ereg(e, vars, text) {
                    out.failure = Some(f);
                    return out;
                }
            }
            Action::Assign { to, value } => {
                let v = rhs(value, vars);
                set(vars, *to, Value::Double(v));
            }
            Action::Arith { op, to, value } => {
                let (x, y) = (get(vars, *to).double(), rhs(value, vars));
                let r = match op {
                    ArithOp::Add => x + y,
                    ArithOp::Subtract => x - y,
                    ArithOp::Multiply => x * y,
                    // SIPp warns and leaves the variable as it was.
                    ArithOp::Divide if y == 0.0 => continue,
                    ArithOp::Divide => x / y,
                };
                set(vars, *to, Value::Double(r));
            }
            Action::Sample { to, dist } => {
                let v = dist.sample(rng);
                set(vars, *to, Value::Double(v));
            }
            Action::Test { to, variable, compare, value, check } => {
                let (l, r) = (get(vars, *variable).double(), rhs(value, vars));
                let t = match compare {
                    Compare::Equal => l == r,
                    Compare::NotEqual => l != r,
                    Compare::GreaterThan => l > r,
                    Compare::LessThan => l < r,
                    Compare::GreaterThanEqual => l >= r,
                    Compare::LessThanEqual => l <= r,
                };
                match (check, t) {
                    (Check::FailIfNoMatch, false) => out.failure = Some(ActionFailure::TestDoesntMatch),
                    (Check::FailIfMatch, true) => out.failure = Some(ActionFailure::TestShouldntMatch),
                    _ => {}
                }
                if out.failure.is_some() {
                    return out;
                }
                if let Some(to) = to {
                    set(vars, *to, Value::Bool(t));
                }
            }
            Action::Strcmp { to, variable, value, check } => {
                let l = get(vars, *variable).string();
                let r = match value {
                    StrOperand::Value(s) => s.as_str(),
                    StrOperand::Variable(v) => get(vars, *v).string(),
                };
                // strcmp's sign (its magnitude is the C library's choice).
                let c = l.as_bytes().cmp(r.as_bytes()) as i8 as f64;
                match (check, c == 0.0) {
                    (Check::FailIfNoMatch, false) => out.failure = Some(ActionFailure::StrcmpDoesntMatch),
                    (Check::FailIfMatch, true) => out.failure = Some(ActionFailure::StrcmpShouldntMatch),
                    _ => {}
                }
                if out.failure.is_some() {
                    return out;
                }
                if let Some(to) = to {
                    set(vars, *to, Value::Double(c));
                }
            }
            Action::Todouble { to, variable } => {
                // A failed conversion is a warning in SIPp: the target is left as it was.
                if let Some(v) = get(vars, *variable).to_double() {
                    set(vars, *to, Value::Double(v));
                }
            }
            Action::Assignstr { to, value } => {
                let s = render(value, env, vars);
                set(vars, *to, Value::Str(s.into()));
            }
            Action::Gettimeofday { seconds, micros } => {
                set(vars, *seconds, Value::Double((env.now_us / 1_000_000) as f64));
                set(vars, *micros, Value::Double((env.now_us % 1_000_000) as f64));
            }
            Action::Jump(v) => out.jump = Some(rhs(v, vars) as i64),
            Action::Ignored(_) => {}
        }
    }
    out
}

/// The value of the `occurrence`-th `header` line of `msg` (the text after the colon,
/// leading blanks dropped); names compare case-insensitively, as SIPp's header search does.
fn header<'m>(msg: &'m str, header: &str, occurrence: Occurrence) -> Option<&'m str> {
    let name = header.trim_end_matches(':');
    let mut found = msg.split("\r\n\r\n").next().unwrap_or("").lines().skip(1).filter_map(|l| {
        let (h, v) = l.split_once(':')?;
        h.trim().eq_ignore_ascii_case(name).then(|| v.trim_start())
    });
    match occurrence {
        Occurrence::Nth(n) => found.nth(n.saturating_sub(1) as usize),
        Occurrence::Last => found.last(),
    }
}

fn ereg(e: &Ereg, vars: &mut [Value], text: &str) -> Result<(), ActionFailure> {
    let check_it = e.check == Check::FailIfNoMatch;
    let owned;
    let haystack: &str = match &e.search_in {
        SearchIn::Var(v) => {
            owned = get(vars, *v).string().to_string();
            &owned
        }
        SearchIn::Msg if e.start_line => text.lines().next().unwrap_or(""),
        SearchIn::Msg => text,
        SearchIn::Body => match text.split_once("\r\n\r\n") {
            Some((_, body)) => body,
            None if check_it => return Err(ActionFailure::RegexpHdrNotFound),
            None => "",
        },
        SearchIn::Hdr { header: h, occurrence } => match header(text, h, *occurrence) {
            Some(v) => v,
            None if check_it => return Err(ActionFailure::RegexpHdrNotFound),
            None => "",
        },
    };
    let caps = e.regexp.regex().and_then(|re| re.captures(haystack));
    match (&caps, e.check) {
        (None, Check::FailIfNoMatch) => return Err(ActionFailure::RegexpDoesntMatch),
        (Some(_), Check::FailIfMatch) => return Err(ActionFailure::RegexpShouldntMatch),
        _ => {}
    }
    if let Some(caps) = caps {
        for (i, to) in e.assign_to.iter().enumerate() {
            if let Some(m) = caps.get(i) {
                set(vars, *to, Value::Matched(m.as_str().into()));
            }
        }
    }
    Ok(())
}
