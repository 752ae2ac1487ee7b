//! The IR as the user wrote it: extern blocks with their `#[link]`, imported functions and statics, defined
//! functions and statics. The text form ([`crate::text`]) parses to this and prints back from it.
//!
//! Spans are carried for diagnostics but ignored by `==` (see [`Spanned`]), so a module parsed from its own
//! printed text compares equal to the original.

pub use crate::span::{Span, Spanned};
use std::fmt;

/// A whole IR module: one source file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    /// The `target TRIPLE` line, if any (the command line's `--target` wins over it).
    pub target: Option<Spanned<String>>,
    /// Extern blocks, statics and functions, in source order (order is kept in the output object).
    pub items: Vec<Item>,
}

/// One top-level item.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `#[link(...)] extern { ... }`
    Extern(ExternBlock),
    /// `pub static NAME: TYPE = INIT;`
    Static(StaticDef),
    /// `pub fn name(params) -> ret { ... }`
    Fn(FnDef),
}

/// How a native library is linked, as in Rust's `#[link(kind = "...")]` (RFC 1717).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// A dynamic library (DLL); on Windows its symbols are reached through `__imp_` import slots.
    Dylib,
    /// A static library; its symbols are reached directly.
    Static,
    /// Like `Static`, but the library is not bundled into a static library built from this module. Rustc's old
    /// spelling of `static` with the `-bundle` modifier; accepted with a warning that says so.
    StaticNobundle,
    /// A DLL whose import library linkwise writes itself from the block's declarations (rustc's `raw-dylib`):
    /// reached through `__imp_` slots like `dylib`, linked with no vendor `.lib`. Windows only.
    RawDylib,
}

impl LinkKind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: [LinkKind; 4] =
        [LinkKind::Dylib, LinkKind::Static, LinkKind::StaticNobundle, LinkKind::RawDylib];

    /// The spelling used in `#[link(kind = "...")]` and `-l KIND=...`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Dylib => "dylib",
            LinkKind::Static => "static",
            LinkKind::StaticNobundle => "static-nobundle",
            LinkKind::RawDylib => "raw-dylib",
        }
    }

    /// Parses a kind spelled as in `#[link(kind = "...")]`; `None` for anything else.
    pub fn from_name(s: &str) -> Option<LinkKind> {
        LinkKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A character no library name may contain, found at byte `at` of the text checked.
///
/// Displays as what the character is, for a message that reads "... contains a space (U+0020)".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForbiddenChar {
    /// Its byte offset in the checked text.
    pub at: usize,
    /// The character.
    pub c: char,
}

/// The first whitespace or control character (NUL included) in `text`: the one rule on a library name's
/// characters, for `#[link(name = "...")]` (the parser) and for every part of a `-l` (linkwise-linkage's
/// `LinkSpec::parse`), so that the two cannot disagree. `"msvcrt "` used to be accepted in the source and
/// linked as `msvcrt .lib`, and `-l static=msvcrt` then added a second library (review of issue 7/8). No
/// library file name on Windows or elsewhere needs such a character, and a typo or a quoting slip is the
/// likely cause. Emptiness is the callers' to check: each says what an empty name means where it stands.
pub fn library_name_fault(text: &str) -> Option<ForbiddenChar> {
    text.char_indices()
        .find(|&(_, c)| c.is_whitespace() || c.is_control())
        .map(|(at, c)| ForbiddenChar { at, c })
}

impl fmt::Display for ForbiddenChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.c {
            ' ' => f.write_str("a space (U+0020)"),
            '\t' => f.write_str("a tab (U+0009)"),
            '\n' => f.write_str("a line break (U+000A)"),
            '\r' => f.write_str("a carriage return (U+000D)"),
            c if c.is_control() => write!(f, "the control character U+{:04X}", u32::from(c)),
            c => write!(f, "the whitespace character U+{:04X}", u32::from(c)),
        }
    }
}

/// The link modifiers of one library, as rustc spells them (`+bundle`, `-whole-archive`, ...): `None` where a
/// modifier was not written, so the library's kind decides its default (see `linkwise_linkage`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LinkModifiers {
    /// `bundle`: a static library's members go into a static library built from this module (default `+` for
    /// `static`). Only for `static`.
    pub bundle: Option<bool>,
    /// `whole-archive`: every member of the static library is linked, referenced or not. Only for `static`.
    pub whole_archive: Option<bool>,
    /// `verbatim`: the name is the library's file name as written, with no prefix or suffix added.
    pub verbatim: Option<bool>,
    /// `as-needed`: the linker may drop the library when nothing uses it (ELF `--as-needed`). Only for `dylib`.
    pub as_needed: Option<bool>,
}

