//! UE behaviour modes: `documented` (the GR estimate's UEs) and `rfc5626` (SIP outbound
//! UEs with RFC 3263 target failover, keepalives and exponential back-off).

use cwsim::model::clearwater::{ClearwaterResult, FailCause, ReqType};

use crate::faults::run1;

/// One site, `bonos` Bonos, 6 000 subscribers refreshing every 300 s, no calls; bono-0
/// crashes (`mode`) at 300 s and stays down; the run ends at 1500 s.
fn bono_crash(ue_mode: &str, bonos: u32, mode: &str) -> ClearwaterResult {
    run1(&format!(
        "[simulation]\nduration = \"1500s\"\nwarmup = \"60s\"\nunlimited_cpu = true\n\
         [sip]\nue_mode = \"{ue_mode}\"\nreg_max_expires = \"600s\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = {bonos} }}\nsprout = {{ nodes = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 6000\nreregisters_per_hour = 12\nbhca = 0\n\
         [[fault]]\nat = \"300s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"bono\"\nindex = 0\nmode = \"{mode}\"\n"
    ))
}

#[test]
fn an_outbound_ue_finds_a_silently_dead_bono_by_keepalive_and_moves_to_the_other() {
    // bono-0 of 2 dies silently. A documented-mode UE keeps its dead connection: its
    // refreshes time out (Timer F) and it retries on the same connection every 300 s, so
    // bono-0's subscribers (about half) are still out at the end. An outbound UE notices at
    // its next keepalive — a uniform point of a 96–120 s cycle, plus the 10 s pong timeout:
    // at most 130 s — or earlier when a refresh times out (32 s), and registers through
    // bono-1. Its outage is at most 130 s, plus one 2 s connect timeout when the new
    // procedure's random first pick is the dead bono-0 again (1 in 2), plus a registration
    // (a few tens of ms with unlimited CPU): ≤ 133 s. The mean of the keepalive delay is
    // E[U(0,1)]·E[U(96,120)] + 10 = 0.5 × 108 + 10 = 64 s, less where Timer F comes first.
    let documented = bono_crash("documented", 2, "silent");
    let still_out = documented.outages.iter().filter(|o| o.end.as_secs_f64() >= 1499.0).count();
    println!("documented: {still_out} still out");
    assert!(still_out > 2500, "{still_out} of ~3000 still out");

    let outbound = bono_crash("rfc5626", 2, "silent");
    let lengths: Vec<f64> = outbound.outages.iter().map(|o| o.end.since(o.start).as_secs_f64()).collect();
    let (n, max) = (lengths.len(), lengths.iter().cloned().fold(0.0, f64::max));
    let mean = lengths.iter().sum::<f64>() / n as f64;
    println!(
        "rfc5626: {n} outages, mean {mean:.1} s, max {max:.1} s; {} flows found dead",
        outbound.counters.flow_failures_detected
    );
    assert!(n > 2500, "{n} outages");
    assert!(max <= 133.0, "longest outage {max} s");
    assert!(mean <= 64.0 * 1.1, "mean {mean} s");
    assert!(outbound.counters.flow_failures_detected > 0);
}

#[test]
fn an_outbound_ue_backs_off_exponentially_when_every_target_is_down() {
    // The only Bono crashes loudly at 300 s and never returns: each UE's connection is reset,
    // it re-registers at once and is refused, and keeps trying. Documented: every 300 s —
    // at 0, 300, 600, 900 and 1200 s after the crash, 5 attempts in the 1200 s left (the
    // fifth only if its phase puts it before the end: 4 to 5). RFC 5626 with base 30 s: the
    // n-th wait is U(0.5, 1) × 30 × 2^(n−1): attempt k+1 comes between
    // 15·(2^k − 1) and 30·(2^k − 1) s after the first, so attempts 1–6 fall within 945 s and
    // the 7th within [945, 1890] s: 6 to 7 in 1200 s.
    let attempts_per_ue = |r: &ClearwaterResult| {
        let refused: u64 = [ReqType::RegisterInitial, ReqType::RegisterRefresh]
            .iter()
            .map(|&t| r.req_total[t].failed[FailCause::Transport])
            .sum();
        refused as f64 / 6000.0
    };
    let documented = attempts_per_ue(&bono_crash("documented", 1, "loud"));
    let outbound = attempts_per_ue(&bono_crash("rfc5626", 1, "loud"));
    println!("attempts per UE: documented {documented:.2}, rfc5626 {outbound:.2}");
    assert!((4.0..=5.0).contains(&documented), "{documented}");
    assert!((6.0..=7.0).contains(&outbound), "{outbound}");
}
