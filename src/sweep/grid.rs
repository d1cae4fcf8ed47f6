//! Parameter sweeps: the cartesian product of `--set key=v1,v2,…` values, run with their
//! replications in parallel, summarised one row per point in `sweep.csv`.

use rayon::prelude::*;

use crate::analysis;
use crate::analysis::goodput::{self, GoodputCounts};
use crate::analysis::throttling::{mean_cv, throttle_rows};
use crate::engine::RunControl;
use crate::metrics::LatencyHistogram;
use crate::model::clearwater::{self, ClearwaterResult};
use crate::model::clearwater::{FailCause, ReqType};
use crate::report::OutputFiles;
use crate::scenario::{ModelKind, Override, Scenario, ScenarioErrors, SourceText, Tier};

/// One swept key and its values, from `key=v1,v2,…`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

impl Axis {
    pub fn parse(text: &str) -> Result<Axis, String> {
        let o = Override::parse(text)?;
        let values: Vec<String> = split_top_level(&o.value)
            .map_err(|e| format!("{e} in \"{text}\""))?
            .into_iter()
            .map(|v| v.trim().to_string())
            .collect();
        if values.iter().any(|v| v.is_empty()) {
            return Err(format!("empty value in \"{text}\""));
        }
        Ok(Axis { key: o.key, values })
    }
}

/// Splits a value list at its top-level commas only: a comma inside parentheses, brackets,
/// braces or quotes belongs to one value (`uniform(150s,450s)`, `[0.7, 0.3]`, `"a,b"`).
fn split_top_level(list: &str) -> Result<Vec<&str>, String> {
    let (mut depth, mut quote, mut start) = (0usize, None, 0);
    let mut out = Vec::new();
    for (i, c) in list.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.checked_sub(1).ok_or(format!("unmatched '{c}'"))?,
            (None, ',') if depth == 0 => {
                out.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth > 0 || quote.is_some() {
        return Err("unclosed bracket or quote".to_string());
    }
    out.push(&list[start..]);
    Ok(out)
}

/// Every combination of the axes' values, the first axis varying slowest.
/// How many points the axes make (saturating: checked before any is built).
pub fn point_count(axes: &[Axis]) -> usize {
    axes.iter().fold(1usize, |n, a| n.saturating_mul(a.values.len()))
}

pub fn points(axes: &[Axis]) -> Vec<Vec<Override>> {
    let mut out: Vec<Vec<Override>> = vec![Vec::new()];
    for axis in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(Override { key: axis.key.clone(), value: v.clone() });
                    p
                })
            })
            .collect();
    }
    out
}

/// What one replication of one point contributes (the sweep keeps these, not the results).
pub struct Measure {
    goodput: GoodputCounts,
    started: u64,
    rejected_503: u64,
    setup: LatencyHistogram,
    token_rates: Vec<f64>,
    sprout_cpu: f64,
}

impl Measure {
    fn goodput_per_s(&self) -> f64 {
        let g = &self.goodput;
        if g.measured_s > 0.0 {
            g.call_setups as f64 / g.measured_s
        } else {
            0.0
        }
    }
}

fn measure(s: &Scenario, r: &ClearwaterResult) -> Measure {
    let c = |t: ReqType| &r.req[t].counts;
    Measure {
        goodput: goodput::counts(r),
        started: ReqType::ALL.iter().map(|&t| c(t).started).sum(),
        rejected_503: ReqType::ALL.iter().map(|&t| c(t).failed[FailCause::Rejected503]).sum(),
        setup: analysis::latency(r, ReqType::InviteSetup).clone(),
        token_rates: throttle_rows(s, r, Tier::Sprout, false).map(|t| t.token_rate).collect(),
        sprout_cpu: analysis::tier_cpu_mean(r, &analysis::tier_nodes(r, Tier::Sprout)),
    }
}

/// One row of `sweep.csv`.
#[derive(Clone, Debug)]
pub struct Row {
    pub values: Vec<String>,
    pub replications: u32,
    pub offered_calls_per_s: f64,
    pub goodput_calls_per_s: f64,
    pub offered_registrations_per_s: f64,
    pub goodput_registrations_per_s: f64,
    pub setup_p50_ms: f64,
    pub setup_p99_ms: f64,
    pub rejection_rate: f64,
    pub token_rate_cv: f64,
    pub sprout_cpu: f64,
    /// Per replication: call goodput (/s), p99 setup latency (ms), mean Sprout CPU (0–1).
    pub goodput_reps: Vec<f64>,
    pub setup_p99_reps: Vec<f64>,
    pub sprout_cpu_reps: Vec<f64>,
}

