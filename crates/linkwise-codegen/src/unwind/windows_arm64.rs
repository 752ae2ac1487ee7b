//! The Windows arm64 `.xdata` record of a function, built from the prologue steps Cranelift reports and the
//! function's machine code (to find its epilogues). Cranelift 0.135 gives only the prologue's codes; the record
//! around them, the epilogues and the `.pdata` entry are linkwise's.
//!
//! Cranelift's code buffer holds data as well as instructions: its constant pool (a float literal that no
//! `fmov` immediate encodes is loaded from there) and branch veneers, in "islands" after the code or, in a
//! large function, between its blocks. A constant can have the bits of `ret` (the low word of the `f64`
//! 1.000000798594769 is `0xd65f03c0`), so epilogues are looked for only in the byte ranges Cranelift emitted
//! as instructions ([`windows_arm64`]'s `instructions`).
//!
//! Cranelift's arm64 frame: `stp x29, x30, [sp, #-16]!; mov x29, sp`, a stack probe when the frame is 4 KiB
//! or more, callee-saved registers stored in pairs with pre-indexed `stp` (a single `str` for an odd one; a pair
//! is any two registers, in register order), `sub sp, sp, #N` (through x16 when N has no immediate form); each
//! epilogue is the exact reverse, without an instruction for `mov x29, sp` or the probe, ending in `ret`. So the
//! record holds two code sequences: the prologue's (in unwind order, with `set_fp`) and the epilogues', and one
//! epilogue scope per `ret`. Microsoft's "ARM64 exception handling" documentation defines the codes; each
//! describes exactly one instruction, which is what lets the unwinder start in the middle of a prologue or an
//! epilogue. The one instruction no code describes, a pair of non-consecutive registers, gets the codes
//! [`prologue_codes`] and [`encode`] explain.

use super::Undescribable;
use cranelift_codegen::isa::unwind::UnwindInst;
use cranelift_codegen::{CompiledCode, RegClass};
use std::ops::Range;

// The instruction words an epilogue is matched against, each checked with `llvm-mc -triple=aarch64` (assembled
// with `-show-encoding`, and disassembled back with `--disassemble`).
// Templates have their register fields zero; the comment shows the instruction with register 0 in them.

/// `ldp x29, x30, [sp], #16`: undoes the frame record's `stp x29, x30, [sp, #-16]!`.
const LDP_FP_LR_POST16: u32 = 0xa8c1_7bfd;
/// `ldp xT, xT2, [sp], #16`: Rt in bits 0-4, Rt2 in bits 10-14 (`ldp x0, x1, [sp], #16` is `0xa8c107e0`).
const LDP_X_POST16: u32 = 0xa8c1_03e0;
/// `ldp dT, dT2, [sp], #16`: register fields as [`LDP_X_POST16`] (`ldp d0, d1, [sp], #16` is `0x6cc107e0`).
const LDP_D_POST16: u32 = 0x6cc1_03e0;
/// `ldr x0, [sp], #16`: Rt in bits 0-4.
const LDR_X_POST16: u32 = 0xf841_07e0;
/// `ldr d0, [sp], #16`: Rt in bits 0-4.
const LDR_D_POST16: u32 = 0xfc41_07e0;
/// `add sp, sp, #0` (llvm-mc spells it `mov sp, sp`): imm12 in bits 10-21, `lsl #12` in bit 22. The epilogue
/// builds it from the prologue's `sub` ([`ADD_SUB_OP`]); the tests name it.
#[cfg(test)]
const ADD_SP_SP: u32 = 0x9100_03ff;
/// `sub sp, sp, #0`: fields as [`ADD_SP_SP`] (`sub sp, sp, #1, lsl #12` is `0xd14007ff`).
const SUB_SP_SP: u32 = 0xd100_03ff;
/// The bits of [`SUB_SP_SP`] that are not its immediate and shift.
const SUB_SP_SP_MASK: u32 = 0xff80_03ff;
/// `sub sp, sp, x0` (extended register, `uxtx`): Rm in bits 16-20 (`sub sp, sp, x16` is `0xcb3063ff`).
const SUB_SP_X: u32 = 0xcb20_63ff;
/// The bits of [`SUB_SP_X`] that are not Rm.
const SUB_SP_X_MASK: u32 = 0xffe0_ffff;
/// Bit 30 tells `add` (0) from `sub` (1) in both forms above: the epilogue's `add sp` is the prologue's
/// `sub sp` with it cleared.
const ADD_SUB_OP: u32 = 1 << 30;
/// `ret`.
const RET: u32 = 0xd65f_03c0;

/// The first register of each bank that the save codes can name: `save_reg*` name x(19 + X), `save_freg*`
/// d(8 + X); X counts up to the last callee-saved register (x28, d15).
const FIRST_SAVED_X: u8 = 19;
const SAVED_X_COUNT: u8 = 10;
const FIRST_SAVED_D: u8 = 8;
const SAVED_D_COUNT: u8 = 8;
/// The largest offset `save_reg` and `save_freg` reach: Z (6 bits) * 8.
const MAX_SAVE_OFFSET: u32 = 504;
/// The largest allocation of each form, in 16-byte units: `alloc_s` has 5 bits, `alloc_m` 11, `alloc_l` 24.
const ALLOC_S_UNITS: u32 = 1 << 5;
const ALLOC_M_UNITS: u32 = 1 << 11;
const ALLOC_L_UNITS: u32 = 1 << 24;

/// One unwind code, as the documentation names it. Registers are their numbers (19 for x19, 8 for d8) and
/// sizes are in bytes; fitting them into the code's fields is the encoder's job ([`encode_code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnwindCode {
    /// `sub sp, sp, #bytes` (a multiple of 16): `alloc_s` (`000xxxxx`) below 512 bytes, `alloc_m`
    /// (`11000xxx'xxxxxxxx`) below 32 KiB, `alloc_l` (`11100000'xxxxxxxx'xxxxxxxx'xxxxxxxx`) below 256 MiB.
    Alloc { bytes: u32 },
    /// `save_regp_x` (`110011xx'xxzzzzzz`): `stp x(reg), x(reg+1), [sp, #-bytes]!`.
    SaveRegpX { reg: u8, bytes: u16 },
    /// `save_reg` (`110100xx'xxzzzzzz`): `str x(reg), [sp, #offset]`.
    SaveReg { reg: u8, offset: u16 },
    /// `save_reg_x` (`1101010x'xxxzzzzz`): `str x(reg), [sp, #-bytes]!`.
    SaveRegX { reg: u8, bytes: u16 },
    /// `save_fregp_x` (`1101101x'xxzzzzzz`): `stp d(reg), d(reg+1), [sp, #-bytes]!`.
    SaveFregpX { reg: u8, bytes: u16 },
    /// `save_freg` (`1101110x'xxzzzzzz`): `str d(reg), [sp, #offset]`.
    SaveFreg { reg: u8, offset: u16 },
    /// `save_freg_x` (`11011110'xxxzzzzz`): `str d(reg), [sp, #-bytes]!`.
    SaveFregX { reg: u8, bytes: u16 },
    /// `save_fplr_x` (`10zzzzzz`): `stp x29, x30, [sp, #-bytes]!`.
    SaveFplrX { bytes: u16 },
    /// `set_fp` (`11100001`): `mov x29, sp`.
    SetFp,
    /// `nop` (`11100011`): an instruction that changes nothing the unwinder restores.
    Nop,
    /// `end` (`11100100`): the end of a sequence; in an epilogue it stands for the `ret`.
    End,
}

