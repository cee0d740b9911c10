//! No workspace crate has a loop among its modules.
//!
//! For every library crate under `crates/` and for `xtask/src`, each `.rs`
//! file of `src/` is read as a module (`src/a/b.rs` and `src/a/b/mod.rs` are
//! `a::b`; inline `mod x { ... }` blocks nest inside their file's module).
//! A module depends on another where its code names it through `use
//! crate::...`, a `crate::...` path or a `super::...` path; `crate::Item`
//! resolves through the crate root's `use` declarations to the module that
//! defines `Item`. A path ends at its longest prefix that is a module (in
//! `crate::a::b::Item` the target is `a::b` when `a::b` is a module, else
//! `a`). A module's edges to itself and to its own submodules are not
//! dependencies (a parent declares and re-exports its children), and
//! `$crate` paths in macros, strings and comments are not read. Items under
//! `#[cfg(test)]` (unit tests, test-only modules) are not read either: like
//! dev-dependencies between crates, a unit test may reach any module of its
//! crate without making the library's modules depend on each other.
//!
//! Checked: no cycle among the top-level modules of any crate (`crate::a::b`
//! counts as an edge to `a`), and, for the crates in [`NESTED`], no cycle
//! among their modules at any depth. The cycle finder and the reader are
//! unit-tested on small hand-made inputs below, so a cycle cannot go
//! unnoticed because the reader saw nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Crates whose modules must be acyclic at every depth, not only at the top.
const NESTED: &[&str] = &["crates/events"];

/// A module path inside its crate; the crate root is the empty path.
type Module = Vec<String>;

/// Dependency edges of one crate's modules, each with the first place
/// (file and line) it was seen.
type Edges = BTreeMap<(Module, Module), String>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The crates to check: `crates/*` and `xtask`, as paths relative to the
/// workspace root.
fn crates() -> Vec<String> {
    let root = workspace_root();
    let mut out: Vec<String> = fs::read_dir(root.join("crates"))
        .expect("crates/ is readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("src/lib.rs").is_file())
        .map(|e| format!("crates/{}", e.file_name().to_string_lossy()))
        .collect();
    out.push("xtask".to_owned());
    out.sort();
    out
}

// ---------------------------------------------------------------------
// Reading Rust source: a small lexer that keeps identifiers, `::` and
// punctuation and drops comments, string and character literals and
// lifetimes.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Tokens of `src` with their line numbers.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    // Skips a (possibly raw) string literal whose opening quote or `r` is
    // at `k`; returns the index after it and counts its newlines.
    let skip_string = |mut k: usize, line: &mut usize| -> usize {
        if at(k) == 'r' {
            k += 1;
            let mut hashes = 0;
            while at(k) == '#' {
                hashes += 1;
                k += 1;
            }
            k += 1; // opening quote
            while k < c.len() {
                if c[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#') {
                    return k + 1 + hashes;
                }
                if c[k] == '\n' {
                    *line += 1;
                }
                k += 1;
            }
            return k;
        }
        k += 1; // opening quote
        while k < c.len() {
            match c[k] {
                '\\' => k += 2,
                '"' => return k + 1,
                '\n' => {
                    *line += 1;
                    k += 1;
                }
                _ => k += 1,
            }
        }
        k
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(i, &mut line);
        } else if ch == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 3; // the quote, the backslash and the escaped character
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            // String prefixes: r"..", r#".."#, b"..", br"..", c"..", b'x'.
            let rest: String = c[i..c.len().min(i + 3)].iter().collect();
            if rest.starts_with("r\"") || rest.starts_with("r#\"") || rest.starts_with("r##") {
                i = skip_string(i, &mut line);
                continue;
            }
            if rest.starts_with("b\"") || rest.starts_with("c\"") {
                i = skip_string(i + 1, &mut line);
                continue;
            }
            if rest.starts_with("br\"") || rest.starts_with("br#") {
                i = skip_string(i + 1, &mut line);
                continue;
            }
            if rest.starts_with("b'") {
                i += 1; // the character literal is skipped next round
                continue;
            }
            if rest.starts_with("r#") {
                i += 2; // raw identifier
                continue;
            }
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

fn is_ident(t: Option<&(Tok, usize)>, name: &str) -> bool {
    matches!(t, Some((Tok::Ident(s), _)) if s == name)
}

/// Parses a use tree (or a plain path) starting at `toks[*i]`: returns the
/// full paths it names (a glob ends in `*`, `self` names the prefix) with
/// the name each binds, and leaves `*i` after the tree.
fn parse_tree(toks: &[(Tok, usize)], i: &mut usize, prefix: &[String]) -> Vec<(Module, String)> {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i) {
            Some((Tok::Punct('{'), _)) => {
                *i += 1;
                let mut out = Vec::new();
                while *i < toks.len() && toks[*i].0 != Tok::Punct('}') {
                    out.extend(parse_tree(toks, i, &path));
                    if toks.get(*i).map(|t| &t.0) == Some(&Tok::Punct(',')) {
                        *i += 1;
                    } else if toks.get(*i).map(|t| &t.0) != Some(&Tok::Punct('}')) {
                        // Not a use tree after all: skip to the group's end.
                        while *i < toks.len() && toks[*i].0 != Tok::Punct('}') {
                            *i += 1;
                        }
                    }
                }
                *i += 1;
                return out;
            }
            Some((Tok::Punct('*'), _)) => {
                *i += 1;
                path.push("*".to_owned());
                return vec![(path, "*".to_owned())];
            }
            Some((Tok::Ident(name), _)) => {
                *i += 1;
                if name != "self" {
                    path.push(name.clone());
                }
                if toks.get(*i).map(|t| &t.0) == Some(&Tok::PathSep) {
                    *i += 1;
                    continue;
                }
                let mut bound = path.last().cloned().unwrap_or_default();
                if is_ident(toks.get(*i), "as")
                    && let Some((Tok::Ident(alias), _)) = toks.get(*i + 1)
                {
                    bound = alias.clone();
                    *i += 2;
                }
                return vec![(path, bound)];
            }
            _ => return vec![(path.clone(), path.last().cloned().unwrap_or_default())],
        }
    }
}

