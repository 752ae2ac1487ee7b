//! `linkwise build --emit asm`: the object written as an assembly file, like `clang -S`: every section with its
//! directive, every symbol (binding, type, visibility, size), every instruction with its disassembly and its
//! offset in the section, and every relocation at the instruction that carries it.
//!
//! It is made from the object linkwise wrote (read back with the `object` crate), not from the code
//! generator's records, so what it shows is what the linker gets. On ELF the file assembles with llvm-mc into
//! an object with the same section bytes, symbols and relocations: each instruction is written as its bytes
//! (`.byte` on x86_64, `.inst` on aarch64) with the instruction beside it as a comment, and each relocation as
//! a `.reloc` directive. Mnemonics would not do: an assembler chooses its own encodings (a `jmp` to a near
//! label becomes the 2-byte form where Cranelift wrote the 5-byte one), so every later offset would move.
//! COFF and Mach-O have no `.reloc` in llvm-mc (LLVM 19: "unknown relocation name"), so there the same text is
//! a listing, every line a comment (docs/cli.md "--emit asm").

use crate::disasm;
use crate::reloc;
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Arch, Format, Target};
use object::{
    Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SectionIndex, SymbolFlags,
    SymbolKind, SymbolScope,
};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Where the `.byte`/`.inst` column ends and the comment begins.
const CODE_COLUMN: usize = 56;

/// Whether `--emit asm` for `target` can be assembled back (ELF), or is a listing (COFF, Mach-O).
pub fn assemblable(target: &Target) -> bool {
    target.format == Format::Elf
}

/// The assembly text of `object` (an object linkwise wrote for `target`); `source` names the module in the
/// header. An object that does not read back is an internal error (linkwise wrote it).
pub fn assembly(target: &Target, object: &[u8], source: &str) -> Result<String, Diagnostic> {
    let internal = |e: &dyn std::fmt::Display| Diagnostic::internal(format!("reading the object back: {e}"));
    let file = object::File::parse(object).map_err(|e| internal(&e))?;
    let elf = ElfHeaders::read(object, target);
    let names = relocation_names(target);
    let comment = match target.arch {
        Arch::X86_64 => "#",
        Arch::Aarch64 => "//",
    };
    // ELF assembles back unless a relocation has no name llvm-mc takes, or a name has a `"` or `\` its
    // quoting does not round-trip (review of issue 13); then the file says so and is a listing.
    let unassemblable = unassemblable_because(&file, &names);
    let assemble = assemblable(target) && unassemblable.is_none();
    let mut body = String::new();
    for section in file.sections() {
        let Some(info) = section_info(&section, elf.as_ref()) else { continue };
        write_section(&mut body, &file, &section, &info, target, &names, comment)
            .map_err(|e| internal(&e))?;
    }
    let mut out = String::new();
    let format = target.format;
    let _ =
        writeln!(out, "{comment} linkwise assembly of `{source}` for {target} ({format}, {})", target.arch);
    if assemble {
        let _ = writeln!(
            out,
            "{comment} Assembles with `llvm-mc -triple {target} -filetype=obj` into the object linkwise writes:"
        );
        let _ = writeln!(
            out,
            "{comment} each instruction is its bytes with its disassembly beside it, each relocation a .reloc."
        );
        out.push_str(&body);
    } else {
        let why = match (&unassemblable, assemblable(target)) {
            (Some(why), true) => why.clone(),
            _ => format!("llvm-mc takes no .reloc for {format}"),
        };
        let _ = writeln!(out, "{comment} A LISTING, NOT ASSEMBLABLE: {why}, so every line is a comment.");
        for line in body.lines() {
            let _ = writeln!(out, "{comment} {line}");
        }
    }
    Ok(out)
}

/// What a section is written as: its directive and whether its bytes are code.
struct SectionInfo {
    directive: String,
    code: bool,
    nobits: bool,
}

/// The ELF section headers' type, flags and entry size, which the generic reader does not all give.
struct ElfHeaders(HashMap<usize, (u32, u64, u64)>);

impl ElfHeaders {
    fn read(bytes: &[u8], target: &Target) -> Option<ElfHeaders> {
        use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
        if target.format != Format::Elf {
            return None;
        }
        let file = ElfFile64::<object::Endianness>::parse(bytes).ok()?;
        let endian = file.endian();
        let headers = file.elf_header().section_headers(endian, bytes).ok()?;
        let map = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (i, (h.sh_type(endian).0, h.sh_flags(endian).0, h.sh_entsize(endian))))
            .collect();
        Some(ElfHeaders(map))
    }
}

