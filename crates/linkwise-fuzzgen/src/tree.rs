//! The generator's own program tree: typed, so that it can be printed in a form the checker types exactly as
//! the tree says, and cut down by the shrinker without reparsing.

/// A value type of the IR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Ty {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Ptr,
}

/// The integer types, narrowest first.
pub(crate) const INTS: [Ty; 4] = [Ty::I8, Ty::I16, Ty::I32, Ty::I64];

impl Ty {
    /// The type's keyword.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::I8 => "i8",
            Ty::I16 => "i16",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
            Ty::Ptr => "ptr",
        }
    }

    pub(crate) fn is_int(self) -> bool {
        matches!(self, Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64)
    }

    pub(crate) fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }

    /// The width of an integer type.
    pub(crate) fn bits(self) -> u32 {
        match self {
            Ty::I8 => 8,
            Ty::I16 => 16,
            Ty::I32 => 32,
            _ => 64,
        }
    }

    /// The smallest and largest value of an integer type.
    pub(crate) fn int_range(self) -> (i64, i64) {
        let min = i64::MIN >> (64 - self.bits());
        (min, -(min + 1))
    }

    /// Whether a literal with no type from its context gets this type (`i32` for integers, `f64` for floats).
    pub(crate) fn is_default_literal_type(self) -> bool {
        matches!(self, Ty::I32 | Ty::F64)
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    /// Float division only: integer division is `Expr::Div`, which carries its guard.
    Div,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    pub(crate) fn text(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }

    /// Binding strength (docs/ir.md's table): higher binds tighter.
    pub(crate) fn prec(self) -> u8 {
        match self {
            BinOp::Mul | BinOp::Div => PREC_MUL,
            BinOp::Add | BinOp::Sub => PREC_MUL - 1,
            BinOp::Shl | BinOp::Shr => PREC_MUL - 2,
            BinOp::And => PREC_MUL - 3,
            BinOp::Xor => PREC_MUL - 4,
            BinOp::Or => PREC_MUL - 5,
            _ => PREC_CMP,
        }
    }

    pub(crate) fn is_cmp(self) -> bool {
        self.prec() == PREC_CMP
    }
}

/// Precedence of the comparisons (non-associative), the loosest level.
pub(crate) const PREC_CMP: u8 = 0;
/// Precedence of `*` `/` `%`.
pub(crate) const PREC_MUL: u8 = 6;
/// Precedence of `as`.
pub(crate) const PREC_CAST: u8 = 7;
/// Precedence of unary `-` and `!`.
pub(crate) const PREC_UNARY: u8 = 8;
/// A name, a literal, a call, something parenthesized.
pub(crate) const PREC_ATOM: u8 = 9;

/// A unary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Not,
}

/// How an integer `/` or `%` is kept from trapping (docs/ir.md "Division and remainder": a zero divisor, or
/// `MIN / -1`). The guard is printed around the operands, so whatever the operands become (shrinking replaces
/// them freely) the division cannot trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guard {
    /// `l / K` or `l % K` with a literal `K`: never 0, and never -1 for `/`.
    Lit(i64),
    /// `l / (r & -2 | 2)`: the divisor has bit 1 set (not 0) and bit 0 clear (not -1), and is otherwise any
    /// value, negative and huge ones included. For `%`: `l % (r | 1)`, odd, so not 0; `-1` is fine for `%`.
    Mask,
    /// `(l | 1) / (r | 1)`: the dividend is odd, so never the minimum, and the divisor odd, so never 0;
    /// -1 is then harmless.
    Odd,
    /// `(l | 1) / -1`: the literal -1 divisor, with a dividend that cannot be the minimum.
    OddByMinusOne,
}

