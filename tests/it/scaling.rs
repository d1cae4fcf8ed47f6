//! Elastic scaling: the documented procedure [doc 8.41] — nodes join the clusters, the
//! clusters resynchronise, then DNS changes — and how load spreads onto a new Sprout.

use cwsim::model::clearwater::{ClearwaterResult, FailCause, ReqType};

use crate::faults::run1;

/// Connections from all Bonos to the Sprout labelled `label`, and in all, at time `t` s.
fn connections(r: &ClearwaterResult, label: &str, t: f64) -> (u32, u32) {
    let target = r.nodes.iter().position(|n| n.label == label).map(|i| i as u16);
    r.rows.iter().filter(|row| row.time.as_secs_f64() == t && !row.connections.is_empty()).fold(
        (0, 0),
        |(to, all), row| {
            let n = row.connections.iter().find(|c| Some(c.0) == target).map_or(0, |c| c.1);
            (to + n, all + row.connections.iter().map(|c| c.1).sum::<u32>())
        },
    )
}

/// The time series row of node `label` ending at `t` s.
fn row<'a>(r: &'a ClearwaterResult, label: &str, t: f64) -> &'a cwsim::model::clearwater::NodeRow {
    let node = r.nodes.iter().position(|n| n.label == label).expect("node") as u16;
    r.rows.iter().find(|row| row.node == node && row.time.as_secs_f64() == t).expect("row")
}

fn scenario(fault: &str) -> String {
    format!(
        "[simulation]\nduration = \"35m\"\nsample_interval = \"10s\"\n[sip]\nreg_max_expires = \"1h\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 4 }}\nsprout = {{ nodes = 1, cores = 2 }}\nhomestead = {{ nodes = 1, cores = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 20000\n{fault}"
    )
}

/// A quiet site (no calls, two refreshes per subscriber an hour) with constant costs and
/// delays, so that the resynchronisation can be timed by hand.
fn quiet(chronos_op: &str, fault_extra: &str) -> String {
    format!(
        "[simulation]\nduration = \"11m\"\nsample_interval = \"1s\"\n[sip]\nreg_max_expires = \"1h\"\n\
         [network]\nintra_site = \"250us\"\n[costs]\nmemcached_op = \"20us\"\nchronos_op = \"{chronos_op}\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 1 }}\nsprout = {{ nodes = 1, cores = 2 }}\nhomestead = {{ nodes = 1, cores = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 20000\nbhca = 0\nreregisters_per_hour = 2\n\
         [[fault]]\nat = \"600s\"\nkind = \"scale\"\nsite = \"a\"\ntier = \"sprout\"\nnodes = 2\n{fault_extra}"
    )
}

#[test]
fn a_new_sprout_joins_the_clusters_first_and_dns_changes_when_they_have_resynchronised() {
    // 20 000 subscribers, each with a binding record and a binding timer on sprout-0. The new
    // sprout-1 becomes a replica of every one. Chronos on sprout-1 asks sprout-0 for them in
    // pages of 100, one request at a time: per page a GET (d = 250 µs), sprout-0 preparing
    // 100 timers (100 × 370 µs), the answer (d), sprout-1 storing them (100 × 370 µs) and its
    // DELETE round trip to sprout-0 (2d): 4d + 200 × 370 µs = 75 ms, × 200 pages = 15.0 s.
    // (A few timers move earlier, when their subscriber refreshes during those 15 s — every
    // 1800 s each, so ~167 — which can save a page or two; other work may delay a page by a
    // few ms: ±2%.) Astaire is done long before (4 s, next test), so the resize ends, and the
    // DNS record changes, 15.0 s after the scale-up.
    let r = run1(&quiet("370us", ""));
    assert_eq!(r.resizes.len(), 1);
    let z = &r.resizes[0];
    assert_eq!((z.nodes_before, z.nodes_after), (1, 2));
    assert_eq!(z.started.as_secs_f64(), 600.0);
    let took = z.resynced.as_secs_f64() - 600.0;
    assert!((14.6..=15.3).contains(&took), "resynchronised in {took} s");
    // Before the DNS change the new node holds timers but no client sends it SIP.
    let before = (601..=614).map(f64::from);
    assert!(before.clone().all(|t| row(&r, "sprout-1", t).requests == 0));
    assert!(row(&r, "sprout-1", 610.0).chronos_timers > 5_000);
    // Paced by its round trips, Chronos keeps sprout-0 busy for 100 × 370 µs preparing each
    // page plus the replications it receives (sprout-1 is primary for half the timers and
    // replicates those to sprout-0: 50 × 370 µs) and one DELETE (370 µs) per 75 ms: 56 ms of
    // 150 ms of CPU (2 cores) = 37%, on top of the refreshes' ~1%.
    let cpu: f64 = before.clone().map(|t| row(&r, "sprout-0", t).cpu).sum::<f64>() / 14.0;
    let base = row(&r, "sprout-0", 590.0).cpu;
    assert!((0.34..=0.40).contains(&(cpu - base)), "resync adds {:.3} to sprout-0 ({base:.3} before)", cpu - base);
    assert_eq!(r.counters.resync_records, 20_000);
    assert!((19_600..=20_000).contains(&r.counters.resync_timers), "{}", r.counters.resync_timers);
}

