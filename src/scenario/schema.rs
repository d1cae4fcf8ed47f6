//! The scenario schema: which keys exist, their rules and their defaults.
//!
//! Read top to bottom, this file is the reference of the scenario format (README.md
//! summarises it). Defaults cite their origin in CLEARWATER_FACTS.md: [doc x.y] is the
//! Clearwater documentation section, [src …] Clearwater's source.
//!
//! Every section function returns a value even when a key is invalid (using the default
//! or a placeholder) so that validation carries on and reports every problem; the caller
//! discards the value when any diagnostic was recorded.

use crate::engine::{Dist, SimDuration};
use crate::scenario::types::*;
use crate::scenario::units::{parse_dist, Rate};
use crate::scenario::walk::*;

/// Limits on everything: values beyond these are almost certainly typos, and bounding them
/// keeps time arithmetic far from overflow.
pub const DURATION_MAX: SimDuration = SimDuration::LIMIT;
/// CPU slow-down factors: beyond these a node is effectively stopped (use a crash) or free.
pub const SLOWDOWN_MIN: f64 = 1e-3;
pub const SLOWDOWN_MAX: f64 = 1e3;
pub const REPLICATIONS_MAX: u32 = 10_000;
pub const CORES_MAX: u32 = 1_024;
pub const NODES_MAX: u32 = 1_000;
pub const SERVERS_MAX: u32 = 100_000;
pub const SUBSCRIBERS_MAX: u64 = 100_000_000;
pub const SITES_MAX: usize = 2;
pub const RATE_MAX_PER_S: f64 = 1e9;
/// The most requests (registrations + calls) per second a Clearwater load may offer: ~30×
/// the busy hour of 10 million subscribers. Past it, runs take days and call gaps shrink
/// towards the 1 ns clock tick.
pub const LOAD_RATE_MAX_PER_S: f64 = 1e6;
pub const SEED_MAX: u64 = i64::MAX as u64;
pub const FAULTS_MAX: usize = 10_000;
/// Default event budget per replication: ~5 hours of wall time at 5 M events/s, far beyond
/// any bundled scenario (the 10 M-subscriber hour is ~2.2 G events), yet finite.
pub const MAX_EVENTS_DEFAULT: u64 = 100_000_000_000;
pub const MAX_EVENTS_MAX: u64 = 10_000_000_000_000;
/// Nodes a run may ever create (initial ones plus those added by `scale` faults): node ids
/// are 16-bit in the model's events.
pub const NODES_CREATED_MAX: u32 = 60_000;

const NS1: SimDuration = SimDuration::from_ns(1);
const ZERO: SimDuration = SimDuration::ZERO;

/// A key the format reserves for a feature this build does not have: refused, so that no
/// accepted key is silently ignored.
fn not_yet(t: &Table, key: &'static str, why: &str) {
    if t.opt(key, &|_| Ok(())).is_some() {
        t.error(key, format!("not supported yet: {why}; remove the key"));
    }
}

/// A tier a fault may name.
fn simulated_tier(v: &toml::de::DeValue) -> Result<&'static str, String> {
    one_of(&TIER_NAMES)(v)
}

fn ms(v: u64) -> SimDuration {
    SimDuration::from_ms(v)
}
fn secs(v: u64) -> SimDuration {
    SimDuration::from_secs(v)
}
fn dist_of(text: &str) -> Dist {
    parse_dist(text).expect("built-in default distribution")
}
pub(crate) fn any_duration() -> impl Fn(&toml::de::DeValue) -> Result<SimDuration, String> {
    duration_in(ZERO, DURATION_MAX)
}
pub(crate) fn positive_duration() -> impl Fn(&toml::de::DeValue) -> Result<SimDuration, String> {
    duration_in(NS1, DURATION_MAX)
}

const TIER_NAMES: [&str; 5] = ["bono", "sprout", "homestead", "homer", "ralf"];

fn tier_of(name: &str) -> Tier {
    Tier::ALL[TIER_NAMES.iter().position(|n| *n == name).expect("validated tier name")]
}

