//! The command line: arguments parsed once into validated values, then handed to the
//! library. Exit codes: 0 success, 1 runtime failure (e.g. cannot write outputs), 2 invalid
//! input (scenario or arguments), 3 problems found by `cwsim ports --audit`, 130
//! interrupted.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::engine::RunControl;
use crate::scenario::{self, Scenario};

mod benchmark;
mod plan;
/// `--shard` and `cwsim merge`: part files written and merged.
mod shard;
mod sweep;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_INTERRUPTED: i32 = 130;

static CONTROL: RunControl = RunControl::new();
/// Set while output files are being written: Ctrl-C then cancels the write cleanly (the
/// previous outputs stay) instead of killing the process mid-way.
static WRITING: AtomicBool = AtomicBool::new(false);

/// First Ctrl-C: stop the simulation (or the writing) and write nothing; a second one while
/// simulating exits at once — nothing has been written then.
fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if CONTROL.interrupt.swap(true, Ordering::SeqCst) && !WRITING.load(Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
}

/// Writes `files` into `dir` as a whole; the exit code and, on success, the paths.
fn write_outputs(files: &crate::report::OutputFiles, dir: &Path) -> Result<Vec<PathBuf>, i32> {
    use crate::report::files::WriteError;
    WRITING.store(true, Ordering::SeqCst);
    let result = files.write_all(dir, &CONTROL.interrupt);
    WRITING.store(false, Ordering::SeqCst);
    match result {
        Ok(paths) => Ok(paths),
        Err(WriteError::Interrupted) => {
            eprintln!("interrupted: no output files were written ({} is as it was)", dir.display());
            Err(EXIT_INTERRUPTED)
        }
        Err(WriteError::Failed(e)) => {
            eprintln!("error: {e:#}");
            Err(EXIT_FAILURE)
        }
    }
}

/// Refuses, before any simulation, an output directory that cannot be written or a run
/// that would not fit in memory.
fn preflight(
    out_dir: &Path,
    estimate: &crate::resources::MemoryEstimate,
    max_memory: Option<u64>,
    what: &str,
) -> Result<(), i32> {
    if let Err(e) = crate::report::files::check_output_dir(out_dir) {
        eprintln!("error: output directory: {e}");
        return Err(EXIT_BAD_INPUT);
    }
    let max = max_memory.unwrap_or_else(crate::resources::default_max_memory);
    if let Err(e) = crate::resources::check(what, estimate, max) {
        eprintln!("error: {e}");
        return Err(EXIT_BAD_INPUT);
    }
    Ok(())
}

