//! `linkwise explain`: the link plan as a table, then every symbol reference in the generated code with the
//! instruction bytes and the relocation chosen for it, so a user can see why each symbol is reached as it is.
//!
//! Everything here is read from what earlier stages recorded (the plan's rows, each site's purpose, access and
//! placement, the target's facts); nothing is re-derived, and every object symbol is spelled by
//! `reloc::object_name`, the function the object writer uses.

use crate::Compiled;
use linkwise_codegen::reloc::object_name;
use linkwise_codegen::{Patch, Purpose, Site, SiteShape, SymbolRef, disasm};
use linkwise_ir::SourceFile;
use linkwise_ir::checked::{Program, SymbolDef};
use linkwise_linkage::{Access, Directive, KindOrigin};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Renders the report. `file` is the source the compilation came from (for line:col of declarations);
/// `listing` adds a full disassembly of every function.
pub fn render(compiled: &Compiled, file: &SourceFile, listing: bool) -> String {
    let (program, plan) = (&compiled.program, &compiled.plan);
    let target = &plan.target;
    let mut out = String::new();
    let _ = writeln!(out, "target: {target} ({}, {})", target.format, target.arch);
    if !target.kind_affects_codegen() {
        let _ =
            writeln!(out, "note: on this target the link kind does not change code generation (RFC 1717)");
    }

    let _ = writeln!(out, "\nlibraries, in link order:");
    if plan.libraries.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    let lib_rows: Vec<[String; 3]> = plan
        .libraries
        .iter()
        .map(|l| {
            let renamed =
                l.renamed_from.as_ref().map(|from| format!(", renamed from `{from}`")).unwrap_or_default();
            let origin = match (&l.kind_origin, l.blocks.is_empty()) {
                (KindOrigin::CommandLine(spec), true) => format!("added by `{spec}`"),
                (KindOrigin::Default, true) => "added by the command line".to_owned(),
                (origin, false) => format!("kind set by {}", describe_origin(origin)),
                (KindOrigin::Declared, true) => "kind set by #[link]".to_owned(),
            };
            [l.name.clone(), l.kind.to_string(), format!("{origin}{renamed}")]
        })
        .collect();
    table(&mut out, &lib_rows);
    if !plan.libraries.is_empty() {
        // What to hand the linker, in order, spelled as the target's linker takes it.
        let names: Vec<String> = plan.libraries.iter().map(|l| l.link_argument(target)).collect();
        let _ = writeln!(out, "  link with: {}", names.join(" "));
    }

    // What the object itself carries, as the writer wrote it: with autolink the link line above needs no
    // library argument; exports and the C runtime check are here too.
    let _ = writeln!(out, "\nthe object asks the linker for:");
    if compiled.object.carried.is_empty() {
        let _ = writeln!(out, "  (nothing)");
    }
    let carried: Vec<[String; 2]> = compiled
        .object
        .carried
        .iter()
        .map(|c| match &c.how {
            Ok((place, text)) => [(*place).to_owned(), text.clone()],
            Err(why) => ["not written".to_owned(), format!("{}: {why}", directive_name(&c.directive))],
        })
        .collect();
    table(&mut out, &carried);

    let _ = writeln!(out, "\nimported symbols:");
    if plan.imports.is_empty() {
        let _ = writeln!(out, "  (none)");
    } else {
        let mut rows = vec![[
            "symbol".to_owned(),
            "declared at".to_owned(),
            "library".to_owned(),
            "kind".to_owned(),
            "kind set by".to_owned(),
            "reached through".to_owned(),
        ]];
        for row in &plan.imports {
            let (line, col) = file.line_col(row.span.start);
            let name = if row.name == row.link_name {
                row.name.clone()
            } else {
                format!("{} (link name {})", row.name, row.link_name)
            };
            let changed = if row.kind != row.declared_kind {
                format!(" (declared {})", row.declared_kind)
            } else {
                String::new()
            };
            let spelled = |r| object_name(target, program.symbol(row.symbol), r);
            let reached = match row.access {
                Access::ImportSlot => format!("import slot {}", spelled(SymbolRef::ImpPrefixed)),
                Access::Direct => format!("direct reference to {}", spelled(SymbolRef::Plain)),
                Access::Got => format!("GOT entry of {}", spelled(SymbolRef::Plain)),
                Access::Plt => format!("call through {} ({})", target.call_stub(), spelled(SymbolRef::Plain)),
            };
            rows.push([
                name,
                format!("{}:{line}:{col}", file.name()),
                row.library.clone().unwrap_or_else(|| "(no #[link])".to_owned()),
                format!("{}{changed}", row.kind),
                describe_origin(&row.kind_origin),
                reached,
            ]);
        }
        table(&mut out, &rows);
    }

    let _ = writeln!(out, "\nsymbol references in the generated code:");
    let mut any = false;
    for f in &compiled.object.functions {
        // Decoded once per function; each site then finds its instruction.
        let decoded = disasm::decode(target.arch, &f.code, &f.sites).unwrap_or_default();
        for site in &f.sites {
            any = true;
            let what = describe(program, site);
            // Named by the instruction's offset; the relocated field lies inside it.
            let instruction = disasm::containing(&decoded, site.offset);
            let at = instruction.as_ref().map_or(site.offset, |i| i.offset);
            let _ = writeln!(out, "  {}+{at:#x}: {what}", f.object_name);
            if let Some(i) = instruction {
                let _ = writeln!(out, "      {:<24} {}", disasm::hex(&i.bytes), i.text);
            }
            let patch = match site.placement.patch {
                Some(Patch::MovToLea) => "  (slot load rewritten to lea: no slot exists for this symbol)",
                Some(Patch::LdrToAdd) => "  (slot load rewritten to add: no slot exists for this symbol)",
                None => "",
            };
            let _ = writeln!(
                out,
                "      relocation {} against {}{patch}",
                site.placement.name, site.object_symbol
            );
        }
    }
    if !any {
        let _ = writeln!(out, "  (none)");
    }
    if !compiled.object.data_sites.is_empty() {
        let _ = writeln!(out, "\naddresses stored in statics:");
        for data in &compiled.object.data_sites {
            let site = &data.site;
            let holder = program.symbol(data.holder);
            let _ = writeln!(out, "  {}+{:#x}: {}", holder.name, site.offset, describe(program, site));
            let _ = writeln!(out, "      relocation {} against {}", site.placement.name, site.object_symbol);
        }
    }

    if listing {
        let placed = function_sections(compiled);
        for f in &compiled.object.functions {
            let section = placed.get(f.object_name.as_str()).map(|(s, at)| (s.as_str(), *at));
            match section {
                Some((name, at)) => {
                    let _ = writeln!(out, "\n{}: ({name}+{at:#x})", f.object_name);
                }
                None => {
                    let _ = writeln!(out, "\n{}:", f.object_name);
                }
            }
            out.push_str(&disasm::listing_in(target.arch, &f.code, &f.sites, section));
        }
    }
    out
}

