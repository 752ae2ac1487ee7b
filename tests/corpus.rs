//! Golden corpus: every `corpus/NAME.lw` is a test `NAME` here. It runs through `linkwise explain` once per
//! `//@ args:` line in it (or once without arguments), and the output (link plan and symbol references, or the
//! diagnostics and exit status of a failing run) is compared exactly with `corpus/NAME.expected`. A file with a
//! `//@ listing` line also pins Cranelift's whole listing (`explain --listing`); the others pin only what
//! linkwise decides, so a change in Cranelift's register allocation does not touch them.
//!
//! `LINKWISE_BLESS=1 cargo test --test corpus` rewrites the expected files from the current output (one file:
//! `... --test corpus NAME`). Review the `git diff` before committing: the expected files are the specification
//! of what linkwise decides.

mod support;

use std::path::Path;

support::file_tests!(check;
    call_and_address,
    conflicting_kinds,
    control_flow,
    data,
    hello,
    link_spec_errors,
    no_link_attribute,
    source_errors,
    static_library,
    syntax_error,
    targets,
);

#[test]
fn every_corpus_file_has_a_test() {
    support::assert_listed("corpus", "lw", LISTED, "tests/corpus.rs");
}

/// What a corpus file asks for in its `//@` lines.
#[derive(Debug, PartialEq)]
struct Directives {
    /// The extra command-line arguments of each run (at least one run).
    runs: Vec<Vec<String>>,
    /// `//@ listing`: every run also prints the full disassembly.
    listing: bool,
}

/// Reads the `//@` lines of a corpus file; an unknown directive is an error, so a misspelt one cannot
/// silently leave a run out.
fn directives(source: &str) -> Result<Directives, String> {
    let mut runs = Vec::new();
    let mut listing = false;
    for (n, line) in source.lines().enumerate() {
        let Some(directive) = line.trim().strip_prefix("//@") else { continue };
        let directive = directive.trim();
        if let Some(args) = directive.strip_prefix("args:") {
            runs.push(args.split_whitespace().map(str::to_owned).collect());
        } else if directive == "listing" {
            listing = true;
        } else {
            return Err(format!(
                "line {}: unknown directive `//@ {directive}` (known: `args:`, `listing`)",
                n + 1
            ));
        }
    }
    if runs.is_empty() {
        runs.push(Vec::new());
    }
    Ok(Directives { runs, listing })
}

/// Runs the CLI in-process and returns what a user would see.
fn explain(path: &str, listing: bool, args: &[String]) -> String {
    let mut argv: Vec<String> = vec!["explain".into()];
    if listing {
        argv.push("--listing".into());
    }
    argv.push(path.to_owned());
    argv.extend(args.iter().cloned());
    let (status, out, err) = support::linkwise(&argv);
    let mut text = format!("=== linkwise {} ===\n", argv.join(" "));
    text.push_str(&out);
    if !err.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&err);
    }
    text.push_str(&format!("--- exit status {status} ---\n"));
    text
}

/// Runs `corpus/NAME.lw` and compares (or, with `LINKWISE_BLESS`, rewrites) `corpus/NAME.expected`.
fn check(name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let relative = format!("corpus/{name}.lw");
    let source = std::fs::read_to_string(root.join(&relative)).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let directives = directives(&source).unwrap_or_else(|e| panic!("{relative}: {e}"));
    // The command line's default target is the host (issue 13); the goldens must not depend on the machine, so
    // a file that names no target is explained for Windows x64, what it was written for, on the command line.
    let names_target = source.lines().any(|l| l.trim_start().starts_with("target "));
    let actual: String = directives
        .runs
        .iter()
        .map(|args| {
            let mut args = args.clone();
            if !names_target && !args.iter().any(|a| a == "--target") {
                args.extend(["--target".to_owned(), "x86_64-pc-windows-msvc".to_owned()]);
            }
            explain(&relative, directives.listing, &args)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let expected_path = root.join(format!("corpus/{name}.expected"));
    if std::env::var_os("LINKWISE_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).expect("writable expected file");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("corpus/{name}.expected: {e}; create it with LINKWISE_BLESS=1"));
    assert!(
        expected == actual,
        "{relative} differs from corpus/{name}.expected:\n{}\n\nIf the new output is right, regenerate it with \
         `LINKWISE_BLESS=1 cargo test --test corpus {name}` and review the git diff.",
        diff(&expected, &actual)
    );
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
fn diff_marks_changed_lines() {
    let d = diff("a\nb\nc\n", "a\nx\nc\n");
    assert!(d.contains("- b") && d.contains("+ x") && d.contains("  a"), "{d}");
}

#[test]
fn directives_give_runs_and_the_listing_switch() {
    let d = directives("// x\n//@ args: -l static=a\n//@ listing\n  //@ args:\n").unwrap();
    assert_eq!(d, Directives { runs: vec![vec!["-l".into(), "static=a".into()], vec![]], listing: true });
    let d = directives("fn f() {}\n").unwrap();
    assert_eq!(d, Directives { runs: vec![vec![]], listing: false });
    assert_eq!(
        directives("\n//@ arg: -l x\n").unwrap_err(),
        "line 2: unknown directive `//@ arg: -l x` (known: `args:`, `listing`)"
    );
}
