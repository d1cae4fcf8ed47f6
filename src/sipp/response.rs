//! The text of a response the deployment sends back to a SIPp call, for the actions that
//! search it (`ereg` with `search_in` msg, hdr or body). Built from the request the call
//! last sent, as a UAS builds a response (RFC 3261 §8.2.6): the status line; the request's
//! `Via` lines, `From`, `Call-ID` and `CSeq` copied; its `To` copied with a tag added to any
//! response but a 100 when it had none (§8.2.6.2). Then what the response carries in a
//! Clearwater deployment:
//! - a 401 to REGISTER: Sprout's SIP digest challenge, `WWW-Authenticate: Digest` with the
//!   realm of the subscriber's authentication vector (here the domain of the request's `To`,
//!   else of its Request-URI), `algorithm=MD5`, a 16-character nonce and opaque, and the
//!   vector's qop, "auth" [src sprout: authentication.cpp];
//! - a 200 to REGISTER: each contact with its granted `expires` (what it asks, its own
//!   parameter else the `Expires` header, capped at the registrar's grant), the
//!   `Service-Route` of the S-CSCF with `lr` and `orig`, and a `P-Associated-URI` per
//!   associated identity (the model's subscribers have one, the `To`'s URI)
//!   [src sprout: registrarsproutlet.cpp] [doc 8.48];
//! - a 18x or 200 to INVITE: the `Record-Route` a UAS copies into its dialog-creating
//!   responses (RFC 3261 §12.1.1) — Sprout's and, with Bono at the edge, a Bono's on either
//!   side — and the callee's `Contact`; the 200 a minimal SDP answer.
//!
//! What the model does not know is written as a placeholder: host names (`scscf.sprout.D`,
//! `sprout.D`, `bono.D`, `callee.D` under the request's domain D), the SDP's address
//! (192.0.2.1, a documentation address). Tags, nonces and opaques are derived from the
//! call's number (the nonce from its CSeq too), so a run is reproducible. Headers the
//! request wrote empty (keywords the model does not render, such as `[local_ip]`) are copied
//! as they were rendered. Header names are written in their long form, the form a search
//! names (a compact `v:`, `f:`, `t:`, `i:` or `m:` in the request is copied long). Pure: no
//! state, no randomness.

use std::fmt::Write as _;

/// What the response is built from.
pub struct Reply<'a> {
    pub code: u16,
    /// The text of the request it answers, as the call rendered it (empty when the call
    /// sent none).
    pub request: &'a str,
    /// The request's method (that of the scenario's step).
    pub method: &'a str,
    /// `[call_number]`: the seed of the tag, nonce and opaque.
    pub call_number: u64,
    /// `[cseq]`: the CSeq written when the request has none.
    pub cseq: u64,
    /// The most the registrar grants a binding (`reg_max_expires`), in seconds: a contact
    /// asking less is granted what it asks, one asking nothing gets this.
    pub granted_expires_s: u32,
    /// Whether the caller's edge proxy is a Bono (it record-routes too).
    pub bono: bool,
}

/// The reason phrase written after a status code (RFC 3261 §21).
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        500 => "Server Internal Error",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        _ => "",
    }
}

/// The long name of a header name written in its compact form (RFC 3261 §7.3.3), else the
/// name as written.
fn long_name(name: &str) -> &str {
    match name {
        "v" | "V" => "Via",
        "f" | "F" => "From",
        "t" | "T" => "To",
        "i" | "I" => "Call-ID",
        "m" | "M" => "Contact",
        _ => name,
    }
}

/// The request's first line and its header lines (name in long form, value), up to the
/// first blank line. Leading blanks of each line (a scenario's indentation) are dropped.
fn parse(request: &str) -> (&str, Vec<(&str, &str)>) {
    let mut lines = request.lines().map(str::trim).skip_while(|l| l.is_empty());
    let first = lines.next().unwrap_or("");
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            Some((long_name(n.trim()), v.trim()))
        })
        .collect();
    (first, headers)
}

fn find<'r>(headers: &[(&str, &'r str)], name: &str) -> Option<&'r str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

/// The header parameters of a name-addr or addr-spec value (after `>` when there is one,
/// else after the URI's first `;`).
fn header_params(value: &str) -> &str {
    match value.rfind('>') {
        Some(i) => &value[i + 1..],
        None => value.find(';').map_or("", |i| &value[i..]),
    }
}

