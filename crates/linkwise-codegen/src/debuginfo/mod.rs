//! Debug information for `-g` (issue 13): line tables that map each instruction back to the line of the IR
//! source it was lowered from. Lowering gives every instruction the byte offset of its construct as Cranelift's
//! source location (`lower.rs`, `FnLowering::at`); here those offsets become lines, and the lines one table per
//! format: DWARF `.debug_line` with its compile unit for ELF and Mach-O ([`dwarf`]), CodeView `.debug$S` for
//! COFF ([`codeview`]). docs/codegen.md "Debug information" has the layouts.
//!
//! Both builders produce section bytes plus a list of [`Reloc`]s in format-neutral terms; the object writer
//! (`emit/debug.rs`) adds the sections and turns each into the format's relocation.

pub(crate) mod codeview;
pub(crate) mod dwarf;

use linkwise_ir::SourceFile;
use linkwise_ir::checked::SymbolId;

/// One function's line table, as its code was placed in the text section.
#[derive(Clone, Debug)]
pub(crate) struct FunctionLines {
    /// The function.
    pub(crate) symbol: SymbolId,
    /// Its name in the source (DWARF's `DW_AT_name` of its subprogram).
    pub(crate) name: String,
    /// Where its code starts in the text section.
    pub(crate) text_offset: u64,
    /// How long its code is.
    pub(crate) len: u32,
    /// Its rows, by increasing offset, the first at offset 0.
    pub(crate) rows: Vec<Row>,
}

/// From `offset` on (to the next row or the function's end) the code comes from `line`, `column`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    /// Offset in the function's code.
    pub(crate) offset: u32,
    /// 1-based source line.
    pub(crate) line: u32,
    /// 1-based column, in characters.
    pub(crate) column: u32,
}

/// The rows of a function of `len` bytes defined at byte `def` of `file`, from lowering's (code offset, source
/// byte offset) pairs: the function's own line from offset 0 (its prologue, which Cranelift gives no
/// location), then a row wherever the line or column changes.
pub(crate) fn rows(file: &SourceFile, def: u32, lines: &[(u32, u32)], len: u32) -> Vec<Row> {
    let at = |offset: u32, pos: u32| {
        let (line, column) = file.line_col(pos);
        Row { offset, line: clamp(line), column: clamp(column) }
    };
    let mut rows = vec![at(0, def)];
    for &(offset, pos) in lines {
        if offset >= len {
            continue;
        }
        let row = at(offset, pos);
        let last = rows.last_mut().expect("the first row is always there");
        if (last.line, last.column) == (row.line, row.column) {
            continue;
        }
        if last.offset == offset {
            *last = row;
            // The replacement may now repeat the row before it.
            if let [.., before, last] = rows.as_slice()
                && (before.line, before.column) == (last.line, last.column)
            {
                rows.pop();
            }
        } else {
            rows.push(row);
        }
    }
    rows
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What a debug section's field refers to; its value is the target's address or offset plus the addend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RelocTarget {
    /// The text section (ELF: through its section symbol).
    Text,
    /// A function's symbol (CodeView: each line block names its function).
    Function(SymbolId),
    /// Another debug section of this object, by name (`.debug_abbrev`, `.debug_line`, ...): the field is an
    /// offset into it, which the linker adjusts when it concatenates the objects' sections.
    Section(&'static str),
}

/// How a debug section's field is relocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RelocKind {
    /// The absolute address (DWARF `DW_FORM_addr`, `DW_LNE_set_address`), 8 bytes.
    Address64,
    /// A 4-byte offset from the start of the target's section (DWARF 32-bit section offsets; CodeView's
    /// `SECREL`).
    SectionOffset32,
    /// The 2-byte section number of the target (CodeView's `SECTION`).
    SectionIndex16,
}

/// A relocation inside a debug section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reloc {
    /// Offset of the field in its section.
    pub(crate) offset: u64,
    /// What it refers to.
    pub(crate) target: RelocTarget,
    /// How.
    pub(crate) kind: RelocKind,
    /// Added to the target's address or offset.
    pub(crate) addend: i64,
}

/// A debug section to add to the object.
#[derive(Clone, Debug)]
pub(crate) struct Section {
    /// Its name (`.debug_line`, `.debug$S`).
    pub(crate) name: &'static str,
    /// Its contents, relocated fields holding zero (or, for COFF, nothing the linker adds to).
    pub(crate) data: Vec<u8>,
    /// Its relocations.
    pub(crate) relocs: Vec<Reloc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prologue takes the function's line, a row starts wherever the line or column changes, and a
    /// location at the offset of the one before replaces it.
    #[test]
    fn rows_start_at_the_function_line_and_follow_changes() {
        let file = SourceFile::new("m.lw", "fn f() {\n  a();\n  b();\n}\n");
        let (a, b) = (11, 18);
        let rows = rows(&file, 0, &[(0, a), (4, a), (9, b), (9, a), (12, b), (40, a)], 20);
        let lc: Vec<_> = rows.iter().map(|r| (r.offset, r.line, r.column)).collect();
        assert_eq!(lc, [(0, 2, 3), (12, 3, 3)]);
    }
}
