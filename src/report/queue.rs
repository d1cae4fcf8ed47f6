//! Outputs of the `queue` model: summary.json, timeseries.csv, latency.csv, report.txt,
//! report.html.

use serde::Serialize;

use super::common::{description_line, json_bytes, latency_csv, Percentiles};
use super::files::OutputFiles;
use crate::analysis::RunHeader;
use crate::engine::{Dist, Fingerprint};
use crate::metrics::theory::{mmc, MmcTheory};
use crate::metrics::{estimate, Estimate, LatencyHistogram};
use crate::model::queue::QueueResult;
use crate::scenario::{Load, Scenario};

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    header: RunHeader,
    queue: Setup,
    results: Results,
    /// Erlang C values, present when arrivals and service are both exponential.
    #[serde(skip_serializing_if = "Option::is_none")]
    theory_mmc: Option<Theory>,
}

#[derive(Serialize)]
struct Setup {
    servers: u32,
    arrival_rate_per_s: f64,
    service: String,
    offered_load_erlangs: f64,
}

/// Means over replications with 95% confidence half-widths; quantiles of the pooled
/// histograms.
#[derive(Serialize)]
struct Results {
    arrivals: Estimate,
    completions: Estimate,
    utilisation: Estimate,
    p_wait: Estimate,
    mean_in_system: Estimate,
    mean_queued: Estimate,
    wait_s: Estimate,
    sojourn_s: Estimate,
    wait_ms: Percentiles,
    sojourn_ms: Percentiles,
}

#[derive(Serialize)]
struct Theory {
    utilisation: f64,
    p_wait: f64,
    wait_s: f64,
    sojourn_s: f64,
    mean_in_system: f64,
    mean_queued: f64,
}

impl From<MmcTheory> for Theory {
    fn from(t: MmcTheory) -> Self {
        Theory {
            utilisation: t.utilisation,
            p_wait: t.p_wait,
            wait_s: t.wq,
            sojourn_s: t.w,
            mean_in_system: t.l,
            mean_queued: t.lq,
        }
    }
}

fn arrival_rate(s: &Scenario) -> f64 {
    match &s.load {
        Load::Poisson { rate, .. } => rate.as_per_second(),
        _ => 0.0,
    }
}

fn theory(s: &Scenario) -> Option<Theory> {
    let q = s.queue.as_ref()?;
    match q.service {
        Dist::Exp { mean_ns } => mmc(arrival_rate(s), 1e9 / mean_ns, q.servers).map(Theory::from),
        _ => None,
    }
}

fn pooled(results: &[QueueResult], pick: fn(&QueueResult) -> &LatencyHistogram) -> LatencyHistogram {
    let mut h = LatencyHistogram::new();
    for r in results {
        h.merge(pick(r));
    }
    h
}

/// Renders every output file of a finished `queue` run.
pub fn render(s: &Scenario, results: &[QueueResult]) -> OutputFiles {
    let q = s.queue.as_ref().expect("queue scenario");
    let per = |f: fn(&QueueResult) -> f64| estimate(&results.iter().map(f).collect::<Vec<_>>());
    let wait = pooled(results, |r| &r.wait);
    let sojourn = pooled(results, |r| &r.sojourn);
    let fingerprints: Vec<Fingerprint> = results.iter().map(|r| r.fingerprint).collect();
    let summary = Summary {
        header: RunHeader::new(s, "queue", &fingerprints, results.iter().map(|r| r.events).sum()),
        queue: Setup {
            servers: q.servers,
            arrival_rate_per_s: arrival_rate(s),
            service: q.service.to_string(),
            offered_load_erlangs: arrival_rate(s) * q.service.mean_ns() / 1e9,
        },
        results: Results {
            arrivals: per(|r| r.arrivals as f64),
            completions: per(|r| r.completions as f64),
            utilisation: per(|r| r.utilisation),
            p_wait: per(|r| r.p_wait()),
            mean_in_system: per(|r| r.mean_in_system),
            mean_queued: per(|r| r.mean_queued),
            wait_s: per(|r| r.wait.mean_ns() / 1e9),
            sojourn_s: per(|r| r.sojourn.mean_ns() / 1e9),
            wait_ms: Percentiles::of_ms(&wait),
            sojourn_ms: Percentiles::of_ms(&sojourn),
        },
        theory_mmc: theory(s),
    };
    let mut files = OutputFiles::default();
    files.add("summary.json", json_bytes(&summary));
    if s.output.timeseries {
        files.add("timeseries.csv", timeseries_csv(results));
    }
    files.add("latency.csv", latency_csv([("wait", &wait), ("sojourn", &sojourn)]));
    let mut notes = Vec::new();
    if s.output.plots {
        use super::plots::{add, Chart, Series};
        if let Some(r) = results.first() {
            let points = r.samples.iter().map(|x| (x.time.as_secs_f64(), x.in_system as f64)).collect();
            let chart = Chart {
                title: format!("{}: jobs in the system (replication 0)", s.name),
                x_label: "time (s)".into(),
                y_label: "jobs".into(),
                series: vec![Series::new("in system", points)],
                ..Chart::default()
            };
            add(&mut files, "in_system", &chart, &mut notes);
        }
        let points = crate::report::clearwater::latency_quantiles()
            .iter()
            .map(|&q| (1.0 / (1.0 - q), sojourn.quantile_us(q) as f64 / 1e3))
            .collect();
        let chart = Chart {
            title: format!("{}: sojourn time by percentile", s.name),
            x_label: "percentile".into(),
            y_label: "sojourn (ms)".into(),
            series: vec![Series::new("sojourn", points)],
            x_axis: super::plots::XAxis::Percentile,
            ..Chart::default()
        };
        add(&mut files, "sojourn", &chart, &mut notes);
    }
    let mut report = report_text(&summary);
    for n in notes {
        report.extend_from_slice(format!("note: {n}\n").as_bytes());
    }
    let html = report_html(&summary, &files, &report);
    files.add("report.txt", report);
    files.add("report.html", html);
    files
}