/// One source file of a crate, already lexed.
struct SourceFile {
    /// Path relative to the crate, for messages.
    name: String,
    module: Module,
    toks: Vec<(Tok, usize)>,
}

/// The module a file under `src/` is: `lib.rs` the root, `a/mod.rs` and
/// `a.rs` module `a`, `a/b.rs` module `a::b`.
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// The `.rs` files of a library crate's `src/` (binary roots excluded: they
/// are crates of their own).
fn read_crate(dir: &Path) -> Vec<SourceFile> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .expect("source folder is readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(base).unwrap_or(&p).to_path_buf();
            if p.is_dir() && rel != Path::new("bin") {
                walk(base, &p, out);
            } else if p.extension().is_some_and(|e| e == "rs") && rel != Path::new("main.rs") {
                out.push(rel);
            }
        }
    }
    let src = dir.join("src");
    let mut files = Vec::new();
    walk(&src, &src, &mut files);
    files
        .into_iter()
        .map(|rel| {
            let text = fs::read_to_string(src.join(&rel)).expect("source file is readable");
            SourceFile {
                name: format!("src/{}", rel.display()),
                module: module_of(&rel),
                toks: lex(&text),
            }
        })
        .collect()
}

/// A path as read in the code, before it is matched against the modules.
struct RawRef {
    from: Module,
    /// Absolute path from the crate root.
    to: Module,
    place: String,
}

