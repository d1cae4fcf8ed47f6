//! Which protocol and port each interaction between roles uses, from Clearwater's port table
//! [doc 8.27, seeds/000_b4288e2d37ca450f.txt]. The model sends every message on one of these
//! interfaces, so a `block-port` fault breaks exactly what a missing firewall rule would,
//! and `cwsim ports` prints the rules a deployment needs.

use crate::scenario::Tier;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

/// An interface between two roles: who opens it, to whom, on which port, and why.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub from: Tier,
    pub to: Tier,
    pub protocol: Protocol,
    pub port: u16,
    pub purpose: &'static str,
    /// Used between sites in a geographically redundant deployment.
    pub crosses_sites: bool,
}

const fn tcp(from: Tier, to: Tier, port: u16, purpose: &'static str, crosses_sites: bool) -> Interface {
    Interface { from, to, protocol: Protocol::Tcp, port, purpose, crosses_sites }
}

pub const BONO_TO_SCSCF: Interface = tcp(Tier::Bono, Tier::Sprout, 5054, "SIP to the S-CSCF", true);
pub const BONO_TO_ICSCF: Interface = tcp(Tier::Bono, Tier::Sprout, 5052, "SIP to the I-CSCF (REGISTER)", true);
pub const SPROUT_TO_BONO: Interface = tcp(Tier::Sprout, Tier::Bono, 5058, "internal SIP to the edge", true);
pub const MEMCACHED: Interface = tcp(Tier::Sprout, Tier::Sprout, 11211, "memcached registration store", true);
pub const CHRONOS: Interface = tcp(Tier::Sprout, Tier::Sprout, 7253, "Chronos timer replication", false);
pub const SPROUT_TO_HOMESTEAD: Interface = tcp(Tier::Sprout, Tier::Homestead, 8888, "Homestead REST (Cx)", false);
pub const SPROUT_TO_HOMER: Interface = tcp(Tier::Sprout, Tier::Homer, 7888, "Homer XCAP", false);
pub const HOMESTEAD_TO_SPROUT: Interface =
    tcp(Tier::Homestead, Tier::Sprout, 9888, "registration termination (with an HSS)", false);
pub const SPROUT_TO_RALF: Interface = tcp(Tier::Sprout, Tier::Ralf, 10888, "billing REST", false);
pub const BONO_TO_RALF: Interface = tcp(Tier::Bono, Tier::Ralf, 10888, "billing REST", false);
pub const HOMESTEAD_CASSANDRA: Interface = tcp(Tier::Homestead, Tier::Homestead, 7000, "Cassandra", true);
pub const HOMER_CASSANDRA: Interface = tcp(Tier::Homer, Tier::Homer, 7000, "Cassandra", true);
pub const HOMESTEAD_THRIFT: Interface = tcp(Tier::Homestead, Tier::Homestead, 9160, "Cassandra (Thrift)", true);
pub const HOMER_THRIFT: Interface = tcp(Tier::Homer, Tier::Homer, 9160, "Cassandra (Thrift)", true);
pub const RALF_CHRONOS: Interface = tcp(Tier::Ralf, Tier::Ralf, 7253, "Chronos", false);
pub const RALF_MEMCACHED: Interface = tcp(Tier::Ralf, Tier::Ralf, 11211, "memcached", false);

/// Every inter-node interface of the port table (management ports — etcd, SNMP, SSH — and
/// the UE-facing ports are listed separately by `cwsim ports`).
pub const INTERFACES: [Interface; 16] = [
    BONO_TO_SCSCF,
    BONO_TO_ICSCF,
    SPROUT_TO_BONO,
    MEMCACHED,
    CHRONOS,
    SPROUT_TO_HOMESTEAD,
    SPROUT_TO_HOMER,
    HOMESTEAD_TO_SPROUT,
    SPROUT_TO_RALF,
    BONO_TO_RALF,
    HOMESTEAD_CASSANDRA,
    HOMER_CASSANDRA,
    HOMESTEAD_THRIFT,
    HOMER_THRIFT,
    RALF_CHRONOS,
    RALF_MEMCACHED,
];

/// World-facing ports of Bono [doc 8.27].
pub const UE_TO_BONO: [(Protocol, &str, &str); 6] = [
    (Protocol::Tcp, "5060", "SIP"),
    (Protocol::Udp, "5060", "SIP"),
    (Protocol::Tcp, "5062", "SIP (TLS)"),
    (Protocol::Tcp, "3478", "STUN/TURN"),
    (Protocol::Udp, "3478", "STUN/TURN"),
    (Protocol::Udp, "32768-65535", "RTP"),
];

/// Management ports every node opens to every other [doc 8.27].
pub const MANAGEMENT: [(Protocol, &str, &str); 4] = [
    (Protocol::Tcp, "2380", "etcd"),
    (Protocol::Tcp, "4000", "etcd"),
    (Protocol::Udp, "161-162", "SNMP"),
    (Protocol::Tcp, "22", "SSH"),
];

/// Whether `(from, to, port)` names an interface of the table (validation of `block-port`).
pub fn known(from: Tier, to: Tier, port: u16) -> bool {
    INTERFACES.iter().any(|i| i.from == from && i.to == to && i.port == port)
}

/// The ports of the table from one role to another.
pub fn ports_between(from: Tier, to: Tier) -> Vec<u16> {
    INTERFACES.iter().filter(|i| i.from == from && i.to == to).map(|i| i.port).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_documented_ports() {
        // Spot checks against CLEARWATER_FACTS.md "Port usage".
        assert!(known(Tier::Bono, Tier::Sprout, 5054) && known(Tier::Bono, Tier::Sprout, 5052));
        assert!(known(Tier::Sprout, Tier::Sprout, 11211) && known(Tier::Sprout, Tier::Sprout, 7253));
        assert!(known(Tier::Sprout, Tier::Homestead, 8888) && known(Tier::Sprout, Tier::Homer, 7888));
        assert!(!known(Tier::Sprout, Tier::Homestead, 7888));
    }
}
