//! Random durations: the service-time and network-delay distributions a scenario names.
//!
//! Each variant stores the parameters it samples with, precomputed at validation time, so a
//! draw is a couple of float operations and no allocation.

use std::fmt;

use rand::Rng as _;
use rand_distr::{Distribution, Exp1, Gamma, StandardNormal};

use super::rng::Rng;
use super::time::SimDuration;

#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Const(SimDuration),
    /// Exponential with the given mean.
    Exp { mean_ns: f64 },
    /// Uniform on [lo, hi).
    Uniform { lo_ns: f64, hi_ns: f64 },
    /// Log-normal with the given mean and coefficient of variation.
    LogNormal { mean_ns: f64, cv: f64, mu: f64, sigma: f64 },
    /// Gamma with the given mean and coefficient of variation (cv = 1 is exponential).
    Gamma { mean_ns: f64, cv: f64, gamma: Gamma<f64> },
}

impl Dist {
    pub fn constant(d: SimDuration) -> Self {
        Dist::Const(d)
    }

    pub fn exp(mean: SimDuration) -> Self {
        Dist::Exp { mean_ns: mean.as_ns() as f64 }
    }

    pub fn uniform(lo: SimDuration, hi: SimDuration) -> Self {
        Dist::Uniform { lo_ns: lo.as_ns() as f64, hi_ns: hi.as_ns() as f64 }
    }

    /// `cv` must be finite and > 0 (the validator guarantees it).
    pub fn lognormal(mean: SimDuration, cv: f64) -> Self {
        let sigma2 = (1.0 + cv * cv).ln();
        let mean_ns = mean.as_ns() as f64;
        Dist::LogNormal { mean_ns, cv, mu: mean_ns.ln() - sigma2 / 2.0, sigma: sigma2.sqrt() }
    }

    /// `cv` must be finite and > 0 (the validator guarantees it).
    pub fn gamma(mean: SimDuration, cv: f64) -> Self {
        let shape = 1.0 / (cv * cv);
        let mean_ns = mean.as_ns() as f64;
        let gamma = Gamma::new(shape, mean_ns / shape).expect("validated gamma parameters");
        Dist::Gamma { mean_ns, cv, gamma }
    }

    /// The distribution's mean, in nanoseconds.
    pub fn mean_ns(&self) -> f64 {
        match self {
            Dist::Const(d) => d.as_ns() as f64,
            Dist::Exp { mean_ns } => *mean_ns,
            Dist::Uniform { lo_ns, hi_ns } => (lo_ns + hi_ns) / 2.0,
            Dist::LogNormal { mean_ns, .. } | Dist::Gamma { mean_ns, .. } => *mean_ns,
        }
    }

    pub fn mean(&self) -> SimDuration {
        SimDuration::from_secs_f64(self.mean_ns() / 1e9)
    }

    /// Same shape, mean multiplied by `factor` (used for CPU slow-down and cost scaling).
    pub fn scaled(&self, factor: f64) -> Dist {
        let s = |ns: f64| SimDuration::from_secs_f64(ns * factor / 1e9);
        match self {
            Dist::Const(d) => Dist::Const(d.saturating_mul_f64(factor)),
            Dist::Exp { mean_ns } => Dist::exp(s(*mean_ns)),
            Dist::Uniform { lo_ns, hi_ns } => Dist::uniform(s(*lo_ns), s(*hi_ns)),
            Dist::LogNormal { mean_ns, cv, .. } => Dist::lognormal(s(*mean_ns), *cv),
            Dist::Gamma { mean_ns, cv, .. } => Dist::gamma(s(*mean_ns), *cv),
        }
    }

