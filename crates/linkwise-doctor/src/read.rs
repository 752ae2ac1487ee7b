//! Reading inputs into facts: for every object (given directly or inside a library) what it defines, what it
//! references directly and through `__imp_`, its linker directives, and for import library members which DLL
//! and symbol they stand for. Inputs are memory-mapped and members are parsed one at a time, so a library of
//! hundreds of megabytes is never copied into memory.

use object::read::archive::ArchiveFile;
use object::read::coff::ImportFile;
use object::{
    Object, ObjectSection, ObjectSymbol, RelocationTarget, SectionFlags, SymbolIndex, SymbolKind,
    SymbolSection,
};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// One linker directive from a `.drectve` section (or the command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `/DEFAULTLIB:name`
    DefaultLib(String),
    /// `/NODEFAULTLIB` (all) or `/NODEFAULTLIB:name`.
    NoDefaultLib(Option<String>),
    /// `/FAILIFMISMATCH:"key=value"`
    FailIfMismatch(String, String),
    /// Anything else, kept as written (`/EXPORT:...`, `/INCLUDE:...`, ...).
    Other(String),
}

/// The directive as the linker spells it (`/DEFAULTLIB:libcmt.lib`, `/FAILIFMISMATCH:"key=value"`): what a
/// user can search for in a build log, and what the JSON report carries (issue 12: not Rust debug text).
impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Directive::DefaultLib(lib) => write!(f, "/DEFAULTLIB:{lib}"),
            Directive::NoDefaultLib(None) => f.write_str("/NODEFAULTLIB"),
            Directive::NoDefaultLib(Some(lib)) => write!(f, "/NODEFAULTLIB:{lib}"),
            // Quoted as compilers write it in `.drectve` (`#pragma detect_mismatch`).
            Directive::FailIfMismatch(key, value) => write!(f, "/FAILIFMISMATCH:\"{key}={value}\""),
            Directive::Other(text) => f.write_str(text),
        }
    }
}

/// Where an object refers to an undefined symbol: the symbol whose range holds the relocation, found as
/// lld-link finds the `(function)` of its `>>> referenced by file.obj:(function)` line (the symbol defined in
/// the relocation's section with the greatest value not above the relocation's offset; static symbols,
/// labels and section symbols count too, so a reference from `.data` may name `.data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The enclosing symbol's name (`lib_lower`, `helper`, `ptr`, `.data`).
    pub symbol: String,
    /// Whether that symbol is a function (COFF type `0x20`): link.exe's LNK2019 names it "in function";
    /// a reference from data is LNK2001, which names none.
    pub function: bool,
}

/// A COFF machine type (`IMAGE_FILE_MACHINE_*`, the object's or import member's header field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Machine(pub u16);

impl Machine {
    /// The machine `/MACHINE:NAME` names, in any case (`i386` is x86 and `amd64` x64, as link.exe takes
    /// them), or `None` for a name it does not know.
    pub fn from_option(name: &str) -> Option<Machine> {
        use object::pe;
        let machine = match name.to_ascii_lowercase().as_str() {
            "x64" | "amd64" => pe::IMAGE_FILE_MACHINE_AMD64,
            "x86" | "i386" => pe::IMAGE_FILE_MACHINE_I386,
            "arm64" => pe::IMAGE_FILE_MACHINE_ARM64,
            "arm" => pe::IMAGE_FILE_MACHINE_ARMNT,
            "arm64ec" => pe::IMAGE_FILE_MACHINE_ARM64EC,
            "arm64x" => pe::IMAGE_FILE_MACHINE_ARM64X,
            _ => return None,
        };
        Some(Self(machine.0))
    }

    /// How lld-link names it in "machine type x64 conflicts with arm64" (and in `/MACHINE:`), lower case.
    pub fn lld_name(self) -> String {
        match self.0 {
            m if m == object::pe::IMAGE_FILE_MACHINE_AMD64.0 => "x64".to_owned(),
            m if m == object::pe::IMAGE_FILE_MACHINE_I386.0 => "x86".to_owned(),
            m if m == object::pe::IMAGE_FILE_MACHINE_ARM64.0 => "arm64".to_owned(),
            m if m == object::pe::IMAGE_FILE_MACHINE_ARMNT.0 => "arm".to_owned(),
            m if m == object::pe::IMAGE_FILE_MACHINE_ARM64EC.0 => "arm64ec".to_owned(),
            m if m == object::pe::IMAGE_FILE_MACHINE_ARM64X.0 => "arm64x".to_owned(),
            other => format!("0x{other:x}"),
        }
    }

    /// How link.exe names it in LNK1112 ("module machine type 'ARM64' conflicts with target machine type
    /// 'x64'").
    pub fn link_exe_name(self) -> String {
        match self.0 {
            m if m == object::pe::IMAGE_FILE_MACHINE_AMD64.0 => "x64".to_owned(),
            m if m == object::pe::IMAGE_FILE_MACHINE_I386.0 => "x86".to_owned(),
            _ => self.lld_name().to_ascii_uppercase(),
        }
    }

