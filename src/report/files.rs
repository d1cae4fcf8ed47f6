//! Output files are rendered in memory, then written as a whole directory: every file goes
//! into a temporary sibling directory, which is renamed into place at the end. An
//! interrupted or failed write (Ctrl-C, full disk) leaves the previous outputs or none,
//! never a mixture or half a file.
//!
//! An existing output directory is replaced only if cwsim wrote it (it holds the marker
//! file, or only files a run writes): a mistyped `--out ~` must never remove anything else.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

/// Marks a directory as cwsim's output, replaceable by the next run.
pub const MARKER: &str = ".cwsim-output";
const MARKER_TEXT: &str = "This directory was written by cwsim; the next run into it replaces it as a whole.\n";
/// File endings of the outputs of versions that wrote no marker.
const OUTPUT_ENDINGS: [&str; 6] = [".json", ".csv", ".txt", ".png", ".svg", ".html"];

/// The files of one run, in the order they will be written.
#[derive(Default)]
pub struct OutputFiles {
    files: Vec<(String, Vec<u8>)>,
}

/// Why writing stopped.
#[derive(Debug)]
pub enum WriteError {
    /// The interrupt flag was raised while writing: nothing was changed.
    Interrupted,
    Failed(anyhow::Error),
}

impl OutputFiles {
    pub fn add(&mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.push((name.into(), bytes.into()));
    }

    /// Adds every file of `other` under the subdirectory `dir` (`dir/name`).
    pub fn extend_under(&mut self, dir: &str, other: OutputFiles) {
        self.files.extend(other.files.into_iter().map(|(n, b)| (format!("{dir}/{n}"), b)));
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice())
    }

    /// Writes every file into `dir`, replacing a previous output directory there as a whole;
    /// returns the paths written. `interrupt` is looked at between files.
    pub fn write_all(&self, dir: &Path, interrupt: &AtomicBool) -> std::result::Result<Vec<PathBuf>, WriteError> {
        prepare_output_dir(dir).map_err(|e| WriteError::Failed(anyhow::anyhow!(e)))?;
        let tmp = sibling(dir, "tmp");
        let result = self.write_into(&tmp, interrupt);
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if interrupt.load(Ordering::SeqCst) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(WriteError::Interrupted);
        }
        replace_dir(&tmp, dir).map_err(WriteError::Failed)?;
        Ok(self.files.iter().map(|(name, _)| dir.join(name)).collect())
    }

    fn write_into(&self, tmp: &Path, interrupt: &AtomicBool) -> std::result::Result<(), WriteError> {
        let failed = |e: std::io::Error, what: &Path| {
            WriteError::Failed(anyhow::Error::new(e).context(format!("cannot write {}", what.display())))
        };
        let _ = fs::remove_dir_all(tmp);
        fs::create_dir(tmp).map_err(|e| failed(e, tmp))?;
        pause_for_tests();
        for (name, bytes) in
            self.files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).chain([(MARKER, MARKER_TEXT.as_bytes())])
        {
            if interrupt.load(Ordering::SeqCst) {
                return Err(WriteError::Interrupted);
            }
            let path = tmp.join(name);
            if let Some(parent) = path.parent().filter(|p| *p != tmp) {
                fs::create_dir_all(parent).map_err(|e| failed(e, parent))?;
            }
            write_synced(&path, bytes).map_err(|e| failed(e, &path))?;
            pause_for_tests();
        }
        // The directory entries themselves must reach the disk before the rename.
        fs::File::open(tmp).and_then(|d| d.sync_all()).map_err(|e| failed(e, tmp))
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// `CWSIM_TEST_WRITE_PAUSE_MS`: a pause before each file is written, so that the interrupt
/// tests can deliver SIGINT while a run is writing. Unset in normal use.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("CWSIM_TEST_WRITE_PAUSE_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(10_000)));
    }
}

/// `parent/.name.kind-PID`: a hidden sibling of `dir` on the same file system.
fn sibling(dir: &Path, kind: &str) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    dir.with_file_name(format!(".{name}.{kind}-{}", std::process::id()))
}

/// Moves `tmp` to `dir`, replacing an earlier output directory there.
fn replace_dir(tmp: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        let old = sibling(dir, "old");
        let _ = fs::remove_dir_all(&old);
        fs::rename(dir, &old).with_context(|| format!("cannot move the previous outputs {} aside", dir.display()))?;
        if let Err(e) = fs::rename(tmp, dir) {
            // Put the previous outputs back; the new ones stay in the temporary directory's
            // place only long enough to be removed.
            let _ = fs::rename(&old, dir);
            let _ = fs::remove_dir_all(tmp);
            return Err(e).with_context(|| format!("cannot move the new outputs into {}", dir.display()));
        }
        let _ = fs::remove_dir_all(&old);
    } else if let Err(e) = fs::rename(tmp, dir) {
        let _ = fs::remove_dir_all(tmp);
        return Err(e).with_context(|| format!("cannot move the new outputs into {}", dir.display()));
    }
    Ok(())
}

