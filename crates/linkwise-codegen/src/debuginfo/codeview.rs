//! CodeView line tables for COFF (`-g`, issue 13): one `.debug$S` section in the C13 layout that MSVC,
//! clang-cl and lld-link use. After the 4-byte signature (`CV_SIGNATURE_C13` = 4) come subsections, each a
//! 4-byte kind, a 4-byte length and its data padded to 4 bytes:
//!
//! - `DEBUG_S_STRINGTABLE` (0xF3): NUL-terminated names, the first at offset 1 (offset 0 is the empty string);
//! - `DEBUG_S_FILECHKSMS` (0xF4): per file, the offset of its name in the string table, a checksum size and
//!   kind (0, 0: none), padded to 4; a file's id elsewhere is the offset of its entry here;
//! - one `DEBUG_S_LINES` (0xF2) per function: the function's address as a section offset (`SECREL`) and
//!   section number (`SECTION`), both relocated against its symbol, flags 0 (no columns), its code size; then
//!   one block for the file: its id, the number of lines, the block's size, and per line the code offset
//!   and the line number (24 bits) with the `fStatement` bit (bit 31).

use super::{FunctionLines, Reloc, RelocKind, RelocTarget, Section};

/// `CV_SIGNATURE_C13`: the subsection layout below.
const SIGNATURE: u32 = 4;
const DEBUG_S_LINES: u32 = 0xf2;
const DEBUG_S_STRINGTABLE: u32 = 0xf3;
const DEBUG_S_FILECHKSMS: u32 = 0xf4;
/// The line number field's width.
const MAX_LINE: u32 = 0x00ff_ffff;
/// `fStatement`: the line is a statement (every linkwise line is).
const STATEMENT: u32 = 1 << 31;

/// The `.debug$S` section for `functions` of a module whose source file is called `file_name`.
pub(crate) fn build(file_name: &str, functions: &[FunctionLines]) -> Section {
    let mut data = SIGNATURE.to_le_bytes().to_vec();
    let mut relocs = Vec::new();
    let name: Vec<u8> = file_name.bytes().filter(|&b| b != 0).collect();
    let mut strings = vec![0u8];
    strings.extend_from_slice(&name);
    strings.push(0);
    subsection(&mut data, DEBUG_S_STRINGTABLE, &strings);
    // The one file: its name at offset 1 of the string table, no checksum; its id is 0, this entry's offset.
    let mut checksums = 1u32.to_le_bytes().to_vec();
    // Checksum size and kind 0 (none), then the entry padded to 4 bytes, inside the subsection as LLVM reads it.
    checksums.extend_from_slice(&[0, 0, 0, 0]);
    subsection(&mut data, DEBUG_S_FILECHKSMS, &checksums);
    for f in functions {
        let mut lines = Vec::new();
        let start = data.len() as u64 + 8;
        relocs.push(Reloc {
            offset: start,
            target: RelocTarget::Function(f.symbol),
            kind: RelocKind::SectionOffset32,
            addend: 0,
        });
        relocs.push(Reloc {
            offset: start + 4,
            target: RelocTarget::Function(f.symbol),
            kind: RelocKind::SectionIndex16,
            addend: 0,
        });
        lines.extend_from_slice(&0u32.to_le_bytes()); // offCon, relocated
        lines.extend_from_slice(&0u16.to_le_bytes()); // segCon, relocated
        lines.extend_from_slice(&0u16.to_le_bytes()); // flags: no columns
        lines.extend_from_slice(&f.len.to_le_bytes()); // cbCon
        // CodeView has lines only: consecutive rows on one line are one entry.
        let mut rows: Vec<(u32, u32)> = Vec::new();
        for r in &f.rows {
            if rows.last().is_none_or(|&(_, line)| line != r.line) {
                rows.push((r.offset, r.line));
            }
        }
        lines.extend_from_slice(&0u32.to_le_bytes()); // file id
        lines.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        lines.extend_from_slice(&(12 + 8 * rows.len() as u32).to_le_bytes());
        for (offset, line) in rows {
            lines.extend_from_slice(&offset.to_le_bytes());
            lines.extend_from_slice(&(line.min(MAX_LINE) | STATEMENT).to_le_bytes());
        }
        subsection(&mut data, DEBUG_S_LINES, &lines);
    }
    Section { name: ".debug$S", data, relocs }
}

/// Appends a subsection: kind, length, data, zeros to a multiple of 4.
fn subsection(out: &mut Vec<u8>, kind: u32, data: &[u8]) {
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(4), 0);
}
