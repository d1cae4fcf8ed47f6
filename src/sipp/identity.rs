//! What a SIPp request's text decides in the deployment, read at send time from the message
//! as the send rendered it (`[$var]`, `[fieldN]` and `-key` keywords substituted): who sends
//! it, whom it is for, and how long a REGISTER asks its binding to last.
//!
//! - A REGISTER's subscriber is the user of its `To` URI (RFC 3261 §10.2: the address of
//!   record), else of its `From`.
//! - An INVITE's caller is the user of its `From` URI; its callee the user of its
//!   Request-URI, else of its `To`.
//! - A REGISTER's requested expiry is the `expires` parameter of its Contact, else its
//!   `Expires` header (RFC 3261 §10.2.1.1); 0 asks for the binding's removal.
//!
//! A user names one of the deployment's `n` subscribers by its number: the digits it ends
//! with, modulo `n`. A provisioned range of consecutive numbers (Clearwater's bulk
//! provisioning numbers subscribers from a base, e.g. 6505550000 up) lands on distinct
//! subscribers as long as it holds at most `n` numbers. A user without digits (SIPp's
//! `[service]`, the reference UAC's `sipp`) names no particular subscriber.

/// The user part of a SIP, SIPS or tel URI written in `value` (a header value or a
/// Request-URI: `Name <sip:user@host;p>;tag=x`, `<tel:+1650555>`, `sip:user@host`), if it
/// has one.
pub fn uri_user(value: &str) -> Option<&str> {
    let v = value.trim();
    // Name-addr form: the URI sits between angle brackets.
    let uri = match (v.find('<'), v.find('>')) {
        (Some(a), Some(b)) if a < b => &v[a + 1..b],
        // addr-spec: the URI runs to the first blank; its user part holds no `;` unless
        // it is a Request-URI (RFC 3261 §20: a URI with parameters needs brackets in a header).
        _ => v.split_whitespace().next().unwrap_or(""),
    };
    let scheme = |s: &str| uri.len() >= s.len() && uri.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes());
    if scheme("tel:") {
        return Some(uri[4..].split(';').next().unwrap_or("")).filter(|u| !u.is_empty());
    }
    let rest = if scheme("sips:") {
        &uri[5..]
    } else if scheme("sip:") {
        &uri[4..]
    } else {
        return None;
    };
    let (user, _host) = rest.split_once('@')?;
    // user;param (e.g. a phone-context) : the user is what comes before.
    Some(user.split(';').next().unwrap_or("")).filter(|u| !u.is_empty())
}

/// The number a user ends with (at most its last 18 digits), if it ends with a digit.
pub fn user_number(user: &str) -> Option<u64> {
    let digits = user.bytes().rev().take_while(u8::is_ascii_digit).take(18).count();
    if digits == 0 {
        return None;
    }
    user[user.len() - digits..].parse().ok()
}

/// The subscriber (0..n) a user names, if it names one.
pub fn subscriber(user: &str, n: u64) -> Option<u64> {
    user_number(user).filter(|_| n > 0).map(|x| x % n)
}

/// The lines of a request's header section that decide who it is for, found in one pass
/// (header names compare case-insensitively; compact forms `t`, `f`, `m` too; the first of
/// each counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Head<'m> {
    pub request_uri: Option<&'m str>,
    pub to: Option<&'m str>,
    pub from: Option<&'m str>,
    pub contact: Option<&'m str>,
    pub expires: Option<&'m str>,
}

impl<'m> Head<'m> {
    /// Reads `msg` from its first non-blank line (`METHOD URI SIP/2.0`) to the blank line
    /// that ends its headers.
    pub fn parse(msg: &'m str) -> Head<'m> {
        let mut head = Head::default();
        let mut lines = msg.split('\n');
        for line in lines.by_ref() {
            let line = line.trim();
            if !line.is_empty() {
                head.request_uri = line.split([' ', '\t']).filter(|w| !w.is_empty()).nth(1);
                break;
            }
        }
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                if line.trim().is_empty() {
                    break; // the end of the header section
                }
                continue;
            };
            let slot = match addressing(name) {
                Some(Addressing::To) => &mut head.to,
                Some(Addressing::From) => &mut head.from,
                Some(Addressing::Contact) => &mut head.contact,
                Some(Addressing::Expires) => &mut head.expires,
                None => continue,
            };
            if slot.is_none() {
                *slot = Some(value.trim());
            }
        }
        head
    }

    /// The subscriber a REGISTER registers: its address of record (`To`, else `From`).
    pub fn register_aor(&self, n: u64) -> Option<u64> {
        named(self.to, n).or_else(|| named(self.from, n))
    }

    /// The caller (`From`) and the callee (Request-URI, else `To`) of an INVITE.
    pub fn invite_parties(&self, n: u64) -> Parties {
        Parties { from: named(self.from, n), to: named(self.request_uri, n).or_else(|| named(self.to, n)) }
    }

    /// The binding lifetime a REGISTER asks for, in seconds: its Contact's `expires`
    /// parameter, else its `Expires` header; `None` when it states neither (the registrar's
    /// default applies) or writes something that is not a number.
    pub fn expires_s(&self) -> Option<u32> {
        let from_contact = self.contact.and_then(|c| {
            // Parameters after the URI (outside any angle brackets).
            let params = c.rsplit_once('>').map_or(c, |(_, p)| p);
            params.split(';').skip(1).find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim().eq_ignore_ascii_case("expires").then(|| v.trim().parse::<u32>().ok())?
            })
        });
        from_contact.or_else(|| self.expires.and_then(|v| v.parse::<u64>().ok()).map(clamp_u32))
    }
}

