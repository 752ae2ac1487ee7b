//! Modules built in code, with no spans to write: [`Module::builder`], [`ExternBlock::link`], [`FnDef::new`]
//! and the expression and statement helpers below (issue 13, item 4: an embedder builds what the text form
//! says without a `Span::DUMMY` on every node). Every node gets [`Span::DUMMY`]; a diagnostic about one
//! names no place ([`crate::Diagnostic`]'s `Display` leaves dummy spans out).
//!
//! What is built equals, with `==` (which ignores spans), the module the same text parses to:
//!
//! ```
//! use linkwise_ir::ast::{ExternBlock, FnDef, Module, Type};
//! use linkwise_ir::build::{int, ret, str_lit};
//! use linkwise_ir::{LinkKind, SourceFile};
//!
//! let built = Module::builder()
//!     .target("x86_64-pc-windows-msvc")
//!     .extern_block(ExternBlock::link("msvcrt", LinkKind::Dylib).function("puts", &[Type::Ptr], Some(Type::I32)))
//!     .function(FnDef::new("main").public().returns(Type::I32).call("puts", [str_lit("hi\0")]).stmt(ret(int(0))))
//!     .build();
//! let text = r#"target x86_64-pc-windows-msvc
//! #[link(name = "msvcrt", kind = "dylib")]
//! extern { fn puts(ptr) -> i32; }
//! pub fn main() -> i32 { puts("hi\0"); return 0; }
//! "#;
//! assert_eq!(built, linkwise_ir::text::parse(&SourceFile::new("m.lw", text)).unwrap());
//! ```

use crate::ast::{
    BinaryOp, Block, ElemType, Export, Expr, ExprKind, ExternBlock, ExternItem, ExternItemKind, FloatLit,
    FnDef, Ident, Init, Item, LinkAttr, LinkKind, Modifier, Module, Param, Signature, StaticDef, StaticType,
    Stmt, StmtKind, Type,
};
use crate::span::{Span, Spanned};

/// A [`Module`] under construction: items are kept in the order they are added, which is the order the
/// object lists them in.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ModuleBuilder {
    module: Module,
}

impl Module {
    /// Starts a module built in code ([`ModuleBuilder`]).
    pub fn builder() -> ModuleBuilder {
        ModuleBuilder::default()
    }
}

impl ModuleBuilder {
    /// The module's `target TRIPLE` line (any spelling the command line's `--target` takes).
    pub fn target(mut self, triple: impl Into<String>) -> ModuleBuilder {
        self.module.target = Some(Spanned::dummy(triple.into()));
        self
    }

    /// Adds an extern block.
    pub fn extern_block(mut self, block: ExternBlock) -> ModuleBuilder {
        self.module.items.push(Item::Extern(block));
        self
    }

    /// Adds a defined function.
    pub fn function(mut self, f: FnDef) -> ModuleBuilder {
        self.module.items.push(Item::Fn(f));
        self
    }

    /// Adds a defined static.
    pub fn static_def(mut self, s: StaticDef) -> ModuleBuilder {
        self.module.items.push(Item::Static(s));
        self
    }

    /// The module. It is checked when compiled (`linkwise::compile_module`), as a parsed one is.
    pub fn build(self) -> Module {
        self.module
    }
}

impl ExternBlock {
    /// `#[link(name = "NAME", kind = "KIND")] extern { }`: an empty block of the library `name`, linked as
    /// `kind`; add its declarations with [`ExternBlock::function`] and [`ExternBlock::static_item`].
    #[must_use]
    pub fn link(name: impl Into<String>, kind: LinkKind) -> ExternBlock {
        let attr = LinkAttr {
            name: Spanned::dummy(name.into()),
            kind: Some(Spanned::dummy(kind)),
            modifiers: None,
            modifier_spans: Vec::new(),
            span: Span::DUMMY,
        };
        ExternBlock { link: Some(attr), ..ExternBlock::unlinked() }
    }

    /// `extern { }` with no `#[link]`: its symbols come from no named library (the link driver's own, libc on
    /// ELF), as dylib.
    #[must_use]
    pub fn unlinked() -> ExternBlock {
        ExternBlock { link: None, crt: None, abi: None, items: Vec::new(), span: Span::DUMMY }
    }

