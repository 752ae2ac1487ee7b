//! The link plan: RFC 1717's library ↔ symbol association after `-l` overrides, as one table saying, for every
//! imported symbol, its library, its effective kind and how code reaches it.

use crate::spec::LinkSpec;
use crate::target::{Format, Target};
use linkwise_ir::checked::{BlockId, Program, SymbolDef, SymbolId};
use linkwise_ir::{Diagnostic, Diagnostics, LinkKind, LinkModifiers, Modifier, Span};
use std::collections::{BTreeMap, HashMap, HashSet, hash_map};
use std::fmt;

/// How machine code reaches a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// The symbol's own address, by a PC-relative relocation (a direct call, or an address computation).
    /// Used for everything the module defines, and on Windows for symbols of static libraries.
    Direct,
    /// Through the pointer in the symbol's import slot, `__imp_NAME`, which the loader fills in: Windows'
    /// dllimport, for symbols of dynamic libraries.
    ImportSlot,
    /// ELF and Mach-O: through the symbol's GOT entry, which the dynamic loader fills in. Data from other
    /// modules always; functions too with `--no-plt`.
    Got,
    /// ELF and Mach-O: a direct call that the static linker routes through a PLT entry (ELF) or a stub
    /// (Mach-O) when the function turns out to live in a shared library.
    Plt,
}

/// How calls to imported functions are made on ELF and Mach-O, where the link kind does not decide it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ImportCalls {
    /// `call f` through the linker's PLT or stub (what clang does by default).
    #[default]
    Plt,
    /// `call *f@GOTPCREL(%rip)`: load the address from the GOT and call it, no PLT (clang's `-fno-plt`).
    Got,
}

impl Access {
    /// A short phrase for messages, in the words of `target`'s tools (the PLT on ELF, a stub on Mach-O).
    pub(crate) fn describe(self, target: &Target) -> String {
        match self {
            Access::Direct => "reached directly".to_owned(),
            Access::ImportSlot => "reached through its `__imp_` slot (dllimport)".to_owned(),
            Access::Got => "reached through its GOT entry".to_owned(),
            Access::Plt => format!("called through {}", target.call_stub()),
        }
    }
}

/// Where a library's effective kind came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindOrigin {
    /// Nothing said it: `dylib`, the default (no `kind` in `#[link]`, or no `#[link]` at all).
    Default,
    /// `#[link(kind = ...)]` in the module.
    Declared,
    /// The command line: a `-l` argument as written, `-l` included, or `--crt MODE` for the library of
    /// `#[crt]` blocks.
    CommandLine(String),
}

impl fmt::Display for KindOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KindOrigin::Default => f.write_str("default"),
            KindOrigin::Declared => f.write_str("#[link]"),
            KindOrigin::CommandLine(spec) => f.write_str(spec),
        }
    }
}

/// A library to link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryRow {
    /// The library's name after any `-l` rename.
    pub name: String,
    /// Its name in the module, when a `-l NAME:NEWNAME` renamed it; `None` otherwise.
    pub renamed_from: Option<String>,
    /// Its effective kind.
    pub kind: LinkKind,
    /// Where the kind came from.
    pub kind_origin: KindOrigin,
    /// Its link modifiers, the module's merged with `-l`'s modifier by modifier (a modifier a later `-l`
    /// writes wins; one it does not write keeps the module's value). `static-nobundle` is `static` here, with
    /// `bundle` `Some(false)`.
    pub modifiers: LinkModifiers,
    /// Whether it is the C runtime of a `#[crt]` block, chosen by `--crt` (its name and kind are
    /// [`crate::CrtMode::library`]'s; a `#[link]` block naming the same library with the same kind and
    /// modifiers shares the row).
    pub crt: bool,
    /// The extern blocks that name it (empty for a library only the command line adds).
    pub blocks: Vec<BlockId>,
}

impl LibraryRow {
    /// Whether the library is bundled into a static library built from this module (`--emit lib`): a
    /// `static` library unless `-bundle` (rustc's default), never `static-nobundle` or a DLL.
    pub fn bundle(&self) -> bool {
        match self.kind {
            LinkKind::Static => self.modifiers.bundle.unwrap_or(true),
            LinkKind::StaticNobundle | LinkKind::Dylib | LinkKind::RawDylib => false,
        }
    }

    /// Whether every member of the (static) library is linked, referenced or not (`+whole-archive`).
    pub fn whole_archive(&self) -> bool {
        self.modifiers.whole_archive.unwrap_or(false)
    }

    /// Whether `name` is the library's file name exactly (`+verbatim`), with no `lib`/`.lib`/`.a` added.
    pub fn verbatim(&self) -> bool {
        self.modifiers.verbatim.unwrap_or(false)
    }

    /// `+as-needed` / `-as-needed` when written; `None` leaves the linker's default.
    pub fn as_needed(&self) -> Option<bool> {
        self.modifiers.as_needed
    }

    /// How `target`'s linker is told to link the library by name: [`Target::library_argument`] with the row's
    /// `+verbatim` (`NAME.lib`, `-lNAME`; verbatim `NAME` for lld-link, `-l:NAME` for ld.lld).
    pub fn link_argument(&self, target: &Target) -> String {
        target.library_argument(&self.name, self.verbatim())
    }
}

/// The modifier values a library is linked by, each with its default applied: what decides whether two
/// `#[link]` entries of one name and kind are one library row. `as-needed` keeps "not written" apart, since
/// the linker's default then applies.
fn effective_modifiers(kind: LinkKind, m: &LinkModifiers) -> (bool, bool, bool, Option<bool>) {
    let bundle = match kind {
        LinkKind::Static => m.bundle.unwrap_or(true),
        LinkKind::StaticNobundle | LinkKind::Dylib | LinkKind::RawDylib => false,
    };
    (bundle, m.whole_archive.unwrap_or(false), m.verbatim.unwrap_or(false), m.as_needed)
}

/// One imported symbol and how it is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// The symbol.
    pub symbol: SymbolId,
    /// Its name in the IR.
    pub name: String,
    /// Its name in the object file (before target mangling).
    pub link_name: String,
    /// Where it was declared.
    pub span: Span,
    /// The library it comes from after renames; `None` for an extern block without `#[link]`.
    pub library: Option<String>,
    /// The kind the module declared for that library (`dylib` when not written).
    pub declared_kind: LinkKind,
    /// The kind after `-l` overrides.
    pub kind: LinkKind,
    /// Where `kind` came from.
    pub kind_origin: KindOrigin,
    /// How code reaches the symbol on the plan's target.
    pub access: Access,
}

/// The result of link-kind resolution for one module and target.
#[derive(Clone, Debug)]
pub struct LinkPlan {
    /// The target the plan is for.
    pub target: Target,
    /// Libraries to link, in link order (libraries mentioned by `-l` move to the end, as in rustc, so that what
    /// they depend on is seen first).
    pub libraries: Vec<LibraryRow>,
    /// Imported symbols, in source order.
    pub imports: Vec<ImportRow>,
    /// The C runtime mode `#[crt]` blocks were resolved for.
    pub crt: crate::CrtMode,
    /// Warnings about the command line's `-l` (deprecated spellings: `static-nobundle=`), in argument order.
    /// The module's own warnings are [`Program::warnings`].
    pub warnings: Vec<Diagnostic>,
    /// Access of every symbol of the program, by `SymbolId` (defined symbols are always `Direct`).
    access: Vec<Access>,
}

