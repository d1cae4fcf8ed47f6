//! Every key the scenario format accepts does something. The keys are enumerated from the
//! schema itself (the keys its walk asks for, over scenarios that use every load profile
//! and fault kind); each model key must change the event fingerprint of a scenario where it
//! matters, and the few output-only or run-level keys are listed with what they do instead.

use std::collections::{BTreeMap, BTreeSet};

use cwsim::engine::{RunControl, RunEnd};
use cwsim::model::{clearwater, queue};
use cwsim::scenario::{self, Override, Scenario};

/// A small single-site deployment on the stress profile: every pair calls each cycle.
const STRESS: &str = r#"
[simulation]
duration = "8m"
sample_interval = "30s"
[[site]]
name = "a"
bono = { nodes = 1 }
sprout = { nodes = 2 }
homestead = { nodes = 1 }
homer = { nodes = 1 }
[load]
profile = "sip-stress"
subscribers = 200
start_spread = "60s"
call_probability = 1.0
"#;

/// Core-only: subscribers on Sprout directly, calls as a Poisson process.
const CORE: &str = r#"
[simulation]
duration = "8m"
sample_interval = "30s"
[[site]]
name = "a"
bono = { nodes = 0 }
sprout = { nodes = 2 }
homestead = { nodes = 1 }
[load]
profile = "core-only"
subscribers = 400
bhca = 30
reregisters_per_hour = 15
"#;

/// A SIPp-like ramp.
const RATE: &str = r#"
[simulation]
duration = "6m"
sample_interval = "30s"
[[site]]
name = "a"
sprout = { nodes = 2 }
[load]
profile = "rate"
subscribers = 200
rate = "2/s"
rate_increase = "1/s"
rate_interval = "60s"
rate_max = "4/s"
limit = 30
max_calls = 2000
"#;

/// Overload of a 1-core Sprout: the LoadMonitors act.
const OVERLOAD: &str = r#"
[simulation]
duration = "4m"
sample_interval = "10s"
[[site]]
name = "a"
bono = { nodes = 1, cores = 4 }
sprout = { nodes = 1, cores = 1 }
homestead = { nodes = 1, cores = 2 }
[sip]
register_retry = "uniform(10s, 30s)"
call_retries = 2
call_retry = "5s"
[load]
profile = "rate"
subscribers = 2000
reregister = "150s"
rate = "250/s"
"#;

/// An external HSS behind Homestead.
const HSS: &str = r#"
[simulation]
duration = "8m"
sample_interval = "30s"
[[site]]
name = "a"
sprout = { nodes = 2 }
[network]
hss = "lognormal(20ms, 0.5)"
[load]
profile = "sip-stress"
subscribers = 200
start_spread = "60s"
call_probability = 1.0
"#;

/// Two sites, latency-based DNS, faults of every kind at their own times.
const FAULTY: &str = r#"
[simulation]
duration = "16m"
sample_interval = "30s"
[[site]]
name = "a"
bono = { nodes = 2 }
sprout = { nodes = 2 }
homestead = { nodes = 2 }
homer = { nodes = 1 }
[[site]]
name = "b"
bono = { nodes = 2 }
sprout = { nodes = 2 }
homestead = { nodes = 2 }
homer = { nodes = 1 }
[dns]
mode = "latency-based"
bono_ttl = "30s"
[sip]
register_retry = "60s"
reg_max_expires = "600s"
[load]
profile = "sip-stress"
subscribers = 400
start_spread = "60s"
call_probability = 1.0
[[fault]]
at = "2m"
until = "5m"
kind = "node-crash"
site = "a"
tier = "homestead"
index = 1
mode = "silent"
[[fault]]
at = "9m"
until = "12m"
kind = "site-failure"
site = "a"
mode = "loud"
[[fault]]
at = "3m"
until = "6m"
kind = "dns-failure"
[[fault]]
at = "6m"
until = "7m"
kind = "partition"
[[fault]]
at = "4m"
until = "8m"
kind = "block-port"
from = "sprout"
to = "sprout"
port = 7253
between_sites = false
[[fault]]
at = "5m"
until = "6m"
kind = "latency"
extra = "20ms"
[[fault]]
at = "2m"
until = "4m"
kind = "cpu-slowdown"
site = "b"
tier = "sprout"
index = 0
factor = 3.0
[[fault]]
at = "7m"
until = "13m"
kind = "scale"
site = "b"
tier = "sprout"
nodes = 3
"#;

