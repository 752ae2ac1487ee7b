//! x86_64: rewrites each slot call Cranelift emitted, `mov r64, [rip+slot]; call r64` (9 or 10 bytes), into
//! the one instruction MSVC and clang emit for it, `call qword ptr [rip+slot]` (`FF 15 disp32`, 6 bytes), in
//! the finished code of a function (issue 10, item 5); and drops the dead `add rsp, N` Cranelift's epilogue
//! puts before `mov rsp, rbp` (4 bytes a function: with it the 10,000-function benchmark's functions were 99
//! bytes, padded to 112 at 16-byte alignment; without, 95, padded to 96, what `llc -O0`'s take).
//!
//! Cranelift 0.135 lowers a non-colocated `call` under `is_pic` into a load of the callee's address into a
//! fresh temporary and a call through that register (`isa/x64/abi.rs`, `gen_call`), and linkwise must not
//! carry a modified Cranelift; so the pair is replaced after the fact, and everything it moves is fixed:
//! every relative branch and every RIP-relative operand without a relocation (the constant pool) whose source
//! and target lie on different sides of a shortened site gets its displacement recomputed, and every
//! relocation after a site moves. The rule and why it is safe: docs/codegen.md, "Slot calls on x86_64".
//!
//! The rewrite is all or nothing per function, and conservative: a function is left as Cranelift made it
//! (still correct, only longer) whenever anything in it is not understood — an instruction that does not
//! decode, a branch into the middle of a site, an indirect jump (a jump table), a relocation outside the
//! instructions, or a prologue step at or after a site (the unwind record would have to move with it).

use crate::lower::CodeReloc;
use crate::reloc::{Purpose, SiteShape};
use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind};
use std::ops::Range;

/// The bytes of `call qword ptr [rip+disp32]`: opcode FF, ModRM 0x15 (mod 00, reg /2 = call, rm 101 = RIP).
const CALL_RIP: [u8; 2] = [0xff, 0x15];

/// The length of `call qword ptr [rip+disp32]`.
const CALL_RIP_LEN: u32 = 6;

/// The fill between the shortened code and its constant pool, when the pool keeps its alignment: `int3`,
/// never executed (nothing branches there).
const INT3: u8 = 0xcc;

/// The relative branches this rewrite fixes (their target is a label of the function, unless a relocation
/// fills it): `jmp`, `call` and every `jcc`, in their rel8 and rel32 forms.
const RELATIVE_BRANCHES: [Mnemonic; 18] = [
    Mnemonic::Jmp,
    Mnemonic::Call,
    Mnemonic::Ja,
    Mnemonic::Jae,
    Mnemonic::Jb,
    Mnemonic::Jbe,
    Mnemonic::Je,
    Mnemonic::Jne,
    Mnemonic::Jg,
    Mnemonic::Jge,
    Mnemonic::Jl,
    Mnemonic::Jle,
    Mnemonic::Jo,
    Mnemonic::Jno,
    Mnemonic::Jp,
    Mnemonic::Jnp,
    Mnemonic::Js,
    Mnemonic::Jns,
];

/// What became of one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `sites` slot calls were rewritten; the code and relocations passed in are the rewritten ones.
    Rewritten {
        /// How many slot calls.
        sites: usize,
    },
    /// Nothing was changed: the function has no slot call, or something in it is not understood (the reason,
    /// for tests and for the reader of this module; the code stays correct as Cranelift made it).
    Kept(String),
}

/// The length of the slot load `mov r64, [rip+disp32]`.
const LOAD_LEN: u32 = 7;

/// The most register moves between a slot load and its call that a site may hold (regalloc's argument moves;
/// more than the argument registers would mean something else is going on).
const MAX_MOVES: usize = 8;

