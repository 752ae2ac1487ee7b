//! The printer: an [`ast::Module`](crate::ast::Module) as canonical text that parses back to an equal module;
//! given the source's [`Trivia`], with the source's comments and blank lines put back (docs/cli.md "fmt").

use super::trivia::{CommentKind, Trivia};
use crate::ast::*;
use std::fmt::Write as _;

/// Prints a whole module: the `target` line first, then the items, separated by blank lines. With `source`
/// (the text `module` was parsed from, and its trivia), its comments are kept.
pub(crate) fn print_module(module: &Module, source: Option<(&str, &Trivia)>) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
        source: source.map(|(text, trivia)| Source { text, trivia, next: 0 }),
        force_blank: false,
        just_opened: false,
    };
    if let Some(target) = &module.target {
        let line = format!("target {}", target.value);
        // The line is printed first wherever it was written; only where it was first do comments around it
        // keep their place (after items, they stay where they are and the line moves up without them).
        let first = module.items.first().is_none_or(|item| target.span.start < item_start(item));
        let end = target.span.end;
        if first {
            p.line(&line, p.start_before(target.span.start, 1), end, Kind::Plain)
        } else {
            p.raw(&line)
        }
    }
    for item in &module.items {
        p.force_blank = true;
        match item {
            Item::Extern(block) => p.extern_block(block),
            Item::Static(s) => {
                p.export(&s.export);
                p.line(&static_def(s), s.span.start, s.span.end, Kind::Plain);
            }
            Item::Fn(f) => p.fn_def(f),
        }
    }
    p.force_blank = false;
    // Comments after the last item.
    p.leading(u32::MAX, 0);
    p.out
}

/// Where an item's text starts, attributes aside.
fn item_start(item: &Item) -> u32 {
    match item {
        Item::Extern(b) => b.span.start,
        Item::Static(s) => s.span.start,
        Item::Fn(f) => f.span.start,
    }
}

/// The source a module was parsed from, and how far its comments have been printed.
struct Source<'a> {
    text: &'a str,
    trivia: &'a Trivia,
    /// The first comment not printed yet.
    next: usize,
}

/// What a printed line does to blocks: comments before a line that closes a block go inside the block (at
/// the block's indentation), and no blank line comes right before a `}` or right after a `{`.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Neither opens nor closes.
    Plain,
    /// Ends with `{`.
    Open,
    /// Starts with `}` (and may open the next block: `} else {`).
    Close { opens: bool },
}

struct Printer<'a> {
    out: String,
    indent: usize,
    source: Option<Source<'a>>,
    /// The next line or comment printed is preceded by a blank line (between items).
    force_blank: bool,
    /// The last line printed opened a block.
    just_opened: bool,
}

