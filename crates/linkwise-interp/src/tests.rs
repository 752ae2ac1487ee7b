//! Unit tests: every operator and cast at every type against values computed here another way (wide
//! integer arithmetic reduced by hand, or written out), then whole programs: statics, the simulated
//! libraries' every function and static, callbacks, traps, fuel and depth.

use crate::ops::{self, Fault};
use crate::sim::Sim;
use crate::{Address, Host, Limits, Stop, TrapKind, Type, Value, run, run_traced};
use linkwise_ir::ast::{BinaryOp, UnaryOp};
use linkwise_ir::checked::Program;

// ---------------------------------------------------------------------------------------------------------
// Operators on values.

/// The integer types with their widths.
const INTS: [(Type, u32); 4] = [(Type::I8, 8), (Type::I16, 16), (Type::I32, 32), (Type::I64, 64)];

/// `n` reduced to `bits` bits, two's complement, computed in i128 (not by Rust's narrowing `as`).
fn wrap(n: i128, bits: u32) -> i64 {
    let modulus = 1i128 << bits;
    let r = n.rem_euclid(modulus);
    (if r >= modulus / 2 { r - modulus } else { r }) as i64
}

/// The edge values of a `bits`-bit integer type.
fn edges(bits: u32) -> Vec<i64> {
    let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    let mut v: Vec<i64> =
        [min, min + 1, -2, -1, 0, 1, 2, 3, 7, max - 1, max].iter().map(|&n| n as i64).collect();
    // Shift amounts at and past the width, and negative ones.
    v.extend(
        [bits as i64 - 1, bits as i64, bits as i64 + 1, 2 * bits as i64 + 3].map(|n| wrap(n.into(), bits)),
    );
    v
}

/// What `a op b` must be at `bits` bits, from the definitions in docs/ir.md computed in i128.
fn expected_int(op: BinaryOp, a: i64, b: i64, bits: u32) -> Result<i64, TrapKind> {
    let (a, b) = (i128::from(a), i128::from(b));
    let min = -(1i128 << (bits - 1));
    let amount = b.rem_euclid(bits.into()) as u32;
    Ok(match op {
        BinaryOp::Add => wrap(a + b, bits),
        BinaryOp::Sub => wrap(a - b, bits),
        BinaryOp::Mul => wrap(a * b, bits),
        BinaryOp::Div | BinaryOp::Rem if b == 0 => return Err(TrapKind::DivideByZero),
        BinaryOp::Div if a == min && b == -1 => return Err(TrapKind::DivideOverflow),
        // Truncation toward zero: the quotient of the magnitudes, with the sign of the product.
        BinaryOp::Div => {
            let q = a.abs() / b.abs();
            wrap(if (a < 0) != (b < 0) { -q } else { q }, bits)
        }
        BinaryOp::Rem => {
            let q = a.abs() / b.abs();
            let q = if (a < 0) != (b < 0) { -q } else { q };
            wrap(a - q * b, bits)
        }
        BinaryOp::And => wrap(a & b, bits),
        BinaryOp::Or => wrap(a | b, bits),
        BinaryOp::Xor => wrap(a ^ b, bits),
        BinaryOp::Shl => wrap(a * (1i128 << amount), bits),
        // Arithmetic: floor division by 2^amount.
        BinaryOp::Shr => wrap(a.div_euclid(1i128 << amount), bits),
        BinaryOp::Eq => (a == b).into(),
        BinaryOp::Ne => (a != b).into(),
        BinaryOp::Lt => (a < b).into(),
        BinaryOp::Le => (a <= b).into(),
        BinaryOp::Gt => (a > b).into(),
        BinaryOp::Ge => (a >= b).into(),
    })
}

const ALL_BINARY: [BinaryOp; 16] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Rem,
    BinaryOp::And,
    BinaryOp::Or,
    BinaryOp::Xor,
    BinaryOp::Shl,
    BinaryOp::Shr,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
];

