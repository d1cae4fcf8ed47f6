//! Mutated scenarios never crash the binary nor write outside their output directory.
//!
//! A deterministic property test (fixed seed, xorshift64*): several hundred mutations of the
//! bundled scenarios — value changes (×0, ×1e9, negative, huge, NaN-ish), unit swaps, inserted
//! `[[fault]]` tables, deleted lines, output directories and random byte flips — each run by
//! the binary in a fresh working directory (`<case>/w/a/b/`) with the default output
//! directory, under an event budget and a wall-clock timeout. For every run:
//!
//! - the exit code is 0, 1 or 2 (never a panic's 101 nor a signal), stderr has no "panicked";
//! - nothing appears under the case directory but the output directory, its contents and the
//!   directories on the way to it; the output directory appears (with the marker and
//!   summary.json) exactly when the run succeeds, and a run that fails creates nothing;
//! - a scenario the library refuses (`cwsim::scenario::parse_with`) is refused with exit 2.
//!
//! Nothing is removed from the scenarios to make them cheap (subscribers, replications stay):
//! `simulation.max_events` bounds each replication instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cli::scenario_files;
use crate::support::{repo, temp_dir};

const CASES: usize = 800;
const SEED: u64 = 0x00c0_ffee_5eed_2026;
const WORKERS: usize = 2;
const TIMEOUT: Duration = Duration::from_secs(60);
/// Added to the timeout per replication of a valid scenario.
const PER_REPLICATION: Duration = Duration::from_millis(500);
const MAX_EVENTS: &str = "simulation.max_events=300000";

/// xorshift64* (Vigna): tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Value,
    Unit,
    Fault,
    Delete,
    OutputDir,
    Flip,
}

const KINDS: [(Kind, usize); 6] = [
    (Kind::Value, 24),
    (Kind::Unit, 18),
    (Kind::Fault, 22),
    (Kind::Delete, 14),
    (Kind::OutputDir, 6),
    (Kind::Flip, 16),
];

fn pick_kind(rng: &mut Rng) -> Kind {
    let total: usize = KINDS.iter().map(|k| k.1).sum();
    let mut r = rng.below(total);
    for (k, w) in KINDS {
        if r < w {
            return k;
        }
        r -= w;
    }
    unreachable!()
}

/// Byte ranges of the lines that hold a value: not blank, not a comment.
fn value_lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' || i + 1 == text.len() {
            let end = if b == b'\n' { i } else { i + 1 };
            let line = String::from_utf8_lossy(&text[start..end]);
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                lines.push((start, end));
            }
            start = i + 1;
        }
    }
    lines
}

/// Numbers (digit runs with an optional fraction) after the first '=' of a value line.
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for (start, end) in value_lines(text) {
        let Some(eq) = text[start..end].iter().position(|&b| b == b'=') else { continue };
        let mut i = start + eq + 1;
        while i < end {
            // Stop at a trailing comment.
            if text[i] == b'#' {
                break;
            }
            if text[i].is_ascii_digit() {
                let s = i;
                while i < end && (text[i].is_ascii_digit() || text[i] == b'.') {
                    i += 1;
                }
                found.push((s, i));
            } else {
                i += 1;
            }
        }
    }
    found
}

/// Units right after a number: "ms" in "10ms", "/s" in "3/s", "min" in "100/min".
fn units(text: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for (_, mut i) in numbers(text) {
        if i < text.len() && text[i] == b'/' {
            i += 1;
        }
        let s = i;
        while i < text.len() && (text[i].is_ascii_alphabetic() || text[i] >= 0x80) {
            i += 1;
        }
        if i > s {
            found.push((s, i));
        }
    }
    found
}

fn splice(text: &mut Vec<u8>, (s, e): (usize, usize), with: &str) {
    text.splice(s..e, with.bytes());
}

fn times_1e9(number: &str) -> String {
    let v = number.parse::<f64>().unwrap_or(1.0) * 1e9;
    if v.fract() == 0.0 && v < 9.0e18 {
        format!("{}", v as u64)
    } else {
        format!("{v:e}")
    }
}

