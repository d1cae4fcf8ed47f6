//! Networking pieces of the deployment: DNS, connection pools, blacklists.

pub mod blacklist;
pub mod dns;
pub mod pool;
pub mod ports;
