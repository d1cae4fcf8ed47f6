//! Diagnostics for scenario files: every problem found, with file, line:column, key path
//! and the rule broken. Validation collects them all before reporting, so a user fixes a
//! file in one pass instead of one error per run.

use std::fmt;
use std::ops::Range;

/// Spans at or above this offset point into a command-line override (`--set`) rather than
/// into the file; the override's index is `span.start - OVERRIDE_BASE`.
pub const OVERRIDE_BASE: usize = usize::MAX / 2;

/// Where a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// 1-based line and column (in characters) in the scenario file.
    File { line: usize, column: usize },
    /// A `--set key=value` override given on the command line.
    Override(String),
    /// The file as a whole (empty file, unreadable file).
    WholeFile,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub location: Location,
    /// Dotted key path, e.g. `site[0].sprout.cores`; empty for file-level problems.
    pub key: String,
    pub message: String,
    /// The source line, for the caret display.
    pub source_line: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File { line, column } => write!(f, "{}:{line}:{column}: ", self.file)?,
            Location::Override(text) => write!(f, "{}: --set {text}: ", self.file)?,
            Location::WholeFile => write!(f, "{}: ", self.file)?,
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if let (Some(src), Location::File { line, column }) = (&self.source_line, &self.location) {
            let gutter = line.to_string().len();
            write!(f, "\n {:gutter$} |\n {line} | {src}\n {:gutter$} | {:>col$}", "", "", "^", col = column)?;
        }
        Ok(())
    }
}

/// All problems of one scenario file (never empty when returned as an error).
#[derive(Clone, Debug)]
pub struct ScenarioErrors(pub Vec<Diagnostic>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        let n = self.0.len();
        write!(f, "\n{n} error{} in scenario", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for ScenarioErrors {}

/// The text of a scenario plus a line index, to turn byte spans into line:column.
pub struct Source {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    overrides: Vec<String>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source { name: name.into(), text, line_starts, overrides: Vec::new() }
    }

    /// Registers an override's text; returns the base offset its spans use.
    pub fn add_override(&mut self, text: String) -> usize {
        self.overrides.push(text);
        OVERRIDE_BASE + self.overrides.len() - 1
    }

    pub fn locate(&self, span: &Range<usize>) -> (Location, Option<String>) {
        if span.start >= OVERRIDE_BASE {
            let text = self.overrides.get(span.start - OVERRIDE_BASE).cloned().unwrap_or_default();
            return (Location::Override(text), None);
        }
        let offset = span.start.min(self.text.len());
        let line_idx = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line_idx];
        let line_text = self.text[start..].lines().next().unwrap_or("");
        let column = self.text[start..offset].chars().count() + 1;
        (Location::File { line: line_idx + 1, column }, Some(line_text.to_string()))
    }

    pub fn diagnostic(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> Diagnostic {
        let (location, source_line) = self.locate(span);
        Diagnostic { file: self.name.clone(), location, key: key.to_string(), message: message.into(), source_line }
    }

    pub fn whole_file(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.name.clone(),
            location: Location::WholeFile,
            key: String::new(),
            message: message.into(),
            source_line: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let s = Source::new("f.toml", "a = 1\nbé = 2\n");
        assert_eq!(s.locate(&(0..1)).0, Location::File { line: 1, column: 1 });
        // 'é' is two bytes but one column.
        let eq = s.text.find("= 2").unwrap();
        assert_eq!(s.locate(&(eq..eq + 1)).0, Location::File { line: 2, column: 4 });
        let d = s.diagnostic(&(eq..eq + 1), "b", "must be > 0, got -3");
        assert!(d.to_string().starts_with("f.toml:2:4: b: must be > 0, got -3"));
    }
}
