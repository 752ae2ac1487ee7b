//! IR text from the program tree, written so that linkwise's checker gives every node exactly the type the
//! tree says (literal typing is by context: docs/ir.md "A few rules about types"), plus the split form and the
//! simulated libraries' extern blocks.

use crate::tree::*;
use std::fmt::Write as _;

/// The printer: its methods write the tree as IR text (split.rs and lib.rs share it).
#[derive(Clone, Copy)]
pub(crate) struct Style;

/// The value of `e` if it prints as an integer literal (possibly negated), which the checker folds and
/// range-checks as one constant.
fn lit_int(e: &Expr) -> Option<i128> {
    match e {
        Expr::Int(v, _) => Some(i128::from(*v)),
        Expr::Unary(UnOp::Neg, inner, ty) if ty.is_int() => {
            let v = -lit_int(inner)?;
            let (min, max) = ty.int_range();
            (i128::from(min)..=i128::from(max)).contains(&v).then_some(v)
        }
        _ => None,
    }
}

/// Whether the printed form of `e` is built only from literals with unary and non-comparison binary
/// operators: the checker then types it from its context (`takes_type_from_context` in check.rs).
fn lit_only(e: &Expr) -> bool {
    match e {
        Expr::Int(..) | Expr::Float(..) => true,
        Expr::Unary(UnOp::Neg, inner, ty) if ty.is_int() && lit_int(inner).is_some() => lit_int(e).is_some(),
        Expr::Unary(_, inner, _) => lit_only(inner),
        Expr::Bin(op, l, r, _) => !op.is_cmp() && lit_only(l) && lit_only(r),
        Expr::Div { l, r, .. } => lit_only(l) && r.as_deref().is_none_or(lit_only),
        Expr::Var(..) | Expr::Addr(_) | Expr::Call(..) | Expr::Cast(..) => false,
    }
}

fn int_text(v: i128) -> String {
    if v < 0 { format!("-{}", v.unsigned_abs()) } else { v.to_string() }
}

fn float_text(x: f64, ty: Ty) -> String {
    let magnitude = if ty == Ty::F32 { format!("{:?}", (x as f32).abs()) } else { format!("{:?}", x.abs()) };
    if x.is_sign_negative() { format!("-{magnitude}") } else { magnitude }
}