fn mutate_value(rng: &mut Rng, text: &mut Vec<u8>) -> String {
    let spots = numbers(text);
    if spots.is_empty() {
        return "value: no number".into();
    }
    let spot = *rng.pick(&spots);
    let old = String::from_utf8_lossy(&text[spot.0..spot.1]).into_owned();
    let new = match rng.below(14) {
        0 => "0".to_string(),
        1 => times_1e9(&old),
        2 => format!("-{old}"),
        3 => "18446744073709551616".into(),
        4 => "9223372036854775807".into(),
        5 => "4294967296".into(),
        6 => "1e308".into(),
        7 => "nan".into(),
        8 => "inf".into(),
        9 => "-0.0".into(),
        10 => "0.000000000001".into(),
        11 => "\"NaN\"".into(),
        12 => format!("{old}{old}"),
        _ => "1".into(),
    };
    splice(text, spot, &new);
    format!("value: {old} -> {new}")
}

fn mutate_unit(rng: &mut Rng, text: &mut Vec<u8>) -> String {
    let spots = units(text);
    if spots.is_empty() {
        return "unit: no unit".into();
    }
    let spot = *rng.pick(&spots);
    let old = String::from_utf8_lossy(&text[spot.0..spot.1]).into_owned();
    let new = *rng.pick(&[
        "ns",
        "us",
        "µs",
        "ms",
        "s",
        "min",
        "m",
        "h",
        "d",
        " parsecs",
        "",
        "ks",
        "S",
        "MS",
        " s",
        "fortnights",
        "y",
        "s/s",
        "0s",
        "e9d",
    ]);
    splice(text, spot, new);
    format!("unit: {old} -> {new:?}")
}

/// Site names of a scenario: `name = "…"` lines inside `[[site]]` tables.
fn site_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_site = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_site = t == "[[site]]";
        } else if in_site && t.starts_with("name") {
            if let Some(v) = t.split('"').nth(1) {
                names.push(v.to_string());
            }
        }
    }
    if names.is_empty() {
        names.push("site1".into());
    }
    names
}

/// Fault times, mostly early: the event budget ends most runs within the first simulated
/// minute or so, and a fault that never starts tests only validation.
fn duration(rng: &mut Rng) -> String {
    rng.pick(&[
        "0s", "1ms", "1.5s", "3s", "5s", "10s", "20s", "30s", "2m", "5m", "10m", "29m", "39m", "2h", "366d", "-1s",
        "10",
    ])
    .to_string()
}

/// Appends a `[[fault]]` table: mostly a plausible one (valid fields, an early start, so that
/// it runs), else one with fields drawn wildly from the schema.
fn mutate_fault(rng: &mut Rng, text: &mut Vec<u8>) -> String {
    let sites = site_names(&String::from_utf8_lossy(text));
    let t = if rng.percent(65) { plausible_fault(rng, &sites) } else { wild_fault(rng, &sites) };
    text.extend_from_slice(t.as_bytes());
    format!("fault: {}", t.trim().replace('\n', "; "))
}

fn field(t: &mut String, key: &str, value: String) {
    t.push_str(&format!("{key} = {value}\n"));
}