/// Walks the whole document. Check `ctx.has_errors()` before using the result.
pub fn scenario(root: &Table, default_name: &str, hash: String) -> Scenario {
    let ctx = root.ctx();
    // Checks relating two sections run only when both were valid, so that no message
    // quotes a placeholder standing in for an invalid value.
    let valid = |before: usize| ctx.error_count() == before;
    let name = root.or("name", slug(default_name), &scenario_name);
    let description = root.or("description", String::new(), &string);
    let before = ctx.error_count();
    let simulation = simulation(root.table("simulation"));
    let simulation_valid = valid(before);
    let queue = queue(root, simulation.model);
    let before = ctx.error_count();
    let sites = sites(root, simulation.model);
    let sites_valid = valid(before);
    let costs = costs(root.table("costs"));
    let network = network(root.table("network"));
    let dns = dns(root.table("dns"), sites.len().max(1));
    let before = ctx.error_count();
    let sip = sip(root.table("sip"));
    let sip_valid = valid(before);
    let pool = pool(root.table("pool"));
    let throttling = throttling(root.table("throttling"));
    let billing = billing(root.table("billing"));
    let before = ctx.error_count();
    let load = load(root, simulation.model);
    let load_valid = valid(before);
    let fault_tables = root.tables("fault");
    if fault_tables.len() > FAULTS_MAX {
        root.error("fault", format!("at most {FAULTS_MAX} faults are supported, got {}", fault_tables.len()));
    }
    let mut faults = Vec::new();
    let mut checked = Vec::new();
    for t in fault_tables {
        let before = ctx.error_count();
        let (f, node) = fault(t, &sites, simulation_valid.then_some(&simulation));
        faults.push(f);
        checked.push(valid(before).then_some(node));
    }
    if sites_valid {
        fault_timeline(root, &faults, &checked, &sites);
    }
    let output = output(root.table("output"));
    if load_valid && sip_valid {
        refresh_check(root, &load, &sip);
    }
    if load_valid && simulation_valid {
        load_rate_check(root, &load, &simulation);
    }
    if output.sipp_stats && !matches!(load, Load::Sipp(_)) {
        root.table("output").error("sipp_stats", "SIPp statistics need a SIPp load ([load] profile = \"sipp\")");
    }
    Scenario {
        name,
        description,
        hash,
        simulation,
        queue,
        sites,
        costs,
        network,
        dns,
        sip,
        pool,
        throttling,
        billing,
        load,
        faults,
        output,
    }
}

/// The longest scenario name: it names the default output directory.
pub const NAME_LEN_MAX: usize = 100;

/// Scenario names become directory names (`outputs/<name>/`): letters, digits, '.', '_'
/// and '-', not starting with '.', so that no name can reach outside `outputs/`.
fn scenario_name(v: &toml::de::DeValue) -> Result<String, String> {
    let name = string(v)?;
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > NAME_LEN_MAX || name.starts_with('.') || !name.chars().all(safe) {
        return Err(format!(
            "names the output directory (outputs/<name>/), so it must be 1–{NAME_LEN_MAX} letters, digits, '.', \
             '_' or '-', not starting with '.'; got \"{}\" (e.g. \"{}\")",
            name.escape_debug(),
            slug(&name)
        ));
    }
    Ok(name)
}

/// A safe name made from any text (a file stem): other characters become '-'.
pub fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .take(NAME_LEN_MAX)
        .collect();
    let s = s.trim_start_matches(['.', '-']);
    if s.is_empty() {
        "scenario".to_string()
    } else {
        s.to_string()
    }
}

fn simulation(t: Table) -> Simulation {
    let model = match t.or("model", "clearwater", &one_of(&["clearwater", "queue"])) {
        "queue" => ModelKind::Queue,
        _ => ModelKind::Clearwater,
    };
    let valid_duration = t.req("duration", &positive_duration());
    let duration = valid_duration.unwrap_or(secs(1));
    let mut warmup = t.or("warmup", ZERO, &any_duration());
    if warmup >= duration && valid_duration.is_some() && t.span_of("warmup").is_some() {
        t.error("warmup", format!("must be shorter than simulation.duration ({duration}), got {warmup}"));
        warmup = ZERO;
    }
    let seed = t.or("seed", 1, &u64_in(0, SEED_MAX));
    let replications = t.or("replications", 1, &u32_in(1, REPLICATIONS_MAX));
    // Clearwater's SNMP statistics use 5 s periods [doc 8.31].
    let sample_interval = t.or("sample_interval", secs(5), &duration_in(ms(1), DURATION_MAX));
    let unlimited_cpu = t.or("unlimited_cpu", false, &boolean);
    let max_events = t.or("max_events", MAX_EVENTS_DEFAULT, &u64_in(1, MAX_EVENTS_MAX));
    t.finish();
    Simulation { model, duration, warmup, seed, replications, sample_interval, unlimited_cpu, max_events }
}

fn queue(root: &Table, model: ModelKind) -> Option<QueueModel> {
    let t = root.table("queue");
    match (model, t.is_present()) {
        (ModelKind::Queue, _) => {
            let servers = t.req("servers", &u32_in(1, SERVERS_MAX)).unwrap_or(1);
            let service = t.req("service", &dist).unwrap_or(Dist::Const(NS1));
            t.finish();
            Some(QueueModel { servers, service })
        }
        (ModelKind::Clearwater, true) => {
            root.error("queue", "[queue] is only used with simulation.model = \"queue\"");
            None
        }
        (ModelKind::Clearwater, false) => None,
    }
}

