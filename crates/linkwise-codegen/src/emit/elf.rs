//! ELF-only parts of an object: `.eh_frame` (DWARF call frame information, built in eh_frame.rs), with each
//! FDE's address relocated through the relocation table, and the `.note.GNU-stack` marker. Plain
//! cranelift-object writes neither. And `.deplibs`, the libraries the object asks ld.lld to link (issue 9),
//! as clang writes it for `#pragma comment(lib, ...)`.

use super::{Carried, Writer, eh_frame};
use crate::reloc::{self, SiteShape};
use cranelift_codegen::gimli::write::CommonInformationEntry;
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Access, Directive};
use object::SectionKind;
use object::write::StandardSection;

/// Writes `.note.GNU-stack` and, when any function has call frame information, `.eh_frame`.
pub(super) fn write_extras(
    w: &mut Writer<'_>,
    cie: Option<CommonInformationEntry>,
) -> Result<(), Diagnostic> {
    // An empty .note.GNU-stack says the code needs no executable stack; without it GNU ld (and ld.lld with
    // -z execstack defaults on some systems) would assume it does.
    let note = w.obj.add_section(Vec::new(), b".note.GNU-stack".to_vec(), object::SectionKind::Other);
    w.obj.section_mut(note).flags = object::SectionFlags::Elf {
        sh_type: object::elf::SHT_PROGBITS,
        sh_flags: object::elf::SectionFlags(0),
    };
    let Some(table) = eh_frame::build(w, cie, eh_frame::Pointers::PcRel4)? else { return Ok(()) };
    // Each FDE points at its function through the `.text` section symbol, so local functions need no symbol
    // of their own; the placement comes from the relocation table like every other one.
    let section = w.obj.section_id(StandardSection::EhFrame);
    let base = w.obj.append_section_data(section, &table.bytes, 8);
    let text_symbol = w.obj.section_symbol(w.text);
    let placement = reloc::place(w.target(), SiteShape::UnwindPcRel32, Access::Direct)?;
    for (field, function, text_offset) in table.pointers {
        let to = (text_symbol, ".text");
        w.relocate_unwind((section, ".eh_frame"), base + field, function, to, text_offset as i64, placement)?;
    }
    Ok(())
}

/// Where ELF carries library directives.
const DEPLIBS: &str = ".deplibs";

/// Writes `.deplibs`, one NUL-terminated library name per `Library` directive (`NAME`, or the file name as
/// written for `+verbatim`: ld.lld looks a specifier up as `libNAME.so`/`libNAME.a` in the search paths first,
/// then as a file name there), flagged `SHF_MERGE | SHF_STRINGS` with entry size 1 as clang writes it, so
/// that a relocatable link merges the names. Exports are carried by visibility (see `Writer::scope`); a
/// C runtime mismatch check has no ELF form.
pub(super) fn write_deplibs(w: &mut Writer<'_>, directives: &[Directive]) -> Vec<Carried> {
    let mut data = Vec::new();
    let carried = directives
        .iter()
        .map(|d| {
            let how = match d {
                Directive::Library { name, .. } => {
                    data.extend_from_slice(name.as_bytes());
                    data.push(0);
                    Ok((DEPLIBS, name.clone()))
                }
                Directive::Export { name, symbol, .. } => Ok(super::export_symbol(w, name, symbol)),
                Directive::FailIfMismatch { .. } => Err("ELF has no C runtime mismatch check"),
            };
            Carried { directive: d.clone(), how }
        })
        .collect();
    if !data.is_empty() {
        // `OtherString` gives the section entry size 1; the flags below replace the kind's own.
        let section = w.obj.add_section(Vec::new(), DEPLIBS.as_bytes().to_vec(), SectionKind::OtherString);
        w.obj.section_mut(section).flags = object::SectionFlags::Elf {
            // SHT_LLVM_DEPENDENT_LIBRARIES (0x6fff4c04), LLVM's type for the section, which ld.lld reads; other
            // ELF linkers ignore a type in the OS-specific range they do not know.
            sh_type: object::elf::SHT_LLVM_DEPENDENT_LIBRARIES,
            sh_flags: object::elf::SHF_MERGE | object::elf::SHF_STRINGS,
        };
        w.obj.append_section_data(section, &data, 1);
    }
    carried
}