fn summarise(values: Vec<String>, ms: &[Measure]) -> Row {
    let g = goodput::pooled(&ms.iter().map(|m| m.goodput).collect::<Vec<_>>());
    let mut setup = LatencyHistogram::new();
    ms.iter().for_each(|m| setup.merge(&m.setup));
    let rates: Vec<f64> = ms.iter().flat_map(|m| m.token_rates.iter().copied()).collect();
    let started: u64 = ms.iter().map(|m| m.started).sum();
    Row {
        values,
        replications: ms.len() as u32,
        offered_calls_per_s: g.offered_calls_per_s,
        goodput_calls_per_s: g.call_setups_per_s,
        offered_registrations_per_s: g.offered_registrations_per_s,
        goodput_registrations_per_s: g.registrations_per_s,
        setup_p50_ms: setup.quantile_us(0.5) as f64 / 1e3,
        setup_p99_ms: setup.quantile_us(0.99) as f64 / 1e3,
        rejection_rate: if started == 0 {
            0.0
        } else {
            ms.iter().map(|m| m.rejected_503).sum::<u64>() as f64 / started as f64
        },
        token_rate_cv: mean_cv(&rates).1,
        sprout_cpu: ms.iter().map(|m| m.sprout_cpu).sum::<f64>() / ms.len().max(1) as f64,
        goodput_reps: ms.iter().map(Measure::goodput_per_s).collect(),
        setup_p99_reps: ms.iter().map(|m| m.setup.quantile_us(0.99) as f64 / 1e3).collect(),
        sprout_cpu_reps: ms.iter().map(|m| m.sprout_cpu).collect(),
    }
}

#[derive(Debug)]
pub enum SweepError {
    /// A point's scenario is invalid (its overrides named).
    Invalid { point: String, errors: ScenarioErrors },
    /// Input the sweep cannot run (exit code 2).
    Other(String),
    /// A run stopped early: event budget, stall (exit code 1).
    Stopped(String),
}

/// What a sweep produced: the base scenario, one row per point, and with `--keep-points`
/// each point's full run outputs (as `cwsim run` writes them).
pub struct Sweep {
    pub base: Scenario,
    pub rows: Vec<Row>,
    pub point_files: Vec<OutputFiles>,
}

/// A point of the sweep: its swept values (in axis order) and its validated scenario.
pub struct Point {
    pub values: Vec<String>,
    pub scenario: Scenario,
}

/// Validates every point (so a bad value fails before anything runs): the scenario text
/// with the fixed overrides, then the point's, applied.
pub fn prepare(
    source: &SourceText,
    axes: &[Axis],
    fixed: &[Override],
    replications: Option<u32>,
) -> Result<Vec<Point>, SweepError> {
    let mut out = Vec::new();
    for point in points(axes) {
        let all: Vec<Override> = fixed.iter().cloned().chain(point.iter().cloned()).collect();
        let mut s = source.load(&all).map_err(|errors| SweepError::Invalid {
            point: point.iter().map(|o| o.text()).collect::<Vec<_>>().join(" "),
            errors,
        })?;
        if s.simulation.model != ModelKind::Clearwater {
            return Err(SweepError::Other("cwsim sweep runs Clearwater scenarios".into()));
        }
        if let Some(r) = replications {
            s.simulation.replications = r;
        }
        out.push(Point { values: point.into_iter().map(|o| o.value).collect(), scenario: s });
    }
    Ok(out)
}

/// Every (point, replication) of the sweep, point by point: the units of work, in the
/// order results are summarised (and the order `--shard` numbers them).
pub fn units(points: &[Point]) -> Vec<(usize, u32)> {
    points
        .iter()
        .enumerate()
        .flat_map(|(i, p)| (0..p.scenario.simulation.replications).map(move |rep| (i, rep)))
        .collect()
}

/// Runs `units` in parallel and maps each result through `f`; results in the order of
/// `units`. A run that stopped early stops the sweep.
fn run_units<T: Send>(
    points: &[Point],
    units: &[(usize, u32)],
    threads: Option<usize>,
    control: &RunControl,
    f: impl Fn(&Scenario, ClearwaterResult) -> T + Sync,
) -> Result<Vec<T>, SweepError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| SweepError::Other(e.to_string()))?;
    pool.install(|| {
        units
            .par_iter()
            .map(|&(i, rep)| {
                let s = &points[i].scenario;
                let r = clearwater::run(s, rep, control);
                crate::run::check_ends(s, [(r.replication, r.end, r.stopped_at)])
                    .map_err(|e| SweepError::Stopped(format!("{e:#}")))?;
                Ok(f(s, r))
            })
            .collect::<Result<_, SweepError>>()
    })
}

/// Runs the given units and keeps their full results (a shard of the sweep).
pub fn simulate_units(
    points: &[Point],
    units: &[(usize, u32)],
    threads: Option<usize>,
    control: &RunControl,
) -> Result<Vec<ClearwaterResult>, SweepError> {
    run_units(points, units, threads, control, |_, r| r)
}

/// Runs every unit of the sweep and summarises them in point order. Only each
/// replication's measures are kept, unless `keep_points` asks for every point's full outputs.
pub fn run(
    points: Vec<Point>,
    threads: Option<usize>,
    keep_points: bool,
    control: &RunControl,
) -> Result<Sweep, SweepError> {
    let jobs = units(&points);
    let measures = run_units(&points, &jobs, threads, control, |s, r| (measure(s, &r), keep_points.then_some(r)))?;
    Ok(assemble(points, jobs.iter().map(|&(i, _)| i).zip(measures), keep_points))
}

