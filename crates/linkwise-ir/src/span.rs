//! Byte spans into a source file and their conversion to line:column for diagnostics.

use std::sync::OnceLock;

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
    /// Entry `k` is the number of characters in the first `k * CHECKPOINT_BYTES` bytes, built on the first
    /// column lookup: a column then costs counting at most two checkpoints' worth of bytes, however long its
    /// line. Counting from the line's start made many diagnostics on one long non-ASCII line quadratic (20,000
    /// errors on a 220 KB line with one `é` took 45 s; review of issue 7/8).
    char_checkpoints: OnceLock<Vec<u32>>,
}

/// Bytes between two entries of the character-count table: 16 KiB of table for a 16 MiB input.
pub(crate) const CHECKPOINT_BYTES: usize = 1024;

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
        SourceFile { name: name.into(), text, line_starts, char_checkpoints: OnceLock::new() }
    }

    /// The file name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of byte offset `pos`. An offset inside a character is that
    /// character's column.
    pub fn line_col(&self, pos: u32) -> (usize, usize) {
        let pos = self.floor_char_boundary(pos as usize);
        let line = self.line_starts.partition_point(|&s| s <= pos) - 1;
        let col = self.chars_before(pos) - self.chars_before(self.line_starts[line]);
        (line + 1, col + 1)
    }

    /// The byte offset where 1-based line `line` starts (the end of the text for a line past the last).
    pub(crate) fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line.wrapping_sub(1)).copied().unwrap_or(self.text.len())
    }

    /// How many characters [`SourceFile::line_text`] of `line` has.
    pub(crate) fn line_chars(&self, line: usize) -> usize {
        let start = self.line_start(line);
        self.chars_before(start + self.line_text(line).len()) - self.chars_before(start)
    }

    /// `pos` clamped to the text and moved back to the start of the character it falls in.
    fn floor_char_boundary(&self, pos: usize) -> usize {
        let mut pos = pos.min(self.text.len());
        while !self.text.is_char_boundary(pos) {
            pos -= 1;
        }
        pos
    }

    /// The number of characters before byte `pos`, a character boundary: the table's count at the
    /// checkpoint below `pos`, plus a count of less than [`CHECKPOINT_BYTES`] bytes from there.
    fn chars_before(&self, pos: usize) -> usize {
        let table = self.char_checkpoints.get_or_init(|| {
            let chunks = self.text.as_bytes().chunks(CHECKPOINT_BYTES);
            // The file is at most u32::MAX bytes (see `new`), so its character counts fit in u32.
            std::iter::once(0)
                .chain(chunks.scan(0u32, |total, chunk| {
                    *total += count_chars(chunk) as u32;
                    Some(*total)
                }))
                .collect()
        });
        let k = pos / CHECKPOINT_BYTES;
        let rest = &self.text.as_bytes()[k * CHECKPOINT_BYTES..pos];
        #[cfg(test)]
        COUNTED.with(|c| c.set(c.get() + rest.len()));
        table[k] as usize + count_chars(rest)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_start(line);
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The source text a span covers (empty for dummy or out-of-range spans).
    pub fn snippet(&self, span: Span) -> &str {
        self.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }
}

/// The characters that start in `bytes`, a slice of UTF-8 text cut anywhere: the bytes that are not
/// continuation bytes (`0b10xx_xxxx`). Unlike `str::chars` it needs no character boundary at either end.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

#[cfg(test)]
thread_local! {
    /// Bytes counted by column lookups on this thread, after the table is built: tests bound the work a
    /// diagnostic costs with it.
    pub(crate) static COUNTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
