//! Diagnostics: user mistakes reported rustc-style, with an error code, file:line:col, the offending text
//! underlined, and notes, help and suggested edits that say what to do.
//!
//! Rendering is done by `annotate-snippets`, the crate rustc's own renderer is being moved to (issue 13;
//! docs/errors.md says why it and not codespan-reporting). This module decides what it is given: which part
//! of the source (a window of a long line, so a diagnostic costs the same on a line of any length), the
//! labels, the code (from [`crate::codes`]), and the help groups with their patches. The same diagnostic also
//! renders as one line of JSON with rustc's field names ([`Diagnostic::render_json`]).

use crate::codes;
use crate::span::{SourceFile, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet};
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

/// A suggested edit: replace the text of `span` (empty for an insertion) with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The text replaced; an empty span inserts at its position.
    pub span: Span,
    /// The new text.
    pub replacement: String,
    /// The `help:` line, e.g. "a local variable with a similar name exists".
    pub message: String,
    /// Whether the help is already shown in a label at the place (rustc's `^ help: add `;` here`) rather
    /// than as a group of its own showing the edited line.
    pub inline: bool,
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
    /// The error code, from [`crate::codes::CODES`]; `None` lets [`Diagnostic::code_name`] find it from the
    /// headline.
    pub code: Option<&'static codes::Code>,
    /// Suggested edits ([`Diagnostic::suggestions`]), boxed: most diagnostics have none, and a `Diagnostic`
    /// is the error of many `Result`s, which must stay small.
    suggestions: Option<Box<Suggestions>>,
}

/// A diagnostic's suggested edits, behind one pointer in [`Diagnostic`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Suggestions(Vec<Suggestion>);

/// How diagnostics are rendered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// One line of JSON per diagnostic ([`Diagnostic::render_json`]) instead of text for people
    /// (`--error-format json`).
    pub json: bool,
    /// Whether to colour the output with ANSI escapes (rustc's colours), for a terminal.
    pub color: bool,
    /// Whether [`Diagnostics::render_with`] ends with rustc's pointer to the long explanations ("For more
    /// information about this error, try `linkwise explain-error LW0425`."), as the command line does.
    pub explain_footer: bool,
}

thread_local! {
    /// What [`Diagnostic::render`] and [`Diagnostics::render`] use on this thread: set for a command line's
    /// run by [`set_default_render_options`], so that every place that renders a diagnostic follows
    /// `--color` and `--error-format` without being handed them.
    static DEFAULT_OPTIONS: std::cell::Cell<RenderOptions> = const {
        std::cell::Cell::new(RenderOptions { json: false, color: false, explain_footer: false })
    };
}

