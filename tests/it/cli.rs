//! The command line as a newcomer meets it: bundled scenarios, help, outputs.

use crate::support::{cwsim, repo, stderr, stdout, temp_dir};

/// The bundled scenarios: `scenarios/*.toml` and those beside their SIPp files in
/// `scenarios/sipp/`.
pub fn scenario_files() -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for dir in ["scenarios", "scenarios/sipp"] {
        files.extend(
            std::fs::read_dir(repo().join(dir))
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .map(|p| format!("{dir}/{}", p.file_name().unwrap().to_string_lossy())),
        );
    }
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn every_bundled_scenario_validates() {
    let files = scenario_files();
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = cwsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().filter(|l| l.starts_with("ok: ")).count(), files.len());
}

#[test]
fn help_everywhere_with_examples() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["validate", "--help"],
        &["bench", "--help"],
        &["sweep", "--help"],
        &["plan", "--help"],
        &["ports", "--help"],
        &["compare", "--help"],
        &["completions", "--help"],
    ] {
        let out = cwsim(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(stdout(&out).contains("Examples:"), "{args:?} help has no examples");
    }
}

#[test]
fn summary_carries_the_run_identity() {
    let dir = temp_dir("identity");
    let out = cwsim(&["run", "scenarios/mmc.toml", "--quiet", "--seed", "5", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["seed"], 5);
    assert_eq!(v["scenario"], "mmc");
    assert_eq!(v["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(v["replication_fingerprints"].as_array().unwrap().len(), v["replications"].as_u64().unwrap() as usize);
}

#[test]
fn json_prints_exactly_the_summary_file() {
    let dir = temp_dir("json");
    let out = cwsim(&["run", "scenarios/mmc.toml", "--json", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // stdout is the whole of summary.json and nothing else (no report, no file list).
    assert_eq!(out.stdout, std::fs::read(dir.join("summary.json")).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"], "mmc");
}

#[test]
fn compare_flags_significant_differences_and_exits_as_documented() {
    let (a, b) = (temp_dir("compare-a"), temp_dir("compare-b"));
    let run = |dir: &std::path::Path, extra: &[&str]| {
        let mut args =
            vec!["run", "scenarios/default.toml", "--replications", "3", "--quiet", "--out", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        assert_eq!(cwsim(&args).status.code(), Some(0));
    };
    run(&a, &[]);
    // 20% more subscribers: registrations per second rise by 20% — far outside any interval.
    run(&b, &["--seed", "2", "--set", "load.subscribers=2400"]);
    // A run against itself: every difference is exactly zero, none significant: exit 0.
    let same = cwsim(&["compare", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(stdout(&same).contains(" 0 differ significantly"));
    let diff = cwsim(&["compare", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(diff.status.code(), Some(1), "some differ: exit 1 (as diff)");
    let text = stdout(&diff);
    let line = text.lines().find(|l| l.starts_with("goodput.offered_registrations_per_s")).unwrap();
    assert!(line.ends_with('*') && line.contains("+20.0%"), "{line}");
    let missing = cwsim(&["compare", a.to_str().unwrap(), "/nonexistent-cwsim-run"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("RUN_B") && stderr(&missing).contains("summary.json"));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = cwsim(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(script.contains("cwsim") && script.contains("sweep") && script.contains("keep-points"), "{shell}");
    }
    assert_eq!(cwsim(&["completions", "nosh"]).status.code(), Some(2));
}
