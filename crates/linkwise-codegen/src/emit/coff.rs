//! COFF-only parts of an object: the Windows exception tables `.pdata` (one RUNTIME_FUNCTION per function)
//! and `.xdata` (the x64 UNWIND_INFO or arm64 unwind record that unwind/ encodes), which Windows needs to
//! unwind through every function that is not a leaf (stack walks, debuggers, SEH). Plain cranelift-object
//! writes neither.

use super::Writer;
use crate::lower::Unwind;
use crate::reloc::{self, SiteShape};
use linkwise_ir::Diagnostic;
use linkwise_linkage::Access;
use object::SectionKind;

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
        // x64: UNWIND_INFO, and RUNTIME_FUNCTION { BeginAddress, EndAddress, UnwindInfoAddress }.
        // arm64: the .xdata record (it holds the function's length), and { BeginAddress, UnwindData } where the
        // low two bits of UnwindData, 0, say it points at a record rather than packing the unwind data.
        let (info, has_end) = match unwind {
            Unwind::WindowsX64(info) => (info, true),
            Unwind::WindowsArm64(info) => (info, false),
            Unwind::SystemV(_) => continue,
        };
        // Records are 4-byte aligned (x64 pads its code array to an even count; arm64 is made of words).
        let info_offset = w.obj.append_section_data(xdata, &info, 4);
        let mut fields = vec![((text_symbol, ".text"), text_offset)];
        if has_end {
            fields.push(((text_symbol, ".text"), text_offset + u64::from(size)));
        }
        fields.push(((xdata_symbol, ".xdata"), info_offset));
        let entry = w.obj.append_section_data(pdata, &vec![0; 4 * fields.len()], 4);
        for (field, (to, addend)) in fields.into_iter().enumerate() {
            let offset = entry + 4 * field as u64;
            w.relocate_unwind((pdata, ".pdata"), offset, function, to, addend as i64, placement)?;
        }
    }
    Ok(())
}