/// Whether outputs can go to `dir`: it is absent or an earlier output directory, and its
/// parent, or the nearest ancestor that exists, takes new entries. Called before simulating,
/// so a bad `--out` is refused at once; creates nothing, so a run that is refused, fails or
/// is interrupted leaves no empty directories behind.
pub fn check_output_dir(dir: &Path) -> std::result::Result<(), String> {
    check_dir(dir, false)
}

/// [`check_output_dir`] just before writing, creating the missing parent directories.
fn prepare_output_dir(dir: &Path) -> std::result::Result<(), String> {
    check_dir(dir, true)
}

fn check_dir(dir: &Path, create: bool) -> std::result::Result<(), String> {
    if dir.as_os_str().is_empty() {
        return Err("the output directory is empty; name one".into());
    }
    if dir.file_name().is_none() {
        return Err(format!("{} cannot be an output directory (it names no directory of its own)", dir.display()));
    }
    match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => replaceable(dir)?,
        Ok(_) => return Err(format!("{} exists and is not a directory", dir.display())),
        Err(_) => {}
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if create {
        fs::create_dir_all(&parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        let probe = sibling(dir, "probe");
        fs::create_dir(&probe).map_err(|e| format!("cannot write into {}: {e}", parent.display()))?;
        let _ = fs::remove_dir(&probe);
        return Ok(());
    }
    // The directories still to be created would go into the nearest existing ancestor.
    let existing = parent.ancestors().find(|p| p.as_os_str().is_empty() || fs::symlink_metadata(p).is_ok());
    let existing = match existing {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !existing.is_dir() {
        return Err(format!("cannot create {}: {} is not a directory", parent.display(), existing.display()));
    }
    let probe = existing.join(format!(".cwsim-probe-{}", std::process::id()));
    fs::create_dir(&probe).map_err(|e| format!("cannot write into {}: {e}", existing.display()))?;
    let _ = fs::remove_dir(&probe);
    Ok(())
}

/// An existing directory may be replaced if it is empty, holds the marker, or (outputs of
/// versions before the marker) holds a summary or sweep table and only output files.
fn replaceable(dir: &Path) -> std::result::Result<(), String> {
    let entries: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let marked = entries.iter().any(|n| n == MARKER);
    let legacy = entries.iter().any(|n| n == "summary.json" || n == "sweep.csv")
        && entries.iter().all(|n| OUTPUT_ENDINGS.iter().any(|e| n.ends_with(e)) && !n.starts_with('.'));
    if entries.is_empty() || marked || legacy {
        return Ok(());
    }
    let mut foreign: Vec<&str> = entries.iter().map(String::as_str).take(5).collect();
    foreign.sort_unstable();
    Err(format!(
        "{} exists and is not a cwsim output directory (it holds {}{}); cwsim replaces its output directory as a \
         whole, so choose another one or remove it",
        dir.display(),
        foreign.join(", "),
        if entries.len() > 5 { ", …" } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cwsim-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_replaces_and_leaves_no_temporaries() {
        let root = temp("replace");
        let out = root.join("out");
        let never = AtomicBool::new(false);
        let mut first = OutputFiles::default();
        first.add("a.txt", "one");
        first.add("b.csv", "x");
        first.write_all(&out, &never).unwrap();
        let mut second = OutputFiles::default();
        second.add("a.txt", "two");
        second.write_all(&out, &never).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "two");
        // b.csv belonged to the previous run: the directory is replaced as a whole.
        assert_eq!(entries(&out), vec![MARKER.to_string(), "a.txt".into()]);
        assert_eq!(entries(&root), vec!["out".to_string()]);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_interrupt_while_writing_keeps_the_previous_outputs() {
        let root = temp("interrupt");
        let out = root.join("out");
        let mut files = OutputFiles::default();
        files.add("a.txt", "old");
        files.write_all(&out, &AtomicBool::new(false)).unwrap();
        let mut newer = OutputFiles::default();
        newer.add("a.txt", "new");
        assert!(matches!(newer.write_all(&out, &AtomicBool::new(true)), Err(WriteError::Interrupted)));
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "old");
        assert_eq!(entries(&root), vec!["out".to_string()]);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_directory_cwsim_did_not_write_is_never_replaced() {
        let root = temp("foreign");
        fs::write(root.join("notes.md"), "mine").unwrap();
        let err = check_output_dir(&root).unwrap_err();
        assert!(err.contains("not a cwsim output directory") && err.contains("notes.md"), "{err}");
        let file = root.join("notes.md");
        assert!(check_output_dir(&file).unwrap_err().contains("not a directory"));
        assert!(check_output_dir(Path::new("")).is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}
