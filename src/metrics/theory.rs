//! Closed-form queueing results, printed beside simulated figures so a user can see at a
//! glance how far a model is from the textbook case it reduces to.

/// M/M/c steady state (Erlang C), for arrival rate `lambda`, service rate `mu` per server,
/// `c` servers; `None` if unstable (λ ≥ cμ).
#[derive(Clone, Debug, PartialEq)]
pub struct MmcTheory {
    pub utilisation: f64,
    /// Probability an arrival waits (Erlang C).
    pub p_wait: f64,
    pub wq: f64,
    pub w: f64,
    pub lq: f64,
    pub l: f64,
}

pub fn mmc(lambda: f64, mu: f64, c: u32) -> Option<MmcTheory> {
    let a = lambda / mu;
    let cf = c as f64;
    // Also rejects NaN: the load must be finite and below the server count.
    if a.is_nan() || a >= cf || c == 0 {
        return None;
    }
    // Sum a^k/k! iteratively (no factorial overflow for large c).
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    // term is now a^c / c!
    let tail = term * cf / (cf - a);
    let p_wait = tail / (sum + tail);
    let wq = p_wait / (cf * mu - lambda);
    let w = wq + 1.0 / mu;
    Some(MmcTheory { utilisation: a / cf, p_wait, wq, w, lq: lambda * wq, l: lambda * w })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // M/M/1, ρ = 0.5: P(wait) = ρ, Wq = ρ/(μ−λ) = 1, W = 2.
        let t = mmc(0.5, 1.0, 1).unwrap();
        assert!((t.p_wait - 0.5).abs() < 1e-12 && (t.w - 2.0).abs() < 1e-12);
        // M/M/4, a = 3: Erlang C = 0.5094 (tables).
        assert!((mmc(3.0, 1.0, 4).unwrap().p_wait - 0.5094).abs() < 1e-4);
        assert!(mmc(4.0, 1.0, 4).is_none());
    }
}
