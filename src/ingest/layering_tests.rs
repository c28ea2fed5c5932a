//! The layering rule of this stage, checked on the sources: a reader never imports another reader,
//! and the shared modules below the readers import none. Only the registry (`ingest/mod.rs`) and
//! tests put readers side by side.

use std::path::{Path, PathBuf};

/// The reader modules, one per input format (folder modules by their folder).
const READERS: &[&str] = &[
    "ad_csv",
    "adfs_json",
    "archive",
    "arm_json",
    "azurehound",
    "collection",
    "csvde",
    "graph_json",
    "ldif",
    "msol_csv",
    "roadrecon",
    "scubagear",
    "sharphound",
    "unsupported",
];

/// Every `.rs` file under `dir`, with the module it belongs to (the file stem, or the folder under
/// `src/ingest` for folder modules).
fn sources(dir: &Path, module: Option<&str>, out: &mut Vec<(String, PathBuf)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            sources(&p, Some(module.unwrap_or(&stem)), out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((module.map_or(stem, str::to_string), p));
        }
    }
}

/// The source without its inline test module (`#[cfg(test)]` followed by `mod name {`).
fn production_part(text: &str) -> &str {
    let mut at = 0;
    while let Some(i) = text[at..].find("#[cfg(test)]") {
        let start = at + i;
        let next = text[start + 12..].trim_start();
        let decl = next.lines().next().unwrap_or("");
        if decl.contains("mod ") && decl.trim_end().ends_with('{') {
            return &text[..start];
        }
        at = start + 12;
    }
    text
}

/// The reader modules `text` refers to as a path (`x::`, `super::x`) or names in a `use` statement.
fn mentioned_readers(text: &str) -> Vec<&'static str> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut in_use = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("use ") || t.starts_with("pub use ") || t.starts_with("pub(crate) use ") {
            in_use = true;
        }
        for &r in READERS {
            let mut from = 0;
            while let Some(i) = line[from..].find(r) {
                let (s, e) = (from + i, from + i + r.len());
                from = e;
                let before = line[..s].chars().next_back();
                let after = line[e..].chars().next();
                if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
                    continue;
                }
                if in_use || line[e..].starts_with("::") || line[..s].ends_with("::") {
                    found.push(r);
                }
            }
        }
        if in_use && line.trim_end().ends_with(';') {
            in_use = false;
        }
    }
    found
}

#[test]
fn no_reader_imports_another_reader_and_shared_modules_import_none() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ingest");
    let mut files = Vec::new();
    sources(&root, None, &mut files);
    let mut bad = Vec::new();
    for (module, path) in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let registry = path.parent() == Some(root.as_path()) && name == "mod.rs";
        if registry || name.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for r in mentioned_readers(production_part(&text)) {
            if r != module {
                bad.push(format!("{} (module {module}) refers to reader `{r}`", path.display()));
            }
        }
        if text.contains("pub const FORMAT:") {
            assert!(READERS.contains(&module.as_str()), "{}: a reader missing from READERS", path.display());
        }
    }
    assert!(files.len() > READERS.len(), "{}", files.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_check_sees_imports() {
    assert_eq!(mentioned_readers("use super::ad_csv::AdMapper;"), ["ad_csv"]);
    assert_eq!(mentioned_readers("use super::{\n    Extract,\n    csvde,\n};"), ["csvde"]);
    assert_eq!(mentioned_readers("let o = super::graph_json::cloud_object();"), ["graph_json"]);
    assert_eq!(mentioned_readers("for f in [&sharphound::FORMAT] {}"), ["sharphound"]);
    assert!(mentioned_readers("// export with csvde or ldifde; kind \"sharphound:users\"").is_empty());
    let src = "fn a() {}\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod tests {\n    use super::ldif;\n}\n";
    assert_eq!(production_part(src), "fn a() {}\n#[cfg(test)]\nmod tests;\n");
}