fn plausible_fault(rng: &mut Rng, sites: &[String]) -> String {
    let kinds =
        ["node-crash", "site-failure", "dns-failure", "partition", "block-port", "latency", "cpu-slowdown", "scale"];
    let kind = match *rng.pick(&kinds) {
        "partition" if sites.len() < 2 => "dns-failure",
        k => k,
    };
    let mut t = format!("\n[[fault]]\nkind = \"{kind}\"\n");
    field(&mut t, "at", format!("\"{}\"", rng.pick(&["0s", "1ms", "1.5s", "3s", "5s", "10s", "20s", "30s"])));
    if rng.percent(60) {
        field(&mut t, "until", format!("\"{}\"", rng.pick(&["40s", "1m", "90s", "5m"])));
    }
    let site = format!("\"{}\"", rng.pick(sites));
    match kind {
        "node-crash" | "cpu-slowdown" => {
            field(&mut t, "site", site);
            field(&mut t, "tier", format!("\"{}\"", rng.pick(&["sprout", "sprout", "homestead", "bono", "homer"])));
            field(&mut t, "index", "0".into());
            if kind == "node-crash" {
                field(&mut t, "mode", rng.pick(&["\"loud\"", "\"silent\""]).to_string());
            } else {
                field(&mut t, "factor", rng.pick(&["0.5", "2", "10", "100"]).to_string());
            }
        }
        "site-failure" => {
            field(&mut t, "site", site);
            field(&mut t, "mode", rng.pick(&["\"loud\"", "\"silent\""]).to_string());
        }
        "block-port" => {
            let (from, to, port) = *rng.pick(&[
                ("bono", "sprout", 5054),
                ("bono", "sprout", 5052),
                ("sprout", "bono", 5058),
                ("sprout", "sprout", 11211),
                ("sprout", "sprout", 7253),
                ("sprout", "homestead", 8888),
                ("sprout", "homer", 7888),
                ("homestead", "homestead", 7000),
            ]);
            field(&mut t, "from", format!("\"{from}\""));
            field(&mut t, "to", format!("\"{to}\""));
            field(&mut t, "port", port.to_string());
            field(&mut t, "between_sites", rng.pick(&["true", "false"]).to_string());
        }
        "latency" => {
            field(&mut t, "extra", format!("\"{}\"", rng.pick(&["1ms", "50ms", "2s"])));
            field(&mut t, "between_sites", rng.pick(&["true", "false"]).to_string());
        }
        "scale" => {
            field(&mut t, "site", site);
            field(&mut t, "tier", format!("\"{}\"", rng.pick(&["sprout", "homestead", "homer"])));
            field(&mut t, "nodes", rng.pick(&["1", "2", "3", "5"]).to_string());
        }
        _ => {}
    }
    t
}

fn wild_fault(rng: &mut Rng, sites: &[String]) -> String {
    let tiers = ["bono", "sprout", "homestead", "homer", "ralf", "chronos"];
    let kind = *rng.pick(&[
        "node-crash",
        "site-failure",
        "dns-failure",
        "partition",
        "block-port",
        "latency",
        "cpu-slowdown",
        "scale",
        "node-crash",
        "scale",
        "meteor",
    ]);
    let mut t = format!("\n[[fault]]\nkind = \"{kind}\"\n");
    let at = duration(rng);
    if rng.percent(95) {
        field(&mut t, "at", format!("\"{at}\""));
    }
    if rng.percent(50) {
        field(&mut t, "until", format!("\"{}\"", duration(rng)));
    }
    let site = |rng: &mut Rng| {
        if rng.percent(85) {
            format!("\"{}\"", rng.pick(sites))
        } else {
            rng.pick(&["\"nowhere\"", "0", "\"\""]).to_string()
        }
    };
    let tier =
        |rng: &mut Rng| format!("\"{}\"", if rng.percent(85) { rng.pick(&tiers[..4]) } else { rng.pick(&tiers) });
    let uses_node = matches!(kind, "node-crash" | "cpu-slowdown" | "scale");
    if uses_node || kind == "site-failure" {
        field(&mut t, "site", site(rng));
    }
    if uses_node {
        field(&mut t, "tier", tier(rng));
    }
    if matches!(kind, "node-crash" | "cpu-slowdown") && rng.percent(70) {
        field(&mut t, "index", rng.pick(&["0", "1", "2", "3", "99", "-1", "1000"]).to_string());
    }
    if matches!(kind, "node-crash" | "site-failure") && rng.percent(60) {
        field(&mut t, "mode", rng.pick(&["\"loud\"", "\"silent\"", "\"quiet\""]).to_string());
    }
    if kind == "block-port" {
        field(&mut t, "from", tier(rng));
        field(&mut t, "to", tier(rng));
        let port = if rng.percent(70) {
            rng.pick(&["5052", "5054", "5058", "5060", "7000", "7253", "8888", "9160", "9888", "11211"]).to_string()
        } else {
            format!("{}", rng.below(70_000))
        };
        field(&mut t, "port", port);
    }
    if matches!(kind, "block-port" | "latency") && rng.percent(50) {
        field(&mut t, "between_sites", rng.pick(&["true", "false"]).to_string());
    }
    if kind == "latency" {
        field(&mut t, "extra", format!("\"{}\"", rng.pick(&["1ms", "50ms", "2s", "0s", "366d"])));
    }
    if kind == "cpu-slowdown" {
        field(&mut t, "factor", rng.pick(&["0.0005", "0.001", "0.5", "2", "10", "1000", "1e4", "nan"]).to_string());
    }
    if kind == "scale" {
        field(&mut t, "nodes", rng.pick(&["0", "1", "2", "3", "5", "40", "1000", "1001"]).to_string());
    }
    if rng.percent(8) {
        // A key this kind does not take.
        let key = *rng.pick(&["factor", "port", "nodes", "extra", "colour"]);
        field(&mut t, key, "1".into());
    }
    t
}

