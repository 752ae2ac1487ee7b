//! The check's report: each finding as a rustc-style diagnostic for people, or JSON for tools in the
//! conventions of doctor's (docs/doctor.md "JSON output"): a versioned `schema`, an `outcome`, an `exit_code`,
//! findings with a stable `code`, and fixes as records. docs/check-libs.schema.json is its JSON Schema.

use crate::{Finding, Mismatch, Report};
use linkwise_ir::SourceFile;
use serde_json::{Value, json};

/// The JSON report's version: fields are only added within it; a change a reader of this version could
/// misread (a field removed, renamed or retyped, a new `code` or fix `kind`) makes the next.
pub const SCHEMA: &str = "linkwise-check-libs/1";

/// Exit status: every declared kind matches (warnings allowed).
pub const EXIT_OK: i32 = 0;
/// Exit status: a finding makes the link fail.
pub const EXIT_FAILS: i32 = 1;
/// Exit status: a library of the link could not be read, so the check is incomplete (doctor's convention).
pub const EXIT_UNREADABLE: i32 = 2;

/// The exit status for `report`.
pub fn exit_code(report: &Report) -> i32 {
    if report.findings.iter().any(|f| matches!(f.mismatch, Mismatch::Unreadable { .. })) {
        EXIT_UNREADABLE
    } else if report.fails() {
        EXIT_FAILS
    } else {
        EXIT_OK
    }
}

/// `links`, `links with warnings` or `fails`, as the findings predict the link.
pub fn outcome(report: &Report) -> &'static str {
    if report.fails() {
        "fails"
    } else if report.findings.is_empty() {
        "links"
    } else {
        "links with warnings"
    }
}

/// Every finding rendered against the module's source, then one summary line.
pub fn human(report: &Report, file: &SourceFile) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&f.diagnostic.render(file));
        if let Some((now, after)) = &f.call_site {
            out.push_str(&format!("  = call site now: {now}; with the fix: {after}\n"));
        }
        out.push('\n');
    }
    let found = report.libraries.iter().filter(|(_, p)| p.is_some()).count();
    out.push_str(&format!(
        "check-libs: {} of {} libraries found, {} library file{} read; {}\n",
        found,
        report.libraries.len(),
        report.libraries_read,
        if report.libraries_read == 1 { "" } else { "s" },
        match outcome(report) {
            "links" => "every declared kind matches its library".to_owned(),
            "fails" => "the link would fail".to_owned(),
            _ => format!(
                "{} warning{}",
                report.findings.len(),
                if report.findings.len() == 1 { "" } else { "s" }
            ),
        }
    ));
    out
}

fn found_in(m: &Mismatch) -> Option<String> {
    let path = match m {
        Mismatch::DylibButStatic { found_in }
        | Mismatch::StaticButImportFunction { found_in }
        | Mismatch::StaticButImportData { found_in }
        | Mismatch::StaticButShared { found_in }
        | Mismatch::DylibButArchive { found_in }
        | Mismatch::OtherLibrary { found_in }
        | Mismatch::MissingLink { found_in, .. } => Some(found_in),
        Mismatch::NotFound { found_in } => found_in.as_ref(),
        Mismatch::LibraryNotFound { .. } | Mismatch::Unreadable { .. } => None,
    };
    path.map(|p| p.display().to_string())
}

fn finding(f: &Finding, file: &SourceFile) -> Value {
    let (line, column) = file.line_col(f.span.start);
    json!({
        "code": f.mismatch.code(),
        "severity": if f.mismatch.fails() { "error" } else { "warning" },
        "message": f.diagnostic.message,
        "symbol": f.symbol,
        "object_name": f.object_name,
        "library": f.library,
        "found_in": found_in(&f.mismatch),
        "file": file.name(),
        "line": line,
        "column": column,
        "call_site": f.call_site.as_ref().map(|(now, after)| json!({"now": now, "with_fix": after})),
        "fixes": f.fixes.iter().map(|x| json!({"kind": x.kind, "text": x.text})).collect::<Vec<_>>(),
    })
}

/// The report as JSON (schema [`SCHEMA`]).
pub fn json(report: &Report, file: &SourceFile, target: &str) -> String {
    let value = json!({
        "schema": SCHEMA,
        "target": target,
        "outcome": outcome(report),
        "exit_code": exit_code(report),
        "libraries": report.libraries.iter().map(|(name, path)| json!({
            "name": name,
            "path": path.as_ref().map(|p| p.display().to_string()),
        })).collect::<Vec<_>>(),
        "libraries_read": report.libraries_read,
        "findings": report.findings.iter().map(|f| finding(f, file)).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
