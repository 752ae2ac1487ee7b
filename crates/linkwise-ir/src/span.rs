//! Byte spans into a source file and their conversion to line:column for diagnostics.

/// A half-open byte range `start..end` into one source file.
///
/// Spans of IR built in code (not parsed) are [`Span::DUMMY`]; diagnostics on them print no snippet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// The span of IR that has no source text (built through the API).
    pub const DUMMY: Span = Span { start: 0, end: 0 };

    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        // Source files are capped at u32::MAX bytes by `SourceFile::new`, so these never truncate.
        Span { start: start as u32, end: end as u32 }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// Whether this span points at no source text.
    pub fn is_dummy(self) -> bool {
        self == Span::DUMMY
    }
}

/// A value together with the span of the text it came from.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    /// Wraps a value built in code, with no source text.
    pub fn dummy(value: T) -> Self {
        Spanned { value, span: Span::DUMMY }
    }
}

/// Spans are not part of a value's meaning: two IR modules that differ only in where their text was are equal.
/// This is what makes "parse, print, parse" comparable with `==`.
impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// One named source text, with the line starts needed to turn byte offsets into line:column.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
    /// Whether each line is ASCII, where characters are bytes: then a column costs nothing to find, rather
    /// than a count from the line's start, which matters when many errors sit on one very long line.
    ascii_lines: Vec<bool>,
}

impl SourceFile {
    /// Wraps `text` read from the file called `name` (the name is printed in diagnostics as given).
    ///
    /// Text longer than `u32::MAX` bytes is cut there; the parser then reports the truncation point as an
    /// unexpected end of input rather than overflowing spans.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let mut text = text.into();
        if text.len() > u32::MAX as usize {
            let mut cut = u32::MAX as usize;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let line_starts: Vec<usize> =
            std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let ends = line_starts.iter().skip(1).copied().chain([text.len()]);
        let ascii_lines =
            line_starts.iter().zip(ends).map(|(&s, e)| text.as_bytes()[s..e].is_ascii()).collect();
        SourceFile { name: name.into(), text, line_starts, ascii_lines }
    }

    /// The file name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of byte offset `pos`.
    pub fn line_col(&self, pos: u32) -> (usize, usize) {
        let pos = (pos as usize).min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= pos) - 1;
        let start = self.line_starts[line];
        let col = if self.ascii_lines[line] {
            pos - start
        } else {
            self.text.get(start..pos).map_or(pos - start, |s| s.chars().count())
        };
        (line + 1, col + 1)
    }

    /// Whether 1-based line `line` is all ASCII (so its characters are its bytes).
    pub(crate) fn line_is_ascii(&self, line: usize) -> bool {
        self.ascii_lines.get(line.wrapping_sub(1)).copied().unwrap_or(true)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line.wrapping_sub(1)).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The source text a span covers (empty for dummy or out-of-range spans).
    pub fn snippet(&self, span: Span) -> &str {
        self.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }
}
