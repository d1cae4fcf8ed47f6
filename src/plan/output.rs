//! The planner's outputs: `plan.txt` (the table a reader acts on), `plan.json`, `plan.csv`
//! (every candidate evaluated) and a plot of CPU against node count per tier (or, for
//! growth, nodes against subscribers).

use serde::Serialize;

use super::evaluate::{Evaluation, PlanInput};
use super::search::{Capacity, Plan};
use super::{Outcome, Planned};
use crate::report::plots::{self, Chart, Series};
use crate::report::OutputFiles;

#[derive(Serialize)]
struct PlanJson<'a> {
    cwsim_version: &'static str,
    scenario: &'a str,
    scenario_sha256: &'a str,
    seed: u64,
    duration_s: f64,
    warmup_s: f64,
    tiers: Vec<&'static str>,
    constraints: Vec<String>,
    replications: u32,
    max_replications: u32,
    runs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity: Option<&'a Capacity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    growth: Option<&'a Vec<Plan>>,
}

pub fn render(p: &Planned) -> OutputFiles {
    let mut files = OutputFiles::default();
    let input = &p.input;
    let json = PlanJson {
        cwsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &p.base.name,
        scenario_sha256: &p.base.hash,
        seed: p.base.simulation.seed,
        duration_s: p.base.simulation.duration.as_secs_f64(),
        warmup_s: p.base.simulation.warmup.as_secs_f64(),
        tiers: input.tiers.iter().map(|t| t.name()).collect(),
        constraints: input.constraints.iter().map(|c| c.to_string()).collect(),
        replications: input.replications,
        max_replications: input.max_replications,
        runs: p.runs,
        plan: match &p.outcome {
            Outcome::Nodes(plan) => Some(plan),
            _ => None,
        },
        capacity: match &p.outcome {
            Outcome::Capacity(c) => Some(c),
            _ => None,
        },
        growth: match &p.outcome {
            Outcome::Growth(g) => Some(g),
            _ => None,
        },
    };
    files.add("plan.json", crate::report::common::json_bytes(&json));
    let evaluations: Vec<&Evaluation> = match &p.outcome {
        Outcome::Nodes(plan) => plan_evaluations(plan),
        Outcome::Capacity(c) => c.evaluations.iter().collect(),
        Outcome::Growth(g) => g.iter().flat_map(plan_evaluations).collect(),
    };
    files.add("plan.csv", csv(input, &evaluations));
    files.add("plan.txt", text(p));
    let mut notes = Vec::new();
    match &p.outcome {
        Outcome::Nodes(plan) => plots::add(&mut files, "plan_cpu", &cpu_chart(input, plan), &mut notes),
        Outcome::Capacity(c) => plots::add(&mut files, "plan_capacity", &capacity_chart(input, c), &mut notes),
        Outcome::Growth(g) => plots::add(&mut files, "plan_growth", &growth_chart(input, g), &mut notes),
    }
    // report.html: plan.txt (its tables are aligned text) and the chart, on one page.
    let mut page = crate::report::html::Page::new(format!("cwsim plan — scenario {}", p.base.name));
    page.pre(String::from_utf8_lossy(files.get("plan.txt").unwrap_or_default()).into_owned());
    page.figures(&files);
    files.add("report.html", page.render());
    files
}

fn plan_evaluations(plan: &Plan) -> Vec<&Evaluation> {
    plan.evaluations.iter().chain([&plan.verified]).chain(plan.one_fewer.iter()).collect()
}

