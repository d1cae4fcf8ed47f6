//! MSER-5 warm-up detection (White 1997; White, Cobb & Spratt 2000): the series is averaged
//! in batches of 5; for each candidate truncation of d batches the statistic is the variance
//! of the batch means that remain divided by how many remain,
//! MSER(d) = Σ_{i>d} (Y_i − Ȳ_d)² / (n − d)², and the warm-up is the d that minimises it,
//! searched over the first half of the batches only (beyond it the statistic is unreliable).
//! Applied to the Sprouts' CPU per sample interval, averaged over nodes and replications.

use crate::model::clearwater::ClearwaterResult;
use crate::scenario::{Scenario, Tier};

/// Batch size of MSER-5.
const BATCH: usize = 5;

/// The number of leading samples MSER-5 would discard from `series`, and whether the
/// minimum fell at the end of the searched half (no steady state found there). `None` with
/// fewer than two batches.
pub fn mser5(series: &[f64]) -> Option<(usize, bool)> {
    let batches: Vec<f64> = series.chunks_exact(BATCH).map(|c| c.iter().sum::<f64>() / BATCH as f64).collect();
    let n = batches.len();
    if n < 2 {
        return None;
    }
    let last = n / 2;
    let mut best = (f64::INFINITY, 0);
    for d in 0..=last {
        let rest = &batches[d..];
        let mean = rest.iter().sum::<f64>() / rest.len() as f64;
        let ss: f64 = rest.iter().map(|y| (y - mean).powi(2)).sum();
        let stat = ss / (rest.len() as f64).powi(2);
        // Strictly smaller: ties keep the shorter warm-up.
        if stat < best.0 {
            best = (stat, d);
        }
    }
    Some((best.1 * BATCH, best.1 == last && last > 0))
}

/// The Sprouts' mean CPU per sample interval, over every Sprout node and replication, from
/// the start of the run (the series MSER-5 is applied to).
pub fn sprout_cpu_series(results: &[ClearwaterResult]) -> Vec<f64> {
    let mut by_time: std::collections::BTreeMap<u64, (f64, u32)> = std::collections::BTreeMap::new();
    for r in results {
        for row in r.rows.iter().filter(|row| r.nodes[row.node as usize].tier == Tier::Sprout) {
            let e = by_time.entry(row.time.as_ns()).or_default();
            e.0 += row.cpu;
            e.1 += 1;
        }
    }
    by_time.into_values().map(|(sum, n)| sum / n as f64).collect()
}

/// The report line: MSER-5's warm-up on the Sprout CPU series against the scenario's. With
/// faults, only the samples before the first one count (a fault is not a warm-up).
pub fn warmup_suggestion(s: &Scenario, results: &[ClearwaterResult]) -> Option<String> {
    let step = s.simulation.sample_interval.as_secs_f64();
    let mut series = sprout_cpu_series(results);
    let first_fault = s.faults.iter().map(|f| f.at.as_secs_f64()).reduce(f64::min);
    if let Some(at) = first_fault {
        series.truncate((at / step).floor() as usize);
    }
    let (samples, at_limit) = mser5(&series)?;
    let suggested = samples as f64 * step;
    let configured = s.simulation.warmup.as_secs_f64();
    let verdict = if at_limit {
        "; the minimum is at the end of the searched first half: the series may not settle — run longer".to_string()
    } else if suggested > configured {
        format!("; longer than the configured {configured:.0} s: consider simulation.warmup ≥ {suggested:.0} s")
    } else {
        format!("; within the configured {configured:.0} s")
    };
    let scope = if first_fault.is_some() { " before the first fault" } else { "" };
    Some(format!("warm-up suggested by MSER-5 on the Sprouts' CPU{scope}: {suggested:.0} s{verdict}"))
}

#[cfg(test)]
mod tests {
    use super::mser5;

    #[test]
    fn a_transient_in_the_first_batch_is_cut() {
        // 20 samples: 5 at 10, then 15 at 0 → batch means 10, 0, 0, 0 (n = 4, searched d ≤ 2).
        // d = 0: mean 2.5, Σ(y − 2.5)² = 56.25 + 3·6.25 = 75, / 4² = 4.6875;
        // d = 1: the rest 0, 0, 0: 0 / 3² = 0; d = 2: 0. Minimum first at d = 1: 5 samples.
        let mut s = vec![10.0; 5];
        s.extend([0.0; 15]);
        assert_eq!(mser5(&s), Some((5, false)));
    }

    #[test]
    fn a_noisy_steady_series_keeps_everything() {
        // Batch means 1, 3, 1, 3, 1, 3 (each batch constant): d = 0: mean 2, Σ = 6, / 36 =
        // 0.1667; d = 1: 3,1,3,1,3 mean 2.2, Σ = 3·0.64 + 2·1.44 = 4.8, / 25 = 0.192;
        // d = 2: 1,3,1,3 mean 2, Σ 4, / 16 = 0.25; d = 3: 3,1,3 mean 2.333, Σ = 2·0.4444 +
        // 1.7778 = 2.6667, / 9 = 0.2963. Minimum at d = 0.
        let s: Vec<f64> = (0..30).map(|i| if (i / 5) % 2 == 0 { 1.0 } else { 3.0 }).collect();
        assert_eq!(mser5(&s), Some((0, false)));
    }

    #[test]
    fn a_steady_climb_is_flagged_and_a_short_series_has_no_answer() {
        // Batch means 0, 1, 2, 3, 4, 5: every truncation leaves a ramp of k values with
        // Σ(y − ȳ)² = k(k² − 1)/12, so MSER(d) = (k² − 1)/(12k) with k = 6 − d, falling as d
        // grows: the minimum is at the limit d = 3 (15 samples), flagged.
        let s: Vec<f64> = (0..30).map(|i| (i / 5) as f64).collect();
        assert_eq!(mser5(&s), Some((15, true)));
        assert_eq!(mser5(&[1.0; 9]), None);
    }
}
