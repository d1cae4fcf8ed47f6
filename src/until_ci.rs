//! `cwsim run --until-ci METRIC=REL`: replications are added until the 95% confidence
//! half-width of one summary.json figure falls to REL × |its mean|, or a maximum is reached.
//!
//! Batches are decided from the results alone (never from timing or thread count), and a
//! replication's result depends only on the scenario and its index, so the run stops at the
//! same count on any machine and its outputs are byte for byte those of a plain run with
//! `--replications` set to that count.

use serde_json::Value;

use crate::engine::RunControl;
use crate::run::{Results, RunOutcome};
use crate::scenario::{ModelKind, Scenario};

/// The figures accepted, as summary.json paths (`*`: any name there). Each is a mean over
/// replications that summary.json gives with its 95% half-width.
pub const CLEARWATER_METRICS: [&str; 14] = [
    "goodput.call_setups_per_s",
    "goodput.offered_calls_per_s",
    "goodput.registrations_per_s",
    "goodput.offered_registrations_per_s",
    "tiers.*.cpu_mean",
    "latency_ms.*.mean",
    "operations_per_s.*",
    "registrations.statistic_end",
    "registrations.bound_end",
    "load.sprout_requests_per_subscriber_per_s",
    "outage.mean_s",
    "outage.fraction_affected",
    "outage.fraction_at_least_s.*",
    "outage.affected.mean_s",
];
pub const QUEUE_METRICS: [&str; 8] = [
    "results.arrivals",
    "results.completions",
    "results.utilisation",
    "results.p_wait",
    "results.mean_in_system",
    "results.mean_queued",
    "results.wait_s",
    "results.sojourn_s",
];

/// The most replications `--until-ci` runs unless `--max-replications` says otherwise.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 50;

/// `METRIC=REL`: the figure and the half-width wanted, relative to its mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: String,
    pub rel: f64,
}

fn matches(pattern: &str, metric: &str) -> bool {
    let (p, m): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), metric.split('.').collect());
    p.len() == m.len() && p.iter().zip(&m).all(|(p, m)| *p == "*" && !m.is_empty() || p == m)
}

impl Target {
    /// Parses `METRIC=REL` (REL a fraction in (0, 1), or a percentage such as `2%`); the
    /// metric must match one of the accepted paths of either model.
    pub fn parse(text: &str) -> Result<Target, String> {
        let (metric, rel) =
            text.split_once('=').ok_or_else(|| format!("`{text}`: expected METRIC=REL, e.g. results.wait_s=0.05"))?;
        let rel = match rel.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
            None => rel.trim().parse::<f64>(),
        }
        .map_err(|_| format!("`{rel}`: REL must be a number (0.05) or a percentage (5%)"))?;
        if !(rel > 0.0 && rel < 1.0) {
            return Err(format!("REL = {rel}: must lie strictly between 0 and 1 (0% and 100%)"));
        }
        let metric = metric.trim().to_string();
        if !CLEARWATER_METRICS.iter().chain(&QUEUE_METRICS).any(|p| matches(p, &metric)) {
            return Err(format!(
                "unknown metric `{metric}`; accepted (summary.json paths, * any name there): Clearwater {}; queue {}",
                CLEARWATER_METRICS.join(", "),
                QUEUE_METRICS.join(", ")
            ));
        }
        Ok(Target { metric, rel })
    }

    /// Refuses, before anything runs, a metric of the other model.
    pub fn check_model(&self, s: &Scenario) -> Result<(), String> {
        let (name, accepted): (&str, &[&str]) = match s.simulation.model {
            ModelKind::Clearwater => ("Clearwater", &CLEARWATER_METRICS),
            ModelKind::Queue => ("queue", &QUEUE_METRICS),
        };
        if accepted.iter().any(|p| matches(p, &self.metric)) {
            Ok(())
        } else {
            Err(format!(
                "--until-ci {}: not a figure of the {name} model; accepted: {}",
                self.metric,
                accepted.join(", ")
            ))
        }
    }
}

