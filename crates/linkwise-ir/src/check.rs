//! The checker: resolves names, types every expression and reports every user mistake a module can contain,
//! turning an [`ast::Module`] into a [`checked::Program`](crate::checked::Program). It reports all errors it
//! finds, not just the first.

use crate::ast::{self, BinaryOp, ElemType, ExprKind as A, Init, Item, StaticType, StmtKind, Type, UnaryOp};
use crate::checked::{self as c, BlockId, FuncId, LocalId, Program, SymbolDef, SymbolId};
use crate::diag::{Diagnostic, Diagnostics};
use crate::span::{Span, Spanned};
use std::collections::HashMap;

/// The largest static linkwise lays out (its bytes are built in memory).
const MAX_STATIC_BYTES: u64 = 256 << 20;

/// The work all "a name that exists" suggestions of one check may do, in candidates looked at plus distance
/// cells computed: some milliseconds, and far more than a module written by hand needs (a typo among 1,000
/// names of 20 characters costs about 100,000).
const SUGGESTION_BUDGET: u64 = 1 << 24;

/// Checks `module` and returns its checked form, or every error found.
pub fn check(module: &ast::Module) -> Result<Program, Diagnostics> {
    let (cx, bodies) = Checker::run(module);
    if cx.diags.has_errors() {
        return Err(cx.diags);
    }
    Ok(Program {
        target: module.target.clone(),
        blocks: cx.blocks,
        symbols: cx.symbols,
        functions: bodies,
        warnings: cx.warnings,
    })
}

/// A module's declarations, checked, for checking its function bodies one at a time afterwards, each on its
/// own and on any thread: what streaming compilation needs (issue 10: the whole module's syntax tree and checked
/// bodies never exist at once). Built from an outline ([`crate::text::parse_outline`]): the module's items with
/// function bodies not yet parsed, and the string literals those bodies hold.
///
/// [`check`] and this give the same program (the same symbols in the same order: string literals are numbered
/// in source order both ways, bodies check alike) and the same errors: the declarations' ([`Declared::errors`])
/// followed by each body's in order, when the suggestion budget spent is carried from body to body.
pub struct Declared {
    checker: Checker,
    program: Program,
    /// The symbol of each defined function, in order (`FuncId` order).
    functions: Vec<SymbolId>,
}

/// Checks the declarations of an outline's `module` (every item, function bodies aside), giving their string
/// literals symbols from `strings` (the literals of the bodies, in source order).
pub fn check_declarations(module: &ast::Module, strings: &[(Vec<u8>, Span)]) -> Declared {
    let mut cx = Checker::declare(module);
    for (bytes, span) in strings {
        cx.string_symbol(bytes, *span);
    }
    let functions = module
        .items
        .iter()
        .zip(&cx.item_symbols)
        .filter_map(|(item, id)| match item {
            Item::Fn(_) => *id,
            _ => None,
        })
        .collect();
    // The declarations live as long as the compilation: give back what growing by doubling left over.
    cx.symbols.shrink_to_fit();
    let program = Program {
        target: module.target.clone(),
        blocks: std::mem::take(&mut cx.blocks),
        symbols: std::mem::take(&mut cx.symbols),
        functions: Vec::new(),
        warnings: std::mem::take(&mut cx.warnings),
    };
    Declared { checker: cx, program, functions }
}

impl Declared {
    /// The errors in the declarations (none if they check).
    pub fn errors(&self) -> &Diagnostics {
        &self.checker.diags
    }

    /// The checked declarations: every symbol, with no function bodies (`functions` is empty).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The checked declarations, taken out.
    pub fn into_program(self) -> Program {
        self.program
    }

    /// Checks the body of the module's `index`th defined function, `f` (its item, body parsed): its checked
    /// form, or its errors. `work` is the suggestion budget spent so far, updated: carried from body to body in
    /// order, it makes the errors exactly [`check`]'s (each body may start from 0 when only success matters).
    pub fn check_function(
        &self,
        index: usize,
        f: &ast::FnDef,
        work: &mut u64,
    ) -> Result<c::Function, Diagnostics> {
        let Some(&id) = self.functions.get(index) else {
            return Err(Diagnostic::internal(format!("no function {index} in the module")).into());
        };
        let (body, diags, spent) = FnChecker::check(&self.checker, &self.program.symbols, f, id, *work);
        *work = spent;
        match body {
            Some(body) if !diags.has_errors() => Ok(body),
            _ => Err(diags),
        }
    }
}

/// The string literals of `block`, in source order, appended to `out`.
fn block_strings<'a>(block: &'a ast::Block, out: &mut Vec<(&'a [u8], Span)>) {
    for stmt in &block.stmts {
        match &stmt.kind {
            StmtKind::Let { value, .. } | StmtKind::Assign { value, .. } | StmtKind::Expr(value) => {
                expr_strings(value, out)
            }
            StmtKind::Return(value) => value.iter().for_each(|v| expr_strings(v, out)),
            StmtKind::For { start, end, body, .. } => {
                expr_strings(start, out);
                expr_strings(end, out);
                block_strings(body, out);
            }
            StmtKind::If { cond, then, otherwise } => {
                expr_strings(cond, out);
                block_strings(then, out);
                otherwise.iter().for_each(|b| block_strings(b, out));
            }
        }
    }
}

/// The string literals of `e`, in source order, appended to `out`. Iterative over operands' chains would be
/// needless: the parser bounds expression depth (`MAX_NESTING`).
fn expr_strings<'a>(e: &'a ast::Expr, out: &mut Vec<(&'a [u8], Span)>) {
    match &e.kind {
        A::Str(bytes) => out.push((bytes, e.span)),
        A::Call { args, .. } => args.iter().for_each(|a| expr_strings(a, out)),
        A::Unary(_, inner) | A::Cast(inner, _) => expr_strings(inner, out),
        A::Binary(_, l, r) => {
            expr_strings(l, out);
            expr_strings(r, out);
        }
        A::Int(_) | A::Float(_) | A::Name(_) | A::AddrOf(_) => {}
    }
}

#[derive(Default)]
struct Checker {
    diags: Diagnostics,
    /// Warnings, kept apart from `diags` so that they never fail the check.
    warnings: Vec<Diagnostic>,
    blocks: Vec<c::ExternBlockInfo>,
    symbols: Vec<c::Symbol>,
    /// IR names of imports and definitions.
    globals: HashMap<String, SymbolId>,
    /// String literal bytes to their symbol (deduplicated).
    strings: HashMap<Vec<u8>, SymbolId>,
    /// The symbol of each top-level item that defines one (statics and functions), parallel to the items.
    item_symbols: Vec<Option<SymbolId>>,
    /// Exported symbols with the span of their `#[export_name]` (or `#[export]`), in source order.
    exports: Vec<(SymbolId, Span)>,
    /// The value type of each defined static: `Some` for scalars, `None` for arrays.
    static_types: HashMap<SymbolId, Option<Type>>,
    /// The work spent on suggestions so far, against [`SUGGESTION_BUDGET`].
    suggestion_work: u64,
}

impl Checker {
    /// Checks every item but function bodies: the checker's state afterwards, its diagnostics among it. Statics'
    /// contents are laid out here, so their string literals get symbols before those of any body.
    fn declare(module: &ast::Module) -> Checker {
        let mut cx = Checker::default();
        cx.collect(module);
        cx.check_link_names();
        cx.check_exports();
        for (item, &id) in module.items.iter().zip(&cx.item_symbols.clone()) {
            if let (Item::Static(s), Some(id)) = (item, id) {
                cx.static_def(s, id);
            }
        }
        cx
    }

