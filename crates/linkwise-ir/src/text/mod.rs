//! The text form of the IR (grammar: docs/ir.md): [`parse`] reads an [`ast::Module`], [`print()`] writes one,
//! and [`format()`] rewrites a source file in that layout, keeping its comments ([`trivia()`] finds them).

use crate::ast;
use crate::diag::Diagnostics;
use crate::span::{SourceFile, Span};

mod lexer;
mod parser;
mod printer;
#[cfg(test)]
mod tests;
mod trivia;

pub use trivia::{Comment, CommentKind, Trivia, trivia};

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

/// Prints `module` in canonical layout (comments are not kept: the model has none; [`format()`] keeps a file's).
/// For every module `m` that parses, `parse(print(m)) == m` and printing that again gives the same text.
pub fn print(module: &ast::Module) -> String {
    printer::print_module(module, None)
}

/// `linkwise fmt`: `file` in canonical layout with its comments kept where they were (before the line of the
/// item, declaration or statement they preceded, at the end of the line they ended, before the `}` of the
/// block they closed) and single blank lines between declarations and statements kept (docs/cli.md "fmt").
/// The result parses to a module equal to `file`'s, and formatting it again changes nothing. An error is
/// [`parse`]'s.
pub fn format(file: &SourceFile) -> Result<String, Diagnostics> {
    let module = parse(file)?;
    let trivia = trivia(file, &module)?;
    let text = printer::print_module(&module, Some((file.text(), &trivia)));
    // The printer's promise, checked on every use: `fmt --write` replaces the user's file with this text, so
    // text that would not parse back to the same module is never handed out.
    let again = SourceFile::new(file.name(), text.as_str());
    if parse(&again).ok().as_ref() != Some(&module) {
        return Err(Diagnostics::from(crate::diag::Diagnostic::internal(
            "the formatted text does not parse back to the same module",
        )));
    }
    Ok(text)
}
