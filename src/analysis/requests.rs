//! Requests as the UEs saw them: how many started, succeeded and failed, and why.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::clearwater::{ClearwaterResult, FailCause, ReqCounts, ReqType};

/// Failed ÷ started over every request type after warm-up (0 with nothing started).
pub fn failure_ratio(r: &ClearwaterResult) -> f64 {
    let started: u64 = ReqType::ALL.iter().map(|&t| r.req[t].counts.started).sum();
    let failed: u64 =
        ReqType::ALL.iter().map(|&t| FailCause::ALL.iter().map(|&c| r.req[t].counts.failed[c]).sum::<u64>()).sum();
    if started == 0 {
        0.0
    } else {
        failed as f64 / started as f64
    }
}

/// A request type's outcomes after warm-up, summed over replications.
#[derive(Serialize, Clone, Debug)]
pub struct RequestCounts {
    pub started: u64,
    pub ok: u64,
    pub failed: u64,
}

/// Outcomes per request type.
pub fn requests(results: &[ClearwaterResult]) -> BTreeMap<&'static str, RequestCounts> {
    ReqType::ALL
        .into_iter()
        .map(|t| {
            let sum = |g: fn(&ReqCounts) -> u64| results.iter().map(|r| g(&r.req[t].counts)).sum::<u64>();
            (
                t.name(),
                RequestCounts {
                    started: sum(|c| c.started),
                    ok: sum(|c| c.ok),
                    failed: sum(|c| c.failed.iter().sum()),
                },
            )
        })
        .collect()
}

/// Failures per request type and cause, summed over replications.
pub fn failures(results: &[ClearwaterResult]) -> BTreeMap<&'static str, BTreeMap<&'static str, u64>> {
    ReqType::ALL
        .into_iter()
        .map(|t| {
            let by_cause = FailCause::ALL
                .into_iter()
                .map(|c| (c.name(), results.iter().map(|r| r.req[t].counts.failed[c]).sum()))
                .collect();
            (t.name(), by_cause)
        })
        .collect()
}
