//! The one table where (object format, architecture, site shape, access) becomes a relocation: which
//! relocation type, against which object symbol (`X` or its import slot `__imp_X`), and whether the instruction
//! must be rewritten. Beside it, the choice that decides the shape (`Purpose::colocated`: a direct call or a
//! slot load) and the one spelling of object symbol names ([`object_name`]). Every other part of linkwise asks
//! these; none decides relocations or names on its own.

use cranelift_codegen::binemit::Reloc;
use linkwise_ir::Diagnostic;
use linkwise_ir::checked::{Symbol, SymbolDef};
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
    /// A call through a pointer slot in one instruction: x86_64 `call qword ptr [rip+slot]` (`FF 15 disp32`).
    /// Cranelift never emits it; linkwise's rewrite of the finished code makes it from a [`SiteShape::SlotLoad`]
    /// followed by `call r64` (`slot_call.rs`), so only that rewrite gives a site this shape.
    SlotCall,
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

/// Which object symbol a relocation names: the axis of *names*, not of how code reaches the symbol (that is
/// [`Access`], whose `ImportSlot` is the reason a relocation names [`SymbolRef::ImpPrefixed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolRef {
    /// The symbol itself, `X`.
    Plain,
    /// The symbol of its import slot, `__imp_X` (filled in by the Windows loader from the import address table).
    ImpPrefixed,
}

/// A rewrite of the instruction at a relocation, applied by the object writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Patch {
    /// x86_64: `mov r64, [rip+X]` (REX.W 8B /r) becomes `lea r64, [rip+X]` (REX.W 8D /r), same length: the slot
    /// load Cranelift emitted becomes the address computation a symbol without a slot needs. Linkers call this
    /// GOT relaxation (R_X86_64_REX_GOTPCRELX); COFF has no GOT, so linkwise does it before the linker.
    MovToLea,
    /// aarch64: `ldr x, [x, #lo12]` (64-bit load, unsigned offset) becomes `add x, x, #lo12`: the second half of
    /// a slot load becomes the second half of an address computation, the same relaxation for `adrp`/`ldr`.
    LdrToAdd,
}

/// Why a site refers to its symbol: the IR construct that produced the reference, recorded by lowering when it
/// asks Cranelift for it (so nothing downstream has to guess it back from the instructions or the IR). The
/// unwind tables' pointers are not sites (they name section symbols, not program symbols) and need no purpose:
/// each is an `UnwindSite`, and being one says what it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// A call made with a PC-relative branch to the callee (`call rel32`, `bl`), which the linker may route
    /// through a PLT entry or stub.
    Call,
    /// A call through a pointer slot: the callee's address is loaded from its import slot or GOT entry, then
    /// the register is called.
    CallThroughSlot,
    /// A call through a pointer slot inside a loop: the slot is loaded as a value of its own, which Cranelift
    /// hoists out of the loop (the slot never changes once the loader has filled it), and each iteration calls
    /// the register, as clang -O2 does; a call outside loops keeps [`Purpose::CallThroughSlot`]'s one
    /// instruction.
    CallInLoop,
    /// The address of a symbol as a value: `&f`, `&X`, a string literal.
    Address,
    /// The address of a static, to load or store its value (`X`, `X = ...`).
    Data,
    /// An address stored in a static's initial value (`static P: ptr = &X;`).
    DataWord,
}

impl Purpose {
    /// The purpose of a call to a symbol reached by `access`: a slot call exactly when the symbol has a slot
    /// of its own that the code reads (a dllimport, or a GOT call under `--no-plt`). A `Plt` call is a plain
    /// branch in the object; the linker adds the PLT entry (ELF) or stub (Mach-O).
    pub(crate) fn of_call(access: Access) -> Purpose {
        match access {
            Access::Direct | Access::Plt => Purpose::Call,
            Access::ImportSlot | Access::Got => Purpose::CallThroughSlot,
        }
    }

