//! Same scenario + seed ⇒ byte-identical outputs, whatever the thread count.

use std::path::Path;

use crate::support::{cwsim, read, stderr, temp_dir};

const FILES: [&str; 7] =
    ["summary.json", "timeseries.csv", "latency.csv", "report.txt", "report.html", "in_system.png", "sojourn.svg"];

fn run_into(dir: &Path, extra: &[&str]) {
    let mut args = vec!["run", "scenarios/mmc.toml", "--quiet", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = cwsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn fingerprint(dir: &Path) -> String {
    let v: serde_json::Value = serde_json::from_slice(&read(&dir.join("summary.json"))).unwrap();
    v["fingerprint"].as_str().unwrap().to_string()
}

fn assert_same_files(a: &Path, b: &Path) {
    for f in FILES {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn same_seed_same_bytes() {
    let (a, b) = (temp_dir("det-a"), temp_dir("det-b"));
    run_into(&a, &[]);
    run_into(&b, &[]);
    assert_same_files(&a, &b);
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let (one, two) = (temp_dir("det-t1"), temp_dir("det-t2"));
    run_into(&one, &["--threads", "1", "--replications", "6"]);
    run_into(&two, &["--threads", "2", "--replications", "6"]);
    assert_same_files(&one, &two);
}

#[test]
fn different_seed_different_fingerprint() {
    let (a, b) = (temp_dir("det-s1"), temp_dir("det-s2"));
    run_into(&a, &["--seed", "1"]);
    run_into(&b, &["--seed", "2"]);
    assert_ne!(fingerprint(&a), fingerprint(&b));
}

#[test]
fn clearwater_runs_are_identical_whatever_the_thread_count() {
    let (one, two) = (temp_dir("cw-t1"), temp_dir("cw-t2"));
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let out = cwsim(&[
            "run",
            "scenarios/gr-site-failure-loud.toml",
            "--quiet",
            "--replications",
            "3",
            "--threads",
            threads,
            "--set",
            "load.subscribers=2000",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    for f in [
        "summary.json",
        "timeseries.csv",
        "latency.csv",
        "requests.csv",
        "outages.csv",
        "report.txt",
        "report.html",
        "cpu.png",
        "outage_cdf.svg",
    ] {
        assert!(read(&one.join(f)) == read(&two.join(f)), "{f} differs between 1 and 2 threads");
    }
}
