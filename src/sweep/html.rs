//! The sweep's report.html: every point ranked as in ranking.txt, as a table, then the
//! sweep charts inline.

use super::grid::{Axis, Row};
use super::rank::{order, tied_with_best};
use crate::metrics::{Level, Sample};
use crate::report::html::Page;
use crate::report::OutputFiles;

/// `mean ± half-width` of per-replication values (the mean alone with one replication).
fn pm(mean: f64, reps: &[f64], d: usize) -> String {
    match Sample::of(reps).half_width(Level::P95) {
        Some(h) => format!("{mean:.d$} ± {h:.d$}"),
        None => format!("{mean:.d$}"),
    }
}

/// The page: the ranking's explanation (ranking.txt's first lines), every point ranked, the
/// charts among `files`.
pub fn page(
    name: &str,
    axes: &[Axis],
    rows: &[Row],
    slo_p99_ms: Option<f64>,
    ranking_txt: &str,
    files: &OutputFiles,
) -> Vec<u8> {
    let mut p = Page::new(format!("cwsim sweep — scenario {name}"));
    for line in ranking_txt.lines().take_while(|l| !l.starts_with("rank ")) {
        p.paragraph(line);
    }
    let tied = tied_with_best(rows, slo_p99_ms);
    let mut head = vec!["rank", "point"];
    head.extend(axes.iter().map(|a| a.key.as_str()));
    head.extend(["goodput calls/s", "setup p50 ms", "setup p99 ms", "rejected %", "token-rate cv", "sprout cpu %"]);
    if slo_p99_ms.is_some() {
        head.push("meets SLO");
    }
    head.push("tied with best");
    let table = order(rows, slo_p99_ms)
        .into_iter()
        .enumerate()
        .map(|(rank, i)| {
            let r = &rows[i];
            let mut row = vec![(rank + 1).to_string(), i.to_string()];
            row.extend(r.values.iter().cloned());
            row.push(pm(r.goodput_calls_per_s, &r.goodput_reps, 2));
            row.push(format!("{:.1}", r.setup_p50_ms));
            row.push(pm(r.setup_p99_ms, &r.setup_p99_reps, 1));
            row.push(format!("{:.2}", r.rejection_rate * 100.0));
            row.push(format!("{:.2}", r.token_rate_cv));
            row.push(format!("{:.1}", r.sprout_cpu * 100.0));
            if let Some(slo) = slo_p99_ms {
                row.push(if r.setup_p99_ms <= slo { "yes" } else { "no" }.into());
            }
            let mark = match tied.get(i).copied().flatten() {
                Some(true) if rank == 0 => "best",
                Some(true) => "=",
                _ => "",
            };
            row.push(mark.into());
            row
        })
        .collect();
    p.heading("Points, best first");
    p.table(&head, table);
    p.figures(files);
    p.render()
}