    /// Whether lowering declares the reference `colocated` to Cranelift, which decides the instruction shape:
    /// a colocated call is `call rel32`/`bl` ([`SiteShape::Call`]), a non-colocated one a slot load and an
    /// indirect call ([`SiteShape::SlotLoad`], or [`SiteShape::SlotPage`] + [`SiteShape::SlotPageOffset`]).
    /// Addresses are slot loads either way under `is_pic` (isa.rs); they are declared colocated when the
    /// symbol is in this image, which is true and lets [`place`] relax the load.
    pub(crate) fn colocated(self, access: Access) -> bool {
        match self {
            Purpose::Call => true,
            Purpose::CallThroughSlot | Purpose::CallInLoop => false,
            Purpose::Address | Purpose::Data | Purpose::DataWord => access == Access::Direct,
        }
    }
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

/// A COFF row: `coff!(TYPE)`, `coff!(TYPE, SYMBOL_REF)`, `coff!(TYPE, SYMBOL_REF, PATCH)`. The constant is
/// named once; its documented name is derived from it.
macro_rules! coff {
    ($typ:ident) => {
        coff!($typ, Plain)
    };
    ($typ:ident, $symbol:ident $(, $patch:ident)?) => {
        Placement {
            flags: RelocationFlags::Coff { typ: pe::$typ },
            name: stringify!($typ),
            symbol: SymbolRef::$symbol,
            patch: patch!($($patch)?),
        }
    };
}

/// An ELF row: `elf!(TYPE)` or `elf!(TYPE, PATCH)`. ELF relocations always name the symbol itself; the GOT and
/// PLT are the linker's to build.
macro_rules! elf {
    ($r_type:ident $(, $patch:ident)?) => {
        Placement {
            flags: RelocationFlags::Elf { r_type: elf::$r_type },
            name: stringify!($r_type),
            symbol: SymbolRef::Plain,
            patch: patch!($($patch)?),
        }
    };
}

/// A Mach-O row: `macho!(TYPE, pcrel, length)` or with a patch; `r_length` 2 is a 4-byte field, 3 an 8-byte
/// one. Mach-O relocations name the symbol itself; ld64 builds GOT entries and stubs.
macro_rules! macho {
    ($r_type:ident, $r_pcrel:expr, $r_length:expr $(, $patch:ident)?) => {
        Placement {
            flags: RelocationFlags::MachO { r_type: macho::$r_type, r_pcrel: $r_pcrel, r_length: $r_length },
            name: stringify!($r_type),
            symbol: SymbolRef::Plain,
            patch: patch!($($patch)?),
        }
    };
}

macro_rules! patch {
    () => {
        None
    };
    ($patch:ident) => {
        Some(Patch::$patch)
    };
}

/// The table. An unsupported combination is an error naming it, never a guess.
///
/// Every row is one lowering can produce: the round-trip test below writes each with the `object` writer and
/// reads it back. Accesses are spelled out per format (never `_`), so an access a format does not have
/// (`Got` on COFF, `ImportSlot` on ELF) has no row.
pub fn place(target: &Target, shape: SiteShape, access: Access) -> Result<Placement, Diagnostic> {
    use Access::{Direct, Got, ImportSlot, Plt};
    use SiteShape::*;
    let placement = match (target.format, target.arch, shape, access) {
        // COFF x86_64. call rel32 to a function in this image: the module's own, or one from a static library.
        // (A DLL function is never called this way: `Purpose::colocated` makes its call a slot load, so the
        // call goes straight through `__imp_X` rather than through the import library's `jmp` thunk.)
        (Format::Coff, Arch::X86_64, Call, Direct) => coff!(IMAGE_REL_AMD64_REL32),
        // mov r, [rip+__imp_X]: the dllimport load of the address the loader stored in the import slot.
        (Format::Coff, Arch::X86_64, SlotLoad, ImportSlot) => coff!(IMAGE_REL_AMD64_REL32, ImpPrefixed),
        // call [rip+__imp_X]: the dllimport call as MSVC and clang-cl emit it (clang-cl: `call qword ptr
        // [rip+__imp_puts]`, IMAGE_REL_AMD64_REL32 against `__imp_puts`; ../../../shared/notes/toolchain.md).
        (Format::Coff, Arch::X86_64, SlotCall, ImportSlot) => coff!(IMAGE_REL_AMD64_REL32, ImpPrefixed),
        // No slot exists for a symbol in this image: lea r, [rip+X] instead.
        (Format::Coff, Arch::X86_64, SlotLoad, Direct) => coff!(IMAGE_REL_AMD64_REL32, Plain, MovToLea),
        // A pointer in data. For a DLL function the import library's thunk stands for it (the linkage stage
        // rejects DLL data here: only the loader knows its address).
        (Format::Coff, Arch::X86_64, DataAbs64, Direct | ImportSlot) => coff!(IMAGE_REL_AMD64_ADDR64),
        (Format::Coff, Arch::X86_64, ImageRel32, Direct) => coff!(IMAGE_REL_AMD64_ADDR32NB),

        // COFF arm64. Addends stay in the instruction (they are zero here). A dllimport is the pair
        // `adrp x, __imp_f` + `ldr x, [x, :lo12:__imp_f]`, then `blr x`, as clang-cl emits.
        (Format::Coff, Arch::Aarch64, Call, Direct) => coff!(IMAGE_REL_ARM64_BRANCH26),
        (Format::Coff, Arch::Aarch64, SlotPage, ImportSlot) => {
            coff!(IMAGE_REL_ARM64_PAGEBASE_REL21, ImpPrefixed)
        }
        (Format::Coff, Arch::Aarch64, SlotPageOffset, ImportSlot) => {
            coff!(IMAGE_REL_ARM64_PAGEOFFSET_12L, ImpPrefixed)
        }
        (Format::Coff, Arch::Aarch64, SlotPage, Direct) => coff!(IMAGE_REL_ARM64_PAGEBASE_REL21),
        // `add` takes the page offset unscaled: PAGEOFFSET_12A, where the `ldr` it replaces took 12L.
        (Format::Coff, Arch::Aarch64, SlotPageOffset, Direct) => {
            coff!(IMAGE_REL_ARM64_PAGEOFFSET_12A, Plain, LdrToAdd)
        }
        (Format::Coff, Arch::Aarch64, DataAbs64, Direct | ImportSlot) => coff!(IMAGE_REL_ARM64_ADDR64),
        (Format::Coff, Arch::Aarch64, ImageRel32, Direct) => coff!(IMAGE_REL_ARM64_ADDR32NB),

        // ELF x86_64 (System V psABI). Calls use PLT32 whether or not the callee is local, as clang does: the
        // linker resolves it to the function itself when no PLT entry is needed.
        (Format::Elf, Arch::X86_64, Call, Direct | Plt) => elf!(R_X86_64_PLT32),
        // mov r, [rip+f@GOTPCREL]: data from elsewhere, or a call with --no-plt. REX_GOTPCRELX lets the linker
        // relax it when the symbol turns out to be local.
        // (`&f` of a PLT-called function also loads the GOT entry: that holds the canonical address.)
        (Format::Elf, Arch::X86_64, SlotLoad, Got | Plt) => elf!(R_X86_64_REX_GOTPCRELX),
        (Format::Elf, Arch::X86_64, SlotLoad, Direct) => elf!(R_X86_64_PC32, MovToLea),
        // call *f@GOTPCREL(%rip) under --no-plt: GOTPCRELX, the form without a REX prefix, which the psABI
        // (x86-64 System V ABI, "Relocation Types") lets the linker relax into `addr32 call f` when `f` is
        // local. clang 19 `-fno-plt -fPIC` emits exactly this (FF 15, R_X86_64_GOTPCRELX f-4; checked with
        // llvm-objdump -dr).
        (Format::Elf, Arch::X86_64, SlotCall, Got) => elf!(R_X86_64_GOTPCRELX),
        (Format::Elf, Arch::X86_64, DataAbs64, Direct | Got | Plt) => elf!(R_X86_64_64),
        (Format::Elf, Arch::X86_64, UnwindPcRel32, Direct) => elf!(R_X86_64_PC32),

        // ELF aarch64 (AAELF64).
        (Format::Elf, Arch::Aarch64, Call, Direct | Plt) => elf!(R_AARCH64_CALL26),
        (Format::Elf, Arch::Aarch64, SlotPage, Got | Plt) => elf!(R_AARCH64_ADR_GOT_PAGE),
        (Format::Elf, Arch::Aarch64, SlotPageOffset, Got | Plt) => elf!(R_AARCH64_LD64_GOT_LO12_NC),
        (Format::Elf, Arch::Aarch64, SlotPage, Direct) => elf!(R_AARCH64_ADR_PREL_PG_HI21),
        (Format::Elf, Arch::Aarch64, SlotPageOffset, Direct) => elf!(R_AARCH64_ADD_ABS_LO12_NC, LdrToAdd),
        (Format::Elf, Arch::Aarch64, DataAbs64, Direct | Got | Plt) => elf!(R_AARCH64_ABS64),
        (Format::Elf, Arch::Aarch64, UnwindPcRel32, Direct) => elf!(R_AARCH64_PREL32),

        // Mach-O x86_64. ld64 routes branches to dylib functions through stubs, and GOT_LOAD marks the `movq`
        // it may relax.
        (Format::MachO, Arch::X86_64, Call, Direct | Plt) => macho!(X86_64_RELOC_BRANCH, true, 2),
        (Format::MachO, Arch::X86_64, SlotLoad, Got | Plt) => macho!(X86_64_RELOC_GOT_LOAD, true, 2),
        (Format::MachO, Arch::X86_64, SlotLoad, Direct) => macho!(X86_64_RELOC_SIGNED, true, 2, MovToLea),
        // callq *_f@GOTPCREL(%rip): X86_64_RELOC_GOT (4), pcrel, 4-byte field; GOT_LOAD (3) is only for the
        // `movq` ld64 may turn into `leaq` (Apple's <mach-o/x86_64/reloc.h>; clang 19 for x86_64-apple-macos11
        // with -fno-plt emits FF 15 with `X86_64_RELOC_GOT _f`, PCRel 1, Length 2, per llvm-readobj -r).
        (Format::MachO, Arch::X86_64, SlotCall, Got) => macho!(X86_64_RELOC_GOT, true, 2),
        (Format::MachO, Arch::X86_64, DataAbs64, Direct | Got | Plt) => {
            macho!(X86_64_RELOC_UNSIGNED, false, 3)
        }

        // Mach-O arm64.
        (Format::MachO, Arch::Aarch64, Call, Direct | Plt) => macho!(ARM64_RELOC_BRANCH26, true, 2),
        (Format::MachO, Arch::Aarch64, SlotPage, Got | Plt) => macho!(ARM64_RELOC_GOT_LOAD_PAGE21, true, 2),
        (Format::MachO, Arch::Aarch64, SlotPageOffset, Got | Plt) => {
            macho!(ARM64_RELOC_GOT_LOAD_PAGEOFF12, false, 2)
        }
        (Format::MachO, Arch::Aarch64, SlotPage, Direct) => macho!(ARM64_RELOC_PAGE21, true, 2),
        (Format::MachO, Arch::Aarch64, SlotPageOffset, Direct) => {
            macho!(ARM64_RELOC_PAGEOFF12, false, 2, LdrToAdd)
        }
        (Format::MachO, Arch::Aarch64, DataAbs64, Direct | Got | Plt) => {
            macho!(ARM64_RELOC_UNSIGNED, false, 3)
        }

        (format, arch, shape, access) => {
            return Err(Diagnostic::internal(format!(
                "no relocation for a {shape:?} site reached by {access:?} on {format:?} {arch:?} \
                 (target `{target}`)"
            )));
        }
    };
    Ok(placement)
}

/// The object-file name of `symbol`, or of its import slot.
///
/// This is the one place names are mangled (the object writer's own mangling is off), from the target's facts:
/// its C-symbol prefix (Mach-O's `_`), its private-symbol prefix for string literals (`.L`, Mach-O `l_`), and
/// the import slot's `__imp_` + name, the convention Windows import libraries define (only COFF rows name it).
pub fn object_name(target: &Target, symbol: &Symbol, r: SymbolRef) -> String {
    let name = &symbol.link_name;
    match (&symbol.def, r) {
        (SymbolDef::Str { .. }, _) => format!("{}{name}", target.private_symbol_prefix()),
        (_, SymbolRef::Plain) => format!("{}{name}", target.symbol_prefix()),
        (_, SymbolRef::ImpPrefixed) => format!("__imp_{}{name}", target.symbol_prefix()),
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

/// Every site shape and every access, for what walks the whole table (asm.rs names every relocation type it
/// holds; the tests check every row).
pub(crate) const SHAPES: [SiteShape; 8] = [
    SiteShape::Call,
    SiteShape::SlotLoad,
    SiteShape::SlotCall,
    SiteShape::SlotPage,
    SiteShape::SlotPageOffset,
    SiteShape::DataAbs64,
    SiteShape::ImageRel32,
    SiteShape::UnwindPcRel32,
];
/// See [`SHAPES`].
pub(crate) const ACCESSES: [Access; 4] = [Access::Direct, Access::ImportSlot, Access::Got, Access::Plt];

#[cfg(test)]
mod tests {
    use super::*;
    use linkwise_linkage::target::SUPPORTED;
    use object::{Object as _, ObjectSection as _, ObjectSymbol as _, RelocationTarget};
    use std::collections::BTreeSet;

    use super::{ACCESSES, SHAPES};
    const PURPOSES: [Purpose; 6] = [
        Purpose::Call,
        Purpose::CallThroughSlot,
        Purpose::CallInLoop,
        Purpose::Address,
        Purpose::Data,
        Purpose::DataWord,
    ];

    /// An imported static named `name`.
    fn import(name: &str) -> Symbol {
        let def = SymbolDef::ImportStatic {
            block: linkwise_ir::checked::BlockId(0),
            ty: linkwise_ir::ast::Type::Ptr,
            mutable: false,
        };
        Symbol {
            name: name.into(),
            link_name: name.into(),
            span: Default::default(),
            def,
            export: None,
            ordinal: None,
        }
    }

    fn targets() -> Vec<Target> {
        SUPPORTED.iter().map(|t| Target::parse(t).unwrap()).collect()
    }

    /// Every (shape, access) that has a row for `target`.
    fn rows(target: &Target) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for shape in SHAPES {
            for access in ACCESSES {
                if place(target, shape, access).is_ok() {
                    out.insert((format!("{shape:?}"), format!("{access:?}")));
                }
            }
        }
        out
    }

    /// What lowering and the object writer ask the table for on `target`: each purpose, with every access the
    /// link plan can give on that format, in the instruction shapes Cranelift (or the unwind writer) makes for
    /// it (the table in ../../../shared/notes/cranelift.md; `SiteShape::from_cranelift`).
    fn produced(target: &Target) -> BTreeSet<(String, String)> {
        let accesses: &[Access] = match target.format {
            Format::Coff => &[Access::Direct, Access::ImportSlot],
            Format::Elf | Format::MachO => &[Access::Direct, Access::Got, Access::Plt],
        };
        let slot_load: &[SiteShape] = match target.arch {
            Arch::X86_64 => &[SiteShape::SlotLoad],
            Arch::Aarch64 => &[SiteShape::SlotPage, SiteShape::SlotPageOffset],
        };
        let mut out = BTreeSet::new();
        for purpose in PURPOSES {
            for &access in accesses {
                let shapes: &[SiteShape] = match purpose {
                    Purpose::Call | Purpose::CallThroughSlot if Purpose::of_call(access) != purpose => &[],
                    // Lowering makes a call in a loop only of what would otherwise be a slot call.
                    Purpose::CallInLoop if Purpose::of_call(access) != Purpose::CallThroughSlot => &[],
                    Purpose::Call => &[SiteShape::Call],
                    // The slot load, and on x86_64 what the slot-call rewrite makes of it (slot_call.rs).
                    Purpose::CallThroughSlot if target.arch == Arch::X86_64 => {
                        &[SiteShape::SlotLoad, SiteShape::SlotCall]
                    }
                    Purpose::CallThroughSlot | Purpose::CallInLoop | Purpose::Address | Purpose::Data => {
                        slot_load
                    }
                    Purpose::DataWord => &[SiteShape::DataAbs64],
                };
                for shape in shapes {
                    out.insert((format!("{shape:?}"), format!("{access:?}")));
                }
            }
        }
        // The unwind tables' pointers (emit/coff.rs, emit/elf.rs) point into this object's own `.text` and
        // `.xdata`; Mach-O's `__eh_frame` needs no relocation (emit/macho.rs).
        let unwind = match target.format {
            Format::Coff => Some(SiteShape::ImageRel32),
            Format::Elf => Some(SiteShape::UnwindPcRel32),
            Format::MachO => None,
        };
        out.extend(unwind.map(|shape| (format!("{shape:?}"), format!("{:?}", Access::Direct))));
        out
    }

    /// The table has a row for everything lowering produces and nothing else: no dead rows (such as the old
    /// `(Call, ImportSlot)` on COFF), no missing ones.
    #[test]
    fn table_rows_are_exactly_what_lowering_produces() {
        for target in targets() {
            assert_eq!(rows(&target), produced(&target), "{target}");
        }
    }

    /// Each row's name is its constant's name (as the format's documentation spells it): `stringify!` of the
    /// same identifier, checked here against the constant's value for a few rows.
    #[test]
    fn row_names_match_their_constants() {
        let t = |triple| Target::parse(triple).unwrap();
        let p = place(&t("x86_64-pc-windows-msvc"), SiteShape::DataAbs64, Access::Direct).unwrap();
        assert_eq!(
            (p.name, p.flags),
            ("IMAGE_REL_AMD64_ADDR64", RelocationFlags::Coff { typ: pe::IMAGE_REL_AMD64_ADDR64 })
        );
        let p = place(&t("aarch64-unknown-linux-gnu"), SiteShape::SlotPageOffset, Access::Direct).unwrap();
        assert_eq!(
            (p.name, p.flags, p.patch),
            (
                "R_AARCH64_ADD_ABS_LO12_NC",
                RelocationFlags::Elf { r_type: elf::R_AARCH64_ADD_ABS_LO12_NC },
                Some(Patch::LdrToAdd)
            )
        );
    }

    /// Every row, written with the `object` writer into an object of its target and read back with
    /// `object::read`, comes back as the same relocation type against the object symbol `object_name` gives
    /// (as gimli-rs/object's `tests/round_trip/reloc.rs` does for its own mapping).
    #[test]
    fn every_row_round_trips_through_the_object_writer_and_reader() {
        let mut written = 0;
        for target in targets() {
            for shape in SHAPES {
                for access in ACCESSES {
                    let Ok(placement) = place(&target, shape, access) else { continue };
                    let what = format!("{target} {shape:?} {access:?} ({})", placement.name);
                    let format = match target.format {
                        Format::Coff => object::BinaryFormat::Coff,
                        Format::Elf => object::BinaryFormat::Elf,
                        Format::MachO => object::BinaryFormat::MachO,
                    };
                    let architecture = match target.arch {
                        Arch::X86_64 => object::Architecture::X86_64,
                        Arch::Aarch64 => object::Architecture::Aarch64,
                    };
                    let mut obj =
                        object::write::Object::new(format, architecture, object::Endianness::Little);
                    obj.set_mangling(object::write::Mangling::None);
                    let text = obj.section_id(object::write::StandardSection::Text);
                    obj.append_section_data(text, &[0; 16], 4);
                    let name = object_name(&target, &import("x"), placement.symbol);
                    let symbol = obj.add_symbol(object::write::Symbol {
                        name: name.clone().into_bytes(),
                        value: 0,
                        size: 0,
                        kind: object::SymbolKind::Unknown,
                        scope: object::SymbolScope::Dynamic,
                        weak: false,
                        section: object::write::SymbolSection::Undefined,
                        flags: object::SymbolFlags::None,
                    });
                    let relocation =
                        object::write::Relocation { offset: 4, symbol, addend: 0, flags: placement.flags };
                    obj.add_relocation(text, relocation).unwrap_or_else(|e| panic!("{what}: {e}"));
                    let bytes = obj.write().unwrap_or_else(|e| panic!("{what}: {e}"));

                    let file = object::File::parse(&*bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
                    let section = file.sections().find(|s| s.kind() == object::SectionKind::Text).unwrap();
                    let relocations: Vec<_> = section.relocations().collect();
                    assert_eq!(relocations.len(), 1, "{what}");
                    let (offset, read) = &relocations[0];
                    assert_eq!((*offset, read.flags()), (4, placement.flags), "{what}");
                    let RelocationTarget::Symbol(index) = read.target() else {
                        panic!("{what}: not a symbol")
                    };
                    let read_name = file.symbol_by_index(index).unwrap().name().unwrap().to_owned();
                    assert_eq!(read_name, name, "{what}");
                    written += 1;
                }
            }
        }
        // All six targets' rows (the count pins the table: a new row must be added here on purpose).
        assert_eq!(written, 57);
    }

    #[test]
    fn names_take_the_target_prefixes() {
        let t = |triple| Target::parse(triple).unwrap();
        let (windows, mac, linux) =
            (t("x86_64-pc-windows-msvc"), t("aarch64-apple-darwin"), t("x86_64-unknown-linux-gnu"));
        assert_eq!(object_name(&windows, &import("puts"), SymbolRef::ImpPrefixed), "__imp_puts");
        assert_eq!(object_name(&mac, &import("environ"), SymbolRef::Plain), "_environ");
        assert_eq!(object_name(&linux, &import("environ"), SymbolRef::Plain), "environ");
        let string = Symbol { def: SymbolDef::Str { bytes: b"hi".to_vec() }, ..import("str.0") };
        let names = [&windows, &linux, &mac].map(|target| object_name(target, &string, SymbolRef::Plain));
        assert_eq!(names, [".Lstr.0", ".Lstr.0", "l_str.0"]);
    }
}
