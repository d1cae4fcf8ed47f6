//! Elastic scaling: how load spreads onto a new Sprout, and what moves when Sprouts change.

use cwsim::model::clearwater::ClearwaterResult;
use cwsim::model::clearwater::ReqType;

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

fn scenario(fault: &str) -> String {
    format!(
        "[simulation]\nduration = \"35m\"\nsample_interval = \"10s\"\n[sip]\nreg_max_expires = \"1h\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 4 }}\nsprout = {{ nodes = 1, cores = 2 }}\nhomestead = {{ nodes = 1, cores = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 20000\n{fault}"
    )
}

#[test]
fn a_new_sprout_takes_connections_only_as_they_recycle() {
    // Scale 1 → 2 Sprouts at 600 s. Each Bono learns the new record when its cached answer
    // (TTL 300 s) has expired and it next replaces a connection; each connection lives
    // U[480, 720) s and is replaced by a uniform pick of the two Sprouts. So: none on the
    // new Sprout at 600 s; a growing share after; and once every connection has been
    // replaced after its Bono learned (300 + 720 s later), half of them: 4 Bonos × 50 = 200
    // connections, Binomial(200, 1/2) = 100 ± 21 (3σ).
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
    // the new node as its second: all 20 000 bindings and 20 000 timers are copied over,
    // in pages of 100.
    assert_eq!(r.counters.resync_timers, 20_000);
    assert_eq!(r.counters.resync_records, 20_000);
    assert_eq!(r.counters.resync_pages, 400);
    // And nothing is lost meanwhile.
    let failed: u64 = ReqType::ALL.iter().map(|&t| r.req_total[t].failed.iter().sum::<u64>()).sum();
    assert_eq!(failed, 0);
    assert_eq!(r.registrations_end, 20_000.0);
}

#[test]
fn a_retired_sprout_is_dropped_at_once_and_its_state_moves() {
    // Scale 2 → 1 at 600 s: Bonos close their connections to the quiesced Sprout at once, and
    // the records and timers it held move to the survivor (the ones whose other replica was
    // already the survivor keep a single copy there: nothing is sent for those).
    let r = run1(
        &scenario("[[fault]]\nat = \"600s\"\nkind = \"scale\"\nsite = \"a\"\ntier = \"sprout\"\nnodes = 1\n")
            .replace("sprout = { nodes = 1, cores = 2 }", "sprout = { nodes = 2, cores = 2 }"),
    );
    assert!(connections(&r, "sprout-1", 590.0).0 > 0);
    assert_eq!(connections(&r, "sprout-1", 600.0).0, 0);
    let (_, all) = connections(&r, "sprout-1", 900.0);
    assert_eq!(all, 200, "the pool refills on the survivor");
    assert_eq!(r.counters.nodes_removed, 1);
    assert_eq!(r.counters.resync_timers, 0, "with 2 replicas on 2 nodes the survivor already held every timer");
    let failed: u64 = ReqType::ALL.iter().map(|&t| r.req_total[t].failed.iter().sum::<u64>()).sum();
    assert!(failed < 50, "{failed} failures: only requests caught mid-flight on the retired node may fail");
    assert_eq!(r.registrations_end, 20_000.0);
}
