//! The one table where (object format, architecture, site shape, access) becomes a relocation: which
//! relocation type, against which object symbol (`X` or its import slot `__imp_X`), and whether the instruction
//! must be rewritten. Every other part of linkwise asks this table; none decides relocations on its own.

use cranelift_codegen::binemit::Reloc;
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Access, Arch, Format, Target};
use object::write::RelocationFlags;
use object::{elf, macho, pe};

/// What an instruction (or data word) does with the symbol it refers to, independent of object format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SiteShape {
    /// A PC-relative call: x86_64 `call rel32`.
    Call,
    /// A load of a pointer slot: x86_64 `mov r64, [rip+slot]`. Cranelift emits it for every non-colocated
    /// reference under `is_pic`; the slot is `__imp_X` for a dllimport, the GOT entry on ELF, and for a symbol
    /// in this image the load is relaxed into an address computation.
    SlotLoad,
    /// aarch64: the `adrp` of a slot load (`adrp x, slot; ldr x, [x, :lo12:slot]`).
    SlotPage,
    /// aarch64: the `ldr` of a slot load.
    SlotPageOffset,
    /// A 64-bit absolute address stored in data (a static initialized with `&X`).
    DataAbs64,
    /// A 32-bit image-relative address (Windows `.pdata` and `.xdata` entries).
    ImageRel32,
    /// A 32-bit PC-relative pointer from unwind tables to code: an FDE's initial location in ELF `.eh_frame`,
    /// encoded `DW_EH_PE_pcrel | DW_EH_PE_sdata4` as GCC and clang do, so the table needs no dynamic relocation
    /// in a PIE.
    UnwindPcRel32,
}

impl SiteShape {
    /// Classifies a relocation Cranelift reported; `None` for kinds linkwise's lowering never produces.
    pub fn from_cranelift(kind: Reloc) -> Option<SiteShape> {
        match kind {
            Reloc::X86CallPCRel4 => Some(SiteShape::Call),
            Reloc::X86GOTPCRel4 => Some(SiteShape::SlotLoad),
            Reloc::Arm64Call => Some(SiteShape::Call),
            Reloc::Aarch64AdrGotPage21 => Some(SiteShape::SlotPage),
            Reloc::Aarch64Ld64GotLo12Nc => Some(SiteShape::SlotPageOffset),
            _ => None,
        }
    }
}

/// Which object symbol a relocation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolRef {
    /// The symbol itself, `X`.
    Plain,
    /// Its import slot, `__imp_X` (filled in by the Windows loader from the import address table).
    ImportSlot,
}

/// A rewrite of the instruction at a relocation, applied by the object writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Patch {
    /// x86_64: `mov r64, [rip+X]` (REX.W 8B /r) becomes `lea r64, [rip+X]` (REX.W 8D /r), same length: the slot
    /// load Cranelift emitted becomes the address computation a symbol without a slot needs. Linkers call this
    /// GOT relaxation (R_X86_64_REX_GOTPCRELX); COFF has no GOT, so linkwise does it before the linker.
    MovToLea,
    /// aarch64: `ldr x, [x, #lo12]` (64-bit load, unsigned offset) becomes `add x, x, #lo12`: the second half of
    /// a slot load becomes the second half of an address computation, the same relaxation for `adrp`/`ldr`.
    LdrToAdd,
}

/// The decision for one site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The relocation as the object writer takes it.
    pub flags: RelocationFlags,
    /// The relocation type's name as the format's documentation spells it, for listings.
    pub name: &'static str,
    /// Whether it names `X` or `__imp_X`.
    pub symbol: SymbolRef,
    /// Instruction rewrite, if any.
    pub patch: Option<Patch>,
}

const fn coff(
    typ: pe::RelocationType,
    name: &'static str,
    symbol: SymbolRef,
    patch: Option<Patch>,
) -> Placement {
    Placement { flags: RelocationFlags::Coff { typ }, name, symbol, patch }
}

/// ELF relocations always name the symbol itself; the GOT and PLT are the linker's to build.
const fn elf_rel(r_type: elf::RelocationType, name: &'static str, patch: Option<Patch>) -> Placement {
    Placement { flags: RelocationFlags::Elf { r_type }, name, symbol: SymbolRef::Plain, patch }
}

