//! Overload behaviour of the whole deployment (scenarios/overload-ramp.toml) and the
//! tuning workflow (`cwsim sweep`).

use std::path::Path;

use cwsim::engine::RunControl;
use cwsim::model::clearwater::{run, ClearwaterResult};
use cwsim::model::clearwater::{FailCause, ReqType};
use cwsim::scenario::{self, Override, Tier};
use cwsim::sweep::replicate;

use crate::support::{cwsim, read, stderr, temp_dir};

const STEP_S: f64 = 120.0;
/// Each 2-minute step is judged on its last 90 s (the first 30 s are the transient).
const SETTLE_S: f64 = 30.0;

fn ramp(overrides: &[&str]) -> Vec<ClearwaterResult> {
    let o: Vec<Override> = overrides.iter().map(|t| Override::parse(t).unwrap()).collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/overload-ramp.toml");
    let s = scenario::load_with(&path, &o).unwrap_or_else(|e| panic!("{e}"));
    replicate(2, None, |rep| run(&s, rep, &RunControl::default())).unwrap()
}

/// Answered calls per second in each step of the ramp (steps 0..6 offer 0.5×, 1×, … 3×).
fn goodput_by_step(results: &[ClearwaterResult]) -> Vec<f64> {
    let mut ok = [0u64; 6];
    for r in results {
        for row in r.request_rows.iter().filter(|row| row.kind == ReqType::InviteAnswer) {
            let t = row.time.as_secs_f64() - 1e-9;
            let step = (t / STEP_S) as usize;
            if step < 6 && t % STEP_S >= SETTLE_S {
                ok[step] += row.counts.ok;
            }
        }
    }
    ok.iter().map(|&n| n as f64 / (STEP_S - SETTLE_S) / results.len() as f64).collect()
}

#[test]
fn throttling_keeps_goodput_under_overload() {
    // The documented profile, its defaults. At 1× (70 calls/s) every call is carried; at 2×
    // and 3× the LoadMonitor refuses the excess as cheap 503s and the carried load stays
    // ≥ 85% of the 1× level.
    let r = ramp(&[]);
    let g = goodput_by_step(&r);
    println!("goodput by step: {g:.1?}");
    assert!((g[1] / 70.0 - 1.0).abs() < 0.03, "1× not carried: {}", g[1]);
    assert!(g[3] >= 0.85 * g[1], "2×: {} vs {}", g[3], g[1]);
    assert!(g[5] >= 0.85 * g[1], "3×: {} vs {}", g[5], g[1]);
    // The documented profile sheds registrations too.
    let register = |r: &ClearwaterResult| r.counters.throttle_rejections[Tier::Sprout as usize][0];
    assert!(r.iter().map(register).sum::<u64>() > 0);
}

#[test]
fn the_later_era_queue_timeout_bounds_the_setups_it_admits() {
    // The later profile: its LoadMonitor never engages on this ramp (2000/s exceeds the
    // node), and Sprout's 4 s queue timeout does the shedding. An admitted INVITE waited at
    // most 4 s for a worker (else it is refused as a worker dequeues it); once it has one,
    // it shares the core with at most 249 other workers' bursts: at ~2.3 ms of core time
    // per request burst (calibration), under 0.6 s. Its 180 crosses Sprout once more,
    // queueing behind requests no older than 4 s. With the ~60 ms of an unloaded setup (hand
    // sum in clearwater.rs), a setup takes at most 2 × (4 s + 0.6 s) + 60 ms ≈ 9.3 s; 10 s
    // leaves room for the gamma-distributed bursts' tail.
    let r = ramp(&["throttling.profile=later"]);
    let mut setup = cwsim::metrics::LatencyHistogram::new();
    r.iter().for_each(|x| setup.merge(&x.req[ReqType::InviteSetup].latency));
    let p99 = setup.quantile_us(0.99) as f64 / 1e3;
    println!("later era, admitted setups: p99 {p99} ms");
    assert!(p99 <= 10_000.0, "p99 {p99} ms");
    assert!(r.iter().map(|x| x.counters.queue_timeouts).sum::<u64>() > 0);
}

