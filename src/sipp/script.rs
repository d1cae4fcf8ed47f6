//! The compiled form of a SIPp XML scenario: a UE script as plain data. Labels are resolved
//! to step indices, variables and RTD names to small integers, message text to pieces
//! (literal text and keywords). Nothing here refers back to the XML.

/// A variable of the scenario (`[$name]`, `assign_to`, `test`, `variable`…): an index into
/// `Script::variables`.
pub type VarId = u16;
/// A response-time measure (`rtd`, `start_rtd`): an index into `Script::rtds`.
pub type RtdId = u16;

/// A compiled scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// The `name` attribute of `<scenario>` (empty when absent).
    pub name: String,
    /// The steps, in file order (labels are not steps: they name the step after them).
    pub steps: Vec<Step>,
    /// The `<init>` stanza's steps (`nop` with actions), run once before the first call.
    pub init: Vec<Step>,
    /// Variable names, indexed by `VarId`.
    pub variables: Vec<String>,
    /// The variables `<User variables>` declares: kept from one of a `-users` user's calls
    /// to the next (SIPp's per-user variable table).
    pub user_variables: Vec<VarId>,
    /// The variables `<Global variables>` declares: one value shared by every call of the
    /// scenario (SIPp's global variable table), set first by the `<init>` stanza.
    pub global_variables: Vec<VarId>,
    /// Response-time measure names (SIPp's RTDs; numbers or words), indexed by `RtdId`.
    pub rtds: Vec<String>,
    /// `<ResponseTimeRepartition value>` bounds in ms (empty when absent).
    pub response_time_repartition: Vec<u32>,
    /// `<CallLengthRepartition value>` bounds in ms (empty when absent).
    pub call_length_repartition: Vec<u32>,
    /// Constructs that are accepted but do nothing in a simulation (`log`, `warning`,
    /// `exec`, `ignoresdp`…), each named once with the line of its first use.
    pub ignored: Vec<(String, usize)>,
    /// The injection-file fields the scenario uses (`[fieldN]`): the highest N + 1.
    pub fields_used: usize,
    /// Names of `-key` keywords the scenario uses (sorted, without duplicates).
    pub keys_used: Vec<String>,
}

/// One step of a scenario, with the attributes every SIPp message element shares.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub common: Common,
    /// 1-based line of the element in the file (for per-step counters and messages).
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Send(Send),
    Recv(Recv),
    /// `<pause>` or `<timewait>` (`timewait`: the last step; the call is over but kept).
    Pause {
        length: PauseLength,
        timewait: bool,
    },
    /// `<nop>`: actions, counters and RTDs only.
    Nop,
}

/// Attributes shared by every step (SIPp's `getCommonAttributes` and book-keeping).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Common {
    /// `next`: the step to go to after this one (instead of the following one).
    pub next: Option<usize>,
    /// `test`: take `next` only when this variable is set (true / matched).
    pub test: Option<VarId>,
    /// `chance`: the probability of taking `next` (1 when absent).
    pub chance: f64,
    /// `condexec` / `condexec_inverse`: run the step only when the variable is (not) set.
    pub condexec: Option<(VarId, bool)>,
    /// `ontimeout`: where a `recv` (or a `send` with `timeout`) goes when it times out.
    pub ontimeout: Option<usize>,
    /// `lost`: the percentage of messages dropped on purpose.
    pub lost: Option<f64>,
    pub start_rtd: Vec<RtdId>,
    pub rtd: Vec<RtdId>,
    pub repeat_rtd: bool,
    /// `counter`: a named counter incremented when the step runs.
    pub counter: Option<String>,
    /// `hide` (counters not shown), `crlf` and `display` (screen layout only).
    pub hide: bool,
    pub crlf: bool,
    pub display: Option<String>,
    pub actions: Vec<Action>,
}

/// `<send>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Send {
    pub message: Message,
    /// The part of `message` that says who it is for (`eval::head_of`).
    pub head: Message,
    /// What the first line says, after substitution of literal text.
    pub what: SendWhat,
    /// `retrans`: T1 of the UDP retransmission timer in ms (SIPp's `-t` default when absent).
    pub retrans: Option<u32>,
    /// `timeout` (ms): give up sending after this.
    pub timeout: Option<u32>,
    /// `start_txn` / `ack_txn`: a named client transaction.
    pub start_txn: Option<String>,
    pub ack_txn: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SendWhat {
    /// A request: its method (`INVITE`, `REGISTER`, `ACK`…).
    Request(String),
    /// A response: its status code.
    Response(u16),
}