fn sites(root: &Table, model: ModelKind) -> Vec<Site> {
    let tables = root.tables("site");
    let n = tables.len();
    let mut sites: Vec<Site> = Vec::new();
    for (i, t) in tables.into_iter().enumerate() {
        let name = t.or("name", format!("site{}", i + 1), &string);
        if sites.iter().any(|s| s.name == name) {
            t.error("name", format!("site names must be unique; \"{name}\" is used twice"));
        }
        let mut tiers = [TierSize { nodes: 1, cores: 1 }; 5];
        for (k, tier) in Tier::ALL.iter().enumerate() {
            let tt = t.table(TIER_NAMES[k]);
            // A site needs a Sprout and a Homestead. Ralf (billing) is absent by default;
            // Homer may be absent (no MMTEL simservs); without Bono the load generator talks
            // to Sprout directly, as Clearwater's core-only stress tests do.
            let (min_nodes, default_nodes) = match tier {
                Tier::Ralf => (0, 0),
                Tier::Homer | Tier::Bono => (0, 1),
                _ => (1, 1),
            };
            let nodes = tt.or("nodes", default_nodes, &u32_in(min_nodes, NODES_MAX));
            let cores = tt.or("cores", 1, &u32_in(1, CORES_MAX));
            tt.finish();
            tiers[k] = TierSize { nodes, cores };
        }
        t.finish();
        sites.push(Site { name, tiers });
    }
    match model {
        ModelKind::Clearwater if n == 0 => root.error("site", "a Clearwater scenario needs at least one [[site]]"),
        ModelKind::Queue if n > 0 => root.error("site", "[[site]] is not used with simulation.model = \"queue\""),
        _ if n > SITES_MAX => root.error("site", format!("at most {SITES_MAX} sites are supported, got {n}")),
        _ => {}
    }
    sites
}

fn costs(t: Table) -> Costs {
    // Calibrated against the published capacity figures (113 000 core-only subscribers on a
    // 2-core Sprout at 50–65% CPU; Sprout latency ≈ 2 ms at that load): see
    // docs/calibration.md for the derivation.
    let c = |key: &'static str, default: &str| t.or(key, dist_of(default), &dist);
    let costs = Costs {
        bono_message: c("bono_message", "gamma(150us, 0.5)"),
        sprout_request: c("sprout_request", "gamma(660us, 0.5)"),
        sprout_continuation: c("sprout_continuation", "gamma(170us, 0.5)"),
        sprout_response: c("sprout_response", "gamma(230us, 0.5)"),
        sprout_in_dialog: c("sprout_in_dialog", "gamma(350us, 0.5)"),
        sprout_transport: c("sprout_transport", "gamma(100us, 0.5)"),
        sprout_untimed_factor: t.or("sprout_untimed_factor", 2.47, &number_in(0.0, 100.0)),
        memcached_op: c("memcached_op", "gamma(20us, 0.5)"),
        chronos_op: c("chronos_op", "gamma(370us, 0.5)"),
        homestead_request: c("homestead_request", "gamma(500us, 0.5)"),
        homestead_hss: c("homestead_hss", "gamma(200us, 0.5)"),
        homer_request: c("homer_request", "gamma(500us, 0.5)"),
        // Optional load term: absent, Cassandra costs its nodes no CPU.
        cassandra_op: t.opt("cassandra_op", &dist),
        // No published measurement (docs/calibration.md, "Ralf"): an ACR is an HTTP request
        // in and a Diameter exchange out, like a Homestead request that goes to the HSS;
        // sending one costs Sprout or Bono about what relaying a response does.
        ralf_request: c("ralf_request", "gamma(700us, 0.5)"),
        acr_send: c("acr_send", "gamma(230us, 0.5)"),
    };
    t.finish();
    costs
}

fn network(t: Table) -> Network {
    let c = |key: &'static str, default: &str| t.or(key, dist_of(default), &dist);
    let n = Network {
        access: c("access", "lognormal(5ms, 0.3)"),
        intra_site: c("intra_site", "lognormal(250us, 0.3)"),
        inter_site: c("inter_site", "lognormal(25ms, 0.1)"),
        cassandra: c("cassandra", "lognormal(1ms, 0.5)"),
        hss: t.opt("hss", &dist),
        diameter_timeout: t.or("diameter_timeout", ms(200), &positive_duration()), // [doc 8.21]
        cdf: c("cdf", "lognormal(5ms, 0.5)"),
    };
    t.finish();
    n
}

fn dns(t: Table, site_count: usize) -> Dns {
    let mode = match t.or("mode", "static", &one_of(&["static", "latency-based"])) {
        "latency-based" => DnsMode::LatencyBased,
        _ => DnsMode::Static,
    };
    let server_latency = t.or("server_latency", dist_of("500us"), &dist);
    // Zone default TTL 5 min [doc 8.28]; GR recommends 30 s for the Bono record [doc 8.46].
    let ttl = t.or("ttl", secs(300), &any_duration());
    let bono_ttl = t.or("bono_ttl", ttl, &any_duration());
    // Empty answers cached 300 s, stale answers extended by 30 s, 600 ms query timeout
    // [src cpp-common: dnscachedresolver.cpp].
    let negative_ttl = t.or("negative_ttl", secs(300), &any_duration());
    let stale_extension = t.or("stale_extension", secs(30), &positive_duration());
    let query_timeout = t.or("query_timeout", ms(600), &positive_duration());
    let health_check_interval = t.or("health_check_interval", secs(10), &any_duration());
    let health_check_failures = t.or("health_check_failures", 3, &u32_in(0, 100));
    let even = vec![1.0 / site_count as f64; site_count];
    let site_split = match t.opt("site_split", &array_of(probability)) {
        None => even,
        Some(split) if split.len() != site_count => {
            t.error("site_split", format!("needs one fraction per site ({site_count}), got {}", split.len()));
            even
        }
        Some(split) if (split.iter().sum::<f64>() - 1.0).abs() > 1e-9 => {
            t.error("site_split", format!("fractions must sum to 1, got {}", split.iter().sum::<f64>()));
            even
        }
        Some(split) => split,
    };
    t.finish();
    Dns {
        mode,
        server_latency,
        ttl,
        bono_ttl,
        negative_ttl,
        stale_extension,
        query_timeout,
        health_check_interval,
        health_check_failures,
        site_split,
    }
}