    /// Checks every item: the checker's state afterwards (its diagnostics among it) and the function bodies
    /// that checked.
    fn run(module: &ast::Module) -> (Checker, Vec<c::Function>) {
        let mut cx = Checker::declare(module);
        // String literals get their symbols in source order before any body is checked, as `Declared` gives
        // them from the outline's list, so both ways of checking a module number them alike.
        let mut strings = Vec::new();
        for item in &module.items {
            if let Item::Fn(f) = item {
                block_strings(&f.body, &mut strings);
            }
        }
        for (bytes, span) in strings {
            cx.string_symbol(bytes, span);
        }
        let mut bodies = Vec::new();
        for (item, &id) in module.items.iter().zip(&cx.item_symbols) {
            if let (Item::Fn(f), Some(id)) = (item, id) {
                let (body, diags, work) = FnChecker::check(&cx, &cx.symbols, f, id, cx.suggestion_work);
                cx.diags.0.extend(diags.0);
                cx.suggestion_work = work;
                bodies.extend(body);
            }
        }
        (cx, bodies)
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn add_symbol(&mut self, name: &ast::Ident, link_name: String, def: SymbolDef) -> SymbolId {
        let id = SymbolId(self.symbols.len() as u32);
        let symbol = c::Symbol {
            name: name.value.clone(),
            link_name,
            span: name.span,
            def,
            export: None,
            ordinal: None,
        };
        self.symbols.push(symbol);
        if let Some(&first) = self.globals.get(&name.value) {
            let first = &self.symbols[first.index()];
            // The same import declared again (typically in another library's block) is a redeclaration, as in C:
            // the name keeps meaning the first one, `check_link_names` makes the declarations agree, and the
            // linkage stage decides whether the libraries' kinds let one call site serve both.
            let both_imports =
                first.def.import_block().is_some() && self.symbols[id.index()].def.import_block().is_some();
            if both_imports && first.link_name == self.symbols[id.index()].link_name {
                return id;
            }
            let first_span = first.span;
            self.error(
                Diagnostic::error(format!("the name `{}` is defined multiple times", name.value))
                    .primary(name.span, format!("`{}` redefined here", name.value))
                    .secondary(first_span, format!("previous definition of `{}` here", name.value)),
            );
        } else {
            self.globals.insert(name.value.clone(), id);
        }
        id
    }

    /// Blocks and every declared or defined symbol, in source order. Static contents and bodies come later,
    /// once every name is known.
    fn collect(&mut self, module: &ast::Module) {
        let mut func_index = 0;
        for item in &module.items {
            match item {
                Item::Extern(block) => {
                    let id = BlockId(self.blocks.len() as u32);
                    let kind = block.link.as_ref().and_then(|l| l.kind.as_ref());
                    let (kind_value, modifiers, modifier_spans) = match &block.link {
                        Some(link) => self.link_modifiers(link),
                        None => (ast::LinkKind::Dylib, crate::LinkModifiers::default(), Vec::new()),
                    };
                    self.blocks.push(c::ExternBlockInfo {
                        library: block.link.as_ref().map(|l| l.name.clone()),
                        kind: kind_value,
                        kind_written: kind.is_some(),
                        kind_span: kind.map(|k| k.span),
                        modifiers,
                        modifier_spans,
                        crt: block.crt.is_some(),
                        span: block
                            .link
                            .as_ref()
                            .map(|l| l.span)
                            .or(block.crt.as_ref().map(|c| c.span))
                            .unwrap_or(block.span),
                    });
                    for decl in &block.items {
                        let link_name = decl
                            .link_name
                            .as_ref()
                            .map_or_else(|| decl.name.value.clone(), |l| l.value.clone());
                        let def = match &decl.kind {
                            ast::ExternItemKind::Fn(sig) => {
                                SymbolDef::ImportFn { block: id, sig: fn_sig(sig) }
                            }
                            ast::ExternItemKind::Static { mutable, ty } => {
                                SymbolDef::ImportStatic { block: id, ty: ty.value, mutable: *mutable }
                            }
                        };
                        let symbol = self.add_symbol(&decl.name, link_name, def);
                        if let Some(ordinal) = &decl.ordinal {
                            self.symbols[symbol.index()].ordinal = self.link_ordinal(ordinal, id, block);
                        }
                    }
                }
                Item::Fn(f) => {
                    let def =
                        SymbolDef::Fn { public: f.public, sig: fn_sig(&f.sig), body: FuncId(func_index) };
                    func_index += 1;
                    let id = self.add_symbol(&f.name, f.name.value.clone(), def);
                    self.symbols[id.index()].export = export_name(&f.export, &f.name.value);
                    self.note_export(id, &f.export);
                    self.item_symbols.push(Some(id));
                    continue;
                }
                Item::Static(s) => {
                    // Contents are laid out by `static_def`; a placeholder keeps source order.
                    let data = c::StaticData { items: Vec::new(), elem: ElemType::U8, relocs: Vec::new() };
                    let def = SymbolDef::Static { public: s.public, mutable: s.mutable, data };
                    let id = self.add_symbol(&s.name, s.name.value.clone(), def);
                    self.symbols[id.index()].export = export_name(&s.export, &s.name.value);
                    self.note_export(id, &s.export);
                    let value_type = match s.ty.value {
                        StaticType::Value(t) => Some(t),
                        StaticType::Array { .. } => None,
                    };
                    self.static_types.insert(id, value_type);
                    self.item_symbols.push(Some(id));
                    continue;
                }
            }
            self.item_symbols.push(None);
        }
    }

    /// `#[link]`'s kind and `modifiers = "..."`, by rustc's rules and in its words (rustc_attr_parsing's
    /// `#[link]` parser): each comma-separated piece is `+NAME` or `-NAME`, NAME one of the four modifiers,
    /// given once, and allowed with the kind ([`ast::Modifier::kind_fault`]; no kind written is no kind, as
    /// in rustc, so `+bundle` needs `kind = "static"` even though the default is `dylib`). Every mistake is
    /// reported, each at its piece inside the literal.
    ///
    /// `static-nobundle` (rustc's old kind, which rustc 1.95 rejects) is still accepted, with rustc's old
    /// deprecation warning, and read as what replaced it: `static` with `-bundle`. As in rustc, the kind then
    /// already sets `bundle`, so a `bundle` modifier is "given twice"; a note says why.
    fn link_modifiers(
        &mut self,
        link: &ast::LinkAttr,
    ) -> (ast::LinkKind, crate::LinkModifiers, Vec<(ast::Modifier, Span)>) {
        let mut modifiers = crate::LinkModifiers::default();
        let mut spans: Vec<(ast::Modifier, Span)> = Vec::new();
        let mut kind = link.kind.as_ref().map(|k| k.value);
        let nobundle = link.kind.as_ref().filter(|k| k.value == ast::LinkKind::StaticNobundle);
        if let Some(written) = nobundle {
            self.warnings.push(
                Diagnostic::warning(
                    "link kind `static-nobundle` has been superseded by specifying modifier `-bundle` with link \
                     kind `static`",
                )
                .primary(written.span, "deprecated: read as `kind = \"static\", modifiers = \"-bundle\"`")
                .help("write `kind = \"static\", modifiers = \"-bundle\"` (rustc 1.95 rejects `static-nobundle`)"),
            );
            kind = Some(ast::LinkKind::Static);
            modifiers.bundle = Some(false);
        }
        let Some(text) = &link.modifiers else {
            return (kind.unwrap_or(ast::LinkKind::Dylib), modifiers, spans);
        };
        for (i, piece) in text.value.split(',').enumerate() {
            let span = link.modifier_spans.get(i).copied().unwrap_or(text.span);
            let (name, on) = match piece.strip_prefix(['+', '-']) {
                Some(name) => (name, piece.starts_with('+')),
                None => {
                    self.error(
                        Diagnostic::error(ast::MODIFIER_SYNTAX_ERROR)
                            .primary(span, "no `+` or `-`")
                            .help("write `modifiers = \"+NAME,-NAME\"`, with no spaces"),
                    );
                    continue;
                }
            };
            let Some(modifier) = ast::Modifier::from_name(name) else {
                self.error(
                    Diagnostic::error(ast::unknown_modifier_error(name)).primary(span, "unknown modifier"),
                );
                continue;
            };
            if let Some(message) = modifier.kind_fault(kind, false) {
                let shown =
                    link.kind.as_ref().map_or("no kind".to_owned(), |k| format!("kind `{}`", k.value));
                let mut d = Diagnostic::error(message).primary(span, format!("not allowed with {shown}"));
                if let Some(k) = &link.kind {
                    d = d.secondary(k.span, "the kind");
                }
                self.error(d);
                continue;
            }
            if modifiers.get(modifier).is_some() {
                let mut d = Diagnostic::error(format!(
                    "multiple `{modifier}` modifiers in a single `modifiers` argument"
                ))
                .primary(span, "given again here");
                match spans.iter().find(|(m, _)| *m == modifier) {
                    Some(&(_, first)) => d = d.secondary(first, "first given here"),
                    None => {
                        if let Some(written) = nobundle {
                            d = d
                                .secondary(written.span, "`static-nobundle` already means `-bundle`")
                                .help("write `kind = \"static\"` with the `bundle` modifier you want");
                        }
                    }
                }
                self.error(d);
                continue;
            }
            *modifiers.slot(modifier) = Some(on);
            spans.push((modifier, span));
        }
        (kind.unwrap_or(ast::LinkKind::Dylib), modifiers, spans)
    }

    /// `#[link_ordinal(N)]`: N fits the 16 bits of a PE export ordinal (rustc's bound and words), is not 0
    /// (LINK.EXE and LIB.EXE refuse ordinal 0 in a `.def` file, so an import library by ordinal 0 is one the
    /// MSVC tools never make), and stands on an item of a `raw-dylib` block, whose import library linkwise
    /// writes from the declarations (rustc's rule; the kind of any other block leaves the ordinal to a vendor's
    /// import library).
    fn link_ordinal(
        &mut self,
        ordinal: &ast::Spanned<u64>,
        block: BlockId,
        ast_block: &ast::ExternBlock,
    ) -> Option<u16> {
        let info = &self.blocks[block.index()];
        if info.kind != ast::LinkKind::RawDylib {
            let kind = if info.crt {
                "a `#[crt]` block, whose kind `--crt` chooses".to_owned()
            } else if info.kind_written {
                format!("a `{}` block", info.kind)
            } else {
                "a block of the default kind, `dylib`".to_owned()
            };
            let mut d = Diagnostic::error("`#[link_ordinal]` is only supported if link kind is `raw-dylib`")
                .primary(ordinal.span, format!("on an item of {kind}"));
            if let Some(k) = ast_block.link.as_ref().and_then(|l| l.kind.as_ref()) {
                d = d.secondary(k.span, "the block's kind");
            }
            self.error(d.help("give the block `kind = \"raw-dylib\"`, or drop the ordinal"));
            return None;
        }
        match u16::try_from(ordinal.value) {
            Ok(0) => {
                self.error(
                    Diagnostic::error("ordinal value in `link_ordinal` must not be zero")
                        .primary(ordinal.span, "ordinals start at 1")
                        .note("LINK.EXE and LIB.EXE refuse ordinal 0 in a `.def` file"),
                );
                None
            }
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    Diagnostic::error(format!(
                        "ordinal value in `link_ordinal` is too large: `{}`",
                        ordinal.value
                    ))
                    .primary(ordinal.span, "does not fit in 16 bits")
                    .note("the value may not exceed `u16::MAX`"),
                );
                None
            }
        }
    }

    /// Records an exported item for [`Checker::check_exports`].
    fn note_export(&mut self, id: SymbolId, export: &ast::Export) {
        let span = export.name.as_ref().map(|n| n.span).or(export.export.as_ref().map(|e| e.span));
        if let Some(span) = span {
            self.exports.push((id, span));
        }
    }

    /// Export names: one item per name (a DLL's export table, and an ELF or Mach-O dynamic symbol table, has
    /// one entry per name), and an `#[export_name]` is not the name of another symbol of the module (a shared
    /// library's alias symbol under that name would then be defined twice, and on COFF `/EXPORT:NAME=SYMBOL`
    /// would export the item under the other symbol's name).
    fn check_exports(&mut self) {
        let mut first: HashMap<&str, (SymbolId, Span)> = HashMap::new();
        let mut found = Vec::new();
        let mut shared = std::collections::HashSet::new();
        for &(id, span) in &self.exports {
            let Some(name) = self.symbols[id.index()].export.as_deref() else { continue };
            match first.get(name) {
                Some(&(other, other_span)) => {
                    shared.insert(name);
                    found.push((name, Diagnostic::error(format!(
                    "the export name `{name}` is given to both `{}` and `{}`",
                    self.symbols[other.index()].name,
                    self.symbols[id.index()].name
                ))
                .primary(span, format!("`{}` exported as `{name}` here", self.symbols[id.index()].name))
                .secondary(other_span, format!("`{}` exported as `{name}` here", self.symbols[other.index()].name))
                .help("a library exports one symbol per name: give one of them another `#[export_name]`")));
                }
                None => {
                    first.insert(name, (id, span));
                }
            }
        }
        let by_link: HashMap<&str, SymbolId> = self
            .symbols
            .iter()
            .enumerate()
            .filter(|(_, s)| !matches!(s.def, SymbolDef::Str { .. }))
            .map(|(i, s)| (s.link_name.as_str(), SymbolId(i as u32)))
            .collect();
        for &(id, span) in &self.exports {
            let symbol = &self.symbols[id.index()];
            let Some(name) = symbol.export.as_deref() else { continue };
            // Two exports of one name are reported once, above.
            if shared.contains(name) {
                continue;
            }
            let Some(&other) = by_link.get(name).filter(|&&o| o != id) else { continue };
            let other = &self.symbols[other.index()];
            found.push((
                name,
                Diagnostic::error(format!(
                    "`{}` is exported as `{name}`, which is the name of {} `{}`",
                    symbol.name,
                    if other.def.import_block().is_some() { "the imported symbol" } else { "the symbol" },
                    other.name
                ))
                .primary(span, format!("`{}` exported as `{name}`", symbol.name))
                .secondary(other.span, format!("`{name}` is this symbol"))
                .help("an export name is a symbol name too: choose one no other item has"),
            ));
        }
        let found: Vec<Diagnostic> = found.into_iter().map(|(_, d)| d).collect();
        for d in found {
            self.error(d);
        }
    }

    /// Two declarations of one link name must agree; a link name cannot be both imported and defined.
    fn check_link_names(&mut self) {
        let mut first_by_link: HashMap<&str, usize> = HashMap::new();
        let mut found = Vec::new();
        for (i, s) in self.symbols.iter().enumerate() {
            match first_by_link.get(s.link_name.as_str()) {
                None => {
                    first_by_link.insert(&s.link_name, i);
                }
                Some(&j) => found.push((j, i)),
            }
        }
        for (j, i) in found {
            let (a, b) = (&self.symbols[j], &self.symbols[i]);
            let d = match (&a.def, &b.def) {
                (SymbolDef::ImportFn { sig: x, .. }, SymbolDef::ImportFn { sig: y, .. }) if x == y => {
                    continue;
                }
                (
                    SymbolDef::ImportStatic { ty: x, mutable: m, .. },
                    SymbolDef::ImportStatic { ty: y, mutable: n, .. },
                ) if x == y && m == n => continue,
                (SymbolDef::ImportFn { .. } | SymbolDef::ImportStatic { .. }, SymbolDef::ImportFn { .. })
                | (
                    SymbolDef::ImportFn { .. } | SymbolDef::ImportStatic { .. },
                    SymbolDef::ImportStatic { .. },
                ) => Diagnostic::error(format!("`{}` is declared twice with different types", b.link_name))
                    .primary(b.span, "declared here")
                    .secondary(a.span, "and differently here")
                    .help("one symbol has one signature: make the declarations agree"),
                // Names that differ only by #[link_name]: an import of a symbol this module defines.
                _ if a.name != b.name => Diagnostic::error(format!(
                    "`{}` is both imported and defined in this module",
                    b.link_name
                ))
                .primary(b.span, "")
                .secondary(a.span, "")
                .help("remove the extern declaration, or rename the definition"),
                // Same IR name: already reported as a duplicate definition.
                _ => continue,
            };
            self.error(d);
        }
    }

    fn lookup(&self, name: &str) -> Option<SymbolId> {
        self.globals.get(name).copied()
    }

    fn string_symbol(&mut self, bytes: &[u8], span: Span) -> SymbolId {
        if let Some(&id) = self.strings.get(bytes) {
            return id;
        }
        let id = SymbolId(self.symbols.len() as u32);
        // Target-neutral: the object writer adds the target's private-symbol prefix (`.Lstr.0`, `l_str.0`). The
        // dot keeps it apart from every name a module can declare.
        let name = format!("str.{}", self.strings.len());
        self.symbols.push(c::Symbol {
            name: name.clone(),
            link_name: name,
            span,
            def: SymbolDef::Str { bytes: bytes.to_vec() },
            export: None,
            ordinal: None,
        });
        self.strings.insert(bytes.to_vec(), id);
        id
    }

    /// Suggests a global or local name close to `name`: within an edit distance of 2 (and less than the
    /// name's length), the nearest, ties broken by name.
    ///
    /// Bounded, since a typo must never be slow (issue 7: a 100,000-character name took 16 s): a candidate
    /// whose length differs by more than the limit costs nothing beyond a comparison of lengths, the others
    /// only a band of cells around the diagonal of the distance table (linear, not |a| * |b|), and all the
    /// suggestions of one check share [`SUGGESTION_BUDGET`], which counts candidates looked at and cells
    /// computed, so many unknown names among many candidates stay linear too. A search the budget cannot
    /// finish suggests nothing. What each search costs does not depend on the order candidates come in, so
    /// neither does the output.
    fn suggestion<'n>(
        &self,
        name: &str,
        locals: impl Iterator<Item = &'n str>,
        work: &mut u64,
    ) -> Option<(String, &'static str)> {
        let limit = 2.min(name.len().saturating_sub(1));
        let mut best: Option<(usize, String, bool)> = None;
        let globals = self.globals.keys().map(|g| (g.as_str(), false));
        for (candidate, local) in locals.map(|l| -> (&str, bool) { (l, true) }).chain(globals) {
            if *work >= SUGGESTION_BUDGET {
                return None;
            }
            *work += 1;
            let Some(d) = edit_distance_within(name.as_bytes(), candidate.as_bytes(), limit, work) else {
                continue;
            };
            if best.as_ref().is_none_or(|(bd, bc, _)| (d, candidate) < (*bd, bc.as_str())) {
                best = Some((d, candidate.to_owned(), local));
            }
        }
        if *work > SUGGESTION_BUDGET {
            return None;
        }
        // rustc's wording (E0425's "a local variable with a similar name exists").
        best.map(|(_, c, local)| {
            (
                c,
                if local {
                    "a local variable with a similar name exists"
                } else {
                    "an item with a similar name exists"
                },
            )
        })
    }

    // ----- statics -----

    fn static_def(&mut self, s: &ast::StaticDef, id: SymbolId) {
        if let Some(data) = self.layout(s)
            && let SymbolDef::Static { data: slot, .. } = &mut self.symbols[id.index()].def
        {
            *slot = data;
        }
    }

    fn layout(&mut self, s: &ast::StaticDef) -> Option<c::StaticData> {
        let mut data = Layout { items: Vec::new(), relocs: Vec::new() };
        let ok = match (s.ty.value, &s.init) {
            (StaticType::Value(ty), init) => self.scalar_init(ty, init, &mut data),
            (StaticType::Array { elem, len }, init) => self.array_init(s, elem, len, init, &mut data),
        };
        if !ok {
            return None;
        }
        let elem = match s.ty.value {
            StaticType::Value(t) => ElemType::Value(t),
            StaticType::Array { elem, .. } => elem,
        };
        Some(c::StaticData { items: data.items, elem, relocs: data.relocs })
    }

    fn scalar_init(&mut self, ty: Type, init: &Init, out: &mut Layout) -> bool {
        match init {
            Init::Const(e) => self.const_element(e, ty, out),
            Init::AddrOf(name) => {
                let e = ast::Expr { kind: A::AddrOf(name.clone()), span: name.span };
                self.const_element(&e, ty, out)
            }
            Init::Str(bytes) => {
                let e = ast::Expr { kind: A::Str(bytes.value.clone()), span: bytes.span };
                self.const_element(&e, ty, out)
            }
            Init::List(_, span) | Init::Repeat(_, _, span) => {
                self.error(
                    Diagnostic::error(format!("an array initializer for a static of type `{ty}`"))
                        .primary(*span, "")
                        .help("give the static an array type, e.g. `[i32]` or `[i32; 4]`"),
                );
                false
            }
        }
    }

    fn array_init(
        &mut self,
        s: &ast::StaticDef,
        elem: ElemType,
        len: Option<u64>,
        init: &Init,
        out: &mut Layout,
    ) -> bool {
        let (count, init_span) = match init {
            Init::Str(b) => (b.value.len() as u64, b.span),
            Init::List(items, span) => (items.len() as u64, *span),
            Init::Repeat(_, n, span) => (n.value, *span),
            Init::Const(e) => {
                self.error(
                    Diagnostic::error("expected an array initializer")
                        .primary(e.span, "a single value")
                        .help("write `[a, b, c]`, `[value; count]`, or a string for `[u8]`"),
                );
                return false;
            }
            Init::AddrOf(name) => {
                self.error(
                    Diagnostic::error("expected an array initializer").primary(name.span, "an address"),
                );
                return false;
            }
        };
        if let Some(n) = len
            && n != count
        {
            self.error(
                Diagnostic::error(format!(
                    "the array has length {n}, but its initializer has {count} elements"
                ))
                .primary(init_span, format!("{count} elements"))
                .secondary(s.ty.span, format!("length {n}")),
            );
            return false;
        }
        if count.saturating_mul(u64::from(elem.max_size())) > MAX_STATIC_BYTES {
            self.error(
                Diagnostic::error(format!("static `{}` is too large", s.name.value))
                    .primary(init_span, format!("{count} elements"))
                    .note(format!("linkwise lays out statics of at most {} MiB", MAX_STATIC_BYTES >> 20)),
            );
            return false;
        }
        match (init, elem) {
            (Init::Str(b), ElemType::U8) => {
                out.items.push(c::DataItem::Bytes(b.value.clone()));
                true
            }
            (Init::Str(b), ElemType::Value(t)) => {
                self.error(
                    Diagnostic::error(format!("a string initializes `[u8]`, not `[{t}]`"))
                        .primary(b.span, ""),
                );
                false
            }
            (Init::List(items, _), _) => items.iter().all(|e| self.array_element(e, elem, out)),
            (Init::Repeat(e, n, _), _) => {
                // One element, repeated when the target lays the static out.
                let (before, relocs) = (std::mem::take(&mut out.items), out.relocs.len());
                if !self.array_element(e, elem, out) {
                    return false;
                }
                let element = std::mem::replace(&mut out.items, before);
                if n.value == 0 {
                    out.relocs.truncate(relocs);
                } else {
                    out.items.push(c::DataItem::Repeat { items: element, count: n.value });
                }
                true
            }
            _ => false,
        }
    }

    fn array_element(&mut self, e: &ast::Expr, elem: ElemType, out: &mut Layout) -> bool {
        match elem {
            ElemType::U8 => match const_int(e) {
                Some(v) if (0..=255).contains(&v) => {
                    match out.items.last_mut() {
                        Some(c::DataItem::Bytes(bytes)) => bytes.push(v as u8),
                        _ => out.items.push(c::DataItem::Bytes(vec![v as u8])),
                    }
                    true
                }
                Some(v) => {
                    self.error(
                        Diagnostic::error(format!("`{v}` does not fit in `u8`"))
                            .primary(e.span, "expected 0 to 255"),
                    );
                    false
                }
                None => {
                    self.error(Diagnostic::error("expected an integer from 0 to 255").primary(e.span, ""));
                    false
                }
            },
            ElemType::Value(t) => self.const_element(e, t, out),
        }
    }

    /// Lays out one constant of type `ty`: a literal, or for `ptr` an address (`&NAME`, a string) or 0.
    fn const_element(&mut self, e: &ast::Expr, ty: Type, out: &mut Layout) -> bool {
        let reloc_target = match (&e.kind, ty) {
            (A::AddrOf(name), Type::Ptr) => match self.lookup(&name.value) {
                Some(id) if !matches!(self.symbols[id.index()].def, SymbolDef::Str { .. }) => Some(id),
                _ => {
                    self.error(
                        Diagnostic::error(format!("cannot find static or function `{}`", name.value))
                            .primary(name.span, "not found in this module"),
                    );
                    return false;
                }
            },
            (A::Str(bytes), Type::Ptr) => Some(self.string_symbol(bytes, e.span)),
            (A::AddrOf(_) | A::Str(_), _) => {
                self.error(
                    Diagnostic::error(format!("mismatched types: expected `{ty}`, found `ptr`"))
                        .primary(e.span, "an address")
                        .help("addresses go in statics of type `ptr`"),
                );
                return false;
            }
            _ => None,
        };
        if let Some(target) = reloc_target {
            out.relocs.push(c::DataReloc { target, span: e.span });
            out.items.push(c::DataItem::Addr(out.relocs.len() - 1));
            return true;
        }
        match literal_value(e, ty) {
            Ok(LiteralValue::Int(value)) => {
                out.items.push(c::DataItem::Int { ty, value });
                true
            }
            Ok(LiteralValue::Float(x)) => {
                out.items.push(if ty == Type::F32 {
                    c::DataItem::F32((x as f32).to_bits())
                } else {
                    c::DataItem::F64(x.to_bits())
                });
                true
            }
            Err(d) => {
                self.error(d);
                false
            }
        }
    }
}

