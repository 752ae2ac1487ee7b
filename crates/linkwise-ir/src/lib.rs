//! The linkwise IR: what a user wrote (the [`ast`] model and its [`text`] form), checked into a typed form
//! ([`checked`]) that later stages lower without further questions.
//!
//! The pipeline of this crate is `text::parse` → [`ast::Module`] → [`check::check`] → [`checked::Program`].
//! Every user mistake on the way is a [`diag::Diagnostic`] naming file:line:col; nothing here panics on input.
#![deny(missing_docs)]

pub mod ast;
pub mod build;
pub mod check;
pub mod checked;
pub mod codes;
pub mod diag;
pub mod similar;
pub mod span;
pub mod text;

pub use ast::{ForbiddenChar, LinkKind, LinkModifiers, Modifier, Module, library_name_fault};
pub use diag::{Diagnostic, Diagnostics, RenderOptions, Suggestion, WithSource, set_default_render_options};
pub use span::{SourceFile, Span};

/// Helpers the checker uses stay out of the public API (issue 8: `pub(crate)` by default): each block below
/// must fail to compile with a privacy error, which `cargo test --doc` checks.
///
/// ```compile_fail,E0603
/// let _ = linkwise_ir::ast::MAX_POINTER_BYTES;
/// ```
///
/// ```compile_fail,E0624
/// let _ = linkwise_ir::ast::Type::I32.int_bits();
/// ```
#[cfg(doctest)]
mod crate_private_items {}