/// One place the rewrite shortens: a `mov r64, [rip+slot]; call r64` pair, possibly with register moves
/// between them, or a dead stack adjustment in an epilogue.
#[derive(Clone, Copy, Debug)]
struct Site {
    /// Offset of the `mov` (or of the `add rsp`).
    start: u32,
    /// Offset of the `call r64`; the bytes from `start + LOAD_LEN` to here are register-to-register moves
    /// that neither read nor write the call's register, kept as they are. (`end` for an `add rsp`.)
    call: u32,
    /// Offset just past the `call` (or the `add rsp`).
    end: u32,
    /// Index of the slot load's relocation in the function's list; `None` for an `add rsp`.
    reloc: Option<usize>,
}

impl Site {
    /// The moves between the load and the call.
    fn moves(&self) -> Range<usize> {
        match self.reloc {
            Some(_) => (self.start + LOAD_LEN) as usize..self.call as usize,
            None => 0..0,
        }
    }

    /// How long the site is once rewritten: the moves, then `call [rip+slot]`; nothing for an `add rsp`.
    fn new_len(&self) -> u32 {
        match self.reloc {
            Some(_) => self.call - self.start - LOAD_LEN + CALL_RIP_LEN,
            None => 0,
        }
    }

    /// How many bytes the rewrite removes.
    fn removed(&self) -> u32 {
        self.end - self.start - self.new_len()
    }

    /// Whether the site's instructions start where decoding found instructions.
    fn on_boundaries(&self, boundary: impl Fn(u32) -> bool) -> bool {
        match self.reloc {
            Some(_) => boundary(self.start) && boundary(self.start + LOAD_LEN) && boundary(self.call),
            None => boundary(self.start) && boundary(self.end),
        }
    }
}

/// `mov rsp, rbp` (REX.W 89 /r, ModRM 11 101 100): the first instruction of Cranelift's x64 epilogue after
/// the frame's stack adjustment.
const MOV_RSP_RBP: [u8; 3] = [0x48, 0x89, 0xec];

/// Every `add rsp, imm` (REX.W 83 /0 ib, 4 bytes, or REX.W 81 /0 id, 7 bytes) directly followed by
/// `mov rsp, rbp`: Cranelift 0.135's x64 epilogue gives the frame's space back and then sets `rsp` from the
/// frame pointer anyway (`isa/x64/abi.rs`, `gen_epilogue_frame_restore` after `gen_clobber_restore`), so the
/// `add` is dead (the flags it sets are read by neither the `mov`, `pop rbp` nor `ret`, and the caller may
/// assume nothing of them). LLVM's epilogue is the `add` alone. Candidates found in the bytes; those that are
/// not whole instructions are dropped once the code is decoded.
fn stack_adjustments(code: &[u8], end: u32) -> Vec<Site> {
    let code = &code[..end as usize];
    let mut found = Vec::new();
    for at in 0..code.len() {
        let len = match code[at..] {
            [0x48, 0x83, 0xc4, _, ..] => 4,
            [0x48, 0x81, 0xc4, _, _, _, _, ..] => 7,
            _ => continue,
        };
        if code.get(at + len..at + len + 3) == Some(&MOV_RSP_RBP[..]) {
            let (start, end) = (at as u32, (at + len) as u32);
            found.push(Site { start, call: end, end, reloc: None });
        }
    }
    found
}

/// A displacement to recompute: the instruction at `ip` (ending at `end`) whose field at `ip + field` of
/// `size` bytes reaches `target`.
#[derive(Clone, Copy, Debug)]
struct Fix {
    ip: u32,
    end: u32,
    field: u32,
    size: u32,
    target: u32,
    /// The target is in the constant pool, past the instructions (else an instruction boundary).
    data: bool,
}

/// Rewrites every slot call of one x86_64 function in place. `instructions` are the ranges of `code` that
/// hold instructions (`unwind::instruction_ranges`: everything before the end of the last range is code,
/// everything after it the constant pool); `last_step` is the offset of the last prologue step Cranelift
/// reported for unwinding; `data_alignment` the alignment the constant pool needs from the function's start
/// (Cranelift's buffer alignment), which the pool keeps: it moves back by a multiple of it, the gap filled
/// with `int3`.
///
/// `Err` is an internal error: a displacement that no longer fits its field (shortening code never makes a
/// displacement longer, so it cannot happen; checked anyway, never assumed).
#[cfg(test)]
pub(crate) fn rewrite(
    code: &mut Vec<u8>,
    relocs: &mut [CodeReloc],
    instructions: &[Range<u32>],
    last_step: Option<u32>,
    data_alignment: u32,
) -> Result<Outcome, String> {
    rewrite_with_positions(code, relocs, instructions, last_step, data_alignment, &mut [])
}