/// A static's initializer while it is checked: target-neutral items (checked.rs `StaticData`).
struct Layout {
    items: Vec<c::DataItem>,
    relocs: Vec<c::DataReloc>,
}

struct LocalInfo {
    name: String,
    ty: Type,
    mutable: bool,
    is_param: bool,
    span: Span,
    /// Bound by a `let` whose value had an error and no declared type: its type is unknown, so a use of it
    /// is given up on silently (issue 13: a poisoned name produces no further errors).
    poisoned: bool,
}

/// Checks one function body. Errors are reported as found; `Err(())` means "reported, give up on this
/// construct".
struct FnChecker<'a> {
    /// The module's names (globals, statics' types, string literals), read only: bodies are checked apart.
    cx: &'a Checker,
    /// Every symbol of the module.
    symbols: &'a [c::Symbol],
    /// The errors found in this body.
    diags: Diagnostics,
    /// The suggestion work spent so far, against [`SUGGESTION_BUDGET`].
    work: u64,
    locals: Vec<LocalInfo>,
    /// The locals declared in each open scope, innermost last; closing a scope takes them off `in_scope`.
    scopes: Vec<Vec<LocalId>>,
    /// For each name, the locals of that name in open scopes, latest last: the last is what the name means,
    /// found in one probe. Walking every scope instead made a function of n locals check in n² (20,000
    /// `let a = S;` took 2.9 s; review of issue 7/8).
    in_scope: HashMap<String, Vec<LocalId>>,
    ret: Option<Type>,
    failed: bool,
}

