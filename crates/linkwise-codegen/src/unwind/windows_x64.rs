//! The Windows x64 `UNWIND_INFO` record of a function, built from the prologue steps Cranelift reports instead
//! of by Cranelift 0.135's own encoder, which gets three things wrong (below; a test pins its output).
//!
//! Cranelift's prologue is `push rbp; mov rbp, rsp; sub rsp, N; mov [rsp+K+i], reg...`: the frame pointer is set
//! *before* the stack is allocated and the callee-saved registers are stored *below* it, in the "clobber area"
//! of `clobber_size` bytes right under RBP. Windows' unwinder (the algorithm of `RtlVirtualUnwind`, which Wine
//! implements too) reads every `UWOP_SAVE_NONVOL` slot at `establisher frame + 8 * offset`, where the
//! establisher frame is `RBP - 16 * FrameOffset`, and undoes `UWOP_SET_FPREG` by setting
//! `RSP = RBP - 16 * FrameOffset`. So the record that matches this prologue is:
//!
//! - `FrameRegister = RBP`, `FrameOffset = clobber_size / 16`: the establisher frame is the clobber area's base;
//! - `UWOP_SAVE_NONVOL reg, clobber_offset / 8` (and `UWOP_SAVE_XMM128 reg, clobber_offset / 16`);
//! - between `PUSH_NONVOL RBP` and `SET_FPREG`, a `UWOP_ALLOC` of `clobber_size` that the code never executes
//!   as such: it makes the unwinder step from the establisher frame back up to RBP's value, so that popping RBP
//!   and the return address read the right slots. (The real `sub rsp, N` needs no code: once RBP is the frame
//!   register the unwinder never looks at RSP's body value.)
//!
//! Cranelift 0.135 (`cranelift-codegen/src/isa/unwind/winx64.rs`) writes `FrameOffset` unscaled into a 4-bit
//! field (so it becomes 0 for any clobber area of 16 bytes or more), scales `SAVE_NONVOL` offsets by 16 instead
//! of 8, and omits the allocation; the result restores callee-saved registers from the wrong slots during
//! exception unwinding. `tests/unwind.rs` checks linkwise's record against Wine's `RtlVirtualUnwind`.

use super::Undescribable;
use cranelift_codegen::RegClass;
use cranelift_codegen::isa::unwind::UnwindInst;

/// `UNWIND_INFO` version 1 (no chained info, no handler: the flags, bits 3-7 of the first byte, are 0).
const VERSION: u8 = 1;
/// Windows' number for RBP (the x64 register encoding), the frame register of every Cranelift frame.
const RBP: u8 = 5;

// Unwind operation codes (the low nibble of an UNWIND_CODE's second byte), from the PE/COFF "x64 exception
// handling" documentation.
const UWOP_PUSH_NONVOL: u8 = 0;
const UWOP_ALLOC_LARGE: u8 = 1;
const UWOP_ALLOC_SMALL: u8 = 2;
const UWOP_SET_FPREG: u8 = 3;
const UWOP_SAVE_NONVOL: u8 = 4;
const UWOP_SAVE_NONVOL_FAR: u8 = 5;
const UWOP_SAVE_XMM128: u8 = 8;
const UWOP_SAVE_XMM128_FAR: u8 = 9;

/// One unwind operation, as the documentation names it, with `at` the prologue offset just past the
/// instruction it describes. Sizes and offsets are in bytes, unscaled: choosing the short or long form and
/// scaling is the encoder's job ([`encode_code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnwindCode {
    /// `UWOP_PUSH_NONVOL`: `push reg`.
    PushNonvol { at: u8, reg: u8 },
    /// `UWOP_ALLOC_SMALL` or `UWOP_ALLOC_LARGE`: RSP moved down by `size` bytes (a multiple of 8).
    Alloc { at: u8, size: u32 },
    /// `UWOP_SET_FPREG`: the frame register set to RSP + 16 * FrameOffset.
    SetFpreg { at: u8 },
    /// `UWOP_SAVE_NONVOL` or `_FAR`: general register `reg` stored `offset` bytes above the establisher frame.
    SaveNonvol { at: u8, reg: u8, offset: u32 },
    /// `UWOP_SAVE_XMM128` or `_FAR`: all 128 bits of `xmm{reg}` stored `offset` bytes above the establisher
    /// frame.
    SaveXmm128 { at: u8, reg: u8, offset: u32 },
}

