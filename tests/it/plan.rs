//! The capacity planner against hand calculations from the calibration (docs/calibration.md:
//! 113 000 core-only subscribers load one 2-core Sprout to 55.6%, published 50–65%).

use std::path::Path;

use cwsim::engine::RunControl;
use cwsim::plan::constraint::Slo;
use cwsim::plan::{self, Mode, Outcome, Request};
use cwsim::scenario::{Override, Tier};

fn request(mode: Mode, subscribers: Option<u64>) -> Request {
    Request {
        subscribers,
        max_cpu: 0.65,
        max_cpu_p95: None,
        slos: Vec::new(),
        tiers: None,
        replications: Some(2),
        max_replications: Some(4),
        threads: None,
        mode,
        progress: None,
    }
}

/// Shorter candidates for the tests: the CPU means settle within a few minutes.
fn short() -> Vec<Override> {
    ["simulation.duration=6m", "simulation.warmup=1m"].iter().map(|s| Override::parse(s).unwrap()).collect()
}

fn nodes_of(p: &plan::search::Plan, tier: Tier) -> u32 {
    p.tiers.iter().find(|t| t.tier == tier.name()).unwrap().nodes
}

#[test]
fn the_calibrated_load_needs_one_sprout_and_three_times_it_needs_three() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/plan-core-only.toml");
    // 113 000 subscribers: 55.6% of one 2-core Sprout < 65%.
    let planned = plan::run(&path, &short(), &request(Mode::Nodes, Some(113_000)), &RunControl::default()).unwrap();
    let Outcome::Nodes(p) = &planned.outcome else { panic!() };
    assert_eq!(nodes_of(p, Tier::Sprout), 1);
    assert_eq!(nodes_of(p, Tier::Homestead), 1);
    assert!(p.verified.all_met());
    // 339 000 (3×): 3 × 1.11 busy cores ≈ 3.4 cores (a little more with two replicas per
    // binding and timer): ⌈3.4 / (0.65 · 2)⌉ = 3 Sprouts, and 2 would run at ≥ 84%.
    let planned = plan::run(&path, &short(), &request(Mode::Nodes, Some(339_000)), &RunControl::default()).unwrap();
    let Outcome::Nodes(p) = &planned.outcome else { panic!() };
    let sprouts = nodes_of(p, Tier::Sprout);
    assert!((3..=4).contains(&sprouts), "{sprouts} Sprouts");
    // The proof: the answer meets every constraint with fresh seeds, and one Sprout fewer
    // breaks the Sprout CPU limit.
    assert!(p.verified.all_met(), "{:?}", p.verified.checks);
    let i = p.tiers.iter().position(|t| t.tier == "sprout").unwrap();
    let fewer = p.one_fewer.iter().find(|e| e.deployment.nodes[i] + 1 == sprouts).expect("one Sprout fewer was run");
    assert!(!fewer.all_met());
    assert_eq!(p.tiers[i].binding.as_deref(), Some("sprout cpu mean ≤ 65%"));
}

#[test]
fn the_calibrated_deployment_holds_about_126_000_subscribers() {
    // 113 000 × 0.65 / 0.582 = 126 200 by the calibration (docs/calibration.md: 58.2% at
    // 113 000); the planner's bisection must land within 5% of it, and inside the issue's
    // bracket [113 000, 150 000].
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/plan-core-only.toml");
    let planned =
        plan::run(&path, &short(), &request(Mode::Capacity { resolution: 0.01 }, None), &RunControl::default())
            .unwrap();
    let Outcome::Capacity(c) = &planned.outcome else { panic!() };
    assert!((113_000..=150_000).contains(&c.subscribers), "{}", c.subscribers);
    assert!((c.subscribers as f64 / 126_200.0 - 1.0).abs() < 0.05, "{}", c.subscribers);
    assert_eq!(c.binding, "sprout cpu mean ≤ 65%");
    // Within the 1% resolution of the first count that breaks it.
    assert!(c.fails_at > c.subscribers && (c.fails_at - c.subscribers) as f64 <= 0.011 * c.subscribers as f64);
}

#[test]
fn more_subscribers_never_need_fewer_nodes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/plan-stress.toml");
    let mut o = short();
    o.push(Override::parse("simulation.duration=4m").unwrap());
    let counts = vec![20_000, 60_000, 100_000, 140_000];
    let mut req = request(Mode::Growth(counts.clone()), None);
    req.slos.push(Slo::parse("invite_setup.p99<=500ms").unwrap().0);
    let planned = plan::run(&path, &o, &req, &RunControl::default()).unwrap();
    let Outcome::Growth(plans) = &planned.outcome else { panic!() };
    assert_eq!(plans.len(), counts.len());
    for w in plans.windows(2) {
        for (a, b) in w[0].tiers.iter().zip(&w[1].tiers) {
            assert!(
                b.nodes >= a.nodes,
                "{}: {} nodes at {} but {} at {}",
                a.tier,
                a.nodes,
                w[0].subscribers,
                b.nodes,
                w[1].subscribers
            );
        }
    }
    // The largest population needs more than one node somewhere.
    assert!(plans.last().unwrap().tiers.iter().any(|t| t.nodes > 1));
}

#[test]
fn the_command_line_takes_growth_and_refuses_bad_plans() {
    use crate::support::{cwsim, stderr, temp_dir};
    let dir = temp_dir("plan-cli");
    let out = dir.join("out");
    let o = cwsim(&[
        "plan",
        "scenarios/plan-stress.toml",
        "--quiet",
        "--growth",
        "2000,4000",
        "--set",
        "simulation.duration=3m",
        "--set",
        "simulation.warmup=1m",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in ["plan.txt", "plan.json", "plan.csv", "plan_growth.png"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    for bad in [
        &["--tiers", "bono"][..],
        &["--growth", "5..1/1"],
        &["--max-cpu", "NaN"],
        &["--max-cpu", "0"],
        &["--slo", "failures<=NaN%"],
        &["--slo", "invite_setup.p99<=-5ms"],
        &["--subscribers", "1"],
    ] {
        let mut args = vec!["plan", "scenarios/plan-core-only.toml", "--quiet"];
        args.extend_from_slice(bad);
        let o = cwsim(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{bad:?}");
    }
}
