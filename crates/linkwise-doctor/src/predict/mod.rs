//! Predicting a link: resolve symbols over the inputs the way lld-link and link.exe do (`resolve.rs`), then run
//! one check per diagnostic the link would give, each reading what resolution decided and each with the
//! evidence and the fix. Adding a finding is a file here (`lnkNNNN.rs`) and a row in `CHECKS`.

mod dllimport;
mod lnk1104;
mod lnk2005;
mod lnk2019;
mod lnk2038;
mod lnk4098;
mod lnk4217;
mod resolve;

use crate::crt::Crt;
use crate::read::Input;
use resolve::{Resolution, resolve_with};

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
    /// Facts that show it: which member, which directive, which symbol.
    pub evidence: Vec<String>,
    /// What to do, in the user's terms.
    pub fixes: Vec<String>,
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

/// The options of the link that matter here.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// `/DEFAULTLIB:` given on the command line.
    pub default_libs: Vec<String>,
    /// `/NODEFAULTLIB:name`.
    pub no_default_libs: Vec<String>,
    /// `/NODEFAULTLIB` with no name: ignore every default library.
    pub no_default_all: bool,
    /// The C runtime the program itself is built for, if the user says (`--crt static|dynamic`).
    pub crt: Option<Crt>,
    /// `/MACHINE:`, normalised to lower case (`x64`, `x86`, `arm64`, ...): x86 entry-point names get their
    /// leading underscore.
    pub machine: Option<String>,
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
pub struct Prediction {
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Names of the members that would be linked, in load order.
    pub loaded: Vec<String>,
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
const CHECKS: [Check; 6] = [
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
    findings.sort_by_key(|f| f.severity);
    Prediction {
        findings,
        loaded: resolution.loaded.iter().map(|&id| resolution.member(id).name.clone()).collect(),
    }
}

/// The default libraries the link asks for (the command line's `/DEFAULTLIB`, then every linked member's, in
/// load order) that are neither among `inputs` nor suppressed by `/NODEFAULTLIB`, by file name: what a linker
/// would look for along its library search path (lld/COFF `LinkerDriver::findLibIfNew`).
pub fn wanted_default_libraries(inputs: &[Input], options: &LinkOptions) -> Vec<String> {
    let resolution = resolve_with(inputs, options);
    lnk1104::wanted(&resolution, options).into_keys().collect()
}

/// The file name of a library as `/DEFAULTLIB` names it: lower case, `.lib` added when missing. Two libraries
/// with one key are one library to the linker (lld-link's `visitedLibs`).
pub fn lib_key(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    if base.contains('.') { base } else { format!("{base}.lib") }
}

/// Fixes for a program that links the static C runtime while its inputs expect the dynamic one.
const RUST_CRT_FIX: &str = "Rust: link the dynamic C runtime: RUSTFLAGS=\"-C target-feature=-crt-static\", or in \
     .cargo/config.toml `[target.x86_64-pc-windows-msvc] rustflags = [\"-C\", \"target-feature=-crt-static\"]`";
const CARGO_DIST_FIX: &str = "cargo-dist: set `msvc-crt-static = false` in dist-workspace.toml";

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
