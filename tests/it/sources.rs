//! Every citation tag resolves in `docs/sources.md`: each distinct tag (`doc …` or `src …` in
//! square brackets) written in `src/**/*.rs` or `scenarios/*.toml` appears there verbatim, so
//! a new or re-spelled tag needs its entry on that page.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo;

/// The files under `dir` whose name ends with `ext`, sorted; subdirectories too if `deep`.
fn files(dir: &Path, ext: &str, deep: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if deep {
                out.extend(files(&path, ext, deep));
            }
        } else if path.to_str().is_some_and(|p| p.ends_with(ext)) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A tag found in a text: complete (up to its matching `]`), or still open at the end of its
/// line.
#[derive(Debug, PartialEq)]
enum Tag<'a> {
    Closed(&'a str),
    Open(&'a str),
}

/// The citation tags in `text`: from an opening bracket followed by `doc ` or `src ` to the
/// matching `]`, one level of nested brackets allowed (as in the tag of Chronos's
/// `[throttling]` defaults). A tag must fit on its line; one that does not is returned as
/// `Open`, up to the end of the line.
fn tags(text: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    for (start, _) in text.match_indices('[') {
        let rest = &text[start + 1..];
        if start < from || !(rest.starts_with("doc ") || rest.starts_with("src ")) {
            continue;
        }
        let mut depth = 0;
        let mut end = None;
        for (i, c) in text[start..].char_indices() {
            match c {
                '[' if depth < 2 => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + i + 1);
                        break;
                    }
                }
                '\n' => break,
                _ => {}
            }
        }
        match end {
            Some(end) => {
                out.push(Tag::Closed(&text[start..end]));
                from = end;
            }
            None => {
                let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                out.push(Tag::Open(&text[start..line_end]));
            }
        }
    }
    out
}

#[test]
fn the_tag_scanner_finds_closed_nested_and_open_tags() {
    // Written with `<` for `[` so that this file holds no tags itself.
    let open = |s: &str| s.replace('<', "[");
    let text =
        open("a <doc 8.21] b <src x: y.cpp, <z] defaults] c <docs] <pjsip]\nd <src x: y.cpp,\n// e] <doc 1.2]<src q]");
    let (t1, t2, t3, t4, t5) = (
        open("<doc 8.21]"),
        open("<src x: y.cpp, <z] defaults]"),
        open("<src x: y.cpp,"),
        open("<doc 1.2]"),
        open("<src q]"),
    );
    assert_eq!(
        tags(&text),
        vec![Tag::Closed(&t1), Tag::Closed(&t2), Tag::Open(&t3), Tag::Closed(&t4), Tag::Closed(&t5)]
    );
}

#[test]
fn every_citation_tag_in_the_code_and_scenarios_is_explained_in_docs_sources_md() {
    let root = repo();
    let sources_md = std::fs::read_to_string(root.join("docs/sources.md")).expect("read docs/sources.md");
    let mut scanned = files(&root.join("src"), ".rs", true);
    scanned.extend(files(&root.join("scenarios"), ".toml", false));

    // Tag → the files that use it; tags left open at the end of their line, with their file.
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut open: Vec<String> = Vec::new();
    for path in &scanned {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let name = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        for tag in tags(&text) {
            match tag {
                Tag::Closed(t) => {
                    used.entry(t.to_string()).or_default().insert(name.clone());
                }
                Tag::Open(t) => open.push(format!("{t}  ({name})")),
            }
        }
    }
    // A scanner that finds nothing proves nothing.
    assert!(used.len() >= 20, "only {} citation tags found in src/ and scenarios/: {:?}", used.len(), used.keys());

    let missing: Vec<String> = used
        .iter()
        .filter(|(tag, _)| !sources_md.contains(tag.as_str()))
        .map(|(tag, files)| format!("{tag}  ({})", files.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect();
    let mut problems = String::new();
    if !missing.is_empty() {
        problems += &format!(
            "{} of {} distinct citation tags do not appear verbatim in docs/sources.md:\n  {}\n",
            missing.len(),
            used.len(),
            missing.join("\n  ")
        );
    }
    if !open.is_empty() {
        problems +=
            &format!("citation tags not closed on their line (keep a tag on one line):\n  {}\n", open.join("\n  "));
    }
    assert!(problems.is_empty(), "{problems}");
}