/// Where each function is in the object: its section's name and its offset there, by object symbol name, read
/// back from the object the compilation wrote (issue 13, item 5: listings with section offsets).
pub fn function_sections(compiled: &Compiled) -> HashMap<&str, (String, u64)> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let mut out = HashMap::new();
    let Ok(file) = object::File::parse(&*compiled.object.bytes) else { return out };
    let wanted: std::collections::HashSet<&str> =
        compiled.object.functions.iter().map(|f| f.object_name.as_str()).collect();
    for symbol in file.symbols() {
        let (Ok(name), Some(index)) = (symbol.name(), symbol.section_index()) else { continue };
        let Some(&name) = wanted.get(name) else { continue };
        let Ok(section) = file.section_by_index(index) else { continue };
        let section_name = section.name().unwrap_or("?").to_owned();
        out.insert(name, (section_name, symbol.address() - section.address()));
    }
    out
}

/// The report as JSON, schema `linkwise-explain/1` (docs/explain.schema.json; docs/cli.md "explain --format
/// json"): the same facts as [`render`], every instruction listed when `listing` is set. Keys are sorted, so
/// the same compilation always gives the same bytes.
pub fn json(compiled: &Compiled, file: &SourceFile, listing: bool) -> String {
    use serde_json::{Value, json};
    let (program, plan) = (&compiled.program, &compiled.plan);
    let target = &plan.target;
    let libraries: Vec<Value> = plan
        .libraries
        .iter()
        .map(|l| {
            let origin = match &l.kind_origin {
                KindOrigin::Default => json!({"by": "default"}),
                KindOrigin::Declared => json!({"by": "link-attribute"}),
                KindOrigin::CommandLine(spec) => json!({"by": "command-line", "spec": spec}),
            };
            json!({
                "name": l.name,
                "kind": l.kind.to_string(),
                "kind_origin": origin,
                "renamed_from": l.renamed_from,
                "link_argument": l.link_argument(target),
            })
        })
        .collect();
    let carried: Vec<Value> = compiled
        .object
        .carried
        .iter()
        .map(|c| match &c.how {
            Ok((place, text)) => json!({"written": true, "place": place, "text": text, "reason": null}),
            Err(why) => json!({
                "written": false, "place": null, "text": directive_name(&c.directive), "reason": why,
            }),
        })
        .collect();
    let imports: Vec<Value> = plan
        .imports
        .iter()
        .map(|row| {
            let (line, column) = file.line_col(row.span.start);
            let spelled = |r| object_name(target, program.symbol(row.symbol), r);
            let (access, object_symbol) = match row.access {
                Access::ImportSlot => ("import-slot", spelled(SymbolRef::ImpPrefixed)),
                Access::Direct => ("direct", spelled(SymbolRef::Plain)),
                Access::Got => ("got", spelled(SymbolRef::Plain)),
                Access::Plt => ("plt", spelled(SymbolRef::Plain)),
            };
            json!({
                "symbol": row.name,
                "link_name": row.link_name,
                "declared_at": {"file": file.name(), "line": line, "column": column},
                "library": row.library,
                "kind": row.kind.to_string(),
                "declared_kind": row.declared_kind.to_string(),
                "kind_set_by": describe_origin(&row.kind_origin),
                "access": access,
                "object_symbol": object_symbol,
            })
        })
        .collect();
    let placed = function_sections(compiled);
    let site_json = |site: &Site| {
        json!({
            "offset": site.offset,
            "description": describe(program, site),
            "relocation": site.placement.name,
            "object_symbol": site.object_symbol,
            "addend": site.addend,
            "patch": match site.placement.patch {
                Some(Patch::MovToLea) => Value::from("mov-to-lea"),
                Some(Patch::LdrToAdd) => Value::from("ldr-to-add"),
                None => Value::Null,
            },
        })
    };
    let mut references = Vec::new();
    let mut functions = Vec::new();
    for f in &compiled.object.functions {
        let decoded = disasm::decode(target.arch, &f.code, &f.sites).unwrap_or_default();
        let (section, base) = placed.get(f.object_name.as_str()).cloned().unzip();
        let at_section = |offset: u32| base.map(|b| b + u64::from(offset));
        for site in &f.sites {
            let instruction = disasm::containing(&decoded, site.offset);
            let at = instruction.map_or(site.offset, |i| i.offset);
            let mut reference = site_json(site);
            reference["function"] = Value::from(f.object_name.clone());
            reference["section"] = Value::from(section.clone());
            reference["instruction_offset"] = Value::from(at);
            reference["section_offset"] = Value::from(at_section(at));
            reference["instruction"] =
                instruction.map_or(Value::Null, |i| json!({"bytes": disasm::hex(&i.bytes), "text": i.text}));
            references.push(reference);
        }
        if listing {
            let instructions: Vec<Value> = decoded
                .iter()
                .map(|i| {
                    let end = i.offset + i.bytes.len() as u32;
                    let relocations: Vec<Value> = f
                        .sites
                        .iter()
                        .filter(|s| s.offset >= i.offset && s.offset < end)
                        .map(|s| json!({"type": s.placement.name, "symbol": s.object_symbol, "offset": s.offset}))
                        .collect();
                    json!({
                        "offset": i.offset,
                        "section_offset": at_section(i.offset),
                        "bytes": disasm::hex(&i.bytes),
                        "text": i.text,
                        "relocations": relocations,
                    })
                })
                .collect();
            functions.push(json!({
                "name": f.object_name,
                "section": section,
                "section_offset": base,
                "size": f.code.len(),
                "instructions": instructions,
            }));
        }
    }
    let data: Vec<Value> = compiled
        .object
        .data_sites
        .iter()
        .map(|d| {
            let mut v = site_json(&d.site);
            v["holder"] = Value::from(program.symbol(d.holder).name.clone());
            v
        })
        .collect();
    let report = json!({
        "schema": "linkwise-explain/1",
        "target": {
            "triple": target.triple,
            "format": target.format.to_string(),
            "arch": target.arch.to_string(),
            "kind_affects_codegen": target.kind_affects_codegen(),
        },
        "libraries": libraries,
        "carried": carried,
        "imports": imports,
        "references": references,
        "data_references": data,
        "functions": if listing { Value::from(functions) } else { Value::Null },
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// What a site does with its symbol, from the purpose lowering recorded and the access the plan gave.
fn describe(program: &Program, site: &Site) -> String {
    let symbol = program.symbol(site.target);
    let name = &symbol.name;
    // The slot a slot load reads: the import slot on Windows, the GOT entry elsewhere (`&f` of a PLT-called
    // function reads the GOT entry too: it holds the canonical address).
    // A data word is an absolute address: the linker fills it in, no slot is read.
    let slot = match (site.purpose, site.access) {
        (Purpose::DataWord, _) | (_, Access::Direct) => None,
        (_, Access::ImportSlot) => Some("import slot"),
        (_, Access::Got | Access::Plt) => Some("GOT entry"),
    };
    let is_string = matches!(symbol.def, SymbolDef::Str { .. });
    // aarch64 reaches a slot or an address in two instructions; the second one says what it is for.
    if site.shape == SiteShape::SlotPage {
        return if is_string {
            "page of the next reference to a string literal".to_owned()
        } else {
            format!("page of the next reference to {name}")
        };
    }
    // Exhaustive on purpose: a new purpose must say here how it reads.
    match site.purpose {
        Purpose::Call => format!("call {name}"),
        // x86_64 calls through the slot in memory in one instruction when linkwise could rewrite Cranelift's
        // pair (codegen's slot_call.rs); aarch64, and a function that rewrite left alone, load it first.
        Purpose::CallThroughSlot if site.shape == SiteShape::SlotCall => {
            let slot = slot.unwrap_or("slot");
            format!("call {name} through its {slot} (one instruction: call the slot in memory)")
        }
        Purpose::CallThroughSlot => {
            let slot = slot.unwrap_or("slot");
            format!("call {name} through its {slot} (load, then call the register)")
        }
        Purpose::CallInLoop => {
            let slot = slot.unwrap_or("slot");
            // Whether Cranelift did hoist the load shows in the listing; it is not decided here (a loop whose
            // body returns early keeps it inside; review of issue 10).
            format!(
                "load {name} from its {slot} for calls in a loop (hoisted out of it where it can be), then call \
                 the register"
            )
        }
        Purpose::Address | Purpose::Data | Purpose::DataWord => match slot {
            Some(slot) => format!("address of {name} from its {slot}"),
            None if is_string => "address of a string literal".to_owned(),
            None => format!("address of {name}"),
        },
    }
}

/// A directive in a few words, for one the object cannot carry.
fn directive_name(directive: &Directive) -> String {
    match directive {
        Directive::Library { name, verbatim: true } => format!("library file `{name}`"),
        Directive::Library { name, verbatim: false } => format!("library `{name}`"),
        Directive::Export { name, .. } => format!("export `{name}`"),
        Directive::FailIfMismatch { key, value } => format!("`{key}={value}`"),
    }
}

fn describe_origin(origin: &KindOrigin) -> String {
    match origin {
        KindOrigin::Default => "default (dylib)".to_owned(),
        KindOrigin::Declared => "#[link]".to_owned(),
        KindOrigin::CommandLine(spec) => format!("`{spec}`"),
    }
}

/// Left-aligned columns, one space apart, indented by two.
///
/// Padding is counted out by hand rather than with `{:<width$}`: a format width is a `u16` in `core::fmt`, and a
/// cell wider than 65,535 characters (a long `-l` name, or a long name the module declares) made the formatter
/// panic with "Formatting argument out of range" (issue 7, defect 5).
fn table<const N: usize>(out: &mut String, rows: &[[String; N]]) {
    let widths: Vec<usize> =
        (0..N).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in rows {
        let mut line = String::from(" ");
        for (cell, &width) in row.iter().zip(&widths) {
            line.push(' ');
            line.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    /// Issue 7, defect 5: a cell wider than `u16::MAX` characters made `{:<width$}` panic. Both ways in are
    /// covered: a name the module declares and a library the command line adds.
    #[test]
    fn cells_wider_than_a_format_width_are_padded_by_hand() {
        let (declared, added) = ("d".repeat(70_000), "a".repeat(70_001));
        let src = format!(
            "#[link(name = \"{declared}\")]\nextern {{ fn f(); }}\n#[link(name = \"k32\")]\nextern {{ fn g(); }}\n\
             pub fn main() {{ f(); g(); }}\n"
        );
        let file = SourceFile::new("long.lw", src);
        let options = Options::new().link(&format!("static={added}")).unwrap();
        let compiled = crate::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
        let report = render(&compiled, &file, false);
        let lines: Vec<&str> = report.lines().collect();
        let row = |start: &str| {
            *lines.iter().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("no row `{start}`"))
        };
        // The name column is as wide as the widest name; the kind column starts one space after it. (The
        // expected rows are padded by hand too: `{:<width$}` is what panicked.)
        let padded = |name: &str| format!("{name}{}", " ".repeat(added.len() - name.len()));
        same(
            row(&format!("  {declared} ")),
            &format!("  {} dylib  kind set by default (dylib)", padded(&declared)),
        );
        same(row("  k32 "), &format!("  {} dylib  kind set by default (dylib)", padded("k32")));
        same(row(&format!("  {added} ")), &format!("  {added} static added by `-l static={added}`"));
        assert!(report.contains(&format!("link with: {declared}.lib k32.lib {added}.lib")), "link line");
    }

    /// Issue 8: a function that calls `puts` and takes `&puts`. Each site carries the purpose lowering recorded,
    /// so the call's slot load is a call and the `&puts` load an address, on every target.
    #[test]
    fn a_call_and_an_address_of_the_same_import_are_told_apart() {
        let src = "#[link(name = \"c\")]\nextern { fn puts(ptr) -> i32; }\n\
                   pub fn f() -> ptr { puts(\"hi\\0\"); return &puts; }\n";
        let file = SourceFile::new("f.lw", src);
        for (triple, no_plt) in [
            ("x86_64-pc-windows-msvc", false),
            ("aarch64-pc-windows-msvc", false),
            ("x86_64-unknown-linux-gnu", true),
            ("aarch64-apple-darwin", true),
        ] {
            let mut options = Options::new().target(triple).unwrap();
            if no_plt {
                options.import_calls = linkwise_linkage::ImportCalls::Got;
            }
            let compiled = crate::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
            let puts: Vec<Purpose> = compiled.object.functions[0]
                .sites
                .iter()
                .filter(|s| compiled.program.symbol(s.target).name == "puts")
                .map(|s| s.purpose)
                .collect();
            let expected = match compiled.plan.target.arch {
                linkwise_linkage::Arch::X86_64 => vec![Purpose::CallThroughSlot, Purpose::Address],
                // adrp + ldr for each.
                linkwise_linkage::Arch::Aarch64 => vec![
                    Purpose::CallThroughSlot,
                    Purpose::CallThroughSlot,
                    Purpose::Address,
                    Purpose::Address,
                ],
            };
            assert_eq!(puts, expected, "{triple}");
            let report = render(&compiled, &file, false);
            let slot = if compiled.plan.target.format == linkwise_linkage::Format::Coff {
                "import slot"
            } else {
                "GOT entry"
            };
            assert!(report.contains(&format!("call puts through its {slot}")), "{triple}:\n{report}");
            assert!(report.contains(&format!("address of puts from its {slot}")), "{triple}:\n{report}");
        }
    }

    /// `+verbatim` libraries are named as written on the "link with:" line, as the linker takes them (it
    /// printed `-lfoo.so.1` for one on ELF before the one naming table was used here).
    #[test]
    fn verbatim_libraries_are_linked_by_the_name_as_written() {
        let src = "#[link(name = \"libfoo.so.1\", modifiers = \"+verbatim\")]\nextern { fn f(); }\n\
                   #[link(name = \"z\")]\nextern { fn g(); }\npub fn h() { f(); g(); }\n";
        let file = SourceFile::new("v.lw", src);
        let line = |triple: &str| {
            let options = Options::new().target(triple).unwrap();
            let compiled = crate::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
            let report = render(&compiled, &file, false);
            report.lines().find(|l| l.starts_with("  link with: ")).map(str::to_owned).expect("a link line")
        };
        assert_eq!(line("x86_64-unknown-linux-gnu"), "  link with: -l:libfoo.so.1 -lz");
        assert_eq!(line("x86_64-pc-windows-msvc"), "  link with: libfoo.so.1 z.lib");
    }

    /// Issue 9: the report lists what the object carries, as each format spells it, and what a format cannot
    /// carry, with why.
    #[test]
    fn the_report_shows_what_the_object_asks_the_linker_for() {
        let src = "#[crt]\nextern { fn puts(ptr) -> i32; }\n#[link(name = \"z\")]\nextern { fn inflate(); }\n\
                   #[export] pub fn f() { puts(\"x\\0\"); inflate(); }\n#[export_name = \"g2\"] pub static G: i32 = 1;\n";
        let file = SourceFile::new("e.lw", src);
        let section = |triple: &str, shared: bool| {
            let mut options = Options::new().target(triple).unwrap();
            options.shared_library = shared;
            let compiled = crate::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
            let report = render(&compiled, &file, false);
            let start = report.find("the object asks the linker for:\n").expect("the section") + 32;
            let end = report[start..].find("\n\n").map_or(report.len(), |e| start + e);
            report[start..end].lines().map(str::to_owned).collect::<Vec<_>>()
        };
        let lines = section("x86_64-pc-windows-msvc", false);
        let mut libraries: Vec<&str> =
            lines.iter().filter(|l| l.contains("/DEFAULTLIB:")).map(|l| l.trim()).collect();
        libraries.sort();
        // The plan's order of `z` and the C runtime is the plan's business; the set is the point here.
        assert_eq!(
            libraries,
            [
                ".drectve /DEFAULTLIB:msvcrt.lib",
                ".drectve /DEFAULTLIB:oldnames.lib",
                ".drectve /DEFAULTLIB:z.lib"
            ]
        );
        assert_eq!(
            &lines[3..],
            [
                "  .drectve /FAILIFMISMATCH:\"RuntimeLibrary=MD_DynamicRelease\"",
                "  .drectve /EXPORT:f",
                "  .drectve /EXPORT:g2=G,DATA",
            ]
        );
        let lines = section("x86_64-unknown-linux-gnu", true);
        assert_eq!(lines.iter().filter(|l| l.starts_with("  .deplibs     ")).count(), 2, "{lines:?}");
        assert_eq!(
            &lines[2..],
            [
                "  symbol table f (default visibility)",
                "  symbol table g2 (default visibility), an alias of G",
            ]
        );
        let lines = section("aarch64-apple-darwin", false);
        assert!(lines.contains(&"  LC_LINKER_OPTION -lSystem".to_owned()), "{lines:?}");
        assert!(lines.contains(&"  symbol table     _f (default visibility)".to_owned()), "{lines:?}");
    }

    /// `assert_eq!` on lines of 70,000 characters would print them whole; this shows where they part.
    fn same(got: &str, want: &str) {
        if got != want {
            let at = got.bytes().zip(want.bytes()).take_while(|(a, b)| a == b).count();
            let around =
                |s: &str| s.get(at.saturating_sub(20)..(at + 40).min(s.len())).unwrap_or("").to_owned();
            panic!(
                "lines differ at byte {at} (lengths {} and {}): got `…{}…`, want `…{}…`",
                got.len(),
                want.len(),
                around(got),
                around(want)
            );
        }
    }
}
