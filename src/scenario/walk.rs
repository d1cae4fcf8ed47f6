//! A validating walk over a parsed TOML document.
//!
//! Serde's derive stops at the first problem; users want every problem at once, each with
//! its line and key. So the schema is written as code that walks the spanned TOML tree:
//! each accessor names a key and a rule, records a diagnostic when the rule fails, and
//! returns a usable value (or `None`) so validation carries on. Keys asked for are
//! remembered; whatever remains in a table when it is finished is an unknown key, reported
//! with the list of valid ones. One definition of the schema serves parsing, defaults,
//! errors and the valid-key lists.

use std::cell::RefCell;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diag::{Diagnostic, Source};
use super::units::{parse_dist, parse_duration, parse_rate, Rate};
use crate::engine::{Dist, SimDuration};

/// Shared state of one validation: the source and the diagnostics found so far.
pub struct Ctx<'s> {
    pub source: &'s Source,
    errors: RefCell<Vec<Diagnostic>>,
    /// Every key the schema asked for, as a path with array indices dropped (`site[].bono.nodes`).
    asked: RefCell<std::collections::BTreeSet<String>>,
}

impl<'s> Ctx<'s> {
    pub fn new(source: &'s Source) -> Self {
        Ctx { source, errors: RefCell::new(Vec::new()), asked: RefCell::default() }
    }

    /// The keys the schema asked for in this walk (which depend on the profile and fault
    /// kinds present): the test that every key has an effect enumerates them this way.
    pub fn asked_keys(&self) -> std::collections::BTreeSet<String> {
        self.asked.borrow().clone()
    }

    pub fn error(&self, span: &Range<usize>, key: &str, message: impl Into<String>) {
        self.errors.borrow_mut().push(self.source.diagnostic(span, key, message));
    }

    pub fn into_errors(self) -> Vec<Diagnostic> {
        let mut errors = self.errors.into_inner();
        // Report in file order; overrides and whole-file problems last.
        errors.sort_by_key(|d| match d.location {
            super::diag::Location::File { line, column } => (0, line, column),
            super::diag::Location::Override(_) => (1, 0, 0),
            super::diag::Location::WholeFile => (2, 0, 0),
        });
        errors
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// Errors recorded so far: comparing counts before and after a check tells whether its
    /// inputs were valid, so that later checks can skip invalid ones.
    pub fn error_count(&self) -> usize {
        self.errors.borrow().len()
    }
}

/// One TOML table being validated (possibly absent: then every key takes its default).
pub struct Table<'a> {
    ctx: &'a Ctx<'a>,
    path: String,
    table: Option<&'a DeTable<'a>>,
    span: Range<usize>,
    asked: RefCell<Vec<&'static str>>,
}

/// A rule: turns a raw value into a typed one or explains what is wrong.
pub type Rule<'r, T> = &'r dyn Fn(&DeValue) -> Result<T, String>;

impl<'a> Table<'a> {
    pub fn root(ctx: &'a Ctx<'a>, doc: &'a Spanned<DeTable<'a>>) -> Self {
        Table { ctx, path: String::new(), table: Some(doc.get_ref()), span: doc.span(), asked: RefCell::default() }
    }

    pub fn ctx(&self) -> &'a Ctx<'a> {
        self.ctx
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn is_present(&self) -> bool {
        self.table.is_some()
    }

    /// The span of the table itself (its header), for errors about the table as a whole.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn lookup(&self, key: &'static str) -> Option<&'a Spanned<DeValue<'a>>> {
        self.asked.borrow_mut().push(key);
        let mut path = String::new();
        let mut in_index = false;
        for c in self.key_path(key).chars() {
            match c {
                '[' => {
                    in_index = true;
                    path.push_str("[]");
                }
                ']' => in_index = false,
                c if !in_index => path.push(c),
                _ => {}
            }
        }
        self.ctx.asked.borrow_mut().insert(path);
        self.table?.get(key)
    }

    /// The span of a key's value, if present (for errors that relate two keys).
    pub fn span_of(&self, key: &str) -> Option<Range<usize>> {
        self.table?.get(key).map(|v| v.span())
    }

    /// Reports a problem with `key` (at its value, or at the table when absent).
    pub fn error(&self, key: &str, message: impl Into<String>) {
        let span = self.span_of(key).unwrap_or_else(|| self.span.clone());
        self.ctx.error(&span, &self.key_path(key), message);
    }

    /// The value of an optional key, checked by `rule`.
    pub fn opt<T>(&self, key: &'static str, rule: Rule<T>) -> Option<T> {
        let v = self.lookup(key)?;
        match rule(v.get_ref()) {
            Ok(t) => Some(t),
            Err(msg) => {
                self.ctx.error(&v.span(), &self.key_path(key), msg);
                None
            }
        }
    }

