//! Link-kind resolution: which library each imported symbol comes from once the command line's `-l`
//! overrides are applied (RFC 1717, with rustc's rules), and therefore how machine code reaches it.
//!
//! The stage's input is a [`linkwise_ir::checked::Program`], a [`Target`] and the parsed [`LinkSpec`]s; its
//! output is one [`LinkPlan`]: the libraries to link, in order, and a row per imported symbol saying its
//! library, its effective kind and its [`Access`].
#![deny(missing_docs)]

pub mod crt;
pub mod directives;
pub mod plan;
pub mod spec;
pub mod target;

pub use crt::CrtMode;
pub use directives::{Directive, DirectiveOptions, directives};
pub use plan::{Access, ImportCalls, ImportRow, KindOrigin, LibraryRow, LinkPlan, ResolveOptions, resolve};
pub use spec::LinkSpec;
pub use target::{Arch, Format, Target};

/// Facts only this crate asks a target for, and the phrase its messages use, stay out of the public API
/// (issue 8: `pub(crate)` by default): each block below must fail to compile with a privacy error, which
/// `cargo test --doc` checks. Other crates ask for [`Target::data_layout`].
///
/// ```compile_fail,E0624
/// let _ = linkwise_linkage::Target::default_target().pointer_size();
/// ```
///
/// ```compile_fail,E0624
/// let _ = linkwise_linkage::Target::default_target().big_endian();
/// ```
///
/// ```compile_fail,E0624
/// let _ = linkwise_linkage::Access::Direct.describe(&linkwise_linkage::Target::default_target());
/// ```
#[cfg(doctest)]
mod crate_private_items {}

/// What the unit tests of this crate share.
#[cfg(test)]
mod testing {
    /// `rendered` without the codes in its headlines (`error[LW0301]: ` is `error: `): these tests are about
    /// the words; tests/diagnostics.rs checks the codes.
    pub(crate) fn without_codes(rendered: String) -> String {
        let mut out = String::new();
        let mut rest = rendered.as_str();
        while let Some(at) = rest.find("[LW") {
            out.push_str(&rest[..at]);
            let coded = rest.get(at + 7..at + 10) == Some("]: ");
            rest = if coded {
                &rest[at + 8..]
            } else {
                out.push_str("[LW");
                &rest[at + 3..]
            };
        }
        out.push_str(rest);
        out
    }
}
