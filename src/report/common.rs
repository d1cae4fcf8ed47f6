//! Pieces shared by every model's outputs: the summary header and `latency.csv`.

use serde::Serialize;

use crate::engine::Fingerprint;
use crate::metrics::LatencyHistogram;
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

impl RunHeader {
    /// The scenario's description as a report line ("" when it has none).
    pub fn description_line(&self) -> String {
        if self.description.is_empty() {
            String::new()
        } else {
            format!("{}\n", crate::scenario::diag::printable(&self.description))
        }
    }
}

/// Percentiles of one histogram, in ms (the unit of the summary and CSVs).
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of_ms(h: &LatencyHistogram) -> Self {
        let ms = |us: u64| us as f64 / 1e3;
        Percentiles {
            count: h.count(),
            mean: h.mean_ns() / 1e6,
            p50: ms(h.quantile_us(0.50)),
            p95: ms(h.quantile_us(0.95)),
            p99: ms(h.quantile_us(0.99)),
            max: ms(h.max_us()),
        }
    }
}

pub const LATENCY_CSV_COLUMNS: &str =
    "metric,count,mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,p999_ms,max_ms,clamped,hdr_v2_base64";

/// `latency.csv`: one row per metric, percentiles in ms (3 significant digits, the HDR
/// precision) and the whole histogram, HdrHistogram V2 + base64, so runs can be merged.
pub fn latency_csv<'a>(rows: impl IntoIterator<Item = (&'a str, &'a LatencyHistogram)>) -> Vec<u8> {
    let mut out = String::from(LATENCY_CSV_COLUMNS);
    out.push('\n');
    for (name, h) in rows {
        let q = |p: f64| h.quantile_us(p) as f64 / 1e3;
        out.push_str(&format!(
            "{name},{},{:.6},{},{},{},{},{},{},{},{}\n",
            h.count(),
            h.mean_ns() / 1e6,
            q(0.5),
            q(0.9),
            q(0.95),
            q(0.99),
            q(0.999),
            h.max_us() as f64 / 1e3,
            h.clamped(),
            h.to_base64()
        ));
    }
    out.into_bytes()
}

/// Pretty JSON with a final newline.
pub fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("summary types serialise");
    bytes.push(b'\n');
    bytes
}
