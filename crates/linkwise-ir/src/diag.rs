//! Diagnostics: user mistakes reported rustc-style, with file:line:col, the offending text underlined,
//! and notes or help that say what to do.

use crate::span::{SourceFile, Span};
use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The input cannot be compiled; no output is written.
    Error,
    /// The input compiles, but probably not as the user meant.
    Warning,
}

/// A span in the source with a short message printed under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// What the label points at.
    pub span: Span,
    /// Printed beside the underline; may be empty.
    pub message: String,
    /// The primary label is underlined with `^` and gives the diagnostic its file:line:col;
    /// secondary labels use `-`.
    pub primary: bool,
}

/// One user-facing message: an error or warning with labelled spans, notes and an optional help line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The headline, e.g. "unknown link kind `dynamic`".
    pub message: String,
    /// Spans in the source file, the primary one first.
    pub labels: Vec<Label>,
    /// `= note: ...` lines: facts that explain the error (for example the `-l` argument involved).
    pub notes: Vec<String>,
    /// `= help: ...` lines: what to do about it.
    pub help: Vec<String>,
    /// Whether this reports linkwise's own bug rather than a mistake in the input: a checked program that
    /// breaks the checker's guarantees, or a library refusing what linkwise handed it. Rendered as
    /// "internal error" with a request to report it; made by [`Diagnostic::internal`]. Tests that feed
    /// linkwise arbitrary input check this flag (tests/robustness.rs).
    pub internal: bool,
}

impl Diagnostic {
    /// An error with a headline and no labels yet.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
            internal: false,
        }
    }

    /// An error that is linkwise's bug, not the user's (its `internal` flag set): `what` says what went wrong,
    /// for example "writing the object: {e}". The headline reads "internal error: {what}" and a last note
    /// asks for a report, so no caller spells either.
    pub fn internal(what: impl Into<String>) -> Diagnostic {
        Diagnostic { internal: true, ..Diagnostic::error(what) }
    }

    /// A warning with a headline and no labels yet.
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    /// Adds the primary label (the place the diagnostic is about).
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    /// Adds a secondary label (a related place, such as an earlier definition).
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    /// Adds a `= note:` line.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Adds a `= help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic against `file` the way rustc does:
    ///
    /// ```text
    /// error: unknown link kind `dynamic`
    ///  --> hello.lw:3:32
    ///   |
    /// 3 | #[link(name = "msvcrt", kind = "dynamic")]
    ///   |                                ^^^^^^^^^ expected `dylib`, `static` or `static-nobundle`
    /// ```
    pub fn render(&self, file: &SourceFile) -> String {
        let mut out = String::new();
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let internal = if self.internal { "internal error: " } else { "" };
        let _ = writeln!(out, "{level}: {internal}{}", clip_quoted(&self.message));
        let labels: Vec<&Label> =
            self.labels.iter().filter(|l| !l.span.is_dummy() || file.text().is_empty()).collect();
        let lines: Vec<usize> = labels.iter().map(|l| file.line_col(l.span.start).0).collect();
        let gutter = lines.iter().max().map_or(0, |l| l.to_string().len());
        let pad = " ".repeat(gutter);
        if let Some(first) = labels.iter().find(|l| l.primary).or(labels.first()) {
            let (line, col) = file.line_col(first.span.start);
            let _ = writeln!(out, "{pad}--> {}:{line}:{col}", file.name());
            let _ = writeln!(out, "{pad} |");
            let mut order: Vec<(usize, &Label)> = lines.iter().copied().zip(labels.iter().copied()).collect();
            order.sort_by_key(|(line, l)| (*line, l.span.start));
            let mut last_line = None;
            let mut window = Window::default();
            for (line, label) in order {
                let text = file.line_text(line);
                let (_, col) = file.line_col(label.span.start);
                if last_line != Some(line) {
                    if let Some(prev) = last_line
                        && line > prev + 1
                    {
                        let _ = writeln!(out, "{pad}...");
                    }
                    // `order` is sorted by position, so this is the line's leftmost label.
                    let at = label.span.start as usize - file.line_start(line);
                    window = Window::new(text, at, col - 1, file.line_chars(line));
                    let _ = writeln!(out, "{line:>gutter$} | {}", window.show(text));
                    last_line = Some(line);
                }
                let (end_line, end_col) = file.line_col(label.span.end);
                // A span running past its first line is underlined to the end of that line.
                let end = if end_line == line { end_col - 1 } else { usize::MAX };
                let (indent, width) = window.underline(text, col - 1, end);
                let mark = if label.primary { "^" } else { "-" };
                let _ = write!(out, "{pad} | {}{}", " ".repeat(indent), mark.repeat(width));
                if !label.message.is_empty() {
                    let _ = write!(out, " {}", clip_quoted(&label.message));
                }
                out.push('\n');
            }
        }
        let report = self.internal.then_some(REPORT_NOTE);
        let notes = self.notes.iter().map(String::as_str).chain(report);
        if !self.notes.is_empty() || !self.help.is_empty() || self.internal {
            if labels.is_empty() {
                let _ = writeln!(out, " |");
            } else {
                let _ = writeln!(out, "{pad} |");
            }
        }
        for note in notes {
            let _ = writeln!(out, "{pad} = note: {}", clip_quoted(note));
        }
        for help in &self.help {
            let _ = writeln!(out, "{pad} = help: {}", clip_quoted(help));
        }
        out
    }
}