/// The crate's modules, the names the root's `use` declarations bind, and
/// every `crate::`/`super::` path with the module it appears in.
fn scan(files: &[SourceFile]) -> (BTreeSet<Module>, BTreeMap<String, Module>, Vec<RawRef>) {
    // Files of modules declared `#[cfg(test)] mod name;` are test code too.
    let mut test_only: BTreeSet<Module> = BTreeSet::new();
    let mut modules = BTreeSet::new();
    let mut root_names = BTreeMap::new();
    let mut refs = Vec::new();
    for f in files {
        modules.insert(f.module.clone());
        let toks = &f.toks;
        // Inline modules open at a brace depth; `scope` is the module at `i`.
        let mut stack: Vec<(Module, usize)> = vec![(f.module.clone(), 0)];
        let mut depth = 0usize;
        let mut i = 0;
        while i < toks.len() {
            let scope = stack.last().map(|s| s.0.clone()).unwrap_or_default();
            if is_cfg_test(toks, i) {
                let (end, declared) = skip_item(toks, i + 7);
                if let Some(name) = declared {
                    let mut m = scope.clone();
                    m.push(name);
                    test_only.insert(m);
                }
                i = end;
                continue;
            }
            let prev_dollar = i > 0 && toks[i - 1].0 == Tok::Punct('$');
            let prev_sep = i > 0 && toks[i - 1].0 == Tok::PathSep;
            match &toks[i].0 {
                Tok::Punct('{') => {
                    depth += 1;
                    i += 1;
                }
                Tok::Punct('}') => {
                    if stack.len() > 1 && stack.last().is_some_and(|s| s.1 == depth) {
                        stack.pop();
                    }
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                Tok::Ident(kw) if kw == "mod" && !prev_sep => {
                    if let Some((Tok::Ident(name), _)) = toks.get(i + 1) {
                        let mut m = scope.clone();
                        m.push(name.clone());
                        modules.insert(m.clone());
                        if toks.get(i + 2).map(|t| &t.0) == Some(&Tok::Punct('{')) {
                            depth += 1;
                            stack.push((m, depth));
                            i += 3;
                            continue;
                        }
                    }
                    i += 1;
                }
                Tok::Ident(kw) if kw == "use" && !prev_sep => {
                    let line = toks[i].1;
                    i += 1;
                    for (path, bound) in parse_tree(toks, &mut i, &[]) {
                        if let Some(abs) = absolute(&scope, &path) {
                            if scope.is_empty() && bound != "*" {
                                root_names.insert(bound, abs.clone());
                            }
                            refs.push(RawRef {
                                from: scope.clone(),
                                to: abs,
                                place: format!("{}:{line}", f.name),
                            });
                        } else if scope.is_empty() && bound != "*" {
                            // Relative paths at the root start at the root.
                            root_names.insert(bound, path);
                        }
                    }
                }
                Tok::Ident(kw)
                    if (kw == "crate" || kw == "super")
                        && !prev_dollar
                        && !prev_sep
                        && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::PathSep) =>
                {
                    let line = toks[i].1;
                    for (path, _) in parse_tree(toks, &mut i, &[]) {
                        if let Some(abs) = absolute(&scope, &path) {
                            refs.push(RawRef {
                                from: scope.clone(),
                                to: abs,
                                place: format!("{}:{line}", f.name),
                            });
                        }
                    }
                }
                _ => i += 1,
            }
        }
    }
    let in_tests = |m: &Module| test_only.iter().any(|t| m.starts_with(t));
    modules.retain(|m| !in_tests(m));
    refs.retain(|r| !in_tests(&r.from));
    (modules, root_names, refs)
}

/// Whether `toks[i..]` starts with `#[cfg(test)]` (7 tokens).
fn is_cfg_test(toks: &[(Tok, usize)], i: usize) -> bool {
    let want = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    toks.len() >= i + want.len() && toks[i..i + want.len()].iter().map(|t| &t.0).eq(want.iter())
}

/// Skips the item starting at `toks[i]` (its attributes, then up to a `;`
/// or through a `{ ... }` block outside brackets); returns the index after
/// it and, for `mod name;`, the name of the module it declares.
fn skip_item(toks: &[(Tok, usize)], mut i: usize) -> (usize, Option<String>) {
    let mut declared = None;
    let (mut parens, mut braces) = (0usize, 0usize);
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Ident(kw) if kw == "mod" && parens == 0 && braces == 0 => {
                if let (Some((Tok::Ident(name), _)), Some((Tok::Punct(';'), _))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    declared = Some(name.clone());
                }
            }
            Tok::Punct('(' | '[') => parens += 1,
            Tok::Punct(')' | ']') => {
                parens = parens.saturating_sub(1);
                // The closing bracket of a leading attribute is not the end.
            }
            Tok::Punct('{') if parens == 0 => braces += 1,
            Tok::Punct('}') if parens == 0 => {
                braces = braces.saturating_sub(1);
                if braces == 0 {
                    return (i + 1, declared);
                }
            }
            Tok::Punct(';') if parens == 0 && braces == 0 => return (i + 1, declared),
            _ => {}
        }
        i += 1;
    }
    (i, declared)
}

/// `crate::a::b` and `super::x` (from `scope`) as absolute paths; `None`
/// for paths that start elsewhere (`self::`, other crates, local names).
fn absolute(scope: &[String], path: &[String]) -> Option<Module> {
    match path.first().map(String::as_str) {
        Some("crate") => Some(path[1..].to_vec()),
        Some("super") => {
            let mut base = scope.to_vec();
            let mut k = 0;
            while path.get(k).map(String::as_str) == Some("super") {
                base.pop();
                k += 1;
            }
            base.extend_from_slice(&path[k..]);
            Some(base)
        }
        _ => None,
    }
}

/// The module a path names: its longest prefix that is a module, after
/// resolving a first segment that is a name bound at the root.
fn target(path: &[String], modules: &BTreeSet<Module>, root: &BTreeMap<String, Module>) -> Module {
    let longest = |p: &[String]| -> Module {
        (0..=p.len())
            .rev()
            .map(|n| p[..n].to_vec())
            .find(|m| modules.contains(m))
            .unwrap_or_default()
    };
    let direct = longest(path);
    if direct.is_empty()
        && let Some(bound) = path.first().and_then(|first| root.get(first))
    {
        let mut p = bound.clone();
        p.extend_from_slice(&path[1..]);
        return longest(&p);
    }
    direct
}