/// The section's directive, or `None` for what the assembler writes itself (symbol and string tables,
/// relocation sections).
fn section_info(section: &object::Section<'_, '_>, elf: Option<&ElfHeaders>) -> Option<SectionInfo> {
    use object::elf;
    let name = section.name().ok()?;
    let quoted = quote(name);
    let Some(elf) = elf else {
        // COFF and Mach-O: a listing only; the kind says enough.
        let kind = section.kind();
        if matches!(kind, object::SectionKind::Metadata) {
            return None;
        }
        let code = kind == object::SectionKind::Text;
        let nobits = matches!(kind, object::SectionKind::UninitializedData);
        return Some(SectionInfo { directive: format!("\t.section\t{quoted}\t({kind:?})"), code, nobits });
    };
    let &(sh_type, flags, entsize) = elf.0.get(&section.index().0)?;
    let type_name = match sh_type {
        x if x == elf::SHT_PROGBITS.0 => "@progbits",
        x if x == elf::SHT_NOBITS.0 => "@nobits",
        x if x == elf::SHT_NOTE.0 => "@note",
        x if x == elf::SHT_INIT_ARRAY.0 => "@init_array",
        x if x == elf::SHT_FINI_ARRAY.0 => "@fini_array",
        x if x == elf::SHT_X86_64_UNWIND.0 => "@unwind",
        x if x == elf::SHT_LLVM_DEPENDENT_LIBRARIES.0 => "@llvm_dependent_libraries",
        // Tables the assembler builds itself.
        _ => return None,
    };
    let mut letters = String::new();
    for (bit, letter) in [
        (elf::SHF_ALLOC, 'a'),
        (elf::SHF_WRITE, 'w'),
        (elf::SHF_EXECINSTR, 'x'),
        (elf::SHF_MERGE, 'M'),
        (elf::SHF_STRINGS, 'S'),
        (elf::SHF_TLS, 'T'),
        (elf::SHF_GNU_RETAIN, 'R'),
    ] {
        if flags & bit.0 != 0 {
            letters.push(letter);
        }
    }
    let mut directive = format!("\t.section\t{quoted},\"{letters}\",{type_name}");
    if flags & elf::SHF_MERGE.0 != 0 {
        let _ = write!(directive, ",{entsize}");
    }
    let code = flags & elf::SHF_EXECINSTR.0 != 0;
    Some(SectionInfo { directive, code, nobits: sh_type == elf::SHT_NOBITS.0 })
}

/// A relocation in a section: its offset there, the directive's type name, the expression it points at
/// (symbol and addend) and how wide its field is.
struct Reloc {
    offset: u64,
    name: String,
    expression: String,
    /// COFF and Mach-O keep the addend in the relocated field (REL), ELF in the relocation (RELA).
    implicit: bool,
}

/// A symbol defined in a section, at its offset.
struct Defined {
    offset: u64,
    size: u64,
    name: String,
    lines: Vec<String>,
    function: bool,
}

