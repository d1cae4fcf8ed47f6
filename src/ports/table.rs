//! A port table as data: one row per port a role must have open, transcribed from a vendor's
//! port table and citing its section. Read from CSV with the columns of [`COLUMNS`].
//!
//! `role` and `peer` name roles of the table; either may list several joined by `+`
//! (`acd-lb+acd-store`). `peer` may also be `world` (any address), `all` (every role of the
//! deployment) or the name of a system outside the deployment (`scope = external`). `role`
//! may be `all`. `direction` is `in` (the peer opens connections to the role's port) or `out`
//! (the role opens them to the peer's port). `scope` is `site` (within a site), `sites`
//! (within and between sites) or `external`. `era` is empty (every era) or the era's name;
//! `condition` is empty (always needed) or the deployment feature that needs the row.
//! A line `#! default_era = NAME` names the era used when none is asked for.

use super::csv_input::{read, InputError};
use std::fmt;

pub const COLUMNS: [(&str, bool); 10] = [
    ("role", true),
    ("peer", true),
    ("protocol", true),
    ("port", true),
    ("direction", true),
    ("scope", true),
    ("purpose", true),
    ("section", true),
    ("era", false),
    ("condition", false),
];

/// Peer names with a meaning of their own.
pub const WORLD: &str = "world";
pub const ALL: &str = "all";

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    /// Another IP protocol, by number (IPSec AH is 51).
    Ip(u8),
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proto::Tcp => write!(f, "TCP"),
            Proto::Udp => write!(f, "UDP"),
            Proto::Icmp => write!(f, "ICMP"),
            Proto::Ip(n) => write!(f, "{n}"),
        }
    }
}

impl Proto {
    pub fn parse(text: &str) -> Result<Proto, String> {
        match text.to_ascii_uppercase().as_str() {
            "TCP" => Ok(Proto::Tcp),
            "UDP" => Ok(Proto::Udp),
            "ICMP" => Ok(Proto::Icmp),
            other => other
                .parse::<u8>()
                .map(Proto::Ip)
                .map_err(|_| format!("protocol \"{text}\": expected TCP, UDP, ICMP or an IP protocol number 0-255")),
        }
    }

    /// Whether the protocol has ports.
    pub fn has_ports(self) -> bool {
        matches!(self, Proto::Tcp | Proto::Udp)
    }
}

/// An inclusive port range; one port is `lo == hi`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ports {
    pub lo: u16,
    pub hi: u16,
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

impl Ports {
    /// `N` or `N-M` (1 ≤ N ≤ M ≤ 65535).
    pub fn parse(text: &str) -> Result<Ports, String> {
        let bad = || format!("port \"{text}\": expected a port 1-65535 or a range such as 32768-65535");
        let one = |s: &str| s.trim().parse::<u16>().ok().filter(|&p| p > 0);
        let (lo, hi) = match text.split_once('-') {
            Some((a, b)) => (one(a).ok_or_else(bad)?, one(b).ok_or_else(bad)?),
            None => {
                let p = one(text).ok_or_else(bad)?;
                (p, p)
            }
        };
        if lo > hi {
            return Err(format!("port range \"{text}\" runs backwards"));
        }
        Ok(Ports { lo, hi })
    }

    pub fn count(self) -> u32 {
        u32::from(self.hi) - u32::from(self.lo) + 1
    }

    pub fn contains(self, other: Ports) -> bool {
        self.lo <= other.lo && other.hi <= self.hi
    }

    pub fn overlaps(self, other: Ports) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Site,
    Sites,
    External,
}

/// One row of a port table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub roles: Vec<String>,
    pub peers: Vec<String>,
    pub protocol: Proto,
    /// `None` for a protocol without ports.
    pub ports: Option<Ports>,
    pub direction: Direction,
    pub scope: Scope,
    pub purpose: String,
    pub section: String,
    pub era: String,
    pub condition: String,
}

/// A port table: its rows, the roles they name, its eras.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub rows: Vec<Row>,
    pub default_era: Option<String>,
}

fn names(text: &str, what: &str) -> Result<Vec<String>, String> {
    let list: Vec<String> = text.split('+').map(|s| s.trim().to_ascii_lowercase()).collect();
    for n in &list {
        if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(format!(
                "{what} \"{text}\": expected names of letters, digits, '-', '_' or '.', joined by '+'"
            ));
        }
    }
    Ok(list)
}

fn word(text: &str, what: &str) -> Result<String, String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    names(text, what).and_then(|l| if l.len() == 1 { Ok(l[0].clone()) } else { Err(format!("{what}: one name")) })
}