fn sip(t: Table) -> Sip {
    let ue_mode = match t.or("ue_mode", "rfc5626", &one_of(&["documented", "rfc5626"])) {
        "documented" => UeMode::Documented,
        _ => UeMode::Rfc5626,
    };
    let s = Sip {
        reg_max_expires: t.or("reg_max_expires", secs(300), &positive_duration()), // [doc 8.21]
        transaction_timeout: t.or("transaction_timeout", secs(32), &positive_duration()), // 64·T1 [pjsip]
        tcp_connect_timeout: t.or("tcp_connect_timeout", ms(2000), &positive_duration()), // [doc 8.21]
        // Absent: the era's rule (4 s from Oct 2017, none before) [PR sprout#1949].
        queue_timeout: t.opt("queue_timeout", &positive_duration()),
        max_targets: t.or("max_targets", 5, &u32_in(1, 100)), // [src sprout: basicproxy.cpp]
        // Absent: Bono's integrity protection decides [src sprout: bono.cpp, sip-stress.xml].
        challenge_reregister: t.opt("challenge_reregister", &boolean),
        // Optional load term: absent, no iFC names an application server for REGISTER.
        third_party_register: t.opt("third_party_register", &dist),
        // Optional load term: absent, UEs do not subscribe to the reg event package.
        reg_event_expires: t.opt("reg_event_expires", &duration_in(secs(60), DURATION_MAX)),
        ue_mode,
        // The documentation's ~5 minutes [doc 8.46.3]; RFC 5626's base-time of 30 s (no flow
        // left) for outbound UEs.
        register_retry: t.or(
            "register_retry",
            Dist::Const(secs(if ue_mode == UeMode::Documented { 300 } else { 30 })),
            &dist,
        ),
        // Redialling is the caller's choice, not Clearwater's: off unless asked for.
        call_retries: t.or("call_retries", 0, &u32_in(0, 100)),
        call_retry: t.or("call_retry", Dist::Const(secs(10)), &dist),
    };
    t.finish();
    s
}

fn pool(t: Table) -> Pool {
    let p = Pool {
        upstream_connections: t.or("upstream_connections", 50, &u32_in(1, 10_000)), // [doc 8.21]
        upstream_recycle: t.or("upstream_recycle", secs(600), &positive_duration()), // [src sprout: debian/bono.init.d]
        sip_blacklist: t.or("sip_blacklist", secs(30), &any_duration()),            // [doc 8.21]
        http_blacklist: t.or("http_blacklist", secs(30), &any_duration()),          // [doc 8.21]
        graylist: t.or("graylist", secs(30), &any_duration()),                      // [src baseresolver]
        http_attempts: t.or("http_attempts", 2, &u32_in(1, 10)),                    // [src cpp-common: httpclient.cpp]
        http_timeout: t.or("http_timeout", ms(1200), &positive_duration()),         // [src sprout: etc/init.d/sprout]
        http_connect_timeout_local: t.or("http_connect_timeout_local", ms(50), &positive_duration()),
    };
    // Sprout's HTTP peers (Homestead, Homer, Chronos) are in its own site in this model.
    not_yet(
        &t,
        "http_connect_timeout_remote",
        "no HTTP request crosses sites in this model (each site's Sprouts use their own Homestead, Homer and Chronos)",
    );
    t.finish();
    p
}

fn billing(t: Table) -> Billing {
    let b = Billing {
        // Chosen by the CDF (its Acct-Interim-Interval, a whole number of seconds); 300 s is a
        // common setting.
        interim_interval: t.or("interim_interval", secs(300), &duration_in(secs(1), DURATION_MAX)),
        // Sprout's default session expiry, 10 minutes [src sprout: main.cpp]; a session
        // timer is at least 90 s (RFC 4028 Min-SE).
        session_expires: t.or("session_expires", secs(600), &duration_in(secs(90), DURATION_MAX)),
    };
    t.finish();
    b
}

