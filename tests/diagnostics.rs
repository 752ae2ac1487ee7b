//! Diagnostics as a user sees them (issue 13, item 1): every `tests/diagnostics/NAME.lw` is built by the CLI in
//! process three times, and standard error is compared exactly with `NAME.stderr` (plain text),
//! `NAME.color.stderr` (`--color always`: rustc's ANSI colours) and `NAME.json` (`--error-format json`, one
//! object per line). The cases are the mistakes issue 13 lists (missing semicolons, a type error that used to
//! cascade, carets on lines with tabs...) and the help edits rustc gives for them.
//!
//! `LINKWISE_BLESS=1 cargo test --test diagnostics` rewrites the golden files from the current output (one
//! case: `... --test diagnostics NAME`); review the `git diff` before committing.
//!
//! Also here: docs/errors.md and the code registry (`linkwise_ir::codes`) list the same codes, every code is
//! given by some test input, `linkwise explain-error`, the limit on syntax errors, and the JSON form's fields.

mod support;

use std::path::Path;

support::file_tests!(check;
    errors_in_two_items,
    invisible_character,
    linker_not_found,
    local_called,
    missing_semicolon,
    misspelled_function,
    misspelled_local,
    misspelled_type,
    poisoned_name,
    tabs,
    two_missing_semicolons,
    type_error_no_cascade,
    unclosed_block,
    unknown_link_kind,
    unsupported_abi,
    wrong_argument_count,
);

#[test]
fn every_case_has_a_test() {
    support::assert_listed("tests/diagnostics", "lw", LISTED, "tests/diagnostics.rs");
}

/// The three renderings of a case and the golden file of each.
const FORMATS: &[(&str, &[&str])] = &[
    ("stderr", &["--color", "never"]),
    ("color.stderr", &["--color", "always"]),
    ("json", &["--error-format", "json"]),
];

/// Builds `tests/diagnostics/NAME.lw` with `args`, and the arguments of its `//@ args:` line if it has one:
/// standard error and the exit status.
fn build(name: &str, args: &[&str]) -> (String, i32) {
    let out = support::TempDir::new("diagnostics");
    let input = format!("tests/diagnostics/{name}.lw");
    let source = std::fs::read_to_string(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let own: Vec<&str> =
        source.lines().filter_map(|l| l.strip_prefix("//@ args:")).flat_map(str::split_whitespace).collect();
    let out_dir = out.path().display().to_string();
    let mut argv = vec!["build", &input, "--target", "x86_64-pc-windows-msvc", "--out-dir", &out_dir];
    argv.extend_from_slice(&own);
    argv.extend_from_slice(args);
    let (status, stdout, stderr) = support::linkwise(&argv);
    assert_eq!(stdout, "", "{name}: nothing on standard output");
    (stderr, status)
}

fn check(name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (ext, args) in FORMATS {
        let (stderr, status) = build(name, args);
        assert_eq!(status, 1, "{name} {args:?}: every case is an error\n{stderr}");
        let golden = root.join(format!("tests/diagnostics/{name}.{ext}"));
        if std::env::var_os("LINKWISE_BLESS").is_some() {
            std::fs::write(&golden, &stderr).expect("writable golden file");
            continue;
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("{}: {e}; create it with LINKWISE_BLESS=1", golden.display()));
        assert!(
            expected == stderr,
            "{name} with {args:?} differs from tests/diagnostics/{name}.{ext}:\n--- expected\n{expected}\n--- actual\n\
             {stderr}\nIf the new output is right, regenerate with `LINKWISE_BLESS=1 cargo test --test diagnostics \
             {name}` and review the git diff."
        );
    }
}

/// The `error[CODE]`/`warning[CODE]` codes in `text`.
fn codes_in(text: &str) -> Vec<String> {
    text.match_indices("[LW")
        .filter_map(|(at, _)| {
            let code = text.get(at + 1..at + 7)?;
            (code[2..].bytes().all(|b| b.is_ascii_digit()) && text[at + 7..].starts_with(']'))
                .then(|| code.to_owned())
        })
        .collect()
}

/// docs/errors.md has one table row per code, `| `LW0425` | summary |`, in the registry's order and words.
#[test]
fn docs_list_exactly_the_registry() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md"))
        .expect("docs/errors.md");
    let rows: Vec<(String, String)> = doc
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("| `LW")?;
            let (digits, rest) = rest.split_once('`')?;
            let summary = rest.trim_start_matches([' ', '|']).trim_end_matches(['|', ' ']);
            Some((format!("LW{digits}"), summary.to_owned()))
        })
        .collect();
    let registry: Vec<(String, String)> =
        linkwise::ir::codes::CODES.iter().map(|c| (c.code.to_owned(), c.summary.to_owned())).collect();
    assert_eq!(rows, registry, "docs/errors.md's table and linkwise_ir::codes::CODES differ");
}

