//! Mach-O-only parts of an object: `__TEXT,__eh_frame` (DWARF call frame information, built in eh_frame.rs),
//! which ld64 and ld64.lld turn into the image's `__unwind_info`.
//!
//! Unlike ELF, Mach-O gives an FDE's address no relocation: as clang's assembler does, the field (8 bytes,
//! PC-relative) holds the distance from itself to the function *in the object file's own address space*
//! (every section of a Mach-O object has an address), and the linker reads it back that way and moves it with
//! the sections. Those addresses are assigned when the `object` crate lays the file out, so the fields are
//! filled in afterwards, from the written file ([`resolve`]).
//!
//! Also `LC_LINKER_OPTION`, the libraries the object asks the linker for (issue 9), which the `object` writer
//! cannot write: inserted into the written file ([`insert_linker_options`]).

use super::{Carried, Writer, eh_frame};
use cranelift_codegen::gimli::write::CommonInformationEntry;
use linkwise_ir::Diagnostic;
use linkwise_linkage::Directive;
use object::write::StandardSection;
use object::{Object, ObjectSection, macho};

/// FDE address fields still to fill: (offset in `__eh_frame`, function's offset in `__text`).
pub(super) struct Pending(Vec<(u64, u64)>);

/// Appends `__eh_frame` when any function has call frame information.
pub(super) fn write_eh_frame(
    w: &mut Writer<'_>,
    cie: Option<CommonInformationEntry>,
) -> Result<Option<Pending>, Diagnostic> {
    let Some(table) = eh_frame::build(w, cie, eh_frame::Pointers::PcRel8)? else { return Ok(None) };
    let section = w.obj.section_id(StandardSection::EhFrame);
    let base = w.obj.append_section_data(section, &table.bytes, 8);
    Ok(Some(Pending(table.pointers.into_iter().map(|(field, _, text)| (base + field, text)).collect())))
}

/// Fills each FDE's address field in the written object `bytes`: function address minus field address, both
/// as the object's section headers place them.
pub(super) fn resolve(bytes: &mut [u8], pending: Pending) -> Result<(), Diagnostic> {
    let internal = |what: &str| Diagnostic::internal(format!("writing __eh_frame: {what}"));
    let (text_address, eh_frame_address, eh_frame_file_offset) = {
        let file = object::File::parse(&*bytes).map_err(|e| internal(&e.to_string()))?;
        let section =
            |name: &str| file.section_by_name(name).ok_or_else(|| internal(&format!("no {name} section")));
        let (text, eh_frame) = (section("__text")?, section("__eh_frame")?);
        let (offset, _) = eh_frame.file_range().ok_or_else(|| internal("__eh_frame has no file data"))?;
        (text.address(), eh_frame.address(), offset)
    };
    for (field, text_offset) in pending.0 {
        // 8 bytes, `DW_EH_PE_pcrel | DW_EH_PE_absptr`, as clang writes them on Mach-O.
        let distance = (text_address + text_offset).wrapping_sub(eh_frame_address + field);
        let at = (eh_frame_file_offset + field) as usize;
        bytes[at..at + 8].copy_from_slice(&distance.to_le_bytes());
    }
    Ok(())
}

/// Where Mach-O carries library directives: one `LC_LINKER_OPTION` load command per library.
pub(super) const LINKER_OPTION: &str = "LC_LINKER_OPTION";

