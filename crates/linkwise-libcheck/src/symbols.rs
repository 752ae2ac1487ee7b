//! What a library provides, read from its symbol table only (issue 14: fast enough to run on every build): an
//! archive's index (the `/` or `__.SYMDEF` member every librarian writes), a shared object's dynamic symbols,
//! a Mach-O text stub's symbol lists. No member is parsed: for a COFF archive, `__imp_X` in the index means an
//! import member for `X` (from a DLL), `X` in the same member its thunk (code; data exports have none), and `X`
//! in any other member a static definition.

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSection, ObjectSymbol};
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
    /// A static member defines `__imp_X` itself, a pointer to `X` (MinGW's compatibility shims do, such as
    /// libwinstorecompat.a's `TlsAlloc`): code reaching `__imp_X` links without any DLL.
    pub slot: bool,
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
    read_at_depth(path, names, 0)
}

/// How deep GNU ld scripts may name one another: glibc's nest one level; a cycle stops here, as an error.
const MAX_SCRIPT_DEPTH: usize = 8;

fn read_at_depth(path: &Path, names: Names<'_>, depth: usize) -> Result<Library, String> {
    if depth > MAX_SCRIPT_DEPTH {
        return Err(format!(
            "`{}`: linker scripts nested deeper than {MAX_SCRIPT_DEPTH} (a cycle?)",
            path.display()
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    // SAFETY: the map is only read, as every linker maps its inputs; a file truncated meanwhile can fault.
    let map =
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("cannot map `{}`: {e}", path.display()))?;
    read_bytes_at_depth(path, &map, names, depth)
}

/// [`read`] on bytes already in memory.
pub fn read_bytes(path: &Path, data: &[u8]) -> Result<Library, String> {
    read_bytes_names(path, data, Names::All)
}

/// [`read_names`] on bytes already in memory.
pub fn read_bytes_names(path: &Path, data: &[u8], wanted: Names<'_>) -> Result<Library, String> {
    read_bytes_at_depth(path, data, wanted, 0)
}

fn read_bytes_at_depth(path: &Path, data: &[u8], wanted: Names<'_>, depth: usize) -> Result<Library, String> {
    let shown = path.display();
    if data.starts_with(b"!<arch>\n") || data.starts_with(b"!<thin>\n") {
        let archive = ArchiveFile::parse(data).map_err(|e| format!("`{shown}`: not a valid library: {e}"))?;
        let symbols = archive.symbols().map_err(|e| format!("`{shown}`: not a valid library: {e}"))?;
        let Some(symbols) = symbols else {
            return Err(format!("`{shown}` has no symbol index: run `llvm-ranlib` (or `ar s`) on it"));
        };
        // Each name's members by offset: `__imp_X` and `X` in one member is an import with its thunk.
        let mut imports: HashMap<String, Vec<u64>> = HashMap::new();
        let mut plain: Vec<(String, u64)> = Vec::new();
        for symbol in symbols {
            let symbol = symbol.map_err(|e| format!("`{shown}`: {e}"))?;
            let Ok(name) = std::str::from_utf8(symbol.name()) else { continue };
            let offset = symbol.offset().0;
            match name.strip_prefix("__imp_") {
                Some(target) if wanted.keeps(target) => {
                    imports.entry(target.to_owned()).or_default().push(offset)
                }
                None if wanted.keeps(name) => plain.push((name.to_owned(), offset)),
                _ => {}
            }
        }
        let mut names: HashMap<String, Provides> = HashMap::new();
        // Which members defining `__imp_X` are import members: the index cannot tell an import from a static
        // member that defines the pointer itself, so those members (one per wanted name) are looked at.
        let mut import_members: Vec<(String, u64)> = Vec::new();
        for (target, offsets) in &imports {
            for &offset in offsets {
                let p = names.entry(target.clone()).or_default();
                match member_kind(&archive, data, offset) {
                    MemberKind::ShortImport { code } => {
                        p.import = true;
                        p.thunk |= code;
                        import_members.push((target.clone(), offset));
                    }
                    MemberKind::LongImport => {
                        p.import = true;
                        import_members.push((target.clone(), offset));
                    }
                    MemberKind::Static => p.slot = true,
                }
            }
        }
        for (name, offset) in plain {
            let p = names.entry(name.clone()).or_default();
            if import_members.iter().any(|(n, o)| *n == name && *o == offset) {
                // A long-format import member defines the thunk beside the slot.
                p.thunk = true;
            } else {
                p.static_def = true;
            }
        }
        return Ok(Library { path: path.to_owned(), file: LibraryFile::Archive, names });
    }
    if let Some(inputs) = linker_script_inputs(data, path.parent().unwrap_or(Path::new("."))) {
        // glibc's libc.so is a GNU ld script naming the real shared object and archives: their names together.
        let mut names: HashMap<String, Provides> = HashMap::new();
        let mut file = LibraryFile::Archive;
        for input in inputs {
            let lib = match read_at_depth(&input, wanted, depth + 1) {
                Ok(lib) => lib,
                Err(e) if e.contains("nested deeper") => return Err(e),
                Err(_) => continue,
            };
            if lib.file == LibraryFile::SharedObject {
                file = LibraryFile::SharedObject;
            }
            for (name, p) in lib.names {
                let e = names.entry(name).or_default();
                e.import |= p.import;
                e.thunk |= p.thunk;
                e.static_def |= p.static_def;
                e.shared |= p.shared;
                e.slot |= p.slot;
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

/// What an archive member defining `__imp_X` is.
enum MemberKind {
    /// A short import member (`IMPORT_OBJECT_HEADER`): `code` when it is a function's, which has a thunk.
    ShortImport { code: bool },
    /// A MinGW long-format import member (an object with `.idata$` sections).
    LongImport,
    /// Anything else: a static object defining the pointer itself.
    Static,
}

/// The kind of the member at `offset` of `archive` (over `data`); an unreadable member counts as an import, the
/// index's own word for it.
fn member_kind(archive: &ArchiveFile<'_>, data: &[u8], offset: u64) -> MemberKind {
    let Ok(member) = archive.member(object::read::archive::ArchiveOffset(offset)) else {
        return MemberKind::LongImport;
    };
    let Ok(bytes) = member.data(data) else { return MemberKind::LongImport };
    if bytes.starts_with(&[0, 0, 0xff, 0xff])
        && let Ok(import) = object::read::coff::ImportFile::parse(bytes)
    {
        return MemberKind::ShortImport {
            code: import.import_type() == object::read::coff::ImportType::Code,
        };
    }
    match object::File::parse(bytes) {
        Ok(file) if file.sections().any(|s| s.name().is_ok_and(|n| n.starts_with(".idata$"))) => {
            MemberKind::LongImport
        }
        Ok(_) => MemberKind::Static,
        Err(_) => MemberKind::LongImport,
    }
}

/// The files a GNU ld script (`GROUP ( /lib/x86_64-linux-gnu/libc.so.6 AS_NEEDED ( ... ) )`,
/// `INPUT(libncurses.so.6 -ltinfo)`) names, when `data` is one: absolute paths as written, relative ones and
/// `-lNAME` (`libNAME.so`, then `libNAME.a`) in the script's own directory `dir`, where ld finds them for a
/// script on its search path; `AS_NEEDED` and the other keywords are not files.
fn linker_script_inputs(data: &[u8], dir: &Path) -> Option<Vec<PathBuf>> {
    let head = &data[..data.len().min(4096)];
    let text = std::str::from_utf8(head).ok()?;
    if !(text.contains("GROUP") || text.contains("INPUT")) || text.contains('\0') {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    // Comments out: `/* GNU ld script ... */`.
    let mut code = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("/*") {
        code.push_str(&rest[..at]);
        rest = rest[at..].find("*/").map_or("", |end| &rest[at + end + 2..]);
    }
    code.push_str(rest);
    let mut inputs = Vec::new();
    for word in code.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',') {
        if word.is_empty() || matches!(word, "GROUP" | "INPUT" | "AS_NEEDED" | "OUTPUT_FORMAT" | "SEARCH_DIR")
        {
            continue;
        }
        if let Some(name) = word.strip_prefix("-l") {
            let so = dir.join(format!("lib{name}.so"));
            inputs.push(if so.is_file() { so } else { dir.join(format!("lib{name}.a")) });
        } else if word.starts_with('/') {
            inputs.push(PathBuf::from(word));
        } else if word.contains(".so") || word.ends_with(".a") {
            inputs.push(dir.join(word));
        }
    }
    Some(inputs)
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

    /// A short import library: `f` (code, with its thunk) and `data` (a DATA export, only the slot).
    fn import_library() -> Vec<u8> {
        use ar_archive_writer::{COFFShortExport, MachineTypes, write_import_library};
        let export = |name: &str, data: bool| COFFShortExport {
            name: name.to_owned(),
            ext_name: None,
            symbol_name: None,
            import_name: None,
            export_as: None,
            ordinal: 0,
            noname: false,
            data,
            private: false,
            constant: false,
        };
        let mut out = std::io::Cursor::new(Vec::new());
        write_import_library(
            &mut out,
            "v.dll",
            &[export("f", false), export("data", true)],
            MachineTypes::AMD64,
            false,
            false,
            &[],
        )
        .unwrap();
        out.into_inner()
    }

    /// Import members with and without their thunk, told apart by the member's header; a static member
    /// defining both `X` and the pointer `__imp_X` (MinGW's shims) is static, with the slot defined.
    #[test]
    fn archive_index_and_members_tell_imports_thunks_and_statics_apart() {
        let lib = read_bytes(Path::new("v.lib"), &import_library()).unwrap();
        let p = |lib: &Library, n: &str| lib.provides(n).unwrap();
        assert_eq!(p(&lib, "f"), Provides { import: true, thunk: true, ..Provides::default() });
        assert_eq!(p(&lib, "data"), Provides { import: true, ..Provides::default() });
        let statics = archive(&[("s.o", &["s"]), ("shim.o", &["shim", "__imp_shim"])]);
        let lib = read_bytes(Path::new("s.lib"), &statics).unwrap();
        assert_eq!(p(&lib, "s"), Provides { static_def: true, ..Provides::default() });
        assert_eq!(p(&lib, "shim"), Provides { static_def: true, slot: true, ..Provides::default() });
        assert_eq!(lib.provides("nothing"), None);
        // Only the names asked for are kept.
        let only: std::collections::HashSet<String> = ["s".to_owned()].into();
        let lib = read_bytes_names(Path::new("s.lib"), &statics, Names::Only(&only)).unwrap();
        assert_eq!(lib.names.len(), 1);
    }

    /// GNU ld scripts: comments, `AS_NEEDED`, relative names and `-lNAME` in the script's directory; a script
    /// naming itself is an error, not a stack overflow.
    #[test]
    fn linker_scripts_name_their_inputs() {
        let dir = std::env::temp_dir().join(format!("linkwise-ldscript-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("libtinfo.so"), b"").unwrap();
        let script = b"/* GNU ld script */\nINPUT(libncurses.so.6 -ltinfo AS_NEEDED ( /lib/x.so.1 ))\n";
        let inputs = linker_script_inputs(script, &dir).unwrap();
        assert_eq!(
            inputs,
            [dir.join("libncurses.so.6"), dir.join("libtinfo.so"), PathBuf::from("/lib/x.so.1")]
        );
        let looped = dir.join("libloop.so");
        std::fs::write(&looped, format!("INPUT( {} )\n", looped.display())).unwrap();
        let e = read(&looped).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
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
