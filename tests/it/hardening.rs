//! Regression tests for inputs that validated but made `run` panic, hang, exhaust memory,
//! write outside its output directory or report wrong figures. Each test reproduces one
//! defect: it failed before the fix.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::support::{cwsim, read, stderr, stdout, temp_dir};

/// Writes `text` as `<dir>/<name>` and returns the path as a string.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn assert_exit(out: &std::process::Output, code: i32, what: &str) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{what}: exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "{what}: panic:\n{err}");
    err
}

const SMALL: &str = r#"
[simulation]
duration = "4m"
[[site]]
name = "a"
sprout = { nodes = 2 }
[load]
profile = "sip-stress"
subscribers = 100
start_spread = "30s"
"#;

#[test]
fn a_fault_on_a_node_a_scale_removed_is_refused_and_one_on_a_node_it_added_runs() {
    let err = assert_exit(&cwsim(&["validate", "tests/bad/fault_on_scaled_away_node.toml"]), 2, "scaled away");
    assert!(err.contains(":25:9: fault[1].index: site \"a\" has 1 sprout node(s)"), "{err}");
    // Sprout 2 exists only from the scale-up at 60 s on: a crash of it at 120 s is fine.
    let dir = temp_dir("scale-added");
    let text = format!(
        "{SMALL}[[fault]]\nat = \"60s\"\nkind = \"scale\"\nsite = \"a\"\ntier = \"sprout\"\nnodes = 3\n\
         [[fault]]\nat = \"120s\"\nuntil = \"180s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"sprout\"\nindex = 2\n"
    );
    let f = write(&dir, "added.toml", &text);
    let out_dir = dir.join("out");
    assert_exit(&cwsim(&["run", &f, "--quiet", "--out", out_dir.to_str().unwrap()]), 0, "scale-added node");
    // ... but not if it is crashed before the scale adds it.
    let early = text.replace("at = \"120s\"\nuntil = \"180s\"", "at = \"30s\"\nuntil = \"180s\"");
    let f = write(&dir, "early.toml", &early);
    let err = assert_exit(&cwsim(&["validate", &f]), 2, "before the scale-up");
    assert!(err.contains("has 2 sprout node(s) while the fault lasts"), "{err}");
    // A node the tier never has is refused with words, not "index must be < 0".
    let err = assert_exit(&cwsim(&["validate", "tests/bad/no_nodes_in_tier.toml"]), 2, "no nodes");
    assert!(err.contains("site \"a\" has no homer node"), "{err}");
}

#[test]
fn durations_and_factors_that_would_overflow_time_are_refused() {
    for (set, needle) in [
        ("network.access=18446744073709551615ns", "longer than the longest duration allowed (366d)"),
        ("network.access=exp(400d)", "longer than the longest duration allowed"),
        ("costs.sprout_request=uniform(1ms, 367d)", "longer than the longest duration allowed"),
    ] {
        let out = cwsim(&["run", "scenarios/default.toml", "--quiet", "--set", set]);
        let err = assert_exit(&out, 2, set);
        assert!(err.contains(needle), "{set}: {err}");
    }
    let dir = temp_dir("slowdown");
    let text = format!(
        "{SMALL}[[fault]]\nat = \"60s\"\nkind = \"cpu-slowdown\"\nsite = \"a\"\ntier = \"sprout\"\nfactor = 1e15\n"
    );
    let f = write(&dir, "slow.toml", &text);
    let err = assert_exit(&cwsim(&["validate", &f]), 2, "factor 1e15");
    assert!(err.contains("fault[0].factor: must be in [0.001, 1000]"), "{err}");
    // The heaviest tails still allowed run: each draw stops at 366 days.
    let heavy = "network.access=lognormal(1d, 100)";
    let out_dir = dir.join("heavy");
    let out = cwsim(&["run", "scenarios/default.toml", "--quiet", "--set", heavy, "--out", out_dir.to_str().unwrap()]);
    assert_exit(&out, 0, heavy);
}

#[test]
fn a_ramp_without_a_maximum_is_refused_instead_of_hanging() {
    let started = Instant::now();
    let out = cwsim(&["run", "tests/bad/ramp_without_rate_max.toml", "--quiet"]);
    let err = assert_exit(&out, 2, "ramp");
    assert!(err.contains("load.rate_max: the load peaks at 3.000e10 requests/s"), "{err}");
    assert!(err.contains("(the ramp has no rate_max: set one)"), "{err}");
    // A huge constant rate too.
    let out = cwsim(&["run", "scenarios/rate-ramp.toml", "--quiet", "--set", "load.rate=1e9/s"]);
    assert_exit(&out, 2, "rate 1e9/s");
    assert!(started.elapsed().as_secs() < 30, "refusals must come before any simulation");
}