type R<T> = Result<T, ()>;

/// "mismatched types" for `e` where `ty` is needed, with the cast that converts it: as an edit when `e`
/// needs no parentheses for it, else as a help line.
fn mismatch(e: &c::Expr, ty: Type) -> Diagnostic {
    let d = Diagnostic::error(format!("mismatched types: expected `{ty}`, found `{}`", e.ty))
        .with_code("LW0408")
        .primary(e.span, format!("expected `{ty}`, found `{}`", e.ty));
    let atomic = matches!(
        e.kind,
        c::ExprKind::Int(_)
            | c::ExprKind::Float(_)
            | c::ExprKind::Local(_)
            | c::ExprKind::Load(_)
            | c::ExprKind::Call(..)
    );
    let numeric = |t: Type| t.is_int() || t.is_float();
    let castable = numeric(e.ty) && numeric(ty);
    if atomic && castable && !e.span.is_dummy() {
        let end = Span { start: e.span.end, end: e.span.end };
        d.suggest(end, format!(" as {ty}"), format!("you can convert an `{}` to an `{ty}`", e.ty))
    } else {
        d.help(format!("convert with `as {ty}`"))
    }
}

impl<'a> FnChecker<'a> {
    /// Checks the body of `f`, whose symbol is `symbol`, against the module's names in `cx` and `symbols`, with
    /// `work` of the suggestion budget spent before it: the checked function (`None` if it has errors), the
    /// errors, and the budget spent after it.
    fn check(
        cx: &'a Checker,
        symbols: &'a [c::Symbol],
        f: &ast::FnDef,
        symbol: SymbolId,
        work: u64,
    ) -> (Option<c::Function>, Diagnostics, u64) {
        let mut fx = FnChecker {
            cx,
            symbols,
            diags: Diagnostics::default(),
            work,
            locals: Vec::new(),
            scopes: vec![Vec::new()],
            in_scope: HashMap::new(),
            ret: f.sig.ret.as_ref().map(|t| t.value),
            failed: false,
        };
        let mut params = Vec::new();
        for p in &f.sig.params {
            match &p.name {
                Some(name) => params.push(fx.declare(name, p.ty.value, false, true)),
                None => fx.error(
                    Diagnostic::error("a defined function's parameters need names").primary(p.ty.span, ""),
                ),
            }
        }
        let body = fx.block(&f.body);
        if let Some(ret) = fx.ret
            && !definitely_returns(&f.body.stmts)
        {
            fx.error(
                Diagnostic::error(format!(
                    "function `{}` may reach its end without returning a value of type `{ret}`",
                    f.name.value
                ))
                .primary(f.name.span, "")
                .help("end it with `return ...;`"),
            );
        }
        if fx.failed {
            return (None, fx.diags, fx.work);
        }
        let locals = fx.locals.into_iter().map(|l| c::Local { name: l.name, ty: l.ty }).collect();
        (Some(c::Function { symbol, params, locals, body }), fx.diags, fx.work)
    }

