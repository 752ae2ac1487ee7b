//! Checks every declared link kind against the libraries the link will really use (issue 14). RFC 1717 set
//! this aside ("Alternatives": probing the libraries might be slow, import libraries blur the line, search
//! paths are hard to know) and named the trap its design leaves: `#[link]` left off or wrong shows up only on
//! Windows, as LNK2019 (a `dylib` whose library is static) or as a silent thunk call (a `static` whose library
//! is an import library). This crate finds each library of the link plan as the target's linker would
//! ([`search`]), reads only its symbol table ([`symbols`]) and compares, symbol by symbol, what the module
//! declared with what the library provides.
//!
//! The findings ([`Mismatch`]) and what the link does with each, on COFF (lld-link and link.exe):
//! - `dylib` declared, the library defines the symbol only statically: the code reads `__imp_X`, which nothing
//!   defines: the link fails (LNK2019).
//! - `static` declared, the library is an import library: a function is called through the import library's
//!   thunk (`jmp [__imp_X]`): it links, and every call pays a jump; data has no thunk: the link fails.
//! - the symbol in none of the plan's libraries: the link fails, and where it *is* found (any library in the
//!   search directories) is named: the wrong library was declared.
//! - a block without `#[link]` whose symbols a library in the search directories provides: suggest the
//!   attribute (RFC 1717: "it will be common that these attributes are left off by accident").
//! - a library of the plan that is not on the search path at all.
//!
//! On ELF the kind does not change the code (the PLT and GOT serve both), and `-lNAME` takes `libNAME.so`
//! before `libNAME.a` whatever the kind: a mismatch there is a warning saying how the library will be linked.

#![deny(missing_docs)]

pub mod report;
pub mod search;
pub mod symbols;

use linkwise_ir::checked::{Program, SymbolDef};
use linkwise_ir::{Diagnostic, LinkKind, Span};
use linkwise_linkage::{Access, Format, LinkPlan, Target};
use std::collections::HashMap;
use std::path::PathBuf;
use symbols::{Library, LibraryFile, Provides};

/// What is wrong with one import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// COFF: declared `dylib` (reached through `__imp_X`), and the libraries define `X` only statically.
    DylibButStatic {
        /// The library that defines it statically.
        found_in: PathBuf,
    },
    /// COFF: declared `static` (reached directly), and the library provides a function only as an import: it
    /// links through the import library's thunk, a jump per call.
    StaticButImportFunction {
        /// The import library.
        found_in: PathBuf,
    },
    /// COFF: declared `static`, and the library provides data only as an import (no thunk): undefined.
    StaticButImportData {
        /// The import library.
        found_in: PathBuf,
    },
    /// ELF or Mach-O: declared `static`, and `-lNAME` finds a shared library: linked dynamically.
    StaticButShared {
        /// The shared library.
        found_in: PathBuf,
    },
    /// ELF or Mach-O: declared `dylib`, and only a static archive exists: linked into the program.
    DylibButArchive {
        /// The archive.
        found_in: PathBuf,
    },
    /// The symbol is not in the declared library but in another library of the plan: it links, from there.
    OtherLibrary {
        /// The library that has it.
        found_in: PathBuf,
    },
    /// In none of the plan's libraries; `found_in` is a library in the search directories that has it.
    NotFound {
        /// Where it is after all, if anywhere.
        found_in: Option<PathBuf>,
    },
    /// The symbol's block has no `#[link]`, and a library provides it.
    MissingLink {
        /// That library.
        found_in: PathBuf,
        /// The kind the library's way of providing it calls for.
        kind: LinkKind,
        /// Whether that library is in the link anyway (another block names it): it links, by luck.
        in_link: bool,
    },
    /// A library of the plan that exists but could not be read.
    Unreadable {
        /// Why.
        message: String,
    },
    /// The declared library is not on the search path.
    LibraryNotFound {
        /// The file names tried.
        tried: Vec<String>,
    },
}