#[test]
fn astaire_stays_within_its_cpu_limit() {
    // With Chronos's work made negligible (1 µs a timer), what is left is Astaire: 200 chunks
    // of 100 records, each 100 × 20 µs = 2 ms of Astaire CPU on sprout-1. cpulimit holds
    // Astaire to 5% of the 2-core node = 0.1 core, so a chunk every 2 ms / 0.1 = 20 ms: the
    // last of 200 starts at 3.98 s and the resize ends at ~4.0 s. sprout-1's CPU meanwhile:
    // Astaire 5% + its memcached storing the records (the same 2 ms a chunk) 5% = 10%;
    // sprout-0's memcached serving the stream: 5%.
    let r = run1(&quiet("1us", ""));
    let took = r.resizes[0].resynced.as_secs_f64() - 600.0;
    assert!((3.98..=4.05).contains(&took), "{took}");
    for t in [602.0, 603.0] {
        let cpu = row(&r, "sprout-1", t).cpu;
        assert!((0.095..=0.105).contains(&cpu), "sprout-1 at {t}: {cpu}");
    }
    // In the first second Chronos's 200 pages also pass through sprout-1: 200 × 100 µs =
    // 20 ms of 2 core-seconds, 1% more.
    let cpu = row(&r, "sprout-1", 601.0).cpu;
    assert!((0.105..=0.115).contains(&cpu), "sprout-1 at 601: {cpu}");
    let base = row(&r, "sprout-0", 590.0).cpu;
    let extra = row(&r, "sprout-0", 602.0).cpu - base;
    assert!((0.04..=0.06).contains(&extra), "sprout-0: +{extra}");
    // The limit is the documented setting: at 20%, chunks every 5 ms, 1.0 s in all, and
    // sprout-1 at 20% + 20% (+1% for Chronos's pages).
    let r = run1(&quiet("1us", "astaire_cpu_limit_percentage = 20\n"));
    let took = r.resizes[0].resynced.as_secs_f64() - 600.0;
    assert!((0.99..=1.03).contains(&took), "{took}");
    let cpu = row(&r, "sprout-1", 601.0).cpu;
    assert!((0.38..=0.42).contains(&cpu), "{cpu}");
}

#[test]
fn a_new_sprout_takes_connections_only_as_they_recycle() {
    // Scale 1 → 2 Sprouts at 600 s. The DNS record changes once the clusters have
    // resynchronised (~15 s, above); each Bono learns the new record when its cached answer
    // (TTL 300 s) has expired and it next replaces a connection; each connection lives
    // U[480, 720) s and is replaced by a uniform pick of the two Sprouts. So: none on the
    // new Sprout at 600 s; a growing share after; and once every connection has been
    // replaced after its Bono learned (15 + 300 + 720 s later), half of them: 4 Bonos × 50 =
    // 200 connections, Binomial(200, 1/2) = 100 ± 21 (3σ).
    let r = run1(&scenario("[[fault]]\nat = \"600s\"\nkind = \"scale\"\nsite = \"a\"\ntier = \"sprout\"\nnodes = 2\n"));
    assert_eq!(connections(&r, "sprout-1", 600.0).0, 0);
    let share = |t: f64| connections(&r, "sprout-1", t).0;
    assert!(
        share(840.0) < share(1080.0) && share(1080.0) < share(1320.0),
        "{} {} {}",
        share(840.0),
        share(1080.0),
        share(1320.0)
    );
    let (new, all) = connections(&r, "sprout-1", 1680.0);
    assert_eq!(all, 200);
    assert!((79..=121).contains(&new), "{new} of 200 on the new Sprout");
    // With one Sprout, every record and timer had a single replica; with two, each gains
    // the new node as its second: all 20 000 bindings are streamed by Astaire (in chunks of
    // 100) and the timers pulled by Chronos (pages of 100), less the few a refresh moved
    // first.
    let z = &r.resizes[0];
    let took = z.resynced.as_secs_f64() - 600.0;
    assert_eq!(r.counters.resync_records, 20_000);
    assert!((19_700..=20_000).contains(&r.counters.resync_timers));
    // Pages: 200 Astaire chunks, ⌈timers/100⌉ GETs from sprout-1 and one (empty) GET from
    // sprout-0 to sprout-1.
    let pages = 200 + r.counters.resync_timers.div_ceil(100) + 1;
    assert!((pages..=pages + 1).contains(&r.counters.resync_pages), "{} vs {pages}", r.counters.resync_pages);
    assert!(took > 14.0 && took < 30.0, "{took}");
    // And nothing is lost meanwhile.
    let failed: u64 = ReqType::ALL.iter().map(|&t| r.req_total[t].failed.iter().sum::<u64>()).sum();
    assert_eq!(failed, 0);
    assert_eq!(r.registrations_end, 20_000.0);
}