/// The module dependency edges of a crate's files. With `top_level`, both
/// ends collapse to their top-level module.
fn edges(files: &[SourceFile], top_level: bool) -> Edges {
    let (modules, root_names, refs) = scan(files);
    let mut out = Edges::new();
    for r in refs {
        let mut to = target(&r.to, &modules, &root_names);
        let mut from = r.from;
        if top_level {
            from.truncate(1);
            to.truncate(1);
        }
        // The root, a module itself and its own submodules are not edges.
        if from.is_empty() || to.is_empty() || to.starts_with(&from) {
            continue;
        }
        out.entry((from, to)).or_insert(r.place);
    }
    out
}

// ---------------------------------------------------------------------
// Finding a cycle.

/// A cycle of the directed graph `edges` (its nodes in order, the first
/// not repeated), or `None` if the graph is acyclic. Deterministic: nodes
/// and successors are visited in sorted order.
fn find_cycle<N: Ord + Clone>(edges: &[(N, N)]) -> Option<Vec<N>> {
    let mut succ: BTreeMap<&N, BTreeSet<&N>> = BTreeMap::new();
    for (a, b) in edges {
        succ.entry(a).or_default().insert(b);
        succ.entry(b).or_default();
    }
    // 0 unvisited, 1 on the current path, 2 done.
    let mut state: BTreeMap<&N, u8> = succ.keys().map(|&n| (n, 0)).collect();
    for &start in succ.keys() {
        if state[start] != 0 {
            continue;
        }
        // Iterative depth-first search: the path and each node's successors.
        let mut path: Vec<&N> = vec![start];
        let mut pending: Vec<Vec<&N>> = vec![succ[start].iter().rev().copied().collect()];
        state.insert(start, 1);
        while let Some(next) = pending.last_mut() {
            match next.pop() {
                Some(n) if state[n] == 1 => {
                    let from = path.iter().position(|&p| p == n).unwrap_or(0);
                    return Some(path[from..].iter().map(|&p| p.clone()).collect());
                }
                Some(n) if state[n] == 0 => {
                    state.insert(n, 1);
                    path.push(n);
                    pending.push(succ[n].iter().rev().copied().collect());
                }
                Some(_) => {}
                None => {
                    if let Some(done) = path.pop() {
                        state.insert(done, 2);
                    }
                    pending.pop();
                }
            }
        }
    }
    None
}

/// A readable account of the first cycle of `edges`, if any: the modules in
/// order, each edge with the place that makes it.
fn describe_cycle(krate: &str, edges: &Edges) -> Option<String> {
    let list: Vec<(Module, Module)> = edges.keys().cloned().collect();
    let cycle = find_cycle(&list)?;
    let name = |m: &Module| m.join("::");
    let mut text = format!("module cycle in {krate}:");
    for (k, m) in cycle.iter().enumerate() {
        let next = &cycle[(k + 1) % cycle.len()];
        let place = edges.get(&(m.clone(), next.clone())).cloned();
        text.push_str(&format!(
            "\n  {} -> {} ({})",
            name(m),
            name(next),
            place.unwrap_or_default()
        ));
    }
    Some(text)
}

// ---------------------------------------------------------------------
// The checks.