/// Groups per-unit results (in unit order) by point and summarises each point; with
/// `keep_points`, renders each point's run outputs.
pub fn assemble(
    points: Vec<Point>,
    units: impl IntoIterator<Item = (usize, (Measure, Option<ClearwaterResult>))>,
    keep_points: bool,
) -> Sweep {
    let mut per_point: Vec<Vec<Measure>> = points.iter().map(|_| Vec::new()).collect();
    let mut results: Vec<Vec<ClearwaterResult>> = points.iter().map(|_| Vec::new()).collect();
    for (i, (m, r)) in units {
        per_point[i].push(m);
        results[i].extend(r);
    }
    let point_files = if keep_points {
        points.iter().zip(&results).map(|(p, rs)| crate::report::clearwater::render(&p.scenario, rs)).collect()
    } else {
        Vec::new()
    };
    drop(results);
    let base = points[0].scenario.clone();
    let rows = points.into_iter().zip(per_point).map(|(p, ms)| summarise(p.values, &ms)).collect();
    Sweep { base, rows, point_files }
}

/// What one replication contributes to its point's row, from its full result.
pub fn unit_measure(s: &Scenario, r: ClearwaterResult, keep: bool) -> (Measure, Option<ClearwaterResult>) {
    (measure(s, &r), keep.then_some(r))
}

/// sweep.csv: one row per point; the `_ci95` columns and `tied_with_best` are empty with
/// one replication.
pub fn csv(axes: &[Axis], rows: &[Row], slo_p99_ms: Option<f64>) -> Vec<u8> {
    let mut out = String::from("point");
    for a in axes {
        out.push(',');
        out.push_str(&a.key);
    }
    out.push_str(
        ",replications,offered_calls_per_s,goodput_calls_per_s,offered_registrations_per_s,\
         goodput_registrations_per_s,setup_p50_ms,setup_p99_ms,rejection_rate,token_rate_cv,sprout_cpu,\
         goodput_calls_per_s_ci95,setup_p99_ms_ci95,sprout_cpu_ci95,tied_with_best\n",
    );
    let tied = super::rank::tied_with_best(rows, slo_p99_ms);
    for (i, r) in rows.iter().enumerate() {
        out.push_str(&i.to_string());
        for v in &r.values {
            out.push(',');
            out.push_str(&csv_field(v));
        }
        out.push_str(&format!(
            ",{},{:.4},{:.4},{:.4},{:.4},{},{},{:.6},{:.4},{:.4}\n",
            r.replications,
            r.offered_calls_per_s,
            r.goodput_calls_per_s,
            r.offered_registrations_per_s,
            r.goodput_registrations_per_s,
            r.setup_p50_ms,
            r.setup_p99_ms,
            r.rejection_rate,
            r.token_rate_cv,
            r.sprout_cpu
        ));
        out.pop();
        let ci = |v: &[f64], digits: usize| {
            crate::metrics::Sample::of(v)
                .half_width(crate::metrics::Level::P95)
                .map_or(String::new(), |h| format!("{h:.digits$}"))
        };
        out.push_str(&format!(
            ",{},{},{},{}\n",
            ci(&r.goodput_reps, 4),
            ci(&r.setup_p99_reps, 3),
            ci(&r.sprout_cpu_reps, 4),
            tied[i].map_or(String::new(), |t| t.to_string())
        ));
    }
    out.into_bytes()
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cartesian_product_first_axis_slowest() {
        let axes = [Axis::parse("a=1,2").unwrap(), Axis::parse("b=x,y,z").unwrap()];
        let p = points(&axes);
        assert_eq!(p.len(), 6);
        let text: Vec<String> = p.iter().map(|o| o.iter().map(|x| x.text()).collect::<Vec<_>>().join(" ")).collect();
        assert_eq!(text[0], "a=1 b=x");
        assert_eq!(text[2], "a=1 b=z");
        assert_eq!(text[3], "a=2 b=x");
        assert!(Axis::parse("a=1,,2").is_err());
    }

    #[test]
    fn values_split_at_top_level_commas_only() {
        let a = Axis::parse("sip.register_retry=300s,uniform(150s,450s)").unwrap();
        assert_eq!(a.values, ["300s", "uniform(150s,450s)"]);
        let a = Axis::parse("dns.site_split=[0.7, 0.3],[0.5,0.5]").unwrap();
        assert_eq!(a.values, ["[0.7, 0.3]", "[0.5,0.5]"]);
        let a = Axis::parse("throttling.max_tokens=100, 1000").unwrap();
        assert_eq!(a.values, ["100", "1000"]);
        assert_eq!(Axis::parse(r#"a.b="x,y",z"#).unwrap().values, [r#""x,y""#, "z"]);
        for bad in ["a.b=uniform(1s,2s", "a.b=1s)", "a.b=1,,2", "a.b=\"x,y"] {
            assert!(Axis::parse(bad).is_err(), "{bad}");
        }
    }
}