impl Mismatch {
    /// A stable name for tools (the JSON report's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Mismatch::DylibButStatic { .. } => "dylib-but-static",
            Mismatch::StaticButImportFunction { .. } => "static-but-import",
            Mismatch::StaticButImportData { .. } => "static-but-import-data",
            Mismatch::StaticButShared { .. } => "static-but-shared",
            Mismatch::DylibButArchive { .. } => "dylib-but-archive",
            Mismatch::OtherLibrary { .. } => "other-library",
            Mismatch::NotFound { .. } => "not-found",
            Mismatch::MissingLink { .. } => "missing-link",
            Mismatch::LibraryNotFound { .. } => "library-not-found",
            Mismatch::Unreadable { .. } => "unreadable-library",
        }
    }

    /// Whether the link fails because of it.
    pub fn fails(&self) -> bool {
        matches!(
            self,
            Mismatch::DylibButStatic { .. }
                | Mismatch::StaticButImportData { .. }
                | Mismatch::NotFound { .. }
                | Mismatch::LibraryNotFound { .. }
                | Mismatch::MissingLink { in_link: false, .. }
        )
    }
}

/// One fix, in the user's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// `attribute` (edit the module's `#[link]`), `override` (a `-l` argument for a build script),
    /// `library` (change the library or the search path).
    pub kind: &'static str,
    /// What to write.
    pub text: String,
}

/// One finding: an import, or a library, and what is wrong.
#[derive(Clone, Debug)]
pub struct Finding {
    /// What is wrong.
    pub mismatch: Mismatch,
    /// The library row it concerns (after `-l` renames), `None` for a block without `#[link]`.
    pub library: Option<String>,
    /// The symbol's name in the IR, `None` for a finding about a library.
    pub symbol: Option<String>,
    /// Its name in the libraries (target-mangled).
    pub object_name: Option<String>,
    /// The declaration (or the `#[link]`) in the source.
    pub span: Span,
    /// The call site now, and with the fix (as `explain` words it), when the fix changes it.
    pub call_site: Option<(String, String)>,
    /// The fixes, first the module's attribute, then the `-l` override.
    pub fixes: Vec<Fix>,
    /// The finding as a rustc-style diagnostic (error when the link fails, else warning).
    pub diagnostic: Diagnostic,
}

/// What the check found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The plan's libraries as found: (row name, the file or `None`).
    pub libraries: Vec<(String, Option<PathBuf>)>,
    /// The findings, in declaration order (libraries not found first).
    pub findings: Vec<Finding>,
    /// How many library files were read (the plan's, and those of the search directories when a symbol had
    /// to be looked for elsewhere).
    pub libraries_read: usize,
}

impl Report {
    /// Whether a finding makes the link fail.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.mismatch.fails())
    }
}

/// How the symbol's call site reads with `access`, in `explain`'s words.
fn call_site(target: &Target, access: Access, name: &str, function: bool) -> String {
    let what = if function { "call" } else { "address of" };
    match access {
        Access::ImportSlot => format!("{what} `{name}` through its `__imp_{name}` slot (dllimport)"),
        Access::Direct => format!("{what} `{name}` directly"),
        Access::Got => format!("{what} `{name}` through its GOT entry"),
        Access::Plt => format!("{what} `{name}` through {}", target.call_stub()),
    }
}

/// The error code of every library-check diagnostic (docs/errors.md): a library not found, or an import
/// that does not match its library.
const CODE_LIBRARY_NOT_FOUND: &str = "LW0710";
const CODE_MISMATCH: &str = "LW0711";

/// The attribute and `-l` fixes for `library` to have `kind`: the attribute names the library as the source
/// does (`source`), the override renames it again when a `-l NAME:NEWNAME` did (rustc's `-l` matches the
/// source's name).
fn kind_fixes(source: &str, linked: &str, kind: LinkKind) -> Vec<Fix> {
    let k = kind.as_str();
    let spec = if source == linked { format!("{k}={source}") } else { format!("{k}={source}:{linked}") };
    vec![
        Fix { kind: "attribute", text: format!("#[link(name = \"{source}\", kind = \"{k}\")]") },
        Fix { kind: "override", text: format!("-l {spec} (a build script: cargo:rustc-link-lib={spec})") },
    ]
}

/// The `#[link]` that names the library in `path` for `target`'s linker: on COFF the file's stem for a
/// `.lib` (`libcmt.lib` is `libcmt`), and the file itself with `+verbatim` for any other name lld-link would
/// not find from a stem (`libvend.a`); elsewhere the name `-lNAME` finds (`libfoo.so.6` is `foo`).
fn link_attribute(target: &Target, path: &std::path::Path, kind: LinkKind) -> (String, String) {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let k = kind.as_str();
    if target.format == Format::Coff {
        if let Some(stem) = file.strip_suffix(".lib").or_else(|| file.strip_suffix(".LIB")) {
            return (stem.to_owned(), format!("#[link(name = \"{stem}\", kind = \"{k}\")]"));
        }
        return (
            file.clone(),
            format!("#[link(name = \"{file}\", kind = \"{k}\", modifiers = \"+verbatim\")]"),
        );
    }
    let name = library_name(path);
    (name.clone(), format!("#[link(name = \"{name}\", kind = \"{k}\")]"))
}