/// Every code but the internal-error one is given by some input a test runs: a case here, an entry of
/// docs/bad-input.md, a corpus file, or `explain-error` with an unknown code.
#[test]
fn every_code_is_given_by_a_test_input() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    for dir in ["tests/diagnostics", "corpus", "docs"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("readable directory") {
            let path = entry.expect("entry").path();
            let name = path.display().to_string();
            if name.ends_with(".stderr") || name.ends_with(".expected") || name.ends_with("bad-input.md") {
                text.push_str(&std::fs::read_to_string(&path).expect("readable golden"));
            }
        }
    }
    let (_, _, unknown) = support::linkwise(&["explain-error", "LW9999"]);
    text.push_str(&unknown);
    // Every headline has its code, rustc's `error[CODE]: ` (only the summary line has none).
    for line in text.lines().filter(|l| l.starts_with("error") || l.starts_with("warning")) {
        let summary = line.starts_with("error: aborting due to ");
        let coded = line.starts_with("error[LW") || line.starts_with("warning[LW");
        assert!(summary || coded, "a headline without a code: {line}");
    }
    let given = codes_in(&text);
    let missing: Vec<&str> = linkwise::ir::codes::CODES
        .iter()
        .map(|c| c.code)
        // An internal error is a bug in linkwise: no input is known to give one.
        .filter(|c| *c != linkwise::ir::codes::INTERNAL && !given.iter().any(|g| g == c))
        .collect();
    assert!(missing.is_empty(), "codes no test input gives: {missing:?}");
    for code in given {
        assert!(linkwise::ir::codes::lookup(&code).is_some(), "`{code}` is given but not in the registry");
    }
}

/// `explain-error CODE` prints the code's long text and exits 0, for every code; an unknown one is an error
/// with exit status 1.
#[test]
fn explain_error_prints_every_long_text() {
    for c in linkwise::ir::codes::CODES {
        for spelled in [c.code.to_owned(), c.code.to_lowercase()] {
            let (status, out, err) = support::linkwise(&["explain-error", &spelled]);
            assert_eq!((status, err.as_str()), (0, ""), "{spelled}");
            assert_eq!(out, format!("{}: {}\n\n{}\n", c.code, c.summary, c.explanation));
        }
    }
    let (status, out, err) = support::linkwise(&["explain-error", "LW9999"]);
    assert_eq!((status, out.as_str()), (1, ""));
    assert!(err.starts_with("error[LW0001]: `LW9999` is not a linkwise error code\n"), "{err}");
}

/// A file of 60 missing semicolons gets the first 50 reported, then rustc's summary line.
#[test]
fn syntax_errors_stop_at_fifty() {
    let dir = support::TempDir::new("diagnostics-many");
    let body: String = (0..60).map(|i| format!("    let v{i}: i32 = {i}\n")).collect();
    let input = dir.join("many.lw");
    std::fs::write(&input, format!("pub fn main() -> i32 {{\n{body}    return 0;\n}}\n")).unwrap();
    let input = input.display().to_string();
    let out = dir.path().display().to_string();
    let (status, _, err) = support::linkwise(&["build", &input, "--out-dir", &out, "--color", "never"]);
    assert_eq!(status, 1);
    assert_eq!(err.matches("error[LW0201]: expected `;`").count(), 50, "{err}");
    assert!(err.contains("\nerror: aborting due to 50 previous errors\n"), "{err}");
    // Each caret is right after the line's last token, as rustc puts it.
    assert!(err.contains("3 |     let v1: i32 = 1\n  |                    ^ help: add `;` here\n"), "{err}");
}