/// Sets what [`Diagnostic::render`] and [`Diagnostics::render`] use on this thread (plain text by default);
/// returns what was set before, for the caller to put back.
pub fn set_default_render_options(options: RenderOptions) -> RenderOptions {
    DEFAULT_OPTIONS.with(|o| o.replace(options))
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
            code: None,
            suggestions: None,
        }
    }

    /// An error that is linkwise's bug, not the user's (its `internal` flag set): `what` says what went wrong,
    /// for example "writing the object: {e}". The headline reads "internal error: {what}" and a last note
    /// asks for a report, so no caller spells either.
    pub fn internal(what: impl Into<String>) -> Diagnostic {
        Diagnostic { internal: true, code: codes::lookup(codes::INTERNAL), ..Diagnostic::error(what) }
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

    /// Sets the error code, one of [`crate::codes::CODES`] (an unknown one is a bug: debug builds panic, and
    /// release builds keep the code found from the headline).
    pub fn with_code(mut self, code: &str) -> Diagnostic {
        let found = codes::lookup(code);
        debug_assert!(found.is_some(), "`{code}` is not in the registry");
        self.code = found.or(self.code);
        self
    }

    fn add_suggestion(&mut self, s: Suggestion) {
        self.suggestions.get_or_insert_default().0.push(s);
    }

    /// The suggested edits, in the order given.
    pub fn suggestions(&self) -> &[Suggestion] {
        self.suggestions.as_deref().map_or(&[], |s| s.0.as_slice())
    }

    /// Adds a suggested edit shown as a `help: {message}` group with the edited line, as rustc shows
    /// "a local variable with a similar name exists".
    pub fn suggest(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (replacement, message) = (replacement.into(), message.into());
        self.add_suggestion(Suggestion { span, replacement, message, inline: false });
        self
    }

    /// Adds a suggested edit whose help is shown on the primary label itself (`^ help: add `;` here`): the
    /// primary label is added here, at `span`, with the text `help: {message}`.
    pub fn suggest_inline(
        mut self,
        span: Span,
        replacement: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (replacement, message) = (replacement.into(), message.into());
        self.labels.insert(0, Label { span, message: format!("help: {message}"), primary: true });
        self.add_suggestion(Suggestion { span, replacement, message, inline: true });
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic's error code: the one it was given, or the one its headline's shape has in the
    /// registry ([`crate::codes::classify`]).
    pub fn code_name(&self) -> Option<&'static str> {
        if self.internal {
            return Some(codes::INTERNAL);
        }
        self.code.map(|c| c.code).or_else(|| codes::classify(&self.message))
    }

    /// Renders the diagnostic against `file` the way rustc does, without colour unless this thread's
    /// defaults say otherwise ([`set_default_render_options`]):
    ///
    /// ```text
    /// error[LW0301]: unknown link kind `dynamic`
    ///  --> hello.lw:3:32
    ///   |
    /// 3 | #[link(name = "msvcrt", kind = "dynamic")]
    ///   |                                ^^^^^^^^^ expected `dylib`, `static` or `static-nobundle`
    /// ```
    pub fn render(&self, file: &SourceFile) -> String {
        self.render_with(file, DEFAULT_OPTIONS.with(std::cell::Cell::get))
    }

    /// Renders the diagnostic against `file` as `options` say: text (in colour or not), or a line of JSON.
    pub fn render_with(&self, file: &SourceFile, options: RenderOptions) -> String {
        if options.json {
            return self.render_json(file) + "\n";
        }
        let renderer = if options.color { Renderer::styled() } else { Renderer::plain() };
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let internal = if self.internal { "internal error: " } else { "" };
        let headline = format!("{internal}{}", clip_quoted(&self.message));
        let mut title = level.primary_title(headline);
        if let Some(code) = self.code_name() {
            title = title.id(code);
        }
        let mut main = Group::with_title(title);
        let labels: Vec<&Label> =
            self.labels.iter().filter(|l| !l.span.is_dummy() || file.text().is_empty()).collect();
        let mut fixes = Vec::new();
        for element in snippets(file, &labels, &mut fixes) {
            main = main.element(element);
        }
        let report = self.internal.then_some(REPORT_NOTE);
        for note in self.notes.iter().map(String::as_str).chain(report) {
            main = main.element(Level::NOTE.message(clip_quoted(note).into_owned()));
        }
        for help in &self.help {
            main = main.element(Level::HELP.message(clip_quoted(help).into_owned()));
        }
        // A suggestion on a line too long to show edited is a help line naming the replacement.
        for s in self.suggestions().iter().filter(|s| !s.inline && !patchable(file, s)) {
            let text = format!("{}: `{}`", s.message, s.replacement);
            main = main.element(Level::HELP.message(clip_quoted(&text).into_owned()));
        }
        let mut groups = vec![main];
        for s in self.suggestions().iter().filter(|s| !s.inline && patchable(file, s)) {
            groups.push(suggestion_group(file, s));
        }
        let mut out = renderer.render(&groups);
        for (wrong, right) in fixes {
            out = out.replacen(&wrong, &right, 1);
        }
        // annotate-snippets ends without a line break; rustc's output has one after every diagnostic.
        out.push('\n');
        out
    }

    /// The diagnostic as one line of JSON (no line break), with rustc's field names where they fit
    /// (`message`, `code`, `level`, `spans`, `children`, `rendered`). docs/errors.md gives the schema.
    pub fn render_json(&self, file: &SourceFile) -> String {
        use serde_json::{Value, json};
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let code = self.code_name().map_or(
            Value::Null,
            |c| json!({"code": c, "explanation": codes::lookup(c).map(|c| c.explanation)}),
        );
        let spans: Vec<Value> = self
            .labels
            .iter()
            .filter(|l| !l.span.is_dummy())
            .map(|l| json_span(file, l.span, l.primary, Some(&l.message), None))
            .collect();
        let mut children: Vec<Value> = Vec::new();
        let report = self.internal.then_some(REPORT_NOTE);
        for (kind, text) in self
            .notes
            .iter()
            .map(|n| ("note", n.as_str()))
            .chain(report.map(|r| ("note", r)))
            .chain(self.help.iter().map(|h| ("help", h.as_str())))
        {
            children.push(json!({"message": text, "code": null, "level": kind, "spans": [], "children": [],
                "rendered": null}));
        }
        for s in self.suggestions() {
            let span = json_span(file, s.span, true, None, Some(&s.replacement));
            children.push(json!({"message": s.message, "code": null, "level": "help", "spans": [span],
                "children": [], "rendered": null}));
        }
        let internal = if self.internal { "internal error: " } else { "" };
        json!({
            "$message_type": "diagnostic",
            "message": format!("{internal}{}", self.message),
            "code": code,
            "level": level,
            "spans": spans,
            "children": children,
            "rendered": self.render_with(file, RenderOptions::default()),
        })
        .to_string()
    }
}