/// The libraries the link driver adds without the module naming them (crates/linkwise/src/link.rs): the C
/// library on ELF, libSystem on Mach-O. A block without `#[link]` is what they serve there (RFC 1717:
/// `#[link]` is not needed on other platforms).
fn implicit_libraries(target: &Target) -> &'static [&'static str] {
    match target.format {
        Format::Elf => &["c"],
        Format::MachO => &["System"],
        Format::Coff => &[],
    }
}

/// The span of a library row's first block, for findings about the library.
fn row_span(program: &Program, row: &linkwise_linkage::LibraryRow) -> Span {
    row.blocks.first().map(|b| program.blocks[b.index()].span).unwrap_or(Span::DUMMY)
}

/// Checks `plan`'s imports against the libraries found on `search`.
pub fn check(program: &Program, plan: &LinkPlan, search: &search::SearchPath) -> Report {
    let target = &plan.target;
    let prefix = target.symbol_prefix();
    let mut report = Report::default();
    // Only the imports' names are kept from any library: a symbol table of thousands costs no allocation.
    let wanted: std::collections::HashSet<String> =
        plan.imports.iter().map(|i| format!("{prefix}{}", i.link_name)).collect();
    let names = symbols::Names::Only(&wanted);
    let mut libraries: HashMap<String, Option<Library>> = HashMap::new();
    let mut read_paths: Vec<PathBuf> = Vec::new();
    for row in &plan.libraries {
        // raw-dylib needs no library file; a name two blocks share is one library, read once.
        if row.kind == LinkKind::RawDylib || libraries.contains_key(&row.name) {
            continue;
        }
        // A `+whole-archive` static library is given to the linker as the archive itself (bundle.rs).
        let archive = matches!(row.kind, LinkKind::Static | LinkKind::StaticNobundle) && row.whole_archive();
        let found = search.find(target, &row.name, archive, row.verbatim());
        let span = row_span(program, row);
        let library = match &found {
            Ok(path) => match symbols::read_names(path, names) {
                Ok(lib) => {
                    report.libraries_read += 1;
                    read_paths.push(path.clone());
                    Some(lib)
                }
                Err(e) => {
                    let d =
                        Diagnostic::warning(format!("cannot read library `{}` for the check: {e}", row.name))
                            .with_code(CODE_LIBRARY_NOT_FOUND)
                            .primary(span, "declared here");
                    report.findings.push(Finding {
                        mismatch: Mismatch::Unreadable { message: e },
                        library: Some(row.name.clone()),
                        symbol: None,
                        object_name: None,
                        span,
                        call_site: None,
                        fixes: Vec::new(),
                        diagnostic: d,
                    });
                    None
                }
            },
            Err(tried) => {
                let d = Diagnostic::error(format!(
                    "library `{}` is not on the search path of {target}",
                    row.name
                ))
                .with_code(CODE_LIBRARY_NOT_FOUND)
                .primary(span, "declared here")
                .note(format!("looked for {} in {}", tried.join(", "), search.describe()))
                .help("add its directory with -L DIR");
                report.findings.push(Finding {
                    mismatch: Mismatch::LibraryNotFound { tried: tried.clone() },
                    library: Some(row.name.clone()),
                    symbol: None,
                    object_name: None,
                    span,
                    call_site: None,
                    fixes: vec![Fix {
                        kind: "library",
                        text: "-L DIR (the directory holding it)".to_owned(),
                    }],
                    diagnostic: d,
                });
                None
            }
        };
        report.libraries.push((row.name.clone(), found.ok()));
        libraries.insert(row.name.clone(), library);
    }
    // The driver's own libraries: what blocks without #[link] get on ELF and Mach-O.
    let implicit: Vec<Library> = implicit_libraries(target)
        .iter()
        .filter_map(|name| search.find(target, name, false, false).ok())
        .filter_map(|path| symbols::read_names(&path, names).ok())
        .collect();
    report.libraries_read += implicit.len();
    read_paths.extend(implicit.iter().map(|l| l.path.clone()));
    // The names no library of the link provides, looked for in every library of the search directories at
    // once, in search order, stopping when each has a provider (the scan's cost is the file count).
    let in_link = |name: &str| {
        libraries
            .values()
            .flatten()
            .chain(&implicit)
            .find_map(|l| l.provides(name).map(|p| (l.path.clone(), p)))
    };
    let missing: std::collections::HashSet<String> =
        wanted.iter().filter(|n| in_link(n).is_none()).cloned().collect();
    let known: HashMap<String, Vec<(PathBuf, Provides)>> = if missing.is_empty() {
        HashMap::new()
    } else {
        let (found, read) = search.find_providers(target, &missing, &read_paths);
        report.libraries_read += read;
        found
    };
    for import in &plan.imports {
        let symbol = program.symbol(import.symbol);
        let function = matches!(symbol.def, SymbolDef::ImportFn { .. });
        let object_name = format!("{prefix}{}", import.link_name);
        let span = import.span;
        let push = |report: &mut Report,
                    mismatch: Mismatch,
                    call_site: Option<(String, String)>,
                    fixes: Vec<Fix>,
                    d: Diagnostic| {
            report.findings.push(Finding {
                mismatch,
                library: import.library.clone(),
                symbol: Some(import.name.clone()),
                object_name: Some(object_name.clone()),
                span,
                call_site,
                fixes,
                diagnostic: d.with_code(CODE_MISMATCH),
            });
        };
        let elsewhere = known.get(&object_name).map(Vec::as_slice).unwrap_or(&[]);
        let candidates = |d: Diagnostic| match elsewhere.len() {
            0 | 1 => d,
            n => d.note(format!(
                "{n} libraries of the search directories have it: {}",
                elsewhere.iter().take(3).map(|(p, _)| p.display().to_string()).collect::<Vec<_>>().join(", ")
                    + if n > 3 { ", ..." } else { "" }
            )),
        };
        let Some(library) = &import.library else {
            // A block without #[link]: served by the driver's own libraries elsewhere; on Windows the kind
            // decides the call site, so name the library that has it.
            if implicit.iter().any(|l| l.provides(&object_name).is_some()) {
                continue;
            }
            let provider = plan.libraries.iter().find_map(|r| {
                let l = libraries.get(&r.name)?.as_ref()?;
                l.provides(&object_name).map(|p| (l.path.clone(), p, true))
            });
            let provider = provider.or_else(|| elsewhere.first().map(|(path, p)| (path.clone(), *p, false)));
            let headline = format!("`{}` is declared in an extern block without #[link]", import.name);
            match provider {
                Some((path, p, linked)) => {
                    let kind = if p.import || p.shared { LinkKind::Dylib } else { LinkKind::Static };
                    let (lib_name, attribute) = link_attribute(target, &path, kind);
                    let d = if linked {
                        Diagnostic::warning(format!("{headline}: it links only because another block names {lib_name}"))
                    } else {
                        Diagnostic::error(format!("{headline}, and no library of the link provides it"))
                    }
                    .primary(span, format!("found in {}", path.display()))
                    .note("RFC 1717: #[link] is not needed on other platforms, so it is easily left off; on Windows the kind decides the call site")
                    .help(format!("add `{attribute}` to the extern block"));
                    let mut fixes = kind_fixes(&lib_name, &lib_name, kind);
                    fixes[0].text = attribute;
                    let d = candidates(d);
                    push(
                        &mut report,
                        Mismatch::MissingLink { found_in: path, kind, in_link: linked },
                        None,
                        fixes,
                        d,
                    );
                }
                None => {
                    let d = Diagnostic::error(format!("{headline}, and no library provides it"))
                        .primary(span, "declared here")
                        .note(format!("no library in {} provides `{object_name}`", search.describe()));
                    push(&mut report, Mismatch::NotFound { found_in: None }, None, Vec::new(), d);
                }
            }
            continue;
        };
        let Some(Some(lib)) = libraries.get(library) else { continue };
        let row = plan.libraries.iter().find(|r| &r.name == library);
        let source = row.and_then(|r| r.renamed_from.clone()).unwrap_or_else(|| library.clone());
        let (path, p) = match lib.provides(&object_name) {
            Some(p) => (lib.path.clone(), p),
            None => match in_link(&object_name) {
                Some((path, p)) => {
                    let (other, _) = link_attribute(target, &path, LinkKind::Dylib);
                    let d = Diagnostic::warning(format!(
                        "`{}` is not in `{library}` ({}), but in {}",
                        import.name,
                        lib.path.display(),
                        path.display()
                    ))
                    .primary(span, format!("declared in a block of `{library}`"))
                    .note("it links, from the other library; the declaration says where it comes from, and a DLL built with raw-dylib, or a bundle, would get it wrong")
                    .help(format!("move it to a block with `#[link(name = \"{other}\")]`"));
                    push(&mut report, Mismatch::OtherLibrary { found_in: path.clone() }, None, Vec::new(), d);
                    (path, p)
                }
                None => {
                    let first = elsewhere.first().map(|(path, _)| path.clone());
                    let mut d = Diagnostic::error(format!(
                        "`{}` is in none of the link's libraries: `{library}` ({}) does not provide `{object_name}`",
                        import.name,
                        lib.path.display()
                    ))
                    .primary(span, "declared here");
                    let mut fixes = Vec::new();
                    match &first {
                        Some(path) => {
                            let (name, attribute) = link_attribute(target, path, LinkKind::Dylib);
                            if name == *library || name == source {
                                // Another file of the same name, which the linker does not take first.
                                d = d.note(format!(
                                    "{} has it, but the linker takes {} for `{library}`",
                                    path.display(),
                                    lib.path.display()
                                ));
                            } else {
                                let attribute = attribute.replace(", kind = \"dylib\"", "");
                                d = d.help(format!(
                                    "it is in {}: declare it in a block with `{attribute}`",
                                    path.display()
                                ));
                                fixes.push(Fix { kind: "attribute", text: attribute });
                            }
                        }
                        None => d = d.note(format!("no library in {} provides it either", search.describe())),
                    }
                    push(&mut report, Mismatch::NotFound { found_in: first }, None, fixes, candidates(d));
                    continue;
                }
            },
        };
        let now = call_site(target, import.access, &import.name, function);
        if target.format == Format::Coff {
            match import.access {
                Access::ImportSlot if !p.import && !p.slot && p.static_def => {
                    let after = call_site(target, Access::Direct, &import.name, function);
                    let d = Diagnostic::error(format!(
                        "`{}` is declared as coming from a DLL (kind `{}`, {}), but {} defines it statically",
                        import.name,
                        import.kind.as_str(),
                        origin(&import.kind_origin),
                        path.display()
                    ))
                    .primary(span, format!("reached through `__imp_{object_name}`, which nothing defines"))
                    .note(format!("the link fails: lld-link \"undefined symbol: __declspec(dllimport) {object_name}\", link.exe LNK2019 (`__imp_{object_name}`)"))
                    .help(format!("declare the library static: `#[link(name = \"{source}\", kind = \"static\")]` or `-l static={source}`"));
                    push(
                        &mut report,
                        Mismatch::DylibButStatic { found_in: path },
                        Some((now, after)),
                        kind_fixes(&source, library, LinkKind::Static),
                        d,
                    );
                }
                Access::Direct if p.import && !p.static_def && p.thunk => {
                    let after = call_site(target, Access::ImportSlot, &import.name, function);
                    let d = Diagnostic::warning(format!(
                        "`{}` is declared static ({}), but {} is an import library: calls go through its thunk",
                        import.name,
                        origin(&import.kind_origin),
                        path.display()
                    ))
                    .primary(span, format!("called directly: `{object_name}` is the thunk `jmp [__imp_{object_name}]`"))
                    .note("it links and runs, and every call pays an extra jump; the DLL is loaded at run time")
                    .help(format!("declare the library dylib: `#[link(name = \"{source}\", kind = \"dylib\")]` or `-l dylib={source}`"));
                    push(
                        &mut report,
                        Mismatch::StaticButImportFunction { found_in: path },
                        Some((now, after)),
                        kind_fixes(&source, library, LinkKind::Dylib),
                        d,
                    );
                }
                Access::Direct if p.import && !p.static_def => {
                    let after = call_site(target, Access::ImportSlot, &import.name, function);
                    let d = Diagnostic::error(format!(
                        "`{}` is declared static ({}), but {} exports it from a DLL as data, with no thunk",
                        import.name,
                        origin(&import.kind_origin),
                        path.display()
                    ))
                    .primary(span, format!("reached as `{object_name}`, which nothing defines"))
                    .note(format!("the link fails: lld-link \"undefined symbol: {object_name}\", link.exe LNK2019; only `__imp_{object_name}` exists"))
                    .help(format!("declare the library dylib: `#[link(name = \"{source}\", kind = \"dylib\")]` or `-l dylib={source}`"));
                    push(
                        &mut report,
                        Mismatch::StaticButImportData { found_in: path },
                        Some((now, after)),
                        kind_fixes(&source, library, LinkKind::Dylib),
                        d,
                    );
                }
                _ => {}
            }
        } else {
            let static_kind = matches!(import.kind, LinkKind::Static | LinkKind::StaticNobundle);
            let file = lib.file;
            if static_kind && p.shared && file != LibraryFile::Archive {
                let d = Diagnostic::warning(format!(
                    "`{}` is declared static, but the linker finds the shared library {}",
                    import.name,
                    path.display()
                ))
                .primary(span, "declared here")
                .note("-lNAME takes the shared library before the archive: it is linked dynamically, and must be there at run time")
                .help(format!("declare it dylib (`-l dylib={source}`), or put only the archive on the search path"));
                push(
                    &mut report,
                    Mismatch::StaticButShared { found_in: path },
                    None,
                    kind_fixes(&source, library, LinkKind::Dylib),
                    d,
                );
            } else if !static_kind && !p.shared && file == LibraryFile::Archive {
                let d = Diagnostic::warning(format!(
                    "`{}` is declared dylib, but only the static archive {} exists",
                    import.name,
                    path.display()
                ))
                .primary(span, "declared here")
                .note("the linker copies it into the program: no shared library is needed at run time")
                .help(format!("declare it static: `#[link(name = \"{source}\", kind = \"static\")]` or `-l static={source}`"));
                push(
                    &mut report,
                    Mismatch::DylibButArchive { found_in: path },
                    None,
                    kind_fixes(&source, library, LinkKind::Static),
                    d,
                );
            }
        }
    }
    report
}

