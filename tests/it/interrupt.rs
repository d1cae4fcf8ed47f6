//! Ctrl-C (SIGINT, sent with `kill -INT`) at several moments of `cwsim run`: while
//! simulating, while writing, twice while writing, and while writing over an earlier run's
//! outputs. Always exit 130; the output directory is absent or complete (never a mixture),
//! an earlier run's files stay byte-identical, and no temporary sibling is left behind.
//!
//! Writing is slowed down with `CWSIM_TEST_WRITE_PAUSE_MS` (a pause before each file), and
//! the moment writing starts is seen when the hidden `.DIR.tmp-<pid>` directory appears.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::support::{repo, temp_dir};

const EXIT_INTERRUPTED: i32 = 130;
/// Far beyond a run of scenarios/default.toml, even on a loaded machine.
const TIMEOUT: Duration = Duration::from_secs(300);
const WRITE_PAUSE_MS: &str = "300";

struct Run {
    child: Child,
    stderr: PathBuf,
    started: Instant,
}

/// `cwsim run scenarios/default.toml --quiet --out DIR`, from the repository root.
fn spawn(out: &Path, write_pause: bool) -> Run {
    let log = out.with_file_name(format!("log-{}.stderr", out.file_name().unwrap().to_string_lossy()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cwsim"));
    cmd.args(["run", "scenarios/default.toml", "--quiet", "--out"])
        .arg(out)
        .current_dir(repo())
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&log).unwrap());
    if write_pause {
        cmd.env("CWSIM_TEST_WRITE_PAUSE_MS", WRITE_PAUSE_MS);
    } else {
        cmd.env_remove("CWSIM_TEST_WRITE_PAUSE_MS");
    }
    Run { child: cmd.spawn().expect("spawn cwsim"), stderr: log, started: Instant::now() }
}

