//! Each fault kind, shown through its mechanism.

use cwsim::engine::RunControl;
use cwsim::model::clearwater::{run, ClearwaterResult};
use cwsim::model::clearwater::{FailCause, ReqType};
use cwsim::scenario::Tier;

use crate::clearwater::scenario;

pub fn run1(toml: &str) -> ClearwaterResult {
    run(&scenario(toml), 0, &RunControl::default())
}

fn failures(r: &ClearwaterResult, t: ReqType) -> cwsim::model::clearwater::PerCause<u64> {
    r.req_total[t].failed.clone()
}

fn node(r: &ClearwaterResult, label: &str, site: &str) -> u16 {
    r.nodes.iter().position(|n| n.label == label && n.site == site).unwrap() as u16
}

/// Bono's connections to `sprout` over time (seconds, count).
fn connections_to(r: &ClearwaterResult, sprout: u16) -> Vec<(f64, u32)> {
    r.rows
        .iter()
        .filter(|row| !row.connections.is_empty())
        .map(|row| (row.time.as_secs_f64(), row.connections.iter().find(|c| c.0 == sprout).map_or(0, |c| c.1)))
        .collect()
}

const ONE_SITE: &str = r#"
[sip]
reg_max_expires = "1h"
[[site]]
name = "a"
bono = { nodes = 1 }
sprout = { nodes = 2, cores = 2 }
homestead = { nodes = 2, cores = 2 }
[load]
profile = "core-only"
subscribers = 20000
"#;

#[test]
fn loud_sprout_crash_resets_bono_connections_at_once() {
    // Bono sees its connections to the crashed Sprout reset: it drops them and blacklists
    // that Sprout at once, so from the next sample on (5 s) every connection goes to the
    // survivor, and requests caught in the crash are retried by Bono on another Sprout.
    let r = run1(&format!("[simulation]\nduration = \"300s\"\n{ONE_SITE}[[fault]]\nat = \"100s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = 1\nmode = \"loud\"\n"));
    let s1 = node(&r, "sprout-1", "a");
    for (t, n) in connections_to(&r, s1) {
        if t < 100.0 {
            assert!(n > 0, "before the crash Bono uses both Sprouts");
        } else {
            assert_eq!(n, 0, "at {t} s Bono still has {n} connections to the dead Sprout");
        }
    }
    let timeouts = failures(&r, ReqType::RegisterRefresh)[FailCause::Timeout];
    assert_eq!(timeouts, 0, "a loud crash costs no transaction timeout");
}

#[test]
fn silent_sprout_crash_costs_timeouts_until_bono_gives_up_on_it() {
    // Black-holed: requests Bono sends to the dead Sprout vanish. Bono only learns when its
    // own transaction times out (32 s after each lost request) and then blacklists it;
    // UEs whose requests vanished see Timer F timeouts. Connections linger in between.
    let r = run1(&format!("[simulation]\nduration = \"300s\"\n{ONE_SITE}[[fault]]\nat = \"100s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = 1\nmode = \"silent\"\n"));
    let s1 = node(&r, "sprout-1", "a");
    let conns = connections_to(&r, s1);
    let at = |t: f64| conns.iter().find(|c| c.0 == t).unwrap().1;
    assert!(at(110.0) > 0, "10 s after a silent crash Bono still holds connections to it");
    assert_eq!(at(140.0), 0, "after its 32 s transaction timer Bono has given up on it");
    let timeouts = failures(&r, ReqType::RegisterRefresh)[FailCause::Timeout];
    assert!(timeouts > 0, "requests black-holed by the dead Sprout time out at the UE");
}

