//! COFF-only parts of an object: the Windows x64 exception tables `.pdata` (one RUNTIME_FUNCTION per function)
//! and `.xdata` (the UNWIND_INFO that unwind.rs encodes), which Windows needs to unwind through every function
//! that is not a leaf (stack walks, debuggers, SEH). Plain cranelift-object writes neither.

use super::Writer;
use crate::lower::Unwind;
use crate::reloc::{self, SiteShape};
use linkwise_ir::Diagnostic;
use linkwise_linkage::Access;
use object::SectionKind;
use object::write::Relocation;

/// Appends `.xdata` and `.pdata` for every function that has unwind information.
pub(super) fn write_unwind_tables(w: &mut Writer<'_>) -> Result<(), Diagnostic> {
    if w.unwind.is_empty() {
        return Ok(());
    }
    let xdata = w.obj.add_section(Vec::new(), b".xdata".to_vec(), SectionKind::ReadOnlyData);
    let pdata = w.obj.add_section(Vec::new(), b".pdata".to_vec(), SectionKind::ReadOnlyData);
    let xdata_symbol = w.obj.section_symbol(xdata);
    let text_symbol = w.obj.section_symbol(w.text);
    let placement = reloc::place(w.target(), SiteShape::ImageRel32, Access::Direct)?;
    for (function, text_offset, size, unwind) in std::mem::take(&mut w.unwind) {
        let Unwind::WindowsX64(info) = unwind else { continue };
        // UNWIND_INFO must be 4-byte aligned (its unwind code array is counted in 2-byte slots, padded to even).
        let info_offset = w.obj.append_section_data(xdata, &info, 4);
        // RUNTIME_FUNCTION { BeginAddress, EndAddress, UnwindInfoAddress }, each an image-relative address.
        let entry = w.obj.append_section_data(pdata, &[0; 12], 4);
        let fields = [
            (0, text_symbol, text_offset),
            (4, text_symbol, text_offset + u64::from(size)),
            (8, xdata_symbol, info_offset),
        ];
        for (field, symbol, addend) in fields {
            let relocation =
                Relocation { offset: entry + field, symbol, addend: addend as i64, flags: placement.flags };
            w.obj
                .add_relocation(pdata, relocation)
                .map_err(|e| w.internal(function, format!(".pdata: {e}")))?;
        }
    }
    Ok(())
}