/// The last note of an internal error: whose bug it is and what to do.
const REPORT_NOTE: &str = "this is a bug in linkwise, not in the input; please report it with the input file";

/// Lines longer than this many characters are shown clipped around their leftmost label, with `...` where
/// text is left out: a diagnostic on a 50 MB line used to echo all of it, and as many spaces again before the
/// caret (issue 7).
const MAX_SHOWN_CHARS: usize = 120;

/// How much of a clipped line is shown before its leftmost label.
const CONTEXT_CHARS: usize = 40;

/// How a tab is shown: as four spaces, as rustc does, so that underlines line up whatever the terminal's tab
/// stops are.
const TAB: &str = "    ";

/// How a source character is shown in a snippet: as itself, except control characters, which would otherwise
/// reach the user's terminal raw (an ESC from a hostile file can rewrite the screen, a NUL-filled file printed
/// invisible bytes). C0 controls and DEL become their Unicode control pictures (`\0` is shown as `␀`), as rustc
/// shows them; C1 controls and the bidirectional overrides, which reorder what the reader sees, become U+FFFD.
/// Each stays one column wide, so underlines need no adjustment.
fn displayed(c: char) -> char {
    match c {
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\x7f' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

/// The part of one source line a snippet shows: characters `lo..hi`, which are bytes `bytes`, and whether
/// text was left out on either side. Finding the window walks at most its width from the leftmost label, and
/// everything else costs at most its width too, so a diagnostic costs the same on a line of any length.
#[derive(Clone, Debug, Default)]
struct Window {
    lo: usize,
    hi: usize,
    bytes: std::ops::Range<usize>,
    clipped_left: bool,
    clipped_right: bool,
}

impl Window {
    /// The window of `text`, a line of `len` characters, that shows its character `first` (0-based), which
    /// starts at byte `at`: the whole line when it is short.
    fn new(text: &str, at: usize, first: usize, len: usize) -> Window {
        if len <= MAX_SHOWN_CHARS {
            let bytes = 0..text.len();
            return Window { lo: 0, hi: len, bytes, clipped_left: false, clipped_right: false };
        }
        // A label on the line break is shown after the last character.
        let (first, mut at) = if at >= text.len() { (len, text.len()) } else { (first, at) };
        // A span starting inside a character is that character's (as in `SourceFile::line_col`).
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        // Keep the label near the left, but show a full window when the label is near the end.
        let lo = first.saturating_sub(CONTEXT_CHARS).min(len - MAX_SHOWN_CHARS);
        let hi = lo + MAX_SHOWN_CHARS;
        // `first - lo` is at most the window's width (`first <= len`), so both walks are bounded by it.
        // (`first == lo` is a label at the window's left edge: the window starts at it. Walking back
        // `first - lo - 1` characters then underflowed, a panic in debug builds: tests/streaming.rs found it.)
        let start = match (first - lo).checked_sub(1) {
            None => at,
            Some(back) => {
                text.get(..at).and_then(|before| before.char_indices().rev().nth(back)).map_or(0, |(i, _)| i)
            }
        };
        let end = text[start..].char_indices().nth(MAX_SHOWN_CHARS).map_or(text.len(), |(i, _)| start + i);
        Window { lo, hi, bytes: start..end, clipped_left: lo > 0, clipped_right: hi < len }
    }

    /// The window's text.
    fn text<'t>(&self, line: &'t str) -> &'t str {
        line.get(self.bytes.clone()).unwrap_or("")
    }

    /// The line as shown: the window's characters, tabs expanded, with `...` for what is left out.
    fn show(&self, line: &str) -> String {
        let mut shown = String::new();
        if self.clipped_left {
            shown.push_str("...");
        }
        for c in self.text(line).chars() {
            if c == '\t' {
                shown.push_str(TAB);
            } else {
                shown.push(displayed(c));
            }
        }
        if self.clipped_right {
            shown.push_str("...");
        }
        shown
    }

    /// The columns before an underline of characters `start..end` (0-based, clamped to the window) and its
    /// width, at least 1.
    fn underline(&self, line: &str, start: usize, end: usize) -> (usize, usize) {
        let start = start.clamp(self.lo, self.hi);
        let end = end.clamp(start, self.hi);
        let width = |c: char| if c == '\t' { TAB.len() } else { 1 };
        let mut chars = self.text(line).chars();
        let indent: usize = chars.by_ref().take(start - self.lo).map(width).sum();
        let covered: usize = chars.take(end - start).map(width).sum();
        let lead = if self.clipped_left { 3 } else { 0 };
        (lead + indent, covered.max(1))
    }
}