/// The headers that say who a request is for and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addressing {
    To,
    From,
    Contact,
    Expires,
}

/// Which of those a header `name` is (long or compact form, any case), if any.
pub fn addressing(name: &str) -> Option<Addressing> {
    let name = name.trim();
    // Most header lines are none of these: told apart by length and first letter first.
    let first = name.as_bytes().first().map_or(0, |b| b.to_ascii_lowercase());
    match (name.len(), first) {
        (1, b't') => Some(Addressing::To),
        (2, b't') if name.eq_ignore_ascii_case("To") => Some(Addressing::To),
        (1, b'f') => Some(Addressing::From),
        (4, b'f') if name.eq_ignore_ascii_case("From") => Some(Addressing::From),
        (1, b'm') => Some(Addressing::Contact),
        (7, b'c') if name.eq_ignore_ascii_case("Contact") => Some(Addressing::Contact),
        (7, b'e') if name.eq_ignore_ascii_case("Expires") => Some(Addressing::Expires),
        _ => None,
    }
}

fn named(value: Option<&str>, n: u64) -> Option<u64> {
    value.and_then(uri_user).and_then(|u| subscriber(u, n))
}

/// Who a request names: the sender's and the target's subscriber, each if its user has a
/// number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Parties {
    pub from: Option<u64>,
    pub to: Option<u64>,
}

fn clamp_u32(x: u64) -> u32 {
    x.min(u32::MAX as u64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_of_uris_as_rfc_3261_writes_them() {
        assert_eq!(uri_user("<sip:2010000000@example.com>;tag=1"), Some("2010000000"));
        assert_eq!(uri_user("Alice <sips:alice7@example.com;transport=tcp>"), Some("alice7"));
        assert_eq!(uri_user("sip:6505550001;phone-context=x@example.com;user=phone"), Some("6505550001"));
        assert_eq!(uri_user("<tel:+16505550002;npdi>"), Some("+16505550002"));
        assert_eq!(uri_user("sip:example.com"), None); // a REGISTER's Request-URI: no user
        assert_eq!(uri_user("sip:@:"), None); // keywords the model writes empty
        assert_eq!(uri_user("mailto:a@b"), None);
        assert_eq!(uri_user(""), None);
    }

    #[test]
    fn numbers_name_subscribers_modulo_the_population() {
        assert_eq!(user_number("2010000004"), Some(2_010_000_004));
        assert_eq!(user_number("user0012"), Some(12));
        assert_eq!(user_number("service"), None);
        // 25 digits: the last 18 are read (no overflow).
        assert_eq!(user_number("1234567890123456789012345"), Some(890_123_456_789_012_345));
        // 6505550000 = 1000 × 6505550: a base that is a multiple of n maps to 0 upward.
        assert_eq!(subscriber("6505550000", 1000), Some(0));
        assert_eq!(subscriber("6505550999", 1000), Some(999));
        // With n = 1500: 6505550000 − 1500 × 4337033 = 500, and 1000 numbers on stay distinct.
        assert_eq!(subscriber("6505550000", 1500), Some(500));
        assert_eq!(subscriber("6505550999", 1500), Some(1499)); // 500 + 999
        assert_eq!(subscriber("7", 0), None);
    }

    #[test]
    fn parties_and_expiry_of_requests() {
        let reg = "REGISTER sip:example.com SIP/2.0\r\nFrom: <sip:2010000002@example.com>;tag=a\r\n\
                   To: <sip:2010000002@example.com>\r\nContact: <sip:2010000002@10.0.0.1:5060>\r\n\
                   Expires: 300\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(Head::parse(reg).register_aor(2000), Some(2));
        assert_eq!(Head::parse(reg).expires_s(), Some(300));
        // The Contact's parameter wins over the header (RFC 3261 §10.2.1.1); compact forms.
        let dereg =
            "REGISTER sip:example.com SIP/2.0\nt: <sip:17@example.com>\nm: <sip:17@h>;expires=0\nExpires: 600\n\n";
        assert_eq!(Head::parse(dereg).register_aor(10), Some(7));
        assert_eq!(Head::parse(dereg).expires_s(), Some(0));
        assert_eq!(Head::parse("REGISTER sip:x SIP/2.0\r\nExpires: soon\r\n\r\n").expires_s(), None);
        let inv = "\r\n  INVITE sip:2010000003@example.com SIP/2.0\r\nFrom: sipp <sip:sipp@1.2.3.4>;tag=1\r\n\
                   To: <sip:2010000009@example.com>\r\n\r\nv=0\r\nTo: <sip:5@x>\r\n";
        assert_eq!(Head::parse(inv).invite_parties(2000), Parties { from: None, to: Some(3) });
        // No user in the Request-URI: the To header's.
        let inv = "INVITE sip:example.com SIP/2.0\r\nf: <sip:u4@x>\r\nTo: <sip:u9@example.com>\r\n\r\n";
        assert_eq!(Head::parse(inv).invite_parties(10), Parties { from: Some(4), to: Some(9) });
    }
}