/// `<recv>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Recv {
    pub matcher: RecvMatch,
    /// `regexp_match`: `request` is a regular expression over the method.
    pub regexp_match: bool,
    pub optional: Optional,
    /// `rrs`: record the route set (`[routes]` in later messages).
    pub rrs: bool,
    /// `auth`: keep the challenge for `[authentication]`.
    pub auth: bool,
    /// `timeout` (ms): fail (or go to `ontimeout`) when nothing arrives in time.
    pub timeout: Option<u32>,
    /// `response_txn`: the transaction a response belongs to.
    pub response_txn: Option<String>,
    /// `advance_state`: false keeps the call on this step after a match.
    pub advance_state: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RecvMatch {
    Response(u16),
    Request(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optional {
    No,
    Yes,
    /// `optional="global"`: may match at any later point of the call.
    Global,
}

/// The length of a `<pause>`.
#[derive(Clone, Debug, PartialEq)]
pub enum PauseLength {
    /// No attribute: SIPp's `-d` (the load source's `default_pause`).
    Default,
    /// Milliseconds from a variable.
    Variable(VarId),
    /// A distribution in ms (`milliseconds` gives a fixed one).
    Dist(Distribution),
}

/// SIPp's statistical distributions (parameters in the scenario's units: ms for pauses).
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    Fixed(f64),
    Uniform { min: f64, max: f64 },
    Normal { mean: f64, stdev: f64 },
    Lognormal { mean: f64, stdev: f64 },
    Exponential { mean: f64 },
    Weibull { lambda: f64, k: f64 },
    Pareto { k: f64, x_m: f64 },
    Gpareto { shape: f64, scale: f64, location: f64 },
    Gamma { k: f64, theta: f64 },
    Negbin { n: f64, p: f64 },
}

/// Message text: literal pieces and keywords, with SIPp's newline convention applied later.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message(pub Vec<Piece>);

#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Literal(String),
    Keyword { keyword: Keyword, offset: i32 },
}

/// A `[keyword]` of message text.
#[derive(Clone, Debug, PartialEq)]
pub enum Keyword {
    Service,
    RemoteIp,
    RemotePort,
    LocalIp,
    LocalIpType,
    LocalPort,
    Transport,
    CallId,
    CallNumber,
    Cseq,
    Branch,
    Len,
    PeerTagParam,
    Routes,
    NextUrl,
    Pid,
    SippVersion,
    /// `[last_Header:]`: the header of the last message received (name as written).
    Last(String),
    /// `[fieldN]` (`file=` and `line=` parameters when given).
    Field {
        n: u16,
        file: Option<String>,
        line: Option<Box<Message>>,
    },
    /// `[$name]`.
    Var(VarId),
    /// `[authentication …]`: digest credentials (parameters may hold keywords).
    Authentication(Vec<(String, Message)>),
    /// `-key NAME VALUE` keywords.
    Key(String),
    /// Accepted and written as carried text with no effect on the simulation
    /// (`[media_ip]`, `[media_port]`, `[auto_media_port]`, `[server_ip]`…).
    Carried(String),
}

