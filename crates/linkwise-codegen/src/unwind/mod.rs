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

pub(crate) use windows_arm64::windows_arm64;
pub(crate) use windows_x64::windows_x64;

use linkwise_ir::Diagnostic;
use linkwise_ir::span::Span;
use linkwise_linkage::Target;
use std::fmt;

/// Why a function's frame cannot be described in its target's unwind encoding: the one error of this module.
/// The reason is a clause that completes "no unwind record: ...", e.g. "the frame saves x19 and x26 as a pair,
/// which no unwind code can describe".
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

impl fmt::Display for Undescribable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}
