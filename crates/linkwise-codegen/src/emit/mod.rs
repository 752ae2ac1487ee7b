//! Object writing: compiled functions, statics and strings into a relocatable object with the `object` crate.
//! Every relocation comes from the table in `reloc.rs`, and each is recorded as a [`Site`] once, here: the
//! writer writes from that record and `linkwise explain` prints from it. Format-specific extras live in one file
//! per format, among them how each carries the object's own linking ([`Directive`]s: COFF `.drectve`, ELF
//! `.deplibs`, Mach-O `LC_LINKER_OPTION`), recorded as [`Carried`] for `explain`.

mod coff;
mod debug;
mod eh_frame;
mod elf;
mod macho;

use crate::lower::{CompiledFunction, Unwind};
use crate::reloc::{self, Placement, Purpose, SiteShape, SymbolRef};
use cranelift_codegen::gimli::write::CommonInformationEntry;
use linkwise_ir::checked::{Program, SymbolDef, SymbolId};
use linkwise_ir::{Diagnostic, SourceFile};
use linkwise_linkage::{Access, Arch, Directive, Format, LinkPlan, Target};
use object::write::{Object, Relocation, SectionId, StandardSection, Symbol, SymbolSection};
use object::{Architecture, BinaryFormat, Endianness, SymbolFlags, SymbolKind, SymbolScope};
use std::collections::HashMap;

/// A reference from machine code or data to a symbol, with everything decided about it: why it is made (from
/// lowering), how the symbol is reached (from the link plan), and how it is placed in the object (from the
/// relocation table). The object writer writes the relocation from it; `linkwise explain` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Offset of the relocated field from the start of the function or static that holds it.
    pub offset: u32,
    /// The symbol referred to.
    pub target: SymbolId,
    /// Why the code or data refers to it.
    pub purpose: Purpose,
    /// How the link plan says the symbol is reached.
    pub access: Access,
    /// What the instruction (or data word) is.
    pub shape: SiteShape,
    /// The relocation and instruction rewrite chosen for it.
    pub placement: Placement,
    /// The object symbol the relocation names (`puts` or `__imp_puts`), as [`reloc::object_name`] spells it.
    pub object_symbol: String,
    /// The relocation's addend: Cranelift's for code (for a PC-relative field, -4: the field's distance from
    /// the end of the instruction), 0 for an address in data.
    pub addend: i64,
}

/// A function as written into the object.
#[derive(Clone, Debug)]
pub struct FunctionReport {
    /// The function's symbol.
    pub symbol: SymbolId,
    /// Its object-file name.
    pub object_name: String,
    /// Its final machine code (after instruction rewrites; relocated fields hold their implicit addends).
    pub code: Vec<u8>,
    /// Its symbol references, in code order.
    pub sites: Vec<Site>,
}

/// An address stored in a static's initial value ([`Purpose::DataWord`]), and the static holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSite {
    /// The static holding the address.
    pub holder: SymbolId,
    /// The reference (its offset is the address's offset in the static).
    pub site: Site,
}

/// A pointer in an unwind table: to a function's code, or (`.pdata`) to its `.xdata` record. It names a section
/// symbol, not a program symbol, so it is not a [`Site`] and has no [`Purpose`]: what it is for is what its
/// section says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnwindSite {
    /// The table's section (`.pdata`, `.eh_frame`).
    pub section: &'static str,
    /// Offset of the pointer in that section.
    pub offset: u64,
    /// The function whose unwind entry holds the pointer.
    pub function: SymbolId,
    /// The section whose symbol the relocation names (`.text`, `.xdata`), and the addend into it.
    pub object_symbol: &'static str,
    /// The addend: the pointed-to offset in that section.
    pub addend: i64,
    /// The relocation chosen for it.
    pub placement: Placement,
}

