//! The text form of the IR: [`parse`] turns source text into an [`ast::Module`], [`print`] turns a module
//! back into text that parses to an equal module. The grammar is documented in docs/ir.md.

use crate::ast;
use crate::diag::Diagnostics;
use crate::span::SourceFile;

mod lex;
mod parse;
mod print;
#[cfg(test)]
mod tests;

/// Parses a whole source file. Stops at the first syntax error.
pub fn parse(file: &SourceFile) -> Result<ast::Module, Diagnostics> {
    parse::parse_file(file).map_err(Diagnostics::from)
}

/// Prints `module` in canonical form (comments are not kept: the model has none). For every module `m` that
/// parses, `parse(print(m)) == m`.
pub fn print(module: &ast::Module) -> String {
    print::print_module(module)
}
