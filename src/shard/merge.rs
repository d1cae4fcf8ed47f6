//! `cwsim merge`: part files checked against each other, then every output file rendered
//! by the functions the unsharded command uses, from the results in unit order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::part::{Job, Part, Payload};
use crate::model::clearwater::ClearwaterResult;
use crate::report::OutputFiles;
use crate::run::Results;
use crate::sweep::grid;

/// What a merge produced: the files, and what the command would have shown.
pub struct Merged {
    pub command: &'static str,
    pub files: OutputFiles,
    pub shards: u32,
    pub units: u64,
    /// report.txt (run) or the ranking (sweep): what the unsharded command prints.
    pub shown: String,
    pub notes: Vec<String>,
}

/// The part files named by `args`: files as given, directories as their `*.cwpart` files
/// (hidden temporary files of a part being written are skipped), sorted by name.
pub fn collect(args: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<String>> {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for a in args {
        if a.is_dir() {
            let entries = match std::fs::read_dir(a) {
                Ok(e) => e,
                Err(e) => {
                    errors.push(format!("{}: cannot read the directory: {e}", a.display()));
                    continue;
                }
            };
            let mut parts: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    name.ends_with(".cwpart") && !name.starts_with('.') && p.is_file()
                })
                .collect();
            parts.sort();
            if parts.is_empty() {
                errors.push(format!("{}: no part files (*.cwpart) in this directory", a.display()));
            }
            out.extend(parts);
        } else if a.exists() {
            out.push(a.clone());
        } else {
            errors.push(format!("{}: no such file or directory", a.display()));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What parts must share to belong together.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    version: String,
    scenario: String,
    job: String,
    shards: u32,
    units: u64,
}

fn key(p: &Part) -> Key {
    let h = &p.header;
    Key {
        version: h.cwsim_version.clone(),
        scenario: h.scenario_sha256.clone(),
        job: h.job_sha256.clone(),
        shards: h.shard.count,
        units: h.total_units,
    }
}

/// Why a part does not belong with the reference part.
fn foreign(path: &Path, p: &Part, reference: &Part) -> String {
    let (h, r) = (&p.header, &reference.header);
    let why = if h.cwsim_version != r.cwsim_version {
        format!("written by cwsim {}, the other parts by cwsim {}", h.cwsim_version, r.cwsim_version)
    } else if h.job.command() != r.job.command() {
        format!("a part of a {}, the other parts of a {}", h.job.command(), r.job.command())
    } else if h.scenario_sha256 != r.scenario_sha256 {
        format!(
            "another scenario (sha256 {}…; the other parts' is {}…)",
            &h.scenario_sha256[..h.scenario_sha256.len().min(12)],
            &r.scenario_sha256[..r.scenario_sha256.len().min(12)]
        )
    } else if h.job_sha256 != r.job_sha256 {
        "the same scenario run with other options (seed, replications, swept values or output options)".to_string()
    } else {
        format!(
            "shard {} of a {}-way split; the other parts are of a {}-way split",
            h.shard, h.shard.count, r.shard.count
        )
    };
    format!("{}: foreign part: {why}", path.display())
}

/// Checks the parts belong together: one job (same cwsim version, scenario, options and
/// shard count), every shard present once, each holding exactly its units. Every problem
/// is reported, each naming its file. The reference is the largest group of parts that
/// agree (on a tie, the group of the first file named).
fn check(parts: &[(PathBuf, Part)]) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(first) = parts.first() else { return vec!["no part files given".into()] };
    let mut groups: BTreeMap<Key, (usize, usize)> = BTreeMap::new();
    for (i, (_, p)) in parts.iter().enumerate() {
        groups.entry(key(p)).or_insert((0, i)).0 += 1;
    }
    let best = groups.values().max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1))).map_or(0, |g| g.1);
    let reference = &parts.get(best).unwrap_or(first).1;
    let mut by_shard: BTreeMap<u32, Vec<&Path>> = BTreeMap::new();
    for (path, p) in parts {
        if key(p) != key(reference) {
            errors.push(foreign(path, p, reference));
            continue;
        }
        let h = &p.header;
        if h.job.sha256() != h.job_sha256 || h.units != h.shard.units(h.total_units) || p.payload.len() != h.units.len()
        {
            errors.push(format!(
                "{}: its header does not describe its contents; rerun shard {}",
                path.display(),
                h.shard
            ));
            continue;
        }
        by_shard.entry(h.shard.index).or_default().push(path);
    }
    let n = reference.header.shard.count;
    for (k, paths) in &by_shard {
        if paths.len() > 1 {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            errors.push(format!("duplicate part: shard {k}/{n} is in {}", names.join(" and ")));
        }
    }
    for k in (0..n).filter(|k| !by_shard.contains_key(k)) {
        let name = super::ShardSpec { index: k, count: n }.file_name();
        errors.push(format!("missing part: shard {k}/{n} ({name}) was not given"));
    }
    errors
}