fn csv(input: &PlanInput, evals: &[&Evaluation]) -> Vec<u8> {
    let mut out = String::from("seeds,replications,subscribers");
    for t in &input.tiers {
        out.push_str(&format!(",{0}_nodes,{0}_cpu_mean,{0}_cpu_p95", t.name()));
    }
    for c in &input.constraints {
        out.push_str(&format!(",\"{c}\""));
    }
    out.push_str(",all_met\n");
    for e in evals {
        out.push_str(&format!("{},{},{}", e.seeds, e.replications, e.deployment.subscribers));
        for i in 0..input.tiers.len() {
            out.push_str(&format!(",{},{:.4},{:.4}", e.deployment.nodes[i], e.cpu_mean[i], e.cpu_p95[i]));
        }
        for c in &input.constraints {
            let name = c.to_string();
            match e.checks.iter().find(|k| k.constraint == name) {
                Some(k) => out.push_str(&format!(",{:.4}", k.mean)),
                None => out.push(','),
            }
        }
        out.push_str(&format!(",{}\n", e.all_met()));
    }
    out.into_bytes()
}

fn header(p: &Planned) -> String {
    let s = &p.base.simulation;
    format!(
        "cwsim {} — plan for scenario {}: {} simulated ({} warm-up) per candidate, {} replication(s) each (up to {} \
         where a confidence interval straddles a limit), {} runs in all\nconstraints: {}\n\n",
        env!("CARGO_PKG_VERSION"),
        p.base.name,
        s.duration,
        s.warmup,
        p.input.replications,
        p.input.max_replications,
        p.runs,
        p.input.constraints.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; ")
    )
}

fn plan_table(plan: &Plan, limit_of: impl Fn(&str) -> f64) -> String {
    let mut out = format!("{} subscribers\n", plan.subscribers);
    out.push_str(
        "tier        nodes×cores  cpu mean  cpu p95  headroom  utilisation law  binding (one node fewer breaks)\n",
    );
    for t in &plan.tiers {
        let why = if t.nodes == t.utilisation_law_nodes {
            "= the law"
        } else if t.nodes > t.utilisation_law_nodes {
            "more than the law: queueing, retries or an objective need headroom it does not see"
        } else {
            "fewer than the law: under load the tier does less work than with unlimited CPU"
        };
        out.push_str(&format!(
            "{:<11} {:>5}×{:<5} {:>7.1}%  {:>6.1}%  {:>7.1}%  {:>4} ({:.2} cores)  {}  [{why}]\n",
            t.tier,
            t.nodes,
            t.cores,
            t.cpu_mean * 100.0,
            t.cpu_p95 * 100.0,
            (limit_of(t.tier) - t.cpu_mean) * 100.0,
            t.utilisation_law_nodes,
            t.work_cores,
            t.binding.as_deref().unwrap_or("— (one node)"),
        ));
    }
    out.push_str(&format!(
        "verified with fresh seeds: {} ({} replications)\n",
        if plan.verified.all_met() { "every constraint met" } else { "NOT met" },
        plan.verified.replications
    ));
    for c in &plan.verified.checks {
        let ci = c.ci95.map(|h| format!(" ± {h:.4}")).unwrap_or_default();
        out.push_str(&format!("  {:<40} {:.4}{ci}  {:?}\n", c.constraint, c.mean, c.verdict));
    }
    out
}

fn text(p: &Planned) -> Vec<u8> {
    let mut out = header(p);
    let limit_of = |tier: &str| {
        p.input
            .constraints
            .iter()
            .filter(|c| matches!(c.metric, super::Metric::CpuMean(t) if t.name() == tier))
            .map(|c| c.limit)
            .fold(1.0, f64::min)
    };
    match &p.outcome {
        Outcome::Nodes(plan) => out.push_str(&plan_table(plan, limit_of)),
        Outcome::Capacity(c) => {
            let nodes: Vec<String> = p
                .input
                .tiers
                .iter()
                .zip(&c.evaluations[0].deployment.nodes)
                .map(|(t, n)| format!("{n} {}", t.name()))
                .collect();
            out.push_str(&format!(
                "capacity of {} per site: {} subscribers; {} break {} (first constraint broken)\n\
                 the utilisation law says {:.0} (work per subscriber measured without CPU limits)\n",
                nodes.join(", "),
                c.subscribers,
                c.fails_at,
                c.binding,
                c.utilisation_law
            ));
        }
        Outcome::Growth(plans) => {
            out.push_str("subscribers");
            for t in &p.input.tiers {
                out.push_str(&format!(" {:>10}", t.name()));
            }
            out.push('\n');
            for plan in plans {
                out.push_str(&format!("{:>11}", plan.subscribers));
                for t in &plan.tiers {
                    out.push_str(&format!(" {:>10}", t.nodes));
                }
                out.push('\n');
            }
            out.push('\n');
            for plan in plans {
                out.push_str(&plan_table(plan, limit_of));
                out.push('\n');
            }
        }
    }
    out.into_bytes()
}

