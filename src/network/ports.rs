//! The interface each interaction between Clearwater roles uses: who opens it, to whom, on
//! which TCP port. The port table itself is data (src/ports/tables/clearwater.csv, from
//! [doc 8.27, seeds/000_b4288e2d37ca450f.txt]); every interface here is one of its rows in
//! the era the model runs (the newer, 5052/5054 one), which a test checks. The model sends
//! every message on one of these interfaces, so a `block-port` fault breaks exactly what a
//! missing firewall rule would; the faults are validated against the table.

use crate::ports::bundled;
use crate::ports::table::{Direction, Proto};
use crate::scenario::Tier;

/// An interface between two roles: who opens it, to whom, on which TCP port.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub from: Tier,
    pub to: Tier,
    pub port: u16,
}

const fn tcp(from: Tier, to: Tier, port: u16) -> Interface {
    Interface { from, to, port }
}

pub const BONO_TO_SCSCF: Interface = tcp(Tier::Bono, Tier::Sprout, 5054);
pub const BONO_TO_ICSCF: Interface = tcp(Tier::Bono, Tier::Sprout, 5052);
pub const SPROUT_TO_BONO: Interface = tcp(Tier::Sprout, Tier::Bono, 5058);
pub const MEMCACHED: Interface = tcp(Tier::Sprout, Tier::Sprout, 11211);
pub const CHRONOS: Interface = tcp(Tier::Sprout, Tier::Sprout, 7253);
pub const SPROUT_TO_HOMESTEAD: Interface = tcp(Tier::Sprout, Tier::Homestead, 8888);
pub const SPROUT_TO_HOMER: Interface = tcp(Tier::Sprout, Tier::Homer, 7888);
pub const HOMESTEAD_TO_SPROUT: Interface = tcp(Tier::Homestead, Tier::Sprout, 9888);
pub const SPROUT_TO_RALF: Interface = tcp(Tier::Sprout, Tier::Ralf, 10888);
pub const BONO_TO_RALF: Interface = tcp(Tier::Bono, Tier::Ralf, 10888);
pub const RALF_CHRONOS: Interface = tcp(Tier::Ralf, Tier::Ralf, 7253);
pub const RALF_MEMCACHED: Interface = tcp(Tier::Ralf, Tier::Ralf, 11211);

/// Every interface the model sends messages on.
pub const INTERFACES: [Interface; 12] = [
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
    RALF_CHRONOS,
    RALF_MEMCACHED,
];

/// The TCP ports of Clearwater's table (default era, any condition) on which `from` opens
/// connections to `to`, sorted.
pub fn ports_between(from: Tier, to: Tier) -> Vec<u16> {
    let table = bundled::clearwater();
    let era = table.default_era.as_deref();
    let mut out: Vec<u16> = table
        .rows_in(era)
        .filter(|r| r.protocol == Proto::Tcp)
        .filter(|r| {
            let (openers, listeners) = match r.direction {
                Direction::In => (&r.peers, &r.roles),
                Direction::Out => (&r.roles, &r.peers),
            };
            openers.iter().any(|n| n == from.name()) && listeners.iter().any(|n| n == to.name())
        })
        .filter_map(|r| r.ports.filter(|p| p.lo == p.hi).map(|p| p.lo))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `(from, to, port)` names a row of Clearwater's table (validation of
/// `block-port`).
pub fn known(from: Tier, to: Tier, port: u16) -> bool {
    ports_between(from, to).contains(&port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_of_the_model_is_a_row_of_the_table() {
        for i in INTERFACES {
            assert!(known(i.from, i.to, i.port), "{i:?} is not in clearwater.csv's default era");
        }
        // Spot checks against seeds/001 8.27.5-8.27.7.
        assert_eq!(ports_between(Tier::Bono, Tier::Sprout), vec![5052, 5054]);
        assert_eq!(ports_between(Tier::Sprout, Tier::Bono), vec![5058]);
        assert!(!known(Tier::Sprout, Tier::Homestead, 7888));
        // The older era's Thrift port is not the model's.
        assert!(!known(Tier::Homestead, Tier::Homestead, 9160) && known(Tier::Homestead, Tier::Homestead, 7000));
    }
}
