//! Inputs for the unit tests, written in-process: COFF objects with `object::write`, static and import
//! libraries with `ar_archive_writer`. No external tool runs, so this tier is fast and runs everywhere;
//! tests/doctor.rs checks the same behaviour against lld-link on objects built by clang and llvm-lib.

use crate::predict::{Finding, Severity};
use crate::read::Input;
use ar_archive_writer::{
    ArchiveKind, COFFShortExport, DEFAULT_OBJECT_READER, MachineTypes, NewArchiveMember,
    write_archive_to_stream, write_import_library,
};
use object::write::{Comdat, Object, Relocation, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, ComdatKind, Endianness, RelocationFlags, SectionKind, SymbolFlags,
    SymbolKind, SymbolScope,
};
use std::fmt::Write as _;
use std::io::Cursor;

/// A section of a [`Coff`] object and the external names defined at its start.
struct Section {
    name: String,
    kind: SectionKind,
    data: Vec<u8>,
    defines: Vec<String>,
    /// In a COMDAT of its first name (selection "any", as MSVC emits inline functions).
    comdat: bool,
}

/// A COFF x86-64 object to write: what it defines, references and asks of the linker.
#[derive(Default)]
pub(crate) struct Coff {
    /// Names defined in `.text`, one `ret` each.
    text: Vec<String>,
    sections: Vec<Section>,
    references: Vec<String>,
    directives: Option<String>,
}

impl Coff {
    pub(crate) fn new() -> Coff {
        Coff::default()
    }

    /// External functions defined in `.text`.
    pub(crate) fn define(mut self, names: &[&str]) -> Coff {
        self.text.extend(names.iter().map(|n| n.to_string()));
        self
    }

    /// An external function in its own COMDAT section, as C++ inline functions are.
    pub(crate) fn define_comdat(mut self, name: &str) -> Coff {
        self.sections.push(Section {
            name: format!(".text${name}"),
            kind: SectionKind::Text,
            data: vec![0xc3],
            defines: vec![name.to_owned()],
            comdat: true,
        });
        self
    }

    /// External names defined at the start of a section of its own (`.idata$5`, `.idata$7`, ...).
    pub(crate) fn define_in(mut self, section: &str, data: &[u8], names: &[&str]) -> Coff {
        self.sections.push(Section {
            name: section.to_owned(),
            kind: SectionKind::Data,
            data: data.to_vec(),
            defines: names.iter().map(|n| n.to_string()).collect(),
            comdat: false,
        });
        self
    }

    /// Names the object calls and does not define (`__imp_X` for a dllimport call).
    pub(crate) fn reference(mut self, names: &[&str]) -> Coff {
        self.references.extend(names.iter().map(|n| n.to_string()));
        self
    }

    /// The `.drectve` section, as a compiler writes it (`/DEFAULTLIB:msvcrt.lib /FAILIFMISMATCH:"k=v"`).
    pub(crate) fn directives(mut self, text: &str) -> Coff {
        self.directives = Some(text.to_owned());
        self
    }

    /// The object file's bytes.
    pub(crate) fn write(&self) -> Vec<u8> {
        let mut obj = Object::new(BinaryFormat::Coff, Architecture::X86_64, Endianness::Little);
        let text = obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
        let global = |name: &str, value: u64, section| Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size: 0,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section,
            flags: SymbolFlags::None,
        };
        for name in &self.text {
            let offset = obj.append_section_data(text, &[0xc3], 1);
            obj.add_symbol(global(name, offset, SymbolSection::Section(text)));
        }
        for s in &self.sections {
            let id = obj.add_section(Vec::new(), s.name.as_bytes().to_vec(), s.kind);
            obj.append_section_data(id, &s.data, 1);
            for name in &s.defines {
                let symbol = obj.add_symbol(global(name, 0, SymbolSection::Section(id)));
                if s.comdat {
                    // COFF names a COMDAT section by its section symbol (the aux record holds the selection).
                    obj.section_symbol(id);
                    obj.add_comdat(Comdat { kind: ComdatKind::Any, symbol, sections: vec![id] });
                }
            }
        }
        // Each reference is a `call rel32` against the name, so the object is what a compiler would write.
        for name in &self.references {
            let symbol = obj.add_symbol(global(name, 0, SymbolSection::Undefined));
            let offset = obj.append_section_data(text, &[0xe8, 0, 0, 0, 0], 1);
            let flags = RelocationFlags::Coff { typ: object::pe::IMAGE_REL_AMD64_REL32 };
            obj.add_relocation(text, Relocation { offset: offset + 1, symbol, addend: 0, flags })
                .expect("a REL32 relocation in .text");
        }
        if let Some(directives) = &self.directives {
            let id = obj.add_section(Vec::new(), b".drectve".to_vec(), SectionKind::Linker);
            obj.append_section_data(id, directives.as_bytes(), 1);
        }
        obj.write().expect("a COFF object")
    }
}

