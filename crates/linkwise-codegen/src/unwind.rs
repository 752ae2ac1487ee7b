//! Windows unwind records, built by linkwise from the prologue steps Cranelift reports: the x64 `UNWIND_INFO`
//! (Cranelift 0.135's own encoder gets three things wrong, below) and the arm64 `.xdata` record (Cranelift
//! gives only the prologue's codes; the record around them, the epilogues and the `.pdata` are ours).
//!
//! x64. Cranelift's prologue is `push rbp; mov rbp, rsp; sub rsp, N; mov [rsp+K+i], reg...`: the frame pointer
//! is set *before* the stack is allocated and the callee-saved registers are stored *below* it, in the
//! "clobber area" of `clobber_size` bytes right under RBP. Windows' unwinder (the algorithm of
//! `RtlVirtualUnwind`, which Wine implements too) reads every `UWOP_SAVE_NONVOL` slot at
//! `establisher frame + 8 * offset`, where the establisher frame is `RBP - 16 * FrameOffset`, and undoes
//! `UWOP_SET_FPREG` by setting `RSP = RBP - 16 * FrameOffset`. So the record that matches this prologue is:
//!
//! - `FrameRegister = RBP`, `FrameOffset = clobber_size / 16`: the establisher frame is the clobber area's base;
//! - `UWOP_SAVE_NONVOL reg, clobber_offset / 8` (and `UWOP_SAVE_XMM128 reg, clobber_offset / 16`);
//! - between `PUSH_NONVOL RBP` and `SET_FPREG`, a `UWOP_ALLOC` of `clobber_size` that the code never executes
//!   as such: it makes the unwinder step from the establisher frame back up to RBP's value, so that popping RBP
//!   and the return address read the right slots. (The real `sub rsp, N` needs no code: once RBP is the frame
//!   register the unwinder never looks at RSP's body value.)
//!
//! Cranelift 0.135 writes `FrameOffset` unscaled into a 4-bit field (so it becomes 0 for any clobber area of
//! 16 bytes or more), scales `SAVE_NONVOL` offsets by 16 instead of 8, and omits the allocation; the result
//! restores callee-saved registers from the wrong slots during exception unwinding. `tests/unwind.rs`
//! checks the record against Wine's `RtlVirtualUnwind`.

use cranelift_codegen::RegClass;
use cranelift_codegen::isa::unwind::UnwindInst;

/// `UNWIND_INFO` version 1 (no chained info, no handler).
const VERSION: u8 = 1;
/// Windows' number for RBP, the frame register.
const RBP: u8 = 5;

// Unwind operation codes (the low nibble of an UNWIND_CODE's second byte), from the PE/COFF x64 exception
// handling documentation.
const UWOP_PUSH_NONVOL: u8 = 0;
const UWOP_ALLOC_LARGE: u8 = 1;
const UWOP_ALLOC_SMALL: u8 = 2;
const UWOP_SET_FPREG: u8 = 3;
const UWOP_SAVE_NONVOL: u8 = 4;
const UWOP_SAVE_NONVOL_FAR: u8 = 5;
const UWOP_SAVE_XMM128: u8 = 8;
const UWOP_SAVE_XMM128_FAR: u8 = 9;

/// One unwind operation: its 2-byte slots (the first holds its prologue offset and opcode).
struct Code {
    slots: Vec<[u8; 2]>,
}

impl Code {
    fn new(prologue_offset: u8, op: u8, info: u8, extra: &[u16]) -> Code {
        let mut slots = vec![[prologue_offset, (info << 4) | op]];
        slots.extend(extra.iter().map(|v| v.to_le_bytes()));
        Code { slots }
    }

    /// `UWOP_ALLOC_SMALL` up to 128 bytes, else `UWOP_ALLOC_LARGE` with a 16-bit (scaled) or 32-bit size.
    fn alloc(prologue_offset: u8, size: u32) -> Code {
        if size <= 128 {
            Code::new(prologue_offset, UWOP_ALLOC_SMALL, ((size - 8) / 8) as u8, &[])
        } else if size / 8 <= u32::from(u16::MAX) {
            Code::new(prologue_offset, UWOP_ALLOC_LARGE, 0, &[(size / 8) as u16])
        } else {
            Code::new(prologue_offset, UWOP_ALLOC_LARGE, 1, &[size as u16, (size >> 16) as u16])
        }
    }