fn write_section(
    out: &mut String,
    file: &object::File<'_>,
    section: &object::Section<'_, '_>,
    info: &SectionInfo,
    target: &Target,
    names: &HashMap<RelocationFlags, &'static str>,
    comment: &str,
) -> object::Result<()> {
    let index = section.index();
    let name = section.name()?;
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", info.directive);
    if section.align() > 1 {
        let _ = writeln!(out, "\t.p2align\t{}", section.align().trailing_zeros());
    }
    // A label at the section's start, for relocations against the section itself (`.eh_frame` to `.text`):
    // assembler-local (`.L`), so the assembler writes them against its section symbol, as linkwise does.
    let _ = writeln!(out, "{}:", section_label(index));
    let defined = defined_symbols(file, index);
    let relocs = relocations(file, section, names);
    let size = section.size();
    let data: &[u8] = if info.nobits { &[] } else { section.data()? };
    // The offsets where something starts: each symbol, and the end.
    let mut cuts: Vec<u64> = defined.iter().map(|d| d.offset).collect();
    cuts.push(size);
    cuts.extend(defined.iter().filter(|d| d.size > 0).map(|d| (d.offset + d.size).min(size)));
    cuts.sort_unstable();
    cuts.dedup();
    let mut at = 0;
    let mut symbols = defined.iter().peekable();
    let mut reloc_at = 0;
    let mut function: Option<&Defined> = None;
    for &cut in cuts.iter().chain(std::iter::once(&size)) {
        if cut > at {
            let chunk_relocs: Vec<&Reloc> =
                relocs[reloc_at..].iter().take_while(|r| r.offset < cut).collect();
            reloc_at += chunk_relocs.len();
            if info.nobits {
                let _ = writeln!(out, "\t.zero\t{}", cut - at);
            } else {
                let bytes = &data[at as usize..cut as usize];
                let context = Context { section: name, at, function, relocs: &chunk_relocs, comment };
                if info.code && function.is_some_and(|f| f.function) {
                    write_code(out, target, bytes, &context);
                } else {
                    write_data(out, bytes, &context);
                }
            }
            at = cut;
            function = function.filter(|f| f.size == 0 || f.offset + f.size > at);
        }
        while let Some(symbol) = symbols.next_if(|s| s.offset == cut) {
            for line in &symbol.lines {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(out, "{}:", quote(&symbol.name));
            function = Some(symbol);
        }
    }
    // A relocation past the section's bytes cannot be written as code or data; none should exist.
    for r in &relocs[reloc_at..] {
        let _ = writeln!(
            out,
            "\t{comment} relocation past the end: {} {} at {:#x}",
            r.name, r.expression, r.offset
        );
    }
    Ok(())
}

/// Where a run of bytes is: for the comments and the `.reloc` offsets.
struct Context<'a> {
    section: &'a str,
    /// The run's offset in its section.
    at: u64,
    /// The symbol the run belongs to.
    function: Option<&'a Defined>,
    /// Its relocations, in offset order (offsets in the section).
    relocs: &'a [&'a Reloc],
    comment: &'a str,
}

impl Context<'_> {
    /// `.text+0x10 (f+0x4)`: the offset in the section, and in the symbol.
    fn place(&self, offset: u64) -> String {
        let absolute = self.at + offset;
        match self.function {
            Some(f) => format!("{}+{absolute:#x} ({}+{:#x})", self.section, f.name, absolute - f.offset),
            None => format!("{}+{absolute:#x}", self.section),
        }
    }

    /// The `.reloc` lines for the relocations in bytes `start..end` of the run, and their text for the comment.
    fn relocations(&self, start: u64, end: u64) -> (Vec<String>, Vec<String>) {
        let (from, to) = (self.at + start, self.at + end);
        let mut directives = Vec::new();
        let mut notes = Vec::new();
        for r in self.relocs.iter().filter(|r| r.offset >= from && r.offset < to) {
            directives.push(format!("\t.reloc\t.+{}, {}, {}", r.offset - from, r.name, r.expression));
            let implicit = if r.implicit { ", addend in the field" } else { "" };
            notes.push(format!("{} {}{implicit}", r.name, r.expression));
        }
        (directives, notes)
    }
}

fn write_code(out: &mut String, target: &Target, bytes: &[u8], context: &Context<'_>) {
    let fields: Vec<(u32, String)> =
        context.relocs.iter().map(|r| ((r.offset - context.at) as u32, r.expression.clone())).collect();
    let decoded = disasm::decode_named(target.arch, bytes, &fields).unwrap_or_default();
    let mut covered = 0;
    for i in &decoded {
        let (start, end) = (u64::from(i.offset), u64::from(i.offset) + i.bytes.len() as u64);
        let (directives, notes) = context.relocations(start, end);
        for d in directives {
            let _ = writeln!(out, "{d}");
        }
        let code = match target.arch {
            // One little-endian word per instruction: `.inst` makes the assembler mark it as code ($x).
            Arch::Aarch64 if i.bytes.len() == 4 => {
                let word = u32::from_le_bytes([i.bytes[0], i.bytes[1], i.bytes[2], i.bytes[3]]);
                format!("\t.inst\t{word:#010x}")
            }
            _ => byte_directive(&i.bytes),
        };
        let mut note = format!("{} {}: {}", context.comment, context.place(start), i.text);
        if !notes.is_empty() {
            let _ = write!(note, "    [{}]", notes.join("; "));
        }
        let _ = writeln!(out, "{}{}", pad(&code), note);
        covered = end;
    }
    if (covered as usize) < bytes.len() {
        let rest = Context { at: context.at + covered, ..*context };
        write_data(out, &bytes[covered as usize..], &rest);
    }
}

