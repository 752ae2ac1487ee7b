//! `-g`: adds the debug sections `debuginfo/` built for the functions as written (DWARF on ELF, CodeView on
//! COFF) and their relocations, each turned into the format's relocation type here. The code addresses on ELF
//! are absolute 64-bit data words, placed by the relocation table like any other (`SiteShape::DataAbs64`);
//! the section offsets and CodeView's section-relative pairs have no code or data site of their own in that
//! table, so their types are chosen below, each with the spec that names it.

use super::Writer;
use crate::debuginfo::{self, RelocKind, RelocTarget};
use crate::reloc::{self, SiteShape};
use linkwise_ir::{Diagnostic, SourceFile};
use linkwise_linkage::{Access, Arch, Format};
use object::write::Relocation;
use object::{RelocationFlags, SectionKind, elf, pe};

/// Writes the debug sections of every function gathered in `w.lines`, which describe `file`; `Some` warning
/// for the user about them, if any.
pub(super) fn write(w: &mut Writer<'_>, file: &SourceFile) -> Result<Option<Diagnostic>, Diagnostic> {
    let functions = std::mem::take(&mut w.lines);
    let text_len = functions.iter().map(|f| f.text_offset + u64::from(f.len)).max().unwrap_or(0);
    let format = w.target().format;
    let mut sections = match format {
        Format::Elf | Format::MachO => {
            debuginfo::dwarf::build(file.name(), &functions, text_len).map_err(Diagnostic::internal)?
        }
        Format::Coff => vec![debuginfo::codeview::build(file.name(), &functions)],
    };
    if format == Format::MachO {
        // Apple's convention (what clang writes, what dsymutil and LLVM's DWARF reader expect): the DWARF
        // sections live in the `__DWARF` segment, and an offset into a sibling DWARF section is written as is,
        // without a relocation, since ld64 never links these sections (it points the program at the objects,
        // whose sections dsymutil reads one object at a time). Only code addresses are relocated.
        for section in &mut sections {
            for r in &section.relocs {
                if r.kind == RelocKind::SectionOffset32 {
                    let at = r.offset as usize;
                    let value = u32::try_from(r.addend)
                        .map_err(|_| Diagnostic::internal("a DWARF section offset past 4 GiB"))?;
                    let field = section.data.get_mut(at..at + 4).ok_or_else(|| {
                        Diagnostic::internal(format!("{}: offset field past the end", section.name))
                    })?;
                    field.copy_from_slice(&value.to_le_bytes());
                }
            }
            section.relocs.retain(|r| r.kind != RelocKind::SectionOffset32);
        }
    }
    let ids: Vec<_> = sections
        .iter()
        .map(|s| {
            let id = match format {
                // `.debug_line` is `__DWARF,__debug_line` there.
                Format::MachO => {
                    let name = format!("__{}", s.name.trim_start_matches('.'));
                    w.obj.add_section(b"__DWARF".to_vec(), name.into_bytes(), SectionKind::Debug)
                }
                _ => w.obj.add_section(Vec::new(), s.name.as_bytes().to_vec(), SectionKind::Debug),
            };
            let align = if s.name == ".debug$S" { 4 } else { 1 };
            w.obj.append_section_data(id, &s.data, align);
            id
        })
        .collect();
    for (section, &id) in sections.iter().zip(&ids) {
        for r in &section.relocs {
            let symbol = match r.target {
                RelocTarget::Text => w.obj.section_symbol(w.text),
                RelocTarget::Function(f) => match w.defined(f) {
                    Some((symbol, _)) => symbol,
                    None => return Err(w.internal(f, "line table of a function that was not written")),
                },
                RelocTarget::Section(name) => {
                    let Some(at) = sections.iter().position(|s| s.name == name) else {
                        return Err(Diagnostic::internal(format!(
                            "{}: offset into missing {name}",
                            section.name
                        )));
                    };
                    w.obj.section_symbol(ids[at])
                }
            };
            let flags = flags(w, r.kind)?;
            w.obj
                .add_relocation(id, Relocation { offset: r.offset, symbol, addend: r.addend, flags })
                .map_err(|e| Diagnostic::internal(format!("{}: {e}", section.name)))?;
        }
    }
    Ok(None)
}

/// The relocation type of a debug field.
fn flags(w: &Writer<'_>, kind: RelocKind) -> Result<RelocationFlags, Diagnostic> {
    let target = w.target();
    let r_type = |r_type| Ok(RelocationFlags::Elf { r_type });
    let typ = |typ| Ok(RelocationFlags::Coff { typ });
    match (target.format, target.arch, kind) {
        (_, _, RelocKind::Address64) => Ok(reloc::place(target, SiteShape::DataAbs64, Access::Direct)?.flags),
        // A 32-bit absolute value: the section offset in a relocatable object (System V x86-64 psABI §4.4.1,
        // ELF for the Arm 64-bit Architecture §5.7.4 "Static Data relocations").
        (Format::Elf, Arch::X86_64, RelocKind::SectionOffset32) => r_type(elf::R_X86_64_32),
        (Format::Elf, Arch::Aarch64, RelocKind::SectionOffset32) => r_type(elf::R_AARCH64_ABS32),
        // PE/COFF specification §5.2.1 "Type Indicators": the offset of the target from the start of its section,
        // and its 1-based section index (the two halves of a CodeView address).
        (Format::Coff, Arch::X86_64, RelocKind::SectionOffset32) => typ(pe::IMAGE_REL_AMD64_SECREL),
        (Format::Coff, Arch::X86_64, RelocKind::SectionIndex16) => typ(pe::IMAGE_REL_AMD64_SECTION),
        (Format::Coff, Arch::Aarch64, RelocKind::SectionOffset32) => typ(pe::IMAGE_REL_ARM64_SECREL),
        (Format::Coff, Arch::Aarch64, RelocKind::SectionIndex16) => typ(pe::IMAGE_REL_ARM64_SECTION),
        (format, arch, kind) => {
            Err(Diagnostic::internal(format!("no {kind:?} debug relocation on {format} {arch}")))
        }
    }
}