impl LinkModifiers {
    /// The value written for `modifier` (`Some(true)` for `+`, `Some(false)` for `-`), `None` if not written.
    pub fn get(&self, modifier: Modifier) -> Option<bool> {
        match modifier {
            Modifier::Bundle => self.bundle,
            Modifier::Verbatim => self.verbatim,
            Modifier::WholeArchive => self.whole_archive,
            Modifier::AsNeeded => self.as_needed,
        }
    }

    /// The slot of `modifier`, to write it.
    pub fn slot(&mut self, modifier: Modifier) -> &mut Option<bool> {
        match modifier {
            Modifier::Bundle => &mut self.bundle,
            Modifier::Verbatim => &mut self.verbatim,
            Modifier::WholeArchive => &mut self.whole_archive,
            Modifier::AsNeeded => &mut self.as_needed,
        }
    }

    /// Each modifier written, with its value, in [`Modifier::ALL`] order.
    pub fn written(&self) -> impl Iterator<Item = (Modifier, bool)> + '_ {
        Modifier::ALL.into_iter().filter_map(|m| self.get(m).map(|v| (m, v)))
    }
}

impl fmt::Display for LinkModifiers {
    /// As rustc spells them: `+bundle,-whole-archive` (empty when none is written).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (m, on)) in self.written().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            write!(f, "{sep}{}{m}", if on { '+' } else { '-' })?;
        }
        Ok(())
    }
}

/// One link modifier's name, as rustc spells it after the `+` or `-`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Modifier {
    /// `bundle` (`static` only).
    Bundle,
    /// `verbatim` (any kind).
    Verbatim,
    /// `whole-archive` (`static` only).
    WholeArchive,
    /// `as-needed` (`dylib` and `raw-dylib` in `#[link]`, `dylib` in `-l`).
    AsNeeded,
}

impl Modifier {
    /// Every modifier, in the order rustc's messages list them.
    pub const ALL: [Modifier; 4] =
        [Modifier::Bundle, Modifier::Verbatim, Modifier::WholeArchive, Modifier::AsNeeded];

