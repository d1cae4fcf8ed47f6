//! Auditing an existing rule set against what a port table requires: missing rules (and
//! what breaks without them), superfluous rules, port ranges wider than needed, and
//! conflicts (a deny rule over a required, allowed flow).
//!
//! A rule set is CSV with the columns `source,destination,protocol,port` and optionally
//! `action` (`allow`, the default, or `deny`) and `comment`. Endpoints are `role@site`,
//! `role` (every site), `all@site` (every node of a site), `world`, an external system's
//! name or `any`; protocol `TCP`, `UDP`, `ICMP`, an IP protocol number or `any`; port a port,
//! a range `N-M`, or empty (every port).

use super::csv_input::{read, InputError};
use super::rules::{Endpoint, Rule};
use super::table::{Ports, Proto};

const COLUMNS: [(&str, bool); 6] = [
    ("source", true),
    ("destination", true),
    ("protocol", true),
    ("port", true),
    ("action", false),
    ("comment", false),
];

/// A rule of the audited set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub line: u64,
    pub source: Endpoint,
    pub destination: Endpoint,
    /// `None`: any protocol.
    pub protocol: Option<Proto>,
    /// `None`: every port.
    pub ports: Option<Ports>,
    pub allow: bool,
}

impl Given {
    pub fn text(&self) -> String {
        let proto = self.protocol.map_or("any".to_string(), |p| p.to_string());
        let port = self.ports.map_or("*".to_string(), |p| p.to_string());
        let action = if self.allow { "allow" } else { "deny" };
        format!("{action} {} -> {} {proto}/{port}", self.source, self.destination)
    }

    fn protocol_matches(&self, r: &Rule) -> bool {
        self.protocol.is_none_or(|p| p == r.protocol)
    }

    fn ports_cover(&self, r: &Rule) -> bool {
        match (self.ports, r.ports) {
            (None, _) => true,
            (Some(g), Some(p)) => g.contains(p),
            (Some(_), None) => false,
        }
    }

    fn ports_overlap(&self, r: &Rule) -> bool {
        match (self.ports, r.ports) {
            (Some(g), Some(p)) => g.overlaps(p),
            (Some(_), None) => false,
            (None, _) => true,
        }
    }

    /// Whether this rule admits the whole of `r`.
    pub fn covers(&self, r: &Rule) -> bool {
        self.source.covers(&r.source)
            && self.destination.covers(&r.destination)
            && self.protocol_matches(r)
            && self.ports_cover(r)
    }

    /// Whether this rule touches part of `r`.
    pub fn overlaps(&self, r: &Rule) -> bool {
        self.source.overlaps(&r.source)
            && self.destination.overlaps(&r.destination)
            && self.protocol_matches(r)
            && self.ports_overlap(r)
    }
}

/// Parses a rule set.
pub fn parse_rules(file: &str, text: &str) -> Result<Vec<Given>, Vec<InputError>> {
    let mut out = Vec::new();
    read(file, text, &COLUMNS, |r, errs| {
        let mut err = |m: String| errs.push(InputError { file: file.into(), line: r.line, message: m });
        let source = Endpoint::parse(r.get("source"));
        let destination = Endpoint::parse(r.get("destination"));
        let protocol = match r.get("protocol") {
            p if p.eq_ignore_ascii_case("any") => Ok(None),
            p => Proto::parse(p).map(Some),
        };
        let port = r.get("port");
        let ports = if port.is_empty() || port == "*" { Ok(None) } else { Ports::parse(port).map(Some) };
        let allow = match r.get("action").to_ascii_lowercase().as_str() {
            "" | "allow" | "accept" => Ok(true),
            "deny" | "drop" | "reject" => Ok(false),
            a => Err(format!("action \"{a}\": expected allow or deny")),
        };
        if let Ok(Some(p)) = &protocol {
            if !p.has_ports() && matches!(ports, Ok(Some(_))) {
                err(format!("protocol {p} has no ports; leave port empty"));
                return;
            }
        }
        match (source, destination, protocol, ports, allow) {
            (Ok(source), Ok(destination), Ok(protocol), Ok(ports), Ok(allow)) => {
                out.push(Given { line: r.line, source, destination, protocol, ports, allow })
            }
            (s, d, p, q, a) => {
                for m in [s.err(), d.err(), p.err(), q.err(), a.err()].into_iter().flatten() {
                    err(m);
                }
            }
        }
    })?;
    Ok(out)
}

/// One problem found by an audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A required rule no allow rule covers; `denied_by`: the deny rules over it.
    Missing { rule: Rule, partly: Vec<u64> },
    /// An allow rule that admits no required flow.
    Superfluous { given: Given },
    /// An allow rule whose port range is wider than the required ports it admits.
    TooWide { given: Given, needed: Vec<Ports> },
    /// A required flow both allowed and denied.
    Conflict { rule: Rule, allowed: Vec<u64>, denied: Vec<u64> },
}

impl Finding {
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::Missing { .. } => "missing",
            Finding::Superfluous { .. } => "superfluous",
            Finding::TooWide { .. } => "too-wide",
            Finding::Conflict { .. } => "conflict",
        }
    }
}

/// Compares `given` with `required`.
pub fn audit(required: &[Rule], given: &[Given]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for r in required {
        let allowed: Vec<u64> = given.iter().filter(|g| g.allow && g.covers(r)).map(|g| g.line).collect();
        let denied: Vec<u64> = given.iter().filter(|g| !g.allow && g.overlaps(r)).map(|g| g.line).collect();
        if allowed.is_empty() {
            let partly: Vec<u64> = given.iter().filter(|g| g.overlaps(r)).map(|g| g.line).collect();
            findings.push(Finding::Missing { rule: r.clone(), partly });
        } else if !denied.is_empty() {
            findings.push(Finding::Conflict { rule: r.clone(), allowed, denied });
        }
    }
    for g in given.iter().filter(|g| g.allow) {
        let touched: Vec<&Rule> = required.iter().filter(|r| g.overlaps(r)).collect();
        if touched.is_empty() {
            findings.push(Finding::Superfluous { given: g.clone() });
            continue;
        }
        let Some(range) =
            g.ports.or(Some(Ports { lo: 1, hi: 65535 })).filter(|_| g.protocol.is_none_or(Proto::has_ports))
        else {
            continue;
        };
        let mut needed: Vec<Ports> = touched
            .iter()
            .filter_map(|r| r.ports)
            .filter(|p| p.overlaps(range))
            .map(|p| Ports { lo: p.lo.max(range.lo), hi: p.hi.min(range.hi) })
            .collect();
        needed.sort();
        let mut merged: Vec<Ports> = Vec::new();
        for p in needed {
            match merged.last_mut() {
                Some(m) if u32::from(p.lo) <= u32::from(m.hi) + 1 => m.hi = m.hi.max(p.hi),
                _ => merged.push(p),
            }
        }
        let used: u32 = merged.iter().map(|p| p.count()).sum();
        if used < range.count() && !merged.is_empty() {
            findings.push(Finding::TooWide { given: g.clone(), needed: merged });
        }
    }
    findings
}