/// One span of a JSON diagnostic, in rustc's shape: byte offsets, 1-based lines and character columns
/// (`column_end` one past the last character), and the text of the span's first line (a window of it when
/// the line is long) with the highlighted columns.
fn json_span(
    file: &SourceFile,
    span: Span,
    primary: bool,
    label: Option<&str>,
    replacement: Option<&str>,
) -> serde_json::Value {
    let (line_start, column_start) = file.line_col(span.start);
    let (line_end, column_end) = file.line_col(span.end);
    let text = file.line_text(line_start);
    let at = (span.start as usize).saturating_sub(file.line_start(line_start));
    let window = Window::new(text, at, column_start - 1, file.line_chars(line_start));
    let shown = window.text(text);
    let highlight_end = if line_end == line_start { column_end } else { file.line_chars(line_start) + 1 };
    serde_json::json!({
        "file_name": file.name(),
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": primary,
        "text": [{
            "text": shown,
            "highlight_start": column_start - window.lo,
            "highlight_end": highlight_end.saturating_sub(window.lo).max(column_start - window.lo),
        }],
        "label": label.filter(|l| !l.is_empty()),
        "suggested_replacement": replacement,
    })
}

/// The last note of an internal error: whose bug it is and what to do.
const REPORT_NOTE: &str = "this is a bug in linkwise, not in the input; please report it with the input file";

/// Lines longer than this many characters are shown clipped around their leftmost label, with `...` where
/// text is left out: a diagnostic on a 50 MB line used to echo all of it, and as many spaces again before the
/// caret (issue 7).
const MAX_SHOWN_CHARS: usize = 120;

/// How much of a clipped line is shown before its leftmost label.
const CONTEXT_CHARS: usize = 40;

/// The most bytes of source handed to annotate-snippets whole for one diagnostic; labels further apart, or
/// on longer lines, are shown line by line, each clipped to a window around its labels.
const MAX_WHOLE_BYTES: usize = 8 * 1024;

/// Source text as annotate-snippets is given it: C1 control characters, which it passes through (it
/// replaces C0 controls, DEL and the bidirectional overrides itself), become U+FFFD, so that no byte from a
/// hostile file reaches the terminal raw. Offsets into the original text are mapped with [`Shown::at`].
struct Shown {
    text: String,
    /// (original offset, shift after it) for every replaced character, in order.
    shifts: Vec<(usize, usize)>,
}