    /// The value of a required key; a missing key is an error.
    pub fn req<T>(&self, key: &'static str, rule: Rule<T>) -> Option<T> {
        if self.table.is_some_and(|t| t.get(key).is_some()) {
            self.opt(key, rule)
        } else {
            self.lookup(key);
            self.ctx.error(&self.span, &self.key_path(key), "missing required key");
            None
        }
    }

    /// The value of a key with a default (also used after an error, so checks continue).
    pub fn or<T>(&self, key: &'static str, default: T, rule: Rule<T>) -> T {
        self.opt(key, rule).unwrap_or(default)
    }

    /// A sub-table; an absent one is an empty table (all defaults).
    pub fn table(&self, key: &'static str) -> Table<'a> {
        let path = self.key_path(key);
        match self.lookup(key) {
            None => Table { ctx: self.ctx, path, table: None, span: self.span.clone(), asked: RefCell::default() },
            Some(v) => match v.get_ref() {
                DeValue::Table(t) => {
                    Table { ctx: self.ctx, path, table: Some(t), span: v.span(), asked: RefCell::default() }
                }
                other => {
                    self.ctx.error(&v.span(), &path, format!("expected a table, got {}", describe(other)));
                    Table { ctx: self.ctx, path, table: None, span: v.span(), asked: RefCell::default() }
                }
            },
        }
    }

    /// An array of tables (`[[site]]`), each named `key[i]`.
    pub fn tables(&self, key: &'static str) -> Vec<Table<'a>> {
        let Some(v) = self.lookup(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.ctx.error(
                &v.span(),
                &self.key_path(key),
                format!("expected an array of tables ([[{key}]]), got {}", describe(v.get_ref())),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", self.key_path(key));
            match item.get_ref() {
                DeValue::Table(t) => out.push(Table {
                    ctx: self.ctx,
                    path,
                    table: Some(t),
                    span: item.span(),
                    asked: RefCell::default(),
                }),
                other => self.ctx.error(&item.span(), &path, format!("expected a table, got {}", describe(other))),
            }
        }
        out
    }

    /// Ends the walk of this table: every key not asked for is reported as unknown.
    pub fn finish(self) {
        let Some(table) = self.table else { return };
        let asked = self.asked.take();
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if asked.contains(&name) {
                continue;
            }
            let mut valid: Vec<&str> = asked.clone();
            valid.sort_unstable();
            valid.dedup();
            let hint = closest(name, &valid).map(|c| format!(" (did you mean \"{c}\"?)")).unwrap_or_default();
            let msg = if valid.is_empty() {
                format!("unknown key \"{name}\"; this table takes no keys")
            } else {
                format!("unknown key \"{name}\"{hint}; valid keys here: {}", valid.join(", "))
            };
            self.ctx.error(&key.span(), &self.key_path(name), msg);
        }
    }
}

fn describe(v: &DeValue) -> String {
    match v {
        DeValue::String(s) => format!("the string \"{s}\""),
        DeValue::Integer(i) => format!("the integer {i}"),
        DeValue::Float(f) => format!("the float {f}"),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the datetime {d}"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn closest<'k>(name: &str, valid: &[&'k str]) -> Option<&'k str> {
    valid.iter().map(|v| (edit_distance(name, v), *v)).filter(|(d, v)| *d <= 2.max(v.len() / 4)).min().map(|(_, v)| v)
}

// ---------------------------------------------------------------------------------------
// Rules. Each returns the message shown after "file:line:col: key: ".

pub fn string(v: &DeValue) -> Result<String, String> {
    match v {
        DeValue::String(s) => Ok(s.to_string()),
        other => Err(format!("expected a string, got {}", describe(other))),
    }
}

pub fn boolean(v: &DeValue) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("expected true or false, got {}", describe(v)))
}

pub fn integer(v: &DeValue) -> Result<i128, String> {
    match v {
        DeValue::Integer(i) => {
            i128::from_str_radix(i.as_str(), i.radix()).map_err(|_| format!("integer {i} is out of range"))
        }
        other => Err(format!("expected an integer, got {}", describe(other))),
    }
}

/// An integer in `[min, max]`.
pub fn int_in(min: i128, max: i128) -> impl Fn(&DeValue) -> Result<i128, String> {
    move |v| {
        let i = integer(v)?;
        if i < min {
            Err(if min == 1 { format!("must be > 0, got {i}") } else { format!("must be ≥ {min}, got {i}") })
        } else if i > max {
            Err(format!("must be ≤ {max}, got {i}"))
        } else {
            Ok(i)
        }
    }
}

pub fn u32_in(min: u32, max: u32) -> impl Fn(&DeValue) -> Result<u32, String> {
    let inner = int_in(min as i128, max as i128);
    move |v| inner(v).map(|i| i as u32)
}

pub fn u64_in(min: u64, max: u64) -> impl Fn(&DeValue) -> Result<u64, String> {
    let inner = int_in(min as i128, max as i128);
    move |v| inner(v).map(|i| i as u64)
}

/// A finite number (integer or float).
pub fn number(v: &DeValue) -> Result<f64, String> {
    let x = match v {
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().map_err(|_| format!("bad number {f}"))?,
        DeValue::Integer(_) => integer(v)? as f64,
        other => return Err(format!("expected a number, got {}", describe(other))),
    };
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("must be a finite number, got {}", describe(v).trim_start_matches("the float ")))
    }
}