/// An object input named `name`, as `doctor` reads it.
pub(crate) fn object_input(name: &str, coff: &Coff) -> Input {
    crate::read_bytes(name, &coff.write()).expect("a COFF object reads back")
}

/// A static library (`lib.exe` format) of `(member name, bytes)`.
pub(crate) fn library<B: AsRef<[u8]>>(members: &[(&str, B)]) -> Vec<u8> {
    let members: Vec<NewArchiveMember<'_>> = members
        .iter()
        .map(|(name, bytes)| NewArchiveMember::new(bytes.as_ref(), &DEFAULT_OBJECT_READER, name.to_string()))
        .collect();
    let mut out = Cursor::new(Vec::new());
    write_archive_to_stream(&mut out, &members, ArchiveKind::Coff, false, None).expect("an archive");
    out.into_inner()
}

/// A library input named `name` holding `(member name, object)`.
pub(crate) fn library_input(name: &str, members: &[(&str, &Coff)]) -> Input {
    let written: Vec<(&str, Vec<u8>)> = members.iter().map(|(n, c)| (*n, c.write())).collect();
    crate::read_bytes(name, &library(&written)).expect("a library reads back")
}

/// A short-format import library for `dll` exporting the functions `functions`, as lib.exe and llvm-dlltool
/// write them.
pub(crate) fn import_library(dll: &str, functions: &[&str]) -> Vec<u8> {
    let exports: Vec<COFFShortExport> = functions
        .iter()
        .map(|f| COFFShortExport {
            name: f.to_string(),
            ext_name: None,
            symbol_name: None,
            import_name: None,
            export_as: None,
            ordinal: 0,
            noname: false,
            data: false,
            private: false,
            constant: false,
        })
        .collect();
    let mut out = Cursor::new(Vec::new());
    write_import_library(&mut out, dll, &exports, MachineTypes::AMD64, false, false, &[])
        .expect("an import library");
    out.into_inner()
}

/// A MinGW (long-format) import library for `dll`, as binutils' dlltool lays it out: a head member
/// (`_head_<lib>` in `.idata$2`, referencing `<lib>_iname`), one member per function (`__imp_X` in
/// `.idata$5` and the thunk `X`, referencing the head), and, when `tail`, the tail member whose `.idata$7`
/// holds the DLL name and defines `<lib>_iname`.
pub(crate) fn mingw_import_library(dll: &str, functions: &[&str], tail: bool) -> Vec<u8> {
    let stem = dll.split('.').next().unwrap_or(dll);
    let head = format!("_head_lib{stem}_a");
    let iname = format!("lib{stem}_a_iname");
    let mut members = vec![(
        "d000000.o".to_owned(),
        Coff::new().define_in(".idata$2", &[0; 20], &[&head]).reference(&[&iname]),
    )];
    for (i, f) in functions.iter().enumerate() {
        let member = Coff::new()
            .define(&[f])
            .define_in(".idata$5", &[0; 8], &[&format!("__imp_{f}")])
            .reference(&[&head]);
        members.push((format!("d{:06}.o", i + 1), member));
    }
    if tail {
        let name = format!("{dll}\0");
        members.push(("d999999.o".to_owned(), Coff::new().define_in(".idata$7", name.as_bytes(), &[&iname])));
    }
    let written: Vec<(&str, Vec<u8>)> = members.iter().map(|(n, c)| (n.as_str(), c.write())).collect();
    library(&written)
}

/// Findings as the text a test expects, every field shown: `error LNK2019 (lld-link: reports): title`, then
/// `  symbols: ...` when there are any, `  - evidence` and `  fix: ...` lines.
pub(crate) fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let lld = if f.lld_reports { "reports" } else { "silent" };
        let _ = writeln!(out, "{severity} {} (lld-link: {lld}): {}", f.code, f.title);
        if !f.symbols.is_empty() {
            let _ = writeln!(out, "  symbols: {}", f.symbols.join(", "));
        }
        for e in &f.evidence {
            let _ = writeln!(out, "  - {e}");
        }
        for fix in &f.fixes {
            let _ = writeln!(out, "  fix: {}", fix.text);
        }
    }
    out
}
