//! The searches: the fewest nodes per tier that meet every constraint (`plan`), the most
//! subscribers a deployment holds (`capacity`), and the plan at each step of growth.
//!
//! Each starts from the utilisation law — work measured with the CPU limits removed, divided
//! by what a node may carry under the limit — and then lets the simulation decide, relying
//! on monotonicity: more nodes never load a tier more, more subscribers never load it less.

use serde::Serialize;

use super::constraint::Metric;
use super::evaluate::{Deployment, Evaluation, Evaluator, FRESH, SEARCH};
use crate::scenario::Tier;

/// Most candidates a search evaluates before it gives up (each is a set of runs).
const STEPS_MAX: usize = 60;
/// The most nodes per tier and site a plan may propose.
const NODES_MAX: u32 = crate::scenario::schema::NODES_MAX;

/// A planned tier.
#[derive(Clone, Debug, Serialize)]
pub struct TierPlan {
    pub tier: &'static str,
    pub nodes: u32,
    pub cores: u32,
    /// Busy cores per site with the CPU limits removed, and what the utilisation law makes
    /// of it: ⌈work ÷ (limit · cores)⌉ nodes per site.
    pub work_cores: f64,
    pub utilisation_law_nodes: u32,
    pub cpu_mean: f64,
    pub cpu_p95: f64,
    /// The constraint that one node fewer violates (under fresh seeds), if any.
    pub binding: Option<String>,
}

/// The answer to "how many nodes?", with its proof.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub subscribers: u64,
    pub tiers: Vec<TierPlan>,
    /// The recommended deployment rerun with fresh seeds.
    pub verified: Evaluation,
    /// For each planned tier with more than one node: the deployment with one node fewer
    /// there, under fresh seeds.
    pub one_fewer: Vec<Evaluation>,
    /// Every candidate evaluated, in order.
    pub evaluations: Vec<Evaluation>,
}

fn ceil_div(work: f64, per_node: f64) -> u32 {
    if per_node <= 0.0 {
        return 1;
    }
    ((work / per_node - 1e-9).ceil().max(1.0) as u64).min(NODES_MAX as u64) as u32
}