impl Printer<'_> {
    /// A line with no source position (the target line moved up).
    fn raw(&mut self, text: &str) {
        self.push_indent(self.indent);
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn push_indent(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str("    ");
        }
    }

    /// One line at the current indentation, printing text whose first token starts at `start` and whose last
    /// token ends at `end` in the source. Comments before `end` not printed yet come first, each on its own
    /// line (comments inside the line's tokens too: a line keeps no comment inside it); comments after `end`
    /// on the same source line follow it.
    fn line(&mut self, text: &str, start: u32, end: u32, kind: Kind) {
        let inside = matches!(kind, Kind::Close { .. });
        let indent = self.indent + usize::from(inside);
        // Comments before the line, then the blank line the line had before it, then comments from inside it:
        // a blank line in the source before `let x = f(a, /* c */ b);` stays before the line's comments.
        self.leading(start, indent);
        self.separate(start, inside);
        self.leading(end, indent);
        self.push_indent(self.indent);
        self.out.push_str(text);
        self.trailing(end);
        self.out.push('\n');
        self.just_opened = matches!(kind, Kind::Open | Kind::Close { opens: true });
    }

    /// A blank line before what starts at `start`, if one belongs there: between items always; elsewhere when
    /// the source had one (one, however many it had), never at the top of a block, and never before a `}`
    /// (`closing`).
    fn separate(&mut self, start: u32, closing: bool) {
        let force = std::mem::take(&mut self.force_blank);
        if self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        let from_source = !closing
            && !self.just_opened
            && self.source.as_ref().is_some_and(|s| blank_before(s.text, start));
        if force || from_source {
            self.out.push('\n');
        }
    }

    /// Prints, each on a line of its own at `indent`, the comments not printed yet that start before `end`
    /// (comments that follow one another on a source line share an output line).
    fn leading(&mut self, end: u32, indent: usize) {
        loop {
            let Some(source) = &self.source else { return };
            let Some(c) = source.trivia.comments.get(source.next).copied() else { return };
            if c.span.start >= end {
                return;
            }
            self.separate(c.span.start, false);
            self.push_indent(indent);
            self.push_comment(c.span);
            let mut at = c.span.end;
            let mut kind = c.kind;
            while kind == CommentKind::Block {
                let Some(source) = &self.source else { break };
                let Some(d) = source.trivia.comments.get(source.next).copied() else { break };
                if d.span.start >= end || !same_line(source.text, at, d.span.start) {
                    break;
                }
                self.out.push(' ');
                self.push_comment(d.span);
                at = d.span.end;
                kind = d.kind;
            }
            self.out.push('\n');
            self.just_opened = false;
        }
    }

    /// Appends the comments that follow `end` on its source line, with nothing but spaces before each.
    fn trailing(&mut self, end: u32) {
        let mut at = end;
        loop {
            let Some(source) = &self.source else { return };
            let Some(c) = source.trivia.comments.get(source.next).copied() else { return };
            if c.span.start < at || !same_line(source.text, at, c.span.start) {
                return;
            }
            self.out.push(' ');
            self.push_comment(c.span);
            at = c.span.end;
            if c.kind == CommentKind::Line {
                return;
            }
        }
    }

    /// Appends the text of the next comment (which spans `span`) and moves past it. A line comment loses its
    /// trailing whitespace (a `\r` of a CRLF line among it); a block comment is kept byte for byte.
    fn push_comment(&mut self, span: Span) {
        let Some(source) = &mut self.source else { return };
        source.next += 1;
        let text = source.text.get(span.start as usize..span.end as usize).unwrap_or("");
        let text = if text.starts_with("//") { text.trim_end() } else { text };
        self.out.push_str(text);
    }

    /// The start of the token `back` tokens before the one at `pos` (an attribute's `#` from its string).
    fn start_before(&self, pos: u32, back: usize) -> u32 {
        self.source.as_ref().map_or(pos, |s| s.trivia.start_before(pos, back))
    }

    /// The end of the first token at or after `pos` (an attribute's `]`, a block's `{`).
    fn end_of_next(&self, pos: u32) -> u32 {
        self.source.as_ref().map_or(pos, |s| s.trivia.end_of_next(pos))
    }

    /// Whether `outer` holds a comment outside `inner` (between their starts, or between their ends).
    fn comment_around(&self, outer: Span, inner: Span) -> bool {
        self.source.as_ref().is_some_and(|s| {
            s.trivia.comment_in(Span::new(outer.start as usize, inner.start as usize))
                || s.trivia.comment_in(Span::new(inner.end as usize, outer.end as usize))
        })
    }

    /// Whether a block prints as `{}`: it has no statements and no comments inside.
    fn empty(&self, stmts: usize, span: Span) -> bool {
        stmts == 0 && !self.source.as_ref().is_some_and(|s| s.trivia.comment_in(span))
    }

    fn extern_block(&mut self, block: &ExternBlock) {
        if let Some(link) = &block.link {
            let mut attr = format!("#[link(name = {}", quote(link.name.value.as_bytes()));
            if let Some(kind) = &link.kind {
                let _ = write!(attr, ", kind = {}", quote(kind.value.as_str().as_bytes()));
            }
            if let Some(modifiers) = &link.modifiers {
                let _ = write!(attr, ", modifiers = {}", quote(modifiers.value.as_bytes()));
            }
            attr.push_str(")]");
            self.line(&attr, link.span.start, link.span.end, Kind::Plain);
        }
        if let Some(crt) = &block.crt {
            self.line("#[crt]", crt.span.start, crt.span.end, Kind::Plain);
        }
        let mut head = String::from("extern");
        if let Some(abi) = &block.abi {
            head.push(' ');
            head.push_str(&quote(abi.value.as_bytes()));
        }
        let start = block.span.start;
        if self.empty(block.items.len(), block.span) {
            self.line(&format!("{head} {{}}"), start, block.span.end, Kind::Plain);
            return;
        }
        let after_head = block.abi.as_ref().map_or(start + "extern".len() as u32, |abi| abi.span.end);
        let open = self.end_of_next(after_head);
        self.line(&format!("{head} {{"), start, open, Kind::Open);
        self.indent += 1;
        for item in &block.items {
            let mut first = item.span.start;
            if let Some(name) = &item.link_name {
                // `#[link_name = "NAME"]`: the `#` is four tokens before the string.
                first = first.min(self.start_before(name.span.start, 4));
            }
            if let Some(ordinal) = &item.ordinal {
                // `#[link_ordinal(N)]`: likewise before the number.
                first = first.min(self.start_before(ordinal.span.start, 4));
            }
            self.line(&extern_item(item), first, item.span.end, Kind::Plain);
        }
        self.indent -= 1;
        self.line("}", block.span.end.saturating_sub(1), block.span.end, Kind::Close { opens: false });
    }

    fn fn_def(&mut self, f: &FnDef) {
        self.export(&f.export);
        let public = if f.public { "pub " } else { "" };
        let head = format!("{public}fn {}{}", f.name.value, signature(&f.sig));
        self.blocks(&[(head, &f.body)], f.span.start, f.span.end);
    }

    /// `#[export]` and `#[export_name]`, each on a line of its own.
    fn export(&mut self, export: &Export) {
        if let Some(attr) = &export.export {
            self.line("#[export]", attr.span.start, attr.span.end, Kind::Plain);
        }
        if let Some(name) = &export.name {
            let (start, end) = (self.start_before(name.span.start, 4), self.end_of_next(name.span.end));
            self.line(&format!("#[export_name = {}]", quote(name.value.as_bytes())), start, end, Kind::Plain);
        }
    }

    /// Braced blocks that share lines: `head {`, the statements, then `} next-head {` ... `}`. An empty
    /// block prints as `{}` on its head's line. `start` is where the first head starts in the source and
    /// `end` where the whole construct ends (after a last `}` that may belong to an `else { if ... }` the
    /// printing turns into `else if`).
    fn blocks(&mut self, parts: &[(String, &Block)], start: u32, end: u32) {
        let mut pending = String::new();
        let mut line_start = start;
        let mut closing = false;
        for (i, (head, block)) in parts.iter().enumerate() {
            if i > 0 {
                pending.push(' ');
            }
            pending.push_str(head);
            if self.empty(block.stmts.len(), block.span) {
                pending.push_str(" {}");
            } else {
                pending.push_str(" {");
                let kind = if closing { Kind::Close { opens: true } } else { Kind::Open };
                self.line(&pending, line_start, block.span.start + 1, kind);
                self.indent += 1;
                for stmt in &block.stmts {
                    self.stmt(stmt);
                }
                self.indent -= 1;
                pending = String::from("}");
                line_start = block.span.end.saturating_sub(1);
                closing = true;
            }
        }
        self.line(
            &pending,
            line_start,
            end,
            if closing { Kind::Close { opens: false } } else { Kind::Plain },
        );
    }

    fn stmt(&mut self, stmt: &Stmt) {
        let (start, end) = (stmt.span.start, stmt.span.end);
        match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let m = if *mutable { "mut " } else { "" };
                let ty = ty.as_ref().map(|t| format!(": {}", t.value)).unwrap_or_default();
                self.line(&format!("let {m}{}{ty} = {};", name.value, expr(value)), start, end, Kind::Plain);
            }
            StmtKind::Assign { target, value } => {
                self.line(&format!("{} = {};", target.value, expr(value)), start, end, Kind::Plain)
            }
            StmtKind::Return(None) => self.line("return;", start, end, Kind::Plain),
            StmtKind::Return(Some(value)) => {
                self.line(&format!("return {};", expr(value)), start, end, Kind::Plain)
            }
            StmtKind::Expr(e) => self.line(&format!("{};", expr(e)), start, end, Kind::Plain),
            StmtKind::For { var, start: from, end: to, body } => {
                let head = format!("for {} in {}..{}", var.value, expr(from), expr(to));
                self.blocks(&[(head, body)], start, end);
            }
            StmtKind::If { cond, then, otherwise } => {
                // An else block holding exactly one `if` prints as `else if`; it parses back to the same shape.
                let mut parts = vec![(format!("if {}", expr(cond)), then)];
                let mut rest = otherwise.as_ref();
                while let Some(block) = rest {
                    match block.stmts.as_slice() {
                        // Not when the else block has comments around its `if`: folded, they would print
                        // inside the block before it (review of issue 13).
                        [inner @ Stmt { kind: StmtKind::If { cond, then, otherwise }, .. }]
                            if !self.comment_around(block.span, inner.span) =>
                        {
                            parts.push((format!("else if {}", expr(cond)), then));
                            rest = otherwise.as_ref();
                        }
                        _ => {
                            parts.push(("else".to_owned(), block));
                            rest = None;
                        }
                    }
                }
                self.blocks(&parts, start, end);
            }
        }
    }
}

