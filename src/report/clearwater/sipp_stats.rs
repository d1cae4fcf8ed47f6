//! SIPp's own statistics files for a SIPp load (`output.sipp_stats`), one set per replication:
//! `sipp_stats.csv` in SIPp's `-trace_stat` format (semicolon-separated, the header SIPp
//! writes for the scenario's response-time measures and repartition tables, a row at the
//! start and one every sample interval with periodic (P) and cumulative (C) values, SIPp's
//! time formats [src sipp: stat.cpp]) and `sipp_rtt.csv` like `-trace_rtt`. A second source
//! writes `sipp_stats_1.csv`, `sipp_rtt_1.csv`, and so on. Simulated time 0 is written as
//! the Unix epoch, so the files are the same on every machine.

use std::fmt::Write as _;

use crate::model::clearwater::{ClearwaterResult, SippCounts, SippFailure};
use crate::model::clearwater::{SippTiming, SippTotals};
use crate::scenario::sipp_load::SippSource;
use crate::scenario::Load;
use crate::scenario::Scenario;

/// SIPp's failure columns, in its order, with the cwsim failure each one counts (if any).
const FAILURES: [(&str, Option<SippFailure>); 17] = [
    ("FailedCannotSendMessage", None),
    ("FailedMaxUDPRetrans", Some(SippFailure::MaxUdpRetrans)),
    ("FailedTcpConnect", Some(SippFailure::TcpConnect)),
    ("FailedTcpClosed", None),
    ("FailedUnexpectedMessage", Some(SippFailure::UnexpectedMessage)),
    ("FailedCallRejected", None),
    ("FailedCmdNotSent", None),
    ("FailedRegexpDoesntMatch", Some(SippFailure::RegexpDoesntMatch)),
    ("FailedRegexpShouldntMatch", Some(SippFailure::RegexpShouldntMatch)),
    ("FailedRegexpHdrNotFound", Some(SippFailure::RegexpHdrNotFound)),
    ("FailedOutboundCongestion", Some(SippFailure::OutboundCongestion)),
    ("FailedTimeoutOnRecv", Some(SippFailure::TimeoutOnRecv)),
    ("FailedTimeoutOnSend", Some(SippFailure::TimeoutOnSend)),
    ("FailedTestDoesntMatch", Some(SippFailure::TestDoesntMatch)),
    ("FailedTestShouldntMatch", Some(SippFailure::TestShouldntMatch)),
    ("FailedStrcmpDoesntMatch", Some(SippFailure::StrcmpDoesntMatch)),
    ("FailedStrcmpShouldntMatch", Some(SippFailure::StrcmpShouldntMatch)),
];

/// Counters SIPp writes after the failures: `Retransmissions` is counted, the others a
/// simulation never increments.
const OTHER_COUNTERS: [&str; 8] = [
    "OutOfCallMsgs",
    "DeadCallMsgs",
    "Retransmissions",
    "AutoAnswered",
    "Warnings",
    "FatalErrors",
    "WatchdogMajor",
    "WatchdogMinor",
];

/// The header SIPp writes for `src`'s scenario.
pub fn header(src: &SippSource) -> String {
    let script = &src.script;
    let mut h = String::from(
        "StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);\
         IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;\
         SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);",
    );
    for (name, _) in FAILURES {
        let _ = write!(h, "{name}(P);{name}(C);");
    }
    for name in OTHER_COUNTERS {
        let _ = write!(h, "{name}(P);{name}(C);");
    }
    for rtd in &script.rtds {
        let _ =
            write!(h, "ResponseTime{rtd}(P);ResponseTime{rtd}(C);ResponseTime{rtd}StDev(P);ResponseTime{rtd}StDev(C);");
    }
    h.push_str("CallLength(P);CallLength(C);CallLengthStDev(P);CallLengthStDev(C);");
    for rtd in &script.rtds {
        let _ = write!(h, "ResponseTimeRepartition{rtd};");
        for b in &script.response_time_repartition {
            let _ = write!(h, "ResponseTimeRepartition{rtd}_<{b};");
        }
        if let Some(last) = script.response_time_repartition.last() {
            let _ = write!(h, "ResponseTimeRepartition{rtd}_>={last};");
        }
    }
    h.push_str("CallLengthRepartition;");
    for b in &script.call_length_repartition {
        let _ = write!(h, "CallLengthRepartition_<{b};");
    }
    if let Some(last) = script.call_length_repartition.last() {
        let _ = write!(h, "CallLengthRepartition_>={last};");
    }
    h.push('\n');
    h
}

