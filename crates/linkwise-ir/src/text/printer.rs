//! The printer: an [`ast::Module`](crate::ast::Module) as canonical text that parses back to an equal module.

use crate::ast::*;
use std::fmt::Write as _;

/// Prints a whole module: the `target` line first, then the items, separated by blank lines.
pub(crate) fn print_module(module: &Module) -> String {
    let mut p = Printer { out: String::new(), indent: 0 };
    if let Some(target) = &module.target {
        p.line(&format!("target {}", target.value));
    }
    for item in &module.items {
        if !p.out.is_empty() {
            p.out.push('\n');
        }
        match item {
            Item::Extern(block) => p.extern_block(block),
            Item::Static(s) => {
                p.export(&s.export);
                p.line(&static_def(s));
            }
            Item::Fn(f) => p.fn_def(f),
        }
    }
    p.out
}

struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    /// One line at the current indentation.
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
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
            self.line(&attr);
        }
        if block.crt.is_some() {
            self.line("#[crt]");
        }
        let mut head = String::from("extern");
        if let Some(abi) = &block.abi {
            head.push(' ');
            head.push_str(&quote(abi.value.as_bytes()));
        }
        if block.items.is_empty() {
            self.line(&format!("{head} {{}}"));
            return;
        }
        self.line(&format!("{head} {{"));
        self.indent += 1;
        for item in &block.items {
            self.line(&extern_item(item));
        }
        self.indent -= 1;
        self.line("}");
    }

    fn fn_def(&mut self, f: &FnDef) {
        self.export(&f.export);
        let public = if f.public { "pub " } else { "" };
        let head = format!("{public}fn {}{}", f.name.value, signature(&f.sig));
        self.blocks(&[(head, &f.body)]);
    }

    /// `#[export]` and `#[export_name]`, each on a line of its own.
    fn export(&mut self, export: &Export) {
        if export.export.is_some() {
            self.line("#[export]");
        }
        if let Some(name) = &export.name {
            self.line(&format!("#[export_name = {}]", quote(name.value.as_bytes())));
        }
    }

    /// Braced blocks that share lines: `head {`, the statements, then `} next-head {` ... `}`. An empty
    /// block prints as `{}` on its head's line.
    fn blocks(&mut self, parts: &[(String, &Block)]) {
        let mut pending = String::new();
        for (i, (head, block)) in parts.iter().enumerate() {
            if i > 0 {
                pending.push(' ');
            }
            pending.push_str(head);
            if block.stmts.is_empty() {
                pending.push_str(" {}");
            } else {
                pending.push_str(" {");
                self.line(&pending);
                self.indent += 1;
                for stmt in &block.stmts {
                    self.stmt(stmt);
                }
                self.indent -= 1;
                pending = String::from("}");
            }
        }
        self.line(&pending);
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let m = if *mutable { "mut " } else { "" };
                let ty = ty.as_ref().map(|t| format!(": {}", t.value)).unwrap_or_default();
                self.line(&format!("let {m}{}{ty} = {};", name.value, expr(value)));
            }
            StmtKind::Assign { target, value } => self.line(&format!("{} = {};", target.value, expr(value))),
            StmtKind::Return(None) => self.line("return;"),
            StmtKind::Return(Some(value)) => self.line(&format!("return {};", expr(value))),
            StmtKind::Expr(e) => self.line(&format!("{};", expr(e))),
            StmtKind::For { var, start, end, body } => {
                let head = format!("for {} in {}..{}", var.value, expr(start), expr(end));
                self.blocks(&[(head, body)]);
            }
            StmtKind::If { cond, then, otherwise } => {
                // An else block holding exactly one `if` prints as `else if`; it parses back to the same shape.
                let mut parts = vec![(format!("if {}", expr(cond)), then)];
                let mut rest = otherwise.as_ref();
                while let Some(block) = rest {
                    match block.stmts.as_slice() {
                        [Stmt { kind: StmtKind::If { cond, then, otherwise }, .. }] => {
                            parts.push((format!("else if {}", expr(cond)), then));
                            rest = otherwise.as_ref();
                        }
                        _ => {
                            parts.push(("else".to_owned(), block));
                            rest = None;
                        }
                    }
                }
                self.blocks(&parts);
            }
        }
    }
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
