//! Optional load terms, off by default: each adds its cost only when the scenario asks.

use cwsim::model::clearwater::{ClearwaterResult, ReqType};

use crate::faults::run1;

fn core_only(extra: &str) -> ClearwaterResult {
    run1(&format!(
        "[simulation]\nduration = \"20m\"\nwarmup = \"2m\"\n[sip]\nreg_max_expires = \"1h\"\n{extra}\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 0 }}\nsprout = {{ nodes = 1, cores = 2 }}\n\
         homestead = {{ nodes = 1, cores = 2 }}\nhomer = {{ nodes = 1, cores = 2 }}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 20000\n"
    ))
}

/// Mean CPU of the node labelled `label` after the 2-minute warm-up, as a fraction of its cores.
fn cpu(r: &ClearwaterResult, label: &str) -> f64 {
    let node = r.nodes.iter().position(|n| n.label == label).unwrap() as u16;
    let rows: Vec<f64> =
        r.rows.iter().filter(|row| row.node == node && row.time.as_secs_f64() > 120.0).map(|row| row.cpu).collect();
    rows.iter().sum::<f64>() / rows.len() as f64
}

#[test]
fn cassandra_cpu_is_charged_per_read_or_write_only_when_asked() {
    // Without an external HSS Homestead is the master: every request it serves is one
    // Cassandra read or write; Homer reads one document per simservs fetch. At 2 ms a
    // Cassandra operation, each node's CPU rises by (operations/s × 2 ms) / 2 cores — the
    // operations counted by the run itself, the rise by that arithmetic. (Adding the draws
    // moves the nodes' random streams, so the two runs differ by a little noise: ±5%.)
    let without = core_only("");
    let with = core_only("[costs]\ncassandra_op = \"const(2ms)\"\n");
    let measured_s = with.measured.as_secs_f64();
    for (label, ops) in [
        ("homestead-0", with.ops.homestead_total() as f64),
        ("homer-0", with.ops.http_op(cwsim::model::clearwater::HttpOp::Simservs) as f64),
    ] {
        let expected = ops / measured_s * 0.002 / 2.0;
        let rise = cpu(&with, label) - cpu(&without, label);
        println!("{label}: rise {rise:.4}, expected {expected:.4}");
        assert!(expected > 0.005, "{label}: too little load to see");
        assert!((rise / expected - 1.0).abs() < 0.05, "{label}: rise {rise} vs {expected}");
    }
}

#[test]
fn session_refreshes_send_an_update_every_half_interval() {
    // Calls of 700 s negotiating Session-Expires 600 s: the caller refreshes at 300 s and
    // 600 s and hangs up at 700 s, so every call that ended sent exactly 2 UPDATEs before its
    // BYE, and a call still running at the end sent at most 2: over the run,
    // 2 × BYEs ≤ UPDATEs ≤ 2 × answered calls. Without the key, no UPDATE at all.
    let toml = |extra: &str| {
        format!(
            "[simulation]\nduration = \"40m\"\nwarmup = \"2m\"\n[sip]\nreg_max_expires = \"1h\"\n\
             [[site]]\nname = \"a\"\nsprout = {{ nodes = 1, cores = 2 }}\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 20000\ncall_length = \"700s\"\n{extra}"
        )
    };
    let r = run1(&toml("session_expires = \"600s\"\n"));
    let (updates, byes, answered) = (
        r.req_total[ReqType::Update].started,
        r.req_total[ReqType::Bye].started,
        r.req_total[ReqType::InviteAnswer].ok,
    );
    println!("{updates} UPDATEs, {byes} BYEs, {answered} calls answered");
    assert!(byes > 1000, "{byes}");
    assert!(2 * byes <= updates && updates <= 2 * answered, "{updates} vs {byes}, {answered}");
    let plain = run1(&toml(""));
    assert_eq!(plain.req_total[ReqType::Update].started, 0);
}

#[test]
fn a_third_party_register_per_registration_when_an_ifc_asks() {
    // Each successful registration (its second, credentialed REGISTER) is sent on to the
    // application server, and the server's 200 comes back to a Sprout worker: one more
    // message finished per registration, to within those whose answer crosses the window's
    // edges (~67 registrations/s × 20 ms: ~1 of ~70 000). Sprout's CPU rises by
    // registrations/s × (continuation + response bursts, timed 170 + 230 µs by default)
    // × (1 + 2.47 untimed), plus the 200's parse on the transport thread (100 µs), / 2 cores
    // = 67 × 1.49 ms / 2 ≈ 5.0%.
    let toml = |extra: &str| {
        format!(
            "[simulation]\nduration = \"20m\"\nwarmup = \"2m\"\n[sip]\nreg_max_expires = \"1h\"\n{extra}\
             [[site]]\nname = \"a\"\nbono = {{ nodes = 0 }}\nsprout = {{ nodes = 1, cores = 2 }}\n\
             homestead = {{ nodes = 1, cores = 2 }}\nhomer = {{ nodes = 0 }}\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 20000\nreregisters_per_hour = 12\nbhca = 0\n"
        )
    };
    let without = run1(&toml(""));
    let with = run1(&toml("third_party_register = \"const(20ms)\"\n"));
    let regs = |r: &ClearwaterResult| {
        (r.req[ReqType::RegisterInitial].counts.ok + r.req[ReqType::RegisterRefresh].counts.ok) as f64
    };
    let extra = with.sprout_latency.count() as f64 - without.sprout_latency.count() as f64;
    println!("{extra} more messages for {} registrations", regs(&with));
    assert!(regs(&with) > 50_000.0);
    assert!((extra / regs(&with) - 1.0).abs() < 0.01, "{extra} vs {}", regs(&with));
    let per_s = regs(&with) / with.measured.as_secs_f64();
    let expected = per_s * ((170e-6 + 230e-6) * 3.47 + 100e-6) / 2.0;
    let rise = cpu(&with, "sprout-0") - cpu(&without, "sprout-0");
    println!("sprout cpu rise {rise:.4}, expected {expected:.4}");
    assert!((rise / expected - 1.0).abs() < 0.1, "rise {rise} vs {expected}");
}