impl Style {
    /// `e` as text with its precedence level; `hinted` says whether the context gives literals a type.
    pub(crate) fn expr(&self, e: &Expr, hinted: bool) -> (String, u8) {
        let ty = e.ty();
        if !hinted && lit_only(e) && !ty.is_default_literal_type() {
            // Nothing around says the type: give the literals one with a typed operand that changes nothing.
            let (inner, p) = self.expr(e, true);
            let inner = paren(inner, p, if ty.is_int() { BinOp::Or.prec() } else { PREC_MUL });
            return if ty.is_int() {
                (format!("{inner} | 0 as {}", ty.name()), BinOp::Or.prec())
            } else {
                (format!("{inner} * 1 as {}", ty.name()), PREC_MUL)
            };
        }
        match e {
            Expr::Int(v, _) => (int_text(i128::from(*v)), if *v < 0 { PREC_UNARY } else { PREC_ATOM }),
            Expr::Float(x, t) => {
                (float_text(*x, *t), if x.is_sign_negative() { PREC_UNARY } else { PREC_ATOM })
            }
            Expr::Var(n, _) => (n.clone(), PREC_ATOM),
            Expr::Addr(n) => (format!("&{n}"), PREC_ATOM),
            Expr::Call(name, args, _) => (call_text(self, name, args), PREC_ATOM),
            Expr::Unary(op, inner, t) => {
                if let Some(v) = lit_int(e) {
                    return (int_text(v), if v < 0 { PREC_UNARY } else { PREC_ATOM });
                }
                if *op == UnOp::Neg && t.is_int() && lit_int(inner).is_some() {
                    // `-MIN`: as one literal it would not fit, so negate at run time.
                    let (s, p) = self.expr(inner, true);
                    return (format!("-({} | 0 as {})", paren(s, p, BinOp::Or.prec()), t.name()), PREC_UNARY);
                }
                let (s, p) = self.expr(inner, hinted);
                let s = paren(s, p, PREC_UNARY);
                let sym = if *op == UnOp::Neg { "-" } else { "!" };
                // `- -1`, never `--1` (not a token, but clearer).
                let sep = if s.starts_with('-') { " " } else { "" };
                (format!("{sym}{sep}{s}"), PREC_UNARY)
            }
            Expr::Cast(inner, to) => {
                let (s, p) = self.expr(inner, false);
                (format!("{} as {}", paren(s, p, PREC_CAST), to.name()), PREC_CAST)
            }
            Expr::Bin(op, l, r, _) => {
                let prec = op.prec();
                // A comparison gives its operands no type; if both are bare literals, the left one gets its own.
                let left_hinted = if op.is_cmp() { !(lit_only(l) && lit_only(r)) } else { true };
                let (ls, lp) = self.expr(l, left_hinted);
                let (rs, rp) = self.expr(r, true);
                let ls = if op.is_cmp() { paren_strict(ls, lp, prec) } else { paren(ls, lp, prec) };
                (format!("{ls} {} {}", op.text(), paren_strict(rs, rp, prec)), prec)
            }
            Expr::Div { rem, guard, l, r, .. } => {
                let op = if *rem { "%" } else { "/" };
                let (ls, lp) = self.expr(l, true);
                let r = r.as_deref().map(|r| self.expr(r, true));
                let text = match (guard, r) {
                    (Guard::Lit(k), _) => {
                        format!("{} {op} {}", paren(ls, lp, PREC_MUL), int_text(i128::from(*k)))
                    }
                    (Guard::Mask, Some((rs, rp))) if !*rem => {
                        format!(
                            "{} / ({} & -2 | 2)",
                            paren(ls, lp, PREC_MUL),
                            paren(rs, rp, BinOp::And.prec())
                        )
                    }
                    (Guard::Mask, Some((rs, rp))) => {
                        format!("{} % ({} | 1)", paren(ls, lp, PREC_MUL), paren(rs, rp, BinOp::Or.prec()))
                    }
                    (Guard::Odd, Some((rs, rp))) => format!(
                        "({} | 1) {op} ({} | 1)",
                        paren(ls, lp, BinOp::Or.prec()),
                        paren(rs, rp, BinOp::Or.prec())
                    ),
                    (Guard::OddByMinusOne, _) | (Guard::Mask | Guard::Odd, None) => {
                        format!("({} | 1) {op} -1", paren(ls, lp, BinOp::Or.prec()))
                    }
                };
                (text, PREC_MUL)
            }
        }
    }

    fn block(&self, out: &mut String, stmts: &[Stmt], indent: usize) {
        for s in stmts {
            self.stmt(out, s, indent);
        }
    }

    fn stmt(&self, out: &mut String, s: &Stmt, indent: usize) {
        let pad = "    ".repeat(indent);
        match s {
            Stmt::Let { name, mutable, ty, annotate, value } => {
                let m = if *mutable { "mut " } else { "" };
                let t = if *annotate { format!(": {}", ty.name()) } else { String::new() };
                let _ = writeln!(out, "{pad}let {m}{name}{t} = {};", self.expr(value, *annotate).0);
            }
            Stmt::Assign { name, value } => {
                let _ = writeln!(out, "{pad}{name} = {};", self.expr(value, true).0);
            }
            Stmt::Call { name, args } => {
                let _ = writeln!(out, "{pad}{};", call_text(self, name, args));
            }
            Stmt::Return(None) => {
                let _ = writeln!(out, "{pad}return;");
            }
            Stmt::Return(Some(v)) => {
                let _ = writeln!(out, "{pad}return {};", self.expr(v, true).0);
            }
            Stmt::For { var, ty, lo, hi, body } => {
                let lo = if *ty == Ty::I32 {
                    int_text(i128::from(*lo))
                } else {
                    format!("{} as {}", int_text(i128::from(*lo)), ty.name())
                };
                let _ = writeln!(out, "{pad}for {var} in {lo}..{} {{", int_text(i128::from(*hi)));
                self.block(out, body, indent + 1);
                let _ = writeln!(out, "{pad}}}");
            }
            Stmt::If { .. } => {
                out.push_str(&pad);
                self.if_chain(out, s, indent);
                out.push('\n');
            }
        }
    }

    fn if_chain(&self, out: &mut String, s: &Stmt, indent: usize) {
        let Stmt::If { cond, then, els } = s else { return };
        let pad = "    ".repeat(indent);
        let _ = writeln!(out, "if {} {{", self.expr(cond, false).0);
        self.block(out, then, indent + 1);
        let _ = write!(out, "{pad}}}");
        match els.as_deref() {
            None => {}
            Some([inner @ Stmt::If { .. }]) => {
                out.push_str(" else ");
                self.if_chain(out, inner, indent);
            }
            Some(b) => {
                out.push_str(" else {\n");
                self.block(out, b, indent + 1);
                let _ = write!(out, "{pad}}}");
            }
        }
    }

