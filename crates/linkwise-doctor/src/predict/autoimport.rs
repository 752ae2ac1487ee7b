//! MinGW auto-import (issue 12, item 2): what ld.lld `-m i386pep` says about references to DLL data made
//! without `__imp_`. Resolution (`resolve.rs`) has already pointed each such `X` at its `__imp_X` slot; the
//! relocations against `X` must then be patched at start-up by the MinGW runtime's
//! `_pei386_runtime_relocator`, one *runtime pseudo relocation* each (lld/COFF `Writer::createRuntimePseudoRelocs`,
//! `SectionChunk::getRuntimePseudoRelocs`). This check gives ld.lld's four diagnostics about them, in its words,
//! and lists every auto-import for the report even when nothing is wrong.

use super::resolve::{Id, Resolution};
use super::{Finding, Fix, LinkOptions, Location, Reference, Severity, Side, location, references};
use crate::read::{Machine, PseudoRelocs};

/// One name ld.lld resolves by auto-import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoImport {
    /// The name referred to without `__imp_` (`__argc`).
    pub symbol: String,
    /// The member defining `__imp_X`, whose slot the references now use.
    pub slot: Location,
    /// The DLL the slot is filled from, when the import member says.
    pub dll: Option<String>,
    /// Who refers to `X`, and from where.
    pub references: Vec<Reference>,
    /// How many runtime pseudo relocations the image gets for it (a `.refptr.X` pointer needs none: ld.lld
    /// replaces it by the slot).
    pub pseudo_relocations: u32,
}

/// The pseudo-relocation facts of `user`'s relocations against `symbol`.
fn relocs<'a>(r: &Resolution<'a>, user: Id, symbol: &str) -> Option<&'a PseudoRelocs> {
    let m = r.member(user);
    let i = m.references.iter().position(|s| s == symbol)?;
    m.pseudo_relocs.get(i)
}

/// The machine of the link: `/MACHINE:` (`-m`), else the first linked object's, as lld sets it.
fn link_machine(r: &Resolution<'_>, options: &LinkOptions) -> Option<Machine> {
    options.machine.or_else(|| {
        r.loaded.iter().find_map(|&id| r.member(id).machine.filter(|_| r.member(id).import.is_none()))
    })
}

/// Every auto-import of the link, in name order.
pub(super) fn auto_imports(r: &Resolution<'_>) -> Vec<AutoImport> {
    r.auto_imported
        .iter()
        .map(|(&symbol, (slot, users))| AutoImport {
            symbol: symbol.to_owned(),
            slot: location(r, *slot),
            dll: r.member(*slot).import.as_ref().and_then(|i| i.dll.clone()),
            references: users.iter().flat_map(|&u| references(r, u, symbol)).collect(),
            pseudo_relocations: users
                .iter()
                .filter_map(|&u| relocs(r, u, symbol))
                .map(|p| p.bits32 + p.bits64)
                .sum(),
        })
        .collect()
}

/// The fix that needs no pseudo relocation at all: reach the data through its slot, as the DLL's headers
/// would have it.
fn dllimport_fix(symbol: &str, side: Side) -> Fix {
    Fix::new(
        "import-dll-data",
        side,
        format!(
            "declare `{symbol}` with `__declspec(dllimport)` (C, C++) or in an extern block under \
             `#[link(kind = \"dylib\")]` (Rust, linkwise), so that the code reads it through `__imp_{symbol}` \
             and needs no fixup at start-up"
        ),
    )
}

