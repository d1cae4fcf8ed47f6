//! Requests as the UEs saw them: how many started, succeeded and failed, and why.

use crate::model::clearwater::{ClearwaterResult, FailCause, ReqType};

/// Failed ÷ started over every request type after warm-up (0 with nothing started).
pub fn failure_ratio(r: &ClearwaterResult) -> f64 {
    let started: u64 = ReqType::ALL.iter().map(|&t| r.req[t as usize].counts.started).sum();
    let failed: u64 = ReqType::ALL
        .iter()
        .map(|&t| FailCause::ALL.iter().map(|&c| r.req[t as usize].counts.failed[c as usize]).sum::<u64>())
        .sum();
    if started == 0 {
        0.0
    } else {
        failed as f64 / started as f64
    }
}
