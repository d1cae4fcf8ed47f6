//! Message text to pieces: literal text and `[keywords]`, found as SIPp's `SendingMessage`
//! finds them [src sipp: message.cpp] (a `]` inside double quotes does not close a keyword; a second `[` before the
//! `]` leaves the first one as text; `\xHH` is a byte; `+n`/`-n` offsets on numeric
//! keywords), except that `[authentication …]` is closed at its matching `]`, so its
//! parameters may themselves hold keywords.

use super::compile::Ctx;
use super::script::{Keyword, Message, Piece};

/// Keywords substituted from the simulated call.
const SIMPLE: &[(&str, Keyword)] = &[
    ("service", Keyword::Service),
    ("remote_ip", Keyword::RemoteIp),
    ("remote_port", Keyword::RemotePort),
    ("local_ip", Keyword::LocalIp),
    ("local_ip_type", Keyword::LocalIpType),
    ("local_port", Keyword::LocalPort),
    ("transport", Keyword::Transport),
    ("call_id", Keyword::CallId),
    ("call_number", Keyword::CallNumber),
    ("cseq", Keyword::Cseq),
    ("branch", Keyword::Branch),
    ("len", Keyword::Len),
    ("peer_tag_param", Keyword::PeerTagParam),
    ("routes", Keyword::Routes),
    ("next_url", Keyword::NextUrl),
    ("pid", Keyword::Pid),
    ("sipp_version", Keyword::SippVersion),
];

/// SIPp keywords accepted as carried text: they never decide what the simulation does.
const CARRIED: &[&str] = &[
    "media_ip",
    "media_port",
    "media_ip_type",
    "auto_media_port",
    "remote_host",
    "server_ip",
    "dynamic_id",
    "msg_index",
    "last_Request_URI",
    "last_cseq_number",
    "last_message",
    "users",
    "userid",
    "timestamp",
    "date",
    "clock_tick",
    "rtpstream_audio_port",
    "rtpstream_video_port",
];

/// SIPp keywords refused, with the reason.
fn refused(name: &str) -> Option<&'static str> {
    if name.starts_with("crypto") || name.starts_with("ueaescm") {
        Some("SRTP keys are not simulated")
    } else if name == "tdmmap" {
        Some("TDM circuit maps are not simulated")
    } else if name == "fill" || name.starts_with("fill ") {
        Some("[fill] is not supported")
    } else if name == "file" || name.starts_with("file ") {
        Some("[file] (message text from a file) is not supported")
    } else {
        None
    }
}

/// Parameters `[authentication …]` takes.
const AUTH_PARAMS: &[&str] = &["username", "password", "aka_K", "aka_OP", "aka_AMF"];

/// The supported keywords, for error messages.
pub fn supported() -> String {
    let mut names: Vec<&str> = SIMPLE.iter().map(|(n, _)| *n).collect();
    names.extend_from_slice(&["last_<Header>:", "fieldN", "$variable", "authentication …"]);
    names.extend_from_slice(CARRIED);
    format!("{}, and the load source's keys", names.join(", "))
}

/// Index of the next `c` in `s[from..]`, skipping text in double quotes (SIPp's
/// `quoted_strchr`: an unclosed quote runs to the end of the line).
fn quoted_find(s: &[u8], from: usize, c: u8) -> Option<usize> {
    let mut i = from;
    while i < s.len() {
        if s[i] == c {
            return Some(i);
        }
        if s[i] == b'"' {
            i += 1;
            while i < s.len() && s[i] != b'"' && s[i] != b'\n' {
                i += 1;
            }
            if i >= s.len() {
                return None;
            }
        }
        i += 1;
    }
    None
}