#[test]
fn a_retired_sprout_is_dropped_at_once_and_its_state_moves() {
    // Scale 2 → 1 at 600 s: DNS first, then the leaving Sprout quiesces — Bonos close their
    // connections to it at once — and leaves the clusters. memcached: the survivor already
    // holds every record (two replicas on two nodes), so Astaire streams nothing. Chronos:
    // every timer's replica list changes ([x, y] → [sprout-0]), and sprout-0 asks sprout-1
    // for those sprout-1 holds: all 20 000, in 200 pages.
    let r = run1(
        &scenario("[[fault]]\nat = \"600s\"\nkind = \"scale\"\nsite = \"a\"\ntier = \"sprout\"\nnodes = 1\n")
            .replace("sprout = { nodes = 1, cores = 2 }", "sprout = { nodes = 2, cores = 2 }"),
    );
    assert!(connections(&r, "sprout-1", 590.0).0 > 0);
    assert_eq!(connections(&r, "sprout-1", 600.0).0, 0);
    let (_, all) = connections(&r, "sprout-1", 900.0);
    assert_eq!(all, 200, "the pool refills on the survivor");
    assert_eq!(r.counters.nodes_removed, 1);
    assert_eq!(r.counters.resync_records, 0);
    assert!((19_700..=20_000).contains(&r.counters.resync_timers), "{}", r.counters.resync_timers);
    let failed: u64 = ReqType::ALL.iter().map(|&t| r.req_total[t].failed.iter().sum::<u64>()).sum();
    assert!(failed < 50, "{failed} failures: only requests caught mid-flight on the retired node may fail");
    assert_eq!(r.registrations_end, 20_000.0);
}

#[test]
fn a_quiescing_bono_moves_its_clients_at_their_next_registration() {
    // Scale the Bonos 4 → 3 at 600 s. bono-3's clients (about 20 000 / 4 = 5 000) keep their
    // flows; each is answered 305 at its next REGISTER and registers again elsewhere. Core-
    // only subscribers refresh every 3600 / 2 = 1800 s at uniform phases, so k seconds after
    // the change a fraction k / 1800 of them has moved: 5 000 × 300 / 1800 = 833 after 300 s,
    // 2 500 after 900 s, 4 167 after 1500 s. (Binomial spread of bono-3's clients, ±3σ = 184,
    // and of the phases; a client in a call — ~0.3% of the time — is relayed and moves a
    // period later: ±8%.) Nobody's connection is reset.
    let r = run1(&scenario("[[fault]]\nat = \"600s\"\nkind = \"scale\"\nsite = \"a\"\ntier = \"bono\"\nnodes = 3\n"));
    let moved_by = |t: f64| -> u64 {
        r.request_rows
            .iter()
            .filter(|row| row.kind == ReqType::RegisterRefresh && row.time.as_secs_f64() <= t)
            .map(|row| row.counts.failed[FailCause::Other])
            .sum()
    };
    assert_eq!(moved_by(600.0), 0);
    for (k, expected) in [(300.0, 833.0), (900.0, 2500.0), (1500.0, 4167.0)] {
        let moved = moved_by(600.0 + k) as f64;
        assert!((moved / expected - 1.0).abs() < 0.08, "{moved} moved after {k} s, expected {expected}");
    }
    assert_eq!(r.counters.connection_resets, 0);
    // Each moved client registered again at once: everyone is still registered.
    assert_eq!(r.registrations_end, 20_000.0);
    let other: u64 = ReqType::ALL
        .iter()
        .filter(|&&t| t != ReqType::RegisterRefresh)
        .map(|&t| r.req_total[t].failed.iter().sum::<u64>())
        .sum();
    assert_eq!(other, 0);
}
