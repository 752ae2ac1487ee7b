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

    // How a library NAME (`+verbatim` or not) becomes file names and linker arguments: this one table, which
    // the directives' writers, the import libraries, bundling, `--print native-static-libs` and the link
    // driver all ask (issue 9 review: the rules had been spelled in seven places).

    /// How the target's linker is told to link library `name` by name, without `+verbatim`:
    /// [`Target::library_argument`]`(name, false)`.
    pub fn link_argument(&self, name: &str) -> String {
        self.library_argument(name, false)
    }

    /// How the target's linker is told to link library `name` by name, as rustc spells it:
    /// - link.exe and lld-link: `NAME.lib` (one name finds an import library for a DLL or an archive), or NAME
    ///   as written with `verbatim`; the same file name `/DEFAULTLIB:` and `/WHOLEARCHIVE:` take;
    /// - ld.lld: `-lNAME` (`libNAME.so`, then `libNAME.a`), or `-l:NAME` with `verbatim`, which looks the exact
    ///   file name up on the search paths;
    /// - ld64: `-lNAME` (`libNAME.dylib`, then `libNAME.a`) with or without `verbatim`, since ld64 has no
    ///   exact-name form; rustc prints that for `--print native-static-libs`, and the link driver passes a
    ///   verbatim library by the path it finds ([`Target::static_library_file_names`] names the file).
    pub fn library_argument(&self, name: &str, verbatim: bool) -> String {
        match (self.format, verbatim) {
            (Format::Coff, false) => format!("{name}.lib"),
            (Format::Coff, true) => name.to_owned(),
            (Format::Elf, true) => format!("-l:{name}"),
            (Format::Elf | Format::MachO, _) => format!("-l{name}"),
        }
    }

    /// The file names rustc tries for static library `name`, in order: as written when `verbatim`; otherwise
    /// `NAME.lib` then `libNAME.a` on Windows (static libraries show up under both names there), and
    /// `libNAME.a` on ELF and Mach-O (the first is [`Target::static_library_affixes`]).
    pub fn static_library_file_names(&self, name: &str, verbatim: bool) -> Vec<String> {
        if verbatim {
            return vec![name.to_owned()];
        }
        let (prefix, suffix) = self.static_library_affixes();
        let mut names = vec![format!("{prefix}{name}{suffix}")];
        if self.format == Format::Coff {
            names.push(format!("lib{name}.a"));
        }
        names
    }

    /// The import library's file name and the DLL's name for DLL library `name` on Windows: `NAME.lib` (the
    /// file [`Target::library_argument`] asks for) and `NAME.dll`, or NAME as written for both when `verbatim`
    /// (the name is then the file name, with nothing added). `None` on ELF and Mach-O, which have no import
    /// libraries (their linkers read the shared library itself).
    pub fn import_library_file_names(&self, name: &str, verbatim: bool) -> Option<(String, String)> {
        match (self.format, verbatim) {
            (Format::Coff, false) => Some((format!("{name}.lib"), format!("{name}.dll"))),
            (Format::Coff, true) => Some((name.to_owned(), name.to_owned())),
            (Format::Elf | Format::MachO, _) => None,
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
    /// [`Target::static_library_file_names`] lists every name searched.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn target(triple: &str) -> Target {
        Target::parse(triple).unwrap()
    }

    /// The library naming table, per format, with and without `+verbatim` (rustc's spellings).
    #[test]
    fn library_names_follow_each_linkers_conventions() {
        let (coff, elf, macho) = (
            target("x86_64-pc-windows-msvc"),
            target("x86_64-unknown-linux-gnu"),
            target("aarch64-apple-darwin"),
        );
        assert_eq!(coff.library_argument("foo", false), "foo.lib");
        assert_eq!(coff.library_argument("foo.dll.lib", true), "foo.dll.lib");
        assert_eq!(elf.library_argument("foo", false), "-lfoo");
        assert_eq!(elf.library_argument("libfoo.so.1", true), "-l:libfoo.so.1");
        assert_eq!(macho.library_argument("foo", false), "-lfoo");
        assert_eq!(macho.library_argument("foo", true), "-lfoo");
        assert_eq!(coff.static_library_file_names("foo", false), ["foo.lib", "libfoo.a"]);
        assert_eq!(elf.static_library_file_names("foo", false), ["libfoo.a"]);
        assert_eq!(macho.static_library_file_names("foo.a", true), ["foo.a"]);
        assert_eq!(
            coff.import_library_file_names("m", false),
            Some(("m.lib".to_owned(), "m.dll".to_owned()))
        );
        assert_eq!(coff.import_library_file_names("m.x", true), Some(("m.x".to_owned(), "m.x".to_owned())));
        assert_eq!(elf.import_library_file_names("m", false), None);
    }
}