/// The documentation's GR setting, small: core-only UEs that back off after a failure.
const GR: &str = r#"
[simulation]
duration = "15m"
sample_interval = "30s"
[[site]]
name = "a"
bono = { nodes = 2 }
sprout = { nodes = 2 }
[[site]]
name = "b"
bono = { nodes = 2 }
sprout = { nodes = 2 }
[dns]
mode = "latency-based"
bono_ttl = "30s"
health_check_failures = 0
[sip]
reg_max_expires = "600s"
register_retry = "300s"
[load]
profile = "core-only"
subscribers = 400
reregisters_per_hour = 12
bhca = 2
[[fault]]
at = "5m"
kind = "site-failure"
site = "a"
mode = "loud"
"#;

/// Homer leaves for two minutes: Sprouts cache the empty answer for the negative TTL.
const HOMERLESS: &str = r#"
[simulation]
duration = "8m"
sample_interval = "30s"
[[site]]
name = "a"
sprout = { nodes = 2 }
homer = { nodes = 1 }
[dns]
ttl = "10s"
[load]
profile = "sip-stress"
subscribers = 200
start_spread = "60s"
call_probability = 1.0
[[fault]]
at = "2m"
until = "4m"
kind = "scale"
site = "a"
tier = "homer"
nodes = 0
"#;

/// Static DNS, one Bono dies silently, then the other loudly: reset UEs reconnect at random,
/// some to the silent one.
const EDGE: &str = r#"
[simulation]
duration = "6m"
sample_interval = "30s"
[[site]]
name = "a"
bono = { nodes = 2 }
sprout = { nodes = 2 }
[sip]
register_retry = "30s"
[load]
profile = "core-only"
subscribers = 400
reregisters_per_hour = 15
bhca = 2
[[fault]]
at = "1m"
until = "5m"
kind = "node-crash"
site = "a"
tier = "bono"
index = 1
mode = "silent"
[[fault]]
at = "2m"
until = "3m"
kind = "node-crash"
site = "a"
tier = "bono"
index = 0
mode = "loud"
"#;

/// The M/M/c queue model.
const QUEUE: &str = r#"
[simulation]
model = "queue"
duration = "10m"
[queue]
servers = 2
service = "exp(1s)"
[load]
profile = "poisson"
rate = "1.5/s"
stop_at = "9m"
"#;

/// Rf billing: Ralf nodes, calls long enough for interim timers.
const BILLING: &str = r#"
[simulation]
duration = "6m"
sample_interval = "30s"
[[site]]
name = "a"
bono = { nodes = 1 }
sprout = { nodes = 1 }
homestead = { nodes = 1 }
ralf = { nodes = 2 }
[load]
profile = "rate"
subscribers = 200
rate = "1/s"
limit = 100
call_length = "150s"
[billing]
interim_interval = "60s"
session_expires = "200s"
"#;

/// A SIPp scenario as the load: SIPp's uac.xml at 2 calls/s, 10 s calls (`-d`).
const SIPP: &str = r#"
[simulation]
duration = "3m"
sample_interval = "30s"
[[site]]
name = "a"
sprout = { nodes = 2 }
homestead = { nodes = 1 }
[load]
profile = "sipp"
subscribers = 200
scenario = "tests/sipp/uac.xml"
rate = 2
default_pause = "10s"
"#;

const BASES: [(&str, &str); 12] = [
    ("stress", STRESS),
    ("core", CORE),
    ("rate", RATE),
    ("overload", OVERLOAD),
    ("hss", HSS),
    ("faulty", FAULTY),
    ("gr", GR),
    ("homerless", HOMERLESS),
    ("edge", EDGE),
    ("queue", QUEUE),
    ("billing", BILLING),
    ("sipp", SIPP),
];

