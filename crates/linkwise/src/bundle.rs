//! Packaging a module as a static library (`--emit lib`) the way rustc packages a staticlib: the members of the
//! native static libraries it links with `kind = "static"` (and `+bundle`, the default) go into the archive,
//! so a consumer links the one archive; what the archive does not contain is what the consumer must still
//! link, which [`native_static_libs`] spells as rustc's `--print native-static-libs` does (issue 9, item 4).
//!
//! The steps, each a function the driver calls:
//! 1. [`collect`]: find every library to bundle on the `-L` directories ([`find_static_library`], rustc's
//!    search), read its members, and (Windows) write the import members of `raw-dylib` libraries, which a
//!    staticlib carries too;
//! 2. compile the object with [`Bundle::names`] as [`crate::Options::bundled`], so it asks for none of them
//!    again;
//! 3. [`static_library`]: the archive, the object first, then every bundled member;
//! 4. [`native_static_libs`] (and [`native_static_libs_notes`] for the two lines rustc prints).
//!
//! [`whole_archive_arguments`] spells `+whole-archive` for each target's linker, for the link driver.

use crate::codegen::archive::{self, Member};
use crate::codegen::implib::{self, ImportLibrary, Which};
use crate::ir::checked::Program;
use crate::linkage::{Format, KindOrigin, LibraryRow};
use crate::{Diagnostic, LinkPlan, Target};
use std::path::PathBuf;

/// A native static library bundled into the archive being built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundledLibrary {
    /// The library's name in the link plan (after `-l` renames).
    pub library: String,
    /// Where it was found.
    pub path: PathBuf,
    /// Its members, in the order the library holds them, names as recorded.
    pub members: Vec<Member>,
}

/// Everything `--emit lib` puts into the archive besides the module's own object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    /// The static libraries bundled, in link-plan order.
    pub libraries: Vec<BundledLibrary>,
    /// Windows: the import libraries of the module's `raw-dylib` libraries, whose members are bundled (rustc
    /// bundles them into a staticlib, so that no consumer needs a vendor `.lib` for them). Empty elsewhere.
    pub import_libraries: Vec<ImportLibrary>,
}

impl Bundle {
    /// The names of every library whose contents the archive holds: the value for
    /// [`crate::Options::bundled`], so that the object carries no directive asking for them.
    pub fn names(&self) -> Vec<String> {
        let statics = self.libraries.iter().map(|l| l.library.clone());
        statics.chain(self.import_libraries.iter().map(|l| l.library.clone())).collect()
    }

    /// Every member to add after the object: the static libraries' members, then the import members, each in
    /// order.
    pub fn members(&self) -> Result<Vec<Member>, Diagnostic> {
        let mut members: Vec<Member> =
            self.libraries.iter().flat_map(|l| l.members.iter().cloned()).collect();
        for import in &self.import_libraries {
            members.extend(archive::read_members(&import.file_name, &import.bytes)?);
        }
        Ok(members)
    }
}

/// Whether `row` is bundled into a static library built from the module: [`LibraryRow::bundle`] (a `static`
/// library, `+bundle` being the default), except the C runtime, which is never bundled (rustc's libc links it
/// by name, and its `.lib` is the toolchain's to provide).
pub fn is_bundled(row: &LibraryRow) -> bool {
    row.bundle() && !row.crt
}