/// Whether a blank line comes right before `pos` in `text`: only whitespace back to a line break before which,
/// again after only whitespace, there is another.
fn blank_before(text: &str, pos: u32) -> bool {
    let before = text.as_bytes().get(..pos as usize).unwrap_or(&[]);
    let mut breaks = 0;
    for &b in before.iter().rev() {
        match b {
            b'\n' => {
                breaks += 1;
                if breaks == 2 {
                    return true;
                }
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => {}
            _ => return false,
        }
    }
    false
}

/// Whether only spaces and tabs lie between `from` and `to` in `text` (they are on one line).
fn same_line(text: &str, from: u32, to: u32) -> bool {
    from <= to
        && text
            .as_bytes()
            .get(from as usize..to as usize)
            .is_some_and(|gap| gap.iter().all(|&b| b == b' ' || b == b'\t'))
}

fn extern_item(item: &ExternItem) -> String {
    let mut text = String::new();
    if let Some(name) = &item.link_name {
        let _ = write!(text, "#[link_name = {}] ", quote(name.value.as_bytes()));
    }
    if let Some(ordinal) = &item.ordinal {
        let _ = write!(text, "#[link_ordinal({})] ", ordinal.value);
    }
    match &item.kind {
        ExternItemKind::Fn(sig) => {
            let _ = write!(text, "fn {}{};", item.name.value, signature(sig));
        }
        ExternItemKind::Static { mutable, ty } => {
            let m = if *mutable { "mut " } else { "" };
            let _ = write!(text, "static {m}{}: {};", item.name.value, ty.value);
        }
    }
    text
}

fn signature(sig: &Signature) -> String {
    let params: Vec<String> = sig
        .params
        .iter()
        .map(|p| match &p.name {
            Some(name) => format!("{}: {}", name.value, p.ty.value),
            None => p.ty.value.to_string(),
        })
        .collect();
    let ret = sig.ret.as_ref().map(|t| format!(" -> {}", t.value)).unwrap_or_default();
    format!("({}){ret}", params.join(", "))
}

fn static_def(s: &StaticDef) -> String {
    let public = if s.public { "pub " } else { "" };
    let m = if s.mutable { "mut " } else { "" };
    let ty = match s.ty.value {
        StaticType::Value(t) => t.to_string(),
        StaticType::Array { elem, len } => {
            let elem = match elem {
                ElemType::U8 => "u8".to_owned(),
                ElemType::Value(t) => t.to_string(),
            };
            match len {
                Some(n) => format!("[{elem}; {n}]"),
                None => format!("[{elem}]"),
            }
        }
    };
    let init = match &s.init {
        Init::Const(e) => expr(e),
        Init::AddrOf(name) => format!("&{}", name.value),
        Init::Str(bytes) => quote(&bytes.value),
        Init::List(items, _) => format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(", ")),
        Init::Repeat(value, count, _) => format!("[{}; {}]", expr(value), count.value),
    };
    format!("{public}static {m}{}: {ty} = {init};", s.name.value)
}

