//! `-l [KIND[:MODIFIERS]=]NAME[:NEWNAME]`: one command-line library spec, parsed and validated on its own.
//! Rules that need the module (renaming a library it does not declare, ...) are in [`crate::plan`].

use linkwise_ir::ast::{MODIFIER_SYNTAX_ERROR, unknown_modifier_error};
use linkwise_ir::{Diagnostic, LinkKind, LinkModifiers, Modifier, library_name_fault};
use std::fmt;

/// One `-l` argument, as RFC 1717 extends it and rustc spells it today. Outside this crate a spec is only
/// parsed and printed; its parts are the link plan's to interpret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkSpec {
    /// `KIND=`: overrides the kind of the library `name` (or gives the kind of a library added by this spec).
    /// `static-nobundle` is read as `static` with `-bundle` (see `warning`).
    pub(crate) kind: Option<LinkKind>,
    /// The library the spec is about.
    pub(crate) name: String,
    /// `:NEWNAME`: link this library instead of `name`, keeping its kind unless `kind` is also given.
    pub(crate) new_name: Option<String>,
    /// `KIND:MODIFIERS=`: the modifiers written (`+bundle`, `-whole-archive`, ...), checked against the kind.
    pub(crate) modifiers: LinkModifiers,
    /// The deprecation warning of `static-nobundle=`, which the link plan carries in [`crate::LinkPlan::warnings`].
    pub(crate) warning: Option<Diagnostic>,
    /// The argument as the user wrote it, for diagnostics.
    pub(crate) text: String,
}