/// What the command line decides about resolution besides the `-l` specs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// PLT or GOT calls for imported functions on ELF and Mach-O (`--no-plt`); no effect on Windows.
    pub calls: ImportCalls,
    /// `--crt`: the library and kind of `#[crt]` blocks.
    pub crt: crate::CrtMode,
}

impl LinkPlan {
    /// How code reaches `symbol`. Symbols the module defines are always reached directly.
    pub fn access(&self, symbol: SymbolId) -> Access {
        self.access.get(symbol.index()).copied().unwrap_or(Access::Direct)
    }
}

/// The row of `symbol` in `imports`, which are in symbol order (one per imported symbol, pushed as the program's
/// symbols are walked): a binary search, so looking up every import is not quadratic.
fn import_row(imports: &[ImportRow], symbol: SymbolId) -> Option<&ImportRow> {
    let i = imports.binary_search_by_key(&symbol.index(), |row| row.symbol.index()).ok()?;
    Some(&imports[i])
}

/// One `#[link]` entry while `-l` specs are applied (rustc keeps one per attribute too).
struct Entry {
    name: String,
    declared_name: Option<String>,
    kind: LinkKind,
    origin: KindOrigin,
    modifiers: LinkModifiers,
    /// The spec (by index) that set each modifier a spec set, for messages.
    modifier_specs: Vec<(Modifier, usize)>,
    /// The library of `#[crt]` blocks.
    crt: bool,
    blocks: Vec<BlockId>,
}

impl Entry {
    fn new(name: &str, kind: LinkKind, origin: KindOrigin, blocks: Vec<BlockId>) -> Entry {
        Entry {
            name: name.to_owned(),
            declared_name: None,
            kind,
            origin,
            modifiers: LinkModifiers::default(),
            modifier_specs: Vec::new(),
            crt: false,
            blocks,
        }
    }

    /// The entry a spec that matches no library adds.
    fn added_by(spec: &LinkSpec, index: usize) -> Entry {
        let name = spec.new_name.as_ref().unwrap_or(&spec.name);
        let origin = match spec.kind {
            Some(_) => KindOrigin::CommandLine(spec.to_string()),
            None => KindOrigin::Default,
        };
        let mut entry = Entry::new(name, spec.kind.unwrap_or(LinkKind::Dylib), origin, Vec::new());
        entry.modifiers = spec.modifiers;
        entry.modifier_specs = spec.modifiers.written().map(|(m, _)| (m, index)).collect();
        entry
    }
}

