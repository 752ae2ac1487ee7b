//! The lossless side of the text form: where every token and comment of a source file is, which the syntax
//! tree does not keep. `linkwise fmt` prints the tree and puts the comments back by source position
//! (docs/cli.md "fmt": issue 13 item 2).

use super::lexer;
use crate::ast;
use crate::diag::Diagnostics;
use crate::span::{SourceFile, Span};

/// Which of the two comment forms of docs/ir.md "Lexical structure" a comment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommentKind {
    /// `// ...` to the end of its line (the line break is not part of it).
    Line,
    /// `/* ... */`, nested ones included; it may span lines.
    Block,
}

/// One comment: its kind and the bytes it covers, delimiters included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Comment {
    /// Line or block.
    pub kind: CommentKind,
    /// From its `//` or `/*` to its last character (the `*/`, or the end of the line).
    pub span: Span,
}

/// The tokens and comments of a file, each list in source order; whitespace is what lies between them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trivia {
    /// Every token's span (the target triple is one token).
    pub tokens: Vec<Span>,
    /// Every comment.
    pub comments: Vec<Comment>,
}

impl Trivia {
    /// Whether a comment starts inside `span`.
    pub(crate) fn comment_in(&self, span: Span) -> bool {
        let first = self.comments.partition_point(|c| c.span.start < span.start);
        self.comments.get(first).is_some_and(|c| c.span.start < span.end)
    }

    /// The index of the token that starts at `pos`, if one does.
    fn token_at(&self, pos: u32) -> Option<usize> {
        self.tokens.binary_search_by_key(&pos, |t| t.start).ok()
    }

    /// The start of the token `back` tokens before the one at `pos`; `pos` itself when there is none (a
    /// module built in code, whose spans are not in any text).
    pub(crate) fn start_before(&self, pos: u32, back: usize) -> u32 {
        self.token_at(pos).and_then(|i| i.checked_sub(back)).map_or(pos, |i| self.tokens[i].start)
    }

    /// The end of the first token at or after `pos`; `pos` when there is none.
    pub(crate) fn end_of_next(&self, pos: u32) -> u32 {
        let i = self.tokens.partition_point(|t| t.start < pos);
        self.tokens.get(i).map_or(pos, |t| t.end)
    }
}

/// Lexes `file` again, recording its tokens and comments; `module` is what [`super::parse`] made of it (its
/// target triple is lexed by a rule of its own). An error is the file's first lexical error.
pub fn trivia(file: &SourceFile, module: &ast::Module) -> Result<Trivia, Diagnostics> {
    let text = file.text();
    let (tokens, comments) =
        lexer::scan(text, module.target.as_ref().map(|t| t.span)).map_err(Diagnostics::from)?;
    let comments = comments
        .into_iter()
        .map(|span| {
            let kind = if text.as_bytes().get(span.start as usize + 1) == Some(&b'*') {
                CommentKind::Block
            } else {
                CommentKind::Line
            };
            Comment { kind, span }
        })
        .collect();
    Ok(Trivia { tokens, comments })
}
