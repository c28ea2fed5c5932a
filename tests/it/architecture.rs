//! The shape of the source tree, checked: stages only look down, no import circles, readers never
//! import readers, no file past 1,000 lines.
//!
//! The module-dependency listing is derived from the source text: every `crate::…`, `super::…` and
//! `self::…` path outside `#[cfg(test)]` modules and comments, resolved to the module it names. An
//! edge between two modules counts at the level where their paths part (`rules::anchors →
//! rules::targets` is an edge between the siblings `anchors` and `targets` of `rules`; a module using
//! its own parent or child is not an edge). Print it with
//! `cargo test --locked --test it architecture -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The stages from the bottom up: a module may use the modules listed before it, never after.
const LAYERS: &[&str] = &[
    "source", "hash", "timing", "stages", "model", "ingest", "collect", "graph", "findings", "rules", "preview",
    "gate", "report", "init", "generate", "accuracy", "cli", "manual", "app",
];

type Module = Vec<String>;

struct Tree {
    /// Module path → its source without test modules and comments.
    modules: BTreeMap<Module, String>,
    /// Module path → file (relative to the crate root) and line count of the whole file.
    files: BTreeMap<Module, (String, usize)>,
}

fn load() -> Tree {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tree = Tree { modules: BTreeMap::new(), files: BTreeMap::new() };
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(root.join("src")).unwrap().with_extension("");
            let mut path: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if path.last().is_some_and(|l| l == "mod") {
                path.pop();
            }
            if path == ["main"] || path == ["lib"] {
                path.clear();
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let shown = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            tree.files.insert(path.clone(), (shown, text.lines().count()));
            // Test modules (`tests.rs`, `sniff_tests.rs`…: declared under `#[cfg(test)]`) may put anything side by side.
            if path.last().is_some_and(|l| l == "tests" || l.ends_with("_tests")) {
                continue;
            }
            tree.modules.insert(path, production_code(&text));
        }
    }
    tree
}