    fn error(&mut self, d: Diagnostic) {
        self.failed = true;
        self.diags.push(d);
    }

    fn declare(&mut self, name: &ast::Ident, ty: Type, mutable: bool, is_param: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        let poisoned = false;
        self.locals.push(LocalInfo {
            name: name.value.clone(),
            ty,
            mutable,
            is_param,
            span: name.span,
            poisoned,
        });
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(id);
            self.in_scope.entry(name.value.clone()).or_default().push(id);
        }
        id
    }

    /// The local `name` means here: the latest declared in the innermost open scope that has one.
    fn local(&self, name: &str) -> Option<LocalId> {
        count_lookup_work(1);
        self.in_scope.get(name).and_then(|ids| ids.last()).copied()
    }

    fn open_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Ends the innermost scope: each of its locals was the latest of its name when the scope closes (later
    /// ones were in scopes already closed), so popping each name's stack uncovers the outer local.
    fn close_scope(&mut self) {
        for id in self.scopes.pop().unwrap_or_default().into_iter().rev() {
            let name = &self.locals[id.index()].name;
            if let Some(ids) = self.in_scope.get_mut(name) {
                debug_assert_eq!(ids.last(), Some(&id));
                ids.pop();
                if ids.is_empty() {
                    self.in_scope.remove(name);
                }
            }
        }
    }

    /// `d` with the edit that replaces `name` by the closest name that exists, if there is one.
    fn suggest(&mut self, d: Diagnostic, name: &ast::Ident) -> Diagnostic {
        // Every local in scope, shadowed ones too, in declaration order: the suggestion budget counts each.
        let locals = self.scopes.iter().flatten().map(|id| self.locals[id.index()].name.as_str());
        match self.cx.suggestion(&name.value, locals, &mut self.work) {
            Some((candidate, message)) => d.suggest(name.span, candidate, message),
            None => d,
        }
    }

    fn block(&mut self, block: &ast::Block) -> Vec<c::Stmt> {
        self.open_scope();
        let stmts = block.stmts.iter().filter_map(|s| self.stmt(s).ok()).collect();
        self.close_scope();
        stmts
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> R<c::Stmt> {
        match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let hint = ty.as_ref().map(|t| t.value);
                let checked = self.expr(value, hint).and_then(|value| match ty {
                    Some(t) => self.expect_declared(&value, t).map(|()| value),
                    None => Ok(value),
                });
                match checked {
                    Ok(value) => {
                        let id = self.declare(name, value.ty, *mutable, false);
                        Ok(c::Stmt::Set(id, value))
                    }
                    Err(()) => {
                        // The name is bound all the same, so that its uses report nothing more (issue 13: `let
                        // x: i64 = tolower(65);` also said "cannot find value `x`"): with its declared type, as
                        // rustc does, or poisoned when it has none.
                        let id = self.declare(name, hint.unwrap_or(Type::I32), *mutable, false);
                        self.locals[id.index()].poisoned = hint.is_none();
                        Err(())
                    }
                }
            }
            StmtKind::Assign { target, value } => self.assign(target, value),
            StmtKind::Return(value) => match (value, self.ret) {
                (None, None) => Ok(c::Stmt::Return(None)),
                (Some(v), Some(ret)) => {
                    let v = self.expr(v, Some(ret))?;
                    self.expect(&v, ret)?;
                    Ok(c::Stmt::Return(Some(v)))
                }
                (None, Some(ret)) => {
                    self.error(
                        Diagnostic::error(format!("`return;` in a function that returns `{ret}`"))
                            .primary(stmt.span, format!("expected a value of type `{ret}`")),
                    );
                    Err(())
                }
                (Some(v), None) => {
                    self.error(
                        Diagnostic::error("a value is returned from a function that returns nothing")
                            .primary(v.span, "")
                            .help("add `-> TYPE` to the signature, or write `return;`"),
                    );
                    Err(())
                }
            },
            StmtKind::For { var, start, end, body } => {
                let (start, end) = self.operands(start, end, None)?;
                let ty = start.ty;
                if !ty.is_int() {
                    self.error(
                        Diagnostic::error(format!("a `for` loop counts over integers, not `{ty}`"))
                            .primary(start.span.to(end.span), ""),
                    );
                    return Err(());
                }
                self.open_scope();
                let var = self.declare(var, ty, false, false);
                let body = self.block(body);
                self.close_scope();
                Ok(c::Stmt::For { var, start, end, body })
            }
            StmtKind::If { cond, then, otherwise } => {
                let cond = self.expr(cond, None)?;
                if !cond.ty.is_int() {
                    self.error(
                        Diagnostic::error(format!("an `if` condition is an integer, not `{}`", cond.ty))
                            .primary(cond.span, "")
                            .help("compare explicitly, e.g. `x != 0`"),
                    );
                    return Err(());
                }
                let then = self.block(then);
                let otherwise = otherwise.as_ref().map(|b| self.block(b)).unwrap_or_default();
                Ok(c::Stmt::If { cond, then, otherwise })
            }
            StmtKind::Expr(e) => match &e.kind {
                A::Call { callee, args } => {
                    let (callee, args, _) = self.call(e, callee, args)?;
                    Ok(c::Stmt::Call(callee, args))
                }
                _ => Ok(c::Stmt::Expr(self.expr(e, None)?)),
            },
        }
    }

    fn assign(&mut self, target: &ast::Ident, value: &ast::Expr) -> R<c::Stmt> {
        if let Some(id) = self.local(&target.value)
            && self.locals[id.index()].poisoned
        {
            // Its type is unknown: only the value's own errors are reported.
            self.expr(value, None)?;
            return Err(());
        }
        if let Some(id) = self.local(&target.value) {
            let (ty, mutable, is_param, span) = {
                let l = &self.locals[id.index()];
                (l.ty, l.mutable, l.is_param, l.span)
            };
            if !mutable {
                let help = if is_param {
                    "parameters are immutable: copy it into a `let mut` first".to_owned()
                } else {
                    format!("make it `let mut {}`", target.value)
                };
                self.error(
                    Diagnostic::error(format!(
                        "cannot assign twice to immutable variable `{}`",
                        target.value
                    ))
                    .primary(target.span, "cannot assign twice")
                    .secondary(span, "declared immutable here")
                    .help(help),
                );
                return Err(());
            }
            let v = self.expr(value, Some(ty))?;
            self.expect(&v, ty)?;
            return Ok(c::Stmt::Set(id, v));
        }
        let Some(sym) = self.cx.lookup(&target.value) else {
            let d = Diagnostic::error(format!("cannot find variable or static `{}`", target.value))
                .primary(target.span, "not found in this scope");
            let d = self.suggest(d, target);
            self.error(d);
            return Err(());
        };
        let symbol = &self.symbols[sym.index()];
        let decl = symbol.span;
        let ty = match &symbol.def {
            SymbolDef::ImportStatic { ty, mutable: true, .. } => *ty,
            SymbolDef::Static { mutable: true, .. } => match self.static_value_type(sym) {
                Some(t) => t,
                None => {
                    self.error(
                        Diagnostic::error(format!("cannot assign to array static `{}`", target.value))
                            .primary(target.span, ""),
                    );
                    return Err(());
                }
            },
            SymbolDef::ImportStatic { .. } | SymbolDef::Static { .. } => {
                self.error(
                    Diagnostic::error(format!("cannot assign to immutable static `{}`", target.value))
                        .primary(target.span, "")
                        .secondary(decl, "declared without `mut`")
                        .help(format!("declare it `static mut {}`", target.value)),
                );
                return Err(());
            }
            _ => {
                self.error(
                    Diagnostic::error(format!("cannot assign to function `{}`", target.value))
                        .primary(target.span, ""),
                );
                return Err(());
            }
        };
        let v = self.expr(value, Some(ty))?;
        self.expect(&v, ty)?;
        Ok(c::Stmt::Store(sym, v))
    }

    /// The value type of a defined scalar static (`None` for arrays). Found from its definition's layout.
    fn static_value_type(&self, sym: SymbolId) -> Option<Type> {
        self.cx.static_types.get(&sym).copied().flatten()
    }

    /// Requires `e` to have type `ty`.
    fn expect(&mut self, e: &c::Expr, ty: Type) -> R<()> {
        if e.ty == ty {
            return Ok(());
        }
        self.error(mismatch(e, ty));
        Err(())
    }

    /// Requires the value of a `let` to have its declared type `ty`, which is labelled as rustc labels it.
    fn expect_declared(&mut self, e: &c::Expr, ty: &Spanned<Type>) -> R<()> {
        if e.ty == ty.value {
            return Ok(());
        }
        self.error(mismatch(e, ty.value).secondary(ty.span, "expected due to this"));
        Err(())
    }

    /// Two operands of one type: an operand made only of literals takes the other operand's type, whichever
    /// side it is on. So the one with a type of its own is checked first (issue 7: `(1 + 2) * x` with `x: i8`
    /// was `i32` against `i8`, while `x * (1 + 2)` compiled).
    fn operands(&mut self, l: &ast::Expr, r: &ast::Expr, hint: Option<Type>) -> R<(c::Expr, c::Expr)> {
        let (l, r) = if takes_type_from_context(l) && !takes_type_from_context(r) {
            let r = self.expr(r, hint)?;
            (self.expr(l, Some(r.ty))?, r)
        } else {
            let l = self.expr(l, hint)?;
            let r = self.expr(r, Some(l.ty))?;
            (l, r)
        };
        self.expect(&r, l.ty)?;
        Ok((l, r))
    }

    /// An expression, which must have a value: `hint` is the type its context expects, which literals take.
    fn expr(&mut self, e: &ast::Expr, hint: Option<Type>) -> R<c::Expr> {
        let span = e.span;
        let done = |kind, ty| Ok(c::Expr { kind, ty, span });
        match &e.kind {
            A::Int(_) | A::Float(_) => self.literal(e, hint),
            A::Unary(UnaryOp::Neg, inner) if is_literal(inner) => self.literal(e, hint),
            A::Str(bytes) => {
                // Every literal got its symbol before bodies were checked (`check`, `Declared`).
                let Some(&sym) = self.cx.strings.get(bytes) else {
                    let what = "a string literal without a symbol: the outline missed it";
                    self.error(Diagnostic::internal(what).primary(span, ""));
                    return Err(());
                };
                done(c::ExprKind::Addr(sym), Type::Ptr)
            }
            A::Name(name) => {
                if let Some(id) = self.local(&name.value) {
                    let local = &self.locals[id.index()];
                    if local.poisoned {
                        // Already reported where it was bound.
                        return Err(());
                    }
                    let ty = local.ty;
                    return done(c::ExprKind::Local(id), ty);
                }
                let sym = self.global(name, "value")?;
                match &self.symbols[sym.index()].def {
                    SymbolDef::ImportStatic { ty, .. } => {
                        let ty = *ty;
                        done(c::ExprKind::Load(sym), ty)
                    }
                    SymbolDef::Static { .. } => match self.static_value_type(sym) {
                        Some(ty) => done(c::ExprKind::Load(sym), ty),
                        None => {
                            self.error(
                                Diagnostic::error(format!("array static `{}` used as a value", name.value))
                                    .primary(span, "")
                                    .help(format!("take its address with `&{}`", name.value)),
                            );
                            Err(())
                        }
                    },
                    _ => {
                        self.error(
                            Diagnostic::error(format!("function `{}` used as a value", name.value))
                                .primary(span, "")
                                .help(format!(
                                    "use `&{0}` for its address, or call it: `{0}(...)`",
                                    name.value
                                )),
                        );
                        Err(())
                    }
                }
            }
            A::AddrOf(name) => {
                if self.local(&name.value).is_some() {
                    self.error(
                        Diagnostic::error(format!("cannot take the address of local `{}`", name.value))
                            .primary(span, "")
                            .note(
                                "locals live in registers; put the value in a static to give it an address",
                            ),
                    );
                    return Err(());
                }
                let sym = self.global(name, "static or function")?;
                done(c::ExprKind::Addr(sym), Type::Ptr)
            }
            A::Call { callee, args } => {
                let (sym, args, ret) = self.call(e, callee, args)?;
                let Some(ty) = ret else {
                    self.error(
                        Diagnostic::error(format!("`{}` returns nothing, so it has no value", callee.value))
                            .primary(span, ""),
                    );
                    return Err(());
                };
                done(c::ExprKind::Call(sym, args), ty)
            }
            A::Unary(op, inner) => {
                let v = self.expr(inner, hint)?;
                let ty = v.ty;
                let ok = match op {
                    UnaryOp::Neg => ty.is_int() || ty.is_float(),
                    UnaryOp::Not => ty.is_int(),
                };
                if !ok {
                    self.error(
                        Diagnostic::error(format!("cannot apply `{}` to `{ty}`", op.as_str()))
                            .primary(span, ""),
                    );
                    return Err(());
                }
                done(c::ExprKind::Unary(*op, Box::new(v)), ty)
            }
            A::Binary(op, l, r) => {
                let operand_hint = if op.is_comparison() { None } else { hint };
                let (l, r) = self.operands(l, r, operand_hint)?;
                let ty = l.ty;
                let allowed = match op {
                    BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                        ty.is_int() || ty.is_float()
                    }
                    BinaryOp::Rem
                    | BinaryOp::And
                    | BinaryOp::Or
                    | BinaryOp::Xor
                    | BinaryOp::Shl
                    | BinaryOp::Shr => ty.is_int(),
                    BinaryOp::Eq | BinaryOp::Ne => true,
                    BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => ty != Type::Ptr,
                };
                if !allowed {
                    let mut d = Diagnostic::error(format!("cannot apply `{}` to `{ty}`", op.as_str()))
                        .primary(span, "");
                    if ty == Type::Ptr {
                        d = d.help("cast to an integer with `as i64`");
                    }
                    self.error(d);
                    return Err(());
                }
                if let Some(why) = certain_trap(*op, ty, &l, &r) {
                    self.error(Diagnostic::error("this operation will panic at runtime").primary(span, why));
                    return Err(());
                }
                let result = if op.is_comparison() { Type::I32 } else { ty };
                done(c::ExprKind::Binary(*op, Box::new(l), Box::new(r)), result)
            }
            A::Cast(inner, to) => {
                let v = self.expr(inner, None)?;
                let from = v.ty;
                let to = to.value;
                if (from == Type::Ptr && to.is_float()) || (from.is_float() && to == Type::Ptr) {
                    self.error(
                        Diagnostic::error(format!("cannot cast `{from}` to `{to}`")).primary(span, ""),
                    );
                    return Err(());
                }
                done(c::ExprKind::Cast(Box::new(v)), to)
            }
        }
    }

    fn literal(&mut self, e: &ast::Expr, hint: Option<Type>) -> R<c::Expr> {
        let is_float = float_literal(e).is_some();
        let ty = match hint {
            Some(t) if t.is_int() || t.is_float() => t,
            _ if is_float => Type::F64,
            _ => Type::I32,
        };
        match literal_value(e, ty) {
            Ok(LiteralValue::Int(v)) => Ok(c::Expr { kind: c::ExprKind::Int(v), ty, span: e.span }),
            Ok(LiteralValue::Float(x)) => {
                // For `f32`, `x` is already the literal rounded to `f32` (widened exactly).
                Ok(c::Expr { kind: c::ExprKind::Float(x), ty, span: e.span })
            }
            Err(d) => {
                self.error(d);
                Err(())
            }
        }
    }

    fn global(&mut self, name: &ast::Ident, what: &str) -> R<SymbolId> {
        match self.cx.lookup(&name.value) {
            Some(id) => Ok(id),
            None => {
                let d = Diagnostic::error(format!("cannot find {what} `{}` in this module", name.value))
                    .with_code("LW0425")
                    .primary(name.span, "not found");
                let d = self.suggest(d, name);
                self.error(d);
                Err(())
            }
        }
    }

    /// A call, as an expression or a statement: the callee, the checked arguments and the callee's return
    /// type (`None` when it returns nothing, which only a statement may call).
    fn call(
        &mut self,
        e: &ast::Expr,
        callee: &ast::Ident,
        args: &[ast::Expr],
    ) -> R<(SymbolId, Vec<c::Expr>, Option<Type>)> {
        if self.local(&callee.value).is_some() {
            self.error(
                Diagnostic::error(format!("`{}` is a local variable, not a function", callee.value))
                    .primary(callee.span, ""),
            );
            return Err(());
        }
        let sym = self.global(callee, "function")?;
        let symbol = &self.symbols[sym.index()];
        let decl = symbol.span;
        let sig = match &symbol.def {
            SymbolDef::ImportFn { sig, .. } | SymbolDef::Fn { sig, .. } => sig.clone(),
            _ => {
                self.error(
                    Diagnostic::error(format!("`{}` is a static, not a function", callee.value))
                        .primary(callee.span, "")
                        .secondary(decl, "declared here"),
                );
                return Err(());
            }
        };
        if sig.params.len() != args.len() {
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            self.error(
                Diagnostic::error(format!(
                    "this function takes {} argument{} but {} argument{} {} supplied",
                    sig.params.len(),
                    plural(sig.params.len()),
                    args.len(),
                    plural(args.len()),
                    if args.len() == 1 { "was" } else { "were" }
                ))
                .primary(e.span, "")
                .secondary(decl, format!("`{}` declared here", callee.value)),
            );
            return Err(());
        }
        let mut checked = Vec::with_capacity(args.len());
        let mut ok = true;
        for (arg, &ty) in args.iter().zip(&sig.params) {
            match self.expr(arg, Some(ty)).and_then(|a| self.expect(&a, ty).map(|()| a)) {
                Ok(a) => checked.push(a),
                Err(()) => ok = false,
            }
        }
        if !ok {
            return Err(());
        }
        Ok((sym, checked, sig.ret))
    }
}