    /// Whether a link for `self` accepts a module for `other`. ARM64EC and ARM64X links take x64 and arm64
    /// code by design; doctor does not model them further and treats them as compatible with both.
    pub fn accepts(self, other: Machine) -> bool {
        use object::pe::{IMAGE_FILE_MACHINE_ARM64EC, IMAGE_FILE_MACHINE_ARM64X};
        let hybrid = |m: Machine| m.0 == IMAGE_FILE_MACHINE_ARM64EC.0 || m.0 == IMAGE_FILE_MACHINE_ARM64X.0;
        self == other || hybrid(self) || hybrid(other)
    }
}

/// What one object (or import member) contributes to a link.
#[derive(Clone, Debug, Default)]
pub struct Member {
    /// `lib.lib(member.obj)` or `file.obj`: how findings name it.
    pub name: String,
    /// External symbols it defines (for an import member: `__imp_X`, and `X` for code).
    pub defines: Vec<String>,
    /// External symbols it references without defining them.
    pub references: Vec<String>,
    /// Its `.drectve` directives.
    pub directives: Vec<Directive>,
    /// For an import library member: the DLL and the symbol it stands for.
    pub import: Option<Import>,
    /// Definitions in COMDAT sections, which may be defined again elsewhere without conflict.
    pub comdat: Vec<String>,
    /// For each of [`references`](Member::references) (same index): where the object refers to it, one
    /// [`Site`] per enclosing symbol in relocation order, each once. Empty when no relocation names it.
    pub referenced_in: Vec<Vec<Site>>,
    /// The machine its header names; `None` for `IMAGE_FILE_MACHINE_UNKNOWN` (0), which links anywhere.
    pub machine: Option<Machine>,
    /// For each of [`references`](Member::references) (same index): the relocations against it that a MinGW
    /// link would have to patch at run time, should the name turn out to be DLL data reached by auto-import.
    pub pseudo_relocs: Vec<PseudoRelocs>,
    /// The DLL name a MinGW import library's tail member holds in `.idata$7` (read to fill in
    /// [`Import::dll`] of the library's other members).
    pub(crate) idata_dll_name: Option<String>,
}

/// One object's relocations against one undefined name, sorted by what a MinGW runtime pseudo relocation can
/// do with them (lld/COFF `SectionChunk::getRuntimePseudoRelocs`): the relocator adds the distance between an
/// import slot and the name to the relocated field, so fields holding an absolute address or a plain relative
/// offset of 32 or 64 bits can be patched and nothing else. Relocations in discardable sections (debug
/// information) are not counted, since nothing patches them at run time, and neither is the one relocation of
/// a `.refptr.X` pointer (clang's and GCC's indirection for external data), which ld.lld replaces by the import
/// slot itself when `X` is auto-imported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PseudoRelocs {
    /// Fields of 32 bits (`IMAGE_REL_AMD64_REL32`, `ADDR32`, `IMAGE_REL_ARM64_ADDR32`, ...): too narrow for
    /// an address on a 64-bit machine, so ld.lld warns.
    pub bits32: u32,
    /// Fields of 64 bits (`IMAGE_REL_AMD64_ADDR64`, `IMAGE_REL_ARM64_ADDR64`).
    pub bits64: u32,
    /// Relocation types no pseudo relocation can patch (`IMAGE_REL_ARM64_PAGEBASE_REL21`, ...), by name, one
    /// per relocation in the order met (ld.lld reports each).
    pub unsupported: Vec<String>,
}

impl PseudoRelocs {
    /// Whether a runtime pseudo relocation would be written for any of them.
    pub fn any(&self) -> bool {
        self.bits32 + self.bits64 > 0
    }
}

/// What an import library member stands for: a symbol exported by a DLL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The DLL, when the library says: a short import member names it; a MinGW long-format member reaches it
    /// through its head and tail members, and a library missing those leaves it unknown.
    pub dll: Option<String>,
    /// The symbol imported (`X` of `__imp_X`).
    pub symbol: String,
}

/// One input file.
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as given.
    pub path: String,
    /// A library (searched lazily) or an object (always linked).
    pub is_library: bool,
    /// Its objects: one for an object file, the members for a library.
    pub members: Vec<Member>,
}

/// Reads one input file: an object, a static library, or an import library (short or long import format).
pub fn read_file(path: &Path) -> Result<Input, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError {
        kind: ReadErrorKind::Io,
        message: format!("cannot open `{}`: {e}", path.display()),
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(ReadError {
            kind: ReadErrorKind::Io,
            message: format!("`{}` is a directory, not an object or library", path.display()),
        });
    }
    // SAFETY: the map is only read; if another process truncates the file meanwhile, reads may fault, the
    // same risk every linker that maps its inputs accepts.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| ReadError {
        kind: ReadErrorKind::Io,
        message: format!("cannot map `{}`: {e}", path.display()),
    })?;
    read_bytes(&path.display().to_string(), &map)
}

/// Why an input could not be read: its message is the one `linkwise doctor` prints (after `error: `).
/// `#[non_exhaustive]`, as its kinds may grow (docs/api.md "API stability").
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadError {
    /// What went wrong, broadly.
    pub kind: ReadErrorKind,
    /// The whole message, naming the file (and member).
    pub message: String,
}