fn mutate_delete(rng: &mut Rng, text: &mut Vec<u8>) -> String {
    let lines = value_lines(text);
    if lines.is_empty() {
        return "delete: nothing".into();
    }
    let (s, e) = *rng.pick(&lines);
    let old = String::from_utf8_lossy(&text[s..e]).into_owned();
    let end = (e + 1).min(text.len());
    text.drain(s..end);
    format!("delete: {old}")
}

fn mutate_output_dir(rng: &mut Rng, text: &mut Vec<u8>) -> String {
    let dir = *rng.pick(&[
        "out",
        "x/y/z",
        "../up",
        "../../../up3",
        "outputs",
        "outputs/../elsewhere",
        "new/../other",
        "",
        " ",
        ".",
        "..",
        "../b",
        "default.toml",
        "with space",
        "tab\\there",
        "trailing/",
        "./dot",
    ]);
    let s = String::from_utf8_lossy(text).into_owned();
    let line = format!("dir = \"{dir}\"\n");
    let new = match s.find("[output]\n") {
        Some(at) => format!("{}{line}{}", &s[..at + 9], &s[at + 9..]),
        None => format!("{s}\n[output]\n{line}"),
    };
    *text = new.into_bytes();
    format!("output.dir = {dir:?}")
}

fn mutate_flip(rng: &mut Rng, text: &mut [u8]) -> String {
    if text.is_empty() {
        return "flip: empty".into();
    }
    let n = 1 + rng.below(4);
    let mut what = Vec::new();
    for _ in 0..n {
        let i = rng.below(text.len());
        let old = text[i];
        text[i] = if rng.percent(50) { old ^ (1 << rng.below(8)) } else { rng.next() as u8 };
        what.push(format!("@{i}: {old:#04x}->{:#04x}", text[i]));
    }
    format!("flip: {}", what.join(", "))
}

struct Case {
    index: usize,
    file: String,
    bytes: Vec<u8>,
    mutations: Vec<(Kind, String)>,
}

fn cases() -> (Vec<Case>, usize) {
    let files = scenario_files();
    let originals: Vec<Vec<u8>> = files.iter().map(|f| fs::read(repo().join(f)).unwrap()).collect();
    let mut rng = Rng::new(SEED);
    let mut out = Vec::new();
    let mut total = 0;
    for index in 0..CASES {
        let which = index % files.len();
        let mut bytes = originals[which].clone();
        // One mutation in half the cases (more of them stay valid and run), up to three.
        let n = *rng.pick(&[1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
        let mut mutations = Vec::new();
        for _ in 0..n {
            let kind = pick_kind(&mut rng);
            let what = match kind {
                Kind::Value => mutate_value(&mut rng, &mut bytes),
                Kind::Unit => mutate_unit(&mut rng, &mut bytes),
                Kind::Fault => mutate_fault(&mut rng, &mut bytes),
                Kind::Delete => mutate_delete(&mut rng, &mut bytes),
                Kind::OutputDir => mutate_output_dir(&mut rng, &mut bytes),
                Kind::Flip => mutate_flip(&mut rng, &mut bytes),
            };
            mutations.push((kind, what));
        }
        total += mutations.len();
        let file = files[which].trim_start_matches("scenarios/").to_string();
        out.push(Case { index, file, bytes, mutations });
    }
    (out, total)
}

/// `path` with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Every path under `dir` (files and directories), `dir` excluded.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut all = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            all.insert(p);
        }
    }
    all
}