/// The JSON form: one object per line, rustc's fields, spans whose line and columns match their bytes.
#[test]
fn json_lines_carry_rustcs_fields() {
    let (stderr, _) = build("two_missing_semicolons", &["--error-format", "json"]);
    let source = std::fs::read_to_string("tests/diagnostics/two_missing_semicolons.lw").unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    for line in lines {
        let d: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
        assert_eq!(d["level"], "error");
        assert_eq!(d["code"]["code"], "LW0201");
        assert!(d["code"]["explanation"].as_str().unwrap().contains("Fix:"));
        assert!(d["rendered"].as_str().unwrap().starts_with("error[LW0201]: expected `;`"));
        let spans = d["spans"].as_array().unwrap();
        assert_eq!(spans.iter().filter(|s| s["is_primary"] == true).count(), 1, "{line}");
        for s in spans {
            let (start, end) =
                (s["byte_start"].as_u64().unwrap() as usize, s["byte_end"].as_u64().unwrap() as usize);
            let line_start = s["line_start"].as_u64().unwrap() as usize;
            let column_start = s["column_start"].as_u64().unwrap() as usize;
            let before = &source[..start];
            assert_eq!(line_start, before.matches('\n').count() + 1);
            // Columns count characters, not bytes (docs/errors.md).
            let line_text = &before[before.rfind('\n').map_or(0, |n| n + 1)..];
            assert_eq!(column_start, line_text.chars().count() + 1);
            assert!(end >= start && s["file_name"].as_str().unwrap().ends_with("two_missing_semicolons.lw"));
        }
        // The suggestion: insert `;` where the primary caret is.
        let help = &d["children"][0];
        assert_eq!((help["level"].as_str(), help["message"].as_str()), (Some("help"), Some("add `;` here")));
        assert_eq!(help["spans"][0]["suggested_replacement"], ";");
        assert_eq!(help["spans"][0]["byte_start"], help["spans"][0]["byte_end"]);
    }
}

/// `--color auto` colours only a terminal: in process, standard error is a buffer, so there is none; `always`
/// and `never` are what they say.
#[test]
fn colour_follows_the_flag() {
    let (auto, _) = build("misspelled_local", &[]);
    let (never, _) = build("misspelled_local", &["--color", "never"]);
    let (always, _) = build("misspelled_local", &["--color", "always"]);
    assert_eq!(auto, never);
    assert!(!never.contains('\x1b') && always.contains("\x1b["), "{always}");
    // Taking the escapes out of the coloured text gives the plain one.
    let mut stripped = String::new();
    let mut rest = always.as_str();
    while let Some(at) = rest.find('\x1b') {
        stripped.push_str(&rest[..at]);
        let after = &rest[at..];
        rest = &after[after.find('m').map_or(after.len(), |m| m + 1)..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, never);
    let (status, _, err) = support::linkwise(&["build", "x.lw", "--color", "sometimes"]);
    assert_eq!(status, 2, "{err}");
}

/// A line with tabs: each tab is shown as four spaces and the caret is under the character it marks.
#[test]
fn carets_line_up_after_tabs() {
    let (stderr, _) = build("tabs", &["--color", "never"]);
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("3 | ")).expect("the line shown");
    let (shown, carets) = (lines[at], lines[at + 1]);
    assert!(!shown.contains('\t'), "{shown}");
    assert_eq!(carets.find('^'), shown.find('b'), "\n{shown}\n{carets}");
    assert!(stderr.contains(" --> tests/diagnostics/tabs.lw:3:15\n"), "{stderr}");
}
