//! Scenario files: TOML text → spanned tree → validated [`Scenario`].
//!
//! `load` never panics on any input: unreadable files, non-UTF-8 bytes, TOML syntax errors
//! and schema violations all come back as [`ScenarioErrors`], each naming file, line:column,
//! key and rule.

pub mod diag;
pub mod schema;
pub mod sipp_load;
pub mod types;
pub mod units;
pub mod walk;

use std::path::Path;

use sha2::{Digest, Sha256};
use toml::de::DeTable;

pub use diag::{Diagnostic, Location, ScenarioErrors, Source};
pub use types::*;
pub use units::Rate;

/// A `--set key=value` override of one scenario key (a dotted path; `site[1].sprout.nodes`
/// reaches into an array of tables).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Override {
    pub key: String,
    pub value: String,
}

impl Override {
    /// Parses `key=value`.
    pub fn parse(text: &str) -> Result<Override, String> {
        let (key, value) = text.split_once('=').ok_or_else(|| format!("expected key=value, got \"{text}\""))?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || key.split('.').any(|k| k.is_empty()) {
            return Err(format!("bad key \"{key}\" in \"{text}\""));
        }
        Ok(Override { key: key.to_string(), value: value.to_string() })
    }

    pub fn text(&self) -> String {
        format!("{}={}", self.key, self.value)
    }
}

/// The largest scenario file read: bundled scenarios are a few KiB.
pub const FILE_SIZE_MAX: u64 = 1024 * 1024;

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
    load_with(path, &[])
}

/// Reads a scenario file, applies `overrides`, validates the result.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioErrors> {
    SourceText::read(path)?.load(overrides)
}

/// A scenario file's bytes as read, with the names loading gives them: `file` (the path as
/// given, which names the file in messages and locates SIPp files beside it) and `stem` (the
/// scenario's name when the file sets none). A sharded run keeps this in its part files, so
/// `cwsim merge` validates the same text again without the original file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceText {
    pub file: String,
    pub stem: String,
    pub bytes: Vec<u8>,
}

impl SourceText {
    pub fn read(path: &Path) -> Result<SourceText, ScenarioErrors> {
        let file = path.display().to_string();
        let whole_file = |msg: String| ScenarioErrors(vec![Source::new(file.clone(), "").whole_file(msg)]);
        let bytes = read_capped(path).map_err(|e| whole_file(format!("cannot read the file: {e}")))?;
        if bytes.len() as u64 > FILE_SIZE_MAX {
            return Err(whole_file(format!(
                "the file is larger than {} KiB; scenario files are small TOML texts",
                FILE_SIZE_MAX / 1024
            )));
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario".into());
        Ok(SourceText { file, stem, bytes })
    }

    /// Applies `overrides` and validates.
    pub fn load(&self, overrides: &[Override]) -> Result<Scenario, ScenarioErrors> {
        parse_with(&self.file, &self.stem, &self.bytes, overrides)
    }
}

/// Reads at most one byte more than [`FILE_SIZE_MAX`] (`/dev/zero` ends there too).
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    let mut bytes = Vec::new();
    file.take(FILE_SIZE_MAX + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Validates scenario bytes; `file` names the source in messages, `default_name` is the
/// scenario name when the file sets none.
pub fn parse(file: &str, default_name: &str, bytes: &[u8]) -> Result<Scenario, ScenarioErrors> {
    parse_with(file, default_name, bytes, &[])
}

/// One step of an override's key path.
enum Segment<'a> {
    Key(&'a str),
    Item(&'a str, usize),
}

fn segments(key: &str) -> Result<Vec<Segment<'_>>, String> {
    key.split('.')
        .map(|part| match part.split_once('[') {
            None => Ok(Segment::Key(part)),
            Some((name, rest)) => {
                let index = rest
                    .strip_suffix(']')
                    .and_then(|i| i.parse::<usize>().ok())
                    .ok_or_else(|| format!("bad index in \"{part}\": write name[0]"))?;
                Ok(Segment::Item(name, index))
            }
        })
        .collect()
}

/// Sets `key` to `value` in the parsed document, creating tables on the way.
fn apply_override<'i>(
    doc: &mut DeTable<'i>,
    key: &str,
    value: toml::de::DeValue<'i>,
    span: std::ops::Range<usize>,
) -> Result<(), String> {
    use toml::de::DeValue;
    use toml::Spanned;
    let path = segments(key)?;
    let mut table = doc;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match seg {
            Segment::Key(name) if last => {
                table.insert(
                    Spanned::new(span.clone(), std::borrow::Cow::Owned(name.to_string())),
                    Spanned::new(span, value),
                );
                return Ok(());
            }
            Segment::Key(name) => {
                if table.get_mut(*name).is_none() {
                    table.insert(
                        Spanned::new(span.clone(), std::borrow::Cow::Owned(name.to_string())),
                        Spanned::new(span.clone(), DeValue::Table(DeTable::new())),
                    );
                }
                match table.get_mut(*name).expect("just ensured").get_mut() {
                    DeValue::Table(t) => table = t,
                    _ => return Err(format!("\"{name}\" is not a table")),
                }
            }
            Segment::Item(name, index) => {
                let Some(v) = table.get_mut(*name) else {
                    return Err(format!("the scenario has no [[{name}]] to index"));
                };
                let DeValue::Array(items) = v.get_mut() else {
                    return Err(format!("\"{name}\" is not an array of tables"));
                };
                let n = items.len();
                let Some(item) = items.get_mut(*index) else {
                    return Err(format!("{name}[{index}] does not exist ({n} defined)"));
                };
                match item.get_mut() {
                    DeValue::Table(t) if !last => table = t,
                    _ => return Err(format!("{name}[{index}] cannot be replaced as a whole; set one of its keys")),
                }
            }
        }
    }
    Ok(())
}

