//! What a library provides, read from its symbol table only (issue 14: fast enough to run on every build): an
//! archive's index (the `/` or `__.SYMDEF` member every librarian writes), a shared object's dynamic symbols,
//! a Mach-O text stub's symbol lists. No member is parsed: for a COFF archive, `__imp_X` in the index means an
//! import member for `X` (from a DLL), `X` in the same member its thunk (code; data exports have none), and `X`
//! in any other member a static definition.

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What kind of file a library is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibraryFile {
    /// An archive (`.lib`, `.a`, `.dll.a`): static members, import members, or both.
    Archive,
    /// An ELF shared object (`.so`).
    SharedObject,
    /// A Mach-O text stub (`.tbd`) or dynamic library.
    MachODylib,
}

/// How a library provides one name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Provides {
    /// An import member: the name comes from a DLL through `__imp_X`.
    pub import: bool,
    /// The import member also defines the thunk `X` (a code export); a data export has only the slot.
    pub thunk: bool,
    /// A static member defines `X` itself.
    pub static_def: bool,
    /// A shared library (ELF `.so`, Mach-O dylib) exports it.
    pub shared: bool,
}

/// One library's symbol table.
#[derive(Clone, Debug)]
pub struct Library {
    /// Where it was found.
    pub path: PathBuf,
    /// What kind of file it is.
    pub file: LibraryFile,
    /// Every name it provides, with how.
    pub names: HashMap<String, Provides>,
}

impl Library {
    /// How it provides `name` (the target-mangled name, without `__imp_`), if it does.
    pub fn provides(&self, name: &str) -> Option<Provides> {
        self.names.get(name).copied()
    }

    /// Whether every name it provides is an import (an import library, as llvm-dlltool or lib.exe /DEF write).
    pub fn is_import_library(&self) -> bool {
        !self.names.is_empty() && self.names.values().all(|p| p.import && !p.static_def)
    }
}

/// Which names to keep: all, or only those in the set (what a check looks up), so that scanning hundreds of
/// libraries for a few names allocates nothing for the rest.
#[derive(Clone, Copy)]
pub enum Names<'a> {
    /// Every name the library provides.
    All,
    /// Only these (target-mangled, without `__imp_`).
    Only(&'a std::collections::HashSet<String>),
}

impl Names<'_> {
    fn keeps(&self, name: &str) -> bool {
        match self {
            Names::All => true,
            Names::Only(set) => set.contains(name),
        }
    }
}

/// Reads the symbol table of the library at `path`.
pub fn read(path: &Path) -> Result<Library, String> {
    read_names(path, Names::All)
}

/// [`read`], keeping only the names `names` asks for.
pub fn read_names(path: &Path, names: Names<'_>) -> Result<Library, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    // SAFETY: the map is only read, as every linker maps its inputs; a file truncated meanwhile can fault.
    let map =
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("cannot map `{}`: {e}", path.display()))?;
    read_bytes_names(path, &map, names)
}

/// [`read`] on bytes already in memory.
pub fn read_bytes(path: &Path, data: &[u8]) -> Result<Library, String> {
    read_bytes_names(path, data, Names::All)
}

