//! The text form of the IR (grammar: docs/ir.md): [`parse`] reads an [`ast::Module`], [`print()`] writes one.

use crate::ast;
use crate::diag::Diagnostics;
use crate::span::{SourceFile, Span};

mod lexer;
mod parser;
mod printer;
#[cfg(test)]
mod tests;

/// Parses a whole source file. A file with syntax errors gives every one of them, up to 50 (issue 13).
pub fn parse(file: &SourceFile) -> Result<ast::Module, Diagnostics> {
    parser::parse_module(file).map_err(Diagnostics)
}

/// A module parsed but for its function bodies ([`parse_outline`]).
#[derive(Clone, Debug)]
pub struct Outline {
    /// The module's items; each function's body is empty, its span that of the body's `{ ... }` in the text.
    pub module: ast::Module,
    /// The string literals of the function bodies, in source order: what the checker gives symbols before it
    /// checks any body ([`crate::check::check_declarations`]).
    pub strings: Vec<(Vec<u8>, Span)>,
}

/// Parses `file` but for the bodies of its functions, which are only lexed to find where each ends: the first
/// step of streaming compilation, which then parses each function on its own ([`parse_function`]) as it
/// compiles it.
/// An error is [`parse`]'s error, found with no more than one body parsed at a time; a module whose only
/// syntax errors are inside bodies with balanced braces outlines without error, and the first body that fails
/// [`parse_function`] has [`parse`]'s error.
pub fn parse_outline(file: &SourceFile) -> Result<Outline, Diagnostics> {
    parser::parse_outline(file).map_err(Diagnostics)
}

/// Parses again, body and all, the function of an outline of `file` whose item spans `span` (its `FnDef::span`):
/// what lets a caller keep only the functions' spans once the outline's declarations are checked. The
/// function's attributes are not read again (its `export` is empty).
pub fn parse_function(file: &SourceFile, span: Span) -> Result<ast::FnDef, Diagnostics> {
    parser::parse_function(file, span).map_err(Diagnostics)
}

/// Prints `module` in canonical layout (comments are not kept: the model has none). For every module `m` that
/// parses, `parse(print(m)) == m` and printing that again gives the same text.
pub fn print(module: &ast::Module) -> String {
    printer::print_module(module)
}