fn throttling(t: Table) -> Throttling {
    let profile = match t.or("profile", "documented", &one_of(&["documented", "later"])) {
        "later" => ThrottleProfile::Later,
        _ => ThrottleProfile::Documented,
    };
    // Documented era [doc 8.21]: 100 ms, 1000 tokens, 250/s per core, min 10/s, no max.
    // Later era [src sprout: main.cpp since Nov 2017]: 10 ms, 2000/s initial and maximum.
    let (target, init, max_rate) = match profile {
        ThrottleProfile::Documented => (ms(100), 250.0, None),
        ThrottleProfile::Later => (ms(10), 2000.0, Some(Rate::per_second(2000.0))),
    };
    let names = t.or(
        "tiers",
        vec!["bono", "sprout", "homestead", "chronos"],
        &array_of(one_of(&["bono", "sprout", "homestead", "homer", "ralf", "chronos"])),
    );
    let chronos = names.contains(&"chronos");
    let tiers = names.into_iter().filter(|&n| n != "chronos").map(tier_of).collect();
    let target_latency = t.or("target_latency", target, &positive_duration());
    let max_tokens = t.or("max_tokens", 1000, &u32_in(1, 100_000_000));
    let init_token_rate = t.or("init_token_rate", Rate::per_second(init), &rate_in(RATE_MAX_PER_S));
    let min_token_rate = t.or("min_token_rate", Rate::per_second(10.0), &rate_in(RATE_MAX_PER_S));
    let max_token_rate = match t.opt("max_token_rate", &rate) {
        // The documented era's LoadMonitor has no maximum rate [doc 8.21].
        Some(_) if profile == ThrottleProfile::Documented => {
            t.error(
                "max_token_rate",
                "the documented-era LoadMonitor has no maximum rate; it applies to profile = \"later\"",
            );
            None
        }
        Some(r) if r.as_per_second() == 0.0 => None,
        Some(r) => Some(r),
        None => max_rate,
    };
    if let Some(max) = max_token_rate {
        if max < min_token_rate {
            t.error("max_token_rate", format!("must be ≥ min_token_rate ({min_token_rate}), got {max}"));
        }
    }
    // Chronos's own LoadMonitor, one per Sprout node
    // [src chronos: globals.cpp, [throttling] defaults]: 500 ms, 1000 tokens, 500/s initial
    // (per node), 10/s minimum, no maximum.
    let chronos = ChronosThrottling {
        enabled: chronos,
        target_latency: t.or("chronos_target_latency", ms(500), &positive_duration()),
        max_tokens: t.or("chronos_max_tokens", 1000, &u32_in(1, 100_000_000)),
        init_token_rate: t.or("chronos_init_token_rate", Rate::per_second(500.0), &rate_in(RATE_MAX_PER_S)),
        min_token_rate: t.or("chronos_min_token_rate", Rate::per_second(10.0), &rate_in(RATE_MAX_PER_S)),
    };
    t.finish();
    Throttling { profile, tiers, target_latency, max_tokens, init_token_rate, min_token_rate, max_token_rate, chronos }
}

/// The Session-Expires calls negotiate (RFC 4028, at least its 90 s Min-SE); absent: no
/// session refreshes (an optional load term).
fn session_expires(t: &Table) -> Option<SimDuration> {
    t.opt("session_expires", &duration_in(secs(90), DURATION_MAX))
}

fn subscribers(t: &Table) -> u64 {
    t.req("subscribers", &u64_in(1, SUBSCRIBERS_MAX)).unwrap_or(2)
}

fn load(root: &Table, model: ModelKind) -> Load {
    let t = root.table("load");
    let profiles: &[&'static str] = match model {
        ModelKind::Queue => &["poisson"],
        ModelKind::Clearwater => &["sip-stress", "core-only", "rate", "sipp"],
    };
    let Some(chosen) = t.req("profile", &one_of(profiles)) else {
        // Which keys are valid depends on the profile: without a valid one, don't guess.
        if !t.is_present() {
            root.error("load", "missing required table [load]");
        }
        return Load::Poisson { rate: Rate::per_second(1.0), stop_at: None };
    };
    let load = match chosen {
        "poisson" => Load::Poisson {
            rate: t.req("rate", &rate_in(RATE_MAX_PER_S)).unwrap_or(Rate::per_second(1.0)),
            stop_at: t.opt("stop_at", &any_duration()),
        },
        // [doc 8.56], clearwater-sip-stress: pairs, 0–600 s start, 5 min re-register, a call
        // with probability 0.167 per cycle, 6 s answer, 24 s talk.
        "sip-stress" => {
            let subscribers = subscribers(&t);
            if subscribers % 2 == 1 {
                t.error("subscribers", format!("must be even (the stress profile runs pairs), got {subscribers}"));
            }
            Load::SipStress {
                subscribers,
                preregistered: t.or("preregistered", false, &boolean),
                start_spread: t.or("start_spread", secs(600), &any_duration()),
                reregister: t.or("reregister", secs(300), &positive_duration()),
                call_probability: t.or("call_probability", 0.167, &probability),
                answer_after: t.or("answer_after", secs(6), &any_duration()),
                talk: t.or("talk", secs(24), &any_duration()),
            }
        }
        // [src clearwater-perf-utils]: 1.3 BHCA, 2 re-registers per hour, 5 s calls answered
        // after 2.3 s.
        "core-only" => Load::CoreOnly {
            subscribers: subscribers(&t),
            preregistered: t.or("preregistered", true, &boolean),
            bhca: t.or("bhca", 1.3, &number_in(0.0, 1000.0)),
            reregisters_per_hour: t.or("reregisters_per_hour", 2.0, &number_in(0.0, 3600.0)),
            answer_after: t.or("answer_after", ms(2300), &any_duration()),
            call_length: t.or("call_length", secs(5), &any_duration()),
            session_expires: session_expires(&t),
        },
        "sipp" => Load::Sipp(Box::new(crate::scenario::sipp_load::sipp_load(&t, subscribers(&t)))),
        _ => Load::Rate {
            subscribers: subscribers(&t),
            preregistered: t.or("preregistered", true, &boolean),
            reregister: t.or("reregister", secs(290), &positive_duration()),
            rate: t.req("rate", &rate_in(RATE_MAX_PER_S)).unwrap_or(Rate::per_second(1.0)),
            rate_increase: t.opt("rate_increase", &rate_in(RATE_MAX_PER_S)),
            rate_interval: t.or("rate_interval", secs(10), &positive_duration()),
            rate_max: t.opt("rate_max", &rate_in(RATE_MAX_PER_S)),
            limit: t.or("limit", 10_000, &u64_in(1, SUBSCRIBERS_MAX)),
            max_calls: t.opt("max_calls", &u64_in(1, u32::MAX as u64)),
            answer_after: t.or("answer_after", secs(1), &any_duration()),
            call_length: t.or("call_length", secs(10), &any_duration()),
            session_expires: session_expires(&t),
        },
    };
    t.finish();
    load
}

