//! What a deployment must meet: an average-CPU limit per tier (Clearwater's scale-up trigger
//! [doc 8.41]), optionally a 95th-percentile CPU limit, and service-level objectives on the
//! summary's figures (`invite_setup.p99<=200ms`, `failures<=0.1%`).

use std::fmt;

use serde::Serialize;

use crate::metrics::estimate::estimate;
use crate::model::clearwater::ReqType;
use crate::scenario::Tier;

/// A figure of one replication that a constraint limits.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Metric {
    /// A tier's mean CPU, 0–1.
    CpuMean(Tier),
    /// A tier's 95th-percentile CPU over its nodes' sample intervals, 0–1.
    CpuP95(Tier),
    /// A request type's latency statistic, ms.
    Latency(ReqType, Stat),
    /// Failed ÷ started requests, 0–1.
    Failures,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stat {
    Mean,
    P50,
    P95,
    P99,
    P999,
    Max,
}

impl Stat {
    const NAMES: [(&'static str, Stat); 6] = [
        ("mean", Stat::Mean),
        ("p50", Stat::P50),
        ("p95", Stat::P95),
        ("p99", Stat::P99),
        ("p999", Stat::P999),
        ("max", Stat::Max),
    ];

    fn name(self) -> &'static str {
        Stat::NAMES.iter().find(|(_, s)| *s == self).map_or("?", |(n, _)| n)
    }

    /// The quantile for a percentile statistic.
    pub fn quantile(self) -> Option<f64> {
        match self {
            Stat::P50 => Some(0.5),
            Stat::P95 => Some(0.95),
            Stat::P99 => Some(0.99),
            Stat::P999 => Some(0.999),
            Stat::Mean | Stat::Max => None,
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::CpuMean(t) => write!(f, "{} cpu mean", t.name()),
            Metric::CpuP95(t) => write!(f, "{} cpu p95", t.name()),
            Metric::Latency(r, s) => write!(f, "{}.{}", r.name(), s.name()),
            Metric::Failures => write!(f, "failures"),
        }
    }
}

/// `metric ≤ limit`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Constraint {
    pub metric: Metric,
    pub limit: f64,
}

impl Constraint {
    /// The limit as written in reports: percent for fractions, ms for latencies.
    pub fn limit_text(&self) -> String {
        match self.metric {
            Metric::Latency(..) => format!("{} ms", self.limit),
            _ => format!("{}%", self.limit * 100.0),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ≤ {}", self.metric, self.limit_text())
    }
}

/// A service-level objective as given to `--slo`: `TYPE.STAT<=DURATION` or `failures<=PCT%`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo(pub Constraint);

impl Slo {
    pub fn parse(text: &str) -> Result<Slo, String> {
        let (metric, limit) = text
            .split_once("<=")
            .ok_or_else(|| format!("expected METRIC<=VALUE (e.g. invite_setup.p99<=200ms), got \"{text}\""))?;
        let (metric, limit) = (metric.trim(), limit.trim());
        if metric == "failures" {
            let number = limit
                .strip_suffix('%')
                .ok_or_else(|| format!("failures takes a percentage, e.g. failures<=0.1%, got \"{limit}\""))?;
            let pct: f64 = number.trim().parse().map_err(|_| format!("bad percentage \"{limit}\""))?;
            if !(0.0..=100.0).contains(&pct) {
                return Err(format!("a percentage must be in [0, 100], got {pct}"));
            }
            return Ok(Slo(Constraint { metric: Metric::Failures, limit: pct / 100.0 }));
        }
        let types: Vec<&str> = ReqType::ALL.iter().map(|t| t.name()).collect();
        let stats: Vec<&str> = Stat::NAMES.iter().map(|(n, _)| *n).collect();
        let (kind, stat) = metric
            .split_once('.')
            .ok_or_else(|| format!("expected TYPE.STAT such as invite_setup.p99, got \"{metric}\""))?;
        let req = ReqType::ALL
            .iter()
            .copied()
            .find(|t| t.name() == kind)
            .ok_or_else(|| format!("unknown request type \"{kind}\"; one of {}", types.join(", ")))?;
        let stat = Stat::NAMES
            .iter()
            .find(|(n, _)| *n == stat)
            .map(|(_, s)| *s)
            .ok_or_else(|| format!("unknown statistic \"{stat}\"; one of {}", stats.join(", ")))?;
        let d = crate::scenario::units::parse_duration(limit)?;
        Ok(Slo(Constraint { metric: Metric::Latency(req, stat), limit: d.as_ms_f64() }))
    }
}

/// How a constraint fares over replications.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole 95% confidence interval is within the limit.
    Met,
    /// The whole interval is beyond it.
    Violated,
    /// The interval straddles the limit.
    Uncertain,
}

/// The mean, its 95% CI half-width (with ≥ 2 values) and the verdict against `limit`.
pub fn judge(values: &[f64], limit: f64) -> (f64, Option<f64>, Verdict) {
    let e = estimate(values);
    let half = e.ci95.unwrap_or(0.0);
    let verdict = if e.mean + half <= limit {
        Verdict::Met
    } else if e.mean - half > limit {
        Verdict::Violated
    } else {
        Verdict::Uncertain
    };
    (e.mean, e.ci95, verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slos_parse_with_their_units() {
        let s = Slo::parse("invite_setup.p99<=200ms").unwrap().0;
        assert_eq!(s.metric, Metric::Latency(ReqType::InviteSetup, Stat::P99));
        assert_eq!(s.limit, 200.0);
        assert_eq!(Slo::parse("failures<=0.1%").unwrap().0.limit, 0.001);
        assert!(Slo::parse("invite_setup.p42<=1s").unwrap_err().contains("unknown statistic"));
        assert!(Slo::parse("calls.p99<=1s").unwrap_err().contains("unknown request type"));
        assert!(Slo::parse("failures<=2").is_err());
        assert!(Slo::parse("register_initial.p99>=1s").is_err());
    }

    #[test]
    fn verdicts_use_the_confidence_interval() {
        // Mean 0.5, sd 0.1 over 3 values: half-width t(0.975, 2)·0.1/√3 = 4.303·0.0577 = 0.248.
        assert_eq!(judge(&[0.4, 0.5, 0.6], 0.8).2, Verdict::Met);
        assert_eq!(judge(&[0.4, 0.5, 0.6], 0.6).2, Verdict::Uncertain);
        assert_eq!(judge(&[0.4, 0.5, 0.6], 0.2).2, Verdict::Violated);
        // One value: no interval, the mean decides.
        assert_eq!(judge(&[0.5], 0.5).2, Verdict::Met);
        assert_eq!(judge(&[0.51], 0.5).2, Verdict::Violated);
    }
}
