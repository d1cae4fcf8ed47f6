//! Problems in a SIPp scenario file, collected all at once and each shown as
//! `file:line:column: <construct>: message` with the source line and a caret (the scenario
//! files' diagnostics, reused).

use std::fmt;
use std::ops::Range;

use crate::scenario::diag::{Diagnostic, Source};

/// Every problem of one SIPp file (never empty when returned as an error).
#[derive(Clone, Debug)]
pub struct SippErrors(pub Vec<Diagnostic>);

impl fmt::Display for SippErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::scenario::diag::write_all(f, &self.0, "SIPp scenario")
    }
}

impl std::error::Error for SippErrors {}

/// The problems found so far, against the file's text.
pub struct Errors<'a> {
    pub source: &'a Source,
    pub list: Vec<Diagnostic>,
}

/// A cap on the problems reported for one file: a file that is not a scenario at all (the
/// fuzzer's, or a binary) would otherwise list one per byte.
pub const ERRORS_MAX: usize = 100;

impl<'a> Errors<'a> {
    pub fn new(source: &'a Source) -> Self {
        Errors { source, list: Vec::new() }
    }

    /// Records a problem at `span` about `construct` (e.g. `<recv response>`).
    pub fn at(&mut self, span: &Range<usize>, construct: &str, message: impl Into<String>) {
        if self.list.len() < ERRORS_MAX {
            self.list.push(self.source.diagnostic(span, construct, message));
        }
    }

    pub fn whole(&mut self, message: impl Into<String>) {
        if self.list.len() < ERRORS_MAX {
            self.list.push(self.source.whole_file(message));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.source.locate(&(offset..offset)).0 {
            crate::scenario::diag::Location::File { line, .. } => line,
            _ => 0,
        }
    }

    pub fn finish(self) -> SippErrors {
        SippErrors(self.list)
    }
}

/// `a, b, c` for "supported: …" lists.
pub fn list(names: &[&str]) -> String {
    names.join(", ")
}