impl Table {
    /// Parses a table; `file` names it in errors.
    pub fn parse(name: &str, file: &str, text: &str) -> Result<Table, Vec<InputError>> {
        let mut default_era = None;
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let Some(directive) = line.trim().strip_prefix("#!") else { continue };
            let err = |m: String| InputError { file: file.into(), line: i as u64 + 1, message: m };
            match directive.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                Some(("default_era", v)) if !v.is_empty() => default_era = Some(v.to_ascii_lowercase()),
                _ => errors.push(err(format!("unknown directive \"{}\"; expected #! default_era = NAME", line.trim()))),
            }
        }
        let mut rows = Vec::new();
        let result = read(file, text, &COLUMNS, |r, errs| {
            let mut problems = Vec::new();
            let mut take = |res: Result<(), String>| {
                if let Err(m) = res {
                    problems.push(m);
                }
            };
            let roles = names(r.get("role"), "role");
            let peers = names(r.get("peer"), "peer");
            let protocol = Proto::parse(r.get("protocol"));
            let port = r.get("port");
            let ports = match &protocol {
                Ok(p) if p.has_ports() => Ports::parse(port).map(Some),
                Ok(p) if !port.is_empty() => Err(format!("protocol {p} has no ports; leave port empty")),
                _ => Ok(None),
            };
            let direction = match r.get("direction") {
                "in" => Ok(Direction::In),
                "out" => Ok(Direction::Out),
                d => Err(format!("direction \"{d}\": expected in or out")),
            };
            let scope = match r.get("scope") {
                "site" => Ok(Scope::Site),
                "sites" => Ok(Scope::Sites),
                "external" => Ok(Scope::External),
                s => Err(format!("scope \"{s}\": expected site, sites or external")),
            };
            let era = word(r.get("era"), "era");
            let condition = word(r.get("condition"), "condition");
            for (col, v) in [("purpose", r.get("purpose")), ("section", r.get("section"))] {
                take(if v.is_empty() { Err(format!("{col} is empty")) } else { Ok(()) });
            }
            take(roles.as_ref().map(|_| ()).map_err(Clone::clone));
            take(peers.as_ref().map(|_| ()).map_err(Clone::clone));
            if let (Ok(rs), Ok(_)) = (&roles, &peers) {
                if rs.iter().any(|r| r == WORLD) {
                    take(Err("role \"world\": the world is a peer, not a role".into()));
                }
            }
            take(protocol.as_ref().map(|_| ()).map_err(Clone::clone));
            take(ports.as_ref().map(|_| ()).map_err(Clone::clone));
            take(direction.as_ref().map(|_| ()).map_err(Clone::clone));
            take(scope.as_ref().map(|_| ()).map_err(Clone::clone));
            take(era.as_ref().map(|_| ()).map_err(Clone::clone));
            take(condition.as_ref().map(|_| ()).map_err(Clone::clone));
            if problems.is_empty() {
                rows.push(Row {
                    line: r.line,
                    roles: roles.unwrap_or_default(),
                    peers: peers.unwrap_or_default(),
                    protocol: protocol.unwrap_or(Proto::Tcp),
                    ports: ports.unwrap_or(None),
                    direction: direction.unwrap_or(Direction::In),
                    scope: scope.unwrap_or(Scope::Site),
                    purpose: r.get("purpose").to_string(),
                    section: r.get("section").to_string(),
                    era: era.unwrap_or_default(),
                    condition: condition.unwrap_or_default(),
                });
            }
            for m in problems {
                errs.push(InputError { file: file.into(), line: r.line, message: m });
            }
        });
        if let Err(e) = result {
            errors.extend(e);
        }
        let table = Table { name: name.to_string(), rows, default_era };
        if errors.is_empty() && table.rows.is_empty() {
            errors.push(InputError { file: file.into(), line: 1, message: "the table has no rows".into() });
        }
        if let Some(era) = &table.default_era {
            if !table.eras().contains(era) {
                errors.push(InputError {
                    file: file.into(),
                    line: 1,
                    message: format!("default era \"{era}\" is not the era of any row"),
                });
            }
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            errors.sort_by_key(|e| e.line);
            Err(errors)
        }
    }

    /// The eras the rows name, sorted.
    pub fn eras(&self) -> Vec<String> {
        let mut v: Vec<String> = self.rows.iter().filter(|r| !r.era.is_empty()).map(|r| r.era.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The conditions the rows name, sorted.
    pub fn conditions(&self) -> Vec<String> {
        let mut v: Vec<String> =
            self.rows.iter().filter(|r| !r.condition.is_empty()).map(|r| r.condition.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The roles of the table (roles and peers that are not the world, `all` or external
    /// systems), sorted.
    pub fn roles(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in &self.rows {
            v.extend(r.roles.iter().cloned());
            if r.scope != Scope::External {
                v.extend(r.peers.iter().cloned());
            }
        }
        v.retain(|n| n != ALL && n != WORLD);
        v.sort();
        v.dedup();
        v
    }

    /// The era to use: `asked`, else the table's default, else every row's era (`None`).
    pub fn era(&self, asked: Option<&str>) -> Result<Option<String>, String> {
        match asked {
            Some(e) if self.eras().iter().any(|x| x == e) => Ok(Some(e.to_string())),
            Some(e) if self.eras().is_empty() => Err(format!("\"{e}\": table {} has no eras", self.name)),
            Some(e) => Err(format!("\"{e}\": table {} has eras {}", self.name, self.eras().join(", "))),
            None => Ok(self.default_era.clone()),
        }
    }

    /// The rows in force in `era` (`None`: every row).
    pub fn rows_in<'a>(&'a self, era: Option<&'a str>) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows.iter().filter(move |r| r.era.is_empty() || era.is_none_or(|e| r.era == e))
    }
}