/// Mach-O relocations name the symbol itself; `r_length` 2 is a 4-byte field, 3 an 8-byte one.
const fn macho(
    r_type: macho::RelocationType,
    r_pcrel: bool,
    r_length: u8,
    name: &'static str,
    patch: Option<Patch>,
) -> Placement {
    Placement {
        flags: RelocationFlags::MachO { r_type, r_pcrel, r_length },
        name,
        symbol: SymbolRef::Plain,
        patch,
    }
}

/// The table. An unsupported combination is an error naming it, never a guess.
pub fn place(target: &Target, shape: SiteShape, access: Access) -> Result<Placement, Diagnostic> {
    use Access::{Direct, Got, ImportSlot, Plt};
    use SiteShape::*;
    use SymbolRef::Plain;
    const REL32: (pe::RelocationType, &str) = (pe::IMAGE_REL_AMD64_REL32, "IMAGE_REL_AMD64_REL32");
    let placement = match (target.format, target.arch, shape, access) {
        // call rel32 to a function in this image: the module's own, or one from a static library.
        (Format::Coff, Arch::X86_64, Call, Direct) => coff(REL32.0, REL32.1, Plain, None),
        // call rel32 to a DLL function lands on the import library's thunk `X: jmp [rip+__imp_X]`. Correct, one
        // extra jump; this is what a compiler that knows nothing of dllimport emits. Lowering does not produce it
        // (it declares such callees non-colocated), but the table states it for completeness and for benchmarks.
        (Format::Coff, Arch::X86_64, Call, ImportSlot) => coff(REL32.0, REL32.1, Plain, None),
        // mov r, [rip+__imp_X]: the dllimport load of the address the loader stored in the import slot.
        (Format::Coff, Arch::X86_64, SlotLoad, ImportSlot) => {
            coff(REL32.0, REL32.1, SymbolRef::ImportSlot, None)
        }
        // No slot exists for a symbol in this image: lea r, [rip+X] instead.
        (Format::Coff, Arch::X86_64, SlotLoad, Direct) => {
            coff(REL32.0, REL32.1, Plain, Some(Patch::MovToLea))
        }
        // A pointer in data. For a DLL function the import library's thunk stands for it (the linkage stage
        // rejects DLL data here: only the loader knows its address).
        (Format::Coff, Arch::X86_64, DataAbs64, _) => {
            coff(pe::IMAGE_REL_AMD64_ADDR64, "IMAGE_REL_AMD64_ADDR64", Plain, None)
        }
        (Format::Coff, Arch::X86_64, ImageRel32, Direct) => {
            coff(pe::IMAGE_REL_AMD64_ADDR32NB, "IMAGE_REL_AMD64_ADDR32NB", Plain, None)
        }

        // COFF arm64. Addends stay in the instruction (they are zero here). A dllimport is the pair
        // `adrp x, __imp_f` + `ldr x, [x, :lo12:__imp_f]`, then `blr x`, as clang-cl emits.
        (Format::Coff, Arch::Aarch64, Call, Direct | ImportSlot) => {
            coff(pe::IMAGE_REL_ARM64_BRANCH26, "IMAGE_REL_ARM64_BRANCH26", Plain, None)
        }
        (Format::Coff, Arch::Aarch64, SlotPage, ImportSlot) => coff(
            pe::IMAGE_REL_ARM64_PAGEBASE_REL21,
            "IMAGE_REL_ARM64_PAGEBASE_REL21",
            SymbolRef::ImportSlot,
            None,
        ),
        (Format::Coff, Arch::Aarch64, SlotPageOffset, ImportSlot) => coff(
            pe::IMAGE_REL_ARM64_PAGEOFFSET_12L,
            "IMAGE_REL_ARM64_PAGEOFFSET_12L",
            SymbolRef::ImportSlot,
            None,
        ),
        (Format::Coff, Arch::Aarch64, SlotPage, Direct) => {
            coff(pe::IMAGE_REL_ARM64_PAGEBASE_REL21, "IMAGE_REL_ARM64_PAGEBASE_REL21", Plain, None)
        }
        // `add` takes the page offset unscaled: PAGEOFFSET_12A, where the `ldr` it replaces took 12L.
        (Format::Coff, Arch::Aarch64, SlotPageOffset, Direct) => coff(
            pe::IMAGE_REL_ARM64_PAGEOFFSET_12A,
            "IMAGE_REL_ARM64_PAGEOFFSET_12A",
            Plain,
            Some(Patch::LdrToAdd),
        ),
        (Format::Coff, Arch::Aarch64, DataAbs64, _) => {
            coff(pe::IMAGE_REL_ARM64_ADDR64, "IMAGE_REL_ARM64_ADDR64", Plain, None)
        }
        (Format::Coff, Arch::Aarch64, ImageRel32, Direct) => {
            coff(pe::IMAGE_REL_ARM64_ADDR32NB, "IMAGE_REL_ARM64_ADDR32NB", Plain, None)
        }

        // ELF x86_64 (System V psABI). Calls use PLT32 whether or not the callee is local, as clang does: the
        // linker resolves it to the function itself when no PLT entry is needed.
        (Format::Elf, Arch::X86_64, Call, Direct | Plt) => {
            elf_rel(elf::R_X86_64_PLT32, "R_X86_64_PLT32", None)
        }
        // mov r, [rip+f@GOTPCREL]: data from elsewhere, or a call with --no-plt. REX_GOTPCRELX lets the linker
        // relax it when the symbol turns out to be local.
        // (`&f` of a PLT-called function also loads the GOT entry: that holds the canonical address.)
        (Format::Elf, Arch::X86_64, SlotLoad, Got | Plt) => {
            elf_rel(elf::R_X86_64_REX_GOTPCRELX, "R_X86_64_REX_GOTPCRELX", None)
        }
        (Format::Elf, Arch::X86_64, SlotLoad, Direct) => {
            elf_rel(elf::R_X86_64_PC32, "R_X86_64_PC32", Some(Patch::MovToLea))
        }
        (Format::Elf, Arch::X86_64, DataAbs64, _) => elf_rel(elf::R_X86_64_64, "R_X86_64_64", None),
        (Format::Elf, Arch::X86_64, UnwindPcRel32, Direct) => {
            elf_rel(elf::R_X86_64_PC32, "R_X86_64_PC32", None)
        }

        // ELF aarch64 (AAELF64).
        (Format::Elf, Arch::Aarch64, Call, Direct | Plt) => {
            elf_rel(elf::R_AARCH64_CALL26, "R_AARCH64_CALL26", None)
        }
        (Format::Elf, Arch::Aarch64, SlotPage, Got | Plt) => {
            elf_rel(elf::R_AARCH64_ADR_GOT_PAGE, "R_AARCH64_ADR_GOT_PAGE", None)
        }
        (Format::Elf, Arch::Aarch64, SlotPageOffset, Got | Plt) => {
            elf_rel(elf::R_AARCH64_LD64_GOT_LO12_NC, "R_AARCH64_LD64_GOT_LO12_NC", None)
        }
        (Format::Elf, Arch::Aarch64, SlotPage, Direct) => {
            elf_rel(elf::R_AARCH64_ADR_PREL_PG_HI21, "R_AARCH64_ADR_PREL_PG_HI21", None)
        }
        (Format::Elf, Arch::Aarch64, SlotPageOffset, Direct) => {
            elf_rel(elf::R_AARCH64_ADD_ABS_LO12_NC, "R_AARCH64_ADD_ABS_LO12_NC", Some(Patch::LdrToAdd))
        }
        (Format::Elf, Arch::Aarch64, DataAbs64, _) => elf_rel(elf::R_AARCH64_ABS64, "R_AARCH64_ABS64", None),
        (Format::Elf, Arch::Aarch64, UnwindPcRel32, Direct) => {
            elf_rel(elf::R_AARCH64_PREL32, "R_AARCH64_PREL32", None)
        }
        // Mach-O x86_64. ld64 routes branches to dylib functions through stubs, and GOT_LOAD marks the `movq`
        // it may relax.
        (Format::MachO, Arch::X86_64, Call, Direct | Plt) => {
            macho(macho::X86_64_RELOC_BRANCH, true, 2, "X86_64_RELOC_BRANCH", None)
        }
        (Format::MachO, Arch::X86_64, SlotLoad, Got | Plt) => {
            macho(macho::X86_64_RELOC_GOT_LOAD, true, 2, "X86_64_RELOC_GOT_LOAD", None)
        }
        (Format::MachO, Arch::X86_64, SlotLoad, Direct) => {
            macho(macho::X86_64_RELOC_SIGNED, true, 2, "X86_64_RELOC_SIGNED", Some(Patch::MovToLea))
        }
        (Format::MachO, Arch::X86_64, DataAbs64, _) => {
            macho(macho::X86_64_RELOC_UNSIGNED, false, 3, "X86_64_RELOC_UNSIGNED", None)
        }

        // Mach-O arm64.
        (Format::MachO, Arch::Aarch64, Call, Direct | Plt) => {
            macho(macho::ARM64_RELOC_BRANCH26, true, 2, "ARM64_RELOC_BRANCH26", None)
        }
        (Format::MachO, Arch::Aarch64, SlotPage, Got | Plt) => {
            macho(macho::ARM64_RELOC_GOT_LOAD_PAGE21, true, 2, "ARM64_RELOC_GOT_LOAD_PAGE21", None)
        }
        (Format::MachO, Arch::Aarch64, SlotPageOffset, Got | Plt) => {
            macho(macho::ARM64_RELOC_GOT_LOAD_PAGEOFF12, false, 2, "ARM64_RELOC_GOT_LOAD_PAGEOFF12", None)
        }
        (Format::MachO, Arch::Aarch64, SlotPage, Direct) => {
            macho(macho::ARM64_RELOC_PAGE21, true, 2, "ARM64_RELOC_PAGE21", None)
        }
        (Format::MachO, Arch::Aarch64, SlotPageOffset, Direct) => {
            macho(macho::ARM64_RELOC_PAGEOFF12, false, 2, "ARM64_RELOC_PAGEOFF12", Some(Patch::LdrToAdd))
        }
        (Format::MachO, Arch::Aarch64, DataAbs64, _) => {
            macho(macho::ARM64_RELOC_UNSIGNED, false, 3, "ARM64_RELOC_UNSIGNED", None)
        }

        (format, arch, shape, access) => {
            return Err(Diagnostic::error(format!(
                "internal error: no relocation for a {shape:?} site reached by {access:?} on {format:?} {arch:?} \
                 (target `{target}`)"
            )));
        }
    };
    Ok(placement)
}

