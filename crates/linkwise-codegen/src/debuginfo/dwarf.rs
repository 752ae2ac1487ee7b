//! DWARF line tables for ELF (`-g`, issue 13), written with gimli's `write` module (the gimli Cranelift
//! depends on, through its re-export, so the two cannot drift apart): one compile unit for the module, named
//! after its source file, with `DW_AT_low_pc`/`DW_AT_high_pc` over the whole `.text` section, one
//! `DW_TAG_subprogram` per function, and `DW_AT_stmt_list` pointing at a `.debug_line` program with one
//! sequence per function (as clang writes one per function section).
//!
//! DWARF 4, 32-bit format: the last version whose strings (file names, DIE names) can all be inline
//! (`DW_FORM_string`, file names in the line program header), so the only relocations are the code
//! addresses (`DW_AT_low_pc`, `DW_LNE_set_address`: 8-byte absolute, against `.text`) and the unit's two
//! offsets into sibling sections (`debug_abbrev_offset`, `DW_AT_stmt_list`: 4-byte, against `.debug_abbrev`
//! and `.debug_line`), which a linker must adjust as it concatenates objects (DWARF 4 §7.4, §7.5.1.1).

use super::{FunctionLines, Reloc, RelocKind, RelocTarget, Section};
use cranelift_codegen::gimli::write::{
    Address, AttributeValue, DwarfUnit, EndianVec, LineProgram, LineString, RelocateWriter, Relocation,
    RelocationTarget, Sections,
};
use cranelift_codegen::gimli::{self, Encoding, Format, LineEncoding, LittleEndian};

/// `Address::Symbol` number of the text section (the only symbol addresses name).
const TEXT: usize = 0;

/// The debug sections of a module whose source file is called `file_name`, for `functions` in a text section
/// of `text_len` bytes. Only non-empty sections are returned.
pub(crate) fn build(
    file_name: &str,
    functions: &[FunctionLines],
    text_len: u64,
) -> Result<Vec<Section>, String> {
    let encoding = Encoding { format: Format::Dwarf32, version: 4, address_size: 8 };
    let mut dwarf = DwarfUnit::new(encoding);
    // gimli refuses empty names and NULs (neither can be written as a DWARF string).
    let mut name: Vec<u8> = file_name.bytes().filter(|&b| b != 0).collect();
    if name.is_empty() {
        name = b"<input>".to_vec();
    }
    // Directory 0 is the compilation directory, which DWARF 4 does not write into the line program: the file
    // is named as it was given, relative to wherever the compiler ran, as `DW_AT_name` is. No
    // `DW_AT_comp_dir`: it would make the object depend on the directory it was built in.
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        LineString::String(b".".to_vec()),
        None,
        LineString::String(name.clone()),
        None,
    );
    let file = program.add_file(LineString::String(name.clone()), program.default_directory(), None);
    for f in functions {
        program.begin_sequence(Some(Address::Symbol { symbol: TEXT, addend: f.text_offset as i64 }));
        for r in &f.rows {
            let row = program.row();
            row.address_offset = u64::from(r.offset);
            row.file = file;
            row.line = u64::from(r.line);
            row.column = u64::from(r.column);
            row.is_statement = true;
            program.generate_row();
        }
        program.end_sequence(u64::from(f.len));
    }
    dwarf.unit.line_program = program;
    let root = dwarf.unit.root();
    let unit = dwarf.unit.get_mut(root);
    unit.set(gimli::DW_AT_producer, AttributeValue::String(b"linkwise".to_vec()));
    unit.set(gimli::DW_AT_name, AttributeValue::String(name));
    unit.set(gimli::DW_AT_low_pc, AttributeValue::Address(Address::Symbol { symbol: TEXT, addend: 0 }));
    unit.set(gimli::DW_AT_high_pc, AttributeValue::Udata(text_len));
    for f in functions {
        let id = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
        let sub = dwarf.unit.get_mut(id);
        sub.set(
            gimli::DW_AT_name,
            AttributeValue::String(f.name.as_bytes().iter().copied().filter(|&b| b != 0).collect()),
        );
        let low = Address::Symbol { symbol: TEXT, addend: f.text_offset as i64 };
        sub.set(gimli::DW_AT_low_pc, AttributeValue::Address(low));
        sub.set(gimli::DW_AT_high_pc, AttributeValue::Udata(u64::from(f.len)));
        if let Some(first) = f.rows.first() {
            sub.set(gimli::DW_AT_decl_file, AttributeValue::FileIndex(Some(file)));
            sub.set(gimli::DW_AT_decl_line, AttributeValue::Udata(u64::from(first.line)));
        }
    }
    let mut sections = Sections::new(Recorder::default());
    dwarf.write(&mut sections).map_err(|e| format!("writing DWARF: {e}"))?;
    let mut out = Vec::new();
    sections.for_each(|id, w| -> Result<(), String> {
        if w.data.slice().is_empty() {
            return Ok(());
        }
        let relocs = w.relocs.iter().map(reloc).collect::<Result<Vec<_>, _>>()?;
        out.push(Section { name: id.name(), data: w.data.slice().to_vec(), relocs });
        Ok(())
    })?;
    Ok(out)
}

/// One of gimli's relocations in linkwise's terms.
fn reloc(r: &Relocation) -> Result<Reloc, String> {
    let (target, kind) = match (r.target, r.size) {
        (RelocationTarget::Symbol(TEXT), 8) => (RelocTarget::Text, RelocKind::Address64),
        (RelocationTarget::Section(id), 4) => (RelocTarget::Section(id.name()), RelocKind::SectionOffset32),
        (target, size) => return Err(format!("DWARF relocation of {size} bytes against {target:?}")),
    };
    Ok(Reloc { offset: r.offset as u64, target, kind, addend: r.addend })
}

/// A section being written, and the relocations its fields need (gimli calls `relocate` for every address
/// and every offset into another section).
#[derive(Clone, Debug)]
struct Recorder {
    data: EndianVec<LittleEndian>,
    relocs: Vec<Relocation>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder { data: EndianVec::new(LittleEndian), relocs: Vec::new() }
    }
}

impl RelocateWriter for Recorder {
    type Writer = EndianVec<LittleEndian>;

    fn writer(&self) -> &Self::Writer {
        &self.data
    }

    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.data
    }

    fn relocate(&mut self, relocation: Relocation) {
        self.relocs.push(relocation);
    }
}
