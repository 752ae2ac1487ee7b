//! `-l [KIND=]NAME[:NEWNAME]`: one command-line library spec, parsed and validated on its own.
//! Rules that need the module (renaming a library it does not declare, ...) are in [`crate::plan`].

use linkwise_ir::{Diagnostic, LinkKind};
use std::fmt;

/// One `-l` argument, as RFC 1717 extends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkSpec {
    /// `KIND=`: overrides the kind of the library `name` (or gives the kind of a library added by this spec).
    pub kind: Option<LinkKind>,
    /// The library the spec is about.
    pub name: String,
    /// `:NEWNAME`: link this library instead of `name`, keeping its kind unless `kind` is also given.
    pub new_name: Option<String>,
    /// The argument as the user wrote it, for diagnostics.
    pub text: String,
}

impl LinkSpec {
    /// Parses the value of one `-l` argument.
    ///
    /// `-l NAME:` (rename to nothing) is rejected: it is RFC 1717's open question and rustc settled it the same
    /// way. A library's symbols still need a definition and a kind for the call sites to be shaped, so dropping
    /// the library from the link cannot be expressed by renaming it (see docs/linking.md).
    pub fn parse(text: &str) -> Result<LinkSpec, Diagnostic> {
        let shown = format!("-l {text}");
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
            text: text.to_owned(),
        })
    }
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

    #[test]
    fn bad_specs_say_what_is_wrong_and_quote_the_argument() {
        let e = err("dynamic=foo");
        assert!(e.contains("unknown library kind `dynamic`"), "{e}");
        assert!(e.contains("`dylib`, `static`, `static-nobundle`"), "{e}");
        assert!(e.contains("in the argument `-l dynamic=foo`"), "{e}");
        assert!(err("").contains("no library name given"));
        assert!(err("static=").contains("no library name given"));
        assert!(err(":bar").contains("no library name given"));
        assert!(err("static:+whole-archive=foo").contains("link modifiers"));
        assert!(err("foo:bar:baz").contains("invalid library name `bar:baz`"));
        assert!(err("a=b=c").contains("unknown library kind `a`"));
    }

    #[test]
    fn rename_to_empty_is_rejected() {
        let e = err("foo:");
        assert!(e.contains("renames library `foo` to nothing"), "{e}");
        assert!(e.contains("-l foo:NEWNAME"), "{e}");
        assert!(err("static=foo:").contains("to nothing"));
    }
}
