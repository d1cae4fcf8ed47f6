//! The fingerprint suite: every bundled scenario runs, and every output file it writes is
//! pinned by its SHA-256 in `tests/fingerprints.txt`, beside the model's event fingerprint.
//! A refactor or speed change must leave the file untouched; a change that moves a line says
//! why in its commit. `CWSIM_BLESS=1 cargo test fingerprints` rewrites the file.
//!
//! A scenario too long to run whole here (the suite must finish within 30 minutes on two
//! cores) is listed in [`SHORTENED`] and pinned on a shorter simulated time given by `--set`
//! overrides; its size (subscribers, nodes) is untouched, so building it is still covered.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cli::scenario_files;
use crate::support::{cwsim, read, repo, stderr, temp_dir};

const PINS: &str = "tests/fingerprints.txt";

const HEADER: &str = "\
# Pinned outputs of every bundled scenario: `scenario  file  sha256` (and the model's event
# fingerprint from summary.json). Checked by tests/it/fingerprints.rs; rewrite with
# `CWSIM_BLESS=1 cargo test fingerprints` and say in the commit which change moved a line.
# Scenarios listed in SHORTENED there are pinned on a shorter simulated time.
";

/// Scenarios pinned on a shortened run, and the overrides that shorten it. core-only-10m
/// simulates ~2.2 G events an hour (10 million subscribers): one simulated minute of it
/// is ~40 M events.
const SHORTENED: &[(&str, &[&str])] = &[("core-only-10m.toml", &["simulation.duration=1m", "simulation.warmup=30s"])];

/// Runs one scenario and returns its pins: file name → digest.
fn pins_of(scenario: &str) -> BTreeMap<String, String> {
    let dir = temp_dir(&format!("pin-{}", scenario.replace('/', "_")));
    let out_dir = dir.join("out");
    let mut args = vec!["run", scenario, "--quiet", "--out", out_dir.to_str().unwrap()];
    let file = Path::new(scenario).file_name().unwrap().to_string_lossy();
    for (_, sets) in SHORTENED.iter().filter(|(name, _)| *name == file) {
        for set in *sets {
            args.extend(["--set", set]);
        }
    }
    let out = cwsim(&args);
    assert_eq!(out.status.code(), Some(0), "{scenario}: {}", stderr(&out));
    // Nothing but the output directory appears, and it holds no temporaries.
    let beside: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("out")], "{scenario}: files beside the output directory");
    let mut pins = BTreeMap::new();
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == ".cwsim-output" {
            continue;
        }
        assert!(!name.starts_with('.') && !name.contains(".tmp"), "{scenario}: temporary file {name} left");
        pins.insert(name, format!("{:x}", Sha256::digest(read(&path))));
    }
    for required in ["summary.json", "latency.csv", "report.txt"] {
        assert!(pins.contains_key(required), "{scenario}: {required} missing");
    }
    let summary: serde_json::Value = serde_json::from_slice(&read(&out_dir.join("summary.json"))).unwrap();
    pins.insert("(fingerprint)".into(), summary["fingerprint"].as_str().unwrap().to_string());
    std::fs::remove_dir_all(&dir).unwrap();
    pins
}

fn render(all: &BTreeMap<String, BTreeMap<String, String>>) -> String {
    let mut text = HEADER.to_string();
    for (scenario, pins) in all {
        for (file, digest) in pins {
            text.push_str(&format!("{scenario}  {file}  {digest}\n"));
        }
    }
    text
}

fn parse(text: &str) -> BTreeMap<(String, String), String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "malformed line in {PINS}: {l}");
            ((f[0].to_string(), f[1].to_string()), f[2].to_string())
        })
        .collect()
}

#[test]
fn every_bundled_scenario_runs_and_matches_its_pinned_outputs() {
    let mut all = BTreeMap::new();
    for f in scenario_files() {
        let name = Path::new(&f).file_name().unwrap().to_string_lossy().into_owned();
        all.insert(name, pins_of(&f));
    }
    let now = render(&all);
    let path = repo().join(PINS);
    if std::env::var_os("CWSIM_BLESS").is_some() {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_default();
    let (want, got) = (parse(&pinned), parse(&now));
    let mut diffs = Vec::new();
    for (key, digest) in &got {
        match want.get(key) {
            None => diffs.push(format!("  new:     {} {}", key.0, key.1)),
            Some(d) if d != digest => diffs.push(format!("  changed: {} {}", key.0, key.1)),
            _ => {}
        }
    }
    for key in want.keys().filter(|k| !got.contains_key(*k)) {
        diffs.push(format!("  gone:    {} {}", key.0, key.1));
    }
    assert!(
        diffs.is_empty(),
        "outputs differ from {PINS}:\n{}\nIf the change is intended, rerun with CWSIM_BLESS=1 and say why in the commit.",
        diffs.join("\n")
    );
}
