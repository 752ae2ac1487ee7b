//! The values the interpreter computes with: one per IR value type, and abstract addresses.

use crate::Type;
use linkwise_ir::checked::SymbolId;
use std::fmt;

/// A value of one of the IR's value types (docs/ir.md "Types").
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An `i8`.
    I8(i8),
    /// An `i16`.
    I16(i16),
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`.
    F32(f32),
    /// An `f64`.
    F64(f64),
    /// A `ptr`.
    Ptr(Address),
}

impl Value {
    /// The value's type.
    pub fn ty(self) -> Type {
        match self {
            Value::I8(_) => Type::I8,
            Value::I16(_) => Type::I16,
            Value::I32(_) => Type::I32,
            Value::I64(_) => Type::I64,
            Value::F32(_) => Type::F32,
            Value::F64(_) => Type::F64,
            Value::Ptr(_) => Type::Ptr,
        }
    }

    /// The zero of `ty` (the null address for `ptr`).
    pub fn zero(ty: Type) -> Value {
        Value::from_int(ty, 0)
    }

    /// The integer `n` as a value of `ty`: truncated to an integer type's width, converted (rounded) for a
    /// float, the address with that number for `ptr`.
    pub fn from_int(ty: Type, n: i64) -> Value {
        match ty {
            Type::I8 => Value::I8(n as i8),
            Type::I16 => Value::I16(n as i16),
            Type::I32 => Value::I32(n as i32),
            Type::I64 => Value::I64(n),
            Type::F32 => Value::F32(n as f32),
            Type::F64 => Value::F64(n as f64),
            Type::Ptr => Value::Ptr(Address::number(n)),
        }
    }

    /// An integer value sign-extended to 64 bits; `None` for floats and pointers.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Value::I8(v) => Some(v.into()),
            Value::I16(v) => Some(v.into()),
            Value::I32(v) => Some(v.into()),
            Value::I64(v) => Some(v),
            _ => None,
        }
    }

    /// Whether `self` and `other` are the same value bit for bit (so a NaN equals itself and `-0.0` does not
    /// equal `0.0`, unlike `==`).
    pub fn same_bits(self, other: Value) -> bool {
        match (self, other) {
            (Value::F32(a), Value::F32(b)) => a.to_bits() == b.to_bits(),
            (Value::F64(a), Value::F64(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Value {
    /// `TYPE VALUE`, floats by their bits (`f32 0x3fc00000`), as a trace would show them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I8(v) => write!(f, "i8 {v}"),
            Value::I16(v) => write!(f, "i16 {v}"),
            Value::I32(v) => write!(f, "i32 {v}"),
            Value::I64(v) => write!(f, "i64 {v}"),
            Value::F32(v) => write!(f, "f32 {:#010x} ({v})", v.to_bits()),
            Value::F64(v) => write!(f, "f64 {:#018x} ({v})", v.to_bits()),
            Value::Ptr(a) => write!(f, "ptr {a:?}"),
        }
    }
}

/// An address, abstractly: a symbol of the program (a defined static or function, a string literal, or an
/// import, one per link name) plus a byte offset, or an address made from an integer (`n as ptr`, a `ptr`
/// static initialized with `0`). Never a number for a symbol: where the linker puts things is not part of
/// the IR's semantics, so a program that looks at it stops ([`crate::Stop::Unsupported`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Address(pub(crate) Base);

/// What an [`Address`] is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Base {
    /// An integer made into an address; `0` is the null pointer.
    Number(i64),
    /// `offset` bytes into `symbol`. `symbol` is canonical: of two imports with one link name, the first.
    /// (The IR has no address arithmetic, so `offset` is 0 today.)
    Symbol { symbol: SymbolId, offset: u64 },
}

impl Address {
    /// The null pointer, `0 as ptr`.
    pub const NULL: Address = Address(Base::Number(0));

    /// The address with number `n` (`n as ptr`).
    pub fn number(n: i64) -> Address {
        Address(Base::Number(n))
    }

    /// The start of `symbol` (which should be canonical: the interpreter hands out only canonical ones).
    pub(crate) fn symbol(symbol: SymbolId) -> Address {
        Address(Base::Symbol { symbol, offset: 0 })
    }

    /// The symbol this address points into, with the offset; `None` for an address made from an integer.
    pub fn symbol_offset(self) -> Option<(SymbolId, u64)> {
        match self.0 {
            Base::Symbol { symbol, offset } => Some((symbol, offset)),
            Base::Number(_) => None,
        }
    }

    /// The number of an address made from an integer; `None` for a symbol's (which has no number).
    pub fn as_number(self) -> Option<i64> {
        match self.0 {
            Base::Number(n) => Some(n),
            Base::Symbol { .. } => None,
        }
    }
}