/// What the object is for and how its code is shaped, beyond the plan: the part of the command line that
/// changes the object's bytes other than through imports (how it is compiled, without changing them, is
/// [`crate::CompileOptions`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// The object goes into a shared library (`--emit dylib`): on ELF and Mach-O its exported symbols keep
    /// default visibility and its other `pub` symbols are hidden (ELF `STV_HIDDEN`, Mach-O private extern), so
    /// the library exports exactly what the module marks `#[export]`. COFF needs nothing: a DLL exports only
    /// what `/EXPORT:` names.
    pub shared_library: bool,
    /// Keep a frame pointer in every function, leaves included (`--force-frame-pointers=yes`, Cranelift's
    /// `preserve_frame_pointers`). Off: the target's default, which is rustc's: on for Apple targets (isa.rs
    /// says which and why). It can only add frames, never remove the ones a target requires.
    pub force_frame_pointers: bool,
    /// Cranelift's optimisation level (`-O0`/`-O1`/`-O2`; issue 13). Default: `speed`, what linkwise always
    /// used before.
    pub opt_level: crate::OptLevel,
}

/// How the object carries one [`Directive`], as the object writer wrote it (`linkwise explain` prints these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The directive.
    pub directive: Directive,
    /// Where the object carries it (`.drectve`, `.deplibs`, `LC_LINKER_OPTION`, `symbol table`), and its text
    /// there as the format spells it; or, when this format has no way to say it, why not.
    pub how: Result<(&'static str, String), &'static str>,
}

/// The object file's bytes plus the report of what went into it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ObjectOutput {
    /// The relocatable object file.
    pub bytes: Vec<u8>,
    /// Every function, in program order.
    pub functions: Vec<FunctionReport>,
    /// Every address stored in a static, in program order.
    pub data_sites: Vec<DataSite>,
    /// Every pointer in the unwind tables, in table order (none on Mach-O, whose `__eh_frame` is filled in
    /// without relocations).
    pub unwind_sites: Vec<UnwindSite>,
    /// Warnings for the user, in program order (a function without an unwind record, and why); the CLI prints
    /// them to standard error.
    pub warnings: Vec<Diagnostic>,
    /// The directives, in the order given, each as the object carries it.
    pub carried: Vec<Carried>,
}

