//! Latency as the UEs and Sprout's LoadMonitor measured it.

use crate::metrics::LatencyHistogram;
use crate::model::clearwater::{ClearwaterResult, ReqType};

/// A request type's latency histogram (after warm-up).
pub fn latency(r: &ClearwaterResult, t: ReqType) -> &LatencyHistogram {
    &r.req[t as usize].latency
}
