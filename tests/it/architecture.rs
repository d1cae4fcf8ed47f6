//! The model's structure, checked: small files, no import cycle among the Clearwater
//! model's files, a `World` whose fields are private to the model, and subscriber state
//! that stays small. These are the invariants ARCHITECTURE.md states.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo;

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn no_model_source_file_is_over_450_lines() {
    let mut long = Vec::new();
    for f in rust_files(&repo().join("src/model")) {
        let n = std::fs::read_to_string(&f).expect("read").lines().count();
        if n > 450 {
            long.push(format!("{} ({n} lines)", f.display()));
        }
    }
    assert!(long.is_empty(), "split these: {long:?}");
}

/// `super::NAME` references of each file of the Clearwater model, to sibling files.
fn clearwater_imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = repo().join("src/model/clearwater");
    let files: BTreeMap<String, String> = rust_files(&dir)
        .into_iter()
        .map(|p| {
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .filter(|(name, _)| name != "mod")
        .collect();
    let mut graph = BTreeMap::new();
    for (name, text) in &files {
        let mut deps = BTreeSet::new();
        for (i, _) in text.match_indices("super::") {
            let rest = &text[i + "super::".len()..];
            let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if files.contains_key(&word) && &word != name {
                deps.insert(word);
            }
        }
        graph.insert(name.clone(), deps);
    }
    graph
}

#[test]
fn the_clearwater_model_files_import_each_other_without_a_cycle() {
    let graph = clearwater_imports();
    // Sanity: the reader sees the imports it should (world.rs builds on the state files).
    assert!(graph["world"].contains("node") && graph["sprout"].contains("world"), "{graph:?}");
    // Depth-first search; a back edge is a cycle.
    fn visit<'a>(
        n: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        path.push(n);
        for d in &g[n] {
            match state.get(d.as_str()) {
                Some(1) => {
                    let from = path.iter().position(|p| p == d).expect("on path");
                    let mut cycle: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(d, g, state, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n.as_str()) {
            if let Some(c) = visit(n, &graph, &mut state, &mut Vec::new()) {
                panic!("import cycle: {}", c.join(" → "));
            }
        }
    }
}

#[test]
fn world_has_no_public_fields() {
    let text = std::fs::read_to_string(repo().join("src/model/clearwater/world.rs")).expect("read");
    let start = text.find("pub struct World {").expect("World defined in world.rs");
    let body = &text[start..start + text[start..].find("\n}\n").expect("end of struct")];
    let public: Vec<&str> = body.lines().skip(1).filter(|l| l.trim_start().starts_with("pub ")).collect();
    assert!(public.is_empty(), "public fields of World: {public:?}");
    assert!(body.lines().filter(|l| l.trim_start().starts_with("pub(super) ")).count() > 10);
}
