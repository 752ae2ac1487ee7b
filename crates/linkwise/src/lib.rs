//! linkwise: a code generator that knows where every symbol comes from.
//!
//! A module declares, in Rust-like `extern` blocks, which native library each imported symbol comes from and
//! how that library is linked (RFC 1717's `#[link(name, kind)]`). linkwise shapes every reference by it: on
//! Windows a symbol from a DLL is reached through its `__imp_` import slot (dllimport), one from a static
//! library through a direct relocation. The pipeline, one crate per stage:
//!
//! 1. [`ir`]: text → [`ir::ast::Module`] → checked [`ir::checked::Program`] (all user errors, with file:line:col);
//! 2. [`linkage`]: `-l [KIND=]NAME[:NEWNAME]` overrides → [`linkage::LinkPlan`], the table of how each import is
//!    reached;
//! 3. [`codegen`]: Cranelift lowering and object writing, every relocation from one table.
//!
//! ```
//! use linkwise::{Options, SourceFile};
//!
//! let file = SourceFile::new("hello.lw", r#"
//!     #[link(name = "msvcrt")]
//!     extern { fn puts(ptr) -> i32; }
//!     pub fn main() -> i32 { puts("hi\0"); return 0; }
//! "#);
//! // What `linkwise build hello.lw -l static=msvcrt` does:
//! let options = Options::new().link("static=msvcrt")?;
//! let compiled = linkwise::compile(&file, &options).map_err(|d| d.render(&file))?;
//! let object: &[u8] = &compiled.object.bytes; // a COFF x86_64 object, ready for lld-link
//! assert_eq!(&object[..2], &[0x64, 0x86]);    // IMAGE_FILE_MACHINE_AMD64
//! // The override made `puts` a direct call: REL32 to `puts`, not a load from `__imp_puts`.
//! let targets: Vec<&str> =
//!     compiled.object.functions[0].sites.iter().map(|s| s.object_symbol.as_str()).collect();
//! assert_eq!(targets, [".Lstr.0", "puts"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod bundle;
pub mod explain;
pub mod link;
pub mod triple;

pub use linkwise_codegen as codegen;
pub use linkwise_ir as ir;
pub use linkwise_linkage as linkage;

/// The `object` crate linkwise writes objects with, for [`compile_with`]'s hook (the same version, so its
/// `object::write::Object` is the one handed over).
pub use linkwise_codegen::object;
pub use linkwise_codegen::{ObjectHook, ObjectOutput, OptLevel};
use linkwise_ir::span::Span;
pub use linkwise_ir::{Diagnostic, Diagnostics, SourceFile};
pub use linkwise_linkage::{CrtMode, Directive, ImportCalls, LinkPlan, LinkSpec, Target};

use linkwise_ir::ast::Module;
use linkwise_ir::checked::Program;
use std::borrow::Cow;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a compilation is asked to do beyond the module's own text: the command line's part.
///
/// `#[non_exhaustive]` (docs/api.md "API stability"): start from [`Options::new`] and set fields or use the
/// builder methods; new options are added without breaking callers.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// `--target`: wins over the module's `target` line; without either, [`Options::fallback_target`].
    pub target: Option<Target>,
    /// The target when neither [`Options::target`] nor the module's `target` line names one; `None`:
    /// `x86_64-pc-windows-msvc`, so that a module compiled in code gives the same object on every machine.
    /// The command line sets it to the host ([`triple::host`]), as rustc defaults to the host.
    pub fallback_target: Option<Target>,
    /// `-l` specs, in command-line order.
    pub link: Vec<LinkSpec>,
    /// PLT or GOT calls to imported functions on ELF and Mach-O (`--no-plt`); ignored on Windows.
    pub import_calls: ImportCalls,
    /// `--crt`: the C runtime `#[crt]` blocks link (Windows; default `dynamic`).
    pub crt: CrtMode,
    /// `--no-autolink`: the object names no library to link.
    pub no_autolink: bool,
    /// Libraries whose members are bundled into the static library being built (`--emit lib`), so the object
    /// does not ask for them again.
    pub bundled: Vec<String>,
    /// The object goes into a shared library (`--emit dylib`): on ELF and Mach-O only `#[export]`ed symbols
    /// keep default visibility, other `pub` ones are hidden. (COFF exports are `/EXPORT:` directives, always
    /// written.)
    pub shared_library: bool,
    /// `-j`: how many threads compile functions; `None`: one per core
    /// ([`std::thread::available_parallelism`]). The object is byte-identical for every value.
    pub jobs: Option<NonZeroUsize>,
    /// `--verify`: run Cranelift's IR verifier on every function. Always on in builds with debug assertions
    /// (debug builds, the tests); off by default in release builds, where it would cost about 15% of compile
    /// time checking linkwise's own lowering (docs/codegen.md "Compiling in parallel").
    pub verify: bool,
    /// Leave [`ObjectOutput::functions`] empty (no copy of each function's code, no list of its sites): what
    /// `linkwise build` does, since only `explain` reads them; it lowers peak memory by about a quarter.
    pub no_reports: bool,
    /// `--force-frame-pointers=yes`: a frame pointer in every function, leaves included. Off: the target's
    /// default, as rustc's (Apple targets always keep them; docs/codegen.md "Frame pointers"). Changes the
    /// object's bytes.
    pub force_frame_pointers: bool,
    /// `-O0`/`-O1`/`-O2`: Cranelift's optimisation level (docs/codegen.md "Optimisation levels"). Default
    /// `-O1`, Cranelift's `speed`, what linkwise always used. Changes the object's bytes.
    pub opt_level: OptLevel,
    /// `-g`: debug information, a line table mapping every instruction to its line in the module's source
    /// (DWARF on ELF and Mach-O, CodeView on COFF). Only [`compile`] has the source
    /// text to map into; [`compile_module`] ignores it. Off: the object is byte for byte what it was before
    /// the option existed.
    pub debug_info: bool,
}