/// [`read_names`] on bytes already in memory.
pub fn read_bytes_names(path: &Path, data: &[u8], wanted: Names<'_>) -> Result<Library, String> {
    let shown = path.display();
    if data.starts_with(b"!<arch>\n") || data.starts_with(b"!<thin>\n") {
        let archive = ArchiveFile::parse(data).map_err(|e| format!("`{shown}`: not a valid library: {e}"))?;
        let symbols = archive.symbols().map_err(|e| format!("`{shown}`: not a valid library: {e}"))?;
        let Some(symbols) = symbols else {
            return Err(format!("`{shown}` has no symbol index: run `llvm-ranlib` (or `ar s`) on it"));
        };
        // Each name's members by offset: `__imp_X` and `X` in one member is an import with its thunk.
        let mut imports: HashMap<String, u64> = HashMap::new();
        let mut plain: Vec<(String, u64)> = Vec::new();
        for symbol in symbols {
            let symbol = symbol.map_err(|e| format!("`{shown}`: {e}"))?;
            let Ok(name) = std::str::from_utf8(symbol.name()) else { continue };
            let offset = symbol.offset().0;
            match name.strip_prefix("__imp_") {
                Some(target) if wanted.keeps(target) => {
                    imports.insert(target.to_owned(), offset);
                }
                None if wanted.keeps(name) => plain.push((name.to_owned(), offset)),
                _ => {}
            }
        }
        let mut names: HashMap<String, Provides> = HashMap::new();
        for target in imports.keys() {
            names.entry(target.clone()).or_default().import = true;
        }
        for (name, offset) in plain {
            let p = names.entry(name.clone()).or_default();
            if imports.get(&name) == Some(&offset) {
                p.thunk = true;
            } else {
                p.static_def = true;
            }
        }
        return Ok(Library { path: path.to_owned(), file: LibraryFile::Archive, names });
    }
    if let Some(inputs) = linker_script_inputs(data) {
        // glibc's libc.so is a GNU ld script naming the real shared object and archives: their names together.
        let mut names: HashMap<String, Provides> = HashMap::new();
        let mut file = LibraryFile::Archive;
        for input in inputs {
            let Ok(lib) = read_names(&input, wanted) else { continue };
            if lib.file == LibraryFile::SharedObject {
                file = LibraryFile::SharedObject;
            }
            for (name, p) in lib.names {
                let e = names.entry(name).or_default();
                e.import |= p.import;
                e.thunk |= p.thunk;
                e.static_def |= p.static_def;
                e.shared |= p.shared;
            }
        }
        return Ok(Library { path: path.to_owned(), file, names });
    }
    if data.starts_with(b"--- !tapi-tbd") || data.starts_with(b"---") {
        return Ok(Library {
            path: path.to_owned(),
            file: LibraryFile::MachODylib,
            names: tbd_symbols(data),
        });
    }
    let object =
        object::File::parse(data).map_err(|e| format!("`{shown}` is not a library doctor can read: {e}"))?;
    let symbols: Vec<_> = match object.format() {
        object::BinaryFormat::Elf => object.dynamic_symbols().collect(),
        object::BinaryFormat::MachO => object.symbols().collect(),
        _ => return Err(format!("`{shown}` is not an archive, a shared object or a text stub")),
    };
    let mut names = HashMap::new();
    for symbol in symbols {
        if symbol.is_undefined() || !symbol.is_global() {
            continue;
        }
        if let Ok(name) = symbol.name()
            && wanted.keeps(name)
        {
            names.insert(name.to_owned(), Provides { shared: true, ..Provides::default() });
        }
    }
    let file = if object.format() == object::BinaryFormat::Elf {
        LibraryFile::SharedObject
    } else {
        LibraryFile::MachODylib
    };
    Ok(Library { path: path.to_owned(), file, names })
}

/// The files a GNU ld script (`GROUP ( /lib/x86_64-linux-gnu/libc.so.6 ... )`, `INPUT(...)`) names, when `data`
/// is one: the absolute paths among its words.
fn linker_script_inputs(data: &[u8]) -> Option<Vec<PathBuf>> {
    let head = &data[..data.len().min(4096)];
    let text = std::str::from_utf8(head).ok()?;
    if !(text.contains("GROUP") || text.contains("INPUT")) || text.contains('\0') {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    Some(
        text.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|w| w.starts_with('/') && !w.starts_with("/*"))
            .map(PathBuf::from)
            .collect(),
    )
}

