//! COFF-only parts of an object: the Windows exception tables `.pdata` (one RUNTIME_FUNCTION per function)
//! and `.xdata` (the x64 UNWIND_INFO or arm64 unwind record that unwind/ encodes), which Windows needs to
//! unwind through every function that is not a leaf (stack walks, debuggers, SEH). Plain cranelift-object
//! writes neither. And `.drectve`, the linker directives the object carries (issue 9): `/DEFAULTLIB:`,
//! `/EXPORT:` and `/FAILIFMISMATCH:`, spelled as clang-cl writes them.

use super::{Carried, Writer, bare_in_directive};
use crate::lower::Unwind;
use crate::reloc::{self, SiteShape};
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Access, Directive, Target};
use object::SectionKind;

/// Where COFF carries directives.
const DRECTVE: &str = ".drectve";

/// Writes `.drectve` (when there is any directive): each directive preceded by a space, as clang writes the
/// section. `SectionKind::Linker` gives it IMAGE_SCN_LNK_INFO | IMAGE_SCN_LNK_REMOVE (the linker reads it and
/// leaves it out of the image), and alignment 1 gives IMAGE_SCN_ALIGN_1BYTES, both as clang's.
pub(super) fn write_directives(
    w: &mut Writer<'_>,
    directives: &[Directive],
) -> Result<Vec<Carried>, Diagnostic> {
    let mut text = String::new();
    let mut carried = Vec::with_capacity(directives.len());
    for d in directives {
        let spelled = spell(&w.plan.target, d).map_err(|bad| export_error(w, d, bad))?;
        text.push(' ');
        text.push_str(&spelled);
        carried.push(Carried { directive: d.clone(), how: Ok((DRECTVE, spelled)) });
    }
    if !text.is_empty() {
        let section = w.obj.add_section(Vec::new(), DRECTVE.as_bytes().to_vec(), SectionKind::Linker);
        w.obj.append_section_data(section, text.as_bytes(), 1);
    }
    Ok(carried)
}

/// One directive as `.drectve` spells it (clang-cl's spellings): `/DEFAULTLIB:NAME.lib` (`NAME` as written
/// for `+verbatim`), `/EXPORT:NAME`, `/EXPORT:NAME=SYMBOL`, `,DATA` for data, and
/// `/FAILIFMISMATCH:"KEY=VALUE"`. A name is quoted when the linker would split it otherwise.
///
/// The error is a character an export name cannot contain in `/EXPORT:`: lld-link and link.exe split its
/// value at `,` (the options after the name) and `=` (the internal name) after removing quotes, so no quoting
/// keeps them in a name.
fn spell(target: &Target, d: &Directive) -> Result<String, char> {
    Ok(match d {
        // The file name the linker is told on the command line too ([`Target::library_argument`]).
        Directive::Library { name, verbatim } => {
            format!("/DEFAULTLIB:{}", quoted(&target.library_argument(name, *verbatim)))
        }
        Directive::Export { name, symbol, data } => {
            if let Some(bad) = name.chars().find(|&c| c == ',' || c == '=') {
                return Err(bad);
            }
            let mut text = format!("/EXPORT:{}", quoted(name));
            if symbol != name {
                text.push('=');
                text.push_str(&quoted(symbol));
            }
            if *data {
                text.push_str(",DATA");
            }
            text
        }
        // Always quoted, as clang writes `#pragma detect_mismatch` and MSVC's headers do.
        Directive::FailIfMismatch { key, value } => {
            format!("/FAILIFMISMATCH:{}", quote(&format!("{key}={value}")))
        }
    })
}

/// `text` bare when it can be ([`bare_in_directive`]), else [`quote`]d.
fn quoted(text: &str) -> String {
    if bare_in_directive(text) { text.to_owned() } else { quote(text) }
}

/// `text` in double quotes, so that the Windows command-line rules the linkers split `.drectve` by give it back
/// unchanged: a `"` inside is written `\"`, and backslashes are doubled where they precede a `"` (an inner
/// one, or the closing quote); other backslashes stand for themselves.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    let mut backslashes = 0;
    for c in text.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.extend(std::iter::repeat_n('\\', 2 * backslashes + 1));
                backslashes = 0;
            }
            _ => {
                out.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
            }
        }
        if c != '\\' {
            out.push(c);
        }
    }
    out.extend(std::iter::repeat_n('\\', 2 * backslashes));
    out.push('"');
    out
}

/// The user's error for an export name `/EXPORT:` cannot carry, at the definition that asks for it.
fn export_error(w: &Writer<'_>, d: &Directive, bad: char) -> Diagnostic {
    let Directive::Export { name, symbol, .. } = d else {
        return Diagnostic::internal(format!("a directive that cannot be spelled: {d:?}"));
    };
    let mut diag = Diagnostic::error(format!(
        "the export name `{}` contains `{bad}`, which a COFF `/EXPORT:` directive cannot carry",
        name.escape_debug()
    ))
    .note(format!("lld-link and link.exe read `{bad}` in `/EXPORT:` as a separator, quoted or not"))
    .help("choose an `#[export_name]` without `,` or `=`");
    if let Some((_, s)) = w.program.symbols().find(|(_, s)| s.link_name == *symbol) {
        diag = diag.primary(s.span, "exported here");
    }
    diag
}