#[test]
fn homestead_failures_move_sprout_to_the_other_target() {
    // One of two Homesteads black-holed: a Sprout request to it waits the 1.2 s HTTP timeout,
    // blacklists it and succeeds on the second target; later requests avoid it for 30 s
    // (then probe it once). No registration fails.
    let r = run1(&format!("[simulation]\nduration = \"300s\"\n{ONE_SITE}[[fault]]\nat = \"100s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"homestead\"\nindex = 0\nmode = \"silent\"\n"));
    assert_eq!(failures(&r, ReqType::RegisterRefresh).iter().sum::<u64>(), 0);
    // Failures: the requests already sent to the dead Homestead before each Sprout's first
    // timeout — Homestead requests run at 4 × 2N/3600 (registrations) + 3 × 0.65N/3600
    // (calls) = 55/s for N = 20 000, half to the dead node, for 1.2 s: ~33 — then one probe
    // per Sprout per blacklist + graylist cycle (30 s + up to 30 s + 1.2 s): ≤ 2 × 200/31 ≈
    // 13. Without the blacklist it would be ~27/s × 200 s = 5 500.
    let f = r.counters.http_failures;
    assert!((15..=70).contains(&f), "{f} HTTP failures");
    let slow = r.req[ReqType::RegisterRefresh].latency.max_us() as f64 / 1e6;
    assert!(slow > 1.2, "some registration waited the 1.2 s HTTP timeout (max {slow} s)");
}

#[test]
fn chronos_backup_replica_fires_when_the_primary_is_gone() {
    // Stress-profile bindings lapse every cycle, so their timers pop. With a Sprout dead,
    // timers whose primary replica it was are fired by the backup, 2 s later: none is lost.
    let r = run1(
        "[simulation]\nduration = \"20m\"\n[[site]]\nname = \"a\"\nsprout = { nodes = 3, cores = 2 }\n\
         [load]\nprofile = \"sip-stress\"\nsubscribers = 3000\npreregistered = true\ncall_probability = 0\n\
         [[fault]]\nat = \"2m\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = 0\nmode = \"silent\"\n",
    );
    assert!(r.counters.timer_pops > 5000, "{}", r.counters.timer_pops);
    assert_eq!(r.counters.timers_lost, 0);
}

#[test]
fn blocked_chronos_port_makes_replicas_diverge_and_a_node_loss_lose_timers() {
    // With TCP/7253 blocked inside the site, Chronos cannot replicate: a timer lives only on
    // the Sprout that received it, and only if that Sprout is one of its 2 replicas (2 in 3
    // with 3 Sprouts). So the timer count is about 2/3 of the registrations instead of 2×
    // (the stateful statistic, timers ÷ 2, reads ~1/3), and a node loss leaves the timers it
    // alone held with no holder: they will never fire. With replication working, the same
    // crash leaves every timer on its other replica.
    let toml = |block: &str| {
        format!(
            "[simulation]\nduration = \"20m\"\n[sip]\nreg_max_expires = \"1h\"\n[pool]\nupstream_connections = 3000\n\
             [[site]]\nname = \"a\"\nsprout = {{ nodes = 3, cores = 2 }}\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 6000\nbhca = 0\nreregisters_per_hour = 3\npreregistered = false\n{block}\
             [[fault]]\nat = \"19m\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = 0\nmode = \"silent\"\n"
        )
    };
    let replicated = run1(&toml(""));
    assert_eq!(replicated.counters.timers_orphaned, 0);
    let blocked =
        run1(&toml("[[fault]]\nat = \"0s\"\nkind = \"block-port\"\nfrom = \"sprout\"\nto = \"sprout\"\nport = 7253\n"));
    // Every subscriber registered once (uniformly in the first 20 min: ~95% by 19 min)
    // through a Sprout picked by Bono's pool — 3000 connections, so each Sprout's share is
    // 1/3 ± 0.9% (1σ). Timers held by no one from the start: the receiving Sprout is not a
    // replica, 1/3; held only by sprout-0: it received the REGISTER (1/3) and is a replica
    // (2/3): 2/9. So 5/9 ≈ 0.56 are orphaned after the crash (± 2.6 points at 3σ, pool share
    // and binomial on ~5700 timers together).
    let set = blocked.bound_end as f64;
    let orphaned = blocked.counters.timers_orphaned as f64 / set;
    assert!((orphaned - 5.0 / 9.0).abs() < 0.03, "orphaned fraction {orphaned}");
    // Before the crash the statistic read ~(2/3)/2 of the registrations, after it less.
    assert!(blocked.registrations_end < 0.4 * set, "statistic {}", blocked.registrations_end);
}

