//! Readable quantities in scenario files: durations ("250ms", "5m", "1.5s"), rates
//! ("2.5/s", "100/min") and distributions ("exp(2ms)", "lognormal(250us, 0.5)").
//!
//! Durations are parsed exactly in decimal (no float rounding): "0.1s" is 100 000 000 ns.

use std::fmt;

use crate::engine::{Dist, SimDuration};

const UNITS_NS: [(&str, u128); 9] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("min", 60_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

const DURATION_HINT: &str = "a duration is a number and a unit (ns, us, ms, s, m, h, d), e.g. \"250ms\"";

/// Splits "12.5ms" into ("12.5", "ms").
fn split_number(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    (&s[..end], s[end..].trim())
}

/// Exact decimal → integer count of `scale`ths; `None` on overflow.
fn decimal_times(number: &str, scale: u128) -> Option<u128> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let mut value: u128 = 0;
    for c in int.chars() {
        value = value.checked_mul(10)?.checked_add(c.to_digit(10)? as u128)?;
    }
    let mut result = value.checked_mul(scale)?;
    let mut place = scale;
    for c in frac.chars() {
        let digit = c.to_digit(10)? as u128;
        // Digits below 1 ns are rounded away (to nearest, on the first dropped digit).
        if place < 10 {
            if place == 1 && digit >= 5 {
                result = result.checked_add(1)?;
            }
            break;
        }
        place /= 10;
        result = result.checked_add(digit * place)?;
    }
    Some(result)
}

pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    if s.starts_with('-') {
        return Err(format!("must not be negative, got \"{text}\""));
    }
    let (number, unit) = split_number(s);
    let valid_number = !number.is_empty()
        && number.chars().filter(|&c| c == '.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    if !valid_number {
        return Err(format!("{DURATION_HINT}; got \"{text}\""));
    }
    if unit.is_empty() {
        return Err(format!("missing unit in \"{text}\"; {DURATION_HINT}"));
    }
    let Some(&(_, scale)) = UNITS_NS.iter().find(|(u, _)| *u == unit) else {
        return Err(format!("unknown unit \"{unit}\" in \"{text}\"; {DURATION_HINT}"));
    };
    match decimal_times(number, scale) {
        Some(ns) if ns <= u64::MAX as u128 => Ok(SimDuration::from_ns(ns as u64)),
        _ => Err(format!("\"{text}\" is too large (the longest duration is about 584 years)")),
    }
}

/// Events per second.
#[derive(Copy, Clone, Debug, PartialEq, PartialOrd)]
pub struct Rate(f64);

impl Rate {
    /// `per_second` must be finite and ≥ 0 (the validator guarantees it).
    pub fn per_second(per_second: f64) -> Rate {
        debug_assert!(per_second.is_finite() && per_second >= 0.0);
        Rate(per_second)
    }
    pub fn as_per_second(self) -> f64 {
        self.0
    }
    /// Mean gap between events; `None` for a zero rate.
    pub fn mean_gap(self) -> Option<SimDuration> {
        (self.0 > 0.0).then(|| SimDuration::from_secs_f64(1.0 / self.0))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.0)
    }
}

/// "2.5/s", "100/min", "3600/h", "20/5s" (per a duration).
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    const HINT: &str = "a rate is a count per period, e.g. \"2.5/s\", \"100/min\" or \"20/5s\"";
    let s = text.trim();
    let Some((count, period)) = s.split_once('/') else {
        return Err(format!("{HINT}; got \"{text}\""));
    };
    let count: f64 = count.trim().parse().map_err(|_| format!("{HINT}; got \"{text}\""))?;
    if !count.is_finite() {
        return Err(format!("must be a finite number, got \"{text}\""));
    }
    if count < 0.0 {
        return Err(format!("must be ≥ 0, got \"{text}\""));
    }
    let period = period.trim();
    let period = match period {
        "s" | "m" | "min" | "h" | "d" | "ms" => format!("1{period}"),
        other => other.to_string(),
    };
    let period = parse_duration(&period).map_err(|e| format!("bad period in \"{text}\": {e}"))?;
    if period.is_zero() {
        return Err(format!("the period must be > 0 in \"{text}\""));
    }
    let per_second = count / period.as_secs_f64();
    if !per_second.is_finite() {
        return Err(format!("\"{text}\" is too large"));
    }
    Ok(Rate(per_second))
}

