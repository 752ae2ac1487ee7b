//! The program `plain-cranelift-object` runs (src/main.rs): the module `linkwise bench codegen` compiles,
//! written the way a user of plain Cranelift would write it (cranelift-frontend to build the IR,
//! cranelift-object to write the object), so that the benchmark compares linkwise with the work Cranelift
//! itself does (issue 10, item 2; docs/bench.md, "Code generation, side by side").
//!
//! For x86_64-pc-windows-msvc COFF it defines `fun0` .. `fun{FUNCTIONS-1}`, each `fn(x: i32) -> i32` making
//! CALLS (default 10) chained calls alternating `imported(i32) -> i32`, a DLL import, and `linked(i32) -> i32`,
//! a static-library import, exactly as the `.lw` module of the benchmark does.
//!
//! Settings: Cranelift's `opt_level` is `speed` and its IR verifier is off, as in linkwise's release build
//! (crates/linkwise-codegen/src/isa.rs); everything else is Cranelift's and cranelift-object's default, which
//! is what such a user gets: `is_pic` false (so external symbols are reached through `movabs` of an absolute
//! address) and no unwind information (cranelift-object writes none unless asked; linkwise writes
//! `.pdata`/`.xdata`).
//!
//! cranelift-object has no notion of a DLL import: a user must spell the import slot by hand, as a data import
//! of `__imp_imported`, load the function's address from it and `call_indirect` through it. `linked` is an
//! ordinary imported function, called with `call` (non-colocated: cranelift-object's default).

use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, UserFuncName, types};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{Linkage, Module, default_libcall_names};
use cranelift_object::{ObjectBuilder, ObjectModule};

/// The target: the one the benchmark compares every producer on.
const TRIPLE: &str = "x86_64-pc-windows-msvc";

/// The object file: `functions` functions of `calls` calls each.
pub fn build(functions: u32, calls: u32) -> Result<Vec<u8>, String> {
    let mut flags = settings::builder();
    for (name, value) in [("opt_level", "speed"), ("enable_verifier", "false")] {
        flags.set(name, value).map_err(|e| fail("setting a flag", e))?;
    }
    let isa = cranelift_codegen::isa::lookup_by_name(TRIPLE)
        .map_err(|e| fail("no backend", e))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| fail("building the ISA", e))?;
    let builder = ObjectBuilder::new(isa, "plain", default_libcall_names())
        .map_err(|e| fail("creating the object builder", e))?;
    let mut module = ObjectModule::new(builder);

    let mut signature = Signature::new(CallConv::WindowsFastcall);
    signature.params.push(AbiParam::new(types::I32));
    signature.returns.push(AbiParam::new(types::I32));
    // The DLL import: only its import slot is a symbol of the object.
    let slot = module
        .declare_data("__imp_imported", Linkage::Import, false, false)
        .map_err(|e| fail("declaring __imp_imported", e))?;
    let linked = module
        .declare_function("linked", Linkage::Import, &signature)
        .map_err(|e| fail("declaring linked", e))?;

    let mut ctx = module.make_context();
    let mut builder_context = FunctionBuilderContext::new();
    for i in 0..functions {
        let name = format!("fun{i}");
        let id = module
            .declare_function(&name, Linkage::Export, &signature)
            .map_err(|e| fail(&format!("declaring {name}"), e))?;
        ctx.func.signature = signature.clone();
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        let slot_value = module.declare_data_in_func(slot, &mut ctx.func);
        let linked_ref = module.declare_func_in_func(linked, &mut ctx.func);
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut builder_context);
        let sig_ref = b.import_signature(signature.clone());
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let mut t = b.block_params(entry)[0];
        for call in 0..calls {
            let inst = if call.is_multiple_of(2) {
                let slot_address = b.ins().symbol_value(types::I64, slot_value);
                let target =
                    b.ins().load(types::I64, MemFlagsData::trusted().with_readonly(), slot_address, 0);
                b.ins().call_indirect(sig_ref, target, &[t])
            } else {
                b.ins().call(linked_ref, &[t])
            };
            t = b.inst_results(inst)[0];
        }
        b.ins().return_(&[t]);
        b.finalize(module.isa().frontend_config());
        module.define_function(id, &mut ctx).map_err(|e| fail(&format!("compiling {name}"), e))?;
        module.clear_context(&mut ctx);
    }
    module.finish().emit().map_err(|e| fail("writing the object", e))
}

/// An error message: what failed and why.
fn fail(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}