/// A function's unwind information before encoding: the fixed header fields and the codes in prologue order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct UnwindInfo {
    /// Bytes from the function's start to the end of the prologue's last described instruction.
    prologue_size: u8,
    /// `FrameOffset`: RBP is RSP + 16 * this after `mov rbp, rsp` as the record describes it (4 bits).
    frame_offset: u8,
    /// The operations, in prologue order (the encoder reverses them).
    codes: Vec<UnwindCode>,
}

/// The `UNWIND_INFO` bytes for a function whose prologue Cranelift described by `steps` (offsets are from the
/// function's start, each just past the instruction it describes). `Ok(None)` for a function without a frame
/// (a leaf that never moves RSP needs no entry); `Err` says why the prologue cannot be described.
pub(crate) fn windows_x64(steps: &[(u32, UnwindInst)]) -> Result<Option<Vec<u8>>, Undescribable> {
    describe(steps)?.map(|info| encode(&info)).transpose()
}

/// Cranelift's prologue steps as x64 unwind codes.
fn describe(steps: &[(u32, UnwindInst)]) -> Result<Option<UnwindInfo>, Undescribable> {
    if steps.is_empty() {
        return Ok(None);
    }
    let mut codes = Vec::new();
    let mut frame_offset = None;
    let mut prologue_size = 0u8;
    for (offset, step) in steps {
        let at = u8::try_from(*offset).map_err(|_| {
            Undescribable::new(format!(
                "the prologue is at least {offset} bytes long, and Windows x64 describes at most 255"
            ))
        })?;
        prologue_size = prologue_size.max(at);
        match step {
            UnwindInst::PushFrameRegs { .. } => codes.push(UnwindCode::PushNonvol { at, reg: RBP }),
            UnwindInst::DefineNewFrame { offset_downward_to_clobbers: clobber_size, .. } => {
                let clobber_size = *clobber_size;
                if clobber_size % 16 != 0 || clobber_size > 15 * 16 {
                    return Err(Undescribable::new(format!(
                        "the frame saves registers in {clobber_size} bytes below RBP, and FrameOffset can only \
                         say a multiple of 16 up to 240"
                    )));
                }
                if clobber_size > 0 {
                    codes.push(UnwindCode::Alloc { at, size: clobber_size });
                }
                codes.push(UnwindCode::SetFpreg { at });
                frame_offset = Some((clobber_size / 16) as u8);
            }
            UnwindInst::SaveReg { clobber_offset, reg } => {
                if frame_offset.is_none() {
                    return Err(Undescribable::new("the frame saves a register before it sets RBP"));
                }
                let (class, reg, offset) = (reg.class(), reg.hw_enc(), *clobber_offset);
                codes.push(match class {
                    RegClass::Int => UnwindCode::SaveNonvol { at, reg, offset },
                    RegClass::Float => UnwindCode::SaveXmm128 { at, reg, offset },
                    RegClass::Vector => {
                        return Err(Undescribable::new(format!(
                            "the frame saves vector register {reg}, which no unwind code names"
                        )));
                    }
                });
            }
            other => {
                return Err(Undescribable::new(format!(
                    "Cranelift reported the prologue step {other:?}, which no Cranelift x64 frame had before"
                )));
            }
        }
    }
    let Some(frame_offset) = frame_offset else {
        return Err(Undescribable::new("the prologue never sets the frame pointer"));
    };
    Ok(Some(UnwindInfo { prologue_size, frame_offset, codes }))
}