/// ld.lld's diagnostics about auto-imported data: relocations no pseudo relocation can patch (error), 32-bit
/// fields in a 64-bit image (warning), pseudo relocations switched off (error), and the runtime's relocator
/// missing (error). Nothing for link.exe and lld-link, which never auto-import.
pub(super) fn pseudo_relocations(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    // lld's `is64()`: addresses are 64 bits wide except on x86 and 32-bit ARM.
    let machine = link_machine(r, options);
    let wide = !matches!(machine, Some(m) if Some(m) == Machine::from_option("x86") || Some(m) == Machine::from_option("arm"));
    let mut any = false;
    for (&symbol, (slot, users)) in &r.auto_imported {
        let slot_name = &r.member(*slot).name;
        for &user in users {
            let Some(p) = relocs(r, user, symbol) else { continue };
            let at = location(r, user);
            let here = at.lld_display();
            let side = if super::fixes::in_library(r, user) { Side::Library } else { Side::Program };
            let refs = references(r, user, symbol);
            let context = format!(
                "`{symbol}` is auto-imported: {here} refers to it directly, and only `__imp_{symbol}` is defined \
                 ({slot_name}), so ld.lld points the reference at the import slot"
            );
            for typ in &p.unsupported {
                let mut f = Finding::new(
                    Severity::Error,
                    "AUTOIMPORT-RELOC",
                    format!(
                        "unable to automatically import from {symbol} with relocation type {typ} in {here}"
                    ),
                );
                f.symbols = vec![symbol.to_owned()];
                f.references = refs.clone();
                f.evidence = vec![
                    context.clone(),
                    format!(
                        "a runtime pseudo relocation adds to a field holding an address or a 32/64-bit offset; \
                         {typ} encodes the address in an instruction, which the MinGW runtime cannot patch"
                    ),
                ];
                f.fixes = vec![dllimport_fix(symbol, side)];
                findings.push(f);
            }
            // ld.lld warns once per 32-bit relocation, and (pseudo relocations off) errs once per relocation.
            for _ in 0..if wide { p.bits32 } else { 0 } {
                let mut f = Finding::new(
                    Severity::Warning,
                    "AUTOIMPORT-NARROW",
                    format!(
                        "runtime pseudo relocation in {here} against symbol {symbol} is too narrow (only 32 bits \
                         wide); this can fail at runtime depending on memory layout"
                    ),
                );
                f.symbols = vec![symbol.to_owned()];
                f.references = refs.clone();
                f.evidence = vec![
                    context.clone(),
                    format!(
                        "{} of its relocations against `{symbol}` hold 32 bits (a RIP-relative operand or a \
                         32-bit address): the slot's distance must fit, which a DLL loaded more than 2 GiB away \
                         breaks",
                        p.bits32
                    ),
                ];
                f.fixes = vec![dllimport_fix(symbol, side)];
                findings.push(f);
            }
            any |= p.any();
            for _ in 0..if options.no_pseudo_relocs { p.bits32 + p.bits64 } else { 0 } {
                let mut f = Finding::new(
                    Severity::Error,
                    "AUTOIMPORT-DISABLED",
                    format!("automatic dllimport of {symbol} in {here} requires pseudo relocations"),
                );
                f.symbols = vec![symbol.to_owned()];
                f.references = refs.clone();
                f.evidence = vec![context.clone(), "--disable-runtime-pseudo-reloc is given".to_owned()];
                f.fixes = vec![
                    dllimport_fix(symbol, side),
                    Fix::new(
                        "enable-pseudo-relocs",
                        Side::Program,
                        "drop --disable-runtime-pseudo-reloc (`-Wl,--disable-runtime-pseudo-reloc` from the \
                         compiler driver) from the link",
                    ),
                ];
                findings.push(f);
            }
        }
    }
    // lld looks the relocator up by name (with x86's underscore): any symbol of that name will do, even one a
    // library only offers; it is the MinGW runtime's (libmingw32.a's pseudo-reloc.o, pulled in by crt2.o).
    let relocator = if machine.is_some() && machine == Machine::from_option("x86") {
        "__pei386_runtime_relocator"
    } else {
        "_pei386_runtime_relocator"
    };
    let known = r.defined.contains_key(relocator)
        || r.lazy.contains_key(relocator)
        || r.undefined.contains_key(relocator);
    if any && !options.no_pseudo_relocs && !known {
        let mut f = Finding::new(
            Severity::Error,
            "AUTOIMPORT-RUNTIME",
            "output image has runtime pseudo relocations, but the function _pei386_runtime_relocator is missing; \
             it is needed for fixing the relocations at runtime"
                .to_owned(),
        );
        f.symbols = vec![relocator.to_owned()];
        f.evidence = vec![format!(
            "auto-imported data needs runtime pseudo relocations ({}), and no input defines `{relocator}`",
            r.auto_imported.keys().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        )];
        f.fixes = vec![Fix::new(
            "add-mingw-runtime",
            Side::Program,
            "link the MinGW runtime's startup as the gcc and clang drivers do: crt2.o (dllcrt2.o for a DLL) and \
             -lmingw32, whose pseudo-reloc.o defines _pei386_runtime_relocator",
        )];
        findings.push(f);
    }
    findings
}