    /// `#[crt] extern { }`: C runtime functions, whose library `--crt` chooses.
    #[must_use]
    pub fn crt() -> ExternBlock {
        ExternBlock { crt: Some(Spanned::dummy(())), ..ExternBlock::unlinked() }
    }

    /// Adds the modifier `+NAME` (`on`) or `-NAME` to the block's `#[link(modifiers = "...")]`, after those
    /// added before; the checker validates them against the kind as it does the text form's. No effect on a
    /// block without `#[link]`.
    #[must_use]
    pub fn modifier(mut self, modifier: Modifier, on: bool) -> ExternBlock {
        if let Some(link) = &mut self.link {
            let piece = format!("{}{modifier}", if on { '+' } else { '-' });
            match &mut link.modifiers {
                Some(list) => {
                    list.value.push(',');
                    list.value.push_str(&piece);
                }
                None => link.modifiers = Some(Spanned::dummy(piece)),
            }
            link.modifier_spans.push(Span::DUMMY);
        }
        self
    }

    /// `extern "ABI" { }` (`"C"` or `"system"`).
    #[must_use]
    pub fn abi(mut self, abi: impl Into<String>) -> ExternBlock {
        self.abi = Some(Spanned::dummy(abi.into()));
        self
    }

    /// Declares `fn name(params) [-> ret];` (parameters unnamed, as extern blocks allow).
    #[must_use]
    pub fn function(self, name: impl Into<String>, params: &[Type], ret: Option<Type>) -> ExternBlock {
        let params = params.iter().map(|&ty| Param { name: None, ty: Spanned::dummy(ty) }).collect();
        let sig = Signature { params, ret: ret.map(Spanned::dummy) };
        self.item(ExternItem::new(name, ExternItemKind::Fn(sig)))
    }

    /// Declares `static [mut] NAME: TYPE;`.
    #[must_use]
    pub fn static_item(self, name: impl Into<String>, ty: Type, mutable: bool) -> ExternBlock {
        self.item(ExternItem::new(name, ExternItemKind::Static { mutable, ty: Spanned::dummy(ty) }))
    }

    /// Adds a declaration built with [`ExternItem::new`] (for `#[link_name]` or `#[link_ordinal]`).
    #[must_use]
    pub fn item(mut self, item: ExternItem) -> ExternBlock {
        self.items.push(item);
        self
    }
}

impl ExternItem {
    /// A declaration of `name` with no attributes.
    #[must_use]
    pub fn new(name: impl Into<String>, kind: ExternItemKind) -> ExternItem {
        ExternItem { link_name: None, ordinal: None, name: ident(name), kind, span: Span::DUMMY }
    }

    /// `#[link_name = "SYMBOL"]`: the object refers to `symbol`, the code calls the item by its own name.
    #[must_use]
    pub fn link_name(mut self, symbol: impl Into<String>) -> ExternItem {
        self.link_name = Some(Spanned::dummy(symbol.into()));
        self
    }

    /// `#[link_ordinal(N)]` (a `raw-dylib` block's import by number).
    #[must_use]
    pub fn ordinal(mut self, ordinal: u64) -> ExternItem {
        self.ordinal = Some(Spanned::dummy(ordinal));
        self
    }
}

impl FnDef {
    /// `fn name() { }`: private, no parameters, returns nothing, an empty body.
    #[must_use]
    pub fn new(name: impl Into<String>) -> FnDef {
        FnDef {
            public: false,
            export: Export::default(),
            name: ident(name),
            sig: Signature { params: Vec::new(), ret: None },
            body: Block { stmts: Vec::new(), span: Span::DUMMY },
            span: Span::DUMMY,
        }
    }

    /// `pub`: a global symbol.
    #[must_use]
    pub fn public(mut self) -> FnDef {
        self.public = true;
        self
    }

    /// `#[export]`: exported from a DLL or shared library built from the module (needs `pub`).
    #[must_use]
    pub fn export(mut self) -> FnDef {
        self.export.export = Some(Spanned::dummy(()));
        self
    }

