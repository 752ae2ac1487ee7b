//! Predicting a link: resolve symbols over the inputs the way lld-link and link.exe do (`resolve.rs`), then run
//! one check per diagnostic the link would give, each reading what resolution decided and each with the
//! evidence and the fix. Adding a finding is a file here (`lnkNNNN.rs`) and a row in `CHECKS`.

mod autoimport;
mod dllimport;
mod fixes;
mod lnk1104;
mod lnk1112;
mod lnk2005;
mod lnk2019;
mod lnk2038;
mod lnk4098;
mod lnk4217;
mod resolve;

use crate::crt::Crt;
use crate::read::{Input, Machine, Site};
pub use autoimport::AutoImport;
use resolve::{Id, Resolution, resolve_with};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The link fails.
    Error,
    /// The link succeeds, but not as intended.
    Warning,
}

/// One predicted problem.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The MSVC diagnostic it corresponds to (`LNK2019`, `LNK4217`, `LNK4098`, `LNK2038`, `LNK1104`, `LNK2005`).
    pub code: &'static str,
    /// Whether lld-link reports it (it says nothing about mixed C runtimes, for one).
    pub lld_reports: bool,
    /// One line: what goes wrong.
    pub title: String,
    /// The symbols involved, for tools.
    pub symbols: Vec<String>,
    /// link.exe's own lines for it (`vendor.lib(vendor.obj) : error LNK2019: unresolved external symbol
    /// __imp_tolower referenced in function lib_lower`), so a user can search for what their linker printed;
    /// empty where doctor does not know link.exe's wording.
    pub link_exe: Vec<String>,
    /// Who refers to the symbols, with the enclosing function where a relocation shows it.
    pub references: Vec<Reference>,
    /// Who defines them (linked or not).
    pub definitions: Vec<Definition>,
    /// Other inputs it concerns, when it is about files rather than symbols (LNK1112: the conflicting
    /// module, then the one that decided the machine).
    pub files: Vec<Location>,
    /// Facts that show it: which member, which directive, which symbol.
    pub evidence: Vec<String>,
    /// What to do, in the user's terms.
    pub fixes: Vec<Fix>,
}

impl Finding {
    /// A finding with its code, severity and title; the lists empty, lld-link reporting it.
    pub(crate) fn new(severity: Severity, code: &'static str, title: String) -> Finding {
        Finding {
            severity,
            code,
            lld_reports: true,
            title,
            symbols: Vec::new(),
            link_exe: Vec::new(),
            references: Vec::new(),
            definitions: Vec::new(),
            files: Vec::new(),
            evidence: Vec::new(),
            fixes: Vec::new(),
        }
    }
}

/// A file on the link line and, for a library, the member within it: how findings locate things for tools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The input as given (`C:\\vendor\\vendor.lib`, `main.obj`).
    pub file: String,
    /// The member's file name, for a library input (`vendor.obj`).
    pub member: Option<String>,
}

impl Location {
    /// How the report names it: `C:\\sdk\\vendor.lib(vendor.obj)` or `main.obj`, the file as given.
    pub fn display(&self) -> String {
        match &self.member {
            Some(m) => format!("{}({m})", self.file),
            None => self.file.clone(),
        }
    }

    /// How lld-link's `>>> referenced by` lines name it: an object by its path as given, a library member by
    /// the library's file name and the member (`vendor.lib(vendor.obj)`, whatever directory the library is in).
    pub fn lld_display(&self) -> String {
        match &self.member {
            Some(m) => {
                let library = self.file.rsplit(['/', '\\']).next().unwrap_or(&self.file);
                format!("{library}({m})")
            }
            None => self.file.clone(),
        }
    }
}

/// One object's reference to a symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The symbol referred to (`__imp_tolower`).
    pub symbol: String,
    /// The referring object or member.
    pub at: Location,
    /// The symbol enclosing the reference (lld-link's `:(lib_lower)`), when a relocation names it.
    pub site: Option<Site>,
}

/// One definition of a symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    /// The symbol defined.
    pub symbol: String,
    /// The defining object or member.
    pub at: Location,
    /// Whether the link loads that member (a library member that nothing pulls in is not linked).
    pub linked: bool,
}

/// Which side of the link a fix changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The program being linked: its build flags, its link line.
    Program,
    /// A library (or object) it links: rebuild it, or use another build of it.
    Library,
    /// Every input alike.
    Both,
}

impl Side {
    /// The name in the JSON report: `program`, `library`, `both`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Program => "program",
            Side::Library => "library",
            Side::Both => "both",
        }
    }
}