    /// A function; `export` marks it `#[export] pub`.
    pub(crate) fn function(&self, out: &mut String, f: &Function, export: bool) {
        let vis = if export {
            "#[export]\npub "
        } else if f.public {
            "pub "
        } else {
            ""
        };
        let params: Vec<String> = f.params.iter().map(|(n, t)| format!("{n}: {}", t.name())).collect();
        let ret = f.ret.map(|t| format!(" -> {}", t.name())).unwrap_or_default();
        let _ = writeln!(out, "{vis}fn {}({}){ret} {{", f.name, params.join(", "));
        self.block(out, &f.body, 1);
        if let Some(t) = &f.tail {
            let _ = writeln!(out, "    return {};", self.expr(t, true).0);
        }
        out.push_str("}\n");
    }
}

fn call_text(style: &Style, name: &str, args: &[Expr]) -> String {
    let args: Vec<String> = args.iter().map(|a| style.expr(a, true).0).collect();
    format!("{name}({})", args.join(", "))
}

/// `s` in parentheses if its precedence is below `min`.
fn paren(s: String, p: u8, min: u8) -> String {
    if p < min { format!("({s})") } else { s }
}

/// `s` in parentheses unless it binds strictly tighter than `prec` (a right operand, or any operand of a
/// comparison, which does not chain).
fn paren_strict(s: String, p: u8, prec: u8) -> String {
    if p <= prec { format!("({s})") } else { s }
}

fn const_text(c: &Const, ty: Ty) -> String {
    match c {
        Const::Int(v) => int_text(i128::from(*v)),
        Const::Float(x) => float_text(*x, ty),
        Const::Addr(n) => format!("&{n}"),
    }
}

fn bytes_text(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            0 => s.push_str("\\0"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

/// A static; `export` marks it `#[export] pub`.
pub(crate) fn static_item(out: &mut String, s: &Static, export: bool) {
    let vis = if export {
        "#[export]\npub "
    } else if s.public {
        "pub "
    } else {
        ""
    };
    let m = if s.mutable { "mut " } else { "" };
    let elem_text = |e: &Elem| match e {
        Elem::U8 => "u8",
        Elem::Val(t) => t.name(),
    };
    let elem_ty = |e: &Elem| match e {
        Elem::U8 => Ty::I64,
        Elem::Val(t) => *t,
    };
    let (ty, init) = match &s.init {
        StaticInit::Scalar(t, c) => (t.name().to_owned(), const_text(c, *t)),
        StaticInit::List(e, items, sized) => {
            let len = if *sized { format!("; {}", items.len()) } else { String::new() };
            let items: Vec<String> = items.iter().map(|c| const_text(c, elem_ty(e))).collect();
            (format!("[{}{len}]", elem_text(e)), format!("[{}]", items.join(", ")))
        }
        StaticInit::Repeat(e, c, n) => {
            (format!("[{}; {n}]", elem_text(e)), format!("[{}; {n}]", const_text(c, elem_ty(e))))
        }
        StaticInit::Bytes(b) => ("[u8]".to_owned(), bytes_text(b)),
    };
    let _ = writeln!(out, "{vis}static {m}{}: {ty} = {init};", s.name);
}

/// docs/difftest.md's three extern blocks.
pub(crate) fn sim_externs() -> String {
    let mut out = String::new();
    for (lib, kind, p) in LIBRARIES {
        let _ = writeln!(out, "#[link(name = \"{lib}\", kind = \"{kind}\")]\nextern {{");
        for f in IMPORT_FNS {
            let params: Vec<String> = f.params.iter().map(|(n, t)| format!("{n}: {}", t.name())).collect();
            let ret = f.ret.map(|t| format!(" -> {}", t.name())).unwrap_or_default();
            let _ = writeln!(out, "    fn {p}{}({}){ret};", f.name, params.join(", "));
        }
        for (name, ty, mutable) in IMPORT_STATICS {
            let m = if mutable { "mut " } else { "" };
            let _ = writeln!(out, "    static {m}{p}{name}: {};", ty.name());
        }
        out.push_str("}\n");
    }
    out
}