impl Shown {
    fn new(original: &str) -> Shown {
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        for (i, c) in original.char_indices() {
            if matches!(c, '\u{80}'..='\u{9f}') {
                text.push('\u{fffd}');
                // U+FFFD is 3 bytes, a C1 control 2.
                shifts.push((i + c.len_utf8(), shifts.last().map_or(0, |s: &(usize, usize)| s.1) + 1));
            } else {
                text.push(c);
            }
        }
        Shown { text, shifts }
    }

    /// Where byte `offset` of the original (clamped to it, and to a character boundary) is in the shown text.
    fn at(&self, original: &str, offset: usize) -> usize {
        let mut offset = offset.min(original.len());
        while !original.is_char_boundary(offset) {
            offset -= 1;
        }
        let k = self.shifts.partition_point(|&(at, _)| at <= offset);
        offset + if k == 0 { 0 } else { self.shifts[k - 1].1 }
    }
}

/// The snippet elements showing `labels` in `file`: one snippet of the lines from the first label to the
/// last when that text is short, else one window per line with labels; `fixes` gets the `-->` texts to
/// correct after rendering, since annotate-snippets counts columns from the window.
fn snippets<'a>(
    file: &'a SourceFile,
    labels: &[&Label],
    fixes: &mut Vec<(String, String)>,
) -> Vec<annotate_snippets::Element<'a>> {
    if labels.is_empty() {
        return Vec::new();
    }
    let lines: Vec<(usize, usize)> =
        labels.iter().map(|l| (file.line_col(l.span.start).0, file.line_col(l.span.end).0)).collect();
    let first = lines.iter().map(|l| l.0).min().unwrap_or(1);
    let last = lines.iter().map(|l| l.1).max().unwrap_or(1);
    let lo = file.line_start(first);
    let hi = file.line_start(last) + file.line_text(last).len();
    let kind = |l: &Label| if l.primary { AnnotationKind::Primary } else { AnnotationKind::Context };
    if hi - lo <= MAX_WHOLE_BYTES {
        let original = &file.text()[lo..hi];
        let shown = Shown::new(original);
        let annotations: Vec<_> = labels
            .iter()
            .map(|l| {
                let start = shown.at(original, (l.span.start as usize).saturating_sub(lo));
                let end = shown.at(original, (l.span.end as usize).saturating_sub(lo)).max(start);
                kind(l).span(start..end).label(label_text(&l.message))
            })
            .collect();
        let snippet =
            Snippet::source(shown.text).line_start(first).path(file.name()).annotations(annotations);
        return vec![snippet.into()];
    }
    // Long lines, or labels far apart: each line with a label on its own, clipped around its leftmost label.
    // annotate-snippets counts the `-->`/`:::` column from the window, so the right one is put back after
    // rendering (`fixes`).
    let mut out: Vec<annotate_snippets::Element<'a>> = Vec::new();
    // The primary label's line first: its snippet gives the `-->` line, as in rustc.
    let primary = labels.iter().find(|l| l.primary).unwrap_or(&labels[0]);
    let primary_line = file.line_col(primary.span.start).0;
    let mut starts: Vec<usize> = lines.iter().map(|l| l.0).collect();
    starts.sort_unstable_by_key(|&l| (l != primary_line, l));
    starts.dedup();
    for line in starts {
        let text = file.line_text(line);
        let line_lo = file.line_start(line);
        let mut on_line: Vec<&&Label> =
            labels.iter().filter(|l| file.line_col(l.span.start).0 == line).collect();
        on_line.sort_by_key(|l| l.span.start);
        let leftmost = on_line[0];
        let (_, col) = file.line_col(leftmost.span.start);
        let window =
            Window::new(text, leftmost.span.start as usize - line_lo, col - 1, file.line_chars(line));
        let lead = if window.clipped_left { "..." } else { "" };
        let tail = if window.clipped_right { "..." } else { "" };
        let original = window.text(text);
        let shown = Shown::new(original);
        let source = format!("{lead}{}{tail}", shown.text);
        let clamp = |b: u32| (b as usize).saturating_sub(line_lo).clamp(window.bytes.start, window.bytes.end);
        let at = |b: u32| lead.len() + shown.at(original, clamp(b) - window.bytes.start);
        let annotations: Vec<_> = on_line
            .iter()
            .map(|l| {
                let start = at(l.span.start);
                kind(l).span(start..at(l.span.end).max(start)).label(label_text(&l.message))
            })
            .collect();
        // The label annotate-snippets takes the column from: the primary one, else the leftmost.
        let shown_label = on_line.iter().find(|l| l.primary).unwrap_or(&on_line[0]);
        let right = file.line_col(shown_label.span.start).1;
        let wrong = source[..at(shown_label.span.start).min(source.len())].chars().count() + 1;
        if right != wrong {
            fixes
                .push((format!("{}:{line}:{wrong}", file.name()), format!("{}:{line}:{right}", file.name())));
        }
        out.push(Snippet::source(source).line_start(line).path(file.name()).annotations(annotations).into());
    }
    out
}

