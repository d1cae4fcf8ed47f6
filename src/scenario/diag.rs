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
    /// The source line (made printable) and the caret's column in it, for the display.
    pub source_line: Option<(String, usize)>,
}

/// Input echoed in a message must not steer the terminal: control characters (escape
/// sequences, carriage returns) and bidirectional overrides are shown escaped, tabs as
/// spaces (so the caret still lines up).
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        match c {
            '\t' => out.push(' '),
            c if c.is_control() || bidi => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = printable(&self.file);
        match &self.location {
            Location::File { line, column } => write!(f, "{file}:{line}:{column}: ")?,
            Location::Override(text) => write!(f, "{file}: --set {}: ", printable(text))?,
            Location::WholeFile => write!(f, "{file}: ")?,
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", printable(&self.key))?;
        }
        write!(f, "{}", printable(&self.message))?;
        if let (Some((src, caret)), Location::File { line, .. }) = (&self.source_line, &self.location) {
            let gutter = line.to_string().len();
            write!(f, "\n {:gutter$} |\n {line} | {src}\n {:gutter$} | {:>col$}", "", "", "^", col = caret)?;
        }
        Ok(())
    }
}

/// All problems of one scenario file (never empty when returned as an error).
#[derive(Clone, Debug)]
pub struct ScenarioErrors(pub Vec<Diagnostic>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_all(f, &self.0, "scenario")
    }
}

/// Every diagnostic, then how many there were in `what` ("scenario", "SIPp scenario").
pub fn write_all(f: &mut fmt::Formatter<'_>, list: &[Diagnostic], what: &str) -> fmt::Result {
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            writeln!(f)?;
        }
        write!(f, "error: {d}")?;
    }
    let n = list.len();
    write!(f, "\n{n} error{} in {what}", if n == 1 { "" } else { "s" })
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

    pub fn locate(&self, span: &Range<usize>) -> (Location, Option<(String, usize)>) {
        if span.start >= OVERRIDE_BASE {
            let text = self.overrides.get(span.start - OVERRIDE_BASE).cloned().unwrap_or_default();
            return (Location::Override(text), None);
        }
        let offset = span.start.min(self.text.len());
        let line_idx = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line_idx];
        let line_text = self.text[start..].lines().next().unwrap_or("");
        // A span inside a multi-byte character (never from the parser) snaps to its start.
        let mut offset = offset;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[start..offset.max(start)];
        let column = before.chars().count() + 1;
        let caret = printable(before).chars().count() + 1;
        (Location::File { line: line_idx + 1, column }, Some((printable(line_text), caret)))
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

    #[test]
    fn echoed_input_cannot_steer_the_terminal() {
        let s = Source::new("f.toml", "name = \"\u{1b}[2J\u{202E}x\" # evil\n");
        let at = s.text.find('#').unwrap();
        let d = s.diagnostic(&(at..at + 1), "name\u{1b}", "got \"\u{1b}[2J\r\"");
        let shown = d.to_string();
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
        assert!(!shown.contains('\u{202E}'), "{shown:?}");
        assert!(shown.contains("\\u{1b}[2J"), "{shown:?}");
        // The caret sits under '#' in the escaped line.
        let lines: Vec<&str> = shown.lines().collect();
        let (src, caret) = (lines[2], lines[3]);
        assert_eq!(src.find('#'), caret.find('^'), "{shown}");
    }
}
