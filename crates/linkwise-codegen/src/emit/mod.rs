//! Object writing: compiled functions, statics and strings into a relocatable object with the `object` crate.
//! Every relocation comes from the table in `reloc.rs`; format-specific extras live in one file per format.

mod coff;
mod eh_frame;
mod elf;
mod macho;

use crate::lower::{CompiledFunction, Unwind};
use crate::reloc::{self, Patch, SiteShape, SymbolRef};
use cranelift_codegen::gimli::write::CommonInformationEntry;
use linkwise_ir::Diagnostic;
use linkwise_ir::checked::{Program, SymbolDef, SymbolId};
use linkwise_linkage::{Access, Arch, Format, LinkPlan, Target};
use object::write::{Object, Relocation, SectionId, StandardSection, Symbol, SymbolSection};
use object::{Architecture, BinaryFormat, Endianness, SymbolFlags, SymbolKind, SymbolScope};
use std::collections::HashMap;

/// A reference from machine code to a symbol, with everything decided about it: what `linkwise explain`
/// shows per call site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Offset of the relocated field from the start of its function.
    pub offset: u32,
    /// The symbol referred to.
    pub target: SymbolId,
    /// What the instruction does with it.
    pub shape: SiteShape,
    /// How the link plan says the symbol is reached.
    pub access: Access,
    /// The relocation type, as the format's documentation names it.
    pub relocation: &'static str,
    /// The object symbol the relocation names (`puts` or `__imp_puts`).
    pub object_symbol: String,
    /// The instruction rewrite applied, if any.
    pub patch: Option<Patch>,
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

/// An address stored in a static's initial value, and the relocation that fills it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSite {
    /// The static holding the address.
    pub symbol: SymbolId,
    /// Offset of the address in the static.
    pub offset: u32,
    /// The symbol whose address is stored.
    pub target: SymbolId,
    /// The relocation type, as the format's documentation names it.
    pub relocation: &'static str,
    /// The object symbol the relocation names.
    pub object_symbol: String,
}

/// The object file's bytes plus the report of what went into it.
#[derive(Clone, Debug)]
pub struct ObjectOutput {
    /// The relocatable object file.
    pub bytes: Vec<u8>,
    /// Every function, in program order.
    pub functions: Vec<FunctionReport>,
    /// Every address stored in a static, in program order.
    pub data_sites: Vec<DataSite>,
    /// Warnings for the user, in program order (a function without an unwind record, and why); the CLI prints
    /// them to standard error.
    pub warnings: Vec<Diagnostic>,
}