impl Options {
    /// No target override, no `-l`.
    pub fn new() -> Options {
        Options::default()
    }

    /// Sets the target from a triple, in any spelling [`triple::parse`] takes.
    pub fn target(mut self, triple: &str) -> Result<Options, Diagnostic> {
        self.target = Some(triple::parse(triple)?);
        Ok(self)
    }

    /// Adds one `-l` spec (the text after `-l`).
    pub fn link(mut self, spec: &str) -> Result<Options, Diagnostic> {
        self.link.push(LinkSpec::parse(spec)?);
        Ok(self)
    }

    /// Adds one typed `-l` spec (`LinkSpec::new(LinkKind::Static, "msvcrt")`), checked by the command line's
    /// rules ([`LinkSpec::validate`]).
    pub fn link_spec(mut self, spec: LinkSpec) -> Result<Options, Diagnostic> {
        self.link.push(spec.validate()?);
        Ok(self)
    }

    /// Sets [`Options::shared_library`]: the object goes into a DLL or shared library.
    pub fn shared_library(mut self, on: bool) -> Options {
        self.shared_library = on;
        self
    }

    /// Sets [`Options::debug_info`] (`-g`).
    pub fn debug_info(mut self, on: bool) -> Options {
        self.debug_info = on;
        self
    }

    /// Sets [`Options::jobs`] (`-j`).
    pub fn jobs(mut self, jobs: Option<NonZeroUsize>) -> Options {
        self.jobs = jobs;
        self
    }

    /// Sets [`Options::crt`] (`--crt`).
    pub fn crt(mut self, crt: CrtMode) -> Options {
        self.crt = crt;
        self
    }
}

/// Everything one compilation produced (`#[non_exhaustive]`: more may be reported).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Compiled {
    /// The checked program. From [`compile`], which compiles each function body as soon as it is checked and
    /// drops it, its `functions` is empty (its symbols are all there); [`compile_module`] keeps the bodies.
    pub program: Program,
    /// The link plan: libraries and how each import is reached.
    pub plan: LinkPlan,
    /// What the object says about its own linking (libraries, exports, C runtime), as the object carries it.
    pub directives: Vec<Directive>,
    /// The object file and the per-function report of its symbol references.
    pub object: ObjectOutput,
    /// How long each phase took, in order (`--time-passes`, `-v`).
    pub phases: Vec<Phase>,
}

/// One phase of a compilation and its wall time (`linkwise build --time-passes`).
///
/// Compiling streams (docs/codegen.md "Streaming"): `parse` and `check` are the outline and the declarations;
/// each function body is parsed, checked, lowered and written inside `compile`, on the compiling threads.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Phase {
    /// `parse`, `check`, `resolve`, `compile`.
    pub name: &'static str,
    /// Wall time.
    pub time: std::time::Duration,
}

/// Times phases as a compilation goes through them.
#[derive(Default)]
struct Clock {
    phases: Vec<Phase>,
    started: Option<std::time::Instant>,
}

impl Clock {
    /// Ends the running phase as `name` and starts the next.
    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        let started = self.started.replace(now).unwrap_or(now);
        self.phases.push(Phase { name, time: now - started });
    }

    fn start() -> Clock {
        Clock { phases: Vec::new(), started: Some(std::time::Instant::now()) }
    }
}

