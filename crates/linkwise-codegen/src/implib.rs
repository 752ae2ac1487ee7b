//! Import libraries (Windows, x86_64 and arm64): the `NAME.lib` a linker reads to resolve the symbols of a DLL,
//! written from what the module itself says about that DLL, so that no `.def` file, llvm-dlltool or vendor
//! library is needed (issue 9, item 2; rustc does the same for `kind = "raw-dylib"`, RFC 2627).
//!
//! Two sources: the DLLs a module imports from ([`import_libraries`]: its `kind = "dylib"` and
//! `kind = "raw-dylib"` blocks after `-l`), and the DLL being built from a module ([`export_library`]: its
//! `#[export]` items). Both are written by `ar_archive_writer::write_import_library`, the crate rustc uses, in
//! the MSVC flavour (`mingw = false`): an import descriptor, the null descriptor, the null thunk, then one
//! short import member per symbol (PE/COFF specification, "Import Library Format").
//!
//! Per symbol:
//! - a function is imported as code: the linker makes both `__imp_NAME` (the IAT slot) and a thunk `NAME`
//!   (`jmp [__imp_NAME]`) from it;
//! - a static is imported as DATA: only `__imp_NAME`, no thunk (`NAME DATA` in a `.def` file);
//! - NAME is the symbol's link name (`#[link_name]` when written), which is also the name the DLL exports;
//! - `#[link_ordinal(N)]` imports by ordinal N and by no name, as rustc writes it for raw-dylib (`NAME @N
//!   NONAME` in a `.def` file): the loader looks the symbol up by its ordinal alone.

use ar_archive_writer::{COFFShortExport, MachineTypes, write_import_library};
use linkwise_ir::checked::{Program, SymbolDef};
use linkwise_ir::{Diagnostic, LinkKind, Span};
use linkwise_linkage::{Arch, Format, ImportRow, LibraryRow, LinkPlan, Target};
use std::collections::BTreeMap;
use std::io::Cursor;

/// Which of a plan's DLL libraries [`import_libraries`] writes an import library for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Only `kind = "raw-dylib"` libraries: the ones whose import library linkwise must always provide, since
    /// by rustc's meaning no vendor `.lib` exists for them (for the link driver and for `--emit lib`, which
    /// bundles their import members).
    RawDylib,
    /// Every DLL library, `dylib` and `raw-dylib` (for `--emit implib`).
    AllDylibs,
}

/// One import library, ready to be written as `file_name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLibrary {
    /// The library's name in the link plan (after `-l` renames).
    pub library: String,
    /// The file to write it to, the name the linker (and the object's `/DEFAULTLIB:`) asks for: `NAME.lib`,
    /// or NAME as written for a `+verbatim` library.
    pub file_name: String,
    /// The DLL the loader is told to load: `NAME.dll`, or NAME as written for a `+verbatim` library.
    pub dll: String,
    /// The archive's bytes.
    pub bytes: Vec<u8>,
}

/// The import libraries of the DLLs `plan` links, one per library of kind `dylib` or `raw-dylib` (as `which`
/// selects), in plan order; each holds every symbol the module declares from that DLL, in source order.
///
/// Left out, because writing one would shadow the real library a linker should find under that name:
/// - a `dylib` library from which the module declares no symbol (one `-l extra` added, for instance): nothing
///   is known about its DLL. A `raw-dylib` library always gets one, even empty, since the object asks for
///   `NAME.lib` and nothing else provides it;
/// - the C runtime of a `#[crt]` block: its `.lib` holds the start-up code too, which an import library lacks.
///
/// Errors: a target other than Windows (import libraries are COFF archives; ELF and Mach-O link against the
/// shared library itself); one symbol imported from one DLL both as a function and as a static, or with two
/// different ordinals. Deterministic: the same program and plan give the same bytes.
pub fn import_libraries(
    program: &Program,
    plan: &LinkPlan,
    which: Which,
) -> Result<Vec<ImportLibrary>, Diagnostic> {
    let machine = machine(&plan.target, "import libraries for the DLLs this module links")?;
    // Each library's imports, gathered in one pass: a scan of every import per library made `--emit implib`
    // quadratic (70,000 `#[link]` libraries took 185 s).
    let mut by_library: BTreeMap<&str, Vec<&ImportRow>> = BTreeMap::new();
    for import in &plan.imports {
        if let Some(library) = &import.library {
            by_library.entry(library.as_str()).or_default().push(import);
        }
    }
    let mut out = Vec::new();
    for row in &plan.libraries {
        let selected = match row.kind {
            LinkKind::RawDylib => true,
            LinkKind::Dylib => which == Which::AllDylibs && !row.crt,
            LinkKind::Static | LinkKind::StaticNobundle => false,
        };
        if !selected {
            continue;
        }
        let imports = by_library.get(row.name.as_str()).map_or(&[][..], Vec::as_slice);
        let exports = imported_from(program, imports, row)?;
        if exports.is_empty() && row.kind != LinkKind::RawDylib {
            continue;
        }
        let (file_name, dll) =
            plan.target.import_library_file_names(&row.name, row.verbatim()).ok_or_else(|| {
                Diagnostic::internal(format!("no import library file names on {}", plan.target))
            })?;
        let bytes = write(&dll, &exports, machine)
            .map_err(|e| Diagnostic::internal(format!("writing the import library `{file_name}`: {e}")))?;
        out.push(ImportLibrary { library: row.name.clone(), file_name, dll, bytes });
    }
    Ok(out)
}

