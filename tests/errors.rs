//! Error corpus: every `corpus/errors/NAME.lw` is a test `NAME` here, a file of small cases, each compiled on
//! its own, whose expected diagnostics are written on the lines they point at (as rustc's UI tests and
//! cranelift's filetests keep input and expectation together):
//!
//! ```text
//! fn f() -> i32 { return y; } //~ ERROR 24: cannot find value `y` in this module
//! ```
//!
//! - a line `// -----` separates two cases (a syntax error ends the parse, so each needs its own);
//! - `//~ ERROR COL: MESSAGE` expects an error at column COL of this line; `//~^` one line up (`//~^^` two),
//!   `//~v` one line down (for an error at the end of the case, where a comment on the line would move it);
//! - `//~? ERROR MESSAGE` expects an error with no position (a mistake in a `-l` argument);
//! - `//@ args: ...` gives the case command-line arguments (`-l SPEC`, `--target TRIPLE`, `--crt MODE`);
//! - a case without any `//~` must compile; a case that compiles is checked against its `//~ WARNING`s (the
//!   module's and the `-l` arguments' warnings, `Program::warnings` and `LinkPlan::warnings`).
//!
//! Each case is compiled as the file's text with every other case's lines left empty, so positions are those of
//! the file itself; its text ends where its last non-blank line ends (an error "found end of file" points
//! there). The headline (`error: MESSAGE`) and the `--> corpus/errors/NAME.lw:LINE:COL` of every diagnostic
//! must match an annotation exactly, and every annotation a diagnostic; a diagnostic's first label must be its
//! primary one (the mistake itself, which the `-->` line names).

mod support;

use linkwise::{Diagnostic, Diagnostics, Options, SourceFile};
use std::path::Path;

support::file_tests!(check;
    checker,
    link_attributes,
    link_kinds,
    link_modifiers,
    link_specs,
    literals,
    syntax,
);

#[test]
fn every_error_corpus_file_has_a_test() {
    support::assert_listed("corpus/errors", "lw", LISTED, "tests/errors.rs");
}

/// One diagnostic as an annotation states it: `file:line:col` (none for a command-line error), severity, message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Headline {
    location: Option<String>,
    severity: String,
    message: String,
}

impl std::fmt::Display for Headline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.location.as_deref().unwrap_or("(no position)");
        write!(f, "{at}: {}: {}", self.severity, self.message)
    }
}

/// One case of an error-corpus file.
#[derive(Debug, PartialEq)]
struct Case {
    /// The 1-based line of the case's first line in the file.
    first_line: usize,
    /// The file's text with only this case's lines kept, ending at its last non-blank line.
    text: String,
    /// `//@ args:` words.
    args: Vec<String>,
    expected: Vec<Headline>,
}

/// Splits `source` (the file `path`) into its cases and reads their annotations.
fn cases(path: &str, source: &str) -> Result<Vec<Case>, String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut cases = Vec::new();
    let mut start = 0;
    for end in (0..=lines.len()).filter(|&i| i == lines.len() || lines[i].trim() == "// -----") {
        let mut case = Case {
            first_line: start + 1,
            text: "\n".repeat(start) + &lines[start..end].join("\n"),
            args: Vec::new(),
            expected: Vec::new(),
        };
        case.text.truncate(case.text.trim_end().len());
        for (i, line) in lines.iter().enumerate().take(end).skip(start) {
            if let Some(args) = line.trim().strip_prefix("//@ args:") {
                case.args.extend(args.split_whitespace().map(str::to_owned));
            } else if line.trim().starts_with("//@") {
                return Err(format!("{path}:{}: unknown directive (known: `//@ args:`)", i + 1));
            }
            // An annotation starts a comment: `//~` at the start of the line or after a space (so prose that
            // quotes `//~` is not one).
            let Some(at) = line
                .match_indices("//~")
                .map(|(at, _)| at)
                .find(|&at| line[..at].chars().next_back().is_none_or(char::is_whitespace))
            else {
                continue;
            };
            let (points_at, annotation) = annotation(path, i + 1, &line[at + 3..])?;
            if points_at.is_some_and(|l| l <= start || l > end) {
                return Err(format!("{path}:{}: the annotation points outside its case", i + 1));
            }
            case.expected.push(annotation);
        }
        case.expected.sort();
        cases.push(case);
        start = end + 1;
    }
    Ok(cases)
}

/// Reads one annotation, the text after `//~` on line `line` of `path`: the line it points at (none for `//~?`)
/// and what it expects there.
fn annotation(path: &str, line: usize, text: &str) -> Result<(Option<usize>, Headline), String> {
    let bad = |why: &str| Err(format!("{path}:{line}: {why} in `//~{text}`"));
    let (target, rest) = text.split_at(text.find(' ').unwrap_or(text.len()));
    let (severity, rest) = rest.trim_start().split_once(' ').unwrap_or((rest.trim(), ""));
    let severity = match severity {
        "ERROR" => "error",
        "WARNING" => "warning",
        _ => return bad("expected `ERROR` or `WARNING`"),
    };
    let at = match target {
        "?" => None,
        "" => Some(line),
        up if up.bytes().all(|b| b == b'^') => line.checked_sub(up.len()).filter(|&l| l > 0),
        down if down.bytes().all(|b| b == b'v') => Some(line + down.len()),
        _ => return bad("expected `//~`, `//~^`, `//~v` or `//~?`"),
    };
    let (location, message) = match at {
        None if target == "?" => (None, rest.trim()),
        None => return bad("the line is above the file"),
        Some(at) => {
            let Some((column, message)) = rest.split_once(": ") else {
                return bad("expected `COL: MESSAGE`");
            };
            let Ok(column) = column.trim().parse::<usize>() else { return bad("expected a column number") };
            (Some(format!("{path}:{at}:{column}")), message.trim())
        }
    };
    if message.is_empty() {
        return bad("no message");
    }
    Ok((at, Headline { location, severity: severity.to_owned(), message: message.to_owned() }))
}