/// Appends the bytes of `code`, most significant byte first (the documentation's order). Every code the
/// describer builds fits its fields (it checks registers, offsets and sizes before building one), so this
/// cannot fail.
fn encode_code(code: UnwindCode, out: &mut Vec<u8>) {
    // Z of the pre-indexed forms: the stack adjustment is (Z + 1) * 8 bytes; of the offset forms: offset / 8.
    let z = |bytes: u16| (bytes / 8 - 1) as u8;
    let scaled = |offset: u16| (offset / 8) as u8;
    match code {
        UnwindCode::Alloc { bytes } if bytes / 16 < ALLOC_S_UNITS => out.push((bytes / 16) as u8),
        UnwindCode::Alloc { bytes } if bytes / 16 < ALLOC_M_UNITS => {
            let units = (bytes / 16) as u16;
            out.extend([0b1100_0000 | (units >> 8) as u8, units as u8]);
        }
        UnwindCode::Alloc { bytes } => {
            let [_, high, middle, low] = (bytes / 16).to_be_bytes();
            out.extend([0b1110_0000, high, middle, low]);
        }
        UnwindCode::SaveRegpX { reg, bytes } => {
            let x = reg - FIRST_SAVED_X;
            out.extend([0b1100_1100 | (x >> 2), ((x & 3) << 6) | z(bytes)]);
        }
        UnwindCode::SaveReg { reg, offset } => {
            let x = reg - FIRST_SAVED_X;
            out.extend([0b1101_0000 | (x >> 2), ((x & 3) << 6) | scaled(offset)]);
        }
        UnwindCode::SaveRegX { reg, bytes } => {
            let x = reg - FIRST_SAVED_X;
            out.extend([0b1101_0100 | (x >> 3), ((x & 7) << 5) | z(bytes)]);
        }
        UnwindCode::SaveFregpX { reg, bytes } => {
            let x = reg - FIRST_SAVED_D;
            out.extend([0b1101_1010 | (x >> 2), ((x & 3) << 6) | z(bytes)]);
        }
        UnwindCode::SaveFreg { reg, offset } => {
            let x = reg - FIRST_SAVED_D;
            out.extend([0b1101_1100 | (x >> 2), ((x & 3) << 6) | scaled(offset)]);
        }
        UnwindCode::SaveFregX { reg, bytes } => {
            let x = reg - FIRST_SAVED_D;
            out.extend([0b1101_1110, ((x & 7) << 5) | z(bytes)]);
        }
        UnwindCode::SaveFplrX { bytes } => out.push(0b1000_0000 | z(bytes)),
        UnwindCode::SetFp => out.push(0b1110_0001),
        UnwindCode::Nop => out.push(0b1110_0011),
        UnwindCode::End => out.push(0b1110_0100),
    }
}

/// One prologue step as Cranelift reports it, in the record's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    /// One code per prologue instruction of the step, in prologue order.
    codes: Vec<UnwindCode>,
    /// The epilogue instructions that undo the step, in epilogue order, each with its code (empty when the
    /// epilogue has no counterpart: `mov x29, sp` and stack probes).
    undo: Vec<(UnwindCode, u32)>,
    /// How far the step moves SP down for good (16 for a save, N for `sub sp, sp, #N`, 0 for a probe).
    sp_bytes: u32,
    /// For a pair store of two registers that are not consecutive (`stp x19, x26, [sp, #-16]!`): the second
    /// register (`true` for a d register), which its own code restores from the slot above the first.
    second: Option<(bool, u8)>,
}

/// A register's name in messages: `x19`, `d8`.
fn reg_name(float: bool, reg: u8) -> String {
    format!("{}{reg}", if float { 'd' } else { 'x' })
}

/// The 64-bit post-indexed load (pair) that undoes a 16-byte pre-indexed store (pair) of `reg`, `reg2`.
fn reload(float: bool, reg: u8, reg2: Option<u8>) -> u32 {
    let rt = u32::from(reg);
    match (float, reg2) {
        (false, Some(r2)) => LDP_X_POST16 | (u32::from(r2) << 10) | rt,
        (true, Some(r2)) => LDP_D_POST16 | (u32::from(r2) << 10) | rt,
        (false, None) => LDR_X_POST16 | rt,
        (true, None) => LDR_D_POST16 | rt,
    }
}

/// The `.xdata` record of an arm64 Windows function from the prologue steps Cranelift reports and its machine
/// code. `instructions` are the byte ranges of `code` that hold instructions rather than data: every `ret` lies
/// in one, and no constant does ([`instruction_ranges`] says why). `Ok(None)` for a function without a frame
/// (a leaf: its caller's address stays in LR); `Err` says why the frame cannot be described (docs/codegen.md
/// lists the shapes).
pub(crate) fn windows_arm64(
    steps: &[(u32, UnwindInst)],
    code: &[u8],
    instructions: &[Range<u32>],
) -> Result<Option<Vec<u8>>, Undescribable> {
    if steps.is_empty() {
        return Ok(None);
    }
    let described = describe(steps, code)?;
    encode(&described, code, instructions).map(Some)
}

/// The byte ranges of a compiled function's code that Cranelift emitted as instructions: its source-location
/// ranges. Cranelift 0.135 (`machinst/vcode.rs`, `VCode::emit`) opens a range for the prologue and one for each
/// instruction it lowers, and emits an epilogue (with its `ret`) inside the range of the return it lowers;
/// `MachBuffer::emit_island` (`machinst/buffer.rs`) closes the open range before it places constants and
/// veneers and reopens it after them, and the final island comes after the last block's range is closed. So
/// every `ret` is in a range and no constant-pool word is. (The data a range can hold inline: a jump table of
/// 32-bit offsets within the function, each far from `ret`'s value for a function under the record's 1 MiB
/// limit; lowering under `is_pic` produces no other.)
pub(crate) fn instruction_ranges(compiled: &CompiledCode) -> Vec<Range<u32>> {
    compiled.buffer.get_srclocs_sorted().iter().map(|r| r.start..r.end).collect()
}

