//! README's layout table against the tree: every path and file it names exists, and every module of every
//! crate, every test file and every document is named in its row (issue 8: the table had drifted from the
//! crates it describes).

use std::collections::BTreeSet;
use std::path::Path;

/// The rows of README's `## Layout` table: (path, what), the path without its backticks.
fn rows(readme: &str) -> Vec<(String, String)> {
    let table = readme.split("## Layout").nth(1).expect("README has a `## Layout` section");
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().strip_prefix('|')?.strip_suffix('|')?.split(" | ").collect();
            let path = cells.first()?.trim().strip_prefix('`')?.strip_suffix('`')?;
            Some((path.to_owned(), cells.get(1)?.trim().to_owned()))
        })
        .collect()
}

/// The names in backticks in `text` that name a file or folder: `x.rs`, `x.md`, `dir/`.
fn file_names(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            let file = [".rs", ".md", ".lw"].iter().any(|e| s.len() > e.len() && s.ends_with(e));
            file || s.ends_with('/')
        })
        .map(str::to_owned)
        .collect()
}

/// Every file and folder below `dir`, by name (folders with a trailing `/`).
fn names_below(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            out.insert(format!("{name}/"));
            names_below(&entry.path(), out);
        } else {
            out.insert(name);
        }
    }
}

/// The entries of `dir` a reader needs named: its source and document files and its folders, one level deep.
fn entries(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            out.insert(format!("{name}/"));
        } else if name.ends_with(".rs") || name.ends_with(".md") {
            out.insert(name);
        }
    }
    out
}

#[test]
fn the_layout_table_names_what_the_tree_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rows = rows(&std::fs::read_to_string(root.join("README.md")).unwrap());
    assert!(rows.len() >= 6, "no layout rows found in README.md");
    let mut problems = Vec::new();
    for (path, what) in &rows {
        let dir = root.join(path);
        if !dir.exists() {
            problems.push(format!("`{path}` does not exist"));
            continue;
        }
        let mut present = BTreeSet::new();
        names_below(&dir, &mut present);
        let named = file_names(what);
        // A bare name is looked for anywhere below the row's path; one with a folder in it, from there or from
        // the repository's root.
        let found = |name: &String| match name.trim_end_matches('/').contains('/') {
            true => dir.join(name).exists() || root.join(name).exists(),
            false => present.contains(name),
        };
        for name in named.iter().filter(|n| !found(n)) {
            problems.push(format!("`{path}` names `{name}`, which is not below it"));
        }
        // What the row must name: a crate's modules (and its tests/ folder), or a folder's own files.
        let must: BTreeSet<String> = if path.starts_with("crates/") {
            let mut must = entries(&dir.join("src"));
            must.remove("main.rs");
            // lib.rs is the crate itself; a crate's test files are named as `tests/NAME.rs`.
            must.remove("lib.rs");
            if dir.join("tests").is_dir() {
                must.extend(entries(&dir.join("tests")).into_iter().map(|n| format!("tests/{n}")));
            }
            must
        } else if path == "corpus/" {
            BTreeSet::new()
        } else {
            entries(&dir)
        };
        let mentioned = |name: &String| what.contains(&format!("`{name}`")) || what.contains(name.as_str());
        for name in must.iter().filter(|n| !mentioned(n)) {
            problems.push(format!("`{path}` does not name `{name}`"));
        }
    }
    // Every crate has a row.
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let name = format!("crates/{}", entry.unwrap().file_name().to_string_lossy());
        if !rows.iter().any(|(p, _)| *p == name) {
            problems.push(format!("no row for `{name}`"));
        }
    }
    assert!(
        problems.is_empty(),
        "README.md's layout table and the tree differ:\n  {}",
        problems.join("\n  ")
    );
}