/// One fix: what kind of change, on which side, and the text a person reads.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fix {
    /// A stable name for tools (`rust-dynamic-crt`, `rebuild-static-crt`, `add-library`, ...; docs/doctor.md).
    pub kind: &'static str,
    /// The side it changes.
    pub side: Side,
    /// The build system whose terms it is in (`rust`, `cargo-dist`, `cc-rs`, `cmake`, `vcpkg`, `msbuild`,
    /// `cl`), or `None` for a fix that holds whatever builds the input (the headline of a side's fixes).
    pub ecosystem: Option<&'static str>,
    /// The fix in the user's terms.
    pub text: String,
}

impl Fix {
    pub(crate) fn new(kind: &'static str, side: Side, text: impl Into<String>) -> Fix {
        Fix { kind, side, ecosystem: None, text: text.into() }
    }

    /// The same fix, said in `ecosystem`'s terms.
    pub(crate) fn in_ecosystem(mut self, ecosystem: &'static str) -> Fix {
        self.ecosystem = Some(ecosystem);
        self
    }
}

/// What the link would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Links without diagnostics.
    Links,
    /// Links with warnings.
    Warns,
    /// Fails.
    Fails,
}

/// Which linker's rules the prediction follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavor {
    /// link.exe and lld-link: `/DEFAULTLIB`, `__imp_` only through dllimport, the MSVC C runtimes.
    #[default]
    Msvc,
    /// ld.lld `-m i386pep` (and GNU ld) for MinGW: the same symbol resolution, plus auto-import of DLL data
    /// through runtime pseudo relocations, `-l` search of `lib*.a` / `*.dll.a`, and `libNAME.a` for a
    /// `/DEFAULTLIB:NAME` that is not found (lld/COFF in its `-lldmingw` mode).
    Mingw,
}

impl Flavor {
    /// The name in the JSON report and on the command line: `msvc`, `mingw`.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Msvc => "msvc",
            Flavor::Mingw => "mingw",
        }
    }
}

/// The options of the link that matter here.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// Whose rules: link.exe / lld-link, or ld.lld for MinGW.
    pub flavor: Flavor,
    /// MinGW `--disable-auto-import`: an undefined `X` is not resolved through `__imp_X`.
    pub no_auto_import: bool,
    /// MinGW `--disable-runtime-pseudo-reloc`: auto-imported data that needs a run-time fixup is an error.
    pub no_pseudo_relocs: bool,
    /// `/DEFAULTLIB:` given on the command line.
    pub default_libs: Vec<String>,
    /// `/NODEFAULTLIB:name`.
    pub no_default_libs: Vec<String>,
    /// `/NODEFAULTLIB` with no name: ignore every default library.
    pub no_default_all: bool,
    /// The C runtime the program itself is built for, if the user says (`--crt static|dynamic`).
    pub crt: Option<Crt>,
    /// `/MACHINE:` on the command line: the target every module must match (else the first object's); on
    /// x86 the inferred entry-point names get their leading underscore.
    pub machine: Option<Machine>,
    /// `/ENTRY:sym`: undefined once the inputs are read.
    pub entry: Option<String>,
    /// `/NOENTRY`: no entry point (a resource-only DLL).
    pub no_entry: bool,
    /// `/DLL`: without `/ENTRY`, the entry point is `_DllMainCRTStartup`.
    pub dll: bool,
    /// `/SUBSYSTEM:` name in lower case (`console`, `windows`, ...): without `/ENTRY`, decides the entry point.
    pub subsystem: Option<String>,
    /// `/INCLUDE:sym`: undefined once the inputs are read, so the member defining it is linked.
    pub include: Vec<String>,
    /// MinGW `-u sym` (lld-link's `-includeoptional`): the member defining it is linked if a library has one;
    /// never undefined otherwise.
    pub include_optional: Vec<String>,
    /// `/ALTERNATENAME:from=to`: an undefined `from` resolves to `to`.
    pub alternate_names: Vec<(String, String)>,
    /// `/WHOLEARCHIVE:lib`: every member of that library is linked (matched by file name, any case).
    pub whole_archive: Vec<String>,
    /// `/WHOLEARCHIVE`: every member of every library is linked.
    pub whole_archive_all: bool,
    /// `/FORCE` or `/FORCE:UNRESOLVED`: undefined symbols are warnings, the image is written.
    pub force_unresolved: bool,
    /// `/FORCE` or `/FORCE:MULTIPLE`: duplicate symbols are warnings.
    pub force_multiple: bool,
    /// Where default libraries were looked for (the current directory, each `/LIBPATH`, each `LIB` entry), as
    /// shown in an LNK1104 finding; empty when nobody searched.
    pub searched: Vec<String>,
}