/// The options a case's arguments give, or the diagnostic a bad `-l` or `--target` gives.
fn options(args: &[String]) -> Result<Result<Options, Diagnostic>, String> {
    let mut options = Options::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("`{arg}` needs a value"))?;
        let next = match arg.as_str() {
            "-l" => options.link(value),
            "--target" => options.target(value),
            "--crt" => {
                let crt =
                    linkwise::CrtMode::from_name(value).ok_or_else(|| format!("unknown `--crt {value}`"))?;
                Ok(options.crt(crt))
            }
            other => {
                return Err(format!("unsupported argument `{other}` (known: `-l`, `--target`, `--crt`)"));
            }
        };
        options = match next {
            Ok(options) => options,
            Err(d) => return Ok(Err(d)),
        };
    }
    Ok(Ok(options))
}

/// What compiling one case reports, as annotations would state it, and the rendered diagnostics.
fn reported(path: &str, case: &Case) -> Result<(Vec<Headline>, String), String> {
    let file = SourceFile::new(path, case.text.as_str());
    let diagnostics = match options(&case.args)? {
        Err(d) => Diagnostics::from(d),
        Ok(options) => match linkwise::compile(&file, &options) {
            Ok(compiled) => Diagnostics(
                compiled.program.warnings.iter().chain(&compiled.plan.warnings).cloned().collect(),
            ),
            Err(d) => d,
        },
    };
    let mut reported = Vec::new();
    for d in &diagnostics.0 {
        let rendered = d.render(&file);
        if d.labels.first().is_some_and(|l| !l.primary) {
            return Err(format!("a diagnostic whose first label is not its primary one:\n{rendered}"));
        }
        let (severity, message) = rendered.lines().next().unwrap_or("").split_once(": ").unwrap_or(("", ""));
        // The annotations state the headline without its code (`error[LW0425]` is `error`): the codes are
        // tests/diagnostics.rs's to check.
        let severity = severity.split_once('[').map_or(severity, |(s, _)| s);
        let location = rendered.lines().find_map(|l| l.trim_start().strip_prefix("--> ")).map(str::to_owned);
        reported.push(Headline { location, severity: severity.to_owned(), message: message.to_owned() });
    }
    reported.sort();
    Ok((reported, diagnostics.render(&file)))
}

/// Compiles every case of `corpus/errors/NAME.lw` and compares what it reports with its annotations.
fn check(name: &str) {
    let path = format!("corpus/errors/{name}.lw");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let split = cases(&path, &source).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    for case in &split {
        let (reported, rendered) =
            reported(&path, case).unwrap_or_else(|e| panic!("{path}:{}: {e}", case.first_line));
        if reported != case.expected {
            let missing: Vec<String> =
                case.expected.iter().filter(|e| !reported.contains(e)).map(|e| format!("  - {e}")).collect();
            let unexpected: Vec<String> =
                reported.iter().filter(|r| !case.expected.contains(r)).map(|r| format!("  + {r}")).collect();
            failures.push(format!(
                "the case at {path}:{}:\n{}\n{}\nit reported:\n{rendered}",
                case.first_line,
                missing.join("\n"),
                unexpected.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from their `//~` annotations (- expected, not reported; + reported, not expected):\n\n{}",
        failures.len(),
        split.len(),
        failures.join("\n\n")
    );
}

#[test]
fn annotations_point_at_lines_and_columns() {
    let source = "fn f() {} //~ ERROR 4: one\n//~v ERROR 2: two\nx\n//~^^ ERROR 1: three: with a colon\n// -----\n//@ args: -l a=b\n//~? ERROR four\n\n";
    let split = cases("t.lw", source).unwrap();
    assert_eq!(split.len(), 2);
    let at = |e: &Headline| (e.location.clone(), e.message.clone());
    let first: Vec<_> = split[0].expected.iter().map(at).collect();
    assert_eq!(
        first,
        [
            (Some("t.lw:1:4".into()), "one".into()),
            (Some("t.lw:2:1".into()), "three: with a colon".into()),
            (Some("t.lw:3:2".into()), "two".into()),
        ]
    );
    assert_eq!((split[1].first_line, split[1].args.clone()), (6, vec!["-l".to_owned(), "a=b".to_owned()]));
    assert_eq!(split[1].expected.iter().map(at).collect::<Vec<_>>(), [(None, "four".into())]);
    // The second case keeps its lines where they are in the file and ends at its last non-blank line.
    assert_eq!(split[1].text, "\n\n\n\n\n//@ args: -l a=b\n//~? ERROR four");
    assert!(cases("t.lw", "//~ EROR 1: x").unwrap_err().contains("expected `ERROR` or `WARNING`"));
    assert!(cases("t.lw", "//~ ERROR x").unwrap_err().contains("expected `COL: MESSAGE`"));
    assert!(cases("t.lw", "//~^ ERROR 1: x").unwrap_err().contains("above the file"));
    assert!(cases("t.lw", "a\n// -----\n//~^ ERROR 1: x").unwrap_err().contains("outside its case"));
    assert!(cases("t.lw", "//@ arg: -l x").unwrap_err().contains("unknown directive"));
}
