//! report.txt: the run Summary as text.

use crate::analysis::Summary;
use crate::metrics::Estimate;
use crate::report::common::description_line;

/// The text report; `render` appends the notes of charts it could not draw. A run without
/// CPU limits (`unlimited_cpu`) says so before any figure.
/// `warmup_suggestion`: MSER-5's line (`analysis::mser`), printed after the tier table.
pub fn report_text(s: &Summary, unlimited_cpu: bool, warmup_suggestion: Option<&str>) -> Vec<u8> {
    let h = &s.header;
    let mut out = format!(
        "cwsim {} — scenario {} (Clearwater), load {} with {} subscribers, seed {}, {} replication(s), {:.0} s measured\n\n",
        h.cwsim_version, h.scenario, s.load.profile, s.load.subscribers, h.seed, h.replications, s.load.measured_s
    );
    if !h.description.is_empty() {
        out.insert_str(out.len() - 1, &description_line(h));
    }
    if unlimited_cpu {
        out.push_str(&format!("WARNING: {}\n\n", super::charts::UNLIMITED_CPU_WARNING));
    }
    out.push_str("tier        nodes cores  cpu mean   cpu p95   cpu max   scale-up rule (avg CPU ≥ 60%)\n");
    for (name, t) in &s.tiers {
        let ci = t.cpu_mean_ci95.map(|c| format!("±{:.1}", c * 100.0)).unwrap_or_default();
        let advice = if s.scale_up.iter().any(|a| a.tier == *name) {
            "scale up (cwsim plan finds how far)".to_string()
        } else {
            "ok".to_string()
        };
        out.push_str(&format!(
            "{name:<11} {:>5} {:>5} {:>6.1}%{ci:<5} {:>7.1}%  {:>7.1}%   {advice}\n",
            t.nodes,
            t.cores,
            t.cpu_mean * 100.0,
            t.cpu_p95 * 100.0,
            t.cpu_max * 100.0
        ));
    }
    if let Some(w) = warmup_suggestion {
        out.push_str(&format!("{w}\n"));
    }
    out.push_str("\nrequest          started      ok  failed   mean ms    p50     p95     p99     max\n");
    for (name, l) in &s.latency_ms {
        let r = &s.requests[name];
        if r.started == 0 {
            continue;
        }
        out.push_str(&format!(
            "{name:<16} {:>7} {:>7} {:>7} {:>9.2} {:>7.1} {:>7.1} {:>7.1} {:>7.1}\n",
            r.started, r.ok, r.failed, l.mean, l.p50, l.p95, l.p99, l.max
        ));
    }
    let (m, io) = (&s.sprout_message_latency_ms, &s.sprout_message_latency_with_io_ms);
    let fed = |era: &str| if s.load_monitor_latency == era { " <- the LoadMonitor's" } else { "" };
    out.push_str(&format!(
        "\nSprout latency per message: excluding blocking I/O mean {:.2} ms, p99 {:.2} ms{}\n\
         {:>28}including blocking I/O mean {:.2} ms, p99 {:.2} ms{}\n",
        m.mean,
        m.p99,
        fed("without_io"),
        "",
        io.mean,
        io.p99,
        fed("with_io")
    ));
    let g = &s.goodput;
    out.push_str(&format!(
        "goodput: {:.2} call setups/s of {:.2} offered; {:.2} registrations/s of {:.2} offered\n",
        g.call_setups_per_s.mean,
        g.offered_calls_per_s.mean,
        g.registrations_per_s.mean,
        g.offered_registrations_per_s.mean
    ));
    for (tier, t) in &s.throttling {
        let rejected: u64 = t.rejected_by_method.values().sum();
        if rejected > 0 || t.penalties > 0 {
            let detail: Vec<String> =
                t.rejected_by_method.iter().filter(|(_, n)| **n > 0).map(|(m, n)| format!("{m} {n}")).collect();
            out.push_str(&format!(
                "throttling ({}) at {tier}: {rejected} rejected ({}), {} penalties, token rate {:.0}/s mean (cv {:.2})\n",
                t.profile,
                detail.join(", "),
                t.penalties,
                t.token_rate_mean,
                t.token_rate_cv
            ));
        }
    }
    if let Some(b) = &s.billing {
        let n = |k: &str| b.counts.get(k).copied().unwrap_or(0);
        out.push_str(&format!(
            "billing (Ralf): ACRs/s start {:.2}, interim {:.2}, stop {:.2}; {} answered by the CDF, {} lost, {} \
             refused by Ralf, {} ignored (no session); {} sessions stored, {} interim timers\n",
            b.acrs_per_s["start"].mean,
            b.acrs_per_s["interim"].mean,
            b.acrs_per_s["stop"].mean,
            n("cdf_answers"),
            n("acr_lost"),
            n("acr_rejected"),
            n("acr_ignored"),
            n("sessions_stored"),
            n("interim_timers")
        ));
    }
    let failed: u64 = s.failures.values().flat_map(|f| f.values()).sum();
    if failed > 0 {
        out.push_str("failures by cause:");
        for (name, f) in &s.failures {
            for (cause, n) in f {
                if *n > 0 {
                    out.push_str(&format!(" {name}.{cause}={n}"));
                }
            }
        }
        out.push('\n');
    }
    if let Some(o) = &s.outage {
        let ci = |e: &Estimate| e.ci95.map(|h| format!(" ± {h:.3}")).unwrap_or_default();
        out.push_str(&format!(
            "\noutage per subscriber (from the first fault): mean {:.2} s{}; affected {:.2}%{}; \
             ≥ 250 s: {:.2}%\n  affected subscribers: mean {:.1} s, p50 {:.1} s, p95 {:.1} s, max {:.1} s{}\n",
            o.mean_s.mean + 0.0,
            ci(&o.mean_s),
            o.fraction_affected.mean * 100.0,
            o.fraction_affected.ci95.map(|h| format!(" ± {:.2}", h * 100.0)).unwrap_or_default(),
            o.fraction_at_least_s["250"].mean * 100.0,
            o.affected.mean_s.mean,
            o.affected.p50_s,
            o.affected.p95_s,
            o.affected.max_s,
            if o.open_at_end > 0 { format!(" ({} still open at the end)", o.open_at_end) } else { String::new() }
        ));
        if let Some(a) = &o.analytic_estimate {
            out.push_str(&format!(
                "  the documentation's estimate for these parameters (unlimited capacity, DNS drops a dead site at \
                 once): mean {:.2} s, {:.1}% affected, {:.1}% with a long outage\n",
                a.mean_s,
                a.fraction_affected * 100.0,
                a.fraction_long * 100.0
            ));
        }
        if let Some(why) = &o.analytic_estimate_not_applicable {
            out.push_str(&format!("  the documentation's estimate does not apply: {why}\n"));
        }
        let f = &o.after_fault;
        out.push_str(&format!(
            "  after the fault: {} registrations rejected (503), {} timed out, {} refused; busiest surviving Sprout: \
             {:.0}% CPU, {} queued\n",
            f.register_rejected_503,
            f.register_timeouts,
            f.register_transport_errors,
            f.surviving_sprout_cpu_max * 100.0,
            f.surviving_sprout_queue_max
        ));
    }
    out.push_str(&format!(
        "registrations (stateful statistic) at end: {:.0} of {} subscribers\n",
        s.registrations.statistic_end.mean, s.registrations.subscribers
    ));
    out.push_str(&format!("fingerprint {}\n", h.fingerprint));
    out.into_bytes()
}
