//! The SIPp section at the end of report.txt: per source, SIPp's call counters and its
//! screen's per-step counters (messages, timeouts, unexpected messages), summed over the
//! replications.

use std::fmt::Write as _;

use crate::model::clearwater::{ClearwaterResult, SippFailure};
use crate::scenario::{Load, Scenario};
use crate::sipp::script::StepKind;

pub fn report_text(s: &Scenario, results: &[ClearwaterResult]) -> String {
    let Load::Sipp(load) = &s.load else { return String::new() };
    let mut out = String::new();
    let reps = results.len();
    for (i, src) in load.sources.iter().enumerate() {
        let sum = |f: &dyn Fn(&crate::model::clearwater::SippCounts) -> u64| -> u64 {
            results.iter().filter_map(|r| r.sipp.get(i)).map(f).sum()
        };
        let _ = writeln!(
            out,
            "\nSIPp source {i}: {} (\"{}\"), whole run, {reps} replication(s) summed",
            src.scenario, src.script.name
        );
        let failed: u64 = SippFailure::ALL.iter().map(|f| sum(&|c| c.totals.failed[*f as usize])).sum();
        let _ = writeln!(
            out,
            "  calls created {}  successful {}  failed {}  not started (limit) {}",
            sum(&|c| c.totals.created),
            sum(&|c| c.totals.successful),
            failed,
            sum(&|c| c.refused_by_limit)
        );
        for f in SippFailure::ALL {
            let n = sum(&|c| c.totals.failed[f as usize]);
            if n > 0 {
                let _ = writeln!(out, "    {}  {n}", f.name());
            }
        }
        let _ =
            writeln!(out, "  {:>4}  {:<22} {:>10} {:>10} {:>10}", "line", "step", "messages", "timeouts", "unexpected");
        for (k, step) in src.script.steps.iter().enumerate() {
            let step_sum = |f: &dyn Fn(&crate::model::clearwater::SippStepCounts) -> u64| -> u64 {
                results.iter().filter_map(|r| r.sipp.get(i)).filter_map(|c| c.steps.get(k)).map(f).sum()
            };
            let label = match &step.kind {
                StepKind::Recv(r) if r.optional != crate::sipp::script::Optional::No => {
                    format!("{} (opt)", step.label())
                }
                _ => step.label(),
            };
            let _ = writeln!(
                out,
                "  {:>4}  {:<22} {:>10} {:>10} {:>10}",
                step.line,
                label,
                step_sum(&|c| c.passed),
                step_sum(&|c| c.timeouts),
                step_sum(&|c| c.unexpected)
            );
        }
        // Retransmissions and deliberate drops, only for the steps that had any (SIPp's
        // screen shows them in columns of their own when a scenario uses them).
        for (k, step) in src.script.steps.iter().enumerate() {
            let step_sum = |f: &dyn Fn(&crate::model::clearwater::SippStepCounts) -> u64| -> u64 {
                results.iter().filter_map(|r| r.sipp.get(i)).filter_map(|c| c.steps.get(k)).map(f).sum()
            };
            let (retrans, lost) = (step_sum(&|c| c.retrans), step_sum(&|c| c.lost));
            if retrans + lost > 0 {
                let _ =
                    writeln!(out, "  {:>4}  {:<22} retransmissions {retrans}  lost {lost}", step.line, step.label());
            }
        }
    }
    out
}