/// Quoted text (between backticks) longer than this many characters is shown as its start and end: a name
/// of 50 MB in a message is no more use than its first and last characters, and would be echoed in the
/// headline and again in a suggestion. Generous, so that long mangled symbol names are shown whole.
const MAX_QUOTED_CHARS: usize = 256;

/// `text` with every quoted part longer than [`MAX_QUOTED_CHARS`] cut to its first 192 and last 48
/// characters around `...`.
fn clip_quoted(text: &str) -> std::borrow::Cow<'_, str> {
    let parts: Vec<&str> = text.split('`').collect();
    // Parts at odd indices are quoted, when a closing backtick follows them.
    let long = |i: usize, part: &str| i % 2 == 1 && i + 1 < parts.len() && part.len() > MAX_QUOTED_CHARS;
    if !parts.iter().enumerate().any(|(i, p)| long(i, p) && p.chars().count() > MAX_QUOTED_CHARS) {
        return text.into();
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        let chars = part.chars().count();
        if long(i, part) && chars > MAX_QUOTED_CHARS {
            out.extend(part.chars().take(192));
            out.push_str("...");
            out.extend(part.chars().skip(chars - 48));
        } else {
            out.push_str(part);
        }
    }
    out.into()
}

/// The diagnostics of one run of a pipeline stage. A stage that returns `Err(Diagnostics)` has at least one
/// error among them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Renders all diagnostics against `file`, separated by blank lines, followed by rustc's summary line
    /// ("error: aborting due to 2 previous errors") when there is more than one error.
    pub fn render(&self, file: &SourceFile) -> String {
        let mut out = self.0.iter().map(|d| d.render(file)).collect::<Vec<_>>().join("\n");
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        if errors > 1 {
            let _ = write!(out, "\nerror: aborting due to {errors} previous errors\n");
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl std::fmt::Display for Diagnostic {
    /// Without a source file only the headline, notes and help lines can be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(&SourceFile::new("<unknown>", "")))
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    /// An internal error is flagged, names itself in the headline and ends with the request to report it,
    /// after the caller's own notes; a user error has none of that.
    #[test]
    fn internal_errors_are_flagged_and_ask_for_a_report() {
        let file = SourceFile::new("m.lw", "pub fn f() {}\n");
        let d = Diagnostic::internal("while compiling `f`: no backend")
            .primary(Span::new(7, 8), "in this function");
        assert!(d.internal && d.is_error());
        assert_eq!(
            d.note("the target was `x86_64-pc-windows-msvc`").render(&file),
            format!(
                "error: internal error: while compiling `f`: no backend\n \
             --> m.lw:1:8\n  |\n1 | pub fn f() {{}}\n  |        ^ in this function\n  |\n  \
             = note: the target was `x86_64-pc-windows-msvc`\n  = note: {REPORT_NOTE}\n"
            )
        );
        assert_eq!(
            Diagnostic::internal("writing the object: full").to_string(),
            format!("error: internal error: writing the object: full\n |\n = note: {REPORT_NOTE}\n")
        );
        let user = Diagnostic::error("unknown link kind `dynamic`");
        assert!(!user.internal);
        assert_eq!(user.to_string(), "error: unknown link kind `dynamic`\n");
    }

    /// A label on the first character of a line too long to show whole: the window starts at the label and is
    /// clipped on the right only. Working out where the window starts underflowed (a panic in debug builds);
    /// tests/streaming.rs's mutated modules found it.
    #[test]
    fn a_label_at_the_start_of_a_long_line_opens_the_window() {
        let line = format!("x{}", "y".repeat(300));
        let file = SourceFile::new("m.lw", format!("{line}\n"));
        let out =
            Diagnostic::error("expected item, found `x`").primary(Span::new(0, 1), "here").render(&file);
        let shown: String = line.chars().take(MAX_SHOWN_CHARS).collect();
        assert!(out.contains(&format!("1 | {shown}...\n  | ^ here\n")), "{out}");
    }

    /// Rendering many diagnostics on one long line that is not all ASCII counts a bounded number of bytes
    /// per diagnostic, not the line up to each label: a 220 KB line with 20,000 errors and one `é` took 45 s
    /// to report (review of issue 7/8), against 0.3 s without the `é`.
    #[test]
    fn columns_on_a_long_non_ascii_line_cost_a_bounded_count() {
        let stmt = "let a = q; ";
        let line = format!("é{}", stmt.repeat(100_000));
        let file = SourceFile::new("m.lw", format!("{line}\nlet b = 1;\n"));
        let labels: Vec<usize> = (0..200).map(|i| 2 + (i * 500 + 7) * stmt.len() + 8).collect();
        // Warm up whatever one-time tables the file builds, so only the per-diagnostic work is counted.
        let _ = file.line_col(0);
        crate::span::COUNTED.with(|c| c.set(0));
        let mut out = String::new();
        for &at in &labels {
            let d = Diagnostic::error("unknown name `q`").primary(Span::new(at, at + 1), "not found");
            out.push_str(&d.render(&file));
        }
        let counted = crate::span::COUNTED.with(|c| c.get());
        // The columns are still characters: the `é` is one column, two bytes.
        let last = *labels.last().unwrap();
        let col = line[..last].chars().count() + 1;
        assert!(out.contains(&format!("--> m.lw:1:{col}\n")), "{}", &out[out.len() - 600..]);
        let shown: String = line.chars().skip(col - 1 - CONTEXT_CHARS).take(MAX_SHOWN_CHARS).collect();
        let caret = format!("{}^ not found", " ".repeat(3 + CONTEXT_CHARS));
        assert!(out.ends_with(&format!("1 | ...{shown}...\n  | {caret}\n")), "{}", &out[out.len() - 600..]);
        let per = counted / labels.len();
        assert!(
            per <= 16 * crate::span::CHECKPOINT_BYTES,
            "{per} bytes counted per diagnostic on a {} byte line",
            line.len()
        );
    }
}
