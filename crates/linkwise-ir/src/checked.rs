//! The checked IR: names resolved to ids, every expression typed, static initializers laid out as bytes.
//! Produced by [`crate::check::check`]; lowering reads it without asking any question the checker could
//! have answered.
//!
//! What the types say, the checker guarantees by construction: every [`Expr`] has a value and a [`Type`]
//! (a call to a function that returns nothing is a [`Stmt::Call`], never an expression). What they cannot
//! say is written on the item it concerns (operand types of [`ExprKind::Binary`], for instance); a program
//! built by hand that breaks one of those is reported by lowering as an internal error
//! ([`crate::Diagnostic::internal`]), never a panic.

use crate::ast::{BinaryOp, ElemType, LinkKind, Span, Spanned, Type, UnaryOp};
use std::fmt;

/// Index of an extern block in [`Program::blocks`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// Index of a symbol in [`Program::symbols`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymbolId(pub u32);

/// Index of a defined function's body in [`Program::functions`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// Index of a local (parameter, `let` or loop counter) in [`Function::locals`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

macro_rules! id_debug {
    ($($ty:ident $prefix:literal),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
        impl $ty {
            /// The id as an index into its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}
id_debug!(BlockId "block", SymbolId "sym", FuncId "func", LocalId "local");

/// A checked module: everything the later stages need, nothing they must re-derive.
#[derive(Clone, Debug)]
pub struct Program {
    /// The module's `target` line, if any.
    pub target: Option<Spanned<String>>,
    /// The extern blocks, in source order.
    pub blocks: Vec<ExternBlockInfo>,
    /// Every symbol the object defines or references, in source order: imports, defined functions and statics,
    /// then string literals in order of first use.
    pub symbols: Vec<Symbol>,
    /// Bodies of defined functions, in source order.
    pub functions: Vec<Function>,
    /// Warnings about the module (deprecated spellings such as `static-nobundle`), in source order.
    pub warnings: Vec<crate::Diagnostic>,
}

impl Program {
    /// The symbol with id `id`.
    pub fn symbol(&self, id: SymbolId) -> &Symbol {
        &self.symbols[id.index()]
    }

    /// Ids and symbols, in order.
    pub fn symbols(&self) -> impl Iterator<Item = (SymbolId, &Symbol)> {
        self.symbols.iter().enumerate().map(|(i, s)| (SymbolId(i as u32), s))
    }
}

/// What an extern block says about where its symbols come from, as declared in the source (before `-l`).
#[derive(Clone, Debug)]
pub struct ExternBlockInfo {
    /// The library of `#[link(name = ...)]`; `None` for a block without `#[link]`.
    pub library: Option<Spanned<String>>,
    /// The declared kind (`dylib` when not written; `static` for `static-nobundle`, see `modifiers`).
    pub kind: LinkKind,
    /// Whether `kind = ...` was written (as opposed to defaulting to `dylib`).
    pub kind_written: bool,
    /// The `kind = "..."` literal, when written (for the linkage stage's target checks, `raw-dylib`'s).
    pub kind_span: Option<Span>,
    /// The `modifiers = "..."` of `#[link]`, parsed and checked against the kind. `static-nobundle` is read as
    /// `static` with `-bundle` (rustc's replacement for it), so `kind` is then `Static` and `bundle` is
    /// `Some(false)`.
    pub modifiers: crate::LinkModifiers,
    /// Where each written modifier stands in the source (inside the literal), for the linkage stage's messages
    /// when a `-l` changes the kind under it.
    pub modifier_spans: Vec<(crate::Modifier, Span)>,
    /// `#[crt]`: the C runtime's block, whose library and kind `--crt` chooses (`library` is then `None`).
    pub crt: bool,
    /// The block's `#[link]` (or `#[crt]`) attribute, or the `extern` keyword when it has none.
    pub span: Span,
}

/// A symbol: an imported function or static, a defined function or static, or a private string literal.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// The name the IR uses (for string literals, a made-up `str.N`).
    pub name: String,
    /// The name in the object file before target mangling: `#[link_name]` if given, else `name`.
    pub link_name: String,
    /// Where it was declared or defined (for strings, the first use).
    pub span: Span,
    /// What it is.
    pub def: SymbolDef,
    /// The name it is exported under from a DLL or shared library built from this module (`#[export]`: its
    /// link name; `#[export_name]`: that name); `None` when not exported. Only defined `pub` items have one.
    pub export: Option<String>,
    /// `#[link_ordinal(N)]` of an imported symbol: the DLL exports it by ordinal N.
    pub ordinal: Option<u16>,
}

/// What a symbol is.
#[derive(Clone, Debug)]
pub enum SymbolDef {
    /// A function declared in an extern block.
    ImportFn {
        /// The block that declares it (and so its library).
        block: BlockId,
        /// Its signature.
        sig: FnSig,
    },
    /// A static declared in an extern block.
    ImportStatic {
        /// The block that declares it.
        block: BlockId,
        /// The value's type.
        ty: Type,
        /// `static mut`.
        mutable: bool,
    },
    /// A function defined in the module.
    Fn {
        /// `pub`: global symbol.
        public: bool,
        /// Its signature.
        sig: FnSig,
        /// Its body.
        body: FuncId,
    },
    /// A static defined in the module.
    Static {
        /// `pub`: global symbol.
        public: bool,
        /// `static mut`: writable data; otherwise read-only.
        mutable: bool,
        /// Its initial bytes.
        data: StaticData,
    },
    /// A string literal: private read-only bytes.
    Str {
        /// The bytes, exactly as written (no NUL is added).
        bytes: Vec<u8>,
    },
}

impl SymbolDef {
    /// The extern block an imported symbol comes from; `None` for symbols the module defines.
    pub fn import_block(&self) -> Option<BlockId> {
        match self {
            SymbolDef::ImportFn { block, .. } | SymbolDef::ImportStatic { block, .. } => Some(*block),
            _ => None,
        }
    }

    /// Whether the symbol is code (a function) rather than data.
    pub fn is_function(&self) -> bool {
        matches!(self, SymbolDef::ImportFn { .. } | SymbolDef::Fn { .. })
    }
}

/// A function's parameter and return types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnSig {
    /// Parameter types.
    pub params: Vec<Type>,
    /// Return type; `None` returns nothing.
    pub ret: Option<Type>,
}

/// The initial value of a defined static, element by element. Target-neutral: how wide an address is and in
/// which byte order numbers are stored are the target's facts, applied by [`StaticData::layout`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticData {
    /// The values, in order.
    pub items: Vec<DataItem>,
    /// The element type (the value's own type for a scalar static), whose size is the static's alignment.
    pub elem: ElemType,
    /// Every address written in the initializer (`&X`, a string), once per place it was written; the
    /// [`DataItem::Addr`] items refer to them by index.
    pub relocs: Vec<DataReloc>,
}

