//! Windows unwind records, one module per encoding, built by linkwise from the prologue steps Cranelift reports:
//! [`windows_x64`] (the x64 `UNWIND_INFO`, which Cranelift 0.135's own encoder gets wrong) and
//! [`windows_arm64`] (the arm64 `.xdata` record; Cranelift gives only the prologue's codes). ELF and Mach-O use
//! Cranelift's call frame information as it is (`emit/eh_frame.rs`).
//!
//! Each encoding module keeps two steps apart: *describing* the prologue (Cranelift's steps into a typed list
//! of that encoding's unwind codes) and *encoding* it (the codes into bytes). Both end in one contract: when
//! the encoding has no way to say what the prologue does, they return [`Undescribable`] with the reason, and
//! the caller turns it into a warning the user sees ([`Undescribable::warning`]); the function then has no
//! record. A record is never dropped without that warning, and never guessed.

mod windows_arm64;
mod windows_x64;

pub(crate) use windows_arm64::{instruction_ranges, windows_arm64};
pub(crate) use windows_x64::windows_x64;

use linkwise_ir::Diagnostic;
use linkwise_ir::span::Span;
use linkwise_linkage::Target;

/// Why a function's frame cannot be described in its target's unwind encoding: the one error of this module.
/// The reason is a clause that completes "no unwind record: ...", e.g. "the function is 2160028 bytes long,
/// and a record describes whole instructions up to 1 MiB".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Undescribable {
    /// What the encoding cannot say, in the user's terms (registers, bytes, instructions).
    pub(crate) reason: String,
}

impl Undescribable {
    /// An error with `reason`.
    pub(crate) fn new(reason: impl Into<String>) -> Undescribable {
        Undescribable { reason: reason.into() }
    }

    /// The warning that tells the user `function` (defined at `span`) has no unwind record on `target`, and why.
    /// Without a record the target's unwinder takes the function for a leaf, so a stack walk, a debugger's
    /// backtrace or an exception passing through it goes wrong (docs/codegen.md, "Windows unwind
    /// information"); the object is still correct to link and run.
    pub(crate) fn warning(&self, function: &str, span: Span, target: &Target) -> Diagnostic {
        Diagnostic::warning(format!(
            "`{function}` has no unwind record on {target}: {}",
            self.reason
        ))
        .primary(span, "in this function")
        .note(format!(
            "a stack walk, backtrace or exception passing through `{function}` will not unwind it correctly"
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use cranelift_codegen::isa::unwind::{UnwindInfo, UnwindInst};

    /// What Cranelift made of [`compile_frame`]'s function.
    pub(crate) struct Frame {
        /// The prologue steps it reported (what linkwise's encoders read).
        pub(crate) steps: Vec<(u32, UnwindInst)>,
        /// The machine code.
        pub(crate) code: Vec<u8>,
        /// The byte ranges of `code` that hold instructions ([`super::instruction_ranges`]).
        pub(crate) instructions: Vec<std::ops::Range<u32>>,
        /// Cranelift's own unwind information for the target.
        pub(crate) cranelift: Option<UnwindInfo>,
    }

    /// Compiles, with linkwise's settings for `triple` (`isa.rs`), `fn f(p: i64) -> i64` that calls `p` as
    /// `fn(i64) -> i64` and as `fn(f64) -> f64` so that `ints` integer and `floats` float results are all live
    /// across the last call: the frame then saves that many callee-saved registers (as far as there are).
    /// Built directly in Cranelift IR, so that it depends on nothing lowering decides.
    pub(crate) fn compile_frame(triple: &str, ints: usize, floats: usize) -> Frame {
        compile_frame_with_slot(triple, ints, floats, 0)
    }

    /// [`compile_frame`] with an explicit stack slot of `slot_bytes` (none for 0), which `f` stores `p` into and
    /// loads back: Cranelift IR's way to a large frame, which linkwise's own lowering (no local arrays) reaches
    /// only through thousands of spills.
    pub(crate) fn compile_frame_with_slot(
        triple: &str,
        ints: usize,
        floats: usize,
        slot_bytes: u32,
    ) -> Frame {
        use cranelift_codegen::control::ControlPlane;
        use cranelift_codegen::ir::{self, AbiParam, InstBuilder, types};
        use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

        let target = linkwise_linkage::Target::parse(triple).unwrap();
        let isa = crate::isa::build(&target).unwrap();
        let call_conv = isa.default_call_conv();
        let signature = |ty| {
            let mut s = ir::Signature::new(call_conv);
            s.params.push(AbiParam::new(ty));
            s.returns.push(AbiParam::new(ty));
            s
        };
        let mut func = ir::Function::with_name_signature(ir::UserFuncName::user(0, 0), signature(types::I64));
        let mut builder_ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut builder_ctx);
        let int_sig = b.import_signature(signature(types::I64));
        let float_sig = b.import_signature(signature(types::F64));
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let mut p = b.block_params(entry)[0];
        if slot_bytes > 0 {
            let slot = b.create_sized_stack_slot(ir::StackSlotData::new(
                ir::StackSlotKind::ExplicitSlot,
                slot_bytes,
                4,
            ));
            b.ins().stack_store(types::I64, p, slot, 0);
            p = b.ins().stack_load(types::I64, types::I64, slot, 0);
        }
        let call = |b: &mut FunctionBuilder, sig, arg| {
            let inst = b.ins().call_indirect(sig, p, &[arg]);
            b.inst_results(inst)[0]
        };
        // Each result feeds the next call and is summed only after the last one.
        let mut int_values = vec![p];
        for _ in 0..ints - 1 {
            let last = *int_values.last().unwrap();
            int_values.push(call(&mut b, int_sig, last));
        }
        let last_int = *int_values.last().unwrap();
        let mut float_values = vec![b.ins().fcvt_from_sint(types::F64, last_int)];
        for _ in 0..floats {
            let last = *float_values.last().unwrap();
            float_values.push(call(&mut b, float_sig, last));
        }
        let mut sum = call(&mut b, int_sig, last_int);
        for v in &int_values[1..] {
            sum = b.ins().iadd(sum, *v);
        }
        if floats > 0 {
            let mut fsum = float_values[1];
            for f in &float_values[2..] {
                fsum = b.ins().fadd(fsum, *f);
            }
            let fsum = b.ins().fcvt_to_sint_sat(types::I64, fsum);
            sum = b.ins().iadd(sum, fsum);
        }
        b.ins().return_(&[sum]);
        b.finalize(isa.frontend_config());

        let mut ctx = cranelift_codegen::Context::for_function(func);
        let compiled = ctx.compile(&*isa, &mut ControlPlane::default()).unwrap();
        Frame {
            steps: compiled.buffer.unwind_info.to_vec(),
            code: compiled.code_buffer().to_vec(),
            instructions: super::instruction_ranges(compiled),
            cranelift: compiled.create_unwind_info(&*isa).unwrap(),
        }
    }
}
