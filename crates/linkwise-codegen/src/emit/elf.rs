//! ELF-only parts of an object: `.eh_frame` (DWARF call frame information, built in eh_frame.rs), with each
//! FDE's address relocated through the relocation table, and the `.note.GNU-stack` marker. Plain
//! cranelift-object writes neither.

use super::{Writer, eh_frame};
use crate::reloc::{self, SiteShape};
use cranelift_codegen::gimli::write::CommonInformationEntry;
use linkwise_ir::Diagnostic;
use linkwise_linkage::Access;
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