/// Binding strengths above every binary operator (those are 4 to 10, see [`BinaryOp::precedence`]).
const CAST: u8 = 11;
const UNARY: u8 = 12;
const ATOM: u8 = 13;

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Cast(..) => CAST,
        ExprKind::Unary(..) => UNARY,
        _ => ATOM,
    }
}

/// An expression with the fewest parentheses that parse back to the same tree.
fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, 0);
    out
}

/// Writes `e`, in parentheses if it binds less tightly than `min`.
fn write_expr(out: &mut String, e: &Expr, min: u8) {
    if precedence(e) < min {
        out.push('(');
        write_bare(out, e);
        out.push(')');
    } else {
        write_bare(out, e);
    }
}

fn write_bare(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::Float(x) => out.push_str(&float(*x)),
        ExprKind::Str(bytes) => out.push_str(&quote(bytes)),
        ExprKind::Name(name) => out.push_str(&name.value),
        ExprKind::AddrOf(name) => {
            out.push('&');
            out.push_str(&name.value);
        }
        ExprKind::Call { callee, args } => {
            out.push_str(&callee.value);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, arg, 0);
            }
            out.push(')');
        }
        ExprKind::Unary(op, operand) => {
            out.push_str(op.as_str());
            let mut inner = String::new();
            write_expr(&mut inner, operand, UNARY);
            // `-` before a negative operand would read as `--`: separate them, `- -1`. (Parentheses would do
            // too, but would add a level of nesting the source did not have, and nesting is limited.)
            if *op == UnaryOp::Neg && inner.starts_with('-') {
                out.push(' ');
            }
            out.push_str(&inner);
        }
        ExprKind::Binary(op, lhs, rhs) => {
            let p = op.precedence();
            // Left-associative: a left operand of the same precedence needs no parentheses, a right one does.
            // Comparisons do not chain, so a comparison operand of a comparison is parenthesized either side.
            let left_min = if op.is_comparison() { p + 1 } else { p };
            write_expr(out, lhs, left_min);
            let _ = write!(out, " {} ", op.as_str());
            write_expr(out, rhs, p + 1);
        }
        ExprKind::Cast(operand, ty) => {
            write_expr(out, operand, CAST);
            let _ = write!(out, " as {}", ty.value);
        }
    }
}