/// Writes `functions` and the program's data into an object for the plan's target; `cie` is the ISA's common
/// information entry for `.eh_frame`, when the target uses DWARF call frame information. The functions'
/// warnings become the object's, in program order.
///
/// `functions` come in program order, as they are compiled (`lower::compile_each`): each one's code is appended
/// to `.text` as it comes and the compiled function dropped, so they are never all held at once; the first
/// error among them is the result. `reports`: whether [`ObjectOutput::functions`] gets each function's report
/// (a copy of its code and its sites, what `linkwise explain` prints) and [`ObjectOutput::unwind_sites`] the
/// unwind tables' pointers.
///
/// `debug`: with `-g`, the module's source, which each function's line table (`CompiledFunction::lines`)
/// describes; its debug sections are written last (`debug.rs`). Without, the object has none.
///
/// `hook`: the embedder's function, given the finished `object::write::Object` just before it is written
/// ([`crate::generate_with_hook`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn write(
    program: &Program,
    plan: &LinkPlan,
    directives: &[Directive],
    options: &EmitOptions,
    reports: bool,
    functions: &mut dyn Iterator<Item = Result<CompiledFunction, Diagnostic>>,
    cie: Option<CommonInformationEntry>,
    debug: Option<&SourceFile>,
    hook: Option<crate::ObjectHook<'_>>,
) -> Result<ObjectOutput, Diagnostic> {
    let target = &plan.target;
    let mut w = Writer::new(program, plan, *options)?;
    w.reports = reports;

    // Every defined symbol is declared first, in the order the symbol table lists them (functions, then data),
    // so that each function's relocations can be written as soon as its code is appended: nothing of a function
    // waits for the end but its report, when one is asked for.
    w.declare_symbols();
    let mut reports = Vec::new();
    let mut warnings = Vec::new();
    for f in functions {
        let f = f?;
        warnings.extend(f.warnings);
        let mut code = f.code;
        let mut sites = Vec::new();
        let mut relocations = Vec::with_capacity(f.relocs.len());
        for r in &f.relocs {
            let placement = reloc::place(target, r.shape, r.access)?;
            if let Some(patch) = placement.patch {
                reloc::apply_patch(&mut code, r.offset as usize, patch)
                    .map_err(|e| w.internal(f.symbol, e))?;
            }
            let symbol = w.reloc_symbol(r.target, placement.symbol);
            relocations.push(Relocation {
                offset: u64::from(r.offset),
                symbol,
                addend: r.addend,
                flags: placement.flags,
            });
            if w.reports {
                sites.push(w.site(r.offset, r.target, r.purpose, r.access, r.shape, r.addend)?);
            }
        }
        let offset = w.define_function(f.symbol, &code, f.alignment);
        for mut relocation in relocations {
            relocation.offset += offset;
            w.obj
                .add_relocation(w.text, relocation)
                .map_err(|e| w.internal(f.symbol, format!("relocation: {e}")))?;
        }
        if let Some(unwind) = f.unwind {
            w.unwind.push((f.symbol, offset, code.len() as u32, unwind));
        }
        if let Some(file) = debug {
            let def = program.symbol(f.symbol);
            let len = code.len() as u32;
            w.lines.push(crate::debuginfo::FunctionLines {
                symbol: f.symbol,
                name: def.name.clone(),
                text_offset: offset,
                len,
                rows: crate::debuginfo::rows(file, def.span.start, &f.lines, len),
            });
        }
        if w.reports {
            reports.push(FunctionReport { symbol: f.symbol, object_name: w.name_of(f.symbol), code, sites });
        }
    }
    w.define_data();
    let data_sites = w.relocate_data()?;
    w.define_aliases();
    let mut macho_pending = None;
    let carried = match target.format {
        Format::Coff => {
            coff::write_unwind_tables(&mut w)?;
            coff::write_directives(&mut w, directives)?
        }
        Format::Elf => {
            elf::write_extras(&mut w, cie)?;
            elf::write_deplibs(&mut w, directives)
        }
        Format::MachO => {
            macho_pending = macho::write_eh_frame(&mut w, cie)?;
            macho::carried(&w, directives)
        }
    };
    if let Some(file) = debug {
        warnings.extend(debug::write(&mut w, file)?);
    }
    // The embedder's additions come last, when everything linkwise writes is in (issue 13, item 4): they see
    // the whole object and cannot be overwritten by it.
    if let Some(hook) = hook {
        hook(&mut w.obj).map_err(|e| Diagnostic::error(format!("the object hook failed: {e}")))?;
    }
    let mut bytes = w.obj.write().map_err(|e| Diagnostic::internal(format!("writing the object: {e}")))?;
    if let Some(pending) = macho_pending {
        macho::resolve(&mut bytes, pending)?;
    }
    if target.format == Format::MachO {
        // The `object` writer has no load command for linker options; they go in after it has laid out the file.
        let options: Vec<Vec<String>> = carried
            .iter()
            .filter_map(|c| match &c.how {
                Ok((macho::LINKER_OPTION, text)) => Some(vec![text.clone()]),
                _ => None,
            })
            .collect();
        macho::insert_linker_options(&mut bytes, &options)?;
    }
    let unwind_sites = w.unwind_sites;
    Ok(ObjectOutput { bytes, functions: reports, data_sites, unwind_sites, warnings, carried })
}

/// How ELF and Mach-O carry an export: as the visibility of the symbol (default), under the exported name
/// (an alias when it differs from the symbol's, see [`Writer::define_aliases`]).
fn export_symbol(w: &Writer<'_>, name: &str, symbol: &str) -> (&'static str, String) {
    let prefix = w.target().symbol_prefix();
    let text = if name == symbol {
        format!("{prefix}{name} (default visibility)")
    } else {
        format!("{prefix}{name} (default visibility), an alias of {prefix}{symbol}")
    };
    ("symbol table", text)
}

