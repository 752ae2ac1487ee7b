//! Targets: a triple parsed once (with target-lexicon) into the enums every later stage matches on.

use linkwise_ir::Diagnostic;
use std::fmt;
use std::str::FromStr;
use target_lexicon::{Architecture, BinaryFormat, OperatingSystem, Triple};

/// Machine architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// x86-64 (AMD64).
    X86_64,
    /// AArch64 (ARM64).
    Aarch64,
}

/// Object file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// COFF, for Windows (linked by link.exe or lld-link).
    Coff,
    /// ELF, for Linux and friends.
    Elf,
    /// Mach-O, for Apple platforms.
    MachO,
}

/// A compilation target: the triple as the user spelled it plus its parsed parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The triple, normalized by target-lexicon (e.g. `x86_64-pc-windows-msvc`).
    pub triple: String,
    /// Its architecture.
    pub arch: Arch,
    /// Its object format.
    pub format: Format,
}

/// The triples linkwise generates code for, in the order `linkwise targets` lists them.
pub const SUPPORTED: &[&str] = &[
    "x86_64-pc-windows-msvc",
    "aarch64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

impl Target {
    /// The target used when neither the module nor the command line names one.
    pub fn default_target() -> Target {
        Target { triple: SUPPORTED[0].to_owned(), arch: Arch::X86_64, format: Format::Coff }
    }

    /// Parses a triple; anything not in [`SUPPORTED`] is an error that lists the supported triples.
    pub fn parse(triple: &str) -> Result<Target, Diagnostic> {
        let unsupported = |why: &str| {
            Diagnostic::error(format!("unsupported target `{triple}`: {why}"))
                .note(format!("linkwise supports: {}", SUPPORTED.join(", ")))
                .help("`linkwise targets` lists the supported targets")
        };
        let parsed = Triple::from_str(triple).map_err(|e| unsupported(&e.to_string()))?;
        let arch = match parsed.architecture {
            Architecture::X86_64 => Arch::X86_64,
            Architecture::Aarch64(_) => Arch::Aarch64,
            other => return Err(unsupported(&format!("no code generation for architecture `{other}`"))),
        };
        let format = match (parsed.operating_system, parsed.binary_format) {
            (OperatingSystem::Windows, _) | (_, BinaryFormat::Coff) => Format::Coff,
            (OperatingSystem::Darwin(_) | OperatingSystem::MacOSX(_), _) | (_, BinaryFormat::Macho) => {
                Format::MachO
            }
            (_, BinaryFormat::Elf) => Format::Elf,
            (os, format) => {
                return Err(unsupported(&format!("no object format for operating system `{os}` ({format})")));
            }
        };
        // target-lexicon parses far more than linkwise has built and tested (MinGW's `-gnu` environment, other
        // operating systems); only the triples in SUPPORTED are accepted.
        let normalized = parsed.to_string();
        if !SUPPORTED.contains(&normalized.as_str()) {
            return Err(unsupported("not implemented yet"));
        }
        Ok(Target { triple: normalized, arch, format })
    }

    /// How the target's linker is told to link library `name`: `NAME.lib` for link.exe and lld-link (which find
    /// an import library for a DLL or an archive under that one name), `-lNAME` for ld and ld64 (which look
    /// for `libNAME.so`/`libNAME.dylib`, then `libNAME.a`).
    pub fn link_argument(&self, name: &str) -> String {
        match self.format {
            Format::Coff => format!("{name}.lib"),
            Format::Elf | Format::MachO => format!("-l{name}"),
        }
    }

    /// What the static linker routes a call to a shared-library function through, as the format's tools call
    /// it: ELF's procedure linkage table, Mach-O's stubs (`__stubs`, ld64), Windows' import thunks (the
    /// `jmp [__imp_X]` an import library supplies).
    pub fn call_stub(&self) -> &'static str {
        match self.format {
            Format::Coff => "the import thunk",
            Format::Elf => "the PLT",
            Format::MachO => "a stub",
        }
    }

    /// Whether the link kind shapes code generation on this target. RFC 1717: only on Windows does a symbol
    /// from a DLL need different code (an `__imp_` slot) from a statically linked one.
    pub fn kind_affects_codegen(&self) -> bool {
        self.format == Format::Coff
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Coff => "COFF",
            Format::Elf => "ELF",
            Format::MachO => "Mach-O",
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.triple)
    }
}