/// The value of header parameter `name` (`;name=value`), compared case-insensitively.
fn param<'v>(value: &'v str, name: &str) -> Option<&'v str> {
    header_params(value).split(';').skip(1).find_map(|p| {
        let (n, v) = p.split_once('=').unwrap_or((p, ""));
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The user and host of the first SIP URI in `text` (`sip:user@host…`); either may be empty.
fn user_host(text: &str) -> (&str, &str) {
    let lower = text.to_ascii_lowercase();
    let Some(at) = lower.find("sip:").map(|i| i + 4).or_else(|| lower.find("sips:").map(|i| i + 5)) else {
        return ("", "");
    };
    let uri = &text[at..];
    let end = uri.find(['>', ';', '?', ' ', ',']).unwrap_or(uri.len());
    let uri = &uri[..end];
    let (user, hostport) = uri.rsplit_once('@').unwrap_or(("", uri));
    let user = user.split(':').next().unwrap_or("");
    let host = match hostport.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => hostport.split(':').next().unwrap_or(""),
    };
    (user, host)
}

/// A 64-bit mix of `x` (SplitMix64's finaliser): well spread, deterministic.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The tag the answering side gives the call's dialog.
pub fn to_tag(call_number: u64) -> String {
    format!("{:08x}", mix(call_number) as u32)
}

/// A contact of a REGISTER with its `expires` parameter set to what is granted: the lesser
/// of what it asks (its own parameter, else the request's `Expires`) and `granted`.
/// `None` for a contact removed (asking 0) or the `*` of a removal of all.
fn granted_contact(contact: &str, expires: Option<&str>, granted: u32) -> Option<String> {
    if contact == "*" {
        return None;
    }
    let asked = param(contact, "expires").or(expires).and_then(|v| v.parse::<u32>().ok());
    let give = asked.map_or(granted, |a| a.min(granted));
    if give == 0 {
        return None;
    }
    // Drop the contact's own expires parameter, then write the granted one.
    let params_at = contact.len() - header_params(contact).len();
    let mut out = contact[..params_at].to_string();
    for p in header_params(contact).split(';').skip(1) {
        let n = p.split_once('=').map_or(p, |(n, _)| n);
        if !n.trim().eq_ignore_ascii_case("expires") {
            out.push(';');
            out.push_str(p);
        }
    }
    let _ = write!(out, ";expires={give}");
    Some(out)
}

/// The response text (header lines ended by CRLF, a blank line, then the body).
pub fn text(r: &Reply) -> String {
    let (request_line, headers) = parse(r.request);
    let method = request_line.split(' ').next().filter(|m| !m.is_empty() && *m != "SIP/2.0").unwrap_or(r.method);
    let to = find(&headers, "To");
    let domain = {
        let from_to = to.map_or("", |t| user_host(t).1);
        if from_to.is_empty() {
            user_host(request_line).1
        } else {
            from_to
        }
    };
    let mut out = String::with_capacity(r.request.len() + 256);
    let _ = write!(out, "SIP/2.0 {} {}\r\n", r.code, reason(r.code));
    for (_, v) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("Via")) {
        let _ = write!(out, "Via: {v}\r\n");
    }
    if let Some(from) = find(&headers, "From") {
        let _ = write!(out, "From: {from}\r\n");
    }
    if let Some(to) = to {
        if r.code > 100 && param(to, "tag").is_none() {
            let _ = write!(out, "To: {to};tag={}\r\n", to_tag(r.call_number));
        } else {
            let _ = write!(out, "To: {to}\r\n");
        }
    }
    match find(&headers, "Call-ID") {
        Some(id) => {
            let _ = write!(out, "Call-ID: {id}\r\n");
        }
        None => {
            let _ = write!(out, "Call-ID: {}///0-0@cwsim\r\n", r.call_number);
        }
    }
    match find(&headers, "CSeq") {
        Some(cseq) => {
            let _ = write!(out, "CSeq: {cseq}\r\n");
        }
        None => {
            let _ = write!(out, "CSeq: {} {method}\r\n", r.cseq);
        }
    }
    let mut body = String::new();
    match (method, r.code) {
        ("REGISTER", 401) => {
            // Sprout's SIP digest challenge (16 hex digits, as pj_create_random_string).
            let nonce = mix(r.call_number ^ mix(r.cseq));
            let opaque = mix(!r.call_number);
            let _ = write!(
                out,
                "WWW-Authenticate: Digest realm=\"{domain}\", nonce=\"{nonce:016x}\", opaque=\"{opaque:016x}\", \
                 algorithm=MD5, qop=\"auth\"\r\n"
            );
        }
        ("REGISTER", 200) => {
            let expires = find(&headers, "Expires");
            for (_, c) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("Contact")) {
                for contact in split_contacts(c) {
                    if let Some(g) = granted_contact(contact, expires, r.granted_expires_s) {
                        let _ = write!(out, "Contact: {g}\r\n");
                    }
                }
            }
            let _ = write!(out, "Service-Route: <sip:scscf.sprout.{domain}:5054;transport=TCP;lr;orig>\r\n");
            if let Some(to) = to {
                let uri = to.find('<').and_then(|i| to[i..].find('>').map(|j| &to[i..=i + j]));
                let _ = write!(out, "P-Associated-URI: {}\r\n", uri.unwrap_or(to));
            }
        }
        ("INVITE", 180..=200) => {
            // The callee's proxies first: the Record-Route a UAS copies (RFC 3261 §12.1.1).
            if r.bono {
                let _ = write!(out, "Record-Route: <sip:bono.{domain}:5058;transport=TCP;lr>\r\n");
            }
            let _ = write!(out, "Record-Route: <sip:sprout.{domain}:5054;transport=TCP;lr>\r\n");
            if r.bono {
                let _ = write!(out, "Record-Route: <sip:bono.{domain}:5060;transport=TCP;lr>\r\n");
            }
            let user = user_host(request_line).0;
            let _ = write!(out, "Contact: <sip:{user}@callee.{domain}:5060;transport=TCP>\r\n");
            if r.code == 200 {
                let _ = write!(
                    body,
                    "v=0\r\no=- {n} {n} IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
                     m=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
                    n = r.call_number
                );
                out.push_str("Content-Type: application/sdp\r\n");
            }
        }
        _ => {}
    }
    let _ = write!(out, "Content-Length: {}\r\n\r\n", body.len());
    out.push_str(&body);
    out
}

/// The contacts of one `Contact` line (several may be separated by commas outside `<…>`
/// and quotes).
fn split_contacts(line: &str) -> Vec<&str> {
    let (mut out, mut start, mut angle, mut quoted) = (Vec::new(), 0, false, false);
    for (i, ch) in line.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                out.push(line[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(line[start..].trim());
    out.retain(|c| !c.is_empty());
    out
}
