//! `cwsim plan`: capacity planning by simulation. How many nodes per tier N subscribers need
//! under a CPU limit and service-level objectives (with the proof: the answer rerun with
//! fresh seeds meets them, one node fewer in any tier does not), how many subscribers a
//! deployment holds (`--capacity`), and when each tier must grow (`--growth`).

pub mod constraint;
pub mod evaluate;
pub mod output;
pub mod search;

use std::path::Path;

use constraint::{Constraint, Metric};
use evaluate::{Evaluator, PlanInput};
use search::{Capacity, Plan};

use crate::engine::RunControl;
use crate::scenario::{self, ModelKind, Override, Scenario, Tier};

/// The tiers a planner may size (Ralf is not simulated).
pub const PLANNABLE: [Tier; 4] = [Tier::Bono, Tier::Sprout, Tier::Homestead, Tier::Homer];

/// What `cwsim plan` was asked.
#[derive(Clone, Debug)]
pub struct Request {
    pub subscribers: Option<u64>,
    pub max_cpu: f64,
    pub max_cpu_p95: Option<f64>,
    pub slos: Vec<Constraint>,
    pub tiers: Option<Vec<Tier>>,
    pub replications: Option<u32>,
    pub max_replications: Option<u32>,
    pub threads: Option<usize>,
    pub mode: Mode,
    pub progress: Option<fn(&evaluate::Evaluation)>,
}

#[derive(Clone, Debug)]
pub enum Mode {
    /// Nodes per tier for the subscriber count.
    Nodes,
    /// Subscribers the scenario's deployment holds, to a relative resolution.
    Capacity { resolution: f64 },
    /// Nodes per tier at each subscriber count.
    Growth(Vec<u64>),
}

/// What `cwsim plan` found.
pub enum Outcome {
    Nodes(Plan),
    Capacity(Capacity),
    Growth(Vec<Plan>),
}

/// Parses `FROM..TO/STEP` or a comma-separated list of subscriber counts.
pub fn parse_growth(text: &str) -> Result<Vec<u64>, String> {
    let number = |s: &str| -> Result<u64, String> {
        let s = s.trim().replace('_', "");
        let v: f64 = s.parse().map_err(|_| format!("\"{s}\" is not a number of subscribers"))?;
        if !(v >= 2.0 && v <= crate::scenario::schema::SUBSCRIBERS_MAX as f64) {
            return Err(format!(
                "subscriber counts must be in [2, {}], got {s}",
                crate::scenario::schema::SUBSCRIBERS_MAX
            ));
        }
        Ok(v as u64)
    };
    let counts: Vec<u64> = if let Some((range, step)) = text.split_once('/') {
        let (from, to) = range.split_once("..").ok_or_else(|| format!("expected FROM..TO/STEP, got \"{text}\""))?;
        let (from, to, step) = (number(from)?, number(to)?, number(step)?);
        if from > to {
            return Err(format!("FROM must not exceed TO in \"{text}\""));
        }
        let n = (to - from) / step + 1;
        if n > 100 {
            return Err(format!("\"{text}\" makes {n} steps; at most 100"));
        }
        (0..n).map(|k| from + k * step).collect()
    } else {
        text.split(',').map(number).collect::<Result<_, _>>()?
    };
    if counts.is_empty() || counts.len() > 100 {
        return Err("give 1 to 100 subscriber counts".into());
    }
    Ok(counts)
}

/// The tiers the scenario deploys in its first site, among those a plan may size.
pub fn deployed(s: &Scenario) -> Vec<Tier> {
    PLANNABLE.iter().copied().filter(|&t| s.sites.first().is_some_and(|site| site.tier(t).nodes > 0)).collect()
}

/// A finished planning run: what was asked, what was found, and its cost.
pub struct Planned {
    pub base: Scenario,
    pub input: PlanInput,
    pub outcome: Outcome,
    /// Replications run in all.
    pub runs: u64,
}

/// Runs the planner on the scenario at `path` with the user's overrides.
pub fn run(path: &Path, overrides: &[Override], req: &Request, control: &RunControl) -> anyhow::Result<Planned> {
    let base = scenario::load_with(path, overrides).map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(base.simulation.model == ModelKind::Clearwater, "cwsim plan sizes Clearwater deployments");
    let available = deployed(&base);
    let tiers = match &req.tiers {
        Some(t) => {
            for tier in t {
                anyhow::ensure!(
                    available.contains(tier),
                    "the scenario deploys no {} tier to plan (its tiers: {})",
                    tier.name(),
                    available.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
                );
            }
            t.clone()
        }
        None => available,
    };
    let mut constraints: Vec<Constraint> =
        tiers.iter().map(|&t| Constraint { metric: Metric::CpuMean(t), limit: req.max_cpu }).collect();
    if let Some(p95) = req.max_cpu_p95 {
        constraints.extend(tiers.iter().map(|&t| Constraint { metric: Metric::CpuP95(t), limit: p95 }));
    }
    constraints.extend(req.slos.iter().copied());
    let replications = req.replications.unwrap_or(base.simulation.replications).max(1);
    let input = PlanInput {
        path: path.to_path_buf(),
        overrides: overrides.to_vec(),
        tiers: tiers.clone(),
        constraints,
        replications,
        max_replications: req.max_replications.unwrap_or(replications * 4).max(replications),
        threads: req.threads,
        progress: req.progress,
    };
    let mut ev = Evaluator::new(&input, &base, control);
    let cores: Vec<u32> = tiers.iter().map(|&t| base.sites[0].tier(t).cores).collect();
    let start: Vec<u32> = tiers.iter().map(|&t| base.sites[0].tier(t).nodes).collect();
    let subscribers = req.subscribers.unwrap_or(base.load.subscribers());
    let outcome = match &req.mode {
        Mode::Nodes => Outcome::Nodes(ev.plan(subscribers, &cores, &start)?),
        Mode::Capacity { resolution } => Outcome::Capacity(ev.capacity(&start, subscribers, *resolution)?),
        Mode::Growth(counts) => {
            let mut plans: Vec<Plan> = Vec::new();
            for &n in counts {
                // Monotone: a larger population starts from the previous answer.
                let from: Vec<u32> = plans.last().map_or(start.clone(), |p| p.tiers.iter().map(|t| t.nodes).collect());
                plans.push(ev.plan(n, &cores, &from)?);
            }
            Outcome::Growth(plans)
        }
    };
    let runs = ev.runs;
    drop(ev);
    Ok(Planned { base, input, outcome, runs })
}