/// The text before the first `#[cfg(test)] mod … {`, without `//` comments.
fn production_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            let next = lines.peek().map(|l| l.trim()).unwrap_or("");
            if (next.starts_with("mod ") || next.starts_with("pub mod ")) && next.ends_with('{') {
                break;
            }
        }
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The module a path written in `from` names: the longest prefix of the resolved path that is a module.
fn resolve(tree: &Tree, from: &Module, segments: &[&str]) -> Module {
    let mut base: Module = from.clone();
    let mut rest = segments;
    if rest.first() == Some(&"crate") {
        base.clear();
        rest = &rest[1..];
    } else {
        while let Some(&s) = rest.first() {
            match s {
                "super" => {
                    base.pop();
                }
                "self" => {}
                _ => break,
            }
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().map(|s| s.to_string()));
    while !base.is_empty() && !tree.modules.contains_key(&base) {
        base.pop();
    }
    base
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Module → modules it uses, each with the first path seen (for messages).
fn edges(tree: &Tree) -> BTreeMap<Module, BTreeMap<Module, String>> {
    let mut out: BTreeMap<Module, BTreeMap<Module, String>> = BTreeMap::new();
    for (m, code) in &tree.modules {
        let mut add = |segments: Vec<&str>, shown: String| {
            let to = resolve(tree, m, &segments);
            if &to != m {
                out.entry(m.clone()).or_default().entry(to).or_insert(shown);
            }
        };
        let bytes = code.as_bytes();
        for (i, _) in code.match_indices(['c', 's']) {
            if i > 0 && is_ident(bytes[i - 1] as char) {
                continue;
            }
            let tail = &code[i..];
            if !(tail.starts_with("crate::") || tail.starts_with("super::") || tail.starts_with("self::")) {
                continue;
            }
            let end = tail.find(|c: char| !(is_ident(c) || c == ':')).unwrap_or(tail.len());
            let path = tail[..end].trim_end_matches(':');
            let segments: Vec<&str> = path.split("::").collect();
            add(segments.clone(), path.to_string());
            // `use super::{a, b::c}`: each item of the group.
            if tail[end..].starts_with('{') && tail[..end].ends_with("::") {
                let group = &tail[end + 1..tail[end..].find('}').map(|j| end + j).unwrap_or(end + 1)];
                for item in group.split(',').map(str::trim).filter(|s| !s.is_empty() && *s != "self") {
                    let item = item.split_whitespace().next().unwrap_or("");
                    let mut s = segments.clone();
                    s.extend(item.split("::").filter(|x| !x.is_empty() && x.chars().all(is_ident)));
                    add(s, format!("{path}::{item}"));
                }
            }
        }
    }
    out
}

/// Edges at the level where the two paths part: (parent, from child, to child) → example.
fn sibling_edges(edges: &BTreeMap<Module, BTreeMap<Module, String>>) -> BTreeMap<(Module, Module), String> {
    let mut out = BTreeMap::new();
    for (a, targets) in edges {
        for (b, shown) in targets {
            let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            if common == a.len() || common == b.len() {
                continue;
            }
            let from = a[..=common].to_vec();
            let to = b[..=common].to_vec();
            out.entry((from, to)).or_insert_with(|| format!("{} uses {shown}", a.join("::")));
        }
    }
    out
}

/// Strongly connected groups of more than one module.
fn cycles(edges: &BTreeMap<(Module, Module), String>) -> Vec<Vec<Module>> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let reach = |from: &Module| {
        let mut seen: BTreeSet<&Module> = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(m) = todo.pop() {
            for &n in next.get(m).into_iter().flatten() {
                if seen.insert(n) {
                    todo.push(n);
                }
            }
        }
        seen
    };
    let nodes: BTreeSet<&Module> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let reaches: BTreeMap<&Module, BTreeSet<&Module>> = nodes.iter().map(|&n| (n, reach(n))).collect();
    let mut groups: Vec<Vec<Module>> = Vec::new();
    let mut placed: BTreeSet<&Module> = BTreeSet::new();
    for &n in &nodes {
        if placed.contains(n) || !reaches[n].contains(n) {
            continue;
        }
        let group: Vec<&Module> = reaches[n].iter().copied().filter(|m| reaches[m].contains(n)).collect();
        placed.extend(group.iter().copied());
        groups.push(group.into_iter().cloned().collect());
    }
    groups
}

#[test]
fn stages_only_look_down_and_no_module_imports_in_a_circle() {
    let tree = load();
    let siblings = sibling_edges(&edges(&tree));
    let mut problems = Vec::new();
    println!("module dependencies (top level; a stage uses only those left of it in LAYERS):");
    let mut top: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (a, b) in siblings.keys().filter(|(a, _)| a.len() == 1) {
        top.entry(a[0].as_str()).or_default().insert(b[0].as_str());
    }
    for (a, uses) in &top {
        println!("  {a} -> {}", uses.iter().copied().collect::<Vec<_>>().join(", "));
        let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
        let Some(ra) = rank(a) else {
            problems.push(format!("top-level module {a} is not in LAYERS (tests/it/architecture.rs): place it"));
            continue;
        };
        for b in uses {
            match rank(b) {
                Some(rb) if rb < ra => {}
                Some(_) => problems
                    .push(format!("{a} reaches up to {b}: {}", siblings[&(vec![a.to_string()], vec![b.to_string()])])),
                None => problems.push(format!("top-level module {b} is not in LAYERS: place it")),
            }
        }
    }
    for group in cycles(&siblings) {
        let names: Vec<String> = group.iter().map(|m| m.join("::")).collect();
        let why: Vec<&String> =
            siblings.iter().filter(|((a, b), _)| group.contains(a) && group.contains(b)).map(|(_, w)| w).collect();
        problems.push(format!(
            "import circle between {}: {}",
            names.join(", "),
            why.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_reader_never_imports_another_reader() {
    let tree = load();
    // A reader: a module under ingest that declares the `FORMAT` it registers.
    let readers: BTreeSet<&Module> = tree
        .modules
        .iter()
        .filter(|(m, code)| m.first().is_some_and(|s| s == "ingest") && m.len() >= 2 && code.contains(" FORMAT:"))
        .map(|(m, _)| m)
        .collect();
    assert!(readers.len() >= 8, "readers not recognised: {readers:?}");
    let reader_of = |m: &Module| readers.iter().find(|r| m.starts_with(r)).copied();
    let mut problems = Vec::new();
    for (a, targets) in edges(&tree) {
        let Some(ra) = reader_of(&a) else { continue };
        for (b, shown) in targets {
            if let Some(rb) = reader_of(&b).filter(|rb| *rb != ra) {
                problems.push(format!("{} uses {shown} (reader {})", a.join("::"), rb.join("::")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_source_file_is_over_1000_lines() {
    let tree = load();
    let long: Vec<String> =
        tree.files.values().filter(|(_, n)| *n > 1000).map(|(f, n)| format!("{f}: {n} lines")).collect();
    assert!(long.is_empty(), "split these along their ideas:\n{}", long.join("\n"));
}

/// `src/main.rs` sets mimalloc options by their position in `mi_option_e`, read from the mimalloc
/// that libmimalloc-sys 0.1.49 builds. Another version may number them differently: check the
/// numbers in its `c_src/mimalloc/v3/include/mimalloc.h`, then update both.
#[test]
fn mimalloc_option_numbers_were_checked_for_the_locked_version() {
    let lock = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"libmimalloc-sys\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string());
    assert_eq!(version.as_deref(), Some("0.1.49"), "re-check the mi_option_e numbers in src/main.rs");
    let main = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).unwrap();
    assert!(main.contains("libmimalloc-sys` 0.1.49"), "src/main.rs names the version its numbers come from");
}