/// The broad reason of a [`ReadError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// The file could not be opened or mapped, or is a directory.
    Io,
    /// The file (or a library member) is not something doctor reads: another platform's object, a damaged
    /// library, an unknown format.
    Format,
}

impl ReadError {
    fn format(message: String) -> ReadError {
        ReadError { kind: ReadErrorKind::Format, message }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

impl From<ReadError> for String {
    fn from(e: ReadError) -> String {
        e.message
    }
}

/// Reads an input from bytes (`name` is used in findings).
pub fn read_bytes(name: &str, data: &[u8]) -> Result<Input, ReadError> {
    read_bytes_text(name, data).map_err(ReadError::format)
}

/// [`read_bytes`], its error as text.
fn read_bytes_text(name: &str, data: &[u8]) -> Result<Input, String> {
    if data.starts_with(b"!<arch>\n") || data.starts_with(b"!<thin>\n") {
        let archive = ArchiveFile::parse(data).map_err(|e| format!("`{name}`: not a valid library: {e}"))?;
        // `parse` records where the symbol table (the linker member) lies without checking that it fits in the
        // file; a library whose first member runs past the end would otherwise read as empty. lld-link rejects
        // such a file ("truncated or malformed archive"), and so must the prediction.
        archive.symbols().map_err(|e| format!("`{name}`: not a valid library: {e}"))?;
        let mut members = Vec::new();
        // Members doctor cannot read: another platform's objects, or formats it does not know (LLVM bitcode
        // from -flto, an anonymous /GL object, text). Each may define what the link needs, so a prediction
        // without them would be false reassurance (issue 12: an archive of ELF objects read as "0 members ...
        // no problems found"); all are named in one error.
        let mut unreadable: Vec<(String, &'static str)> = Vec::new();
        for member in archive.members() {
            let member = member.map_err(|e| format!("`{name}`: {e}"))?;
            // Librarians store the object's path as given (llvm-lib: `/tmp/x/vendor.obj`, lib.exe:
            // `x64\Release\vendor.obj`); name the member by its file name, as lld-link's messages do.
            let stored = String::from_utf8_lossy(member.name());
            let member_name = stored.rsplit(['/', '\\']).next().unwrap_or(&stored).to_owned();
            let bytes = member.data(data).map_err(|e| format!("`{name}({member_name})`: {e}"))?;
            let label = format!("{name}({member_name})");
            match read_member(&label, bytes) {
                Some(m) => members.push(m),
                None => unreadable
                    .push((member_name, foreign_format(bytes).unwrap_or_else(|| unknown_format(bytes)))),
            }
        }
        if let Some(message) = unreadable_members(name, &unreadable) {
            return Err(message);
        }
        resolve_long_import_dlls(&mut members);
        return Ok(Input { path: name.to_owned(), is_library: true, members });
    }
    let member = read_member(name, data).ok_or_else(|| match foreign_format(data) {
        Some(what) => not_coff(name, what),
        None => format!("`{name}` is not a COFF object or library ({})", unknown_format(data)),
    })?;
    Ok(Input { path: name.to_owned(), is_library: false, members: vec![member] })
}

/// What a file of another platform is, when it is one: doctor reads COFF only, and "not a COFF object" would
/// wrongly suggest a damaged file.
fn foreign_format(data: &[u8]) -> Option<&'static str> {
    use object::FileKind;
    match FileKind::parse(data).ok()? {
        FileKind::Elf32 | FileKind::Elf64 => Some("an ELF object"),
        FileKind::MachO32 | FileKind::MachO64 | FileKind::MachOFat32 | FileKind::MachOFat64 => {
            Some("a Mach-O object")
        }
        FileKind::Pe32 | FileKind::Pe64 => Some("a PE image (an executable or DLL), not an object"),
        _ => None,
    }
}

/// What an unreadable file looks like, for the error: the formats a Windows build meets that doctor cannot
/// read, else "an unknown format".
fn unknown_format(data: &[u8]) -> &'static str {
    if data.starts_with(b"BC\xc0\xde") || data.starts_with(&[0xde, 0xc0, 0x17, 0x0b]) {
        "LLVM bitcode: an object built with -flto, which only the linker's LTO reads"
    } else if data.len() >= 8 && data[..4] == [0, 0, 0xff, 0xff] {
        // An anonymous object header that is no import member: MSVC's /GL (link-time code generation) objects.
        "an anonymous COFF object (cl /GL link-time code generation), which only link.exe reads"
    } else if data.is_empty() {
        "an empty file"
    } else {
        "an unknown format"
    }
}

/// The error for a library with members doctor cannot read: each named with what it is (the first few,
/// then a count), or `None` when there are none.
fn unreadable_members(library: &str, unreadable: &[(String, &'static str)]) -> Option<String> {
    const SHOWN: usize = 5;
    let ((first, _), _) = unreadable.split_first()?;
    let all_foreign = unreadable.iter().all(|(_, w)| w.starts_with("an ELF") || w.starts_with("a Mach-O"));
    if unreadable.len() == 1 {
        let (_, what) = &unreadable[0];
        return Some(if all_foreign {
            not_coff(&format!("{library}({first})"), what)
        } else {
            format!(
                "`{library}({first})` is {what}: doctor reads COFF objects and import members only, and cannot predict a link without it"
            )
        });
    }
    let mut listed: Vec<String> =
        unreadable.iter().take(SHOWN).map(|(m, what)| format!("`{library}({m})` ({what})")).collect();
    if unreadable.len() > SHOWN {
        listed.push(format!("and {} more", unreadable.len() - SHOWN));
    }
    let reason = if all_foreign {
        "doctor models COFF (Windows) links only, with COFF objects, static libraries and import libraries as inputs"
    } else {
        "doctor reads COFF objects and import members only, and cannot predict a link without them"
    };
    Some(format!(
        "`{library}` has {} members that are not COFF objects: {}; {reason}",
        unreadable.len(),
        listed.join(", ")
    ))
}

fn not_coff(name: &str, what: &str) -> String {
    format!(
        "`{name}` is {what}: doctor models COFF (Windows) links only, with COFF objects, static libraries and \
         import libraries as inputs"
    )
}

fn read_member(name: &str, data: &[u8]) -> Option<Member> {
    // Short import format: IMPORT_OBJECT_HEADER starts with Sig1 = 0, Sig2 = 0xffff.
    if data.len() >= 4 && data[..4] == [0, 0, 0xff, 0xff] {
        let import = ImportFile::parse(data).ok()?;
        let dll = String::from_utf8_lossy(import.dll()).into_owned();
        let symbol = String::from_utf8_lossy(import.symbol()).into_owned();
        let mut defines = vec![format!("__imp_{symbol}")];
        if import.import_type() == object::read::coff::ImportType::Code {
            defines.push(symbol.clone());
        }
        return Some(Member {
            name: name.to_owned(),
            defines,
            machine: header_machine(data, 6),
            // An empty DLL name says nothing about the DLL: unknown, as for a long-format member without a tail.
            import: Some(Import { dll: (!dll.is_empty()).then_some(dll), symbol }),
            ..Member::default()
        });
    }
    let file = object::File::parse(data).ok()?;
    if !matches!(file.format(), object::BinaryFormat::Coff) {
        return None;
    }
    // A big-object (`/bigobj`) header starts like an import header and keeps its machine at offset 6.
    let machine_offset = if data.starts_with(&[0, 0, 0xff, 0xff]) { 6 } else { 0 };
    let mut m =
        Member { name: name.to_owned(), machine: header_machine(data, machine_offset), ..Member::default() };
    // The symbol-table index of each undefined reference, to find its relocations.
    let mut undefined: HashMap<SymbolIndex, usize> = HashMap::new();
    for symbol in file.symbols() {
        if !symbol.is_global() {
            continue;
        }
        let Ok(sym_name) = symbol.name() else { continue };
        match symbol.section() {
            SymbolSection::Undefined => {
                undefined.insert(symbol.index(), m.references.len());
                m.references.push(sym_name.to_owned());
            }
            SymbolSection::Section(index) => {
                m.defines.push(sym_name.to_owned());
                let comdat = file.section_by_index(index).is_ok_and(|s| {
                    matches!(s.flags(), SectionFlags::Coff { characteristics } if characteristics.contains(object::pe::IMAGE_SCN_LNK_COMDAT))
                });
                if comdat {
                    m.comdat.push(sym_name.to_owned());
                }
            }
            // Common and absolute symbols are definitions too; weak externals have a fallback.
            _ => m.defines.push(sym_name.to_owned()),
        }
    }
    (m.referenced_in, m.pseudo_relocs) = reference_sites(&file, &undefined, &m.references, m.machine);
    if let Some(section) = file.section_by_name(".drectve")
        && let Ok(bytes) = section.data()
    {
        m.directives = parse_directives(&String::from_utf8_lossy(bytes));
    }
    if let Some(section) = file.section_by_name(".idata$7") {
        let bytes = section.data().unwrap_or(&[]);
        let text: Vec<u8> = bytes.iter().copied().take_while(|&b| b != 0).collect();
        if !text.is_empty() && text.iter().all(|b| b.is_ascii_graphic()) {
            m.idata_dll_name = Some(String::from_utf8_lossy(&text).into_owned());
        }
    }
    // A MinGW (long format) import member defines `__imp_X` in an `.idata$` section; its DLL is found later.
    if let Some(imp) = m.defines.iter().find(|d| d.starts_with("__imp_"))
        && file.sections().any(|s| s.name().is_ok_and(|n| n.starts_with(".idata$")))
    {
        let symbol = imp.trim_start_matches("__imp_").to_owned();
        m.import = Some(Import { dll: None, symbol });
    }
    Some(m)
}

/// The machine field of a COFF or import header at `offset`; `None` when absent or unknown (0).
fn header_machine(data: &[u8], offset: usize) -> Option<Machine> {
    let bytes = data.get(offset..offset + 2)?;
    let machine = u16::from_le_bytes([bytes[0], bytes[1]]);
    (machine != object::pe::IMAGE_FILE_MACHINE_UNKNOWN.0).then_some(Machine(machine))
}

/// For each undefined reference (by symbol index → position in `references`), the symbols enclosing the
/// relocations that name it, in section and relocation order, each once (lld-link's `>>> referenced by`
/// lines; issue 12 item 5), and what a runtime pseudo relocation could do with those relocations (MinGW
/// auto-import, [`PseudoRelocs`]). Only sections holding such a relocation have their symbols sorted.
fn reference_sites(
    file: &object::File<'_>,
    undefined: &HashMap<SymbolIndex, usize>,
    names: &[String],
    machine: Option<Machine>,
) -> (Vec<Vec<Site>>, Vec<PseudoRelocs>) {
    let count = names.len();
    let mut sites: Vec<Vec<Site>> = vec![Vec::new(); count];
    let mut pseudo: Vec<PseudoRelocs> = vec![PseudoRelocs::default(); count];
    if undefined.is_empty() {
        return (sites, pseudo);
    }
    // Every defined symbol by section, in symbol-table order: (value, table order, name, function).
    let mut by_section: HashMap<object::SectionIndex, Vec<(u64, usize, String, bool)>> = HashMap::new();
    // The sections holding a `.refptr.X` pointer, by the X it points at.
    let mut refptrs: HashMap<object::SectionIndex, String> = HashMap::new();
    let mut sorted = false;
    let word: u64 = if machine == Machine::from_option("x86") { 4 } else { 8 };
    for section in file.sections() {
        let hits: Vec<(u64, usize, object::pe::RelocationType)> = section
            .relocations()
            .filter_map(|(offset, r)| match r.target() {
                RelocationTarget::Symbol(index) => undefined.get(&index).map(|&i| {
                    let typ = match r.flags() {
                        object::RelocationFlags::Coff { typ } => typ,
                        _ => object::pe::RelocationType(0),
                    };
                    (offset, i, typ)
                }),
                _ => None,
            })
            .collect();
        if hits.is_empty() {
            continue;
        }
        if !sorted {
            for (order, symbol) in file.symbols().enumerate() {
                let SymbolSection::Section(index) = symbol.section() else { continue };
                let Ok(name) = symbol.name() else { continue };
                if symbol.is_global()
                    && let Some(target) = name.strip_prefix(".refptr.")
                {
                    refptrs.insert(index, target.to_owned());
                }
                by_section.entry(index).or_default().push((
                    symbol.address(),
                    order,
                    name.to_owned(),
                    symbol.kind() == SymbolKind::Text,
                ));
            }
            for symbols in by_section.values_mut() {
                symbols.sort_by_key(|&(value, order, _, _)| (value, order));
            }
            sorted = true;
        }
        let discardable = matches!(section.flags(), SectionFlags::Coff { characteristics }
            if characteristics.0 & object::pe::IMAGE_SCN_MEM_DISCARDABLE.0 != 0);
        // ld.lld drops a `.refptr.X` section of one pointer-sized relocation against X when X is auto-imported.
        let refptr_of = refptrs
            .get(&section.index())
            .filter(|_| section.size() == word && section.relocations().count() == 1);
        let symbols = by_section.get(&section.index()).map(Vec::as_slice).unwrap_or(&[]);
        for (offset, reference, typ) in hits {
            let replaced = refptr_of.is_some_and(|x| names.get(reference) == Some(x));
            if !discardable && !replaced {
                let p = &mut pseudo[reference];
                match pseudo_reloc_bits(machine, typ) {
                    32 => p.bits32 += 1,
                    64 => p.bits64 += 1,
                    _ => p.unsupported.push(reloc_type_name(machine, typ)),
                }
            }
            // The last symbol at or below the offset; of several at one value, the later in the table, as
            // lld-link picks (so a function wins over its section's symbol at offset 0).
            let at = symbols.partition_point(|&(value, _, _, _)| value <= offset);
            let Some((_, _, name, function)) = at.checked_sub(1).map(|i| &symbols[i]) else { continue };
            let site = Site { symbol: name.clone(), function: *function };
            if !sites[reference].contains(&site) {
                sites[reference].push(site);
            }
        }
    }
    (sites, pseudo)
}

/// The width of the field a relocation of type `typ` holds, when a runtime pseudo relocation can patch it (an
/// absolute address or a plain relative offset), else 0: lld/COFF `getRuntimePseudoRelocSize`'s table.
fn pseudo_reloc_bits(machine: Option<Machine>, typ: object::pe::RelocationType) -> u32 {
    use object::pe::*;
    let machine = machine.map_or(0, |m| m.0);
    if machine == IMAGE_FILE_MACHINE_AMD64.0 {
        match typ {
            IMAGE_REL_AMD64_ADDR64 => 64,
            IMAGE_REL_AMD64_ADDR32
            | IMAGE_REL_AMD64_REL32
            | IMAGE_REL_AMD64_REL32_1
            | IMAGE_REL_AMD64_REL32_2
            | IMAGE_REL_AMD64_REL32_3
            | IMAGE_REL_AMD64_REL32_4
            | IMAGE_REL_AMD64_REL32_5 => 32,
            _ => 0,
        }
    } else if machine == IMAGE_FILE_MACHINE_I386.0 {
        if matches!(typ, IMAGE_REL_I386_DIR32 | IMAGE_REL_I386_REL32) { 32 } else { 0 }
    } else if machine == IMAGE_FILE_MACHINE_ARM64.0 {
        match typ {
            IMAGE_REL_ARM64_ADDR64 => 64,
            IMAGE_REL_ARM64_ADDR32 => 32,
            _ => 0,
        }
    } else if machine == IMAGE_FILE_MACHINE_ARMNT.0 {
        if typ == IMAGE_REL_ARM_ADDR32 { 32 } else { 0 }
    } else {
        0
    }
}

/// A COFF relocation type's name as lld prints it (`IMAGE_REL_ARM64_PAGEBASE_REL21`), from `object`'s tables.
fn reloc_type_name(machine: Option<Machine>, typ: object::pe::RelocationType) -> String {
    use object::pe::*;
    let machine = machine.map_or(0, |m| m.0);
    let names = if machine == IMAGE_FILE_MACHINE_AMD64.0 {
        Some(&NAMES_IMAGE_REL_AMD64)
    } else if machine == IMAGE_FILE_MACHINE_I386.0 {
        Some(&NAMES_IMAGE_REL_I386)
    } else if machine == IMAGE_FILE_MACHINE_ARM64.0 {
        Some(&NAMES_IMAGE_REL_ARM64)
    } else if machine == IMAGE_FILE_MACHINE_ARMNT.0 {
        Some(&NAMES_IMAGE_REL_ARM)
    } else {
        None
    };
    match names.and_then(|n| n.name(typ)) {
        Some(name) => name.to_owned(),
        None => format!("relocation type 0x{:x}", typ.0),
    }
}

/// Splits a directive string (space-separated, double quotes group) into directives.
pub(crate) fn parse_directives(text: &str) -> Vec<Directive> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    args.push(std::mem::take(&mut current));
                }
            }
            '\0' => {}
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        args.push(current);
    }
    args.into_iter().map(|a| parse_directive(&a)).collect()
}