/// "250us" (constant), "const(250us)", "exp(2ms)", "uniform(1ms, 3ms)",
/// "lognormal(250us, 0.5)" and "gamma(250us, 0.5)" (mean, coefficient of variation).
pub fn parse_dist(text: &str) -> Result<Dist, String> {
    const HINT: &str = "a distribution is a duration (constant) or one of const(d), exp(mean), \
                        uniform(lo, hi), lognormal(mean, cv), gamma(mean, cv)";
    let s = text.trim();
    let Some(open) = s.find('(') else {
        return match parse_duration(s) {
            Ok(d) if d > SimDuration::LIMIT => {
                Err(format!("\"{text}\" is longer than the longest duration allowed ({})", SimDuration::LIMIT))
            }
            Ok(d) => Ok(Dist::constant(d)),
            Err(e) => Err(format!("{e}; or {HINT}")),
        };
    };
    if !s.ends_with(')') {
        return Err(format!("missing ')' in \"{text}\"; {HINT}"));
    }
    let name = s[..open].trim();
    let args: Vec<&str> = s[open + 1..s.len() - 1].split(',').map(str::trim).collect();
    let want = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("{name}() takes {n} argument(s), got {} in \"{text}\"", args.len()))
        }
    };
    let cv = |arg: &str| -> Result<f64, String> {
        let v: f64 = arg.parse().map_err(|_| format!("cv must be a number, got \"{arg}\""))?;
        if !v.is_finite() || v <= 0.0 || v > 100.0 {
            return Err(format!("cv must be in (0, 100], got {arg}"));
        }
        Ok(v)
    };
    // Parameters stop at the longest duration a scenario may give, so that no draw or
    // scaled cost comes near time overflow.
    let parse_duration = |arg: &str| -> Result<SimDuration, String> {
        let d = parse_duration(arg)?;
        if d > SimDuration::LIMIT {
            return Err(format!(
                "{arg} is longer than the longest duration allowed ({}) in \"{text}\"",
                SimDuration::LIMIT
            ));
        }
        Ok(d)
    };
    let positive = |arg: &str| -> Result<SimDuration, String> {
        let d = parse_duration(arg)?;
        if d.is_zero() {
            return Err(format!("the mean must be > 0 in \"{text}\""));
        }
        Ok(d)
    };
    match name {
        "const" => {
            want(1)?;
            Ok(Dist::constant(parse_duration(args[0])?))
        }
        "exp" => {
            want(1)?;
            Ok(Dist::exp(positive(args[0])?))
        }
        "uniform" => {
            want(2)?;
            let (lo, hi) = (parse_duration(args[0])?, parse_duration(args[1])?);
            if lo > hi {
                return Err(format!("uniform(lo, hi) needs lo ≤ hi, got \"{text}\""));
            }
            Ok(Dist::uniform(lo, hi))
        }
        "lognormal" => {
            want(2)?;
            Ok(Dist::lognormal(positive(args[0])?, cv(args[1])?))
        }
        "gamma" => {
            want(2)?;
            Ok(Dist::gamma(positive(args[0])?, cv(args[1])?))
        }
        other => Err(format!("unknown distribution \"{other}\"; {HINT}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ns = |s| parse_duration(s).map(|d| d.as_ns());
        assert_eq!(ns("250ms"), Ok(250_000_000));
        assert_eq!(ns("5m"), Ok(300_000_000_000));
        assert_eq!(ns("1.5s"), Ok(1_500_000_000));
        assert_eq!(ns("0.1s"), Ok(100_000_000));
        assert_eq!(ns("2 h"), Ok(7_200_000_000_000));
        assert_eq!(ns("10us"), Ok(10_000));
        assert_eq!(ns("1.5ns"), Ok(2));
        assert!(parse_duration("10").unwrap_err().contains("missing unit"));
        assert!(parse_duration("-3s").unwrap_err().contains("negative"));
        assert!(parse_duration("1e30s").is_err());
        assert!(parse_duration("100000000000d").unwrap_err().contains("too large"));
        assert!(parse_duration("3 parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn rates() {
        let r = |s| parse_rate(s).map(|r| r.as_per_second());
        assert_eq!(r("2.5/s"), Ok(2.5));
        assert_eq!(r("120/min"), Ok(2.0));
        assert_eq!(r("20/5s"), Ok(4.0));
        assert_eq!(r("7200/h"), Ok(2.0));
        assert!(parse_rate("NaN/s").is_err());
        assert!(parse_rate("inf/s").is_err());
        assert!(parse_rate("-1/s").unwrap_err().contains("≥ 0"));
        assert!(parse_rate("3").is_err());
        assert!(parse_rate("3/0s").is_err());
    }

    #[test]
    fn distributions() {
        assert_eq!(parse_dist("2ms").unwrap(), Dist::constant(SimDuration::from_ms(2)));
        assert_eq!(parse_dist("exp(2ms)").unwrap().mean(), SimDuration::from_ms(2));
        assert_eq!(parse_dist("uniform(1ms, 3ms)").unwrap().mean(), SimDuration::from_ms(2));
        assert!(parse_dist("lognormal(1ms)").unwrap_err().contains("2 argument"));
        assert!(parse_dist("gamma(1ms, 0)").is_err());
        assert!(parse_dist("exp(0s)").is_err());
        assert!(parse_dist("weibull(1ms)").unwrap_err().contains("unknown distribution"));
        assert!(parse_dist("uniform(3ms, 1ms)").is_err());
    }
}