/// A float literal that lexes back to the same value in both widths. Usually that is Rust's shortest
/// round-trip form of the `f64`, which always has a `.` or an exponent for finite values (`1.0`, `0.1`,
/// `1e300`, `5e-324`).
///
/// The shortest form can read back as a different `f32` only when the `f64` lies exactly on a rounding
/// boundary between two `f32`s (the text was rounded onto it), and then it falls on the wrong side of the
/// boundary half the time. In that case the literal is written as the boundary's exact decimal nudged
/// towards the `f32` by a unit in its 40th significant digit (or the digit after its exact expansion, when
/// that is longer): far less than half an `f64` ulp (about the 17th digit), so the `f64` is unchanged, while
/// the `f32` is rounded from the right side again.
fn float(x: FloatLit) -> String {
    let shortest = {
        let s = format!("{:?}", x.f64);
        if x.f64.is_finite() && !s.contains(['.', 'e', 'E']) { format!("{s}.0") } else { s }
    };
    let reads_back = |s: &str| FloatLit::parse(s).is_some_and(|y| same_float(x, y));
    if reads_back(&shortest) {
        return shortest;
    }
    // An f64 has at most 767 significant decimal digits, so 1100 gives its exact expansion.
    let exact = format!("{:.1100e}", x.f64);
    let Some((mantissa, exp)) = exact.split_once('e') else { return shortest };
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let last = digits.len() - 1;
    let width = (digits.len() + 1).max(40);
    if f64::from(x.f32) > x.f64 {
        // Up: the exact digits, zeros, then a 1 in the last place.
        digits.resize(width - 1, b'0');
        digits.push(b'1');
    } else if digits[last] > b'0' {
        // Down: one less in the last nonzero digit, then nines; no borrow runs past that digit.
        digits[last] -= 1;
        digits.resize(width, b'9');
    } else {
        return shortest;
    }
    let text = format!("{}.{}e{exp}", char::from(digits[0]), String::from_utf8_lossy(&digits[1..]));
    if reads_back(&text) { text } else { shortest }
}

/// Bitwise equality of both widths (`0.0` and `-0.0` differ; no literal is NaN).
fn same_float(a: FloatLit, b: FloatLit) -> bool {
    a.f64.to_bits() == b.f64.to_bits() && a.f32.to_bits() == b.f32.to_bits()
}

/// A string literal that lexes back to exactly `bytes`: printable ASCII as is; quotes, backslashes, control
/// bytes and bytes above 0x7e escaped.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0 => out.push_str("\\0"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    out
}
