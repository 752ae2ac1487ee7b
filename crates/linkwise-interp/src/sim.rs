//! The simulated libraries of the differential tests, modelled: [`Sim`] does what docs/difftest.md's table
//! says each import of `lwsim_dyn` (`d_`), `lwsim_st` (`s_`) and `lwsim_raw` (`r_`) does, so that the
//! interpreter's output can be compared line for line with a native run against the C libraries.
//!
//! Each import is matched by its name and argument types exactly: a call of anything else, or with other
//! types, is [`Stop::Unsupported`] naming it (the C library would not have it, or would read the arguments
//! differently).

use crate::{Host, Machine, Stop, Type, Value};

/// The three libraries' prefixes, in the order of their state in [`Sim`].
const PREFIXES: [&str; 3] = ["d_", "s_", "r_"];

/// The state of the three simulated libraries and what they printed.
#[derive(Clone, Debug)]
pub struct Sim {
    output: Vec<String>,
    /// `X_counter` of each library.
    counter: [i32; 3],
    /// `X_wide` of each library.
    wide: [i64; 3],
}

impl Default for Sim {
    /// The libraries as a program finds them at start: `d_counter` 7, `s_counter` 11, `r_counter` 13,
    /// each `X_wide` -3, nothing printed.
    fn default() -> Sim {
        Sim { output: Vec::new(), counter: [7, 11, 13], wide: [-3; 3] }
    }
}

impl Sim {
    /// The lines printed so far, in order, each without its newline.
    pub fn output(&self) -> &[String] {
        &self.output
    }

    /// The lines printed, taken out.
    pub fn into_output(self) -> Vec<String> {
        self.output
    }

    fn print(&mut self, line: String) -> Result<Option<Value>, Stop> {
        self.output.push(line);
        Ok(None)
    }
}

/// `name` split into its library (an index into [`PREFIXES`]) and the rest.
fn split(name: &str) -> Option<(usize, &str)> {
    PREFIXES.iter().enumerate().find_map(|(i, p)| name.strip_prefix(p).map(|rest| (i, rest)))
}

/// A float's bits for `X_many`: NaNs as the canonical quiet NaN (docs/difftest.md: x86_64 and aarch64 make
/// NaNs with different sign bits).
fn f32_bits(v: f32) -> i64 {
    if v.is_nan() { 0x7fc0_0000 } else { i64::from(v.to_bits()) }
}

fn f64_bits(v: f64) -> i64 {
    if v.is_nan() { 0x7ff8_0000_0000_0000 } else { v.to_bits() as i64 }
}

fn unknown(name: &str, args: &[Value]) -> Stop {
    let types: Vec<&str> = args.iter().map(|a| a.ty().as_str()).collect();
    Stop::Unsupported(format!(
        "call of `{name}({})`, which the simulated libraries do not have",
        types.join(", ")
    ))
}