/// The `]` matching the `[` just before `from`, nested brackets counted, quotes skipped.
fn matching_close(s: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'"' => {
                i += 1;
                while i < s.len() && s[i] != b'"' {
                    i += 1;
                }
            }
            b'[' => depth += 1,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parses `text`, which starts at byte `base` of the file, for `construct`.
pub fn parse(text: &str, base: usize, construct: &str, ctx: &mut Ctx) -> Message {
    let s = text.as_bytes();
    let mut pieces = Vec::new();
    let mut lit: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && s.get(i + 1) == Some(&b'x') {
            i += 2;
            if let Some(h) = s.get(i).copied().and_then(hex) {
                let mut v = h;
                i += 1;
                if let Some(l) = s.get(i).copied().and_then(hex) {
                    v = (v << 4) | l;
                    i += 1;
                }
                lit.push(v);
            } else {
                i += 1;
            }
            continue;
        }
        if s[i] != b'[' {
            lit.push(s[i]);
            i += 1;
            continue;
        }
        let open = i;
        let is_auth = text[open + 1..].starts_with("authentication");
        let close = if is_auth { matching_close(s, open + 1) } else { quoted_find(s, open + 1, b']') };
        let next_open = quoted_find(s, open + 1, b'[');
        if !is_auth {
            if let (Some(n), Some(c)) = (next_open, close) {
                if n < c {
                    // SIPp keeps the text up to the second '[' and starts the keyword there.
                    lit.extend_from_slice(&s[open..n]);
                    i = n;
                    continue;
                }
            }
        }
        let span = base + open..base + close.map_or(s.len(), |c| c + 1);
        let Some(close) = close.filter(|c| *c > open + 1) else {
            ctx.errors.at(
                &span,
                construct,
                "a '[' opens a keyword that is never closed by ']' (write \\x5B for a literal '[')",
            );
            return Message(pieces);
        };
        if !lit.is_empty() {
            pieces.push(Piece::Literal(String::from_utf8_lossy(&lit).into_owned()));
            lit.clear();
        }
        let inner = &text[open + 1..close];
        if let Some(k) = keyword(inner, base + open + 1, &span, construct, ctx) {
            pieces.push(k);
        }
        i = close + 1;
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(String::from_utf8_lossy(&lit).into_owned()));
    }
    Message(pieces)
}

/// One keyword's text (between the brackets).
fn keyword(inner: &str, base: usize, span: &std::ops::Range<usize>, construct: &str, ctx: &mut Ctx) -> Option<Piece> {
    if inner.starts_with("authentication") {
        return authentication(inner, base, span, construct, ctx);
    }
    let mut word = inner;
    let mut offset = 0i32;
    if let Some(at) = inner.find(['+', '-']).filter(|at| !inner[..*at].contains(' ')) {
        let rest = &inner[at + 1..];
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            let n: i32 = digits.parse().unwrap_or(i32::MAX);
            offset = if inner.as_bytes()[at] == b'-' { -n } else { n };
            word = &inner[..at];
        }
    }
    let name = word.split(' ').next().unwrap_or("");
    let keyword = if let Some((_, k)) = SIMPLE.iter().find(|(n, _)| *n == name) {
        k.clone()
    } else if CARRIED.contains(&name) {
        Keyword::Carried(name.to_string())
    } else if let Some(why) = refused(name) {
        ctx.errors.at(span, construct, format!("unsupported keyword [{name}]: {why}"));
        return None;
    } else if let Some(n) = name.strip_prefix("field") {
        field(n, word, base, span, construct, ctx)?
    } else if let Some(var) = name.strip_prefix('$') {
        if var.is_empty() {
            ctx.errors.at(span, construct, "[$] names no variable");
            return None;
        }
        Keyword::Var(ctx.var(var))
    } else if let Some(h) = name.strip_prefix("last_") {
        if h.is_empty() {
            ctx.errors.at(span, construct, "[last_] names no header (e.g. [last_Via:])");
            return None;
        }
        Keyword::Last(h.to_string())
    } else if ctx.keys.iter().any(|k| k == name) {
        ctx.keys_used.insert(name.to_string());
        Keyword::Key(name.to_string())
    } else {
        ctx.errors.at(
            span,
            construct,
            format!(
                "unknown keyword [{name}]: not a SIPp keyword nor one of the load source's keys (a -key keyword is \
                 declared in [load] keys, or with --key NAME to `cwsim sipp check`); supported: {}",
                supported()
            ),
        );
        return None;
    };
    Some(Piece::Keyword { keyword, offset })
}

