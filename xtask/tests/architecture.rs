//! docs/ARCHITECTURE.md cannot drift from the code: every path it names
//! exists, and the crate dependency edges it draws are exactly the edges in the
//! crates' manifests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn architecture() -> String {
    fs::read_to_string(root().join("docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md is readable")
}

/// Inline code spans of a markdown text (fenced blocks skipped).
fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut parts = line.split('`');
        parts.next();
        while let (Some(code), Some(_)) = (parts.next(), parts.next()) {
            spans.push(code.to_owned());
        }
    }
    spans
}

fn looks_like_path(span: &str) -> bool {
    let has_ext = [".md", ".toml", ".rs", ".json", ".sh"]
        .iter()
        .any(|e| span.ends_with(e));
    !span.contains(char::is_whitespace)
        && !span.contains(['<', '>', ':', '*'])
        && (span.contains('/') || has_ext)
}

#[test]
fn every_named_path_exists() {
    let text = architecture();
    let paths: Vec<String> = code_spans(&text)
        .into_iter()
        .filter(|s| looks_like_path(s))
        .collect();
    assert!(
        paths.len() >= 10,
        "expected the crate map to name paths, found {paths:?}"
    );
    let missing: Vec<&String> = paths.iter().filter(|p| !root().join(p).exists()).collect();
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

/// The edges drawn in the "Dependency edges" block: crate -> dependencies.
fn documented_edges(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let section = text
        .split("## Dependency edges")
        .nth(1)
        .expect("a Dependency edges section");
    let block = section
        .split("```")
        .nth(1)
        .expect("a fenced block of edges");
    let mut edges = BTreeMap::new();
    for line in block.lines().skip(1) {
        let Some((from, to)) = line.split_once("->") else {
            continue;
        };
        let deps: BTreeSet<String> = to
            .split(',')
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty() && !d.starts_with('('))
            .collect();
        edges.insert(from.trim().to_owned(), deps);
    }
    edges
}

/// Workspace members: package name -> manifest directory.
fn members() -> BTreeMap<String, PathBuf> {
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml"))
        .expect("root Cargo.toml")
        .parse()
        .expect("root Cargo.toml parses");
    let members = manifest["workspace"]["members"]
        .as_array()
        .expect("workspace.members");
    members
        .iter()
        .map(|m| {
            let dir = root().join(m.as_str().expect("member path"));
            let name = Path::new(m.as_str().expect("member path"))
                .file_name()
                .expect("member directory name")
                .to_string_lossy()
                .into_owned();
            (name, dir)
        })
        .collect()
}

/// Workspace crates a manifest depends on (normal and build dependencies;
/// dev-dependencies are for tests and may reach further).
fn manifest_edges(dir: &Path, workspace: &BTreeSet<String>) -> BTreeSet<String> {
    let manifest: toml::Table = fs::read_to_string(dir.join("Cargo.toml"))
        .expect("member Cargo.toml")
        .parse()
        .expect("member Cargo.toml parses");
    ["dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| manifest.get(*k).and_then(|t| t.as_table()))
        .flat_map(|t| t.keys().cloned())
        .filter(|k| workspace.contains(k))
        .collect()
}

#[test]
fn dependency_edges_match_the_document() {
    let members = members();
    let names: BTreeSet<String> = members.keys().cloned().collect();
    let documented = documented_edges(&architecture());
    for (name, dir) in &members {
        let actual = manifest_edges(dir, &names);
        let expected = documented
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the edge list"));
        assert_eq!(&actual, expected, "dependency edges of {name}");
    }
    for (name, dir) in &members {
        assert!(
            !manifest_edges(dir, &names).contains("xtask"),
            "{name} depends on xtask; nothing may"
        );
    }
}

#[test]
fn span_extraction_sees_paths_and_skips_prose() {
    let spans = code_spans("see `crates/lsm` and `cargo xtask ci`\n```text\n`hidden/path`\n```\n");
    assert_eq!(
        spans,
        vec!["crates/lsm".to_owned(), "cargo xtask ci".to_owned()]
    );
    assert!(looks_like_path("crates/lsm"));
    assert!(looks_like_path("Cargo.toml"));
    assert!(!looks_like_path("cargo xtask ci"));
    assert!(!looks_like_path("results/<figure>/"));
}
