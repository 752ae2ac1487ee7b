//! The parser: tokens into an [`ast::Module`](crate::ast::Module) by recursive descent, with error recovery:
//! every syntax error of a file is reported, up to [`MAX_ERRORS`] (issue 13). After an error in a statement the
//! parser resynchronises at the next `;`, `}` or statement keyword of its block; after an error in an item, at
//! the next item keyword at the top level.

use super::lexer::{Lexer, Punct, Tok, Token, decoded_byte_source};
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::span::{SourceFile, Span, Spanned};

/// How deeply constructs may nest; far beyond hand-written code.
///
/// Nesting is bounded twice over, so that no input can exhaust the stack here or in later stages that walk
/// the tree recursively: the parser's own recursion (parentheses, call arguments, unary operators, blocks,
/// `if`) and the height of every expression tree (which loops such as `a + b + c ...` and `x as i32 as i64
/// ...` build without recursing) are each limited to this.
pub(crate) const MAX_NESTING: u32 = 200;

/// The most syntax errors reported for one file: then parsing stops, as rustc's does after a flood.
pub(crate) const MAX_ERRORS: usize = 50;

/// Words that cannot be used as names. `target` is not one of them: it is special only where an item starts.
const KEYWORDS: &[&str] = &[
    "extern", "fn", "static", "mut", "pub", "let", "return", "for", "in", "if", "else", "as", "i8", "i16",
    "i32", "i64", "f32", "f64", "ptr", "u8",
];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The link kind closest to what was written, if one is close: within an edit distance of a third of its
/// length (at least 2), or the only kind it shares its first two letters with (`dynamic` → `dylib`).
fn closest_kind(written: &[u8]) -> Option<LinkKind> {
    if written.len() > 64 {
        return None;
    }
    let written = written.to_ascii_lowercase();
    let text = String::from_utf8_lossy(&written);
    let distance = |kind: &str| crate::similar::edit_distance(&text, kind);
    let best = LinkKind::ALL.into_iter().map(|k| (distance(&k.to_string()), k)).min_by_key(|(d, _)| *d)?;
    if best.0 <= (written.len() / 3).max(2) {
        return Some(best.1);
    }
    let prefix: Vec<LinkKind> = LinkKind::ALL
        .into_iter()
        .filter(|k| written.len() >= 2 && k.to_string().as_bytes().starts_with(&written[..2]))
        .collect();
    match prefix.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The headline of the nesting limit's error, after which parsing stops.
const TOO_DEEP: &str = "expression nested too deeply";

const TYPES_HELP: &str = "the value types are `i8`, `i16`, `i32`, `i64`, `f32`, `f64` and `ptr`";
const U8_HELP: &str =
    "`u8` is only an array element type, as in `[u8]` or `[u8; 4]`; use `i8` or `i32` for a single byte";

/// Errors are boxed: a small `Result` keeps the frames of the recursive functions small, which is what
/// bounds the stack the parser needs (most of all in unoptimized builds).
type PResult<T> = Result<T, Box<Diagnostic>>;

/// The error result of `d`.
fn fail<T>(d: Diagnostic) -> PResult<T> {
    Err(Box::new(d))
}

/// Parses the whole text of `file`: the module, or every syntax error found (at least one).
pub(crate) fn parse_module(file: &SourceFile) -> Result<Module, Vec<Diagnostic>> {
    let mut parser = Parser::new(file.text());
    let module = parser.module();
    if parser.errors.is_empty() { Ok(module) } else { Err(parser.errors) }
}

/// Parses `file` but for its function bodies, which are only lexed: each `fn` gets an empty body whose span is
/// its `{ ... }`, and the string literals the bodies hold are returned, in source order (issue 10: a module's
/// bodies are parsed one at a time as they are compiled, never all at once). A module with an error in a body
/// may parse here and fail in [`parse_body`], or fail here with a different error than [`parse_module`]'s,
/// since bodies are not parsed: the caller that wants the error parses the whole module.
///
/// The errors, when there are any outside the bodies, are [`parse_module`]'s: the whole module is then parsed
/// again for them (only a module that fails pays for it).
pub(crate) fn parse_outline(file: &SourceFile) -> Result<super::Outline, Vec<Diagnostic>> {
    let mut parser = Parser::new(file.text());
    parser.outline = Some(Vec::new());
    let mut module = parser.module();
    if parser.errors.is_empty() {
        // The outline lives as long as the compilation: give back what growing by doubling left over.
        module.items.shrink_to_fit();
        let mut strings = parser.outline.unwrap_or_default();
        strings.shrink_to_fit();
        return Ok(super::Outline { module, strings });
    }
    // A module with a syntax error outside the bodies: its errors are the whole module's, recovered from one
    // by one (issue 13), which the outline cannot give since it does not parse the bodies.
    Err(parse_module(file).err().unwrap_or(parser.errors))
}

/// Parses again, body and all, the function an outline's item spans in `file` (`[pub] fn NAME(...) ... { ... }`,
/// its attributes aside: what was said by them is in the checked declarations).
pub(crate) fn parse_function(file: &SourceFile, span: Span) -> Result<FnDef, Vec<Diagnostic>> {
    let mut parser = Parser::at_offset(file.text(), span.start);
    let public = parser.eat_word("pub");
    let f = parser.fn_def(public, Export::default(), span.start);
    let f = parser.finish(f)?;
    if f.span != span {
        return Err(vec![Diagnostic::internal("a function outlined with another extent").primary(span, "")]);
    }
    Ok(f)
}

/// An attribute, before it is checked against what it is attached to.
enum Attr {
    /// `#[link(...)]`.
    Link(LinkAttr),
    /// `#[link_name = "..."]`: the name and the whole attribute's span.
    LinkName(Spanned<String>, Span),
    /// `#[link_ordinal(N)]`: the ordinal and the whole attribute's span.
    LinkOrdinal(Spanned<u64>, Span),
    /// `#[crt]`: its span.
    Crt(Span),
    /// `#[export]`: its span.
    Export(Span),
    /// `#[export_name = "..."]`: the name and the whole attribute's span.
    ExportName(Spanned<String>, Span),
}

impl Attr {
    fn span(&self) -> Span {
        match self {
            Attr::Link(l) => l.span,
            Attr::LinkName(_, span)
            | Attr::LinkOrdinal(_, span)
            | Attr::Crt(span)
            | Attr::Export(span)
            | Attr::ExportName(_, span) => *span,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Attr::Link(_) => "#[link]",
            Attr::LinkName(..) => "#[link_name]",
            Attr::LinkOrdinal(..) => "#[link_ordinal]",
            Attr::Crt(_) => "#[crt]",
            Attr::Export(_) => "#[export]",
            Attr::ExportName(..) => "#[export_name]",
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// The current token (lexed, not consumed).
    current: Token,
    /// The token after it, when `peek2` has lexed it.
    peeked: Option<Token>,
    /// Where the last consumed token ended: the end of the construct just parsed.
    prev_end: u32,
    /// Current recursion depth (parentheses, call arguments, unary operators, blocks, `if`).
    nesting: u32,
    /// In an outline ([`parse_outline`]): function bodies are skipped, and the string literals in them
    /// gathered here.
    outline: Option<Vec<(Vec<u8>, Span)>>,
    /// The syntax errors recorded so far, in the order found (which is the order in the text).
    errors: Vec<Diagnostic>,
    /// Whether parsing has given up: [`MAX_ERRORS`] reached, the end of the file inside a construct, a
    /// lexical error (the lexer stops at it), or a nesting limit (recovering at every level of a 10,000-deep nest would skip the rest of it 200 times).
    fatal: bool,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Parser<'a> {
        Parser::with_lexer(src, Lexer::new(src), 0)
    }

    /// A parser at byte `pos` of the text (a token boundary), as if everything before it had been parsed. The
    /// first token is lexed from `pos`, never from the start: each function body is parsed on its own parser
    /// (streaming), and lexing the text's leading comments or blank space again for each made a module with a
    /// long comment before many functions quadratic (review of issue 10).
    fn at_offset(src: &'a str, pos: u32) -> Parser<'a> {
        let mut lexer = Lexer::new(src);
        lexer.seek(pos as usize);
        Parser::with_lexer(src, lexer, pos)
    }

    fn with_lexer(src: &'a str, mut lexer: Lexer<'a>, prev_end: u32) -> Parser<'a> {
        let first = lexer.next_token();
        Parser {
            src,
            lexer,
            current: first,
            peeked: None,
            prev_end,
            nesting: 0,
            outline: None,
            errors: Vec::new(),
            fatal: false,
        }
    }

    // ----- token access -----

    fn current(&self) -> &Token {
        &self.current
    }

    fn tok(&self) -> &Tok {
        &self.current().tok
    }

    fn span(&self) -> Span {
        self.current().span
    }

    /// The token after the current one.
    fn peek2(&mut self) -> &Tok {
        let lexer = &mut self.lexer;
        &self.peeked.get_or_insert_with(|| lexer.next_token()).tok
    }

    /// Consumes the current token and returns it.
    fn bump(&mut self) -> Token {
        let next = match self.peeked.take() {
            Some(t) => t,
            None => self.lexer.next_token(),
        };
        let t = std::mem::replace(&mut self.current, next);
        if !matches!(t.tok, Tok::Eof) {
            self.prev_end = t.span.end;
        }
        t
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start as usize..span.end as usize).unwrap_or("")
    }

    /// The current token's text if it is a word (identifier or keyword).
    fn word(&self) -> Option<&'a str> {
        match self.tok() {
            Tok::Ident => Some(self.text(self.span())),
            _ => None,
        }
    }

    fn at(&self, p: Punct) -> bool {
        matches!(self.tok(), Tok::Punct(q) if *q == p)
    }

    fn at_word(&self, w: &str) -> bool {
        self.word() == Some(w)
    }

    fn eat(&mut self, p: Punct) -> bool {
        let hit = self.at(p);
        if hit {
            self.bump();
        }
        hit
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let hit = self.at_word(w);
        if hit {
            self.bump();
        }
        hit
    }

    fn expect(&mut self, p: Punct) -> PResult<Span> {
        if self.at(p) {
            Ok(self.bump().span)
        } else if p == Punct::Semi {
            fail(self.missing_semi())
        } else {
            fail(self.unexpected(&format!("`{}`", p.as_str())))
        }
    }

    /// "expected `;`" as rustc says it: the caret right after the previous token, with `help: add `;` here`,
    /// and the token found instead labelled, wherever it is (often at the start of the next line).
    #[cold]
    fn missing_semi(&self) -> Diagnostic {
        let t = self.current();
        if let Tok::Error(d) = &t.tok {
            return (**d).clone();
        }
        let at = Span { start: self.prev_end, end: self.prev_end };
        Diagnostic::error(format!("expected `;`, found {}", self.describe(t)))
            .with_code("LW0201")
            .suggest_inline(at, ";", "add `;` here")
            .secondary(t.span, "unexpected token")
    }

    // ----- error recovery -----

    /// Records the error `d` of a construct that failed; whether parsing goes on (see [`Parser::fatal`]). An
    /// error that reaches an outer construct after parsing gave up is not recorded again.
    fn recover_from(&mut self, d: Diagnostic) -> bool {
        if self.fatal {
            return false;
        }
        let too_deep = d.message == TOO_DEEP;
        self.errors.push(d);
        // After a lexical error the lexer gives only the end of the file (text/lexer.rs), so nothing after it
        // could be parsed: going on would report that end as a second, made-up error.
        if too_deep || self.errors.len() >= MAX_ERRORS || matches!(self.tok(), Tok::Eof | Tok::Error(_)) {
            self.fatal = true;
        }
        !self.fatal
    }

    /// The error an outer construct gets once parsing has given up; never recorded.
    fn aborted() -> Box<Diagnostic> {
        Box::new(Diagnostic::error("parsing stopped"))
    }

    /// `result`, or the errors recorded when there are any.
    fn finish<T>(&mut self, result: PResult<T>) -> Result<T, Vec<Diagnostic>> {
        match result {
            Err(d) => {
                self.recover_from(*d);
            }
            Ok(value) if self.errors.is_empty() => return Ok(value),
            Ok(_) => {}
        }
        Err(std::mem::take(&mut self.errors))
    }

    /// After a failed statement: skips to the end of it, a `;` (consumed), or to where another statement or
    /// the end of the block starts (a statement keyword or `}`, not consumed), braces nested in between
    /// skipped whole.
    /// [`Parser::sync_statement`] after a construct that began at byte `start`, first skipping the token the
    /// error is at if nothing was consumed (`let` in an `extern` block would otherwise fail again forever).
    fn sync_statement_from(&mut self, start: u32) {
        if self.span().start == start && !matches!(self.tok(), Tok::Eof) {
            self.bump();
        }
        self.sync_statement();
    }

    fn sync_statement(&mut self) {
        let mut depth = 0u32;
        loop {
            match self.tok() {
                Tok::Eof => return,
                Tok::Punct(Punct::Semi) if depth == 0 => {
                    self.bump();
                    return;
                }
                Tok::Punct(Punct::RBrace) if depth == 0 => return,
                Tok::Punct(Punct::RBrace) => depth -= 1,
                Tok::Punct(Punct::LBrace) => depth += 1,
                Tok::Ident if depth == 0 && matches!(self.word(), Some("let" | "return" | "for" | "if")) => {
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// Whether the current token is the first on its line.
    fn starts_line(&self) -> bool {
        let before = &self.src[..(self.span().start as usize).min(self.src.len())];
        before.rsplit('\n').next().is_none_or(|line| line.trim().is_empty())
    }

    /// After a failed item that began at byte `start`: skips to the next item keyword (or attribute) at the
    /// top level, braces skipped whole; at least one token is skipped, so that recovery always advances.
    fn sync_item(&mut self, start: u32) {
        // The token the error is at is skipped too, unless it starts a line (then it is likely the next item,
        // as after a missing `;`): `fn fn() {}` is one error, not a second one at `(`.
        let mut depth = 0u32;
        if (self.span().start == start || !self.starts_line()) && !matches!(self.tok(), Tok::Eof) {
            // A `{` skipped here opens a block like any other (`extern "fastcall" { fn f(); }`).
            if self.at(Punct::LBrace) {
                depth = 1;
            }
            self.bump();
        }
        loop {
            match self.tok() {
                Tok::Eof => return,
                Tok::Punct(Punct::LBrace) => depth += 1,
                Tok::Punct(Punct::RBrace) => depth = depth.saturating_sub(1),
                Tok::Punct(Punct::Hash) if depth == 0 => return,
                Tok::Ident
                    if depth == 0
                        && matches!(self.word(), Some("pub" | "fn" | "extern" | "static" | "target")) =>
                {
                    return;
                }
                _ => {}
            }
            self.bump();
        }
    }

    fn expect_word(&mut self, w: &str) -> PResult<Span> {
        if self.at_word(w) { Ok(self.bump().span) } else { fail(self.unexpected(&format!("`{w}`"))) }
    }

    /// How "found X" names a token.
    fn describe(&self, t: &Token) -> String {
        let text = self.text(t.span);
        match &t.tok {
            Tok::Ident if is_keyword(text) => format!("keyword `{text}`"),
            Tok::Ident | Tok::Int(_) | Tok::Float(_) | Tok::Punct(_) => format!("`{text}`"),
            Tok::Str(_) if text.chars().count() <= 40 && !text.contains(['\n', '\r']) => format!("`{text}`"),
            Tok::Str(_) => "a string literal".to_owned(),
            Tok::Eof => "end of file".to_owned(),
            Tok::Error(_) => "an invalid token".to_owned(),
        }
    }

    /// "expected X, found Y" at the current token; a lexical error there is reported as itself instead.
    fn unexpected(&self, expected: &str) -> Diagnostic {
        let t = self.current();
        if let Tok::Error(d) = &t.tok {
            return (**d).clone();
        }
        Diagnostic::error(format!("expected {expected}, found {}", self.describe(t)))
            .primary(t.span, format!("expected {expected}"))
    }

    /// An identifier that is not a keyword.
    fn ident(&mut self) -> PResult<Ident> {
        match self.word() {
            Some(w) if !is_keyword(w) => {
                let span = self.bump().span;
                Ok(Spanned::new(w.to_owned(), span))
            }
            Some(w) => {
                fail(self.unexpected("identifier").help(format!("`{w}` is a keyword and cannot be a name")))
            }
            None => fail(self.unexpected("identifier")),
        }
    }

    /// A string literal's bytes and span.
    fn string(&mut self, expected: &str) -> PResult<Spanned<Vec<u8>>> {
        let Tok::Str(bytes) = &mut self.current.tok else {
            return fail(self.unexpected(expected));
        };
        let bytes = std::mem::take(bytes);
        Ok(Spanned::new(bytes, self.bump().span))
    }

    /// A string naming something for the linker: UTF-8, not empty, no NUL.
    fn name_string(&mut self, what: &str) -> PResult<Spanned<String>> {
        let s = self.string("string literal")?;
        let span = s.span;
        let Ok(text) = String::from_utf8(s.value) else {
            return fail(Diagnostic::error(format!("{what} must be UTF-8 text")).primary(span, "not UTF-8"));
        };
        if text.is_empty() {
            return fail(
                Diagnostic::error(format!("{what} must not be empty")).primary(span, "empty string"),
            );
        }
        if text.contains('\0') {
            return fail(
                Diagnostic::error(format!("{what} must not contain NUL")).primary(span, "contains `\\0`"),
            );
        }
        Ok(Spanned::new(text, span))
    }

    /// `#[link(name = "...")]`'s string: a name string that also follows the library-name rule shared with
    /// `-l` ([`library_name_fault`]), with the error pointing at the character inside the literal.
    fn library_name(&mut self) -> PResult<Spanned<String>> {
        let name = self.name_string("the library name")?;
        let Some(bad) = library_name_fault(&name.value) else {
            return Ok(name);
        };
        let shown = name.value.escape_debug();
        fail(
            Diagnostic::error(format!("the library name `{shown}` contains {bad}"))
                .primary(decoded_byte_source(self.src, name.span, bad.at), "not allowed in a library name")
                .help("library names have no whitespace or control characters; no library file needs one"),
        )
    }

    /// `#[export_name = "..."]`'s characters. The name is written into a COFF object's `.drectve` as
    /// `/EXPORT:NAME` (`/EXPORT:NAME=SYMBOL`, `,DATA` after it), which the linker splits at whitespace and reads
    /// `=` and `,` in; a `"` cannot be quoted there. A name with one of these would export something else, so it
    /// is refused on every target (one source builds for all of them), pointing at the character.
    fn export_name_characters(&self, name: &Spanned<String>) -> PResult<()> {
        let bad = library_name_fault(&name.value).map(|f| (f.at, f.to_string())).or_else(|| {
            let at = name.value.find(['=', ',', '"'])?;
            let c = name.value[at..].chars().next().unwrap_or('=');
            Some((at, format!("`{c}`")))
        });
        let Some((at, what)) = bad else { return Ok(()) };
        let shown = name.value.escape_debug();
        fail(
            Diagnostic::error(format!("the export name `{shown}` contains {what}"))
                .primary(decoded_byte_source(self.src, name.span, at), "not allowed in an export name")
                .note("`/EXPORT:NAME=SYMBOL,DATA` gives whitespace, `=`, `,` and `\"` a meaning of their own")
                .help("export names have no whitespace, control characters, `=`, `,` or `\"`"),
        )
    }

    // ----- nesting limits -----

    fn enter(&mut self) -> PResult<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return fail(self.too_deep(self.span()));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    #[cold]
    fn too_deep(&self, span: Span) -> Diagnostic {
        Diagnostic::error(TOO_DEEP)
            .primary(span, format!("more than {MAX_NESTING} levels of nesting"))
            .help("split it up, for example with `let` locals")
    }

    /// Checks the height of an expression tree about to be built at `span`.
    fn check_height(&self, height: u32, span: Span) -> PResult<u32> {
        if height > MAX_NESTING { fail(self.too_deep(span)) } else { Ok(height) }
    }

    // ----- items -----

    /// The module's items; the syntax errors found on the way are in `self.errors`.
    fn module(&mut self) -> Module {
        let mut module = Module::default();
        let mut first_target: Option<Span> = None;
        loop {
            let start = self.span().start;
            let result = match self.tok() {
                Tok::Eof => return module,
                Tok::Ident if self.at_word("target") => match self.target_line() {
                    Ok((_, line)) if first_target.is_some() => Err(Box::new(
                        Diagnostic::error("`target` is specified more than once")
                            .primary(line, "second `target` line")
                            .secondary(first_target.unwrap_or(line), "first specified here")
                            .help("a module has at most one `target` line (`--target` overrides it)"),
                    )),
                    Ok((triple, line)) => {
                        first_target = Some(line);
                        module.target = Some(triple);
                        Ok(())
                    }
                    Err(d) => Err(d),
                },
                _ => self.item().map(|item| module.items.push(item)),
            };
            if let Err(d) = result {
                if !self.recover_from(*d) {
                    return module;
                }
                self.sync_item(start);
            }
        }
    }

    /// `target TRIPLE`: the triple, and the span of the whole line.
    fn target_line(&mut self) -> PResult<(Spanned<String>, Span)> {
        // The triple is lexed by its own rule: drop any lookahead and lex again from the end of `target`.
        let keyword = self.span();
        self.peeked = None;
        self.lexer.seek(keyword.end as usize);
        self.prev_end = keyword.end;
        let triple = self.lexer.triple();
        self.current = self.lexer.next_token();
        match triple {
            Err(d) => fail(d),
            Ok(None) => {
                fail(self.unexpected("target triple").help("for example `target x86_64-pc-windows-msvc`"))
            }
            Ok(Some((text, span))) => {
                self.prev_end = span.end;
                Ok((Spanned::new(text, span), keyword.to(span)))
            }
        }
    }

    fn attributes(&mut self) -> PResult<Vec<Attr>> {
        let mut attrs = Vec::new();
        while self.at(Punct::Hash) {
            attrs.push(self.attribute()?);
        }
        Ok(attrs)
    }

    /// `#[link(...)]`, `#[link_name = "..."]`, `#[link_ordinal(N)]`, `#[crt]`, `#[export]` or
    /// `#[export_name = "..."]`; any other attribute is an error naming it.
    fn attribute(&mut self) -> PResult<Attr> {
        let start = self.expect(Punct::Hash)?.start;
        self.expect(Punct::LBracket)?;
        let Some(name) = self.word() else { return fail(self.unexpected("attribute name")) };
        let name_span = self.span();
        match name {
            "link" => {
                self.bump();
                self.link_args(start).map(Attr::Link)
            }
            "link_name" | "export_name" => {
                self.bump();
                if !self.at(Punct::Eq) {
                    return fail(self.unexpected("`=`").help(format!("write `#[{name} = \"symbol\"]`")));
                }
                self.bump();
                // The article follows the name's sound: "a `link_name`", "an `export_name`".
                let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                let value = self.name_string(&format!("{article} `{name}`"))?;
                if name == "export_name" {
                    self.export_name_characters(&value)?;
                }
                self.expect(Punct::RBracket)?;
                let span = Span { start, end: self.prev_end };
                Ok(if name == "link_name" {
                    Attr::LinkName(value, span)
                } else {
                    Attr::ExportName(value, span)
                })
            }
            "link_ordinal" => {
                self.bump();
                if !self.at(Punct::LParen) {
                    return fail(self.unexpected("`(`").help("write `#[link_ordinal(N)]`"));
                }
                self.bump();
                let ordinal = self.count("ordinal")?;
                self.expect(Punct::RParen)?;
                self.expect(Punct::RBracket)?;
                Ok(Attr::LinkOrdinal(ordinal, Span { start, end: self.prev_end }))
            }
            "crt" | "export" => {
                self.bump();
                self.expect(Punct::RBracket)?;
                let span = Span { start, end: self.prev_end };
                Ok(if name == "crt" { Attr::Crt(span) } else { Attr::Export(span) })
            }
            other => fail(
                Diagnostic::error(format!("unknown attribute `{other}`"))
                    .primary(name_span, "unknown attribute")
                    .help(
                        "linkwise knows `#[link(...)]` and `#[crt]` on `extern` blocks, `#[link_name]` and \
                       `#[link_ordinal]` on their items, `#[export]` and `#[export_name]` on `pub` items",
                    ),
            ),
        }
    }

    /// The arguments of `#[link(...)]` and the closing `]`; `start` is where the `#` was.
    fn link_args(&mut self, start: u32) -> PResult<LinkAttr> {
        if !self.at(Punct::LParen) {
            return fail(self.unexpected("`(`").help("write `#[link(name = \"library\")]`"));
        }
        self.bump();
        let mut name: Option<(Spanned<String>, Span)> = None;
        let mut kind: Option<(Spanned<LinkKind>, Span)> = None;
        let mut modifiers: Option<(Spanned<String>, Span)> = None;
        let mut modifier_spans = Vec::new();
        while !self.at(Punct::RParen) {
            let key = match self.word() {
                Some(w) => Spanned::new(w, self.span()),
                None => return fail(self.unexpected("`name`, `kind` or `modifiers`")),
            };
            let first = match key.value {
                "name" => name.as_ref().map(|n| n.1),
                "kind" => kind.as_ref().map(|k| k.1),
                "modifiers" => modifiers.as_ref().map(|m| m.1),
                other => {
                    return fail(
                        Diagnostic::error(format!("unknown `#[link]` argument `{other}`"))
                            .primary(key.span, "unknown argument")
                            .help(
                                "`#[link]` takes `name = \"...\"` and, optionally, `kind = \"...\"` and \
                                   `modifiers = \"...\"`",
                            ),
                    );
                }
            };
            if let Some(first) = first {
                return fail(
                    Diagnostic::error(format!(
                        "multiple `{}` arguments in a single `#[link]` attribute",
                        key.value
                    ))
                    .primary(key.span, "given again here")
                    .secondary(first, "first given here"),
                );
            }
            self.bump();
            self.expect(Punct::Eq)?;
            if key.value == "name" {
                name = Some((self.library_name()?, key.span));
            } else if key.value == "modifiers" {
                let value = self.string("string literal")?;
                let text = String::from_utf8_lossy(&value.value).into_owned();
                modifier_spans = modifier_pieces(self.src, value.span, &text);
                modifiers = Some((Spanned::new(text, value.span), key.span));
            } else {
                let value = self.string("string literal")?;
                let Some(k) = std::str::from_utf8(&value.value).ok().and_then(LinkKind::from_name) else {
                    let shown = String::from_utf8_lossy(&value.value).escape_debug().to_string();
                    let expected = LinkKind::ALL.map(|k| format!("`{k}`")).join(", ");
                    let d = Diagnostic::error(format!("unknown link kind `{shown}`"))
                        .with_code("LW0301")
                        .primary(value.span, format!("expected one of {expected}"));
                    return fail(match closest_kind(&value.value) {
                        Some(k) => d.suggest(
                            value.span,
                            format!("\"{k}\""),
                            "a link kind with a similar name exists",
                        ),
                        None => d,
                    });
                };
                kind = Some((Spanned::new(k, value.span), key.span));
            }
            if !self.eat(Punct::Comma) {
                break;
            }
        }
        self.expect(Punct::RParen)?;
        self.expect(Punct::RBracket)?;
        let span = Span { start, end: self.prev_end };
        let Some((name, _)) = name else {
            return fail(
                Diagnostic::error("`#[link]` attribute requires a `name = \"string\"` argument")
                    .primary(span, "missing `name`"),
            );
        };
        Ok(LinkAttr {
            name,
            kind: kind.map(|k| k.0),
            modifiers: modifiers.map(|m| m.0),
            modifier_spans,
            span,
        })
    }

    fn misplaced(attr: &Attr, item: Span, what: &str) -> Diagnostic {
        let allowed = match attr {
            Attr::Link(_) => "`#[link]` is only allowed on `extern` blocks",
            Attr::Crt(_) => "`#[crt]` is only allowed on `extern` blocks",
            Attr::LinkName(..) => "`#[link_name]` is only allowed on items inside `extern` blocks",
            Attr::LinkOrdinal(..) => "`#[link_ordinal]` is only allowed on items inside `extern` blocks",
            Attr::Export(_) | Attr::ExportName(..) => {
                "`#[export]` and `#[export_name]` are only allowed on `pub fn` and `pub static` definitions"
            }
        };
        Diagnostic::error(format!("`{}` is not allowed on {what}", attr.name()))
            .primary(attr.span(), "not allowed here")
            .secondary(item, what.to_owned())
            .note(allowed)
    }

    fn item(&mut self) -> PResult<Item> {
        let attrs = self.attributes()?;
        let start = self.span();
        if self.at_word("extern") {
            let mut link: Option<LinkAttr> = None;
            let mut crt: Option<Span> = None;
            for attr in attrs {
                match attr {
                    Attr::Crt(span) => {
                        if let Some(first) = crt {
                            return fail(
                                Diagnostic::error("multiple `#[crt]` attributes on one `extern` block")
                                    .primary(span, "second `#[crt]`")
                                    .secondary(first, "first `#[crt]`"),
                            );
                        }
                        crt = Some(span);
                    }
                    Attr::Link(l) => {
                        if let Some(first) = &link {
                            return fail(
                                Diagnostic::error("multiple `#[link]` attributes on one `extern` block")
                                    .primary(l.span, "second `#[link]`")
                                    .secondary(first.span, "first `#[link]`")
                                    .help("write one `extern` block per library"),
                            );
                        }
                        link = Some(l);
                    }
                    other => return fail(Self::misplaced(&other, start, "an `extern` block")),
                }
            }
            if let (Some(crt), Some(link)) = (crt, &link) {
                return fail(
                    Diagnostic::error("an `extern` block cannot have both `#[crt]` and `#[link]`")
                        .primary(crt, "`#[crt]`: `--crt` chooses this block's library and kind")
                        .secondary(link.span, "`#[link]` names one")
                        .help("keep `#[crt]` for C runtime functions, or `#[link]` to name the library yourself"),
                );
            }
            let crt = crt.map(|span| Spanned::new((), span));
            return self.extern_block(link, crt).map(Item::Extern);
        }
        let public = self.eat_word("pub");
        let what = match self.word() {
            Some("static") => "a static",
            Some("fn") => "a function",
            _ if public => return fail(self.unexpected("`fn` or `static` after `pub`")),
            _ if !attrs.is_empty() => return fail(self.unexpected("item after attributes")),
            _ => return fail(self.unexpected("item (`extern`, `static`, `fn`, `target` or an attribute)")),
        };
        let mut export = Export::default();
        for attr in attrs {
            let first = match &attr {
                Attr::Export(span) => export.export.as_ref().map(|e| e.span).ok_or(*span),
                Attr::ExportName(_, span) => export.name.as_ref().map(|n| n.span).ok_or(*span),
                other => return fail(Self::misplaced(other, self.span(), what)),
            };
            if let Ok(first) = first {
                return fail(
                    Diagnostic::error(format!("multiple `{}` attributes on one item", attr.name()))
                        .primary(attr.span(), "given again here")
                        .secondary(first, "first given here"),
                );
            }
            if !public {
                return fail(
                    Diagnostic::error(format!("`{}` is only allowed on `pub` items", attr.name()))
                        .primary(attr.span(), "the item is not `pub`")
                        .help("an exported symbol must be global: write `pub` before the item"),
                );
            }
            match attr {
                Attr::Export(span) => export.export = Some(Spanned::new((), span)),
                Attr::ExportName(name, _) => export.name = Some(name),
                _ => {}
            }
        }
        if what == "a static" {
            self.static_def(public, export, start.start).map(Item::Static)
        } else {
            self.fn_def(public, export, start.start).map(Item::Fn)
        }
    }

    fn extern_block(&mut self, link: Option<LinkAttr>, crt: Option<Spanned<()>>) -> PResult<ExternBlock> {
        let start = self.expect_word("extern")?.start;
        let abi = if matches!(self.tok(), Tok::Str(_)) {
            let s = self.string("ABI string")?;
            match s.value.as_slice() {
                b"C" | b"system" => {
                    Some(Spanned::new(String::from_utf8_lossy(&s.value).into_owned(), s.span))
                }
                other => {
                    let shown = String::from_utf8_lossy(other).escape_debug().to_string();
                    return fail(
                        Diagnostic::error(format!("unsupported ABI `{shown}`"))
                            .primary(s.span, "expected \"C\" or \"system\"")
                            .note("both mean the target's C calling convention"),
                    );
                }
            }
        } else {
            None
        };
        let open = self.expect(Punct::LBrace)?;
        let mut items = Vec::new();
        while !self.at(Punct::RBrace) {
            if matches!(self.tok(), Tok::Eof) {
                return fail(self.unexpected("`}`").secondary(open, "this `{` is never closed"));
            }
            let start = self.span().start;
            match self.extern_item() {
                Ok(item) => items.push(item),
                // An extern item ends at its `;`: the block goes on after it.
                Err(d) => {
                    if !self.recover_from(*d) {
                        return Err(Self::aborted());
                    }
                    self.sync_statement_from(start);
                }
            }
        }
        self.bump();
        Ok(ExternBlock { link, crt, abi, items, span: Span { start, end: self.prev_end } })
    }

    fn extern_item(&mut self) -> PResult<ExternItem> {
        let attrs = self.attributes()?;
        let start = self.span();
        let mut link_name: Option<(Spanned<String>, Span)> = None;
        let mut ordinal: Option<(Spanned<u64>, Span)> = None;
        for attr in attrs {
            match attr {
                Attr::LinkOrdinal(value, span) => {
                    if let Some((_, first)) = &ordinal {
                        return fail(
                            Diagnostic::error("multiple `#[link_ordinal]` attributes on one item")
                                .primary(span, "second `#[link_ordinal]`")
                                .secondary(*first, "first `#[link_ordinal]`"),
                        );
                    }
                    ordinal = Some((value, span));
                }
                Attr::LinkName(value, span) => {
                    if let Some((_, first)) = &link_name {
                        return fail(
                            Diagnostic::error("multiple `#[link_name]` attributes on one item")
                                .primary(span, "second `#[link_name]`")
                                .secondary(*first, "first `#[link_name]`"),
                        );
                    }
                    link_name = Some((value, span));
                }
                other => return fail(Self::misplaced(&other, start, "an item in an `extern` block")),
            }
        }
        let link_name = link_name.map(|l| l.0);
        let ordinal = ordinal.map(|o| o.0);
        if self.eat_word("fn") {
            let name = self.ident()?;
            let sig = self.signature(false)?;
            if !self.at(Punct::Semi) {
                let d = self.unexpected("`;`");
                return fail(if self.at(Punct::LBrace) {
                    d.help("functions declared in an `extern` block have no body")
                } else {
                    d
                });
            }
            self.bump();
            let span = Span { start: start.start, end: self.prev_end };
            return Ok(ExternItem { link_name, ordinal, name, kind: ExternItemKind::Fn(sig), span });
        }
        if self.eat_word("static") {
            let mutable = self.eat_word("mut");
            let name = self.ident()?;
            self.expect(Punct::Colon)?;
            let ty = self.value_type()?;
            if !self.at(Punct::Semi) {
                let d = self.unexpected("`;`");
                return fail(if self.at(Punct::Eq) {
                    d.help(
                        "a static declared in an `extern` block is defined elsewhere and has no initializer",
                    )
                } else {
                    d
                });
            }
            self.bump();
            let span = Span { start: start.start, end: self.prev_end };
            let kind = ExternItemKind::Static { mutable, ty };
            return Ok(ExternItem { link_name, ordinal, name, kind, span });
        }
        if link_name.is_some() || ordinal.is_some() {
            return fail(self.unexpected("item after attributes"));
        }
        fail(self.unexpected("`fn` or `static` in an `extern` block"))
    }

    /// `(params) [-> type]`. Parameters are `name: type`, or (when `names_required` is false) just `type`.
    fn signature(&mut self, names_required: bool) -> PResult<Signature> {
        self.expect(Punct::LParen)?;
        let mut params = Vec::new();
        while !self.at(Punct::RParen) {
            let named = matches!(self.tok(), Tok::Ident) && *self.peek2() == Tok::Punct(Punct::Colon);
            let name = if named {
                let name = self.ident()?;
                self.bump();
                Some(name)
            } else if names_required {
                let d = self.unexpected("parameter name");
                return fail(match self.word().and_then(Type::from_name) {
                    Some(t) => d.help(format!("parameters of a defined function are named: `x: {t}`")),
                    None => d,
                });
            } else {
                None
            };
            let ty = self.value_type()?;
            params.push(Param { name, ty });
            if !self.eat(Punct::Comma) {
                break;
            }
        }
        self.expect(Punct::RParen)?;
        let ret = if self.eat(Punct::Arrow) { Some(self.value_type()?) } else { None };
        Ok(Signature { params, ret })
    }

    fn value_type(&mut self) -> PResult<Spanned<Type>> {
        if let Some(ty) = self.word().and_then(Type::from_name) {
            return Ok(Spanned::new(ty, self.bump().span));
        }
        let help = if self.at_word("u8") { U8_HELP } else { TYPES_HELP };
        // A misspelled type gets the nearest one, as rustc's "a builtin type with a similar name exists".
        const TYPES: &[&str] = &["i8", "i16", "i32", "i64", "f32", "f64", "ptr"];
        let near = self
            .word()
            .filter(|w| w.len() <= 16 && *w != "u8")
            .and_then(|w| crate::similar::closest(w, TYPES, 1));
        let d = self.unexpected("type").help(help);
        match near {
            Some(ty) => {
                fail(d.suggest(self.current().span, ty, format!("a type with a similar name exists: `{ty}`")))
            }
            None => fail(d),
        }
    }

    /// A defined static's type: a value type, `[ELEM]` or `[ELEM; N]`.
    fn static_type(&mut self) -> PResult<Spanned<StaticType>> {
        if !self.at(Punct::LBracket) {
            if self.at_word("u8") {
                return fail(self.unexpected("type").help(U8_HELP));
            }
            let ty = self.value_type()?;
            return Ok(Spanned::new(StaticType::Value(ty.value), ty.span));
        }
        let start = self.bump().span.start;
        let elem = if self.eat_word("u8") {
            ElemType::U8
        } else if let Some(ty) = self.word().and_then(Type::from_name) {
            self.bump();
            ElemType::Value(ty)
        } else {
            return fail(
                self.unexpected("array element type")
                    .help(format!("{TYPES_HELP}; arrays may also hold `u8`")),
            );
        };
        let len = if self.eat(Punct::Semi) { Some(self.count("array length")?.value) } else { None };
        self.expect(Punct::RBracket)?;
        Ok(Spanned::new(StaticType::Array { elem, len }, Span { start, end: self.prev_end }))
    }

    /// An integer literal used as a count (array length, repeat count).
    fn count(&mut self, what: &str) -> PResult<Spanned<u64>> {
        match *self.tok() {
            Tok::Int(n) => Ok(Spanned::new(n, self.bump().span)),
            _ => fail(self.unexpected(&format!("{what} (an integer literal)"))),
        }
    }

    fn static_def(&mut self, public: bool, export: Export, start: u32) -> PResult<StaticDef> {
        self.expect_word("static")?;
        let mutable = self.eat_word("mut");
        let name = self.ident()?;
        self.expect(Punct::Colon)?;
        let ty = self.static_type()?;
        if !self.at(Punct::Eq) {
            let d = self.unexpected("`=`");
            return fail(if self.at(Punct::Semi) {
                d.help("a defined static needs an initial value; declare statics defined elsewhere in an `extern` block")
            } else {
                d
            });
        }
        self.bump();
        let init = self.init()?;
        if !self.at(Punct::Semi) {
            return fail(self.unexpected("`;`").help(
                "a static's initial value is a constant: a literal, `-` and a literal, `&NAME`, a string, \
                 `[a, b, ...]` or `[value; count]`",
            ));
        }
        self.bump();
        Ok(StaticDef { public, export, mutable, name, ty, init, span: Span { start, end: self.prev_end } })
    }

    fn init(&mut self) -> PResult<Init> {
        match self.tok() {
            Tok::Punct(Punct::Amp) => {
                self.bump();
                Ok(Init::AddrOf(self.ident()?))
            }
            Tok::Str(_) => Ok(Init::Str(self.string("string literal")?)),
            Tok::Punct(Punct::LBracket) => {
                let start = self.bump().span.start;
                let mut items = Vec::new();
                while !self.at(Punct::RBracket) {
                    let element = self.init_element()?;
                    if items.is_empty() && self.eat(Punct::Semi) {
                        let count = self.count("repeat count")?;
                        self.expect(Punct::RBracket)?;
                        return Ok(Init::Repeat(
                            Box::new(element),
                            count,
                            Span { start, end: self.prev_end },
                        ));
                    }
                    items.push(element);
                    if !self.eat(Punct::Comma) {
                        break;
                    }
                }
                self.expect(Punct::RBracket)?;
                Ok(Init::List(items, Span { start, end: self.prev_end }))
            }
            _ => Ok(Init::Const(self.constant("initial value")?)),
        }
    }

    /// An array element in an initializer: a constant, `&NAME` or a string (the checker decides which the
    /// element type accepts).
    fn init_element(&mut self) -> PResult<Expr> {
        match self.tok() {
            Tok::Punct(Punct::Amp) => {
                let start = self.bump().span.start;
                let name = self.ident()?;
                Ok(Expr { kind: ExprKind::AddrOf(name), span: Span { start, end: self.prev_end } })
            }
            Tok::Str(_) => {
                let s = self.string("string literal")?;
                Ok(Expr { kind: ExprKind::Str(s.value), span: s.span })
            }
            _ => self.constant("array element"),
        }
    }

    /// An integer or float literal, optionally negated.
    fn constant(&mut self, what: &str) -> PResult<Expr> {
        let start = self.span().start;
        let negated = self.eat(Punct::Minus);
        let kind = match *self.tok() {
            Tok::Int(n) => ExprKind::Int(n),
            Tok::Float(x) => ExprKind::Float(x),
            _ if negated => return fail(self.unexpected("number after `-`")),
            _ => return fail(self.unexpected(what)),
        };
        let literal = Expr { kind, span: self.bump().span };
        if !negated {
            return Ok(literal);
        }
        Ok(Expr {
            kind: ExprKind::Unary(UnaryOp::Neg, Box::new(literal)),
            span: Span { start, end: self.prev_end },
        })
    }

    fn fn_def(&mut self, public: bool, export: Export, start: u32) -> PResult<FnDef> {
        self.expect_word("fn")?;
        let name = self.ident()?;
        let sig = self.signature(true)?;
        if !self.at(Punct::LBrace) {
            let d = self.unexpected("`{`");
            return fail(if self.at(Punct::Semi) {
                d.help("declare functions defined elsewhere in an `extern` block")
            } else {
                d
            });
        }
        let body = if self.outline.is_some() { self.skip_block()? } else { self.block()? };
        Ok(FnDef { public, export, name, sig, body, span: Span { start, end: self.prev_end } })
    }

    /// An outline's function body: the tokens from `{` to its matching `}`, lexed and not parsed, into an empty
    /// block with the body's span; its string literals go to `outline`. Iterative, so any depth of braces is
    /// only counted (the body's own parse applies the nesting limit).
    fn skip_block(&mut self) -> PResult<Block> {
        let open = self.expect(Punct::LBrace)?;
        let mut depth = 1u32;
        while depth > 0 {
            match self.tok() {
                Tok::Punct(Punct::LBrace) => depth += 1,
                Tok::Punct(Punct::RBrace) => depth -= 1,
                Tok::Eof => return Err(self.unclosed(open)),
                Tok::Error(_) => return fail(self.unexpected("`}`")),
                _ => {}
            }
            let token = self.bump();
            if let (Tok::Str(bytes), Some(strings)) = (token.tok, self.outline.as_mut()) {
                strings.push((bytes, token.span));
            }
        }
        let span = Span { start: open.start, end: self.prev_end };
        Ok(Block { stmts: Vec::new(), span })
    }

    // ----- statements -----
    //
    // `block`, `stmt`, `for_stmt` and `if_stmt` call each other recursively, so they do little themselves:
    // everything else is in helpers, to keep their stack frames small.

    fn block(&mut self) -> PResult<Block> {
        self.enter()?;
        let open = self.expect(Punct::LBrace)?;
        let mut stmts = Vec::new();
        while !self.at(Punct::RBrace) {
            if matches!(self.tok(), Tok::Eof) {
                return Err(self.unclosed(open));
            }
            let start = self.span().start;
            let nesting = self.nesting;
            match self.stmt() {
                Ok(kind) => stmts.push(Stmt { kind, span: Span { start, end: self.prev_end } }),
                Err(d) => {
                    // The failed statement may have left nested constructs open.
                    self.nesting = nesting;
                    if !self.recover_from(*d) {
                        return Err(Self::aborted());
                    }
                    self.sync_statement_from(start);
                }
            }
        }
        self.bump();
        self.leave();
        Ok(Block { stmts, span: Span { start: open.start, end: self.prev_end } })
    }

    #[cold]
    fn unclosed(&self, open: Span) -> Box<Diagnostic> {
        Box::new(self.unexpected("`}`").secondary(open, "this `{` is never closed"))
    }

    /// One statement; the caller wraps it with its span.
    fn stmt(&mut self) -> PResult<StmtKind> {
        match self.word() {
            Some("let") => self.let_stmt(),
            Some("return") => self.return_stmt(),
            Some("for") => self.for_stmt(),
            Some("if") => self.if_stmt(),
            _ => self.simple_stmt(),
        }
    }

    fn expect_semi(&mut self) -> PResult<()> {
        self.expect(Punct::Semi).map(|_| ())
    }

    fn let_stmt(&mut self) -> PResult<StmtKind> {
        self.expect_word("let")?;
        let mutable = self.eat_word("mut");
        let name = self.ident()?;
        let ty = if self.eat(Punct::Colon) { Some(self.value_type()?) } else { None };
        self.expect(Punct::Eq)?;
        let value = self.expr()?;
        self.expect_semi()?;
        Ok(StmtKind::Let { mutable, name, ty, value })
    }

    fn return_stmt(&mut self) -> PResult<StmtKind> {
        self.expect_word("return")?;
        let value = if self.at(Punct::Semi) { None } else { Some(self.expr()?) };
        self.expect_semi()?;
        Ok(StmtKind::Return(value))
    }

    /// `for var in start..end`, up to the body.
    fn for_head(&mut self) -> PResult<Box<(Ident, Expr, Expr)>> {
        self.expect_word("for")?;
        let var = self.ident()?;
        self.expect_word("in")?;
        let from = self.expr()?;
        if !self.at(Punct::DotDot) {
            return fail(self.unexpected("`..`").help("loops count over a range: `for i in 0..n { ... }`"));
        }
        self.bump();
        let to = self.expr()?;
        Ok(Box::new((var, from, to)))
    }

    fn for_stmt(&mut self) -> PResult<StmtKind> {
        let (var, start, end) = *self.for_head()?;
        self.block().map(|body| StmtKind::For { var, start, end, body })
    }

    /// An assignment, an expression statement, or a misplaced attribute.
    fn simple_stmt(&mut self) -> PResult<StmtKind> {
        if self.at(Punct::Hash) {
            let attr = self.attribute()?;
            return fail(
                Diagnostic::error(format!("`{}` is not allowed on a statement", attr.name()))
                    .primary(attr.span(), "not allowed here"),
            );
        }
        let assign = self.word().is_some() && *self.peek2() == Tok::Punct(Punct::Eq);
        let kind = if assign {
            let target = self.ident()?;
            self.bump();
            let value = self.expr()?;
            StmtKind::Assign { target, value }
        } else {
            StmtKind::Expr(self.expr()?)
        };
        self.expect_semi()?;
        Ok(kind)
    }

    /// `if cond { } [else { } | else if ...]`; `else if` becomes an else block holding one `if`.
    fn if_stmt(&mut self) -> PResult<StmtKind> {
        self.enter()?;
        self.expect_word("if")?;
        let cond = self.expr()?;
        let then = self.block()?;
        let otherwise = if self.eat_word("else") { Some(self.else_block()?) } else { None };
        self.leave();
        Ok(StmtKind::If { cond, then, otherwise })
    }

    /// What follows `else`: a block, or an `if` wrapped in a block of its own.
    fn else_block(&mut self) -> PResult<Block> {
        if !self.at_word("if") {
            return self.block();
        }
        let start = self.span().start;
        let kind = self.if_stmt()?;
        let span = Span { start, end: self.prev_end };
        Ok(Block { stmts: vec![Stmt { kind, span }], span })
    }

    // ----- expressions -----
    //
    // `expr`, `binary`, `cast`, `unary`, `primary` and `call` recurse through each other; as above, they
    // leave diagnostics and leaves to helpers. Each returns the expression and the height of its tree.

    fn expr(&mut self) -> PResult<Expr> {
        self.binary(0).map(|(e, _)| e)
    }

    /// The binary operator at the current token, if any.
    fn binary_op(&self) -> Option<BinaryOp> {
        let Tok::Punct(p) = self.tok() else { return None };
        Some(match p {
            Punct::Plus => BinaryOp::Add,
            Punct::Minus => BinaryOp::Sub,
            Punct::Star => BinaryOp::Mul,
            Punct::Slash => BinaryOp::Div,
            Punct::Percent => BinaryOp::Rem,
            Punct::Amp => BinaryOp::And,
            Punct::Pipe => BinaryOp::Or,
            Punct::Caret => BinaryOp::Xor,
            Punct::Shl => BinaryOp::Shl,
            Punct::Shr => BinaryOp::Shr,
            Punct::EqEq => BinaryOp::Eq,
            Punct::Ne => BinaryOp::Ne,
            Punct::Lt => BinaryOp::Lt,
            Punct::Le => BinaryOp::Le,
            Punct::Gt => BinaryOp::Gt,
            Punct::Ge => BinaryOp::Ge,
            _ => return None,
        })
    }

    /// Precedence climbing: operands joined by operators of precedence at least `min`, left-associative.
    /// Comparisons do not associate at all: a second comparison at the same level is an error.
    fn binary(&mut self, min: u8) -> PResult<(Expr, u32)> {
        let (mut lhs, mut height) = self.cast()?;
        let mut comparison: Option<Span> = None;
        while let Some(op) = self.binary_op() {
            if op.precedence() < min {
                break;
            }
            let op_span = self.bump().span;
            if op.is_comparison() {
                if let Some(first) = comparison {
                    return Err(Self::chained(first, op_span));
                }
                comparison = Some(op_span);
            }
            let (rhs, rhs_height) = self.binary(op.precedence() + 1)?;
            height = self.check_height(height.max(rhs_height) + 1, op_span)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span };
        }
        if matches!(self.tok(), Tok::Punct(Punct::AmpAmp | Punct::PipePipe)) {
            return Err(self.logical_operator());
        }
        Ok((lhs, height))
    }

    #[cold]
    fn chained(first: Span, second: Span) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error("comparison operators cannot be chained")
                .primary(second, "second comparison")
                .secondary(first, "first comparison")
                .help("use parentheses to say what is compared, e.g. `(a < b) == c` or `(a < b) & (b < c)`"),
        )
    }

    /// `&&` or `||` where an operator may be: Rust has them, linkwise does not.
    #[cold]
    fn logical_operator(&self) -> Box<Diagnostic> {
        let written = self.text(self.span());
        let single = &written[..written.len().min(1)];
        Box::new(
            Diagnostic::error(format!("`{written}` is not an operator in linkwise"))
                .primary(self.span(), "not an operator")
                .help(format!(
                    "comparisons give 0 or 1, so `{single}` combines them: `(a < b) {single} (c < d)`"
                )),
        )
    }

    /// `unary (as TYPE)*`: a cast binds tighter than any binary operator, looser than `-` and `!`.
    fn cast(&mut self) -> PResult<(Expr, u32)> {
        let (mut e, mut height) = self.unary()?;
        while self.at_word("as") {
            let as_span = self.bump().span;
            let ty = self.value_type()?;
            height = self.check_height(height + 1, as_span)?;
            let span = e.span.to(ty.span);
            e = Expr { kind: ExprKind::Cast(Box::new(e), ty), span };
        }
        Ok((e, height))
    }

    fn unary(&mut self) -> PResult<(Expr, u32)> {
        let op = match self.tok() {
            Tok::Punct(Punct::Minus) => UnaryOp::Neg,
            Tok::Punct(Punct::Bang) => UnaryOp::Not,
            _ => return self.primary(),
        };
        self.enter()?;
        let op_span = self.bump().span;
        let (operand, height) = self.unary()?;
        self.leave();
        let height = self.check_height(height + 1, op_span)?;
        let span = op_span.to(operand.span);
        Ok((Expr { kind: ExprKind::Unary(op, Box::new(operand)), span }, height))
    }

    /// A parenthesized expression, a call, or a leaf.
    fn primary(&mut self) -> PResult<(Expr, u32)> {
        if self.at(Punct::LParen) {
            self.enter()?;
            let start = self.bump().span.start;
            let (mut inner, height) = self.binary(0)?;
            self.expect(Punct::RParen)?;
            self.leave();
            // The model has no parenthesis node; the expression's span grows to cover them.
            inner.span = Span { start, end: self.prev_end };
            return Ok((inner, height));
        }
        let is_call =
            self.word().is_some_and(|w| !is_keyword(w)) && *self.peek2() == Tok::Punct(Punct::LParen);
        if is_call {
            return self.call();
        }
        self.leaf().map(|e| (e, 0))
    }

    /// `callee(args)`.
    fn call(&mut self) -> PResult<(Expr, u32)> {
        let callee = self.ident()?;
        self.enter()?;
        self.expect(Punct::LParen)?;
        let mut args = Vec::new();
        let mut height = 0;
        while !self.at(Punct::RParen) {
            let (arg, h) = self.binary(0)?;
            height = height.max(h);
            args.push(arg);
            if !self.eat(Punct::Comma) {
                break;
            }
        }
        self.expect(Punct::RParen)?;
        self.leave();
        let height = self.check_height(height + 1, callee.span)?;
        let span = Span { start: callee.span.start, end: self.prev_end };
        Ok((Expr { kind: ExprKind::Call { callee, args }, span }, height))
    }

    /// A literal, a name or `&NAME`.
    fn leaf(&mut self) -> PResult<Expr> {
        let start = self.span().start;
        let kind = match *self.tok() {
            Tok::Int(n) => {
                self.bump();
                ExprKind::Int(n)
            }
            Tok::Float(x) => {
                self.bump();
                ExprKind::Float(x)
            }
            Tok::Str(_) => ExprKind::Str(self.string("string literal")?.value),
            Tok::Punct(Punct::Amp) => {
                self.bump();
                ExprKind::AddrOf(self.ident()?)
            }
            Tok::Ident if self.word().is_some_and(|w| !is_keyword(w)) => ExprKind::Name(self.ident()?),
            _ => return fail(self.unexpected("expression")),
        };
        Ok(Expr { kind, span: Span { start, end: self.prev_end } })
    }
}

/// The source span of each comma-separated piece of a `modifiers = "..."` literal whose decoded text is `text`:
/// the piece's characters, or for an empty piece the character after it (the `,`, or the closing quote).
fn modifier_pieces(src: &str, literal: Span, text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut start = 0;
    for piece in text.split(',') {
        let end = start + piece.len();
        let span = if piece.is_empty() {
            if end < text.len() {
                decoded_byte_source(src, literal, end)
            } else {
                Span { start: literal.end.saturating_sub(1), end: literal.end }
            }
        } else {
            let first = decoded_byte_source(src, literal, start);
            let last = decoded_byte_source(src, literal, end - 1);
            Span { start: first.start, end: last.end.max(first.start) }
        };
        spans.push(span);
        start = end + 1;
    }
    spans
}