/// Whether `name` can stand bare in a `.drectve` argument: lld-link and link.exe split the section's text
/// into arguments as a Windows command line (whitespace separates, `"` quotes), so only whitespace and `"`
/// need quoting.
fn bare_in_directive(name: &str) -> bool {
    !name.chars().any(|c| c.is_whitespace() || c == '"')
}

/// State while one object is written.
pub(crate) struct Writer<'a> {
    program: &'a Program,
    plan: &'a LinkPlan,
    obj: Object<'static>,
    text: SectionId,
    /// Object symbol of each defined program symbol (functions, statics, strings) once placed, and its section
    /// offset, by `SymbolId` (a table, not a map: one entry per symbol of a module of 100,000 functions).
    defined: Vec<Option<(object::write::SymbolId, u64)>>,
    /// Undefined symbols by object name (`puts`, `__imp_puts`), created on first reference so that an import
    /// nobody uses costs nothing at link time.
    undefined: HashMap<String, object::write::SymbolId>,
    /// The object symbol of each symbol the program defines (functions, statics, strings), by `SymbolId`:
    /// declared before any is defined ([`Writer::declare_symbols`]).
    declared: Vec<Option<object::write::SymbolId>>,
    /// The object symbol each (program symbol, name) relocations named so far resolved to, so that its name is
    /// spelled once, not once per site.
    referenced: HashMap<(SymbolId, SymbolRef), object::write::SymbolId>,
    /// (function, offset in .text, code size, unwind information) for `.pdata`/`.xdata` or `.eh_frame`.
    unwind: Vec<(SymbolId, u64, u32, Unwind)>,
    /// The unwind tables' relocations, as written (only when reports are kept).
    unwind_sites: Vec<UnwindSite>,
    /// Whether the reports of what went in ([`ObjectOutput::functions`], [`ObjectOutput::unwind_sites`]) are
    /// kept.
    reports: bool,
    /// Each static that holds addresses, with them: (offset in the static, symbol), from its layout.
    data_addresses: Vec<(SymbolId, Vec<(u32, SymbolId)>)>,
    /// What the object is for.
    options: EmitOptions,
    /// `-g`: each function's line table, in the order they were written.
    lines: Vec<crate::debuginfo::FunctionLines>,
}

impl<'a> Writer<'a> {
    fn new(program: &'a Program, plan: &'a LinkPlan, options: EmitOptions) -> Result<Self, Diagnostic> {
        let target = &plan.target;
        let format = match target.format {
            Format::Coff => BinaryFormat::Coff,
            Format::Elf => BinaryFormat::Elf,
            Format::MachO => BinaryFormat::MachO,
        };
        let arch = match target.arch {
            Arch::X86_64 => Architecture::X86_64,
            Arch::Aarch64 => Architecture::Aarch64,
        };
        let mut obj = Object::new(format, arch, Endianness::Little);
        // Names are mangled by `reloc::object_name`, so listings show exactly what the object holds.
        obj.set_mangling(object::write::Mangling::None);
        if format == BinaryFormat::MachO {
            // Lets ld64 split sections at symbols (dead stripping, reordering), as clang's objects do.
            obj.set_subsections_via_symbols();
            // ld64 warns about objects without a platform: macOS 11.0, the first release with arm64.
            let macos_11 = object::macho::Version(11 << 16);
            let mut version = object::write::MachOBuildVersion::default();
            version.platform = object::macho::PLATFORM_MACOS;
            version.minos = macos_11;
            version.sdk = macos_11;
            obj.set_macho_build_version(version);
        }
        let text = obj.section_id(StandardSection::Text);
        Ok(Writer {
            program,
            plan,
            obj,
            text,
            defined: Vec::new(),
            undefined: HashMap::new(),
            referenced: HashMap::new(),
            declared: Vec::new(),
            unwind: Vec::new(),
            unwind_sites: Vec::new(),
            reports: true,
            data_addresses: Vec::new(),
            options,
            lines: Vec::new(),
        })
    }