    /// Adds the parameter `name: ty`.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, ty: Type) -> FnDef {
        self.sig.params.push(Param { name: Some(ident(name)), ty: Spanned::dummy(ty) });
        self
    }

    /// `-> ty`.
    #[must_use]
    pub fn returns(mut self, ty: Type) -> FnDef {
        self.sig.ret = Some(Spanned::dummy(ty));
        self
    }

    /// Appends a statement to the body.
    #[must_use]
    pub fn stmt(mut self, stmt: Stmt) -> FnDef {
        self.body.stmts.push(stmt);
        self
    }

    /// Appends `callee(args);` to the body (the result, if any, dropped).
    #[must_use]
    pub fn call(self, callee: impl Into<String>, args: impl IntoIterator<Item = Expr>) -> FnDef {
        self.stmt(expr_stmt(call(callee, args)))
    }
}

impl StaticDef {
    /// `static NAME: TYPE = INIT;` (private, read-only); [`StaticDef::public`] and [`StaticDef::mutable`]
    /// change that.
    #[must_use]
    pub fn new(name: impl Into<String>, ty: StaticType, init: Init) -> StaticDef {
        StaticDef {
            public: false,
            export: Export::default(),
            mutable: false,
            name: ident(name),
            ty: Spanned::dummy(ty),
            init,
            span: Span::DUMMY,
        }
    }

    /// `static NAME: [u8] = "BYTES";`: a byte array initialized from a string.
    #[must_use]
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> StaticDef {
        let ty = StaticType::Array { elem: ElemType::U8, len: None };
        StaticDef::new(name, ty, Init::Str(Spanned::dummy(bytes.into())))
    }

    /// `pub`.
    #[must_use]
    pub fn public(mut self) -> StaticDef {
        self.public = true;
        self
    }

    /// `static mut`.
    #[must_use]
    pub fn mutable(mut self) -> StaticDef {
        self.mutable = true;
        self
    }
}

/// A name with no span.
pub fn ident(name: impl Into<String>) -> Ident {
    Spanned::dummy(name.into())
}

/// An integer literal (its type comes from context, `i32` by default). Negative values: [`neg`].
pub fn int(value: u64) -> Expr {
    Expr::dummy(ExprKind::Int(value))
}

/// A float literal.
pub fn float(value: f64) -> Expr {
    Expr::dummy(ExprKind::Float(FloatLit::from_f64(value)))
}

/// A string literal: the address of a private read-only copy of `bytes` (end it with `\0` for C).
pub fn str_lit(bytes: impl AsRef<[u8]>) -> Expr {
    Expr::dummy(ExprKind::Str(bytes.as_ref().to_vec()))
}

/// A local, parameter or static, by name.
pub fn name(name: impl Into<String>) -> Expr {
    Expr::dummy(ExprKind::Name(ident(name)))
}

/// `&NAME`: the address of a static or function.
pub fn addr_of(name: impl Into<String>) -> Expr {
    Expr::dummy(ExprKind::AddrOf(ident(name)))
}

/// `callee(args)`.
pub fn call(callee: impl Into<String>, args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::dummy(ExprKind::Call { callee: ident(callee), args: args.into_iter().collect() })
}

/// `-x`.
pub fn neg(x: Expr) -> Expr {
    Expr::dummy(ExprKind::Unary(crate::ast::UnaryOp::Neg, Box::new(x)))
}

/// `a OP b`.
pub fn binary(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    Expr::dummy(ExprKind::Binary(op, Box::new(a), Box::new(b)))
}

/// `x as ty`.
pub fn cast(x: Expr, ty: Type) -> Expr {
    Expr::dummy(ExprKind::Cast(Box::new(x), Spanned::dummy(ty)))
}

fn stmt(kind: StmtKind) -> Stmt {
    Stmt { kind, span: Span::DUMMY }
}

/// `expr;`.
pub fn expr_stmt(expr: Expr) -> Stmt {
    stmt(StmtKind::Expr(expr))
}

/// `return value;`.
pub fn ret(value: Expr) -> Stmt {
    stmt(StmtKind::Return(Some(value)))
}

/// `return;`.
pub fn ret_void() -> Stmt {
    stmt(StmtKind::Return(None))
}

/// `let name = value;` (`mutable`: `let mut`), its type inferred from `value`.
pub fn let_(name: impl Into<String>, mutable: bool, value: Expr) -> Stmt {
    stmt(StmtKind::Let { mutable, name: ident(name), ty: None, value })
}