#[test]
fn every_integer_operator_at_every_width_on_edge_values() {
    let mut checked = 0;
    for (ty, bits) in INTS {
        let values = edges(bits);
        for op in ALL_BINARY {
            for &a in &values {
                for &b in &values {
                    let got = ops::binary(op, Value::from_int(ty, a), Value::from_int(ty, b));
                    let want = match expected_int(op, a, b, bits) {
                        Ok(n) if op.is_comparison() => Ok(Value::I32(n as i32)),
                        Ok(n) => Ok(Value::from_int(ty, n)),
                        Err(kind) => Err(Fault::Trap(kind)),
                    };
                    assert_eq!(got, want, "{a} {} {b} in {ty}", op.as_str());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 4 * 16 * 100, "{checked}");
}

#[test]
fn integer_operators_by_hand() {
    use Value::*;
    let cases: &[(BinaryOp, Value, Value, Value)] = &[
        (BinaryOp::Add, I8(127), I8(1), I8(-128)),
        (BinaryOp::Sub, I16(-32768), I16(1), I16(32767)),
        (BinaryOp::Mul, I32(65536), I32(65536), I32(0)),
        (BinaryOp::Mul, I64(i64::MIN), I64(-1), I64(i64::MIN)),
        (BinaryOp::Div, I32(7), I32(-2), I32(-3)),
        (BinaryOp::Rem, I32(-7), I32(2), I32(-1)),
        (BinaryOp::Rem, I8(-128), I8(-1), I8(0)),
        (BinaryOp::Rem, I64(i64::MIN), I64(-1), I64(0)),
        (BinaryOp::Shl, I8(1), I8(7), I8(-128)),
        (BinaryOp::Shl, I8(1), I8(8), I8(1)),
        (BinaryOp::Shl, I8(1), I8(9), I8(2)),
        (BinaryOp::Shl, I8(3), I8(-1), I8(-128)),
        (BinaryOp::Shl, I32(1), I32(32), I32(1)),
        (BinaryOp::Shl, I64(1), I64(65), I64(2)),
        (BinaryOp::Shr, I8(-128), I8(7), I8(-1)),
        (BinaryOp::Shr, I16(-32768), I16(16), I16(-32768)),
        (BinaryOp::Shr, I32(-8), I32(33), I32(-4)),
        (BinaryOp::Shr, I64(i64::MAX), I64(63), I64(0)),
        (BinaryOp::Shr, I64(-1), I64(64), I64(-1)),
        (BinaryOp::And, I16(0x0ff0), I16(0x00ff), I16(0x00f0)),
        (BinaryOp::Or, I8(0x70), I8(-0x80), I8(-0x10)),
        (BinaryOp::Xor, I32(-1), I32(5), I32(-6)),
        (BinaryOp::Lt, I32(-1), I32(0), I32(1)),
        (BinaryOp::Gt, I64(i64::MIN), I64(i64::MAX), I32(0)),
        (BinaryOp::Ge, I8(-128), I8(-128), I32(1)),
    ];
    for &(op, a, b, want) in cases {
        assert_eq!(ops::binary(op, a, b), Ok(want), "{a} {} {b}", op.as_str());
    }
    for (ty, bits) in INTS {
        let min = Value::from_int(ty, i64::MIN >> (64 - bits));
        let (zero, minus_one) = (Value::zero(ty), Value::from_int(ty, -1));
        assert_eq!(ops::binary(BinaryOp::Div, min, minus_one), Err(Fault::Trap(TrapKind::DivideOverflow)));
        assert_eq!(ops::binary(BinaryOp::Div, min, zero), Err(Fault::Trap(TrapKind::DivideByZero)));
        assert_eq!(ops::binary(BinaryOp::Rem, min, zero), Err(Fault::Trap(TrapKind::DivideByZero)));
        assert_eq!(ops::binary(BinaryOp::Div, zero, zero), Err(Fault::Trap(TrapKind::DivideByZero)));
        assert_eq!(ops::binary(BinaryOp::Rem, min, minus_one), Ok(zero));
    }
}

#[test]
fn unary_operators_at_every_type() {
    use Value::*;
    for (ty, bits) in INTS {
        for a in edges(bits) {
            let v = Value::from_int(ty, a);
            assert_eq!(
                ops::unary(UnaryOp::Neg, v),
                Ok(Value::from_int(ty, wrap(-i128::from(a), bits))),
                "-{a}"
            );
            assert_eq!(
                ops::unary(UnaryOp::Not, v),
                Ok(Value::from_int(ty, wrap(-1 - i128::from(a), bits))),
                "!{a}"
            );
        }
    }
    assert_eq!(ops::unary(UnaryOp::Neg, I8(-128)), Ok(I8(-128)));
    assert_eq!(ops::unary(UnaryOp::Not, I16(0)), Ok(I16(-1)));
    // fneg flips the sign bit, of zeros and NaNs too.
    let neg = |v| ops::unary(UnaryOp::Neg, v).unwrap();
    assert_eq!(neg(F32(0.0)), F32(-0.0));
    assert!(matches!(neg(F32(0.0)), F32(x) if x.to_bits() == 0x8000_0000));
    assert!(matches!(neg(F64(-0.0)), F64(x) if x.to_bits() == 0));
    assert!(matches!(neg(F32(f32::NAN)), F32(x) if x.to_bits() == f32::NAN.to_bits() ^ 0x8000_0000));
    assert!(matches!(neg(F64(f64::INFINITY)), F64(x) if x == f64::NEG_INFINITY));
    assert!(matches!(ops::unary(UnaryOp::Not, F64(1.0)), Err(Fault::Unsupported(_))));
}

#[test]
fn float_operators_and_comparisons_with_nan_infinities_and_zeros() {
    use Value::*;
    let f = |op, a: f64, b: f64| ops::binary(op, F64(a), F64(b)).unwrap();
    let g = |op, a: f32, b: f32| ops::binary(op, F32(a), F32(b)).unwrap();
    // Arithmetic, each result by its bits.
    let bits64 = |v: Value| match v {
        F64(x) => x.to_bits(),
        other => panic!("{other}"),
    };
    let bits32 = |v: Value| match v {
        F32(x) => x.to_bits(),
        other => panic!("{other}"),
    };
    assert_eq!(bits64(f(BinaryOp::Add, 0.1, 0.2)), 0x3fd3_3333_3333_3334);
    assert_eq!(bits32(g(BinaryOp::Add, 0.1, 0.2)), 0x3e99_999a);
    assert_eq!(bits64(f(BinaryOp::Div, 1.0, 0.0)), 0x7ff0_0000_0000_0000);
    assert_eq!(bits64(f(BinaryOp::Div, 1.0, -0.0)), 0xfff0_0000_0000_0000);
    assert_eq!(bits32(g(BinaryOp::Div, -1.0, 0.0)), 0xff80_0000);
    assert!(matches!(f(BinaryOp::Div, 0.0, 0.0), F64(x) if x.is_nan()));
    assert!(matches!(f(BinaryOp::Sub, f64::INFINITY, f64::INFINITY), F64(x) if x.is_nan()));
    assert!(matches!(g(BinaryOp::Mul, 0.0, f32::INFINITY), F32(x) if x.is_nan()));
    assert_eq!(bits64(f(BinaryOp::Add, -0.0, -0.0)), 0x8000_0000_0000_0000);
    assert_eq!(bits64(f(BinaryOp::Add, -0.0, 0.0)), 0);
    assert_eq!(bits64(f(BinaryOp::Sub, 0.0, 0.0)), 0);
    assert_eq!(bits32(g(BinaryOp::Mul, -2.0, 0.0)), 0x8000_0000);
    assert_eq!(bits32(g(BinaryOp::Mul, f32::MAX, 2.0)), 0x7f80_0000);
    // Comparisons: with a NaN only != holds; zeros of both signs are equal.
    let nan = f64::NAN;
    for (op, with_nan) in [
        (BinaryOp::Eq, 0),
        (BinaryOp::Ne, 1),
        (BinaryOp::Lt, 0),
        (BinaryOp::Le, 0),
        (BinaryOp::Gt, 0),
        (BinaryOp::Ge, 0),
    ] {
        assert_eq!(f(op, nan, 1.0), I32(with_nan), "{}", op.as_str());
        assert_eq!(f(op, 1.0, nan), I32(with_nan), "{}", op.as_str());
        assert_eq!(f(op, nan, nan), I32(with_nan), "{}", op.as_str());
        assert_eq!(g(op, f32::NAN, 0.0), I32(with_nan), "{}", op.as_str());
    }
    assert_eq!(f(BinaryOp::Eq, 0.0, -0.0), I32(1));
    assert_eq!(g(BinaryOp::Lt, -0.0, 0.0), I32(0));
    assert_eq!(f(BinaryOp::Lt, f64::NEG_INFINITY, f64::MIN), I32(1));
    assert_eq!(g(BinaryOp::Ge, f32::INFINITY, f32::INFINITY), I32(1));
    for op in [BinaryOp::Rem, BinaryOp::And, BinaryOp::Shl] {
        assert!(matches!(ops::binary(op, F64(1.0), F64(1.0)), Err(Fault::Unsupported(_))));
    }
    assert!(matches!(ops::binary(BinaryOp::Add, I32(1), I64(1)), Err(Fault::Unsupported(_))));
}

#[test]
fn integer_casts_truncate_and_sign_extend() {
    use Value::*;
    let cast = |v, to| ops::cast(v, to).unwrap();
    // Every pair of integer types, on every edge value of the source: the result is the value reduced to
    // the target's width.
    for (from, from_bits) in INTS {
        for (to, to_bits) in INTS {
            for a in edges(from_bits) {
                assert_eq!(cast(Value::from_int(from, a), to), Value::from_int(to, wrap(a.into(), to_bits)));
            }
        }
    }
    assert_eq!(cast(I64(0x1_8000_0080), Type::I8), I8(-128));
    assert_eq!(cast(I64(0x1_8000_0080), Type::I16), I16(0x80));
    assert_eq!(cast(I64(0x1_8000_0080), Type::I32), I32(-0x7fff_ff80));
    assert_eq!(cast(I8(-1), Type::I64), I64(-1));
    assert_eq!(cast(I16(-32768), Type::I32), I32(-32768));
    assert_eq!(cast(I32(255), Type::I8), I8(-1));
}

#[test]
fn integer_to_float_rounds_to_nearest_even() {
    use Value::*;
    let cast = |v, to| ops::cast(v, to).unwrap();
    let bits32 = |v: Value| match cast(v, Type::F32) {
        F32(x) => x.to_bits(),
        other => panic!("{other}"),
    };
    let bits64 = |v: Value| match cast(v, Type::F64) {
        F64(x) => x.to_bits(),
        other => panic!("{other}"),
    };
    assert_eq!(bits32(I8(-128)), 0xc300_0000);
    assert_eq!(bits32(I16(32767)), 0x46ff_fe00);
    // 2^24 + 1 is a tie between 2^24 and 2^24 + 2: even is 2^24.
    assert_eq!(bits32(I32(16_777_217)), 0x4b80_0000);
    assert_eq!(bits32(I32(16_777_219)), 0x4b80_0002);
    assert_eq!(bits32(I32(i32::MAX)), 0x4f00_0000);
    assert_eq!(bits32(I64(i64::MIN)), 0xdf00_0000);
    // Rounded once from the i64: 2^53 + 2^29 + 1 is just above the f32 tie 2^53 + 2^29, so it rounds up
    // (through f64 it would be rounded to the tie first, then to even, down).
    assert_eq!(bits32(I64((1 << 53) + (1 << 29) + 1)), 0x5a00_0001);
    assert_eq!(bits64(I64((1 << 53) + 1)), 0x4340_0000_0000_0000);
    assert_eq!(bits64(I64((1 << 53) + 3)), 0x4340_0000_0000_0002);
    assert_eq!(bits64(I64(i64::MAX)), 0x43e0_0000_0000_0000);
    assert_eq!(bits64(I32(-1)), 0xbff0_0000_0000_0000);
    assert_eq!(bits64(I8(0)), 0);
}

#[test]
fn float_to_integer_saturates_and_maps_nan_to_zero() {
    use Value::*;
    let cast = |v, to| ops::cast(v, to).unwrap();
    for (to, bits) in INTS {
        let (min, max) = (i64::MIN >> (64 - bits), i64::MAX >> (64 - bits));
        let want = |n: i64| Value::from_int(to, n);
        assert_eq!(cast(F64(f64::NAN), to), want(0), "{to}");
        assert_eq!(cast(F32(-f32::NAN), to), want(0), "{to}");
        assert_eq!(cast(F64(f64::INFINITY), to), want(max), "{to}");
        assert_eq!(cast(F32(f32::NEG_INFINITY), to), want(min), "{to}");
        assert_eq!(cast(F64(1e300), to), want(max), "{to}");
        assert_eq!(cast(F32(-3e38), to), want(min), "{to}");
        assert_eq!(cast(F64(-0.0), to), want(0), "{to}");
        // Toward zero.
        assert_eq!(cast(F64(-1.9), to), want(-1), "{to}");
        assert_eq!(cast(F32(2.99), to), want(2), "{to}");
        // Just past the range: MAX + 1 and MIN - 1 (exact in f64 for the narrow types).
        if bits < 64 {
            assert_eq!(cast(F64(max as f64 + 1.0), to), want(max), "{to}");
            assert_eq!(cast(F64(min as f64 - 1.0), to), want(min), "{to}");
            assert_eq!(cast(F64(max as f64 + 0.5), to), want(max), "{to}");
            assert_eq!(cast(F64(min as f64), to), want(min), "{to}");
        }
    }
    // The narrow types saturate at their own range, not at i32's (lower.rs float_to_narrow_int).
    assert_eq!(cast(F32(300.0), Type::I8), I8(127));
    assert_eq!(cast(F32(-300.0), Type::I8), I8(-128));
    assert_eq!(cast(F64(40000.0), Type::I16), I16(32767));
    assert_eq!(cast(F64(3e9), Type::I32), I32(i32::MAX));
    assert_eq!(cast(F64(9.3e18), Type::I64), I64(i64::MAX));
    assert_eq!(cast(F64(-9.3e18), Type::I64), I64(i64::MIN));
    assert_eq!(cast(F64(-9_223_372_036_854_775_808.0), Type::I64), I64(i64::MIN));
}

#[test]
fn float_width_casts() {
    use Value::*;
    let cast = |v, to| ops::cast(v, to).unwrap();
    let bits32 = |v: Value| match cast(v, Type::F32) {
        F32(x) => x.to_bits(),
        other => panic!("{other}"),
    };
    assert_eq!(bits32(F64(0.1)), 0x3dcc_cccd);
    assert_eq!(bits32(F64(1e300)), 0x7f80_0000);
    assert_eq!(bits32(F64(-1e300)), 0xff80_0000);
    assert_eq!(bits32(F64(-0.0)), 0x8000_0000);
    assert_eq!(bits32(F64(1e-50)), 0);
    // The f32 midpoint 1 + 2^-24 rounds to even (1.0); just above it, up.
    assert_eq!(bits32(F64(1.0 + f64::powi(2.0, -24))), 0x3f80_0000);
    assert_eq!(bits32(F64(1.0 + f64::powi(2.0, -24) + f64::powi(2.0, -40))), 0x3f80_0001);
    assert!(matches!(cast(F64(f64::NAN), Type::F32), F32(x) if x.is_nan()));
    assert!(matches!(cast(F32(f32::NAN), Type::F64), F64(x) if x.is_nan()));
    assert!(matches!(cast(F32(0.1), Type::F64), F64(x) if x.to_bits() == 0x3fb9_9999_a000_0000));
    assert!(matches!(cast(F32(f32::NEG_INFINITY), Type::F64), F64(x) if x == f64::NEG_INFINITY));
    assert!(matches!(cast(F32(-0.0), Type::F64), F64(x) if x.to_bits() == 1 << 63));
    assert!(matches!(cast(F32(1.5), Type::F32), F32(x) if x == 1.5));
}

#[test]
fn pointer_casts() {
    use Value::*;
    let cast = |v, to| ops::cast(v, to);
    assert_eq!(cast(I32(-1), Type::Ptr), Ok(Ptr(Address::number(-1))));
    assert_eq!(cast(I8(5), Type::Ptr), Ok(Ptr(Address::number(5))));
    assert_eq!(cast(Ptr(Address::number(0x1_0000_0005)), Type::I32), Ok(I32(5)));
    assert_eq!(cast(Ptr(Address::NULL), Type::I64), Ok(I64(0)));
    assert_eq!(cast(Ptr(Address::NULL), Type::Ptr), Ok(Ptr(Address::NULL)));
    assert!(matches!(cast(Ptr(Address::NULL), Type::F64), Err(Fault::Unsupported(_))));
    assert!(matches!(cast(F32(1.0), Type::Ptr), Err(Fault::Unsupported(_))));
}

// ---------------------------------------------------------------------------------------------------------
// Whole programs.

/// The extern blocks of docs/difftest.md's three libraries, every function and static.
fn libraries() -> String {
    let mut s = String::new();
    for (prefix, lib, kind) in
        [("d", "lwsim_dyn", "dylib"), ("s", "lwsim_st", "static"), ("r", "lwsim_raw", "raw-dylib")]
    {
        s += &format!("#[link(name = \"{lib}\", kind = \"{kind}\")]\nextern {{\n");
        for decl in [
            "fn X_begin(id: i64);",
            "fn X_trace_i8(v: i8);",
            "fn X_trace_i16(v: i16);",
            "fn X_trace_i32(v: i32);",
            "fn X_trace_i64(v: i64);",
            "fn X_trace_f32(v: f32);",
            "fn X_trace_f64(v: f64);",
            "fn X_mix_i8(a: i8, b: i8) -> i8;",
            "fn X_mix_i16(a: i16, b: i16) -> i16;",
            "fn X_mix_i32(a: i32, b: i32) -> i32;",
            "fn X_mix_i64(a: i64, b: i64) -> i64;",
            "fn X_mix_f32(a: f32, b: f32) -> f32;",
            "fn X_mix_f64(a: f64, b: f64) -> f64;",
            "fn X_widen_i8(a: i8) -> i32;",
            "fn X_widen_i16(a: i16) -> i32;",
            "fn X_ret_i8(a: i64) -> i8;",
            "fn X_ret_i16(a: i64) -> i16;",
            "fn X_ret_i32(a: i64) -> i32;",
            "fn X_many(a: i8, b: i16, c: i32, d: i64, e: f32, f: f64, g: i8, h: i16, i: i32, j: i64) -> i64;",
            "fn X_same_ptr(a: ptr, b: ptr) -> i32;",
            "fn X_apply_i8(f: ptr, a: i64) -> i32;",
            "fn X_apply_i16(f: ptr, a: i64) -> i32;",
            "fn X_get_counter() -> i32;",
            "static mut X_counter: i32;",
            "static mut X_wide: i64;",
            "static X_scale: f64;",
        ] {
            s += "    ";
            s += &decl.replace("X_", &format!("{prefix}_"));
            s += "\n";
        }
        s += "}\n";
    }
    s
}

fn program(src: &str) -> Program {
    let file = linkwise_ir::SourceFile::new("t.lw", src);
    let module = linkwise_ir::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    linkwise_ir::check::check(&module).unwrap_or_else(|d| panic!("{}", d.render(&file)))
}

/// Runs `main` of `items` (with the libraries declared) and returns what it printed; it must end well.
fn traced(items: &str) -> Vec<String> {
    let (lines, result) =
        run_traced(&program(&format!("{}\n{items}", libraries())), "main", Limits::default());
    assert_eq!(result, Ok(()), "printed {lines:?}");
    lines
}

/// How `main` of `items` ends, and what it printed.
fn stopped(items: &str, limits: Limits) -> (Vec<String>, Result<(), Stop>) {
    run_traced(&program(&format!("{}\n{items}", libraries())), "main", limits)
}

#[test]
fn operators_in_programs_at_every_type() {
    let lines = traced(
        "fn id8(x: i8) -> i8 { return x; }
         pub fn main() {
             let a: i8 = id8(127 as i8);
             d_trace_i8(a + 1);
             d_trace_i8(-(a + 1));
             d_trace_i8(!a);
             d_trace_i8(a << 9);
             d_trace_i8((a + 1) >> 3);
             let b: i16 = 300;
             d_trace_i16(b * b);
             d_trace_i16(-7 as i16 / 2);
             d_trace_i16(-7 as i16 % 2);
             let c: i32 = -2147483648;
             d_trace_i32(c - 1);
             d_trace_i32(c % -1);
             d_trace_i32(c >> 31);
             d_trace_i32((c < 0) + (c > 0) * 2 + (c == c) * 4 + (c != c) * 8 + (c <= c) * 16 + (c >= 1) * 32);
             let d: i64 = 9223372036854775807;
             d_trace_i64(d + d);
             d_trace_i64(d ^ -1);
             d_trace_i64(d & 0xff | 0x100);
             d_trace_i64(1 << 64 + 3);
             let x: f64 = 0.1;
             d_trace_f64(x + 0.2);
             d_trace_f64(-x * 0.0);
             d_trace_f64(x / 0.0);
             d_trace_f64(0.0 / 0.0);
             let y: f32 = 0.1;
             d_trace_f32(y + 0.2);
             d_trace_f32(y - 1e30);
             d_trace_i32((x < 0.0 / 0.0) + (x != 0.0 / 0.0) * 2);
         }",
    );
    let expected = [
        "i8 -128",
        "i8 -128",
        "i8 -128",
        "i8 -2",
        "i8 -16",
        "i16 24464", // 90000 - 65536
        "i16 -3",
        "i16 -1",
        "i32 2147483647",
        "i32 0",
        "i32 -1",
        // < true (1), == (4), <= (16)
        "i32 21",
        "i64 -2",
        "i64 -9223372036854775808",
        "i64 511",
        // 64 + 3 = 67, masked to 3
        "i64 8",
        "f64 3fd3333333333334",
        "f64 8000000000000000",
        "f64 7ff0000000000000",
        "f64 nan",
        "f32 3e99999a",
        "f32 f149f2ca",
        "i32 2",
    ];
    assert_eq!(lines, expected);
}

#[test]
fn casts_in_programs() {
    let lines = traced(
        "pub fn main() {
             let big: i64 = 4294967551;
             d_trace_i8(big as i8);
             d_trace_i16(big as i16);
             d_trace_i32(big as i32);
             d_trace_i64(-1 as i8 as i64);
             d_trace_f32(16777217 as f32);
             d_trace_f64(-3 as i16 as f64);
             let nan: f64 = 0.0 / 0.0;
             d_trace_i8(nan as i8);
             d_trace_i64(nan as i64);
             d_trace_i8(1e10 as i8);
             d_trace_i16(-1e10 as i16);
             d_trace_i32(-2.9 as i32);
             d_trace_i64(1e300 as i64);
             d_trace_f32(1e300 as f32);
             d_trace_f64(0.1 as f32 as f64);
             d_trace_i64(-5 as ptr as i64);
             d_trace_i32(0 as ptr == 0 as i64 as ptr);
         }",
    );
    assert_eq!(
        lines,
        [
            "i8 -1",
            "i16 255",
            "i32 255",
            "i64 -1",
            "f32 4b800000",
            "f64 c008000000000000",
            "i8 0",
            "i64 0",
            "i8 127",
            "i16 -32768",
            "i32 -2",
            "i64 9223372036854775807",
            "f32 7f800000",
            "f64 3fb99999a0000000",
            "i64 -5",
            "i32 1",
        ]
    );
}

#[test]
fn control_flow_and_evaluation_order() {
    let lines = traced(
        "static mut N: i64 = 0;
         fn tick(v: i64) -> i64 { N = N * 10 + v; d_trace_i64(v); return v; }
         fn sum(a: i64, b: i64, c: i64) -> i64 { return a * 100 + b * 10 + c; }
         pub fn main() {
             d_trace_i64(sum(tick(1), tick(2), tick(3)));
             d_trace_i64(tick(4) - tick(5));
             let mut total: i64 = 0;
             for i in tick(6)..tick(9) { total = total + i; N = 100; }
             d_trace_i64(total);
             d_trace_i64(N);
             for j in 5..5 { d_trace_i32(j); }
             for k in -128 as i8..-126 as i8 { d_trace_i8(k); }
             for m in 125 as i8..127 as i8 { d_trace_i8(m); }
             if 256 as i8 { d_trace_i64(1); } else if 2 as i16 { d_trace_i64(2); } else { d_trace_i64(3); }
             if 0 as i64 { d_trace_i64(4); }
         }",
    );
    assert_eq!(
        lines,
        [
            "i64 1", "i64 2", "i64 3", "i64 123", "i64 4", "i64 5", "i64 -1", "i64 6", "i64 9", "i64 21",
            "i64 100", "i8 -128", "i8 -127", "i8 125", "i8 126", "i64 2",
        ]
    );
}

#[test]
fn statics_start_with_their_initializers_and_keep_writes() {
    let lines = traced(
        "static A: i8 = -128;
         static B: i16 = 0x7fff;
         pub static mut C: i32 = -1;
         static D: i64 = -9223372036854775808;
         static E: f32 = 1.5;
         static mut F: f64 = -0.0;
         static P: ptr = &A;
         static Q: ptr = \"hi\";
         static Z: ptr = 0;
         static BYTES: [u8] = \"hello\\0\";
         static TABLE: [i32; 4] = [1, 2, 3, -4];
         static ZEROS: [f64; 16] = [0.0; 16];
         static VEC: [ptr] = [&main, \"text\", 0];
         fn bump() { C = C + 1; F = F - 1.0; }
         pub fn main() {
             d_trace_i8(A); d_trace_i16(B); d_trace_i32(C); d_trace_i64(D); d_trace_f32(E); d_trace_f64(F);
             bump(); bump();
             d_trace_i32(C); d_trace_f64(F);
             d_trace_i32(d_same_ptr(P, &A));
             d_trace_i32(d_same_ptr(Q, \"hi\"));
             d_trace_i32(P == &B);
             d_trace_i32(Z == 0 as ptr);
             d_trace_i32(&BYTES != &TABLE);
             d_trace_i32(&ZEROS == &VEC);
             d_trace_i32(&main == &main);
         }",
    );
    assert_eq!(
        lines,
        [
            "i8 -128",
            "i16 32767",
            "i32 -1",
            "i64 -9223372036854775808",
            "f32 3fc00000",
            "f64 8000000000000000",
            "i32 1",
            "f64 c000000000000000",
            "i32 1",
            "i32 1",
            "i32 0",
            "i32 1",
            "i32 1",
            "i32 0",
            "i32 1",
        ]
    );
}

#[test]
fn every_function_of_the_simulated_libraries() {
    let lines = traced(
        "fn twice8(x: i8) -> i8 { return x + x; }
         fn neg16(x: i16) -> i16 { s_trace_i16(x); return -x; }
         pub fn main() {
             d_begin(-1); s_begin(0); r_begin(9223372036854775807);
             r_trace_i8(-128 as i8); s_trace_i16(-32768 as i16); d_trace_i32(2147483647); r_trace_i64(-1);
             s_trace_f32(-0.0); s_trace_f32(0.0 / 0.0 as f32); r_trace_f64(1e300 * 1e300); r_trace_f64(-(0.0 / 0.0));
             d_trace_i8(d_mix_i8(100 as i8, 2 as i8));
             d_trace_i16(s_mix_i16(10000 as i16, -1 as i16));
             d_trace_i32(r_mix_i32(1000000000, 5));
             d_trace_i64(d_mix_i64(-9223372036854775807 - 1, 7));
             d_trace_f32(s_mix_f32(3.0, 0.25));
             d_trace_f64(r_mix_f64(0.1, 0.2));
             d_trace_i32(d_widen_i8(-5 as i8) + s_widen_i16(-300 as i16));
             d_trace_i8(r_ret_i8(0x1ff));
             d_trace_i16(d_ret_i16(0x18000));
             d_trace_i32(s_ret_i32(-4294967297));
             d_trace_i64(d_many(1 as i8, 2 as i16, 3, 4, 1.0, 2.0, -1 as i8, -1 as i16, -1, -1));
             d_trace_i64(s_many(0 as i8, 0 as i16, 0, 0, -(0.0 / 0.0) as f32, 0.0 / 0.0, 0 as i8, 0 as i16, 0, 0));
             d_trace_i32(d_same_ptr(&d_counter, &d_counter) + 2 * d_same_ptr(&d_counter, &s_counter));
             d_trace_i32(r_same_ptr(&twice8, &twice8) + 2 * r_same_ptr(0 as ptr, &twice8));
             d_trace_i32(d_apply_i8(&twice8, 0x7700 + 100 as i64));
             d_trace_i32(r_apply_i16(&neg16, 0x10000 - 32768 as i64));
             d_trace_i32(d_get_counter() * 10000 + s_get_counter() * 100 + r_get_counter());
             d_trace_i32(d_counter + s_counter + r_counter);
             d_counter = 70; s_counter = 110; r_counter = r_counter + 1;
             d_trace_i32(d_get_counter() * 10000 + s_get_counter() * 100 + r_get_counter());
             d_trace_i64(d_wide + s_wide + r_wide);
             s_wide = 9223372036854775807;
             d_trace_i64(s_wide + d_wide);
             d_trace_f64(d_scale + s_scale + r_scale);
         }",
    );
    // X_many by hand: 1 + 3*2 + 5*3 + 7*4 + 11*0x3f800000 + 13*0x4000000000000000 + 17*-1 + 19*-1 + 23*-1
    // + 29*-1, wrapping: 13 * 2^62 = 12 * 2^62 + 2^62 = 2^62 (mod 2^64).
    let many = 1 + 6 + 15 + 28 + 11 * 0x3f80_0000i64 + (1i64 << 62) - 17 - 19 - 23 - 29;
    // The canonical NaNs: 11 * 0x7fc00000 + 13 * 0x7ff8000000000000 (wrapping).
    let nans = (11 * 0x7fc0_0000i64).wrapping_add(13i64.wrapping_mul(0x7ff8_0000_0000_0000));
    assert_eq!(
        lines,
        [
            "begin -1".to_owned(),
            "begin 0".into(),
            "begin 9223372036854775807".into(),
            "i8 -128".into(),
            "i16 -32768".into(),
            "i32 2147483647".into(),
            "i64 -1".into(),
            "f32 80000000".into(),
            "f32 nan".into(),
            "f64 7ff0000000000000".into(),
            "f64 nan".into(),
            // 300 + 2 = 302 - 256
            "i8 46".into(),
            // 50000 - 1 = 49999 - 65536
            "i16 -15537".into(),
            // 7e9 + 5 = 7000000005 - 4294967296
            "i32 -1589934587".into(),
            // MIN * 9 = MIN (mod 2^64), + 7
            "i64 -9223372036854775801".into(),
            // 3 * 0.5 + 0.25
            "f32 3fe00000".into(),
            // 0.1 * 0.25 + 0.2 = 0.225 (rounded twice)
            format!("f64 {:016x}", (0.1f64 * 0.25 + 0.2).to_bits()),
            "i32 -305".into(),
            "i8 -1".into(),
            "i16 -32768".into(),
            "i32 -1".into(),
            format!("i64 {many}"),
            format!("i64 {nans}"),
            "i32 1".into(),
            "i32 1".into(),
            // 200 as i8 = -56
            "i32 -56".into(),
            "i16 -32768".into(),
            "i32 -32768".into(),
            "i32 71113".into(),
            "i32 31".into(),
            "i32 711014".into(),
            "i64 -9".into(),
            // MAX + -3
            "i64 9223372036854775804".into(),
            "f64 4012000000000000".into(),
        ]
    );
    assert_eq!(0.1f64 * 0.25 + 0.2, 0.225, "the f64 line above is 0.225's bits");
}

#[test]
fn the_simulated_libraries_refuse_what_they_do_not_have() {
    let unsupported = |items: &str| match stopped(items, Limits::default()).1 {
        Err(Stop::Unsupported(what)) => what,
        other => panic!("{other:?}"),
    };
    let what = unsupported(
        "#[link(name = \"other\")] extern { fn d_nothing(v: i32); }
         pub fn main() { d_nothing(1); }",
    );
    assert!(what.contains("`d_nothing(i32)`"), "{what}");
    // Without the libraries' declarations, so that one of their names can be declared with other types.
    let alone = |src: &str| match run_traced(&program(src), "main", Limits::default()).1 {
        Err(Stop::Unsupported(what)) => what,
        other => panic!("{other:?}"),
    };
    let what =
        alone("#[link(name = \"x\")] extern { fn d_trace_i8(v: i32); } pub fn main() { d_trace_i8(1); }");
    assert!(what.contains("`d_trace_i8(i32)`"), "{what}");
    let what =
        alone("#[link(name = \"x\")] extern { static mut d_scale: f64; } pub fn main() { d_scale = 2.0; }");
    assert!(what.contains("`f64` into `d_scale`"), "{what}");
    let what = alone(
        "#[link(name = \"x\")] extern { #[link_name = \"r_counter\"] static C64: i64; fn d_trace_i64(v: i64); }
         pub fn main() { d_trace_i64(C64); }",
    );
    assert!(what.contains("`r_counter` as `i64`"), "{what}");
    let what = alone("#[link(name = \"x\")] extern { fn q_begin(id: i64); } pub fn main() { q_begin(1); }");
    assert!(what.contains("`q_begin(i64)`"), "{what}");
    // X_apply_i8 given a function of another signature.
    let what = unsupported("fn f(x: i16) -> i16 { return x; } pub fn main() { d_apply_i8(&f, 1); }");
    assert!(what.contains("`f` takes (i16), called with (i8)"), "{what}");
    let what = unsupported("pub fn main() { d_apply_i8(&d_counter, 1); }");
    assert!(what.contains("which is data"), "{what}");
}

#[test]
fn a_callback_reaches_back_through_the_host_and_counts_toward_depth() {
    // The program calls C, which calls the program, which calls C again.
    let lines = traced(
        "fn inner(x: i8) -> i8 { d_trace_i8(x); return x - 1; }
         fn outer(x: i8) -> i8 { return d_apply_i8(&inner, (x * 2) as i64) as i8; }
         pub fn main() { d_trace_i32(s_apply_i8(&outer, 3)); }",
    );
    assert_eq!(lines, ["i8 6", "i32 5"]);
    // Taking the address of an import and applying it: the host's own function, called back through the host.
    let (lines, result) =
        stopped("pub fn main() { d_trace_i32(d_apply_i16(&s_widen_i16, 5)); }", Limits::default());
    assert!(lines.is_empty());
    assert!(
        matches!(result, Err(Stop::Unsupported(ref w)) if w.contains("`&s_widen_i16`, which gave `i32`")),
        "{result:?}"
    );
    // Unbounded recursion through the host stops, without exhausting the Rust stack.
    let (lines, result) = stopped(
        "fn f(x: i8) -> i8 { d_trace_i8(x); return d_apply_i8(&f, (x + 1) as i64) as i8; } pub fn main() { d_trace_i8(f(0 as i8)); }",
        Limits { fuel: u64::MAX, max_call_depth: u32::MAX },
    );
    assert_eq!(result, Err(Stop::TooDeep));
    assert_eq!(lines.len(), 65, "the entry's call plus 64 callbacks");
}

#[test]
fn traps_stop_the_run_where_they_happen() {
    let (lines, result) = stopped(
        "fn div(a: i32, b: i32) -> i32 { return a / b; }
         pub fn main() { d_trace_i32(div(7, 2)); d_trace_i32(div(7, 0)); d_trace_i32(1); }",
        Limits::default(),
    );
    assert_eq!(lines, ["i32 3"]);
    assert_eq!(result, Err(Stop::Trap { kind: TrapKind::DivideByZero, function: "div".into() }));
    let (lines, result) = stopped(
        "pub fn main() { let m: i16 = -32768; let n: i16 = -1; d_trace_i16(m % n); m / n; d_trace_i16(m); }",
        Limits::default(),
    );
    assert_eq!(lines, ["i16 0"]);
    assert_eq!(result, Err(Stop::Trap { kind: TrapKind::DivideOverflow, function: "main".into() }));
    // `%` by zero as a statement traps too.
    let (_, result) = stopped("pub fn main() { let z: i8 = 0 as i8; 1 as i8 % z; }", Limits::default());
    assert_eq!(result, Err(Stop::Trap { kind: TrapKind::DivideByZero, function: "main".into() }));
    assert_eq!(result.unwrap_err().to_string(), "trap in `main`: integer division by zero");
}

#[test]
fn fuel_and_depth_stop_runaway_programs() {
    let (lines, result) =
        stopped("pub fn main() { for i in 0..2147483647 { for j in 0..2147483647 {} } }", Limits::default());
    assert!(lines.is_empty());
    assert_eq!(result, Err(Stop::OutOfFuel));
    let (lines, result) =
        stopped("fn f(n: i64) { d_trace_i64(n); f(n + 1); } pub fn main() { f(1); }", Limits::default());
    assert_eq!(result, Err(Stop::TooDeep));
    // main is one of the 256 active calls.
    assert_eq!(lines.len(), 255);
    assert_eq!(lines.last().map(String::as_str), Some("i64 255"));
    // A small budget: each statement and expression takes fuel, so a loop of 10 traces needs more than 10.
    let src = "pub fn main() { for i in 0..10 { d_trace_i32(i); } }";
    let (lines, result) = stopped(src, Limits { fuel: 20, max_call_depth: 8 });
    assert_eq!(result, Err(Stop::OutOfFuel));
    assert!(!lines.is_empty() && lines.len() < 10, "{lines:?}");
    let (lines, result) = stopped(src, Limits { fuel: 1000, max_call_depth: 1 });
    assert_eq!((lines.len(), result), (10, Ok(())));
    let (_, result) = stopped(src, Limits { fuel: 1000, max_call_depth: 0 });
    assert_eq!(result, Err(Stop::TooDeep));
}

#[test]
fn addresses_are_never_numbers() {
    let unsupported = |items: &str| match stopped(items, Limits::default()) {
        (_, Err(Stop::Unsupported(what))) => what,
        other => panic!("{other:?}"),
    };
    let what = unsupported("static S: i32 = 1; pub fn main() { d_trace_i64(&S as i64); }");
    assert_eq!(what, "address observed: `&S` cast to `i64`");
    let what = unsupported("pub fn main() { d_trace_i32(\"x\" as i32); }");
    assert!(what.starts_with("address observed: `&str.0`"), "{what}");
    // An integer made into an address is not a symbol's, except 0, which is none.
    let what = unsupported("static S: i32 = 1; pub fn main() { d_trace_i32(&S == 8 as ptr); }");
    assert!(what.starts_with("address observed"), "{what}");
    // A zero-sized static may share its address with the next one.
    let what =
        unsupported("static E: [u8] = \"\"; static F: i32 = 1; pub fn main() { d_trace_i32(&E == &F); }");
    assert!(what.contains("`&E` and `&F`"), "{what}");
    assert_eq!(
        traced("static E: [i32; 0] = []; pub fn main() { d_trace_i32((&E == &E) + (&E != 0 as ptr)); }"),
        ["i32 2"]
    );
    // Equal string literals are one object; a static with the same bytes is another.
    assert_eq!(
        traced(
            "static S: [u8] = \"ab\"; pub fn main() { d_trace_i32((\"ab\" == \"ab\") + 2 * (\"ab\" == &S)); }"
        ),
        ["i32 1"]
    );
    // One import declared twice (two blocks, or a `#[link_name]`) is one address.
    assert_eq!(
        traced(
            "#[link(name = \"again\")] extern { #[link_name = \"d_counter\"] static mut AGAIN: i32; }
             pub fn main() { d_trace_i32(&AGAIN == &d_counter); AGAIN = 5; d_trace_i32(d_get_counter()); }"
        ),
        ["i32 1", "i32 5"]
    );
}

#[test]
fn run_checks_its_entry_and_arguments_and_returns_the_value() {
    let p = program("fn add(a: i64, b: i8) -> i64 { return a + b as i64; } fn nothing() {}");
    let mut sim = Sim::default();
    assert_eq!(
        run(&p, "add", &[Value::I64(40), Value::I8(2)], &mut sim, Limits::default()),
        Ok(Some(Value::I64(42)))
    );
    assert_eq!(run(&p, "nothing", &[], &mut sim, Limits::default()), Ok(None));
    let wrong = run(&p, "add", &[Value::I64(40), Value::I16(2)], &mut sim, Limits::default());
    assert_eq!(wrong, Err(Stop::Unsupported("`add` takes (i64, i8), called with (i64, i16)".into())));
    let missing = run(&p, "main", &[], &mut sim, Limits::default());
    assert_eq!(missing, Err(Stop::Unsupported("no defined function `main`".into())));
    assert!(sim.output().is_empty());
}

/// A host other than the simulated libraries: records what the program asks of it.
#[derive(Default)]
struct Recorder {
    log: Vec<String>,
}

impl Host for Recorder {
    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        _: &mut dyn crate::Machine,
    ) -> Result<Option<Value>, Stop> {
        self.log.push(format!(
            "call {name} {}",
            args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
        ));
        Ok(Some(Value::I32(7)))
    }
    fn load(&mut self, name: &str, ty: Type) -> Result<Value, Stop> {
        self.log.push(format!("load {name} {ty}"));
        Ok(Value::zero(ty))
    }
    fn store(&mut self, name: &str, value: Value) -> Result<(), Stop> {
        self.log.push(format!("store {name} {value}"));
        Ok(())
    }
}

#[test]
fn the_host_sees_link_names_in_program_order() {
    let p = program(
        "#[link(name = \"x\")] extern { #[link_name = \"real\"] fn f(a: i32, b: f32) -> i32; static mut V: i16; }
         pub fn main() -> i32 { V = V + 1 as i16; let r = f(1, 0.5); f(2, 1.0); return r; }",
    );
    let mut host = Recorder::default();
    assert_eq!(run(&p, "main", &[], &mut host, Limits::default()), Ok(Some(Value::I32(7))));
    assert_eq!(
        host.log,
        [
            "load V i16",
            "store V i16 1",
            "call real i32 1, f32 0x3f000000 (0.5)",
            "call real i32 2, f32 0x3f800000 (1)",
        ]
    );
    // A host that gives the wrong type back stops the run.
    let p = program("#[link(name = \"x\")] extern { fn g() -> i64; } pub fn main() { g(); }");
    let result = run(&p, "main", &[], &mut Recorder::default(), Limits::default());
    assert_eq!(result, Err(Stop::Unsupported("`g` is declared to give `i64`, the host gave `i32`".into())));
}

#[test]
fn deep_expressions_and_many_locals_run() {
    // The parser's nesting limit (200) is the deepest expression a program can have.
    let deep = format!("{}1{}", "(".repeat(190), ")".repeat(190));
    let sum = (0..200).map(|i| i.to_string()).collect::<Vec<_>>().join(" + ");
    let lines = traced(&format!("pub fn main() {{ d_trace_i32({deep}); d_trace_i32({sum}); }}"));
    assert_eq!(lines, ["i32 1", format!("i32 {}", 199 * 200 / 2).as_str()]);
}

/// A host that answers every call with nothing and every read with zero, and accepts every write: enough to
/// run any program as far as its types allow.
struct Null;

impl Host for Null {
    fn call(&mut self, _: &str, _: &[Value], _: &mut dyn crate::Machine) -> Result<Option<Value>, Stop> {
        Ok(None)
    }
    fn load(&mut self, _: &str, ty: Type) -> Result<Value, Stop> {
        Ok(Value::zero(ty))
    }
    fn store(&mut self, _: &str, _: Value) -> Result<(), Stop> {
        Ok(())
    }
}

/// Every function of every module in the repository that checks (the corpus, the test programs), run with
/// zero arguments against a host that returns nothing: each run ends (a value, or a stop), never a panic.
#[test]
fn every_repository_program_runs_to_an_end() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut ran = 0;
    for dir in ["corpus", "tests/programs", "examples"] {
        let mut paths: Vec<_> =
            std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "lw")) {
            let file = linkwise_ir::SourceFile::new("m.lw", std::fs::read_to_string(&path).unwrap());
            let Ok(module) = linkwise_ir::text::parse(&file) else { continue };
            let Ok(program) = linkwise_ir::check::check(&module) else { continue };
            for symbol in &program.symbols {
                let linkwise_ir::checked::SymbolDef::Fn { sig, .. } = &symbol.def else { continue };
                let args: Vec<Value> = sig.params.iter().map(|&t| Value::zero(t)).collect();
                let limits = Limits { fuel: 100_000, max_call_depth: 64 };
                let _ = run(&program, &symbol.name, &args, &mut Null, limits);
                ran += 1;
            }
        }
    }
    assert!(ran > 20, "{ran}");
}

/// The default fuel runs out in well under a few seconds even in a debug build, so a runaway program costs
/// the differential runner little.
#[test]
fn the_default_fuel_is_spent_quickly() {
    let start = std::time::Instant::now();
    let (_, result) = stopped(
        "pub fn main() { let mut x: i64 = 0; for i in 0..2147483647 { x = x + 1; } }",
        Limits::default(),
    );
    assert_eq!(result, Err(Stop::OutOfFuel));
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}