fn threads_or_cores(threads: Option<u16>) -> usize {
    threads.map(usize::from).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[derive(Parser, Debug)]
#[command(
    name = "cwsim",
    version,
    about = "Discrete-event simulator of a Project Clearwater IMS deployment",
    long_about = "Discrete-event simulator of a Project Clearwater IMS deployment: replays call \
                  loads against a simulated deployment and predicts latency, capacity and outage \
                  impact. Same scenario + seed => byte-identical outputs.",
    after_help = "Examples:\n  cwsim run scenarios/default.toml\n  cwsim validate scenarios/*.toml\n  \
                  cwsim ports scenarios/gr-site-failure-realistic.toml\n  cwsim bench"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and write summary.json, CSV files and a report.
    #[command(after_help = "Examples:\n  cwsim run scenarios/default.toml\n  \
                            cwsim run scenarios/mmc.toml --replications 20 --threads 2 --out /tmp/mmc\n  \
                            cwsim run scenarios/mmc.toml --seed 7\n  \
                            cwsim run scenarios/mmc.toml --json --quiet | jq .results\n  \
                            cwsim run scenarios/default.toml --set load.subscribers=4000 --set 'site[0].sprout.cores=2'")]
    Run(RunArgs),
    /// Check scenario files; report every problem with file, line, key and rule.
    #[command(
        after_help = "Examples:\n  cwsim validate scenarios/*.toml\n\nExit code 0 if all files are valid, 2 otherwise."
    )]
    Validate {
        /// Scenario files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Measure speed: the engine on M/M/10 at ρ = 0.8, or a Clearwater scenario end to end.
    #[command(
        after_help = "Examples:\n  cwsim bench                                   # engine: M/M/10, 10^7 customers\n  \
                            cwsim bench scenarios/core-only-113k.toml     # full model, one simulated hour\n  \
                            cwsim bench --customers 1000000 --runs 3"
    )]
    Bench(BenchArgs),
    /// Run a scenario over the cartesian product of parameter values; write sweep.csv and
    /// print a ranking by goodput.
    #[command(after_help = "Examples:\n  \
        cwsim sweep scenarios/throttle-tuning.toml \\\n    \
        --set throttling.target_latency=10ms,50ms,100ms --set throttling.max_tokens=100,1000\n  \
        cwsim sweep scenarios/overload-ramp.toml --set throttling.profile=documented,later --replications 2\n  \
        cwsim sweep scenarios/throttle-tuning.toml --set throttling.max_tokens=50,100,200 --slo-p99 1s\n\n\
        Values are TOML literals (numbers, true/false, [\"a\",\"b\"]) or plain words (10ms, later).")]
    Sweep(SweepArgs),
    /// Merge the part files of a sharded run or sweep (--shard K/N) into the output files
    /// the unsharded command writes, byte for byte.
    #[command(after_help = "Examples:\n  \
        cwsim sweep scenarios/throttle-tuning.toml --set throttling.max_tokens=50,100 --shard 0/2 --out parts\n  \
        cwsim sweep scenarios/throttle-tuning.toml --set throttling.max_tokens=50,100 --shard 1/2 --out parts\n  \
        cwsim merge parts --out outputs/tuning\n\n\
        Exit code 2 if a part is missing, duplicated, damaged or from another job (each named).")]
    Merge(MergeArgs),
    /// Find the fewest nodes per tier that meet a CPU limit and service-level objectives
    /// (or, with --capacity, the most subscribers a deployment holds), by simulation.
    #[command(after_help = "Examples:\n  \
        cwsim plan scenarios/plan-core-only.toml --subscribers 1130000 --max-cpu 0.65\n  \
        cwsim plan scenarios/plan-stress.toml --slo invite_setup.p99<=300ms --slo failures<=0.1%\n  \
        cwsim plan scenarios/plan-core-only.toml --capacity --max-cpu 0.65\n  \
        cwsim plan scenarios/plan-stress.toml --growth 20000..100000/20000\n\n\
        The answer is verified: rerun with fresh seeds it meets every constraint, and one node fewer in any \
        planned tier breaks one (named in plan.txt).")]
    Plan(PlanArgs),
    /// SIPp XML scenarios: check that cwsim can run them as a load source.
    #[command(subcommand)]
    Sipp(SippCommand),
    /// Print the firewall rules a deployment needs from a port table, or audit a rule set
    /// against them.
    #[command(after_help = "Examples:\n  \
        cwsim ports scenarios/gr-site-failure-realistic.toml\n  \
        cwsim ports --table clearwater --deployment scenarios/default.toml --era older\n  \
        cwsim ports --table jtel --deployment site.csv --csv\n  \
        cwsim ports --table expressway --audit rules.csv\n\n\
        Exit codes: 0 success (an audit found no problem), 2 invalid input (naming file:line), \
        3 the audit found problems.")]
    Ports(PortsArgs),
    /// Compare two runs: every summary figure with a confidence interval, B − A with its 95%
    /// Welch interval; significant differences marked *.
    #[command(after_help = "Examples:\n  cwsim run scenarios/default.toml --out /tmp/a\n  \
        cwsim run scenarios/default.toml --set throttling.profile=later --seed 2 --out /tmp/b\n  \
        cwsim compare /tmp/a /tmp/b\n\n\
        Exit code 0 if no figure differs significantly, 1 if some do (as diff), 2 if a run \
        directory cannot be read.")]
    Compare {
        /// Run directory A (holding summary.json).
        #[arg(value_name = "RUN_A")]
        a: PathBuf,
        /// Run directory B.
        #[arg(value_name = "RUN_B")]
        b: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(
        after_help = "Examples:\n  cwsim completions bash > ~/.local/share/bash-completion/completions/cwsim\n  \
        cwsim completions zsh > ~/.zfunc/_cwsim\n  \
        cwsim completions fish > ~/.config/fish/completions/cwsim.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
pub enum SippCommand {
    /// Compile SIPp XML scenarios without running them; report every problem with file,
    /// line, column and construct.
    #[command(after_help = "Examples:\n  cwsim sipp check scenarios/sipp/uac.xml scenarios/sipp/uas.xml\n  \
                            cwsim sipp check register.xml --key home_domain\n\n\
                            Exit code 0 if all files compile, 2 otherwise.")]
    Check {
        /// SIPp scenario files (XML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A -key keyword the load source will define (repeatable): [NAME] is then accepted.
        #[arg(long = "key", value_name = "NAME")]
        keys: Vec<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct PortsArgs {
    /// Clearwater scenario (TOML): the same as --table clearwater --deployment SCENARIO.
    #[arg(value_name = "SCENARIO", conflicts_with = "deployment")]
    pub scenario: Option<PathBuf>,
    /// Port table: a bundled one (clearwater, portaswitch, jtel, expressway) or a CSV file.
    #[arg(long, value_name = "NAME|FILE")]
    pub table: Option<String>,
    /// The deployment: a Clearwater scenario (.toml) or a CSV file (site,role,nodes)
    /// [default: every role of the table].
    #[arg(long, value_name = "FILE")]
    pub deployment: Option<PathBuf>,
    /// The table's era [default: the table's own, e.g. newer for clearwater].
    #[arg(long, value_name = "ERA")]
    pub era: Option<String>,
    /// Audit this rule set (CSV: source,destination,protocol,port[,action][,comment]).
    #[arg(long, value_name = "RULES.csv")]
    pub audit: Option<PathBuf>,
    /// CSV instead of text.
    #[arg(long)]
    pub csv: bool,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Override simulation.seed.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Override simulation.replications.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: Option<u32>,
    /// Output directory [default: output.dir, else outputs/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads for replications [default: one per core]. Never changes the results.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// No progress bar and no report on stdout (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// Print summary.json on stdout instead of the report (files are still written).
    #[arg(long, conflicts_with = "shard")]
    pub json: bool,
    /// Replicate until the 95% half-width of METRIC is at most REL of its mean (e.g.
    /// results.wait_s=0.02, tiers.sprout.cpu_mean=1%); --help lists the names.
    /// (Not with --shard: when to stop depends on every replication's result, which no shard
    /// has.)
    #[arg(long, value_name = "METRIC=REL", value_parser = crate::until_ci::Target::parse,
          long_help = crate::until_ci::help(), conflicts_with = "shard")]
    pub until_ci: Option<crate::until_ci::Target>,
    /// With --until-ci: the most replications run [default: 50].
    #[arg(long, value_name = "N", requires = "until_ci", value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub max_replications: Option<u32>,
    /// Override a scenario key, e.g. --set throttling.profile=later (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = crate::scenario::Override::parse)]
    pub set: Vec<crate::scenario::Override>,
    /// Run only shard K of N (0 ≤ K < N) and write its part file into --out (default
    /// outputs/<scenario name>-parts/); `cwsim merge` renders the outputs from all N parts.
    #[arg(long, value_name = "K/N", value_parser = crate::shard::ShardSpec::parse)]
    pub shard: Option<crate::shard::ShardSpec>,
    /// Refuse to start a run estimated to need more memory than this (e.g. 8GiB)
    /// [default: three quarters of physical memory].
    #[arg(long, value_name = "SIZE", value_parser = crate::resources::parse_size)]
    pub max_memory: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// A swept key and its comma-separated values (repeatable; all combinations run).
    #[arg(long = "set", value_name = "KEY=V1,V2,...", value_parser = crate::sweep::grid::Axis::parse, required = true)]
    pub axes: Vec<crate::sweep::grid::Axis>,
    /// A key fixed for every point (repeatable).
    #[arg(long = "fix", value_name = "KEY=VALUE", value_parser = crate::scenario::Override::parse)]
    pub fixed: Vec<crate::scenario::Override>,
    /// Replications per point [default: the scenario's].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: Option<u32>,
    /// Worker threads [default: one per core]. Never changes the results.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output directory [default: outputs/<scenario name>-sweep/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Points shown in the ranking.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Rank first the points whose p99 call-setup latency is at most this (e.g. 500ms).
    #[arg(long, value_name = "DURATION", value_parser = crate::scenario::units::parse_duration)]
    pub slo_p99: Option<crate::engine::SimDuration>,
    /// No ranking on stdout (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write each point's full run outputs into point-<N>/ (as `cwsim run` writes them;
    /// every replication's results are held in memory until written).
    #[arg(long)]
    pub keep_points: bool,
    /// Run only shard K of N (0 ≤ K < N) and write its part file into --out (default
    /// outputs/<scenario name>-sweep-parts/); `cwsim merge` renders the outputs from all N parts.
    #[arg(long, value_name = "K/N", value_parser = crate::shard::ShardSpec::parse)]
    pub shard: Option<crate::shard::ShardSpec>,
    /// Refuse to start a sweep estimated to need more memory than this (e.g. 8GiB)
    /// [default: three quarters of physical memory].
    #[arg(long, value_name = "SIZE", value_parser = crate::resources::parse_size)]
    pub max_memory: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Part files, or directories holding them (*.cwpart).
    #[arg(value_name = "PARTS_OR_DIRS", required = true)]
    pub parts: Vec<PathBuf>,
    /// Output directory (replaced as a whole, as `cwsim run` does).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print nothing on stdout (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// Scenario file (TOML): its deployment and load profile.
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Subscribers to plan for [default: the scenario's].
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    pub subscribers: Option<u64>,
    /// Highest mean CPU per tier, 0–1 (Clearwater's scale-up trigger is 0.6).
    #[arg(long, default_value_t = 0.6, value_parser = fraction)]
    pub max_cpu: f64,
    /// Highest 95th-percentile CPU per tier over the sample intervals, 0–1.
    #[arg(long, value_parser = fraction)]
    pub max_cpu_p95: Option<f64>,
    /// A service-level objective: TYPE.STAT<=DURATION (e.g. invite_setup.p99<=200ms) or
    /// failures<=PCT% (repeatable).
    #[arg(long = "slo", value_name = "METRIC<=VALUE", value_parser = crate::plan::constraint::Slo::parse)]
    pub slos: Vec<crate::plan::constraint::Slo>,
    /// Tiers to plan, comma-separated [default: every tier the scenario deploys].
    #[arg(long, value_delimiter = ',', value_parser = plannable_tier)]
    pub tiers: Option<Vec<crate::scenario::Tier>>,
    /// The most subscribers the scenario's deployment holds under the constraints.
    #[arg(long, conflicts_with = "growth")]
    pub capacity: bool,
    /// Plan at each subscriber count: FROM..TO/STEP or a list (a,b,c).
    #[arg(long, value_name = "COUNTS", value_parser = growth_counts)]
    pub growth: Option<GrowthCounts>,
    /// Override a scenario key (repeatable), e.g. --set simulation.duration=10m.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = crate::scenario::Override::parse)]
    pub set: Vec<crate::scenario::Override>,
    /// Replications per candidate [default: the scenario's].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replications: Option<u32>,
    /// The most replications a candidate gets when a confidence interval straddles a limit
    /// [default: 4 × replications].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_replications: Option<u32>,
    /// Worker threads [default: one per core]. Never changes the results.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Output directory [default: outputs/<scenario name>-plan/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No table on stdout (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// Refuse to start when one candidate run is estimated to need more memory than this.
    #[arg(long, value_name = "SIZE", value_parser = crate::resources::parse_size)]
    pub max_memory: Option<u64>,
    /// Refused: a plan is a search that needs each candidate's results before it picks the
    /// next, so it cannot be split ahead of time (shard a `cwsim sweep` of candidates instead).
    #[arg(long, value_name = "K/N", hide = true)]
    pub shard: Option<String>,
}

/// The subscriber counts of `--growth`, as one argument value (clap would otherwise take a
/// `Vec` as repeated values).
#[derive(Clone, Debug)]
pub struct GrowthCounts(pub Vec<u64>);

fn growth_counts(text: &str) -> Result<GrowthCounts, String> {
    crate::plan::parse_growth(text).map(GrowthCounts)
}

fn fraction(text: &str) -> Result<f64, String> {
    let v: f64 = text.parse().map_err(|_| format!("expected a fraction such as 0.6, got \"{text}\""))?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(format!("must be in (0, 1], got {v}"))
    }
}

fn plannable_tier(text: &str) -> Result<crate::scenario::Tier, String> {
    crate::plan::PLANNABLE
        .iter()
        .copied()
        .find(|t| t.name() == text.trim())
        .ok_or_else(|| format!("unknown tier \"{text}\"; one of bono, sprout, homestead, homer"))
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// A Clearwater scenario to time end to end (replication 0, one thread) instead of the
    /// engine benchmark.
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Customers per run.
    #[arg(long, default_value_t = crate::bench::ENGINE_CUSTOMERS, value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000))]
    pub customers: u64,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Override a scenario key (repeatable), e.g. --set 'throttling.tiers=[]'.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = crate::scenario::Override::parse)]
    pub set: Vec<crate::scenario::Override>,
}

