//! Validated scenario: typed values only, every invariant the model relies on already
//! checked (non-zero counts, finite rates, warm-up < duration, probabilities in [0, 1]).
//! Defaults come from Clearwater's documentation and source, as listed in
//! `CLEARWATER_FACTS.md`; each default names its origin where it is set (`schema.rs`).

use crate::engine::{Dist, SimDuration, SimTime};
use crate::scenario::units::Rate;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// SHA-256 of the scenario bytes plus any overrides, hex.
    pub hash: String,
    pub simulation: Simulation,
    pub queue: Option<QueueModel>,
    pub sites: Vec<Site>,
    pub costs: Costs,
    pub network: Network,
    pub dns: Dns,
    pub sip: Sip,
    pub pool: Pool,
    pub throttling: Throttling,
    pub billing: Billing,
    pub load: Load,
    pub faults: Vec<Fault>,
    pub output: Output,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// A single M/M/c-style service centre (validation of the engine).
    Queue,
    /// The Clearwater deployment.
    Clearwater,
}

#[derive(Clone, Debug)]
pub struct Simulation {
    pub model: ModelKind,
    pub duration: SimDuration,
    pub warmup: SimDuration,
    pub seed: u64,
    pub replications: u32,
    pub sample_interval: SimDuration,
    /// Remove every CPU limit (the documentation's "unlimited capacity" assumption).
    pub unlimited_cpu: bool,
    /// Event budget per replication: a replication that needs more stops with an error.
    pub max_events: u64,
}

impl Simulation {
    pub fn end(&self) -> SimTime {
        SimTime::ZERO + self.duration
    }
    pub fn warmup_end(&self) -> SimTime {
        SimTime::ZERO + self.warmup
    }
}

