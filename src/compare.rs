//! `cwsim compare RUN_A RUN_B`: every summary figure that comes with a confidence interval
//! (a `{mean, ci95}` estimate, or a figure `X` beside its `X_ci95`), B − A with the half-width
//! of its 95% Welch interval, flagged when the interval excludes zero.
//!
//! summary.json keeps each figure's mean and 95% half-width over n replications, not the
//! replication values; the half-width is t(0.975, n−1)·s/√n, so the sample variance is
//! recovered exactly as s² = n·(ci95 / t)², which is all Welch's interval needs.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::metrics::estimate::{t_quantile, Level};

/// One figure of one run: its mean, and (n ≥ 2) its 95% half-width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    pub mean: f64,
    pub ci95: Option<f64>,
}

/// A run directory's summary.json: its replication count and its figures by dotted key.
pub struct RunFigures {
    pub label: String,
    pub replications: u64,
    pub figures: BTreeMap<String, Figure>,
}

/// Reads `dir/summary.json`; the error names the directory and what is wrong.
pub fn read_run(dir: &Path) -> Result<RunFigures, String> {
    let path = dir.join("summary.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read summary.json ({e})", dir.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: summary.json is not JSON ({e})", path.display()))?;
    let replications = json
        .get("replications")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("{}: no \"replications\" count: not a cwsim run summary", path.display()))?;
    let mut figures = BTreeMap::new();
    collect(&json, "", &mut figures);
    let label = format!(
        "{} (scenario {}, seed {}, {replications} replication(s))",
        dir.display(),
        json.get("scenario").and_then(Value::as_str).unwrap_or("?"),
        json.get("seed").map_or("?".to_string(), |s| s.to_string())
    );
    Ok(RunFigures { label, replications, figures })
}

/// The figures with intervals under `v`: objects holding `mean` (and `ci95`) only, and
/// numbers `X` with an `X_ci95` (or `X_ci95` alone beside `X`, when n ≥ 2 in the other run).
fn collect(v: &Value, prefix: &str, out: &mut BTreeMap<String, Figure>) {
    let Value::Object(map) = v else { return };
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    let is_estimate = map.contains_key("mean") && map.keys().all(|k| k == "mean" || k == "ci95");
    if is_estimate {
        if let Some(mean) = map["mean"].as_f64() {
            out.insert(prefix.to_string(), Figure { mean, ci95: map.get("ci95").and_then(Value::as_f64) });
        }
        return;
    }
    for (k, x) in map {
        if let (Some(mean), false) = (x.as_f64(), k.ends_with("_ci95")) {
            let ci = map.get(&format!("{k}_ci95")).and_then(Value::as_f64);
            // A figure has an interval when its run (or, with one replication, its kind)
            // reports one: the `_mean` figures and `mean` of latencies.
            if ci.is_some() || k.ends_with("mean") {
                out.insert(key(k), Figure { mean, ci95: ci });
            }
        } else {
            collect(x, &key(k), out);
        }
    }
}

/// B − A and the half-width of its 95% Welch interval (`None` unless both runs have n ≥ 2).
pub fn difference(a: Figure, na: u64, b: Figure, nb: u64) -> (f64, Option<f64>) {
    let diff = b.mean - a.mean;
    let var_of_mean = |f: Figure, n: u64| -> Option<f64> {
        let h = f.ci95?;
        (n >= 2).then(|| (h / t_quantile(Level::P95, n - 1)).powi(2))
    };
    let (Some(va), Some(vb)) = (var_of_mean(a, na), var_of_mean(b, nb)) else { return (diff, None) };
    let se2 = va + vb;
    if se2 == 0.0 {
        return (diff, Some(0.0));
    }
    let df = se2 * se2 / (va * va / (na - 1) as f64 + vb * vb / (nb - 1) as f64);
    (diff, Some(t_quantile(Level::P95, (df.floor() as u64).max(1)) * se2.sqrt()))
}

/// The comparison table and how many figures differ significantly.
pub fn compare(a: &RunFigures, b: &RunFigures) -> (String, usize) {
    let mut out = format!("A: {}\nB: {}\n\n", a.label, b.label);
    out.push_str(&format!(
        "{:<52} {:>12} {:>12} {:>12} {:>11} {:>9}\n",
        "figure", "A", "B", "B − A", "± 95% CI", "change"
    ));
    let (mut significant, mut shown) = (0, 0);
    for (key, fa) in &a.figures {
        let Some(fb) = b.figures.get(key) else { continue };
        let (diff, half) = difference(*fa, a.replications, *fb, b.replications);
        let flag = match half {
            Some(h) if diff.abs() > h => {
                significant += 1;
                "  *"
            }
            _ => "",
        };
        let rel = if fa.mean != 0.0 { format!("{:+.1}%", 100.0 * diff / fa.mean.abs()) } else { "—".into() };
        let half = half.map_or("no CI".to_string(), |h| format!("± {h:.4}"));
        out.push_str(&format!(
            "{key:<52} {:>12.4} {:>12.4} {diff:>+12.4} {half:>11} {rel:>9}{flag}\n",
            fa.mean, fb.mean
        ));
        shown += 1;
    }
    out.push_str(&format!(
        "\n{shown} figures compared; {significant} differ significantly (marked *: the 95% Welch interval of B − A \
         excludes zero){}\n",
        if a.replications < 2 || b.replications < 2 { "; with one replication there is no interval" } else { "" }
    ));
    (out, significant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_from_summary_half_widths_by_hand() {
        // A: values 1, 2, 3 → mean 2, s = 1, ci95 = t(0.975, 2)·1/√3 = 4.3027/√3.
        // B: values 4, 5, 6 → mean 5, same spread. Welch: se² = 1/3 + 1/3, df = 4,
        // half-width = t(0.975, 4)·√(2/3) = 2.7764 · 0.8165 = 2.2669: 3 ± 2.27, significant.
        let ci = 4.3027 / 3f64.sqrt();
        let (d, h) = difference(Figure { mean: 2.0, ci95: Some(ci) }, 3, Figure { mean: 5.0, ci95: Some(ci) }, 3);
        assert!((d - 3.0).abs() < 1e-12);
        assert!((h.unwrap() - 2.7764 * (2.0f64 / 3.0).sqrt()).abs() < 1e-9);
        assert_eq!(difference(Figure { mean: 1.0, ci95: None }, 1, Figure { mean: 2.0, ci95: None }, 1), (1.0, None));
    }

    #[test]
    fn figures_are_estimates_and_pairs_with_their_intervals() {
        let json: Value = serde_json::from_str(
            r#"{"replications": 3, "goodput": {"call_setups_per_s": {"mean": 5.0, "ci95": 0.5}},
                "tiers": {"sprout": {"cpu_mean": 0.4, "cpu_mean_ci95": 0.01, "cpu_p95": 0.5, "nodes": 2}},
                "latency_ms": {"bye": {"mean": 3.0, "mean_ci95": 0.2, "p99": 9.0}}}"#,
        )
        .unwrap();
        let mut f = BTreeMap::new();
        collect(&json, "", &mut f);
        let keys: Vec<&str> = f.keys().map(String::as_str).collect();
        assert_eq!(keys, ["goodput.call_setups_per_s", "latency_ms.bye.mean", "tiers.sprout.cpu_mean"]);
        assert_eq!(f["tiers.sprout.cpu_mean"], Figure { mean: 0.4, ci95: Some(0.01) });
    }
}