    /// The modifier's name (`whole-archive`).
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Bundle => "bundle",
            Modifier::Verbatim => "verbatim",
            Modifier::WholeArchive => "whole-archive",
            Modifier::AsNeeded => "as-needed",
        }
    }

    /// Parses a modifier's name (without its `+` or `-`).
    pub fn from_name(s: &str) -> Option<Modifier> {
        Modifier::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The error for `modifier` given with kind `kind` (`None`: no kind written), or `None` when the two go
    /// together. rustc's rules and words (rustc_attr_parsing's `#[link]` parser, rustc_session's `-l` parser):
    /// `bundle` and `whole-archive` need `static`, `as-needed` needs a DLL kind, `verbatim` goes with any.
    /// rustc's `as-needed` message also lists `framework`, a kind linkwise does not have; `-l` cannot say
    /// `raw-dylib` (rustc's does not either), so its message names `dylib` alone (`command_line`).
    pub fn kind_fault(self, kind: Option<LinkKind>, command_line: bool) -> Option<String> {
        let is_static = matches!(kind, Some(LinkKind::Static | LinkKind::StaticNobundle));
        match self {
            Modifier::Bundle | Modifier::WholeArchive if !is_static => {
                Some(format!("linking modifier `{self}` is only compatible with `static` linking kind"))
            }
            Modifier::AsNeeded if !matches!(kind, Some(LinkKind::Dylib | LinkKind::RawDylib)) => {
                Some(if command_line {
                    "linking modifier `as-needed` is only compatible with `dylib` linking kind".to_owned()
                } else {
                    "linking modifier `as-needed` is only compatible with `dylib` and `raw-dylib` linking kinds".to_owned()
                })
            }
            _ => None,
        }
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// rustc's message for a modifier written without its `+` or `-` (the list names linkwise's modifiers, which
/// are rustc's but `export-symbols`).
pub const MODIFIER_SYNTAX_ERROR: &str = "invalid linking modifier syntax, expected '+' or '-' prefix before one of: bundle, verbatim, whole-archive, as-needed";

/// rustc's message for a modifier name it does not know.
pub fn unknown_modifier_error(name: &str) -> String {
    format!("unknown linking modifier `{name}`, expected one of: bundle, verbatim, whole-archive, as-needed")
}

/// `#[link(name = "...", kind = "...", modifiers = "...")]` on an extern block.
#[derive(Clone, Debug)]
pub struct LinkAttr {
    /// The library name, without prefix or extension (`msvcrt`, not `msvcrt.lib`) unless `+verbatim`.
    pub name: Spanned<String>,
    /// The kind as written; `None` means the default, `dylib`.
    pub kind: Option<Spanned<LinkKind>>,
    /// `modifiers = "..."` as written (`+bundle,-verbatim`); the checker parses and validates it.
    pub modifiers: Option<Spanned<String>>,
    /// Where each comma-separated piece of `modifiers` stands in the source, in order (the parser knows the
    /// literal's escapes, the checker does not), so that a mistake points at the modifier itself.
    pub modifier_spans: Vec<Span>,
    /// The whole attribute.
    pub span: Span,
}

/// An `extern` block: declarations of symbols that come from `link` (or from no named library).
#[derive(Clone, Debug)]
pub struct ExternBlock {
    /// The block's `#[link]`; without one the symbols come from no named library and default to `dylib`,
    /// as in the RFC's third example.
    pub link: Option<LinkAttr>,
    /// `#[crt]`: the block declares C runtime functions, and `--crt` chooses their library and kind (the C
    /// runtime's DLL or its static library), so one source builds both ways. Never together with `#[link]`.
    pub crt: Option<Spanned<()>>,
    /// The ABI string of `extern "C"` or `extern "system"`, if written.
    pub abi: Option<Spanned<String>>,
    /// The declarations inside.
    pub items: Vec<ExternItem>,
    /// The `extern` keyword through the closing brace.
    pub span: Span,
}

/// One declaration in an extern block.
#[derive(Clone, Debug)]
pub struct ExternItem {
    /// `#[link_name = "..."]`: the symbol's name in the object file when it differs from `name`.
    pub link_name: Option<Spanned<String>>,
    /// `#[link_ordinal(N)]`: the DLL exports the symbol by ordinal N (a `raw-dylib` block's import library
    /// imports it by number). The value as written; the checker bounds it.
    pub ordinal: Option<Spanned<u64>>,
    /// The name the module's code uses.
    pub name: Ident,
    /// Function or static.
    pub kind: ExternItemKind,
    /// The whole declaration.
    pub span: Span,
}

/// What an extern declaration declares.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternItemKind {
    /// `fn name(params) -> ret;`
    Fn(Signature),
    /// `static [mut] NAME: TYPE;` (a scalar: imported data is read and written one value at a time).
    Static {
        /// `static mut`.
        mutable: bool,
        /// The value's type.
        ty: Spanned<Type>,
    },
}

/// A function signature. In extern blocks parameter names are optional.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    /// The parameters.
    pub params: Vec<Param>,
    /// The return type; `None` returns nothing.
    pub ret: Option<Spanned<Type>>,
}

/// One parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The parameter's name; always present on defined functions, optional in extern blocks.
    pub name: Option<Ident>,
    /// Its type.
    pub ty: Spanned<Type>,
}

/// A value type: what a local, parameter, return value or scalar static holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// 8-bit integer.
    I8,
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// A pointer (the target's pointer width).
    Ptr,
}

impl Type {
    /// Every type, in the order they are listed to users.
    pub const ALL: [Type; 7] = [Type::I8, Type::I16, Type::I32, Type::I64, Type::F32, Type::F64, Type::Ptr];

    /// The keyword of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::Ptr => "ptr",
        }
    }

    /// Parses a type keyword.
    pub fn from_name(s: &str) -> Option<Type> {
        Type::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether this is one of the integer types (pointers are not integers, though `as` converts).
    pub fn is_int(self) -> bool {
        matches!(self, Type::I8 | Type::I16 | Type::I32 | Type::I64)
    }

    /// Whether this is `f32` or `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// Size in bytes, the same on every target; `None` for `ptr`, whose size is the target's
    /// (`linkwise_linkage::Target::data_layout`): the IR is target-neutral (issue 8).
    pub fn fixed_size(self) -> Option<u32> {
        match self {
            Type::I8 => Some(1),
            Type::I16 => Some(2),
            Type::I32 | Type::F32 => Some(4),
            Type::I64 | Type::F64 => Some(8),
            Type::Ptr => None,
        }
    }

    /// The most bytes a value of this type takes on any target (`ptr`: the widest pointer, 8), for the limits
    /// the checker enforces before a target is known.
    pub fn max_size(self) -> u32 {
        self.fixed_size().unwrap_or(MAX_POINTER_BYTES)
    }

    /// The bits of an integer type: what literal ranges and division rules are checked against.
    pub(crate) fn int_bits(self) -> Option<u32> {
        if self.is_float() { None } else { self.fixed_size().map(|bytes| bytes * 8) }
    }
}