/// Why an integer `/` or `%` with literal operands is certain to trap when it runs, as rustc's
/// `unconditional_panic` lint finds: a divisor of zero (both operators), or the type's minimum divided by
/// -1, whose quotient does not fit (`sdiv` traps on it; `srem` gives 0, so `MIN % -1` is left alone).
fn certain_trap(op: BinaryOp, ty: Type, l: &c::Expr, r: &c::Expr) -> Option<String> {
    let bits = ty.int_bits()?;
    let c::ExprKind::Int(divisor) = r.kind else {
        return None;
    };
    // The minimum sign-extended, as checked `Int`s are stored.
    let min = i64::MIN >> (64 - bits);
    let dividend_is_min = matches!(l.kind, c::ExprKind::Int(v) if v == min);
    match op {
        BinaryOp::Div if divisor == 0 => Some("attempt to divide by zero".to_owned()),
        BinaryOp::Rem if divisor == 0 => {
            Some("attempt to calculate the remainder with a divisor of zero".to_owned())
        }
        BinaryOp::Div if divisor == -1 && dividend_is_min => {
            Some(format!("attempt to compute `{ty}::MIN / -1`, which would overflow"))
        }
        // Every operator is named, so that one added later must be decided here. Of the rest only `/` and `%`
        // trap at all (docs/ir.md "Division and remainder"), and not with these operands.
        BinaryOp::Div
        | BinaryOp::Rem
        | BinaryOp::Add
        | BinaryOp::Sub
        | BinaryOp::Mul
        | BinaryOp::And
        | BinaryOp::Or
        | BinaryOp::Xor
        | BinaryOp::Shl
        | BinaryOp::Shr
        | BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge => None,
    }
}

