//! Runs a candidate deployment and judges it against the constraints. Every replication's
//! figures are cached by (deployment, seed set, replication), so the search never runs the
//! same thing twice and adding replications reuses the ones already run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::constraint::{judge, Constraint, Metric, Stat, Verdict};
use crate::analysis;
use crate::engine::RunControl;
use crate::model::clearwater::{self, ClearwaterResult, ReqType};
use crate::scenario::{self, Override, Scenario, ScenarioErrors, Tier};
use crate::sweep::replicate;

/// What the planner works from.
#[derive(Clone, Debug)]
pub struct PlanInput {
    pub path: PathBuf,
    /// The user's `--set` overrides, applied before the planner's own.
    pub overrides: Vec<Override>,
    /// The tiers whose node counts are planned (the same count in every site).
    pub tiers: Vec<Tier>,
    pub constraints: Vec<Constraint>,
    /// Replications per candidate, and the most a candidate whose CI straddles a limit gets.
    pub replications: u32,
    pub max_replications: u32,
    pub threads: Option<usize>,
    /// Called with every candidate judged (the CLI shows them as progress).
    pub progress: Option<fn(&Evaluation)>,
}

/// A candidate: nodes per planned tier (aligned with `PlanInput::tiers`) and subscribers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Deployment {
    pub nodes: Vec<u32>,
    pub subscribers: u64,
}

/// The search's seeds, and the fresh ones its answer is verified with.
pub const SEARCH: u64 = 0;
pub const FRESH: u64 = 1_000_003;

/// One constraint's outcome for a candidate.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub constraint: String,
    pub mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<f64>,
    pub verdict: Verdict,
    /// Met (or not) judged on the mean: the CI still straddled the limit at the most
    /// replications allowed.
    pub met: bool,
    #[serde(skip)]
    pub metric: Option<Metric>,
    #[serde(skip)]
    pub limit: f64,
}

/// A candidate run and judged.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub deployment: Deployment,
    pub seeds: &'static str,
    pub replications: u32,
    /// Mean CPU per planned tier (0–1).
    pub cpu_mean: Vec<f64>,
    pub cpu_p95: Vec<f64>,
    pub checks: Vec<Check>,
}

impl Evaluation {
    pub fn all_met(&self) -> bool {
        self.checks.iter().all(|c| c.met)
    }

    pub fn violated(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.met)
    }
}

/// The figures of one replication a constraint may limit.
#[derive(Clone, Debug)]
struct RepFigures {
    cpu_mean: Vec<f64>,
    cpu_p95: Vec<f64>,
    latency_ms: BTreeMap<(usize, usize), f64>,
    failures: f64,
}

const STATS: [Stat; 6] = [Stat::Mean, Stat::P50, Stat::P95, Stat::P99, Stat::P999, Stat::Max];

fn figures(s: &Scenario, r: &ClearwaterResult, tiers: &[Tier]) -> RepFigures {
    let warm = s.simulation.warmup_end();
    let mut f = RepFigures { cpu_mean: Vec::new(), cpu_p95: Vec::new(), latency_ms: BTreeMap::new(), failures: 0.0 };
    for &t in tiers {
        let ids = analysis::tier_nodes(r, t);
        f.cpu_mean.push(analysis::tier_cpu_mean(r, &ids));
        f.cpu_p95.push(analysis::percentile(&analysis::tier_cpu_samples(r, &ids, warm), 0.95));
    }
    for (i, &t) in ReqType::ALL.iter().enumerate() {
        let h = analysis::latency(r, t);
        for (j, &stat) in STATS.iter().enumerate() {
            let ms = match stat.quantile() {
                Some(q) => h.quantile_us(q) as f64 / 1e3,
                None if stat == Stat::Mean => h.mean_ns() / 1e6,
                None => h.max_us() as f64 / 1e3,
            };
            f.latency_ms.insert((i, j), ms);
        }
    }
    f.failures = analysis::failure_ratio(r);
    f
}

/// Runs candidates, caching every replication's figures.
pub struct Evaluator<'a> {
    pub input: &'a PlanInput,
    sites: usize,
    cache: BTreeMap<(Deployment, u64, u32), RepFigures>,
    /// Replications run so far (the search's cost).
    pub runs: u64,
    control: &'a RunControl,
}

impl<'a> Evaluator<'a> {
    pub fn new(input: &'a PlanInput, base: &Scenario, control: &'a RunControl) -> Self {
        Evaluator { input, sites: base.sites.len(), cache: BTreeMap::new(), runs: 0, control }
    }

    /// The scenario of a candidate: the user's overrides, then the planned node counts in
    /// every site and the subscriber count; validated like any scenario.
    pub fn scenario(&self, d: &Deployment, seeds: u64, extra: &[Override]) -> Result<Scenario, ScenarioErrors> {
        let mut o = self.input.overrides.clone();
        o.extend_from_slice(extra);
        for (t, n) in self.input.tiers.iter().zip(&d.nodes) {
            for site in 0..self.sites {
                o.push(Override { key: format!("site[{site}].{}.nodes", t.name()), value: n.to_string() });
            }
        }
        o.push(Override { key: "load.subscribers".into(), value: d.subscribers.to_string() });
        let mut s = scenario::load_with(&self.input.path, &o)?;
        s.simulation.seed = s.simulation.seed.wrapping_add(seeds) % (i64::MAX as u64);
        Ok(s)
    }