/// Parses, checks, resolves and compiles one source file.
///
/// Streaming: the declarations are parsed and checked first, then each function body is parsed, checked,
/// compiled and dropped on a compiling thread, so that neither the whole syntax tree nor all checked bodies
/// ever exist at once (issue 10 measured them at 62 MB and 33 MB for 10,000 functions; docs/codegen.md
/// "Streaming"). A module with errors gets the same complete list, in the same order, as parsing it and
/// checking it whole gives ([`compile_module`]), still found one body at a time.
pub fn compile(file: &SourceFile, options: &Options) -> Result<Compiled, Diagnostics> {
    compile_inner(file, options, None, None)
}

/// [`compile`], with `progress` told (functions written into the object, functions in all) as the compiling
/// threads finish each function, on the calling thread: what `build -v` shows while a large module compiles.
pub fn compile_with_progress(
    file: &SourceFile,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Compiled, Diagnostics> {
    compile_inner(file, options, None, Some(progress))
}

/// [`compile`], with `hook` given the `object::write::Object` once linkwise has put everything in it and
/// before it is written, so an embedder can add sections, symbols and relocations of its own
/// ([`codegen::generate_with_hook`]; docs/api.md "Adding to the object"):
///
/// ```
/// use linkwise::object::write::{Object, SectionKind};
///
/// let file = linkwise::SourceFile::new("m.lw", "pub fn f() {}\n");
/// let mut add = |obj: &mut Object<'static>| {
///     let id = obj.add_section(Vec::new(), b".embedder".to_vec(), SectionKind::ReadOnlyData);
///     obj.append_section_data(id, b"built by me", 1);
///     Ok(())
/// };
/// let compiled = linkwise::compile_with(&file, &linkwise::Options::new(), &mut add)?;
/// assert!(compiled.object.bytes.windows(11).any(|w| w == b"built by me"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compile_with(
    file: &SourceFile,
    options: &Options,
    hook: ObjectHook<'_>,
) -> Result<Compiled, Diagnostics> {
    compile_inner(file, options, Some(hook), None)
}

fn compile_inner(
    file: &SourceFile,
    options: &Options,
    hook: Option<ObjectHook<'_>>,
    progress: Option<codegen::ProgressHook<'_>>,
) -> Result<Compiled, Diagnostics> {
    let mut clock = Clock::start();
    let (declared, functions) = {
        let outline = linkwise_ir::text::parse_outline(file)?;
        clock.lap("parse");
        let declared = linkwise_ir::check::check_declarations(&outline.module, &outline.strings);
        // Once the declarations are checked only each function's extent is kept: its item is parsed again, body
        // and all, when it is compiled (the outline's items were 2 MB at 10,000 functions).
        let functions: Vec<Span> = outline
            .module
            .items
            .iter()
            .filter_map(|item| match item {
                linkwise_ir::ast::Item::Fn(f) => Some(f.span),
                _ => None,
            })
            .collect();
        (declared, functions)
    };
    clock.lap("check");
    let mut failed = None;
    if !declared.errors().has_errors() {
        let bodies = StreamedBodies {
            file,
            functions: &functions,
            declared: &declared,
            failed: AtomicBool::new(false),
        };
        let debug = options.debug_info.then_some(file);
        match compile_parts(declared.program(), &bodies, options, &mut clock, debug, hook, progress) {
            Ok((plan, directives, object)) if !bodies.failed.load(Ordering::Relaxed) => {
                let phases = clock.phases;
                return Ok(Compiled { program: declared.into_program(), plan, directives, object, phases });
            }
            // Resolving or code generation failed: its error is the answer only if every body parses and
            // checks, as the whole-module path reaches them only then.
            Err(d) if !bodies.failed.load(Ordering::Relaxed) => failed = Some(d),
            _ => {}
        }
    }
    match (module_errors(file, &functions, &declared), failed) {
        (Some(errors), _) | (None, Some(errors)) => Err(errors),
        // A body failed in streaming but checks when checked again: not the user's doing.
        (None, None) => Err(Diagnostic::internal("a function body failed to check, and then checked").into()),
    }
}

