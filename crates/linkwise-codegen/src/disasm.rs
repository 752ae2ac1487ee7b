//! Disassembly of generated code, annotated with the relocation at each instruction: what `linkwise explain`
//! prints and what the golden corpus compares.

use crate::emit::Site;
use iced_x86::{
    Decoder, DecoderOptions, Formatter, Instruction as IcedInstruction, IntelFormatter, SymbolResolver,
    SymbolResult,
};
use linkwise_linkage::Arch;
use std::collections::HashMap;
use std::fmt::Write as _;

/// One decoded instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Offset from the start of the function.
    pub offset: u32,
    /// The instruction's bytes.
    pub bytes: Vec<u8>,
    /// Intel-syntax text; an operand that a relocation fills is shown as the symbol it names.
    pub text: String,
}

/// Names the operand of each relocated instruction by the relocation's symbol: the relocated field still holds
/// its addend, so the raw target address would mean nothing.
struct RelocatedOperands(HashMap<u64, String>);

impl SymbolResolver for RelocatedOperands {
    fn symbol(
        &mut self,
        instruction: &IcedInstruction,
        _operand: u32,
        _instruction_operand: Option<u32>,
        _address: u64,
        _address_size: u32,
    ) -> Option<SymbolResult<'_>> {
        let name = self.0.get(&instruction.ip())?;
        Some(SymbolResult::with_str(instruction.next_ip(), name.as_str()))
    }
}

/// Decodes a whole function; `sites` name the relocated operands (on x86_64 in the operand itself; on aarch64,
/// whose operands are page and offset fields, the listing's relocation column says it). `None` if the code
/// does not decode.
pub fn decode(arch: Arch, code: &[u8], sites: &[Site]) -> Option<Vec<Instruction>> {
    let fields: Vec<(u32, String)> = sites.iter().map(|s| (s.offset, s.object_symbol.clone())).collect();
    decode_named(arch, code, &fields)
}

/// [`decode`], the relocated operands named by `fields`: the offset of each relocated field within `code`
/// and the name to show for it (`--emit asm` reads them from the object's relocations rather than from the
/// code generator's sites).
pub fn decode_named(arch: Arch, code: &[u8], fields: &[(u32, String)]) -> Option<Vec<Instruction>> {
    match arch {
        Arch::X86_64 => Some(decode_x86_64(code, fields)),
        Arch::Aarch64 => decode_aarch64(code),
    }
}

/// aarch64: fixed 4-byte instructions, decoded by yaxpeax-arm.
fn decode_aarch64(code: &[u8]) -> Option<Vec<Instruction>> {
    use yaxpeax_arch::{Decoder as _, U8Reader};
    use yaxpeax_arm::armv8::a64::ARMv8;
    let decoder = <ARMv8 as yaxpeax_arch::Arch>::Decoder::default();
    let mut out = Vec::with_capacity(code.len() / 4);
    for (i, word) in code.chunks(4).enumerate() {
        let text = match decoder.decode(&mut U8Reader::new(word)) {
            Ok(instruction) => instruction.to_string(),
            Err(_) => ".word".to_owned(),
        };
        out.push(Instruction { offset: 4 * i as u32, bytes: word.to_vec(), text });
    }
    Some(out)
}

/// The sites of a function in offset order, so that each instruction finds its own by binary search: a scan
/// of every site per instruction made a function with many call sites quadratic to list (issue 7).
fn by_offset(sites: &[Site]) -> Vec<&Site> {
    let mut sorted: Vec<&Site> = sites.iter().collect();
    sorted.sort_by_key(|s| s.offset);
    sorted
}

/// The sites whose relocated field starts in bytes `start..end`, from [`by_offset`]'s list.
fn sites_within<'a, 's>(sorted: &'a [&'s Site], start: u32, end: u32) -> &'a [&'s Site] {
    let first = sorted.partition_point(|s| s.offset < start);
    let past = first + sorted[first..].partition_point(|s| s.offset < end);
    &sorted[first..past]
}