/// `[fieldN]`, `[fieldN file="f.csv"]`, `[fieldN line=2]`.
fn field(
    n: &str,
    word: &str,
    base: usize,
    span: &std::ops::Range<usize>,
    construct: &str,
    ctx: &mut Ctx,
) -> Option<Keyword> {
    let Ok(n) = n.parse::<u16>() else {
        ctx.errors.at(span, construct, format!("[field{n}]: the field number must be 0 to 65535"));
        return None;
    };
    ctx.fields_used = ctx.fields_used.max(n as usize + 1);
    let params = params(word.get(word.find(' ').unwrap_or(word.len())..).unwrap_or(""));
    let mut file = None;
    let mut line = None;
    for (k, v, at) in params {
        match k.as_str() {
            "file" => file = Some(v),
            "line" if ctx.depth < 4 => {
                ctx.depth += 1;
                line = Some(Box::new(parse(&v, base + at, construct, ctx)));
                ctx.depth -= 1;
            }
            _ => ctx.errors.at(span, construct, format!("[field{n}]: unknown parameter {k}; supported: file, line")),
        }
    }
    Some(Keyword::Field { n, file, line })
}

/// `name=value` parameters separated by spaces; values may be quoted or hold bracketed
/// keywords. Returns (name, value, offset of the value in `text`).
fn params(text: &str) -> Vec<(String, String, usize)> {
    let s = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        while i < s.len() && s[i] == b' ' {
            i += 1;
        }
        let k0 = i;
        while i < s.len() && s[i] != b'=' && s[i] != b' ' {
            i += 1;
        }
        let key = text[k0..i].to_string();
        if i >= s.len() || s[i] != b'=' {
            if !key.is_empty() {
                out.push((key, String::new(), i));
            }
            continue;
        }
        i += 1;
        let (v0, v1, next) = if s.get(i) == Some(&b'"') {
            let end = s[i + 1..].iter().position(|b| *b == b'"').map_or(s.len(), |p| i + 1 + p);
            (i + 1, end, end + 1)
        } else {
            let mut depth = 0usize;
            let mut j = i;
            while j < s.len() && (depth > 0 || s[j] != b' ') {
                match s[j] {
                    b'[' => depth += 1,
                    b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                j += 1;
            }
            (i, j, j)
        };
        out.push((key, text[v0..v1].to_string(), v0));
        i = next;
    }
    out
}

fn authentication(
    inner: &str,
    base: usize,
    span: &std::ops::Range<usize>,
    construct: &str,
    ctx: &mut Ctx,
) -> Option<Piece> {
    let rest = &inner["authentication".len()..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        ctx.errors.at(span, construct, format!("unknown keyword [{inner}]; did you mean [authentication …]?"));
        return None;
    }
    if ctx.depth >= 4 {
        ctx.errors.at(span, construct, "[authentication] nested more than 4 deep");
        return None;
    }
    let at0 = base + "authentication".len();
    let mut out = Vec::new();
    for (k, v, at) in params(rest) {
        if !AUTH_PARAMS.contains(&k.as_str()) {
            ctx.errors.at(
                span,
                construct,
                format!("[authentication]: unknown parameter {k}; supported: {}", AUTH_PARAMS.join(", ")),
            );
            continue;
        }
        ctx.depth += 1;
        let value = parse(&v, at0 + at, construct, ctx);
        ctx.depth -= 1;
        out.push((k, value));
    }
    Some(Piece::Keyword { keyword: Keyword::Authentication(out), offset: 0 })
}

impl Message {
    /// The literal text before the first keyword (the start of the first line).
    pub fn literal_prefix(&self) -> &str {
        match self.0.first() {
            Some(Piece::Literal(s)) => s,
            _ => "",
        }
    }

    /// The keywords used, in order (nested ones included).
    pub fn keywords(&self) -> Vec<&Keyword> {
        let mut out = Vec::new();
        for p in &self.0 {
            if let Piece::Keyword { keyword, .. } = p {
                out.push(keyword);
                match keyword {
                    Keyword::Authentication(ps) => ps.iter().for_each(|(_, m)| out.extend(m.keywords())),
                    Keyword::Field { line: Some(m), .. } => out.extend(m.keywords()),
                    _ => {}
                }
            }
        }
        out
    }
}