/// A finite number in `[min, max]`.
pub fn number_in(min: f64, max: f64) -> impl Fn(&DeValue) -> Result<f64, String> {
    move |v| {
        let x = number(v)?;
        if x < min || x > max {
            Err(format!("must be in [{min}, {max}], got {x}"))
        } else {
            Ok(x)
        }
    }
}

pub fn probability(v: &DeValue) -> Result<f64, String> {
    number_in(0.0, 1.0)(v).map_err(|e| e.replace("must be in [0, 1]", "must be a probability in [0, 1]"))
}

/// A number > 0.
pub fn positive(v: &DeValue) -> Result<f64, String> {
    let x = number(v)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(format!("must be > 0, got {x}"))
    }
}

pub fn duration(v: &DeValue) -> Result<SimDuration, String> {
    match v {
        DeValue::String(s) => parse_duration(s),
        DeValue::Integer(_) | DeValue::Float(_) => {
            Err(format!("{} needs a unit: write it as a string such as \"{}s\"", describe(v), v_str(v)))
        }
        other => Err(format!("expected a duration string such as \"250ms\", got {}", describe(other))),
    }
}

fn v_str(v: &DeValue) -> String {
    match v {
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        _ => String::new(),
    }
}

/// A duration in `[min, max]`.
pub fn duration_in(min: SimDuration, max: SimDuration) -> impl Fn(&DeValue) -> Result<SimDuration, String> {
    move |v| {
        let d = duration(v)?;
        if d < min {
            Err(if min == SimDuration::from_ns(1) {
                format!("must be > 0, got {d}")
            } else {
                format!("must be ≥ {min}, got {d}")
            })
        } else if d > max {
            Err(format!("must be ≤ {max}, got {d}"))
        } else {
            Ok(d)
        }
    }
}

pub fn rate(v: &DeValue) -> Result<Rate, String> {
    match v {
        DeValue::String(s) => parse_rate(s),
        DeValue::Integer(_) | DeValue::Float(_) => {
            Err(format!("{} needs a period: write it as a string such as \"{}/s\"", describe(v), v_str(v)))
        }
        other => Err(format!("expected a rate string such as \"2.5/s\", got {}", describe(other))),
    }
}

/// A rate > 0 and at most `max_per_s`.
pub fn rate_in(max_per_s: f64) -> impl Fn(&DeValue) -> Result<Rate, String> {
    move |v| {
        let r = rate(v)?;
        if r.as_per_second() <= 0.0 {
            Err(format!("must be > 0, got {r}"))
        } else if r.as_per_second() > max_per_s {
            Err(format!("must be ≤ {max_per_s}/s, got {r}"))
        } else {
            Ok(r)
        }
    }
}

pub fn dist(v: &DeValue) -> Result<Dist, String> {
    match v {
        DeValue::String(s) => parse_dist(s),
        other => Err(format!("expected a distribution string such as \"exp(2ms)\", got {}", describe(other))),
    }
}

/// One of a fixed set of words.
pub fn one_of<'c>(choices: &'c [&'static str]) -> impl Fn(&DeValue) -> Result<&'static str, String> + 'c {
    move |v| {
        let s = string(v)?;
        choices.iter().find(|c| **c == s).copied().ok_or_else(|| {
            format!(
                "must be one of {}, got \"{s}\"",
                choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// An array of values, each checked by `item`.
pub fn array_of<T>(item: impl Fn(&DeValue) -> Result<T, String>) -> impl Fn(&DeValue) -> Result<Vec<T>, String> {
    move |v| match v {
        DeValue::Array(items) => {
            items.iter().enumerate().map(|(i, x)| item(x.get_ref()).map_err(|e| format!("item {i}: {e}"))).collect()
        }
        other => Err(format!("expected an array, got {}", describe(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_key_hint() {
        assert_eq!(closest("duratoin", &["duration", "seed"]), Some("duration"));
        assert_eq!(closest("zzzzzz", &["duration", "seed"]), None);
    }
}