pub const TIMESERIES_COLUMNS: &str = "replication,time_s,arrivals,completions,in_system,queued,busy,utilisation";

fn timeseries_csv(results: &[QueueResult]) -> Vec<u8> {
    let mut out = String::from(TIMESERIES_COLUMNS);
    out.push('\n');
    for r in results {
        for x in &r.samples {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{:.6}\n",
                r.replication,
                x.time.as_secs_f64(),
                x.arrivals,
                x.completions,
                x.in_system,
                x.queued,
                x.busy,
                x.utilisation
            ));
        }
    }
    out.into_bytes()
}

/// The measures both reports list: name, simulated estimate, Erlang C value.
fn measures(s: &Summary) -> [(&'static str, &Estimate, Option<f64>); 6] {
    let (r, th) = (&s.results, s.theory_mmc.as_ref());
    [
        ("utilisation", &r.utilisation, th.map(|t| t.utilisation)),
        ("P(wait)", &r.p_wait, th.map(|t| t.p_wait)),
        ("mean wait (s)", &r.wait_s, th.map(|t| t.wait_s)),
        ("mean sojourn (s)", &r.sojourn_s, th.map(|t| t.sojourn_s)),
        ("mean in system", &r.mean_in_system, th.map(|t| t.mean_in_system)),
        ("mean queued", &r.mean_queued, th.map(|t| t.mean_queued)),
    ]
}

/// report.html: the measures against Erlang C, the sojourn percentiles, the charts.
fn report_html(s: &Summary, files: &OutputFiles, report_txt: &[u8]) -> Vec<u8> {
    let mut p = super::html::Page::new(format!("cwsim — scenario {} (queue model)", s.header.scenario));
    let first =
        String::from_utf8_lossy(report_txt).lines().skip(1).take_while(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    p.paragraph(first);
    p.paragraph(format!(
        "seed {}, {} replication(s); fingerprint {}. Figures after ± are 95% confidence half-widths.",
        s.header.seed, s.header.replications, s.header.fingerprint
    ));
    let rows = measures(s)
        .iter()
        .map(|(name, e, t)| {
            let sim = e.ci95.map_or_else(|| format!("{:.4}", e.mean), |h| format!("{:.4} ± {h:.4}", e.mean));
            vec![name.to_string(), sim, t.map_or_else(|| "-".into(), |v| format!("{v:.4}"))]
        })
        .collect();
    p.table(&["measure", "simulated (95% CI)", "M/M/c theory"], rows);
    let q = &s.results.sojourn_ms;
    p.table(
        &["sojourn (ms, pooled)", "p50", "p95", "p99", "max"],
        vec![vec!["".into(), q.p50.to_string(), q.p95.to_string(), q.p99.to_string(), q.max.to_string()]],
    );
    p.figures(files);
    p.heading("report.txt");
    p.pre(String::from_utf8_lossy(report_txt).into_owned());
    p.render()
}

fn report_text(s: &Summary) -> Vec<u8> {
    let r = &s.results;
    let ci = |e: &Estimate| e.ci95.map(|h| format!(" ± {h:.4}")).unwrap_or_default();
    let mut out = format!(
        "cwsim {} — scenario {} (queue model), seed {}, {} replication(s)\n\
         M/{}/{}: λ = {}/s, service {}, offered load {:.3} Erlang\n\n",
        s.header.cwsim_version,
        s.header.scenario,
        s.header.seed,
        s.header.replications,
        if s.theory_mmc.is_some() { "M" } else { "G" },
        s.queue.servers,
        s.queue.arrival_rate_per_s,
        s.queue.service,
        s.queue.offered_load_erlangs
    );
    if !s.header.description.is_empty() {
        out.insert_str(out.len() - 1, &description_line(&s.header));
    }
    out.push_str(&format!("{:<22} {:>22} {:>12}\n", "measure", "simulated (95% CI)", "M/M/c theory"));
    for (name, e, t) in measures(s) {
        let t = t.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into());
        out.push_str(&format!("{name:<22} {:>22} {t:>12}\n", format!("{:.4}{}", e.mean, ci(e))));
    }
    out.push_str(&format!(
        "\nsojourn percentiles (ms, pooled): p50 {} p95 {} p99 {} max {}\n",
        r.sojourn_ms.p50, r.sojourn_ms.p95, r.sojourn_ms.p99, r.sojourn_ms.max
    ));
    out.push_str(&format!("fingerprint {}\n", s.header.fingerprint));
    out.into_bytes()
}