/// An `<action>` child.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Ereg(Ereg),
    Assign {
        to: VarId,
        value: Operand,
    },
    Arith {
        op: ArithOp,
        to: VarId,
        value: Operand,
    },
    Sample {
        to: VarId,
        dist: Distribution,
    },
    Test {
        to: Option<VarId>,
        variable: VarId,
        compare: Compare,
        value: Operand,
        check: Check,
    },
    Strcmp {
        to: Option<VarId>,
        variable: VarId,
        value: StrOperand,
        check: Check,
    },
    Todouble {
        to: VarId,
        variable: VarId,
    },
    Assignstr {
        to: VarId,
        value: Message,
    },
    /// `gettimeofday`: seconds and microseconds into two variables.
    Gettimeofday {
        seconds: VarId,
        micros: VarId,
    },
    /// `jump`: to the step with the index in `value` or `variable`.
    Jump(Operand),
    /// `log`, `warning`, `exec`: no effect in a simulation (reported once in `Script::ignored`).
    Ignored(&'static str),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Value(f64),
    Variable(VarId),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrOperand {
    Value(String),
    Variable(VarId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    Equal,
    NotEqual,
    GreaterThan,
    LessThan,
    GreaterThanEqual,
    LessThanEqual,
}

/// `check_it` / `check_it_inverse` of `ereg`, `test`, `strcmp`: fail the call on (no) match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Check {
    #[default]
    No,
    FailIfNoMatch,
    FailIfMatch,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ereg {
    pub regexp: Pattern,
    pub search_in: SearchIn,
    pub case_indep: bool,
    pub start_line: bool,
    pub check: Check,
    /// The whole match, then each group.
    pub assign_to: Vec<VarId>,
}

/// A regular expression as written, with its compiled form (`None`: it does not compile;
/// the compiler refuses it). Equal when written the same.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: String,
    re: Option<regex::Regex>,
}

impl Pattern {
    /// SIPp compiles with POSIX extended syntax (`REG_EXTENDED`, `REG_ICASE` for
    /// `case_indep`); the `regex` crate reads the same syntax for what scenarios use
    /// (classes, groups, alternation, repetition, `[[:digit:]]`).
    pub fn new(text: &str, case_indep: bool) -> Pattern {
        Pattern { text: text.to_string(), re: Self::build(text, case_indep).ok() }
    }

    /// The compiled form, or why there is none (a syntax error, or larger than 1 MiB
    /// compiled).
    pub fn build(text: &str, case_indep: bool) -> Result<regex::Regex, String> {
        regex::RegexBuilder::new(text).case_insensitive(case_indep).size_limit(1 << 20).build().map_err(|e| {
            // The crate's message spans lines with a caret; its last line says what is wrong.
            e.to_string().lines().rfind(|l| !l.trim().is_empty()).unwrap_or("invalid").trim().to_string()
        })
    }

    pub fn regex(&self) -> Option<&regex::Regex> {
        self.re.as_ref()
    }
}

impl From<&str> for Pattern {
    fn from(text: &str) -> Pattern {
        Pattern::new(text, false)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.text == other.text
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SearchIn {
    Msg,
    Body,
    Hdr { header: String, occurrence: Occurrence },
    Var(VarId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurrence {
    Nth(u32),
    Last,
}

impl Step {
    /// A short name for per-step counters: `INVITE ->`, `<- 200`, `[ 1000ms]`, `[ NOP ]`.
    pub fn label(&self) -> String {
        match &self.kind {
            StepKind::Send(s) => match &s.what {
                SendWhat::Request(m) => format!("{m} ->"),
                SendWhat::Response(c) => format!("{c} ->"),
            },
            StepKind::Recv(r) => match &r.matcher {
                RecvMatch::Request(m) => format!("<- {m}"),
                RecvMatch::Response(c) => format!("<- {c}"),
            },
            StepKind::Pause { timewait: true, .. } => "[timewait]".into(),
            StepKind::Pause { .. } => "[pause]".into(),
            StepKind::Nop => "[NOP]".into(),
        }
    }
}

impl Distribution {
    /// A draw from one of SIPp's distributions (ms; negative draws are 0).
    pub fn sample_ms(&self, rng: &mut crate::engine::Rng) -> f64 {
        let x = self.sample(rng);
        if x.is_finite() {
            x.clamp(0.0, crate::engine::SimDuration::LIMIT.as_ms_f64())
        } else {
            0.0
        }
    }

    /// A draw as it comes (a `sample` action keeps negative values).
    pub fn sample(&self, rng: &mut crate::engine::Rng) -> f64 {
        use rand::Rng as _;
        use rand_distr::Distribution as _;
        match *self {
            Distribution::Fixed(v) => v,
            Distribution::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Distribution::Normal { mean, stdev } => {
                rand_distr::Normal::new(mean, stdev).map_or(mean, |n| n.sample(rng))
            }
            Distribution::Lognormal { mean, stdev } => {
                rand_distr::LogNormal::new(mean, stdev).map_or(mean.exp(), |n| n.sample(rng))
            }
            Distribution::Exponential { mean } => {
                let e: f64 = rand_distr::Exp1.sample(rng);
                mean * e
            }
            Distribution::Weibull { lambda, k } => {
                rand_distr::Weibull::new(lambda, k).map_or(lambda, |w| w.sample(rng))
            }
            Distribution::Pareto { k, x_m } => rand_distr::Pareto::new(x_m, k).map_or(x_m, |p| p.sample(rng)),
            Distribution::Gpareto { shape, scale, location } => {
                let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
                if shape.abs() < 1e-12 {
                    location - scale * u.ln()
                } else {
                    location + scale * (u.powf(-shape) - 1.0) / shape
                }
            }
            Distribution::Gamma { k, theta } => rand_distr::Gamma::new(k, theta).map_or(k * theta, |g| g.sample(rng)),
            Distribution::Negbin { n, p } => {
                // Gamma–Poisson mixture: NB(n, p) failures before the n-th success.
                let lambda = rand_distr::Gamma::new(n, (1.0 - p) / p).map_or(0.0, |g| g.sample(rng));
                if lambda > 0.0 {
                    rand_distr::Poisson::new(lambda).map_or(0.0, |d| d.sample(rng))
                } else {
                    0.0
                }
            }
        }
    }
}
