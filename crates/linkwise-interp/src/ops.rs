//! The IR's operators and casts on [`Value`]s, one function each, exactly as lower.rs compiles them
//! (docs/ir.md "Run-time semantics"). Pure: no program, no host. Pointer comparisons need the program
//! (which symbols are zero-sized) and are the interpreter's ([`crate::Machine::same_address`]).

use crate::{Stop, TrapKind, Type, Value};
use linkwise_ir::ast::{BinaryOp, UnaryOp};

/// Why an operation has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The operation traps (integer division).
    Trap(TrapKind),
    /// The result depends on something the interpreter does not know (an address as a number), or the
    /// operands are not what the checker allows (a program built by hand). The message says which.
    Unsupported(String),
}

impl Fault {
    /// The [`Stop`] this fault ends a run with, a trap naming `function`.
    pub fn stop(self, function: &str) -> Stop {
        match self {
            Fault::Trap(kind) => Stop::Trap { kind, function: function.to_owned() },
            Fault::Unsupported(what) => Stop::Unsupported(what),
        }
    }
}

fn unsupported<T>(what: String) -> Result<T, Fault> {
    Err(Fault::Unsupported(what))
}

/// Integer operations at one width, on the Rust type of that width (`i8` for `i8`, ...).
macro_rules! int_binary {
    ($op:expr, $a:expr, $b:expr, $variant:ident, $t:ty) => {{
        let (a, b): ($t, $t) = ($a, $b);
        let bool_value = |c: bool| Value::I32(c as i32);
        Ok(match $op {
            // Cranelift's iadd/isub/imul wrap (two's complement, the width's bits).
            BinaryOp::Add => Value::$variant(a.wrapping_add(b)),
            BinaryOp::Sub => Value::$variant(a.wrapping_sub(b)),
            BinaryOp::Mul => Value::$variant(a.wrapping_mul(b)),
            // lower.rs `divide`: trapz on the divisor first, then (for `/` only) MIN / -1 traps.
            BinaryOp::Div if b == 0 => return Err(Fault::Trap(TrapKind::DivideByZero)),
            BinaryOp::Div if a == <$t>::MIN && b == -1 => return Err(Fault::Trap(TrapKind::DivideOverflow)),
            BinaryOp::Div => Value::$variant(a / b),
            BinaryOp::Rem if b == 0 => return Err(Fault::Trap(TrapKind::DivideByZero)),
            // srem: MIN % -1 is 0 (docs/ir.md), which is wrapping_rem.
            BinaryOp::Rem => Value::$variant(a.wrapping_rem(b)),
            BinaryOp::And => Value::$variant(a & b),
            BinaryOp::Or => Value::$variant(a | b),
            BinaryOp::Xor => Value::$variant(a ^ b),
            // ishl/sshr mask the amount to the width (Cranelift: "The shift amount is masked to the size
            // of x"), which is what wrapping_shl/shr do with the amount's low bits; shr on a signed type is
            // arithmetic, as sshr.
            BinaryOp::Shl => Value::$variant(a.wrapping_shl(b as u32)),
            BinaryOp::Shr => Value::$variant(a.wrapping_shr(b as u32)),
            // icmp with the signed condition codes.
            BinaryOp::Eq => bool_value(a == b),
            BinaryOp::Ne => bool_value(a != b),
            BinaryOp::Lt => bool_value(a < b),
            BinaryOp::Le => bool_value(a <= b),
            BinaryOp::Gt => bool_value(a > b),
            BinaryOp::Ge => bool_value(a >= b),
        })
    }};
}

/// Float operations at one width: IEEE 754 as Rust computes them (each operation rounded, nothing fused).
macro_rules! float_binary {
    ($op:expr, $a:expr, $b:expr, $variant:ident, $t:ty) => {{
        let (a, b): ($t, $t) = ($a, $b);
        let bool_value = |c: bool| Value::I32(c as i32);
        Ok(match $op {
            BinaryOp::Add => Value::$variant(a + b),
            BinaryOp::Sub => Value::$variant(a - b),
            BinaryOp::Mul => Value::$variant(a * b),
            BinaryOp::Div => Value::$variant(a / b),
            // fcmp: `eq`, `lt`, `le`, `gt`, `ge` are ordered (false with a NaN), `ne` is unordered (true
            // with a NaN): Rust's operators exactly.
            BinaryOp::Eq => bool_value(a == b),
            BinaryOp::Ne => bool_value(a != b),
            BinaryOp::Lt => bool_value(a < b),
            BinaryOp::Le => bool_value(a <= b),
            BinaryOp::Gt => bool_value(a > b),
            BinaryOp::Ge => bool_value(a >= b),
            op => return unsupported(format!("`{}` on `{}`", op.as_str(), Value::$variant(a).ty())),
        })
    }};
}