/// The object-file name of a symbol whose IR link name is `link_name`, for `symbol` = plain or import slot.
///
/// This is the one place names are mangled (the object writer's own mangling is off). COFF x86_64 and arm64
/// add no prefix (unlike 32-bit x86's `_`) and the import slot is `__imp_` + name, the convention import
/// libraries define; ELF adds nothing; Mach-O prefixes every C symbol with `_`.
pub fn object_name(target: &Target, link_name: &str, symbol: SymbolRef) -> String {
    match (target.format, symbol) {
        (Format::MachO, _) => format!("_{link_name}"),
        (_, SymbolRef::Plain) => link_name.to_owned(),
        (_, SymbolRef::ImportSlot) => format!("__imp_{link_name}"),
    }
}

/// Applies `patch` to `code`, where the relocated 32-bit field starts at `offset`. Checks the instruction really
/// is the one the patch expects: a mismatch is an internal error, never silently wrong code.
pub fn apply_patch(code: &mut [u8], offset: usize, patch: Patch) -> Result<(), String> {
    match patch {
        Patch::MovToLea => {
            // REX.W (0x48..=0x4f) | opcode 0x8b | ModRM with mod=00, rm=101 (RIP-relative) | disp32 at `offset`.
            let start = offset.checked_sub(3).ok_or("slot load at the start of the function")?;
            let Some(&mut [rex, ref mut opcode, modrm]) = code.get_mut(start..offset) else {
                return Err(format!("slot load at {offset:#x} lies outside the function"));
            };
            if !(0x48..=0x4f).contains(&rex) || *opcode != 0x8b || modrm & 0xc7 != 0x05 {
                return Err(format!(
                    "expected `mov r64, [rip+disp32]` before offset {offset:#x}, found bytes {rex:02x} {:02x} {modrm:02x}",
                    *opcode
                ));
            }
            *opcode = 0x8d;
            Ok(())
        }
        Patch::LdrToAdd => {
            let Some(word) = code.get_mut(offset..offset + 4) else {
                return Err(format!("slot load at {offset:#x} lies outside the function"));
            };
            let insn = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            // LDR Xt, [Xn, #imm] (unsigned offset): 0xf9400000 | imm12 << 10 | Rn << 5 | Rt.
            if insn & 0xffc0_0000 != 0xf940_0000 {
                return Err(format!("expected `ldr x, [x, #imm]` at offset {offset:#x}, found {insn:#010x}"));
            }
            // ADD Xd, Xn, #imm: 0x91000000 | imm12 << 10 | Rn << 5 | Rd. The immediate is the relocation's to fill,
            // so only the registers are kept. (LDR scales its immediate by 8 and ADD does not; the relocation
            // type chosen with this patch, ADD_ABS_LO12_NC, is the unscaled one.)
            let add = 0x9100_0000 | (insn & 0x3ff);
            word.copy_from_slice(&add.to_le_bytes());
            Ok(())
        }
    }
}