fn fn_sig(sig: &ast::Signature) -> c::FnSig {
    c::FnSig {
        params: sig.params.iter().map(|p| p.ty.value).collect(),
        ret: sig.ret.as_ref().map(|t| t.value),
    }
}

/// Whether a statement list returns on every path: it ends in `return`, or in an `if`/`else` whose branches both
/// do. (Loops may run zero times, so they never count.)
fn definitely_returns(stmts: &[ast::Stmt]) -> bool {
    match stmts.last().map(|s| &s.kind) {
        Some(StmtKind::Return(_)) => true,
        Some(StmtKind::If { then, otherwise: Some(otherwise), .. }) => {
            definitely_returns(&then.stmts) && definitely_returns(&otherwise.stmts)
        }
        _ => stmts.iter().any(|s| matches!(s.kind, StmtKind::Return(_))),
    }
}

fn is_literal(e: &ast::Expr) -> bool {
    match &e.kind {
        A::Int(_) | A::Float(_) => true,
        A::Unary(UnaryOp::Neg, inner) => is_literal(inner),
        _ => false,
    }
}

/// Whether `e` is built only from literals with unary and non-comparison binary operators: then, as for a
/// Rust integer or float inference variable, its type is whatever its context needs (`i32` or `f64` when
/// nothing says). Comparisons are always `i32`, and casts, names and calls have types of their own. The
/// walk stops at the first node with a type; the parser bounds the tree's height.
fn takes_type_from_context(e: &ast::Expr) -> bool {
    match &e.kind {
        A::Int(_) | A::Float(_) => true,
        A::Unary(_, inner) => takes_type_from_context(inner),
        A::Binary(op, l, r) => {
            !op.is_comparison() && takes_type_from_context(l) && takes_type_from_context(r)
        }
        _ => false,
    }
}