/// Model keys: (key as the schema names it, base scenario, an override that must change
/// the event fingerprint; several are separated by ';'). Values are chosen where the key
/// matters in that base; `context | change` applies `context` to both runs compared, for a
/// key that matters only in some setting (a bucket that empties, a tier under load).
const CHANGES: &[(&str, &str, &str)] = &[
    ("simulation.duration", "stress", "simulation.duration=9m"),
    ("simulation.warmup", "stress", "simulation.warmup=2m"),
    ("simulation.seed", "stress", "simulation.seed=2"),
    ("simulation.sample_interval", "stress", "simulation.sample_interval=10s"),
    ("simulation.unlimited_cpu", "overload", "simulation.unlimited_cpu=true"),
    // Renaming a site changes nothing simulated unless something names it: a fault does.
    ("site[].name", "faulty", "site[0].name=b;site[1].name=a"),
    ("site[].bono.nodes", "stress", "site[0].bono.nodes=2"),
    ("site[].bono.cores", "overload", "site[0].bono.cores=1"),
    ("site[].sprout.nodes", "stress", "site[0].sprout.nodes=3"),
    ("site[].sprout.cores", "overload", "site[0].sprout.cores=2"),
    ("site[].homestead.nodes", "stress", "site[0].homestead.nodes=2"),
    ("site[].homestead.cores", "overload", "site[0].homestead.cores=1"),
    ("site[].homer.nodes", "stress", "site[0].homer.nodes=0"),
    ("site[].homer.cores", "stress", "costs.homer_request=1s | site[0].homer.cores=2"),
    ("site[].ralf.nodes", "billing", "site[0].ralf.nodes=3"),
    ("site[].ralf.cores", "billing", "costs.ralf_request=500ms | site[0].ralf.cores=2"),
    ("costs.ralf_request", "billing", "costs.ralf_request=1ms"),
    ("costs.acr_send", "billing", "costs.acr_send=1ms"),
    ("network.cdf", "billing", "network.cdf=20ms"),
    ("billing.interim_interval", "billing", "billing.interim_interval=30s"),
    ("billing.session_expires", "billing", "billing.session_expires=100s"),
    ("costs.bono_message", "stress", "costs.bono_message=300us"),
    ("costs.sprout_request", "stress", "costs.sprout_request=1ms"),
    ("costs.sprout_continuation", "stress", "costs.sprout_continuation=1ms"),
    ("costs.sprout_response", "stress", "costs.sprout_response=1ms"),
    ("costs.sprout_in_dialog", "stress", "costs.sprout_in_dialog=1ms"),
    ("costs.sprout_untimed_factor", "stress", "costs.sprout_untimed_factor=1.0"),
    ("costs.sprout_transport", "stress", "costs.sprout_transport=1ms"),
    ("costs.memcached_op", "stress", "costs.memcached_op=1ms"),
    ("costs.chronos_op", "stress", "costs.chronos_op=1ms"),
    ("costs.homestead_request", "stress", "costs.homestead_request=1ms"),
    ("costs.homestead_hss", "hss", "costs.homestead_hss=1ms"),
    ("costs.homer_request", "stress", "costs.homer_request=1ms"),
    ("costs.cassandra_op", "stress", "costs.cassandra_op=1ms"),
    ("sip.third_party_register", "stress", "sip.third_party_register=20ms"),
    ("sip.reg_event_expires", "stress", "sip.reg_event_expires=600000s"),
    ("load.session_expires", "core", "load.call_length=200s;load.session_expires=120s | load.session_expires=100s"),
    ("network.access", "stress", "network.access=10ms"),
    ("network.intra_site", "stress", "network.intra_site=1ms"),
    ("network.inter_site", "faulty", "network.inter_site=50ms"),
    ("network.cassandra", "stress", "network.cassandra=3ms"),
    ("network.hss", "stress", "network.hss=5ms"),
    ("network.diameter_timeout", "hss", "network.diameter_timeout=15ms"),
    ("dns.mode", "gr", "dns.mode=static"),
    ("dns.server_latency", "stress", "dns.server_latency=5ms"),
    ("dns.ttl", "stress", "dns.ttl=30s"),
    ("dns.bono_ttl", "gr", "dns.bono_ttl=300s"),
    ("dns.negative_ttl", "homerless", "dns.negative_ttl=10s"),
    ("dns.stale_extension", "faulty", "dns.stale_extension=5s"),
    ("dns.query_timeout", "faulty", "dns.query_timeout=100ms"),
    ("dns.health_check_interval", "faulty", "dns.health_check_interval=2s"),
    ("dns.health_check_failures", "faulty", "dns.health_check_failures=0"),
    ("dns.site_split", "faulty", "dns.site_split=[0.7, 0.3]"),
    ("sip.reg_max_expires", "stress", "sip.reg_max_expires=200s"),
    ("sip.transaction_timeout", "faulty", "sip.transaction_timeout=10s"),
    ("sip.tcp_connect_timeout", "edge", "sip.tcp_connect_timeout=500ms"),
    ("sip.queue_timeout", "overload", "sip.queue_timeout=500ms"),
    // Requests on their way to a Sprout when it crashes loudly are refused and retried by
    // Bono on another one: slow links and more subscribers put a few in flight.
    (
        "sip.max_targets",
        "faulty",
        "fault[0].tier=sprout;fault[0].mode=loud;network.intra_site=100ms;load.subscribers=4000 | sip.max_targets=1",
    ),
    ("sip.challenge_reregister", "stress", "sip.challenge_reregister=true"),
    ("sip.ue_mode", "gr", "sip.ue_mode=documented"),
    ("sip.register_retry", "gr", "sip.register_retry=20s"),
    ("sip.call_retries", "overload", "sip.call_retries=0"),
    ("sip.call_retry", "overload", "sip.call_retry=1s"),
    ("pool.upstream_connections", "stress", "pool.upstream_connections=3"),
    ("pool.upstream_recycle", "stress", "pool.upstream_recycle=60s"),
    ("pool.sip_blacklist", "faulty", "fault[0].tier=sprout | pool.sip_blacklist=5s"),
    ("pool.http_blacklist", "faulty", "pool.http_blacklist=5s"),
    // No graylist: when its blacklisting ends a dead target takes every request, not one
    // probe at a time (which matters while a probe waits out its 5 s connect timeout).
    ("pool.graylist", "faulty", "pool.http_connect_timeout_local=5s | pool.graylist=0s"),
    ("pool.http_attempts", "faulty", "pool.http_attempts=1"),
    ("pool.http_timeout", "faulty", "pool.http_timeout=300ms"),
    ("pool.http_connect_timeout_local", "faulty", "pool.http_connect_timeout_local=5ms"),
    ("throttling.profile", "overload", "throttling.profile=later"),
    ("throttling.tiers", "overload", "throttling.tiers=[\"bono\", \"homestead\", \"chronos\"]"),
    ("throttling.target_latency", "overload", "throttling.target_latency=20ms"),
    ("throttling.max_tokens", "overload", "throttling.max_tokens=50"),
    ("throttling.init_token_rate", "overload", "throttling.init_token_rate=50/s"),
    ("throttling.min_token_rate", "overload", "throttling.min_token_rate=100/s"),
    ("throttling.max_token_rate", "overload", "throttling.profile=later | throttling.max_token_rate=100/s"),
    ("throttling.chronos_target_latency", "overload", "throttling.chronos_max_tokens=5 | throttling.chronos_target_latency=10us"),
    ("throttling.chronos_max_tokens", "overload", "throttling.chronos_init_token_rate=1/s;throttling.chronos_target_latency=1ms | throttling.chronos_max_tokens=5"),
    ("throttling.chronos_init_token_rate", "overload", "throttling.chronos_max_tokens=5;throttling.chronos_target_latency=1ms | throttling.chronos_init_token_rate=1/s"),
    ("throttling.chronos_min_token_rate", "overload", "throttling.chronos_max_tokens=5;throttling.chronos_target_latency=10us | throttling.chronos_min_token_rate=1/s"),
    ("load.subscribers", "stress", "load.subscribers=202"),
    ("load.preregistered", "stress", "load.preregistered=true"),
    ("load.start_spread", "stress", "load.start_spread=30s"),
    ("load.reregister", "stress", "load.reregister=200s"),
    ("load.call_probability", "stress", "load.call_probability=0.5"),
    ("load.answer_after", "stress", "load.answer_after=1s"),
    ("load.talk", "stress", "load.talk=10s"),
    ("load.bhca", "core", "load.bhca=10"),
    ("load.reregisters_per_hour", "core", "load.reregisters_per_hour=20"),
    ("load.call_length", "core", "load.call_length=1s"),
    ("load.rate", "rate", "load.rate=3/s"),
    ("load.rate_increase", "rate", "load.rate_increase=2/s"),
    ("load.rate_interval", "rate", "load.rate_interval=30s"),
    ("load.rate_max", "rate", "load.rate_max=3/s"),
    ("load.limit", "rate", "load.limit=5"),
    ("load.max_calls", "rate", "load.max_calls=100"),
    ("load.stop_at", "queue", "load.stop_at=5m"),
    ("load.scenario", "sipp", "load.scenario=tests/sipp/regexp.xml"),
    ("load.callee", "sipp", "load.callee=tests/sipp/uas-answer-1s.xml"),
    ("load.inf", "sipp", "load.inf=tests/sipp/random.csv"),
    ("load.rate_period", "sipp", "load.rate_period=2s"),
    ("load.default_pause", "sipp", "load.default_pause=2s"),
    ("load.rate", "sipp", "load.rate=3"),
    ("load.rate_increase", "sipp", "load.rate_increase=2"),
    ("load.rate_interval", "sipp", "load.rate_increase=2 | load.rate_interval=30s"),
    ("load.rate_max", "sipp", "load.rate_increase=2 | load.rate_max=3"),
    ("load.limit", "sipp", "load.limit=5"),
    ("load.max_calls", "sipp", "load.max_calls=100"),
    ("load.users", "sipp", "load.users=5"),
    ("load.timeout", "sipp", "load.timeout=60s"),
    ("load.recv_timeout", "sipp", "load.recv_timeout=30ms"),
    // Two subscribers registering 200 times a second: each next REGISTER finds the UE's
    // registration running and waits (instead of failing at once).
    (
        "load.send_timeout",
        "sipp",
        "load.scenario=tests/sipp/register.xml;load.rate=200;load.subscribers=2 | load.send_timeout=5s",
    ),
    // Calls abandoned while ringing (1 ms recv timeout) are not hung up without "bye".
    ("load.default_behaviors", "sipp", "load.recv_timeout=1ms | load.default_behaviors=all,-bye"),
    // uac.xml's INVITE has retrans="500": over TCP SIPp never retransmits, so no timer.
    ("load.transport", "sipp", "load.transport=t1"),
    ("queue.servers", "queue", "queue.servers=3"),
    ("queue.service", "queue", "queue.service=exp(900ms)"),
    ("fault[].at", "faulty", "fault[0].at=150s"),
    ("fault[].until", "faulty", "fault[0].until=4m"),
    ("fault[].site", "faulty", "fault[1].site=b"),
    ("fault[].tier", "faulty", "fault[0].tier=sprout"),
    ("fault[].index", "faulty", "fault[0].index=0"),
    ("fault[].mode", "faulty", "fault[1].mode=silent"),
    // A port must be one the two tiers use, so from/to change with it.
    ("fault[].from", "faulty", "fault[4].from=bono;fault[4].port=5054"),
    ("fault[].to", "faulty", "fault[4].to=homestead;fault[4].port=8888"),
    ("fault[].port", "faulty", "fault[4].port=11211"),
    ("fault[].between_sites", "faulty", "fault[4].between_sites=true"),
    ("fault[].extra", "faulty", "fault[5].extra=100ms"),
    ("fault[].factor", "faulty", "fault[6].factor=10"),
    ("fault[].nodes", "faulty", "fault[7].nodes=4"),
    ("fault[].astaire_cpu_limit_percentage", "faulty", "fault[7].astaire_cpu_limit_percentage=50"),
];