/// One `/OPTION[:value]` (or `-option`), option names case-insensitive as link.exe takes them.
pub fn parse_directive(arg: &str) -> Directive {
    let body = arg.trim_start_matches(['/', '-']);
    let (option, value) = match body.split_once(':') {
        Some((o, v)) => (o.to_ascii_lowercase(), Some(v)),
        None => (body.to_ascii_lowercase(), None),
    };
    match (option.as_str(), value) {
        ("defaultlib", Some(v)) => Directive::DefaultLib(v.to_owned()),
        ("nodefaultlib", v) => Directive::NoDefaultLib(v.map(str::to_owned)),
        ("failifmismatch", Some(v)) => match v.split_once('=') {
            Some((k, val)) => Directive::FailIfMismatch(k.to_owned(), val.to_owned()),
            None => Directive::Other(arg.to_owned()),
        },
        _ => Directive::Other(arg.to_owned()),
    }
}

/// MinGW import libraries name their DLL once, in the tail member's `.idata$7`; each import member reaches it
/// through the head member (`_head_*` → `*_iname`). Follow that chain for every long-format import member.
fn resolve_long_import_dlls(members: &mut [Member]) {
    // Which member defines each symbol, built once: a search of all members per import member was quadratic
    // in the size of the library (MinGW's libkernel32.a has about 1,600 members). The first definer wins, as
    // a linker's archive symbol table would have it.
    let mut definer: HashMap<&str, usize> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        for d in &m.defines {
            definer.entry(d.as_str()).or_insert(i);
        }
    }
    let mut names = Vec::new();
    for (i, m) in members.iter().enumerate() {
        // Only members whose DLL is still unknown: the long-format ones (and a short one with an empty name).
        let Some(Import { dll: None, .. }) = &m.import else { continue };
        let dll = m
            .references
            .iter()
            .find(|r| r.starts_with("_head_"))
            .and_then(|head| definer.get(head.as_str()))
            .and_then(|&h| members[h].references.iter().find(|r| r.ends_with("_iname")))
            .and_then(|iname| definer.get(iname.as_str()))
            .and_then(|&tail| members[tail].idata_dll_name.clone());
        names.push((i, dll));
    }
    for (i, tail) in names {
        if let Some(import) = members[i].import.as_mut() {
            import.dll = tail;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read errors are `std::error::Error`s whose text is the message doctor prints, with a kind: a missing
    /// file or a directory is `Io`, a file of another format `Format`.
    #[test]
    fn read_errors_are_errors_with_a_kind() {
        let missing = read_file(Path::new("/nonexistent/linkwise/x.lib")).unwrap_err();
        assert_eq!(missing.kind, ReadErrorKind::Io);
        assert!(missing.to_string().starts_with("cannot open `/nonexistent/linkwise/x.lib`: "), "{missing}");
        let dir = read_file(Path::new("/")).unwrap_err();
        assert_eq!(
            (dir.kind, dir.to_string().as_str()),
            (ReadErrorKind::Io, "`/` is a directory, not an object or library")
        );
        let text = read_bytes("notes.txt", b"text\n").unwrap_err();
        assert_eq!(text.kind, ReadErrorKind::Format);
        let boxed: Box<dyn std::error::Error> = Box::new(text.clone());
        assert_eq!(boxed.to_string(), "`notes.txt` is not a COFF object or library (an unknown format)");
        assert_eq!(String::from(text), boxed.to_string());
    }
    use crate::testing::{Coff, import_library, library, mingw_import_library};

    /// The import members of a library, as (member, DLL, symbol), leaving out the other members.
    fn imports(input: &Input) -> Vec<(&str, Option<&str>, &str)> {
        input
            .members
            .iter()
            .filter_map(|m| m.import.as_ref().map(|i| (m.name.as_str(), i.dll.as_deref(), i.symbol.as_str())))
            .collect()
    }

    /// A short-format member names its DLL; it defines `__imp_X` and, for code, the thunk `X`.
    #[test]
    fn short_import_members_name_their_dll() {
        let input = read_bytes("png.lib", &import_library("png.dll", &["png_read", "png_write"])).unwrap();
        assert!(input.is_library);
        assert_eq!(
            imports(&input),
            [
                ("png.lib(png.dll)", Some("png.dll"), "png_read"),
                ("png.lib(png.dll)", Some("png.dll"), "png_write")
            ]
        );
        let read = input.members.iter().find(|m| m.import.as_ref().is_some_and(|i| i.symbol == "png_read"));
        assert_eq!(read.unwrap().defines, ["__imp_png_read", "png_read"]);
    }

    /// A MinGW long-format member reaches its DLL through the head and tail members; without the tail the
    /// DLL is unknown (`None`, which the report shows as "(unknown DLL)"), never an empty name.
    #[test]
    fn long_import_members_find_their_dll_through_head_and_tail() {
        let input =
            read_bytes("libz.a", &mingw_import_library("z.dll", &["inflate", "deflate"], true)).unwrap();
        assert_eq!(
            imports(&input),
            [
                ("libz.a(d000001.o)", Some("z.dll"), "inflate"),
                ("libz.a(d000002.o)", Some("z.dll"), "deflate")
            ]
        );
        let input = read_bytes("libz.a", &mingw_import_library("z.dll", &["inflate"], false)).unwrap();
        assert_eq!(imports(&input), [("libz.a(d000001.o)", None, "inflate")]);
        let report =
            crate::report::human(std::slice::from_ref(&input), &crate::predict(&[], &Default::default()));
        assert!(report.contains("    import members for (unknown DLL): 1 symbol\n"), "{report}");
    }

    /// Objects: external definitions, COMDAT ones among them, references, and `.drectve` directives, with
    /// quotes grouping and option names in any case; a library member is named by its file name.
    #[test]
    fn objects_and_library_members() {
        let object = Coff::new()
            .define(&["f"])
            .define_comdat("inline_g")
            .reference(&["__imp_puts", "h"])
            .directives("/DEFAULTLIB:msvcrt.lib -nodefaultlib:libcmt.lib /FAILIFMISMATCH:\"RuntimeLibrary=MD_DynamicRelease\" /EXPORT:f")
            .write();
        let input = read_bytes("x.lib", &library(&[("C:\\build\\x64\\obj\\x.obj", &object)])).unwrap();
        let [m] = &input.members[..] else { panic!("{:?}", input.members) };
        assert_eq!(m.name, "x.lib(x.obj)");
        assert_eq!(m.defines, ["f", "inline_g"]);
        assert_eq!(m.comdat, ["inline_g"]);
        assert_eq!(m.references, ["__imp_puts", "h"]);
        assert_eq!(m.import, None);
        assert_eq!(
            m.directives,
            [
                Directive::DefaultLib("msvcrt.lib".to_owned()),
                Directive::NoDefaultLib(Some("libcmt.lib".to_owned())),
                Directive::FailIfMismatch("RuntimeLibrary".to_owned(), "MD_DynamicRelease".to_owned()),
                Directive::Other("/EXPORT:f".to_owned()),
            ]
        );
    }

    /// Directives print as the linker spells them (the JSON report's `directives`), and read back the same.
    #[test]
    fn directives_print_as_the_linker_spells_them() {
        let text = "/DEFAULTLIB:libcmt.lib /NODEFAULTLIB /NODEFAULTLIB:msvcrt.lib \
                    /FAILIFMISMATCH:\"RuntimeLibrary=MT_StaticRelease\" /EXPORT:f";
        let printed: Vec<String> = parse_directives(text).iter().map(Directive::to_string).collect();
        assert_eq!(printed.join(" "), text);
    }

    /// The symbol enclosing each relocation to an undefined name, as lld-link picks it: a function, a static
    /// function after it, a data symbol; the machine from the header.
    #[test]
    fn references_know_their_enclosing_symbols() {
        use object::write::{Object, Relocation, Symbol, SymbolSection as At};
        use object::{Architecture, BinaryFormat, Endianness, RelocationFlags, SectionKind, SymbolFlags};
        use object::{SymbolKind as Kind, SymbolScope};
        let mut obj = Object::new(BinaryFormat::Coff, Architecture::X86_64, Endianness::Little);
        let text = obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
        let data = obj.add_section(Vec::new(), b".data".to_vec(), SectionKind::Data);
        let symbol = |name: &str, value, kind, scope, section| Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size: 0,
            kind,
            scope,
            weak: false,
            section,
            flags: SymbolFlags::None,
        };
        let call = [0xe8, 0, 0, 0, 0, 0xc3];
        let at_f = obj.append_section_data(text, &call, 1);
        let at_helper = obj.append_section_data(text, &call, 1);
        obj.add_symbol(symbol("f", at_f, Kind::Text, SymbolScope::Linkage, At::Section(text)));
        obj.add_symbol(symbol("helper", at_helper, Kind::Text, SymbolScope::Compilation, At::Section(text)));
        let at_ptr = obj.append_section_data(data, &[0; 8], 8);
        obj.add_symbol(symbol("ptr", at_ptr, Kind::Data, SymbolScope::Linkage, At::Section(data)));
        let g = obj.add_symbol(symbol("g", 0, Kind::Text, SymbolScope::Linkage, At::Undefined));
        let d = obj.add_symbol(symbol("missing_data", 0, Kind::Data, SymbolScope::Linkage, At::Undefined));
        let rel32 = RelocationFlags::Coff { typ: object::pe::IMAGE_REL_AMD64_REL32 };
        for offset in [at_f + 1, at_helper + 1] {
            obj.add_relocation(text, Relocation { offset, symbol: g, addend: 0, flags: rel32 }).unwrap();
        }
        let addr64 = RelocationFlags::Coff { typ: object::pe::IMAGE_REL_AMD64_ADDR64 };
        obj.add_relocation(data, Relocation { offset: at_ptr, symbol: d, addend: 0, flags: addr64 }).unwrap();
        let input = read_bytes("v.obj", &obj.write().unwrap()).unwrap();
        let m = &input.members[0];
        assert_eq!(m.machine, Some(Machine(0x8664)));
        let sites: Vec<(&str, Vec<(&str, bool)>)> = m
            .references
            .iter()
            .zip(&m.referenced_in)
            .map(|(r, s)| (r.as_str(), s.iter().map(|s| (s.symbol.as_str(), s.function)).collect()))
            .collect();
        assert_eq!(
            sites,
            [("g", vec![("f", true), ("helper", true)]), ("missing_data", vec![("ptr", false)])]
        );
        // link.exe's lines: LNK2019 in the first function for the call, LNK2001 for the data reference.
        let p = crate::predict(std::slice::from_ref(&input), &Default::default());
        let lines: Vec<&str> =
            p.findings.iter().flat_map(|f| f.link_exe.iter().map(String::as_str)).collect();
        assert_eq!(
            lines,
            [
                "v.obj : error LNK2019: unresolved external symbol g referenced in function f",
                "v.obj : error LNK2001: unresolved external symbol missing_data",
            ]
        );
        let evidence: Vec<&str> =
            p.findings.iter().flat_map(|f| f.evidence.iter().map(String::as_str)).collect();
        assert_eq!(
            evidence,
            ["referenced by v.obj:(f)", "referenced by v.obj:(helper)", "referenced by v.obj:(ptr)"]
        );
    }

    /// Members doctor cannot read (another platform's object, an unknown format, LLVM bitcode) make the
    /// library an error naming every one of them; a COFF member beside them is not named.
    #[test]
    fn unreadable_members_are_named() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x01\0\x3e\0\x01\0\0\0".to_vec();
        let mut elf = elf;
        elf.resize(64, 0);
        let coff = Coff::new().define(&["f"]).write();
        let bitcode = b"BC\xc0\xde\x35\x14\0\0".to_vec();
        let lib = library(&[
            ("a.o", elf.clone()),
            ("ok.obj", coff.clone()),
            ("notes.txt", b"text\n".to_vec()),
            ("lto.obj", bitcode),
        ]);
        let error = read_bytes("v.lib", &lib).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::Format);
        let error = error.to_string();
        assert_eq!(
            error,
            "`v.lib` has 3 members that are not COFF objects: `v.lib(a.o)` (an ELF object), `v.lib(notes.txt)` (an \
             unknown format), `v.lib(lto.obj)` (LLVM bitcode: an object built with -flto, which only the \
             linker's LTO reads); doctor reads COFF objects and import members only, and cannot predict a link without them"
        );
        let only_elf = library(&[("a.o", elf), ("ok.obj", coff)]);
        let error = read_bytes("v.lib", &only_elf).unwrap_err().to_string();
        assert!(
            error.starts_with("`v.lib(a.o)` is an ELF object: doctor models COFF (Windows) links only"),
            "{error}"
        );
    }
}