/// [`rewrite`], which also moves `positions` (code offsets: where each source line's code starts, for `-g`'s
/// line table, issue 13) with the code. A position inside a rewritten site goes where the instruction it was
/// on went: the load to the site's start (the load is gone), a kept move or the call to its new place.
pub(crate) fn rewrite_with_positions(
    code: &mut Vec<u8>,
    relocs: &mut [CodeReloc],
    instructions: &[Range<u32>],
    last_step: Option<u32>,
    data_alignment: u32,
    positions: &mut [u32],
) -> Result<Outcome, String> {
    let kept = |why: &str| Ok(Outcome::Kept(why.to_owned()));
    let mut sites: Vec<Site> = (0..relocs.len()).filter_map(|i| find_site(code, &relocs[i], i)).collect();
    let code_end = instructions.iter().map(|r| r.end).max().unwrap_or(0);
    if code_end as usize > code.len() || sites.iter().any(|s| s.end > code_end) {
        return kept("a site outside the instructions");
    }
    sites.extend(stack_adjustments(code, code_end));
    if sites.is_empty() {
        return kept("no slot call");
    }
    sites.sort_by_key(|s| s.start);
    if sites.windows(2).any(|w| w[0].end > w[1].start) {
        return kept("overlapping sites");
    }
    // The unwind record (Windows codes, System V CFI) is made from the prologue steps, at their offsets:
    // they stay valid only if no step comes after the first byte that moves.
    if last_step.is_some_and(|step| step > sites[0].start) {
        return kept("a prologue step after a slot call");
    }
    if relocs.iter().any(|r| r.offset + 4 > code_end) {
        return kept("a relocation outside the instructions");
    }

    // Decode every instruction, in order, from the start to the end of the last range.
    let mut starts = Vec::new();
    let mut fixes = Vec::new();
    let mut decoder = Decoder::with_ip(64, &code[..code_end as usize], 0, DecoderOptions::NONE);
    let mut instruction = Instruction::default();
    let mut relocated: Vec<u32> = relocs.iter().map(|r| r.offset).collect();
    relocated.sort_unstable();
    while decoder.can_decode() {
        decoder.decode_out(&mut instruction);
        if instruction.is_invalid() {
            return kept("an instruction that does not decode");
        }
        let (ip, end) = (instruction.ip() as u32, instruction.next_ip() as u32);
        starts.push(ip);
        let first_reloc = relocated.partition_point(|&o| o < ip);
        let has_reloc = relocated.get(first_reloc).is_some_and(|&o| o < end);
        let offsets = decoder.get_constant_offsets(&instruction);
        let relative = (0..instruction.op_count()).any(|i| {
            matches!(
                instruction.op_kind(i),
                OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
            )
        });
        // A `jmp` through a register or memory: a jump table (br_table), which lowering does not produce.
        if instruction.mnemonic() == Mnemonic::Jmp && !relative {
            return kept("an indirect jump");
        }
        if relative {
            // (iced's `is_jcc_short_or_near` and friends need its `instr_info` feature; the mnemonics say it.)
            if !RELATIVE_BRANCHES.contains(&instruction.mnemonic())
                || instruction.op0_kind() != OpKind::NearBranch64
                || !offsets.has_immediate()
            {
                return kept("a branch of an unknown form");
            }
            // A relocated `call rel32` is the linker's to fill; only branches to labels are fixed here. iced
            // reports a branch's relative field as its immediate.
            if !has_reloc {
                let Ok(target) = u32::try_from(instruction.near_branch_target()) else {
                    return kept("a branch outside the function");
                };
                fixes.push(Fix {
                    ip,
                    end,
                    field: offsets.immediate_offset() as u32,
                    size: offsets.immediate_size() as u32,
                    target,
                    data: false,
                });
            }
        }
        if instruction.is_ip_rel_memory_operand() && !has_reloc {
            let Ok(target) = u32::try_from(instruction.ip_rel_memory_address()) else {
                return kept("a RIP-relative operand outside the function");
            };
            if offsets.displacement_size() != 4 {
                return kept("a RIP-relative operand without a 32-bit field");
            }
            let data = target >= code_end;
            fixes.push(Fix { ip, end, field: offsets.displacement_offset() as u32, size: 4, target, data });
        }
    }
    if decoder.position() != code_end as usize {
        return kept("instructions that do not end where the ranges end");
    }
    // Every range, every site's two instructions and every relocated field sit on what was decoded.
    let boundary = |at: u32| starts.binary_search(&at).is_ok();
    if !instructions.iter().all(|r| boundary(r.start)) {
        return kept("a range that starts inside an instruction");
    }
    // A stack adjustment found in the bytes of something else is no site; a slot call always is one.
    sites.retain(|s| s.reloc.is_some() || s.on_boundaries(boundary));
    if sites.is_empty() {
        return kept("no slot call");
    }
    if !sites.iter().all(|s| s.on_boundaries(boundary)) {
        return kept("a site that is not two whole instructions");
    }

    // Offsets before and after: a code offset moves back by what every site wholly before it removed; an
    // offset inside a site (past its first byte) has no image. The pool moves back by `data_shift`.
    // Each lookup is a binary search over the sites (sorted, disjoint) and the bytes removed before each: a
    // function of 40,000 slot calls took 13 s when every lookup walked every site (review of issue 10).
    let removed_before: Vec<u32> = sites
        .iter()
        .scan(0, |total, s| {
            let before = *total;
            *total += s.removed();
            Some(before)
        })
        .collect();
    let removed: u32 = sites.iter().map(Site::removed).sum();
    let data_shift = removed - removed % data_alignment.max(1);
    let in_site = |at: u32| {
        let after = sites.partition_point(|s| s.start < at);
        after > 0 && at < sites[after - 1].end
    };
    let code_map = |at: u32| {
        let done = sites.partition_point(|s| s.end <= at);
        at - removed_before.get(done).copied().unwrap_or(removed)
    };
    for fix in &fixes {
        let bad = if fix.data { fix.target as usize > code.len() } else { !boundary(fix.target) };
        if bad || (!fix.data && in_site(fix.target)) {
            return kept("a branch or operand into the middle of an instruction");
        }
    }

    let mut out = Vec::with_capacity(code.len());
    let mut at = 0;
    for site in &sites {
        out.extend_from_slice(&code[at..site.start as usize]);
        if let Some(reloc) = site.reloc {
            out.extend_from_slice(&code[site.moves()]);
            out.extend_from_slice(&CALL_RIP);
            let disp = relocs[reloc].offset as usize;
            out.extend_from_slice(&code[disp..disp + 4]);
        }
        at = site.end as usize;
    }
    out.extend_from_slice(&code[at..code_end as usize]);
    out.resize(out.len() + (removed - data_shift) as usize, INT3);
    out.extend_from_slice(&code[code_end as usize..]);
    debug_assert_eq!(out.len(), code.len() - data_shift as usize);

    for fix in &fixes {
        let target = if fix.data { fix.target - data_shift } else { code_map(fix.target) };
        let displacement = i64::from(target) - i64::from(code_map(fix.end));
        let field = (code_map(fix.ip) + fix.field) as usize;
        match fix.size {
            1 => {
                let Ok(d) = i8::try_from(displacement) else {
                    return Err(format!("a branch at {:#x} no longer reaches {:#x}", fix.ip, fix.target));
                };
                out[field] = d as u8;
            }
            4 => {
                let Ok(d) = i32::try_from(displacement) else {
                    return Err(format!("an operand at {:#x} no longer reaches {:#x}", fix.ip, fix.target));
                };
                out[field..field + 4].copy_from_slice(&d.to_le_bytes());
            }
            other => return Err(format!("a {other}-byte relative field at {:#x}", fix.ip)),
        }
    }

    // Check the result by decoding it again: one instruction fewer per site, and every branch lands on an
    // instruction, at the image of its old target. A failure is a bug here, reported, never written.
    let new_end = code_end - removed;
    let mut decoder = Decoder::with_ip(64, &out[..new_end as usize], 0, DecoderOptions::NONE);
    let mut new_starts = Vec::with_capacity(starts.len());
    let mut new_targets = Vec::new();
    while decoder.can_decode() {
        decoder.decode_out(&mut instruction);
        if instruction.is_invalid() {
            return Err(format!("the rewritten code does not decode at {:#x}", instruction.ip()));
        }
        new_starts.push(instruction.ip() as u32);
        if instruction.op0_kind() == OpKind::NearBranch64
            && RELATIVE_BRANCHES.contains(&instruction.mnemonic())
        {
            new_targets.push(instruction.near_branch_target());
        }
    }
    new_targets.sort_unstable();
    let lands =
        |t: u32| new_targets.binary_search(&u64::from(t)).is_ok() && new_starts.binary_search(&t).is_ok();
    let mut branches = fixes.iter().filter(|f| !f.data);
    if new_starts.len() != starts.len() - sites.len() || !branches.all(|f| lands(code_map(f.target))) {
        return Err("the rewritten code does not have the instructions and branches it should".to_owned());
    }

    let mut site_of = vec![None; relocs.len()];
    for site in &sites {
        if let Some(reloc) = site.reloc {
            site_of[reloc] = Some(site);
        }
    }
    for (index, reloc) in relocs.iter_mut().enumerate() {
        match site_of[index] {
            // The field is now at +2 of the 6-byte call (after the moves); the addend (-4, the field's distance
            // from the end of the instruction) is the same.
            Some(site) => {
                reloc.offset = code_map(site.start) + site.new_len() - 4;
                reloc.shape = SiteShape::SlotCall;
            }
            None => reloc.offset = code_map(reloc.offset),
        }
    }
    for at in positions.iter_mut() {
        let after = sites.partition_point(|s| s.start < *at);
        *at = match sites[..after].last() {
            _ if *at >= code_end => *at - data_shift,
            Some(site) if *at < site.end => {
                let kept = match site.reloc {
                    Some(_) => (*at).saturating_sub(site.start + LOAD_LEN),
                    None => 0,
                };
                code_map(site.start) + kept
            }
            _ => code_map(*at),
        };
    }
    *code = out;
    Ok(Outcome::Rewritten { sites: sites.len() })
}

