//! Output files are rendered in memory, then each is written to a temporary file in the
//! output directory and renamed over its final name. A rename is atomic on POSIX file
//! systems, so an interrupted run leaves either the previous file or the complete new one,
//! never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The files of one run, in the order they will be written.
#[derive(Default)]
pub struct OutputFiles {
    files: Vec<(String, Vec<u8>)>,
}

impl OutputFiles {
    pub fn add(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.push((name.into(), bytes.into()));
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice())
    }

    /// Writes every file into `dir` (created if needed); returns the paths written.
    pub fn write_all(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        fs::create_dir_all(dir).with_context(|| format!("cannot create the output directory {}", dir.display()))?;
        self.files.iter().map(|(name, bytes)| write_atomic(&dir.join(name), bytes)).collect()
    }
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_leaves_no_temporaries() {
        let dir = std::env::temp_dir().join(format!("cwsim-files-{}", std::process::id()));
        let mut files = OutputFiles::default();
        files.add("a.txt", "hello");
        files.write_all(&dir).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "hello");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
