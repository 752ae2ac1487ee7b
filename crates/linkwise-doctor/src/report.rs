//! Rendering a prediction: grouped human-readable text with the evidence under each finding, or JSON for
//! tools. Both list every input first: its C runtime, what it imports through `__imp_`, and for import
//! libraries which DLL each member stands for.
//!
//! The JSON is a contract (issue 12 item 6): [`SCHEMA`] names its version, docs/doctor.md says what each field
//! means and docs/doctor.schema.json is its JSON Schema, which tests/doctor_report.rs validates the output
//! against. A field is only added within a version; renaming, removing or retyping one is a new version.

use crate::crt;
use crate::predict::{AutoImport, Finding, Flavor, Location, Outcome, Prediction, Severity};
use crate::read::{Import, Input};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// The version of the JSON report, its `schema` field: `linkwise-doctor/N`, N raised on any change a reader
/// written for N-1 could misread (a field removed, renamed or retyped; a new value of an enum).
pub const SCHEMA: &str = "linkwise-doctor/2";

/// Exit status: the link succeeds (possibly with warnings).
pub const EXIT_LINKS: i32 = 0;
/// Exit status: the link would fail.
pub const EXIT_FAILS: i32 = 1;
/// Exit status: doctor could not read its inputs (nothing was predicted).
pub const EXIT_UNREADABLE: i32 = 2;

/// The exit status for a prediction: [`EXIT_FAILS`] when link.exe's outcome is a failure, else [`EXIT_LINKS`].
pub fn exit_code(prediction: &Prediction) -> i32 {
    if prediction.outcome() == Outcome::Fails { EXIT_FAILS } else { EXIT_LINKS }
}

/// A location as JSON: `{"file", "member"}` (member `null` for an object given directly).
fn location(at: &Location) -> Value {
    json!({ "file": at.file, "member": at.member })
}

/// A short account of one input.
fn summary(input: &Input) -> Value {
    let mut dlls: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut objects = Vec::new();
    for m in &input.members {
        if let Some(import) = &m.import {
            dlls.entry(dll_name(import)).or_default().push(&import.symbol);
            continue;
        }
        let imports: Vec<&str> = m.references.iter().filter_map(|r| r.strip_prefix("__imp_")).collect();
        let direct: Vec<&str> =
            m.references.iter().filter(|r| !r.starts_with("__imp_")).map(String::as_str).collect();
        let crt = crt::infer(m);
        let member = if input.is_library {
            m.name.strip_prefix(input.path.as_str()).and_then(|n| n.strip_prefix('(')?.strip_suffix(')'))
        } else {
            None
        };
        objects.push(json!({
            "name": m.name,
            "member": member,
            "machine": m.machine.map(|machine| machine.lld_name()),
            "crt": crt.as_ref().map(|e| e.crt.flag()),
            "crt_evidence": crt.map(|e| e.evidence),
            "imports": imports,
            "references": direct,
            "defines": m.defines,
            "directives": m.directives.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        }));
    }
    json!({
        "path": input.path,
        "kind": if input.is_library { "library" } else { "object" },
        "objects": objects,
        "import_members": dlls,
    })
}

/// How the report names an import member's DLL, also when the library does not say.
fn dll_name(import: &Import) -> &str {
    import.dll.as_deref().unwrap_or("(unknown DLL)")
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Links => "links",
        Outcome::Warns => "links with warnings",
        Outcome::Fails => "fails",
    }
}

/// A reference as JSON: the symbol, where (`file`, `member`) and the enclosing symbol (`function`).
fn reference(r: &crate::predict::Reference) -> Value {
    json!({
        "symbol": r.symbol,
        "file": r.at.file,
        "member": r.at.member,
        "function": r.site.as_ref().map(|s| &s.symbol),
        "in_function": r.site.as_ref().is_some_and(|s| s.function),
    })
}

fn finding(f: &Finding) -> Value {
    json!({
        "code": f.code,
        "severity": if f.severity == Severity::Error { "error" } else { "warning" },
        "lld_link_reports": f.lld_reports,
        "title": f.title,
        "link_exe": f.link_exe,
        "symbols": f.symbols,
        "references": f.references.iter().map(reference).collect::<Vec<_>>(),
        "definitions": f.definitions.iter().map(|d| json!({
            "symbol": d.symbol,
            "file": d.at.file,
            "member": d.at.member,
            "linked": d.linked,
        })).collect::<Vec<_>>(),
        "files": f.files.iter().map(location).collect::<Vec<_>>(),
        "evidence": f.evidence,
        "fixes": f.fixes.iter().map(|x| json!({ "kind": x.kind, "side": x.side.name(), "ecosystem": x.ecosystem, "text": x.text })).collect::<Vec<_>>(),
    })
}