#[test]
fn without_any_overload_control_goodput_collapses() {
    // No LoadMonitor and no queue timeout: the Sprout queue grows without bound past 1×,
    // every transaction waits behind it until Timer B/F (32 s) and goodput falls: below half
    // of the 1× level at 2× (the queue is still building during that step) and to nothing
    // at 2.5× and 3×.
    let r = ramp(&["throttling.tiers=[]", "sip.queue_timeout=1h"]);
    let g = goodput_by_step(&r);
    println!("goodput by step: {g:.1?}");
    assert!(g[3] < 0.5 * g[1], "2×: {} vs {}", g[3], g[1]);
    assert!(g[4] < 0.1 * g[1] && g[5] < 0.1 * g[1], "2.5×, 3×: {:?} vs {}", &g[4..], g[1]);
    let timeouts: u64 = r.iter().map(|x| x.req_total[ReqType::InviteSetup].failed[FailCause::Timeout]).sum();
    assert!(timeouts > 10_000, "{timeouts} INVITE timeouts");
}

#[test]
fn the_later_profile_never_refuses_registrations() {
    // Later era: REGISTER is exempt (it still takes a token). Initial and maximum rates
    // scaled to this 1-core Sprout so that the LoadMonitor engages: it refuses INVITEs only.
    let r = ramp(&[
        "throttling.profile=later",
        "throttling.tiers=[\"sprout\"]",
        "throttling.init_token_rate=300/s",
        "throttling.max_token_rate=600/s",
    ]);
    let by_method = |m: usize| r.iter().map(|x| x.counters.throttle_rejections[Tier::Sprout as usize][m]).sum::<u64>();
    assert_eq!(by_method(0), 0, "REGISTER refused");
    assert!(by_method(1) > 1000, "INVITEs refused: {}", by_method(1));
    assert_eq!(by_method(4), 0, "BYE (in-dialog) refused");
}

