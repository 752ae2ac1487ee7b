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
//! Cranelift's arm64 frame: `stp x29, x30, [sp, #-16]!; mov x29, sp`, callee-saved registers stored in pairs
//! with pre-indexed `stp` (a single `str` for an odd one), `sub sp, sp, #N`; each epilogue is the exact reverse,
//! without an instruction for `mov x29, sp`, ending in `ret`. So the record holds two code sequences: the
//! prologue's (in unwind order, with `set_fp`) and the epilogues' (without it), and one epilogue scope per
//! `ret`. Microsoft's "ARM64 exception handling" documentation defines the codes; each describes exactly one
//! instruction, which is what lets the unwinder start in the middle of a prologue or an epilogue.

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
/// `add sp, sp, #0` (llvm-mc spells it `mov sp, sp`): imm12 in bits 10-21.
const ADD_SP_SP: u32 = 0x9100_03ff;
/// `ret`.
const RET: u32 = 0xd65f_03c0;

/// The first register of each bank that the save codes can name: `save_reg*` name x(19 + X), `save_freg*`
/// d(8 + X); X counts up to the last callee-saved register (x28, d15).
const FIRST_SAVED_X: u8 = 19;
const SAVED_X_COUNT: u8 = 10;
const FIRST_SAVED_D: u8 = 8;
const SAVED_D_COUNT: u8 = 8;

/// One unwind code, as the documentation names it. Registers are their numbers (19 for x19, 8 for d8) and
/// sizes are in bytes; fitting them into the code's fields is the encoder's job ([`encode_code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnwindCode {
    /// `alloc_s` (`000xxxxx`) or `alloc_m` (`11000xxx'xxxxxxxx`): `sub sp, sp, #bytes`, a multiple of 16.
    Alloc { bytes: u32 },
    /// `save_regp_x` (`110011xx'xxzzzzzz`): `stp x(reg), x(reg+1), [sp, #-bytes]!`.
    SaveRegpX { reg: u8, bytes: u16 },
    /// `save_reg_x` (`1101010x'xxxzzzzz`): `str x(reg), [sp, #-bytes]!`.
    SaveRegX { reg: u8, bytes: u16 },
    /// `save_fregp_x` (`1101101x'xxzzzzzz`): `stp d(reg), d(reg+1), [sp, #-bytes]!`.
    SaveFregpX { reg: u8, bytes: u16 },
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

