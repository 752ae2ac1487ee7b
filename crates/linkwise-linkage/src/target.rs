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

    /// Size of an address in bytes: 8 on every linkwise target (x86_64 and aarch64, LP64 and LLP64 alike).
    fn pointer_size(&self) -> u32 {
        match self.arch {
            Arch::X86_64 | Arch::Aarch64 => 8,
        }
    }

    /// Whether numbers are stored most significant byte first: never here (x86_64 is little-endian only;
    /// aarch64 can run big-endian, but none of the supported triples, `aarch64_be-*`, does).
    fn big_endian(&self) -> bool {
        match self.arch {
            Arch::X86_64 | Arch::Aarch64 => false,
        }
    }

    /// The facts a static's initial value is laid out by.
    pub fn data_layout(&self) -> linkwise_ir::checked::DataLayout {
        linkwise_ir::checked::DataLayout { pointer_size: self.pointer_size(), big_endian: self.big_endian() }
    }

    /// What the object file's name of a C symbol starts with: Mach-O prefixes every C name with `_` (the
    /// Darwin ABI); COFF on x86_64 and arm64 (unlike 32-bit x86) and ELF add nothing.
    pub fn symbol_prefix(&self) -> &'static str {
        match self.format {
            Format::MachO => "_",
            Format::Coff | Format::Elf => "",
        }
    }

    /// What the name of a symbol private to the object (a string literal) starts with, so that it cannot clash
    /// with a C name and tools treat it as compiler-made: `.L` on ELF and COFF (the assembler-local prefix GNU
    /// tools and LLVM use); on Mach-O `l_`, the linker-private prefix LLVM gives private data outside literal
    /// sections (such a symbol still starts its own atom when ld64 splits sections at symbols, which an
    /// assembler-local `L` one does not, and ld64 leaves it out of the image's symbol table).
    pub fn private_symbol_prefix(&self) -> &'static str {
        match self.format {
            Format::MachO => "l_",
            Format::Coff | Format::Elf => ".L",
        }
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

    /// What the target's tools put before and after a stem to name an object compiled from it: `STEM.obj`
    /// for MSVC and lld-link, `STEM.o` for the Unix tools (what `clang -c` and rustc write by default).
    pub fn object_file_affixes(&self) -> (&'static str, &'static str) {
        match self.format {
            Format::Coff => ("", ".obj"),
            Format::Elf | Format::MachO => ("", ".o"),
        }
    }

    /// The same for a static library named NAME, the file [`Target::link_argument`] finds: `NAME.lib` for
    /// link.exe and lld-link, `libNAME.a` for ld and ld64 (`-lNAME` looks for no other static library).
    pub fn static_library_affixes(&self) -> (&'static str, &'static str) {
        match self.format {
            Format::Coff => ("", ".lib"),
            Format::Elf | Format::MachO => ("lib", ".a"),
        }
    }

    /// The object file name for `stem` ([`Target::object_file_affixes`]).
    pub fn object_file_name(&self, stem: &str) -> String {
        let (prefix, suffix) = self.object_file_affixes();
        format!("{prefix}{stem}{suffix}")
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