/// The integer value of a constant expression (a literal, possibly negated), if it is one.
fn const_int(e: &ast::Expr) -> Option<i128> {
    match &e.kind {
        A::Int(v) => Some(i128::from(*v)),
        A::Unary(UnaryOp::Neg, inner) => const_int(inner).map(|v| -v),
        _ => None,
    }
}

/// A float literal under any number of `-` (`- -1.5`, which `is_literal` also accepts), with whether an odd
/// number of them negate it. Issue 11's generator found `- -1.5` rejected as "expected a constant" when only
/// one `-` was looked through. The parser bounds the depth.
fn float_literal(e: &ast::Expr) -> Option<(ast::FloatLit, bool)> {
    match &e.kind {
        A::Float(x) => Some((*x, false)),
        A::Unary(UnaryOp::Neg, inner) => float_literal(inner).map(|(x, negated)| (x, !negated)),
        _ => None,
    }
}

enum LiteralValue {
    Int(i64),
    /// For `f32`, the `f32` value widened (exactly) to `f64`.
    Float(f64),
}

/// The value of a literal (possibly negated) as type `ty`, range-checked.
fn literal_value(e: &ast::Expr, ty: Type) -> Result<LiteralValue, Diagnostic> {
    if let Some((x, negated)) = float_literal(e) {
        // Each width is the literal's text rounded once (see `FloatLit`); negation is exact.
        let value = match ty {
            Type::F64 => x.f64,
            Type::F32 if x.f32.is_finite() => f64::from(x.f32),
            Type::F32 => {
                // Like an integer that does not fit, and like `1e400` for `f64` (rustc denies it too),
                // rather than a silent infinity.
                return Err(Diagnostic::error("literal out of range for `f32`")
                    .primary(e.span, format!("`f32` holds at most {:e} in magnitude", f32::MAX)));
            }
            _ => {
                return Err(Diagnostic::error(format!(
                    "mismatched types: expected `{ty}`, found a float literal"
                ))
                .primary(e.span, "")
                .help(format!("convert with `as {ty}`")));
            }
        };
        return Ok(LiteralValue::Float(if negated { -value } else { value }));
    }
    let Some(v) = const_int(e) else {
        return Err(Diagnostic::error(format!("expected a constant of type `{ty}`"))
            .primary(e.span, "not a literal")
            .note("static initializers are literals, `&NAME` or strings"));
    };
    if ty.is_float() {
        return Err(Diagnostic::error(format!(
            "mismatched types: expected `{ty}`, found an integer literal"
        ))
        .primary(e.span, "")
        .help(format!("write `{v}.0`")));
    }
    if ty == Type::Ptr {
        if v == 0 {
            return Ok(LiteralValue::Int(0));
        }
        return Err(Diagnostic::error("mismatched types: expected `ptr`, found an integer literal")
            .primary(e.span, "")
            .help(format!("convert with `{v} as ptr`")));
    }
    let Some(bits) = ty.int_bits() else {
        return Err(Diagnostic::internal(format!("an integer literal typed `{ty}`")).primary(e.span, ""));
    };
    let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    if v < min || v > max {
        return Err(Diagnostic::error(format!("literal out of range for `{ty}`"))
            .primary(e.span, format!("`{ty}` holds {min} to {max}")));
    }
    Ok(LiteralValue::Int(v as i64))
}

/// The Levenshtein distance between `a` and `b` if it is at most `limit`, else `None`; adds the cells it
/// computes to `work`.
///
/// Only cells within `limit` of the diagonal can hold a distance of at most `limit`, so each row keeps just
/// that band, `2 * limit + 1` cells (cell `k` of row `i` is column `i + k - limit`), and treats the rest as
/// "too far"; a row whose band is all too far ends the search. Time is linear in the length and memory
/// constant; lengths that differ by more than `limit` cost nothing. Bytes, not characters: names are ASCII.
fn edit_distance_within(a: &[u8], b: &[u8], limit: usize, work: &mut u64) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let far = limit + 1;
    let width = 2 * limit + 1;
    // One more cell than the band, always `far`: the previous row's cell right of the band.
    let mut prev = vec![far; width + 1];
    let mut cur = vec![far; width + 1];
    // Row 0: the distance from the empty prefix of `a` to b[..j] is j.
    for (k, cell) in prev.iter_mut().enumerate().take(width) {
        if let Some(j) = k.checked_sub(limit).filter(|&j| j <= b.len()) {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        let mut row_min = far;
        for k in 0..width {
            // Column j = i + k - limit; `None` left of the table.
            let d = match (i + k).checked_sub(limit) {
                None => far,
                Some(j) if j > b.len() => far,
                Some(0) => i,
                Some(j) => {
                    // In band coordinates the previous row's column j - 1 is cell k, and its column j is k + 1.
                    let substitute = prev[k] + usize::from(a[i - 1] != b[j - 1]);
                    let insert = if k > 0 { cur[k - 1] + 1 } else { far };
                    substitute.min(prev[k + 1] + 1).min(insert)
                }
            };
            cur[k] = d.min(far);
            row_min = row_min.min(cur[k]);
        }
        *work += width as u64;
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    // Column b.len() of the last row; in the band because the lengths differ by at most `limit`.
    Some(prev[b.len() + limit - a.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
thread_local! {
    /// Entries a local lookup looked at on this thread: tests bound it per lookup.
    static LOOKUP_WORK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `n` entries looked at by a local lookup (nothing outside tests).
fn count_lookup_work(_n: u64) {
    #[cfg(test)]
    LOOKUP_WORK.with(|w| w.set(w.get() + _n));
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;

/// The name a defined item is exported under: `#[export_name]`'s, or its own with `#[export]` alone.
fn export_name(export: &ast::Export, name: &str) -> Option<String> {
    match (&export.name, &export.export) {
        (Some(alias), _) => Some(alias.value.clone()),
        (None, Some(_)) => Some(name.to_owned()),
        (None, None) => None,
    }
}