/// Reads, checks and merges the parts in `paths`; every problem found comes back at once.
pub fn merge(paths: &[PathBuf]) -> Result<Merged, Vec<String>> {
    let mut errors = Vec::new();
    let mut parts = Vec::new();
    for p in paths {
        match Part::read(p) {
            Ok(part) => parts.push((p.clone(), part)),
            Err(e) => errors.push(e),
        }
    }
    if parts.is_empty() && errors.is_empty() {
        errors.push("no part files given".into());
    }
    if !parts.is_empty() {
        errors.extend(check(&parts));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    parts.sort_by_key(|(_, p)| p.header.shard.index);
    let h = parts[0].1.header.clone();
    let (shards, units) = (h.shard.count, h.total_units);
    // Unit n is the (n / N)-th unit of shard n mod N: interleave the payloads back.
    let mut payloads: Vec<std::vec::IntoIter<Unit>> = parts.into_iter().map(|(_, p)| units_of(p.payload)).collect();
    let ordered: Vec<Unit> = (0..units)
        .map(|u| payloads[(u % u64::from(shards)) as usize].next().expect("checked: each part holds its units"))
        .collect();
    let mut merged = match &h.job {
        Job::Run { .. } => merge_run(&h.job, &h.scenario_sha256, ordered),
        Job::Sweep { .. } => merge_sweep(&h.job, &h.scenario_sha256, ordered),
    }
    .map_err(|e| vec![e])?;
    (merged.shards, merged.units) = (shards, units);
    Ok(merged)
}

/// One unit's result (boxed: a Clearwater result is several times a queue model's).
enum Unit {
    Queue(Box<crate::model::queue::QueueResult>),
    Clearwater(Box<ClearwaterResult>),
}

fn units_of(p: Payload) -> std::vec::IntoIter<Unit> {
    let v: Vec<Unit> = match p {
        Payload::Run(Results::Queue(r)) => r.into_iter().map(|r| Unit::Queue(Box::new(r))).collect(),
        Payload::Run(Results::Clearwater(r)) | Payload::Sweep(r) => {
            r.into_iter().map(|r| Unit::Clearwater(Box::new(r))).collect()
        }
    };
    v.into_iter()
}

fn reloaded(what: &str, got: &str, expected: &str) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "the scenario stored in the parts validates to another scenario here ({what}: sha256 {got}, the parts' {expected}): \
             a SIPp file it reads changed since the shards ran; merge where the shards ran"
        ))
    }
}

fn merge_run(job: &Job, scenario_sha256: &str, units: Vec<Unit>) -> Result<Merged, String> {
    let Job::Run { source, set, seed, replications } = job else { unreachable!("a run job") };
    let mut scenario =
        source.load(set).map_err(|e| format!("the scenario stored in the parts does not validate here:\n{e}"))?;
    reloaded(&source.file, &scenario.hash, scenario_sha256)?;
    if let Some(seed) = seed {
        scenario.simulation.seed = *seed;
    }
    if let Some(r) = replications {
        scenario.simulation.replications = *r;
    }
    let results = if units.iter().all(|u| matches!(u, Unit::Queue(_))) {
        Results::Queue(units.into_iter().filter_map(|u| if let Unit::Queue(r) = u { Some(*r) } else { None }).collect())
    } else {
        Results::Clearwater(
            units.into_iter().filter_map(|u| if let Unit::Clearwater(r) = u { Some(*r) } else { None }).collect(),
        )
    };
    let expected: Vec<u32> = (0..scenario.simulation.replications).collect();
    if results.replications() != expected {
        return Err("the parts' results are not replications 0 to R-1 of this scenario".into());
    }
    let files = crate::run::render(&scenario, &results);
    let shown = files.get("report.txt").map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
    Ok(Merged { command: "run", files, shards: 0, units: 0, shown, notes: Vec::new() })
}

fn merge_sweep(job: &Job, base_sha256: &str, units: Vec<Unit>) -> Result<Merged, String> {
    let Job::Sweep { source, axes, fixed, replications, slo_p99, top, keep_points } = job else {
        unreachable!("a sweep job")
    };
    let base =
        source.load(fixed).map_err(|e| format!("the scenario stored in the parts does not validate here:\n{e}"))?;
    reloaded(&source.file, &base.hash, base_sha256)?;
    let points = grid::prepare(source, axes, fixed, *replications).map_err(|e| match e {
        grid::SweepError::Invalid { point, errors } => format!("{errors}\n(in the sweep point {point})"),
        grid::SweepError::Other(e) | grid::SweepError::Stopped(e) => e,
    })?;
    let all = grid::units(&points);
    if all.len() != units.len() {
        return Err(format!("the parts hold {} units; this sweep has {}", units.len(), all.len()));
    }
    let mut measured = Vec::with_capacity(units.len());
    for (&(i, rep), u) in all.iter().zip(units) {
        let Unit::Clearwater(r) = u else { return Err("a sweep part holds a queue model's result".into()) };
        if r.replication != rep {
            return Err(format!("unit of point {i}: replication {} where {rep} belongs", r.replication));
        }
        measured.push((i, grid::unit_measure(&points[i].scenario, *r, *keep_points)));
    }
    let sweep = grid::assemble(points, measured, *keep_points);
    let out = crate::sweep::output::render(axes, sweep, *slo_p99, *top);
    Ok(Merged { command: "sweep", files: out.files, shards: 0, units: 0, shown: out.ranking, notes: out.notes })
}
