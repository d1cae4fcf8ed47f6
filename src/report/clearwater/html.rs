//! report.html of a Clearwater run: the Summary's tables (tiers, requests, goodput,
//! failures, throttling, outage) as HTML tables, the charts inline, and report.txt itself
//! at the end so nothing it says (notes, SIPp counters, the warm-up suggestion) is lost.

use crate::analysis::Summary;
use crate::metrics::Estimate;
use crate::report::html::Page;
use crate::report::OutputFiles;

/// `v` to `d` places with its 95% half-width when there is one.
fn pm(v: f64, ci: Option<f64>, d: usize) -> String {
    match ci {
        Some(h) => format!("{v:.d$} ± {h:.d$}"),
        None => format!("{v:.d$}"),
    }
}

fn est(e: &Estimate, scale: f64, d: usize) -> String {
    pm(e.mean * scale, e.ci95.map(|h| h * scale), d)
}

/// The page, from the summary, the files rendered so far (charts) and report.txt.
pub fn page(s: &Summary, unlimited_cpu: bool, files: &OutputFiles, report_txt: &[u8]) -> Vec<u8> {
    let h = &s.header;
    let mut p = Page::new(format!("cwsim — scenario {} (Clearwater)", h.scenario));
    if !h.description.is_empty() {
        p.paragraph(h.description.clone());
    }
    p.paragraph(format!(
        "load {} with {} subscribers, seed {}, {} replication(s), {:.0} s measured after a {:.0} s warm-up; \
         fingerprint {}. Figures after ± are 95% confidence half-widths over replications.",
        s.load.profile, s.load.subscribers, h.seed, h.replications, s.load.measured_s, h.warmup_s, h.fingerprint
    ));
    if unlimited_cpu {
        p.warning(format!("WARNING: {}", super::charts::UNLIMITED_CPU_WARNING));
    }
    p.heading("CPU per tier");
    let rows = s
        .tiers
        .iter()
        .map(|(name, t)| {
            let advice = if s.scale_up.iter().any(|a| a.tier == *name) { "scale up" } else { "ok" };
            vec![
                name.to_string(),
                t.nodes.to_string(),
                t.cores.to_string(),
                pm(t.cpu_mean * 100.0, t.cpu_mean_ci95.map(|c| c * 100.0), 1),
                format!("{:.1}", t.cpu_p95 * 100.0),
                format!("{:.1}", t.cpu_max * 100.0),
                advice.to_string(),
            ]
        })
        .collect();
    p.table(&["tier", "nodes", "cores", "cpu mean %", "cpu p95 %", "cpu max %", "scale-up rule (avg CPU ≥ 60%)"], rows);
    p.heading("Requests");
    let rows = s
        .latency_ms
        .iter()
        .filter(|(name, _)| s.requests[*name].started > 0)
        .map(|(name, l)| {
            let r = &s.requests[name];
            let mut row = vec![name.to_string(), r.started.to_string(), r.ok.to_string(), r.failed.to_string()];
            row.push(pm(l.mean, l.mean_ci95, 2));
            row.extend([l.p50, l.p95, l.p99, l.max].map(|v| format!("{v:.1}")));
            row
        })
        .collect();
    p.table(&["request", "started", "ok", "failed", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows);
    let g = &s.goodput;
    p.heading("Goodput");
    p.table(
        &["per second", "offered", "completed"],
        vec![
            vec!["call setups".into(), est(&g.offered_calls_per_s, 1.0, 2), est(&g.call_setups_per_s, 1.0, 2)],
            vec![
                "registrations".into(),
                est(&g.offered_registrations_per_s, 1.0, 2),
                est(&g.registrations_per_s, 1.0, 2),
            ],
        ],
    );
    let failures: Vec<Vec<String>> = s
        .failures
        .iter()
        .flat_map(|(name, f)| {
            f.iter().filter(|(_, n)| **n > 0).map(move |(c, n)| vec![name.to_string(), c.to_string(), n.to_string()])
        })
        .collect();
    if !failures.is_empty() {
        p.heading("Failures by cause");
        p.table(&["request", "cause", "count"], failures);
    }
    let throttled: Vec<Vec<String>> = s
        .throttling
        .iter()
        .filter(|(_, t)| t.penalties > 0 || t.rejected_by_method.values().any(|n| *n > 0))
        .map(|(tier, t)| {
            let rejected: u64 = t.rejected_by_method.values().sum();
            vec![
                tier.to_string(),
                t.profile.to_string(),
                rejected.to_string(),
                t.penalties.to_string(),
                format!("{:.0}", t.token_rate_mean),
                format!("{:.2}", t.token_rate_cv),
            ]
        })
        .collect();
    if !throttled.is_empty() {
        p.heading("Throttling");
        p.table(&["tier", "profile", "rejected", "penalties", "token rate /s", "token rate cv"], throttled);
    }
    if let Some(o) = &s.outage {
        p.heading("Outage per subscriber (from the first fault)");
        // The documentation's estimate beside each figure it gives (site failures only).
        let a = o.analytic_estimate.as_ref();
        let doc =
            |f: fn(&crate::analysis::outage::Analytic) -> f64| a.map_or("-".to_string(), |a| format!("{:.2}", f(a)));
        let rows = vec![
            vec!["mean over all subscribers (s)".into(), est(&o.mean_s, 1.0, 2), doc(|a| a.mean_s)],
            vec!["affected (%)".into(), est(&o.fraction_affected, 100.0, 2), doc(|a| a.fraction_affected * 100.0)],
            // The estimate's long outage (the retry back-off, or the wait for the next
            // re-registration) is measured as ≥ 250 s, as tests/it/gr.rs does.
            vec![
                "out ≥ 250 s (%)".into(),
                est(&o.fraction_at_least_s["250"], 100.0, 2),
                doc(|a| a.fraction_long * 100.0),
            ],
            vec!["mean of the affected (s)".into(), est(&o.affected.mean_s, 1.0, 1), doc(|a| a.affected_mean_s)],
            vec!["p95 of the affected (s)".into(), format!("{:.1}", o.affected.p95_s), "-".into()],
            vec!["max of the affected (s)".into(), format!("{:.1}", o.affected.max_s), "-".into()],
        ];
        p.table(&["figure", "measured", "the documentation's estimate"], rows);
        if let Some(why) = &o.analytic_estimate_not_applicable {
            p.paragraph(format!("The documentation's estimate does not apply: {why}"));
        }
    }
    p.figures(files);
    p.heading("report.txt");
    p.pre(String::from_utf8_lossy(report_txt).into_owned());
    p.render()
}