/// Finds static library `name` on the `-L` directories `search`, in order, each directory trying every name of
/// [`Target::static_library_file_names`] before the next (rustc's order); `None` when no directory has it.
pub fn find_static_library(
    target: &Target,
    name: &str,
    verbatim: bool,
    search: &[PathBuf],
) -> Option<PathBuf> {
    let names = target.static_library_file_names(name, verbatim);
    search.iter().flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

/// The libraries of `plan` to bundle ([`is_bundled`]), found on `search` and read, in plan order.
///
/// Errors: a library that no directory holds, with rustc's message ("could not find native static library
/// `foo`, perhaps an -L flag is missing?"), pointing at the `#[link]` that names it and listing the files and
/// directories tried; a file that is not an archive; a member built for another architecture or object format
/// than `plan.target` (the linker would reject the archive later, with less to go on).
pub fn bundled_libraries(
    program: &Program,
    plan: &LinkPlan,
    search: &[PathBuf],
) -> Result<Vec<BundledLibrary>, Diagnostic> {
    let mut out = Vec::new();
    for row in plan.libraries.iter().filter(|r| is_bundled(r)) {
        let Some(path) = find_static_library(&plan.target, &row.name, row.verbatim(), search) else {
            return Err(not_found(program, &plan.target, row, search));
        };
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path)
            .map_err(|e| Diagnostic::error(format!("cannot read the static library `{shown}`: {e}")))?;
        let members = archive::read_members(&shown, &bytes)?;
        for member in &members {
            archive::check_member_target(&plan.target, &shown, member)?;
        }
        out.push(BundledLibrary { library: row.name.clone(), path, members });
    }
    Ok(out)
}

/// [`bundled_libraries`] and, on Windows, the `raw-dylib` import libraries ([`implib::import_libraries`] with
/// [`Which::RawDylib`]): everything [`static_library`] adds to the object.
pub fn collect(program: &Program, plan: &LinkPlan, search: &[PathBuf]) -> Result<Bundle, Diagnostic> {
    let libraries = bundled_libraries(program, plan, search)?;
    let import_libraries = match plan.target.format {
        Format::Coff => implib::import_libraries(program, plan, Which::RawDylib)?,
        Format::Elf | Format::MachO => Vec::new(),
    };
    Ok(Bundle { libraries, import_libraries })
}

/// The static library for `target`: the object `member_name` first, then every member of `bundle`
/// ([`archive::static_library`]; one symbol index over all of them). Deterministic.
pub fn static_library(
    target: &Target,
    member_name: &str,
    object: &[u8],
    bundle: &Bundle,
) -> Result<Vec<u8>, Diagnostic> {
    archive::static_library(target, member_name, object, &bundle.members()?)
}

/// What a consumer of the archive must still link, in plan order, spelled for the target's linker as rustc's
/// `--print native-static-libs` spells it ([`LibraryRow::link_argument`]): `NAME.lib` for link.exe and lld-link (NAME alone with `+verbatim`),
/// `-lNAME` for ld and ld64 (`-l:NAME` with `+verbatim` on ELF, GNU ld's spelling). Listed: `dylib`
/// libraries, `static` ones not in `bundled` (`-bundle`, `static-nobundle`, the C runtime); not listed:
/// bundled ones and, on Windows, `raw-dylib` ones (their import members are in the archive). A library
/// repeated consecutively is listed once, as rustc does.
pub fn native_static_libs(plan: &LinkPlan, bundled: &Bundle) -> Vec<String> {
    // A set: asked once per library of the plan.
    let contained: std::collections::HashSet<String> = bundled.names().into_iter().collect();
    let mut out: Vec<String> = Vec::new();
    for row in &plan.libraries {
        if contained.contains(&row.name) {
            continue;
        }
        if row.kind == crate::ir::LinkKind::RawDylib && plan.target.format == Format::Coff {
            continue;
        }
        let spelled = row.link_argument(&plan.target);
        if out.last() != Some(&spelled) {
            out.push(spelled);
        }
    }
    out
}

/// The two notes rustc prints for `--print native-static-libs` (after `note: `), or none when nothing needs
/// linking (rustc prints nothing then either): the explanation, then `native-static-libs: ` and the list,
/// space-separated, the line tools grep for.
pub fn native_static_libs_notes(libs: &[String]) -> Vec<String> {
    if libs.is_empty() {
        return Vec::new();
    }
    vec![
        "Link against the following native artifacts when linking against this static library. The order and \
         any duplication can be significant on some platforms."
            .to_owned(),
        format!("native-static-libs: {}", libs.join(" ")),
    ]
}

