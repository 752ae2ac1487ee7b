//! The checker: resolves names, types every expression and reports every user mistake a module can
//! contain, turning an [`ast::Module`] into a [`checked::Program`].

use crate::ast;
use crate::checked;
use crate::diag::Diagnostics;

/// Checks `module` and returns its checked form, or every error found.
pub fn check(module: &ast::Module) -> Result<checked::Program, Diagnostics> {
    let _ = module;
    todo!("written by the checker task")
}