/// A two-site deployment with constant delays, registrations only.
fn gr_constant(fault: &str) -> ClearwaterResult {
    run1(&format!(
        r#"[simulation]
duration = "900s"
seed = 4
[[site]]
name = "a"
sprout = {{ nodes = 2, cores = 2 }}
[[site]]
name = "b"
sprout = {{ nodes = 2, cores = 2 }}
[costs]
memcached_op = "20us"
[network]
access = "5ms"
intra_site = "1ms"
inter_site = "20ms"
[sip]
reg_max_expires = "600s"
[load]
profile = "core-only"
subscribers = 2000
reregisters_per_hour = 12
bhca = 0
{fault}"#
    ))
}

#[test]
fn partition_makes_remote_store_writes_time_out() {
    // GR: each re-registration repeats its bindings get and compare-and-set against the other
    // site's memcached: normally 2 round trips of 20 + 0.02 (memcached CPU) + 20 ms = 80.04
    // ms. Partitioned, each of those two operations tries both remote replicas and waits the
    // 250 ms remote connect timeout on each: 4 × 250 ms = 1 s. So +919.96 ms per
    // re-registration, and nothing fails.
    let base = gr_constant("");
    let cut = gr_constant("[[fault]]\nat = \"0s\"\nkind = \"partition\"\n");
    let mean = |r: &ClearwaterResult| r.req[ReqType::RegisterRefresh].latency.mean_ns() / 1e9;
    let added = mean(&cut) - mean(&base);
    println!("partition adds {added:.4} s per re-registration");
    // Sprout CPU (random) and queueing differ slightly between the runs: 5 ms.
    assert!((added - 0.91996).abs() < 0.005, "added {added} s");
    assert_eq!(failures(&cut, ReqType::RegisterRefresh).iter().sum::<u64>(), 0);
    assert!(cut.counters.memcached_failures > 0);
    // Blocking only memcached (TCP/11211) between the sites has the same effect.
    let blocked = gr_constant("[[fault]]\nat = \"0s\"\nkind = \"block-port\"\nfrom = \"sprout\"\nto = \"sprout\"\nport = 11211\nbetween_sites = true\n");
    assert!((mean(&blocked) - mean(&cut)).abs() < 0.01);
}

#[test]
fn added_latency_adds_once_per_hop() {
    // +10 ms on every intra-site link. A refresh over Bono's authenticated connection (one
    // transaction, integrity-protected: no challenge) crosses intra-site links 6 times:
    // Bono↔Sprout twice, and Sprout↔Homestead twice per HTTP request (UAR, SAR). memcached
    // and Chronos stay on the one Sprout node. So +60 ms exactly, with constant delays;
    // challenged (two transactions; UAR, MAR; UAR, SAR) it is 12 crossings, +120 ms.
    let toml = |fault: &str| {
        format!(
            "[simulation]\nduration = \"50m\"\nseed = 3\n[sip]\nreg_max_expires = \"2h\"\n\
             [network]\naccess = \"10ms\"\nintra_site = \"1ms\"\ncassandra = \"2ms\"\n[dns]\nttl = \"300d\"\n\
             [costs]\nbono_message = \"100us\"\nsprout_request = \"600us\"\nsprout_continuation = \"200us\"\n\
             memcached_op = \"50us\"\nchronos_op = \"100us\"\nhomestead_request = \"400us\"\n\
             [[site]]\nname = \"a\"\nhomer = {{ nodes = 0 }}\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 1\nbhca = 0\nreregisters_per_hour = 1.2\n{fault}"
        )
    };
    let mean = |r: &ClearwaterResult| r.req[ReqType::RegisterRefresh].latency.mean_ns();
    let latency = "[[fault]]\nat = \"0s\"\nkind = \"latency\"\nextra = \"10ms\"\nbetween_sites = false\n";
    let (base, slow) = (run1(&toml("")), run1(&toml(latency)));
    assert_eq!(mean(&slow) - mean(&base), 60e6);
    let challenged = |fault: &str| toml(fault).replace("[sip]\n", "[sip]\nchallenge_reregister = true\n");
    let (base, slow) = (run1(&challenged("")), run1(&challenged(latency)));
    assert_eq!(mean(&slow) - mean(&base), 120e6);
}

