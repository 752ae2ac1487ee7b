//! The lexer: source text into tokens with spans. Comments and whitespace are skipped here.

use crate::diag::Diagnostic;
use crate::span::Span;

/// A token's kind. Keywords are identifiers; the parser decides where a word is special.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword.
    Ident(String),
    /// An integer literal's value.
    Int(u64),
    /// A float literal's value.
    Float(f64),
    /// A string literal's decoded bytes.
    Str(Vec<u8>),
    /// Punctuation, longest match first (`..`, `->`, `<<`, `==`, ...).
    Punct(&'static str),
    /// End of input.
    Eof,
}

/// A token and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

impl Tok {
    /// How the token is named in "expected X, found Y" messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(_) | Tok::Float(_) => "a number".to_owned(),
            Tok::Str(_) => "a string literal".to_owned(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Eof => "end of file".to_owned(),
        }
    }
}

const PUNCTS: &[&str] = &[
    "..", "->", "<<", ">>", "==", "!=", "<=", ">=", "#", "[", "]", "(", ")", "{", "}", ",", ";", ":", "=",
    "&", "+", "-", "*", "/", "%", "|", "^", "!", "<", ">",
];

/// Splits `text` into tokens, ending with `Tok::Eof`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, Diagnostic> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if text[i..].starts_with("/*") {
            i = skip_block_comment(text, i)?;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = scan(bytes, i, |b| b.is_ascii_alphanumeric() || b == b'_');
            out.push(Token { tok: Tok::Ident(text[i..end].to_owned()), span: Span::new(i, end) });
            i = end;
        } else if c.is_ascii_digit() {
            let (tok, end) = number(text, i)?;
            out.push(Token { tok, span: Span::new(i, end) });
            i = end;
        } else if c == b'"' {
            let (value, end) = string(text, i)?;
            out.push(Token { tok: Tok::Str(value), span: Span::new(i, end) });
            i = end;
        } else if let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            out.push(Token { tok: Tok::Punct(p), span: Span::new(i, i + p.len()) });
            i += p.len();
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(Diagnostic::error(format!("unexpected character `{}`", ch.escape_debug()))
                .primary(Span::new(i, i + ch.len_utf8()), "not part of the language"));
        }
    }
    out.push(Token { tok: Tok::Eof, span: Span::new(bytes.len(), bytes.len()) });
    Ok(out)
}

fn scan(bytes: &[u8], start: usize, accept: impl Fn(u8) -> bool) -> usize {
    start + bytes[start..].iter().take_while(|&&b| accept(b)).count()
}