    fn target(&self) -> &Target {
        &self.plan.target
    }

    fn internal(&self, symbol: SymbolId, what: impl std::fmt::Display) -> Diagnostic {
        let s = self.program.symbol(symbol);
        Diagnostic::internal(format!("while writing `{}`: {what}", s.name))
            .primary(s.span, "in this definition")
    }

    fn name_of(&self, symbol: SymbolId) -> String {
        reloc::object_name(self.target(), self.program.symbol(symbol), SymbolRef::Plain)
    }

    /// Places one reference as a [`Site`]: asks the relocation table, and names the object symbol once.
    fn site(
        &self,
        offset: u32,
        symbol: SymbolId,
        purpose: Purpose,
        access: Access,
        shape: SiteShape,
        addend: i64,
    ) -> Result<Site, Diagnostic> {
        let target = self.target();
        let placement = reloc::place(target, shape, access)?;
        let object_symbol = reloc::object_name(target, self.program.symbol(symbol), placement.symbol);
        Ok(Site { offset, target: symbol, purpose, access, shape, placement, object_symbol, addend })
    }

    /// Declares the object symbol of every symbol the program defines, not yet placed: the functions, then the
    /// statics and strings, each group in program order (the order in which they are defined afterwards).
    fn declare_symbols(&mut self) {
        self.declared = vec![None; self.program.symbols.len()];
        for data in [false, true] {
            for (id, symbol) in self.program.symbols() {
                let (kind, public) = match &symbol.def {
                    SymbolDef::Fn { public, .. } if !data => (SymbolKind::Text, *public),
                    SymbolDef::Static { public, .. } if data => (SymbolKind::Data, *public),
                    SymbolDef::Str { .. } if data => (SymbolKind::Data, false),
                    _ => continue,
                };
                let scope = self.scope(id, public);
                self.declared[id.index()] = Some(self.new_symbol(id, kind, scope));
            }
        }
    }

    /// Where the defined program symbol `symbol` was placed: its object symbol and section offset.
    fn defined(&self, symbol: SymbolId) -> Option<(object::write::SymbolId, u64)> {
        self.defined.get(symbol.index()).copied().flatten()
    }

    /// Records where `symbol` was placed.
    fn set_defined(&mut self, symbol: SymbolId, id: object::write::SymbolId, offset: u64) {
        if self.defined.len() <= symbol.index() {
            self.defined.resize(self.program.symbols.len().max(symbol.index() + 1), None);
        }
        self.defined[symbol.index()] = Some((id, offset));
    }

    /// The object symbol declared for the defined program symbol `symbol`.
    fn declared(&self, symbol: SymbolId) -> Option<object::write::SymbolId> {
        self.declared.get(symbol.index()).copied().flatten()
    }

    /// Adds a defined symbol's code to `.text`; returns its offset there.
    fn define_function(&mut self, symbol: SymbolId, code: &[u8], align: u32) -> u64 {
        let id = match self.declared(symbol) {
            Some(id) => id,
            None => {
                let public = matches!(self.program.symbol(symbol).def, SymbolDef::Fn { public: true, .. });
                let scope = self.scope(symbol, public);
                self.new_symbol(symbol, SymbolKind::Text, scope)
            }
        };
        let offset = self.obj.add_symbol_data(id, self.text, code, u64::from(align.max(1)));
        self.set_defined(symbol, id, offset);
        offset
    }

    /// The scope of a defined symbol. A `pub` one has default visibility (`Dynamic`), as a C `extern`
    /// definition has, except in a shared library, where only exported symbols keep it and the rest get
    /// `Linkage`: hidden on ELF, private extern on Mach-O (issue 9: the library exports what the module marks).
    /// A symbol exported under another name (`#[export_name]`) is exported through its alias
    /// ([`Writer::define_aliases`]) and is itself hidden there. COFF has no visibility: `Dynamic` and `Linkage`
    /// both give IMAGE_SYM_CLASS_EXTERNAL, and a DLL exports what `/EXPORT:` names.
    fn scope(&self, symbol: SymbolId, public: bool) -> SymbolScope {
        let s = self.program.symbol(symbol);
        match (public, self.options.shared_library) {
            (false, _) => SymbolScope::Compilation,
            (true, false) => SymbolScope::Dynamic,
            (true, true) if s.export.as_deref() == Some(s.link_name.as_str()) => SymbolScope::Dynamic,
            (true, true) => SymbolScope::Linkage,
        }
    }

