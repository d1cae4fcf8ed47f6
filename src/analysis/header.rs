//! What ran: the first block of every summary, identifying the scenario, the seed and the
//! behaviour (event fingerprints) a set of results came from.

use serde::Serialize;

use crate::engine::Fingerprint;
use crate::scenario::Scenario;

/// The first block of every `summary.json`: what ran, and the fingerprint that identifies
/// its behaviour.
#[derive(Serialize, Clone, Debug)]
pub struct RunHeader {
    pub cwsim_version: &'static str,
    pub scenario: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub scenario_sha256: String,
    pub model: &'static str,
    pub seed: u64,
    pub replications: u32,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Combined over replications, in replication order.
    pub fingerprint: String,
    pub replication_fingerprints: Vec<String>,
    pub events: u64,
}

impl RunHeader {
    pub fn new(s: &Scenario, model: &'static str, fingerprints: &[Fingerprint], events: u64) -> Self {
        RunHeader {
            cwsim_version: env!("CARGO_PKG_VERSION"),
            scenario: s.name.clone(),
            description: s.description.clone(),
            scenario_sha256: s.hash.clone(),
            model,
            seed: s.simulation.seed,
            replications: s.simulation.replications,
            duration_s: s.simulation.duration.as_secs_f64(),
            warmup_s: s.simulation.warmup.as_secs_f64(),
            fingerprint: Fingerprint::combine(fingerprints.iter().copied()).hex(),
            replication_fingerprints: fingerprints.iter().map(|f| f.hex()).collect(),
            events,
        }
    }
}