/// A label's text for annotate-snippets: clipped, and `None` when empty (so no space follows the carets).
fn label_text(message: &str) -> Option<String> {
    (!message.is_empty()).then(|| clip_quoted(message).into_owned())
}

/// Whether a suggestion can be shown as an edited line: on one line short enough to show whole, with a
/// replacement as short; else it is a help line naming the replacement, clipped like any quoted text.
fn patchable(file: &SourceFile, s: &Suggestion) -> bool {
    if s.span.is_dummy() && !file.text().is_empty() {
        return false;
    }
    let (line, _) = file.line_col(s.span.start);
    file.line_col(s.span.end).0 == line
        && file.line_chars(line) <= MAX_SHOWN_CHARS
        && s.replacement.chars().count() <= MAX_SHOWN_CHARS
        && !s.replacement.contains('\n')
}

/// The `help:` group of a suggestion: its message and the line as edited, as rustc shows them.
fn suggestion_group<'a>(file: &'a SourceFile, s: &'a Suggestion) -> Group<'a> {
    let (line, _) = file.line_col(s.span.start);
    let lo = file.line_start(line);
    let original = file.line_text(line);
    let shown = Shown::new(original);
    let start = shown.at(original, (s.span.start as usize).saturating_sub(lo));
    let end = shown.at(original, (s.span.end as usize).saturating_sub(lo)).max(start);
    let patch = Patch::new(start..end, clip_quoted(&s.replacement).into_owned());
    let snippet = Snippet::source(shown.text).line_start(line).path(file.name()).patch(patch);
    Level::HELP.secondary_title(clip_quoted(&s.message).into_owned()).element(snippet)
}