    /// A register saved with `mov` at `offset` bytes above the establisher frame, scaled by `scale` when it
    /// fits the short form, else in the 32-bit unscaled far form.
    fn save(prologue_offset: u8, (near, far, scale): (u8, u8, u32), reg: u8, offset: u32) -> Code {
        if offset / scale <= u32::from(u16::MAX) {
            Code::new(prologue_offset, near, reg, &[(offset / scale) as u16])
        } else {
            Code::new(prologue_offset, far, reg, &[offset as u16, (offset >> 16) as u16])
        }
    }
}

/// The `UNWIND_INFO` bytes for a function whose prologue Cranelift described by `steps` (offsets are from the
/// function's start, each just past the instruction it describes). `Ok(None)` for a function without a frame
/// (a leaf that never moves RSP needs no entry); `Err` says why a prologue cannot be described.
pub(crate) fn windows_x64(steps: &[(u32, UnwindInst)]) -> Result<Option<Vec<u8>>, String> {
    if steps.is_empty() {
        return Ok(None);
    }
    let mut codes = Vec::new();
    let mut frame_offset = None;
    let mut prologue_size = 0u8;
    for (offset, step) in steps {
        let at = u8::try_from(*offset)
            .map_err(|_| format!("the prologue is {offset} bytes long; Windows x64 allows at most 255"))?;
        prologue_size = prologue_size.max(at);
        match step {
            UnwindInst::PushFrameRegs { .. } => codes.push(Code::new(at, UWOP_PUSH_NONVOL, RBP, &[])),
            UnwindInst::DefineNewFrame { offset_downward_to_clobbers: clobber_size, .. } => {
                let clobber_size = *clobber_size;
                if clobber_size % 16 != 0 || clobber_size > 15 * 16 {
                    return Err(format!(
                        "a clobber area of {clobber_size} bytes cannot be the frame offset (a multiple of 16 up to 240)"
                    ));
                }
                if clobber_size > 0 {
                    codes.push(Code::alloc(at, clobber_size));
                }
                codes.push(Code::new(at, UWOP_SET_FPREG, 0, &[]));
                frame_offset = Some((clobber_size / 16) as u8);
            }
            UnwindInst::SaveReg { clobber_offset, reg } => {
                if frame_offset.is_none() {
                    return Err("a register is saved before the frame pointer is set".into());
                }
                let form = match reg.class() {
                    RegClass::Int => (UWOP_SAVE_NONVOL, UWOP_SAVE_NONVOL_FAR, 8),
                    RegClass::Float => (UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR, 16),
                    RegClass::Vector => {
                        return Err(format!("cannot describe saving vector register {reg:?}"));
                    }
                };
                codes.push(Code::save(at, form, reg.hw_enc(), *clobber_offset));
            }
            other => return Err(format!("unexpected prologue step {other:?} for Windows x64")),
        }
    }
    let Some(frame_offset) = frame_offset else {
        return Err("the prologue never sets the frame pointer".into());
    };
    // The array lists operations in reverse prologue order (Cranelift reports steps in code order), so of the
    // two recorded at the end of `mov rbp, rsp`, SET_FPREG (pushed last) is undone before the allocation.
    codes.reverse();
    let slots: Vec<[u8; 2]> = codes.into_iter().flat_map(|c| c.slots).collect();
    let count =
        u8::try_from(slots.len()).map_err(|_| format!("{} unwind slots; at most 255", slots.len()))?;
    let mut bytes = vec![VERSION, prologue_size, count, (frame_offset << 4) | RBP];
    bytes.extend(slots.iter().flatten());
    // The slot array is padded to an even count so that what may follow it stays 4-byte aligned.
    if slots.len() % 2 == 1 {
        bytes.extend([0, 0]);
    }
    Ok(Some(bytes))
}

// ---------------------------------------------------------------------------------------------------------
// Windows arm64
// ---------------------------------------------------------------------------------------------------------