/// The errors of the module, exactly as parsing and checking it whole reports them ([`compile_module`]),
/// found one body at a time: the first syntax error of a body if any (the outline had none before it), else
/// the declarations' errors and then each body's, in order, the suggestion budget carried through. `None` if
/// it has none.
fn module_errors(
    file: &SourceFile,
    functions: &[Span],
    declared: &linkwise_ir::check::Declared,
) -> Option<Diagnostics> {
    let mut errors = declared.errors().clone();
    let mut work = 0;
    for (index, &span) in functions.iter().enumerate() {
        // Syntax errors are the whole answer, whatever was gathered from the bodies before them: every one in
        // the module, as the whole-module path recovers from each (issue 13), so the module is parsed whole for
        // them (only a module that fails pays for it).
        let f = match linkwise_ir::text::parse_function(file, span) {
            Ok(f) => f,
            Err(d) => return Some(linkwise_ir::text::parse(file).err().unwrap_or(d)),
        };
        if let Err(d) = declared.check_function(index, &f, &mut work) {
            errors.0.extend(d.0);
        }
    }
    errors.has_errors().then_some(errors)
}

/// The bodies of an outline's functions, each parsed and checked when it is compiled, on the compiling thread.
struct StreamedBodies<'a> {
    file: &'a SourceFile,
    /// The extent of each function's item, in order.
    functions: &'a [Span],
    declared: &'a linkwise_ir::check::Declared,
    /// Whether some body did not parse or check (the module's errors are then gathered by `module_errors`).
    failed: AtomicBool,
}

impl codegen::Bodies for StreamedBodies<'_> {
    fn count(&self) -> usize {
        self.functions.len()
    }

    fn body(&self, index: usize) -> Result<Cow<'_, linkwise_ir::checked::Function>, Diagnostic> {
        let checked = self.functions.get(index).ok_or(()).and_then(|&span| {
            let f = linkwise_ir::text::parse_function(self.file, span).map_err(drop)?;
            // Only success matters here (errors are gathered again, in order, by `module_errors`), so each
            // body's suggestions start from an unspent budget.
            self.declared.check_function(index, &f, &mut 0).map_err(drop)
        });
        checked.map(Cow::Owned).map_err(|()| {
            self.failed.store(true, Ordering::Relaxed);
            Diagnostic::error("a function body with errors (gathered by `module_errors`)")
        })
    }
}

/// Compiles a module built in code (or parsed earlier).
///
/// A module built with [`ir::ast::Module::builder`] has no spans: its errors' `Display` names no place
/// (docs/api.md "Errors").
pub fn compile_module(module: &Module, options: &Options) -> Result<Compiled, Diagnostics> {
    compile_module_inner(module, options, None)
}

/// [`compile_module`] with [`compile_with`]'s hook on the object.
pub fn compile_module_with(
    module: &Module,
    options: &Options,
    hook: ObjectHook<'_>,
) -> Result<Compiled, Diagnostics> {
    compile_module_inner(module, options, Some(hook))
}

fn compile_module_inner(
    module: &Module,
    options: &Options,
    hook: Option<ObjectHook<'_>>,
) -> Result<Compiled, Diagnostics> {
    let mut clock = Clock::start();
    let program = linkwise_ir::check::check(module)?;
    clock.lap("check");
    let (plan, directives, object) =
        compile_parts(&program, &program, options, &mut clock, None, hook, None)?;
    Ok(Compiled { program, plan, directives, object, phases: clock.phases })
}

