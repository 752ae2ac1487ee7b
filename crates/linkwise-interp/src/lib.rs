//! The reference interpreter of linkwise's checked IR: runs a [`Program`] by the run-time rules of
//! docs/ir.md ("Run-time semantics"), which are the rules the compiled code follows
//! (crates/linkwise-codegen/src/lower.rs), and is the oracle of the differential tests (docs/difftest.md,
//! issue 11).
//!
//! Imported functions and statics are the [`Host`]'s: [`sim::Sim`] models the three simulated libraries of
//! docs/difftest.md. Addresses are abstract ([`Address`]: a symbol, never a number), so a program whose
//! output would depend on where the linker put something stops with [`Stop::Unsupported`] instead of
//! printing a number the native run cannot match.
//!
//! ```
//! use linkwise_interp::{Limits, run_traced};
//!
//! let file = linkwise_ir::SourceFile::new("t.lw", r#"
//!     #[link(name = "lwsim_dyn")]
//!     extern { fn d_trace_i8(v: i8); }
//!     pub fn main() { d_trace_i8(100 as i8 + 100 as i8); }
//! "#);
//! let program = linkwise_ir::check::check(&linkwise_ir::text::parse(&file).unwrap()).unwrap();
//! let (lines, result) = run_traced(&program, "main", Limits::default());
//! assert_eq!(lines, ["i8 -56"]);
//! assert_eq!(result, Ok(()));
//! ```
#![deny(missing_docs)]

mod machine;
pub mod ops;
pub mod sim;
#[cfg(test)]
mod tests;
mod value;

pub use linkwise_ir::ast::Type;
use linkwise_ir::checked::Program;
use std::fmt;
pub use value::{Address, Value};

/// How far a run may go before it is stopped: the interpreter must end on every program, including one that
/// loops or recurses without end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Steps a run may take: one for every expression evaluated, statement run and loop test made (an
    /// interpreter operation, [`Stop::OutOfFuel`] past it).
    pub fuel: u64,
    /// How many calls of defined functions may be active at once, the entry included ([`Stop::TooDeep`]
    /// past it).
    pub max_call_depth: u32,
}

impl Default for Limits {
    /// 10,000,000 steps and 256 active calls: far more than a generated program needs (docs/difftest.md:
    /// small constant loop bounds, calls only to later functions), little enough to stop a runaway one in
    /// about a second.
    fn default() -> Limits {
        Limits { fuel: 10_000_000, max_call_depth: 256 }
    }
}

/// Why a run ended before its entry function returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The program trapped (docs/ir.md "Division and remainder"): compiled code dies there with SIGILL, or
    /// `STATUS_ILLEGAL_INSTRUCTION` on Windows.
    Trap {
        /// Which trap.
        kind: TrapKind,
        /// The defined function whose code trapped (its name in the IR).
        function: String,
    },
    /// [`Limits::fuel`] ran out.
    OutOfFuel,
    /// [`Limits::max_call_depth`] calls were active and another was made (or the host called back into the
    /// program too many levels deep).
    TooDeep,
    /// The program did something whose result the interpreter cannot know: observed an address as a number,
    /// called an import the host does not have, or called one with the wrong types. The message says what.
    Unsupported(String),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Trap { kind, function } => write!(f, "trap in `{function}`: {kind}"),
            Stop::OutOfFuel => f.write_str("out of fuel"),
            Stop::TooDeep => f.write_str("calls nested too deeply"),
            Stop::Unsupported(what) => write!(f, "unsupported: {what}"),
        }
    }
}

impl std::error::Error for Stop {}

/// The traps of the IR: integer division (docs/ir.md "Division and remainder"). Compiled code raises the
/// same illegal-instruction trap for both; the interpreter tells them apart for the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    /// `/` or `%` by zero.
    DivideByZero,
    /// `/` of the type's minimum by `-1`.
    DivideOverflow,
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrapKind::DivideByZero => "integer division by zero",
            TrapKind::DivideOverflow => "integer division overflow",
        })
    }
}

/// What a [`Host`] can ask of the running program while it handles an import: call a function of it through
/// an address (`X_apply_i8` is C calling the program through a function pointer), and compare addresses.
pub trait Machine {
    /// Calls the function at `function` with `args` and returns its result. A defined function runs in the
    /// interpreter (its parameter types must be `args`' types); an imported one goes back to `host`. Any
    /// other address, or arguments of the wrong types, is [`Stop::Unsupported`].
    fn call(&mut self, host: &mut dyn Host, function: Address, args: &[Value])
    -> Result<Option<Value>, Stop>;

    /// Whether `a` and `b` are the same address, as compiled code would find; [`Stop::Unsupported`] when the
    /// answer depends on the link (a zero-sized static beside another, an integer made into an address).
    fn same_address(&self, a: Address, b: Address) -> Result<bool, Stop>;

    /// A description of `address` for messages: the symbol's name in the IR, or the number.
    fn describe(&self, address: Address) -> String;
}

/// The world outside the program: every call of an imported function and every read and write of an
/// imported static goes here, by the symbol's link name (its `#[link_name]`, else its name).
pub trait Host {
    /// Calls the imported function `name` with `args` (of the declared parameter types) and returns its
    /// result, which must be of the declared return type (`None` for a function that returns nothing).
    /// `machine` reaches back into the program.
    fn call(&mut self, name: &str, args: &[Value], machine: &mut dyn Machine) -> Result<Option<Value>, Stop>;

    /// The current value of the imported static `name`, declared with type `ty`.
    fn load(&mut self, name: &str, ty: Type) -> Result<Value, Stop>;

    /// Writes `value` into the imported static `name` (declared `static mut`).
    fn store(&mut self, name: &str, value: Value) -> Result<(), Stop>;
}

/// Runs the defined function `entry` (its name in the IR) of `program` with `args`, imports going to `host`,
/// within `limits`; its return value (`None` when it returns nothing). An unknown entry, or `args` that are
/// not of its parameter types, is [`Stop::Unsupported`]. Statics start from their initializers on every
/// call; the host keeps its own state.
pub fn run(
    program: &Program,
    entry: &str,
    args: &[Value],
    host: &mut dyn Host,
    limits: Limits,
) -> Result<Option<Value>, Stop> {
    machine::Interp::new(program, limits).run(host, entry, args)
}

/// Runs `entry()` (no arguments) against a fresh [`sim::Sim`]: the lines it printed, those before a stop
/// included, and how the run ended. The entry's return value, if it has one, is dropped.
pub fn run_traced(program: &Program, entry: &str, limits: Limits) -> (Vec<String>, Result<(), Stop>) {
    let mut sim = sim::Sim::default();
    let result = run(program, entry, &[], &mut sim, limits).map(drop);
    (sim.into_output(), result)
}