/// Keys that shape no simulated event, with what they do instead (checked below where a
/// check is possible).
const NOT_IN_THE_EVENTS: &[(&str, &str)] = &[
    ("name", "names the run and its default output directory"),
    ("description", "shown in the report and summary"),
    ("simulation.model", "selects the model (clearwater or queue)"),
    ("simulation.replications", "how many replications run"),
    ("simulation.max_events", "stops a replication that needs more events"),
    ("load.profile", "selects the load profile"),
    (
        "load.keys",
        "declares SIPp -key keywords: a scenario using [NAME] compiles only with NAME declared (sipp_load.rs)",
    ),
    (
        "load.source",
        "[[load.source]]: more SIPp instances side by side, each taking [load]'s source keys (sipp_load.rs runs two)",
    ),
    ("fault[].kind", "selects the fault kind"),
    ("output.dir", "where the outputs go"),
    ("output.timeseries", "writes timeseries.csv"),
    ("output.plots", "writes the plots"),
    ("output.sipp_stats", "writes sipp_stats.csv and sipp_rtt.csv for a SIPp load (sipp_stats.rs)"),
];

/// Keys the format reserves for features this build does not have: refused, never ignored.
const NOT_YET: &[(&str, &str)] =
    &[("pool.http_connect_timeout_remote", "[pool]\nhttp_connect_timeout_remote = \"250ms\"\n")];

