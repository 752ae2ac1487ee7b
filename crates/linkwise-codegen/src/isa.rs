//! The Cranelift target ISA for a linkwise target, with the settings every object linkwise writes relies on.

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Arch, Target};

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
    build_with(target, false, false)
}

/// [`build`], with `verify`: whether Cranelift's IR verifier checks every function as it is compiled.
/// Cranelift's own default is on; linkwise turns it off unless asked (`--verify`) or built with debug
/// assertions (debug builds and the tests): it checks linkwise's lowering, not the user's program, which the
/// checker has already checked, and took about 15% of compile time (issue 10's profile; docs/codegen.md
/// "Compiling in parallel").
///
/// `force_frame_pointers` (`--force-frame-pointers=yes`) asks for a frame pointer in every function; without it
/// the target's default decides ([`frame_pointers_by_default`]).
pub(crate) fn build_with(
    target: &Target,
    verify: bool,
    force_frame_pointers: bool,
) -> Result<OwnedTargetIsa, Diagnostic> {
    let frame_pointers = force_frame_pointers || frame_pointers_by_default(target);
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
        // A frame record in every function, leaves included, when asked or when the target requires it.
        ("preserve_frame_pointers", if frame_pointers { "true" } else { "false" }),
    ];
    for (name, value) in settings {
        flags.set(name, value).map_err(|e| internal(&format!("setting `{name}`"), &e))?;
    }
    let builder = cranelift_codegen::isa::lookup_by_name(&target.triple)
        .map_err(|e| internal("no Cranelift backend", &e))?;
    builder.finish(settings::Flags::new(flags)).map_err(|e| internal("building the Cranelift ISA", &e))
}

/// Whether `target` keeps a frame pointer in every function by default: rustc's default for the same target.
///
/// rustc's target specifications (rust-lang/rust, `compiler/rustc_target/src/spec/`) say `FramePointer::Always`
/// for every Apple target (`base/apple/mod.rs`; Apple's arm64 ABI requires x29 to address a valid frame
/// record), `FramePointer::NonLeaf` for aarch64-unknown-linux-gnu (`targets/aarch64_unknown_linux_gnu.rs`,
/// after AAPCS64's frame-pointer section) and aarch64-pc-windows-msvc (`targets/aarch64_pc_windows_msvc.rs`,
/// after Microsoft's arm64 ABI: x29 is required for fast stack walking), and the default `MayOmit` for
/// x86_64 Linux and Windows. Cranelift has one switch, `preserve_frame_pointers` (all functions); without it
/// its aarch64 backend already keeps a frame record in every function that calls or has a frame, and omits it
/// only in leaves without one, which is `NonLeaf`; its x64 backend keeps `push rbp; mov rbp, rsp` in every
/// function either way (docs/codegen.md "Frame pointers"). So only `Always` needs the switch.
pub(crate) fn frame_pointers_by_default(target: &Target) -> bool {
    target.format == linkwise_linkage::Format::MachO
}

/// Where each function starts, in bytes: clang's alignment (`.p2align 4` on x86_64, `.p2align 2` on aarch64,
/// at -O0 and -O2 alike; checked with clang 19), not Cranelift's preferred 32 (chosen for loop-heavy wasm code,
/// wasmtime issue 8573), which padded every function of the 10,000-function benchmark from 99 to 128 bytes on
/// x86_64. A function whose constants need more (16-byte SSE constants) gets that from its code buffer.
pub(crate) fn function_alignment(arch: Arch) -> u32 {
    match arch {
        Arch::X86_64 => 16,
        Arch::Aarch64 => 4,
    }
}
