//! `[load] profile = "sipp"`: SIPp scenarios as the load. One source is written in `[load]`
//! itself (`scenario = "uac.xml"` and its traffic keys), more as `[[load.source]]` tables
//! with the same keys, each an instance of SIPp running side by side. Paths are relative to
//! the scenario file. The XML is compiled here, so its errors are the scenario's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::SimDuration;
use crate::scenario::schema::{any_duration, positive_duration};
use crate::scenario::walk::*;
use crate::sipp::plan::Role;
use crate::sipp::Script;

/// At most this many sources side by side.
pub const SOURCES_MAX: usize = 64;
/// SIPp files (XML, CSV) larger than this are refused.
pub const SIPP_FILE_MAX: u64 = 4 << 20;

#[derive(Clone, Debug)]
pub struct SippLoad {
    pub subscribers: u64,
    /// Start with every subscriber registered (bindings and timers installed, no refresh
    /// timers: re-registration is a source's job).
    pub preregistered: bool,
    pub sources: Vec<SippSource>,
}

/// One SIPp instance: a caller scenario and its traffic options, with SIPp's meaning.
#[derive(Clone, Debug)]
pub struct SippSource {
    /// The `scenario` path as written.
    pub scenario: String,
    pub script: Arc<Script>,
    pub roles: Arc<Vec<Role>>,
    /// The called side's delay from ringing to answering (`callee`; 0: SIPp's default UAS).
    pub answer_after: SimDuration,
    /// `-inf`: the injection file's lines and how they are taken.
    pub inf: Option<Injection>,
    /// `-r` calls every `-rp`.
    pub rate: f64,
    pub rate_period: SimDuration,
    /// `-rate_increase` every `-rate_interval`, up to `-rate_max`.
    pub rate_increase: Option<f64>,
    pub rate_interval: SimDuration,
    pub rate_max: Option<f64>,
    /// `-l`: the most calls of this source at once.
    pub limit: u64,
    /// `-m`: stop creating calls after this many.
    pub max_calls: Option<u64>,
    /// `-d`: the length of a `<pause/>` without attributes.
    pub default_pause: SimDuration,
    /// `-key NAME VALUE` pairs.
    pub keys: Vec<(String, String)>,
    /// `-users`: a closed loop of this many calls (each one ended is replaced at once)
    /// instead of calls at `rate`.
    pub users: Option<u64>,
    /// `-timeout`: the source stops here (no new calls; its calls in progress are left,
    /// counted neither successful nor failed, as when SIPp quits).
    pub timeout: Option<SimDuration>,
    /// `-recv_timeout` (ms): the timeout of a `recv` without its own.
    pub recv_timeout: Option<u32>,
    /// `-send_timeout` (ms): how long a send that cannot go waits (a send's own `timeout`
    /// first).
    pub send_timeout: Option<u32>,
    /// `-default_behaviors`.
    pub behaviors: Behaviors,
    /// `-t`.
    pub transport: Transport,
    /// SHA-256 of the files read (scenario, callee, injection file): part of the scenario's
    /// hash, so that the same hash means the same inputs.
    pub inputs_sha256: String,
}

impl SippSource {
    /// Calls per second at the start.
    pub fn per_second(&self) -> f64 {
        self.rate / self.rate_period.as_secs_f64().max(1e-9)
    }

    /// Whether the script places calls (callers and callees are then taken in pairs).
    pub fn calls(&self) -> bool {
        self.roles.contains(&Role::Invite)
    }
}

/// SIPp's transport mode (`-t`; `u1` when absent) [src sipp: sipp.cpp]: UDP, TCP or TLS,
/// over one socket for every call (`u1`, `t1`, `l1`) or one per call (`un`, `tn`, `ln`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transport {
    /// UDP: SIPp retransmits (`retrans`); over TCP and TLS it never does.
    pub udp: bool,
    /// One socket for every call: Bono keeps one flow for the SIPp instance, and the
    /// identities a REGISTER authenticated on it stay authenticated for the next calls
    /// [src sprout: bono.cpp]; with a socket per call each call's REGISTER opens a new flow.
    pub one_socket: bool,
}