#[test]
fn cpu_slowdown_doubles_the_cpu_a_node_spends() {
    // A slow-down factor of 2 on the only Sprout from the start: at low load (no queueing to
    // speak of) the same work takes twice the core time.
    let toml = |fault: &str| {
        format!(
            "[simulation]\nduration = \"10m\"\n[sip]\nreg_max_expires = \"1h\"\n[[site]]\nname = \"a\"\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 5000\n{fault}"
        )
    };
    let cpu = |r: &ClearwaterResult| r.nodes.iter().find(|n| n.tier == Tier::Sprout).unwrap().cpu;
    let base = run1(&toml(""));
    let slow =
        run1(&toml("[[fault]]\nat = \"0s\"\nkind = \"cpu-slowdown\"\nsite = \"a\"\ntier = \"sprout\"\nfactor = 2.0\n"));
    let ratio = cpu(&slow) / cpu(&base);
    assert!((ratio - 2.0).abs() < 0.06, "CPU ratio {ratio}");
}

#[test]
fn loud_bono_crash_sends_its_subscribers_elsewhere_at_once() {
    // Two Bonos; bono-0 crashes loudly: its subscribers' connections reset and they
    // re-register at once through bono-1 (static DNS returns both; the dead one refuses).
    // Their outage is the re-registration, a fraction of a second — unless a documented-mode
    // UE's retry picked the dead Bono again (1 in 2), which costs the 300 s back-off; an
    // outbound UE (rfc5626) refused by it moves on to bono-1 at once.
    // Unlimited CPU: 2000 simultaneous re-registrations would otherwise queue for seconds.
    let toml = |ue_mode: &str| {
        format!(
        "[simulation]\nduration = \"600s\"\nunlimited_cpu = true\n[throttling]\ntiers = []\n[sip]\nue_mode = \"{ue_mode}\"\nreg_max_expires = \"1h\"\n[dns]\nbono_ttl = \"1s\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 2 }}\nsprout = {{ nodes = 1, cores = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 4000\nbhca = 0\n\
         [[fault]]\nat = \"100s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"bono\"\nindex = 0\nmode = \"loud\"\n",
    )
    };
    let r = run1(&toml("documented"));
    let affected = r.outages.iter().map(|o| o.ue).collect::<std::collections::BTreeSet<_>>().len();
    // Half of the 4000 subscribers were on bono-0 (binomial: 2000 ± 95 at 3σ).
    assert!((1905..=2095).contains(&affected), "{affected}");
    let quick = r.outages.iter().filter(|o| o.end.since(o.start).as_secs_f64() < 1.0).count() as f64;
    let share = quick / affected as f64;
    // Static DNS keeps returning the dead Bono (no health checks): a re-registering UE picks
    // a random one of the two, so about half recover at once.
    assert!((0.40..=0.60).contains(&share), "{share}");
    let r = run1(&toml("rfc5626"));
    let slow = r.outages.iter().filter(|o| o.end.since(o.start).as_secs_f64() >= 1.0).count();
    assert_eq!(slow, 0, "outbound UEs all recover through bono-1 within a second");
}

#[test]
fn a_recovered_node_is_used_again_after_its_blacklist_and_probe() {
    // homestead-0 black-holed from 100 s to 150 s. Each Sprout blacklists it on its first
    // timeout (30 s), then graylists it (30 s) and lets one request probe it: the first probe
    // after the recovery succeeds and clears it. So it serves nothing while down, and takes
    // its share again by 100 + 1.2 + 30 + 30 s at the latest (≈ 161 s) — well before 200 s.
    let r = run1(&format!(
        "[simulation]\nduration = \"300s\"\n{ONE_SITE}[[fault]]\nat = \"100s\"\nuntil = \"150s\"\nkind = \"node-crash\"\n\
         site = \"a\"\ntier = \"homestead\"\nindex = 0\nmode = \"silent\"\n"
    ));
    let hs0 = node(&r, "homestead-0", "a");
    let served = |from: f64, to: f64| -> u64 {
        r.rows
            .iter()
            .filter(|row| row.node == hs0 && row.time.as_secs_f64() > from && row.time.as_secs_f64() <= to)
            .map(|row| row.requests)
            .sum()
    };
    assert!(served(0.0, 100.0) > 1000, "before: {}", served(0.0, 100.0));
    assert_eq!(served(105.0, 150.0), 0, "nothing reaches a black-holed node");
    // Afterwards it takes about half of the ~33 requests/s again: 20 000 subscribers
    // refreshing twice an hour over Bono (UAR and SAR: 22/s) and 3.6 calls/s (reg-data,
    // LIR, reg-data: 11/s).
    let after = served(200.0, 300.0) as f64 / 100.0;
    assert!(after > 12.0, "{after} requests/s after recovery");
    assert_eq!(failures(&r, ReqType::RegisterRefresh).iter().sum::<u64>(), 0);
}

