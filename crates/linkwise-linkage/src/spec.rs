//! `-l [KIND=]NAME[:NEWNAME]`: one command-line library spec, parsed and validated on its own.
//! Rules that need the module (renaming a library it does not declare, ...) are in [`crate::plan`].

use linkwise_ir::{Diagnostic, LinkKind, library_name_fault};
use std::fmt;

/// One `-l` argument, as RFC 1717 extends it. Outside this crate a spec is only parsed and printed; its parts
/// are the link plan's to interpret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkSpec {
    /// `KIND=`: overrides the kind of the library `name` (or gives the kind of a library added by this spec).
    pub(crate) kind: Option<LinkKind>,
    /// The library the spec is about.
    pub(crate) name: String,
    /// `:NEWNAME`: link this library instead of `name`, keeping its kind unless `kind` is also given.
    pub(crate) new_name: Option<String>,
    /// `KIND:MODIFIERS=`: the modifiers written (`+bundle`, `-whole-archive`, ...).
    pub(crate) modifiers: linkwise_ir::LinkModifiers,
    /// The argument as the user wrote it, for diagnostics.
    pub(crate) text: String,
}

impl LinkSpec {
    /// Parses the value of one `-l` argument.
    ///
    /// `-l NAME:` (rename to nothing) is rejected: it is RFC 1717's open question and rustc settled it the same
    /// way. A library's symbols still need a definition and a kind for the call sites to be shaped, so dropping
    /// the library from the link cannot be expressed by renaming it (see docs/linking.md).
    ///
    /// Whitespace and control characters are rejected wherever they stand (kind, modifiers, name, new name):
    /// `-l 'static=msvcrt '` used to add a library named `msvcrt ` that no linker can find (issue 7, defect 11).
    /// No library file name on Windows or elsewhere needs one, and a shell quoting slip is the likely cause. The
    /// rule is [`linkwise_ir::library_name_fault`], which `#[link(name = "...")]` follows too.
    pub fn parse(text: &str) -> Result<LinkSpec, Diagnostic> {
        let shown = format!("-l {text}");
        if let Some(d) = whitespace_error(text) {
            return Err(d);
        }
        let err = |message: String| Diagnostic::error(message).note(format!("in the argument `{shown}`"));
        let (kind, rest) = match text.split_once('=') {
            Some((kind, rest)) => (Some(kind), rest),
            None => (None, text),
        };
        let kind = match kind {
            None => None,
            Some(k) if k.contains(':') => {
                return Err(err(format!("link modifiers (`{k}`) are not supported"))
                    .help("write the kind alone: `-l static=NAME`"));
            }
            Some(k) => Some(LinkKind::from_name(k).ok_or_else(|| {
                err(format!("unknown library kind `{k}`"))
                    .help(format!("expected one of {}", LinkKind::ALL.map(|k| format!("`{k}`")).join(", ")))
            })?),
        };
        let (name, new_name) = match rest.split_once(':') {
            Some((name, new)) => (name, Some(new)),
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(err("no library name given".into()).help("write `-l [KIND=]NAME[:NEWNAME]`"));
        }
        if let Some(bad) = [Some(name), new_name].into_iter().flatten().find(|n| n.contains([':', '='])) {
            return Err(err(format!("invalid library name `{bad}`"))
                .help("write `-l [KIND=]NAME[:NEWNAME]`; a name contains neither `:` nor `=`"));
        }
        if new_name == Some("") {
            return Err(err(format!("`-l {name}:` renames library `{name}` to nothing"))
                .note("a library cannot be dropped by renaming it: its symbols would still be shaped by its kind")
                .help(format!("to link a different library, name it: `-l {name}:NEWNAME`")));
        }
        Ok(LinkSpec {
            kind,
            name: name.to_owned(),
            new_name: new_name.map(str::to_owned),
            modifiers: linkwise_ir::LinkModifiers::default(),
            text: text.to_owned(),
        })
    }
}

/// The first whitespace or control character in `text` (the value of one `-l`), as an error that names the part
/// of the spec it is in and points at it under the argument, shown with control characters escaped.
fn whitespace_error(text: &str) -> Option<Diagnostic> {
    // Kinds and modifiers follow the library name's rule: none of them has a use for such a character.
    let bad = library_name_fault(text)?;
    let at = bad.at;
    // The parts as `parse` splits them: KIND[:MODIFIERS]= before the first `=`, then NAME[:NEWNAME].
    let (part, value) = match text.find('=') {
        Some(eq) if at < eq => match text[..eq].find(':') {
            Some(colon) if at > colon => ("the link modifiers", &text[colon + 1..eq]),
            Some(colon) => ("the library kind", &text[..colon]),
            None => ("the library kind", &text[..eq]),
        },
        eq => {
            let rest_start = eq.map_or(0, |eq| eq + 1);
            let rest = &text[rest_start..];
            match rest.find(':') {
                Some(colon) if at > rest_start + colon => ("the new library name", &rest[colon + 1..]),
                Some(colon) => ("the library name", &rest[..colon]),
                None => ("the library name", rest),
            }
        }
    };
    let verb = if part == "the link modifiers" { "contain" } else { "contains" };
    // Shown as Rust escapes them (`\t`, `\u{1}`), spaces as they are, so the caret has a column to point at.
    fn escaped(s: &str) -> impl Iterator<Item = String> + '_ {
        s.chars().map(|c| if c == ' ' { " ".to_owned() } else { c.escape_debug().to_string() })
    }
    let shown: String = escaped(text).collect();
    let caret = 3 + escaped(&text[..at]).map(|e| e.chars().count()).sum::<usize>();
    // The argument and the caret go on lines of their own, so they line up whatever the note's prefix is.
    let pointer = format!("in the argument `-l {shown}`, here:\n    -l {shown}\n    {}^", " ".repeat(caret));
    let value: String = escaped(value).collect();
    Some(Diagnostic::error(format!("{part} `{value}` {verb} {bad}")).note(pointer).help(
        "library names, kinds and modifiers have no whitespace or control characters: check the quoting",
    ))
}

