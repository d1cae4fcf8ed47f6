//! Reading the CSV files of `cwsim ports` (port tables, deployments, rule sets): a header of
//! known columns, `#` comment lines, every error naming file:line.

use std::fmt;

/// An input error at a place in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for InputError {}

/// A record with its line and the header's column positions.
pub struct Record<'a> {
    pub line: u64,
    fields: csv::StringRecord,
    columns: &'a [(&'static str, Option<usize>)],
}

impl Record<'_> {
    /// The value of a column (empty when the column is absent or the cell empty).
    pub fn get(&self, column: &str) -> &str {
        self.columns
            .iter()
            .find(|(name, _)| *name == column)
            .and_then(|(_, at)| *at)
            .and_then(|i| self.fields.get(i))
            .unwrap_or("")
    }
}

/// Parses `text` (named `file` in errors) whose header must name only columns of `columns`
/// (name, required) and every required one; calls `row` on each record. Every problem is
/// collected; lines starting with `#` are comments.
pub fn read(
    file: &str,
    text: &str,
    columns: &[(&'static str, bool)],
    mut row: impl FnMut(&Record<'_>, &mut Vec<InputError>),
) -> Result<(), Vec<InputError>> {
    let err = |line: u64, message: String| InputError { file: file.to_string(), line, message };
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![err(e.position().map_or(1, |p| p.line()), format!("unreadable header: {e}"))]),
    };
    // The header is the first line that is neither blank nor a comment.
    let header_line =
        text.lines().position(|l| !l.trim().is_empty() && !l.starts_with('#')).map_or(1, |i| i as u64 + 1);
    let known: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let mut errors = Vec::new();
    if header.iter().all(str::is_empty) {
        errors.push(err(header_line, format!("empty file: expected a header of columns {}", known.join(","))));
        return Err(errors);
    }
    for (i, name) in header.iter().enumerate() {
        if !known.contains(&name) {
            errors.push(err(header_line, format!("unknown column \"{name}\"; expected {}", known.join(","))));
        } else if header.iter().take(i).any(|n| n == name) {
            errors.push(err(header_line, format!("column \"{name}\" given twice")));
        }
    }
    for (name, required) in columns {
        if *required && !header.iter().any(|n| n == *name) {
            errors.push(err(header_line, format!("missing column \"{name}\"")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let positions: Vec<(&'static str, Option<usize>)> =
        columns.iter().map(|(n, _)| (*n, header.iter().position(|h| h == *n))).collect();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.len() > header.len() {
                    errors.push(err(line, format!("{} fields where the header has {}", record.len(), header.len())));
                    continue;
                }
                let r = Record { line, fields: record.clone(), columns: &positions };
                row(&r, &mut errors);
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("{len} fields where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8".to_string(),
                    _ => format!("unreadable CSV: {e}"),
                };
                errors.push(err(line, message));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
