//! What Rf billing did, when the deployment has Ralf nodes: ACRs per second by kind and
//! the totals of every billing counter.

use std::collections::BTreeMap;

use serde::Serialize;

use super::counters::per_s;
use crate::metrics::{estimate, Estimate};
use crate::model::clearwater::ClearwaterResult;

#[derive(Serialize, Clone, Debug)]
pub struct BillingSummary {
    /// ACRs per second of measured time, by kind (means over replications).
    pub acrs_per_s: BTreeMap<&'static str, Estimate>,
    /// Every billing counter, summed over replications.
    pub counts: BTreeMap<String, u64>,
}

/// `None` when no replication billed (no Ralf nodes).
pub fn billing(results: &[ClearwaterResult]) -> Option<BillingSummary> {
    if results.iter().all(|r| r.billing.is_none()) {
        return None;
    }
    let per_s = per_s(results);
    let rate = |f: fn(&crate::model::clearwater::BillingCounts) -> u64| {
        estimate(&results.iter().map(|r| per_s(r.billing.as_ref().map_or(0, f))).collect::<Vec<_>>())
    };
    let mut counts = BTreeMap::new();
    for b in results.iter().filter_map(|r| r.billing.as_ref()) {
        let serde_json::Value::Object(fields) = serde_json::to_value(b).expect("billing counts serialise") else {
            unreachable!("BillingCounts serialises as a map")
        };
        for (name, value) in fields {
            *counts.entry(name).or_default() += value.as_u64().expect("counts are u64");
        }
    }
    Some(BillingSummary {
        acrs_per_s: BTreeMap::from([
            ("start", rate(|b| b.acr_start)),
            ("interim", rate(|b| b.acr_interim)),
            ("stop", rate(|b| b.acr_stop)),
        ]),
        counts,
    })
}
