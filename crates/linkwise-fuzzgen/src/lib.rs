//! Random valid linkwise IR programs from a seed, for issue 11's differential testing (docs/difftest.md),
//! and a shrinker that cuts a failing one down.
//!
//! # What a program is
//!
//! [`Program::generate`] makes, from a seed, a prefix (`p17_`) and a [`Config`], a program whose every name
//! starts with the prefix (globals, and locals and parameters too, so that no local can shadow a global of
//! another program in the same batch). Its items are statics and functions; its entry is `PREFIXmain()`.
//! The imports are the three simulated libraries of docs/difftest.md ([`sim_externs`]), shared by every
//! program of a batch. The same seed, prefix and configuration give the same text on every machine
//! (SplitMix64, no hashing with random state).
//!
//! - **Statics** (1 to `max_statics`): 70% single values of every value type (ints and floats at edge values,
//!   `ptr` holding `&` of a static of the program or `0`), 30% arrays (`[T; N] = [..]`, `[T; N] = [v; N]`,
//!   `[u8] = "..."` with escapes and high bytes, `[u8] = [0..255, ..]`), half of them `mut`, some `pub`.
//!   Arrays are only ever addressed (`&NAME`), never read. A pointer static never holds a library's address
//!   (linkwise refuses the address of DLL data in a static) nor a function's (a function pointer reaches C
//!   only as a direct `&f` argument, which keeps calls acyclic).
//! - **Functions** (`min_functions` to `max_functions`, `PREFIXmain` first, then `PREFIXf1`, ...): 15%
//!   `fn(i8) -> i8`, 12% `fn(i16) -> i16` (what `X_apply_*` takes), the rest 0 to 4 parameters (6% ten, so
//!   some travel on the stack) of any value type, 80% with a result. A function calls (directly, or through
//!   `X_apply_*`) only functions after it, so there is no recursion.
//! - **Statements** (1 to `max_stmts` per block, blocks nested `max_block_depth` deep), weighted: `let` 30
//!   (half annotated, 45% `mut`, 20% reusing a visible name: shadowing, possibly with a new type; a `let` of a
//!   call is traced 75% of the time, others 30%), assignment 15 (to a `let mut`, a `static mut`, or a
//!   library's `X_counter`/`X_wide`), trace 18 (`X_trace_T(expr)`), call statement 10 (a later function, or
//!   a library function with its result dropped), `if` 12 (70% a comparison as condition, else any integer;
//!   half with `else`, 40% of those `else if` chains; 15% of branches end in an early `return`), `for` 9.
//!   Each function ends by tracing up to two of its locals and, with a result, `return EXPR;`. The entry
//!   ends by tracing every scalar non-pointer static and the nine library statics.
//! - **Expressions** (depth `expr_depth`, 22% leaves at each level): for integers `+ - * & | ^` 30, shifts 9
//!   (55% by a literal amount from {0, 1, w-1, w, w+1, 2w, 63, 64, 65, 127, -1, -w} that fits the type),
//!   unary `-`/`!` 8, `as` 12 (from every numeric type; `ptr` only from `ptr`: an address is never turned into
//!   a number, so it can never be printed), comparisons 10 (for `i32`: every type, `==`/`!=` for `ptr`),
//!   guarded `/` and `%` 10, calls 14 (a later function, or the library functions of the type:
//!   `X_mix_*`, `X_widen_*`, `X_ret_*`, `X_many`, `X_same_ptr`, `X_apply_*`, `X_get_counter`); for floats
//!   `+ - * /` 34, `-` 8, `as` 18, calls 14, infinities and NaN by arithmetic (`1.0 / 0.0`, `0.0 / 0.0`,
//!   `inf - inf`) 6. Leaves: 60% a variable of the type in scope (local, parameter, scalar static, library
//!   static), else a literal: integers 0, 1, -1, MIN, MAX, MIN+1, MAX-1, a power of two, small, or random;
//!   floats -0.0, the conversion edges (2^31, 2^63, 2^64, 255.0, ...), MAX, MIN_POSITIVE, subnormals, random
//!   bit patterns. `X_same_ptr` gets only `&NAME` (a data symbol, or the same name twice, functions included;
//!   never two different functions, which a linker's identical-code folding could merge). `X_apply_i8/i16` gets
//!   only `&f` of a later function of exactly that signature. `X_begin` is never called: its lines are the
//!   runner's section markers.
//!
//! # Trap-freedom and termination
//!
//! Every integer division is one node of the tree that carries its guard, printed around whatever the
//! operands are (so the shrinker may replace them freely):
//!
//! | guard | `/` | `%` | why it cannot trap |
//! | --- | --- | --- | --- |
//! | literal | `a / K` | `a % K` | `K != 0`; for `/` also `K != -1` |
//! | mask | `a / (b & -2 \| 2)` | `a % (b \| 1)` | bit 1 set: not 0; bit 0 clear: not -1 (`%` by -1 is fine) |
//! | odd | `(a \| 1) / (b \| 1)` | same | an odd dividend is never MIN; an odd divisor never 0 |
//! | minus one | `(a \| 1) / -1` | `a % -1` style | the dividend is never MIN |
//!
//! Float operations and `as` never trap. Loops have constant bounds (`for i in LO..HI`, LO in -3..3, at most
//! `max_trips` iterations, sometimes empty or with `HI < LO`; the variable is `i32` 70%, else another
//! integer type, written `LO as T`), and calls are acyclic, so programs terminate. Each function's cost is
//! bounded as it is generated (callees first): statements executed, counting callees and loop trips, at
//! most `max_work`, and lines printed at most `max_lines`, for the whole program as well.
//!
//! # Printing and literal types
//!
//! A literal's type comes from its context (docs/ir.md). The printer knows which contexts give one (an
//! annotated `let`, an argument, an operand beside a typed one...) and which do not (an `as` operand, an `if`
//! condition, an unannotated `let`, a comparison of two literals), and where a literal-only expression of a
//! type other than `i32`/`f64` stands in the latter it writes `E | 0 as T` (integers) or `E * 1 as T`
//! (floats), which gives it its type without changing its value. `-` of an integer literal is folded into
//! one literal when the result fits, else written `-(MIN | 0 as T)`.
//!
//! # Splitting
//!
//! With `split`, a program of three functions or more gets a split point `s` (from `n/2` to `n-1`): functions
//! `s..` go to a shared library's module ([`Program::split`]), each `#[export] pub fn`, with the statics they
//! reference (closed under initializer addresses, both ways); the program's module imports the functions and
//! statics it uses with `#[link(name = "LIB")]` (an array as `static NAME: i64`: only its address is used).
//! Functions from `s` on never touch `s_`'s data (`s_counter`, `s_wide`, `s_scale`, `s_get_counter`, their
//! addresses): the library and the program each link their own copy of the static `lwsim_st`, so that state
//! would differ between the split and unsplit forms. Unsplit programs obey the same rule, so both forms mean
//! the same.
//!
//! # Shrinking
//!
//! [`shrink`] is greedy: it tries edits in a fixed order (drop a function, replacing each call of it, and
//! each call passing `&it`, by a literal; drop a statement; replace an `if` by its `then` or `else` block or
//! drop the `else`; lower a loop's bound or replace the loop by one iteration, `if 1 { let i = LO; ... }`;
//! drop a static; replace an expression by a literal 0 or by one of its operands of the same type). An edit is
//! kept when linkwise's parser and checker accept the result and the predicate still fails; a pass that keeps
//! none ends it. Every edit keeps the guards, never adds a call and never raises a bound, so each candidate is
//! still trap-free and terminates.
//!
//! # Linkwise bugs found
//!
//! - `-` applied to a negative float literal, `- -1.5`, was rejected as "expected a constant of type `f64`"
//!   (the checker looked through one `-` of a float literal only). Fixed in linkwise-ir's checker
//!   (`float_literals_under_repeated_negation`); the printer writes such literals as the tree has them.
#![deny(missing_docs)]