#[test]
fn reg_event_subscriptions_cost_a_subscribe_and_a_notify_per_aor_write() {
    // 20 000 registered UEs re-registering every 300 s (integrity-protected through Bono: one
    // REGISTER each) and subscribing for 600 s, refreshed at half the interval: 300 s too.
    // Each SUBSCRIBE: one reg-data GET at Homestead, one memcached GET and one CAS, one
    // NOTIFY; each REGISTER of a subscribed UE: one more NOTIFY (the AoR write moves the
    // bindings' expiry) [src sprout: subscriber_data_manager.cpp]. So over the run:
    // NOTIFYs = SUBSCRIBEs + REGISTERs, and the operations rise by exactly SUBSCRIBEs (to
    // within requests crossing the window's edges, ~67/s × 20 ms).
    // Sprout's CPU rises per SUBSCRIBE by a request burst, three continuations (one per
    // operation), a NOTIFY's continuation and its 200's response burst, and per REGISTER by
    // the NOTIFY's continuation and response: with the default timed means (660, 170,
    // 230 µs) and 2.47 untimed, × 3.47; plus a 100 µs parse on the transport thread per
    // message received (the SUBSCRIBE and the NOTIFY's 200; the NOTIFY's 200):
    // (S/s × (1570 × 3.47 + 200) µs + R/s × (400 × 3.47 + 100) µs) / 2 cores.
    let toml = |extra: &str| {
        format!(
            "[simulation]\nduration = \"20m\"\nwarmup = \"2m\"\n[sip]\nreg_max_expires = \"1h\"\n{extra}\
             [[site]]\nname = \"a\"\nsprout = {{ nodes = 1, cores = 2 }}\n\
             homestead = {{ nodes = 1, cores = 2 }}\nhomer = {{ nodes = 0 }}\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 20000\nreregisters_per_hour = 12\nbhca = 0\n"
        )
    };
    let without = run1(&toml(""));
    let with = run1(&toml("reg_event_expires = \"600s\"\n"));
    assert_eq!(without.req_total[ReqType::Subscribe].started, 0);
    assert_eq!(without.counters.notifies_sent, 0);
    let subs = &with.req[ReqType::Subscribe].counts;
    let regs = with.req[ReqType::RegisterRefresh].counts.ok + with.req[ReqType::RegisterInitial].counts.ok;
    let measured_s = with.measured.as_secs_f64();
    // 20 000 UEs × 1080 s / 300 s = 72 000 of each, within the Poisson-free phase noise.
    assert!((subs.ok as f64 / 72_000.0 - 1.0).abs() < 0.01, "{subs:?}");
    // None fails; a couple are still in flight at the end (~67/s × 18 ms).
    assert!(subs.failed.iter().sum::<u64>() == 0 && subs.started - subs.ok <= 3, "{subs:?}");
    let close = |a: u64, b: u64| (a as i64 - b as i64).abs() <= 10;
    assert!(
        close(with.counters.notifies_sent, subs.ok + regs),
        "{} vs {}",
        with.counters.notifies_sent,
        subs.ok + regs
    );
    let d = |f: fn(&ClearwaterResult) -> u64| f(&with) as i64 - f(&without) as i64;
    use cwsim::model::clearwater::{HttpOp, McOp};
    for (what, rise) in [
        ("reg-data GETs", d(|r| r.ops.http_op(HttpOp::RegDataGet))),
        ("memcached GETs", d(|r| r.ops.mc_op(McOp::Get))),
        ("memcached CASes", d(|r| r.ops.mc_op(McOp::Cas))),
    ] {
        assert!(close(rise as u64, subs.ok), "{what}: +{rise} for {} SUBSCRIBEs", subs.ok);
    }
    let expected =
        (subs.ok as f64 * (1570e-6 * 3.47 + 200e-6) + regs as f64 * (400e-6 * 3.47 + 100e-6)) / measured_s / 2.0;
    let rise = cpu(&with, "sprout-0") - cpu(&without, "sprout-0");
    println!("sprout cpu rise {rise:.4}, expected {expected:.4}");
    assert!((rise / expected - 1.0).abs() < 0.1, "rise {rise} vs {expected}");
}
