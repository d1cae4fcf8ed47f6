//! `cwsim plan` on the command line: the request from the arguments, progress, the files.

use super::*;

pub(super) fn cmd_plan(args: &PlanArgs) -> i32 {
    use crate::plan::{Mode, Request};
    if args.shard.is_some() {
        eprintln!(
            "error: cwsim plan cannot be sharded (--shard): its search picks each candidate deployment from the \
             results of the ones before, so its work is not known ahead of time. To spread a plan's runs over a \
             cluster, sweep the candidates instead: cwsim sweep SCENARIO --set 'site[0].sprout.nodes=2,3,4' --shard K/N"
        );
        return EXIT_BAD_INPUT;
    }
    let base = match load_with(&args.scenario, &args.set) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if base.simulation.model != crate::scenario::ModelKind::Clearwater {
        eprintln!("error: {}: cwsim plan sizes Clearwater deployments", args.scenario.display());
        return EXIT_BAD_INPUT;
    }
    let deployed = crate::plan::deployed(&base);
    if let Some(t) = args.tiers.iter().flatten().find(|t| !deployed.contains(t)) {
        let names: Vec<&str> = deployed.iter().map(|t| t.name()).collect();
        eprintln!(
            "error: --tiers: the scenario deploys no {} tier to plan (its tiers: {})",
            t.name(),
            names.join(", ")
        );
        return EXIT_BAD_INPUT;
    }
    let dir = args.out.clone().unwrap_or_else(|| Path::new("outputs").join(format!("{}-plan", base.name)));
    let mut one = base.clone();
    if let Some(n) = args.subscribers.or(args.growth.as_ref().and_then(|g| g.0.iter().max().copied())) {
        if let crate::scenario::Load::SipStress { subscribers, .. }
        | crate::scenario::Load::CoreOnly { subscribers, .. }
        | crate::scenario::Load::Rate { subscribers, .. } = &mut one.load
        {
            *subscribers = n;
        }
    }
    let estimate = crate::resources::sweep_memory(&one, threads_or_cores(args.threads));
    if let Err(code) = preflight(&dir, &estimate, args.max_memory, &format!("planning {}", base.name)) {
        return code;
    }
    install_interrupt_handler();
    let req = Request {
        subscribers: args.subscribers,
        max_cpu: args.max_cpu,
        max_cpu_p95: args.max_cpu_p95,
        slos: args.slos.iter().map(|s| s.0).collect(),
        tiers: args.tiers.clone(),
        replications: args.replications,
        max_replications: args.max_replications,
        threads: args.threads.map(usize::from),
        mode: match (&args.growth, args.capacity) {
            (Some(g), _) => Mode::Growth(g.0.clone()),
            (None, true) => Mode::Capacity { resolution: 0.01 },
            (None, false) => Mode::Nodes,
        },
        progress: (!args.quiet).then_some(plan_progress as fn(&crate::plan::evaluate::Evaluation)),
    };
    let started = Instant::now();
    let planned = match crate::plan::run(&args.scenario, &args.set, &req, &CONTROL) {
        Ok(p) => p,
        Err(e) => {
            if CONTROL.interrupt.load(Ordering::SeqCst) {
                eprintln!("interrupted: no output files were written");
                return EXIT_INTERRUPTED;
            }
            eprintln!("error: {}: {e:#}", args.scenario.display());
            return EXIT_FAILURE;
        }
    };
    if CONTROL.interrupt.load(Ordering::SeqCst) {
        eprintln!("interrupted: no output files were written");
        return EXIT_INTERRUPTED;
    }
    let files = crate::plan::output::render(&planned);
    match write_outputs(&files, &dir) {
        Ok(_) => {
            if !args.quiet {
                if let Some(text) = files.get("plan.txt") {
                    print!("{}", String::from_utf8_lossy(text));
                }
                println!(
                    "\n{} runs in {:.1} s; wrote {}",
                    planned.runs,
                    started.elapsed().as_secs_f64(),
                    dir.display()
                );
            }
            EXIT_OK
        }
        Err(code) => code,
    }
}

/// One line on stderr per candidate the planner judged.
fn plan_progress(e: &crate::plan::evaluate::Evaluation) {
    let nodes: Vec<String> = e.deployment.nodes.iter().map(|n| n.to_string()).collect();
    let verdict = match e.violated().next() {
        None => "meets every constraint".to_string(),
        Some(c) => format!("breaks {} (measured {:.4})", c.constraint, c.mean),
    };
    eprintln!(
        "  {} subscribers, nodes [{}], {} seeds × {}: {verdict}",
        e.deployment.subscribers,
        nodes.join(", "),
        e.seeds,
        e.replications
    );
}