/// The widest pointer of any target linkwise supports, in bytes (all of them are 64-bit today); only bounds use
/// it, never layout.
pub(crate) const MAX_POINTER_BYTES: u32 = 8;

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The type of a defined static: a value, or an array laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaticType {
    /// A single value.
    Value(Type),
    /// `[ELEM]` (length from the initializer) or `[ELEM; N]`.
    Array {
        /// Element type.
        elem: ElemType,
        /// The length as written, if written.
        len: Option<u64>,
    },
}

/// The element type of a static array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    /// `u8`: bytes, the only element type a string literal can initialize.
    U8,
    /// Any value type.
    Value(Type),
}

impl ElemType {
    /// The most bytes one element takes on any target (see [`Type::max_size`]).
    pub fn max_size(self) -> u32 {
        match self {
            ElemType::U8 => 1,
            ElemType::Value(t) => t.max_size(),
        }
    }
}

/// `[pub] static [mut] NAME: TYPE = INIT;`
#[derive(Clone, Debug)]
pub struct StaticDef {
    /// `pub`: the symbol is global (visible to the linker); otherwise local to the object.
    pub public: bool,
    /// `#[export]` and `#[export_name]`: exported from the DLL or shared library built from this module.
    pub export: Export,
    /// `static mut`: writable (placed in `.data`); otherwise read-only (`.rdata`).
    pub mutable: bool,
    /// The static's name, also its symbol name.
    pub name: Ident,
    /// Its type.
    pub ty: Spanned<StaticType>,
    /// Its initial value.
    pub init: Init,
    /// The whole definition.
    pub span: Span,
}

/// The initial value of a defined static.
#[derive(Clone, Debug)]
pub enum Init {
    /// A constant: an integer or float literal, possibly negated.
    Const(Expr),
    /// `&NAME`: the address of a static or function (pointer statics only).
    AddrOf(Ident),
    /// A string literal: bytes for a `[u8]` array, or a pointer to a private copy for a `ptr` static.
    Str(Spanned<Vec<u8>>),
    /// `[a, b, c]`.
    List(Vec<Expr>, Span),
    /// `[value; count]`.
    Repeat(Box<Expr>, Spanned<u64>, Span),
}

impl PartialEq for Init {
    /// Compares values; the spans of list and repeat initializers are not part of them.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Init::Const(a), Init::Const(b)) => a == b,
            (Init::AddrOf(a), Init::AddrOf(b)) => a == b,
            (Init::Str(a), Init::Str(b)) => a == b,
            (Init::List(a, _), Init::List(b, _)) => a == b,
            (Init::Repeat(a, n, _), Init::Repeat(b, m, _)) => a == b && n == m,
            _ => false,
        }
    }
}

/// `[pub] fn name(params) [-> ret] { body }`
#[derive(Clone, Debug)]
pub struct FnDef {
    /// `pub`: the symbol is global; otherwise local to the object.
    pub public: bool,
    /// `#[export]` and `#[export_name]`: exported from the DLL or shared library built from this module.
    pub export: Export,
    /// The function's name, also its symbol name.
    pub name: Ident,
    /// Parameters (always named) and return type.
    pub sig: Signature,
    /// The body.
    pub body: Block,
    /// The whole definition.
    pub span: Span,
}

/// Whether and how a defined `pub` item is exported from the DLL or shared library built from its module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Export {
    /// `#[export]`, with the attribute's span.
    pub export: Option<Spanned<()>>,
    /// `#[export_name = "NAME"]`: exported under NAME (implies `#[export]`).
    pub name: Option<Spanned<String>>,
}

impl Export {
    /// Whether either attribute was written.
    pub fn is_exported(&self) -> bool {
        self.export.is_some() || self.name.is_some()
    }
}

/// `PartialEq` for AST nodes that compares the listed fields and skips the node's own `span`: where text was
/// written is not part of what it means (see the module documentation).
macro_rules! eq_without_span {
    ($($ty:ident { $($field:ident),* })*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)*
            }
        }
    )*};
}

eq_without_span! {
    LinkAttr { name, kind, modifiers }
    ExternBlock { link, crt, abi, items }
    ExternItem { link_name, ordinal, name, kind }
    StaticDef { public, export, mutable, name, ty, init }
    FnDef { public, export, name, sig, body }
    Block { stmts }
    Stmt { kind }
    Expr { kind }
}

/// A name as written, with its span.
pub type Ident = Spanned<String>;