/// The figure's mean and 95% half-width in a summary.json: an object `{mean, ci95}`, or a
/// number beside a `<name>_ci95` sibling. `None` when the path is not there (a tier the
/// deployment lacks, outage figures without faults); a missing half-width is `Some(None)`.
pub fn figure(summary: &Value, metric: &str) -> Option<(f64, Option<f64>)> {
    let (parent, last) = match metric.rsplit_once('.') {
        Some((p, l)) => (p.split('.').try_fold(summary, |v, k| v.get(k))?, l),
        None => (summary, metric),
    };
    match parent.get(last)? {
        Value::Object(o) => Some((o.get("mean")?.as_f64()?, o.get("ci95").and_then(Value::as_f64))),
        Value::Number(n) => Some((n.as_f64()?, parent.get(format!("{last}_ci95")).and_then(Value::as_f64))),
        _ => None,
    }
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Achieved {
    pub metric: String,
    pub rel: f64,
    pub replications: u32,
    /// Replication counts after each batch.
    pub batches: Vec<u32>,
    pub mean: f64,
    pub half_width: Option<f64>,
    pub met: bool,
}

impl std::fmt::Display for Achieved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = self.half_width.map_or_else(|| "no interval".to_string(), |h| format!("± {h:.6}"));
        let ratio =
            self.half_width.map_or(String::new(), |h| format!(" ({:.2}% of the mean)", 100.0 * h / self.mean.abs()));
        let batches: Vec<String> = self.batches.iter().map(u32::to_string).collect();
        write!(
            f,
            "until-ci: {} = {:.6} {h}{ratio} after {} replications (batches ending at {}); target {:.2}%: {}",
            self.metric,
            self.mean,
            self.replications,
            batches.join(", "),
            self.rel * 100.0,
            if self.met { "reached" } else { "NOT reached at the maximum" }
        )
    }
}

/// The replication count of the next batch after `n` with half-width `h` around `mean`
/// (`first`: the first batch's size): where the half-width is expected to meet the target
/// (it shrinks as 1/√n), at least `first` more, at most twice `n` (early intervals are
/// noisy) and at most `max`.
pub fn next_count(n: u32, first: u32, h: f64, mean: f64, rel: f64, max: u32) -> u32 {
    let target = rel * mean.abs();
    let wanted = if target > 0.0 { (n as f64 * (h / target).powi(2)).ceil() } else { f64::INFINITY };
    let wanted = wanted.min(u32::MAX as f64) as u32;
    wanted.clamp(n + first, 2 * n).min(max)
}

/// Runs `scenario` (its `replications`, at least 2, as the first batch) until `target` is met
/// or `max` replications have run; the outputs are those of the replications run.
pub fn execute(
    scenario: &Scenario,
    target: &Target,
    max: u32,
    threads: Option<usize>,
    control: &RunControl,
) -> anyhow::Result<Result<(RunOutcome, Achieved), String>> {
    let first = scenario.simulation.replications.max(2).min(max.max(2));
    let max = max.max(first);
    let mut results = Results::new(scenario);
    let mut batches = Vec::new();
    let mut n = first;
    loop {
        results.extend_to(scenario, n, threads, control)?;
        batches.push(n);
        let outcome = results.outcome(scenario);
        if outcome.interrupted {
            return Ok(Ok((outcome, Achieved::unfinished(target, n, batches))));
        }
        let summary: Value = serde_json::from_slice(outcome.files.get("summary.json").unwrap_or_default())?;
        let Some((mean, half_width)) = figure(&summary, &target.metric) else {
            return Ok(Err(format!(
                "--until-ci {}: this run's summary.json has no such figure (a tier the deployment lacks, or outage \
                 figures of a run without faults?)",
                target.metric
            )));
        };
        let met = half_width.is_some_and(|h| h <= target.rel * mean.abs());
        if met || n >= max {
            let achieved = Achieved {
                metric: target.metric.clone(),
                rel: target.rel,
                replications: n,
                batches,
                mean,
                half_width,
                met,
            };
            return Ok(Ok((outcome, achieved)));
        }
        n = next_count(n, first, half_width.unwrap_or(f64::INFINITY), mean, target.rel, max);
    }
}