/// Where a kind came from, for messages: `the default`, `#[link]`, or the `-l` argument as written.
fn origin(origin: &linkwise_linkage::KindOrigin) -> String {
    match origin {
        linkwise_linkage::KindOrigin::Default => "the default".to_owned(),
        linkwise_linkage::KindOrigin::Declared => "#[link]".to_owned(),
        linkwise_linkage::KindOrigin::CommandLine(spec) => format!("`{spec}`"),
    }
}

/// The library name `-lNAME` finds a file by: `libfoo.a`, `libfoo.so.6`, `libfoo.tbd` → `foo`.
pub fn library_name(path: &std::path::Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file.split('.').next().unwrap_or(&file);
    stem.strip_prefix("lib").filter(|s| !s.is_empty()).unwrap_or(stem).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// COFF names a library by its file's stem (`libcmt.lib` is `libcmt`, not `cmt`), and any other file by
    /// itself with `+verbatim`, the only way lld-link finds it.
    #[test]
    fn coff_attributes_name_files_lld_link_finds() {
        let coff = Target::parse("x86_64-pc-windows-msvc").unwrap();
        let elf = Target::parse("x86_64-unknown-linux-gnu").unwrap();
        let attr = |t: &Target, f: &str| link_attribute(t, std::path::Path::new(f), LinkKind::Static).1;
        assert_eq!(attr(&coff, "/x/libcmt.lib"), "#[link(name = \"libcmt\", kind = \"static\")]");
        assert_eq!(
            attr(&coff, "/x/libvend.a"),
            "#[link(name = \"libvend.a\", kind = \"static\", modifiers = \"+verbatim\")]"
        );
        assert_eq!(attr(&elf, "/x/libvend.a"), "#[link(name = \"vend\", kind = \"static\")]");
    }

    #[test]
    fn library_names_from_file_names() {
        for (file, name) in [
            ("/x/libkernel32.a", "kernel32"),
            ("libvendor.dll.a", "vendor"),
            ("/usr/lib/libc.so.6", "c"),
            ("libSystem.tbd", "System"),
            ("libfoo.dylib", "foo"),
        ] {
            assert_eq!(library_name(std::path::Path::new(file)), name, "{file}");
        }
    }
}
