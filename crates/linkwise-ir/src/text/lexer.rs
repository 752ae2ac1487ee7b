//! The lexer: source text into tokens, on demand, skipping whitespace and comments (which [`scan`] also
//! records, for the formatter: docs/cli.md "fmt").

use crate::ast::FloatLit;
use crate::diag::Diagnostic;
use crate::span::Span;

/// Punctuation and operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Punct {
    Hash,
    LBracket,
    RBracket,
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    Semi,
    Colon,
    Eq,
    EqEq,
    Ne,
    Bang,
    Lt,
    Le,
    Shl,
    Gt,
    Ge,
    Shr,
    Plus,
    Minus,
    Arrow,
    Star,
    Slash,
    Percent,
    Amp,
    AmpAmp,
    Pipe,
    PipePipe,
    Caret,
    DotDot,
}

impl Punct {
    /// The punctuation as written.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Punct::Hash => "#",
            Punct::LBracket => "[",
            Punct::RBracket => "]",
            Punct::LParen => "(",
            Punct::RParen => ")",
            Punct::LBrace => "{",
            Punct::RBrace => "}",
            Punct::Comma => ",",
            Punct::Semi => ";",
            Punct::Colon => ":",
            Punct::Eq => "=",
            Punct::EqEq => "==",
            Punct::Ne => "!=",
            Punct::Bang => "!",
            Punct::Lt => "<",
            Punct::Le => "<=",
            Punct::Shl => "<<",
            Punct::Gt => ">",
            Punct::Ge => ">=",
            Punct::Shr => ">>",
            Punct::Plus => "+",
            Punct::Minus => "-",
            Punct::Arrow => "->",
            Punct::Star => "*",
            Punct::Slash => "/",
            Punct::Percent => "%",
            Punct::Amp => "&",
            Punct::AmpAmp => "&&",
            Punct::Pipe => "|",
            Punct::PipePipe => "||",
            Punct::Caret => "^",
            Punct::DotDot => "..",
        }
    }
}

/// What a token is. Identifiers and keywords are both [`Tok::Ident`]; their text is the source under the
/// token's span, and the parser decides which words are reserved where.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A word: `[A-Za-z_][A-Za-z0-9_]*`.
    Ident,
    /// An integer literal's value.
    Int(u64),
    /// A float literal's value (finite as `f64`, not negative).
    Float(FloatLit),
    /// A string literal's bytes, escapes decoded.
    Str(Vec<u8>),
    /// Punctuation or an operator.
    Punct(Punct),
    /// The end of the text.
    Eof,
    /// Text that is not a token; the diagnostic says why.
    Error(Box<Diagnostic>),
}

/// A token and the bytes of source it covers.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) span: Span,
}

/// The lexer's position in one source text.
///
/// Tokens are produced one at a time, as the parser asks for them, because one construct is lexed by
/// context: the triple after `target` is a single run of `[A-Za-z0-9_.-]` characters (see [`Lexer::triple`]),
/// which the ordinary token rules would split or reject (`macosx10.15`).
///
/// A lexical error becomes a [`Tok::Error`] token carrying its diagnostic; only [`Tok::Eof`] follows it.
/// The parser reports the error when it reaches the token, so errors come out in source order.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Where the comments skipped so far are, when [`scan`] asks for them; `None` for the parser, which
    /// needs none (so parsing allocates nothing for them).
    comments: Option<Vec<Span>>,
}