/// Parses the arguments and runs; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK };
        }
    };
    match cli.command {
        Command::Run(args) => cmd_run(&args),
        Command::Validate { files } => cmd_validate(&files),
        Command::Bench(args) => benchmark::cmd_bench(&args),
        Command::Sweep(args) => sweep::cmd_sweep(&args),
        Command::Merge(args) => shard::merge(&args),
        Command::Plan(args) => plan::cmd_plan(&args),
        Command::Sipp(SippCommand::Check { files, keys }) => cmd_sipp_check(&files, &keys),
        Command::Ports(args) => cmd_ports(&args),
        Command::Compare { a, b } => cmd_compare(&a, &b),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "cwsim", &mut std::io::stdout());
            EXIT_OK
        }
    }
}

/// Exit code of `cwsim ports --audit` when the audit finds problems.
pub const EXIT_AUDIT_PROBLEMS: i32 = 3;

fn cmd_ports(args: &PortsArgs) -> i32 {
    use crate::ports::command::{run, DeploymentFrom, Request};
    let toml =
        args.scenario.as_ref().or(args.deployment.as_ref().filter(|d| d.extension().is_some_and(|e| e == "toml")));
    if args.scenario.is_none() && args.table.is_none() {
        eprintln!("error: give a SCENARIO or --table NAME|FILE");
        return EXIT_BAD_INPUT;
    }
    let loaded = match toml.map(|p| load(p)) {
        Some(Ok(s)) if s.simulation.model != crate::scenario::ModelKind::Clearwater => {
            eprintln!(
                "error: {}: the queue model has no deployment",
                toml.map_or(String::new(), |p| p.display().to_string())
            );
            return EXIT_BAD_INPUT;
        }
        Some(Err(code)) => return code,
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let name = toml.map_or(String::new(), |p| p.display().to_string());
    let deployment = match (&loaded, &args.deployment) {
        (Some(s), _) => DeploymentFrom::Scenario(s, &name),
        (None, Some(d)) => DeploymentFrom::File(d),
        (None, None) => DeploymentFrom::Whole,
    };
    let req = Request {
        table: args.table.as_deref().unwrap_or("clearwater"),
        deployment,
        era: args.era.as_deref(),
        audit: args.audit.as_deref(),
        csv: args.csv,
    };
    match run(&req) {
        Ok(report) => {
            print!("{}", report.text);
            if report.problems {
                EXIT_AUDIT_PROBLEMS
            } else {
                EXIT_OK
            }
        }
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            EXIT_BAD_INPUT
        }
    }
}