impl Transport {
    pub fn parse(text: &str) -> Result<Transport, String> {
        let (udp, one_socket) = match text {
            "u1" => (true, true),
            "un" => (true, false),
            "t1" | "l1" => (false, true),
            "tn" | "ln" => (false, false),
            other => {
                return Err(format!(
                    "unknown transport \"{other}\"; supported: u1, un (UDP), t1, tn (TCP), l1, ln (TLS): SIPp's -t"
                ))
            }
        };
        Ok(Transport { udp, one_socket })
    }
}

/// SIPp's default behaviours (`-default_behaviors`; all on when absent) [src sipp: sipp.cpp].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviors {
    /// A call that fails after its INVITE was answered is hung up with a BYE.
    pub bye: bool,
    /// An unexpected message aborts the call (else it is counted and ignored).
    pub abortunexp: bool,
    /// An unexpected PING is answered 200 (the deployment never sends one: no effect).
    pub pingreply: bool,
    /// A request with a bad CSeq is answered 500 (the deployment's are never bad: no effect).
    pub cseq: bool,
}

impl Behaviors {
    pub const ALL: Behaviors = Behaviors { bye: true, abortunexp: true, pingreply: true, cseq: true };
    pub const NONE: Behaviors = Behaviors { bye: false, abortunexp: false, pingreply: false, cseq: false };