fn decode_x86_64(code: &[u8], fields: &[(u32, String)]) -> Vec<Instruction> {
    // First pass: which instruction holds each relocated field (fields in offset order, found by binary search).
    let mut sorted: Vec<&(u32, String)> = fields.iter().collect();
    sorted.sort_by_key(|f| f.0);
    let mut names = HashMap::new();
    for instruction in Decoder::with_ip(64, code, 0, DecoderOptions::NONE) {
        let (start, end) = (instruction.ip() as u32, instruction.next_ip() as u32);
        let first = sorted.partition_point(|f| f.0 < start);
        if let Some(field) = sorted.get(first).filter(|f| f.0 < end) {
            names.insert(instruction.ip(), field.1.clone());
        }
    }
    let mut decoder = Decoder::with_ip(64, code, 0, DecoderOptions::NONE);
    let mut formatter = IntelFormatter::with_options(Some(Box::new(RelocatedOperands(names))), None);
    let options = formatter.options_mut();
    options.set_rip_relative_addresses(false);
    options.set_hex_prefix("0x");
    options.set_hex_suffix("");
    options.set_uppercase_hex(false);
    options.set_space_after_operand_separator(true);
    options.set_branch_leading_zeros(false);
    let mut out = Vec::new();
    for instruction in &mut decoder {
        let offset = instruction.ip() as usize;
        let mut text = String::new();
        formatter.format(&instruction, &mut text);
        out.push(Instruction {
            offset: offset as u32,
            bytes: code[offset..offset + instruction.len()].to_vec(),
            text,
        });
    }
    out
}

/// The instruction of `instructions` (a decoded function, in offset order) that contains byte `offset`.
pub fn containing(instructions: &[Instruction], offset: u32) -> Option<&Instruction> {
    let after = instructions.partition_point(|i| i.offset <= offset);
    let i = instructions[..after].last()?;
    (offset < i.offset + i.bytes.len() as u32).then_some(i)
}

/// Hex bytes separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// An objdump-like listing of a function: offset, bytes, instruction, and `; RELOCATION symbol` on each
/// instruction that carries a relocation. Architectures without a disassembler list raw 4-byte words.
pub fn listing(arch: Arch, code: &[u8], sites: &[Site]) -> String {
    listing_in(arch, code, sites, None)
}

/// [`listing`], each instruction also shown at its offset in the function's section (`section`: its name and
/// the function's offset there), as `llvm-objdump -d` shows it: `     4:  .text+0x44     48 83 ec 20  ...` (issue
/// 13, item 5).
pub fn listing_in(arch: Arch, code: &[u8], sites: &[Site], section: Option<(&str, u64)>) -> String {
    let instructions = decode(arch, code, sites).unwrap_or_else(|| {
        code.chunks(4)
            .enumerate()
            .map(|(i, c)| Instruction {
                offset: 4 * i as u32,
                bytes: c.to_vec(),
                text: String::from(".word"),
            })
            .collect()
    });
    let sorted = by_offset(sites);
    let mut out = String::new();
    for i in &instructions {
        match section {
            Some((name, base)) => {
                let at = format!("{name}+{:#x}", base + u64::from(i.offset));
                // The function offset keeps its `OFFSET:  ` lead, which scripts split on, as before.
                let _ = write!(out, "{:6x}:  {at:<14} {:<30} {}", i.offset, hex(&i.bytes), i.text);
            }
            None => {
                let _ = write!(out, "{:6x}:  {:<30} {}", i.offset, hex(&i.bytes), i.text);
            }
        }
        let end = i.offset + i.bytes.len() as u32;
        for site in sites_within(&sorted, i.offset, end) {
            let _ = write!(out, "    ; {} {}", site.placement.name, site.object_symbol);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_site_finds_the_instruction_that_holds_it() {
        let at = |offset, len: usize| Instruction { offset, bytes: vec![0; len], text: String::new() };
        let decoded = [at(0, 1), at(1, 5), at(6, 7)];
        let found = |offset| containing(&decoded, offset).map(|i| i.offset);
        assert_eq!(
            [found(0), found(1), found(2), found(5), found(6), found(12), found(13)],
            [Some(0), Some(1), Some(1), Some(1), Some(6), Some(6), None]
        );
    }
}