/// The part of one source line a snippet shows: characters `lo..hi`, which are bytes `bytes`, and whether
/// text was left out on either side. Finding the window walks at most its width from the leftmost label, and
/// everything else costs at most its width too, so a diagnostic costs the same on a line of any length.
#[derive(Clone, Debug, Default)]
struct Window {
    lo: usize,
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
            return Window { lo: 0, bytes, clipped_left: false, clipped_right: false };
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
        Window { lo, bytes: start..end, clipped_left: lo > 0, clipped_right: hi < len }
    }

    /// The window's text.
    fn text<'t>(&self, line: &'t str) -> &'t str {
        line.get(self.bytes.clone()).unwrap_or("")
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

    /// Renders all diagnostics against `file` with this thread's defaults (plain text unless
    /// [`set_default_render_options`] said otherwise); see [`Diagnostics::render_with`].
    pub fn render(&self, file: &SourceFile) -> String {
        self.render_with(file, DEFAULT_OPTIONS.with(std::cell::Cell::get))
    }

    /// Renders all diagnostics against `file`, separated by blank lines, followed by rustc's summary lines:
    /// "error: aborting due to 2 previous errors" when there is more than one error, and where to read
    /// about the codes ("For more information about this error, try `linkwise explain-error LW0425`.").
    pub fn render_with(&self, file: &SourceFile, options: RenderOptions) -> String {
        if options.json {
            return self.render_json(file);
        }
        let mut out = self.0.iter().map(|d| d.render_with(file, options)).collect::<Vec<_>>().join("\n");
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        if errors > 1 {
            let summary = Level::ERROR.primary_title(format!("aborting due to {errors} previous errors"));
            let renderer = if options.color { Renderer::styled() } else { Renderer::plain() };
            let _ = write!(out, "\n{}\n", renderer.render(&[Group::with_title(summary)]));
        }
        let mut explained: Vec<&str> =
            self.0.iter().filter(|d| d.is_error() && !d.internal).filter_map(Diagnostic::code_name).collect();
        explained.sort_unstable();
        explained.dedup();
        if !options.explain_footer {
            explained.clear();
        }
        match explained.as_slice() {
            [] => {}
            [one] => {
                let _ = writeln!(
                    out,
                    "\nFor more information about this error, try `linkwise explain-error {one}`."
                );
            }
            [first, ..] => {
                let _ = writeln!(out, "\nSome errors have detailed explanations: {}.", explained.join(", "));
                let _ = writeln!(
                    out,
                    "For more information about an error, try `linkwise explain-error {first}`."
                );
            }
        }
        out
    }

    /// One line of JSON per diagnostic ([`Diagnostic::render_json`]), each ended by a line break.
    pub fn render_json(&self, file: &SourceFile) -> String {
        self.0.iter().map(|d| d.render_json(file) + "\n").collect()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl Diagnostic {
    /// The diagnostic as it reads with no source text to show: each label with a span becomes a note naming
    /// its byte offsets (`at bytes 7..8: in this function`), each suggestion a help line with its replacement.
    /// What [`Display`](std::fmt::Display) prints, for modules built in code, whose spans are
    /// [`Span::DUMMY`] and are left out.
    fn without_source(&self) -> Diagnostic {
        let mut d = self.clone();
        let spans = d.labels.drain(..).filter(|l| !l.span.is_dummy()).map(|l| {
            let at = format!("at bytes {}..{}", l.span.start, l.span.end);
            if l.message.is_empty() { at } else { format!("{at}: {}", l.message) }
        });
        let mut notes: Vec<String> = spans.collect();
        notes.append(&mut d.notes);
        d.notes = notes;
        for s in d.suggestions.take().map(|s| s.0).unwrap_or_default() {
            let at = if s.span.is_dummy() {
                String::new()
            } else {
                format!(" at bytes {}..{}", s.span.start, s.span.end)
            };
            d.help.push(format!("{}: `{}`{at}", s.message, s.replacement));
        }
        d
    }

    /// The diagnostic rendered against `file`, the source its spans point into, as a [`Display`] value: what
    /// [`Diagnostic::render`] returns, for `format!` and `?` (`file:line:col` and the underlined source).
    ///
    /// [`Display`]: std::fmt::Display
    pub fn with_source<'a>(&'a self, file: &'a SourceFile) -> WithSource<'a, Diagnostic> {
        WithSource { value: self, file }
    }
}

impl std::fmt::Display for Diagnostic {
    /// With no source file: the headline, then each labelled span as a note with its byte offsets (`= note: at
    /// bytes 7..8: in this function`), the notes, and the help lines (suggestions as help naming their text),
    /// in the text or JSON form [`set_default_render_options`] chose for the thread (plain text by default).
    /// For `file:line:col` and the source underlined, use [`Diagnostic::with_source`] or
    /// [`Diagnostic::render`]. docs/api.md "Errors".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let empty = SourceFile::new("<unknown>", "");
        f.write_str(&self.without_source().render(&empty))
    }
}

impl std::error::Error for Diagnostic {}