/// The start of the line with the most nesting characters ('.', '[', '{').
fn most_nested_line(text: &str) -> std::ops::Range<usize> {
    let mut best = (0usize, 0usize);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let depth = line.chars().filter(|c| matches!(c, '.' | '[' | '{')).count();
        if depth > best.0 {
            best = (depth, start);
        }
        start += line.len();
    }
    best.1..best.1
}

/// The keys the schema reads for this text (valid or not), for tests of the schema itself.
pub fn asked_keys(text: &str) -> std::collections::BTreeSet<String> {
    let source = Source::new("keys", text);
    let Ok(doc) = DeTable::parse(text) else { return Default::default() };
    let ctx = walk::Ctx::new(&source);
    let root = walk::Table::root(&ctx, &doc);
    let _ = schema::scenario(&root, "keys", String::new());
    root.finish();
    ctx.asked_keys()
}

/// Validates scenario bytes with `--set` overrides applied.
pub fn parse_with(
    file: &str,
    default_name: &str,
    bytes: &[u8],
    overrides: &[Override],
) -> Result<Scenario, ScenarioErrors> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let src = Source::new(file, String::from_utf8_lossy(valid).into_owned());
            let at = valid.len();
            return Err(ScenarioErrors(vec![src.diagnostic(
                &(at..at),
                "",
                format!("the file is not valid UTF-8 (bad byte at offset {at}); scenario files must be UTF-8 text"),
            )]));
        }
    };
    let mut source = Source::new(file, text);
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(ScenarioErrors(vec![source.diagnostic(
            &(0..0),
            "simulation",
            "the file is empty; a scenario needs at least [simulation] with `duration`, [load] and (for Clearwater) one [[site]] — see README.md",
        )]));
    }
    let (mut doc, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let diags = syntax_errors
            .iter()
            .map(|e| {
                // The parser gives no position for a nesting-depth error: point at the most
                // deeply nested line rather than at 1:1.
                let span = e.span().unwrap_or_else(|| most_nested_line(text));
                source.diagnostic(&span, "", format!("TOML syntax error: {}", e.message().trim()))
            })
            .collect();
        return Err(ScenarioErrors(diags));
    }
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    let mut override_errors = Vec::new();
    for o in overrides {
        hasher.update(format!("\n--set {}", o.text()).as_bytes());
        let base = source.add_override(o.text());
        // A TOML literal (number, boolean, quoted string) as written; anything else
        // ("10ms", "later") is taken as a string.
        let value = match toml::de::DeValue::parse(&o.value) {
            Ok(v) if !matches!(v.get_ref(), toml::de::DeValue::Table(_)) => v.into_inner(),
            _ => toml::de::DeValue::String(std::borrow::Cow::Borrowed(o.value.as_str())),
        };
        if let Err(e) = apply_override(doc.get_mut(), &o.key, value, base..base + 1) {
            override_errors.push(source.diagnostic(&(base..base + 1), &o.key, e));
        }
    }
    if !override_errors.is_empty() {
        return Err(ScenarioErrors(override_errors));
    }
    let hash = format!("{:x}", hasher.finalize());
    let ctx = walk::Ctx::new(&source);
    let root = walk::Table::root(&ctx, &doc);
    let mut scenario = schema::scenario(&root, default_name, hash);
    root.finish();
    if let Load::Sipp(load) = &scenario.load {
        // The SIPp files are inputs too.
        let mut hasher = Sha256::new();
        hasher.update(scenario.hash.as_bytes());
        for s in &load.sources {
            hasher.update(s.inputs_sha256.as_bytes());
        }
        scenario.hash = format!("{:x}", hasher.finalize());
    }
    if ctx.has_errors() {
        Err(ScenarioErrors(ctx.into_errors()))
    } else {
        Ok(scenario)
    }
}
