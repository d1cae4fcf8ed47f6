//! Scenario files: TOML text → spanned tree → validated [`Scenario`].
//!
//! `load` never panics on any input: unreadable files, non-UTF-8 bytes, TOML syntax errors
//! and schema violations all come back as [`ScenarioErrors`], each naming file, line:column,
//! key and rule.

pub mod diag;
pub mod schema;
pub mod types;
pub mod units;
pub mod walk;

use std::path::Path;

use sha2::{Digest, Sha256};
use toml::de::DeTable;

pub use diag::{Diagnostic, Location, ScenarioErrors, Source};
pub use types::*;
pub use units::Rate;

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        ScenarioErrors(vec![Source::new(name.clone(), "").whole_file(format!("cannot read the file: {e}"))])
    })?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario".into());
    parse(&name, &stem, &bytes)
}

/// Validates scenario bytes; `file` names the source in messages, `default_name` is the
/// scenario name when the file sets none.
pub fn parse(file: &str, default_name: &str, bytes: &[u8]) -> Result<Scenario, ScenarioErrors> {
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
    let source = Source::new(file, text);
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(ScenarioErrors(vec![source.diagnostic(
            &(0..0),
            "simulation",
            "the file is empty; a scenario needs at least [simulation] with `duration`, [load] and (for Clearwater) one [[site]] — see README.md",
        )]));
    }
    let (doc, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let diags = syntax_errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                source.diagnostic(&span, "", format!("TOML syntax error: {}", e.message().trim()))
            })
            .collect();
        return Err(ScenarioErrors(diags));
    }
    let hash = format!("{:x}", Sha256::digest(bytes));
    let ctx = walk::Ctx::new(&source);
    let root = walk::Table::root(&ctx, &doc);
    let scenario = schema::scenario(&root, default_name, hash);
    root.finish();
    if ctx.has_errors() {
        Err(ScenarioErrors(ctx.into_errors()))
    } else {
        Ok(scenario)
    }
}