/// A UE that refreshes less often than its registration lasts would drop out between
/// refreshes: almost certainly a configuration mistake, so it is refused with the fix.
fn refresh_check(root: &Table, load: &Load, sip: &Sip) {
    let (key, every) = match load {
        Load::CoreOnly { reregisters_per_hour, .. } if *reregisters_per_hour > 0.0 => {
            ("reregisters_per_hour", SimDuration::from_secs_f64(3600.0 / reregisters_per_hour))
        }
        Load::Rate { reregister, .. } => ("reregister", *reregister),
        _ => return,
    };
    // UEs ask for 3600 s; Sprout grants at most reg_max_expires.
    let granted = sip.reg_max_expires.min(SimDuration::from_secs(3600));
    if every >= granted {
        root.table("load").error(
            key,
            format!(
                "subscribers would refresh every {every}, but a registration lasts {granted} (the 3600 s UEs ask \
                 for, capped by sip.reg_max_expires = {}): bindings would lapse before each refresh; refresh more \
                 often or raise sip.reg_max_expires",
                sip.reg_max_expires
            ),
        );
    }
}

/// Bounds the offered load (registrations and calls per second, at its peak) so that a run
/// always makes progress in simulated time and finishes in a plausible wall time.
fn load_rate_check(root: &Table, load: &Load, sim: &Simulation) {
    let per = |n: u64, every: SimDuration| n as f64 / every.as_secs_f64().max(1e-9);
    let (key, registrations, calls, how) = match *load {
        Load::SipStress { subscribers, reregister, call_probability, .. } => (
            "subscribers",
            per(subscribers, reregister),
            per(subscribers / 2, reregister) * call_probability,
            String::new(),
        ),
        Load::CoreOnly { subscribers, bhca, reregisters_per_hour, .. } => (
            "subscribers",
            subscribers as f64 * reregisters_per_hour / 3600.0,
            bhca / 2.0 * subscribers as f64 / 3600.0,
            String::new(),
        ),
        Load::Rate { subscribers, reregister, rate, rate_increase, rate_interval, rate_max, .. } => {
            let steps = (sim.duration.as_ns() / rate_interval.as_ns().max(1)) as f64;
            let ramped = rate.as_per_second() + rate_increase.map_or(0.0, |r| r.as_per_second()) * steps;
            let peak = rate_max.map_or(ramped, |m| ramped.min(m.as_per_second().max(rate.as_per_second())));
            let how = if rate_increase.is_some() && rate_max.is_none() {
                " (the ramp has no rate_max: set one)".to_string()
            } else {
                String::new()
            };
            (if rate_increase.is_some() { "rate_max" } else { "rate" }, per(subscribers, reregister), peak, how)
        }
        Load::Sipp(ref s) => {
            let steps = (sim.duration.as_ns() / 1_000_000_000).max(1) as f64;
            let peak: f64 = s
                .sources
                .iter()
                .map(|src| {
                    let ramped = src.rate + src.rate_increase.unwrap_or(0.0) * steps;
                    let per_period = src.rate_max.map_or(ramped, |m| ramped.min(m.max(src.rate)));
                    per_period / src.rate_period.as_secs_f64().max(1e-9)
                })
                .sum();
            ("rate", 0.0, peak, String::new())
        }
        Load::Poisson { .. } => return,
    };
    let total = registrations + calls;
    if total > LOAD_RATE_MAX_PER_S {
        root.table("load").error(
            key,
            format!(
                "the load peaks at {:.3e} requests/s ({:.3e} registrations/s + {:.3e} calls/s){how}; at most {:.0e}/s \
                 is supported",
                total, registrations, calls, LOAD_RATE_MAX_PER_S
            ),
        );
    }
}

fn site_index(t: &Table, key: &'static str, sites: &[Site]) -> usize {
    let Some(name) = t.req(key, &string) else {
        return 0;
    };
    match sites.iter().position(|s| s.name == name) {
        Some(i) => i,
        None => {
            let names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
            t.error(key, format!("unknown site \"{name}\"; sites: {}", names.join(", ")));
            0
        }
    }
}

