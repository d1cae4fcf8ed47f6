//! Outputs of the Clearwater model: summary.json, timeseries.csv, latency.csv, report.txt,
//! report.html.
//! The columns and keys are a contract (README.md, "Outputs"); change them only together
//! with the documentation.

mod charts;
mod csv;
mod html;
mod sipp;
pub mod sipp_stats;
mod text;

pub use charts::latency_quantiles;
pub use csv::{OUTAGES_COLUMNS, REQUESTS_COLUMNS, TIMESERIES_COLUMNS};

use super::common::{json_bytes, latency_csv};
use super::files::OutputFiles;
use crate::analysis::latency::pooled_metrics;
use crate::analysis::outage::outage_faults;
use crate::analysis::summarise;
use crate::model::clearwater::ClearwaterResult;
use crate::scenario::Scenario;
use charts::charts;
use csv::{outages_csv, requests_csv, timeseries_csv};
use text::report_text;

/// Every output file of a Clearwater run, from its replications' results.
pub fn render(s: &Scenario, results: &[ClearwaterResult]) -> OutputFiles {
    let summary = summarise(s, results);
    let mut files = OutputFiles::default();
    files.add("summary.json", json_bytes(&summary));
    if s.output.timeseries {
        files.add("timeseries.csv", timeseries_csv(results));
    }
    let pooled = pooled_metrics(results);
    files.add("latency.csv", latency_csv(pooled.iter().map(|(n, h)| (*n, h))));
    if s.output.timeseries {
        files.add("requests.csv", requests_csv(results));
    }
    if outage_faults(s) {
        files.add("outages.csv", outages_csv(s, results));
    }
    let mut notes = Vec::new();
    if s.output.plots {
        for (name, chart) in charts(s, results) {
            crate::report::plots::add(&mut files, name, &chart, &mut notes);
        }
    }
    let mut report = report_text(
        &summary,
        s.simulation.unlimited_cpu,
        crate::analysis::mser::warmup_suggestion(s, results).as_deref(),
    );
    for n in notes {
        report.extend_from_slice(format!("note: {n}\n").as_bytes());
    }
    report.extend_from_slice(sipp::report_text(s, results).as_bytes());
    if s.output.sipp_stats {
        for (name, text) in sipp_stats::files(s, results) {
            files.add(name, text);
        }
    }
    let html = html::page(&summary, s.simulation.unlimited_cpu, &files, &report);
    files.add("report.txt", report);
    files.add("report.html", html);
    files
}