/// Two sites, Bonos in front; `faults` appended.
fn two_sites(faults: &str) -> String {
    format!(
        "[simulation]\nduration = \"20m\"\nsample_interval = \"5s\"\n[sip]\nreg_max_expires = \"600s\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 2 }}\nsprout = {{ nodes = 2, cores = 2 }}\nhomestead = {{ nodes = 1, cores = 2 }}\n\
         [[site]]\nname = \"b\"\nbono = {{ nodes = 2 }}\nsprout = {{ nodes = 2, cores = 2 }}\nhomestead = {{ nodes = 1, cores = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 8000\nreregisters_per_hour = 12\n{faults}"
    )
}

#[test]
fn bonos_fail_over_to_the_other_sites_sprouts_and_come_back() {
    // Both site-A Sprouts crash loudly at 300 s and recover at 600 s. Each site-A Bono sees
    // its connections reset and blacklists both (30 s); at its next recycle (≤ 1 s) no
    // first-priority target is left, so it connects to site B's Sprouts (the SRV answer's
    // second priority) [doc 8.46.4]. REGISTERs then succeed through site B: only those in
    // flight at the crash or sent within that second can fail. After the recovery the
    // remote connections live out their lifetime (U[480, 720) s) and are replaced by
    // local ones: by 600 + 720 s none is left — the run ends at 1200 s, so only the
    // direction is checked: fewer remote connections at the end than at 590 s.
    // The later era, where REGISTER is never refused: in the documented era site B's
    // LoadMonitors also count each REGISTER's failed writes to site A's memcached (two
    // refused connections per operation) and refuse REGISTERs (tests/it/era.rs).
    let faults = ["sprout-0", "sprout-1"]
        .iter()
        .enumerate()
        .map(|(i, _)| {
            format!(
                "[[fault]]\nat = \"300s\"\nuntil = \"600s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = {i}\nmode = \"loud\"\n"
            )
        })
        .collect::<String>()
        + "[throttling]\nprofile = \"later\"\n";
    let r = run1(&two_sites(&faults));
    let remote: Vec<u16> = ["sprout-0", "sprout-1"].iter().map(|l| node(&r, l, "b")).collect();
    let a_bonos: Vec<u16> = ["bono-0", "bono-1"].iter().map(|l| node(&r, l, "a")).collect();
    let to_remote = |t: f64| -> u32 {
        r.rows
            .iter()
            .filter(|row| row.time.as_secs_f64() == t && a_bonos.contains(&row.node))
            .flat_map(|row| row.connections.iter().filter(|c| remote.contains(&c.0)).map(|c| c.1))
            .sum()
    };
    assert_eq!(to_remote(295.0), 0, "before the crash site-A Bonos use their own Sprouts");
    // 2 Bonos × 50 slots, all on site B from the first recycle after the crash on.
    assert_eq!(to_remote(305.0), 100, "site-A Bonos failed over");
    assert_eq!(to_remote(590.0), 100);
    assert!(to_remote(1195.0) < 100, "remote connections are replaced as they expire");
    // 8000 subscribers refresh every 300 s: ~4000 site-A refreshes during the outage, all
    // through site B. Failures: at most the REGISTERs in flight in the crash's first second
    // (≈ 8000/300 ≈ 27 per second in all).
    let failed: u64 = failures(&r, ReqType::RegisterRefresh).iter().sum();
    assert!(failed <= 30, "{failed} refreshes failed");
}
