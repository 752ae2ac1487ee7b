//! Static libraries: an object wrapped in an archive with a symbol index, in the flavour the target's linker
//! expects (COFF archives for link.exe and lld-link, GNU archives for ld.lld, Darwin archives for ld64), written
//! by `ar_archive_writer` as rustc does. Other members can be added beside the object: the members of native
//! static libraries bundled into it (issue 9, item 4; rustc's staticlib) and the import members of raw-dylib
//! libraries.

use ar_archive_writer::{ArchiveKind, DEFAULT_OBJECT_READER, NewArchiveMember, write_archive_to_stream};
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Arch, Format, Target};
use object::read::archive::ArchiveFile;
use std::io::Cursor;

/// One archive member: its name as the archive records it and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's name (for example `foo.o`; llvm-lib records the path it was given, which is kept).
    pub name: String,
    /// Its contents: an object file, a COFF short import, or anything else the library held.
    pub bytes: Vec<u8>,
}

/// A static library holding the object `member_name` first, then `extra` in order (names kept, duplicates
/// allowed, as `ar` allows them). The symbol index covers every member: the global definitions of each
/// object, and `__imp_NAME` (plus the thunk `NAME` for code) of each COFF short import member, so that a
/// linker given only this archive finds everything in it. Deterministic: member times, owners and modes are
/// fixed, whatever the bundled libraries recorded.
pub fn static_library(
    target: &Target,
    member_name: &str,
    object: &[u8],
    extra: &[Member],
) -> Result<Vec<u8>, Diagnostic> {
    let kind = match target.format {
        Format::Coff => ArchiveKind::Coff,
        Format::Elf => ArchiveKind::Gnu,
        Format::MachO => ArchiveKind::Darwin,
    };
    fn member<'a>(name: &str, bytes: &'a [u8]) -> NewArchiveMember<'a> {
        NewArchiveMember {
            buf: Box::new(bytes),
            object_reader: &DEFAULT_OBJECT_READER,
            member_name: name.to_owned(),
            mtime: 0,
            uid: 0,
            gid: 0,
            perms: 0o644,
        }
    }
    let members: Vec<NewArchiveMember<'_>> = std::iter::once(member(member_name, object))
        .chain(extra.iter().map(|m| member(&m.name, &m.bytes)))
        .collect();
    let mut out = Cursor::new(Vec::new());
    // `Some(false)`: no Arm64EC symbol map; linkwise targets plain x86_64 and arm64 only.
    let is_ec = (target.format == Format::Coff).then_some(false);
    write_archive_to_stream(&mut out, &members, kind, false, is_ec)
        .map_err(|e| Diagnostic::internal(format!("writing the static library: {e}")))?;
    Ok(out.into_inner())
}

/// The members of the archive `bytes` (read from `path`, which messages name), in order, with their names as
/// recorded; the symbol index and name tables are not members and are left out. Errors, in words that name
/// the file: not an archive; a thin archive (its members live in other files, which bundling would have to
/// follow: rustc refuses them too); a member that cannot be read.
pub fn read_members(path: &str, bytes: &[u8]) -> Result<Vec<Member>, Diagnostic> {
    let fault = |what: String| {
        Diagnostic::error(format!("cannot read the static library `{path}`: {what}"))
            .note("a static library to bundle must be an archive, as `ar`, `llvm-ar` or `llvm-lib` write it")
    };
    let archive = ArchiveFile::parse(bytes).map_err(|e| fault(e.to_string()))?;
    if archive.is_thin() {
        return Err(fault("it is a thin archive, whose members are separate files".to_owned()));
    }
    let mut members = Vec::new();
    for (index, member) in archive.members().enumerate() {
        let member = member.map_err(|e| fault(format!("member {index}: {e}")))?;
        let name = String::from_utf8_lossy(member.name()).into_owned();
        let data = member.data(bytes).map_err(|e| fault(format!("member `{name}`: {e}")))?;
        members.push(Member { name, bytes: data.to_vec() });
    }
    Ok(members)
}

/// Checks that `member` of the library `library` (its path, for messages) can be linked for `target`: an
/// object file or a COFF short import must be for the target's format and architecture; anything else a
/// library may hold (an index, a text file) passes, as linkers skip it.
pub fn check_member_target(target: &Target, library: &str, member: &Member) -> Result<(), Diagnostic> {
    use object::{Architecture, BinaryFormat, Object};
    let (format, arch) = if let Ok(file) = object::File::parse(&*member.bytes) {
        (file.format(), file.architecture())
    } else if let Ok(import) = object::read::coff::ImportFile::parse(&*member.bytes) {
        (BinaryFormat::Coff, import.architecture())
    } else {
        return Ok(());
    };
    let format = match format {
        BinaryFormat::Coff | BinaryFormat::Pe => Some(Format::Coff),
        BinaryFormat::Elf => Some(Format::Elf),
        BinaryFormat::MachO => Some(Format::MachO),
        _ => None,
    };
    let arch = match arch {
        Architecture::X86_64 => Some(Arch::X86_64),
        Architecture::Aarch64 => Some(Arch::Aarch64),
        _ => None,
    };
    if format == Some(target.format) && arch == Some(target.arch) {
        return Ok(());
    }
    let found = match (format, arch) {
        (Some(Format::Elf), Some(arch)) => format!("an ELF object for {arch}"),
        (Some(format), Some(arch)) => format!("a {format} object for {arch}"),
        (Some(Format::Elf), None) => "an ELF object for another architecture".to_owned(),
        (Some(format), None) => format!("a {format} object for another architecture"),
        (None, _) => "an object of another format".to_owned(),
    };
    Err(Diagnostic::error(format!(
        "cannot bundle `{library}({})`: it is {found}, but the target `{target}` is {} {}",
        member.name, target.format, target.arch
    ))
    .note("every member of a bundled library is linked with the module's object, so it must be built for the same target"))
}