/// Where a fault names a node, for the timeline check once every fault is known.
pub struct NodeRef {
    span: std::ops::Range<usize>,
    key: String,
}

/// A node reference: site, tier and index within the tier. The index is checked against
/// the tier's size at the fault's time (`scale` faults change it) by [`fault_timeline`].
fn node_ref(t: &Table, sites: &[Site]) -> (usize, Tier, u32, Option<NodeRef>) {
    let site = site_index(t, "site", sites);
    let tier = t.req("tier", &simulated_tier).map(tier_of);
    let index = t.opt("index", &u32_in(0, NODES_MAX));
    // Checked against the timeline only when the whole fault is valid (see `fault_timeline`).
    let at = Some(NodeRef { span: t.span_of("index").unwrap_or_else(|| t.span()), key: t.key_path("index") });
    (site, tier.unwrap_or(Tier::Bono), index.unwrap_or(0), at)
}

/// Checks node references against the tier sizes in force from the fault's start to its end
/// (a `scale` fault resizes a tier at `at` and restores it at `until`), in the order the run
/// applies them: by time, then file order, a fault's start before its end. Also bounds the
/// nodes a run creates.
/// `refs[i]` is `None` when fault i is invalid (its own error is reported): the timeline is
/// checked only when every `scale` fault is valid, and only valid node references are checked.
fn fault_timeline(root: &Table, faults: &[Fault], refs: &[Option<Option<NodeRef>>], sites: &[Site]) {
    let scale_invalid = faults.iter().zip(refs).any(|(f, r)| matches!(f.kind, FaultKind::Scale { .. }) && r.is_none());
    if sites.is_empty() || scale_invalid {
        return;
    }
    // (time, file order, start?) — the run schedules each fault's start, then its end.
    let mut steps: Vec<(SimDuration, usize, bool)> = Vec::new();
    for (i, f) in faults.iter().enumerate() {
        steps.push((f.at, 2 * i, true));
        if let Some(u) = f.until {
            steps.push((u, 2 * i + 1, false));
        }
    }
    steps.sort_by_key(|&(t, order, _)| (t, order));
    let mut size: Vec<[u32; 5]> = sites.iter().map(|s| Tier::ALL.map(|t| s.tier(t).nodes)).collect();
    let mut created: u32 = size.iter().flatten().sum();
    let mut before = vec![0u32; faults.len()];
    // Per node-referencing fault: the smallest tier size while it is in force.
    let mut smallest: Vec<Option<u32>> = vec![None; faults.len()];
    let mut active: Vec<usize> = Vec::new();
    let node_of = |k: &FaultKind| match *k {
        FaultKind::NodeCrash { site, tier, .. } | FaultKind::CpuSlowdown { site, tier, .. } => Some((site, tier)),
        _ => None,
    };
    for (_, order, start) in steps {
        let i = order / 2;
        if let FaultKind::Scale { site, tier, nodes, .. } = faults[i].kind {
            let now = &mut size[site][tier as usize];
            let target = if start {
                before[i] = *now;
                nodes
            } else {
                before[i]
            };
            created = created.saturating_add(target.saturating_sub(*now));
            *now = target;
            for &a in &active {
                if let Some((s, t)) = node_of(&faults[a].kind) {
                    smallest[a] = Some(smallest[a].map_or(size[s][t as usize], |m| m.min(size[s][t as usize])));
                }
            }
        } else if let Some((s, t)) = node_of(&faults[i].kind) {
            if start {
                smallest[i] = Some(size[s][t as usize]);
                active.push(i);
            } else {
                active.retain(|&a| a != i);
            }
        }
    }
    if created > NODES_CREATED_MAX {
        root.error(
            "fault",
            format!("the scale faults create {created} nodes in all; at most {NODES_CREATED_MAX} are supported"),
        );
    }
    for (i, f) in faults.iter().enumerate() {
        let (Some(Some(r)), Some(min)) = (&refs[i], smallest[i]) else { continue };
        let (FaultKind::NodeCrash { site, tier, index, .. } | FaultKind::CpuSlowdown { site, tier, index, .. }) =
            f.kind
        else {
            continue;
        };
        if index < min {
            continue;
        }
        let name = &sites[site].name;
        let while_ = if f.until.is_some() { "while the fault lasts" } else { "from the fault on" };
        let msg = if min == 0 {
            format!("site \"{name}\" has no {} node {while_}", tier.name())
        } else {
            format!(
                "site \"{name}\" has {min} {} node(s) {while_} (counting `scale` faults); index must be < {min}, got {index}",
                tier.name()
            )
        };
        root.ctx().error(&r.span, &r.key, msg);
    }
}

fn mode(t: &Table) -> FailureMode {
    match t.or("mode", "loud", &one_of(&["loud", "silent"])) {
        "silent" => FailureMode::Silent,
        _ => FailureMode::Loud,
    }
}

