//! Code generation: lowers a checked program with Cranelift into machine code and writes it as an object file,
//! every symbol reference shaped by the link plan (`__imp_` import slot or direct) through one relocation table.
//!
//! Stages: [`lower`] (Cranelift) → [`emit`] (object writer, asking [`reloc`] for every relocation). [`disasm`]
//! turns the result back into a listing for `linkwise explain` and the golden corpus; [`archive`] wraps an
//! object into a static library; [`implib`] writes the import libraries of the DLLs a module links or exports.
#![deny(missing_docs)]

pub mod archive;
pub mod disasm;
pub mod emit;
pub mod implib;
mod isa;
pub mod lower;
pub mod reloc;
mod slot_call;
mod unwind;

pub use emit::{Carried, DataSite, EmitOptions, FunctionReport, ObjectOutput, Site, UnwindSite};
pub use reloc::{Patch, Placement, Purpose, SiteShape, SymbolRef};

use linkwise_ir::Diagnostic;
use linkwise_ir::checked::Program;
use linkwise_linkage::{Directive, LinkPlan};
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
}

impl CompileOptions {
    /// The number of threads `jobs` means.
    pub fn threads(&self) -> NonZeroUsize {
        self.jobs.unwrap_or_else(|| std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }
}

/// Compiles `program` for the plan's target and writes the object file, carrying `directives` (from
/// [`linkwise_linkage::directives()`]) in the format's way: `options` says what the object is for (symbol
/// visibility of a shared library on ELF and Mach-O), `compile` how its functions are compiled (threads,
/// verifier), which does not change its bytes.
pub fn generate(
    program: &Program,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
    compile: &CompileOptions,
) -> Result<ObjectOutput, Diagnostic> {
    let isa = isa::build_with(&plan.target, compile.verify, options.force_frame_pointers)?;
    let cie = isa.create_systemv_cie();
    // Each function is written into the object as soon as it (and every one before it) is compiled.
    lower::compile_each(program, plan, &*isa, compile.threads(), |functions| {
        emit::write(program, plan, directives, options, functions, cie)
    })
}