    fn new_symbol(
        &mut self,
        symbol: SymbolId,
        kind: SymbolKind,
        scope: SymbolScope,
    ) -> object::write::SymbolId {
        self.obj.add_symbol(Symbol {
            name: self.name_of(symbol).into_bytes(),
            value: 0,
            size: 0,
            kind,
            scope,
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::None,
        })
    }

    /// ELF and Mach-O: a symbol exported under another name (`#[export_name]`) gets a second symbol with that
    /// name at the same place, with default visibility; that is the export (COFF says it with
    /// `/EXPORT:NAME=SYMBOL` instead). Added in program order, so the object is the same for the same input.
    fn define_aliases(&mut self) {
        if self.target().format == Format::Coff {
            return;
        }
        for (id, symbol) in self.program.symbols() {
            let Some(export) = &symbol.export else { continue };
            let Some((obj_symbol, _)) = self.defined(id) else { continue };
            if *export == symbol.link_name {
                continue;
            }
            // Spelled by `object_name` like every other symbol: the same symbol under its exported name.
            let mut renamed = symbol.clone();
            renamed.link_name = export.clone();
            let name = reloc::object_name(self.target(), &renamed, SymbolRef::Plain);
            let original = self.obj.symbol(obj_symbol);
            let alias = Symbol {
                name: name.into_bytes(),
                value: original.value,
                size: original.size,
                kind: original.kind,
                scope: SymbolScope::Dynamic,
                weak: false,
                section: original.section,
                flags: SymbolFlags::None,
            };
            self.obj.add_symbol(alias);
        }
    }

    /// Defines statics and string literals: read-only data in `.rdata`, writable in `.data`, all-zero writable
    /// data in `.bss`.
    /// Statics are laid out here, by the target's pointer size and byte order; the addresses in each are kept
    /// for [`Writer::relocate_data`].
    fn define_data(&mut self) {
        let layout = self.target().data_layout();
        for (id, symbol) in self.program.symbols() {
            let laid_out;
            let (public, mutable, bytes, align, has_relocs) = match &symbol.def {
                SymbolDef::Static { public, mutable, data } => {
                    laid_out = data.layout(layout);
                    let has_relocs = !laid_out.addresses.is_empty();
                    if has_relocs {
                        self.data_addresses.push((id, laid_out.addresses.clone()));
                    }
                    (*public, *mutable, laid_out.bytes.as_slice(), laid_out.align, has_relocs)
                }
                SymbolDef::Str { bytes } => (false, false, bytes.as_slice(), 1, false),
                _ => continue,
            };
            let obj_symbol = match self.declared(id) {
                Some(declared) => declared,
                None => {
                    let scope = self.scope(id, public);
                    self.new_symbol(id, SymbolKind::Data, scope)
                }
            };
            let align = u64::from(align.max(1));
            let offset = if mutable && !has_relocs && bytes.iter().all(|&b| b == 0) {
                let bss = self.obj.section_id(StandardSection::UninitializedData);
                self.obj.add_symbol_bss(obj_symbol, bss, bytes.len() as u64, align)
            } else {
                let section = match (mutable, has_relocs) {
                    (true, _) => StandardSection::Data,
                    (false, false) => StandardSection::ReadOnlyData,
                    (false, true) => StandardSection::ReadOnlyDataWithRel,
                };
                let section = self.obj.section_id(section);
                self.obj.add_symbol_data(obj_symbol, section, bytes, align)
            };
            self.set_defined(id, obj_symbol, offset);
        }
    }

