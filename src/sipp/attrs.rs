//! Typed reading of an element's attributes: every attribute checked against the element's
//! list (an unknown one is named with the list), values parsed with the construct named in
//! the error.

use super::compile::Ctx;
use super::script::{Distribution, VarId};
use super::xml::{Attr, Element};

/// An element's attributes, read through the compile context.
pub struct Attrs<'e> {
    pub el: &'e Element,
}

impl<'e> Attrs<'e> {
    /// Checks every attribute of `el` against `allowed`; unknown ones are errors.
    pub fn new(el: &'e Element, allowed: &[&str], ctx: &mut Ctx) -> Self {
        for a in &el.attrs {
            if !allowed.contains(&a.name.as_str()) {
                let mut names = allowed.to_vec();
                names.sort_unstable();
                let msg = if names.is_empty() {
                    format!("unknown attribute {}: <{}> takes none", a.name, el.name)
                } else {
                    format!("unknown attribute {}; <{}> supports: {}", a.name, el.name, names.join(", "))
                };
                ctx.errors.at(&a.span, &format!("<{} {}>", el.name, a.name), msg);
            }
        }
        Attrs { el }
    }

    pub fn get(&self, name: &str) -> Option<&'e Attr> {
        self.el.attr(name)
    }

    pub fn str(&self, name: &str) -> Option<&'e str> {
        self.get(name).map(|a| a.value.as_str())
    }

    fn construct(&self, name: &str) -> String {
        format!("<{} {}>", self.el.name, name)
    }

    pub fn bad(&self, name: &str, ctx: &mut Ctx, message: impl Into<String>) {
        match self.get(name) {
            Some(a) => ctx.errors.at(&a.value_span, &self.construct(name), message),
            None => ctx.errors.at(&self.el.span, &self.construct(name), message),
        }
    }

    /// A required attribute.
    pub fn required(&self, name: &str, ctx: &mut Ctx) -> Option<&'e str> {
        let v = self.str(name);
        if v.is_none() {
            ctx.errors.at(&self.el.span, &format!("<{}>", self.el.name), format!("the attribute {name} is required"));
        }
        v
    }

    pub fn bool(&self, name: &str, default: bool, ctx: &mut Ctx) -> bool {
        match self.str(name) {
            None => default,
            Some("true" | "yes" | "1") => true,
            Some("false" | "no" | "0") => false,
            Some(v) => {
                self.bad(name, ctx, format!("expected true or false, got \"{v}\""));
                default
            }
        }
    }

    pub fn f64(&self, name: &str, ctx: &mut Ctx) -> Option<f64> {
        let v = self.str(name)?;
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                self.bad(name, ctx, format!("expected a number, got \"{v}\""));
                None
            }
        }
    }

    pub fn f64_required(&self, name: &str, ctx: &mut Ctx) -> Option<f64> {
        self.required(name, ctx)?;
        self.f64(name, ctx)
    }

    /// Milliseconds (a non-negative integer below 2^31, as SIPp's `long`s in practice).
    pub fn ms(&self, name: &str, ctx: &mut Ctx) -> Option<u32> {
        let v = self.str(name)?;
        match v.trim().parse::<u32>() {
            Ok(x) if x <= i32::MAX as u32 => Some(x),
            _ => {
                self.bad(name, ctx, format!("expected milliseconds (0 to {}), got \"{v}\"", i32::MAX));
                None
            }
        }
    }

    pub fn var(&self, name: &str, ctx: &mut Ctx) -> Option<VarId> {
        let v = self.str(name)?;
        if v.is_empty() {
            self.bad(name, ctx, "names no variable");
            return None;
        }
        Some(ctx.var(v))
    }

    pub fn var_required(&self, name: &str, ctx: &mut Ctx) -> Option<VarId> {
        self.required(name, ctx)?;
        self.var(name, ctx)
    }

    /// SIPp's distribution attributes (`distribution` and its parameters; with `old_style`,
    /// a `<pause>`'s `min`/`max` without `distribution` are uniform and `milliseconds` fixed).
    pub fn distribution(&self, ctx: &mut Ctx) -> Option<Distribution> {
        let name = self.required("distribution", ctx)?;
        macro_rules! p {
            ($n:expr) => {
                self.f64_required($n, ctx)?
            };
        }
        let d = match name {
            "fixed" => Distribution::Fixed(p!("value")),
            "uniform" => {
                let (min, max) = (p!("min"), p!("max"));
                if min > max {
                    self.bad("max", ctx, format!("uniform: max {max} is below min {min}"));
                    return None;
                }
                Distribution::Uniform { min, max }
            }
            "normal" => Distribution::Normal { mean: p!("mean"), stdev: p!("stdev") },
            "lognormal" => Distribution::Lognormal { mean: p!("mean"), stdev: p!("stdev") },
            "exponential" => Distribution::Exponential { mean: p!("mean") },
            "weibull" => Distribution::Weibull { lambda: p!("lambda"), k: p!("k") },
            "pareto" => Distribution::Pareto { k: p!("k"), x_m: p!("x_m") },
            "gpareto" => Distribution::Gpareto { shape: p!("shape"), scale: p!("scale"), location: p!("location") },
            "gamma" => Distribution::Gamma { k: p!("k"), theta: p!("theta") },
            "negbin" => Distribution::Negbin { n: p!("n"), p: p!("p") },
            other => {
                self.bad(
                    "distribution",
                    ctx,
                    format!(
                        "unknown distribution \"{other}\"; supported: fixed, uniform, normal, lognormal, exponential, \
                         weibull, pareto, gpareto, gamma, negbin"
                    ),
                );
                return None;
            }
        };
        if !d.parameters_valid() {
            self.bad("distribution", ctx, format!("{name}: parameters out of range (scales and means must be > 0)"));
            return None;
        }
        Some(d)
    }
}

/// The attributes a distribution takes.
pub const DISTRIBUTION_ATTRS: &[&str] = &[
    "distribution",
    "value",
    "min",
    "max",
    "mean",
    "stdev",
    "lambda",
    "k",
    "x_m",
    "shape",
    "scale",
    "location",
    "theta",
    "n",
    "p",
];

impl Distribution {
    fn parameters_valid(&self) -> bool {
        match *self {
            Distribution::Fixed(v) => v >= 0.0,
            Distribution::Uniform { min, .. } => min >= 0.0,
            Distribution::Normal { stdev, .. } | Distribution::Lognormal { stdev, .. } => stdev >= 0.0,
            Distribution::Exponential { mean } => mean > 0.0,
            Distribution::Weibull { lambda, k } => lambda > 0.0 && k > 0.0,
            Distribution::Pareto { k, x_m } => k > 0.0 && x_m > 0.0,
            Distribution::Gpareto { scale, .. } => scale > 0.0,
            Distribution::Gamma { k, theta } => k > 0.0 && theta > 0.0,
            Distribution::Negbin { n, p } => n > 0.0 && p > 0.0 && p <= 1.0,
        }
    }
}