/// The slot call whose load carries `reloc`, if the code there is exactly `mov r64, [rip+disp32]` (REX.W, or
/// REX.WR for r8-r15; 8B; ModRM mod 00, rm 101) carrying it, followed by `call r64` on the same register (FF /2
/// with mod 11, with REX.B 41 for r8-r15), at once or after register-to-register `mov`s that neither read nor
/// write that register (regalloc's argument moves, e.g. `mov rcx, rax`).
///
/// Why the moves may stay and the load go: the loaded register has one use, the call (Cranelift's x64
/// `gen_call` loads the address into a fresh temporary for it), and a register move touches no memory, so
/// reading the slot at the call instead of a few moves earlier reads the same value.
fn find_site(code: &[u8], reloc: &CodeReloc, index: usize) -> Option<Site> {
    if reloc.purpose != Purpose::CallThroughSlot || reloc.shape != SiteShape::SlotLoad || reloc.addend != -4 {
        return None;
    }
    let disp = reloc.offset as usize;
    let start = disp.checked_sub(3)?;
    let &[rex, opcode, modrm] = code.get(start..disp)? else { return None };
    if !matches!(rex, 0x48 | 0x4c) || opcode != 0x8b || modrm & 0xc7 != 0x05 {
        return None;
    }
    let reg = ((rex >> 2) & 1) << 3 | (modrm >> 3) & 7;
    let mut call = disp + 4;
    for _ in 0..=MAX_MOVES {
        match register_move(code.get(call..)?) {
            Some((len, a, b)) if a != reg && b != reg => call += len,
            Some(_) => return None,
            None => break,
        }
    }
    let call_modrm = 0xd0 | (reg & 7);
    let len = match code.get(call..) {
        Some(&[0xff, m, ..]) if reg < 8 && m == call_modrm => 2,
        Some(&[0x41, 0xff, m, ..]) if reg >= 8 && m == call_modrm => 3,
        _ => return None,
    };
    Some(Site { start: start as u32, call: call as u32, end: (call + len) as u32, reloc: Some(index) })
}