/// Appends `.xdata` and `.pdata` for every function that has unwind information.
pub(super) fn write_unwind_tables(w: &mut Writer<'_>) -> Result<(), Diagnostic> {
    if w.unwind.is_empty() {
        return Ok(());
    }
    let xdata = w.obj.add_section(Vec::new(), b".xdata".to_vec(), SectionKind::ReadOnlyData);
    let pdata = w.obj.add_section(Vec::new(), b".pdata".to_vec(), SectionKind::ReadOnlyData);
    let xdata_symbol = w.obj.section_symbol(xdata);
    let text_symbol = w.obj.section_symbol(w.text);
    let placement = reloc::place(w.target(), SiteShape::ImageRel32, Access::Direct)?;
    for (function, text_offset, size, unwind) in std::mem::take(&mut w.unwind) {
        // x64: UNWIND_INFO, and RUNTIME_FUNCTION { BeginAddress, EndAddress, UnwindInfoAddress }.
        // arm64: the .xdata record (it holds the function's length), and { BeginAddress, UnwindData } where the
        // low two bits of UnwindData, 0, say it points at a record rather than packing the unwind data.
        let (info, has_end) = match unwind {
            Unwind::WindowsX64(info) => (info, true),
            Unwind::WindowsArm64(info) => (info, false),
            Unwind::SystemV(_) => continue,
        };
        // Records are 4-byte aligned (x64 pads its code array to an even count; arm64 is made of words).
        let info_offset = w.obj.append_section_data(xdata, &info, 4);
        let mut fields = vec![((text_symbol, ".text"), text_offset)];
        if has_end {
            fields.push(((text_symbol, ".text"), text_offset + u64::from(size)));
        }
        fields.push(((xdata_symbol, ".xdata"), info_offset));
        let entry = w.obj.append_section_data(pdata, &vec![0; 4 * fields.len()], 4);
        for (field, (to, addend)) in fields.into_iter().enumerate() {
            let offset = entry + 4 * field as u64;
            w.relocate_unwind((pdata, ".pdata"), offset, function, to, addend as i64, placement)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library(name: &str, verbatim: bool) -> Directive {
        Directive::Library { name: name.to_owned(), verbatim }
    }

    /// clang-cl's spellings; tests/autolink.rs and tests/crt.rs check them against lld-link and clang-cl.
    #[test]
    fn directives_are_spelled_as_clang_cl_writes_them() {
        let t = Target::default_target();
        assert_eq!(spell(&t, &library("msvcrt", false)), Ok("/DEFAULTLIB:msvcrt.lib".to_owned()));
        // `+verbatim`: the file name as written, nothing added.
        assert_eq!(spell(&t, &library("vendor.lib.v2", true)), Ok("/DEFAULTLIB:vendor.lib.v2".to_owned()));
        assert_eq!(spell(&t, &library("libfoo.a", true)), Ok("/DEFAULTLIB:libfoo.a".to_owned()));
        let export = |name: &str, symbol: &str, data| Directive::Export {
            name: name.to_owned(),
            symbol: symbol.to_owned(),
            data,
        };
        assert_eq!(spell(&t, &export("f", "f", false)), Ok("/EXPORT:f".to_owned()));
        assert_eq!(spell(&t, &export("d", "d", true)), Ok("/EXPORT:d,DATA".to_owned()));
        assert_eq!(spell(&t, &export("g", "f", true)), Ok("/EXPORT:g=f,DATA".to_owned()));
        assert_eq!(spell(&t, &export("a=b", "f", false)), Err('='));
        let mismatch = Directive::FailIfMismatch {
            key: "RuntimeLibrary".to_owned(),
            value: "MT_StaticRelease".to_owned(),
        };
        assert_eq!(
            spell(&t, &mismatch),
            Ok("/FAILIFMISMATCH:\"RuntimeLibrary=MT_StaticRelease\"".to_owned())
        );
    }

    /// The Windows command-line rules, case by case: backslashes are literal unless a `"` follows them.
    #[test]
    fn quoting_survives_the_windows_command_line_rules() {
        assert_eq!(quoted("plain\\path"), "plain\\path");
        assert_eq!(quoted("a b"), "\"a b\"");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(quoted("a\\\"b"), "\"a\\\\\\\"b\"");
        assert_eq!(quoted("a b\\"), "\"a b\\\\\"");
        assert_eq!(quoted("a\\b c"), "\"a\\b c\"");
    }
}
