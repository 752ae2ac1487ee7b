//! What an object says about its own linking: the libraries to link (autolink), the symbols to export from
//! the DLL built from it, and the C runtime it was built for. Decided here from the link plan and the program,
//! written in each format's way by linkwise-codegen's object writers (COFF `.drectve`, ELF `.deplibs`, Mach-O
//! `LC_LINKER_OPTION`).

use crate::plan::LinkPlan;
use linkwise_ir::checked::Program;

/// One directive, format-neutral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// Link library `name`: COFF `/DEFAULTLIB:NAME.lib`, ELF `.deplibs` `NAME`, Mach-O `-lNAME`. With
    /// `verbatim`, `name` is the file name as written, with nothing added.
    Library {
        /// The library's name after `-l` renames.
        name: String,
        /// `+verbatim`.
        verbatim: bool,
    },
    /// COFF `/EXPORT:NAME` (`/EXPORT:NAME=SYMBOL` when they differ, `,DATA` for data).
    Export {
        /// The name the DLL exports.
        name: String,
        /// The symbol in the object that the export refers to.
        symbol: String,
        /// Whether it is data (no thunk in the import library).
        data: bool,
    },
    /// COFF `/FAILIFMISMATCH:"KEY=VALUE"`: every object of the link must agree on KEY.
    FailIfMismatch {
        /// The key (`RuntimeLibrary`).
        key: String,
        /// This object's value.
        value: String,
    },
}

/// What the caller decides about directives.
#[derive(Clone, Debug, Default)]
pub struct DirectiveOptions {
    /// `--no-autolink`: write no `Library` directive.
    pub no_autolink: bool,
    /// Libraries whose members are bundled into the static library being built, so that no directive names
    /// them (their code is already there).
    pub bundled: Vec<String>,
}

/// The directives of the object compiled from `program` under `plan`, in the order they are written.
pub fn directives(program: &Program, plan: &LinkPlan, options: &DirectiveOptions) -> Vec<Directive> {
    // Filled in by issue 9's directive work: libraries, exports and the C runtime.
    let _ = (program, plan, options);
    Vec::new()
}
