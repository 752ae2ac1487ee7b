//! ELF-only parts of an object: `.eh_frame`, the DWARF call frame information that C++ exceptions, Rust panics,
//! debuggers and profilers unwind with (one CIE, one FDE per function with a frame), and the `.note.GNU-stack`
//! marker. Plain cranelift-object writes neither.

use super::Writer;
use crate::lower::Unwind;
use crate::reloc::{self, SiteShape};
use cranelift_codegen::gimli::write::{Address, CommonInformationEntry, EhFrame, EndianVec, FrameTable};
use cranelift_codegen::gimli::{self, DW_EH_PE_pcrel, DW_EH_PE_sdata4, DwEhPe, LittleEndian};
use linkwise_ir::Diagnostic;
use linkwise_linkage::Access;
use object::write::{Relocation, StandardSection};

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
    write_eh_frame(w, cie)
}

fn write_eh_frame(w: &mut Writer<'_>, cie: Option<CommonInformationEntry>) -> Result<(), Diagnostic> {
    let functions: Vec<_> = std::mem::take(&mut w.unwind)
        .into_iter()
        .filter_map(|(symbol, offset, size, unwind)| match unwind {
            Unwind::SystemV(info) => Some((symbol, offset, size, info)),
            Unwind::WindowsX64(_) | Unwind::WindowsArm64(_) => None,
        })
        .collect();
    let (Some(mut cie), false) = (cie, functions.is_empty()) else { return Ok(()) };
    // Cranelift's CIE leaves FDE addresses absolute (8 bytes, an R_X86_64_64 each), which in a PIE would ask
    // for dynamic relocations in a read-only section; PC-relative 4-byte addresses need none.
    cie.fde_address_encoding = DW_EH_PE_pcrel | DW_EH_PE_sdata4;
    let mut table = FrameTable::default();
    let cie_id = table.add_cie(cie);
    for (index, (_, _, _, info)) in functions.iter().enumerate() {
        // `Address::Symbol` numbers are indexes into `functions`; `Relocating` records where each lands.
        table.add_fde(cie_id, info.to_fde(Address::Symbol { symbol: index, addend: 0 }));
    }
    let mut out = EhFrame(Relocating { data: EndianVec::new(LittleEndian), pointers: Vec::new() });
    let internal =
        |e: gimli::write::Error| Diagnostic::error(format!("internal error writing .eh_frame: {e}"));
    table.write_eh_frame(&mut out).map_err(internal)?;
    let Relocating { data, pointers } = out.0;

    // The FDE of every function points at it through the `.text` section symbol, so local functions need no
    // symbol of their own; the placement comes from the relocation table like every other one.
    let section = w.obj.section_id(StandardSection::EhFrame);
    let eh_frame_offset = w.obj.append_section_data(section, &data.into_vec(), 8);
    let text_symbol = w.obj.section_symbol(w.text);
    let placement = reloc::place(w.target(), SiteShape::UnwindPcRel32, Access::Direct)?;
    for (field, index, addend) in pointers {
        let (function, text_offset, _, _) = functions[index];
        let relocation = Relocation {
            offset: eh_frame_offset + field as u64,
            symbol: text_symbol,
            addend: text_offset as i64 + addend,
            flags: placement.flags,
        };
        w.obj
            .add_relocation(section, relocation)
            .map_err(|e| w.internal(function, format!(".eh_frame: {e}")))?;
    }
    Ok(())
}

/// A gimli writer that leaves a zero in each PC-relative pointer to a function and records where it is, so
/// that the object writer can relocate it.
struct Relocating {
    data: EndianVec<LittleEndian>,
    /// (offset in the section, function index, addend) of each such pointer.
    pointers: Vec<(usize, usize, i64)>,
}

impl gimli::write::Writer for Relocating {
    type Endian = LittleEndian;

    fn endian(&self) -> LittleEndian {
        LittleEndian
    }

    fn len(&self) -> usize {
        self.data.len()
    }

    fn write(&mut self, bytes: &[u8]) -> gimli::write::Result<()> {
        self.data.write(bytes)
    }

    fn write_at(&mut self, offset: usize, bytes: &[u8]) -> gimli::write::Result<()> {
        self.data.write_at(offset, bytes)
    }

    fn write_eh_pointer(&mut self, address: Address, eh_pe: DwEhPe, _size: u8) -> gimli::write::Result<()> {
        match address {
            Address::Symbol { symbol, addend } if eh_pe == DW_EH_PE_pcrel | DW_EH_PE_sdata4 => {
                self.pointers.push((self.len(), symbol, addend));
                self.write_udata(0, 4)
            }
            Address::Symbol { .. } => Err(gimli::write::Error::UnsupportedPointerEncoding(eh_pe)),
            // Every pointer linkwise puts in the table names a function; a constant here would be a bug.
            Address::Constant(_) => Err(gimli::write::Error::InvalidAddress),
        }
    }
}
