//! What a run will need, estimated before it starts, so that a scenario too big for the
//! machine is refused at once (exit 2, with the estimate) instead of aborting hours later
//! on a failed allocation.
//!
//! The figures are upper-leaning estimates from measurements of this model: the world
//! costs ~300 bytes per subscriber (`cwsim bench scenarios/core-only-113k.toml`: 303);
//! each node's time-series row ~250 bytes while simulating and ~200 bytes of CSV text when
//! rendered. They decide a refusal, so each is rounded up, not down.

use std::fmt;

use crate::scenario::{ModelKind, Scenario, Tier};

/// World state per subscriber (UE, bindings, timers, events in flight), bytes.
const BYTES_PER_SUBSCRIBER: u64 = 400;
/// Per node: CPU queue, histograms, LoadMonitor, resolver cache, pool, bytes.
const BYTES_PER_NODE: u64 = 64 * 1024;
/// One node's sample in memory (`NodeRow` and its connection list) plus its CSV line.
const BYTES_PER_NODE_SAMPLE: u64 = 250 + 200;
/// One sample of the request counters (six request types) and of the queue model.
const BYTES_PER_SAMPLE: u64 = 6 * 64;
/// Latency histograms, report text, plots and the process itself.
const BYTES_BASE: u64 = 64 * 1024 * 1024;

/// Sweep points a single invocation may run.
pub const SWEEP_POINTS_MAX: usize = 10_000;

/// A memory estimate and what it is made of.
#[derive(Clone, Debug)]
pub struct MemoryEstimate {
    pub bytes: u64,
    pub parts: Vec<(String, u64)>,
}

impl fmt::Display for MemoryEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Size(self.bytes))?;
        let parts: Vec<String> =
            self.parts.iter().filter(|(_, b)| *b > 0).map(|(what, b)| format!("{what} {}", Size(*b))).collect();
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(" + "))?;
        }
        Ok(())
    }
}

/// Bytes, shown in binary units.
#[derive(Copy, Clone, Debug)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        match self.0 {
            n if n >= 1 << 30 => write!(f, "{:.1} GiB", b / (1u64 << 30) as f64),
            n if n >= 1 << 20 => write!(f, "{:.1} MiB", b / (1u64 << 20) as f64),
            n if n >= 1 << 10 => write!(f, "{:.1} KiB", b / 1024.0),
            n => write!(f, "{n} B"),
        }
    }
}

/// Nodes a run starts with and may add by scaling (the largest size each tier reaches).
fn node_count(s: &Scenario) -> u64 {
    let mut nodes: u64 =
        s.sites.iter().map(|site| Tier::ALL.iter().map(|&t| site.tier(t).nodes as u64).sum::<u64>()).sum();
    for f in &s.faults {
        if let crate::scenario::FaultKind::Scale { site, tier, nodes: n, .. } = f.kind {
            let had = s.sites.get(site).map_or(0, |x| x.tier(tier).nodes);
            nodes += n.saturating_sub(had) as u64;
        }
    }
    nodes
}

/// Peak memory of `cwsim run` on `threads` threads (replications run that many at a time;
/// every replication's samples are kept until the outputs are rendered).
pub fn run_memory(s: &Scenario, threads: usize) -> MemoryEstimate {
    let reps = s.simulation.replications as u64;
    let concurrent = reps.min(threads.max(1) as u64);
    let samples = s.simulation.duration.as_ns() / s.simulation.sample_interval.as_ns().max(1) + 1;
    let mut parts = vec![("process and outputs".to_string(), BYTES_BASE)];
    match s.simulation.model {
        ModelKind::Queue => {
            let kept = if s.output.timeseries { samples } else { 0 };
            parts.push((
                format!("{reps} replication(s) × {kept} samples"),
                reps.saturating_mul(kept).saturating_mul(BYTES_PER_SAMPLE),
            ));
        }
        ModelKind::Clearwater => {
            let subs = s.load.subscribers();
            let nodes = node_count(s);
            let world = subs.saturating_mul(BYTES_PER_SUBSCRIBER).saturating_add(nodes.saturating_mul(BYTES_PER_NODE));
            parts.push((
                format!("{concurrent} world(s) of {subs} subscribers and {nodes} nodes at once"),
                world.saturating_mul(concurrent),
            ));
            let per_sample = nodes.saturating_mul(BYTES_PER_NODE_SAMPLE).saturating_add(BYTES_PER_SAMPLE);
            parts.push((
                format!("{reps} replication(s) × {samples} samples × {nodes} nodes"),
                reps.saturating_mul(samples).saturating_mul(per_sample),
            ));
        }
    }
    let bytes = parts.iter().fold(0u64, |a, (_, b)| a.saturating_add(*b));
    MemoryEstimate { bytes, parts }
}

/// Peak memory of a sweep: `threads` runs at a time; only per-run figures are kept.
pub fn sweep_memory(s: &Scenario, threads: usize) -> MemoryEstimate {
    let mut one = s.clone();
    one.simulation.replications = 1;
    let single = run_memory(&one, 1);
    let concurrent = threads.max(1) as u64;
    MemoryEstimate {
        bytes: single.bytes.saturating_mul(concurrent),
        parts: vec![(format!("{concurrent} run(s) at once of"), single.bytes)],
    }
}

/// Physical memory, from /proc/meminfo (`None` where there is none).
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// The default `--max-memory`: three quarters of physical memory, leaving room for the
/// system and the page cache; 8 GiB where physical memory cannot be read.
pub fn default_max_memory() -> u64 {
    physical_memory().map_or(8 << 30, |m| m / 4 * 3)
}

/// "512MiB", "8GiB", "2G", "1.5 GB", "1000000" (bytes). Binary and decimal units.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = (&s[..end], s[end..].trim());
    let value: f64 =
        number.parse().map_err(|_| format!("expected a size such as \"8GiB\" or \"500MB\", got \"{text}\""))?;
    let scale: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        "t" | "tib" => 1024f64.powi(4),
        "tb" => 1e12,
        _ => {
            return Err(format!(
                "unknown size unit \"{unit}\" in \"{text}\"; use B, KiB, MiB, GiB, TiB (or kB, MB, GB, TB)"
            ))
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("\"{text}\" is not a usable size"));
    }
    Ok(bytes as u64)
}

/// Refuses an estimate over `max` with a message that says what to change.
pub fn check(what: &str, estimate: &MemoryEstimate, max: u64) -> Result<(), String> {
    if estimate.bytes <= max {
        return Ok(());
    }
    Err(format!(
        "{what} would need about {estimate}, more than the limit of {} (--max-memory; default three quarters of \
         physical memory). Fewer subscribers, replications or threads, a longer simulation.sample_interval, or \
         output.timeseries = false reduce it",
        Size(max)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_both_unit_systems() {
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1.5 GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn sizes_display_in_binary_units() {
        assert_eq!(Size(512).to_string(), "512 B");
        assert_eq!(Size(3 << 20).to_string(), "3.0 MiB");
        assert_eq!(Size(3 << 29).to_string(), "1.5 GiB");
    }
}
