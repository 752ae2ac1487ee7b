//! The Cranelift target ISA for a linkwise target, with the settings every object linkwise writes relies on.

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use linkwise_ir::Diagnostic;
use linkwise_linkage::Target;

/// Builds the ISA for `target`.
///
/// `is_pic` is on for every target, including COFF, which has no GOT: with it Cranelift reaches every
/// non-colocated symbol through a pointer-slot load, which is exactly the shape of a dllimport access (the
/// `__imp_` slot is that pointer). The object writer then decides, per reference, whether the slot is the real
/// import slot or whether the load becomes an address computation (see `reloc.rs`). docs/codegen.md has the
/// comparison with the alternatives.
///
/// The IR verifier runs as [`build_with`] says for `verify` false (the tests' ISA).
#[cfg(test)]
pub(crate) fn build(target: &Target) -> Result<OwnedTargetIsa, Diagnostic> {
    build_with(target, false)
}

/// [`build`], with `verify`: whether Cranelift's IR verifier checks every function as it is compiled.
/// Cranelift's own default is on; linkwise turns it off unless asked (`--verify`) or built with debug
/// assertions (debug builds and the tests): it checks linkwise's lowering, not the user's program, which the
/// checker has already checked, and took about 15% of compile time (issue 10's profile; docs/codegen.md
/// "Compiling in parallel").
pub(crate) fn build_with(target: &Target, verify: bool) -> Result<OwnedTargetIsa, Diagnostic> {
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        Diagnostic::internal(format!("{what} for target `{target}`: {e}"))
    };
    let mut flags = settings::builder();
    let settings = [
        ("opt_level", "speed"),
        ("is_pic", "true"),
        // Windows x64 requires unwind info (.pdata/.xdata) for every function that is not a leaf.
        ("unwind_info", "true"),
        // Windows commits stack pages one guard page at a time: frames over a page must touch each page in order.
        ("enable_probestack", "true"),
        ("probestack_strategy", "inline"),
        ("enable_verifier", if verify || cfg!(debug_assertions) { "true" } else { "false" }),
    ];
    for (name, value) in settings {
        flags.set(name, value).map_err(|e| internal(&format!("setting `{name}`"), &e))?;
    }
    let builder = cranelift_codegen::isa::lookup_by_name(&target.triple)
        .map_err(|e| internal("no Cranelift backend", &e))?;
    builder.finish(settings::Flags::new(flags)).map_err(|e| internal("building the Cranelift ISA", &e))
}