// ARM64 unwind codes (Microsoft's "ARM64 exception handling"): each describes exactly one prologue or epilogue
// instruction, which is what lets the unwinder start in the middle of either.
const A64_SAVE_FPLR_X: u8 = 0b1000_0000; // stp x29, x30, [sp, #-(Z+1)*8]!
const A64_SET_FP: u8 = 0b1110_0001; // mov x29, sp
const A64_NOP: u8 = 0b1110_0011; // an instruction that changes nothing the unwinder restores
const A64_END: u8 = 0b1110_0100; // end of a sequence; in an epilogue it stands for the `ret`

/// One arm64 prologue operation, in prologue order, with the epilogue instruction that undoes it.
#[derive(Clone, Debug)]
struct A64Op {
    /// Its unwind code bytes.
    code: Vec<u8>,
    /// The instruction word the epilogue uses to undo it; `None` when the epilogue has no counterpart
    /// (`mov x29, sp`: Cranelift's epilogue does not restore SP from the frame pointer).
    undo: Option<u32>,
}

/// The 64-bit post-indexed load (pair) that undoes a 16-byte pre-indexed store (pair) of `reg`, `reg2`.
fn a64_reload(float: bool, reg: u8, reg2: Option<u8>) -> u32 {
    let (rt, sp) = (u32::from(reg), 31 << 5);
    match (float, reg2) {
        // LDP Xt, Xt2, [sp], #16 / LDP Dt, Dt2, [sp], #16 (imm7 = 16 / 8).
        (false, Some(r2)) => 0xA8C1_0000 | (u32::from(r2) << 10) | sp | rt,
        (true, Some(r2)) => 0x6CC1_0000 | (u32::from(r2) << 10) | sp | rt,
        // LDR Xt, [sp], #16 / LDR Dt, [sp], #16 (imm9 = 16).
        (false, None) => 0xF841_0400 | sp | rt,
        (true, None) => 0xFC41_0400 | sp | rt,
    }
}