#[test]
fn the_event_budget_stops_a_run_cleanly() {
    let dir = temp_dir("budget");
    let out_dir = dir.join("out");
    let out = cwsim(&[
        "run",
        "scenarios/default.toml",
        "--quiet",
        "--set",
        "simulation.max_events=50000",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let err = assert_exit(&out, 1, "budget");
    assert!(err.contains("used its event budget (simulation.max_events = 50000)"), "{err}");
    assert!(!out_dir.exists(), "nothing is written when a run stops early");
}

#[test]
fn runs_too_big_for_memory_are_refused_with_the_estimate() {
    let started = Instant::now();
    // 10^8 subscribers: ~37 GiB per world.
    let out = cwsim(&["run", "scenarios/default.toml", "--quiet", "--set", "load.subscribers=100000000"]);
    let err = assert_exit(&out, 2, "10^8 subscribers");
    assert!(err.contains("would need about") && err.contains("GiB") && err.contains("--max-memory"), "{err}");
    // A year sampled every millisecond: 3·10^10 samples.
    let out = cwsim(&[
        "run",
        "scenarios/default.toml",
        "--quiet",
        "--set",
        "simulation.duration=366d",
        "--set",
        "simulation.sample_interval=1ms",
    ]);
    let err = assert_exit(&out, 2, "366 d at 1 ms");
    assert!(err.contains("samples"), "{err}");
    // The limit is the user's: the same default scenario fits in 200 MiB, not in 10 MiB.
    let out = cwsim(&["run", "scenarios/default.toml", "--quiet", "--max-memory", "10MiB"]);
    assert_exit(&out, 2, "10 MiB");
    let out = cwsim(&["run", "scenarios/default.toml", "--quiet", "--max-memory", "lots"]);
    assert_exit(&out, 2, "bad size");
    // A sweep of 10^6 points.
    let values: Vec<String> = (1..=1000).map(|i| format!("{i}")).collect();
    let axis_a = format!("throttling.max_tokens={}", values.join(","));
    let axis_b = format!("throttling.chronos_max_tokens={}", values.join(","));
    let out = cwsim(&["sweep", "scenarios/throttle-tuning.toml", "--quiet", "--set", &axis_a, "--set", &axis_b]);
    let err = assert_exit(&out, 2, "10^6 points");
    assert!(err.contains("1000000 points"), "{err}");
    // A file of endless zeros is refused after the first MiB.
    let out = cwsim(&["validate", "/dev/zero"]);
    let err = assert_exit(&out, 2, "/dev/zero");
    assert!(err.contains("larger than 1024 KiB"), "{err}");
    assert!(started.elapsed().as_secs() < 30, "refusals must come before any simulation");
}

#[test]
fn outputs_never_leave_their_directory() {
    let err = assert_exit(&cwsim(&["validate", "tests/bad/name_escapes_outputs.toml"]), 2, "name");
    assert!(err.contains(":3:8: name: names the output directory"), "{err}");
    assert!(err.contains(":16:7: output.dir: must name a directory"), "{err}");
    for name in ["/etc/x", "a/b", ".hidden", ""] {
        let set = format!("name=\"{name}\"");
        assert_exit(&cwsim(&["run", "scenarios/default.toml", "--quiet", "--set", &set]), 2, &set);
    }
    // A file stem that is not a safe name becomes one.
    let dir = temp_dir("stem");
    let f = write(&dir, "my scenario (v2).toml", SMALL);
    let out = cwsim(&["validate", &f]);
    assert_exit(&out, 0, "stem");
    assert!(stdout(&out).contains("scenario \"my-scenario--v2-\""), "{}", stdout(&out));
    // An output location that cannot be used is refused before simulating, not after.
    let file = write(&dir, "a-file", "x");
    let started = Instant::now();
    let err =
        assert_exit(&cwsim(&["run", "scenarios/core-only-113k.toml", "--quiet", "--out", &file]), 2, "--out file");
    assert!(err.contains("exists and is not a directory"), "{err}");
    assert!(started.elapsed().as_secs() < 5, "refused after {:?}", started.elapsed());
    // A directory cwsim did not write is never replaced.
    let theirs = dir.join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.md"), "keep me").unwrap();
    let err = assert_exit(
        &cwsim(&["run", "scenarios/default.toml", "--quiet", "--out", theirs.to_str().unwrap()]),
        2,
        "theirs",
    );
    assert!(err.contains("not a cwsim output directory"), "{err}");
    assert_eq!(read(&theirs.join("notes.md")), b"keep me");
}

#[test]
fn an_output_directory_is_replaced_as_a_whole() {
    let dir = temp_dir("replace");
    let out_dir = dir.join("out");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios/mmc.toml", "--quiet", "--out", out_dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        assert_exit(&cwsim(&args), 0, "mmc");
    };
    run(&[]);
    assert!(out_dir.join("in_system.png").is_file());
    // A second run without plots leaves no plot of the first behind.
    run(&["--set", "output.plots=false"]);
    assert!(!out_dir.join("in_system.png").exists(), "a stale file of the previous run survived");
    let beside: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(beside, vec![out_dir.clone()], "temporary directories left beside the outputs");
}

#[test]
fn requests_that_started_during_warm_up_do_not_count_after_it() {
    // scale-up.toml (warm-up 2 min) once reported invite_setup ok 82 318 of 82 317 started.
    let dir = temp_dir("warmup-counts");
    let out_dir = dir.join("out");
    let out = cwsim(&[
        "run",
        "scenarios/scale-up.toml",
        "--quiet",
        "--replications",
        "1",
        "--set",
        "load.subscribers=20000",
        "--set",
        "simulation.duration=15m",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_exit(&out, 0, "scale-up");
    let v: serde_json::Value = serde_json::from_slice(&read(&out_dir.join("summary.json"))).unwrap();
    let requests = v["requests"].as_object().unwrap();
    assert!(!requests.is_empty());
    for (kind, c) in requests {
        let (started, ok, failed) =
            (c["started"].as_u64().unwrap(), c["ok"].as_u64().unwrap(), c["failed"].as_u64().unwrap());
        assert!(ok + failed <= started, "{kind}: ok {ok} + failed {failed} > started {started}");
    }
}

#[test]
fn too_many_faults_are_refused() {
    // Fault numbers were 16-bit: fault 65 536 ran as fault 0.
    let dir = temp_dir("faults");
    let mut text = SMALL.to_string();
    for i in 0..10_001 {
        text.push_str(&format!("[[fault]]\nat = \"{}ms\"\nkind = \"dns-failure\"\n", 1000 + i));
    }
    let f = write(&dir, "many.toml", &text);
    let err = assert_exit(&cwsim(&["validate", &f]), 2, "10 001 faults");
    assert!(err.contains("at most 10000 faults are supported, got 10001"), "{err}");
}

#[test]
fn messages_quote_no_placeholder_and_no_terminal_escapes() {
    let err = assert_exit(&cwsim(&["validate", "tests/bad/invalid_duration_not_quoted_later.toml"]), 2, "placeholder");
    assert!(err.contains("unknown unit \"parsecs\""), "{err}");
    // No check compares warm-up or fault times with a duration that is not there.
    assert!(!err.contains("simulation.warmup") && !err.contains("fault[0].at"), "{err}");
    assert!(err.contains("1 error in scenario"), "{err}");
    // Escape sequences in echoed input are shown, not obeyed.
    let dir = temp_dir("escapes");
    let f = write(&dir, "esc.toml", &format!("{SMALL}[dns]\nmode = \"\u{1b}[2J\u{1b}]0;pwned\u{7}\"\n"));
    let err = assert_exit(&cwsim(&["validate", &f]), 2, "escapes");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\u{1b}[2J"), "{err}");
    // The nesting-depth error points at the nested line, not 1:1.
    let deep = format!("{SMALL}x = 1\n{} = 1\n", vec!["a"; 300].join("."));
    let f = write(&dir, "deep.toml", &deep);
    let err = assert_exit(&cwsim(&["validate", &f]), 2, "deep");
    let line = SMALL.lines().count() + 2;
    assert!(err.contains(&format!("deep.toml:{line}:1: TOML syntax error")), "{err}");
}

#[test]
fn billing_timers_cannot_be_set_to_fire_every_nanosecond() {
    // A 1 ns interim interval would make Ralf's Chronos pop a billion times a simulated
    // second per call. The CDF's Acct-Interim-Interval is a whole number of seconds and a
    // SIP session timer is at least 90 s (RFC 4028 Min-SE): both are refused below that,
    // with the key named, and zero, negative and huge values too.
    let dir = temp_dir("billing-bounds");
    for (key, value, rule) in [
        ("interim_interval", "\"1ns\"", "≥ 1s"),
        ("interim_interval", "\"0s\"", "≥ 1s"),
        ("interim_interval", "\"-5s\"", "negative"),
        ("session_expires", "\"89s\"", "≥ 90s"),
        ("session_expires", "\"999999d\"", "too large"),
    ] {
        let text = format!(
            "[simulation]\nduration = \"1m\"\n[[site]]\nname = \"a\"\nralf = {{ nodes = 1 }}\n\
             [load]\nprofile = \"rate\"\nsubscribers = 10\nrate = \"1/s\"\n[billing]\n{key} = {value}\n"
        );
        let path = write(&dir, "b.toml", &text);
        let err = assert_exit(&cwsim(&["validate", &path]), 2, key);
        assert!(err.contains(&format!("billing.{key}")) && err.contains(rule), "{key} = {value}: {err}");
    }
}
