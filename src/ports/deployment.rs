//! A deployment for `cwsim ports`: which roles run how many nodes at which site, and which
//! optional features (a port table's conditions) are in use. From a Clearwater scenario, or
//! from a CSV file with the columns `site,role,nodes`; a row whose role is `feature:NAME`
//! (site and nodes empty) turns condition NAME on.

use super::csv_input::{read, InputError};
use super::table::Table;
use crate::scenario::{Scenario, Tier};

/// Nodes of one role at one site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub site: String,
    pub role: String,
    pub nodes: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deployment {
    /// Sites in the order given.
    pub sites: Vec<String>,
    pub groups: Vec<Group>,
    pub features: Vec<String>,
}

const COLUMNS: [(&str, bool); 3] = [("site", true), ("role", true), ("nodes", false)];
const MAX_NODES: u32 = 100_000;

impl Deployment {
    /// The deployment of a Clearwater scenario: its sites and tiers; `hss` when it has an
    /// external HSS.
    pub fn of_scenario(s: &Scenario) -> Deployment {
        let mut d = Deployment::default();
        for site in &s.sites {
            d.sites.push(site.name.clone());
            for tier in Tier::ALL {
                let nodes = site.tier(tier).nodes;
                if nodes > 0 {
                    d.groups.push(Group { site: site.name.clone(), role: tier.name().into(), nodes });
                }
            }
        }
        if s.network.hss.is_some() {
            d.features.push("hss".into());
        }
        d
    }

    /// Every role of `table` at one unnamed site, two nodes each (so that rules within a
    /// cluster show), every condition on: the whole table as rules between roles.
    pub fn whole_table(table: &Table) -> Deployment {
        Deployment {
            sites: vec![String::new()],
            groups: table.roles().into_iter().map(|role| Group { site: String::new(), role, nodes: 2 }).collect(),
            features: table.conditions(),
        }
    }

    /// Parses a deployment CSV against the roles and conditions of `table`. A row whose role
    /// is `feature:NAME` turns on condition NAME (site and nodes empty).
    pub fn parse(file: &str, text: &str, table: &Table) -> Result<Deployment, Vec<InputError>> {
        let roles = table.roles();
        let conditions = table.conditions();
        let mut d = Deployment::default();
        read(file, text, &COLUMNS, |r, errs| {
            let err = |m: String| InputError { file: file.into(), line: r.line, message: m };
            let (site, role, nodes) = (r.get("site"), r.get("role").to_ascii_lowercase(), r.get("nodes"));
            if let Some(feature) = role.strip_prefix("feature:") {
                if !conditions.iter().any(|c| c == feature) {
                    let valid = if conditions.is_empty() { "none".to_string() } else { conditions.join(", ") };
                    errs.push(err(format!(
                        "unknown feature \"{feature}\" for table {}; its conditions: {valid}",
                        table.name
                    )));
                } else if !d.features.iter().any(|f| f == feature) {
                    d.features.push(feature.to_string());
                }
                return;
            }
            if !roles.contains(&role) {
                errs.push(err(format!(
                    "unknown role \"{role}\" for table {}; its roles: {}",
                    table.name,
                    roles.join(", ")
                )));
                return;
            }
            if site.is_empty() || site.contains('@') || site.contains(',') {
                errs.push(err(format!("site \"{site}\": expected a name without '@' or ','")));
                return;
            }
            let n = match nodes.parse::<u32>() {
                Ok(n) if (1..=MAX_NODES).contains(&n) => n,
                _ => {
                    errs.push(err(format!("nodes \"{nodes}\": expected a whole number 1-{MAX_NODES}")));
                    return;
                }
            };
            if d.groups.iter().any(|g| g.site == site && g.role == role) {
                errs.push(err(format!("{role}@{site} given twice")));
                return;
            }
            if !d.sites.iter().any(|s| s == site) {
                d.sites.push(site.to_string());
            }
            d.groups.push(Group { site: site.to_string(), role, nodes: n });
        })?;
        if d.groups.is_empty() {
            return Err(vec![InputError { file: file.into(), line: 1, message: "the deployment has no nodes".into() }]);
        }
        Ok(d)
    }

    pub fn nodes(&self, site: &str, role: &str) -> u32 {
        self.groups.iter().find(|g| g.site == site && g.role == role).map_or(0, |g| g.nodes)
    }

    pub fn has(&self, feature: &str) -> bool {
        feature.is_empty() || self.features.iter().any(|f| f == feature)
    }
}