/// The record's bytes: header, codes in reverse prologue order, padding to a 4-byte boundary.
fn encode(info: &UnwindInfo) -> Result<Vec<u8>, Undescribable> {
    // The array lists operations in reverse prologue order (Cranelift reports steps in code order), so of the
    // two recorded at the end of `mov rbp, rsp`, SET_FPREG (pushed last) is undone before the allocation.
    let slots: Vec<[u8; 2]> = info.codes.iter().rev().flat_map(encode_code).collect();
    let count = u8::try_from(slots.len()).map_err(|_| {
        Undescribable::new(format!(
            "the record needs {} unwind slots, and Windows x64 allows 255",
            slots.len()
        ))
    })?;
    let mut bytes = vec![VERSION, info.prologue_size, count, (info.frame_offset << 4) | RBP];
    bytes.extend(slots.iter().flatten());
    // The slot array is padded to an even count so that what may follow it stays 4-byte aligned.
    if slots.len() % 2 == 1 {
        bytes.extend([0, 0]);
    }
    Ok(bytes)
}

/// One operation's 2-byte slots: the first holds its prologue offset, then `OpInfo << 4 | UnwindOp`; the rest
/// hold its operand, little-endian.
fn encode_code(code: &UnwindCode) -> Vec<[u8; 2]> {
    let slots = |at: u8, op: u8, info: u8, extra: &[u16]| {
        let mut slots = vec![[at, (info << 4) | op]];
        slots.extend(extra.iter().map(|v| v.to_le_bytes()));
        slots
    };
    // A register saved with `mov`: the offset scaled by the size of the slot when it fits 16 bits, else the
    // far form with the unscaled 32-bit offset.
    let save = |at: u8, (near, far, scale): (u8, u8, u32), reg: u8, offset: u32| {
        if offset / scale <= u32::from(u16::MAX) {
            slots(at, near, reg, &[(offset / scale) as u16])
        } else {
            slots(at, far, reg, &[offset as u16, (offset >> 16) as u16])
        }
    };
    match *code {
        UnwindCode::PushNonvol { at, reg } => slots(at, UWOP_PUSH_NONVOL, reg, &[]),
        // ALLOC_SMALL up to 128 bytes (OpInfo = size / 8 - 1), else ALLOC_LARGE with a 16-bit size / 8
        // (OpInfo 0) or the unscaled 32-bit size (OpInfo 1).
        UnwindCode::Alloc { at, size } if size <= 128 => {
            slots(at, UWOP_ALLOC_SMALL, ((size - 8) / 8) as u8, &[])
        }
        UnwindCode::Alloc { at, size } if size / 8 <= u32::from(u16::MAX) => {
            slots(at, UWOP_ALLOC_LARGE, 0, &[(size / 8) as u16])
        }
        UnwindCode::Alloc { at, size } => slots(at, UWOP_ALLOC_LARGE, 1, &[size as u16, (size >> 16) as u16]),
        UnwindCode::SetFpreg { at } => slots(at, UWOP_SET_FPREG, 0, &[]),
        UnwindCode::SaveNonvol { at, reg, offset } => {
            save(at, (UWOP_SAVE_NONVOL, UWOP_SAVE_NONVOL_FAR, 8), reg, offset)
        }
        UnwindCode::SaveXmm128 { at, reg, offset } => {
            save(at, (UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR, 16), reg, offset)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_pick_the_smallest_form() {
        let alloc = |size| encode_code(&UnwindCode::Alloc { at: 4, size });
        // ALLOC_SMALL: OpInfo = size / 8 - 1, for 8 to 128 bytes.
        assert_eq!(alloc(16), [[4, (1 << 4) | UWOP_ALLOC_SMALL]]);
        assert_eq!(alloc(128), [[4, (15 << 4) | UWOP_ALLOC_SMALL]]);
        // ALLOC_LARGE with OpInfo 0: one slot of size / 8.
        assert_eq!(alloc(144), [[4, UWOP_ALLOC_LARGE], 18u16.to_le_bytes()]);
        // ALLOC_LARGE with OpInfo 1: the unscaled size in two slots, low half first.
        assert_eq!(
            alloc(0x80000),
            [[4, (1 << 4) | UWOP_ALLOC_LARGE], 0u16.to_le_bytes(), 8u16.to_le_bytes()]
        );
    }

    #[test]
    fn saves_are_scaled_by_their_size_or_use_the_far_form() {
        // RBX (3) 0x30 bytes up: offset slot 6; XMM6 0x40 bytes up: offset slot 4.
        let rbx = UnwindCode::SaveNonvol { at: 0x10, reg: 3, offset: 0x30 };
        assert_eq!(encode_code(&rbx), [[0x10, 0x34], 6u16.to_le_bytes()]);
        let xmm6 = UnwindCode::SaveXmm128 { at: 0x37, reg: 6, offset: 0x40 };
        assert_eq!(encode_code(&xmm6), [[0x37, 0x68], 4u16.to_le_bytes()]);
        // Past 0xFFFF scaled units the far form holds the unscaled 32-bit offset.
        let r15 = UnwindCode::SaveNonvol { at: 0x10, reg: 15, offset: 0x80000 };
        assert_eq!(encode_code(&r15), [[0x10, 0xF5], 0u16.to_le_bytes(), 8u16.to_le_bytes()]);
    }

    #[test]
    fn a_frameless_function_has_no_record() {
        assert_eq!(windows_x64(&[]), Ok(None));
    }

    #[test]
    fn a_frame_without_push_and_define_is_undescribable() {
        let steps = [(1, UnwindInst::StackAlloc { size: 32 })];
        assert!(windows_x64(&steps).unwrap_err().reason.contains("StackAlloc"));
        let steps = [
            (1, UnwindInst::PushFrameRegs { offset_upward_to_caller_sp: 16 }),
            (
                4,
                UnwindInst::DefineNewFrame { offset_upward_to_caller_sp: 16, offset_downward_to_clobbers: 8 },
            ),
        ];
        assert_eq!(
            windows_x64(&steps).unwrap_err().reason,
            "the frame saves registers in 8 bytes below RBP, and FrameOffset can only say a multiple of 16 up \
             to 240"
        );
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
        let info = describe(&steps).unwrap().unwrap();
        assert_eq!(
            info.codes,
            [
                UnwindCode::PushNonvol { at: 1, reg: RBP },
                UnwindCode::Alloc { at: 4, size: 32 },
                UnwindCode::SetFpreg { at: 4 }
            ]
        );
        // Version 1, prologue 4 bytes, 3 slots, RBP with FrameOffset 2; SET_FPREG, ALLOC 32, PUSH RBP; padding.
        let bytes = windows_x64(&steps).unwrap().unwrap();
        assert_eq!(bytes, [1, 4, 3, 0x25, 4, UWOP_SET_FPREG, 4, (3 << 4) | UWOP_ALLOC_SMALL, 1, 0x50, 0, 0]);
    }

    /// A Windows x64 function compiled by Cranelift with linkwise's settings, with eight integer and four float
    /// values live across a call, so its frame saves all seven callee-saved GPRs and four XMMs below RBP
    /// (unwind.lw's `inner` has the same frame). Returns Cranelift's prologue steps and the record that
    /// Cranelift's own encoder writes for them.
    fn cranelift_frame() -> (Vec<(u32, UnwindInst)>, Vec<u8>) {
        use cranelift_codegen::isa::unwind::UnwindInfo as Info;
        let frame = crate::unwind::tests::compile_frame("x86_64-pc-windows-msvc", 8, 4);
        let Some(Info::WindowsX64(info)) = frame.cranelift else {
            panic!("Cranelift wrote no Windows x64 unwind information")
        };
        let mut bytes = vec![0; info.emit_size()];
        info.emit(&mut bytes);
        (frame.steps, bytes)
    }

    /// linkwise's record for [`cranelift_frame`]: RBP with FrameOffset 8 (the 128-byte save area), 25 slots:
    /// the four XMM saves (offset / 16), the seven GPR saves (offset / 8), SET_FPREG, ALLOC_SMALL 128, PUSH RBP.
    /// unwind.lw's `inner` has this frame, and tests/unwind.rs has Wine's `RtlVirtualUnwind` walk it.
    #[rustfmt::skip]
    const LINKWISE: [u8; 56] = [
        0x01, 0x51, 0x19, 0x85,
        0x51, 0x98, 0x07, 0x00, 0x47, 0x88, 0x06, 0x00, 0x3d, 0x78, 0x05, 0x00, 0x34, 0x68, 0x04, 0x00,
        0x2e, 0xf4, 0x06, 0x00, 0x29, 0xe4, 0x05, 0x00, 0x24, 0xd4, 0x04, 0x00, 0x1f, 0xc4, 0x03, 0x00,
        0x1a, 0x74, 0x02, 0x00, 0x15, 0x64, 0x01, 0x00, 0x10, 0x34, 0x00, 0x00,
        0x04, 0x03, 0x04, 0xf2, 0x01, 0x50, 0x00, 0x00,
    ];

    /// What Cranelift 0.135.8's own encoder (`create_unwind_info`) writes for the same frame.
    #[rustfmt::skip]
    const CRANELIFT_0_135: [u8; 52] = [
        0x01, 0x51, 0x18, 0x05,
        0x51, 0x98, 0x07, 0x00, 0x47, 0x88, 0x06, 0x00, 0x3d, 0x78, 0x05, 0x00, 0x34, 0x68, 0x04, 0x00,
        0x2e, 0xf4, 0x03, 0x00, 0x29, 0xe4, 0x02, 0x00, 0x24, 0xd4, 0x02, 0x00, 0x1f, 0xc4, 0x01, 0x00,
        0x1a, 0x74, 0x01, 0x00, 0x15, 0x64, 0x00, 0x00, 0x10, 0x34, 0x00, 0x00,
        0x04, 0x03, 0x01, 0x50,
    ];

    /// Pins the bug that is the reason this module exists: when a Cranelift upgrade changes its encoder's
    /// output, this fails, and if the new output is [`LINKWISE`] the encoder here can be deleted in favour of
    /// `create_unwind_info` (docs/codegen.md, "Windows unwind information").
    #[test]
    fn cranelift_0_135_winx64_encoder_is_still_wrong() {
        let (steps, cranelift) = cranelift_frame();
        assert_eq!(windows_x64(&steps).unwrap().unwrap(), LINKWISE);
        assert_eq!(
            cranelift, CRANELIFT_0_135,
            "Cranelift's Windows x64 unwind encoder changed; if it now matches linkwise's record, drop ours"
        );
        // The three defects, each at its byte.
        assert_eq!(
            (CRANELIFT_0_135[3] >> 4, LINKWISE[3] >> 4),
            (0, 8),
            "FrameOffset: 128 written unscaled into 4 bits instead of 128 / 16"
        );
        // r15 saved 48 bytes above the save area's base: slot offset 48 / 16 instead of 48 / 8.
        assert_eq!(
            (&CRANELIFT_0_135[20..24], &LINKWISE[20..24]),
            (&[0x2e, 0xf4, 3, 0][..], &[0x2e, 0xf4, 6, 0][..])
        );
        // No allocation between SET_FPREG and PUSH_NONVOL RBP (one slot fewer).
        assert_eq!(
            (&CRANELIFT_0_135[48..52], &LINKWISE[48..54]),
            (&[4, 3, 1, 0x50][..], &[4, 3, 4, 0xf2, 1, 0x50][..])
        );
    }
}
