//! Static libraries: an object wrapped in an archive with a symbol index, in the flavour the target's linker
//! expects (COFF archives for link.exe and lld-link), written by `ar_archive_writer` as rustc does.

use ar_archive_writer::{ArchiveKind, DEFAULT_OBJECT_READER, NewArchiveMember, write_archive_to_stream};
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Format, Target};
use std::io::Cursor;

/// A static library holding one object, `member_name` (for example `mathlib.obj`). Deterministic: member
/// times, owners and modes are fixed.
pub fn static_library(target: &Target, member_name: &str, object: &[u8]) -> Result<Vec<u8>, Diagnostic> {
    let kind = match target.format {
        Format::Coff => ArchiveKind::Coff,
        Format::Elf => ArchiveKind::Gnu,
        Format::MachO => ArchiveKind::Darwin,
    };
    let member = NewArchiveMember {
        buf: Box::new(object),
        object_reader: &DEFAULT_OBJECT_READER,
        member_name: member_name.to_owned(),
        mtime: 0,
        uid: 0,
        gid: 0,
        perms: 0o644,
    };
    let mut out = Cursor::new(Vec::new());
    write_archive_to_stream(&mut out, &[member], kind, false, None)
        .map_err(|e| Diagnostic::internal(format!("writing the static library: {e}")))?;
    Ok(out.into_inner())
}