impl Evaluator<'_> {
    fn cpu_limit(&self, t: Tier) -> f64 {
        self.input
            .constraints
            .iter()
            .filter_map(|c| match c.metric {
                Metric::CpuMean(x) | Metric::CpuP95(x) if x == t => Some(c.limit),
                _ => None,
            })
            .fold(1.0, f64::min)
    }

    /// The tier to grow for a violated check: the tier it names, else the busiest relative
    /// to its CPU limit (the bottleneck of a latency or failure objective).
    fn tier_to_grow(&self, e: &Evaluation, metric: Metric) -> Option<usize> {
        let tiers = &self.input.tiers;
        match metric {
            Metric::CpuMean(t) | Metric::CpuP95(t) => tiers.iter().position(|&x| x == t),
            _ => (0..tiers.len()).filter(|&i| e.deployment.nodes[i] < NODES_MAX).max_by(|&a, &b| {
                (e.cpu_mean[a] / self.cpu_limit(tiers[a])).total_cmp(&(e.cpu_mean[b] / self.cpu_limit(tiers[b])))
            }),
        }
    }

    /// The fewest nodes per planned tier meeting every constraint at `subscribers`.
    pub fn plan(&mut self, subscribers: u64, cores: &[u32], start: &[u32]) -> anyhow::Result<Plan> {
        let tiers = self.input.tiers.clone();
        let sites = self.sites().max(1) as f64;
        let mut evaluations = Vec::new();
        // The utilisation law, from the work measured at the starting deployment, then again
        // at the law's answer: the work per subscriber depends on the node counts (one Sprout
        // keeps one replica of each binding and timer, two or more keep two).
        let law_at = |ev: &mut Self, nodes: &[u32]| -> anyhow::Result<(Vec<f64>, Vec<u32>)> {
            let work = ev.work(&Deployment { nodes: nodes.to_vec(), subscribers })?;
            let law =
                (0..tiers.len()).map(|i| ceil_div(work[i] / sites, ev.cpu_limit(tiers[i]) * cores[i] as f64)).collect();
            Ok((work, law))
        };
        let (mut work, mut law) = law_at(self, start)?;
        if law != start {
            (work, law) = law_at(self, &law.clone())?;
        }
        let mut current = Deployment { nodes: law.clone(), subscribers };
        // Grow until every constraint is met.
        let mut met = None;
        for _ in 0..STEPS_MAX {
            let e = self.evaluate(&current, SEARCH)?;
            evaluations.push(e.clone());
            if e.all_met() {
                met = Some(e);
                break;
            }
            let mut next = current.clone();
            let mut objective = None;
            for c in e.violated() {
                let Some(metric) = c.metric else { continue };
                match metric {
                    // CPU falls as 1/n: jump to where the measured load would meet the limit.
                    Metric::CpuMean(_) | Metric::CpuP95(_) => {
                        let Some(i) = self.tier_to_grow(&e, metric) else { continue };
                        let scaled = (current.nodes[i] as f64 * c.mean / c.limit).ceil().min(NODES_MAX as f64) as u32;
                        next.nodes[i] = next.nodes[i].max(scaled.max(current.nodes[i] + 1)).min(NODES_MAX);
                    }
                    _ => objective = objective.or(Some((metric, c.limit))),
                }
            }
            if next == current {
                // Only a latency or failure objective is broken: which tier limits it is
                // not visible in CPU figures, so try one more node in each tier and keep the
                // one that helps most (all met first, then the lowest value of the objective).
                if let Some((metric, limit)) = objective {
                    let mut best: Option<(bool, f64, Deployment)> = None;
                    for i in 0..tiers.len() {
                        if current.nodes[i] >= NODES_MAX {
                            continue;
                        }
                        let mut grown = current.clone();
                        grown.nodes[i] += 1;
                        let g = self.evaluate(&grown, SEARCH)?;
                        evaluations.push(g.clone());
                        let value =
                            g.checks.iter().find(|c| c.metric == Some(metric)).map_or(f64::INFINITY, |c| c.mean);
                        let key = (g.all_met(), -value / limit.max(f64::MIN_POSITIVE));
                        if best.as_ref().is_none_or(|b| (key.0, key.1) > (b.0, b.1)) {
                            best = Some((key.0, key.1, grown));
                        }
                    }
                    if let Some((_, _, grown)) = best {
                        next = grown;
                    }
                }
            }
            if next == current {
                anyhow::bail!("no deployment of at most {NODES_MAX} nodes per tier meets: {}", describe(&e));
            }
            current = next;
        }
        if met.is_none() {
            anyhow::bail!("no deployment found within {STEPS_MAX} candidates");
        }
        // Then take nodes away while every constraint still holds (each tier in turn).
        for i in 0..tiers.len() {
            while current.nodes[i] > 1 {
                let mut fewer = current.clone();
                fewer.nodes[i] -= 1;
                let e = self.evaluate(&fewer, SEARCH)?;
                evaluations.push(e.clone());
                if !e.all_met() {
                    break;
                }
                current = fewer;
            }
        }
        // Proof with fresh seeds: the answer meets everything, one node fewer in any tier
        // does not. A disagreement moves the answer (at most a few times).
        let mut rounds = 0;
        loop {
            rounds += 1;
            let verified = self.evaluate(&current, FRESH)?;
            if !verified.all_met() && rounds <= 3 {
                let metric = verified.violated().find_map(|c| c.metric);
                match metric.and_then(|m| self.tier_to_grow(&verified, m)) {
                    Some(i) => {
                        current.nodes[i] += 1;
                        continue;
                    }
                    None => anyhow::bail!("the answer fails with fresh seeds: {}", describe(&verified)),
                }
            }
            let mut one_fewer = Vec::new();
            let mut shrink = None;
            for i in 0..tiers.len() {
                if current.nodes[i] <= 1 {
                    continue;
                }
                let mut fewer = current.clone();
                fewer.nodes[i] -= 1;
                let e = self.evaluate(&fewer, FRESH)?;
                if e.all_met() && shrink.is_none() {
                    shrink = Some(i);
                }
                one_fewer.push(e);
            }
            if let (Some(i), true) = (shrink, rounds <= 3) {
                current.nodes[i] -= 1;
                continue;
            }
            let tier_plans = (0..tiers.len())
                .map(|i| TierPlan {
                    tier: tiers[i].name(),
                    nodes: current.nodes[i],
                    cores: cores[i],
                    work_cores: work[i] / sites,
                    utilisation_law_nodes: law[i],
                    cpu_mean: verified.cpu_mean[i],
                    cpu_p95: verified.cpu_p95[i],
                    binding: one_fewer
                        .iter()
                        .find(|e| e.deployment.nodes[i] + 1 == current.nodes[i])
                        .and_then(|e| e.violated().next().map(|c| c.constraint.clone())),
                })
                .collect();
            return Ok(Plan { subscribers, tiers: tier_plans, verified, one_fewer, evaluations });
        }
    }

    /// The most subscribers (to `resolution`, rounded to even) the deployment `nodes` holds,
    /// and the first constraint it breaks beyond that.
    pub fn capacity(&mut self, nodes: &[u32], start: u64, resolution: f64) -> anyhow::Result<Capacity> {
        let even = |n: f64| ((n / 2.0).round() as u64 * 2).max(2);
        let mut evaluations = Vec::new();
        // The utilisation law: subscribers scale the work linearly.
        let work = self.work(&Deployment { nodes: nodes.to_vec(), subscribers: start })?;
        let tiers = self.input.tiers.clone();
        let sites = self.sites().max(1) as f64;
        let base = self
            .scenario(&Deployment { nodes: nodes.to_vec(), subscribers: start }, SEARCH, &[])
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let law = (0..tiers.len())
            .map(|i| {
                let cores = base.sites[0].tier(tiers[i]).cores as f64 * nodes[i] as f64 * sites;
                self.cpu_limit(tiers[i]) * cores / work[i].max(1e-12) * start as f64
            })
            .fold(f64::INFINITY, f64::min);
        // Bracket: [lo passes, hi fails], galloping from the law's estimate.
        let mut lo: Option<u64> = None;
        let mut hi: Option<(u64, String)> = None;
        let mut n = even(law.clamp(2.0, crate::scenario::schema::SUBSCRIBERS_MAX as f64));
        for _ in 0..STEPS_MAX {
            let e = self.evaluate(&Deployment { nodes: nodes.to_vec(), subscribers: n }, SEARCH)?;
            let ok = e.all_met();
            let first = e.violated().next().map(|c| c.constraint.clone());
            evaluations.push(e);
            if ok {
                lo = Some(n);
                if hi.is_some() {
                    break;
                }
                n = even(n as f64 * 1.25);
            } else {
                hi = Some((n, first.unwrap_or_default()));
                if lo.is_some() || n <= 2 {
                    break;
                }
                n = even(n as f64 / 1.25);
            }
        }
        let (Some(mut lo), Some((mut hi, mut binding))) = (lo, hi) else {
            anyhow::bail!(
                "could not bracket the capacity between 2 and {} subscribers",
                crate::scenario::schema::SUBSCRIBERS_MAX
            );
        };
        while (hi - lo) as f64 > resolution * lo as f64 && hi - lo > 2 {
            let mid = even((lo + hi) as f64 / 2.0);
            if mid <= lo || mid >= hi {
                break;
            }
            let e = self.evaluate(&Deployment { nodes: nodes.to_vec(), subscribers: mid }, SEARCH)?;
            let ok = e.all_met();
            let first = e.violated().next().map(|c| c.constraint.clone());
            evaluations.push(e);
            if ok {
                lo = mid;
            } else {
                hi = mid;
                binding = first.unwrap_or_default();
            }
        }
        Ok(Capacity { subscribers: lo, fails_at: hi, binding, utilisation_law: law, evaluations })
    }
}

/// The most subscribers a deployment holds.
#[derive(Clone, Debug, Serialize)]
pub struct Capacity {
    pub subscribers: u64,
    /// The smallest count found to break a constraint, and which.
    pub fails_at: u64,
    pub binding: String,
    /// The utilisation law's answer: the limit over the work per subscriber, least over tiers.
    pub utilisation_law: f64,
    pub evaluations: Vec<Evaluation>,
}

fn describe(e: &Evaluation) -> String {
    e.violated().map(|c| format!("{} (measured {:.4})", c.constraint, c.mean)).collect::<Vec<_>>().join(", ")
}
