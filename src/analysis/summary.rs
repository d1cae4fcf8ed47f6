//! The Clearwater run summary (summary.json, and what report.txt shows): every figure of a
//! run computed from the scenario and its replications' results, so the same summary can be
//! recomputed from stored results. Field order is the JSON key order.

use std::collections::BTreeMap;

use serde::Serialize;

use super::advice::{scale_up, ScaleAdvice};
use super::billing::{billing, BillingSummary};
use super::counters::{counter_totals, operations_per_s, per_s};
use super::goodput::{goodput, Goodput};
use super::header::RunHeader;
use super::latency::{latency, latency_summary, LatencySummary};
use super::outage::{outage_summary, OutageSummary};
use super::requests::{failures, requests, RequestCounts};
use super::throttling::{throttling, TierThrottle};
use super::tiers::{tier_summaries, TierSummary};
use crate::engine::Fingerprint;
use crate::metrics::{estimate, Estimate};
use crate::model::clearwater::{ClearwaterResult, ReqType};
use crate::scenario::Scenario;

#[derive(Serialize, Clone, Debug)]
pub struct Summary {
    #[serde(flatten)]
    pub header: RunHeader,
    pub load: LoadInfo,
    pub latency_ms: BTreeMap<&'static str, LatencySummary>,
    pub failures: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    pub requests: BTreeMap<&'static str, RequestCounts>,
    pub tiers: BTreeMap<&'static str, TierSummary>,
    /// Sprout's latency per message excluding blocking I/O (queue wait + timed CPU), ms:
    /// what the later era's LoadMonitor is fed.
    pub sprout_message_latency_ms: LatencySummary,
    /// The same including the worker's blocking I/O, ms: what the documented era's
    /// LoadMonitor is fed.
    pub sprout_message_latency_with_io_ms: LatencySummary,
    /// Which of the two the LoadMonitors were fed: `"with_io"` (documented era) or
    /// `"without_io"` (later era).
    pub load_monitor_latency: &'static str,
    /// Operations served per second of measured time (means over replications).
    pub operations_per_s: BTreeMap<&'static str, Estimate>,
    pub registrations: Registrations,
    pub counters: BTreeMap<String, u64>,
    pub scale_up: Vec<ScaleAdvice>,
    pub faults: Vec<FaultInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outage: Option<OutageSummary>,
    pub goodput: Goodput,
    pub throttling: BTreeMap<&'static str, TierThrottle>,
    /// Rf billing, when the deployment has Ralf nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<BillingSummary>,
}

#[derive(Serialize, Clone, Debug)]
pub struct LoadInfo {
    pub profile: &'static str,
    pub subscribers: u64,
    pub measured_s: f64,
    /// SIP requests received by Sprout per subscriber per second.
    pub sprout_requests_per_subscriber_per_s: Estimate,
}

#[derive(Serialize, Clone, Debug)]
pub struct Registrations {
    pub subscribers: u64,
    /// Binding timers ÷ replication factor at the end (Clearwater's stateful statistic).
    pub statistic_end: Estimate,
    /// Subscribers with a valid binding at the end.
    pub bound_end: Estimate,
}

/// A fault of the scenario's timeline, as the summary lists it.
#[derive(Serialize, Clone, Debug)]
pub struct FaultInfo {
    pub at_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_s: Option<f64>,
    pub kind: String,
}

/// The summary of a Clearwater run: `results` are its replications, in replication order.
pub fn summarise(s: &Scenario, results: &[ClearwaterResult]) -> Summary {
    let fingerprints: Vec<Fingerprint> = results.iter().map(|r| r.fingerprint).collect();
    let per_s = per_s(results);
    let subscribers = results.first().map_or(0, |r| r.subscribers);
    let tiers = tier_summaries(s, results);
    Summary {
        header: RunHeader::new(s, "clearwater", &fingerprints, results.iter().map(|r| r.events).sum()),
        load: LoadInfo {
            profile: s.load.name(),
            subscribers,
            measured_s: results.first().map_or(0.0, |r| r.measured.as_secs_f64()),
            sprout_requests_per_subscriber_per_s: estimate(
                &results
                    .iter()
                    .map(|r| per_s(r.counters.sprout_requests) / subscribers.max(1) as f64)
                    .collect::<Vec<_>>(),
            ),
        },
        latency_ms: ReqType::ALL.into_iter().map(|t| (t.name(), latency_summary(results, |r| latency(r, t)))).collect(),
        failures: failures(results),
        requests: requests(results),
        tiers: tiers.iter().map(|(tier, t)| (tier.name(), t.clone())).collect(),
        sprout_message_latency_ms: latency_summary(results, |r| &r.sprout_latency),
        sprout_message_latency_with_io_ms: latency_summary(results, |r| &r.sprout_latency_with_io),
        load_monitor_latency: if s.throttling.profile == crate::scenario::ThrottleProfile::Documented {
            "with_io"
        } else {
            "without_io"
        },
        operations_per_s: operations_per_s(results),
        registrations: Registrations {
            subscribers,
            statistic_end: estimate(&results.iter().map(|r| r.registrations_end).collect::<Vec<_>>()),
            bound_end: estimate(&results.iter().map(|r| r.bound_end as f64).collect::<Vec<_>>()),
        },
        counters: counter_totals(results),
        scale_up: scale_up(&tiers),
        faults: s
            .faults
            .iter()
            .map(|f| FaultInfo {
                at_s: f.at.as_secs_f64(),
                until_s: f.until.map(|u| u.as_secs_f64()),
                kind: f.kind.describe(s),
            })
            .collect(),
        outage: outage_summary(s, results),
        goodput: goodput(results),
        throttling: throttling(s, results),
        billing: billing(results),
    }
}