/// Writes `functions` and the program's data into an object for the plan's target; `cie` is the ISA's common
/// information entry for `.eh_frame`, when the target uses DWARF call frame information.
pub(crate) fn write(
    program: &Program,
    plan: &LinkPlan,
    functions: Vec<CompiledFunction>,
    cie: Option<CommonInformationEntry>,
) -> Result<ObjectOutput, Diagnostic> {
    let target = &plan.target;
    let mut w = Writer::new(program, plan)?;

    // Phase 1: define every symbol (code after its rewrites, then data), so relocations find them all.
    let mut reports = Vec::with_capacity(functions.len());
    let mut pending = Vec::new();
    for f in functions {
        let mut code = f.code;
        let mut sites = Vec::with_capacity(f.relocs.len());
        for r in &f.relocs {
            let shape = SiteShape::from_cranelift(r.kind).ok_or_else(|| {
                w.internal(
                    f.symbol,
                    format!("Cranelift relocation {:?} has no place in linkwise's table", r.kind),
                )
            })?;
            let access = plan.access(r.target);
            let placement = reloc::place(target, shape, access)?;
            if let Some(patch) = placement.patch {
                reloc::apply_patch(&mut code, r.offset as usize, patch)
                    .map_err(|e| w.internal(f.symbol, e))?;
            }
            let object_symbol =
                reloc::object_name(target, &program.symbol(r.target).link_name, placement.symbol);
            sites.push(Site {
                offset: r.offset,
                target: r.target,
                shape,
                access,
                relocation: placement.name,
                object_symbol,
                patch: placement.patch,
            });
            pending.push((f.symbol, r.offset, r.target, placement, r.addend));
        }
        let offset = w.define_function(f.symbol, &code, f.alignment);
        if let Some(unwind) = f.unwind {
            w.unwind.push((f.symbol, offset, code.len() as u32, unwind));
        }
        reports.push(FunctionReport { symbol: f.symbol, object_name: w.name_of(f.symbol), code, sites });
    }
    w.define_data();

    // Phase 2: relocations.
    for (function, offset, symbol, placement, addend) in pending {
        let base = w.defined_offset(function);
        w.relocate(w.text, base + u64::from(offset), symbol, placement, addend)?;
    }
    let data_sites = w.relocate_data()?;
    let mut macho_pending = None;
    match target.format {
        Format::Coff => coff::write_unwind_tables(&mut w)?,
        Format::Elf => elf::write_extras(&mut w, cie)?,
        Format::MachO => macho_pending = macho::write_eh_frame(&mut w, cie)?,
    }
    let mut bytes =
        w.obj.write().map_err(|e| Diagnostic::error(format!("internal error writing the object: {e}")))?;
    if let Some(pending) = macho_pending {
        macho::resolve(&mut bytes, pending)?;
    }
    Ok(ObjectOutput { bytes, functions: reports, data_sites, warnings: Vec::new() })
}

/// State while one object is written.
pub(crate) struct Writer<'a> {
    program: &'a Program,
    plan: &'a LinkPlan,
    obj: Object<'static>,
    text: SectionId,
    /// Object symbol of each defined program symbol (functions, statics, strings), and its section offset.
    defined: HashMap<SymbolId, (object::write::SymbolId, u64)>,
    /// Undefined symbols by object name (`puts`, `__imp_puts`), created on first reference so that an import
    /// nobody uses costs nothing at link time.
    undefined: HashMap<String, object::write::SymbolId>,
    /// (function, offset in .text, code size, unwind information) for `.pdata`/`.xdata` or `.eh_frame`.
    unwind: Vec<(SymbolId, u64, u32, Unwind)>,
}