/// The `.xdata` record of an arm64 Windows function from the prologue steps Cranelift reports and its machine
/// code (to find the epilogues). `Ok(None)` for a function without a frame (a leaf: its caller's address stays
/// in LR) or one whose prologue this encoder does not describe (then the function gets no record, as all did
/// before; docs/codegen.md).
///
/// Cranelift's arm64 frame: `stp x29, x30, [sp, #-16]!; mov x29, sp`, callee-saved registers stored in pairs
/// with pre-indexed `stp` (a single `str` for an odd one), `sub sp, sp, #N`; each epilogue is the exact reverse,
/// without an instruction for `mov x29, sp`, ending in `ret`. So the record holds two code sequences: the
/// prologue's (in unwind order, with `set_fp`) and the epilogues' (without it), and one epilogue scope per `ret`.
pub(crate) fn windows_arm64(steps: &[(u32, UnwindInst)], code: &[u8]) -> Option<Vec<u8>> {
    if steps.is_empty() {
        return None;
    }
    // Prologue operations in prologue order, one per instruction.
    let mut ops: Vec<A64Op> = Vec::new();
    let mut done = 0u32; // prologue bytes described so far
    let mut i = 0;
    while i < steps.len() {
        let (offset, step) = &steps[i];
        // A pair store is reported as two steps at the same offset.
        let pair = steps.get(i + 1).filter(|(o, s)| o == offset && matches!(s, UnwindInst::SaveReg { .. }));
        let instructions = offset.checked_sub(done).filter(|n| n % 4 == 0).map(|n| n / 4);
        // Each step ends at least one instruction after the previous one; anything else is a shape this
        // encoder does not know, and gets no record rather than a wrong one.
        let instructions = instructions.filter(|&n| n >= 1)?;
        let extra = instructions - 1;
        match step {
            UnwindInst::PushFrameRegs { .. } => {
                ops.extend((0..extra).map(|_| A64Op { code: vec![A64_NOP], undo: None }));
                // stp x29, x30, [sp, #-16]!  (Z = 16 / 8 - 1)
                ops.push(A64Op { code: vec![A64_SAVE_FPLR_X | 1], undo: Some(0xA8C1_7BFD) });
            }
            UnwindInst::DefineNewFrame { .. } => {
                // `mov x29, sp` comes first; anything after it before the saves (stack probes) restores nothing.
                ops.push(A64Op { code: vec![A64_SET_FP], undo: None });
                ops.extend((0..extra).map(|_| A64Op { code: vec![A64_NOP], undo: None }));
            }
            UnwindInst::SaveReg { reg, .. } => {
                if extra != 0 {
                    return None;
                }
                let float = match reg.class() {
                    RegClass::Int => false,
                    RegClass::Float => true,
                    RegClass::Vector => return None,
                };
                let (first, base, count) = if float { (reg.hw_enc(), 8, 8) } else { (reg.hw_enc(), 19, 10) };
                let second = pair.map(|(_, s)| match s {
                    UnwindInst::SaveReg { reg, .. } => reg.hw_enc(),
                    _ => unreachable!("filtered above"),
                });
                // The codes can only name r(19 + X) and, for a pair, the register after it.
                let x = first.checked_sub(base).filter(|x| *x < count)?;
                if second.is_some_and(|s| s != first + 1) {
                    return None;
                }
                let code = match (float, second.is_some()) {
                    // save_regp_x 110011xx'xxzzzzzz, save_fregp_x 1101101x'xxzzzzzz, Z = 1 (16 bytes).
                    (false, true) => vec![0b1100_1100 | (x >> 2), ((x & 3) << 6) | 1],
                    (true, true) => vec![0b1101_1010 | (x >> 2), ((x & 3) << 6) | 1],
                    // save_reg_x 1101010x'xxxzzzzz, save_freg_x 11011110'xxxzzzzz, Z = 1.
                    (false, false) => vec![0b1101_0100 | (x >> 3), ((x & 7) << 5) | 1],
                    (true, false) => vec![0b1101_1110, ((x & 7) << 5) | 1],
                };
                ops.push(A64Op { code, undo: Some(a64_reload(float, first, second)) });
                if pair.is_some() {
                    i += 1;
                }
            }
            UnwindInst::StackAlloc { size } => {
                // One `sub sp, sp, #size` that `add sp, sp, #size` undoes; a larger allocation takes several
                // instructions (through a scratch register), whose epilogue this encoder does not match.
                if extra != 0 || size % 16 != 0 || *size >= 4096 {
                    return None;
                }
                let code = if *size / 16 < 32 {
                    vec![(*size / 16) as u8] // alloc_s 000xxxxx
                } else {
                    let units = (*size / 16) as u16; // alloc_m 11000xxx'xxxxxxxx
                    vec![0b1100_0000 | (units >> 8) as u8, units as u8]
                };
                ops.push(A64Op { code, undo: Some(0x9100_03FF | (*size << 10)) });
            }
            _ => return None,
        }
        done = *offset;
        i += 1;
    }

    // The prologue codes in unwind order, then the epilogue codes (unwind order is epilogue order).
    let mut codes: Vec<u8> = ops.iter().rev().flat_map(|op| op.code.iter().copied()).collect();
    codes.push(A64_END);
    let epilogue_index = codes.len();
    let undo: Vec<u32> = ops.iter().rev().filter_map(|op| op.undo).collect();
    codes.extend(ops.iter().rev().filter(|op| op.undo.is_some()).flat_map(|op| op.code.iter().copied()));
    codes.push(A64_END);

    // Every `ret` of a function with a frame must be the end of exactly that epilogue.
    const RET: u32 = 0xD65F_03C0;
    let words: Vec<u32> =
        code.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
    let mut scopes = Vec::new();
    for (at, _) in words.iter().enumerate().filter(|(_, w)| **w == RET) {
        let start = at.checked_sub(undo.len())?;
        if words[start..at] != undo[..] {
            return None;
        }
        scopes.push(start as u32);
    }

    if !code.len().is_multiple_of(4) || code.len() / 4 >= 1 << 18 || epilogue_index >= 1 << 10 {
        return None;
    }
    // Pad the code bytes to whole words (with `nop`, as LLVM does; nothing reads past an `end`).
    while !codes.len().is_multiple_of(4) {
        codes.push(A64_NOP);
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
        return None;
    }
    // Epilogue scopes: start offset / 4 (bits 0-17), start index of its codes (22-31).
    for start in scopes {
        record.extend((start | ((epilogue_index as u32) << 22)).to_le_bytes());
    }
    record.extend(codes);
    Some(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(code: Code) -> Vec<[u8; 2]> {
        code.slots
    }

    #[test]
    fn allocations_pick_the_smallest_form() {
        // ALLOC_SMALL: OpInfo = size / 8 - 1, for 8 to 128 bytes.
        assert_eq!(slots(Code::alloc(4, 16)), [[4, (1 << 4) | UWOP_ALLOC_SMALL]]);
        assert_eq!(slots(Code::alloc(4, 128)), [[4, (15 << 4) | UWOP_ALLOC_SMALL]]);
        // ALLOC_LARGE with OpInfo 0: one slot of size / 8.
        assert_eq!(slots(Code::alloc(4, 144)), [[4, UWOP_ALLOC_LARGE], 18u16.to_le_bytes()]);
        // ALLOC_LARGE with OpInfo 1: the unscaled size in two slots, low half first.
        assert_eq!(
            slots(Code::alloc(4, 0x80000)),
            [[4, (1 << 4) | UWOP_ALLOC_LARGE], 0u16.to_le_bytes(), 8u16.to_le_bytes()]
        );
    }

    #[test]
    fn saves_are_scaled_by_their_size_or_use_the_far_form() {
        let gpr = (UWOP_SAVE_NONVOL, UWOP_SAVE_NONVOL_FAR, 8);
        let xmm = (UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR, 16);
        // RBX (3) 0x30 bytes up: offset slot 6; XMM6 0x40 bytes up: offset slot 4.
        assert_eq!(slots(Code::save(0x10, gpr, 3, 0x30)), [[0x10, 0x34], 6u16.to_le_bytes()]);
        assert_eq!(slots(Code::save(0x37, xmm, 6, 0x40)), [[0x37, 0x68], 4u16.to_le_bytes()]);
        // Past 0xFFFF scaled units the far form holds the unscaled 32-bit offset.
        assert_eq!(
            slots(Code::save(0x10, gpr, 15, 0x80000)),
            [[0x10, 0xF5], 0u16.to_le_bytes(), 8u16.to_le_bytes()]
        );
    }

    #[test]
    fn a_frameless_function_has_no_record() {
        assert_eq!(windows_x64(&[]), Ok(None));
    }

    #[test]
    fn a_frame_without_push_and_define_is_refused() {
        let steps = [(1, UnwindInst::StackAlloc { size: 32 })];
        assert!(windows_x64(&steps).unwrap_err().contains("unexpected prologue step"));
        let steps = [
            (1, UnwindInst::PushFrameRegs { offset_upward_to_caller_sp: 16 }),
            (
                4,
                UnwindInst::DefineNewFrame { offset_upward_to_caller_sp: 16, offset_downward_to_clobbers: 8 },
            ),
        ];
        assert!(windows_x64(&steps).unwrap_err().contains("multiple of 16"));
    }

    #[test]
    fn push_alloc_and_set_fpreg_are_listed_in_reverse_prologue_order() {
        let steps = [
            (1, UnwindInst::PushFrameRegs { offset_upward_to_caller_sp: 16 }),
            (
                4,
                UnwindInst::DefineNewFrame {
                    offset_upward_to_caller_sp: 16,
                    offset_downward_to_clobbers: 32,
                },
            ),
        ];
        let bytes = windows_x64(&steps).unwrap().unwrap();
        // Version 1, prologue 4 bytes, 3 slots, RBP with FrameOffset 2; SET_FPREG, ALLOC 32, PUSH RBP; padding.
        assert_eq!(bytes, [1, 4, 3, 0x25, 4, UWOP_SET_FPREG, 4, (3 << 4) | UWOP_ALLOC_SMALL, 1, 0x50, 0, 0]);
    }
}