/// The prediction for one link.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Prediction {
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Names of the members that would be linked, in load order.
    pub loaded: Vec<String>,
    /// Whose rules it follows.
    pub flavor: Flavor,
    /// MinGW: the names ld.lld resolves by auto-import, in name order (empty for link.exe and lld-link).
    pub auto_imports: Vec<AutoImport>,
}

impl Prediction {
    /// The outcome, counting every finding (link.exe's view).
    pub fn outcome(&self) -> Outcome {
        outcome(self.findings.iter())
    }

    /// The outcome counting only what lld-link reports.
    pub fn lld_outcome(&self) -> Outcome {
        outcome(self.findings.iter().filter(|f| f.lld_reports))
    }
}

fn outcome<'a>(findings: impl Iterator<Item = &'a Finding>) -> Outcome {
    let mut result = Outcome::Links;
    for f in findings {
        match f.severity {
            Severity::Error => return Outcome::Fails,
            Severity::Warning => result = Outcome::Warns,
        }
    }
    result
}

/// A check: the findings of one diagnostic, from what resolution decided.
type Check = fn(&Resolution<'_>, &LinkOptions) -> Vec<Finding>;

/// Every check, in the order its findings are listed within one severity (the sort in [`predict`] is stable).
const CHECKS: [Check; 8] = [
    lnk1112::machine_conflicts,
    autoimport::pseudo_relocations,
    lnk1104::missing_default_libraries,
    lnk2019::undefined_symbols,
    lnk4217::locally_defined_imports,
    lnk2005::duplicate_symbols,
    lnk2038::mismatched_values,
    lnk4098::mixed_c_runtimes,
];

/// Predicts the link of `inputs` (in command-line order) with `options`: symbol resolution first, then one
/// check per kind of finding, each reading what resolution linked.
pub fn predict(inputs: &[Input], options: &LinkOptions) -> Prediction {
    let resolution = resolve_with(inputs, options);
    let mut findings: Vec<Finding> = CHECKS.iter().flat_map(|check| check(&resolution, options)).collect();
    for f in &mut findings {
        // link.exe and lld-link write the image anyway under /FORCE, reporting these as warnings (LNK4088).
        let forced = match f.code {
            "LNK2019" if options.force_unresolved => Some("/FORCE:UNRESOLVED"),
            "LNK2005" if options.force_multiple => Some("/FORCE:MULTIPLE"),
            _ => None,
        };
        if let Some(option) = forced {
            f.severity = Severity::Warning;
            f.evidence.push(format!(
                "{option} (or /FORCE) makes this a warning: the image is written, and may not run"
            ));
        }
    }
    // A machine conflict lld-link reports ends the link once the inputs are read: it names no undefined
    // symbol then, and link.exe stops at the first such module (LNK1112 is fatal). Only those findings stand.
    if findings.iter().any(|f| f.code == "LNK1112" && f.lld_reports) {
        findings.retain(|f| f.code == "LNK1112");
    }
    // ld.lld is the only linker of a MinGW link: what only link.exe reports does not happen there.
    if options.flavor == Flavor::Mingw {
        findings.retain(|f| f.lld_reports);
        for f in &mut findings {
            f.link_exe.clear();
        }
    }
    findings.sort_by_key(|f| f.severity);
    Prediction {
        findings,
        loaded: resolution.loaded.iter().map(|&id| resolution.member(id).name.clone()).collect(),
        flavor: options.flavor,
        auto_imports: autoimport::auto_imports(&resolution),
    }
}

/// The default libraries the link asks for (the command line's `/DEFAULTLIB`, then every linked member's, in
/// load order) that are neither among `inputs` nor suppressed by `/NODEFAULTLIB`, by file name: what a linker
/// would look for along its library search path (lld/COFF `LinkerDriver::findLibIfNew`).
pub fn wanted_default_libraries(inputs: &[Input], options: &LinkOptions) -> Vec<String> {
    let resolution = resolve_with(inputs, options);
    lnk1104::wanted(&resolution, options).into_values().map(|(written, _)| written).collect()
}

/// The name ld.lld tries for a default library it does not find as written (lld/COFF `findLibMinGW`):
/// `vendor.lib` → `libvendor.a`; none for a name with a directory in it.
pub fn mingw_library_name(lib: &str) -> Option<String> {
    lnk1104::mingw_name(lib)
}

/// The file name of a library as `/DEFAULTLIB` names it: lower case, `.lib` added when missing. Two libraries
/// with one key are one library to the linker (lld-link's `visitedLibs`).
pub fn lib_key(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    if base.contains('.') { base } else { format!("{base}.lib") }
}

/// Where member `id` is on the link line.
pub(crate) fn location(r: &Resolution<'_>, id: Id) -> Location {
    let input = &r.inputs[id.0];
    let name = &r.member(id).name;
    let member = input
        .is_library
        .then(|| name.strip_prefix(input.path.as_str()).and_then(|n| n.strip_prefix('(')?.strip_suffix(')')))
        .flatten()
        .map(str::to_owned);
    Location { file: input.path.clone(), member }
}

/// The references member `id` makes to `symbol`: one per enclosing symbol, or one without a site.
pub(crate) fn references(r: &Resolution<'_>, id: Id, symbol: &str) -> Vec<Reference> {
    let m = r.member(id);
    let at = location(r, id);
    let sites = m.references.iter().position(|s| s == symbol).and_then(|i| m.referenced_in.get(i));
    match sites {
        Some(sites) if !sites.is_empty() => sites
            .iter()
            .map(|s| Reference { symbol: symbol.to_owned(), at: at.clone(), site: Some(s.clone()) })
            .collect(),
        _ => vec![Reference { symbol: symbol.to_owned(), at, site: None }],
    }
}

/// lld-link's `referenced by` line for one reference: `vendor.lib(vendor.obj):(lib_lower)`.
pub(crate) fn referenced_by(reference: &Reference) -> String {
    match &reference.site {
        Some(site) => format!("referenced by {}:({})", reference.at.lld_display(), site.symbol),
        None => format!("referenced by {}", reference.at.lld_display()),
    }
}

/// link.exe's LNK2019/LNK2001 line for the references of one object to `symbol`: LNK2019 names the first
/// function referring to it; a reference from data (or one no relocation shows) is LNK2001.
pub(crate) fn link_exe_unresolved(symbol: &str, refs: &[Reference]) -> Option<String> {
    let first = refs.first()?;
    let function = refs.iter().filter_map(|r| r.site.as_ref()).find(|s| s.function);
    Some(match function {
        Some(f) => format!(
            "{} : error LNK2019: unresolved external symbol {symbol} referenced in function {}",
            first.at.display(),
            f.symbol
        ),
        None => format!("{} : error LNK2001: unresolved external symbol {symbol}", first.at.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Coff, library_input, object_input};

    /// The phases together: findings errors first, each severity in the order of [`CHECKS`] and by name
    /// within a check; the outcome counts every finding, lld-link's leaves out what it does not report.
    #[test]
    fn findings_errors_first_in_check_order() {
        let inputs = [
            object_input(
                "main.obj",
                &Coff::new()
                    .define(&["main", "f"])
                    .reference(&["__imp_f", "zz_missing", "aa_missing"])
                    .directives("/DEFAULTLIB:libcmt.lib"),
            ),
            library_input(
                "vendor.lib",
                &[("v.obj", &Coff::new().define(&["v"]).directives("/DEFAULTLIB:msvcrt"))],
            ),
            object_input("dup.obj", &Coff::new().define(&["f"]).reference(&["v"])),
        ];
        let p = predict(&inputs, &LinkOptions::default());
        assert_eq!(p.loaded, ["main.obj", "dup.obj", "vendor.lib(v.obj)"]);
        let findings: Vec<(&str, &str)> = p.findings.iter().map(|f| (f.code, f.title.as_str())).collect();
        assert_eq!(
            findings,
            [
                ("LNK1104", "cannot open default library `libcmt.lib`: it is not among the inputs"),
                ("LNK1104", "cannot open default library `msvcrt.lib`: it is not among the inputs"),
                ("LNK2019", "undefined symbol: aa_missing"),
                ("LNK2019", "undefined symbol: zz_missing"),
                ("LNK2005", "duplicate symbol: f"),
                ("LNK4217", "locally defined symbol imported: f"),
                ("LNK4098", "inputs were built for different C runtimes"),
            ]
        );
        assert_eq!((p.outcome(), p.lld_outcome()), (Outcome::Fails, Outcome::Fails));
        // Only the warnings lld-link is silent about: link.exe warns, lld-link links cleanly.
        let mixed = [
            object_input("md.obj", &Coff::new().directives("/DEFAULTLIB:msvcrt")),
            object_input("mt.obj", &Coff::new().directives("/DEFAULTLIB:libcmt")),
        ];
        let p = predict(&mixed, &LinkOptions { no_default_all: true, ..LinkOptions::default() });
        assert_eq!((p.outcome(), p.lld_outcome()), (Outcome::Warns, Outcome::Links));
    }
}
