//! The text form of the IR (grammar: docs/ir.md): [`parse`] reads an [`ast::Module`], [`print()`] writes one.

use crate::ast;
use crate::diag::Diagnostics;
use crate::span::SourceFile;

mod lexer;
mod parser;
mod printer;
#[cfg(test)]
mod tests;

/// Parses a whole source file. Stops at the first syntax error, which is the one diagnostic returned.
pub fn parse(file: &SourceFile) -> Result<ast::Module, Diagnostics> {
    parser::parse_module(file).map_err(|d| Diagnostics::from(*d))
}

/// Prints `module` in canonical layout (comments are not kept: the model has none). For every module `m` that
/// parses, `parse(print(m)) == m` and printing that again gives the same text.
pub fn print(module: &ast::Module) -> String {
    printer::print_module(module)
}