/// `let name: ty = value;` (`mutable`: `let mut`).
pub fn let_typed(name: impl Into<String>, mutable: bool, ty: Type, value: Expr) -> Stmt {
    stmt(StmtKind::Let { mutable, name: ident(name), ty: Some(Spanned::dummy(ty)), value })
}

/// `target = value;`.
pub fn assign(target: impl Into<String>, value: Expr) -> Stmt {
    stmt(StmtKind::Assign { target: ident(target), value })
}

/// `if cond { then } [else { otherwise }]`.
pub fn if_(cond: Expr, then: Vec<Stmt>, otherwise: Option<Vec<Stmt>>) -> Stmt {
    let block = |stmts| Block { stmts, span: Span::DUMMY };
    stmt(StmtKind::If { cond, then: block(then), otherwise: otherwise.map(block) })
}

/// `for var in start..end { body }`.
pub fn for_range(var: impl Into<String>, start: Expr, end: Expr, body: Vec<Stmt>) -> Stmt {
    stmt(StmtKind::For { var: ident(var), start, end, body: Block { stmts: body, span: Span::DUMMY } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceFile;

    /// Every builder gives what the text form parses to (spans aside): modifiers, link names, statics, the
    /// statements and expressions.
    #[test]
    fn built_modules_equal_their_text() {
        let built = Module::builder()
            .extern_block(
                ExternBlock::link("vendor", LinkKind::Static)
                    .modifier(Modifier::WholeArchive, true)
                    .modifier(Modifier::Bundle, false)
                    .function("f", &[Type::I32, Type::Ptr], None)
                    .static_item("counter", Type::I64, true)
                    .item(
                        ExternItem::new("g", ExternItemKind::Fn(Signature { params: vec![], ret: None }))
                            .link_name("g2"),
                    ),
            )
            .extern_block(ExternBlock::unlinked().abi("C").function("puts", &[Type::Ptr], Some(Type::I32)))
            .static_def(StaticDef::bytes("msg", "hi\0").public())
            .function(
                FnDef::new("add")
                    .param("a", Type::I32)
                    .param("b", Type::I32)
                    .returns(Type::I32)
                    .stmt(let_("s", true, binary(BinaryOp::Add, name("a"), name("b"))))
                    .stmt(if_(
                        binary(BinaryOp::Lt, name("s"), int(0)),
                        vec![assign("s", neg(name("s")))],
                        None,
                    ))
                    .stmt(ret(name("s"))),
            )
            .function(
                FnDef::new("main")
                    .public()
                    .returns(Type::I32)
                    .call("f", [int(1), addr_of("msg")])
                    .stmt(for_range("i", int(0), int(3), vec![expr_stmt(call("puts", [str_lit("x\0")]))]))
                    .stmt(ret(call("add", [int(2), cast(name("counter"), Type::I32)]))),
            )
            .build();
        let text = r#"#[link(name = "vendor", kind = "static", modifiers = "+whole-archive,-bundle")]
extern {
    fn f(i32, ptr);
    static mut counter: i64;
    #[link_name = "g2"]
    fn g();
}
extern "C" { fn puts(ptr) -> i32; }
pub static msg: [u8] = "hi\0";
fn add(a: i32, b: i32) -> i32 {
    let mut s = a + b;
    if s < 0 { s = -s; }
    return s;
}
pub fn main() -> i32 {
    f(1, &msg);
    for i in 0..3 { puts("x\0"); }
    return add(2, counter as i32);
}
"#;
        let parsed = crate::text::parse(&SourceFile::new("m.lw", text)).unwrap();
        assert_eq!(built, parsed);
        // And it checks, as the text does.
        crate::check::check(&built).unwrap();
    }

    /// A mistake in a built module is reported as in text, without a place: the `Display` form has no span.
    #[test]
    fn a_mistake_in_a_built_module_names_no_place() {
        let built = Module::builder().function(FnDef::new("f").call("nowhere", [])).build();
        let errors = crate::check::check(&built).unwrap_err();
        let shown = errors.to_string();
        assert!(
            shown.contains("nowhere") && !shown.contains("-->") && !shown.contains("at bytes"),
            "{shown}"
        );
    }
}
