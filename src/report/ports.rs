//! `cwsim ports`: the firewall rules a scenario's deployment needs, from Clearwater's port
//! table (network/ports.rs): every inter-node interface whose two roles exist, within each
//! site and — for the interfaces geographic redundancy uses — between the sites; the
//! world-facing Bono ports; the management ports.

use crate::network::ports::{Interface, Protocol, INTERFACES, MANAGEMENT, UE_TO_BONO};
use crate::scenario::{Scenario, Tier};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub source: String,
    pub destination: String,
    pub protocol: Protocol,
    pub port: String,
    pub purpose: &'static str,
}

fn present(s: &Scenario, site: usize, tier: Tier) -> bool {
    s.sites[site].tier(tier).nodes > 0
}

fn needed(s: &Scenario, i: &Interface) -> bool {
    // Homestead calls Sprout back only to terminate registrations on behalf of an HSS.
    !(i.port == 9888 && s.network.hss.is_none())
}

pub fn firewall_rules(s: &Scenario) -> Vec<Rule> {
    let mut rules = Vec::new();
    let at = |tier: Tier, site: usize| format!("{}@{}", tier.name(), s.sites[site].name);
    for site in 0..s.sites.len() {
        if present(s, site, Tier::Bono) {
            for (protocol, port, purpose) in UE_TO_BONO {
                rules.push(Rule {
                    source: "world".into(),
                    destination: at(Tier::Bono, site),
                    protocol,
                    port: port.into(),
                    purpose,
                });
            }
        }
    }
    for i in INTERFACES.iter().filter(|i| needed(s, i)) {
        for from in 0..s.sites.len() {
            for to in 0..s.sites.len() {
                if (from != to && !i.crosses_sites) || !present(s, from, i.from) || !present(s, to, i.to) {
                    continue;
                }
                // A cluster talking to itself needs the rule only with two or more members.
                if i.from == i.to && from == to && s.sites[from].tier(i.from).nodes < 2 {
                    continue;
                }
                rules.push(Rule {
                    source: at(i.from, from),
                    destination: at(i.to, to),
                    protocol: i.protocol,
                    port: i.port.to_string(),
                    purpose: i.purpose,
                });
            }
        }
    }
    for (protocol, port, purpose) in MANAGEMENT {
        rules.push(Rule {
            source: "all nodes".into(),
            destination: "all nodes".into(),
            protocol,
            port: port.into(),
            purpose,
        });
    }
    rules
}

pub fn render(s: &Scenario) -> String {
    let rules = firewall_rules(s);
    let mut out =
        format!("Firewall rules for scenario {} ({} site(s)), from Clearwater's port table:\n", s.name, s.sites.len());
    out.push_str(&format!("{:<22} {:<22} {:<8} {:<12} {}\n", "source", "destination", "protocol", "port", "purpose"));
    for r in rules {
        out.push_str(&format!(
            "{:<22} {:<22} {:<8} {:<12} {}\n",
            r.source,
            r.destination,
            r.protocol.name(),
            r.port,
            r.purpose
        ));
    }
    out
}