mod generator;
mod print;
mod rng;
mod shrink;
mod split;
mod tree;

use print::Style;
use tree::{Expr, Function, Static};

/// Sizes and feature switches of generated programs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Fewest functions, the entry included.
    pub min_functions: usize,
    /// Most functions, the entry included.
    pub max_functions: usize,
    /// Most statics (at least one when `statics` is on).
    pub max_statics: usize,
    /// Most statements per block (a function's body gets up to two more).
    pub max_stmts: usize,
    /// How deep `if` and `for` blocks nest.
    pub max_block_depth: usize,
    /// How deep expressions nest.
    pub expr_depth: u32,
    /// Most iterations of one loop.
    pub max_trips: i64,
    /// How deep loops nest.
    pub max_loop_depth: usize,
    /// Most statements one call of the entry executes (callees and loop iterations counted).
    pub max_work: u64,
    /// Most lines one call of the entry prints.
    pub max_lines: u64,
    /// `f32` and `f64` values and operations.
    pub floats: bool,
    /// `for` loops.
    pub loops: bool,
    /// Statics of the program.
    pub statics: bool,
    /// Library functions and data besides `X_trace_*` (which are always used: they are the output).
    pub imports: bool,
    /// Give programs of three or more functions a split point ([`Program::split`]).
    pub split: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            min_functions: 5,
            max_functions: 15,
            max_statics: 8,
            max_stmts: 6,
            max_block_depth: 3,
            expr_depth: 4,
            max_trips: 8,
            max_loop_depth: 2,
            max_work: 2000,
            max_lines: 150,
            floats: true,
            loops: true,
            statics: true,
            imports: true,
            split: true,
        }
    }
}