/// Appends the bytes of `code`. Every code the describer builds fits its fields (it checks registers and sizes
/// before building one), so this cannot fail.
fn encode_code(code: UnwindCode, out: &mut Vec<u8>) {
    // Z of the pre-indexed forms: the stack adjustment is (Z + 1) * 8 bytes.
    let z = |bytes: u16| (bytes / 8 - 1) as u8;
    match code {
        UnwindCode::Alloc { bytes } if bytes / 16 < 32 => out.push((bytes / 16) as u8),
        UnwindCode::Alloc { bytes } => {
            let units = (bytes / 16) as u16;
            out.extend([0b1100_0000 | (units >> 8) as u8, units as u8]);
        }
        UnwindCode::SaveRegpX { reg, bytes } => {
            let x = reg - FIRST_SAVED_X;
            out.extend([0b1100_1100 | (x >> 2), ((x & 3) << 6) | z(bytes)]);
        }
        UnwindCode::SaveRegX { reg, bytes } => {
            let x = reg - FIRST_SAVED_X;
            out.extend([0b1101_0100 | (x >> 3), ((x & 7) << 5) | z(bytes)]);
        }
        UnwindCode::SaveFregpX { reg, bytes } => {
            let x = reg - FIRST_SAVED_D;
            out.extend([0b1101_1010 | (x >> 2), ((x & 3) << 6) | z(bytes)]);
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

/// One prologue instruction: its unwind code, and the instruction word the epilogue uses to undo it; `None`
/// when the epilogue has no counterpart (`mov x29, sp`: Cranelift's epilogue does not restore SP from the frame
/// pointer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PrologueOp {
    code: UnwindCode,
    undo: Option<u32>,
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
    let ops = describe(steps)?;
    encode(&ops, code, instructions).map(Some)
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

/// Cranelift's prologue steps as one operation per prologue instruction, in prologue order.
fn describe(steps: &[(u32, UnwindInst)]) -> Result<Vec<PrologueOp>, Undescribable> {
    let nops = |n| (0..n).map(|_| PrologueOp { code: UnwindCode::Nop, undo: None });
    let mut ops: Vec<PrologueOp> = Vec::new();
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
                ops.extend(nops(extra));
                ops.push(PrologueOp {
                    code: UnwindCode::SaveFplrX { bytes: 16 },
                    undo: Some(LDP_FP_LR_POST16),
                });
            }
            UnwindInst::DefineNewFrame { .. } => {
                // `mov x29, sp` comes first; anything after it before the saves (stack probes) restores nothing.
                ops.push(PrologueOp { code: UnwindCode::SetFp, undo: None });
                ops.extend(nops(extra));
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
                // The codes can only name r(base + X) and, for a pair, the register after it.
                if first.checked_sub(base).is_none_or(|x| x >= count) {
                    return Err(Undescribable::new(format!(
                        "the frame saves {}, which is not a register the save codes can name ({}-{})",
                        reg_name(float, first),
                        reg_name(float, base),
                        reg_name(float, base + count - 1)
                    )));
                }
                if let Some(second) = second
                    && second != first + 1
                {
                    // LLVM's AArch64 frame lowering refuses to form such pairs on Windows for this reason;
                    // Cranelift's register allocator may pick them.
                    return Err(Undescribable::new(format!(
                        "the frame saves {} and {} as a pair, which no unwind code can describe",
                        reg_name(float, first),
                        reg_name(float, second)
                    )));
                }
                let code = match (float, second.is_some()) {
                    (false, true) => UnwindCode::SaveRegpX { reg: first, bytes: 16 },
                    (true, true) => UnwindCode::SaveFregpX { reg: first, bytes: 16 },
                    (false, false) => UnwindCode::SaveRegX { reg: first, bytes: 16 },
                    (true, false) => UnwindCode::SaveFregX { reg: first, bytes: 16 },
                };
                ops.push(PrologueOp { code, undo: Some(reload(float, first, second)) });
                if pair.is_some() {
                    i += 1;
                }
            }
            UnwindInst::StackAlloc { size } => {
                // One `sub sp, sp, #size` that `add sp, sp, #size` undoes; a larger allocation takes several
                // instructions (through a scratch register), whose epilogue this encoder does not match.
                if extra != 0 || size % 16 != 0 || *size >= 4096 {
                    return Err(Undescribable::new(format!(
                        "the frame allocates {size} bytes in {instructions} instruction(s), and linkwise \
                         describes only one `sub sp, sp, #N` of a multiple of 16 below 4096"
                    )));
                }
                ops.push(PrologueOp {
                    code: UnwindCode::Alloc { bytes: *size },
                    undo: Some(ADD_SP_SP | (*size << 10)),
                });
            }
            other => {
                return Err(Undescribable::new(format!(
                    "Cranelift reported the prologue step {other:?}, which no Cranelift arm64 frame had before"
                )));
            }
        }
        done = *offset;
        i += 1;
    }
    Ok(ops)
}

/// The record: header, epilogue scopes, then the prologue's and the epilogues' code sequences.
fn encode(ops: &[PrologueOp], code: &[u8], instructions: &[Range<u32>]) -> Result<Vec<u8>, Undescribable> {
    // The prologue codes in unwind order, then the epilogue codes (unwind order is epilogue order).
    let mut codes = Vec::new();
    for op in ops.iter().rev() {
        encode_code(op.code, &mut codes);
    }
    encode_code(UnwindCode::End, &mut codes);
    let epilogue_index = codes.len();
    let undone: Vec<&PrologueOp> = ops.iter().rev().filter(|op| op.undo.is_some()).collect();
    for op in &undone {
        encode_code(op.code, &mut codes);
    }
    encode_code(UnwindCode::End, &mut codes);
    let undo: Vec<u32> = undone.iter().filter_map(|op| op.undo).collect();

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
        let codes: Vec<UnwindCode> = describe(&frame.steps).unwrap().iter().map(|op| op.code).collect();
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
        // Cranelift's registers, taken from its steps (their type has no public constructor).
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
        let save = |at, enc| (at, UnwindInst::SaveReg { clobber_offset: 0, reg: reg(enc) });
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

        // `stp x19, x26, [sp, #-16]!`: the pair codes name x(19 + X) and the register after it.
        let steps = [&frame_record[..], &[save(12, 19), save(12, 26)]].concat();
        assert_eq!(
            reason(&steps, &[]),
            "the frame saves x19 and x26 as a pair, which no unwind code can describe"
        );
        // A 4 KiB frame is allocated in several instructions.
        let steps = [&frame_record[..], &[(12, UnwindInst::StackAlloc { size: 4096 })]].concat();
        assert_eq!(
            reason(&steps, &[]),
            "the frame allocates 4096 bytes in 1 instruction(s), and linkwise describes only one `sub sp, sp, \
             #N` of a multiple of 16 below 4096"
        );
        // A `ret` that is not the end of the epilogue (here: in place of the prologue's third instruction).
        let mut code = frame.code.clone();
        code[8..12].copy_from_slice(&RET.to_le_bytes());
        assert_eq!(
            reason(&frame.steps, &code),
            "the `ret` at byte 8 does not follow the exact reverse of the prologue"
        );
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