/// The length and the two registers of the register-to-register `mov` at the start of `code` (`89 /r` or
/// `8B /r` with ModRM mod 11, 32- or 64-bit, with an optional REX prefix), if it is one.
fn register_move(code: &[u8]) -> Option<(usize, u8, u8)> {
    let (rex, rest, len) = match code {
        &[rex @ 0x40..=0x4f, ref rest @ ..] => (rex, rest, 3),
        rest => (0, rest, 2),
    };
    let &[opcode, modrm, ..] = rest else { return None };
    if !matches!(opcode, 0x89 | 0x8b) || modrm >> 6 != 3 {
        return None;
    }
    let reg = ((rex >> 2) & 1) << 3 | (modrm >> 3) & 7;
    let rm = (rex & 1) << 3 | modrm & 7;
    Some((len, reg, rm))
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one instruction range per test function
mod tests {
    use super::*;
    use linkwise_ir::checked::SymbolId;
    use linkwise_linkage::Access;

    fn slot_reloc(offset: u32) -> CodeReloc {
        CodeReloc {
            offset,
            shape: SiteShape::SlotLoad,
            target: SymbolId(0),
            purpose: Purpose::CallThroughSlot,
            access: Access::ImportSlot,
            addend: -4,
        }
    }

    /// A forward `jmp` over a slot call, a backward `jcc` over it, a RIP-relative load of a constant after
    /// the code, and an r8-r15 site: every displacement is recomputed, the pool keeps its 16-byte alignment.
    #[test]
    fn branches_constants_and_relocations_follow_the_rewrite() {
        #[rustfmt::skip]
        let mut code = vec![
            0xeb, 0x0a,                               // 0: jmp 0xc (over the site)
            0x48, 0x8b, 0x05, 0, 0, 0, 0,             // 2: mov rax, [rip+slot]
            0xff, 0xd0,                               // 9: call rax
            0x90,                                     // b: nop
            0x4c, 0x8b, 0x1d, 0, 0, 0, 0,             // c: mov r11, [rip+slot]
            0x41, 0xff, 0xd3,                         // 13: call r11
            0x75, 0xe8,                               // 16: jne 0 (back over both sites)
            0xf2, 0x0f, 0x10, 0x05, 0x0e, 0, 0, 0,    // 18: movsd xmm0, [rip+0x0e] -> 0x2e
            0xc3,                                     // 20: ret
        ];
        code.resize(0x30, 0);
        code[0x2e] = 0x77; // inside the pool; its offset from a 16-byte boundary must be kept
        let mut relocs = vec![slot_reloc(5), slot_reloc(0xf)];
        // Where lines start (`-g`): on every instruction, and inside the first load.
        let mut positions = [0, 2, 5, 9, 0xb, 0xc, 0x13, 0x16, 0x18, 0x20];
        let outcome =
            rewrite_with_positions(&mut code, &mut relocs, &[0..0x21], Some(0), 16, &mut positions).unwrap();
        assert_eq!(outcome, Outcome::Rewritten { sites: 2 });
        // Each moves with its instruction; a load's bytes go to where the call now starts.
        assert_eq!(positions, [0, 2, 2, 2, 8, 9, 9, 0xf, 0x11, 0x19]);
        // Removed 3 + 4 = 7 bytes, the pool moves back by 0 (7 < 16): the gap is int3.
        #[rustfmt::skip]
        let expected_code: &[u8] = &[
            0xeb, 0x07,                               // 0: jmp 9
            0xff, 0x15, 0, 0, 0, 0,                   // 2: call [rip+slot]
            0x90,                                     // 8: nop
            0xff, 0x15, 0, 0, 0, 0,                   // 9: call [rip+slot]
            0x75, 0xef,                               // f: jne 0
            0xf2, 0x0f, 0x10, 0x05, 0x15, 0, 0, 0,    // 11: movsd xmm0, [rip+0x15] -> 0x2e
            0xc3,                                     // 19: ret
        ];
        assert_eq!(&code[..0x1a], expected_code);
        assert!(code[0x1a..0x21].iter().all(|&b| b == INT3));
        assert_eq!((code.len(), code[0x2e]), (0x30, 0x77));
        assert_eq!(
            relocs.iter().map(|r| (r.offset, r.shape)).collect::<Vec<_>>(),
            [(4, SiteShape::SlotCall), (0xb, SiteShape::SlotCall)]
        );
    }

    /// Register moves between the load and the call (regalloc's argument moves) stay, before the call; a move
    /// that touches the call's register keeps the site as it is.
    #[test]
    fn moves_between_load_and_call_stay_before_the_call() {
        #[rustfmt::skip]
        let site = [
            0x48, 0x8b, 0x15, 0, 0, 0, 0,             // 0: mov rdx, [rip+slot]
            0x48, 0x89, 0xc1,                         // 7: mov rcx, rax
            0x89, 0xf8,                               // a: mov eax, edi
            0xff, 0xd2,                               // c: call rdx
            0xc3,                                     // e: ret
        ];
        let (mut code, mut relocs) = (site.to_vec(), vec![slot_reloc(3)]);
        assert_eq!(rewrite(&mut code, &mut relocs, &[0..15], None, 1), Ok(Outcome::Rewritten { sites: 1 }));
        assert_eq!(code, [0x48, 0x89, 0xc1, 0x89, 0xf8, 0xff, 0x15, 0, 0, 0, 0, 0xc3]);
        assert_eq!((relocs[0].offset, relocs[0].shape), (7, SiteShape::SlotCall));
        let mut touching = site;
        touching[9] = 0xd1; // mov rcx, rdx: reads the call's register
        let (mut code, mut relocs) = (touching.to_vec(), vec![slot_reloc(3)]);
        let outcome = rewrite(&mut code, &mut relocs, &[0..15], None, 1);
        assert_eq!((outcome, code), (Ok(Outcome::Kept("no slot call".into())), touching.to_vec()));
    }

    /// Cranelift's epilogue `add rsp, N; mov rsp, rbp; pop rbp; ret` loses the dead `add` (4 bytes, or 7 with
    /// a 32-bit immediate), and a branch to the epilogue lands on the `mov`; the same bytes inside another
    /// instruction (an immediate) are not an instruction and stay.
    #[test]
    fn a_dead_stack_adjustment_before_mov_rsp_rbp_goes() {
        #[rustfmt::skip]
        let code = [
            0x75, 0x02,                               // 0: jne 4 (to the epilogue)
            0x31, 0xc0,                               // 2: xor eax, eax
            0x48, 0x83, 0xc4, 0x20,                   // 4: add rsp, 0x20
            0x48, 0x89, 0xec,                         // 8: mov rsp, rbp
            0x5d,                                     // b: pop rbp
            0xc3,                                     // c: ret
        ];
        let (mut out, mut relocs) = (code.to_vec(), Vec::new());
        assert_eq!(rewrite(&mut out, &mut relocs, &[0..13], None, 1), Ok(Outcome::Rewritten { sites: 1 }));
        assert_eq!(out, [0x75, 0x02, 0x31, 0xc0, 0x48, 0x89, 0xec, 0x5d, 0xc3]);
        #[rustfmt::skip]
        let wide = [
            0x48, 0x81, 0xc4, 0x00, 0x10, 0x00, 0x00, // 0: add rsp, 0x1000
            0x48, 0x89, 0xec,                         // 7: mov rsp, rbp
            0x5d, 0xc3,                               // a: pop rbp; ret
        ];
        let mut out = wide.to_vec();
        assert_eq!(
            rewrite(&mut out, &mut Vec::new(), &[0..12], None, 1),
            Ok(Outcome::Rewritten { sites: 1 })
        );
        assert_eq!(out, [0x48, 0x89, 0xec, 0x5d, 0xc3]);
        #[rustfmt::skip]
        let hidden = [
            0x48, 0xb8, 0x48, 0x83, 0xc4, 0x20, 0x48, 0x89, 0xec, 0x90, // 0: movabs rax, imm64 holding the bytes
            0xc3,                                                       // a: ret
        ];
        let mut out = hidden.to_vec();
        let outcome = rewrite(&mut out, &mut Vec::new(), &[0..11], None, 1);
        assert_eq!((outcome, out), (Ok(Outcome::Kept("no slot call".into())), hidden.to_vec()));
    }

    /// Many sites, each followed by a `jne rel32` back to the start of the one before: every branch crosses
    /// a site and lands on the image of its target, every relocation follows the bytes removed before it. (The
    /// offset lookups are binary searches over the sites; walking every site for each took 13 s on a function of
    /// 40,000 slot calls.)
    #[test]
    fn many_sites_with_branches_between_them() {
        const SITES: u32 = 2_000;
        let (mut code, mut relocs) = (Vec::new(), Vec::new());
        for k in 0..SITES {
            let start = 15 * k;
            relocs.push(slot_reloc(start + 3));
            code.extend_from_slice(&[0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xff, 0xd0]);
            let target = 15 * k.saturating_sub(1);
            let disp = i64::from(target) - i64::from(start + 15);
            code.extend_from_slice(&[0x0f, 0x85]);
            code.extend_from_slice(&(disp as i32).to_le_bytes());
        }
        code.push(0xc3);
        let end = code.len() as u32;
        let outcome = rewrite(&mut code, &mut relocs, &[0..end], None, 1);
        assert_eq!(outcome, Ok(Outcome::Rewritten { sites: SITES as usize }));
        let mut expected = Vec::new();
        for k in 0..SITES {
            expected.extend_from_slice(&[0xff, 0x15, 0, 0, 0, 0, 0x0f, 0x85]);
            let disp = i64::from(12 * k.saturating_sub(1)) - i64::from(12 * k + 12);
            expected.extend_from_slice(&(disp as i32).to_le_bytes());
        }
        expected.push(0xc3);
        assert_eq!(code, expected);
        let offsets: Vec<u32> = relocs.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, (0..SITES).map(|k| 12 * k + 2).collect::<Vec<_>>());
    }

    /// A branch into the middle of a site, a prologue step after it, a call through another register: kept.
    #[test]
    fn what_is_not_understood_is_kept() {
        #[rustfmt::skip]
        let base = vec![
            0xeb, 0x09,                               // 0: jmp 0xb (the `ret`)
            0x48, 0x8b, 0x05, 0, 0, 0, 0,             // 2: mov rax, [rip+slot]
            0xff, 0xd0,                               // 9: call rax
            0xc3,                                     // b: ret
        ];
        let run = |code: &[u8], step| {
            let mut code = code.to_vec();
            let before = code.clone();
            let mut relocs = vec![slot_reloc(5)];
            let ranges = [0..code.len() as u32];
            let outcome = rewrite(&mut code, &mut relocs, &ranges, step, 1).unwrap();
            if matches!(outcome, Outcome::Kept(_)) {
                assert_eq!((code, relocs[0].offset), (before, 5));
            }
            outcome
        };
        let mut into_site = base.clone();
        into_site[1] = 0x07; // jmp 9, the site's `call rax`
        assert!(matches!(run(&into_site, None), Outcome::Kept(why) if why.contains("middle")));
        assert!(matches!(run(&base, Some(5)), Outcome::Kept(why) if why.contains("prologue")));
        let mut other_register = base.clone();
        other_register[10] = 0xd1;
        assert!(matches!(run(&other_register, None), Outcome::Kept(why) if why == "no slot call"));
        assert_eq!(run(&base, None), Outcome::Rewritten { sites: 1 });
    }
}