/// The little-endian instruction word at byte `at` of `code`, if there is one.
fn word_at(code: &[u8], at: u32) -> Option<u32> {
    let at = at as usize;
    code.get(at..at + 4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}

/// The value `words` leave in x`rd`, when every one of them is a move-immediate into it: `movz`, `movn`,
/// `movk` and `orr rd, xzr, #bitmask`, each in its 64-bit (`x`) or 32-bit (`w`, zero-extending) form. These
/// are the instructions Cranelift's `Inst::load_constant` builds a frame size from (`isa/aarch64/inst/mod.rs`).
/// `None` for anything else: such a prologue is not described rather than guessed.
fn constant_in(words: &[u32], rd: u32) -> Option<u64> {
    let mut value: Option<u64> = None;
    for &w in words {
        if w & 0x1f != rd {
            return None;
        }
        let wide = w >> 31 == 1;
        let width_mask = if wide { u64::MAX } else { u64::from(u32::MAX) };
        let (imm16, shift) = (u64::from((w >> 5) & 0xffff), 16 * ((w >> 21) & 3));
        let op = w & 0x7f80_0000;
        let move_wide = matches!(op, 0x5280_0000 | 0x1280_0000 | 0x7280_0000);
        if move_wide && !wide && shift > 16 {
            return None; // hw 2-3 is unallocated in the 32-bit move-wide forms
        }
        value = Some(match op {
            0x5280_0000 => imm16 << shift,                 // movz
            0x1280_0000 => !(imm16 << shift) & width_mask, // movn
            0x7280_0000 => ((value? & !(0xffff << shift)) | (imm16 << shift)) & width_mask, // movk
            _ if w & 0x7f80_03e0 == 0x3200_03e0 => {
                // orr rd, xzr/wzr, #bitmask: N in bit 22, immr in 16-21, imms in 10-15.
                let n = (w >> 22) & 1;
                if !wide && n == 1 {
                    return None;
                }
                bitmask(n, (w >> 16) & 0x3f, (w >> 10) & 0x3f, if wide { 64 } else { 32 })?
            }
            _ => return None,
        });
    }
    value
}

/// The value of an AArch64 logical immediate (the Arm ARM's `DecodeBitMasks` with `immediate` true): an
/// element of 2, 4, ... 64 bits holding `imms + 1` ones rotated right by `immr`, repeated to `width` bits.
fn bitmask(n: u32, immr: u32, imms: u32, width: u32) -> Option<u64> {
    let combined = (n << 6) | (!imms & 0x3f);
    let len = combined.checked_ilog2()?; // the highest set bit
    let esize = 1u32 << len;
    if len == 0 || esize > width {
        return None;
    }
    let levels = esize - 1;
    let (s, r) = (imms & levels, immr & levels);
    if s == levels {
        return None;
    }
    let emask = if esize == 64 { u64::MAX } else { (1u64 << esize) - 1 };
    let ones = (1u64 << (s + 1)) - 1;
    let element = if r == 0 { ones } else { ((ones >> r) | (ones << (esize - r))) & emask };
    let mut value = 0u64;
    for i in (0..width).step_by(esize as usize) {
        value |= element << i;
    }
    Some(value)
}

/// Cranelift's prologue steps as the record's [`Step`]s, in prologue order; `code` is the function's machine
/// code, whose stack-allocation instructions are read to find their epilogue counterparts.
fn describe(steps: &[(u32, UnwindInst)], code: &[u8]) -> Result<Vec<Step>, Undescribable> {
    let nops = |n| (0..n).map(|_| UnwindCode::Nop);
    let mut described: Vec<Step> = Vec::new();
    let mut done = 0u32; // prologue bytes described so far
    let mut i = 0;
    while i < steps.len() {
        let (offset, step) = &steps[i];
        // A pair store is reported as two steps at the same offset.
        let pair = steps.get(i + 1).filter(|(o, s)| o == offset && matches!(s, UnwindInst::SaveReg { .. }));
        // Each step ends at least one instruction after the previous one; anything else is a shape this
        // encoder does not know, and gets no record rather than a wrong one.
        let instructions = offset.checked_sub(done).filter(|n| n % 4 == 0 && *n >= 4).map(|n| n / 4);
        let Some(instructions) = instructions else {
            return Err(Undescribable::new(format!(
                "Cranelift reported a prologue step at byte {offset}, not whole instructions after the \
                 previous one at byte {done}"
            )));
        };
        let extra = instructions - 1;
        match step {
            UnwindInst::PushFrameRegs { .. } => {
                let mut codes: Vec<UnwindCode> = nops(extra).collect();
                codes.push(UnwindCode::SaveFplrX { bytes: 16 });
                let undo = vec![(UnwindCode::SaveFplrX { bytes: 16 }, LDP_FP_LR_POST16)];
                described.push(Step { codes, undo, sp_bytes: 16, second: None });
            }
            UnwindInst::DefineNewFrame { .. } => {
                // `mov x29, sp` comes first; what follows before the saves is the stack probe (a loop over
                // x16/x17, or `sub sp`/`stur wzr`/`add sp` when unrolled), which restores nothing: an unwinder
                // stopped in it restores SP from x29 with `set_fp`.
                let codes = std::iter::once(UnwindCode::SetFp).chain(nops(extra)).collect();
                described.push(Step { codes, undo: Vec::new(), sp_bytes: 0, second: None });
            }
            UnwindInst::SaveReg { reg, .. } => {
                let float = match reg.class() {
                    RegClass::Int => false,
                    RegClass::Float => true,
                    RegClass::Vector => {
                        return Err(Undescribable::new(format!(
                            "the frame saves vector register {reg:?}, which no unwind code names"
                        )));
                    }
                };
                let first = reg.hw_enc();
                if extra != 0 {
                    return Err(Undescribable::new(format!(
                        "the prologue has {extra} instruction(s) before the store of {} that no unwind code \
                         describes",
                        reg_name(float, first)
                    )));
                }
                let second = pair.map(|(_, s)| match s {
                    UnwindInst::SaveReg { reg, .. } => reg.hw_enc(),
                    _ => unreachable!("filtered above"),
                });
                let (base, count) =
                    if float { (FIRST_SAVED_D, SAVED_D_COUNT) } else { (FIRST_SAVED_X, SAVED_X_COUNT) };
                // The codes can only name r(base + X).
                for r in std::iter::once(first).chain(second) {
                    if r.checked_sub(base).is_none_or(|x| x >= count) {
                        return Err(Undescribable::new(format!(
                            "the frame saves {}, which is not a register the save codes can name ({}-{})",
                            reg_name(float, r),
                            reg_name(float, base),
                            reg_name(float, base + count - 1)
                        )));
                    }
                }
                let word = reload(float, first, second);
                let step = match second {
                    Some(second) if second == first + 1 => {
                        let code = if float {
                            UnwindCode::SaveFregpX { reg: first, bytes: 16 }
                        } else {
                            UnwindCode::SaveRegpX { reg: first, bytes: 16 }
                        };
                        Step { codes: vec![code], undo: vec![(code, word)], sp_bytes: 16, second: None }
                    }
                    // `stp x19, x26, [sp, #-16]!`: the pair codes name x(19 + X) and the register after it, so
                    // Cranelift's pair of any two registers (LLVM does not form such pairs on Windows) is the
                    // single store of the first (`save_reg_x`, which also pops the slot) plus a code of its own
                    // for the second, placed by `encode`.
                    _ => {
                        let code = if float {
                            UnwindCode::SaveFregX { reg: first, bytes: 16 }
                        } else {
                            UnwindCode::SaveRegX { reg: first, bytes: 16 }
                        };
                        let second = second.map(|r| (float, r));
                        Step { codes: vec![code], undo: vec![(code, word)], sp_bytes: 16, second }
                    }
                };
                described.push(step);
                if pair.is_some() {
                    i += 1;
                }
            }
            UnwindInst::StackAlloc { size } => described.push(stack_alloc(*size, code, done, *offset)?),
            other => {
                return Err(Undescribable::new(format!(
                    "Cranelift reported the prologue step {other:?}, which no Cranelift arm64 frame had before"
                )));
            }
        }
        done = *offset;
        i += 1;
    }
    Ok(described)
}

/// The step for the allocation of `size` bytes by the instructions at bytes `from..to` of `code`. Cranelift
/// (`gen_sp_reg_adjust`, `isa/aarch64/abi.rs`) allocates with one `sub sp, sp, #N` (N below 4096, or a multiple
/// of 4096 with `lsl #12`), or loads N into x16 and then `sub sp, sp, x16`; the epilogue repeats the load and
/// adds. The load's instructions get `nop` (they change no register the unwinder restores), the `sub` the
/// `alloc` code.
fn stack_alloc(size: u32, code: &[u8], from: u32, to: u32) -> Result<Step, Undescribable> {
    let words: Option<Vec<u32>> = (from..to).step_by(4).map(|at| word_at(code, at)).collect();
    let Some((&sub, load)) = words.as_deref().and_then(|w| w.split_last()) else {
        return Err(Undescribable::new(format!(
            "the frame's allocation of {size} bytes ends at byte {to}, past the function's code"
        )));
    };
    let unrecognised = || {
        Undescribable::new(format!(
            "the frame allocates {size} bytes in {} instruction(s) that are not `sub sp, sp, #N` or a constant \
             load into x16 and `sub sp, sp, x16`",
            load.len() + 1
        ))
    };
    if !size.is_multiple_of(16) {
        return Err(Undescribable::new(format!(
            "the frame allocates {size} bytes, which is not a multiple of 16 as the alloc codes count"
        )));
    }
    if size / 16 >= ALLOC_L_UNITS {
        return Err(Undescribable::new(format!(
            "the frame allocates {size} bytes, and the largest allocation an unwind code describes \
             (`alloc_l`) is below 256 MiB"
        )));
    }
    let allocated = if sub & SUB_SP_SP_MASK == SUB_SP_SP && load.is_empty() {
        let imm12 = (sub >> 10) & 0xfff;
        u64::from(imm12) << (12 * ((sub >> 22) & 1))
    } else if sub & SUB_SP_X_MASK == SUB_SP_X && !load.is_empty() {
        constant_in(load, (sub >> 16) & 0x1f).ok_or_else(unrecognised)?
    } else {
        return Err(unrecognised());
    };
    if allocated != u64::from(size) {
        return Err(Undescribable::new(format!(
            "Cranelift reported an allocation of {size} bytes where the prologue's instructions allocate \
             {allocated}"
        )));
    }
    let alloc = UnwindCode::Alloc { bytes: size };
    let mut codes: Vec<UnwindCode> = load.iter().map(|_| UnwindCode::Nop).collect();
    codes.push(alloc);
    let mut undo: Vec<(UnwindCode, u32)> = load.iter().map(|&w| (UnwindCode::Nop, w)).collect();
    undo.push((alloc, sub & !ADD_SUB_OP));
    Ok(Step { codes, undo, sp_bytes: size, second: None })
}

/// The code that restores the second register of a non-consecutive pair from `offset` bytes above SP.
fn restore_second((float, reg): (bool, u8), offset: u32) -> UnwindCode {
    let offset = offset as u16;
    if float { UnwindCode::SaveFreg { reg, offset } } else { UnwindCode::SaveReg { reg, offset } }
}

/// The prologue's codes in unwind order (the reverse of the prologue), without the final `end`.
///
/// Each code stands for one instruction, which is what lets the unwinder start in the middle of a prologue: at
/// `k` instructions in it applies only the last `k` codes. A pair store of two non-consecutive registers is one
/// instruction that no one code undoes, so the second register gets an extra code. Placed first (it is applied
/// only once the whole prologue has run), it reads the slot at its offset from the finished frame's SP: until
/// the first instruction of the body runs, the register still holds the caller's value, so an unwinder stopped
/// anywhere in the prologue (which counts the extra code as one more prologue instruction, that is, up to and
/// including the body's first) is right whether it applies it or not. With two or more such pairs, the body's
/// first instructions count as prologue too, and a callee-saved register they change is not restored there.
/// When a slot is beyond `save_reg`'s reach of 504 bytes, the extra code goes right before its pair's code
/// instead (offset 8); then an unwinder stopped between that pair and the body applies it, or the pair's code,
/// to the wrong slots, and only `set_fp`, which resets SP from x29, keeps the unwound SP, FP and LR right.
fn prologue_codes(steps: &[Step]) -> Result<Vec<UnwindCode>, Undescribable> {
    // Each second register's slot, counted from the finished frame's SP.
    let mut above = 0u32; // bytes later steps moved SP down
    let mut slots = Vec::new(); // in unwind order
    for step in steps.iter().rev() {
        if let Some(second) = step.second {
            slots.push((second, above + 8));
        }
        above += step.sp_bytes;
    }
    let front = slots.iter().all(|(_, offset)| *offset <= MAX_SAVE_OFFSET);
    if !front && !steps.iter().any(|s| s.codes.contains(&UnwindCode::SetFp)) {
        let ((float, reg), offset) = slots.iter().find(|(_, o)| *o > MAX_SAVE_OFFSET).unwrap();
        return Err(Undescribable::new(format!(
            "the frame saves {} {offset} bytes above its SP, beyond the 504 bytes of `save_reg`, and has no \
             frame pointer to recover SP from",
            reg_name(*float, *reg)
        )));
    }
    let mut codes = Vec::new();
    if front {
        codes.extend(slots.iter().map(|&(second, offset)| restore_second(second, offset)));
    }
    for step in steps.iter().rev() {
        if let (false, Some(second)) = (front, step.second) {
            codes.push(restore_second(second, 8));
        }
        codes.extend(step.codes.iter().rev());
    }
    Ok(codes)
}

/// The record: header, epilogue scopes, then the prologue's and the epilogues' code sequences.
///
/// An epilogue's `ldp x19, x26, [sp], #16` is, like the prologue's pair, one instruction no one code undoes;
/// an unwinder stopped `k` instructions into an epilogue skips its first `k` codes, so an extra code there
/// would be applied to an SP that the `ldp` had already moved. Its code is the first register's `save_reg_x`
/// alone: SP, FP, LR and every other register are right at every instruction of the epilogue; the second
/// register keeps the function's value, not its caller's, until the `ldp` has run.
fn encode(steps: &[Step], code: &[u8], instructions: &[Range<u32>]) -> Result<Vec<u8>, Undescribable> {
    // The prologue codes in unwind order, then the epilogue codes (unwind order is epilogue order).
    let mut codes = Vec::new();
    for op in prologue_codes(steps)? {
        encode_code(op, &mut codes);
    }
    encode_code(UnwindCode::End, &mut codes);
    let epilogue_index = codes.len();
    let undone: Vec<(UnwindCode, u32)> = steps.iter().rev().flat_map(|s| s.undo.iter().copied()).collect();
    for (op, _) in &undone {
        encode_code(*op, &mut codes);
    }
    encode_code(UnwindCode::End, &mut codes);
    let undo: Vec<u32> = undone.iter().map(|(_, word)| *word).collect();
    // Every `ret` of a function with a frame must be the end of exactly that epilogue. Only instruction words
    // are looked at: a constant with the bits of `ret` is data, not an epilogue.
    let words: Vec<u32> =
        code.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
    let mut ranges = instructions.to_vec();
    ranges.sort_by_key(|r| r.start);
    let mut scopes = Vec::new();
    let mut scanned = 0; // words before this one have been looked at (ranges may touch or overlap)
    for range in ranges {
        let first = (range.start as usize / 4).max(scanned);
        let past = (range.end as usize).div_ceil(4).min(words.len());
        scanned = scanned.max(past);
        for at in (first..past).filter(|&at| words[at] == RET) {
            scopes.push(epilogue_start(&words, at, &undo)?);
        }
    }

    // Field limits of the record (header bits 0-17: length / 4; scope bits 22-31: code index).
    if !code.len().is_multiple_of(4) || code.len() / 4 >= 1 << 18 {
        return Err(Undescribable::new(format!(
            "the function is {} bytes long, and a record describes whole instructions up to 1 MiB",
            code.len()
        )));
    }
    if epilogue_index >= 1 << 10 {
        return Err(Undescribable::new(format!(
            "the prologue needs {epilogue_index} bytes of unwind codes, and an epilogue can start at most 1023 \
             bytes in"
        )));
    }
    // Pad the code bytes to whole words (with `nop`, as LLVM does; nothing reads past an `end`).
    while !codes.len().is_multiple_of(4) {
        encode_code(UnwindCode::Nop, &mut codes);
    }
    let (epilogs, code_words) = (scopes.len() as u32, (codes.len() / 4) as u32);
    let length = (code.len() / 4) as u32;
    let mut record = Vec::new();
    // Header: function length / 4 (bits 0-17), version 0, X = 0 (no handler), E = 0 (scopes listed),
    // epilogue count (22-26), code words (27-31); an extension word when either does not fit.
    if epilogs < 32 && code_words < 32 {
        record.extend((length | (epilogs << 22) | (code_words << 27)).to_le_bytes());
    } else if epilogs <= 0xFFFF && code_words <= 0xFF {
        record.extend(length.to_le_bytes());
        record.extend((epilogs | (code_words << 16)).to_le_bytes());
    } else {
        return Err(Undescribable::new(format!(
            "the function has {epilogs} epilogues and {code_words} words of unwind codes, more than a record \
             holds (65535 and 255)"
        )));
    }
    // Epilogue scopes: start offset / 4 (bits 0-17), start index of its codes (22-31).
    for start in scopes {
        record.extend((start | ((epilogue_index as u32) << 22)).to_le_bytes());
    }
    record.extend(codes);
    Ok(record)
}

/// The word index where the epilogue ending in the `ret` at word `at` starts: `undo` must come right before it.
fn epilogue_start(words: &[u32], at: usize, undo: &[u32]) -> Result<u32, Undescribable> {
    match at.checked_sub(undo.len()) {
        Some(start) if words[start..at] == *undo => Ok(start as u32),
        _ => Err(Undescribable::new(format!(
            "the `ret` at byte {} does not follow the exact reverse of the prologue",
            4 * at
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(code: UnwindCode) -> Vec<u8> {
        let mut out = Vec::new();
        encode_code(code, &mut out);
        out
    }

    #[test]
    fn reloads_are_the_instructions_llvm_assembles() {
        // Words from `llvm-mc -triple=aarch64 -show-encoding`.
        assert_eq!(reload(false, 19, Some(20)), 0xa8c1_53f3); // ldp x19, x20, [sp], #16
        assert_eq!(reload(true, 8, Some(9)), 0x6cc1_27e8); // ldp d8, d9, [sp], #16
        assert_eq!(reload(false, 19, None), 0xf841_07f3); // ldr x19, [sp], #16
        assert_eq!(reload(true, 8, None), 0xfc41_07e8); // ldr d8, [sp], #16
        assert_eq!(ADD_SP_SP | (32 << 10), 0x9100_83ff); // add sp, sp, #32
        assert_eq!(SUB_SP_SP | (1 << 22) | (1 << 10), 0xd140_07ff); // sub sp, sp, #1, lsl #12
        assert_eq!((SUB_SP_SP | (1 << 22) | (1 << 10)) & !ADD_SUB_OP, 0x9140_07ff); // add sp, sp, #1, lsl #12
        assert_eq!(SUB_SP_X | (16 << 16), 0xcb30_63ff); // sub sp, sp, x16
        assert_eq!((SUB_SP_X | (16 << 16)) & !ADD_SUB_OP, 0x8b30_63ff); // add sp, sp, x16
        assert_eq!(reload(false, 19, Some(26)), 0xa8c1_6bf3); // ldp x19, x26, [sp], #16
        assert_eq!(reload(true, 8, Some(11)), 0x6cc1_2fe8); // ldp d8, d11, [sp], #16
    }

    /// Constant loads as llvm-mc assembles them, and what they leave in the register.
    #[test]
    fn constant_loads_are_evaluated_as_the_architecture_defines_them() {
        assert_eq!(constant_in(&[0x5280_7610], 16), Some(944)); // mov w16, #944
        assert_eq!(constant_in(&[0x5280_7610, 0x72a0_0210], 16), Some(0x10_03b0)); // + movk w16, #16, lsl #16
        assert_eq!(constant_in(&[0xd2a0_0210], 16), Some(0x10_0000)); // mov x16, #1048576
        assert_eq!(constant_in(&[0xd2a0_0210, 0xf2a0_0210], 16), Some(0x10_0000)); // + movk x16, #16, lsl #16
        assert_eq!(constant_in(&[0x9280_00b0], 16), Some(-6i64 as u64)); // mov x16, #-6 (movn)
        assert_eq!(constant_in(&[0x1280_00b0], 16), Some(0xffff_fffa)); // mov w16, #-6 (movn, 32-bit)
        assert_eq!(constant_in(&[0xb27c_2ff0], 16), Some(0xfff0)); // mov x16, #0xfff0 (orr x16, xzr, #0xfff0)
        assert_eq!(constant_in(&[0x321c_2ff0], 16), Some(0xfff0)); // mov w16, #0xfff0 (orr w16, wzr, #0xfff0)
        assert_eq!(constant_in(&[0xb200_e7f0], 16), Some(0x3333_3333_3333_3333)); // orr x16, xzr, #0x3333...
        // Another register, a movk with nothing before it, an instruction that is no constant load.
        assert_eq!(constant_in(&[0x5280_7611], 16), None);
        assert_eq!(constant_in(&[0x72a0_0210], 16), None);
        assert_eq!(constant_in(&[0xcb30_63ff], 16), None);
        assert_eq!(constant_in(&[], 16), None);
    }

    #[test]
    fn codes_pack_registers_and_sizes_into_their_fields() {
        // Bit patterns from Microsoft's table; X counts from x19 / d8, Z = bytes / 8 - 1.
        assert_eq!(bytes(UnwindCode::SaveFplrX { bytes: 16 }), [0b1000_0001]);
        assert_eq!(bytes(UnwindCode::SaveRegpX { reg: 21, bytes: 16 }), [0b1100_1100, 0b1000_0001]);
        assert_eq!(bytes(UnwindCode::SaveRegpX { reg: 27, bytes: 16 }), [0b1100_1110, 0b0000_0001]);
        assert_eq!(bytes(UnwindCode::SaveRegX { reg: 28, bytes: 16 }), [0b1101_0101, 0b0010_0001]);
        assert_eq!(bytes(UnwindCode::SaveFregpX { reg: 14, bytes: 16 }), [0b1101_1011, 0b1000_0001]);
        assert_eq!(bytes(UnwindCode::SaveFregX { reg: 15, bytes: 16 }), [0b1101_1110, 0b1110_0001]);
        // alloc_s up to 31 * 16 bytes, then alloc_m.
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 496 }), [31]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 512 }), [0b1100_0000, 32]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 4080 }), [0b1100_0000, 255]);
        // alloc_m up to 2047 * 16 bytes (11 bits), then alloc_l (11100000 and 24 bits, most significant first).
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 4096 }), [0b1100_0001, 0]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 32752 }), [0b1100_0111, 0xff]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 32768 }), [0b1110_0000, 0, 0x08, 0]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 40960 }), [0b1110_0000, 0, 0x0a, 0]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: 1 << 20 }), [0b1110_0000, 0x01, 0, 0]);
        assert_eq!(bytes(UnwindCode::Alloc { bytes: (1 << 28) - 16 }), [0b1110_0000, 0xff, 0xff, 0xff]);
        // save_reg 110100xx'xxzzzzzz and save_freg 1101110x'xxzzzzzz: X, then offset / 8.
        assert_eq!(bytes(UnwindCode::SaveReg { reg: 26, offset: 8 }), [0b1101_0001, 0b1100_0001]);
        assert_eq!(bytes(UnwindCode::SaveReg { reg: 28, offset: 504 }), [0b1101_0010, 0b0111_1111]);
        assert_eq!(bytes(UnwindCode::SaveFreg { reg: 11, offset: 8 }), [0b1101_1100, 0b1100_0001]);
        assert_eq!(bytes(UnwindCode::SaveFreg { reg: 15, offset: 24 }), [0b1101_1101, 0b1100_0011]);
        assert_eq!(
            [UnwindCode::SetFp, UnwindCode::Nop, UnwindCode::End].map(bytes),
            [[0xe1], [0xe3], [0xe4]]
        );
    }

    /// A frame Cranelift builds for Windows arm64 (`compile_frame` with eleven integer and eight float values
    /// live across a call: x19-x28 saved in five pairs, and 144 bytes of spill slots, where Cranelift keeps
    /// the floats rather than in d8-d15).
    fn cranelift_frame() -> crate::unwind::tests::Frame {
        crate::unwind::tests::compile_frame("aarch64-pc-windows-msvc", 11, 8)
    }

    #[test]
    fn a_cranelift_frame_gets_one_code_per_prologue_instruction() {
        let frame = cranelift_frame();
        let steps = describe(&frame.steps, &frame.code).unwrap();
        let codes: Vec<UnwindCode> = steps.iter().flat_map(|s| s.codes.iter().copied()).collect();
        let pair = |reg| UnwindCode::SaveRegpX { reg, bytes: 16 };
        assert_eq!(
            codes,
            [
                UnwindCode::SaveFplrX { bytes: 16 },
                UnwindCode::SetFp,
                pair(27),
                pair(25),
                pair(23),
                pair(21),
                pair(19),
                UnwindCode::Alloc { bytes: 144 }
            ]
        );
        // The epilogue the record's scope points at is made of the named words, ending in `ret`.
        let words: Vec<u32> =
            frame.code.chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
        let reloads = [19, 21, 23, 25, 27].map(|r| reload(false, r, Some(r + 1)));
        let mut epilogue = vec![ADD_SP_SP | (144 << 10)];
        epilogue.extend(reloads);
        epilogue.extend([LDP_FP_LR_POST16, RET]);
        assert_eq!(words[words.len() - epilogue.len()..], epilogue);
        let record = windows_arm64(&frame.steps, &frame.code, &frame.instructions).unwrap().unwrap();
        #[rustfmt::skip]
        let expected = [
            // 84 instructions, 1 epilogue scope, 7 code words; the scope starts at instruction 76, code 14.
            0x54, 0x00, 0x40, 0x38, 0x4c, 0x00, 0x80, 0x03,
            // Prologue, in unwind order: alloc_s 144, save_regp_x x19 .. x27, set_fp, save_fplr_x, end.
            0x09, 0xcc, 0x01, 0xcc, 0x81, 0xcd, 0x01, 0xcd, 0x81, 0xce, 0x01, 0xe1, 0x81, 0xe4,
            // Epilogue: the same without set_fp, end for the `ret`; a nop pads to a whole word.
            0x09, 0xcc, 0x01, 0xcc, 0x81, 0xcd, 0x01, 0xcd, 0x81, 0xce, 0x01, 0x81, 0xe4, 0xe3,
        ];
        assert_eq!(record, expected);
    }

    #[test]
    fn frames_no_code_describes_are_undescribable_with_the_reason() {
        let frame = cranelift_frame();
        let frame_record = [
            (4, UnwindInst::PushFrameRegs { offset_upward_to_caller_sp: 16 }),
            (
                8,
                UnwindInst::DefineNewFrame {
                    offset_upward_to_caller_sp: 16,
                    offset_downward_to_clobbers: 16,
                },
            ),
        ];
        let reason = |steps: &[(u32, UnwindInst)], code: &[u8]| {
            windows_arm64(steps, code, &frame.instructions).unwrap_err().reason
        };

        // An allocation Cranelift reports that the instructions do not make (here: the prologue's third
        // instruction is `stp x19, x20, [sp, #-16]!`), and one above alloc_l's 256 MiB.
        let steps = [&frame_record[..], &[(12, UnwindInst::StackAlloc { size: 4096 })]].concat();
        assert_eq!(
            reason(&steps, &frame.code),
            "the frame allocates 4096 bytes in 1 instruction(s) that are not `sub sp, sp, #N` or a constant load \
             into x16 and `sub sp, sp, x16`"
        );
        let mut code = frame.code[..8].to_vec();
        code.extend((SUB_SP_SP | (4 << 10)).to_le_bytes()); // sub sp, sp, #4
        let steps = [&frame_record[..], &[(12, UnwindInst::StackAlloc { size: 4096 })]].concat();
        assert_eq!(
            reason(&steps, &code),
            "Cranelift reported an allocation of 4096 bytes where the prologue's instructions allocate 4"
        );
        let steps = [&frame_record[..], &[(12, UnwindInst::StackAlloc { size: 1 << 28 })]].concat();
        assert_eq!(
            reason(&steps, &frame.code),
            "the frame allocates 268435456 bytes, and the largest allocation an unwind code describes \
             (`alloc_l`) is below 256 MiB"
        );
        // A `ret` that is not the end of the epilogue (here: in place of the prologue's third instruction).
        let mut code = frame.code.clone();
        code[8..12].copy_from_slice(&RET.to_le_bytes());
        assert_eq!(
            reason(&frame.steps, &code),
            "the `ret` at byte 8 does not follow the exact reverse of the prologue"
        );
    }

    /// `stp x19, x26, [sp, #-16]!` (Cranelift pairs its saves in register order, whatever the registers):
    /// `save_reg_x x19` for the instruction, and `save_reg x26` for the second register, first in unwind order,
    /// at its slot's offset from the finished frame's SP (40: above the 32 bytes of `sub sp` and x19). The
    /// epilogue's `ldp x19, x26, [sp], #16` gets `save_reg_x x19` alone (`encode` says why).
    #[test]
    fn a_pair_of_non_consecutive_registers_gets_a_code_for_each() {
        let (record, steps) = synthetic_pair(32);
        assert_eq!(steps[2].second, Some((false, 26)));
        #[rustfmt::skip]
        let expected = [
            // 9 instructions, 1 epilogue scope, 4 code words; the scope starts at instruction 5, code 8.
            0x09, 0x00, 0x40, 0x20, 0x05, 0x00, 0x00, 0x02,
            // save_reg x26 at [sp, #40], alloc_s 32, save_reg_x x19, set_fp, save_fplr_x, end.
            0xd1, 0xc5, 0x02, 0xd4, 0x01, 0xe1, 0x81, 0xe4,
            // Epilogue: alloc_s 32, save_reg_x x19, save_fplr_x, end; three nops pad to a whole word.
            0x02, 0xd4, 0x01, 0x81, 0xe4, 0xe3, 0xe3, 0xe3,
        ];
        assert_eq!(record, expected);
        // 1024 bytes below the pair, x26's slot is out of save_reg's reach (504): its code then comes right
        // before the pair's, at offset 8, and set_fp (x29 was set before the saves) still gives SP.
        let (record, _) = synthetic_pair(1024);
        assert_eq!(record[8..18], [0xc0, 0x40, 0xd1, 0xc1, 0xd4, 0x01, 0xe1, 0x81, 0xe4, 0xc0]);
    }

    /// The record of a frame record, `stp x19, x26, [sp, #-16]!`, `sub sp, sp, #alloc`, a `nop` for the body,
    /// and the epilogue; with the steps Cranelift would report for it.
    fn synthetic_pair(alloc: u32) -> (Vec<u8>, Vec<Step>) {
        let frame = cranelift_frame();
        let reg = |enc: u8| {
            frame
                .steps
                .iter()
                .find_map(|(_, s)| match s {
                    UnwindInst::SaveReg { reg, .. } if reg.hw_enc() == enc => Some(*reg),
                    _ => None,
                })
                .unwrap()
        };
        let save = |enc| (12, UnwindInst::SaveReg { clobber_offset: 0, reg: reg(enc) });
        let steps = [
            (4, UnwindInst::PushFrameRegs { offset_upward_to_caller_sp: 16 }),
            (
                8,
                UnwindInst::DefineNewFrame {
                    offset_upward_to_caller_sp: 16,
                    offset_downward_to_clobbers: 16,
                },
            ),
            save(19),
            save(26),
            (16, UnwindInst::StackAlloc { size: alloc }),
        ];
        let words = [
            0xa9bf_7bfd, // stp x29, x30, [sp, #-16]!
            0x9100_03fd, // mov x29, sp
            0xa9bf_6bf3, // stp x19, x26, [sp, #-16]!
            SUB_SP_SP | (alloc << 10),
            0xd503_201f, // nop
            ADD_SP_SP | (alloc << 10),
            reload(false, 19, Some(26)),
            LDP_FP_LR_POST16,
            RET,
        ];
        let code: Vec<u8> = words.iter().flat_map(|w: &u32| w.to_le_bytes()).collect();
        // All of the code is instructions (it holds no constants): one range, not a list of numbers.
        let instructions = std::iter::once(0..code.len() as u32).collect::<Vec<_>>();
        let record = windows_arm64(&steps, &code, &instructions).unwrap().unwrap();
        (record, describe(&steps, &code).unwrap())
    }

    /// Frames of 4 KiB, 40 KiB and 1 MiB as Cranelift builds them (an explicit stack slot; linkwise's lowering
    /// reaches such frames only with thousands of spills, which tests/unwind.rs has): the stack probe between
    /// `mov x29, sp` and the saves gets `nop`s, the allocation `alloc_m` or `alloc_l` after the `nop`s of its
    /// constant load into x16, and the epilogue, which repeats that load before `add sp, sp, x16`, is found.
    #[test]
    fn frames_of_4k_40k_and_1m_get_alloc_m_and_alloc_l() {
        for (slot, first_byte) in [(4096, 0b1100_0000), (40960, 0b1110_0000), (1 << 20, 0b1110_0000)] {
            let frame = crate::unwind::tests::compile_frame_with_slot("aarch64-pc-windows-msvc", 3, 0, slot);
            let steps = describe(&frame.steps, &frame.code).unwrap();
            let alloc = steps.last().unwrap();
            let Some(&UnwindCode::Alloc { bytes }) = alloc.codes.last() else { panic!("{steps:?}") };
            assert!(bytes >= slot && bytes < slot + 64, "{slot}: {bytes}");
            // The epilogue undoes the allocation with exactly as many instructions as the prologue made it.
            assert_eq!(alloc.undo.len(), alloc.codes.len(), "{slot}: {alloc:?}");
            let record = windows_arm64(&frame.steps, &frame.code, &frame.instructions).unwrap().unwrap();
            let mut alloc_code = Vec::new();
            encode_code(UnwindCode::Alloc { bytes }, &mut alloc_code);
            assert_eq!(alloc_code[0] & 0b1111_1000, first_byte, "{slot}: {alloc_code:x?}");
            // The prologue's codes start with the allocation (alloc_m or alloc_l, extension word or not).
            let codes_at = if record[3] >> 3 == 0 { 8 } else { 4 } + 4 * scopes(&record).len();
            assert_eq!(record[codes_at..codes_at + alloc_code.len()], alloc_code, "{slot}: {record:x?}");
            assert_eq!(scopes(&record).len(), 1, "{slot}");
        }
    }

    /// The header's epilogue count and the scopes' start words of an arm64 record with at most 31 scopes.
    fn scopes(record: &[u8]) -> Vec<u32> {
        let word = |i: usize| u32::from_le_bytes(record[4 * i..4 * i + 4].try_into().unwrap());
        let count = (word(0) >> 22) & 0x1f;
        (1..=count as usize).map(|i| word(i) & 0x3_ffff).collect()
    }

    /// A word with the bits of `ret` outside the instruction ranges is data (Cranelift's constant pool), not an
    /// epilogue; the same word inside them is a `ret`, and must end an epilogue.
    #[test]
    fn only_instruction_words_are_taken_for_a_ret() {
        let frame = cranelift_frame();
        let mut code = frame.code.clone();
        // A constant after the code: the `f64` 1.000000798594769, whose low word is `ret`'s.
        code.extend(0x3ff0_0000_d65f_03c0_u64.to_le_bytes());
        let record = windows_arm64(&frame.steps, &code, &frame.instructions).unwrap().unwrap();
        // The epilogue is the code's last eight words: `add sp`, five `ldp`, `ldp x29, x30`, `ret`.
        let epilogue = (frame.code.len() / 4 - 8) as u32;
        assert_eq!(scopes(&record), [epilogue]);
        let mut as_code = frame.instructions.clone();
        as_code.push(frame.code.len() as u32..code.len() as u32);
        assert_eq!(
            windows_arm64(&frame.steps, &code, &as_code).unwrap_err().reason,
            format!(
                "the `ret` at byte {} does not follow the exact reverse of the prologue",
                frame.code.len()
            )
        );
    }

    /// The review's reproduction: `f` loads the `f64` 1.000000798594769 (bits `0x3ff00000d65f03c0`, whose low
    /// word is `ret`'s) from Cranelift's constant pool after its code. It used to lose its record to a warning
    /// ("the `ret` at byte 72 does not follow the exact reverse of the prologue"); 1.5 (an `fmov` immediate)
    /// never did.
    #[test]
    fn a_float_literal_with_the_bits_of_ret_keeps_the_record() {
        let src = "extern { fn g(x: f64) -> f64; }\n\
                   pub fn f() -> f64 { let a = g(1.000000798594769); return g(a) + 1.000000798594769; }\n";
        let file = linkwise_ir::SourceFile::new("f.lw", src);
        let program = linkwise_ir::check::check(&linkwise_ir::text::parse(&file).unwrap()).unwrap();
        let target = linkwise_linkage::Target::parse("aarch64-pc-windows-msvc").unwrap();
        let plan = linkwise_linkage::resolve(&program, &target, &[], Default::default()).unwrap();
        let isa = crate::isa::build(&target).unwrap();
        let f = crate::lower::compile_all(&program, &plan, &*isa).unwrap().remove(0);
        assert_eq!(f.warnings, []);
        let Some(crate::lower::Unwind::WindowsArm64(record)) = f.unwind else { panic!("{:?}", f.unwind) };
        // The constant really is in the code, as two words after the one real `ret`.
        let words: Vec<u32> = f.code.chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
        let rets: Vec<usize> = (0..words.len()).filter(|&i| words[i] == RET).collect();
        assert_eq!(rets.len(), 2, "{words:x?}");
        assert_eq!(words[rets[1] + 1], 0x3ff0_0000, "{words:x?}");
        // One epilogue scope, for the real `ret`: `add sp, sp, #16; ldp x29, x30, [sp], #16; ret`.
        assert_eq!(scopes(&record), [rets[0] as u32 - 2]);
        assert_eq!(words[rets[0] - 2..=rets[0]], [ADD_SP_SP | (16 << 10), LDP_FP_LR_POST16, RET]);
    }
}