/// The prediction as JSON (schema [`SCHEMA`]): inputs, findings, the outcome as link.exe and as lld-link
/// would see it, and the exit status.
pub fn json(inputs: &[Input], prediction: &Prediction) -> String {
    serde_json::to_string_pretty(&report_value(inputs, prediction)).unwrap_or_default() + "\n"
}

/// [`json()`] with how the link line was read (linkline.rs's `json`) as its `link_line` field.
pub fn json_with_link_line(
    inputs: &[Input],
    prediction: &Prediction,
    link_line: serde_json::Value,
) -> String {
    let mut value = report_value(inputs, prediction);
    value["link_line"] = link_line;
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn auto_import(a: &AutoImport) -> Value {
    json!({
        "symbol": a.symbol,
        "slot": location(&a.slot),
        "dll": a.dll,
        "references": a.references.iter().map(reference).collect::<Vec<_>>(),
        "pseudo_relocations": a.pseudo_relocations,
    })
}

/// The report as a JSON value: what [`json()`] prints.
fn report_value(inputs: &[Input], prediction: &Prediction) -> serde_json::Value {
    json!({
        "schema": SCHEMA,
        "flavor": prediction.flavor.name(),
        "auto_imports": prediction.auto_imports.iter().map(auto_import).collect::<Vec<_>>(),
        "exit_code": exit_code(prediction),
        "outcome": outcome_name(prediction.outcome()),
        "lld_link_outcome": outcome_name(prediction.lld_outcome()),
        "inputs": inputs.iter().map(summary).collect::<Vec<_>>(),
        "linked_members": prediction.loaded,
        "findings": prediction.findings.iter().map(finding).collect::<Vec<_>>(),
        "errors": [],
    })
}

/// A report for inputs doctor could not read, in the same schema: no outcome (`null`), no findings, and
/// the error naming the file (`file` is `null` when the error is about the command line, not one input).
pub fn json_error(file: Option<&str>, message: &str) -> String {
    let value = json!({
        "schema": SCHEMA,
        "exit_code": EXIT_UNREADABLE,
        "flavor": null,
        "auto_imports": [],
        "outcome": null,
        "lld_link_outcome": null,
        "inputs": [],
        "linked_members": [],
        "findings": [],
        "errors": [{ "file": file, "message": message }],
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// The prediction as text for a person.
pub fn human(inputs: &[Input], prediction: &Prediction) -> String {
    let mut out = String::new();
    // Asked once per member of every input: a set, so a library of many members is not quadratic.
    let linked: HashSet<&str> = prediction.loaded.iter().map(String::as_str).collect();
    let _ = writeln!(out, "inputs:");
    for input in inputs {
        let kind = if input.is_library { "library" } else { "object" };
        let _ = writeln!(
            out,
            "  {} ({kind}, {} member{})",
            input.path,
            input.members.len(),
            plural(input.members.len())
        );
        let mut dlls: BTreeMap<&str, usize> = BTreeMap::new();
        // Linked library members with nothing to show (no C runtime, no `__imp_` reference) are counted, not
        // listed: a MinGW link loads dozens from libmingw32.a and libmsvcrt.a, which buried the findings.
        let mut quiet = 0;
        for m in &input.members {
            if let Some(import) = &m.import {
                *dlls.entry(dll_name(import)).or_default() += 1;
                continue;
            }
            let crt = crt::infer(m).map(|e| format!("{} from {}", e.crt.flag(), e.evidence));
            let imports = m.references.iter().filter(|r| r.starts_with("__imp_")).count();
            let linked = linked.contains(m.name.as_str());
            let loaded = if linked { "" } else { " (not linked: nothing needs it)" };
            if input.is_library && linked && crt.is_none() && imports == 0 {
                quiet += 1;
                continue;
            }
            // Library members nobody links are listed only when they show a C runtime.
            if !input.is_library || linked || crt.is_some() {
                let _ = writeln!(
                    out,
                    "    {}: C runtime {}; {imports} import{} through __imp_{loaded}",
                    m.name,
                    crt.unwrap_or_else(|| "not shown".to_owned()),
                    plural(imports)
                );
            }
        }
        if quiet > 0 {
            let _ = writeln!(
                out,
                "    {quiet} more linked member{}: no C runtime shown, no import through __imp_",
                plural(quiet)
            );
        }
        for (dll, n) in dlls {
            let _ = writeln!(out, "    import members for {dll}: {n} symbol{}", plural(n));
        }
    }
    let _ = writeln!(out);
    for a in &prediction.auto_imports {
        let dll = a.dll.as_deref().unwrap_or("its DLL");
        let fixups = match a.pseudo_relocations {
            0 => "no runtime pseudo relocation (its .refptr pointer is replaced by the slot)".to_owned(),
            n => format!("{n} runtime pseudo relocation{} fixed up at start-up", plural(n as usize)),
        };
        let _ = writeln!(
            out,
            "auto-import: `{}` from {dll} through `__imp_{}` ({}): {fixups}",
            a.symbol,
            a.symbol,
            a.slot.display()
        );
        for r in &a.references {
            let _ = writeln!(out, "  {}", crate::predict::referenced_by(r));
        }
    }
    if !prediction.auto_imports.is_empty() {
        let _ = writeln!(out);
    }
    if prediction.findings.is_empty() {
        let _ = writeln!(out, "no problems found: the link should succeed");
    }
    for f in &prediction.findings {
        let level = if f.severity == Severity::Error { "error" } else { "warning" };
        let lld = if f.lld_reports { "" } else { " (link.exe reports this; lld-link is silent)" };
        let _ = writeln!(out, "{level}[{}]: {}{lld}", f.code, f.title);
        // What link.exe prints for it, to search for: the user may have link.exe's log, not lld-link's.
        for line in &f.link_exe {
            let _ = writeln!(out, "  link.exe: {line}");
        }
        for e in &f.evidence {
            let _ = writeln!(out, "  - {e}");
        }
        fixes(&mut out, &f.fixes);
        let _ = writeln!(out);
    }
    let verb = |o: Outcome| match o {
        Outcome::Links => "succeeds",
        Outcome::Warns => "succeeds with warnings",
        Outcome::Fails => "fails",
    };
    if prediction.flavor == Flavor::Mingw {
        let _ = writeln!(out, "prediction: the link {} (ld.lld, MinGW)", verb(prediction.outcome()));
    } else {
        let _ = writeln!(
            out,
            "prediction: the link {} (lld-link: {})",
            verb(prediction.outcome()),
            verb(prediction.lld_outcome())
        );
    }
    out
}

/// The fixes grouped by side, in the order each side first appears: a side's headline fixes as
/// `fix (side): ...`, then each build system's spelling of it on its own line under them.
fn fixes(out: &mut String, fixes: &[crate::predict::Fix]) {
    let mut sides = Vec::new();
    for fix in fixes {
        if !sides.contains(&fix.side) {
            sides.push(fix.side);
        }
    }
    for side in sides {
        let of_side = || fixes.iter().filter(move |f| f.side == side);
        let mut headed = false;
        for fix in of_side().filter(|f| f.ecosystem.is_none()) {
            let _ = writeln!(out, "  fix ({}): {}", side.name(), fix.text);
            headed = true;
        }
        let mut spelled = of_side().filter_map(|f| Some((f.ecosystem?, &f.text))).peekable();
        if !headed && spelled.peek().is_some() {
            let _ = writeln!(out, "  fix ({}):", side.name());
        }
        for (ecosystem, text) in spelled {
            let _ = writeln!(out, "    {}: {text}", ecosystem_name(ecosystem));
        }
    }
}

/// How the human report names a build system.
fn ecosystem_name(ecosystem: &str) -> &str {
    match ecosystem {
        "rust" => "Rust",
        "cmake" => "CMake",
        "msbuild" => "MSBuild",
        "cl" => "cl.exe",
        other => other,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read_bytes;
    use crate::testing::{Coff, library};

    /// Linked library members with nothing to show are one count line; a member that imports through
    /// `__imp_` or names a C runtime is still listed by name, as is every object given directly.
    #[test]
    fn linked_members_with_nothing_to_show_are_counted() {
        let plain = Coff::new().define(&["a"]).write();
        let other = Coff::new().define(&["b"]).write();
        let importer = Coff::new().define(&["c"]).reference(&["__imp_png_read"]).write();
        let input =
            read_bytes("v.lib", &library(&[("a.obj", &plain), ("b.obj", &other), ("c.obj", &importer)]))
                .unwrap();
        let object = read_bytes("main.obj", &Coff::new().define(&["main"]).write()).unwrap();
        let prediction = Prediction {
            findings: Vec::new(),
            loaded: ["v.lib(a.obj)", "v.lib(b.obj)", "v.lib(c.obj)", "main.obj"].map(String::from).to_vec(),
            flavor: Flavor::Msvc,
            auto_imports: Vec::new(),
        };
        let text = human(&[object, input], &prediction);
        let listing: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
        assert_eq!(
            listing,
            [
                "inputs:",
                "  main.obj (object, 1 member)",
                "    main.obj: C runtime not shown; 0 imports through __imp_",
                "  v.lib (library, 3 members)",
                "    v.lib(c.obj): C runtime not shown; 1 import through __imp_",
                "    2 more linked members: no C runtime shown, no import through __imp_",
            ],
            "{text}"
        );
    }
}
