//! Run outputs: summary.json, CSV files, the text and HTML reports; written atomically.

pub mod clearwater;
pub mod common;
pub mod files;
mod glyphs;
pub mod html;
pub mod plots;
pub mod ports;
pub mod queue;

pub use files::OutputFiles;