impl<'a> Writer<'a> {
    fn new(program: &'a Program, plan: &'a LinkPlan) -> Result<Self, Diagnostic> {
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
            defined: HashMap::new(),
            undefined: HashMap::new(),
            unwind: Vec::new(),
        })
    }

    fn target(&self) -> &Target {
        &self.plan.target
    }

    fn internal(&self, symbol: SymbolId, what: impl std::fmt::Display) -> Diagnostic {
        let s = self.program.symbol(symbol);
        Diagnostic::error(format!("internal error while writing `{}`: {what}", s.name))
            .primary(s.span, "in this definition")
            .note("this is a bug in linkwise; please report it with the input file")
    }

    fn name_of(&self, symbol: SymbolId) -> String {
        reloc::object_name(self.target(), &self.program.symbol(symbol).link_name, SymbolRef::Plain)
    }

    fn defined_offset(&self, symbol: SymbolId) -> u64 {
        self.defined.get(&symbol).map_or(0, |&(_, offset)| offset)
    }

    /// Adds a defined symbol's code to `.text`; returns its offset there.
    fn define_function(&mut self, symbol: SymbolId, code: &[u8], align: u32) -> u64 {
        let public = matches!(self.program.symbol(symbol).def, SymbolDef::Fn { public: true, .. });
        let id = self.new_symbol(symbol, SymbolKind::Text, public);
        let offset = self.obj.add_symbol_data(id, self.text, code, u64::from(align.max(1)));
        self.defined.insert(symbol, (id, offset));
        offset
    }

    fn new_symbol(&mut self, symbol: SymbolId, kind: SymbolKind, public: bool) -> object::write::SymbolId {
        self.obj.add_symbol(Symbol {
            name: self.name_of(symbol).into_bytes(),
            value: 0,
            size: 0,
            kind,
            // Default visibility (`Dynamic`), as a C `extern` definition has: `Linkage` would make it hidden on
            // ELF and private-extern on Mach-O. COFF has no visibility; both give IMAGE_SYM_CLASS_EXTERNAL.
            scope: if public { SymbolScope::Dynamic } else { SymbolScope::Compilation },
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::None,
        })
    }

    /// Defines statics and string literals: read-only data in `.rdata`, writable in `.data`, all-zero writable
    /// data in `.bss`.
    fn define_data(&mut self) {
        for (id, symbol) in self.program.symbols() {
            let (public, mutable, bytes, align, has_relocs) = match &symbol.def {
                SymbolDef::Static { public, mutable, data } => {
                    (*public, *mutable, data.bytes.as_slice(), data.align, !data.relocs.is_empty())
                }
                SymbolDef::Str { bytes } => (false, false, bytes.as_slice(), 1, false),
                _ => continue,
            };
            let obj_symbol = self.new_symbol(id, SymbolKind::Data, public);
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
            self.defined.insert(id, (obj_symbol, offset));
        }
    }

    /// The object symbol a relocation against `symbol` names under `placement`.
    fn reloc_symbol(&mut self, symbol: SymbolId, placement: reloc::Placement) -> object::write::SymbolId {
        if placement.symbol == SymbolRef::Plain
            && let Some(&(id, _)) = self.defined.get(&symbol)
        {
            return id;
        }
        let s = self.program.symbol(symbol);
        let name = reloc::object_name(self.target(), &s.link_name, placement.symbol);
        let kind = if placement.symbol == SymbolRef::Plain && s.def.is_function() {
            SymbolKind::Text
        } else {
            SymbolKind::Data
        };
        let obj = &mut self.obj;
        *self.undefined.entry(name).or_insert_with_key(|name| {
            obj.add_symbol(Symbol {
                name: name.clone().into_bytes(),
                value: 0,
                size: 0,
                kind,
                // A hidden undefined symbol cannot bind to a shared library's definition.
                scope: SymbolScope::Dynamic,
                weak: false,
                section: SymbolSection::Undefined,
                flags: SymbolFlags::None,
            })
        })
    }

    fn relocate(
        &mut self,
        section: SectionId,
        offset: u64,
        symbol: SymbolId,
        placement: reloc::Placement,
        addend: i64,
    ) -> Result<(), Diagnostic> {
        let obj_symbol = self.reloc_symbol(symbol, placement);
        self.obj
            .add_relocation(
                section,
                Relocation { offset, symbol: obj_symbol, addend, flags: placement.flags },
            )
            .map_err(|e| self.internal(symbol, format!("relocation: {e}")))
    }

    /// Relocations inside statics: 64-bit absolute addresses.
    fn relocate_data(&mut self) -> Result<Vec<DataSite>, Diagnostic> {
        let mut sites = Vec::new();
        for (id, symbol) in self.program.symbols() {
            let SymbolDef::Static { data, .. } = &symbol.def else { continue };
            let Some(&(obj_symbol, base)) = self.defined.get(&id) else { continue };
            let section = match self.obj.symbol(obj_symbol).section {
                SymbolSection::Section(section) => section,
                _ => return Err(self.internal(id, "static with relocations is not in a section")),
            };
            for r in &data.relocs {
                let placement =
                    reloc::place(self.target(), SiteShape::DataAbs64, self.plan.access(r.target))?;
                self.relocate(section, base + u64::from(r.offset), r.target, placement, 0)?;
                let link_name = &self.program.symbol(r.target).link_name;
                sites.push(DataSite {
                    symbol: id,
                    offset: r.offset,
                    target: r.target,
                    relocation: placement.name,
                    object_symbol: reloc::object_name(self.target(), link_name, placement.symbol),
                });
            }
        }
        Ok(sites)
    }
}