#[test]
fn no_crate_has_a_cycle_among_its_top_level_modules() {
    let root = workspace_root();
    let crates = crates();
    assert!(
        crates.len() >= 5,
        "expected the workspace's crates, found {crates:?}"
    );
    let (mut failures, mut read) = (Vec::new(), 0);
    for krate in &crates {
        let e = edges(&read_crate(&root.join(krate)), true);
        read += e.len();
        failures.extend(describe_cycle(krate, &e));
    }
    // The reader sees the workspace's edges (hundreds), not nothing.
    assert!(read >= 100, "only {read} module edges read in {crates:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nested_modules_are_acyclic_where_required() {
    let root = workspace_root();
    let mut failures = Vec::new();
    for krate in NESTED {
        let files = read_crate(&root.join(krate));
        failures.extend(describe_cycle(krate, &edges(&files, false)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------
// The finder and the reader on hand-made inputs.

fn pairs(list: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    list.to_vec()
}

#[test]
fn finder_reports_a_cycle_and_only_a_cycle() {
    assert_eq!(find_cycle::<&str>(&[]), None);
    let dag = pairs(&[("a", "b"), ("b", "c"), ("a", "c"), ("d", "a")]);
    assert_eq!(find_cycle(&dag), None);
    let loop3 = pairs(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
    assert_eq!(find_cycle(&loop3), Some(vec!["a", "b", "c"]));
    // A cycle away from the first node, behind a tail.
    let tail = pairs(&[("a", "x"), ("x", "y"), ("y", "z"), ("z", "x")]);
    assert_eq!(find_cycle(&tail), Some(vec!["x", "y", "z"]));
    let two = pairs(&[("p", "q"), ("q", "p")]);
    assert_eq!(find_cycle(&two), Some(vec!["p", "q"]));
}

/// Source files of a made-up crate: (path under `src/`, text).
fn synthetic(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(rel, text)| SourceFile {
            name: format!("src/{rel}"),
            module: module_of(Path::new(rel)),
            toks: lex(text),
        })
        .collect()
}

fn edge_names(e: &Edges) -> Vec<String> {
    e.keys()
        .map(|(a, b)| format!("{} -> {}", a.join("::"), b.join("::")))
        .collect()
}

#[test]
fn reader_sees_use_crate_super_and_root_paths() {
    let files = synthetic(&[
        (
            "lib.rs",
            "mod a; mod b; pub mod c; mod d;\npub use b::Thing as Renamed;\n",
        ),
        // A group, a nested path and a call through `crate::`.
        (
            "a.rs",
            "use crate::{b::{self, Thing}, c::deep::Item};\nfn f() { crate::d::g(); }\n",
        ),
        // `super::` from a submodule file, and `crate::Renamed` resolved
        // through the root's re-export; comments, strings, `$crate` and
        // lifetimes name nothing.
        (
            "c/deep.rs",
            "// crate::a::x\nconst S: &str = \"crate::a::y\";\nconst R: &str = r#\"crate::a::z\"#;\n\
             fn f<'a>(x: &'a u8) -> char { let _ = super::sibling::h(); 'x' }\n\
             macro_rules! m { () => { $crate::a::w() } }\nfn g(_: crate::Renamed) {}\n",
        ),
        (
            "c/mod.rs",
            "pub mod deep; mod sibling;\npub use deep::Item;\n",
        ),
        ("c/sibling.rs", "pub fn h() {}\n"),
        // An inline module (`super::` is `d`); test code is not read.
        (
            "d.rs",
            "pub fn g() {}\nmod inner { use super::*; use crate::c::Item; }\n\
             #[cfg(test)]\nmod tests { use crate::a::f; }\n\
             #[cfg(test)]\nfn t() -> [u8; 2] { crate::a::f() }\n#[cfg(test)]\nmod helpers;\n",
        ),
        ("d/helpers.rs", "use crate::a::f;\n"),
        ("b.rs", "pub struct Thing;\n"),
    ]);
    assert_eq!(
        edge_names(&edges(&files, false)),
        vec![
            "a -> b",
            "a -> c::deep",
            "a -> d",
            "c::deep -> b",
            "c::deep -> c::sibling",
            "d::inner -> c",
            "d::inner -> d",
        ]
    );
    assert_eq!(
        edge_names(&edges(&files, true)),
        vec!["a -> b", "a -> c", "a -> d", "c -> b", "d -> c"]
    );
    assert_eq!(describe_cycle("synthetic", &edges(&files, true)), None);
}

#[test]
fn reader_and_finder_fail_on_a_cyclic_crate() {
    let files = synthetic(&[
        ("lib.rs", "mod a; mod b; mod c;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        ("b.rs", "pub struct B;\nfn f() -> crate::c::C { todo() }\n"),
        ("c.rs", "pub struct C(super::a::A);\n"),
    ]);
    let text = describe_cycle("synthetic", &edges(&files, true)).expect("a cycle");
    assert_eq!(
        text,
        "module cycle in synthetic:\n  a -> b (src/a.rs:1)\n  b -> c (src/b.rs:2)\n  c -> a (src/c.rs:1)"
    );
    // Nested: a loop between two submodules of one top-level module is
    // invisible at the top level and found at full depth.
    let nested = synthetic(&[
        ("lib.rs", "mod p;\n"),
        ("p/mod.rs", "mod x; mod y;\n"),
        ("p/x.rs", "use super::y::Y;\npub struct X;\n"),
        ("p/y.rs", "pub struct Y(crate::p::x::X);\n"),
    ]);
    assert_eq!(describe_cycle("nested", &edges(&nested, true)), None);
    let deep = describe_cycle("nested", &edges(&nested, false)).expect("a nested cycle");
    assert!(
        deep.contains("p::x -> p::y") && deep.contains("p::y -> p::x"),
        "{deep}"
    );
}