impl Run {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn sigint(&self) {
        let ok = Command::new("kill").args(["-INT", &self.pid().to_string()]).status().expect("run kill");
        assert!(ok.success(), "kill -INT {} failed", self.pid());
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the exit; the status and stderr.
    fn wait(mut self) -> (ExitStatus, String) {
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, fs::read_to_string(&self.stderr).unwrap_or_default());
            }
            if self.started.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("cwsim still running after {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until the SIGINT handler is installed: it is set up, with its own thread, after
    /// the scenario is loaded and checked (a SIGINT before that kills the process outright,
    /// which is harmless: nothing has been written). `false` if the run ended first.
    fn wait_for_handler(&mut self) -> bool {
        let status = format!("/proc/{}/status", self.pid());
        while self.running() {
            let threads = fs::read_to_string(&status)
                .ok()
                .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Threads:").map(|n| n.trim().parse::<u32>())))
                .and_then(Result::ok);
            if threads.is_some_and(|n| n >= 2) {
                return true;
            }
            assert!(self.started.elapsed() < TIMEOUT, "no handler thread after {TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    /// Waits until the hidden temporary directory the run writes into appears; `false` if
    /// the run ended first.
    fn wait_for_writing(&mut self, out: &Path) -> bool {
        let tmp = sibling(out, "tmp", self.pid());
        while self.running() {
            if tmp.exists() {
                return true;
            }
            assert!(self.started.elapsed() < TIMEOUT, "{} never appeared", tmp.display());
            std::thread::sleep(Duration::from_millis(2));
        }
        false
    }
}

fn sibling(out: &Path, kind: &str, pid: u32) -> PathBuf {
    out.with_file_name(format!(".{}.{kind}-{pid}", out.file_name().unwrap().to_string_lossy()))
}

/// Names in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `out` is absent or a complete output directory, and no temporary sibling remains.
fn assert_absent_or_complete(out: &Path) {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let parent = out.parent().unwrap();
    let leftovers: Vec<String> = entries(parent).into_iter().filter(|n| n.starts_with(&format!(".{name}."))).collect();
    assert!(leftovers.is_empty(), "temporary siblings left in {}: {leftovers:?}", parent.display());
    if !out.exists() {
        return;
    }
    let names = entries(out);
    for needed in ["summary.json", "report.txt", "latency.csv", ".cwsim-output"] {
        assert!(names.iter().any(|n| n == needed), "{} lacks {needed}: {names:?}", out.display());
    }
    let hidden: Vec<&String> = names.iter().filter(|n| n.starts_with('.') && *n != ".cwsim-output").collect();
    assert!(hidden.is_empty(), "hidden entries in {}: {hidden:?}", out.display());
}

/// Every file of an output directory, by name.
fn snapshot(out: &Path) -> BTreeMap<String, Vec<u8>> {
    entries(out).into_iter().map(|n| (n.clone(), fs::read(out.join(&n)).unwrap())).collect()
}

fn assert_interrupted(status: ExitStatus, stderr: &str) {
    assert_eq!(status.code(), Some(EXIT_INTERRUPTED), "status {status}; stderr:\n{stderr}");
    assert!(stderr.contains("interrupted"), "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
}

/// (a) SIGINT ~50 ms into the run, while simulating: exit 130 and nothing written. Exit 0
/// (with complete outputs) is accepted only if the run finished before the signal landed.
#[test]
fn interrupt_while_simulating_writes_nothing() {
    let root = temp_dir("interrupt-simulating");
    let out = root.join("out");
    let mut run = spawn(&out, false);
    let handler = run.wait_for_handler();
    std::thread::sleep(Duration::from_millis(50).saturating_sub(run.started.elapsed()));
    let sent_at = run.started.elapsed();
    if handler && run.running() {
        run.sigint();
    }
    let (status, stderr) = run.wait();
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
    match status.code() {
        Some(EXIT_INTERRUPTED) => {
            assert_interrupted(status, &stderr);
            assert!(!out.exists(), "an interrupted simulation wrote {}", out.display());
        }
        Some(0) => eprintln!("interrupt (a): the run ended before the SIGINT at {sent_at:?}; accepted"),
        _ => panic!("status {status}; stderr:\n{stderr}"),
    }
    assert_absent_or_complete(&out);
    assert_eq!(entries(&root).into_iter().filter(|n| !n.starts_with("log-")).collect::<Vec<_>>(), Vec::<String>::new());
    fs::remove_dir_all(&root).unwrap();
}

/// (b) SIGINT once the simulation is over and the files are being written: exit 130, the
/// write is cancelled, no output directory and no temporary directory remain.
#[test]
fn interrupt_while_writing_cancels_the_write() {
    let root = temp_dir("interrupt-writing");
    let out = root.join("out");
    let mut run = spawn(&out, true);
    assert!(run.wait_for_writing(&out), "the run ended before writing");
    run.sigint();
    let (status, stderr) = run.wait();
    assert_interrupted(status, &stderr);
    assert!(!out.exists(), "a cancelled write left {}", out.display());
    assert_absent_or_complete(&out);
    fs::remove_dir_all(&root).unwrap();
}

/// (c) Two SIGINTs in a row while writing: still a clean cancel, exit 130.
#[test]
fn interrupt_twice_while_writing_cancels_the_write() {
    let root = temp_dir("interrupt-writing-twice");
    let out = root.join("out");
    let mut run = spawn(&out, true);
    assert!(run.wait_for_writing(&out), "the run ended before writing");
    run.sigint();
    run.sigint();
    let (status, stderr) = run.wait();
    assert_eq!(status.code(), Some(EXIT_INTERRUPTED), "status {status}; stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
    assert!(!out.exists(), "a cancelled write left {}", out.display());
    assert_absent_or_complete(&out);
    fs::remove_dir_all(&root).unwrap();
}

/// (d) A complete run, then a second run into the same directory interrupted while writing:
/// the first run's files stay byte-identical.
#[test]
fn interrupt_while_writing_over_earlier_outputs_keeps_them() {
    let root = temp_dir("interrupt-keeps");
    let out = root.join("out");
    let (status, stderr) = spawn(&out, false).wait();
    assert_eq!(status.code(), Some(0), "first run: status {status}; stderr:\n{stderr}");
    assert_absent_or_complete(&out);
    let first = snapshot(&out);
    assert!(first.contains_key("summary.json"));

    let mut run = spawn(&out, true);
    assert!(run.wait_for_writing(&out), "the second run ended before writing");
    run.sigint();
    let (status, stderr) = run.wait();
    assert_interrupted(status, &stderr);
    assert_absent_or_complete(&out);
    let after = snapshot(&out);
    assert_eq!(first.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "file list changed");
    for (name, bytes) in &first {
        assert!(after[name] == *bytes, "{name} changed");
    }
    fs::remove_dir_all(&root).unwrap();
}