/// Days since the epoch to a civil date (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// SIPp's date: `YYYY-MM-DD<TAB>HH:MM:SS.uuuuuu<TAB>seconds.uuuuuu`.
pub fn date(ns: u64) -> String {
    let us = ns / 1_000;
    let (secs, micros) = (us / 1_000_000, us % 1_000_000);
    let (y, m, d) = civil((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}\t{:02}:{:02}:{:02}.{micros:06}\t{secs}.{micros:06}", s / 3600, s / 60 % 60, s % 60)
}

/// SIPp's elapsed time: `HH:MM:SS`.
pub fn hms(ns: u64) -> String {
    let s = ns / 1_000_000_000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// SIPp's response-time format: `HH:MM:SS:uuuuuu`.
pub fn hms_us(ns: f64) -> String {
    let us = (ns / 1e3).round().max(0.0) as u64;
    let s = us / 1_000_000;
    format!("{:02}:{:02}:{:02}:{:06}", s / 3600, s / 60 % 60, s % 60, us % 1_000_000)
}

/// A number as C++ streams print it by default: 6 significant digits, no trailing zeros.
pub fn g6(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let digits = 6 - 1 - x.abs().log10().floor() as i32;
    let text = format!("{:.*}", digits.max(0) as usize, x);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn row(out: &mut String, src: &SippSource, t: (u64, u64), now: &SippTotals, last: &SippTotals) {
    let (at, last_at) = t;
    let (p_s, c_s) = ((at - last_at) as f64 / 1e9, at as f64 / 1e9);
    let rate = |n: u64, s: f64| if s > 0.0 { g6(n as f64 / s) } else { "0".into() };
    let created_p = now.created - last.created;
    let failed = |t: &SippTotals| t.failed.iter().sum::<u64>();
    let _ = write!(
        out,
        "{};{};{};{};{};{};{};{};0;0;{created_p};{};{};{};{};{};{};{};",
        date(0),
        date(last_at),
        date(at),
        hms(at - last_at),
        hms(at),
        g6(src.rate),
        rate(created_p, p_s),
        rate(now.created, c_s),
        now.created,
        now.created,
        now.live,
        now.successful - last.successful,
        now.successful,
        failed(now) - failed(last),
        failed(now),
    );
    for (_, f) in FAILURES {
        let (p, c) = f.map_or((0, 0), |f| (now.failed[f as usize] - last.failed[f as usize], now.failed[f as usize]));
        let _ = write!(out, "{p};{c};");
    }
    for name in OTHER_COUNTERS {
        if name == "Retransmissions" {
            let _ = write!(out, "{};{};", now.retransmissions - last.retransmissions, now.retransmissions);
        } else {
            out.push_str("0;0;");
        }
    }
    let timing = |out: &mut String, now: &SippTiming, last: &SippTiming| {
        let p = now.since(last);
        let _ = write!(
            out,
            "{};{};{};{};",
            hms_us(p.mean_ns()),
            hms_us(now.mean_ns()),
            hms_us(p.stdev_ns()),
            hms_us(now.stdev_ns())
        );
    };
    for (i, t) in now.rtd.iter().enumerate() {
        timing(out, t, &last.rtd[i]);
    }
    timing(out, &now.call_length, &last.call_length);
    for bins in &now.rtd_bins {
        out.push(';');
        if !src.script.response_time_repartition.is_empty() {
            for b in bins {
                let _ = write!(out, "{b};");
            }
        }
    }
    out.push(';');
    if !src.script.call_length_repartition.is_empty() {
        for b in &now.call_length_bins {
            let _ = write!(out, "{b};");
        }
    }
    out.push('\n');
}

/// `sipp_stats.csv` of one source.
pub fn stats_csv(src: &SippSource, counts: &SippCounts) -> String {
    let mut out = header(src);
    let zero = SippTotals {
        rtd: vec![Default::default(); counts.totals.rtd.len()],
        rtd_bins: counts.totals.rtd_bins.iter().map(|b| vec![0; b.len()]).collect(),
        call_length_bins: vec![0; counts.totals.call_length_bins.len()],
        ..SippTotals::default()
    };
    row(&mut out, src, (0, 0), &zero, &zero);
    let mut last = (0u64, &zero);
    for (at, totals) in &counts.samples {
        row(&mut out, src, (at.as_ns(), last.0), totals, last.1);
        last = (at.as_ns(), totals);
    }
    out
}

/// `sipp_rtt.csv` of one source: every response time, as `-trace_rtt` writes them.
pub fn rtt_csv(src: &SippSource, counts: &SippCounts) -> String {
    let mut out = String::from("Date_ms;response_time_ms;rtd_no\n");
    for (at, took, rtd) in &counts.rtt {
        let name = src.script.rtds.get(*rtd as usize).map_or("", String::as_str);
        let _ = writeln!(out, "{};{};{name}", g6(at.as_ns() as f64 / 1e6), g6(*took as f64 / 1e6));
    }
    out
}

/// The files, named by source and replication. A replication is one SIPp run: replication 0
/// writes `sipp_stats.csv` (source 0) and `sipp_stats_1.csv`, … (sources 1, …); replication
/// r > 0 writes the same names with `.rep<r>` before `.csv`, so each file stays one
/// instance's statistics, comparable column for column with one lab run.
pub fn files(s: &Scenario, results: &[ClearwaterResult]) -> Vec<(String, String)> {
    let Load::Sipp(load) = &s.load else { return Vec::new() };
    let mut out = Vec::new();
    for r in results {
        let rep = if r.replication == 0 { String::new() } else { format!(".rep{}", r.replication) };
        for (i, (src, counts)) in load.sources.iter().zip(&r.sipp).enumerate() {
            let suffix = if i == 0 { String::new() } else { format!("_{i}") };
            out.push((format!("sipp_stats{suffix}{rep}.csv"), stats_csv(src, counts)));
            out.push((format!("sipp_rtt{suffix}{rep}.csv"), rtt_csv(src, counts)));
        }
    }
    out
}