/// The names a `.tbd` text stub exports: every entry of its `symbols:` (and `weak-symbols:`) lists, which
/// TAPI writes as flow sequences (`symbols: [ _a, _b ]`) that may run over several lines.
fn tbd_symbols(data: &[u8]) -> HashMap<String, Provides> {
    let text = String::from_utf8_lossy(data);
    let mut names = HashMap::new();
    let mut rest = text.as_ref();
    while let Some(at) = rest.find("symbols:") {
        rest = &rest[at + "symbols:".len()..];
        let Some(open) = rest.find('[') else { break };
        let Some(close) = rest[open..].find(']') else { break };
        for name in rest[open + 1..open + close].split(',') {
            let name = name.trim().trim_matches(['\'', '"']);
            if !name.is_empty() {
                names.insert(name.to_owned(), Provides { shared: true, ..Provides::default() });
            }
        }
        rest = &rest[open + close..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use ar_archive_writer::{ArchiveKind, DEFAULT_OBJECT_READER, NewArchiveMember, write_archive_to_stream};
    use object::write::{Object, Symbol, SymbolSection};
    use object::{Architecture, BinaryFormat, Endianness, SectionKind, SymbolFlags, SymbolKind, SymbolScope};

    /// A COFF x64 object defining `names` in `.text`.
    fn object(names: &[&str]) -> Vec<u8> {
        let mut obj = Object::new(BinaryFormat::Coff, Architecture::X86_64, Endianness::Little);
        let text = obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
        for name in names {
            let offset = obj.append_section_data(text, &[0xc3], 1);
            obj.add_symbol(Symbol {
                name: name.as_bytes().to_vec(),
                value: offset,
                size: 0,
                kind: SymbolKind::Text,
                scope: SymbolScope::Linkage,
                weak: false,
                section: SymbolSection::Section(text),
                flags: SymbolFlags::None,
            });
        }
        obj.write().unwrap()
    }

    /// An archive (lib.exe's format, with its index) of members defining the given names.
    fn archive(members: &[(&str, &[&str])]) -> Vec<u8> {
        let bytes: Vec<(String, Vec<u8>)> = members.iter().map(|(n, s)| (n.to_string(), object(s))).collect();
        let new: Vec<NewArchiveMember<'_>> = bytes
            .iter()
            .map(|(n, b)| NewArchiveMember::new(b.as_slice(), &DEFAULT_OBJECT_READER, n.clone()))
            .collect();
        let mut out = std::io::Cursor::new(Vec::new());
        write_archive_to_stream(&mut out, &new, ArchiveKind::Coff, false, None).unwrap();
        out.into_inner()
    }

    /// An import member with its thunk, a data import, a static definition, and a name both ways.
    #[test]
    fn archive_index_tells_imports_thunks_and_statics_apart() {
        let bytes = archive(&[
            ("f.o", &["__imp_f", "f"]),
            ("d.o", &["__imp_data"]),
            ("s.o", &["s"]),
            ("both_imp.o", &["__imp_both"]),
            ("both_static.o", &["both"]),
        ]);
        let lib = read_bytes(Path::new("x.lib"), &bytes).unwrap();
        let p = |n: &str| lib.provides(n).unwrap();
        assert_eq!(p("f"), Provides { import: true, thunk: true, ..Provides::default() });
        assert_eq!(p("data"), Provides { import: true, ..Provides::default() });
        assert_eq!(p("s"), Provides { static_def: true, ..Provides::default() });
        assert_eq!(p("both"), Provides { import: true, static_def: true, ..Provides::default() });
        assert!(!lib.is_import_library());
        assert_eq!(lib.provides("nothing"), None);
    }

    #[test]
    fn text_stub_symbol_lists() {
        let tbd = b"--- !tapi-tbd\ntbd-version: 4\nexports:\n  - targets: [ x86_64-macos ]\n    symbols: [ _puts,\n      _exit ]\n    weak-symbols: [ _w ]\n...\n";
        let lib = read_bytes(Path::new("libSystem.tbd"), tbd).unwrap();
        let mut names: Vec<&String> = lib.names.keys().collect();
        names.sort();
        assert_eq!(names, ["_exit", "_puts", "_w"]);
    }
}
