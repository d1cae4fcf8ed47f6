//! The sweep's plots: call goodput and p99 setup latency (means over replications with their
//! 95% intervals) against the first swept key, one line per combination of the other keys.

use super::grid::{Axis, Row};
use crate::metrics::{Level, Sample};
use crate::report::plots::{Chart, Series};

/// `sweep_goodput` and `sweep_p99`. The x axis is the first key's values: numeric when every
/// value is a number, else named categories in the order given.
pub fn charts(name: &str, axes: &[Axis], rows: &[Row]) -> Vec<(&'static str, Chart)> {
    let Some(first) = axes.first() else { return Vec::new() };
    let numbers: Option<Vec<f64>> = first.values.iter().map(|v| v.parse::<f64>().ok()).collect();
    let x_of = |v: &str| match &numbers {
        Some(xs) => first.values.iter().position(|x| x == v).map(|i| xs[i]),
        None => first.values.iter().position(|x| x == v).map(|i| i as f64),
    };
    let ticks = if numbers.is_some() { Vec::new() } else { first.values.clone() };
    let line_name = |r: &Row| {
        let rest: Vec<String> = axes[1..].iter().zip(&r.values[1..]).map(|(a, v)| format!("{}={v}", a.key)).collect();
        if rest.is_empty() {
            "mean ± 95% CI".to_string()
        } else {
            rest.join(" ")
        }
    };
    let series = |value: &dyn Fn(&Row) -> (f64, &[f64])| {
        let mut out: Vec<Series> = Vec::new();
        for r in rows {
            let Some(x) = r.values.first().and_then(|v| x_of(v)) else { continue };
            let (y, reps) = value(r);
            let half = Sample::of(reps).half_width(Level::P95).unwrap_or(0.0);
            let name = line_name(r);
            let s = match out.iter_mut().position(|s| s.name == name) {
                Some(i) => &mut out[i],
                None => {
                    out.push(Series::new(name, Vec::new()));
                    out.last_mut().expect("just pushed")
                }
            };
            s.points.push((x, y));
            s.errors.push(half);
        }
        for s in &mut out {
            let mut both: Vec<((f64, f64), f64)> = s.points.iter().copied().zip(s.errors.iter().copied()).collect();
            both.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0));
            (s.points, s.errors) = both.into_iter().unzip();
        }
        out
    };
    let goodput = series(&|r: &Row| {
        let reps = &r.goodput_reps;
        (Sample::of(reps).mean, reps.as_slice())
    });
    let p99 = series(&|r: &Row| {
        let reps = &r.setup_p99_reps;
        (Sample::of(reps).mean, reps.as_slice())
    });
    let chart = |what: &str, y: &str, series: Vec<Series>| Chart {
        x_ticks: ticks.clone(),
        ..Chart::new(format!("{name}: {what} against {}", first.key), &first.key, y, series)
    };
    vec![
        ("sweep_goodput", chart("call goodput", "calls answered per second", goodput)),
        ("sweep_p99", chart("p99 call setup", "p99 INVITE to 180 (ms, mean over replications)", p99)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[&str], goodput: &[f64], p99: &[f64]) -> Row {
        Row {
            values: values.iter().map(|v| v.to_string()).collect(),
            replications: goodput.len() as u32,
            offered_calls_per_s: 0.0,
            goodput_calls_per_s: 0.0,
            offered_registrations_per_s: 0.0,
            goodput_registrations_per_s: 0.0,
            setup_p50_ms: 0.0,
            setup_p99_ms: 0.0,
            rejection_rate: 0.0,
            token_rate_cv: 0.0,
            sprout_cpu: 0.0,
            goodput_reps: goodput.to_vec(),
            setup_p99_reps: p99.to_vec(),
            sprout_cpu_reps: vec![],
        }
    }

    #[test]
    fn one_line_per_other_key_with_intervals_and_named_categories() {
        let axes = [
            Axis { key: "sip.register_retry".into(), values: vec!["300s".into(), "uniform(150s,450s)".into()] },
            Axis { key: "k".into(), values: vec!["1".into(), "2".into()] },
        ];
        let rows = vec![
            row(&["300s", "1"], &[10.0, 12.0], &[100.0, 100.0]),
            row(&["300s", "2"], &[20.0, 20.0], &[50.0, 70.0]),
            row(&["uniform(150s,450s)", "1"], &[11.0, 13.0], &[90.0, 90.0]),
            row(&["uniform(150s,450s)", "2"], &[21.0, 21.0], &[60.0, 60.0]),
        ];
        let all = charts("t", &axes, &rows);
        let g = &all[0].1;
        assert_eq!(all[0].0, "sweep_goodput");
        assert_eq!(g.x_ticks, ["300s", "uniform(150s,450s)"]);
        let names: Vec<&str> = g.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["k=1", "k=2"]);
        // k=1: means 11 and 12 at categories 0 and 1; each interval t(0.975, 1)·√2/√2 =
        // 12.7062 (values 10, 12: sd √2, n 2).
        assert_eq!(g.series[0].points, [(0.0, 11.0), (1.0, 12.0)]);
        assert!((g.series[0].errors[0] - 12.7062).abs() < 1e-9);
        assert_eq!(g.series[1].errors, [0.0, 0.0]);
        let p = &all[1].1;
        assert_eq!(p.series[1].points, [(0.0, 60.0), (1.0, 60.0)]);
    }

    #[test]
    fn numeric_values_make_a_numeric_axis_in_value_order() {
        let axes = [Axis { key: "throttling.max_tokens".into(), values: vec!["1000".into(), "100".into()] }];
        let rows = vec![row(&["1000"], &[5.0], &[9.0]), row(&["100"], &[6.0], &[3.0])];
        let g = &charts("t", &axes, &rows)[0].1;
        assert!(g.x_ticks.is_empty());
        assert_eq!(g.series[0].name, "mean ± 95% CI");
        assert_eq!(g.series[0].points, [(100.0, 6.0), (1000.0, 5.0)]);
    }
}
