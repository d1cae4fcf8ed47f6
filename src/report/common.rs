//! Pieces shared by every model's outputs: the description line, percentiles, `latency.csv`
//! and the JSON writer.

use serde::Serialize;

use crate::analysis::RunHeader;
use crate::metrics::LatencyHistogram;

/// The scenario's description as a report line ("" when it has none).
pub fn description_line(h: &RunHeader) -> String {
    if h.description.is_empty() {
        String::new()
    } else {
        format!("{}\n", crate::scenario::diag::printable(&h.description))
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
/// precision) and the whole histogram (µs), compressed HdrHistogram V2 + base64, so runs can be
/// merged and any HdrHistogram library can read it.
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