/// `a op b`. Both operands must have one type (the checker's rule); comparisons give an `i32` 0 or 1.
/// Pointers are not handled here (their `==` and `!=` need the program): a `ptr` operand is
/// [`Fault::Unsupported`].
pub fn binary(op: BinaryOp, a: Value, b: Value) -> Result<Value, Fault> {
    match (a, b) {
        (Value::I8(a), Value::I8(b)) => int_binary!(op, a, b, I8, i8),
        (Value::I16(a), Value::I16(b)) => int_binary!(op, a, b, I16, i16),
        (Value::I32(a), Value::I32(b)) => int_binary!(op, a, b, I32, i32),
        (Value::I64(a), Value::I64(b)) => int_binary!(op, a, b, I64, i64),
        (Value::F32(a), Value::F32(b)) => float_binary!(op, a, b, F32, f32),
        (Value::F64(a), Value::F64(b)) => float_binary!(op, a, b, F64, f64),
        (a, b) => unsupported(format!("`{}` on `{}` and `{}`", op.as_str(), a.ty(), b.ty())),
    }
}

/// `-a` or `!a`: integer negation wraps (ineg; `-MIN` is MIN), float negation flips the sign bit (fneg, so
/// `-0.0` and `-NaN` too), `!` is bitwise not on integers (bnot).
pub fn unary(op: UnaryOp, a: Value) -> Result<Value, Fault> {
    Ok(match (op, a) {
        (UnaryOp::Neg, Value::I8(v)) => Value::I8(v.wrapping_neg()),
        (UnaryOp::Neg, Value::I16(v)) => Value::I16(v.wrapping_neg()),
        (UnaryOp::Neg, Value::I32(v)) => Value::I32(v.wrapping_neg()),
        (UnaryOp::Neg, Value::I64(v)) => Value::I64(v.wrapping_neg()),
        (UnaryOp::Neg, Value::F32(v)) => Value::F32(-v),
        (UnaryOp::Neg, Value::F64(v)) => Value::F64(-v),
        (UnaryOp::Not, Value::I8(v)) => Value::I8(!v),
        (UnaryOp::Not, Value::I16(v)) => Value::I16(!v),
        (UnaryOp::Not, Value::I32(v)) => Value::I32(!v),
        (UnaryOp::Not, Value::I64(v)) => Value::I64(!v),
        (op, a) => return unsupported(format!("`{}` on `{}`", op.as_str(), a.ty())),
    })
}

/// `a as to`, as lower.rs `cast` compiles it:
///
/// - integer to wider integer: sign extension (sextend); to narrower: the low bits (ireduce);
/// - integer to float: rounded to nearest, ties to even (fcvt_from_sint), as Rust's `as`;
/// - float to integer: toward zero, saturating at the type's MIN and MAX, NaN to 0 (fcvt_to_sint_sat; for
///   `i8` and `i16` saturated to `i32` then clamped, which is the same), as Rust's `as`;
/// - `f32` to `f64` exact (fpromote), `f64` to `f32` rounded to nearest (fdemote);
/// - an integer to `ptr`: the address with that number, sign-extended to 64 bits; `ptr` to an integer: the
///   number of an address made from one, truncated, and for a symbol's address [`Fault::Unsupported`]
///   (the address would be observed); `ptr` and floats do not convert (the checker refuses it).
pub fn cast(a: Value, to: Type) -> Result<Value, Fault> {
    if let Some(n) = a.as_i64() {
        // The integer's sign-extended value: to a narrower type its low bits, to a float rounded once
        // from the exact value (so `i64 as f32` is not rounded through `f64`).
        return Ok(Value::from_int(to, n));
    }
    Ok(match (a, to) {
        (Value::F32(v), Type::I8) => Value::I8(v as i8),
        (Value::F32(v), Type::I16) => Value::I16(v as i16),
        (Value::F32(v), Type::I32) => Value::I32(v as i32),
        (Value::F32(v), Type::I64) => Value::I64(v as i64),
        (Value::F32(v), Type::F32) => Value::F32(v),
        (Value::F32(v), Type::F64) => Value::F64(v.into()),
        (Value::F64(v), Type::I8) => Value::I8(v as i8),
        (Value::F64(v), Type::I16) => Value::I16(v as i16),
        (Value::F64(v), Type::I32) => Value::I32(v as i32),
        (Value::F64(v), Type::I64) => Value::I64(v as i64),
        (Value::F64(v), Type::F32) => Value::F32(v as f32),
        (Value::F64(v), Type::F64) => Value::F64(v),
        (Value::Ptr(p), Type::Ptr) => Value::Ptr(p),
        (Value::Ptr(p), to) if to.is_int() => match p.as_number() {
            Some(n) => Value::from_int(to, n),
            None => return unsupported(format!("address observed: an address cast to `{to}`")),
        },
        (a, to) => return unsupported(format!("cast from `{}` to `{to}`", a.ty())),
    })
}