/// How the object carries each directive: `-lNAME` in an `LC_LINKER_OPTION` (as clang writes
/// `#pragma comment(lib, "NAME")` on Darwin); exports by visibility. ld64 and ld64.lld accept only `-l` and
/// `-framework` options in the command and `-l` always adds `lib` and a suffix, so a `+verbatim` file name
/// has no spelling there: it is left out (and `explain` says so), and the link must name the file itself.
pub(super) fn carried(w: &Writer<'_>, directives: &[Directive]) -> Vec<Carried> {
    directives
        .iter()
        .map(|d| {
            let how = match d {
                Directive::Library { name, verbatim: false } => {
                    Ok((LINKER_OPTION, w.plan.target.library_argument(name, false)))
                }
                Directive::Library { verbatim: true, .. } => Err(
                    "LC_LINKER_OPTION takes only -l and -framework, so a +verbatim file name is not written",
                ),
                Directive::Export { name, symbol, .. } => Ok(super::export_symbol(w, name, symbol)),
                Directive::FailIfMismatch { .. } => Err("Mach-O has no C runtime mismatch check"),
            };
            Carried { directive: d.clone(), how }
        })
        .collect()
}

/// Adds one `LC_LINKER_OPTION` per entry of `options` (each a list of arguments, `["-lfoo"]`) to the written
/// 64-bit Mach-O object `bytes`, after its other load commands.
///
/// The `object` writer has no API for the command and puts the section data right after the load commands,
/// so the new commands take room there: everything after the commands moves down by their size, and every file
/// offset in the commands that points past them moves with it (segment and section data, relocations, the
/// symbol and string tables, the dynamic symbol table's tables, `linkedit_data_command` blobs), then `ncmds`
/// and `sizeofcmds` count the new commands. Addresses do not change (they are not file offsets), so
/// relocations, symbols and `__eh_frame`'s PC-relative fields stay right. A load command this does not know is
/// an internal error rather than a file with a stale offset.
pub(super) fn insert_linker_options(bytes: &mut Vec<u8>, options: &[Vec<String>]) -> Result<(), Diagnostic> {
    if options.is_empty() {
        return Ok(());
    }
    let internal = |what: String| Diagnostic::internal(format!("writing LC_LINKER_OPTION: {what}"));
    let mut commands = Vec::new();
    for args in options {
        let mut strings = Vec::new();
        for arg in args {
            if arg.contains('\0') {
                return Err(internal(format!("linker option {arg:?} contains NUL")));
            }
            strings.extend_from_slice(arg.as_bytes());
            strings.push(0);
        }
        // cmd, cmdsize, count, then the strings; a 64-bit object's commands are padded to 8 bytes.
        let size = (12 + strings.len()).next_multiple_of(8);
        commands.extend_from_slice(&macho::LC_LINKER_OPTION.0.to_le_bytes());
        commands.extend_from_slice(&(size as u32).to_le_bytes());
        commands.extend_from_slice(&(args.len() as u32).to_le_bytes());
        commands.extend_from_slice(&strings);
        commands.resize(commands.len().next_multiple_of(8), 0);
    }
    let added = commands.len();
    let read = |bytes: &[u8], at: usize| -> Result<u32, Diagnostic> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| internal(format!("the object ends inside a load command (offset {at:#x})")))
    };
    // mach_header_64: magic, cputype, cpusubtype, filetype, ncmds (16), sizeofcmds (20), flags, reserved.
    const HEADER: usize = 32;
    if read(bytes, 0)? != macho::MH_MAGIC_64 {
        return Err(internal("not a little-endian 64-bit Mach-O object".to_owned()));
    }
    let ncmds = read(bytes, 16)?;
    let sizeofcmds = read(bytes, 20)? as usize;
    let end = HEADER + sizeofcmds;
    let shift = |bytes: &mut Vec<u8>, at: usize, wide: bool| -> Result<(), Diagnostic> {
        // An offset at or past the end of the commands points at data that moves; 0 (no data) stays.
        let width = if wide { 8 } else { 4 };
        let field = bytes.get(at..at + width).ok_or_else(|| internal(format!("offset field at {at:#x}")))?;
        let value = if wide {
            u64::from_le_bytes(field.try_into().expect("8 bytes"))
        } else {
            u64::from(u32::from_le_bytes(field.try_into().expect("4 bytes")))
        };
        if value >= end as u64 {
            let moved = value + added as u64;
            if wide {
                bytes[at..at + 8].copy_from_slice(&moved.to_le_bytes());
            } else {
                let moved =
                    u32::try_from(moved).map_err(|_| internal("object larger than 4 GiB".to_owned()))?;
                bytes[at..at + 4].copy_from_slice(&moved.to_le_bytes());
            }
        }
        Ok(())
    };
    let mut at = HEADER;
    for _ in 0..ncmds {
        let (cmd, cmdsize) = (read(bytes, at)?, read(bytes, at + 4)? as usize);
        if cmdsize < 8 || at + cmdsize > end {
            return Err(internal(format!("load command {cmd:#x} at {at:#x} has size {cmdsize}")));
        }
        match macho::LoadCommandType(cmd) {
            macho::LC_SEGMENT_64 => {
                // segment_command_64: fileoff at 40 (8 bytes), nsects at 64; then section_64 records of 80 bytes
                // with offset at 48 and reloff at 56.
                shift(bytes, at + 40, true)?;
                let nsects = read(bytes, at + 64)? as usize;
                for s in 0..nsects {
                    let section = at + 72 + 80 * s;
                    shift(bytes, section + 48, false)?;
                    shift(bytes, section + 56, false)?;
                }
            }
            // symtab_command: symoff at 8, stroff at 16.
            macho::LC_SYMTAB => {
                shift(bytes, at + 8, false)?;
                shift(bytes, at + 16, false)?;
            }
            // dysymtab_command: tocoff, modtaboff, extrefsymoff, indirectsymoff, extreloff, locreloff, each
            // followed by its count, from offset 32.
            macho::LC_DYSYMTAB => {
                for field in [32, 40, 48, 56, 64, 72] {
                    shift(bytes, at + field, false)?;
                }
            }
            // linkedit_data_command: dataoff at 8.
            macho::LC_DATA_IN_CODE | macho::LC_LINKER_OPTIMIZATION_HINT | macho::LC_FUNCTION_STARTS => {
                shift(bytes, at + 8, false)?
            }
            // No file offsets.
            macho::LC_BUILD_VERSION | macho::LC_VERSION_MIN_MACOSX | macho::LC_LINKER_OPTION => {}
            other => return Err(internal(format!("unexpected load command {other:#x}"))),
        }
        at += cmdsize;
    }
    if at != end {
        return Err(internal(format!("load commands end at {at:#x}, sizeofcmds says {end:#x}")));
    }
    bytes.splice(end..end, commands);
    bytes[16..20].copy_from_slice(&(ncmds + options.len() as u32).to_le_bytes());
    bytes[20..24].copy_from_slice(&((sizeofcmds + added) as u32).to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object as Writable, Relocation};
    use object::{Architecture, BinaryFormat, Endianness, ObjectSymbol, RelocationFlags, SymbolKind};

    /// A small object with what the inserted commands must not disturb: code with a relocation, data, a zero-fill
    /// section, defined and undefined symbols.
    fn sample(arch: Architecture) -> Vec<u8> {
        let mut obj = Writable::new(BinaryFormat::MachO, arch, Endianness::Little);
        obj.set_subsections_via_symbols();
        let text = obj.section_id(StandardSection::Text);
        let data = obj.section_id(StandardSection::Data);
        let bss = obj.section_id(StandardSection::UninitializedData);
        let symbol = |obj: &mut Writable<'_>, name: &str, kind| {
            obj.add_symbol(crate::emit::undefined_symbol(name, kind))
        };
        let f = symbol(&mut obj, "_f", SymbolKind::Text);
        obj.add_symbol_data(f, text, &[0x90; 16], 16);
        let d = symbol(&mut obj, "_d", SymbolKind::Data);
        obj.add_symbol_data(d, data, &[1, 2, 3, 4, 5, 6, 7, 8], 8);
        let z = symbol(&mut obj, "_z", SymbolKind::Data);
        obj.add_symbol_bss(z, bss, 64, 8);
        let g = symbol(&mut obj, "_g", SymbolKind::Data);
        let r_type = match arch {
            Architecture::X86_64 => macho::X86_64_RELOC_UNSIGNED,
            _ => macho::ARM64_RELOC_UNSIGNED,
        };
        let flags = RelocationFlags::MachO { r_type, r_pcrel: false, r_length: 3 };
        obj.add_relocation(data, Relocation { offset: 0, symbol: g, addend: 0, flags }).unwrap();
        obj.write().unwrap()
    }

    /// Everything a reader sees of an object but its load commands: each section's name, address, contents and
    /// relocations, and each symbol's name, address, section and scope.
    fn contents(bytes: &[u8]) -> Vec<String> {
        let file = object::File::parse(bytes).unwrap();
        let mut out = Vec::new();
        for s in file.sections() {
            let relocations: Vec<_> =
                s.relocations().map(|(at, r)| format!("{at}:{:?}:{:?}", r.target(), r.flags())).collect();
            out.push(format!("{:?} {:#x} {:?} {relocations:?}", s.name(), s.address(), s.data().unwrap()));
        }
        for s in file.symbols() {
            out.push(format!("{:?} {:#x} {:?} {:?}", s.name(), s.address(), s.section(), s.scope()));
        }
        out
    }

    /// The commands in `bytes` as (cmd, the strings of an LC_LINKER_OPTION).
    fn linker_options(bytes: &[u8]) -> Vec<Vec<String>> {
        use object::read::macho::MachHeader;
        let header = macho::MachHeader64::<Endianness>::parse(bytes, 0).unwrap();
        let mut commands = header.load_commands(Endianness::Little, bytes, 0).unwrap();
        let mut out = Vec::new();
        while let Some(command) = commands.next().unwrap() {
            if command.cmd() == macho::LC_LINKER_OPTION {
                let raw = command.raw_data();
                let count = u32::from_le_bytes(raw[8..12].try_into().unwrap()) as usize;
                let strings: Vec<String> = raw[12..]
                    .split(|&b| b == 0)
                    .take(count)
                    .map(|s| String::from_utf8(s.to_vec()).unwrap())
                    .collect();
                assert_eq!(raw.len() % 8, 0, "cmdsize is a multiple of 8");
                out.push(strings);
            }
        }
        out
    }

    #[test]
    fn inserted_linker_options_move_the_data_and_nothing_else() {
        for arch in [Architecture::X86_64, Architecture::Aarch64] {
            let before = sample(arch);
            let mut after = before.clone();
            let options = vec![vec!["-lfoo".to_owned()], vec!["-framework".to_owned(), "Cocoa".to_owned()]];
            insert_linker_options(&mut after, &options).unwrap();
            assert_eq!(linker_options(&after), options, "{arch:?}");
            assert_eq!(contents(&after), contents(&before), "{arch:?}");
            // 24 bytes for `-lfoo` (12 + 6, padded), 32 for `-framework Cocoa` (12 + 17, padded).
            assert_eq!(after.len(), before.len() + 24 + 32, "{arch:?}");
            // Nothing to add: the file is left alone.
            let mut same = before.clone();
            insert_linker_options(&mut same, &[]).unwrap();
            assert_eq!(same, before);
        }
    }

    #[test]
    fn an_unknown_load_command_is_an_internal_error_not_a_stale_offset() {
        let mut bytes = sample(Architecture::Aarch64);
        // Turn the first command (the segment) into LC_ROUTINES_64, which carries offsets this does not know.
        bytes[32..36].copy_from_slice(&macho::LC_ROUTINES_64.0.to_le_bytes());
        let error = insert_linker_options(&mut bytes, &[vec!["-lfoo".to_owned()]]).unwrap_err();
        assert!(format!("{error:?}").contains("unexpected load command 0x1a"), "{error:?}");
    }
}