type LexResult<T> = Result<T, Diagnostic>;

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`. A leading byte-order mark is skipped, as editors on Windows write one.
    pub(crate) fn new(src: &'a str) -> Lexer<'a> {
        let pos = if src.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        Lexer { src, pos, comments: None }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// The next token. After an error token, only `Eof` follows.
    pub(crate) fn next_token(&mut self) -> Token {
        #[cfg(test)]
        let from = self.pos;
        let token = self.lex_token();
        #[cfg(test)]
        LEXED.with(|c| c.set(c.get() + self.pos.saturating_sub(from)));
        token
    }

    fn lex_token(&mut self) -> Token {
        match self.token() {
            Ok(t) => t,
            Err(d) => {
                let at = self.pos;
                self.pos = self.src.len();
                let span = d.labels.first().map_or(Span::new(at, at), |l| l.span);
                Token { tok: Tok::Error(Box::new(d)), span }
            }
        }
    }

    /// Moves the lexer to byte `pos` (a token boundary it has already passed), to lex again from there.
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    /// The target triple after `target`: the longest run of `[A-Za-z0-9_.-]` after whitespace and comments.
    /// `Ok(None)` when the run is empty (the parser then reports the token that is there instead).
    pub(crate) fn triple(&mut self) -> LexResult<Option<(String, Span)>> {
        self.skip_trivia()?;
        let start = self.pos;
        while self.byte(self.pos).is_some_and(|b| is_ident_continue(b) || b == b'.' || b == b'-') {
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        Ok(Some((self.src[start..self.pos].to_owned(), Span::new(start, self.pos))))
    }

    fn token(&mut self) -> LexResult<Token> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.byte(start) else {
            return Ok(Token { tok: Tok::Eof, span: Span::new(start, start) });
        };
        let tok = if is_ident_start(b) {
            while self.byte(self.pos).is_some_and(is_ident_continue) {
                self.pos += 1;
            }
            Tok::Ident
        } else if b.is_ascii_digit() {
            self.number()?
        } else if b == b'"' {
            Tok::Str(self.string()?)
        } else if let Some((p, len)) = self.punct() {
            self.pos += len;
            Tok::Punct(p)
        } else {
            // `start` is always on a character boundary: the lexer only ever steps over ASCII bytes or
            // whole characters.
            let c = self.src[start..].chars().next().unwrap_or('\u{fffd}');
            // Invisible characters (zero-width spaces and joiners, bidirectional controls, a stray byte-order
            // mark) are named by their code point: shown as they are, the message would look empty.
            let invisible = matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{00ad}');
            let shown: String = if c.is_control() {
                c.escape_debug().collect()
            } else if invisible {
                c.escape_unicode().collect()
            } else {
                c.to_string()
            };
            let span = Span::new(start, start + c.len_utf8());
            let mut d = Diagnostic::error(format!("unexpected character `{shown}`"))
                .primary(span, "not valid in linkwise source");
            if invisible {
                d = d.note(format!(
                    "character {shown} is invisible: it often comes with text copied from a web page"
                ));
            }
            if c == '\'' {
                d = d.help("strings are written in double quotes: \"...\"");
            }
            return Err(d);
        };
        Ok(Token { tok, span: Span::new(start, self.pos) })
    }

    /// Skips whitespace, `// line` comments and `/* block */` comments (which nest).
    fn skip_trivia(&mut self) -> LexResult<()> {
        loop {
            match (self.byte(self.pos), self.byte(self.pos + 1)) {
                (Some(b), _) if b.is_ascii_whitespace() => self.pos += 1,
                (Some(b'/'), Some(b'/')) => {
                    let start = self.pos;
                    while self.byte(self.pos).is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                    self.record(start);
                }
                (Some(b'/'), Some(b'*')) => {
                    let start = self.pos;
                    self.block_comment()?;
                    self.record(start);
                }
                _ => return Ok(()),
            }
        }
    }

    /// Notes the comment from `start` to here, if comments are being recorded.
    fn record(&mut self, start: usize) {
        if let Some(comments) = &mut self.comments {
            comments.push(Span::new(start, self.pos));
        }
    }

    fn block_comment(&mut self) -> LexResult<()> {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            match (self.byte(self.pos), self.byte(self.pos + 1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                // Bytes of multi-byte characters are never `/` or `*`, so stepping bytewise is safe.
                _ => self.pos += 1,
            }
        }
        Err(Diagnostic::error("unterminated block comment")
            .primary(Span::new(start, start + 2), "this comment is never closed")
            .help("block comments nest: each `/*` needs its own `*/`"))
    }

    fn punct(&self) -> Option<(Punct, usize)> {
        let two = match (self.byte(self.pos)?, self.byte(self.pos + 1)) {
            (b'=', Some(b'=')) => Some(Punct::EqEq),
            (b'!', Some(b'=')) => Some(Punct::Ne),
            (b'<', Some(b'=')) => Some(Punct::Le),
            (b'<', Some(b'<')) => Some(Punct::Shl),
            (b'>', Some(b'=')) => Some(Punct::Ge),
            (b'>', Some(b'>')) => Some(Punct::Shr),
            (b'-', Some(b'>')) => Some(Punct::Arrow),
            (b'&', Some(b'&')) => Some(Punct::AmpAmp),
            (b'|', Some(b'|')) => Some(Punct::PipePipe),
            (b'.', Some(b'.')) => Some(Punct::DotDot),
            _ => None,
        };
        if let Some(p) = two {
            return Some((p, 2));
        }
        let one = match self.byte(self.pos)? {
            b'#' => Punct::Hash,
            b'[' => Punct::LBracket,
            b']' => Punct::RBracket,
            b'(' => Punct::LParen,
            b')' => Punct::RParen,
            b'{' => Punct::LBrace,
            b'}' => Punct::RBrace,
            b',' => Punct::Comma,
            b';' => Punct::Semi,
            b':' => Punct::Colon,
            b'=' => Punct::Eq,
            b'!' => Punct::Bang,
            b'<' => Punct::Lt,
            b'>' => Punct::Gt,
            b'+' => Punct::Plus,
            b'-' => Punct::Minus,
            b'*' => Punct::Star,
            b'/' => Punct::Slash,
            b'%' => Punct::Percent,
            b'&' => Punct::Amp,
            b'|' => Punct::Pipe,
            b'^' => Punct::Caret,
            _ => return None,
        };
        Some((one, 1))
    }

    fn skip_digits(&mut self) {
        while self.byte(self.pos).is_some_and(|b| b.is_ascii_digit() || b == b'_') {
            self.pos += 1;
        }
    }

    /// A number starting at a digit: an integer (decimal, `0x`, `0o`, `0b`; `_` separators) or a decimal
    /// float (`1.5`, `1e3`, `2.5e-3`). A `.` is part of the number only when a digit follows it, so `0..10`
    /// is an integer, `..`, and another integer.
    fn number(&mut self) -> LexResult<Tok> {
        let start = self.pos;
        let radix = match (self.byte(start), self.byte(start + 1)) {
            (Some(b'0'), Some(b'x')) => 16,
            (Some(b'0'), Some(b'o')) => 8,
            (Some(b'0'), Some(b'b')) => 2,
            _ => 10,
        };
        if radix != 10 {
            return self.prefixed_int(start, radix);
        }
        self.skip_digits();
        let mut float = false;
        if self.byte(self.pos) == Some(b'.') && self.byte(self.pos + 1).is_some_and(|b| b.is_ascii_digit()) {
            float = true;
            self.pos += 1;
            self.skip_digits();
        }
        if matches!(self.byte(self.pos), Some(b'e' | b'E')) {
            let mut at = self.pos + 1;
            let signed = matches!(self.byte(at), Some(b'+' | b'-'));
            if signed {
                at += 1;
            }
            let mut digits = at;
            while self.byte(digits) == Some(b'_') {
                digits += 1;
            }
            if self.byte(digits).is_some_and(|b| b.is_ascii_digit()) {
                float = true;
                self.pos = at;
                self.skip_digits();
            } else if signed {
                return Err(Diagnostic::error("expected at least one digit in exponent")
                    .primary(Span::new(start, at), "the exponent has no digits"));
            }
        }
        self.reject_suffix(start)?;
        let text = &self.src[start..self.pos];
        let span = Span::new(start, self.pos);
        let digits: String = text.chars().filter(|&c| c != '_').collect();
        if float {
            // Both widths are read from the decimal text itself, so each is rounded once.
            return match FloatLit::parse(&digits) {
                Some(x) if x.f64.is_finite() => Ok(Tok::Float(x)),
                _ => Err(Diagnostic::error("float literal is out of range for `f64`")
                    .primary(span, "larger than `f64::MAX`")),
            };
        }
        match digits.parse::<u64>() {
            Ok(n) => Ok(Tok::Int(n)),
            Err(_) => Err(too_large(span)),
        }
    }

    fn prefixed_int(&mut self, start: usize, radix: u32) -> LexResult<Tok> {
        self.pos = start + 2;
        let mut value: u64 = 0;
        let mut any = false;
        let mut overflow = false;
        while let Some(b) = self.byte(self.pos) {
            if b == b'_' {
                self.pos += 1;
                continue;
            }
            if !b.is_ascii_alphanumeric() {
                break;
            }
            let Some(d) = (b as char).to_digit(radix) else {
                // A digit of a larger base is a mistake in this literal; a letter beyond hex is a suffix.
                if (b as char).is_ascii_hexdigit() {
                    let name = match radix {
                        2 => "binary",
                        8 => "octal",
                        _ => "hexadecimal",
                    };
                    return Err(Diagnostic::error(format!(
                        "invalid digit `{}` in {name} literal",
                        b as char
                    ))
                    .primary(Span::new(self.pos, self.pos + 1), format!("not a base-{radix} digit")));
                }
                break;
            };
            any = true;
            match value.checked_mul(u64::from(radix)).and_then(|v| v.checked_add(u64::from(d))) {
                Some(v) => value = v,
                None => overflow = true,
            }
            self.pos += 1;
        }
        if !any {
            return Err(Diagnostic::error("no valid digits found for number")
                .primary(Span::new(start, self.pos), "expected digits after the base prefix"));
        }
        self.reject_suffix(start)?;
        if overflow {
            return Err(too_large(Span::new(start, self.pos)));
        }
        Ok(Tok::Int(value))
    }

    /// Letters right after a number (`5u8`, `2else`) are an error: literals have no suffixes.
    fn reject_suffix(&mut self, start: usize) -> LexResult<()> {
        if !self.byte(self.pos).is_some_and(is_ident_start) {
            return Ok(());
        }
        let suffix_start = self.pos;
        let mut end = self.pos;
        while self.byte(end).is_some_and(is_ident_continue) {
            end += 1;
        }
        Err(Diagnostic::error(format!(
            "invalid suffix `{}` for number literal",
            &self.src[suffix_start..end]
        ))
        .primary(Span::new(start, end), "invalid suffix")
        .help("literals take their type from where they are used; convert with `as`, e.g. `5 as i64`"))
    }

    /// A string literal at the `"` under the cursor; returns its bytes with escapes decoded.
    fn string(&mut self) -> LexResult<Vec<u8>> {
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            let Some(b) = self.byte(self.pos) else {
                return Err(Diagnostic::error("unterminated string literal")
                    .primary(Span::new(start, start + 1), "this string is never closed"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(bytes);
                }
                b'\\' => self.escape(start, &mut bytes)?,
                _ => {
                    // Raw bytes, including line breaks and the bytes of non-ASCII characters.
                    bytes.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// One escape sequence at the `\` under the cursor.
    fn escape(&mut self, string_start: usize, out: &mut Vec<u8>) -> LexResult<()> {
        let at = self.pos;
        let Some(e) = self.byte(at + 1) else {
            return Err(Diagnostic::error("unterminated string literal")
                .primary(Span::new(string_start, string_start + 1), "this string is never closed"));
        };
        let simple = match e {
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'0' => Some(0),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'\'' => Some(b'\''),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            self.pos += 2;
            return Ok(());
        }
        match e {
            // A line continuation, as in Rust: the line break and the whitespace after it are skipped.
            b'\n' | b'\r' => {
                self.pos = at + 1;
                while self.byte(self.pos).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
                    self.pos += 1;
                }
                Ok(())
            }
            b'x' => self.hex_escape(at, out),
            b'u' => self.unicode_escape(at, out),
            _ => {
                let c = self.src[at + 1..].chars().next().unwrap_or('\u{fffd}');
                let shown: String = if c.is_control() { c.escape_debug().collect() } else { c.to_string() };
                Err(Diagnostic::error(format!("unknown character escape: `\\{shown}`"))
                    .primary(Span::new(at, at + 1 + c.len_utf8()), "unknown character escape")
                    .help(
                        r#"the escapes are \n \r \t \0 \\ \" \' \xNN and \u{HEX}; write \\ for a backslash"#,
                    ))
            }
        }
    }

    /// `\xNN`: exactly two hex digits, any byte value (strings are bytes, not necessarily UTF-8).
    fn hex_escape(&mut self, at: usize, out: &mut Vec<u8>) -> LexResult<()> {
        let mut value = 0u8;
        for i in 0..2 {
            let p = at + 2 + i;
            match self.byte(p) {
                Some(b) if b.is_ascii_hexdigit() => {
                    value = value * 16 + (b as char).to_digit(16).unwrap_or(0) as u8
                }
                Some(b'"') | None => {
                    return Err(Diagnostic::error("numeric character escape is too short")
                        .primary(Span::new(at, p), "expected two hex digits after `\\x`"));
                }
                Some(_) => {
                    let c = self.src[p..].chars().next().unwrap_or('\u{fffd}');
                    return Err(Diagnostic::error(format!(
                        "invalid character in numeric character escape: `{}`",
                        c.escape_debug()
                    ))
                    .primary(Span::new(p, p + c.len_utf8()), "expected a hex digit"));
                }
            }
        }
        out.push(value);
        self.pos = at + 4;
        Ok(())
    }

    /// `\u{HEX}`: one to six hex digits naming a Unicode scalar value, stored as its UTF-8 bytes.
    fn unicode_escape(&mut self, at: usize, out: &mut Vec<u8>) -> LexResult<()> {
        if self.byte(at + 2) != Some(b'{') {
            return Err(Diagnostic::error("incorrect unicode escape sequence")
                .primary(Span::new(at, at + 2), "expected `{` after `\\u`")
                .help("unicode escapes are written `\\u{HEX}`, e.g. `\\u{e9}`"));
        }
        let digits_start = at + 3;
        let mut p = digits_start;
        let mut value: u32 = 0;
        loop {
            match self.byte(p) {
                Some(b'}') => break,
                Some(b) if b.is_ascii_hexdigit() => {
                    value = value.saturating_mul(16).saturating_add((b as char).to_digit(16).unwrap_or(0));
                    p += 1;
                }
                Some(b'"') | None => {
                    return Err(Diagnostic::error("unterminated unicode escape")
                        .primary(Span::new(at, p), "missing a closing `}`"));
                }
                Some(_) => {
                    let c = self.src[p..].chars().next().unwrap_or('\u{fffd}');
                    return Err(Diagnostic::error(format!(
                        "invalid character in unicode escape: `{}`",
                        c.escape_debug()
                    ))
                    .primary(Span::new(p, p + c.len_utf8()), "expected a hex digit or `}`"));
                }
            }
        }
        let span = Span::new(at, p + 1);
        let count = p - digits_start;
        if count == 0 {
            return Err(
                Diagnostic::error("empty unicode escape").primary(span, "this escape must have a value")
            );
        }
        if count > 6 {
            return Err(
                Diagnostic::error("overlong unicode escape").primary(span, "must have at most 6 hex digits")
            );
        }
        let Some(c) = char::from_u32(value) else {
            return Err(Diagnostic::error("invalid unicode character escape")
                .primary(span, "not a Unicode scalar value (surrogates and values above 10FFFF are not)"));
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        self.pos = p + 1;
        Ok(())
    }
}

/// The source text that wrote byte `at` of the string literal at `literal` once decoded: the character
/// itself, or the whole escape (`\t`, `\x01`, `\u{a0}`) that produced it, so that an error about one
/// character of a name points at it. The literal has lexed, so its escapes are well formed; this walks them
/// as `Lexer::escape` reads them. The whole literal when `at` is past its end.
pub(crate) fn decoded_byte_source(src: &str, literal: Span, at: usize) -> Span {
    let body_start = literal.start as usize + 1;
    let body = src.get(body_start..(literal.end as usize).saturating_sub(1)).unwrap_or("");
    let bytes = body.as_bytes();
    let (mut p, mut decoded) = (0, 0);
    while p < bytes.len() {
        // (bytes of source, bytes decoded) of the next character or escape.
        let (written, value) = match (bytes[p], bytes.get(p + 1)) {
            (b'\\', Some(b'x')) => (4, 1),
            (b'\\', Some(b'u')) => {
                let close = body[p..].find('}').map_or(body.len() - p, |i| i + 1);
                let digits = body.get(p + 3..p + close - 1).unwrap_or("");
                let c = u32::from_str_radix(digits, 16).ok().and_then(char::from_u32);
                (close, c.map_or(1, char::len_utf8))
            }
            // A line continuation decodes to nothing.
            (b'\\', Some(b'\n' | b'\r')) => {
                let rest = &bytes[p + 1..];
                (1 + rest.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count(), 0)
            }
            (b'\\', _) => (2, 1),
            _ => {
                let n = body[p..].chars().next().map_or(1, char::len_utf8);
                (n, n)
            }
        };
        if (decoded..decoded + value).contains(&at) {
            return Span::new(body_start + p, body_start + p + written);
        }
        decoded += value;
        p += written;
    }
    literal
}

/// Every token and every comment of `src`, in source order: the lossless view of the text the formatter
/// needs (whitespace is what lies between them). `triple` is the span of the module's target triple, if it
/// has one (as the parser found it): it is one token, lexed by its own rule ([`Lexer::triple`]), which the
/// ordinary rules would split or reject.
///
/// An error is the first lexical error, which [`super::parse`] reports too.
pub(crate) fn scan(src: &str, triple: Option<Span>) -> LexResult<(Vec<Span>, Vec<Span>)> {
    let mut lexer = Lexer::new(src);
    lexer.comments = Some(Vec::new());
    let mut tokens = Vec::new();
    loop {
        lexer.skip_trivia()?;
        if let Some(triple) = triple.filter(|t| t.start as usize == lexer.pos && t.end > t.start) {
            tokens.push(triple);
            lexer.pos = triple.end as usize;
            continue;
        }
        let token = lexer.token()?;
        if token.tok == Tok::Eof {
            break;
        }
        tokens.push(token.span);
    }
    Ok((tokens, lexer.comments.unwrap_or_default()))
}

fn too_large(span: Span) -> Diagnostic {
    Diagnostic::error("integer literal is too large")
        .primary(span, "does not fit in 64 bits")
        .note(format!("the largest integer literal is {}", u64::MAX))
}

#[cfg(test)]
thread_local! {
    /// Bytes lexers on this thread have stepped over, tokens and trivia: tests bound the text a parse lexes
    /// with it (a body parsed from its offset must not lex the module from its start).
    pub(crate) static LEXED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