/// What the library makes of the mutated text: `None` if invalid, else the output directory
/// the binary will use (relative to its working directory when relative).
/// Also the replication count: each replication may use the whole event budget, so the
/// timeout grows with it (a mutation may validly ask for 1 000 replications).
fn expected_out(case: &Case) -> Option<(PathBuf, u32)> {
    let set = cwsim::scenario::Override::parse(MAX_EVENTS).unwrap();
    let stem = Path::new(&case.file).file_stem().unwrap().to_string_lossy().into_owned();
    // Named as bundled, so that the SIPp files a scenario of scenarios/sipp/ reads are found
    // (run_case copies them beside the mutated file).
    let name = repo().join("scenarios").join(&case.file).display().to_string();
    let s = cwsim::scenario::parse_with(&name, &stem, &case.bytes, &[set]).ok()?;
    let dir = s.output.dir.as_ref().map(PathBuf::from).unwrap_or_else(|| Path::new("outputs").join(&s.name));
    Some((dir, s.simulation.replications))
}

enum Outcome {
    Skipped,
    Ran { code: i32, valid: bool, secs: f64 },
}

fn describe(case: &Case) -> String {
    let muts: Vec<String> = case.mutations.iter().map(|(_, w)| format!("  - {w}")).collect();
    let text = String::from_utf8_lossy(&case.bytes);
    let shown: String = text.chars().take(3000).collect();
    format!(
        "case {} (scenarios/{}), mutations:\n{}\n--- mutated text ---\n{shown}\n---",
        case.index,
        case.file,
        muts.join("\n")
    )
}