/// Applies `specs` to the libraries `program` declares and decides every imported symbol's access on `target`.
///
/// The rules are rustc's for `-l [KIND=]NAME[:NEWNAME]` (RFC 1717):
/// - a spec whose NAME matches a library the module declares overrides that library's kind (if KIND is given)
///   and name (if NEWNAME is given), for every extern block naming it, and moves it to the end of the link order;
///   specs apply in order and match the library's current name, so a later spec can refer to a new name;
/// - a spec naming a library the module does not declare adds it to the link (kind `dylib` unless given);
/// - renaming a library the module does not declare, or renaming one library twice, is an error.
///
/// After the overrides, a symbol declared in two extern blocks whose libraries end up reached differently is an
/// error: one call site cannot be shaped both ways. So is storing the address of DLL data in a static, which
/// only the loader knows.
///
/// `options.calls` chooses PLT or GOT calls for imported functions on ELF and Mach-O; it does not matter on
/// Windows. `options.crt` chooses the library of `#[crt]` blocks.
pub fn resolve(
    program: &Program,
    target: &Target,
    specs: &[LinkSpec],
    options: ResolveOptions,
) -> Result<LinkPlan, Diagnostics> {
    let calls = options.calls;
    let mut diags = Diagnostics::default();

    // `#[crt]` blocks link the C runtime `--crt` chooses for the target's format; the others their `#[link]`.
    let (crt_name, crt_kind) = options.crt.library(target.format);
    let crt_origin = KindOrigin::CommandLine(format!("--crt {}", options.crt));
    let declared: Vec<Entry> = program
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, block)| {
            let blocks = vec![BlockId(i as u32)];
            if block.crt {
                let mut entry = Entry::new(crt_name, crt_kind, crt_origin.clone(), blocks);
                entry.crt = true;
                return Some(entry);
            }
            let library = block.library.as_ref()?;
            let origin = if block.kind_written { KindOrigin::Declared } else { KindOrigin::Default };
            let mut entry = Entry::new(&library.value, block.kind, origin, blocks);
            entry.modifiers = block.modifiers;
            Some(entry)
        })
        .collect();

    if program.blocks.iter().any(|b| b.crt) {
        check_crt_specs(specs, crt_name, crt_kind, options.crt, &mut diags);
    }

    // Renames are checked against the names the module declares, before any spec applies (as rustc does).
    let declared_names: HashSet<&str> = declared.iter().map(|e| e.name.as_str()).collect();
    let mut renamed = HashSet::new();
    for spec in specs.iter().filter(|s| s.new_name.is_some()) {
        if !declared_names.contains(spec.name.as_str()) {
            diags.push(
                Diagnostic::error(format!(
                    "`{spec}` renames library `{}`, but no extern block in this module links it",
                    spec.name
                ))
                .note(format!(
                    "renaming applies to libraries named by `#[link(name = ...)]`; `{}` is not",
                    spec.name
                ))
                .help(format!("to add `{}` to the link, drop the `:NEWNAME` part", spec.name)),
            );
        } else if !renamed.insert(spec.name.as_str()) {
            diags.push(
                Diagnostic::error(format!("library `{}` is renamed more than once", spec.name))
                    .note(format!("the second rename is `{spec}`"))
                    .help("keep one `-l NAME:NEWNAME` per library"),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let entries = apply_specs(declared, specs);
    check_modifiers_after_specs(program, &entries, specs, &mut diags);
    check_raw_dylib_target(program, target, &entries, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }

    // Each block's effective library; blocks without #[link] keep the default dylib kind.
    let mut block_lib: Vec<Option<usize>> = vec![None; program.blocks.len()];
    for (e, entry) in entries.iter().enumerate() {
        for block in &entry.blocks {
            block_lib[block.index()] = Some(e);
        }
    }

    let mut access = vec![Access::Direct; program.symbols.len()];
    let mut imports = Vec::new();
    for (id, symbol) in program.symbols() {
        let Some(block) = symbol.def.import_block() else { continue };
        let declared = &program.blocks[block.index()];
        let entry = block_lib.get(block.index()).copied().flatten().map(|e| &entries[e]);
        let (library, kind, kind_origin) = match entry {
            Some(e) => (Some(e.name.clone()), e.kind, e.origin.clone()),
            None => (None, LinkKind::Dylib, KindOrigin::Default),
        };
        let reached = access_for(target, kind, symbol.def.is_function(), calls);
        access[id.index()] = reached;
        imports.push(ImportRow {
            symbol: id,
            name: symbol.name.clone(),
            link_name: symbol.link_name.clone(),
            span: symbol.span,
            library,
            declared_kind: declared.kind,
            kind,
            kind_origin,
            access: reached,
        });
    }

    check_conflicting_imports(target, &imports, &mut diags);
    check_static_addresses(program, &access, &imports, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }

    let libraries = dedup_libraries(entries);
    Ok(LinkPlan {
        target: target.clone(),
        libraries,
        imports,
        crt: options.crt,
        warnings: specs.iter().filter_map(|s| s.warning.clone()).collect(),
        access,
    })
}

/// Applies the `-l` specs in order to the declared entries and returns every entry in final link order.
///
/// The rule (rustc's): a spec takes *every* entry whose current name is its NAME, sets their kind (KIND) and
/// name (NEWNAME), and moves them, in their relative order, to the end of the link order; a spec that matches
/// nothing adds an entry at the end. Done literally, each spec scans and rebuilds the whole list: specs ×
/// entries, minutes for a generated module with tens of thousands of `#[link]` blocks (issue 7, defect 7).
///
/// Instead entries with one current name form a group, which only ever moves whole (a spec takes all of it),
/// and a move is recorded, not performed: a new [`Slot::Moved`] that wraps the group's pieces, carries the
/// spec's kind and new name, and stands at the end of the order. The group is then that one piece. Each piece
/// is wrapped at most once, so applying all specs costs O(entries + specs), and one walk at the end hands each
/// entry the kind and name of the newest move above it (a later spec overrides an earlier one).
fn apply_specs(declared: Vec<Entry>, specs: &[LinkSpec]) -> Vec<Entry> {
    let mut entries = declared;
    let mut slots: Vec<Slot> = (0..entries.len()).map(Slot::Entry).collect();
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (slot, entry) in entries.iter().enumerate() {
        groups.entry(entry.name.clone()).or_default().push(slot);
    }
    let mut wrapped = vec![false; slots.len()];
    for (i, spec) in specs.iter().enumerate() {
        let new_slot = slots.len();
        wrapped.push(false);
        match groups.remove(&spec.name) {
            None => {
                let name = spec.new_name.clone().unwrap_or_else(|| spec.name.clone());
                entries.push(Entry::added_by(spec, i));
                slots.push(Slot::Entry(entries.len() - 1));
                groups.entry(name).or_default().push(new_slot);
            }
            Some(pieces) => {
                for &piece in &pieces {
                    wrapped[piece] = true;
                }
                slots.push(Slot::Moved { pieces, spec: i });
                // A group renamed onto a name that already has entries joins them; both then move together.
                let name = spec.new_name.clone().unwrap_or_else(|| spec.name.clone());
                groups.entry(name).or_default().push(new_slot);
            }
        }
    }

    // Slots are in the order they were placed; those no later move wrapped are the final link order. Depth-first
    // below each, children in order, with the newest kind, rename and value of each modifier seen on the way
    // down (explicit stack: one spec per level could nest tens of thousands deep).
    let mut order = Vec::with_capacity(entries.len());
    let mut stack: Vec<(usize, Option<usize>, Option<usize>, ModifierSpecs)> = Vec::new();
    for root in (0..slots.len()).filter(|&s| !wrapped[s]) {
        stack.push((root, None, None, [None; 4]));
        while let Some((slot, kind_by, rename_by, mut modifiers_by)) = stack.pop() {
            match &slots[slot] {
                Slot::Entry(e) => order.push((*e, kind_by, rename_by, modifiers_by)),
                Slot::Moved { pieces, spec } => {
                    let kind_by = kind_by.or(specs[*spec].kind.map(|_| *spec));
                    let rename_by = rename_by.or(specs[*spec].new_name.as_ref().map(|_| *spec));
                    for (m, _) in specs[*spec].modifiers.written() {
                        modifiers_by[modifier_index(m)].get_or_insert(*spec);
                    }
                    stack.extend(pieces.iter().rev().map(|&p| (p, kind_by, rename_by, modifiers_by)));
                }
            }
        }
    }
    let mut entries: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(e, kind_by, rename_by, modifiers_by)| {
            let mut entry = entries[e].take()?;
            if let Some(spec) = kind_by.map(|s| &specs[s]) {
                entry.kind = spec.kind.unwrap_or(entry.kind);
                entry.origin = KindOrigin::CommandLine(spec.to_string());
            }
            if let Some(new_name) = rename_by.and_then(|s| specs[s].new_name.as_ref()) {
                entry.declared_name = Some(std::mem::replace(&mut entry.name, new_name.clone()));
            }
            for (m, by) in Modifier::ALL.into_iter().zip(modifiers_by) {
                let Some(by) = by else { continue };
                *entry.modifiers.slot(m) = specs[by].modifiers.get(m);
                entry.modifier_specs.retain(|&(written, _)| written != m);
                entry.modifier_specs.push((m, by));
            }
            Some(entry)
        })
        .collect()
}

/// For each modifier (in [`Modifier::ALL`] order), the newest spec above an entry that writes it.
type ModifierSpecs = [Option<usize>; 4];

fn modifier_index(m: Modifier) -> usize {
    Modifier::ALL.iter().position(|&x| x == m).unwrap_or(0)
}

/// `#[crt]` blocks take their library and kind from `--crt` alone: the object says which C runtime it was built
/// for (`/DEFAULTLIB:` and `/FAILIFMISMATCH:"RuntimeLibrary=..."`), and a `-l` that changed the library's kind,
/// name or modifiers under it would make those directives lie. So a `-l` naming the C runtime library with a
/// KIND, MODIFIERS or NEWNAME is an error that points at `--crt`; a bare `-l NAME` is allowed and, as for any
/// library the module links, moves it to the end of the link order.
fn check_crt_specs(
    specs: &[LinkSpec],
    crt_name: &str,
    crt_kind: LinkKind,
    mode: crate::CrtMode,
    diags: &mut Diagnostics,
) {
    for spec in specs.iter().filter(|s| s.name == crt_name) {
        if spec.kind.is_none() && spec.new_name.is_none() && spec.modifiers == LinkModifiers::default() {
            continue;
        }
        diags.push(
            Diagnostic::error(format!(
                "`{spec}` changes `{crt_name}`, the C runtime library of this module's `#[crt]` blocks"
            ))
            .note(format!("with `--crt {mode}`, `#[crt]` blocks link `{crt_name}` as {crt_kind}, and the object says so"))
            .help(format!(
                "choose the C runtime with `--crt {}`; a `-l {crt_name}` alone may still move it in the link order",
                crate::CrtMode::ALL.map(|m| m.as_str()).join("|")
            )),
        );
    }
}

/// A `-l` that changes a library's kind keeps the modifiers `#[link]` (or an earlier `-l`) gave it, modifier by
/// modifier, so the result must still be a combination rustc's rules allow: `-l dylib=foo` over
/// `modifiers = "+whole-archive"` is rustc's error for `whole-archive` without `static`, pointing at the
/// modifier. (rustc itself refuses any `-l` over a library with modifiers, "overriding linking modifiers from
/// command line is not supported"; linkwise merges them, issue 9, and keeps rustc's per-modifier rules.)
fn check_modifiers_after_specs(
    program: &Program,
    entries: &[Entry],
    specs: &[LinkSpec],
    diags: &mut Diagnostics,
) {
    let mut seen = HashSet::new();
    for entry in entries {
        let KindOrigin::CommandLine(kind_by) = &entry.origin else { continue };
        for (m, on) in entry.modifiers.written() {
            let from_spec = entry.modifier_specs.iter().find(|(w, _)| *w == m).map(|&(_, s)| s);
            let Some(message) = m.kind_fault(Some(entry.kind), from_spec.is_some()) else { continue };
            let span = match from_spec {
                Some(_) => None,
                None => entry.blocks.iter().find_map(|b| {
                    program.blocks[b.index()].modifier_spans.iter().find(|(w, _)| *w == m).map(|&(_, s)| s)
                }),
            };
            if !seen.insert((entry.name.clone(), m, span.map(|s| (s.start, s.end)))) {
                continue;
            }
            let sign = if on { '+' } else { '-' };
            let mut d = Diagnostic::error(message);
            d = match (span, from_spec) {
                (Some(span), _) => d.primary(span, format!("`{sign}{m}` is given here")),
                (None, Some(s)) => d.note(format!("`{sign}{m}` is given by `{}`", specs[s])),
                (None, None) => d,
            };
            diags
                .push(d.note(format!("`{kind_by}` makes `{}` a `{}` library", entry.name, entry.kind)).help(
                    format!("give `{}` a kind that `{m}` goes with, or drop the modifier", entry.name),
                ));
        }
    }
}

/// `raw-dylib` is a Windows kind (rustc's rule and words): linkwise writes the import library a COFF link
/// needs from the block's declarations, and ELF and Mach-O have no import libraries. Checked here, where the
/// target is known, on the kind after `-l`, so that `-l dylib=NAME` can link a Windows-minded module elsewhere.
fn check_raw_dylib_target(program: &Program, target: &Target, entries: &[Entry], diags: &mut Diagnostics) {
    if target.format == Format::Coff {
        return;
    }
    for entry in entries.iter().filter(|e| e.kind == LinkKind::RawDylib) {
        for block in &entry.blocks {
            let info = &program.blocks[block.index()];
            let format = match target.format {
                Format::Elf => "ELF",
                Format::MachO => "Mach-O",
                Format::Coff => "COFF",
            };
            diags.push(
                Diagnostic::error("link kind `raw-dylib` is only supported on Windows targets")
                    .primary(info.kind_span.unwrap_or(info.span), format!("the target is `{target}` ({format})"))
                    .note(format!(
                        "`raw-dylib` means linkwise writes `{}`'s import library itself; {format} links use no import library",
                        entry.name
                    ))
                    .help(format!("use `kind = \"dylib\"` on this target, or override it: `-l dylib={}`", entry.name)),
            );
        }
    }
}

/// One placement in the link order while specs apply: a `#[link]` entry (or one a spec added), or the move of
/// a whole group by spec number `spec`.
enum Slot {
    Entry(usize),
    Moved { pieces: Vec<usize>, spec: usize },
}

/// The one rule RFC 1717 is about: on Windows a DLL's symbols are reached through import slots, a static
/// library's directly. Elsewhere the kind does not change code generation (the RFC says so): an imported
/// function is called through the PLT (or its GOT entry with `--no-plt`) and imported data is read through the
/// GOT, because the static linker, not the compiler, learns whether the symbol ends up in a shared library.
fn access_for(target: &Target, kind: LinkKind, is_function: bool, calls: ImportCalls) -> Access {
    match (target.format, is_function, calls) {
        (Format::Coff, _, _) if matches!(kind, LinkKind::Dylib | LinkKind::RawDylib) => Access::ImportSlot,
        (Format::Coff, _, _) => Access::Direct,
        (_, true, ImportCalls::Plt) => Access::Plt,
        (_, _, _) => Access::Got,
    }
}

/// A symbol (by link name) imported from several blocks must be reached the same way from all of them.
fn check_conflicting_imports(target: &Target, imports: &[ImportRow], diags: &mut Diagnostics) {
    let mut by_name: BTreeMap<&str, Vec<&ImportRow>> = BTreeMap::new();
    for row in imports {
        by_name.entry(&row.link_name).or_default().push(row);
    }
    for rows in by_name.values() {
        let first = rows[0];
        let Some(other) = rows.iter().find(|r| r.access != first.access) else { continue };
        let describe = |r: &ImportRow| {
            format!(
                "`{}` as {}, {}",
                r.library.as_deref().unwrap_or("no library"),
                r.kind,
                r.access.describe(target)
            )
        };
        let mut d = Diagnostic::error(format!(
            "`{}` is imported from libraries of different kinds, so its call sites cannot be shaped",
            first.link_name
        ))
        .primary(other.span, format!("imported here from {}", describe(other)))
        .secondary(first.span, format!("and here from {}", describe(first)));
        for r in [first, *other] {
            if let KindOrigin::CommandLine(spec) = &r.kind_origin {
                d = d.note(format!(
                    "the kind of `{}` was set by `{spec}`",
                    r.library.as_deref().unwrap_or("?")
                ));
            }
        }
        diags.push(d.help("declare the symbol in one extern block, or give both libraries the same kind"));
    }
}

/// A static's initial value is fixed at link time; the address of data in a DLL is known only to the loader.
/// (A DLL function's address is fine: the import library's thunk stands for it.)
fn check_static_addresses(
    program: &Program,
    access: &[Access],
    imports: &[ImportRow],
    diags: &mut Diagnostics,
) {
    for symbol in &program.symbols {
        let SymbolDef::Static { data, .. } = &symbol.def else { continue };
        for reloc in &data.relocs {
            let target = program.symbol(reloc.target);
            if access[reloc.target.index()] != Access::ImportSlot || target.def.is_function() {
                continue;
            }
            let row = import_row(imports, reloc.target);
            let lib = row.and_then(|r| r.library.as_deref()).unwrap_or("a DLL");
            diags.push(
                Diagnostic::error(format!(
                    "the address of `{}` cannot be stored in static `{}`: it is data in `{lib}`, a DLL",
                    target.name, symbol.name
                ))
                .primary(reloc.span, "only the loader knows this address")
                .note("on Windows a DLL's data is reached through its `__imp_` slot at run time")
                .help(format!("read the address in code instead (`&{}` in a function)", target.name)),
            );
        }
    }
}

/// The key two entries must share to be one library row: name, kind and the modifiers in effect.
type RowKey = (String, LinkKind, (bool, bool, bool, Option<bool>));

/// One row per library as it is linked, in final link order (where each first appears), merging the blocks of
/// entries that agree. Entries agree when name, kind and every modifier's effective value agree
/// ([`effective_modifiers`]): a `+whole-archive` and a plain `static` of one library, or `+verbatim` `foo`
/// and `foo`, are linked differently (a different link argument, a different file), so they stay two rows,
/// while `static` and `static` with `+bundle` (the default written out) are one. The `#[crt]` library and a
/// `#[link]` block that agree with it share the row, which is then marked `crt`. Rows are found by a map, not
/// a scan: 70,000 `#[link]` blocks took 24 s (issue 7, defect 7).
fn dedup_libraries(entries: Vec<Entry>) -> Vec<LibraryRow> {
    let mut rows: Vec<LibraryRow> = Vec::new();
    let mut index: HashMap<RowKey, usize> = HashMap::new();
    for e in entries {
        let key = (e.name.clone(), e.kind, effective_modifiers(e.kind, &e.modifiers));
        match index.entry(key) {
            hash_map::Entry::Occupied(row) => {
                let row = &mut rows[*row.get()];
                row.blocks.extend(e.blocks);
                row.crt |= e.crt;
                continue;
            }
            hash_map::Entry::Vacant(slot) => {
                slot.insert(rows.len());
            }
        }
        rows.push(LibraryRow {
            name: e.name,
            renamed_from: e.declared_name,
            kind: e.kind,
            kind_origin: e.origin,
            modifiers: e.modifiers,
            crt: e.crt,
            blocks: e.blocks,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::without_codes;
    use linkwise_ir::SourceFile;

    const MODULE: &str = r#"
        #[link(name = "msvcrt", kind = "dylib")]
        extern { fn puts(ptr) -> i32; #[link_name = "_environ"] static ENVIRON: ptr; }
        #[link(name = "kernel32")]
        extern { fn ExitProcess(i32); }
        #[link(name = "mathlib", kind = "static")]
        extern { fn add3(i32, i32, i32) -> i32; }
        extern { fn GetLastError() -> i32; }
        pub fn main() -> i32 { return add3(1, 2, 3); }
    "#;

    fn program(src: &str) -> Program {
        let file = SourceFile::new("t.lw", src);
        let module = linkwise_ir::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
        linkwise_ir::check::check(&module).unwrap_or_else(|d| panic!("{}", d.render(&file)))
    }

    fn plan(src: &str, specs: &[&str]) -> Result<LinkPlan, String> {
        let specs: Vec<LinkSpec> = specs.iter().map(|s| LinkSpec::parse(s).expect("valid spec")).collect();
        let file = SourceFile::new("t.lw", src);
        resolve(&program(src), &Target::default_target(), &specs, ResolveOptions::default())
            .map_err(|d| without_codes(d.render(&file)))
    }

    fn row<'p>(plan: &'p LinkPlan, name: &str) -> &'p ImportRow {
        plan.imports.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no import row for {name}"))
    }

    fn libraries(plan: &LinkPlan) -> Vec<(String, LinkKind)> {
        plan.libraries.iter().map(|l| (l.name.clone(), l.kind)).collect()
    }

    #[test]
    fn declared_kinds_decide_access_on_windows() {
        let p = plan(MODULE, &[]).unwrap();
        assert_eq!(row(&p, "puts").access, Access::ImportSlot);
        assert_eq!(row(&p, "ENVIRON").access, Access::ImportSlot);
        assert_eq!(row(&p, "ENVIRON").link_name, "_environ");
        assert_eq!(row(&p, "ExitProcess").access, Access::ImportSlot);
        assert_eq!(row(&p, "ExitProcess").kind_origin, KindOrigin::Default);
        assert_eq!(row(&p, "add3").access, Access::Direct);
        assert_eq!(row(&p, "add3").kind_origin, KindOrigin::Declared);
        // A block without #[link] is dylib with no library (the RFC's third example).
        let gle = row(&p, "GetLastError");
        assert_eq!(
            (gle.library.as_deref(), gle.kind, gle.access),
            (None, LinkKind::Dylib, Access::ImportSlot)
        );
        assert_eq!(
            libraries(&p),
            [
                ("msvcrt".into(), LinkKind::Dylib),
                ("kernel32".into(), LinkKind::Dylib),
                ("mathlib".into(), LinkKind::Static)
            ]
        );
        // Defined symbols are always direct.
        let main = program(MODULE).symbols().find(|(_, s)| s.name == "main").map(|(id, _)| id).unwrap();
        assert_eq!(p.access(main), Access::Direct);
    }

    #[test]
    fn kind_override_changes_access_and_says_where_it_came_from() {
        let p = plan(MODULE, &["static=msvcrt", "dylib=mathlib"]).unwrap();
        let puts = row(&p, "puts");
        assert_eq!(
            (puts.declared_kind, puts.kind, puts.access),
            (LinkKind::Dylib, LinkKind::Static, Access::Direct)
        );
        assert_eq!(puts.kind_origin, KindOrigin::CommandLine("-l static=msvcrt".into()));
        assert_eq!(row(&p, "add3").access, Access::ImportSlot);
        // Libraries named by -l move to the end, in -l order.
        assert_eq!(
            libraries(&p),
            [
                ("kernel32".into(), LinkKind::Dylib),
                ("msvcrt".into(), LinkKind::Static),
                ("mathlib".into(), LinkKind::Dylib)
            ]
        );
    }

    #[test]
    fn rename_keeps_the_kind_and_later_specs_see_the_new_name() {
        let p = plan(MODULE, &["msvcrt:ucrtbase"]).unwrap();
        let puts = row(&p, "puts");
        assert_eq!((puts.library.as_deref(), puts.access), (Some("ucrtbase"), Access::ImportSlot));
        let lib = p.libraries.iter().find(|l| l.name == "ucrtbase").unwrap();
        assert_eq!(lib.renamed_from.as_deref(), Some("msvcrt"));

        let p = plan(MODULE, &["msvcrt:ucrtbase", "static=ucrtbase"]).unwrap();
        assert_eq!(row(&p, "puts").access, Access::Direct);
        assert_eq!(row(&p, "puts").library.as_deref(), Some("ucrtbase"));
    }

    #[test]
    fn undeclared_libraries_are_added() {
        let p = plan(MODULE, &["extra", "static=vendored"]).unwrap();
        let tail = &libraries(&p)[3..];
        assert_eq!(tail, [("extra".into(), LinkKind::Dylib), ("vendored".into(), LinkKind::Static)]);
        assert!(p.libraries[3].blocks.is_empty());
    }

    #[test]
    fn renaming_an_undeclared_library_is_an_error() {
        let e = plan(MODULE, &["nosuch:other"]).unwrap_err();
        assert!(
            e.contains(
                "`-l nosuch:other` renames library `nosuch`, but no extern block in this module links it"
            ),
            "{e}"
        );
        // The module's blocks are checked by their declared names, even with a kind given.
        assert!(plan(MODULE, &["static=nosuch:x"]).is_err());
    }

    #[test]
    fn renaming_one_library_twice_is_an_error() {
        let e = plan(MODULE, &["msvcrt:a", "msvcrt:b"]).unwrap_err();
        assert!(e.contains("library `msvcrt` is renamed more than once"), "{e}");
        assert!(e.contains("`-l msvcrt:b`"), "{e}");
    }

    const CONFLICT: &str = r#"
        #[link(name = "msvcrt")]
        extern { fn strlen(ptr) -> i64; }
        #[link(name = "vendored", kind = "static")]
        extern { fn strlen(ptr) -> i64; }
        pub fn len() -> i64 { return strlen("abc\0"); }
    "#;

    #[test]
    fn one_symbol_from_two_kinds_is_an_error_until_an_override_agrees() {
        let e = plan(CONFLICT, &[]).unwrap_err();
        assert!(e.contains("`strlen` is imported from libraries of different kinds"), "{e}");
        assert!(e.contains("--> t.lw:5:21"), "primary label on the second declaration: {e}");
        assert!(e.contains("`vendored` as static, reached directly"), "{e}");
        assert!(plan(CONFLICT, &["dylib=vendored"]).is_ok());
        assert!(plan(CONFLICT, &["static=msvcrt"]).is_ok());
        // An override can also cause the conflict; the message then names it.
        let agreeing = CONFLICT.replace(r#"kind = "static""#, r#"kind = "dylib""#);
        let e = plan(&agreeing, &["static=vendored"]).unwrap_err();
        assert!(e.contains("the kind of `vendored` was set by `-l static=vendored`"), "{e}");
    }

    #[test]
    fn dll_data_address_in_a_static_is_an_error_but_a_dll_function_is_not() {
        let src = r#"
            #[link(name = "msvcrt")]
            extern { #[link_name = "_environ"] static ENVIRON: ptr; fn puts(ptr) -> i32; }
            static E: ptr = &ENVIRON;
            static P: ptr = &puts;
        "#;
        let e = plan(src, &[]).unwrap_err();
        assert!(e.contains("the address of `ENVIRON` cannot be stored in static `E`"), "{e}");
        assert!(!e.contains("`puts`"), "{e}");
        // Linked statically, the data has a link-time address.
        assert!(plan(src, &["static=msvcrt"]).is_ok());
    }

    fn plan_on(src: &str, triple: &str, specs: &[&str], crt: crate::CrtMode) -> Result<LinkPlan, String> {
        let specs: Vec<LinkSpec> = specs.iter().map(|s| LinkSpec::parse(s).expect("valid spec")).collect();
        let file = SourceFile::new("t.lw", src);
        let target = Target::parse(triple).unwrap();
        let options = ResolveOptions { crt, ..ResolveOptions::default() };
        resolve(&program(src), &target, &specs, options).map_err(|d| without_codes(d.render(&file)))
    }

    fn library<'p>(plan: &'p LinkPlan, name: &str) -> &'p LibraryRow {
        plan.libraries.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no library {name}"))
    }

    const MODIFIED: &str = r#"
        #[link(name = "foo", kind = "static", modifiers = "+whole-archive,-bundle")]
        extern { fn foo_init(); }
        #[link(name = "bar", kind = "dylib", modifiers = "+verbatim")]
        extern { fn bar(); }
    "#;

    #[test]
    fn modifiers_come_from_the_module_and_each_one_a_later_l_writes_wins() {
        let p = plan(MODIFIED, &[]).unwrap();
        let foo = library(&p, "foo");
        assert_eq!((foo.whole_archive(), foo.bundle(), foo.verbatim()), (true, false, false));
        assert!(library(&p, "bar").verbatim());
        // `-l` overrides `bundle` only; `whole-archive` stays the module's.
        let p = plan(MODIFIED, &["static:+bundle=foo"]).unwrap();
        let foo = library(&p, "foo");
        assert_eq!(foo.modifiers.to_string(), "+bundle,+whole-archive");
        assert_eq!(foo.kind_origin, KindOrigin::CommandLine("-l static:+bundle=foo".into()));
        // Specs apply in order: the last value of a modifier wins, the others stay.
        let p =
            plan(MODIFIED, &["static:-whole-archive,+verbatim=foo", "static:+whole-archive=foo"]).unwrap();
        assert_eq!(library(&p, "foo").modifiers.to_string(), "-bundle,+verbatim,+whole-archive");
        // A library `-l` adds has the spec's modifiers.
        let p = plan(MODIFIED, &["static:+whole-archive=extra"]).unwrap();
        assert!(library(&p, "extra").whole_archive());
        // A rename keeps the modifiers.
        let p = plan(MODIFIED, &["foo:foo2"]).unwrap();
        assert!(library(&p, "foo2").whole_archive());
    }

    #[test]
    fn a_kind_override_that_leaves_a_modifier_without_its_kind_is_rustcs_error_at_the_modifier() {
        let e = plan(MODIFIED, &["dylib=foo"]).unwrap_err();
        assert!(
            e.contains(
                "error: linking modifier `whole-archive` is only compatible with `static` linking kind"
            ),
            "{e}"
        );
        assert!(
            e.contains("error: linking modifier `bundle` is only compatible with `static` linking kind"),
            "{e}"
        );
        // At the modifier inside the literal.
        assert!(e.contains("--> t.lw:2:60"), "{e}");
        assert!(e.contains("--> t.lw:2:75"), "{e}");
        assert!(e.contains("`-l dylib=foo` makes `foo` a `dylib` library"), "{e}");
        // as-needed on a library an override makes static.
        let src = r#"#[link(name = "bar", modifiers = "+as-needed", kind = "dylib")] extern { fn bar(); }"#;
        let e = plan(src, &["static=bar"]).unwrap_err();
        assert!(
            e.contains("error: linking modifier `as-needed` is only compatible with `dylib` and `raw-dylib`"),
            "{e}"
        );
        // A modifier from an earlier `-l`, under a later `-l`'s kind: named by its spec.
        let e = plan(MODIFIED, &["static:+whole-archive=x", "dylib=x"]).unwrap_err();
        assert!(e.contains("`+whole-archive` is given by `-l static:+whole-archive=x`"), "{e}");
        // Overriding the modifier too makes it fine; a kind that agrees is fine.
        assert!(plan(MODIFIED, &["static=foo"]).is_ok());
        assert!(plan(MODIFIED, &["static-nobundle=foo"]).is_ok());
    }

    #[test]
    fn rows_that_link_differently_stay_apart() {
        let src = r#"
            #[link(name = "m", kind = "static")] extern { fn a(); }
            #[link(name = "m", kind = "static", modifiers = "+bundle")] extern { fn b(); }
            #[link(name = "m", kind = "static", modifiers = "+whole-archive")] extern { fn c(); }
            #[link(name = "m", kind = "static", modifiers = "+verbatim")] extern { fn d(); }
            #[link(name = "m", kind = "static", modifiers = "-bundle")] extern { fn e(); }
            #[link(name = "m", kind = "static-nobundle")] extern { fn f(); }
            #[link(name = "m", kind = "static", modifiers = "-verbatim,-whole-archive")] extern { fn g(); }
        "#;
        let p = plan(src, &[]).unwrap();
        let rows: Vec<(String, Vec<u32>)> = p
            .libraries
            .iter()
            .map(|l| (l.modifiers.to_string(), l.blocks.iter().map(|b| b.0).collect()))
            .collect();
        // `+bundle` and `-verbatim,-whole-archive` are the defaults written out; `static-nobundle` is `-bundle`.
        assert_eq!(
            rows,
            [
                ("".into(), vec![0, 1, 6]),
                ("+whole-archive".into(), vec![2]),
                ("+verbatim".into(), vec![3]),
                ("-bundle".into(), vec![4, 5])
            ]
        );
    }

    #[test]
    fn verbatim_names_are_the_file_names_as_written() {
        let src = r#"#[link(name = "foo.dll.lib", modifiers = "+verbatim")] extern { fn f(); }
                     #[link(name = "bar")] extern { fn g(); }"#;
        let p = plan(src, &[]).unwrap();
        assert_eq!(library(&p, "foo.dll.lib").link_argument(&p.target), "foo.dll.lib");
        assert_eq!(library(&p, "bar").link_argument(&p.target), "bar.lib");
        let src = src.replace("foo.dll.lib", "libfoo.so.1");
        let p = plan_on(&src, "x86_64-unknown-linux-gnu", &[], crate::CrtMode::Dynamic).unwrap();
        assert_eq!(library(&p, "libfoo.so.1").link_argument(&p.target), "-l:libfoo.so.1");
        assert_eq!(library(&p, "bar").link_argument(&p.target), "-lbar");
    }

    const CRT: &str = r#"
        #[crt] extern { fn printf(ptr, ...) -> i32; static mut errno_value: i32; }
        #[link(name = "kernel32")] extern { fn ExitProcess(i32); }
    "#;

    #[test]
    fn crt_blocks_link_what_the_crt_mode_chooses() {
        let src = CRT.replace(", ...", "");
        let p = plan_on(&src, "x86_64-pc-windows-msvc", &[], crate::CrtMode::Dynamic).unwrap();
        let crt = library(&p, "msvcrt");
        assert_eq!((crt.kind, crt.crt, crt.blocks.clone()), (LinkKind::Dylib, true, vec![BlockId(0)]));
        assert_eq!(crt.kind_origin, KindOrigin::CommandLine("--crt dynamic".into()));
        assert_eq!(row(&p, "printf").access, Access::ImportSlot);
        assert_eq!(row(&p, "printf").library.as_deref(), Some("msvcrt"));
        assert!(!library(&p, "kernel32").crt);

        let p = plan_on(&src, "x86_64-pc-windows-msvc", &[], crate::CrtMode::Static).unwrap();
        let crt = library(&p, "libcmt");
        assert_eq!((crt.kind, crt.crt), (LinkKind::Static, true));
        assert_eq!(row(&p, "printf").access, Access::Direct);
        assert_eq!(row(&p, "errno_value").access, Access::Direct);
        let p = plan_on(&src, "x86_64-pc-windows-msvc", &[], crate::CrtMode::StaticDebug).unwrap();
        assert_eq!(library(&p, "libcmtd").kind, LinkKind::Static);
        let p = plan_on(&src, "aarch64-pc-windows-msvc", &[], crate::CrtMode::DynamicDebug).unwrap();
        assert_eq!(row(&p, "printf").library.as_deref(), Some("msvcrtd"));
        assert_eq!(row(&p, "printf").access, Access::ImportSlot);

        // ELF and Mach-O: the system C library, whatever the mode.
        let p = plan_on(&src, "x86_64-unknown-linux-gnu", &[], crate::CrtMode::Static).unwrap();
        assert_eq!((library(&p, "c").kind, library(&p, "c").crt), (LinkKind::Dylib, true));
        let p = plan_on(&src, "aarch64-apple-darwin", &[], crate::CrtMode::Dynamic).unwrap();
        assert!(library(&p, "System").crt);
    }

    #[test]
    fn a_link_block_of_the_crt_library_shares_its_row_and_l_cannot_change_it() {
        let src = CRT.replace(", ...", "") + r#"#[link(name = "msvcrt")] extern { fn puts(ptr) -> i32; }"#;
        let p = plan_on(&src, "x86_64-pc-windows-msvc", &[], crate::CrtMode::Dynamic).unwrap();
        let crt = library(&p, "msvcrt");
        assert_eq!((crt.crt, crt.blocks.clone()), (true, vec![BlockId(0), BlockId(2)]));
        assert_eq!(p.libraries.iter().filter(|l| l.name == "msvcrt").count(), 1);
        // A bare `-l msvcrt` moves it to the end.
        let p = plan_on(&src, "x86_64-pc-windows-msvc", &["msvcrt"], crate::CrtMode::Dynamic).unwrap();
        assert_eq!(p.libraries.last().map(|l| (l.name.as_str(), l.crt)), Some(("msvcrt", true)));
        // A kind, a rename or modifiers for the C runtime library are `--crt`'s to choose.
        for spec in ["static=msvcrt", "msvcrt:ucrt", "dylib:+verbatim=msvcrt"] {
            let e = plan_on(&src, "x86_64-pc-windows-msvc", &[spec], crate::CrtMode::Dynamic).unwrap_err();
            assert!(
                e.contains(&format!(
                    "error: `-l {spec}` changes `msvcrt`, the C runtime library of this module's `#[crt]` blocks"
                )),
                "{e}"
            );
            assert!(
                e.contains("choose the C runtime with `--crt dynamic|static|dynamic-debug|static-debug`"),
                "{e}"
            );
        }
        // Under `--crt static` the C runtime is `libcmt`; `-l static=msvcrt` is about the `#[link]` block only.
        let p = plan_on(&src, "x86_64-pc-windows-msvc", &["static=msvcrt"], crate::CrtMode::Static).unwrap();
        assert_eq!(row(&p, "puts").access, Access::Direct);
        assert!(!library(&p, "msvcrt").crt);
    }

    #[test]
    fn raw_dylib_is_windows_only_and_named_with_the_target() {
        let src = r#"#[link(name = "kernel32", kind = "raw-dylib")] extern { fn ExitProcess(i32); }"#;
        let p = plan(src, &[]).unwrap();
        assert_eq!(row(&p, "ExitProcess").access, Access::ImportSlot);
        for (triple, format) in [("x86_64-unknown-linux-gnu", "ELF"), ("aarch64-apple-darwin", "Mach-O")] {
            let e = plan_on(src, triple, &[], crate::CrtMode::Dynamic).unwrap_err();
            assert!(e.contains("error: link kind `raw-dylib` is only supported on Windows targets"), "{e}");
            assert!(e.contains(&format!("the target is `{triple}` ({format})")), "{e}");
            assert!(e.contains("--> t.lw:1:34"), "at the kind: {e}");
            // An override for that target links it as a DLL.
            assert!(plan_on(src, triple, &["dylib=kernel32"], crate::CrtMode::Dynamic).is_ok());
        }
    }

    #[test]
    fn static_nobundle_specs_warn_in_the_plan() {
        let p =
            plan(MODULE, &["static-nobundle=mathlib", "static-nobundle=extra", "dylib=kernel32"]).unwrap();
        let warnings: Vec<String> = p.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("in the argument `-l static-nobundle=mathlib`"), "{warnings:?}");
        assert!(warnings[1].contains("in the argument `-l static-nobundle=extra`"), "{warnings:?}");
        let mathlib = library(&p, "mathlib");
        assert_eq!((mathlib.kind, mathlib.bundle()), (LinkKind::Static, false));
        assert!(plan(MODULE, &[]).unwrap().warnings.is_empty());
    }

    fn program_of(src: &str) -> Program {
        let file = SourceFile::new("t.lw", src);
        let module = linkwise_ir::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
        linkwise_ir::check::check(&module).unwrap_or_else(|d| panic!("{}", d.render(&file)))
    }

    /// Issue 7, defect 7: 70,000 `#[link]` libraries took 24 s of CPU in `dedup_libraries` (8,000: 0.17 s), and
    /// every spec rebuilt the whole list. The guard is the algorithm; this checks that a module of 100,000
    /// libraries, each declared twice, resolves to one row per library in declaration order.
    #[test]
    fn a_hundred_thousand_libraries_declared_twice() {
        let n = 100_000;
        let mut src = String::with_capacity(n * 80);
        for i in 0..n {
            src.push_str(&format!("#[link(name = \"lib{i}\")]\nextern {{ fn g{i}(); }}\n"));
        }
        for i in 0..n {
            src.push_str(&format!("#[link(name = \"lib{i}\")]\nextern {{ fn h{i}(); }}\n"));
        }
        let program = program_of(&src);
        let plan = resolve(&program, &Target::default_target(), &[], ResolveOptions::default()).unwrap();
        assert_eq!(plan.libraries.len(), n);
        for (i, lib) in plan.libraries.iter().enumerate() {
            assert_eq!(lib.name, format!("lib{i}"));
            assert_eq!(lib.blocks, [BlockId(i as u32), BlockId((n + i) as u32)]);
        }
    }

    /// The other way specs × entries showed: many blocks of one library, and many specs naming it. Each spec
    /// takes the whole group; the last kind wins, and the added libraries follow in `-l` order.
    #[test]
    fn many_specs_over_many_blocks_of_one_library() {
        let n = 20_000;
        let src: String =
            (0..n).map(|i| format!("#[link(name = \"k\")]\nextern {{ fn g{i}(); }}\n")).collect();
        let mut specs: Vec<LinkSpec> = Vec::new();
        for i in 0..n {
            let kind = if i % 2 == 0 { "static" } else { "dylib" };
            specs.push(LinkSpec::parse(&format!("{kind}=k")).unwrap());
            specs.push(LinkSpec::parse(&format!("extra{i}")).unwrap());
        }
        let plan =
            resolve(&program_of(&src), &Target::default_target(), &specs, ResolveOptions::default()).unwrap();
        // The last spec naming `k` is `dylib=k` (n is even), after `extra{n-2}`, before `extra{n-1}`.
        let names: Vec<&str> = plan.libraries.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names.len(), n + 1);
        assert_eq!(names[n - 1..], ["k", &format!("extra{}", n - 1)]);
        assert_eq!(names[..2], ["extra0", "extra1"]);
        let k = &plan.libraries[n - 1];
        assert_eq!((k.kind, k.blocks.len()), (LinkKind::Dylib, n));
        assert_eq!(k.kind_origin, KindOrigin::CommandLine("-l dylib=k".into()));
        assert!(plan.imports.iter().all(|r| r.access == Access::ImportSlot));
    }

    #[test]
    fn dedup_keeps_first_occurrence_order_and_separates_kinds() {
        let entry =
            |name: &str, kind, block| Entry::new(name, kind, KindOrigin::Default, vec![BlockId(block)]);
        let rows = dedup_libraries(vec![
            entry("b", LinkKind::Dylib, 0),
            entry("a", LinkKind::Dylib, 1),
            entry("b", LinkKind::Dylib, 2),
            entry("b", LinkKind::Static, 3),
            entry("a", LinkKind::Dylib, 4),
        ]);
        let shown: Vec<(&str, LinkKind, Vec<u32>)> =
            rows.iter().map(|r| (r.name.as_str(), r.kind, r.blocks.iter().map(|b| b.0).collect())).collect();
        assert_eq!(
            shown,
            [
                ("b", LinkKind::Dylib, vec![0, 2]),
                ("a", LinkKind::Dylib, vec![1, 4]),
                ("b", LinkKind::Static, vec![3])
            ]
        );
    }

    /// What `apply_specs` must compute, done literally as rustc describes it (and as linkwise did before issue 7):
    /// each spec takes every entry of its current name and moves them, modified, to the end.
    fn apply_specs_literally(mut entries: Vec<Entry>, specs: &[LinkSpec]) -> Vec<Entry> {
        for (i, spec) in specs.iter().enumerate() {
            let (mut matched, rest): (Vec<Entry>, Vec<Entry>) =
                entries.into_iter().partition(|e| e.name == spec.name);
            entries = rest;
            if matched.is_empty() {
                entries.push(Entry::added_by(spec, i));
                continue;
            }
            for entry in &mut matched {
                for (m, on) in spec.modifiers.written() {
                    *entry.modifiers.slot(m) = Some(on);
                    entry.modifier_specs.retain(|&(w, _)| w != m);
                    entry.modifier_specs.push((m, i));
                }
                if let Some(kind) = spec.kind {
                    entry.kind = kind;
                    entry.origin = KindOrigin::CommandLine(spec.to_string());
                }
                if let Some(new_name) = &spec.new_name {
                    entry.declared_name.get_or_insert_with(|| entry.name.clone());
                    entry.name = new_name.clone();
                }
            }
            entries.append(&mut matched);
        }
        entries
    }

    /// Every combination of a few declared entries and up to three specs (kinds, renames onto declared and new
    /// names, renames of renamed libraries, repeats): the recorded moves give exactly the literal result, order,
    /// kinds, origins, names and blocks.
    #[test]
    fn recorded_moves_give_the_literal_result() {
        let declared_sets: [&[(&str, LinkKind)]; 5] = [
            &[("a", LinkKind::Dylib), ("b", LinkKind::Static), ("a", LinkKind::Static)],
            &[
                ("a", LinkKind::Dylib),
                ("b", LinkKind::Dylib),
                ("c", LinkKind::Static),
                ("b", LinkKind::Dylib),
            ],
            &[("b", LinkKind::Static), ("a", LinkKind::Dylib)],
            &[("a", LinkKind::Dylib)],
            &[],
        ];
        let spec_forms = [
            "a",
            "b",
            "x",
            "static=a",
            "dylib=b",
            "a:b",
            "b:c",
            "static=b:x",
            "x:a",
            "c",
            "dylib=x",
            "static:+whole-archive,-bundle=a",
            "static:+bundle,+verbatim=b",
        ];
        let entries = |set: &[(&str, LinkKind)]| -> Vec<Entry> {
            set.iter()
                .enumerate()
                .map(|(i, &(name, kind))| {
                    let origin = if i % 2 == 0 { KindOrigin::Declared } else { KindOrigin::Default };
                    let mut entry = Entry::new(name, kind, origin, vec![BlockId(i as u32)]);
                    // Some declared modifiers, for the specs' to override one by one.
                    if i % 3 == 0 {
                        entry.modifiers.bundle = Some(false);
                        entry.modifiers.verbatim = Some(true);
                    }
                    entry
                })
                .collect()
        };
        let shown = |list: Vec<Entry>| -> Vec<String> {
            list.into_iter()
                .map(|e| {
                    let mut by = e.modifier_specs.clone();
                    by.sort();
                    format!(
                        "{} {:?} {} {} {:?} [{}] {by:?}",
                        e.name, e.declared_name, e.kind, e.origin, e.blocks, e.modifiers
                    )
                })
                .collect()
        };
        let mut cases = 0;
        for set in declared_sets {
            let mut spec_lists: Vec<Vec<&str>> = vec![vec![]];
            for len in 1..=3 {
                let mut next = Vec::new();
                for list in spec_lists.iter().filter(|l| l.len() == len - 1) {
                    for form in spec_forms {
                        let mut l = list.clone();
                        l.push(form);
                        next.push(l);
                    }
                }
                spec_lists.extend(next);
            }
            for list in spec_lists {
                let specs: Vec<LinkSpec> = list.iter().map(|s| LinkSpec::parse(s).unwrap()).collect();
                let want = shown(apply_specs_literally(entries(set), &specs));
                assert_eq!(
                    shown(apply_specs(entries(set), &specs)),
                    want,
                    "declared {set:?}, specs {list:?}"
                );
                cases += 1;
            }
        }
        assert_eq!(cases, 5 * (1 + 13 + 169 + 2197));
    }
}
