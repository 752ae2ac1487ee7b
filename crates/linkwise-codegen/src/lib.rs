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
mod unwind;

pub use emit::{Carried, DataSite, EmitOptions, FunctionReport, ObjectOutput, Site, UnwindSite};
pub use reloc::{Patch, Placement, Purpose, SiteShape, SymbolRef};

use linkwise_ir::Diagnostic;
use linkwise_ir::checked::Program;
use linkwise_linkage::{Directive, LinkPlan};

/// Compiles `program` for the plan's target and writes the object file, carrying `directives` (from
/// [`linkwise_linkage::directives()`]) in the format's way; the object is not for a shared library
/// ([`generate_with`] says otherwise).
pub fn generate(
    program: &Program,
    plan: &LinkPlan,
    directives: &[Directive],
) -> Result<ObjectOutput, Diagnostic> {
    generate_with(program, plan, directives, &EmitOptions::default())
}

/// [`generate`], with what the object is for (`options.shared_library`: symbol visibility on ELF and Mach-O).
pub fn generate_with(
    program: &Program,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
) -> Result<ObjectOutput, Diagnostic> {
    let isa = isa::build(&plan.target)?;
    let functions = lower::compile_all(program, plan, &*isa)?;
    emit::write(program, plan, directives, options, functions, isa.create_systemv_cie())
}
