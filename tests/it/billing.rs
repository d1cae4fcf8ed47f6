//! Rf billing through Ralf: what each call costs the Ralf cluster, measured against a hand
//! count of its operations, and what failures do to the sessions.

use cwsim::model::clearwater::ClearwaterResult;

use crate::faults::run1;

/// `rate` calls/s of `talk` seconds between subscribers behind one Bono, with `ralf`.
fn scenario(rate: f64, ralf: &str, extra: &str) -> String {
    format!(
        "[simulation]\nduration = \"14m\"\nwarmup = \"4m\"\nsample_interval = \"10s\"\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 1, cores = 4 }}\nsprout = {{ nodes = 1, cores = 4 }}\n\
         homestead = {{ nodes = 1, cores = 2 }}\nhomer = {{ nodes = 1, cores = 2 }}\nralf = {ralf}\n\
         [load]\nprofile = \"rate\"\nsubscribers = 4000\nrate = \"{rate}/s\"\nlimit = 10000\ncall_length = \"150s\"\n\
         [billing]\ninterim_interval = \"60s\"\nsession_expires = \"600s\"\n{extra}"
    )
}

fn ralf_cpu(r: &ClearwaterResult) -> f64 {
    let ralfs: Vec<_> = r.nodes.iter().filter(|n| n.label.starts_with("ralf")).collect();
    ralfs.iter().map(|n| n.cpu * n.cores as f64).sum::<f64>() / ralfs.iter().map(|n| n.cores as f64).sum::<f64>()
}

#[test]
fn each_call_opens_four_sessions_with_two_interims_each() {
    // 5 calls/s, each charged by 4 nodes (the caller's and the callee's Bono — here the
    // same Bono, acting for each side — and Sprout as originating and as terminating
    // S-CSCF): 20 STARTs/s and, in steady state, 20 STOPs/s. A session's interim timer pops
    // every 60 s from its START until its STOP 150 s later: at 60 s and 120 s, 2 INTERIMs
    // per session, 40/s. Calls are paced exactly (SIPp's -r); warm-up (4 min) outlasts a call, so over 600 s measured the
    // counts are exact up to the calls in flight at the window's edges: ±1%.
    let r = run1(&scenario(5.0, "{ nodes = 2, cores = 1 }", ""));
    let b = r.billing.as_ref().expect("billing counts with Ralf nodes");
    let per_s = |n: u64| n as f64 / r.measured.as_secs_f64();
    let near = |x: f64, want: f64| (x - want).abs() <= 0.01 * want;
    assert!(near(per_s(b.acr_start), 20.0), "START/s {}", per_s(b.acr_start));
    assert!(near(per_s(b.acr_stop), 20.0), "STOP/s {}", per_s(b.acr_stop));
    assert!(near(per_s(b.acr_interim), 40.0), "INTERIM/s {}", per_s(b.acr_interim));
    assert_eq!(b.acr_lost + b.acr_rejected, 0);
    assert!(b.acr_ignored <= b.acr_interim / 100, "few interims race their STOP: {}", b.acr_ignored);
    // Ralf's CPU, counted by hand per session (defaults: ralf_request 700 µs, chronos_op
    // 370 µs, memcached_op 20 µs, all means):
    //   START   1 request + timer POST on 2 Chronos replicas + SET on 2 memcached replicas
    //   INTERIM 1 request + the pop on 1 Chronos + GET and 2 SETs (×2 interims)
    //   STOP    1 request + GET and 2 DELETEs + timer DELETE on 2 Chronos replicas
    //   = 4 × 700 + 6 × 370 + 11 × 20 = 5 240 µs per session.
    // 20 sessions/s × 5.24 ms = 104.8 ms of CPU per second over 2 one-core nodes: 5.24%.
    // Thousands of gamma draws (CV 0.5) average out to well under 1%; edges ±1%: ±3%.
    let cpu = ralf_cpu(&r);
    assert!((cpu - 0.0524).abs() <= 0.03 * 0.0524, "Ralf CPU {cpu}");
}

#[test]
fn without_ralf_nothing_is_billed() {
    let r = run1(&scenario(5.0, "{ nodes = 0 }", ""));
    assert!(r.billing.is_none());
    assert!(r.nodes.iter().all(|n| !n.label.starts_with("ralf")));
}

#[test]
fn an_overloaded_ralf_refuses_acrs_and_a_crashed_one_loses_its_sessions() {
    // One 1-core Ralf at 50 ms a request faces 20 ACRs/s of START and STOP alone: far past
    // 20 requests/s of capacity, its LoadMonitor refuses some (HTTP 503).
    let throttled = scenario(
        5.0,
        "{ nodes = 1, cores = 1 }",
        "[costs]\nralf_request = \"50ms\"\n[throttling]\ntiers = [\"sprout\", \"ralf\"]\n",
    );
    let b = run1(&throttled).billing.expect("billing");
    assert!(b.acr_rejected > 0, "{b:?}");
    // Two Ralfs; one crashes for good at 5 min. Its in-flight ACRs are lost, sessions held
    // only by it are gone (their INTERIM and STOP are ignored), and the survivor carries
    // on.
    let crash = scenario(
        5.0,
        "{ nodes = 2, cores = 1 }",
        "[[fault]]\nat = \"5m\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"ralf\"\nindex = 0\n",
    );
    let b = run1(&crash).billing.expect("billing");
    assert!(b.acr_lost > 0 && b.acr_ignored > 0, "{b:?}");
    assert!(b.cdf_answers > 0);
}