fn parse(base: &str, overrides: &[&str]) -> Scenario {
    let text = BASES.iter().find(|(n, _)| *n == base).unwrap_or_else(|| panic!("no base {base}")).1;
    let o: Vec<Override> = overrides.iter().map(|s| Override::parse(s).unwrap()).collect();
    scenario::parse_with("keys.toml", base, text.as_bytes(), &o).unwrap_or_else(|e| panic!("{base} {overrides:?}: {e}"))
}

fn fingerprint(s: &Scenario) -> (u64, RunEnd) {
    let control = RunControl::default();
    if s.simulation.model == scenario::ModelKind::Queue {
        let r = queue::run(&queue::QueueParams::from_scenario(s), 0, &control);
        (r.fingerprint.value(), r.end)
    } else {
        let r = clearwater::run(s, 0, &control);
        (r.fingerprint.value(), r.end)
    }
}

#[test]
fn every_key_of_the_schema_is_accounted_for() {
    // Every key the walk reads over the bases (which use every profile and fault kind).
    let mut known: BTreeSet<String> = BTreeSet::new();
    for (_, text) in BASES {
        known.extend(scenario::asked_keys(text));
    }
    known.extend(scenario::asked_keys("[output]\n"));
    // Tables and arrays of tables are asked for too; keep the leaves.
    let parent = |k: &str, o: &str| o.starts_with(&format!("{k}.")) || o.starts_with(&format!("{k}[]"));
    let leaves: BTreeSet<&String> = known.iter().filter(|k| !known.iter().any(|o| parent(k, o))).collect();
    let listed: BTreeSet<&str> = CHANGES
        .iter()
        .map(|c| c.0)
        .chain(NOT_IN_THE_EVENTS.iter().map(|c| c.0))
        .chain(NOT_YET.iter().map(|c| c.0))
        .collect();
    let missing: Vec<&&String> = leaves.iter().filter(|k| !listed.contains(k.as_str())).collect();
    assert!(missing.is_empty(), "keys with no check of their effect: {missing:?}");
    let unknown: Vec<&&str> = listed.iter().filter(|k| !known.contains(**k)).collect();
    assert!(unknown.is_empty(), "checks for keys the schema does not have: {unknown:?}");
}