impl fmt::Display for LinkSpec {
    /// Prints the spec as it was given on the command line, `-l` included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-l {}", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> (Option<LinkKind>, String, Option<String>) {
        let spec = LinkSpec::parse(s).unwrap_or_else(|e| panic!("`{s}` rejected: {e}"));
        (spec.kind, spec.name, spec.new_name)
    }

    fn err(s: &str) -> String {
        LinkSpec::parse(s).expect_err(s).to_string()
    }

    #[test]
    fn forms_of_the_rfc() {
        assert_eq!(ok("foo"), (None, "foo".into(), None));
        assert_eq!(ok("static=foo"), (Some(LinkKind::Static), "foo".into(), None));
        assert_eq!(ok("dylib=bar"), (Some(LinkKind::Dylib), "bar".into(), None));
        assert_eq!(ok("static-nobundle=z"), (Some(LinkKind::StaticNobundle), "z".into(), None));
        assert_eq!(ok("foo:newfoo"), (None, "foo".into(), Some("newfoo".into())));
        assert_eq!(ok("static=foo:bar"), (Some(LinkKind::Static), "foo".into(), Some("bar".into())));
    }

    // Each bad spec's message: corpus/errors/link_specs.lw, run by tests/errors.rs; the notes and help as a user
    // sees them: corpus/link_spec_errors.lw. An empty argument cannot be written in a corpus `//@ args:` line:
    #[test]
    fn an_empty_spec_names_no_library() {
        assert!(err("").starts_with("error: no library name given\n"), "{}", err(""));
    }

    /// Issue 7, defect 11: `-l 'static=msvcrt '` added a library `msvcrt ` (a second one, beside the module's
    /// `msvcrt`). Every part of the spec, every kind of character; the caret stands under the character.
    #[test]
    fn whitespace_and_control_characters_are_errors_that_point_at_them() {
        let cases: [(&str, &str, &str); 12] = [
            ("static=msvcrt ", "the library name `msvcrt ` contains a space (U+0020)", "-l static=msvcrt "),
            (" foo", "the library name ` foo` contains a space (U+0020)", "-l  foo"),
            ("ms vcrt", "the library name `ms vcrt` contains a space (U+0020)", "-l ms vcrt"),
            ("ms\tvcrt", "the library name `ms\\tvcrt` contains a tab (U+0009)", "-l ms\\tvcrt"),
            ("foo\n", "the library name `foo\\n` contains a line break (U+000A)", "-l foo\\n"),
            ("foo\r", "the library name `foo\\r` contains a carriage return (U+000D)", "-l foo\\r"),
            (
                "foo\u{1}",
                "the library name `foo\\u{1}` contains the control character U+0001",
                "-l foo\\u{1}",
            ),
            (
                "foo\u{a0}",
                "the library name `foo\\u{a0}` contains the whitespace character U+00A0",
                "-l foo\\u{a0}",
            ),
            ("foo:bar ", "the new library name `bar ` contains a space (U+0020)", "-l foo:bar "),
            (
                "static=foo: bar",
                "the new library name ` bar` contains a space (U+0020)",
                "-l static=foo: bar",
            ),
            ("static =foo", "the library kind `static ` contains a space (U+0020)", "-l static =foo"),
            (
                "static:+bundle =foo",
                "the link modifiers `+bundle ` contain a space (U+0020)",
                "-l static:+bundle =foo",
            ),
        ];
        for (spec, message, shown) in cases {
            let e = err(spec);
            assert!(e.starts_with(&format!("error: {message}")), "`{spec}`: {e}");
            assert!(e.contains(&format!("in the argument `{shown}`, here:")), "`{spec}`: {e}");
            // The argument on a line of its own, the caret under the first offending character (its escape).
            let lines: Vec<&str> = e.lines().collect();
            let arg =
                lines.iter().position(|l| *l == format!("    {shown}")).unwrap_or_else(|| panic!("{e}"));
            let caret = lines[arg + 1].find('^').unwrap_or_else(|| panic!("no caret: {e}"));
            assert_eq!(lines[arg + 1].trim_start(), "^", "{e}");
            let under = lines[arg][caret..].chars().next();
            let expected = spec.chars().find(|c| c.is_whitespace() || c.is_control()).map(|c| match c {
                ' ' => ' ',
                _ => '\\',
            });
            assert_eq!(under, expected, "`{spec}`: caret at column {caret}:\n{e}");
        }
        // The caret's column, written out once.
        assert!(err("static=msvcrt ").contains("\n    -l static=msvcrt \n                    ^\n"));
        // Still accepted: names with the punctuation real libraries have.
        assert_eq!(ok("static=api-ms-win-crt-runtime-l1-1-0.dll").1, "api-ms-win-crt-runtime-l1-1-0.dll");
        assert_eq!(ok("c++abi").1, "c++abi");
    }
}
