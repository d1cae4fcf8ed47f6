//! Invalid scenarios: exit code 2, and a message that names file, line:column, key and
//! rule. One file per defect under tests/bad/.

use crate::support::{cwsim, stderr, temp_dir};

/// Validates `tests/bad/<file>` and returns stderr after checking the exit code.
fn rejected(file: &str) -> String {
    let path = format!("tests/bad/{file}");
    let out = cwsim(&["validate", &path]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{file}: exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "{file}: panic:\n{err}");
    err
}

fn expect(file: &str, needles: &[&str]) {
    let err = rejected(file);
    for n in needles {
        assert!(err.contains(n), "{file}: expected {n:?} in:\n{err}");
    }
}

#[test]
fn unknown_key_lists_the_valid_ones() {
    expect(
        "unknown_key.toml",
        &[
            "tests/bad/unknown_key.toml:6:1: simulation.durration: unknown key",
            "did you mean \"duration\"",
            "valid keys here: duration, max_events, model",
        ],
    );
}

#[test]
fn negative_rate() {
    expect("negative_rate.toml", &["negative_rate.toml:12:8: load.rate:", "≥ 0", "-3/s"]);
}

#[test]
fn zero_cores() {
    expect("zero_cores.toml", &["zero_cores.toml:8:31: site[0].sprout.cores: must be > 0, got 0"]);
}

#[test]
fn warmup_not_before_duration() {
    expect(
        "warmup_not_before_duration.toml",
        &["warmup_not_before_duration.toml:5:10: simulation.warmup: must be shorter than simulation.duration (10m), got 20m"],
    );
}

#[test]
fn nan_is_not_a_number() {
    expect("nan.toml", &["nan.toml:14:20: load.call_probability: must be a finite number, got nan"]);
}

#[test]
fn duration_overflow() {
    expect("duration_overflow.toml", &["duration_overflow.toml:4:12: simulation.duration:", "too large"]);
}

#[test]
fn missing_required_key() {
    expect("missing_required.toml", &["missing_required.toml:2:1: simulation.duration: missing required key"]);
}

#[test]
fn wrong_type() {
    expect("wrong_type.toml", &["wrong_type.toml:5:8: simulation.seed: expected an integer, got the string \"one\""]);
}

#[test]
fn empty_file() {
    expect("empty.toml", &["empty.toml:1:1: simulation: the file is empty"]);
}

#[test]
fn every_error_is_reported_at_once() {
    let err = expect_all("several_errors.toml");
    for needle in [
        ":4:12: simulation.duration:",
        ":5:16: simulation.replications: must be > 0, got 0",
        ":8:11: queue.servers: must be > 0, got 0",
        ":12:11: load.profile: must be one of \"poisson\"",
        "4 errors in scenario",
    ] {
        assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    }
}

fn expect_all(file: &str) -> String {
    rejected(file)
}

#[test]
fn toml_syntax_error_has_a_position() {
    expect("toml_syntax.toml", &["toml_syntax.toml:3:", "TOML syntax error"]);
}

#[test]
fn non_utf8_file() {
    let dir = temp_dir("non-utf8");
    let path = dir.join("latin1.toml");
    std::fs::write(&path, b"[simulation]\nduration = \"10s\" # caf\xe9\n").unwrap();
    let out = cwsim(&["validate", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("latin1.toml:2:"), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn missing_file() {
    let out = cwsim(&["validate", "tests/bad/does-not-exist.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read the file"));
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["run", "scenarios/mmc.toml", "--replications", "0"][..],
        &["run", "scenarios/mmc.toml", "--threads", "0"],
        &["run", "scenarios/mmc.toml", "--seed", "-1"],
        &["run", "scenarios/mmc.toml", "--bogus"],
        &["frobnicate"],
    ] {
        let out = cwsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}
