//! Sharded runs and sweeps (`--shard K/N`) merged by `cwsim merge`: byte for byte the
//! unsharded outputs whatever the split, and parts that do not belong together refused,
//! each by name.

use std::path::{Path, PathBuf};

use crate::support::{cwsim, read, stderr, temp_dir};

/// Every file under `dir` (relative path → bytes), sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((p.strip_prefix(root).unwrap().display().to_string(), read(&p)));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn ok(args: &[&str]) {
    let out = cwsim(args);
    assert_eq!(out.status.code(), Some(0), "cwsim {args:?}: {}", stderr(&out));
}

fn with(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn ok_owned(args: &[String]) {
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// Runs `base` unsharded, then split into each of `splits`, merges, and compares trees.
fn merged_equals_unsharded(name: &str, base: &[&str], splits: &[u32]) {
    let root = temp_dir(name);
    let reference = root.join("reference");
    ok_owned(&with(base, &["--quiet", "--out", reference.to_str().unwrap()]));
    let expected = tree(&reference);
    assert!(expected.len() >= 3, "{expected:?}");
    for &n in splits {
        let parts = root.join(format!("parts-{n}"));
        for k in 0..n {
            let shard = format!("{k}/{n}");
            ok_owned(&with(base, &["--quiet", "--shard", &shard, "--out", parts.to_str().unwrap()]));
        }
        let merged = root.join(format!("merged-{n}"));
        ok(&["merge", parts.to_str().unwrap(), "--out", merged.to_str().unwrap(), "--quiet"]);
        let got = tree(&merged);
        let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got), names(&expected), "{n} shards: other files");
        for ((file, a), (_, b)) in got.iter().zip(&expected) {
            assert!(a == b, "{n} shards: {file} differs from the unsharded run's");
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// A Clearwater run with 5 replications: 2 and 3 shards split them unevenly, 7 shards
/// leave two parts empty.
const RUN: &[&str] = &[
    "run",
    "scenarios/default.toml",
    "--set",
    "simulation.duration=3m",
    "--set",
    "simulation.warmup=1m",
    "--replications",
    "5",
    "--threads",
    "2",
];

#[test]
fn a_run_split_into_1_2_3_and_7_shards_merges_to_the_unsharded_bytes() {
    merged_equals_unsharded("run", RUN, &[1, 2, 3, 7]);
}

#[test]
fn a_queue_model_run_merges_to_the_unsharded_bytes() {
    let base = ["run", "scenarios/mmc.toml", "--replications", "4", "--set", "simulation.duration=2000s"];
    merged_equals_unsharded("mmc", &base, &[3]);
}

/// A SIPp load: the parts keep the scenario's text; the XML files it names are read again
/// beside it, and must hash as they did.
#[test]
fn a_sipp_driven_run_merges_to_the_unsharded_bytes() {
    merged_equals_unsharded("sipp", &["run", "scenarios/sipp/core-only.toml", "--replications", "3"], &[2]);
}

/// 2 × 2 points × 2 replications = 8 units; 7 shards put two units in shard 0.
const SWEEP: &[&str] = &[
    "sweep",
    "scenarios/throttle-tuning.toml",
    "--set",
    "throttling.max_tokens=100,1000",
    "--set",
    "throttling.target_latency=50ms,100ms",
    "--fix",
    "simulation.duration=100s",
    "--replications",
    "2",
    "--slo-p99",
    "1s",
    "--threads",
    "2",
];

#[test]
fn a_sweep_split_into_1_2_3_and_7_shards_merges_to_the_unsharded_bytes() {
    merged_equals_unsharded("sweep", SWEEP, &[1, 2, 3, 7]);
}

#[test]
fn a_sweep_keeping_points_merges_every_point_directory() {
    let mut base = SWEEP.to_vec();
    base.push("--keep-points");
    merged_equals_unsharded("sweep-points", &base, &[3]);
}

/// Three parts of the run in `dir`, and the run's part-0 of other jobs beside.
fn parts(root: &Path) -> (PathBuf, Vec<PathBuf>) {
    let dir = root.join("parts");
    for k in 0..3 {
        ok_owned(&with(RUN, &["--quiet", "--shard", &format!("{k}/3"), "--out", dir.to_str().unwrap()]));
    }
    let files = (0..3).map(|k| dir.join(format!("part-{k}-of-3.cwpart"))).collect();
    (dir, files)
}

fn refused(args: &[&Path], out: &Path) -> String {
    let mut a: Vec<&str> = vec!["merge"];
    a.extend(args.iter().map(|p| p.to_str().unwrap()));
    a.extend(["--out", out.to_str().unwrap()]);
    let o = cwsim(&a);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists(), "a refused merge wrote {}", out.display());
    stderr(&o)
}

#[test]
fn missing_duplicate_and_foreign_parts_are_refused_by_name() {
    let root = temp_dir("refusals");
    let (_, p) = parts(&root);
    let out = root.join("merged");

    let e = refused(&[&p[0], &p[2]], &out);
    assert!(e.contains("missing part: shard 1/3 (part-1-of-3.cwpart)"), "{e}");

    let copy = root.join("copy-of-part-2.cwpart");
    std::fs::copy(&p[2], &copy).unwrap();
    let e = refused(&[&p[0], &p[1], &p[2], &copy], &out);
    assert!(e.contains("duplicate part: shard 2/3") && e.contains(copy.to_str().unwrap()), "{e}");

    // Another scenario: the same file with another override.
    let other = root.join("other");
    let mut args = with(RUN, &["--quiet", "--shard", "1/3", "--out", other.to_str().unwrap()]);
    args.extend(["--set".to_string(), "load.subscribers=1000".to_string()]);
    ok_owned(&args);
    let stranger = other.join("part-1-of-3.cwpart");
    let e = refused(&[&p[0], &p[1], &p[2], &stranger], &out);
    assert!(e.contains(&format!("{}: foreign part: another scenario", stranger.display())), "{e}");

    // The same scenario with another seed.
    let seeded = root.join("seeded");
    ok_owned(&with(RUN, &["--quiet", "--seed", "9", "--shard", "0/3", "--out", seeded.to_str().unwrap()]));
    let reseeded = seeded.join("part-0-of-3.cwpart");
    let e = refused(&[&reseeded, &p[1], &p[2]], &out);
    assert!(
        e.contains(&format!("{}: foreign part: the same scenario run with other options", reseeded.display())),
        "{e}"
    );
    assert!(e.contains("missing part: shard 0/3"), "{e}");

    // Another split.
    let halves = root.join("halves");
    ok_owned(&with(RUN, &["--quiet", "--shard", "1/2", "--out", halves.to_str().unwrap()]));
    let half = halves.join("part-1-of-2.cwpart");
    let e = refused(&[&p[0], &p[1], &p[2], &half], &out);
    assert!(e.contains(&format!("{}: foreign part: shard 1/2 of a 2-way split", half.display())), "{e}");

    // A damaged part (one byte changed in the middle), and a file that is no part at all.
    let mut bytes = read(&p[1]);
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    let damaged = root.join("damaged.cwpart");
    std::fs::write(&damaged, &bytes).unwrap();
    let e = refused(&[&p[0], &damaged, &p[2]], &out);
    assert!(e.contains(&format!("{}: checksum mismatch", damaged.display())), "{e}");
    // A part of another format version (bytes 8..12, read before the checksum).
    let mut bytes = read(&p[1]);
    bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
    let future = root.join("future.cwpart");
    std::fs::write(&future, &bytes).unwrap();
    let e = refused(&[&p[0], &future, &p[2]], &out);
    assert!(e.contains(&format!("{}: part format version 99", future.display())), "{e}");
    let text = root.join("notes.cwpart");
    std::fs::write(&text, "hello").unwrap();
    let e = refused(&[&p[0], &p[1], &p[2], &text], &out);
    assert!(e.contains(&format!("{}: not a cwsim part file", text.display())), "{e}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_rerun_shard_replaces_its_part_whole_and_the_merge_is_unchanged() {
    let root = temp_dir("rerun");
    let (dir, p) = parts(&root);
    let before = read(&p[1]);
    let first = root.join("first");
    ok(&["merge", dir.to_str().unwrap(), "--out", first.to_str().unwrap(), "--quiet"]);
    // The rerun uses another thread count: the part is the same bytes.
    let one_thread: Vec<&str> = RUN.iter().map(|&a| if a == "2" { "1" } else { a }).collect();
    assert_eq!(one_thread[one_thread.len() - 2..], ["--threads", "1"]);
    ok_owned(&with(&one_thread, &["--quiet", "--shard", "1/3", "--out", dir.to_str().unwrap()]));
    assert!(read(&p[1]) == before, "the rerun part differs");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 3, "only the three parts, no temporary file: {names:?}");
    let second = root.join("second");
    ok(&["merge", dir.to_str().unwrap(), "--out", second.to_str().unwrap(), "--quiet"]);
    assert!(tree(&first) == tree(&second));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn bad_shard_arguments_and_a_sharded_plan_are_refused() {
    for bad in ["3/3", "0/0", "x/2", "2"] {
        let o = cwsim(&["run", "scenarios/mmc.toml", "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("--shard"), "{bad}: {}", stderr(&o));
    }
    // --until-ci decides when to stop from every replication's result, which no shard has.
    let o = cwsim(&["run", "scenarios/mmc.toml", "--shard", "0/2", "--until-ci", "results.wait_s=2%"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--until-ci") && stderr(&o).contains("--shard"), "{}", stderr(&o));
    let o = cwsim(&["plan", "scenarios/plan-stress.toml", "--shard", "0/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be sharded"), "{}", stderr(&o));
    let o = cwsim(&["merge", "/nonexistent/parts", "--out", "/tmp/cwsim-never"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/parts: no such file or directory"), "{}", stderr(&o));
}
