//! Code generation: lowers a checked program with Cranelift into machine code and writes it as an object file,
//! every symbol reference shaped by the link plan (`__imp_` import slot or direct) through one relocation table.
//!
//! Stages: [`lower`] (Cranelift) → [`emit`] (object writer, asking [`reloc`] for every relocation). [`disasm`]
//! turns the result back into a listing for `linkwise explain` and the golden corpus; [`archive`] wraps an
//! object into a static library; [`implib`] writes the import libraries of the DLLs a module links or exports.
#![deny(missing_docs)]

pub mod archive;
pub mod asm;
mod debuginfo;
pub mod disasm;
pub mod emit;
pub mod implib;
mod isa;
pub mod lower;
pub mod reloc;
mod slot_call;
mod unwind;

pub use emit::{Carried, DataSite, EmitOptions, FunctionReport, ObjectOutput, Site, UnwindSite};
pub use isa::{CRANELIFT_VERSION, OBJECT_VERSION, OptLevel};
pub use reloc::{Patch, Placement, Purpose, SiteShape, SymbolRef};

use linkwise_ir::checked::{Function, Program};
use linkwise_ir::{Diagnostic, SourceFile};
use linkwise_linkage::{Directive, LinkPlan};
use std::borrow::Cow;
use std::num::NonZeroUsize;

/// How the functions are compiled, beside what goes into the object: the same object whatever they say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// How many threads compile functions (`-j`); `None`: as many as [`std::thread::available_parallelism`]
    /// reports (one if it cannot tell). The object's bytes do not depend on it.
    pub jobs: Option<NonZeroUsize>,
    /// Run Cranelift's IR verifier on every function (`--verify`). It always runs in builds with debug
    /// assertions (debug builds, tests); in release builds only when asked.
    pub verify: bool,
    /// Leave [`ObjectOutput::functions`] and [`ObjectOutput::unwind_sites`] empty: no copy of each function's
    /// code, no list of its sites, which only `linkwise explain` and tests read (at 10,000 functions of 10 calls
    /// they were 15 MB, a third of the peak).
    pub no_reports: bool,
}

impl CompileOptions {
    /// The number of threads `jobs` means.
    pub fn threads(&self) -> NonZeroUsize {
        self.jobs.unwrap_or_else(|| std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }
}

/// Where the bodies of the functions to compile come from, by index in program order (`FuncId` order): a
/// checked [`Program`]'s own, or bodies parsed and checked only as they are compiled (streaming, issue 10), so
/// that a module's bodies never all exist at once. Called from the compiling threads, each index once.
pub trait Bodies: Sync {
    /// How many functions there are.
    fn count(&self) -> usize;

    /// The body of function `index` (below [`Bodies::count`]), or why it has none: the error is reported in
    /// program order like a compile error, and compiling stops there.
    fn body(&self, index: usize) -> Result<Cow<'_, Function>, Diagnostic>;
}

impl Bodies for Program {
    fn count(&self) -> usize {
        self.functions.len()
    }

    fn body(&self, index: usize) -> Result<Cow<'_, Function>, Diagnostic> {
        self.functions
            .get(index)
            .map(Cow::Borrowed)
            .ok_or_else(|| Diagnostic::internal(format!("no function {index} in the program")))
    }
}

/// Compiles `program` for the plan's target and writes the object file, carrying `directives` (from
/// [`linkwise_linkage::directives()`]) in the format's way: `options` says what the object is for (symbol
/// visibility of a shared library on ELF and Mach-O), `compile` how its functions are compiled (threads,
/// verifier), which does not change its bytes. The functions' bodies come from `bodies`: `program` itself, or
/// bodies checked as they are compiled against `program`'s symbols.
pub fn generate(
    program: &Program,
    bodies: &dyn Bodies,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
    compile: &CompileOptions,
) -> Result<ObjectOutput, Diagnostic> {
    generate_with_debug_info(program, bodies, plan, directives, options, compile, None)
}

/// What an embedder may do to the object before it is written: add sections, symbols or relocations with
/// `object`'s writer API (the [`object`] re-exported here is the version linkwise writes with). An error
/// stops the compilation with a diagnostic naming it ("the object hook failed: ...").
pub type ObjectHook<'a> = &'a mut dyn FnMut(
    &mut object::write::Object<'static>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub use object;

/// Told, on the calling thread, each time a function has been written into the object: (functions written,
/// functions in all). For progress reports (`build -v`); it cannot change the object.
pub type ProgressHook<'a> = &'a mut dyn FnMut(usize, usize);

/// [`generate`], with debug information (`-g`) when `debug` is the module's source file (the spans of
/// `program` and `bodies` point into it): a line table mapping every instruction to its source line, as DWARF
/// `.debug_line` (with its `.debug_info` compile unit) on ELF and Mach-O, CodeView `.debug$S` on COFF
/// (docs/codegen.md "Debug information"). With `None` the object is exactly
/// [`generate`]'s: lowering sets no source locations, so not even the code can differ.
pub fn generate_with_debug_info(
    program: &Program,
    bodies: &dyn Bodies,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
    compile: &CompileOptions,
    debug: Option<&SourceFile>,
) -> Result<ObjectOutput, Diagnostic> {
    generate_with_hook(program, bodies, plan, directives, options, compile, debug, None)
}

/// [`generate_with_debug_info`], with `hook` called on the `object::write::Object` once linkwise has put
/// everything in it (code, data, relocations, unwind tables, directives, debug sections) and before it is
/// written to bytes: an embedder's own sections go in there (docs/api.md "Adding to the object"). Mach-O's
/// linker options are still inserted after it, as they always are (the writer has no load command for them).
#[allow(clippy::too_many_arguments)]
pub fn generate_with_hook(
    program: &Program,
    bodies: &dyn Bodies,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
    compile: &CompileOptions,
    debug: Option<&SourceFile>,
    hook: Option<ObjectHook<'_>>,
) -> Result<ObjectOutput, Diagnostic> {
    generate_with_hooks(program, bodies, plan, directives, options, compile, debug, hook, None)
}

/// [`generate_with_hook`], with `progress` told as each function is written into the object.
#[allow(clippy::too_many_arguments)]
pub fn generate_with_hooks(
    program: &Program,
    bodies: &dyn Bodies,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
    compile: &CompileOptions,
    debug: Option<&SourceFile>,
    hook: Option<ObjectHook<'_>>,
    progress: Option<ProgressHook<'_>>,
) -> Result<ObjectOutput, Diagnostic> {
    let isa = isa::build_with(&plan.target, compile.verify, options.force_frame_pointers, options.opt_level)?;
    let cie = isa.create_systemv_cie();
    let total = bodies.count();
    // Each function is written into the object as soon as it (and every one before it) is compiled.
    lower::compile_each(program, bodies, plan, &*isa, compile.threads(), debug.is_some(), |functions| {
        let reports = !compile.no_reports;
        match progress {
            Some(progress) => {
                let mut done = 0;
                let mut counted = functions.inspect(|_| {
                    done += 1;
                    progress(done, total);
                });
                emit::write(program, plan, directives, options, reports, &mut counted, cie, debug, hook)
            }
            None => emit::write(program, plan, directives, options, reports, functions, cie, debug, hook),
        }
    })
}