#[test]
fn every_model_key_changes_the_simulated_events() {
    let mut baseline: BTreeMap<&str, u64> = BTreeMap::new();
    for (name, _) in BASES {
        let (fp, end) = fingerprint(&parse(name, &[]));
        assert_eq!(end, RunEnd::Completed, "{name}");
        baseline.insert(name, fp);
    }
    let mut inert = Vec::new();
    for &(key, base, change) in CHANGES {
        let (context, change) = change.split_once(" | ").unwrap_or(("", change));
        let context: Vec<&str> = context.split(';').filter(|c| !c.is_empty()).collect();
        let before = if context.is_empty() { baseline[base] } else { fingerprint(&parse(base, &context)).0 };
        let all: Vec<&str> = context.iter().copied().chain(change.split(';')).collect();
        let (fp, end) = fingerprint(&parse(base, &all));
        assert_eq!(end, RunEnd::Completed, "{key}: {change}");
        if fp == before {
            inert.push(format!("{key} ({change} on {base})"));
        }
    }
    assert!(inert.is_empty(), "keys that changed nothing:\n  {}", inert.join("\n  "));
}

#[test]
fn keys_reserved_for_later_are_refused() {
    for (key, text) in NOT_YET {
        let full = format!("{STRESS}\n{text}");
        let err = scenario::parse("keys.toml", "keys", full.as_bytes()).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("not supported yet"), "{key}: {err}");
    }
}

#[test]
fn keys_outside_the_events_do_what_they_say() {
    // The event budget stops a run.
    let mut s = parse("stress", &["simulation.max_events=1000"]);
    assert_eq!(fingerprint(&s).1, RunEnd::EventLimit);
    s.simulation.max_events = u64::MAX;
    assert_eq!(fingerprint(&s).1, RunEnd::Completed);
    // Output switches change the files rendered.
    let files = |overrides: &[&str]| -> BTreeSet<String> {
        let s = parse("stress", overrides);
        let r = clearwater::run(&s, 0, &RunControl::default());
        cwsim::report::clearwater::render(&s, &[r]).names().map(String::from).collect()
    };
    let all = files(&[]);
    assert!(all.contains("timeseries.csv") && all.contains("cpu.png"));
    assert!(!files(&["output.timeseries=false"]).contains("timeseries.csv"));
    assert!(!files(&["output.plots=false"]).iter().any(|f| f.ends_with(".png") || f.ends_with(".svg")));
    // Name and description reach the summary.
    let s = parse("stress", &["name=renamed", "description=\"what it is\""]);
    let r = clearwater::run(&s, 0, &RunControl::default());
    let out = cwsim::report::clearwater::render(&s, &[r]);
    let summary = String::from_utf8_lossy(out.get("summary.json").unwrap()).into_owned();
    assert!(summary.contains("\"renamed\"") && summary.contains("what it is"), "{summary}");
}