/// Resolves, plans directives for and generates the object of `program`, whose function bodies come from
/// `bodies`; with debug information about `debug`, the source they were parsed from, when given (`-g`).
fn compile_parts(
    program: &Program,
    bodies: &dyn codegen::Bodies,
    options: &Options,
    clock: &mut Clock,
    debug: Option<&SourceFile>,
    hook: Option<ObjectHook<'_>>,
    progress: Option<codegen::ProgressHook<'_>>,
) -> Result<(LinkPlan, Vec<Directive>, ObjectOutput), Diagnostics> {
    let target = match (&options.target, &program.target) {
        (Some(target), _) => target.clone(),
        (None, Some(triple)) => triple::parse(&triple.value)
            .map_err(|d| Diagnostics::from(d.primary(triple.span, "the module's `target` line")))?,
        (None, None) => options.fallback_target.clone().unwrap_or_else(Target::default_target),
    };
    let resolve = linkwise_linkage::ResolveOptions { calls: options.import_calls, crt: options.crt };
    let plan = linkwise_linkage::resolve(program, &target, &options.link, resolve)?;
    let directive_options = linkwise_linkage::DirectiveOptions {
        no_autolink: options.no_autolink,
        bundled: options.bundled.clone(),
    };
    let directives = linkwise_linkage::directives(program, &plan, &directive_options);
    clock.lap("resolve");
    let emit = linkwise_codegen::EmitOptions {
        shared_library: options.shared_library,
        force_frame_pointers: options.force_frame_pointers,
        opt_level: options.opt_level,
    };
    let codegen = linkwise_codegen::CompileOptions {
        jobs: options.jobs,
        verify: options.verify,
        no_reports: options.no_reports,
    };
    let object = linkwise_codegen::generate_with_hooks(
        program,
        bodies,
        &plan,
        &directives,
        &emit,
        &codegen,
        debug,
        hook,
        progress,
    )?;
    clock.lap("compile");
    Ok((plan, directives, object))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module built in code skips the parser's rules for export names; the COFF writer still refuses a name
    /// `/EXPORT:` cannot carry (it splits at `,` and `=`, quoted or not) with a user error at the definition,
    /// rather than write a directive lld-link would misread.
    #[test]
    fn an_export_name_coff_cannot_carry_is_an_error() {
        let file = SourceFile::new("e.lw", "#[export_name = \"ab\"]\npub fn f() {}\n");
        let mut module = linkwise_ir::text::parse(&file).unwrap();
        let linkwise_ir::ast::Item::Fn(f) = &mut module.items[0] else { panic!("a function") };
        f.export.name.as_mut().expect("#[export_name]").value = "a,b".to_owned();
        let options = Options::new().target("x86_64-pc-windows-msvc").unwrap();
        let error = compile_module(&module, &options).unwrap_err().render(&file);
        assert!(error.contains("error[LW0205]: the export name `a,b` contains `,`"), "{error}");
        assert!(error.contains("--> e.lw:"), "{error}");
    }

    /// `compile_with`'s hook adds a section that is in the written object with its bytes, on every format, and
    /// what linkwise wrote is still there (the function's symbol).
    #[test]
    fn the_object_hook_adds_a_section_on_every_format() {
        use object::{Object as _, ObjectSection as _, ObjectSymbol as _};
        let file = SourceFile::new("h.lw", "pub fn f() -> i32 { return 1; }\n");
        for (triple, section) in [
            ("x86_64-pc-windows-msvc", ".embed"),
            ("x86_64-unknown-linux-gnu", ".embed"),
            ("aarch64-apple-darwin", "__embed"),
        ] {
            let mut add = |obj: &mut object::write::Object<'static>| {
                let segment = obj.segment_name(object::write::StandardSegment::Data).to_vec();
                let id =
                    obj.add_section(segment, section.as_bytes().to_vec(), object::SectionKind::ReadOnlyData);
                obj.append_section_data(id, b"embedder bytes", 1);
                Ok(())
            };
            let options = Options::new().target(triple).unwrap();
            let compiled = compile_with(&file, &options, &mut add).unwrap_or_else(|d| panic!("{d}"));
            let read = object::File::parse(&*compiled.object.bytes).unwrap();
            let found = read.section_by_name(section).unwrap_or_else(|| panic!("{triple}: no `{section}`"));
            assert_eq!(found.data().unwrap(), b"embedder bytes", "{triple}");
            let prefix = if triple.contains("apple") { "_" } else { "" };
            assert!(read.symbols().any(|s| s.name() == Ok(&format!("{prefix}f"))), "{triple}");
        }
    }

    /// The unwind tables' pointers are recorded as they are written: on Windows x64 three per function with a
    /// frame (`.pdata`'s begin, end and `.xdata` fields), on ELF one per FDE, none on Mach-O.
    #[test]
    fn unwind_pointers_are_recorded_per_function() {
        let file =
            SourceFile::new("u.lw", "extern { fn g(); }\npub fn a() { g(); }\npub fn b() { g(); g(); }\n");
        let sites = |triple: &str| {
            let options = Options::new().target(triple).unwrap();
            let compiled = compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
            compiled
                .object
                .unwind_sites
                .iter()
                .map(|s| {
                    (
                        s.section,
                        compiled.program.symbol(s.function).name.clone(),
                        s.object_symbol,
                        s.placement.name,
                    )
                })
                .collect::<Vec<_>>()
        };
        let pdata = |f: &str| {
            [".text", ".text", ".xdata"].map(|to| (".pdata", f.to_owned(), to, "IMAGE_REL_AMD64_ADDR32NB"))
        };
        assert_eq!(sites("x86_64-pc-windows-msvc"), [pdata("a"), pdata("b")].concat());
        let fde = |f: &str| (".eh_frame", f.to_owned(), ".text", "R_X86_64_PC32");
        assert_eq!(sites("x86_64-unknown-linux-gnu"), [fde("a"), fde("b")]);
        assert_eq!(sites("x86_64-apple-darwin"), []);
    }
}
