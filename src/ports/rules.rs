//! The firewall rules a deployment needs: every row of a port table in force (its era, its
//! condition) expanded over the deployment's sites and roles.

use super::deployment::Deployment;
use super::table::{Direction, Ports, Proto, Row, Scope, Table, ALL, WORLD};
use std::fmt;

/// One end of a rule: a role at a site, a role at any site (`site` empty), `all` nodes of a
/// site, the world, or a system outside the deployment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    pub role: String,
    pub site: String,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.site.is_empty() {
            write!(f, "{}", self.role)
        } else {
            write!(f, "{}@{}", self.role, self.site)
        }
    }
}

impl Endpoint {
    fn new(role: &str, site: &str) -> Endpoint {
        Endpoint { role: role.to_string(), site: site.to_string() }
    }

    /// Parses `role`, `role@site`, `world`, `any`.
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let bad = || format!("endpoint \"{text}\": expected role, role@site, all@site, world or any");
        let (role, site) = text.split_once('@').unwrap_or((text, ""));
        let ok = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if role.is_empty() || !ok(role) || !ok(site) || (text.contains('@') && site.is_empty()) {
            return Err(bad());
        }
        Ok(Endpoint::new(&role.to_ascii_lowercase(), site))
    }

    /// Whether this endpoint, as written in a rule set, admits every address of `target`.
    pub fn covers(&self, target: &Endpoint) -> bool {
        if self.role == "any" && self.site.is_empty() {
            return true;
        }
        let site_ok = self.site.is_empty() || self.site == target.site;
        let role_ok = self.role == target.role || (self.role == ALL && target.role != WORLD && !target.site.is_empty());
        site_ok && role_ok
    }

    /// Whether this endpoint and `target` have an address in common.
    pub fn overlaps(&self, target: &Endpoint) -> bool {
        self.covers(target) || target.covers(self)
    }
}

/// A rule a deployment needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub source: Endpoint,
    pub destination: Endpoint,
    pub protocol: Proto,
    pub ports: Option<Ports>,
    pub purpose: String,
    /// The table's sections that call for it.
    pub section: String,
}

impl Rule {
    pub fn port_text(&self) -> String {
        self.ports.map_or(String::new(), |p| p.to_string())
    }
}

/// The (role, site) endpoints a row's name stands for in `d` at `site` ("" = any site of d).
fn ends(d: &Deployment, name: &str, scope: Scope, is_peer: bool) -> Vec<Endpoint> {
    if is_peer && (scope == Scope::External || name == WORLD) {
        return vec![Endpoint::new(name, "")];
    }
    let mut out = Vec::new();
    for site in &d.sites {
        let present = if name == ALL { d.groups.iter().any(|g| &g.site == site) } else { d.nodes(site, name) > 0 };
        if present {
            out.push(Endpoint::new(name, site));
        }
    }
    out
}

fn expand(d: &Deployment, row: &Row, out: &mut Vec<Rule>) {
    for role in &row.roles {
        for peer in &row.peers {
            for r in ends(d, role, row.scope, false) {
                for p in ends(d, peer, row.scope, true) {
                    if !p.site.is_empty() {
                        if row.scope == Scope::Site && p.site != r.site {
                            continue;
                        }
                        // A cluster talking to itself needs the rule only with two members.
                        if r == p && role != ALL && d.nodes(&r.site, role) < 2 {
                            continue;
                        }
                    }
                    let (source, destination) = match row.direction {
                        Direction::In => (p, r.clone()),
                        Direction::Out => (r.clone(), p),
                    };
                    let purpose = if row.condition.is_empty() {
                        row.purpose.clone()
                    } else {
                        format!("{} (if {})", row.purpose, row.condition)
                    };
                    out.push(Rule {
                        source,
                        destination,
                        protocol: row.protocol,
                        ports: row.ports,
                        purpose,
                        section: row.section.clone(),
                    });
                }
            }
        }
    }
}

/// The rules `d` needs from `table` in `era` (`None`: every row), one per (source,
/// destination, protocol, ports), in table order; rows asking for the same rule merge their
/// purposes and sections.
pub fn required(table: &Table, era: Option<&str>, d: &Deployment) -> Vec<Rule> {
    let mut all = Vec::new();
    for row in table.rows_in(era).filter(|r| d.has(&r.condition)) {
        expand(d, row, &mut all);
    }
    let mut out: Vec<Rule> = Vec::new();
    for rule in all {
        match out.iter_mut().find(|o| {
            o.source == rule.source
                && o.destination == rule.destination
                && o.protocol == rule.protocol
                && o.ports == rule.ports
        }) {
            Some(o) => {
                if !o.purpose.split("; ").any(|p| p == rule.purpose) {
                    o.purpose = format!("{}; {}", o.purpose, rule.purpose);
                }
                if !o.section.split("; ").any(|s| s == rule.section) {
                    o.section = format!("{}; {}", o.section, rule.section);
                }
            }
            None => out.push(rule),
        }
    }
    out
}
