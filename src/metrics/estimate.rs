//! Point estimates with confidence intervals across independent replications.
//!
//! Replications are i.i.d. samples of a run-level statistic, so the interval is the classic
//! Student-t one: mean ± t(1−α/2, n−1) · s/√n.

use serde::Serialize;

/// Student-t quantiles for df = 1..=30 (two-sided 95% and 99%), from the standard tables
/// (checked against scipy.stats.t.ppf to 4 decimals).
const T975: [f64; 30] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448,
    2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484,
    2.0452, 2.0423,
];
const T995: [f64; 30] = [
    63.6567, 9.9248, 5.8409, 4.6041, 4.0321, 3.7074, 3.4995, 3.3554, 3.2498, 3.1693, 3.1058, 3.0545, 3.0123, 2.9768,
    2.9467, 2.9208, 2.8982, 2.8784, 2.8609, 2.8453, 2.8314, 2.8188, 2.8073, 2.7969, 2.7874, 2.7787, 2.7707, 2.7633,
    2.7564, 2.7500,
];

/// Confidence levels the tool reports.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Level {
    P95,
    P99,
}

/// Two-sided Student-t quantile for `df` degrees of freedom. Beyond the table, the
/// Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5), accurate to < 1e-4 for df > 30.
pub fn t_quantile(level: Level, df: u64) -> f64 {
    let (table, z) = match level {
        Level::P95 => (&T975, 1.959_963_984_540_054),
        Level::P99 => (&T995, 2.575_829_303_548_901),
    };
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 30 {
        return table[df as usize - 1];
    }
    let n = df as f64;
    let z3 = z * z * z;
    let z5 = z3 * z * z;
    let z7 = z5 * z * z;
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
}

/// Mean of replication values with the 95% half-width (`ci95`); `ci95` is absent with
/// fewer than two replications.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<f64>,
}

/// Mean, sample standard deviation and count of a set of replication values.
#[derive(Copy, Clone, Debug)]
pub struct Sample {
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
}

impl Sample {
    pub fn of(values: &[f64]) -> Sample {
        let n = values.len() as u64;
        if n == 0 {
            return Sample { n, mean: 0.0, sd: 0.0 };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd =
            if n < 2 { 0.0 } else { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() };
        Sample { n, mean, sd }
    }

    /// Half-width of the two-sided interval, or `None` with fewer than two values.
    pub fn half_width(&self, level: Level) -> Option<f64> {
        (self.n >= 2).then(|| t_quantile(level, self.n - 1) * self.sd / (self.n as f64).sqrt())
    }

    pub fn estimate(&self) -> Estimate {
        Estimate { mean: self.mean, ci95: self.half_width(Level::P95) }
    }
}

pub fn estimate(values: &[f64]) -> Estimate {
    Sample::of(values).estimate()
}

/// The difference of two means, `b − a`, with the half-width of its 95% Welch interval
/// (unequal variances; Welch–Satterthwaite degrees of freedom, rounded down so the interval
/// is never narrower than Welch's). `None` when either side has fewer than two values.
/// Two identical constant samples give a zero half-width.
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    let (x, y) = (Sample::of(a), Sample::of(b));
    if x.n < 2 || y.n < 2 {
        return None;
    }
    let (vx, vy) = (x.sd * x.sd / x.n as f64, y.sd * y.sd / y.n as f64);
    let se2 = vx + vy;
    if se2 == 0.0 {
        return Some((y.mean - x.mean, 0.0));
    }
    let df = se2 * se2 / (vx * vx / (x.n - 1) as f64 + vy * vy / (y.n - 1) as f64);
    let df = (df.floor() as u64).max(1);
    Some((y.mean - x.mean, t_quantile(Level::P95, df) * se2.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_interval_by_hand() {
        // a = 1, 2, 3 and b = 4, 5, 6: means 2 and 5, variances 1 each; se² = 1/3 + 1/3;
        // df = (2/3)² / ((1/3)²/2 + (1/3)²/2) = 4; t(0.975, 4) = 2.7764;
        // half-width = 2.7764 · √(2/3) = 2.2669.
        let (d, h) = welch(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        assert!((d - 3.0).abs() < 1e-12);
        assert!((h - 2.7764 * (2.0f64 / 3.0).sqrt()).abs() < 1e-9, "{h}");
        // a = 1, 3 (variance 2, n 2) and b = 10, 10, 10, 10 (variance 0): df = 1 by the
        // formula, t(0.975, 1) = 12.7062, se = √(2/2) = 1.
        let (d, h) = welch(&[1.0, 3.0], &[10.0; 4]).unwrap();
        assert!((d - 8.0).abs() < 1e-12 && (h - 12.7062).abs() < 1e-9);
        assert_eq!(welch(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(welch(&[2.0, 2.0], &[2.0, 2.0]), Some((0.0, 0.0)));
    }

    #[test]
    fn t_quantiles_match_scipy() {
        // scipy.stats.t.ppf values, 4 decimals.
        for (level, df, want) in [
            (Level::P95, 40, 2.0211),
            (Level::P95, 100, 1.9840),
            (Level::P99, 60, 2.6603),
            (Level::P99, 31, 2.7440),
            (Level::P95, 9, 2.2622),
        ] {
            let got = t_quantile(level, df);
            assert!((got - want).abs() < 2e-4, "df {df}: {got} vs {want}");
        }
    }

    #[test]
    fn hand_computed_interval() {
        // values 1,2,3: mean 2, sd 1, half-width = 4.3027 / sqrt(3) = 2.4842
        let s = Sample::of(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert!((s.sd - 1.0).abs() < 1e-12);
        assert!((s.half_width(Level::P95).unwrap() - 2.4842).abs() < 1e-4);
        assert_eq!(Sample::of(&[5.0]).half_width(Level::P95), None);
    }
}