/// Runs one case; `Err` describes a violated property.
fn run_case(root: &Path, case: &Case) -> Result<Outcome, String> {
    let dir = root.join(format!("m{:03}", case.index));
    let cwd = dir.join("w").join("a").join("b");
    fs::create_dir_all(&cwd).unwrap();
    let scenario = cwd.join(&case.file);
    let beside = scenario.parent().unwrap();
    fs::create_dir_all(beside).unwrap();
    if case.file.starts_with("sipp/") {
        // The SIPp files the scenario names, as bundled.
        for entry in fs::read_dir(repo().join("scenarios/sipp")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x != "toml") {
                fs::copy(&path, beside.join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    fs::write(&scenario, &case.bytes).unwrap();
    let (expected, replications) = match expected_out(case) {
        Some((dir, reps)) => (Some(dir), reps),
        None => (None, 1),
    };
    let valid = expected.is_some();
    let timeout = TIMEOUT + PER_REPLICATION * replications;
    // The output directory as named (its prefixes are the directories created on the way)
    // and as resolved. A scenario that would write outside the case directory is not run.
    let named = expected.as_ref().map(|d| cwd.join(d));
    let out_dir = named.as_ref().map(|d| normalize(d));
    let prefixes: BTreeSet<PathBuf> =
        named.as_ref().map(|d| d.ancestors().map(normalize).collect()).unwrap_or_default();
    let outside = |p: &PathBuf| !p.starts_with(&dir) && !dir.starts_with(p);
    if out_dir.as_ref().is_some_and(|o| !o.starts_with(&dir)) || prefixes.iter().any(outside) {
        return Ok(Outcome::Skipped);
    }

    let before = tree(&dir);
    let err_path = root.join("logs").join(format!("m{:03}.stderr", case.index));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cwsim"))
        .args(["run", &case.file, "--quiet", "--threads", "1", "--set", MAX_EVENTS, "--max-memory", "2GiB"])
        .current_dir(&cwd)
        .env("CI", "true")
        .env_remove("CWSIM_TEST_WRITE_PAUSE_MS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("spawn cwsim");
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hang: still running after {timeout:?}; {}", describe(case)));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let secs = started.elapsed().as_secs_f64();
    let stderr = fs::read_to_string(&err_path).unwrap_or_default();
    let fail = |what: String| Err(format!("{what}\nexit status: {status}\nstderr:\n{stderr}\n{}", describe(case)));

    let Some(code) = status.code() else {
        return fail("killed by a signal".into());
    };
    if ![0, 1, 2].contains(&code) {
        return fail(format!("exit code {code}"));
    }
    if stderr.contains("panicked") {
        return fail("panic".into());
    }
    if !valid && code != 2 {
        return fail(format!("the library refuses the scenario, but the binary exited with {code}"));
    }
    let new: Vec<PathBuf> = tree(&dir).difference(&before).cloned().collect();
    let stray: Vec<&PathBuf> = new
        .iter()
        .filter(|p| {
            let p = normalize(p);
            !(prefixes.contains(&p) || out_dir.as_ref().is_some_and(|o| p.starts_with(o)))
        })
        .collect();
    if !stray.is_empty() {
        return fail(format!("files outside the output directory {out_dir:?}: {stray:?}"));
    }
    // A run that did not succeed creates nothing at all, not even the directories on the way.
    if code != 0 && !new.is_empty() {
        return fail(format!("exit {code} but it created {new:?}"));
    }
    if let Some(out) = &out_dir {
        let wrote = new.iter().any(|p| normalize(p) == *out);
        if code == 0 && !(out.join(".cwsim-output").is_file() && out.join("summary.json").is_file()) {
            return fail(format!("exit 0 but {} is not a complete output directory", out.display()));
        }
        if code != 0 && wrote {
            return fail(format!("exit {code} but {} was created", out.display()));
        }
    }
    Ok(Outcome::Ran { code, valid, secs })
}

#[test]
fn mutated_scenarios_never_crash_nor_write_outside_their_output_directory() {
    let (cases, mutations) = cases();
    assert!(mutations >= 500, "{mutations} mutations");
    let root = temp_dir("mutations");
    fs::create_dir_all(root.join("logs")).unwrap();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<Outcome, String>)>> = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let r = run_case(&root, case);
                results.lock().unwrap().push((i, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);

    let mut by_code: BTreeMap<i32, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut valid_by_code: BTreeMap<i32, usize> = BTreeMap::new();
    let (mut skipped, mut valid, mut valid_with_fault, mut slowest) = (0, 0, 0, (0.0f64, 0usize));
    let mut failures = Vec::new();
    for case in &cases {
        for (k, _) in &case.mutations {
            *by_kind.entry(*k).or_default() += 1;
        }
    }
    for (i, r) in &results {
        match r {
            Ok(Outcome::Skipped) => skipped += 1,
            Ok(Outcome::Ran { code, valid: v, secs }) => {
                *by_code.entry(*code).or_default() += 1;
                valid += usize::from(*v);
                if *v {
                    *valid_by_code.entry(*code).or_default() += 1;
                    valid_with_fault += usize::from(cases[*i].mutations.iter().any(|m| m.0 == Kind::Fault));
                }
                if *secs > slowest.0 {
                    slowest = (*secs, *i);
                }
            }
            Err(e) => failures.push(e.clone()),
        }
    }
    eprintln!(
        "mutations: {} cases ({mutations} mutations: {by_kind:?}) in {:.1} s on {WORKERS} threads\n\
         valid per the library: {valid} (exit codes {valid_by_code:?}; {valid_with_fault} with an inserted fault)\n\
         exit codes: {by_code:?}; skipped (output outside the temporary tree): {skipped}; failures: {}\n\
         slowest run: case {} {:.1} s",
        cases.len(),
        started.elapsed().as_secs_f64(),
        failures.len(),
        slowest.1,
        slowest.0
    );
    if let Some(case) = cases.get(slowest.1) {
        let muts: Vec<&str> = case.mutations.iter().map(|(_, w)| w.as_str()).collect();
        eprintln!("slowest: scenarios/{}: {}", case.file, muts.join(" | "));
    }
    if failures.is_empty() {
        let _ = fs::remove_dir_all(&root);
    } else {
        for f in failures.iter().take(5) {
            eprintln!("\n==== FAILURE ====\n{f}");
        }
        panic!(
            "{} of {} mutated scenarios violated a property (files kept in {})",
            failures.len(),
            cases.len(),
            root.display()
        );
    }
}
