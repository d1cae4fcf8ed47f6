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