/// The linker arguments that link every member of `row`'s static library, referenced or not
/// (`+whole-archive`), for the target's linker: lld-link `/WHOLEARCHIVE:NAME.lib`; ld.lld `--whole-archive
/// -lNAME --no-whole-archive`; ld64 `-force_load PATH`, which takes a path, so the library is looked for on
/// `search` first ([`find_static_library`]; the error is rustc's "could not find native static library").
/// lld-link and ld.lld search their own `/LIBPATH:` and `-L` directories, which the driver passes.
pub fn whole_archive_arguments(
    program: &Program,
    target: &Target,
    row: &LibraryRow,
    search: &[PathBuf],
) -> Result<Vec<String>, Diagnostic> {
    Ok(match target.format {
        Format::Coff => {
            vec![format!("/WHOLEARCHIVE:{}", row.link_argument(target))]
        }
        Format::Elf => {
            vec!["--whole-archive".to_owned(), row.link_argument(target), "--no-whole-archive".to_owned()]
        }
        // As text here, so a non-UTF-8 path is shown lossily; the link driver passes the path itself
        // ([`force_load_path`]), byte for byte.
        Format::MachO => {
            vec![
                "-force_load".to_owned(),
                force_load_path(program, target, row, search)?.display().to_string(),
            ]
        }
    })
}

/// The archive ld64's `-force_load` takes for `row` (a path, not a library name): found on `search` as
/// bundling finds it ([`find_static_library`]); the error is rustc's "could not find native static library".
pub(crate) fn force_load_path(
    program: &Program,
    target: &Target,
    row: &LibraryRow,
    search: &[PathBuf],
) -> Result<PathBuf, Diagnostic> {
    find_static_library(target, &row.name, row.verbatim(), search)
        .ok_or_else(|| not_found(program, target, row, search))
}

/// rustc's error for a static library no search directory holds, pointing at the `#[link]` naming it.
fn not_found(program: &Program, target: &Target, row: &LibraryRow, search: &[PathBuf]) -> Diagnostic {
    let mut d = Diagnostic::error(format!(
        "could not find native static library `{}`, perhaps an -L flag is missing?",
        row.name
    ));
    if let Some(block) = row.blocks.first().and_then(|b| program.blocks.get(b.index())) {
        d = d.primary(block.span, format!("`{}` is linked `static` and bundled here", row.name));
    }
    if let KindOrigin::CommandLine(spec) = &row.kind_origin {
        d = d.note(format!("its kind comes from `{spec}`"));
    }
    let names = target.static_library_file_names(&row.name, row.verbatim());
    let names = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ");
    d = if search.is_empty() {
        d.note(format!("looked for {names} in no directory: no -L was given"))
    } else {
        let dirs = search.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ");
        d.note(format!("looked for {names} in {dirs}"))
    };
    d.help(format!(
        "add `-L DIR` for the directory holding it, or link it with `-l static:-bundle={}` to leave it to the \
         consumer of the archive",
        row.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9 review: the bundled names were searched by a scan for each library of the plan, quadratic when
    /// the archive holds them all. 80,000 static libraries, all bundled but the last: it alone is listed. The
    /// guard is the algorithm (a set); a quadratic one shows in the suite's time, not as a timed assertion.
    #[test]
    fn eighty_thousand_bundled_libraries_are_left_out() {
        let n = 80_000;
        let src: String = (0..n)
            .map(|i| format!("#[link(name = \"lib{i}\", kind = \"static\")]\nextern {{ fn g{i}(); }}\n"))
            .collect();
        let file = crate::SourceFile::new("b.lw", src);
        let options = crate::Options::new().target("x86_64-unknown-linux-gnu").unwrap();
        let compiled = crate::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
        let libraries = (0..n - 1)
            .map(|i| BundledLibrary { library: format!("lib{i}"), path: PathBuf::new(), members: Vec::new() })
            .collect();
        let bundle = Bundle { libraries, import_libraries: Vec::new() };
        let libs = native_static_libs(&compiled.plan, &bundle);
        assert_eq!(libs, [format!("-llib{}", n - 1)]);
    }
}