/// `[queue]`: one service centre with `servers` servers and i.i.d. service times.
#[derive(Clone, Debug)]
pub struct QueueModel {
    pub servers: u32,
    pub service: Dist,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Tier {
    Bono,
    Sprout,
    Homestead,
    Homer,
    Ralf,
}

impl Tier {
    pub const ALL: [Tier; 5] = [Tier::Bono, Tier::Sprout, Tier::Homestead, Tier::Homer, Tier::Ralf];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Bono => "bono",
            Tier::Sprout => "sprout",
            Tier::Homestead => "homestead",
            Tier::Homer => "homer",
            Tier::Ralf => "ralf",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TierSize {
    pub nodes: u32,
    pub cores: u32,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub name: String,
    /// Indexed by `Tier as usize`.
    pub tiers: [TierSize; 5],
}

impl Site {
    pub fn tier(&self, tier: Tier) -> TierSize {
        self.tiers[tier as usize]
    }
}

/// CPU cost per unit of work, by node role. Each is a distribution of core-time.
#[derive(Clone, Debug)]
pub struct Costs {
    /// Bono: relaying one SIP message (request or response) in either direction.
    pub bono_message: Dist,
    /// Sprout: receiving and processing one SIP request up to its first blocking I/O.
    pub sprout_request: Dist,
    /// Sprout: resuming a request's processing after a blocking I/O completes.
    pub sprout_continuation: Dist,
    /// Sprout: relaying one SIP response.
    pub sprout_response: Dist,
    /// Sprout: proxying one in-dialog request (ACK, UPDATE, BYE).
    pub sprout_in_dialog: Dist,
    /// Sprout's transport thread: reading and parsing one received SIP message (one thread
    /// per node: these jobs run one at a time).
    pub sprout_transport: Dist,
    /// Sprout CPU outside the worker and transport threads (sending, HTTP and memcached
    /// client threads, logging), per unit of worker CPU. It loads the cores but Clearwater's
    /// LoadMonitor does not time it.
    pub sprout_untimed_factor: f64,
    /// memcached (on a Sprout node): one get/set/add/CAS/delete.
    pub memcached_op: Dist,
    /// Chronos (on a Sprout node): one timer set/update/delete, or one replica's pop.
    pub chronos_op: Dist,
    /// Homestead: one HTTP request answered from its cache.
    pub homestead_request: Dist,
    /// Homestead: extra work when the request needs a Diameter exchange with the HSS.
    pub homestead_hss: Dist,
    /// Homer: one XCAP (HTTP) request.
    pub homer_request: Dist,
    /// Cassandra's own CPU for one read or write, on the Homestead or Homer node that hosts
    /// it; `None` (the default): not modelled, Cassandra is a latency only.
    pub cassandra_op: Option<Dist>,
    /// Ralf: one billing request (HTTP in, Rf ACR out, the answer handled).
    pub ralf_request: Dist,
    /// Sprout or Bono: building and sending one billing request to Ralf (its Ralf client
    /// threads; not timed by the LoadMonitor).
    pub acr_send: Dist,
}

#[derive(Clone, Debug)]
pub struct Network {
    /// One-way delay between a UE and its Bono.
    pub access: Dist,
    /// One-way delay between two nodes of one site.
    pub intra_site: Dist,
    /// One-way delay between the sites.
    pub inter_site: Dist,
    /// Cassandra read/write latency seen by Homestead and Homer.
    pub cassandra: Dist,
    /// Round trip to an external HSS (Diameter); `None` = Homestead is the master store.
    pub hss: Option<Dist>,
    /// Homestead gives up on the HSS after this (`diameter_timeout_ms`, 200 ms [doc 8.21]):
    /// the request fails with 504 and Homestead's LoadMonitor records a penalty.
    pub diameter_timeout: SimDuration,
    /// Round trip of an Rf ACR from Ralf to the CDF and back (Diameter), including the CDF's
    /// processing.
    pub cdf: Dist,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DnsMode {
    /// Static A records, like a BIND zone.
    Static,
    /// Latency-based, health-checked records for the Bono name (GR, like Route 53).
    LatencyBased,
}

#[derive(Clone, Debug)]
pub struct Dns {
    pub mode: DnsMode,
    /// One-way delay from a resolver to the authoritative server.
    pub server_latency: Dist,
    /// TTL of the cluster records (zone default).
    pub ttl: SimDuration,
    /// TTL of the UE-facing Bono record.
    pub bono_ttl: SimDuration,
    pub negative_ttl: SimDuration,
    /// How long a resolver keeps serving a stale answer after each failed refresh.
    pub stale_extension: SimDuration,
    pub query_timeout: SimDuration,
    pub health_check_interval: SimDuration,
    pub health_check_failures: u32,
    /// Fraction of subscribers "near" each site (latency-based routing); sums to 1.
    pub site_split: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct Sip {
    pub reg_max_expires: SimDuration,
    /// Timer B = Timer F = 64·T1.
    pub transaction_timeout: SimDuration,
    pub tcp_connect_timeout: SimDuration,
    /// Sprout rejects a request that waited longer than this in its queue. `None`: the era
    /// decides (none in the documented era, 4 s in the later one).
    pub queue_timeout: Option<SimDuration>,
    /// Targets tried for one SIP request (transport error or 503 ⇒ next).
    pub max_targets: u32,
    /// `None`: Bono's rule — a REGISTER on a connection Bono has already authenticated is
    /// marked integrity-protected and Sprout accepts it without a challenge; others (no
    /// Bono, a new connection) are challenged. `Some(true)`: every REGISTER challenged.
    /// `Some(false)`: every re-REGISTER accepted without one.
    pub challenge_reregister: Option<bool>,
    /// An iFC sends each successful registration to an application server as a third-party
    /// REGISTER; the server's response time. `None` (the default): no such iFC.
    pub third_party_register: Option<Dist>,
    /// Each registered UE subscribes to its reg event package asking for this expiry (Sprout
    /// grants at most `reg_max_expires`). `None` (the default): no UE subscribes.
    pub reg_event_expires: Option<SimDuration>,
    /// How UEs find and keep their edge and recover from failures.
    pub ue_mode: UeMode,
    /// Back-off after a failed registration before the UE tries again: a duration, or a
    /// distribution (real UEs randomise it, which breaks up retry storms). In `rfc5626`
    /// mode the base of the back-off, which doubles per consecutive failure.
    pub register_retry: Dist,
    /// How many times a caller redials a call whose INVITE failed before any provisional
    /// response (503, timeout, transport error); 0 = never, as SIPp and the stress scripts.
    pub call_retries: u32,
    /// The back-off before each redial.
    pub call_retry: Dist,
}

/// UE behaviour on failures.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UeMode {
    /// The assumptions of the documentation's GR estimate [doc 8.46.3]: one random target
    /// from the DNS answer, no failover to another, a silently dead connection kept until
    /// it is reset, a fixed `register_retry` back-off.
    Documented,
    /// A SIP outbound UE (RFC 5626 with RFC 3263 target selection): a transport error or a
    /// timeout moves to the next target of the DNS answer; a silently dead edge is noticed
    /// by the next CRLF keepalive (every 96–120 s, pong within 10 s); once every target has
    /// failed, it backs off min(1800 s, base × 2^(n−1)) × U(0.5, 1) after the n-th
    /// consecutive failure, the base being `register_retry` (30 s).
    Rfc5626,
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub upstream_connections: u32,
    pub upstream_recycle: SimDuration,
    pub sip_blacklist: SimDuration,
    pub http_blacklist: SimDuration,
    pub graylist: SimDuration,
    pub http_attempts: u32,
    pub http_timeout: SimDuration,
    pub http_connect_timeout_local: SimDuration,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ThrottleProfile {
    /// Late 2015 – mid 2017, matching the documented defaults.
    Documented,
    /// Since Nov 2017 (Sprout code defaults).
    Later,
}

/// Rf billing, when a site has Ralf nodes [doc 8.26].
#[derive(Clone, Debug)]
pub struct Billing {
    /// The CDF's Acct-Interim-Interval: how often Ralf sends an INTERIM ACR for a call in
    /// progress (its Chronos timer).
    pub interim_interval: SimDuration,
    /// A call's session refresh time (Session-Expires): how long Ralf's interim timer
    /// repeats for; no timer when it is not longer than the interim interval
    /// [src ralf: session_manager.cpp].
    pub session_expires: SimDuration,
}

#[derive(Clone, Debug)]
pub struct Throttling {
    pub profile: ThrottleProfile,
    /// Tiers whose nodes run a LoadMonitor.
    pub tiers: Vec<Tier>,
    pub target_latency: SimDuration,
    pub max_tokens: u32,
    /// Initial token rate: per core with the documented profile (250/s × cores), per node
    /// with the later one (2000/s).
    pub init_token_rate: Rate,
    pub min_token_rate: Rate,
    /// `None` = no upper limit.
    pub max_token_rate: Option<Rate>,
    pub chronos: ChronosThrottling,
}

/// The LoadMonitor of the Chronos process on each Sprout node (`"chronos"` in `tiers`). It
/// follows the profile's arithmetic with Chronos's own parameters.
#[derive(Clone, Debug)]
pub struct ChronosThrottling {
    pub enabled: bool,
    pub target_latency: SimDuration,
    pub max_tokens: u32,
    /// Per node, whatever the cores.
    pub init_token_rate: Rate,
    pub min_token_rate: Rate,
}

#[derive(Clone, Debug)]
pub enum Load {
    /// Poisson arrivals to the `[queue]` model.
    Poisson { rate: Rate, stop_at: Option<SimDuration> },
    /// Clearwater's SIP stress profile (pairs of subscribers).
    SipStress {
        subscribers: u64,
        /// Start with every subscriber registered (skips the initial registration ramp).
        preregistered: bool,
        start_spread: SimDuration,
        reregister: SimDuration,
        call_probability: f64,
        answer_after: SimDuration,
        talk: SimDuration,
    },
    /// Clearwater's core-only stress profile.
    CoreOnly {
        subscribers: u64,
        preregistered: bool,
        bhca: f64,
        reregisters_per_hour: f64,
        answer_after: SimDuration,
        call_length: SimDuration,
        /// Session timer (RFC 4028): the caller refreshes an answered call with an UPDATE
        /// every half of it; `None`: no refreshes.
        session_expires: Option<SimDuration>,
    },
    /// SIPp-like: new calls at `rate`, stepped ramp, concurrency and total limits.
    Rate {
        subscribers: u64,
        preregistered: bool,
        /// Each subscriber refreshes its registration this often.
        reregister: SimDuration,
        rate: Rate,
        rate_increase: Option<Rate>,
        rate_interval: SimDuration,
        rate_max: Option<Rate>,
        limit: u64,
        max_calls: Option<u64>,
        answer_after: SimDuration,
        call_length: SimDuration,
        /// Session timer (RFC 4028): the caller refreshes an answered call with an UPDATE
        /// every half of it; `None`: no refreshes.
        session_expires: Option<SimDuration>,
    },
    /// SIPp XML scenarios run by the subscribers (src/scenario/sipp_load.rs).
    Sipp(Box<crate::scenario::sipp_load::SippLoad>),
}

impl Load {
    pub fn subscribers(&self) -> u64 {
        match self {
            Load::Poisson { .. } => 0,
            Load::SipStress { subscribers, .. }
            | Load::CoreOnly { subscribers, .. }
            | Load::Rate { subscribers, .. } => *subscribers,
            Load::Sipp(s) => s.subscribers,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Load::Poisson { .. } => "poisson",
            Load::SipStress { .. } => "sip-stress",
            Load::CoreOnly { .. } => "core-only",
            Load::Rate { .. } => "rate",
            Load::Sipp(_) => "sipp",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FailureMode {
    /// Connections reset, connects refused: clients notice at once.
    Loud,
    /// Black-holed: clients notice only by timeouts.
    Silent,
}

/// A fault's kind and its parameters. `Scale`'s `astaire_cpu_limit` is Astaire's CPU limit
/// during a Sprout resize, in percent of the node (`astaire_cpu_limit_percentage`, default 5)
/// [doc 8.21].
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    NodeCrash { site: usize, tier: Tier, index: u32, mode: FailureMode },
    SiteFailure { site: usize, mode: FailureMode },
    DnsFailure,
    Partition,
    BlockPort { from: Tier, to: Tier, port: u16, between_sites: bool },
    Latency { extra: SimDuration, between_sites: bool },
    CpuSlowdown { site: usize, tier: Tier, index: u32, factor: f64 },
    Scale { site: usize, tier: Tier, nodes: u32, astaire_cpu_limit: u32 },
}

impl FaultKind {
    /// A readable one-line description (for summaries and reports).
    pub fn describe(&self, s: &Scenario) -> String {
        let site = |i: usize| s.sites.get(i).map_or("?", |x| x.name.as_str()).to_string();
        let mode = |m: &FailureMode| if *m == FailureMode::Silent { "silent" } else { "loud" };
        match self {
            FaultKind::NodeCrash { site: si, tier, index, mode: m } => {
                format!("node-crash {} {}-{index} ({})", site(*si), tier.name(), mode(m))
            }
            FaultKind::SiteFailure { site: si, mode: m } => format!("site-failure {} ({})", site(*si), mode(m)),
            FaultKind::DnsFailure => "dns-failure".into(),
            FaultKind::Partition => "partition between the sites".into(),
            FaultKind::BlockPort { from, to, port, between_sites } => format!(
                "block-port TCP/{port} {} → {} {}",
                from.name(),
                to.name(),
                if *between_sites { "between sites" } else { "within a site" }
            ),
            FaultKind::Latency { extra, between_sites } => {
                format!("latency +{extra} {}", if *between_sites { "between sites" } else { "within sites" })
            }
            FaultKind::CpuSlowdown { site: si, tier, index, factor } => {
                format!("cpu-slowdown {} {}-{index} ×{factor}", site(*si), tier.name())
            }
            FaultKind::Scale { site: si, tier, nodes, .. } => {
                format!("scale {} {} to {nodes} nodes", site(*si), tier.name())
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Fault {
    pub at: SimDuration,
    pub until: Option<SimDuration>,
    pub kind: FaultKind,
}

#[derive(Clone, Debug)]
pub struct Output {
    /// `None` = `outputs/<scenario name>/`.
    pub dir: Option<String>,
    pub timeseries: bool,
    pub plots: bool,
    /// SIPp's statistics files (sipp_stats.csv, sipp_rtt.csv) for a SIPp load.
    pub sipp_stats: bool,
}