    /// The deployment's figures over replications `0..n` (running those not cached).
    fn figures(&mut self, d: &Deployment, seeds: u64, n: u32) -> anyhow::Result<Vec<RepFigures>> {
        let missing: Vec<u32> = (0..n).filter(|&r| !self.cache.contains_key(&(d.clone(), seeds, r))).collect();
        if !missing.is_empty() {
            let s = self.scenario(d, seeds, &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
            let tiers = self.input.tiers.clone();
            let control = self.control;
            let results = replicate(missing.len() as u32, self.input.threads, |i| {
                let r = clearwater::run(&s, missing[i as usize], control);
                (r.end, figures(&s, &r, &tiers))
            })?;
            for (rep, (end, f)) in missing.iter().zip(results) {
                if end != crate::engine::RunEnd::Completed {
                    anyhow::bail!("a candidate run stopped early ({end:?}) at {} subscribers", d.subscribers);
                }
                self.cache.insert((d.clone(), seeds, *rep), f);
                self.runs += 1;
            }
        }
        Ok((0..n).map(|r| self.cache[&(d.clone(), seeds, r)].clone()).collect())
    }

    /// The CPU work per planned tier, in busy cores over all sites, with the CPU limits
    /// removed (`unlimited_cpu`): the utilisation law's input. One replication.
    pub fn work(&mut self, d: &Deployment) -> anyhow::Result<Vec<f64>> {
        let unlimited = Override { key: "simulation.unlimited_cpu".into(), value: "true".into() };
        let s = self.scenario(d, SEARCH, &[unlimited]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let r = clearwater::run(&s, 0, self.control);
        self.runs += 1;
        Ok(self
            .input
            .tiers
            .iter()
            .map(|&t| {
                let ids = analysis::tier_nodes(&r, t);
                let cores: u32 = ids.iter().map(|&i| r.nodes[i].cores).sum();
                analysis::tier_cpu_mean(&r, &ids) * ids.len() as f64 * (cores as f64 / ids.len().max(1) as f64)
            })
            .collect())
    }

    pub fn sites(&self) -> usize {
        self.sites
    }

    /// Runs and judges a candidate; a constraint whose CI straddles its limit gets twice the
    /// replications, up to the maximum, then is judged on its mean.
    pub fn evaluate(&mut self, d: &Deployment, seeds: u64) -> anyhow::Result<Evaluation> {
        let mut n = self.input.replications.max(1);
        loop {
            let figs = self.figures(d, seeds, n)?;
            let checks = self.checks(&figs);
            let uncertain = checks.iter().any(|c| c.verdict == Verdict::Uncertain);
            if !uncertain || n >= self.input.max_replications {
                let tiers = self.input.tiers.len();
                let mean = |f: &dyn Fn(&RepFigures) -> f64| figs.iter().map(f).sum::<f64>() / figs.len() as f64;
                let e = Evaluation {
                    deployment: d.clone(),
                    seeds: if seeds == SEARCH { "search" } else { "fresh" },
                    replications: n,
                    cpu_mean: (0..tiers).map(|i| mean(&|f| f.cpu_mean[i])).collect(),
                    cpu_p95: (0..tiers).map(|i| mean(&|f| f.cpu_p95[i])).collect(),
                    checks,
                };
                if let Some(progress) = self.input.progress {
                    progress(&e);
                }
                return Ok(e);
            }
            n = (n * 2).min(self.input.max_replications);
        }
    }

    fn checks(&self, figs: &[RepFigures]) -> Vec<Check> {
        let tier_index = |t: Tier| self.input.tiers.iter().position(|&x| x == t);
        let mut checks = Vec::new();
        for c in &self.input.constraints {
            let values: Vec<f64> = match c.metric {
                Metric::CpuMean(t) => match tier_index(t) {
                    Some(i) => figs.iter().map(|f| f.cpu_mean[i]).collect(),
                    None => continue,
                },
                Metric::CpuP95(t) => match tier_index(t) {
                    Some(i) => figs.iter().map(|f| f.cpu_p95[i]).collect(),
                    None => continue,
                },
                Metric::Latency(r, stat) => {
                    let i = ReqType::ALL.iter().position(|&x| x == r).unwrap_or(0);
                    let j = STATS.iter().position(|&x| x == stat).unwrap_or(0);
                    figs.iter().map(|f| f.latency_ms[&(i, j)]).collect()
                }
                Metric::Failures => figs.iter().map(|f| f.failures).collect(),
            };
            let (mean, ci95, verdict) = judge(&values, c.limit);
            let met = match verdict {
                Verdict::Met => true,
                Verdict::Violated => false,
                Verdict::Uncertain => mean <= c.limit,
            };
            checks.push(Check {
                constraint: c.to_string(),
                mean,
                ci95,
                verdict,
                met,
                metric: Some(c.metric),
                limit: c.limit,
            });
        }
        checks
    }
}