/// Skips a `/* ... */` comment (nested, as in Rust) starting at `start`; returns the offset after it.
fn skip_block_comment(text: &str, start: usize) -> Result<usize, Diagnostic> {
    let mut depth = 0usize;
    let mut i = start;
    while i < text.len() {
        if text[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if text[i..].starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Ok(i);
            }
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    Err(Diagnostic::error("unterminated block comment")
        .primary(Span::new(start, start + 2), "comment starts here"))
}

/// An integer (decimal, `0x`, `0o`, `0b`, with `_` separators) or a float (`1.5`, `1e3`, `2.5e-3`).
fn number(text: &str, start: usize) -> Result<(Tok, usize), Diagnostic> {
    let bytes = text.as_bytes();
    let radix = match text.get(start..start + 2) {
        Some("0x") => 16,
        Some("0o") => 8,
        Some("0b") => 2,
        _ => 10,
    };
    if radix != 10 {
        let end = scan(bytes, start + 2, |b| b.is_ascii_alphanumeric() || b == b'_');
        let digits: String = text[start + 2..end].chars().filter(|&c| c != '_').collect();
        let span = Span::new(start, end);
        if digits.is_empty() {
            return Err(Diagnostic::error("missing digits after the integer base prefix").primary(span, ""));
        }
        return u64::from_str_radix(&digits, radix).map(|v| (Tok::Int(v), end)).map_err(|e| {
            let too_large = matches!(e.kind(), std::num::IntErrorKind::PosOverflow);
            let msg =
                if too_large { "integer literal is too large" } else { "invalid digit in integer literal" };
            Diagnostic::error(msg).primary(span, "")
        });
    }
    let mut end = scan(bytes, start, |b| b.is_ascii_digit() || b == b'_');
    let mut is_float = false;
    // A `.` followed by a digit continues a float; `0..10` is an integer followed by `..`.
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        is_float = true;
        end = scan(bytes, end + 1, |b| b.is_ascii_digit() || b == b'_');
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exp = end + 1;
        if matches!(bytes.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
            is_float = true;
            end = scan(bytes, exp, |b| b.is_ascii_digit() || b == b'_');
        }
    }
    let span = Span::new(start, end);
    if bytes.get(end).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
        let suffix_end = scan(bytes, end, |b| b.is_ascii_alphanumeric() || b == b'_');
        return Err(Diagnostic::error(format!("invalid suffix `{}` on a number", &text[end..suffix_end]))
            .primary(Span::new(start, suffix_end), "")
            .help("literals take their type from context; write `200 as i64` to convert"));
    }
    let digits: String = text[start..end].chars().filter(|&c| c != '_').collect();
    if is_float {
        let value = digits
            .parse::<f64>()
            .map_err(|_| Diagnostic::error("invalid float literal").primary(span, ""))?;
        return Ok((Tok::Float(value), end));
    }
    digits.parse::<u64>().map(|v| (Tok::Int(v), end)).map_err(|_| {
        Diagnostic::error("integer literal is too large").primary(span, "does not fit in 64 bits")
    })
}

/// A string literal starting at the `"` at `start`: its bytes (escapes decoded) and the offset after it.
fn string(text: &str, start: usize) -> Result<(Vec<u8>, usize), Diagnostic> {
    let mut out = Vec::new();
    let mut chars = text[start + 1..].char_indices().map(|(i, c)| (start + 1 + i, c));
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => {
                let Some((j, e)) = chars.next() else { break };
                let simple = match e {
                    'n' => Some(b'\n'),
                    'r' => Some(b'\r'),
                    't' => Some(b'\t'),
                    '0' => Some(0),
                    '\\' => Some(b'\\'),
                    '"' => Some(b'"'),
                    '\'' => Some(b'\''),
                    _ => None,
                };
                if let Some(b) = simple {
                    out.push(b);
                    continue;
                }
                let bad = |end: usize, why: &str| {
                    Diagnostic::error(format!("invalid escape `{}`: {why}", &text[i..end]))
                        .primary(Span::new(i, end), "")
                };
                match e {
                    'x' => {
                        let hex = text.get(j + 1..j + 3).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                        let Some(hex) = hex else {
                            return Err(bad(j + 1, "`\\x` takes two hex digits"));
                        };
                        out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                        chars.next();
                        chars.next();
                    }
                    'u' => {
                        let rest = &text[j + 1..];
                        let close = rest.find('}').filter(|_| rest.starts_with('{'));
                        let Some(close) = close else { return Err(bad(j + 1, "write `\\u{HEX}`")) };
                        let end = j + 1 + close + 1;
                        let ch = u32::from_str_radix(&rest[1..close], 16).ok().and_then(char::from_u32);
                        let Some(ch) = ch else { return Err(bad(end, "not a Unicode scalar value")) };
                        let mut buf = [0; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        while chars.next().is_some_and(|(k, _)| k + 1 < end) {}
                    }
                    other => {
                        return Err(Diagnostic::error(format!(
                            "unknown character escape: `\\{}`",
                            other.escape_debug()
                        ))
                        .primary(Span::new(i, j + other.len_utf8()), "")
                        .help("escapes are \\n \\r \\t \\0 \\\\ \\\" \\' \\xNN \\u{HEX}"));
                    }
                }
            }
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Err(Diagnostic::error("unterminated string literal")
        .primary(Span::new(start, start + 1), "string starts here"))
}