fn write_data(out: &mut String, bytes: &[u8], context: &Context<'_>) {
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let start = 16 * row as u64;
        let (directives, notes) = context.relocations(start, start + chunk.len() as u64);
        for d in directives {
            let _ = writeln!(out, "{d}");
        }
        let mut note = format!("{} {}", context.comment, context.place(start));
        if !notes.is_empty() {
            let _ = write!(note, "    [{}]", notes.join("; "));
        }
        let _ = writeln!(out, "{}{}", pad(&byte_directive(chunk)), note);
    }
}

fn byte_directive(bytes: &[u8]) -> String {
    let list: Vec<String> = bytes.iter().map(|b| format!("{b:#04x}")).collect();
    format!("\t.byte\t{}", list.join(", "))
}

/// `code` padded to [`CODE_COLUMN`] (a tab counted as eight columns), at least one space after it.
fn pad(code: &str) -> String {
    let width: usize = code.chars().map(|c| if c == '\t' { 8 } else { 1 }).sum();
    format!("{code}{}", " ".repeat(CODE_COLUMN.saturating_sub(width).max(1)))
}

/// The label at the start of section `index`.
fn section_label(index: SectionIndex) -> String {
    format!(".Llw_section_{}", index.0)
}

/// The symbols defined in section `index`, in offset order, each with the directives that give it its binding,
/// type, visibility and size.
fn defined_symbols(file: &object::File<'_>, index: SectionIndex) -> Vec<Defined> {
    let mut out = Vec::new();
    for symbol in file.symbols() {
        if symbol.section_index() != Some(index)
            || matches!(symbol.kind(), SymbolKind::Section | SymbolKind::File)
        {
            continue;
        }
        let Ok(name) = symbol.name() else { continue };
        if name.is_empty() {
            continue;
        }
        let quoted = quote(name);
        let mut lines = Vec::new();
        if symbol.is_weak() {
            lines.push(format!("\t.weak\t{quoted}"));
        } else if symbol.is_global() {
            lines.push(format!("\t.globl\t{quoted}"));
        }
        if let SymbolFlags::Elf { st_other, .. } = symbol.flags() {
            let visibility = st_other.visibility();
            if visibility == object::elf::STV_HIDDEN {
                lines.push(format!("\t.hidden\t{quoted}"));
            } else if visibility == object::elf::STV_PROTECTED {
                lines.push(format!("\t.protected\t{quoted}"));
            } else if visibility == object::elf::STV_INTERNAL {
                lines.push(format!("\t.internal\t{quoted}"));
            }
        }
        if matches!(symbol.flags(), SymbolFlags::Elf { .. }) {
            match symbol.kind() {
                SymbolKind::Text => lines.push(format!("\t.type\t{quoted},@function")),
                SymbolKind::Data => lines.push(format!("\t.type\t{quoted},@object")),
                _ => {}
            }
            if symbol.size() > 0 {
                lines.push(format!("\t.size\t{quoted}, {}", symbol.size()));
            }
        } else {
            let scope = match symbol.scope() {
                SymbolScope::Dynamic | SymbolScope::Linkage => "global",
                SymbolScope::Compilation | SymbolScope::Unknown => "local",
            };
            lines.push(format!("\t# {scope} {:?} symbol, {} bytes", symbol.kind(), symbol.size()));
        }
        out.push(Defined {
            offset: symbol.address() - section_address(file, index),
            size: symbol.size(),
            name: name.to_owned(),
            lines,
            function: symbol.kind() == SymbolKind::Text,
        });
    }
    out.sort_by_key(|d| d.offset);
    out
}

/// The section's address (0 in relocatable ELF and COFF; Mach-O objects lay sections out in one space).
fn section_address(file: &object::File<'_>, index: SectionIndex) -> u64 {
    file.section_by_index(index).map_or(0, |s| s.address())
}

