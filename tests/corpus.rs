//! Golden corpus: every `corpus/*.lw` is run through `linkwise explain --listing` once per `//@ args:` line in
//! it (or once without arguments), and the output (link plan, call sites, disassembly with relocations, or the
//! diagnostics and exit status of a failing run) is compared exactly with `corpus/NAME.expected`.
//!
//! `LINKWISE_BLESS=1 cargo test --test corpus` rewrites the expected files from the current output. Review the
//! `git diff` before committing: the expected files are the specification of the code linkwise emits.

use std::path::{Path, PathBuf};

/// The variants of one corpus file: the extra command-line arguments of each run.
fn variants(source: &str) -> Vec<Vec<String>> {
    let runs: Vec<Vec<String>> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("//@ args:"))
        .map(|args| args.split_whitespace().map(str::to_owned).collect())
        .collect();
    if runs.is_empty() { vec![Vec::new()] } else { runs }
}

/// Runs the CLI in-process and returns what a user would see.
fn explain(path: &Path, args: &[String]) -> String {
    let mut argv: Vec<String> = vec!["linkwise".into(), "explain".into(), "--listing".into()];
    argv.push(path.to_string_lossy().replace('\\', "/"));
    argv.extend(args.iter().cloned());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = linkwise_cli::run(&argv, &mut out, &mut err);
    let mut text = format!("=== linkwise {} ===\n", argv[1..].join(" "));
    text.push_str(&String::from_utf8_lossy(&out));
    if !err.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&String::from_utf8_lossy(&err));
    }
    text.push_str(&format!("--- exit status {status} ---\n"));
    text
}

/// A line diff (longest common subsequence), `-` for expected, `+` for actual, with two lines of context.
fn diff(expected: &str, actual: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', b[j]));
            j += 1;
        } else {
            ops.push(('-', a[i]));
            i += 1;
        }
    }
    let near_change =
        |k: usize| ops[k.saturating_sub(2)..(k + 3).min(ops.len())].iter().any(|(c, _)| *c != ' ');
    let mut out = String::new();
    let mut skipped = false;
    for (k, (c, line)) in ops.iter().enumerate() {
        if near_change(k) {
            out.push_str(&format!("{c} {line}\n"));
            skipped = false;
        } else if !skipped {
            out.push_str("  ...\n");
            skipped = true;
        }
    }
    out
}

#[test]
fn corpus_matches_expected_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("corpus"))
        .expect("corpus/ exists")
        .map(|e| e.expect("readable corpus entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lw"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the corpus has only {} entries", files.len());

    let bless = std::env::var_os("LINKWISE_BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root).expect("corpus file under the workspace");
        let source = std::fs::read_to_string(file).expect("readable corpus file");
        let actual: String =
            variants(&source).iter().map(|args| explain(relative, args)).collect::<Vec<_>>().join("\n");
        let expected_path = file.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &actual).expect("writable expected file");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{} differs from {}:\n{}",
                relative.display(),
                expected_path.display(),
                diff(&expected, &actual)
            )),
            Err(_) => failures.push(format!("{} has no {}", relative.display(), expected_path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the new output is right, regenerate with `LINKWISE_BLESS=1 cargo test --test corpus` and review \
         the git diff.",
        failures.join("\n\n")
    );
}

#[test]
fn diff_marks_changed_lines() {
    let d = diff("a\nb\nc\n", "a\nx\nc\n");
    assert!(d.contains("- b") && d.contains("+ x") && d.contains("  a"), "{d}");
}