#[cfg(test)]
mod tests {
    use crate::predict::{Flavor, LinkOptions, predict};
    use crate::testing::{Coff, library_input, object_input};

    fn mingw() -> LinkOptions {
        LinkOptions { flavor: Flavor::Mingw, ..LinkOptions::default() }
    }

    /// `__argc` read without `__imp_` from a library that exports it as data: an LNK2019 for lld-link, an
    /// auto-import for ld.lld. The fixture's reference is a `call rel32`, a 32-bit field: ld.lld warns that it
    /// is too narrow, and fails when no runtime relocator exists (both checked against ld.lld in
    /// tests/doctor_mingw.rs).
    #[test]
    fn dll_data_is_auto_imported_in_mingw_mode_only() {
        let slot = Coff::new().define_in(".idata$5", &[0; 8], &["__imp___argc"]);
        let main = Coff::new().define(&["main"]).reference(&["__argc"]);
        let inputs = [
            object_input("main.o", &main),
            library_input("libmsvcrt.a", &[("d000123.o", &slot)]),
            object_input("reloc.o", &Coff::new().define(&["_pei386_runtime_relocator"])),
        ];
        let msvc = predict(&inputs, &LinkOptions::default());
        let codes = |p: &crate::predict::Prediction| {
            p.findings.iter().map(|f| (f.code, f.title.clone())).collect::<Vec<_>>()
        };
        assert_eq!(codes(&msvc), [("LNK2019", "undefined symbol: __argc".to_owned())]);
        assert!(msvc.auto_imports.is_empty());
        let p = predict(&inputs, &mingw());
        let narrow = "runtime pseudo relocation in main.o against symbol __argc is too narrow (only 32 bits wide); \
                      this can fail at runtime depending on memory layout";
        assert_eq!(codes(&p), [("AUTOIMPORT-NARROW", narrow.to_owned())]);
        assert_eq!(p.loaded, ["main.o", "reloc.o", "libmsvcrt.a(d000123.o)"]);
        assert_eq!(p.auto_imports.len(), 1);
        let a = &p.auto_imports[0];
        assert_eq!(
            (a.symbol.as_str(), a.slot.member.as_deref(), a.pseudo_relocations),
            ("__argc", Some("d000123.o"), 1)
        );
        // Without the runtime's relocator: an error besides the warning.
        let bare = [inputs[0].clone(), inputs[1].clone()];
        let p = predict(&bare, &mingw());
        assert_eq!(
            p.findings.iter().map(|f| f.code).collect::<Vec<_>>(),
            ["AUTOIMPORT-RUNTIME", "AUTOIMPORT-NARROW"]
        );
        // Pseudo relocations switched off: that error instead.
        let p = predict(&bare, &LinkOptions { no_pseudo_relocs: true, ..mingw() });
        assert_eq!(
            codes(&p)[0],
            (
                "AUTOIMPORT-DISABLED",
                "automatic dllimport of __argc in main.o requires pseudo relocations".to_owned()
            )
        );
        // --disable-auto-import: lld-link's answer again.
        let off = predict(&inputs, &LinkOptions { no_auto_import: true, ..mingw() });
        assert_eq!(off.findings.iter().map(|f| f.code).collect::<Vec<_>>(), ["LNK2019"]);
        assert!(off.auto_imports.is_empty());
    }
}