/// The section's relocations in offset order, named and with their target expressions.
fn relocations(
    file: &object::File<'_>,
    section: &object::Section<'_, '_>,
    names: &HashMap<RelocationFlags, &'static str>,
) -> Vec<Reloc> {
    let mut out: Vec<Reloc> = section
        .relocations()
        .map(|(offset, r)| {
            let base = match r.target() {
                RelocationTarget::Symbol(i) => match file.symbol_by_index(i) {
                    Ok(s) if s.kind() == SymbolKind::Section => {
                        s.section_index().map_or_else(|| "?".to_owned(), section_label)
                    }
                    Ok(s) => quote(s.name().unwrap_or("?")),
                    Err(_) => "?".to_owned(),
                },
                RelocationTarget::Section(i) => section_label(i),
                _ => "?".to_owned(),
            };
            let addend = r.addend();
            let expression = match addend {
                0 => base,
                a if a > 0 => format!("{base}+{a}"),
                a => format!("{base}{a}"),
            };
            let name = names.get(&r.flags()).map_or_else(|| format!("{:?}", r.flags()), |n| (*n).to_owned());
            Reloc { offset, name, expression, implicit: r.has_implicit_addend() }
        })
        .collect();
    out.sort_by_key(|r| r.offset);
    out
}

/// Why the object's assembly would not reassemble to the same object, if it would not: a relocation whose type
/// has no name in `names`, or a symbol whose name holds `"` or `\`.
fn unassemblable_because(
    file: &object::File<'_>,
    names: &HashMap<RelocationFlags, &'static str>,
) -> Option<String> {
    for section in file.sections() {
        for (_, r) in section.relocations() {
            if !names.contains_key(&r.flags()) {
                return Some(format!("a relocation of type {:?} has no name llvm-mc takes", r.flags()));
            }
        }
    }
    file.symbols()
        .filter_map(|s| s.name().ok())
        .find(|n| n.contains(['"', '\\']))
        .map(|n| format!("the name `{n}` does not survive llvm-mc's quoting"))
}

/// The relocation types `target` uses, by name: every row of the relocation table (reloc.rs), which names each
/// as the format's documentation spells it; llvm-mc's `.reloc` takes ELF's names as they are.
fn relocation_names(target: &Target) -> HashMap<RelocationFlags, &'static str> {
    let mut out = HashMap::new();
    for shape in reloc::SHAPES {
        for access in reloc::ACCESSES {
            if let Ok(p) = reloc::place(target, shape, access) {
                out.insert(p.flags, p.name);
            }
        }
    }
    // The debug sections' own (emit/debug.rs, `-g`): 32-bit offsets between them, and CodeView's section and
    // section-relative references.
    use object::{elf, pe};
    let extra: &[(RelocationFlags, &'static str)] = match (target.format, target.arch) {
        (Format::Elf, Arch::X86_64) => &[(RelocationFlags::Elf { r_type: elf::R_X86_64_32 }, "R_X86_64_32")],
        (Format::Elf, Arch::Aarch64) => {
            &[(RelocationFlags::Elf { r_type: elf::R_AARCH64_ABS32 }, "R_AARCH64_ABS32")]
        }
        (Format::Coff, Arch::X86_64) => &[
            (RelocationFlags::Coff { typ: pe::IMAGE_REL_AMD64_SECREL }, "IMAGE_REL_AMD64_SECREL"),
            (RelocationFlags::Coff { typ: pe::IMAGE_REL_AMD64_SECTION }, "IMAGE_REL_AMD64_SECTION"),
        ],
        (Format::Coff, Arch::Aarch64) => &[
            (RelocationFlags::Coff { typ: pe::IMAGE_REL_ARM64_SECREL }, "IMAGE_REL_ARM64_SECREL"),
            (RelocationFlags::Coff { typ: pe::IMAGE_REL_ARM64_SECTION }, "IMAGE_REL_ARM64_SECTION"),
        ],
        _ => &[],
    };
    out.extend(extra.iter().copied());
    out
}

/// A symbol or section name as the assembler reads it: quoted unless it is made only of letters, digits and
/// `_.$` (a name with `@`, `,` or a space would otherwise be read as an operator or a version suffix).
fn quote(name: &str) -> String {
    let plain = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$'));
    if plain {
        name.to_owned()
    } else {
        let mut quoted = String::from("\"");
        for c in name.chars() {
            if matches!(c, '"' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_assembler_would_misread_are_quoted() {
        assert_eq!(quote("puts"), "puts");
        assert_eq!(quote(".Lstr.0"), ".Lstr.0");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("f@PLT"), "\"f@PLT\"");
        assert_eq!(quote("1x"), "\"1x\"");
        assert_eq!(quote("q\""), "\"q\\\"\"");
    }
}
