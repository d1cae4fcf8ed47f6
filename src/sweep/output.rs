//! A sweep's output files: sweep.csv, ranking.txt, the charts and, with `--keep-points`,
//! every point's run outputs — rendered the same for `cwsim sweep` and `cwsim merge`.

use super::grid::{self, Axis, Sweep};
use crate::engine::SimDuration;
use crate::report::OutputFiles;

pub struct Rendered {
    pub files: OutputFiles,
    /// ranking.txt, which `cwsim sweep` also prints.
    pub ranking: String,
    /// Charts that could not be drawn.
    pub notes: Vec<String>,
    /// Points, and replications per point.
    pub points: usize,
    pub replications: u32,
}

pub fn render(axes: &[Axis], sweep: Sweep, slo_p99: Option<SimDuration>, top: usize) -> Rendered {
    let Sweep { base, rows, point_files } = sweep;
    let (points, replications) = (rows.len(), rows.first().map_or(0, |r| r.replications));
    let mut files = OutputFiles::default();
    let slo = slo_p99.map(|d| d.as_ms_f64());
    files.add("sweep.csv", grid::csv(axes, &rows, slo));
    let ranking = super::rank::ranking(axes, &rows, top, slo);
    files.add("ranking.txt", ranking.clone());
    let mut notes = Vec::new();
    for (name, chart) in super::chart::charts(&base.name, axes, &rows) {
        crate::report::plots::add(&mut files, name, &chart, &mut notes);
    }
    files.add("report.html", super::html::page(&base.name, axes, &rows, slo, &ranking, &files));
    for (i, point) in point_files.into_iter().enumerate() {
        files.extend_under(&format!("point-{i}"), point);
    }
    Rendered { files, ranking, notes, points, replications }
}