    /// One draw, capped at [`SimDuration::LIMIT`] (366 days): exponential, log-normal and
    /// gamma tails are unbounded, and no draw may push time towards overflow. The cap is
    /// beyond any value a validated scenario's parameters make plausible.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> SimDuration {
        let ns = match self {
            Dist::Const(d) => return (*d).min(SimDuration::LIMIT),
            Dist::Exp { mean_ns } => {
                let e: f64 = Exp1.sample(rng);
                e * mean_ns
            }
            Dist::Uniform { lo_ns, hi_ns } => lo_ns + (hi_ns - lo_ns) * rng.random::<f64>(),
            Dist::LogNormal { mu, sigma, .. } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Gamma { gamma, .. } => gamma.sample(rng),
        };
        SimDuration::from_ns(round_ns(ns).min(SimDuration::LIMIT.as_ns()))
    }
}

/// `x.round() as u64` for finite `x ≥ 0` (half away from zero; casts saturate), without the
/// call into libm: the cast truncates, and below 2⁵³ `x - t` is exact (it only drops `x`'s
/// integer bits); from 2⁵³ on every `f64` is an integer, so `t` is the answer.
#[inline]
fn round_ns(x: f64) -> u64 {
    let t = x as u64;
    if t < 1 << 53 && x - t as f64 >= 0.5 {
        t + 1
    } else {
        t
    }
}

/// The same syntax the scenario parser accepts, so a summary can echo the configuration.
impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |ns: f64| SimDuration::from_secs_f64(ns / 1e9);
        match self {
            Dist::Const(v) => write!(f, "{v}"),
            Dist::Exp { mean_ns } => write!(f, "exp({})", d(*mean_ns)),
            Dist::Uniform { lo_ns, hi_ns } => write!(f, "uniform({}, {})", d(*lo_ns), d(*hi_ns)),
            Dist::LogNormal { mean_ns, cv, .. } => write!(f, "lognormal({}, {cv})", d(*mean_ns)),
            Dist::Gamma { mean_ns, cv, .. } => write!(f, "gamma({}, {cv})", d(*mean_ns)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{RngFactory, StreamId};

    fn sample_mean_and_cv(dist: &Dist, n: usize) -> (f64, f64) {
        let mut rng = RngFactory::new(7, 0).stream(StreamId::new(0, 0));
        let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng).as_ns() as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt() / mean)
    }

    // With n = 200 000 draws the standard error of the mean is cv/sqrt(n) ≈ 0.22% of the mean
    // for cv = 1, so a 1% tolerance is > 4 standard errors.
    #[test]
    fn moments_match_parameters() {
        let ms = SimDuration::from_ms(1);
        for (dist, cv) in [
            (Dist::exp(ms), 1.0),
            (Dist::lognormal(ms, 0.5), 0.5),
            (Dist::gamma(ms, 0.5), 0.5),
            (Dist::uniform(SimDuration::ZERO, SimDuration::from_ms(2)), 1.0 / 3f64.sqrt()),
        ] {
            let (mean, got_cv) = sample_mean_and_cv(&dist, 200_000);
            assert!((mean / 1e6 - 1.0).abs() < 0.01, "{dist}: mean {mean}");
            assert!((got_cv / cv - 1.0).abs() < 0.03, "{dist}: cv {got_cv} want {cv}");
        }
    }

    #[test]
    fn rounding_matches_f64_round() {
        let mut rng = RngFactory::new(3, 0).stream(StreamId::new(0, 0));
        let specials = [0.0, 0.5, 1.5, 2.5, 0.49999999999999994, 4503599627370495.5, 9007199254740993.0, 1e19, 1e30];
        let randoms = (0..100_000).map(|i| rng.random::<f64>() * 10f64.powi(i % 18));
        for x in specials.into_iter().chain(randoms) {
            assert_eq!(round_ns(x), x.round() as u64, "{x}");
        }
    }

    #[test]
    fn display_round_trips_the_syntax() {
        assert_eq!(Dist::exp(SimDuration::from_ms(2)).to_string(), "exp(2ms)");
        assert_eq!(Dist::lognormal(SimDuration::from_us(250), 0.5).to_string(), "lognormal(250us, 0.5)");
    }
}
