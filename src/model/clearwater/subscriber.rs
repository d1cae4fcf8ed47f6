//! A subscriber's UE: what the phone knows (its edge node, its connection, its DNS cache of
//! the Bono name, the registration procedure it runs). Plain data; ue.rs holds what it does.

use super::ids::{NodeId, NO_KEY, NO_NODE};
use crate::engine::SimTime;
use crate::model::slab::Key;
use crate::network::dns::Cached;

/// One subscriber's UE: what the phone knows and does. The network's records of the
/// subscriber live with the components that keep them (memcached.rs, chronos.rs,
/// homestead.rs, outage.rs). Kept small (see the test): subscribers count in millions.
#[derive(Clone, Debug)]
pub struct Ue {
    /// The node this UE is connected to: a Bono, or a Sprout when the site has no Bono
    /// (Clearwater's core-only stress tests drive Sprout directly).
    pub edge: NodeId,
    pub site: u8,
    /// The UE believes it is registered (last REGISTER succeeded, not yet expired).
    pub registered: bool,
    /// A registration procedure is in progress.
    pub registering: bool,
    /// The UE's TCP connection to `edge` is up (as far as the UE knows).
    pub connected: bool,
    /// Bono authenticated this connection (a REGISTER on it succeeded): it marks the UE's
    /// REGISTERs on it integrity-protected [src sprout: bono.cpp].
    pub flow_authenticated: bool,
    /// Generation of the UE's own refresh timer. A superseded timer fires within one refresh
    /// or back-off interval, a handful of generations later, so 16 bits never wrap onto it.
    pub reg_gen: u16,
    /// The UE's DNS cache of the Bono name: the site whose Bonos the answer listed, and its
    /// expiry (`SimTime::ZERO`: never answered).
    pub dns: Cached<u8>,
    /// Generation of the UE's DNS query / connection attempt in progress.
    pub conn_gen: u32,
    /// The REGISTER transaction in progress, if any.
    pub reg_txn: Key,
    /// Random draws made so far (the UE's stream position).
    pub draws: u32,
    /// RFC 5626 mode: registration procedures failed in a row (the back-off's exponent),
    /// targets of the DNS answer tried in this procedure, and where in the answer it began.
    pub failures: u8,
    pub tried: u16,
    pub first: u16,
    /// Reg event package: a SUBSCRIBE or its refresh timer is pending, and the last
    /// SUBSCRIBE succeeded (Sprout holds the subscription).
    pub subscribing: bool,
    pub subscribed: bool,
}

impl Default for Ue {
    /// A UE that has not resolved, connected or registered yet.
    fn default() -> Ue {
        Ue {
            edge: NO_NODE,
            site: 0,
            registered: false,
            registering: false,
            connected: false,
            flow_authenticated: false,
            reg_gen: 0,
            dns: Cached::new(0, SimTime::ZERO),
            conn_gen: 0,
            reg_txn: NO_KEY,
            draws: 0,
            failures: 0,
            tried: 0,
            first: 0,
            subscribing: false,
            subscribed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_enough() {
        // Subscribers are counted in millions.
        let size = std::mem::size_of::<super::Ue>();
        assert!(size <= 48, "Ue is {size} bytes");
    }
}