    /// SIPp's `-default_behaviors` list: comma-separated names (`all`, `none`, `bye`,
    /// `abortunexp`, `pingreply`, `cseq`), each set, or with `-` cleared, or with `+` set;
    /// the list starts from none (so `bye` alone means only bye, `all,-bye` all but bye).
    pub fn parse(text: &str) -> Result<Behaviors, String> {
        let mut b = Behaviors::NONE;
        for token in text.split(',').map(str::trim) {
            if token == "none" {
                b = Behaviors::NONE;
                continue;
            }
            let (on, name) = match token.as_bytes().first() {
                Some(b'-') => (false, &token[1..]),
                Some(b'+') => (true, &token[1..]),
                _ => (true, token),
            };
            match name {
                "all" => b = if on { Behaviors::ALL } else { Behaviors::NONE },
                "bye" => b.bye = on,
                "abortunexp" => b.abortunexp = on,
                "pingreply" => b.pingreply = on,
                "cseq" => b.cseq = on,
                other => {
                    return Err(format!(
                        "unknown default behaviour \"{other}\"; supported: all, none, bye, abortunexp, pingreply, cseq \
                         (each may be prefixed with - or +)"
                    ))
                }
            }
        }
        Ok(b)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfOrder {
    Sequential,
    Random,
    User,
}

#[derive(Clone, Debug)]
pub struct Injection {
    pub order: InfOrder,
    pub lines: Vec<Vec<String>>,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let meta = file.metadata().map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let mut bytes = Vec::new();
    file.take(SIPP_FILE_MAX + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > SIPP_FILE_MAX {
        return Err(format!("{} is larger than {} MiB", path.display(), SIPP_FILE_MAX >> 20));
    }
    Ok(bytes)
}

/// `NAME = "VALUE"` pairs of a table (`keys = { home_domain = "example.com" }`).
fn string_map(v: &toml::de::DeValue) -> Result<Vec<(String, String)>, String> {
    let toml::de::DeValue::Table(t) = v else {
        return Err("expected a table of NAME = \"VALUE\" pairs, e.g. { home_domain = \"example.com\" }".into());
    };
    let mut out = Vec::new();
    for (k, v) in t.iter() {
        let name: &str = k.get_ref();
        match v.get_ref() {
            toml::de::DeValue::String(s) => out.push((name.to_string(), s.to_string())),
            _ => return Err(format!("the value of key {name} must be a string")),
        }
    }
    Ok(out)
}

/// A SIPp `-inf` file: its first line SEQUENTIAL, RANDOM or USER (options after a comma are
/// allowed), then lines of `;`-separated fields (`#` comments and blank lines skipped).
pub fn parse_inf(text: &str) -> Result<Injection, String> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    let order = match first.split(',').next().unwrap_or("").trim() {
        "SEQUENTIAL" => InfOrder::Sequential,
        "RANDOM" => InfOrder::Random,
        "USER" => InfOrder::User,
        other => return Err(format!("the first line must be SEQUENTIAL, RANDOM or USER, got \"{other}\"")),
    };
    let lines: Vec<Vec<String>> = lines
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect();
    if lines.is_empty() {
        return Err("no data lines after the first".into());
    }
    Ok(Injection { order, lines })
}

/// Reads one source's keys from `t`; `dir` is the scenario file's directory.
fn source(t: &Table, dir: &Path) -> Option<SippSource> {
    let scenario: String = t.req("scenario", &string)?;
    let keys = t.or("keys", Vec::new(), &string_map);
    let key_names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    let default_pause = t.or("default_pause", SimDuration::ZERO, &any_duration());
    let rate = t.or("rate", 10.0, &number_in(0.0, 1e6));
    let rate_period = t.or(
        "rate_period",
        SimDuration::from_secs(1),
        &duration_in(SimDuration::from_ms(1), SimDuration::from_secs(86_400)),
    );
    let rate_increase = t.opt("rate_increase", &number_in(0.0, 1e6));
    let rate_interval = t.or("rate_interval", SimDuration::from_secs(10), &positive_duration());
    let rate_max = t.opt("rate_max", &number_in(0.0, 1e6));
    let limit = t.or("limit", 10_000, &u64_in(1, 100_000_000));
    let max_calls = t.opt("max_calls", &u64_in(1, u32::MAX as u64));
    let users = t.opt("users", &u64_in(1, 1_000_000));
    let timeout = t.opt("timeout", &positive_duration());
    let recv_timeout = t.opt("recv_timeout", &duration_in(SimDuration::from_ms(1), SimDuration::from_secs(86_400)));
    let send_timeout = t.opt("send_timeout", &duration_in(SimDuration::from_ms(1), SimDuration::from_secs(86_400)));
    let behaviors = t.or("default_behaviors", Behaviors::ALL, &|v| string(v).and_then(|text| Behaviors::parse(&text)));
    let transport = t.or("transport", Transport { udp: true, one_socket: true }, &|v| {
        string(v).and_then(|text| Transport::parse(&text))
    });
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let xml_path = dir.join(&scenario);
    let compiled = read(&xml_path).map_err(|e| t.error("scenario", e)).ok().and_then(|bytes| {
        hasher.update(&bytes);
        crate::sipp::compile(&xml_path.display().to_string(), &bytes, &key_names)
            .map_err(|e| t.error("scenario", format!("the SIPp scenario does not compile:\n{e}")))
            .ok()
    });
    let roles = compiled.as_ref().and_then(|s| {
        crate::sipp::plan::roles(s)
            .map_err(|e| t.error("scenario", format!("cannot run {scenario}: {}", e.join("; "))))
            .ok()
    });
    let default_ms = default_pause.as_ns() / 1_000_000;
    let answer_after = match t.opt("callee", &string) {
        None => Some(SimDuration::ZERO),
        Some(callee) => {
            let path = dir.join(&callee);
            read(&path)
                .inspect(|b| hasher.update(b))
                .and_then(|b| {
                    crate::sipp::compile(&path.display().to_string(), &b, &key_names)
                        .map_err(|e| format!("the SIPp scenario does not compile:\n{e}"))
                })
                .and_then(|s| crate::sipp::plan::answer_delay_ms(&s, default_ms).map_err(|e| format!("{callee}: {e}")))
                .map(SimDuration::from_ms)
                .map_err(|e| t.error("callee", e))
                .ok()
        }
    };
    let inf = match t.opt("inf", &string) {
        None => Some(None),
        Some(f) => read(&dir.join(&f))
            .inspect(|b| hasher.update(b))
            .and_then(|b| parse_inf(&String::from_utf8_lossy(&b)).map_err(|e| format!("{f}: {e}")))
            .map_err(|e| t.error("inf", e))
            .ok()
            .map(Some),
    };
    let script = compiled?;
    // A call that takes no time would end and restart at the same instant forever.
    let waits = script.steps.iter().any(|st| match &st.kind {
        crate::sipp::script::StepKind::Pause { length: crate::sipp::script::PauseLength::Dist(d), .. } => {
            *d != crate::sipp::script::Distribution::Fixed(0.0)
        }
        _ => false,
    });
    if users.is_some() && !waits && !roles.as_ref().is_some_and(|r| r.contains(&Role::Recv)) {
        t.error(
            "users",
            "a closed loop needs a scenario that waits for a response (a <recv>) or a pause of fixed positive length: \
             each call ending starts the next",
        );
    }
    if let Some(Some(inj)) = &inf {
        if inj.order == InfOrder::User {
            // SIPp's USER order: user u (1-based, -users) reads line u - 1; without users
            // there is no user and no line [src sipp: infile.cpp].
            match users {
                None => {
                    t.error("inf", "USER order gives each -users user its own line: set users");
                }
                Some(u) if u as usize > inj.lines.len() => {
                    t.error(
                        "users",
                        format!("the USER-ordered injection file has {} data lines, yet {u} users", inj.lines.len()),
                    );
                }
                _ => {}
            }
        }
        // Fields are message text too: their keywords are checked like the scenario's.
        let bad = inj.lines.iter().enumerate().find_map(|(i, line)| {
            line.iter().enumerate().find_map(|(f, text)| {
                let problems = crate::sipp::check_injected(text, &key_names);
                (!problems.is_empty()).then(|| format!("data line {} field {f}: {}", i + 1, problems.join("; ")))
            })
        });
        if let Some(problem) = bad {
            t.error("inf", problem);
        }
        if let Some(short) = inj.lines.iter().position(|l| l.len() < script.fields_used) {
            t.error(
                "inf",
                format!(
                    "data line {} has {} fields; the scenario uses [field{}]",
                    short + 1,
                    inj.lines[short].len(),
                    script.fields_used - 1
                ),
            );
        }
    } else if script.fields_used > 0 && matches!(inf, Some(None)) {
        t.error(
            "scenario",
            format!("{scenario} uses [field{}]: give its injection file as inf", script.fields_used - 1),
        );
    }
    Some(SippSource {
        scenario,
        script: Arc::new(script),
        roles: Arc::new(roles?),
        answer_after: answer_after?,
        inf: inf?,
        rate,
        rate_period,
        rate_increase,
        rate_interval,
        rate_max,
        limit,
        max_calls,
        default_pause,
        keys,
        users,
        timeout,
        recv_timeout: recv_timeout.map(|d| (d.as_ns() / 1_000_000) as u32),
        send_timeout: send_timeout.map(|d| (d.as_ns() / 1_000_000) as u32),
        behaviors,
        transport,
        inputs_sha256: format!("{:x}", hasher.finalize()),
    })
}

/// `[load]` with `profile = "sipp"`: the keys after `profile`.
pub fn sipp_load(t: &Table, subscribers: u64) -> SippLoad {
    let dir: PathBuf = Path::new(&t.ctx().source.name).parent().map(Path::to_path_buf).unwrap_or_default();
    let preregistered = t.or("preregistered", true, &boolean);
    let mut sources = Vec::new();
    let inline = t.span_of("scenario").is_some();
    if inline {
        sources.extend(source(t, &dir));
    }
    let tables = t.tables("source");
    if tables.len() + inline as usize > SOURCES_MAX {
        t.error("source", format!("at most {SOURCES_MAX} sources are supported"));
    }
    if tables.is_empty() && !inline {
        t.error("scenario", "missing: a SIPp load needs scenario = \"FILE.xml\" or [[load.source]] tables");
    }
    for s in tables.into_iter().take(SOURCES_MAX) {
        sources.extend(source(&s, &dir));
        s.finish();
    }
    SippLoad { subscribers, preregistered, sources }
}
