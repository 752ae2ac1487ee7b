//! The Cranelift target ISA for a linkwise target, with the settings every object linkwise writes relies on.

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use linkwise_ir::Diagnostic;
use linkwise_linkage::{Arch, Target};

/// The cranelift-codegen release linkwise is built with (`linkwise --version --verbose`). Written here, not
/// read by a build script: tests/cli_conventions.rs checks it against Cargo.lock, so it cannot go stale.
pub const CRANELIFT_VERSION: &str = "0.135.8";

/// The `object` release that writes linkwise's objects, checked against Cargo.lock like [`CRANELIFT_VERSION`].
pub const OBJECT_VERSION: &str = "0.40.0";

/// How much Cranelift optimises (`-O0`, `-O1`, `-O2`; `--opt-level`): its `opt_level` setting, one of three.
///
/// Cranelift has no more levels than these; what each changes was measured on the benchmark module
/// (docs/codegen.md "Optimisation levels"). In cranelift-codegen 0.135 the setting decides one thing, whether
/// the e-graph pass runs (`Context::optimize` in its context.rs: `opt_level != OptLevel::None`), so `speed` and
/// `speed_and_size` give the same code; `-O2` still maps to `speed_and_size` so that it follows Cranelift if
/// the two part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OptLevel {
    /// `-O0`: Cranelift's `none`: no e-graph pass (no constant folding, no GVN, no LICM), so each IR
    /// instruction becomes its own machine code.
    None,
    /// `-O1`: Cranelift's `speed`, linkwise's default since issue 1: the e-graph mid-end (constant folding,
    /// GVN, LICM, alias analysis, rewrite rules).
    #[default]
    Speed,
    /// `-O2`: Cranelift's `speed_and_size` (today the same code as `speed`; see above).
    SpeedAndSize,
}

impl OptLevel {
    /// The value of Cranelift's `opt_level` setting.
    pub fn cranelift_name(self) -> &'static str {
        match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        }
    }

    /// The level of `-ON` / `--opt-level=N`: `0`, `1` or `2` (also `s`, as rustc's `-C opt-level=s`, for
    /// `speed_and_size`); `None` for anything else.
    pub fn parse(text: &str) -> Option<OptLevel> {
        match text {
            "0" => Some(OptLevel::None),
            "1" => Some(OptLevel::Speed),
            "2" | "3" | "s" => Some(OptLevel::SpeedAndSize),
            _ => None,
        }
    }
}

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
    build_with(target, false, false, OptLevel::default())
}

/// [`build`], with `verify`: whether Cranelift's IR verifier checks every function as it is compiled.
/// Cranelift's own default is on; linkwise turns it off unless asked (`--verify`) or built with debug
/// assertions (debug builds and the tests): it checks linkwise's lowering, not the user's program, which the
/// checker has already checked, and took about 15% of compile time (issue 10's profile; docs/codegen.md
/// "Compiling in parallel").
///
/// `force_frame_pointers` (`--force-frame-pointers=yes`) asks for a frame pointer in every function; without it
/// the target's default decides ([`frame_pointers_by_default`]). `opt_level` is Cranelift's `opt_level`
/// setting ([`OptLevel`]).
pub(crate) fn build_with(
    target: &Target,
    verify: bool,
    force_frame_pointers: bool,
    opt_level: OptLevel,
) -> Result<OwnedTargetIsa, Diagnostic> {
    let frame_pointers = force_frame_pointers || frame_pointers_by_default(target);
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        Diagnostic::internal(format!("{what} for target `{target}`: {e}"))
    };
    let mut flags = settings::builder();
    let settings = [
        ("opt_level", opt_level.cranelift_name()),
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
