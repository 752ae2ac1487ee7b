//! The printer: an [`ast::Module`] back into canonical text that parses to an equal module.

use crate::ast::*;
use std::fmt::Write as _;

/// Prints a whole module.
pub(crate) fn print_module(module: &Module) -> String {
    let mut p = Printer { out: String::new(), indent: 0 };
    let mut first = true;
    if let Some(target) = &module.target {
        let _ = writeln!(p.out, "target {}", target.value);
        first = false;
    }
    for item in &module.items {
        if !first {
            p.out.push('\n');
        }
        first = false;
        match item {
            Item::Extern(block) => p.extern_block(block),
            Item::Static(s) => p.static_def(s),
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
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn extern_block(&mut self, block: &ExternBlock) {
        if let Some(link) = &block.link {
            let kind = link.kind.as_ref().map(|k| format!(", kind = \"{}\"", k.value)).unwrap_or_default();
            self.line(&format!("#[link(name = {}{kind})]", quote(link.name.value.as_bytes())));
        }
        let abi = block.abi.as_ref().map(|a| format!(" {}", quote(a.value.as_bytes()))).unwrap_or_default();
        self.line(&format!("extern{abi} {{"));
        self.indent += 1;
        for item in &block.items {
            let mut text = String::new();
            if let Some(name) = &item.link_name {
                let _ = write!(text, "#[link_name = {}] ", quote(name.value.as_bytes()));
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
            self.line(&text);
        }
        self.indent -= 1;
        self.line("}");
    }

    fn static_def(&mut self, s: &StaticDef) {
        let vis = if s.public { "pub " } else { "" };
        let m = if s.mutable { "mut " } else { "" };
        let init = match &s.init {
            Init::Const(e) => expr(e, 0),
            Init::AddrOf(name) => format!("&{}", name.value),
            Init::Str(bytes) => quote(&bytes.value),
            Init::List(items, _) => {
                format!("[{}]", items.iter().map(|e| expr(e, 0)).collect::<Vec<_>>().join(", "))
            }
            Init::Repeat(e, n, _) => format!("[{}; {}]", expr(e, 0), n.value),
        };
        self.line(&format!("{vis}static {m}{}: {} = {init};", s.name.value, static_type(s.ty.value)));
    }

    fn fn_def(&mut self, f: &FnDef) {
        let vis = if f.public { "pub " } else { "" };
        self.line(&format!("{vis}fn {}{} {{", f.name.value, signature(&f.sig)));
        self.block_body(&f.body);
        self.line("}");
    }

    fn block_body(&mut self, block: &Block) {
        self.indent += 1;
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        self.indent -= 1;
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let m = if *mutable { "mut " } else { "" };
                let ty = ty.as_ref().map(|t| format!(": {}", t.value)).unwrap_or_default();
                self.line(&format!("let {m}{}{ty} = {};", name.value, expr(value, 0)));
            }
            StmtKind::Assign { target, value } => {
                self.line(&format!("{} = {};", target.value, expr(value, 0)))
            }
            StmtKind::Return(None) => self.line("return;"),
            StmtKind::Return(Some(v)) => self.line(&format!("return {};", expr(v, 0))),
            StmtKind::Expr(e) => self.line(&format!("{};", expr(e, 0))),
            StmtKind::For { var, start, end, body } => {
                self.line(&format!("for {} in {}..{} {{", var.value, expr(start, 0), expr(end, 0)));
                self.block_body(body);
                self.line("}");
            }
            StmtKind::If { .. } => self.if_chain(stmt, ""),
        }
    }

    /// `if ... { } else if ... { } else { }`: an else block holding exactly one `if` prints as `else if`.
    fn if_chain(&mut self, stmt: &Stmt, prefix: &str) {
        let StmtKind::If { cond, then, otherwise } = &stmt.kind else { return };
        self.line(&format!("{prefix}if {} {{", expr(cond, 0)));
        self.block_body(then);
        match otherwise {
            None => self.line("}"),
            Some(block) => match block.stmts.as_slice() {
                [nested @ Stmt { kind: StmtKind::If { .. }, .. }] => self.if_chain(nested, "} else "),
                _ => {
                    self.line("} else {");
                    self.block_body(block);
                    self.line("}");
                }
            },
        }
    }
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

fn static_type(ty: StaticType) -> String {
    match ty {
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
    }
}

/// Binding strength of postfix `as` and prefix operators, above every binary operator.
const CAST: u8 = 20;
const UNARY: u8 = 21;

/// Prints `e`, parenthesized if its own precedence is below `min` (the context's requirement).
fn expr(e: &Expr, min: u8) -> String {
    let (text, prec) = match &e.kind {
        ExprKind::Int(n) => (n.to_string(), u8::MAX),
        ExprKind::Float(x) => (float(*x), u8::MAX),
        ExprKind::Str(bytes) => (quote(bytes), u8::MAX),
        ExprKind::Name(n) => (n.value.clone(), u8::MAX),
        ExprKind::AddrOf(n) => (format!("&{}", n.value), u8::MAX),
        ExprKind::Call { callee, args } => {
            let args: Vec<String> = args.iter().map(|a| expr(a, 0)).collect();
            (format!("{}({})", callee.value, args.join(", ")), u8::MAX)
        }
        ExprKind::Unary(op, operand) => {
            let sym = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Not => "!",
            };
            let inner = expr(operand, UNARY);
            // `- -x` must not print as `--x` (not a token here, but keep it readable and unambiguous).
            let sep = if inner.starts_with('-') { " " } else { "" };
            (format!("{sym}{sep}{inner}"), UNARY)
        }
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            // Left-associative: the right operand needs strictly higher precedence. Comparisons do not chain,
            // so a comparison operand of a comparison is parenthesized on both sides.
            let left_min = if op.is_comparison() { p + 1 } else { p };
            (format!("{} {} {}", expr(l, left_min), op.as_str(), expr(r, p + 1)), p)
        }
        ExprKind::Cast(inner, ty) => (format!("{} as {}", expr(inner, CAST), ty.value), CAST),
    };
    if prec < min { format!("({text})") } else { text }
}

/// A float that lexes back to the same value: Rust's shortest round-trip form, with a `.0` added when it
/// would otherwise read as an integer.
fn float(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || !x.is_finite() { s } else { format!("{s}.0") }
}

/// A string literal that lexes back to `bytes`: printable ASCII as is, everything else escaped.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0 => out.push_str("\\0"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    out
}