#[test]
fn sweep_is_deterministic_whatever_the_thread_count() {
    let (a, b) = (temp_dir("sweep-1"), temp_dir("sweep-2"));
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let out = cwsim(&[
            "sweep",
            "scenarios/throttle-tuning.toml",
            "--set",
            "throttling.max_tokens=100,1000",
            "--set",
            "throttling.target_latency=50ms,100ms",
            "--fix",
            "simulation.duration=150s",
            "--threads",
            threads,
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let csv = read(&a.join("sweep.csv"));
    assert!(csv == read(&b.join("sweep.csv")));
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(text.lines().count(), 1 + 4, "a header and one row per point");
    assert!(text.starts_with("point,throttling.max_tokens,throttling.target_latency,replications,offered_calls_per_s"));
}

#[test]
fn a_sweep_over_a_distribution_valued_key_keeps_points_and_plots() {
    // The GR loud failure at 1/10 of its population: the back-off as a constant and as a
    // distribution (one value, its comma inside the parentheses), two replications per
    // point, each point's full outputs kept; identical whatever the thread count.
    let (a, b) = (temp_dir("sweep-retry-1"), temp_dir("sweep-retry-2"));
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let out = cwsim(&[
            "sweep",
            "scenarios/gr-site-failure-loud.toml",
            "--set",
            "sip.register_retry=300s,uniform(150s,450s)",
            "--fix",
            "load.subscribers=2000",
            "--replications",
            "2",
            "--keep-points",
            "--threads",
            threads,
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    for f in [
        "sweep.csv",
        "ranking.txt",
        "sweep_goodput.svg",
        "sweep_p99.png",
        "point-1/summary.json",
        "point-1/outages.csv",
    ] {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f} differs between 1 and 2 threads");
    }
    let csv = String::from_utf8(read(&a.join("sweep.csv"))).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].ends_with(",goodput_calls_per_s_ci95,setup_p99_ms_ci95,sprout_cpu_ci95,tied_with_best"));
    assert!(rows[1].starts_with("0,300s,2,") && rows[2].starts_with("1,\"uniform(150s,450s)\",2,"), "{csv}");
    // Each kept point is that point's run: its summary names its own back-off.
    let summary = String::from_utf8(read(&a.join("point-1/summary.json"))).unwrap();
    assert!(summary.contains("\"replications\": 2"), "{summary}");
    let ranking = String::from_utf8(read(&a.join("ranking.txt"))).unwrap();
    assert!(ranking.contains("tied with the best"), "{ranking}");
}

#[test]
fn sweep_rejects_a_bad_value_naming_the_point() {
    let out = cwsim(&["sweep", "scenarios/throttle-tuning.toml", "--set", "throttling.max_tokens=100,-5", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--set throttling.max_tokens=-5") && err.contains("must be > 0"), "{err}");
}

/// One Bono, one Sprout, one Homestead; two subscribers and a single SIPp-like call at 1 s.
fn one_call(sip: &str, fault_until: Option<&str>) -> ClearwaterResult {
    let until = fault_until.map_or(String::new(), |u| format!("until = \"{u}\"\n"));
    let toml = format!(
        "[simulation]\nduration = \"200s\"\n[sip]\nregister_retry = \"20s\"\n{sip}\n\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 1 }}\nsprout = {{ nodes = 1 }}\nhomestead = {{ nodes = 1 }}\n\
         [load]\nprofile = \"rate\"\nsubscribers = 2\nrate = \"1/s\"\nmax_calls = 1\nreregister = \"1m\"\n\
         [[fault]]\nat = \"0s\"\n{until}kind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = 0\nmode = \"loud\"\n"
    );
    run(&crate::clearwater::scenario(&toml), 0, &RunControl::default())
}

#[test]
fn a_caller_redials_a_refused_call_as_often_as_the_scenario_says() {
    // The only Sprout is down all run: Bono has no connection to offer, so every INVITE is
    // answered 503 by Bono within milliseconds. The one call is sent at 1 s, then redialled
    // 10 s after each failure: attempts at ≈1, 11, 21, 31 s — 1 + call_retries INVITEs, all
    // failed with 503, and no more calls than the one the load generator started.
    for retries in [0u64, 3] {
        let r = one_call(&format!("call_retries = {retries}\ncall_retry = \"10s\""), None);
        let invite = &r.req_total[ReqType::InviteSetup];
        assert_eq!(invite.started, 1 + retries, "INVITEs sent");
        assert_eq!(invite.failed[FailCause::Rejected503], 1 + retries);
        assert_eq!(r.counters.call_redials, retries);
    }
}

#[test]
fn a_redial_after_the_outage_gets_through() {
    // The Sprout is back at 15 s. Bono blacklisted it at the crash (0 s) for 30 s, then
    // graylists it for 30 s while a probe may use it: by 60 s at the latest Bono connects
    // again, and the UEs, retrying their registrations every 20 s, are bound by ≈100 s. A
    // single redial 120 s after the failed attempt at 1 s (at ≈121 s) therefore succeeds.
    let r = one_call("call_retries = 1\ncall_retry = \"120s\"", Some("15s"));
    let setup = &r.req_total[ReqType::InviteSetup];
    assert_eq!(setup.started, 2);
    assert_eq!(setup.failed.iter().sum::<u64>(), 1, "{:?}", setup.failed);
    assert_eq!(setup.ok, 1);
    assert_eq!(r.req_total[ReqType::InviteAnswer].ok, 1, "the redialled call is answered");
}

#[test]
fn a_refusing_chronos_costs_timers_not_registrations() {
    // Chronos's LoadMonitor pinned at 1 token/s: a 1 µs target keeps every adjustment a
    // decrease, clamped at the 1/s minimum, and the bucket starts with its 1 token. One
    // Sprout (no replica writes); 1000 subscribers each register once in the 100 s run,
    // 3 Chronos requests per registration (~30/s). Hand calculation: Chronos admits at most
    // 1 + 100 s × 1/s = 101 requests and refuses the rest with 503. Tokens are refilled
    // only when a request asks, so each admission waits 1 s plus the residual time to the
    // next registration (registrations arrive ~Poisson at 10/s: 0.1 s on average), giving
    // ≈ 100 / 1.1 ≈ 91 admissions. Sprout tries its one
    // Chronos twice, then carries on without the timer and without a penalty, so every
    // registration succeeds — but only registrations whose binding timer got through are
    // counted by the stateful statistic (at most 101 of 1000).
    let r = run(
        &crate::clearwater::scenario(
            "[simulation]\nduration = \"100s\"\n[sip]\nreg_max_expires = \"1h\"\n\
             [throttling]\nchronos_target_latency = \"1us\"\nchronos_max_tokens = 1\n\
             chronos_init_token_rate = \"1/s\"\nchronos_min_token_rate = \"1/s\"\n\
             [[site]]\nname = \"a\"\nbono = { nodes = 1 }\nsprout = { nodes = 1 }\nhomestead = { nodes = 1 }\n\
             [load]\nprofile = \"core-only\"\nsubscribers = 1000\nbhca = 0\nreregisters_per_hour = 36\n\
             preregistered = false\n",
        ),
        0,
        &RunControl::default(),
    );
    let reg = &r.req_total[ReqType::RegisterInitial];
    assert!(reg.started > 950, "about 1000 registrations, got {}", reg.started);
    assert_eq!(reg.ok + r.in_flight[ReqType::RegisterInitial], reg.started, "none failed: {:?}", reg.failed);
    let chronos: Vec<_> = r.rows.iter().filter_map(|row| row.chronos.as_ref()).collect();
    let admitted: u64 = chronos.iter().map(|t| t.admitted).sum();
    assert!((85..=101).contains(&admitted), "Chronos admitted {admitted}");
    assert!(chronos.iter().all(|t| t.token_rate == 1.0), "the rate stays at its minimum");
    assert!(r.counters.chronos_rejections > 2 * reg.ok, "{} refusals", r.counters.chronos_rejections);
    let sprout_penalties: u64 = r.rows.iter().filter_map(|row| row.throttle.as_ref()).map(|t| t.penalties).sum();
    assert_eq!(sprout_penalties, 0, "a Chronos 503 is no penalty");
    assert!(r.registrations_end <= 101.0, "timers held: {}", r.registrations_end);
    assert!(r.bound_end > 950, "yet {} subscribers are bound", r.bound_end);
}

#[test]
fn chronos_throttles_by_default_with_its_own_parameters() {
    // CLEARWATER_FACTS.md: "Chronos throttles too (target 500 ms)"; Chronos's [throttling]
    // defaults: 1000 tokens, 500/s initial, 10/s minimum, no maximum.
    let base = "[simulation]\nduration = \"1m\"\n[[site]]\nname = \"a\"\n[load]\nprofile = \"rate\"\nsubscribers = 10\nrate = \"1/s\"\n";
    let s = crate::clearwater::scenario(base);
    let c = &s.throttling.chronos;
    assert!(c.enabled);
    assert_eq!(c.target_latency.as_ns(), 500_000_000);
    assert_eq!(c.max_tokens, 1000);
    assert_eq!(c.init_token_rate.as_per_second(), 500.0);
    assert_eq!(c.min_token_rate.as_per_second(), 10.0);
    let off = crate::clearwater::scenario(&format!("[throttling]\ntiers = [\"sprout\"]\n{base}"));
    assert!(!off.throttling.chronos.enabled, "only the tiers listed are throttled");
}