    /// The object symbol `site`'s relocation names: the definition, or an undefined symbol named as the site
    /// says.
    fn reloc_symbol(&mut self, target: SymbolId, symbol: SymbolRef) -> object::write::SymbolId {
        if symbol == SymbolRef::Plain
            && let Some(id) = self.declared(target).or_else(|| self.defined(target).map(|(id, _)| id))
        {
            return id;
        }
        if let Some(&id) = self.referenced.get(&(target, symbol)) {
            return id;
        }
        let kind = if symbol == SymbolRef::Plain && self.program.symbol(target).def.is_function() {
            SymbolKind::Text
        } else {
            SymbolKind::Data
        };
        // Two declarations can name one object symbol (an import redeclared in another block): one symbol.
        let name = reloc::object_name(self.target(), self.program.symbol(target), symbol);
        let id = match self.undefined.get(&name) {
            Some(&id) => id,
            None => {
                let id = self.obj.add_symbol(undefined_symbol(&name, kind));
                self.undefined.insert(name, id);
                id
            }
        };
        self.referenced.insert((target, symbol), id);
        id
    }

    /// Writes `site`'s relocation into `section`, whose holder of the site starts at `base`.
    fn relocate(&mut self, section: SectionId, base: u64, site: &Site) -> Result<(), Diagnostic> {
        let symbol = self.reloc_symbol(site.target, site.placement.symbol);
        let offset = base + u64::from(site.offset);
        let addend = site.addend;
        self.obj
            .add_relocation(section, Relocation { offset, symbol, addend, flags: site.placement.flags })
            .map_err(|e| self.internal(site.target, format!("relocation: {e}")))
    }

    /// Writes an unwind table's pointer at `offset` in `section` (named `section_name`) to `to` (the section
    /// symbol of `to_name`) plus `addend`, with `placement`, and records it.
    fn relocate_unwind(
        &mut self,
        (section, section_name): (SectionId, &'static str),
        offset: u64,
        function: SymbolId,
        (to, to_name): (object::write::SymbolId, &'static str),
        addend: i64,
        placement: Placement,
    ) -> Result<(), Diagnostic> {
        self.obj
            .add_relocation(section, Relocation { offset, symbol: to, addend, flags: placement.flags })
            .map_err(|e| self.internal(function, format!("{section_name}: {e}")))?;
        if !self.reports {
            return Ok(());
        }
        self.unwind_sites.push(UnwindSite {
            section: section_name,
            offset,
            function,
            object_symbol: to_name,
            addend,
            placement,
        });
        Ok(())
    }

    /// Relocations inside statics: pointer-sized absolute addresses.
    fn relocate_data(&mut self) -> Result<Vec<DataSite>, Diagnostic> {
        let mut sites = Vec::new();
        for (id, addresses) in std::mem::take(&mut self.data_addresses) {
            let Some((obj_symbol, base)) = self.defined(id) else { continue };
            let section = match self.obj.symbol(obj_symbol).section {
                SymbolSection::Section(section) => section,
                _ => return Err(self.internal(id, "static with relocations is not in a section")),
            };
            for (offset, target) in addresses {
                let access = self.plan.access(target);
                let site = self.site(offset, target, Purpose::DataWord, access, SiteShape::DataAbs64, 0)?;
                self.relocate(section, base, &site)?;
                sites.push(DataSite { holder: id, site });
            }
        }
        Ok(sites)
    }
}

/// An undefined, global symbol `name` of `kind`, as the object's other files (or a shared library) define it;
/// `add_symbol_data` / `add_symbol_bss` can define it afterwards.
pub(super) fn undefined_symbol(name: &str, kind: SymbolKind) -> Symbol {
    Symbol {
        name: name.as_bytes().to_vec(),
        value: 0,
        size: 0,
        kind,
        // A hidden undefined symbol cannot bind to a shared library's definition.
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Undefined,
        flags: SymbolFlags::None,
    }
}