impl std::fmt::Display for Diagnostics {
    /// Every diagnostic as [`Diagnostic`]'s `Display` prints it (byte offsets, no source), separated by blank
    /// lines, with the "aborting due to N previous errors" line when there are several errors;
    /// [`Diagnostics::with_source`] for `file:line:col`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let empty = SourceFile::new("<unknown>", "");
        let plain = Diagnostics(self.0.iter().map(Diagnostic::without_source).collect());
        f.write_str(&plain.render(&empty))
    }
}

/// `compile(&file, &options)?` in a function returning `Box<dyn Error>` works; the error's text is the
/// `Display` above (no source). docs/api.md "Errors".
impl std::error::Error for Diagnostics {}

impl Diagnostics {
    /// The diagnostics rendered against `file` as a [`Display`] value: what [`Diagnostics::render`] returns.
    ///
    /// [`Display`]: std::fmt::Display
    pub fn with_source<'a>(&'a self, file: &'a SourceFile) -> WithSource<'a, Diagnostics> {
        WithSource { value: self, file }
    }
}

/// A [`Diagnostic`] or [`Diagnostics`] together with the source file its spans point into: displays as
/// [`Diagnostic::render`] does (`file:line:col`, the source line underlined), and is an
/// [`Error`](std::error::Error), so `compile(&file, &o).map_err(|d| d.with_source(&file).to_string())?` and
/// friends read as the command line's errors.
#[derive(Clone, Copy, Debug)]
pub struct WithSource<'a, T> {
    value: &'a T,
    file: &'a SourceFile,
}

impl std::fmt::Display for WithSource<'_, Diagnostic> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.value.render(self.file))
    }
}

impl std::fmt::Display for WithSource<'_, Diagnostics> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.value.render(self.file))
    }
}

impl std::error::Error for WithSource<'_, Diagnostic> {}
impl std::error::Error for WithSource<'_, Diagnostics> {}

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
                "error[LW0900]: internal error: while compiling `f`: no backend\n \
             --> m.lw:1:8\n  |\n1 | pub fn f() {{}}\n  |        ^ in this function\n  |\n  \
             = note: the target was `x86_64-pc-windows-msvc`\n  = note: {REPORT_NOTE}\n"
            )
        );
        assert_eq!(
            Diagnostic::internal("writing the object: full").to_string(),
            format!("error[LW0900]: internal error: writing the object: full\n |\n = note: {REPORT_NOTE}\n")
        );
        let user = Diagnostic::error("unknown link kind `dynamic`");
        // Without a source file the span is named by its byte offsets; with one, by file:line:col.
        let spanned =
            Diagnostic::error("unknown link kind `dynamic`").primary(Span::new(7, 8), "in this function");
        assert_eq!(
            spanned.to_string(),
            "error[LW0301]: unknown link kind `dynamic`\n |\n = note: at bytes 7..8: in this function\n"
        );
        assert!(
            spanned.with_source(&file).to_string().contains("--> m.lw:1:8"),
            "{}",
            spanned.with_source(&file)
        );
        let both = Diagnostics(vec![spanned.clone(), user.clone()]);
        let text = both.to_string();
        assert!(
            text.contains("at bytes 7..8") && text.ends_with("aborting due to 2 previous errors\n"),
            "{text}"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(both);
        assert_eq!(boxed.to_string(), text);
        assert!(!user.internal);
        assert_eq!(user.to_string(), "error[LW0301]: unknown link kind `dynamic`\n");
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
        // Short enough to be given to annotate-snippets whole, which cuts it at its terminal width.
        let shown: String = line.chars().take(100).collect();
        assert!(out.contains(&format!("1 | {shown}")) && out.contains("...\n  | ^ here\n"), "{out}");
        // Past `MAX_WHOLE_BYTES`, linkwise's own window: the first `MAX_SHOWN_CHARS` characters.
        let line = format!("x{}", "y".repeat(MAX_WHOLE_BYTES));
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