/// The import library of the DLL named `dll_name` (for example `mathlib.dll`) built from `program` for
/// `target`: one member per `#[export]` item, under its exported name (`#[export_name]` when written),
/// functions as code and statics as DATA, in source order. It is named after the DLL's stem, `mathlib.lib`
/// (what lld-link's `/implib:` default would be).
///
/// A module that exports nothing still gets one (descriptors only), as a DLL without exports is still a DLL
/// a program can name. Errors: a target other than Windows; a `dll_name` that is empty or holds a NUL byte
/// (it is written NUL-terminated into every member).
pub fn export_library(
    program: &Program,
    target: &Target,
    dll_name: &str,
) -> Result<ImportLibrary, Diagnostic> {
    let machine = machine(target, &format!("an import library for `{dll_name}`"))?;
    if dll_name.is_empty() || dll_name.contains('\0') {
        return Err(Diagnostic::error(format!("`{}` is not a DLL name", dll_name.escape_debug()))
            .note("an import library names its DLL as a file name, such as `mathlib.dll`"));
    }
    let mut exports = Vec::new();
    for (_, symbol) in program.symbols() {
        let (Some(name), data) = (&symbol.export, !symbol.def.is_function()) else { continue };
        if matches!(symbol.def, SymbolDef::Fn { .. } | SymbolDef::Static { .. }) {
            exports.push(Export { name: name.clone(), data, ordinal: None, span: symbol.span });
        }
    }
    let stem = dll_name.strip_suffix(".dll").or_else(|| dll_name.strip_suffix(".DLL")).unwrap_or(dll_name);
    let (file_name, _) = target
        .import_library_file_names(stem, false)
        .ok_or_else(|| Diagnostic::internal(format!("no import library file names on {target}")))?;
    let bytes = write(dll_name, &exports, machine)
        .map_err(|e| Diagnostic::internal(format!("writing the import library `{file_name}`: {e}")))?;
    Ok(ImportLibrary { library: stem.to_owned(), file_name, dll: dll_name.to_owned(), bytes })
}

/// One symbol of an import library.
struct Export {
    /// The symbol's name, and the DLL's name for it unless imported by ordinal.
    name: String,
    /// A static: DATA, no thunk.
    data: bool,
    /// `#[link_ordinal(N)]`.
    ordinal: Option<u16>,
    /// Where it was declared, for messages.
    span: Span,
}

/// The machine type of an import library for `target`, or the error that `what` cannot be made for it.
fn machine(target: &Target, what: &str) -> Result<MachineTypes, Diagnostic> {
    match (target.format, target.arch) {
        (Format::Coff, Arch::X86_64) => Ok(MachineTypes::AMD64),
        (Format::Coff, Arch::Aarch64) => Ok(MachineTypes::ARM64),
        (Format::Elf | Format::MachO, _) => Err(Diagnostic::error(format!(
            "cannot write {what}: target `{target}` is {}, which has no import libraries",
            target.format
        ))
        .note("import libraries are a Windows (COFF) file: on ELF and Mach-O the linker reads the shared library itself")
        .help("choose a Windows target, such as `--target x86_64-pc-windows-msvc` or `aarch64-pc-windows-msvc`")),
    }
}

/// The symbols the module imports from `row`'s DLL (`imports`, the plan's imports from it, in plan order),
/// first declaration first, each once.
fn imported_from(
    program: &Program,
    imports: &[&ImportRow],
    row: &LibraryRow,
) -> Result<Vec<Export>, Diagnostic> {
    let mut exports: Vec<Export> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for import in imports {
        let symbol = program.symbol(import.symbol);
        let data = !symbol.def.is_function();
        let export =
            Export { name: symbol.link_name.clone(), data, ordinal: symbol.ordinal, span: symbol.span };
        match seen.get(&export.name) {
            None => {
                seen.insert(export.name.clone(), exports.len());
                exports.push(export);
            }
            Some(&first) => check_same(&exports[first], &export, &row.name)?,
        }
    }
    Ok(exports)
}

/// Two declarations of one symbol from one DLL must describe the same export.
fn check_same(first: &Export, again: &Export, library: &str) -> Result<(), Diagnostic> {
    let what = |e: &Export| if e.data { "a static" } else { "a function" };
    let fault = if first.data != again.data {
        Some(format!(
            "`{}` is imported from `{library}` both as {} and as {}",
            first.name,
            what(first),
            what(again)
        ))
    } else if first.ordinal != again.ordinal {
        let ordinal = |e: &Export| e.ordinal.map_or("by name".to_owned(), |n| format!("by ordinal {n}"));
        Some(format!(
            "`{}` is imported from `{library}` both {} and {}",
            first.name,
            ordinal(first),
            ordinal(again)
        ))
    } else {
        None
    };
    match fault {
        None => Ok(()),
        Some(message) => Err(Diagnostic::error(message)
            .primary(again.span, "declared again here")
            .secondary(first.span, "first declared here")
            .note("an import library has one entry per symbol of a DLL")),
    }
}

/// Writes the archive: `ar_archive_writer` in the MSVC flavour, as rustc writes raw-dylib import libraries.
fn write(dll: &str, exports: &[Export], machine: MachineTypes) -> std::io::Result<Vec<u8>> {
    let exports: Vec<COFFShortExport> = exports
        .iter()
        .map(|e| COFFShortExport {
            name: e.name.clone(),
            ext_name: None,
            symbol_name: None,
            import_name: None,
            export_as: None,
            // rustc: an ordinal imports by that ordinal and no name (`NAME @N NONAME`).
            ordinal: e.ordinal.unwrap_or(0),
            noname: e.ordinal.is_some(),
            data: e.data,
            private: false,
            constant: false,
        })
        .collect();
    let mut out = Cursor::new(Vec::new());
    write_import_library(&mut out, dll, &exports, machine, false, false, &[])?;
    Ok(out.into_inner())
}