/// One value in a static's initializer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataItem {
    /// An integer of type `ty` (for `ptr`, the null pointer `0 as ptr`), stored in `ty`'s width.
    Int {
        /// Its type.
        ty: Type,
        /// Its value (only the low bits of `ty`'s width are stored).
        value: i64,
    },
    /// An `f32`, by its bits.
    F32(u32),
    /// An `f64`, by its bits.
    F64(u64),
    /// Bytes as written (a `[u8]` initializer).
    Bytes(Vec<u8>),
    /// The address of `relocs[index].target`, pointer-sized.
    Addr(usize),
    /// `[value; count]`: `items` (one element) `count` times.
    Repeat {
        /// The element.
        items: Vec<DataItem>,
        /// How many times.
        count: u64,
    },
}

/// An address stored in a static's initial value (`static P: ptr = &X;`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataReloc {
    /// The symbol whose address is stored.
    pub target: SymbolId,
    /// Where the `&X` (or string) was written.
    pub span: Span,
}

/// The target facts a static's layout depends on (linkwise-linkage's `Target::data_layout` gives them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataLayout {
    /// Size of an address in bytes.
    pub pointer_size: u32,
    /// Byte order of numbers and addresses.
    pub big_endian: bool,
}

/// A static laid out for one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaidOut {
    /// The bytes (addresses are zero here and filled in by relocations).
    pub bytes: Vec<u8>,
    /// Required alignment in bytes.
    pub align: u32,
    /// Each address to fill in: (byte offset in `bytes`, the symbol), in order.
    pub addresses: Vec<(u32, SymbolId)>,
}

impl StaticData {
    /// The static's bytes and addresses on a target with `layout`.
    pub fn layout(&self, layout: DataLayout) -> LaidOut {
        let size = |ty: Type| ty.fixed_size().unwrap_or(layout.pointer_size);
        let align = match self.elem {
            ElemType::U8 => 1,
            ElemType::Value(ty) => size(ty),
        };
        let mut out = LaidOut { bytes: Vec::new(), align, addresses: Vec::new() };
        for item in &self.items {
            self.put(item, layout, &size, &mut out);
        }
        out
    }

