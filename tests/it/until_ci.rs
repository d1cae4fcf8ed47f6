//! `run --until-ci`: the stopping rule on a figure whose variance theory gives, outputs equal
//! to a plain run with the count reached, thread-count independence, refusals.

use std::path::Path;

use crate::support::{cwsim, read, stderr, temp_dir};

/// M/M/4 (λ = 3/s) measured for 1000 s after a 100 s warm-up: the arrivals counted in a
/// replication are Poisson with mean λT = 3000, so their standard deviation is √3000 = 54.8,
/// 1.826% of the mean.
const SHORT: [&str; 4] = ["--set", "simulation.duration=1100s", "--set", "simulation.warmup=100s"];
const LAMBDA_T: f64 = 3000.0;

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "scenarios/mmc.toml", "--quiet", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(&SHORT);
    args.extend_from_slice(extra);
    cwsim(&args)
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dir.join("summary.json"))).unwrap()
}

/// Two-sided 95% Student-t quantiles, df 9..=49 (tables).
fn t95(df: u64) -> f64 {
    const T: [f64; 41] = [
        2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042, 2.040, 2.037, 2.035, 2.032, 2.030, 2.028, 2.026, 2.024, 2.023, 2.021,
        2.020, 2.018, 2.017, 2.015, 2.014, 2.013, 2.012, 2.011, 2.010,
    ];
    T[(df - 9) as usize]
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), read(&p)))
        .collect();
    v.sort();
    v
}

#[test]
fn stops_where_the_poisson_variance_says_and_equals_a_plain_run() {
    // Target: half-width ≤ 1% of the mean, i.e. t(n−1) · 1.826% / √n ≤ 1%, n ≥ 3.33 t²: with
    // the true σ, n = 16 (t15 = 2.131, 3.33 × 4.54 = 15.1). Batches: the scenario's 10, then
    // 20, 30, 40 (each at least 10 more, at most double).
    let dir = temp_dir("until-ci");
    let out = run(&dir, &["--until-ci", "results.arrivals=0.01", "--threads", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line = stderr(&out);
    assert!(line.contains("until-ci: results.arrivals = ") && line.contains(": reached"), "{line}");
    let v = summary(&dir);
    let n = v["replications"].as_u64().unwrap();
    let (mean, h) =
        (v["results"]["arrivals"]["mean"].as_f64().unwrap(), v["results"]["arrivals"]["ci95"].as_f64().unwrap());
    assert!(line.contains(&format!("after {n} replications")), "{line}");
    assert!([10, 20, 30, 40].contains(&n), "n = {n}");
    assert!(h <= 0.01 * mean, "stopped with {h} > 1% of {mean}");
    // The sample's standard deviation recovered from the interval is Poisson's, within the
    // spread a sample of ≥ 10 allows: s/σ = √(χ²₉/9), between 0.31 and 1.82 with 99.9%
    // probability (Wilson–Hilferty: 9(1 − 2/81 ∓ 3.29·√(2/81))³ = 0.87 and 29.9).
    let sd = h / t95(n - 1) * (n as f64).sqrt();
    assert!((mean - LAMBDA_T).abs() < 4.0 * LAMBDA_T.sqrt() / (n as f64).sqrt(), "mean {mean}");
    assert!(sd > 0.31 * LAMBDA_T.sqrt() && sd < 1.82 * LAMBDA_T.sqrt(), "sd {sd}");

    // Byte for byte a plain run of n replications, on another thread count.
    let plain = temp_dir("until-ci-plain");
    let out = run(&plain, &["--replications", &n.to_string(), "--threads", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(files_of(&dir), files_of(&plain));

    // The batch before did not meet the target (else the run would have stopped there).
    if n > 10 {
        let before = temp_dir("until-ci-before");
        let out = run(&before, &["--replications", &(n - 10).to_string()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let v = summary(&before);
        let (m, h) =
            (v["results"]["arrivals"]["mean"].as_f64().unwrap(), v["results"]["arrivals"]["ci95"].as_f64().unwrap());
        assert!(h > 0.01 * m, "{n} − 10 replications already met the target");
    }

    // The same count on one thread.
    let one = temp_dir("until-ci-one");
    let out = run(&one, &["--until-ci", "results.arrivals=1%", "--threads", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(files_of(&dir), files_of(&one));
}

#[test]
fn stops_at_the_maximum_and_says_so() {
    // 0.01% would need n ≈ 3.33 × 10⁴ t²: out of reach, so the run ends at 12 (10, then 12).
    let dir = temp_dir("until-ci-max");
    let out = run(&dir, &["--until-ci", "results.arrivals=0.0001", "--max-replications", "12"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("after 12 replications (batches ending at 10, 12)"), "{}", stderr(&out));
    assert!(stderr(&out).contains("NOT reached at the maximum"), "{}", stderr(&out));
    assert_eq!(summary(&dir)["replications"], 12);
}

#[test]
fn refuses_unknown_metrics_and_figures_the_run_lacks() {
    let dir = temp_dir("until-ci-bad");
    for (args, needle) in [
        (&["--until-ci", "results.nope=0.1"][..], "unknown metric `results.nope`"),
        (&["--until-ci", "results.wait_s"], "expected METRIC=REL"),
        (&["--until-ci", "results.wait_s=2"], "strictly between 0 and 1"),
        (&["--until-ci", "tiers.sprout.cpu_mean=0.1"], "not a figure of the queue model"),
        (&["--max-replications", "5"], "--until-ci"),
    ] {
        let out = run(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    // A Clearwater figure this run does not have: outage figures without faults.
    let out = cwsim(&[
        "run",
        "scenarios/default.toml",
        "--quiet",
        "--set",
        "simulation.duration=200s",
        "--set",
        "simulation.warmup=50s",
        "--out",
        dir.to_str().unwrap(),
        "--until-ci",
        "outage.mean_s=0.1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("has no such figure"), "{}", stderr(&out));
}
