//! `linkwise explain`: the link plan as a table, then every symbol reference in the generated code with the
//! instruction bytes and the relocation chosen for it, so a user can see why each symbol is reached as it is.

use crate::Compiled;
use linkwise_codegen::{Patch, SiteShape, disasm};
use linkwise_ir::SourceFile;
use linkwise_ir::checked::{Expr, ExprKind, Stmt, SymbolDef, SymbolId};
use linkwise_linkage::{Access, KindOrigin};
use std::collections::{HashMap, HashSet};
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
        // What to hand the linker, in order; on Windows each library is found as NAME.lib (an import library
        // for a dylib, an archive otherwise).
        let coff = target.format == linkwise_linkage::Format::Coff;
        let names: Vec<String> = plan
            .libraries
            .iter()
            .map(|l| if coff { format!("{}.lib", l.name) } else { format!("-l{}", l.name) })
            .collect();
        let _ = writeln!(out, "  link with: {}", names.join(" "));
    }

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
            let reached = match row.access {
                Access::ImportSlot => format!("import slot __imp_{}", row.link_name),
                Access::Direct => format!("direct reference to {}", row.link_name),
                Access::Got => format!("GOT entry of {}", row.link_name),
                Access::Plt => format!("call through the PLT ({})", row.link_name),
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
    let taken: HashMap<SymbolId, HashSet<SymbolId>> =
        program.functions.iter().map(|f| (f.symbol, addresses_taken(&f.body))).collect();
    let mut any = false;
    for f in &compiled.object.functions {
        // Decoded once per function; each site then finds its instruction.
        let decoded = disasm::decode(target.arch, &f.code, &f.sites).unwrap_or_default();
        for site in &f.sites {
            any = true;
            let symbol = program.symbol(site.target);
            let address_taken = taken.get(&f.symbol).is_some_and(|t| t.contains(&site.target));
            let what = match (site.shape, symbol.def.is_function(), site.access) {
                (SiteShape::Call, _, _) => format!("call {}", symbol.name),
                (SiteShape::SlotPage, _, _) => format!("page of the next reference to {}", symbol.name),
                (_, true, Access::ImportSlot) if !address_taken => {
                    format!("call {} through its import slot (load, then call the register)", symbol.name)
                }
                (_, true, Access::Got) if !address_taken => {
                    format!("call {} through its GOT entry (load, then call the register)", symbol.name)
                }
                (_, _, Access::ImportSlot) => format!("address of {} from its import slot", symbol.name),
                (_, _, Access::Got | Access::Plt) => format!("address of {} from its GOT entry", symbol.name),
                (_, _, _) if matches!(symbol.def, SymbolDef::Str { .. }) => {
                    "address of a string literal".to_owned()
                }
                _ => format!("address of {}", symbol.name),
            };
            // Named by the instruction's offset; the relocated field lies inside it.
            let instruction = disasm::containing(&decoded, site.offset);
            let at = instruction.as_ref().map_or(site.offset, |i| i.offset);
            let _ = writeln!(out, "  {}+{at:#x}: {what}", f.object_name);
            if let Some(i) = instruction {
                let _ = writeln!(out, "      {:<24} {}", disasm::hex(&i.bytes), i.text);
            }
            let patch = match site.patch {
                Some(Patch::MovToLea) => "  (slot load rewritten to lea: no slot exists for this symbol)",
                Some(Patch::LdrToAdd) => "  (slot load rewritten to add: no slot exists for this symbol)",
                None => "",
            };
            let _ =
                writeln!(out, "      relocation {} against {}{patch}", site.relocation, site.object_symbol);
        }
    }
    if !any {
        let _ = writeln!(out, "  (none)");
    }
    if !compiled.object.data_sites.is_empty() {
        let _ = writeln!(out, "\naddresses stored in statics:");
        for site in &compiled.object.data_sites {
            let (holder, target) = (program.symbol(site.symbol), program.symbol(site.target));
            let _ = writeln!(out, "  {}+{:#x}: address of {}", holder.name, site.offset, target.name);
            let _ = writeln!(out, "      relocation {} against {}", site.relocation, site.object_symbol);
        }
    }

    if listing {
        for f in &compiled.object.functions {
            let _ = writeln!(out, "\n{}:", f.object_name);
            out.push_str(&disasm::listing(target.arch, &f.code, &f.sites));
        }
    }
    out
}

/// The symbols whose address a function body takes with `&` (as opposed to only calling them).
fn addresses_taken(body: &[Stmt]) -> HashSet<SymbolId> {
    fn expr(e: &Expr, out: &mut HashSet<SymbolId>) {
        match &e.kind {
            ExprKind::Addr(s) => {
                out.insert(*s);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| expr(a, out)),
            ExprKind::Unary(_, x) | ExprKind::Cast(x) => expr(x, out),
            ExprKind::Binary(_, l, r) => {
                expr(l, out);
                expr(r, out);
            }
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Local(_) | ExprKind::Load(_) => {}
        }
    }
    fn stmts(body: &[Stmt], out: &mut HashSet<SymbolId>) {
        for s in body {
            match s {
                Stmt::Set(_, e) | Stmt::Store(_, e) | Stmt::Expr(e) | Stmt::Return(Some(e)) => expr(e, out),
                Stmt::Call(_, args) => args.iter().for_each(|a| expr(a, out)),
                Stmt::Return(None) => {}
                Stmt::For { start, end, body, .. } => {
                    expr(start, out);
                    expr(end, out);
                    stmts(body, out);
                }
                Stmt::If { cond, then, otherwise } => {
                    expr(cond, out);
                    stmts(then, out);
                    stmts(otherwise, out);
                }
            }
        }
    }
    let mut out = HashSet::new();
    stmts(body, &mut out);
    out
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