/// An expression. Every node knows its type; see `Expr::ty`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    /// An integer literal of an integer type; the value fits it.
    Int(i64, Ty),
    /// A finite float literal; for `f32` exactly an `f32` value.
    Float(f64, Ty),
    /// A local, parameter, static or imported static.
    Var(String, Ty),
    /// `&NAME`.
    Addr(String),
    /// A call of a function that returns the given type.
    Call(String, Vec<Expr>, Ty),
    Unary(UnOp, Box<Expr>, Ty),
    /// A binary operator; the type is the operands' (comparisons give `i32`).
    Bin(BinOp, Box<Expr>, Box<Expr>, Ty),
    Cast(Box<Expr>, Ty),
    /// Integer `/` (`rem` false) or `%`, guarded; `r` is `None` for the guards that have a literal divisor.
    Div {
        rem: bool,
        guard: Guard,
        l: Box<Expr>,
        r: Option<Box<Expr>>,
        ty: Ty,
    },
}

impl Expr {
    /// The type of the expression's value.
    pub(crate) fn ty(&self) -> Ty {
        match self {
            Expr::Int(_, t)
            | Expr::Float(_, t)
            | Expr::Var(_, t)
            | Expr::Call(_, _, t)
            | Expr::Unary(_, _, t)
            | Expr::Cast(_, t)
            | Expr::Div { ty: t, .. } => *t,
            Expr::Addr(_) => Ty::Ptr,
            Expr::Bin(op, _, _, t) => {
                if op.is_cmp() {
                    Ty::I32
                } else {
                    *t
                }
            }
        }
    }

    /// The direct sub-expressions, in evaluation order.
    pub(crate) fn children_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Expr::Int(..) | Expr::Float(..) | Expr::Var(..) | Expr::Addr(_) => Vec::new(),
            Expr::Call(_, args, _) => args.iter_mut().collect(),
            Expr::Unary(_, e, _) | Expr::Cast(e, _) => vec![&mut **e],
            Expr::Bin(_, l, r, _) => vec![&mut **l, &mut **r],
            Expr::Div { l, r, .. } => {
                let mut v = vec![&mut **l];
                if let Some(r) = r {
                    v.push(&mut **r);
                }
                v
            }
        }
    }

    /// The direct sub-expressions.
    pub(crate) fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Int(..) | Expr::Float(..) | Expr::Var(..) | Expr::Addr(_) => Vec::new(),
            Expr::Call(_, args, _) => args.iter().collect(),
            Expr::Unary(_, e, _) | Expr::Cast(e, _) => vec![&**e],
            Expr::Bin(_, l, r, _) => vec![&**l, &**r],
            Expr::Div { l, r, .. } => {
                let mut v = vec![&**l];
                if let Some(r) = r {
                    v.push(&**r);
                }
                v
            }
        }
    }
}

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Stmt {
    /// `let [mut] NAME[: TY] = VALUE;` (`annotate` writes the type).
    Let { name: String, mutable: bool, ty: Ty, annotate: bool, value: Expr },
    /// `NAME = VALUE;`, to a `let mut` local or a `static mut`.
    Assign { name: String, value: Expr },
    /// `NAME(ARGS);`, the result (if any) dropped.
    Call { name: String, args: Vec<Expr> },
    /// `if COND { THEN } [else { ELSE }]`; an `else` holding just an `if` prints as `else if`.
    If { cond: Expr, then: Vec<Stmt>, els: Option<Vec<Stmt>> },
    /// `for VAR in LO..HI { BODY }`, `VAR` of type `ty`.
    For { var: String, ty: Ty, lo: i64, hi: i64, body: Vec<Stmt> },
    /// `return [VALUE];`, only as the last statement of an `if` branch (the function's own last return is
    /// `Function::tail`).
    Return(Option<Expr>),
}

/// A defined function.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Function {
    pub(crate) name: String,
    pub(crate) public: bool,
    pub(crate) params: Vec<(String, Ty)>,
    pub(crate) ret: Option<Ty>,
    pub(crate) body: Vec<Stmt>,
    /// The final `return VALUE;` of a function with a result (always there, so every candidate the shrinker
    /// makes still returns on every path).
    pub(crate) tail: Option<Expr>,
}

/// An array element type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Elem {
    U8,
    Val(Ty),
}

/// A constant of a static initializer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Const {
    Int(i64),
    Float(f64),
    /// `&NAME` of one of the program's statics.
    Addr(String),
}