fn cmd_compare(a: &Path, b: &Path) -> i32 {
    let read = |p: &Path, which: &str| {
        crate::compare::read_run(p).map_err(|e| {
            eprintln!("error: {which}: {e}");
            EXIT_BAD_INPUT
        })
    };
    let (ra, rb) = match (read(a, "RUN_A"), read(b, "RUN_B")) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let (text, significant) = crate::compare::compare(&ra, &rb);
    print!("{text}");
    if significant > 0 {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

fn load(path: &Path) -> Result<Scenario, i32> {
    load_with(path, &[])
}

fn load_with(path: &Path, overrides: &[scenario::Override]) -> Result<Scenario, i32> {
    scenario::load_with(path, overrides).map_err(|errors| {
        eprintln!("{errors}");
        EXIT_BAD_INPUT
    })
}

fn cmd_validate(files: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    for f in files {
        match load(f) {
            Ok(s) => println!(
                "ok: {} (scenario \"{}\", model {:?}, load {})",
                f.display(),
                s.name,
                s.simulation.model,
                s.load.name()
            ),
            Err(c) => code = c,
        }
    }
    code
}

fn cmd_sipp_check(files: &[PathBuf], keys: &[String]) -> i32 {
    let mut code = EXIT_OK;
    for f in files {
        match crate::sipp::load(f, keys) {
            Ok(s) => {
                println!(
                    "ok: {} (scenario \"{}\", {} steps, {} variables{})",
                    f.display(),
                    crate::scenario::diag::printable(&s.name),
                    s.steps.len(),
                    s.variables.len(),
                    if s.fields_used > 0 {
                        format!(", injection fields 0..{}", s.fields_used - 1)
                    } else {
                        String::new()
                    }
                );
                for (what, line) in &s.ignored {
                    println!(
                        "  note: line {line}: {} has no effect in a simulation",
                        crate::scenario::diag::printable(what)
                    );
                }
            }
            Err(errors) => {
                eprintln!("{errors}");
                code = EXIT_BAD_INPUT;
            }
        }
    }
    code
}

fn show_progress(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

fn cmd_run(args: &RunArgs) -> i32 {
    let Ok(source) = read_source(&args.scenario) else { return EXIT_BAD_INPUT };
    let mut scenario = match source.load(&args.set) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_BAD_INPUT;
        }
    };
    if let Some(seed) = args.seed {
        scenario.simulation.seed = seed;
    }
    if let Some(r) = args.replications {
        scenario.simulation.replications = r;
    }
    if let Some(shard) = args.shard {
        return shard::run(args, source, &scenario, shard);
    }
    let out_dir = args
        .out
        .clone()
        .or_else(|| scenario.output.dir.as_ref().map(PathBuf::from))
        .unwrap_or_else(|| Path::new("outputs").join(&scenario.name));
    if let Some(Err(e)) = args.until_ci.as_ref().map(|t| t.check_model(&scenario)) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let most =
        args.until_ci.as_ref().map(|_| args.max_replications.unwrap_or(crate::until_ci::DEFAULT_MAX_REPLICATIONS));
    let mut sized = scenario.clone();
    sized.simulation.replications = most.unwrap_or(sized.simulation.replications).max(sized.simulation.replications);
    let estimate = crate::resources::run_memory(&sized, threads_or_cores(args.threads));
    if let Err(code) = preflight(&out_dir, &estimate, args.max_memory, &format!("scenario {}", scenario.name)) {
        return code;
    }
    install_interrupt_handler();

    let (duration_ns, replications) = (scenario.simulation.duration.as_ns(), sized.simulation.replications);
    let started = Instant::now();
    let done = AtomicBool::new(false);
    let threads = args.threads.map(usize::from);
    let outcome = std::thread::scope(|scope| {
        if show_progress(args.quiet) {
            scope.spawn(|| progress_bar(duration_ns, replications, &done));
        }
        let r = crate::until_ci::run_or_plain(&scenario, args.until_ci.as_ref(), most, threads, &CONTROL);
        done.store(true, Ordering::SeqCst);
        r
    });
    let (outcome, achieved) = match outcome {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            return EXIT_FAILURE;
        }
    };
    if outcome.interrupted {
        eprintln!("interrupted: no output files were written");
        return EXIT_INTERRUPTED;
    }
    let wall = started.elapsed().as_secs_f64();
    match write_outputs(&outcome.files, &out_dir) {
        Ok(paths) => {
            if let Some(a) = achieved {
                eprintln!("{a}");
            }
            if args.json {
                if let Some(summary) = outcome.files.get("summary.json") {
                    print!("{}", String::from_utf8_lossy(summary));
                }
            } else if !args.quiet {
                if let Some(report) = outcome.files.get("report.txt") {
                    print!("{}", String::from_utf8_lossy(report));
                }
                println!(
                    "\n{} events in {wall:.2} s ({:.2} M events/s); wrote {}:",
                    outcome.events,
                    outcome.events as f64 / wall / 1e6,
                    out_dir.display()
                );
                for p in paths {
                    println!("  {}", p.display());
                }
            }
            EXIT_OK
        }
        Err(code) => code,
    }
}

