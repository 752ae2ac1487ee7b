//! Mach-O-only parts of an object: `__TEXT,__eh_frame` (DWARF call frame information, built in eh_frame.rs),
//! which ld64 and ld64.lld turn into the image's `__unwind_info`.
//!
//! Unlike ELF, Mach-O gives an FDE's address no relocation: as clang's assembler does, the field (8 bytes,
//! PC-relative) holds the distance from itself to the function *in the object file's own address space*
//! (every section of a Mach-O object has an address), and the linker reads it back that way and moves it with
//! the sections. Those addresses are assigned when the `object` crate lays the file out, so the fields are
//! filled in afterwards, from the written file ([`resolve`]).

use super::{Writer, eh_frame};
use cranelift_codegen::gimli::write::CommonInformationEntry;
use linkwise_ir::Diagnostic;
use object::write::StandardSection;
use object::{Object, ObjectSection};

/// FDE address fields still to fill: (offset in `__eh_frame`, function's offset in `__text`).
pub(super) struct Pending(Vec<(u64, u64)>);

/// Appends `__eh_frame` when any function has call frame information.
pub(super) fn write_eh_frame(
    w: &mut Writer<'_>,
    cie: Option<CommonInformationEntry>,
) -> Result<Option<Pending>, Diagnostic> {
    let Some(table) = eh_frame::build(w, cie, eh_frame::Pointers::PcRel8)? else { return Ok(None) };
    let section = w.obj.section_id(StandardSection::EhFrame);
    let base = w.obj.append_section_data(section, &table.bytes, 8);
    Ok(Some(Pending(table.pointers.into_iter().map(|(field, _, text)| (base + field, text)).collect())))
}

/// Fills each FDE's address field in the written object `bytes`: function address minus field address, both
/// as the object's section headers place them.
pub(super) fn resolve(bytes: &mut [u8], pending: Pending) -> Result<(), Diagnostic> {
    let internal = |what: &str| Diagnostic::internal(format!("writing __eh_frame: {what}"));
    let (text_address, eh_frame_address, eh_frame_file_offset) = {
        let file = object::File::parse(&*bytes).map_err(|e| internal(&e.to_string()))?;
        let section =
            |name: &str| file.section_by_name(name).ok_or_else(|| internal(&format!("no {name} section")));
        let (text, eh_frame) = (section("__text")?, section("__eh_frame")?);
        let (offset, _) = eh_frame.file_range().ok_or_else(|| internal("__eh_frame has no file data"))?;
        (text.address(), eh_frame.address(), offset)
    };
    for (field, text_offset) in pending.0 {
        // 8 bytes, `DW_EH_PE_pcrel | DW_EH_PE_absptr`, as clang writes them on Mach-O.
        let distance = (text_address + text_offset).wrapping_sub(eh_frame_address + field);
        let at = (eh_frame_file_offset + field) as usize;
        bytes[at..at + 8].copy_from_slice(&distance.to_le_bytes());
    }
    Ok(())
}
