//! The sweep's ranking: points by call goodput (mean over replications, with its 95%
//! interval), the points meeting the p99 setup-latency SLO first, and the points whose
//! goodput cannot be told from the best's within the confidence interval marked as tied.

use super::grid::{Axis, Row};
use crate::metrics::estimate::welch;
use crate::metrics::{Level, Sample};

fn meets(r: &Row, slo_p99_ms: Option<f64>) -> bool {
    slo_p99_ms.is_none_or(|slo| r.setup_p99_ms <= slo)
}

/// Point indices, best first: meeting the SLO, then higher goodput, then lower p99, then
/// point order.
pub fn order(rows: &[Row], slo_p99_ms: Option<f64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        meets(&rows[b], slo_p99_ms)
            .cmp(&meets(&rows[a], slo_p99_ms))
            .then(rows[b].goodput_calls_per_s.total_cmp(&rows[a].goodput_calls_per_s))
            .then(rows[a].setup_p99_ms.total_cmp(&rows[b].setup_p99_ms))
            .then(a.cmp(&b))
    });
    order
}

/// Per point: whether its goodput is tied with the best point's — the 95% Welch interval of
/// the difference of their per-replication goodputs contains zero — and it is on the same
/// side of the SLO. The best point is tied with itself. `None` for every point when there
/// are fewer than two replications (no interval).
pub fn tied_with_best(rows: &[Row], slo_p99_ms: Option<f64>) -> Vec<Option<bool>> {
    let Some(&best) = order(rows, slo_p99_ms).first() else { return Vec::new() };
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            if i == best {
                return (r.goodput_reps.len() >= 2).then_some(true);
            }
            let (diff, half) = welch(&rows[best].goodput_reps, &r.goodput_reps)?;
            Some(meets(r, slo_p99_ms) == meets(&rows[best], slo_p99_ms) && diff.abs() <= half)
        })
        .collect()
}

/// ranking.txt: the `top` points, best first, goodput and p99 with their 95% half-widths.
pub fn ranking(axes: &[Axis], rows: &[Row], top: usize, slo_p99_ms: Option<f64>) -> String {
    let order = order(rows, slo_p99_ms);
    let tied = tied_with_best(rows, slo_p99_ms);
    let mut out = String::new();
    if let Some(slo) = slo_p99_ms {
        let n = rows.iter().filter(|r| meets(r, slo_p99_ms)).count();
        out.push_str(&format!("{n} of {} points meet the p99 setup-latency SLO of {slo} ms (marked *)\n", rows.len()));
    }
    if tied.iter().any(|t| t.is_some()) {
        let n = tied.iter().filter(|t| **t == Some(true)).count() - 1;
        out.push_str(&format!(
            "{n} point(s) tied with the best (marked =): their goodput is within the 95% confidence interval of the \
             difference (Welch) — not distinguishable from it with these replications\n"
        ));
    } else {
        out.push_str(
            "one replication per point: no confidence intervals, ties cannot be told (--replications 2 or more)\n",
        );
    }
    out.push_str(
        "rank  point  goodput calls/s        setup p50 ms  setup p99 ms           rejected  token-rate cv  parameters\n",
    );
    let pm = |v: &[f64], d: usize| {
        Sample::of(v).half_width(Level::P95).map_or_else(|| " ".repeat(10), |h| format!(" ± {h:<7.d$}"))
    };
    for (rank, &i) in order.iter().take(top).enumerate() {
        let r = &rows[i];
        let params: Vec<String> = axes.iter().zip(&r.values).map(|(a, v)| format!("{}={v}", a.key)).collect();
        out.push_str(&format!(
            "{:>3}{}{} {:>5}  {:>8.2}{}  {:>12.1}  {:>8.1}{}  {:>7.2}%  {:>13.2}  {}\n",
            rank + 1,
            if slo_p99_ms.is_some() && meets(r, slo_p99_ms) { "*" } else { " " },
            if tied[i] == Some(true) && rank > 0 { "=" } else { " " },
            i,
            r.goodput_calls_per_s,
            pm(&r.goodput_reps, 2),
            r.setup_p50_ms,
            r.setup_p99_ms,
            pm(&r.setup_p99_reps, 1),
            r.rejection_rate * 100.0,
            r.token_rate_cv,
            params.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: &str, goodput: &[f64], p99: f64) -> Row {
        let mean = goodput.iter().sum::<f64>() / goodput.len() as f64;
        Row {
            values: vec![value.into()],
            replications: goodput.len() as u32,
            offered_calls_per_s: 100.0,
            goodput_calls_per_s: mean,
            offered_registrations_per_s: 0.0,
            goodput_registrations_per_s: 0.0,
            setup_p50_ms: 1.0,
            setup_p99_ms: p99,
            rejection_rate: 0.0,
            token_rate_cv: 0.0,
            sprout_cpu: 0.5,
            goodput_reps: goodput.to_vec(),
            setup_p99_reps: vec![p99; goodput.len()],
            sprout_cpu_reps: vec![0.5; goodput.len()],
        }
    }

    #[test]
    fn points_within_the_interval_of_the_best_are_marked_tied() {
        // Best: mean 11.5 of 10.5, 11.5, 12.5. Against 10, 11, 12 (mean 11): difference 0.5;
        // both variances 1, se = √(2/3), df 4, half-width 2.7764 · 0.8165 = 2.267 ≥ 0.5:
        // tied. Against 1, 2, 3 (mean 2): difference 9.5 > 2.267: not tied.
        let rows = vec![
            row("a", &[10.0, 11.0, 12.0], 5.0),
            row("b", &[1.0, 2.0, 3.0], 5.0),
            row("c", &[10.5, 11.5, 12.5], 5.0),
        ];
        assert_eq!(order(&rows, None), [2, 0, 1]);
        assert_eq!(tied_with_best(&rows, None), [Some(true), Some(false), Some(true)]);
        let text = ranking(&[Axis { key: "k".into(), values: vec![] }], &rows, 10, None);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("1 point(s) tied with the best"), "{text}");
        assert!(lines[2].starts_with("  1  ") && lines[2].contains("k=c"), "{text}");
        assert!(lines[3].starts_with("  2 =") && lines[3].contains("k=a"), "{text}");
        assert!(lines[4].starts_with("  3  ") && lines[4].contains("k=b"), "{text}");
        assert!(lines[2].contains("11.50 ± 2.48"), "t(0.975, 2)·1/√3 = 4.3027/1.7321 = 2.484: {text}");
    }

    #[test]
    fn a_point_on_the_other_side_of_the_slo_is_not_tied_and_one_replication_ties_nothing() {
        // Same goodput spread as above, but "a" misses a 100 ms SLO that "c" meets.
        let rows = vec![row("a", &[10.0, 11.0, 12.0], 500.0), row("c", &[10.5, 11.5, 12.5], 50.0)];
        assert_eq!(tied_with_best(&rows, Some(100.0)), [Some(false), Some(true)]);
        let rows = vec![row("a", &[10.0], 5.0), row("c", &[10.5], 5.0)];
        assert_eq!(tied_with_best(&rows, None), [None, None]);
        let axes = [Axis { key: "k".into(), values: vec![] }];
        assert!(ranking(&axes, &rows, 10, None).starts_with("one replication per point"));
    }
}