/// `sim` is `None` when [simulation] is invalid: the fault's times are then not compared
/// with the run's length.
fn fault(t: Table, sites: &[Site], sim: Option<&Simulation>) -> (Fault, Option<NodeRef>) {
    let valid_at = t.req("at", &any_duration());
    let at = valid_at.unwrap_or(ZERO);
    if let (Some(sim), Some(at)) = (sim, valid_at) {
        if at >= sim.duration {
            t.error("at", format!("must be before the end of the run ({}), got {at}", sim.duration));
        }
    }
    let until = t.opt("until", &any_duration());
    if let (Some(u), Some(at)) = (until, valid_at) {
        if u <= at {
            t.error("until", format!("must be after `at` ({at}), got {u}"));
        }
    }
    let kinds =
        ["node-crash", "site-failure", "dns-failure", "partition", "block-port", "latency", "cpu-slowdown", "scale"];
    let Some(chosen) = t.req("kind", &one_of(&kinds)) else {
        // The valid keys depend on the kind: without a valid one, don't guess.
        return (Fault { at, until, kind: FaultKind::DnsFailure }, None);
    };
    let mut node = None;
    let kind = match chosen {
        "node-crash" => {
            let (site, tier, index, at) = node_ref(&t, sites);
            node = at;
            FaultKind::NodeCrash { site, tier, index, mode: mode(&t) }
        }
        "site-failure" => FaultKind::SiteFailure { site: site_index(&t, "site", sites), mode: mode(&t) },
        "dns-failure" => FaultKind::DnsFailure,
        "partition" => {
            if sites.len() < 2 {
                t.error("kind", "a partition needs two sites");
            }
            FaultKind::Partition
        }
        "block-port" => {
            let from = t.req("from", &simulated_tier).map(tier_of);
            let to = t.req("to", &simulated_tier).map(tier_of);
            let port = t.req("port", &u32_in(1, 65_535)).map(|p| p as u16);
            if let (Some(from), Some(to), Some(port)) = (from, to, port) {
                if !crate::network::ports::known(from, to, port) {
                    let valid = crate::network::ports::ports_between(from, to);
                    let list = if valid.is_empty() {
                        format!("{} does not open connections to {}", from.name(), to.name())
                    } else {
                        format!(
                            "{} → {} uses TCP {}",
                            from.name(),
                            to.name(),
                            valid.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
                        )
                    };
                    t.error("port", format!("no interface of Clearwater's port table matches; {list}"));
                }
            }
            FaultKind::BlockPort {
                from: from.unwrap_or(Tier::Bono),
                to: to.unwrap_or(Tier::Bono),
                port: port.unwrap_or(1),
                between_sites: t.or("between_sites", false, &boolean),
            }
        }
        "latency" => FaultKind::Latency {
            extra: t.req("extra", &positive_duration()).unwrap_or(NS1),
            between_sites: t.or("between_sites", true, &boolean),
        },
        "cpu-slowdown" => {
            let (site, tier, index, at) = node_ref(&t, sites);
            node = at;
            let factor = t.req("factor", &number_in(SLOWDOWN_MIN, SLOWDOWN_MAX)).unwrap_or(1.0);
            FaultKind::CpuSlowdown { site, tier, index, factor }
        }
        _ => {
            let site = site_index(&t, "site", sites);
            let tier = tier_of(t.req("tier", &simulated_tier).unwrap_or("sprout"));
            let nodes = t.req("nodes", &u32_in(0, NODES_MAX)).unwrap_or(1);
            let had = sites.get(site).map_or(0, |s| s.tier(tier).nodes);
            let rule = match tier {
                Tier::Sprout | Tier::Homestead if nodes == 0 => Some("a site needs at least one node of this tier"),
                Tier::Ralf => Some("Ralf's session stores do not resynchronise in this model, so its tier cannot be resized"),
                Tier::Bono if (had == 0) != (nodes == 0) => {
                    Some("subscribers connect to Bono or, without one, straight to Sprout: a site cannot gain or lose its Bono tier")
                }
                _ => None,
            };
            if let Some(rule) = rule {
                t.error("nodes", format!("{rule}; got {nodes} (the site has {had})"));
            }
            // Astaire's `cpulimit`, in percent of the node's CPU: 5 unless configured
            // (`astaire_cpu_limit_percentage`, an integer) [doc 8.21].
            let astaire_cpu_limit = t.or("astaire_cpu_limit_percentage", 5, &u32_in(1, 100));
            FaultKind::Scale { site, tier, nodes, astaire_cpu_limit }
        }
    };
    t.finish();
    (Fault { at, until, kind }, node)
}

fn output_dir(v: &toml::de::DeValue) -> Result<String, String> {
    let dir = string(v)?;
    if dir.trim().is_empty() {
        return Err("must name a directory; remove the key for the default outputs/<name>/".into());
    }
    if dir.chars().any(char::is_control) {
        return Err(format!("must not contain control characters, got \"{}\"", dir.escape_debug()));
    }
    Ok(dir)
}

fn output(t: Table) -> Output {
    let o = Output {
        dir: t.opt("dir", &output_dir),
        timeseries: t.or("timeseries", true, &boolean),
        plots: t.or("plots", true, &boolean),
        sipp_stats: t.or("sipp_stats", false, &boolean),
    };
    t.finish();
    o
}
