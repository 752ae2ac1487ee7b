//! DWARF call frame information (`.eh_frame` on ELF, `__TEXT,__eh_frame` on Mach-O) from Cranelift's per-function
//! unwind information: one CIE, one FDE per function, FDE addresses PC-relative. How each address is then
//! filled in is the format's business (a relocation on ELF, the object's own layout on Mach-O).

use super::Writer;
use crate::lower::Unwind;
use cranelift_codegen::gimli::write::{Address, CommonInformationEntry, EhFrame, EndianVec, FrameTable};
use cranelift_codegen::gimli::{
    self, DW_EH_PE_absptr, DW_EH_PE_pcrel, DW_EH_PE_sdata4, DwEhPe, LittleEndian,
};
use linkwise_ir::Diagnostic;
use linkwise_ir::checked::SymbolId;

/// The section contents, with the address fields still zero.
pub(super) struct Table {
    /// The CIE and FDEs.
    pub(super) bytes: Vec<u8>,
    /// Each FDE's initial-location field: (offset in `bytes`, the function, its offset in the text section).
    pub(super) pointers: Vec<(u64, SymbolId, u64)>,
}

/// How FDE addresses are stored: both PC-relative, as the platform's own compilers write them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pointers {
    /// 4 bytes, `DW_EH_PE_pcrel | DW_EH_PE_sdata4` (GCC and clang on ELF). Cranelift's CIE would leave the
    /// addresses absolute, 8 bytes each needing an `R_X86_64_64`: in a PIE, dynamic relocations in a
    /// read-only section.
    PcRel4,
    /// 8 bytes, `DW_EH_PE_pcrel | DW_EH_PE_absptr` (clang on Mach-O; the form llvm-jitlink reads there).
    PcRel8,
}

/// Takes the System V unwind information gathered while writing functions and builds the table; `None` when
/// no function has any (or the ISA has no CIE).
pub(super) fn build(
    w: &mut Writer<'_>,
    cie: Option<CommonInformationEntry>,
    pointers: Pointers,
) -> Result<Option<Table>, Diagnostic> {
    let functions: Vec<_> = std::mem::take(&mut w.unwind)
        .into_iter()
        .filter_map(|(symbol, offset, len, unwind)| match unwind {
            Unwind::SystemV(info) => Some((symbol, offset, len, info)),
            Unwind::WindowsX64(_) | Unwind::WindowsArm64(_) => None,
        })
        .collect();
    let (Some(mut cie), false) = (cie, functions.is_empty()) else { return Ok(None) };
    cie.fde_address_encoding = match pointers {
        Pointers::PcRel4 => DW_EH_PE_pcrel | DW_EH_PE_sdata4,
        Pointers::PcRel8 => DW_EH_PE_pcrel | DW_EH_PE_absptr,
    };
    let mut table = FrameTable::default();
    let cie_id = table.add_cie(cie);
    for (index, (_, _, _, info)) in functions.iter().enumerate() {
        // `Address::Symbol` numbers are indexes into `functions`; `Recording` notes where each lands.
        table.add_fde(cie_id, info.to_fde(Address::Symbol { symbol: index, addend: 0 }));
    }
    let mut out = EhFrame(Recording { data: EndianVec::new(LittleEndian), pointers: Vec::new() });
    table
        .write_eh_frame(&mut out)
        .map_err(|e| Diagnostic::internal(format!("writing the unwind table: {e}")))?;
    let Recording { data, pointers } = out.0;
    let mut bytes = data.into_vec();
    // Each FDE's address range is the function's code as written, which is shorter than Cranelift's
    // `UnwindInfo` says when the slot-call rewrite shortened it (slot_call.rs; Cranelift's info keeps the
    // length of the code it emitted, and has no setter). The range length follows the initial location, in
    // the same size (gimli's `FrameDescriptionEntry::write`; DWARF 5 §6.4.1, `address_range`).
    for &(field, index, size) in &pointers {
        let len = u64::from(functions[index].2).to_le_bytes();
        let at = field + size;
        let range = bytes.get_mut(at..at + size).ok_or_else(|| {
            Diagnostic::internal(format!("unwind table: no address range after the pointer at {field:#x}"))
        })?;
        range.copy_from_slice(&len[..size]);
    }
    let pointers = pointers
        .into_iter()
        .map(|(field, index, _)| {
            let (symbol, text_offset, _, _) = &functions[index];
            (field as u64, *symbol, *text_offset)
        })
        .collect();
    Ok(Some(Table { bytes, pointers }))
}

/// A gimli writer that leaves a zero in each PC-relative pointer to a function and records where it is.
struct Recording {
    data: EndianVec<LittleEndian>,
    /// (offset in the section, function index, size in bytes) of each such pointer.
    pointers: Vec<(usize, usize, usize)>,
}

impl gimli::write::Writer for Recording {
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

    fn write_eh_pointer(&mut self, address: Address, eh_pe: DwEhPe, size: u8) -> gimli::write::Result<()> {
        match address {
            Address::Symbol { symbol, addend: 0 }
                if eh_pe == DW_EH_PE_pcrel | DW_EH_PE_sdata4 || eh_pe == DW_EH_PE_pcrel | DW_EH_PE_absptr =>
            {
                let size = if eh_pe.format() == DW_EH_PE_sdata4 { 4 } else { size };
                self.pointers.push((self.len(), symbol, usize::from(size)));
                self.write_udata(0, size)
            }
            Address::Symbol { .. } => Err(gimli::write::Error::UnsupportedPointerEncoding(eh_pe)),
            // Every pointer linkwise puts in the table names a function; a constant here would be a bug.
            Address::Constant(_) => Err(gimli::write::Error::InvalidAddress),
        }
    }
}