impl Host for Sim {
    fn call(&mut self, name: &str, args: &[Value], machine: &mut dyn Machine) -> Result<Option<Value>, Stop> {
        use Value::*;
        let Some((lib, function)) = split(name) else {
            return Err(unknown(name, args));
        };
        let some = |v: Value| Ok(Some(v));
        match (function, args) {
            ("begin", &[I64(id)]) => self.print(format!("begin {id}")),
            ("trace_i8", &[I8(v)]) => self.print(format!("i8 {v}")),
            ("trace_i16", &[I16(v)]) => self.print(format!("i16 {v}")),
            ("trace_i32", &[I32(v)]) => self.print(format!("i32 {v}")),
            ("trace_i64", &[I64(v)]) => self.print(format!("i64 {v}")),
            ("trace_f32", &[F32(v)]) if v.is_nan() => self.print("f32 nan".to_owned()),
            ("trace_f32", &[F32(v)]) => self.print(format!("f32 {:08x}", v.to_bits())),
            ("trace_f64", &[F64(v)]) if v.is_nan() => self.print("f64 nan".to_owned()),
            ("trace_f64", &[F64(v)]) => self.print(format!("f64 {:016x}", v.to_bits())),
            ("mix_i8", &[I8(a), I8(b)]) => some(I8(a.wrapping_mul(3).wrapping_add(b))),
            ("mix_i16", &[I16(a), I16(b)]) => some(I16(a.wrapping_mul(5).wrapping_add(b))),
            ("mix_i32", &[I32(a), I32(b)]) => some(I32(a.wrapping_mul(7).wrapping_add(b))),
            ("mix_i64", &[I64(a), I64(b)]) => some(I64(a.wrapping_mul(9).wrapping_add(b))),
            // Two roundings, as C compiled with -ffp-contract=off does (Rust never fuses).
            ("mix_f32", &[F32(a), F32(b)]) => some(F32(a * 0.5 + b)),
            ("mix_f64", &[F64(a), F64(b)]) => some(F64(a * 0.25 + b)),
            ("widen_i8", &[I8(a)]) => some(I32(a.into())),
            ("widen_i16", &[I16(a)]) => some(I32(a.into())),
            ("ret_i8", &[I64(a)]) => some(I8(a as i8)),
            ("ret_i16", &[I64(a)]) => some(I16(a as i16)),
            ("ret_i32", &[I64(a)]) => some(I32(a as i32)),
            ("many", &[I8(a), I16(b), I32(c), I64(d), F32(e), F64(f), I8(g), I16(h), I32(i), I64(j)]) => {
                let terms = [
                    (i64::from(a), 1),
                    (i64::from(b), 3),
                    (i64::from(c), 5),
                    (d, 7),
                    (f32_bits(e), 11),
                    (f64_bits(f), 13),
                    (i64::from(g), 17),
                    (i64::from(h), 19),
                    (i64::from(i), 23),
                    (j, 29),
                ];
                some(I64(terms.iter().fold(0i64, |sum, &(v, k)| sum.wrapping_add(v.wrapping_mul(k)))))
            }
            ("same_ptr", &[Ptr(a), Ptr(b)]) => some(I32(machine.same_address(a, b)?.into())),
            ("apply_i8", &[Ptr(f), I64(a)]) => match machine.call(self, f, &[I8(a as i8)])? {
                // C's `return f(a);` widens the `int8_t` result to `int32_t`: sign extension.
                Some(I8(r)) => some(I32(r.into())),
                other => Err(bad_callee(name, machine.describe(f), "i8", other)),
            },
            ("apply_i16", &[Ptr(f), I64(a)]) => match machine.call(self, f, &[I16(a as i16)])? {
                Some(I16(r)) => some(I32(r.into())),
                other => Err(bad_callee(name, machine.describe(f), "i16", other)),
            },
            ("get_counter", &[]) => some(I32(self.counter[lib])),
            _ => Err(unknown(name, args)),
        }
    }

    fn load(&mut self, name: &str, ty: Type) -> Result<Value, Stop> {
        match (split(name), ty) {
            (Some((lib, "counter")), Type::I32) => Ok(Value::I32(self.counter[lib])),
            (Some((lib, "wide")), Type::I64) => Ok(Value::I64(self.wide[lib])),
            (Some((_, "scale")), Type::F64) => Ok(Value::F64(1.5)),
            _ => Err(Stop::Unsupported(format!(
                "a read of `{name}` as `{ty}`, which the simulated libraries do not have"
            ))),
        }
    }

    fn store(&mut self, name: &str, value: Value) -> Result<(), Stop> {
        match (split(name), value) {
            (Some((lib, "counter")), Value::I32(v)) => self.counter[lib] = v,
            (Some((lib, "wide")), Value::I64(v)) => self.wide[lib] = v,
            // `X_scale` is `const` in the C libraries: a write would fault there.
            _ => {
                return Err(Stop::Unsupported(format!(
                    "a write of a `{}` into `{name}`, which the simulated libraries do not allow",
                    value.ty()
                )));
            }
        }
        Ok(())
    }
}

fn bad_callee(name: &str, callee: String, ty: &str, result: Option<Value>) -> Stop {
    let gave = result.map_or("nothing".to_owned(), |v| format!("`{}`", v.ty()));
    Stop::Unsupported(format!("`{name}` called `{callee}`, which gave {gave}, not `{ty}`"))
}