    fn put(&self, item: &DataItem, layout: DataLayout, size: &dyn Fn(Type) -> u32, out: &mut LaidOut) {
        let number = |bytes: &mut Vec<u8>, value: u64, width: u32| {
            let width = width as usize;
            if layout.big_endian {
                bytes.extend_from_slice(&value.to_be_bytes()[8 - width..]);
            } else {
                bytes.extend_from_slice(&value.to_le_bytes()[..width]);
            }
        };
        match item {
            DataItem::Int { ty, value } => number(&mut out.bytes, *value as u64, size(*ty)),
            DataItem::F32(bits) => number(&mut out.bytes, u64::from(*bits), 4),
            DataItem::F64(bits) => number(&mut out.bytes, *bits, 8),
            DataItem::Bytes(b) => out.bytes.extend_from_slice(b),
            DataItem::Addr(index) => {
                out.addresses.push((out.bytes.len() as u32, self.relocs[*index].target));
                out.bytes.resize(out.bytes.len() + layout.pointer_size as usize, 0);
            }
            DataItem::Repeat { items, count } => {
                let (start, first_address) = (out.bytes.len(), out.addresses.len());
                for item in items {
                    self.put(item, layout, size, out);
                }
                if *count == 0 {
                    out.bytes.truncate(start);
                    out.addresses.truncate(first_address);
                    return;
                }
                let one = out.bytes[start..].to_vec();
                let addresses = out.addresses[first_address..].to_vec();
                out.bytes.reserve(one.len() * (*count as usize - 1));
                for i in 1..*count {
                    let shift = (i * one.len() as u64) as u32;
                    out.bytes.extend_from_slice(&one);
                    out.addresses.extend(addresses.iter().map(|&(offset, target)| (offset + shift, target)));
                }
            }
        }
    }
}

/// A defined function's body.
#[derive(Clone, Debug)]
pub struct Function {
    /// The function's symbol.
    pub symbol: SymbolId,
    /// The parameters, which are the first `params.len()` locals, in order.
    pub params: Vec<LocalId>,
    /// Every local of the function: parameters, `let`s and loop counters. Shadowing creates a new local.
    pub locals: Vec<Local>,
    /// The statements.
    pub body: Vec<Stmt>,
}

/// A local variable.
#[derive(Clone, Debug)]
pub struct Local {
    /// Its name in the source.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// A checked statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// Sets a local (a `let` or an assignment).
    Set(LocalId, Expr),
    /// Stores into a static (defined `static mut` or imported `static mut`).
    Store(SymbolId, Expr),
    /// Returns, with a value when the function has a return type.
    Return(Option<Expr>),
    /// `for var in start..end { body }`, `var`, `start` and `end` of one integer type.
    For {
        /// The counter.
        var: LocalId,
        /// First value, evaluated once.
        start: Expr,
        /// One past the last value, evaluated once.
        end: Expr,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `if cond { then } else { otherwise }`; `cond` is an integer, true when non-zero.
    If {
        /// The condition.
        cond: Expr,
        /// Statements run when true.
        then: Vec<Stmt>,
        /// Statements run when false (empty without `else`).
        otherwise: Vec<Stmt>,
    },
    /// A call as a statement, `callee(args)`: its result, if the callee returns one, is discarded. The only
    /// place a call to a function that returns nothing can be.
    Call(SymbolId, Vec<Expr>),
    /// Any other expression evaluated for its effect (it may trap, as `a / b` does when `b` is 0).
    Expr(Expr),
}

/// A checked, typed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its type.
    pub ty: Type,
    /// Where it was written.
    pub span: Span,
}

/// The checked expressions.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// An integer constant, already in range for the expression's type (stored sign-extended).
    Int(i64),
    /// A float constant (for `f32`, already rounded to `f32`).
    Float(f64),
    /// The value of a local.
    Local(LocalId),
    /// The value of a static (defined or imported): a load from its address.
    Load(SymbolId),
    /// The address of a static, function or string literal.
    Addr(SymbolId),
    /// A call to an imported or defined function that returns a value, of the expression's type; the
    /// arguments have the parameters' types.
    Call(SymbolId, Vec<Expr>),
    /// A unary operation on an operand of the expression's type: `-` on an integer or float, `!` on an
    /// integer.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operation; both operands have the same type (the expression's type, or `i32` for comparisons).
    /// `+ - * /` take integers or floats; `%`, `& | ^`, `<<` and `>>` integers only; `== !=` any type;
    /// `< <= > >=` integers or floats.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A conversion to the expression's type.
    Cast(Box<Expr>),
}