/// `{ stmt* }`
#[derive(Clone, Debug)]
pub struct Block {
    /// The statements, in order.
    pub stmts: Vec<Stmt>,
    /// Brace to brace.
    pub span: Span,
}

/// A statement.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What the statement does.
    pub kind: StmtKind,
    /// The whole statement.
    pub span: Span,
}

/// The statements of the IR.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let [mut] name [: ty] = value;`
    Let {
        /// `let mut`.
        mutable: bool,
        /// The new local.
        name: Ident,
        /// The declared type, if written (otherwise inferred from `value`).
        ty: Option<Spanned<Type>>,
        /// The initial value.
        value: Expr,
    },
    /// `name = value;` where `name` is a mutable local or a `static mut` (defined or imported).
    Assign {
        /// The local or static written.
        target: Ident,
        /// The value stored.
        value: Expr,
    },
    /// `return [value];`
    Return(Option<Expr>),
    /// `for var in start..end { body }`: a counted loop over `start, start+1, ..., end-1`; `start` and `end`
    /// are evaluated once, before the first iteration.
    For {
        /// The loop counter (immutable inside the body).
        var: Ident,
        /// First value.
        start: Expr,
        /// One past the last value.
        end: Expr,
        /// The loop body.
        body: Block,
    },
    /// `if cond { then } [else { otherwise }]`: `cond` is an integer, true when non-zero.
    If {
        /// The condition.
        cond: Expr,
        /// Runs when `cond` is non-zero.
        then: Block,
        /// Runs otherwise.
        otherwise: Option<Block>,
    },
    /// `expr;` (a call whose result, if any, is dropped).
    Expr(Expr),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the expression computes.
    pub kind: ExprKind,
    /// The whole expression.
    pub span: Span,
}

impl Expr {
    /// An expression built in code, with no source text.
    pub fn dummy(kind: ExprKind) -> Expr {
        Expr { kind, span: Span::DUMMY }
    }
}

/// A float literal's value, read from its decimal text twice: once as `f64` and once as `f32`. Reading the
/// `f32` from the `f64` would round twice and can be one ulp off (issue 7: `1.00000017881393432617187499`
/// must be `0x3f800001`, as rustc reads it, not `0x3f800002`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloatLit {
    /// The value as `f64`: always finite (the lexer rejects larger literals).
    pub f64: f64,
    /// The value correctly rounded to `f32`; infinite when the literal is out of `f32`'s range, which the
    /// checker reports where the literal is used as an `f32`.
    pub f32: f32,
}

impl FloatLit {
    /// The literal a decimal text (digits only, no `_`) stands for.
    pub(crate) fn parse(digits: &str) -> Option<FloatLit> {
        Some(FloatLit { f64: digits.parse().ok()?, f32: digits.parse().ok()? })
    }

    /// A literal for an `f64` value built in code: its `f32` is the value rounded from the `f64`.
    pub fn from_f64(x: f64) -> FloatLit {
        FloatLit { f64: x, f32: x as f32 }
    }
}

/// The expressions of the IR.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal (its type comes from context, `i32` by default, as in Rust).
    Int(u64),
    /// A float literal (its type comes from context, `f64` by default).
    Float(FloatLit),
    /// A string literal: the address of a private, read-only, NUL-less copy of the bytes (write `\0` for C).
    Str(Vec<u8>),
    /// A local, a parameter, or the value of a static.
    Name(Ident),
    /// `&NAME`: the address of a static or a function.
    AddrOf(Ident),
    /// `callee(args)`: a call to an imported or defined function.
    Call {
        /// The function called.
        callee: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// A unary operation.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operation.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `expr as ty`.
    Cast(Box<Expr>, Spanned<Type>),
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!x`: bitwise not on integers.
    Not,
}

impl UnaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "!",
        }
    }
}

/// Binary operators: arithmetic, bitwise, shifts and comparisons. Integer arithmetic is signed and wraps;
/// comparisons give an `i32` 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `&`
    And,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// `<<`
    Shl,
    /// `>>` (arithmetic)
    Shr,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::And => "&",
            BinaryOp::Or => "|",
            BinaryOp::Xor => "^",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
        }
    }

    /// Binding strength, as in Rust: higher binds tighter. All binary operators are left-associative.
    pub(crate) fn precedence(self) -> u8 {
        match self {
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 10,
            BinaryOp::Add | BinaryOp::Sub => 9,
            BinaryOp::Shl | BinaryOp::Shr => 8,
            BinaryOp::And => 7,
            BinaryOp::Xor => 6,
            BinaryOp::Or => 5,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
        }
    }

    /// Whether the operator compares (and so yields `i32` 0/1 whatever its operand type).
    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}
