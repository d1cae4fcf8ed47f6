//! Run parameters of the Clearwater world, derived once from the validated scenario.

use crate::engine::{Dist, SimDuration, SimTime};
use crate::scenario::{Costs, Dns, Load, Network, Pool, Scenario, Sip, ThrottleProfile, Throttling};

/// Contacts ask for 3600 s; Sprout grants at most `reg_max_expires`
/// [src sprout: sip-stress.xml; doc 8.21].
pub const REQUESTED_EXPIRES_S: u32 = 3600;
/// Chronos's backup replica fires this long after the primary's due time if it did not hear
/// of the pop [src chronos: timer.cpp].
pub const CHRONOS_BACKUP_DELAY: SimDuration = SimDuration::from_secs(2);
/// `hss_reregistration_time` = max(4800 s, reg_max_expires / 2) [doc 8.21].
pub const HSS_REREGISTRATION_MIN: SimDuration = SimDuration::from_secs(4800);
/// Bono's recycler looks at its connections every second [src sprout: sip_connection_pool.cpp].
pub const POOL_RECYCLE_EVERY: SimDuration = SimDuration::from_secs(1);
/// Timer C: how long a proxy waits for a final response after a provisional one.
pub const TIMER_C: SimDuration = SimDuration::from_secs(180);
/// memcached connect timeouts: 30 ms in the local site, 250 ms to the remote one
/// [src cpp-common: memcached_connection_pool.h].
pub const MEMCACHED_CONNECT_LOCAL: SimDuration = SimDuration::from_ms(30);
pub const MEMCACHED_CONNECT_REMOTE: SimDuration = SimDuration::from_ms(250);
/// HTTP connect timeout to the remote site [src cpp-common: http_connection_pool.h]. No HTTP request
/// crosses sites in this model yet (so the scenario cannot set it); kept for when one does.
pub const HTTP_CONNECT_REMOTE: SimDuration = SimDuration::from_ms(250);

#[derive(Clone, Debug)]
pub struct Params {
    pub costs: Costs,
    /// Sprout CPU not timed by the LoadMonitor, per unit of timed worker CPU.
    pub sprout_untimed: f64,
    pub net: Network,
    pub sip: Sip,
    pub pool: Pool,
    pub dns: Dns,
    pub load: Load,
    pub throttling: Throttling,
    pub granted_expires_s: u32,
    pub hss_reregistration: SimDuration,
    pub has_homer: bool,
    pub warmup_end: SimTime,
    pub end: SimTime,
    pub sample_interval: SimDuration,
    /// Keep every SIPp response time (for sipp_rtt.csv).
    pub sipp_rtt: bool,
    pub seed: u64,
    /// Stateless 503 cost at Sprout (a request that waited past the queue timeout).
    pub reject_cost: SimDuration,
    pub unlimited_cpu: bool,
    /// The era's LoadMonitor times blocking I/O (documented era, to Oct 2017): a message's
    /// latency runs from its arrival to the end of its processing, waits on Homestead,
    /// Homer, memcached and Chronos included; Homestead's includes its Cassandra and HSS
    /// time ([src sprout: thread_dispatcher.cpp] as of mid-2017; PR sprout#2006;
    /// [src homestead: diameter_hss_connection.cpp] from Nov 2017).
    pub io_timed: bool,
    /// The registrar leaves the challenge timer to pop instead of deleting it once the
    /// challenge is answered (documented era, to Sep 2017; see challenge_timer.rs).
    pub keeps_challenge_timer: bool,
    /// Sprout's SIP worker threads per core: 50 in the documented era, 250 from Nov 2017
    /// [src sprout: etc/init.d/sprout].
    pub workers_per_core: u32,
    /// Sprout's queue-age rejection, if any (see `Sip::queue_timeout`).
    pub queue_timeout: Option<SimDuration>,
}

impl Params {
    pub fn new(s: &Scenario) -> Self {
        let granted_expires_s = (s.sip.reg_max_expires.as_ns() / 1_000_000_000).min(REQUESTED_EXPIRES_S as u64) as u32;
        let hss_reregistration = HSS_REREGISTRATION_MIN.max(SimDuration::from_ns(s.sip.reg_max_expires.as_ns() / 2));
        let has_homer = s.sites.iter().any(|site| site.tier(crate::scenario::Tier::Homer).nodes > 0);
        Params {
            costs: s.costs.clone(),
            sprout_untimed: s.costs.sprout_untimed_factor,
            net: s.network.clone(),
            sip: s.sip.clone(),
            pool: s.pool.clone(),
            dns: s.dns.clone(),
            load: s.load.clone(),
            throttling: s.throttling.clone(),
            granted_expires_s: granted_expires_s.max(1),
            hss_reregistration,
            has_homer,
            warmup_end: s.simulation.warmup_end(),
            end: s.simulation.end(),
            sample_interval: s.simulation.sample_interval,
            sipp_rtt: s.output.sipp_stats,
            seed: s.simulation.seed,
            reject_cost: s.costs.sprout_response.mean(),
            unlimited_cpu: s.simulation.unlimited_cpu,
            io_timed: s.throttling.profile == ThrottleProfile::Documented,
            keeps_challenge_timer: s.throttling.profile == ThrottleProfile::Documented,
            workers_per_core: match s.throttling.profile {
                ThrottleProfile::Documented => 50,
                ThrottleProfile::Later => 250,
            },
            queue_timeout: s.sip.queue_timeout.or(match s.throttling.profile {
                ThrottleProfile::Documented => None,
                // `request_on_queue_timeout`, 4000 ms [src sprout: thread_dispatcher.cpp].
                ThrottleProfile::Later => Some(SimDuration::from_ms(4000)),
            }),
        }
    }

    pub fn sample(d: &Dist, rng: &mut crate::engine::Rng) -> SimDuration {
        d.sample(rng)
    }
}
