//! Rendering a prediction: grouped human-readable text with the evidence under each finding, or JSON for
//! tools. Both list every input first: its C runtime, what it imports through `__imp_`, and for import
//! libraries which DLL each member stands for.

use crate::crt;
use crate::predict::{Outcome, Prediction, Severity};
use crate::read::{Import, Input};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

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
        objects.push(json!({
            "name": m.name,
            "crt": crt.as_ref().map(|e| e.crt.flag()),
            "crt_evidence": crt.map(|e| e.evidence),
            "imports": imports,
            "references": direct,
            "defines": m.defines,
            "directives": m.directives.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>(),
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

/// The prediction as JSON: inputs, findings, and the outcome as link.exe and as lld-link would see it.
pub fn json(inputs: &[Input], prediction: &Prediction) -> String {
    let findings: Vec<Value> = prediction
        .findings
        .iter()
        .map(|f| {
            json!({
                "severity": if f.severity == Severity::Error { "error" } else { "warning" },
                "code": f.code,
                "lld_link_reports": f.lld_reports,
                "title": f.title,
                "symbols": f.symbols,
                "evidence": f.evidence,
                "fixes": f.fixes,
            })
        })
        .collect();
    let value = json!({
        "outcome": outcome_name(prediction.outcome()),
        "lld_link_outcome": outcome_name(prediction.lld_outcome()),
        "inputs": inputs.iter().map(summary).collect::<Vec<_>>(),
        "linked_members": prediction.loaded,
        "findings": findings,
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
        for m in &input.members {
            if let Some(import) = &m.import {
                *dlls.entry(dll_name(import)).or_default() += 1;
                continue;
            }
            let crt = crt::infer(m).map(|e| format!("{} from {}", e.crt.flag(), e.evidence));
            let imports = m.references.iter().filter(|r| r.starts_with("__imp_")).count();
            let linked = linked.contains(m.name.as_str());
            let loaded = if linked { "" } else { " (not linked: nothing needs it)" };
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
        for (dll, n) in dlls {
            let _ = writeln!(out, "    import members for {dll}: {n} symbol{}", plural(n));
        }
    }
    let _ = writeln!(out);
    if prediction.findings.is_empty() {
        let _ = writeln!(out, "no problems found: the link should succeed");
    }
    for f in &prediction.findings {
        let level = if f.severity == Severity::Error { "error" } else { "warning" };
        let lld = if f.lld_reports { "" } else { " (link.exe reports this; lld-link is silent)" };
        let _ = writeln!(out, "{level}[{}]: {}{lld}", f.code, f.title);
        for e in &f.evidence {
            let _ = writeln!(out, "  - {e}");
        }
        for fix in &f.fixes {
            let _ = writeln!(out, "  fix: {fix}");
        }
        let _ = writeln!(out);
    }
    let verb = |o: Outcome| match o {
        Outcome::Links => "succeeds",
        Outcome::Warns => "succeeds with warnings",
        Outcome::Fails => "fails",
    };
    let _ = writeln!(
        out,
        "prediction: the link {} (lld-link: {})",
        verb(prediction.outcome()),
        verb(prediction.lld_outcome())
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