/// The progress line: simulated time per replication, the replication being run (i/N:
/// finished + 1), and the event rate so far.
fn progress_bar(duration_ns: u64, replications: u32, done: &AtomicBool) {
    let total_ns = duration_ns.saturating_mul(replications as u64);
    let bar = indicatif::ProgressBar::new(total_ns.max(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {percent}% {msg} elapsed {elapsed} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    while !done.load(Ordering::SeqCst) {
        let ns = CONTROL.progress_ns.load(Ordering::Relaxed);
        bar.set_position(ns);
        bar.set_message(progress_message(
            ns,
            duration_ns,
            CONTROL.runs_finished.load(Ordering::Relaxed),
            replications,
            CONTROL.progress_events.load(Ordering::Relaxed),
            started.elapsed().as_secs_f64(),
        ));
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

/// "sim 50m00s of 80m00s · replication 2/2 · 4.1 M events/s": simulated time over all
/// replications against the total, which replication is running (finished + 1; several run
/// at once on several threads), and events per wall-clock second so far.
fn progress_message(ns: u64, duration_ns: u64, finished: u64, replications: u32, events: u64, wall_s: f64) -> String {
    let n = replications.max(1) as u64;
    let minsec = |ns: u64| {
        let s = ns / 1_000_000_000;
        format!("{}m{:02}s", s / 60, s % 60)
    };
    let rate = if wall_s > 0.0 { events as f64 / wall_s / 1e6 } else { 0.0 };
    format!(
        "sim {} of {} · replication {}/{n} · {rate:.1} M events/s",
        minsec(ns),
        minsec(duration_ns.saturating_mul(n)),
        (finished + 1).min(n)
    )
}

fn read_source(path: &Path) -> Result<scenario::SourceText, ()> {
    scenario::SourceText::read(path).map_err(|errors| eprintln!("{errors}"))
}

#[cfg(test)]
mod tests {
    use super::progress_message;

    #[test]
    fn progress_shows_simulated_time_replication_and_event_rate() {
        // Two 40-minute replications, the first finished and the second 10 minutes in:
        // 50 of 80 simulated minutes; 8 M events in 2 s of wall time = 4.0 M events/s.
        let m = progress_message(50 * 60 * 1_000_000_000, 40 * 60 * 1_000_000_000, 1, 2, 8_000_000, 2.0);
        assert_eq!(m, "sim 50m00s of 80m00s · replication 2/2 · 4.0 M events/s");
        // All finished: the replication count does not run past N.
        assert!(progress_message(0, 1, 2, 2, 0, 0.0).contains("replication 2/2"));
    }
}
