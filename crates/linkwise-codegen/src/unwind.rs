//! Windows x64 unwind information (the `UNWIND_INFO` record that `.xdata` holds), built by linkwise from the
//! prologue steps Cranelift reports, because Cranelift 0.135's own encoder gets three things wrong.
//!
//! Cranelift's x64 prologue is `push rbp; mov rbp, rsp; sub rsp, N; mov [rsp+K+i], reg...`: the frame pointer
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

/// One unwind operation: its prologue offset and its 2-byte slots (the first holds offset and opcode).
struct Code {
    prologue_offset: u8,
    slots: Vec<[u8; 2]>,
}

impl Code {
    fn new(prologue_offset: u8, op: u8, info: u8, extra: &[u16]) -> Code {
        let mut slots = vec![[prologue_offset, (info << 4) | op]];
        slots.extend(extra.iter().map(|v| v.to_le_bytes()));
        Code { prologue_offset, slots }
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
    // The array lists operations in reverse prologue order. The sort is stable, so of the two steps recorded at
    // the end of `mov rbp, rsp`, SET_FPREG (pushed last) is undone before the allocation, as it must be.
    codes.reverse();
    codes.sort_by_key(|c| std::cmp::Reverse(c.prologue_offset));
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