/// A generated program: its own tree, so it can be printed, split and shrunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    prefix: String,
    statics: Vec<Static>,
    functions: Vec<Function>,
    split_at: Option<usize>,
}

/// A program split in two modules (see [`Program::split`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The shared library's items: a suffix of the functions, each `#[export] pub fn`, and the statics they
    /// need, `#[export] pub static`. Compiles as a module with [`sim_externs`].
    pub lib_items: String,
    /// The program's items: the other functions and statics, and an extern block importing from the library
    /// what they use.
    pub main_items: String,
}

impl Program {
    /// The program of `seed`, with every name starting with `prefix`.
    pub fn generate(seed: u64, prefix: &str, config: &Config) -> Program {
        let g = generator::generate(seed, prefix, config);
        Program {
            prefix: prefix.to_owned(),
            statics: g.statics,
            functions: g.functions,
            split_at: g.split_at,
        }
    }

    fn style(&self) -> Style {
        Style
    }

    /// The program's items (statics, then functions) as IR text; no extern blocks, no target line.
    pub fn items(&self) -> String {
        let mut out = String::new();
        for s in &self.statics {
            print::static_item(&mut out, s, false);
            out.push('\n');
        }
        for f in &self.functions {
            self.style().function(&mut out, f, false);
            out.push('\n');
        }
        out
    }

    /// The entry's name, `PREFIXmain`.
    pub fn entry(&self) -> String {
        format!("{}main", self.prefix)
    }

    /// The prefix of every name the program defines.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The names of the functions the program defines, the entry first.
    pub fn functions(&self) -> Vec<String> {
        self.functions.iter().map(|f| f.name.clone()).collect()
    }

    /// The program in two modules, the second (`lib_items`) built as the shared library `lib`; `None` when
    /// the program has no split point (too few functions, or `Config::split` off).
    pub fn split(&self, lib: &str) -> Option<Split> {
        let (lib_items, main_items) =
            split::split(&self.style(), &self.statics, &self.functions, self.split_at?, lib)?;
        Some(Split { lib_items, main_items })
    }

    /// Whether linkwise's parser and checker accept the program (with [`sim_externs`]) without an error.
    pub fn is_valid(&self) -> bool {
        let text = format!("{}\n{}", sim_externs(), self.items());
        let file = linkwise_ir::SourceFile::new("generated.lw", text);
        linkwise_ir::text::parse(&file).is_ok_and(|m| linkwise_ir::check::check(&m).is_ok())
    }

    /// A pointer value for shrinking: `&` of the first static, or of `d_counter`.
    fn default_ptr(&self) -> Expr {
        Expr::Addr(self.statics.first().map(|s| s.name.clone()).unwrap_or_else(|| "d_counter".to_owned()))
    }
}

/// The three extern blocks of docs/difftest.md: `lwsim_dyn` (`dylib`, `d_`), `lwsim_st` (`static`, `s_`),
/// `lwsim_raw` (`raw-dylib`, `r_`), each with every function and static of the table.
pub fn sim_externs() -> String {
    print::sim_externs()
}

/// Cuts `program` down while `still_fails` holds: greedy edits (see the crate documentation), each checked by
/// linkwise's parser and checker, until none is kept; returns that local minimum.
pub fn shrink(program: &Program, still_fails: &mut dyn FnMut(&Program) -> bool) -> Program {
    shrink::shrink(program, still_fails)
}

#[cfg(test)]
mod tests;