/// `--until-ci`'s long help: the rule and every accepted name.
pub fn help() -> String {
    format!(
        "Replicate until the 95% confidence half-width of METRIC is at most REL times its mean (REL a fraction, \
         0.02, or a percentage, 2%). The first batch is the scenario's replications (at least 2); each further \
         batch aims at the count the 1/sqrt(n) law predicts, at least the first batch's size more and at most \
         twice as many, up to --max-replications. The outputs are exactly those of a run with --replications \
         set to the count reached, whatever the thread count. METRIC is a summary.json path (* any name there):\n  \
         Clearwater: {}\n  queue: {}",
        CLEARWATER_METRICS.join(", "),
        QUEUE_METRICS.join(", ")
    )
}

/// A plain run, or with `until` a run to the target (at most `max` replications): the
/// outputs and, with a target, how it ended. `Ok(Err(message))`: the target names a figure
/// the run does not have (bad input).
pub fn run_or_plain(
    scenario: &Scenario,
    until: Option<&Target>,
    max: Option<u32>,
    threads: Option<usize>,
    control: &RunControl,
) -> anyhow::Result<Result<(RunOutcome, Option<Achieved>), String>> {
    match until {
        None => Ok(Ok((crate::run::execute(scenario, threads, control)?, None))),
        Some(t) => {
            Ok(execute(scenario, t, max.unwrap_or(DEFAULT_MAX_REPLICATIONS), threads, control)?
                .map(|(o, a)| (o, Some(a))))
        }
    }
}

impl Achieved {
    fn unfinished(target: &Target, n: u32, batches: Vec<u32>) -> Achieved {
        Achieved {
            metric: target.metric.clone(),
            rel: target.rel,
            replications: n,
            batches,
            mean: 0.0,
            half_width: None,
            met: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fractions_and_percentages_and_refuses_unknown_metrics() {
        assert_eq!(
            Target::parse("results.wait_s=0.05").unwrap(),
            Target { metric: "results.wait_s".into(), rel: 0.05 }
        );
        assert_eq!(Target::parse("tiers.sprout.cpu_mean=2%").unwrap().rel, 0.02);
        assert!(Target::parse("latency_ms.invite_setup.mean=0.1").is_ok());
        for bad in [
            "results.wait_s",
            "results.nope=0.1",
            "tiers.cpu_mean=0.1",
            "results.wait_s=0",
            "results.wait_s=1.5",
            "x=y",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_estimates_and_ci95_siblings() {
        let v: Value = serde_json::from_str(
            r#"{"results": {"wait_s": {"mean": 0.5, "ci95": 0.01}}, "tiers": {"sprout": {"cpu_mean": 0.3, "cpu_mean_ci95": 0.02}},
               "latency_ms": {"bye": {"mean": 20.0}}}"#,
        )
        .unwrap();
        assert_eq!(figure(&v, "results.wait_s"), Some((0.5, Some(0.01))));
        assert_eq!(figure(&v, "tiers.sprout.cpu_mean"), Some((0.3, Some(0.02))));
        assert_eq!(figure(&v, "latency_ms.bye.mean"), Some((20.0, None)));
        assert_eq!(figure(&v, "tiers.homer.cpu_mean"), None);
    }

    #[test]
    fn batches_aim_at_the_target_within_bounds() {
        // h = 2 × target at n = 10: the 1/√n law wants 4 × 10 = 40, capped at twice n.
        assert_eq!(next_count(10, 10, 0.02, 1.0, 0.01, 100), 20);
        // h = 1.1 × target: 10 × 1.21 = 12.1 → 13, but at least a first batch (10) more.
        assert_eq!(next_count(10, 10, 0.011, 1.0, 0.01, 100), 20);
        // h = 1.5 × target at n = 20 with first batch 2: 20 × 2.25 = 45 → capped at 40.
        assert_eq!(next_count(20, 2, 0.015, 1.0, 0.01, 100), 40);
        // h = 1.2 × target at n = 20: 28.8 → 29.
        assert_eq!(next_count(20, 2, 0.012, 1.0, 0.01, 100), 29);
        // Never beyond the maximum; a zero mean gives no target, so the count doubles.
        assert_eq!(next_count(40, 2, 0.02, 1.0, 0.01, 50), 50);
        assert_eq!(next_count(8, 2, 0.5, 0.0, 0.01, 100), 16);
    }
}
