//! The parser: tokens into an [`ast::Module`]. Recursive descent, one token of lookahead, stopping at the first
//! syntax error; nesting is bounded so that no input can exhaust the stack.

use super::lex::{Tok, Token, tokenize};
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::span::{SourceFile, Span, Spanned};

/// How deeply expressions and blocks may nest before the parser refuses (a stack-safety limit, far beyond any
/// hand-written program).
const MAX_DEPTH: usize = 200;

/// Words that cannot be names. (`target` is special only at the start of an item.)
const KEYWORDS: &[&str] = &[
    "extern", "fn", "static", "mut", "pub", "let", "return", "for", "in", "if", "else", "as", "i8", "i16",
    "i32", "i64", "f32", "f64", "ptr", "u8",
];

type PResult<T> = Result<T, Diagnostic>;

/// Parses a whole file.
pub(crate) fn parse_file(file: &SourceFile) -> PResult<Module> {
    let tokens = tokenize(file.text())?;
    let mut p = Parser { tokens, pos: 0, depth: 0 };
    p.module()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)].tok
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// The end of the previous token (for spans of constructs that just ended).
    fn prev_end(&self) -> u32 {
        self.tokens[self.pos.saturating_sub(1)].span.end
    }

    fn span_from(&self, start: u32) -> Span {
        Span { start, end: self.prev_end().max(start) }
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == w)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let hit = self.is_punct(p);
        if hit {
            self.bump();
        }
        hit
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let hit = self.is_word(w);
        if hit {
            self.bump();
        }
        hit
    }

    fn unexpected(&self, expected: &str) -> Diagnostic {
        let t = self.peek();
        Diagnostic::error(format!("expected {expected}, found {}", t.tok.describe()))
            .primary(t.span, format!("expected {expected}"))
    }

    fn expect_punct(&mut self, p: &str) -> PResult<Span> {
        if self.is_punct(p) { Ok(self.bump().span) } else { Err(self.unexpected(&format!("`{p}`"))) }
    }

    fn expect_word(&mut self, w: &str) -> PResult<Span> {
        if self.is_word(w) { Ok(self.bump().span) } else { Err(self.unexpected(&format!("`{w}`"))) }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match &self.peek().tok {
            Tok::Ident(s) if KEYWORDS.contains(&s.as_str()) => {
                let t = self.peek();
                Err(Diagnostic::error(format!("expected {what}, found keyword `{s}`"))
                    .primary(t.span, "a keyword cannot be used as a name"))
            }
            Tok::Ident(s) => {
                let s = s.clone();
                let span = self.bump().span;
                Ok(Spanned::new(s, span))
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn string(&mut self, what: &str) -> PResult<Spanned<Vec<u8>>> {
        match &self.peek().tok {
            Tok::Str(bytes) => {
                let bytes = bytes.clone();
                Ok(Spanned::new(bytes, self.bump().span))
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// A string that must be UTF-8 text (library and symbol names).
    fn text_string(&mut self, what: &str) -> PResult<Spanned<String>> {
        let s = self.string(what)?;
        let span = s.span;
        let text = String::from_utf8(s.value)
            .map_err(|_| Diagnostic::error(format!("{what} must be UTF-8 text")).primary(span, ""))?;
        if text.is_empty() {
            return Err(Diagnostic::error(format!("{what} must not be empty")).primary(span, ""));
        }
        Ok(Spanned::new(text, span))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Diagnostic::error("expression nested too deeply")
                .primary(self.peek().span, format!("more than {MAX_DEPTH} levels of nesting")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- items -----

    fn module(&mut self) -> PResult<Module> {
        let mut module = Module::default();
        let mut first_target: Option<Span> = None;
        while self.peek().tok != Tok::Eof {
            if self.is_word("target") {
                let kw = self.bump().span;
                let triple = self.triple()?;
                if let Some(first) = first_target {
                    return Err(Diagnostic::error("the target is given twice")
                        .primary(triple.span, "second `target` line")
                        .secondary(first, "first given here"));
                }
                first_target = Some(kw.to(triple.span));
                module.target = Some(triple);
                continue;
            }
            module.items.push(self.item()?);
        }
        Ok(module)
    }

    /// A target triple: one run of [A-Za-z0-9_.-] characters with no spaces (several tokens in the lexer).
    fn triple(&mut self) -> PResult<Spanned<String>> {
        let start = self.peek().span;
        let mut text = String::new();
        let mut end = start.start;
        loop {
            let t = self.peek().clone();
            if !text.is_empty() && t.span.start != end {
                break;
            }
            match &t.tok {
                Tok::Ident(s) => text.push_str(s),
                Tok::Int(_) | Tok::Float(_) => text.push_str(&format!("{}", TokenText(&t))),
                Tok::Punct("-") => text.push('-'),
                _ => break,
            }
            end = t.span.end;
            self.bump();
        }
        if text.is_empty() {
            return Err(self.unexpected("a target triple such as `x86_64-pc-windows-msvc`"));
        }
        Ok(Spanned::new(text, Span { start: start.start, end }))
    }

    fn item(&mut self) -> PResult<Item> {
        let start = self.peek().span.start;
        let mut link: Option<LinkAttr> = None;
        while self.is_punct("#") {
            let attr_start = self.bump().span.start;
            self.expect_punct("[")?;
            let name = self.ident("an attribute name")?;
            match name.value.as_str() {
                "link" => {
                    let attr = self.link_attr(attr_start)?;
                    if let Some(first) = &link {
                        return Err(Diagnostic::error("an extern block takes one `#[link]` attribute")
                            .primary(attr.span, "second `#[link]`")
                            .secondary(first.span, "first one here"));
                    }
                    link = Some(attr);
                }
                "link_name" => {
                    return Err(Diagnostic::error(
                        "`#[link_name]` belongs on a declaration inside an extern block",
                    )
                    .primary(name.span, "not allowed here"));
                }
                other => {
                    return Err(Diagnostic::error(format!("unknown attribute `{other}`"))
                        .primary(name.span, "")
                        .help("linkwise knows `#[link(name = \"...\", kind = \"...\")]` and `#[link_name = \"...\"]`"));
                }
            }
        }
        if self.is_word("extern") {
            return self.extern_block(link).map(Item::Extern);
        }
        if let Some(attr) = &link
            && !self.is_word("extern")
        {
            return Err(Diagnostic::error("`#[link]` must be followed by an `extern` block")
                .primary(self.peek().span, "expected `extern`")
                .secondary(attr.span, "this attribute"));
        }
        let public = self.eat_word("pub");
        if self.is_word("static") {
            return self.static_def(public, start).map(Item::Static);
        }
        if self.is_word("fn") {
            return self.fn_def(public, start).map(Item::Fn);
        }
        if public {
            return Err(self.unexpected("`fn` or `static` after `pub`"));
        }
        Err(self.unexpected("an item (`extern`, `static`, `fn`, `target` or an attribute)"))
    }

    fn link_attr(&mut self, start: u32) -> PResult<LinkAttr> {
        self.expect_punct("(")?;
        let mut name: Option<Spanned<String>> = None;
        let mut kind: Option<Spanned<LinkKind>> = None;
        let mut seen: Vec<(String, Span)> = Vec::new();
        loop {
            if self.is_punct(")") {
                break;
            }
            let key = self.ident("`name` or `kind`")?;
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key.value) {
                return Err(Diagnostic::error(format!("`{}` is given twice in `#[link]`", key.value))
                    .primary(key.span, "again here")
                    .secondary(*first, "first here"));
            }
            seen.push((key.value.clone(), key.span));
            self.expect_punct("=")?;
            match key.value.as_str() {
                "name" => name = Some(self.text_string("the library name")?),
                "kind" => {
                    let value = self.text_string("the link kind")?;
                    let Some(k) = LinkKind::from_name(&value.value) else {
                        let expected = LinkKind::ALL.map(|k| format!("`{k}`")).join(", ");
                        return Err(Diagnostic::error(format!("unknown link kind `{}`", value.value))
                            .primary(value.span, format!("expected one of {expected}")));
                    };
                    kind = Some(Spanned::new(k, value.span));
                }
                other => {
                    return Err(Diagnostic::error(format!("unknown `#[link]` argument `{other}`"))
                        .primary(key.span, "")
                        .help("`#[link]` takes `name = \"...\"` and `kind = \"...\"`"));
                }
            }
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        self.expect_punct("]")?;
        let span = self.span_from(start);
        let Some(name) = name else {
            return Err(
                Diagnostic::error("`#[link]` needs a library name").primary(span, "add `name = \"...\"`")
            );
        };
        Ok(LinkAttr { name, kind, span })
    }

    fn extern_block(&mut self, link: Option<LinkAttr>) -> PResult<ExternBlock> {
        let start = self.expect_word("extern")?.start;
        let abi = match &self.peek().tok {
            Tok::Str(_) => {
                let abi = self.text_string("the ABI")?;
                if !matches!(abi.value.as_str(), "C" | "system") {
                    return Err(Diagnostic::error(format!("unsupported ABI `{}`", abi.value))
                        .primary(abi.span, "expected \"C\" or \"system\""));
                }
                Some(abi)
            }
            _ => None,
        };
        self.expect_punct("{")?;
        let mut items = Vec::new();
        while !self.is_punct("}") {
            if self.peek().tok == Tok::Eof {
                return Err(self.unexpected("`}` to close the extern block"));
            }
            items.push(self.extern_item()?);
        }
        self.bump();
        Ok(ExternBlock { link, abi, items, span: self.span_from(start) })
    }

    fn extern_item(&mut self) -> PResult<ExternItem> {
        let start = self.peek().span.start;
        let mut link_name: Option<Spanned<String>> = None;
        while self.is_punct("#") {
            let attr_start = self.bump().span.start;
            self.expect_punct("[")?;
            let name = self.ident("an attribute name")?;
            if name.value != "link_name" {
                let msg = if name.value == "link" {
                    "`#[link]` belongs on the extern block, not on a declaration".to_owned()
                } else {
                    format!("unknown attribute `{}`", name.value)
                };
                return Err(Diagnostic::error(msg).primary(name.span, "not allowed here"));
            }
            self.expect_punct("=")?;
            let value = self.text_string("the link name")?;
            self.expect_punct("]")?;
            if let Some(first) = &link_name {
                return Err(Diagnostic::error("`#[link_name]` is given twice")
                    .primary(self.span_from(attr_start), "again here")
                    .secondary(first.span, "first here"));
            }
            link_name = Some(value);
        }
        if self.eat_word("fn") {
            let name = self.ident("a function name")?;
            let sig = self.signature(false)?;
            self.expect_punct(";")?;
            return Ok(ExternItem {
                link_name,
                name,
                kind: ExternItemKind::Fn(sig),
                span: self.span_from(start),
            });
        }
        if self.eat_word("static") {
            let mutable = self.eat_word("mut");
            let name = self.ident("a static's name")?;
            self.expect_punct(":")?;
            let ty = self.value_type()?;
            self.expect_punct(";")?;
            let kind = ExternItemKind::Static { mutable, ty };
            return Ok(ExternItem { link_name, name, kind, span: self.span_from(start) });
        }
        Err(self.unexpected("`fn` or `static` in an extern block"))
    }

    /// `(params) [-> type]`; parameter names are required on definitions, optional in extern blocks.
    fn signature(&mut self, names_required: bool) -> PResult<Signature> {
        self.expect_punct("(")?;
        let mut params = Vec::new();
        while !self.is_punct(")") {
            let named =
                matches!(self.peek().tok, Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Punct(":"));
            let name = if named {
                let n = self.ident("a parameter name")?;
                self.bump();
                Some(n)
            } else if names_required {
                return Err(self.unexpected("a parameter `name: type`"));
            } else {
                None
            };
            let ty = self.value_type()?;
            params.push(Param { name, ty });
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        let ret = if self.eat_punct("->") { Some(self.value_type()?) } else { None };
        Ok(Signature { params, ret })
    }

    fn value_type(&mut self) -> PResult<Spanned<Type>> {
        let t = self.peek().clone();
        if let Tok::Ident(s) = &t.tok
            && let Some(ty) = Type::from_name(s)
        {
            self.bump();
            return Ok(Spanned::new(ty, t.span));
        }
        let help = if t.tok == Tok::Ident("u8".into()) {
            "`u8` is only an array element type, as in `[u8]`"
        } else {
            "the types are i8, i16, i32, i64, f32, f64 and ptr"
        };
        Err(self.unexpected("a type").help(help))
    }

    fn static_type(&mut self) -> PResult<Spanned<StaticType>> {
        if !self.is_punct("[") {
            let ty = self.value_type()?;
            return Ok(Spanned::new(StaticType::Value(ty.value), ty.span));
        }
        let start = self.bump().span.start;
        let elem = if self.is_word("u8") {
            self.bump();
            ElemType::U8
        } else {
            ElemType::Value(self.value_type()?.value)
        };
        let len = if self.eat_punct(";") { Some(self.count("the array length")?.value) } else { None };
        self.expect_punct("]")?;
        Ok(Spanned::new(StaticType::Array { elem, len }, self.span_from(start)))
    }

    fn count(&mut self, what: &str) -> PResult<Spanned<u64>> {
        match self.peek().tok {
            Tok::Int(n) => Ok(Spanned::new(n, self.bump().span)),
            _ => Err(self.unexpected(what)),
        }
    }

    fn static_def(&mut self, public: bool, start: u32) -> PResult<StaticDef> {
        self.expect_word("static")?;
        let mutable = self.eat_word("mut");
        let name = self.ident("a static's name")?;
        self.expect_punct(":")?;
        let ty = self.static_type()?;
        self.expect_punct("=")?;
        let init = self.init()?;
        self.expect_punct(";")?;
        Ok(StaticDef { public, mutable, name, ty, init, span: self.span_from(start) })
    }

    fn init(&mut self) -> PResult<Init> {
        match &self.peek().tok {
            Tok::Punct("&") => {
                self.bump();
                Ok(Init::AddrOf(self.ident("the name of a static or function")?))
            }
            Tok::Str(_) => Ok(Init::Str(self.string("a string")?)),
            Tok::Punct("[") => {
                let start = self.bump().span.start;
                if self.eat_punct("]") {
                    return Ok(Init::List(Vec::new(), self.span_from(start)));
                }
                let first = self.init_element()?;
                if self.eat_punct(";") {
                    let count = self.count("a repeat count")?;
                    self.expect_punct("]")?;
                    return Ok(Init::Repeat(Box::new(first), count, self.span_from(start)));
                }
                let mut items = vec![first];
                while self.eat_punct(",") {
                    if self.is_punct("]") {
                        break;
                    }
                    items.push(self.init_element()?);
                }
                self.expect_punct("]")?;
                Ok(Init::List(items, self.span_from(start)))
            }
            _ => Ok(Init::Const(self.constant()?)),
        }
    }

    /// An array element: a constant, `&NAME` or a string (the checker decides which the element type allows).
    fn init_element(&mut self) -> PResult<Expr> {
        match &self.peek().tok {
            Tok::Punct("&") => {
                let start = self.bump().span.start;
                let name = self.ident("the name of a static or function")?;
                Ok(Expr { kind: ExprKind::AddrOf(name), span: self.span_from(start) })
            }
            Tok::Str(bytes) => {
                let bytes = bytes.clone();
                let span = self.bump().span;
                Ok(Expr { kind: ExprKind::Str(bytes), span })
            }
            _ => self.constant(),
        }
    }

    /// A literal, optionally negated.
    fn constant(&mut self) -> PResult<Expr> {
        let start = self.peek().span.start;
        if self.eat_punct("-") {
            let inner = self.literal()?;
            return Ok(Expr {
                kind: ExprKind::Unary(UnaryOp::Neg, Box::new(inner)),
                span: self.span_from(start),
            });
        }
        self.literal()
    }

    fn literal(&mut self) -> PResult<Expr> {
        let t = self.peek().clone();
        let kind = match t.tok {
            Tok::Int(n) => ExprKind::Int(n),
            Tok::Float(x) => ExprKind::Float(x),
            _ => return Err(self.unexpected("a number")),
        };
        self.bump();
        Ok(Expr { kind, span: t.span })
    }

    fn fn_def(&mut self, public: bool, start: u32) -> PResult<FnDef> {
        self.expect_word("fn")?;
        let name = self.ident("a function name")?;
        let sig = self.signature(true)?;
        let body = self.block()?;
        Ok(FnDef { public, name, sig, body, span: self.span_from(start) })
    }

    // ----- statements -----

    fn block(&mut self) -> PResult<Block> {
        self.enter()?;
        let start = self.expect_punct("{")?.start;
        let mut stmts = Vec::new();
        while !self.is_punct("}") {
            if self.peek().tok == Tok::Eof {
                return Err(self.unexpected("`}`"));
            }
            stmts.push(self.stmt()?);
        }
        self.bump();
        self.leave();
        Ok(Block { stmts, span: self.span_from(start) })
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let start = self.peek().span.start;
        let kind = if self.eat_word("let") {
            let mutable = self.eat_word("mut");
            let name = self.ident("a variable name")?;
            let ty = if self.eat_punct(":") { Some(self.value_type()?) } else { None };
            self.expect_punct("=")?;
            let value = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Let { mutable, name, ty, value }
        } else if self.eat_word("return") {
            let value = if self.is_punct(";") { None } else { Some(self.expr()?) };
            self.expect_punct(";")?;
            StmtKind::Return(value)
        } else if self.eat_word("for") {
            let var = self.ident("a loop variable")?;
            self.expect_word("in")?;
            let start_expr = self.expr()?;
            self.expect_punct("..")?;
            let end = self.expr()?;
            let body = self.block()?;
            StmtKind::For { var, start: start_expr, end, body }
        } else if self.is_word("if") {
            return self.if_stmt();
        } else if matches!(self.peek().tok, Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Punct("=")) {
            let target = self.ident("a variable or static")?;
            self.bump();
            let value = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Assign { target, value }
        } else {
            let e = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Expr(e)
        };
        Ok(Stmt { kind, span: self.span_from(start) })
    }

    fn if_stmt(&mut self) -> PResult<Stmt> {
        self.enter()?;
        let start = self.expect_word("if")?.start;
        let cond = self.expr()?;
        let then = self.block()?;
        let otherwise = if self.eat_word("else") {
            if self.is_word("if") {
                let nested = self.if_stmt()?;
                let span = nested.span;
                Some(Block { stmts: vec![nested], span })
            } else {
                Some(self.block()?)
            }
        } else {
            None
        };
        self.leave();
        Ok(Stmt { kind: StmtKind::If { cond, then, otherwise }, span: self.span_from(start) })
    }

    // ----- expressions -----

    fn expr(&mut self) -> PResult<Expr> {
        self.binary(0)
    }

    /// Precedence climbing over binary operators with precedence above `min`.
    fn binary(&mut self, min: u8) -> PResult<Expr> {
        self.enter()?;
        let mut lhs = self.cast()?;
        while let Some(op) = self.binary_op() {
            let prec = op.precedence();
            if prec <= min {
                break;
            }
            let op_span = self.bump().span;
            let rhs = self.binary(prec)?;
            if op.is_comparison()
                && let Some(next) = self.binary_op().filter(|o| o.is_comparison())
            {
                return Err(Diagnostic::error("comparison operators cannot be chained")
                    .primary(self.peek().span, format!("`{}` after a comparison", next.as_str()))
                    .secondary(op_span, "first comparison")
                    .help("split the comparison, e.g. `(a < b) & (b < c)`"));
            }
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span };
        }
        self.leave();
        Ok(lhs)
    }

    fn binary_op(&self) -> Option<BinaryOp> {
        let Tok::Punct(p) = self.peek().tok else { return None };
        Some(match p {
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            "%" => BinaryOp::Rem,
            "&" => BinaryOp::And,
            "|" => BinaryOp::Or,
            "^" => BinaryOp::Xor,
            "<<" => BinaryOp::Shl,
            ">>" => BinaryOp::Shr,
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            _ => return None,
        })
    }

    /// `unary (as type)*`
    fn cast(&mut self) -> PResult<Expr> {
        let mut e = self.unary()?;
        while self.eat_word("as") {
            let ty = self.value_type()?;
            let span = e.span.to(ty.span);
            e = Expr { kind: ExprKind::Cast(Box::new(e), ty), span };
        }
        Ok(e)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.peek().span.start;
        let op = if self.is_punct("-") {
            UnaryOp::Neg
        } else if self.is_punct("!") {
            UnaryOp::Not
        } else {
            return self.primary();
        };
        self.bump();
        self.enter()?;
        let operand = self.unary()?;
        self.leave();
        Ok(Expr { kind: ExprKind::Unary(op, Box::new(operand)), span: self.span_from(start) })
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek().clone();
        let kind = match &t.tok {
            Tok::Int(_) | Tok::Float(_) => return self.literal(),
            Tok::Str(bytes) => {
                let bytes = bytes.clone();
                self.bump();
                ExprKind::Str(bytes)
            }
            Tok::Punct("&") => {
                self.bump();
                ExprKind::AddrOf(self.ident("the name of a static or function after `&`")?)
            }
            Tok::Punct("(") => {
                self.bump();
                let inner = self.expr()?;
                self.expect_punct(")")?;
                // Parentheses only group; the expression keeps its own span so printing is canonical.
                return Ok(inner);
            }
            Tok::Ident(_) => {
                let name = self.ident("an expression")?;
                if self.eat_punct("(") {
                    let mut args = Vec::new();
                    while !self.is_punct(")") {
                        args.push(self.expr()?);
                        if !self.eat_punct(",") {
                            break;
                        }
                    }
                    self.expect_punct(")")?;
                    ExprKind::Call { callee: name, args }
                } else {
                    ExprKind::Name(name)
                }
            }
            _ => return Err(self.unexpected("an expression")),
        };
        Ok(Expr { kind, span: self.span_from(t.span.start) })
    }
}

/// Prints a numeric token as it was written, for target triples such as `x86_64-...` where the lexer saw
/// `x86_64` as a name but could see `64-...` pieces as numbers.
struct TokenText<'a>(&'a Token);

impl std::fmt::Display for TokenText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.tok {
            Tok::Int(n) => write!(f, "{n}"),
            Tok::Float(x) => write!(f, "{x}"),
            _ => Ok(()),
        }
    }
}