/// A horizontal line at the tightest mean-CPU limit across the series' x range.
fn limit_line(input: &PlanInput, series: &[Series]) -> Option<Series> {
    let limit = input
        .constraints
        .iter()
        .filter(|c| matches!(c.metric, super::Metric::CpuMean(_)))
        .map(|c| c.limit)
        .fold(f64::INFINITY, f64::min);
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    (limit.is_finite() && lo.is_finite()).then(|| Series {
        name: format!("limit {}%", limit * 100.0),
        points: vec![(lo, limit * 100.0), (hi.max(lo), limit * 100.0)],
        colour: None,
        errors: Vec::new(),
    })
}

fn cpu_chart(input: &PlanInput, plan: &Plan) -> Chart {
    // Each tier's mean CPU against its node count, from the candidates that differ from the
    // answer in that tier only.
    let answer: Vec<u32> = plan.tiers.iter().map(|t| t.nodes).collect();
    let mut series = Vec::new();
    for (i, t) in input.tiers.iter().enumerate() {
        let mut points: Vec<(f64, f64)> = plan_evaluations(plan)
            .into_iter()
            .filter(|e| (0..answer.len()).all(|j| j == i || e.deployment.nodes[j] == answer[j]))
            .map(|e| (e.deployment.nodes[i] as f64, e.cpu_mean[i] * 100.0))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points.dedup_by(|a, b| a.0 == b.0);
        series.push(Series::new(format!("{} cpu mean (%)", t.name()), points));
    }
    series.extend(limit_line(input, &series));
    Chart {
        title: format!("CPU per tier against its node count, {} subscribers", plan.subscribers),
        x_label: "nodes per site".into(),
        y_label: "mean CPU (%)".into(),
        series,
        ..Chart::default()
    }
}

fn capacity_chart(input: &PlanInput, c: &Capacity) -> Chart {
    let mut series = Vec::new();
    for (i, t) in input.tiers.iter().enumerate() {
        let mut points: Vec<(f64, f64)> =
            c.evaluations.iter().map(|e| (e.deployment.subscribers as f64, e.cpu_mean[i] * 100.0)).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        series.push(Series::new(format!("{} cpu mean (%)", t.name()), points));
    }
    series.extend(limit_line(input, &series));
    Chart {
        title: "CPU per tier against subscribers".into(),
        x_label: "subscribers".into(),
        y_label: "mean CPU (%)".into(),
        series,
        ..Chart::default()
    }
}

fn growth_chart(input: &PlanInput, plans: &[Plan]) -> Chart {
    let series = input
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            // Node counts are whole and known only at the planned populations: a step from
            // each one to the next, not a slope that would suggest fractions of nodes.
            let mut points: Vec<(f64, f64)> = Vec::new();
            for p in plans {
                let (x, y) = (p.subscribers as f64, p.tiers[i].nodes as f64);
                if let Some(&(_, prev)) = points.last() {
                    points.push((x, prev));
                }
                points.push((x, y));
            }
            Series::new(format!("{} nodes", t.name()), points)
        })
        .collect();
    Chart {
        title: "Nodes per tier needed at each planned population".into(),
        x_label: "subscribers".into(),
        y_label: "nodes per site".into(),
        series,
        ..Chart::default()
    }
}