/// A static's type and initializer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StaticInit {
    /// A single value.
    Scalar(Ty, Const),
    /// `[ELEM; N] = [a, b, ...]` (`sized` writes `; N`).
    List(Elem, Vec<Const>, bool),
    /// `[ELEM; N] = [VALUE; N]`.
    Repeat(Elem, Const, u64),
    /// `[u8] = "..."`.
    Bytes(Vec<u8>),
}

/// A defined static.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Static {
    pub(crate) name: String,
    pub(crate) public: bool,
    pub(crate) mutable: bool,
    pub(crate) init: StaticInit,
}

impl Static {
    /// The value type of a single-value static (`None` for arrays, which are only ever addressed).
    pub(crate) fn scalar(&self) -> Option<Ty> {
        match self.init {
            StaticInit::Scalar(t, _) => Some(t),
            _ => None,
        }
    }

    /// The names of statics its initializer takes the address of.
    pub(crate) fn targets(&self) -> Vec<&str> {
        let consts: Vec<&Const> = match &self.init {
            StaticInit::Scalar(_, c) | StaticInit::Repeat(_, c, _) => vec![c],
            StaticInit::List(_, cs, _) => cs.iter().collect(),
            StaticInit::Bytes(_) => Vec::new(),
        };
        consts
            .into_iter()
            .filter_map(|c| if let Const::Addr(n) = c { Some(n.as_str()) } else { None })
            .collect()
    }
}

/// One function of the simulated libraries (docs/difftest.md), without its `d_`/`s_`/`r_` prefix.
pub(crate) struct ImportFn {
    pub(crate) name: &'static str,
    pub(crate) params: &'static [(&'static str, Ty)],
    pub(crate) ret: Option<Ty>,
}

macro_rules! import_fns {
    ($($name:literal ($($p:ident: $t:ident),*) $(-> $r:ident)?;)*) => {
        /// docs/difftest.md's table, in its order.
        pub(crate) const IMPORT_FNS: &[ImportFn] = &[$(ImportFn {
            name: $name,
            params: &[$((stringify!($p), Ty::$t)),*],
            ret: import_fns!(@ret $($r)?),
        }),*];
    };
    (@ret) => { None };
    (@ret $r:ident) => { Some(Ty::$r) };
}

import_fns! {
    "begin"(id: I64);
    "trace_i8"(v: I8);
    "trace_i16"(v: I16);
    "trace_i32"(v: I32);
    "trace_i64"(v: I64);
    "trace_f32"(v: F32);
    "trace_f64"(v: F64);
    "mix_i8"(a: I8, b: I8) -> I8;
    "mix_i16"(a: I16, b: I16) -> I16;
    "mix_i32"(a: I32, b: I32) -> I32;
    "mix_i64"(a: I64, b: I64) -> I64;
    "mix_f32"(a: F32, b: F32) -> F32;
    "mix_f64"(a: F64, b: F64) -> F64;
    "widen_i8"(a: I8) -> I32;
    "widen_i16"(a: I16) -> I32;
    "ret_i8"(a: I64) -> I8;
    "ret_i16"(a: I64) -> I16;
    "ret_i32"(a: I64) -> I32;
    "many"(a: I8, b: I16, c: I32, d: I64, e: F32, f: F64, g: I8, h: I16, i: I32, j: I64) -> I64;
    "same_ptr"(a: Ptr, b: Ptr) -> I32;
    "apply_i8"(f: Ptr, a: I64) -> I32;
    "apply_i16"(f: Ptr, a: I64) -> I32;
    "get_counter"() -> I32;
}

/// One static of the simulated libraries, without its prefix: name, type, writable.
pub(crate) const IMPORT_STATICS: [(&str, Ty, bool); 3] =
    [("counter", Ty::I32, true), ("wide", Ty::I64, true), ("scale", Ty::F64, false)];

/// The three libraries: `#[link]` name, kind, prefix.
pub(crate) const LIBRARIES: [(&str, &str, &str); 3] =
    [("lwsim_dyn", "dylib", "d_"), ("lwsim_st", "static", "s_"), ("lwsim_raw", "raw-dylib", "r_")];