impl LinkSpec {
    /// Parses the value of one `-l` argument.
    ///
    /// The modifiers follow rustc_session's `-l` parser, rule for rule and in its words: each comma-separated
    /// piece is `+NAME` or `-NAME`; NAME is `bundle`, `verbatim`, `whole-archive` or `as-needed`; each is given
    /// once; `bundle` and `whole-archive` need `static`, `as-needed` needs `dylib`. Modifiers need a kind (the
    /// grammar puts them after one; `-l :+verbatim=foo` is an unknown, empty kind, as in rustc).
    ///
    /// Kinds are rustc's that linkwise has: `static` and `dylib`. `raw-dylib` is not one (rustc's `-l` refuses
    /// it too: the import library is written from a block's declarations, which a command line has none of).
    /// `static-nobundle` is still accepted, with rustc's old warning, as `static:-bundle`; as in rustc it takes
    /// no modifiers.
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
        let (kind, modifier_text) =
            match kind.map(|k| k.split_once(':').map_or((k, None), |(k, m)| (k, Some(m)))) {
                Some((k, m)) => (Some(k), m),
                None => (None, None),
            };
        let mut modifiers = LinkModifiers::default();
        let mut warning = None;
        let kind = match kind {
            None => None,
            Some("static") => Some(LinkKind::Static),
            Some("dylib") => Some(LinkKind::Dylib),
            Some("static-nobundle") => {
                if modifier_text.is_some() {
                    return Err(err(
                        "linking modifier can't be used with library kind `static-nobundle`".into()
                    )
                    .help("write `-l static:-bundle,MODIFIERS=NAME`"));
                }
                warning = Some(
                    Diagnostic::warning(
                        "library kind `static-nobundle` has been superseded by specifying `-bundle` on library \
                         kind `static`. Try `static:-bundle`",
                    )
                    .note(format!("in the argument `{shown}`"))
                    .help("rustc 1.95 rejects `static-nobundle`; linkwise reads it as `static:-bundle`"),
                );
                modifiers.bundle = Some(false);
                Some(LinkKind::Static)
            }
            Some(k) => {
                let mut d = err(format!("unknown library kind `{k}`, expected one of: static, dylib"));
                if k == "raw-dylib" {
                    d = d
                        .note("`raw-dylib` is a kind of `#[link]` only (so in rustc): its import library is written from the extern block's declarations")
                        .help("write `kind = \"raw-dylib\"` in the module's `#[link]`");
                } else if k.is_empty() || k.starts_with(['+', '-']) {
                    d = d.help("modifiers follow a kind and a colon: `-l static:+whole-archive=NAME`");
                }
                return Err(d);
            }
        };
        if let Some(list) = modifier_text {
            for piece in list.split(',') {
                let Some(name) = piece.strip_prefix(['+', '-']) else {
                    return Err(err(MODIFIER_SYNTAX_ERROR.to_owned()));
                };
                let Some(modifier) = Modifier::from_name(name) else {
                    return Err(err(unknown_modifier_error(name)));
                };
                if let Some(message) = modifier.kind_fault(kind, true) {
                    return Err(err(message));
                }
                let slot = modifiers.slot(modifier);
                if slot.is_some() {
                    return Err(err(format!("multiple `{modifier}` modifiers in a single `-l` option")));
                }
                *slot = Some(piece.starts_with('+'));
            }
        }
        let (name, new_name) = match rest.split_once(':') {
            Some((name, new)) => (name, Some(new)),
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(
                err("no library name given".into()).help("write `-l [KIND[:MODIFIERS]=]NAME[:NEWNAME]`")
            );
        }
        if let Some(bad) = [Some(name), new_name].into_iter().flatten().find(|n| n.contains([':', '='])) {
            return Err(err(format!("invalid library name `{bad}`"))
                .help("write `-l [KIND[:MODIFIERS]=]NAME[:NEWNAME]`; a name contains neither `:` nor `=`"));
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
            modifiers,
            warning,
            text: text.to_owned(),
        })
    }

    /// `-l KIND=NAME`, typed: the same spec [`LinkSpec::parse`] makes of that text. Builder methods add
    /// modifiers ([`LinkSpec::modifier`]) and a new name ([`LinkSpec::rename`]); the spec is checked by
    /// [`LinkSpec::validate`] (or when `linkwise::Options::link_spec` takes it), with the command line's rules
    /// and messages, since it is checked as the text it stands for.
    ///
    /// ```
    /// use linkwise_linkage::LinkSpec;
    /// use linkwise_ir::{LinkKind, Modifier};
    ///
    /// let typed = LinkSpec::new(LinkKind::Static, "msvcrt").modifier(Modifier::WholeArchive, true).rename("msvcrt2");
    /// assert_eq!(typed.validate()?, LinkSpec::parse("static:+whole-archive=msvcrt:msvcrt2")?);
    /// # Ok::<(), linkwise_ir::Diagnostic>(())
    /// ```
    #[must_use]
    pub fn new(kind: LinkKind, name: impl Into<String>) -> LinkSpec {
        LinkSpec::from_parts(Some(kind), name.into())
    }

    /// `-l NAME`: a library with no kind given (added as dylib, or keeping the module's kind for it).
    #[must_use]
    pub fn named(name: impl Into<String>) -> LinkSpec {
        LinkSpec::from_parts(None, name.into())
    }

    fn from_parts(kind: Option<LinkKind>, name: String) -> LinkSpec {
        let mut spec = LinkSpec {
            kind,
            name,
            new_name: None,
            modifiers: LinkModifiers::default(),
            warning: None,
            text: String::new(),
        };
        spec.retext();
        spec
    }

    /// `+NAME` (`on`) or `-NAME`: sets one modifier (a modifier set twice keeps the last value).
    #[must_use]
    pub fn modifier(mut self, modifier: Modifier, on: bool) -> LinkSpec {
        *self.modifiers.slot(modifier) = Some(on);
        self.retext();
        self
    }

    /// `:NEWNAME`: link `new_name` instead of the library named.
    #[must_use]
    pub fn rename(mut self, new_name: impl Into<String>) -> LinkSpec {
        self.new_name = Some(new_name.into());
        self.retext();
        self
    }

    /// The spec checked as the text it stands for is (`-l` printed by `Display`): the spec itself when the
    /// command line would take it, with the deprecation warning it deserves, or the command line's error.
    pub fn validate(&self) -> Result<LinkSpec, Diagnostic> {
        LinkSpec::parse(&self.text)
    }

    /// Writes `text` from the parts, in the form `parse` reads back to the same parts: modifiers in
    /// [`Modifier::ALL`] order, `static-nobundle` as rustc's old spelling (`parse` reads it as `static:-bundle`).
    fn retext(&mut self) {
        let mut text = String::new();
        if let Some(kind) = self.kind {
            text.push_str(kind.as_str());
            if self.modifiers.written().next().is_some() {
                text.push(':');
                text.push_str(&self.modifiers.to_string());
            }
            text.push('=');
        }
        text.push_str(&self.name);
        if let Some(new) = &self.new_name {
            text.push(':');
            text.push_str(new);
        }
        self.text = text;
    }

    /// The kind written (`KIND=`), if any.
    pub fn kind(&self) -> Option<LinkKind> {
        self.kind
    }

    /// The library the spec is about.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The library linked instead (`:NEWNAME`), if any.
    pub fn new_name(&self) -> Option<&str> {
        self.new_name.as_deref()
    }

    /// The modifiers the spec writes (`-l static:+whole-archive=NAME`); none written is all `None`.
    pub fn modifiers(&self) -> LinkModifiers {
        self.modifiers
    }

    /// The warning the spec deserves (a deprecated spelling), if any; [`crate::resolve`] also puts it in
    /// [`crate::LinkPlan::warnings`].
    pub fn warning(&self) -> Option<&Diagnostic> {
        self.warning.as_ref()
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
    use crate::testing::without_codes;

    fn ok(s: &str) -> (Option<LinkKind>, String, Option<String>) {
        let spec = LinkSpec::parse(s).unwrap_or_else(|e| panic!("`{s}` rejected: {e}"));
        (spec.kind, spec.name, spec.new_name)
    }

    /// A typed spec is the spec its text parses to, field for field (its `Display` too), and is refused by
    /// `validate` for what the text would be refused for.
    #[test]
    fn typed_specs_equal_parsed_ones() {
        let cases = [
            (LinkSpec::new(LinkKind::Static, "msvcrt"), "static=msvcrt"),
            (LinkSpec::new(LinkKind::Dylib, "z").rename("zlib1"), "dylib=z:zlib1"),
            (LinkSpec::named("extra"), "extra"),
            (LinkSpec::named("foo").rename("bar"), "foo:bar"),
            (
                LinkSpec::new(LinkKind::Static, "msvcrt")
                    .modifier(Modifier::WholeArchive, true)
                    .modifier(Modifier::Bundle, false)
                    .rename("msvcrt2"),
                "static:-bundle,+whole-archive=msvcrt:msvcrt2",
            ),
            (LinkSpec::new(LinkKind::Dylib, "m").modifier(Modifier::AsNeeded, false), "dylib:-as-needed=m"),
        ];
        for (typed, text) in cases {
            let parsed = LinkSpec::parse(text).unwrap();
            assert_eq!(typed.validate().unwrap(), parsed, "{text}");
            assert_eq!(typed, parsed, "{text}");
            assert_eq!(typed.to_string(), format!("-l {text}"));
        }
        // `static-nobundle` reads as rustc's old spelling does: `static:-bundle`, with its warning.
        let old = LinkSpec::new(LinkKind::StaticNobundle, "v").validate().unwrap();
        assert_eq!(old.modifiers().bundle, Some(false));
        assert!(old.warning().is_some());
        let refused = |spec: LinkSpec, text: &str| {
            assert_eq!(spec.validate().unwrap_err(), LinkSpec::parse(text).unwrap_err(), "{text}");
        };
        refused(
            LinkSpec::new(LinkKind::Dylib, "v").modifier(Modifier::WholeArchive, true),
            "dylib:+whole-archive=v",
        );
        refused(LinkSpec::new(LinkKind::RawDylib, "v"), "raw-dylib=v");
        refused(LinkSpec::new(LinkKind::Static, "msvcrt "), "static=msvcrt ");
        refused(LinkSpec::named("foo").rename(""), "foo:");
        refused(LinkSpec::named(""), "");
    }

    fn err(s: &str) -> String {
        without_codes(LinkSpec::parse(s).expect_err(s).to_string())
    }

    #[test]
    fn forms_of_the_rfc() {
        assert_eq!(ok("foo"), (None, "foo".into(), None));
        assert_eq!(ok("static=foo"), (Some(LinkKind::Static), "foo".into(), None));
        assert_eq!(ok("dylib=bar"), (Some(LinkKind::Dylib), "bar".into(), None));
        // `static-nobundle` is `static:-bundle`, with rustc's old warning.
        assert_eq!(ok("static-nobundle=z"), (Some(LinkKind::Static), "z".into(), None));
        assert_eq!(ok("foo:newfoo"), (None, "foo".into(), Some("newfoo".into())));
        assert_eq!(ok("static=foo:bar"), (Some(LinkKind::Static), "foo".into(), Some("bar".into())));
    }

    fn modifiers(s: &str) -> String {
        LinkSpec::parse(s).unwrap_or_else(|e| panic!("`{s}` rejected: {e}")).modifiers.to_string()
    }

    #[test]
    fn kind_and_modifiers_as_rustc_spells_them() {
        assert_eq!(ok("static:+whole-archive=foo"), (Some(LinkKind::Static), "foo".into(), None));
        assert_eq!(modifiers("static:+whole-archive=foo"), "+whole-archive");
        assert_eq!(modifiers("static:-bundle,+verbatim=foo:bar"), "-bundle,+verbatim");
        assert_eq!(ok("static:-bundle,+verbatim=foo:bar").2.as_deref(), Some("bar"));
        assert_eq!(modifiers("dylib:+as-needed=foo"), "+as-needed");
        assert_eq!(modifiers("dylib:-verbatim=foo"), "-verbatim");
        assert_eq!(modifiers("static=foo"), "");
        let spec = LinkSpec::parse("static:+bundle,-whole-archive,+verbatim=foo").unwrap();
        let m = spec.modifiers();
        assert_eq!(
            (m.bundle, m.whole_archive, m.verbatim, m.as_needed),
            (Some(true), Some(false), Some(true), None)
        );
        assert!(spec.warning().is_none());
        // Printed as written, for the plan's "kind set by" notes.
        assert_eq!(spec.to_string(), "-l static:+bundle,-whole-archive,+verbatim=foo");
    }

    #[test]
    fn static_nobundle_warns_with_rustcs_words_and_means_static_without_bundle() {
        let spec = LinkSpec::parse("static-nobundle=z").unwrap();
        assert_eq!(spec.modifiers().bundle, Some(false));
        let w = spec.warning().expect("a warning").to_string();
        assert!(
            w.starts_with(
                "warning: library kind `static-nobundle` has been superseded by specifying `-bundle` on library \
                 kind `static`. Try `static:-bundle`\n"
            ),
            "{w}"
        );
        assert!(w.contains("in the argument `-l static-nobundle=z`"), "{w}");
    }

    /// Every rule of rustc_session's `-l` parser, message for message (also in corpus/errors/link_specs.lw).
    #[test]
    fn rejected_kinds_and_modifiers_say_what_rustc_says() {
        let cases = [
            ("static:whole-archive=foo", MODIFIER_SYNTAX_ERROR.to_owned()),
            ("static:+bundle,=foo", MODIFIER_SYNTAX_ERROR.to_owned()),
            ("static:=foo", MODIFIER_SYNTAX_ERROR.to_owned()),
            (
                "static:+bunddle=foo",
                "unknown linking modifier `bunddle`, expected one of: bundle, verbatim, whole-archive, as-needed"
                    .to_owned(),
            ),
            (
                "static:+=foo",
                "unknown linking modifier ``, expected one of: bundle, verbatim, whole-archive, as-needed".to_owned(),
            ),
            (
                "static:+bundle,-bundle=foo",
                "multiple `bundle` modifiers in a single `-l` option".to_owned(),
            ),
            (
                "static:+verbatim,+whole-archive,+verbatim=foo",
                "multiple `verbatim` modifiers in a single `-l` option".to_owned(),
            ),
            (
                "dylib:+bundle=foo",
                "linking modifier `bundle` is only compatible with `static` linking kind".to_owned(),
            ),
            (
                "dylib:+whole-archive=foo",
                "linking modifier `whole-archive` is only compatible with `static` linking kind".to_owned(),
            ),
            (
                "static:+as-needed=foo",
                "linking modifier `as-needed` is only compatible with `dylib` linking kind".to_owned(),
            ),
            (
                "static-nobundle:+whole-archive=foo",
                "linking modifier can't be used with library kind `static-nobundle`".to_owned(),
            ),
            ("raw-dylib=foo", "unknown library kind `raw-dylib`, expected one of: static, dylib".to_owned()),
            (":+verbatim=foo", "unknown library kind ``, expected one of: static, dylib".to_owned()),
            ("+verbatim=foo", "unknown library kind `+verbatim`, expected one of: static, dylib".to_owned()),
            ("framework=foo", "unknown library kind `framework`, expected one of: static, dylib".to_owned()),
        ];
        for (spec, message) in cases {
            let e = err(spec);
            assert!(e.starts_with(&format!("error: {message}\n")), "`{spec}`: {e}");
            assert!(e.contains(&format!("in the argument `-l {spec}`")), "`{spec}`: {e}");
        }
        assert!(err("raw-dylib=foo").contains("`raw-dylib` is a kind of `#[link]` only"));
        assert!(err(":+verbatim=foo").contains("modifiers follow a kind and a colon"));
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
            let arg = lines.iter().position(|l| l.trim_start() == shown).unwrap_or_else(|| panic!("{e}"));
            let caret = lines[arg + 1].find('^').unwrap_or_else(|| panic!("no caret: {e}"));
            assert_eq!(lines[arg + 1].trim_start(), "^", "{e}");
            let under = lines[arg][caret..].chars().next();
            let expected = spec.chars().find(|c| c.is_whitespace() || c.is_control()).map(|c| match c {
                ' ' => ' ',
                _ => '\\',
            });
            assert_eq!(under, expected, "`{spec}`: caret at column {caret}:\n{e}");
        }
        // The caret's column, written out once (the renderer indents the note's lines after its first alike).
        let e = err("static=msvcrt ");
        let lines: Vec<&str> = e.lines().collect();
        let arg = lines.iter().position(|l| l.trim_start() == "-l static=msvcrt ").expect("the argument");
        let indent = lines[arg].len() - lines[arg].trim_start().len();
        assert_eq!(lines[arg + 1], format!("{}                ^", " ".repeat(indent)), "{e}");
        // Still accepted: names with the punctuation real libraries have.
        assert_eq!(ok("static=api-ms-win-crt-runtime-l1-1-0.dll").1, "api-ms-win-crt-runtime-l1-1-0.dll");
        assert_eq!(ok("c++abi").1, "c++abi");
    }
}
