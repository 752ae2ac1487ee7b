//! The link driver behind `linkwise build --emit exe|dylib` (issue 9, item 6): finds LLD, builds its command
//! line from the compiled module (its entry points, its link plan, the directives its object carries) and runs
//! it, returning the linker's own words when it fails.
//!
//! One linker per object format, as LLD names them: `lld-link` for COFF, `ld.lld` for ELF, `ld64.lld` for
//! Mach-O (../shared/notes/toolchain.md has the verified lines this module reproduces). The object is written
//! to a scratch directory with the import libraries of `raw-dylib` libraries (which linkwise provides, rustc's
//! meaning); the caller chooses the output path (the CLI passes a temporary name beside the real output and
//! renames it only when the link succeeds).
//!
//! What the object says about its own linking is not repeated: a library the object names in a directive
//! (`/DEFAULTLIB:`, `.deplibs`, `LC_LINKER_OPTION`) is found by the linker from the search paths; only the
//! libraries the object does not carry (`--no-autolink`) and what cannot be a directive (`+whole-archive`,
//! `raw-dylib` import libraries, the C runtime's start-up files) go on the command line.

use crate::Compiled;
use linkwise_ir::checked::{Program, SymbolDef};
use linkwise_ir::{Diagnostic, LinkKind};
use linkwise_linkage::{Arch, Directive, Format, LibraryRow, Target};
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

/// How long [`Link::run`] lets a linker run: LLD links the largest module linkwise accepts in seconds, so ten
/// minutes means it hangs.
pub const LINK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(600);

/// What the linker makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Image {
    /// A program (`--emit exe`): `NAME.exe`, or `NAME` on ELF and Mach-O.
    Executable,
    /// A shared library (`--emit dylib`): `NAME.dll`, `libNAME.so`, `libNAME.dylib`.
    SharedLibrary,
}

/// One link: what to make, where, and with which search paths.
#[derive(Clone, Debug)]
pub struct LinkRequest {
    /// Program or shared library.
    pub image: Image,
    /// Where the linker writes the image (the CLI gives a temporary name beside the real output).
    pub output: PathBuf,
    /// The image's final file name (`libmath.so`): the ELF soname and the Mach-O install name
    /// (`@rpath/NAME`) are recorded in it, so they must not be the temporary name.
    pub file_name: String,
    /// COFF shared library: where lld-link writes the DLL's own import library (`/implib:`); `None` writes
    /// none (`/noimplib`). Ignored elsewhere.
    pub import_library: Option<PathBuf>,
    /// `-L DIR`, in order: where the linker looks for libraries.
    pub search_paths: Vec<PathBuf>,
    /// `--linker PATH`: the linker to run instead of the one found on PATH.
    pub linker: Option<PathBuf>,
    /// Mach-O: the SDK whose `usr/lib` holds libSystem (`--sdk-root`, else the `SDKROOT` environment variable).
    pub sdk_root: Option<PathBuf>,
}

/// An import library linkwise writes for one DLL the module imports from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLibrary {
    /// The library's name in the link plan (after `-l` renames).
    pub library: String,
    /// Whether the library is `raw-dylib` (its import library is passed to every link linkwise runs).
    pub raw_dylib: bool,
    /// The file name it is written under: `NAME.lib`, or the name as written for `+verbatim`.
    pub file_name: String,
    /// The archive.
    pub bytes: Vec<u8>,
}

/// The import libraries of every DLL library of the plan (kinds `dylib` and `raw-dylib`) that declares symbols,
/// in plan order, written by [`linkwise_codegen::implib`]; none for ELF and Mach-O, whose linkers read shared
/// libraries themselves.
pub fn import_libraries(compiled: &Compiled) -> Result<Vec<ImportLibrary>, Diagnostic> {
    write_import_libraries(compiled, linkwise_codegen::implib::Which::AllDylibs)
}

/// [`import_libraries`] of the DLL libraries `which` selects (the link itself needs only raw-dylib ones).
fn write_import_libraries(
    compiled: &Compiled,
    which: linkwise_codegen::implib::Which,
) -> Result<Vec<ImportLibrary>, Diagnostic> {
    let plan = &compiled.plan;
    if plan.target.format != Format::Coff {
        return Ok(Vec::new());
    }
    let libraries = linkwise_codegen::implib::import_libraries(&compiled.program, plan, which)?;
    // A set, not a scan of the plan per library (quadratic with tens of thousands of libraries).
    let raw: HashSet<&str> =
        plan.libraries.iter().filter(|r| r.kind == LinkKind::RawDylib).map(|r| r.name.as_str()).collect();
    for lib in &libraries {
        if !is_file_name(&lib.file_name) {
            let row = plan.libraries.iter().find(|r| r.name == lib.library);
            return Err(not_a_file_name(&compiled.program, row, &lib.library, &lib.file_name));
        }
    }
    Ok(libraries
        .into_iter()
        .map(|lib| ImportLibrary {
            raw_dylib: raw.contains(lib.library.as_str()),
            library: lib.library,
            file_name: lib.file_name,
            bytes: lib.bytes,
        })
        .collect())
}

/// Whether `name` is a plain file name, one that stays in the directory it is written to: not empty, not `.`
/// or `..`, no `/` (nor `\\`, a directory separator on Windows, where the import library is used).
fn is_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
}

/// The error for an import library whose file name (the library's name, `+verbatim` or not) is a path:
/// writing it beside the output would write outside the output directory (`../x.lib`, `/etc/x`).
fn not_a_file_name(
    program: &Program,
    row: Option<&LibraryRow>,
    library: &str,
    file_name: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error(format!(
        "the import library of `{library}` would be written to `{file_name}`, which is not a file name"
    ));
    if let Some(block) = row.and_then(|r| r.blocks.first()).and_then(|b| program.blocks.get(b.index())) {
        d = match block.library.as_ref().filter(|l| l.value == library) {
            Some(name) => d.primary(name.span, "the library is named here"),
            None => d.primary(block.span, format!("this block's library, renamed `{library}` by `-l`")),
        };
    }
    d.note("linkwise writes a DLL library's import library under the name the object asks the linker for, beside the output (or in the link's scratch directory), so it must not hold a directory")
        .help("name the library without `/` or `\\`; a library in another directory is found through `-L DIR`")
}

/// LLD's linker for `format`, by the name LLD installs it under.
pub fn linker_name(format: Format) -> &'static str {
    match format {
        Format::Coff => "lld-link",
        Format::Elf => "ld.lld",
        Format::MachO => "ld64.lld",
    }
}

/// Finds the linker for `target`: `choice` (`--linker`) when given (a bare name is looked up on PATH,
/// anything with a directory part is used as it is), else LLD's linker for the format on PATH.
pub fn find_linker(target: &Target, choice: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(choice) = choice {
        let bare = choice.components().count() == 1 && choice.parent() == Some(Path::new(""));
        if bare && let Some(found) = dirs.iter().map(|d| d.join(choice)).find(|p| is_executable(p)) {
            return Ok(found);
        }
        return Ok(choice.to_path_buf());
    }
    let name = linker_name(target.format);
    search_linker(name, &dirs).ok_or_else(|| {
        Diagnostic::error(format!("cannot find `{name}`, LLD's linker for {target}, on PATH"))
            .note(format!("also looked for versioned names such as `{name}-19`"))
            .help("install LLD (Debian: `apt-get install lld-19`), or name a linker with `--linker PATH`")
    })
}

/// `name` in the first of `dirs` that has it; failing that the highest versioned `name-N` (Debian's
/// `ld.lld-19`), the earlier directory winning a tie. Deterministic for a given PATH.
fn search_linker(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    if let Some(found) = dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p)) {
        return Some(found);
    }
    let prefix = format!("{name}-");
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut found: Vec<(Vec<u32>, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let file = e.file_name();
                let version = version(file.to_str()?.strip_prefix(&prefix)?)?;
                Some((version, e.path()))
            })
            .filter(|(_, p)| is_executable(p))
            .collect();
        found.sort();
        if let Some(top) = found.pop()
            && best.as_ref().is_none_or(|(v, _)| top.0 > *v)
        {
            best = Some(top);
        }
    }
    best.map(|(_, p)| p)
}

/// `19` or `19.1.7` as numbers; anything else is no version.
fn version(text: &str) -> Option<Vec<u32>> {
    text.split('.')
        .map(|part| part.parse().ok().filter(|_| part.bytes().all(|b| b.is_ascii_digit())))
        .collect()
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A linker command line: the program and its arguments, exactly as run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkCommand {
    /// The linker.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

impl fmt::Display for LinkCommand {
    /// The command as a POSIX shell would read it back: words with characters a shell treats specially are
    /// single-quoted (`-v` prints this).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shell_quote(self.program.as_os_str()))?;
        for arg in &self.args {
            write!(f, " {}", shell_quote(arg))?;
        }
        Ok(())
    }
}

/// One word for a POSIX shell: as it is when every character is one no shell treats specially, otherwise in
/// single quotes (inside which only `'` needs care: `'\''`).
pub fn shell_quote(word: &OsStr) -> String {
    let text = word.to_string_lossy();
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b);
    if !text.is_empty() && text.bytes().all(plain) {
        return text.into_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A directory of the link's own inputs (the object, raw-dylib import libraries), removed when dropped.
#[derive(Debug)]
struct Scratch(PathBuf);

impl Scratch {
    /// A new directory under the system's temporary directory, created exclusively under an unpredictable name.
    /// Only a name already taken is worth another try; any other failure (no such directory, no permission, a
    /// full disk) would fail the same way again, so it is reported at once.
    fn new() -> Result<Scratch, Diagnostic> {
        use std::hash::{BuildHasher, Hasher};
        let base = std::env::temp_dir();
        let mut tries = 0;
        let e = loop {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            let dir = base.join(format!("linkwise-link-{:016x}", hasher.finish()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 15 => tries += 1,
                Err(e) => break e,
            }
        };
        Err(Diagnostic::error(format!("cannot create a scratch directory in `{}`: {e}", base.display())))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, Diagnostic> {
        let path = self.0.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Diagnostic::error(format!("cannot write `{}`: {e}", path.display())))?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A link ready to run: its command line and the scratch directory holding its inputs (removed with it).
#[derive(Debug)]
pub struct Link {
    command: LinkCommand,
    linker: String,
    /// Whether the linker is `--linker`'s (so the advice on failing to start it is about that path).
    chosen: bool,
    _scratch: Scratch,
}

/// What the linker printed when it succeeded (warnings, for the caller to pass on).
#[derive(Clone, Debug, Default)]
pub struct Linked {
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Why a link failed (`#[non_exhaustive]`: match it with a last arm for what may be added).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LinkError {
    /// The linker could not be started, or its inputs not written.
    Setup(Box<Diagnostic>),
    /// The linker ran and failed.
    Failed {
        /// The linker's output, verbatim: its standard output, then its standard error.
        output: String,
        /// linkwise's own error: which linker failed and its exit status.
        diagnostic: Box<Diagnostic>,
    },
}

impl LinkError {
    /// The failure as a user reads it: what the linker printed (when it ran), then linkwise's error rendered
    /// against `file`, the module that was compiled.
    pub fn render(&self, file: &linkwise_ir::SourceFile) -> String {
        match self {
            LinkError::Setup(d) => d.render(file),
            LinkError::Failed { output, diagnostic } => format!("{output}{}", diagnostic.render(file)),
        }
    }
}

impl std::fmt::Display for LinkError {
    /// What [`LinkError::render`] says, with linkwise's error shown without a source file (the `Display` of
    /// [`Diagnostic`]): for `?` in a function returning `Box<dyn Error>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Setup(d) => write!(f, "{d}"),
            LinkError::Failed { output, diagnostic } => {
                let newline = if output.is_empty() || output.ends_with('\n') { "" } else { "\n" };
                write!(f, "{output}{newline}{diagnostic}")
            }
        }
    }
}

impl std::error::Error for LinkError {}

impl From<Diagnostic> for LinkError {
    fn from(d: Diagnostic) -> LinkError {
        LinkError::Setup(Box::new(d))
    }
}

impl Link {
    /// Prepares linking `compiled` as `request` asks: finds the linker, writes the object and the raw-dylib
    /// import libraries to a scratch directory, and builds the command line.
    pub fn prepare(compiled: &Compiled, request: &LinkRequest) -> Result<Link, Diagnostic> {
        let target = &compiled.plan.target;
        let program = find_linker(target, request.linker.as_deref())?;
        let scratch = Scratch::new()?;
        let object = scratch.write(
            &format!("{}.{}", object_stem(request), object_extension(target)),
            &compiled.object.bytes,
        )?;
        let mut inputs = vec![object];
        let raw_dylib = write_import_libraries(compiled, linkwise_codegen::implib::Which::RawDylib)?;
        for lib in raw_dylib.into_iter().filter(|l| l.raw_dylib) {
            inputs.push(scratch.write(&lib.file_name, &lib.bytes)?);
        }
        let args = arguments(compiled, request, &inputs)?;
        let linker = program
            .file_name()
            .map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(Link {
            command: LinkCommand { program, args },
            linker,
            chosen: request.linker.is_some(),
            _scratch: scratch,
        })
    }

    /// The command line [`Link::run`] runs.
    pub fn command(&self) -> &LinkCommand {
        &self.command
    }

    /// Runs the linker with [`LINK_DEADLINE`]; see [`Link::run_with_deadline`].
    pub fn run(self) -> Result<Linked, LinkError> {
        self.run_with_deadline(LINK_DEADLINE)
    }

    /// Runs the linker, standard input closed, its output written to files in the scratch directory (not
    /// pipes, which a process the linker started could hold open). A non-zero exit is [`LinkError::Failed`]
    /// with the linker's own words; a linker still running after `deadline` is killed, and that is a
    /// failure too (the README's rule: no external process runs without a deadline).
    pub fn run_with_deadline(self, deadline: std::time::Duration) -> Result<Linked, LinkError> {
        let cannot_run = |e: std::io::Error| {
            let d =
                Diagnostic::error(format!("cannot run the linker `{}`: {e}", self.command.program.display()));
            if self.chosen {
                d.note("it was named by `--linker`")
                    .help("give `--linker` the path of an LLD linker, or leave it out to find LLD on PATH")
            } else {
                d.help(
                    "install LLD (Debian: `apt-get install lld-19`), or name a linker with `--linker PATH`",
                )
            }
        };
        let (out_path, err_path) =
            (self._scratch.0.join("linker.stdout"), self._scratch.0.join("linker.stderr"));
        let create = |path: &Path| {
            std::fs::File::create(path)
                .map_err(|e| Diagnostic::error(format!("cannot create `{}`: {e}", path.display())))
        };
        let mut child = std::process::Command::new(&self.command.program)
            .args(&self.command.args)
            .stdin(std::process::Stdio::null())
            .stdout(create(&out_path)?)
            .stderr(create(&err_path)?)
            .spawn()
            .map_err(cannot_run)?;
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(1);
        let status = loop {
            match child.try_wait().map_err(cannot_run)? {
                Some(status) => break status,
                None if start.elapsed() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
                None => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let diagnostic = Diagnostic::error(format!(
                        "linking with `{}` did not finish within {} s: it was stopped",
                        self.linker,
                        deadline.as_secs()
                    ))
                    .note(format!("the link line: {}", self.command));
                    return Err(LinkError::Failed {
                        output: String::new(),
                        diagnostic: Box::new(diagnostic),
                    });
                }
            }
        };
        let ran = std::process::Output {
            status,
            stdout: std::fs::read(&out_path).unwrap_or_default(),
            stderr: std::fs::read(&err_path).unwrap_or_default(),
        };
        let stdout = String::from_utf8_lossy(&ran.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&ran.stderr).into_owned();
        if ran.status.success() {
            return Ok(Linked { stdout, stderr });
        }
        let status = match ran.status.code() {
            Some(code) => format!("exit status: {code}"),
            None => "terminated by a signal".to_owned(),
        };
        let diagnostic = Diagnostic::error(format!("linking with `{}` failed: {status}", self.linker))
            .note(format!("the link line: {}", self.command));
        Err(LinkError::Failed { output: stdout + &stderr, diagnostic: Box::new(diagnostic) })
    }
}

/// The object's name in the scratch directory: the image's stem, so the linker's messages name it sensibly
/// (`referenced by app.obj`).
fn object_stem(request: &LinkRequest) -> String {
    let stem = Path::new(&request.file_name).file_stem().and_then(OsStr::to_str);
    stem.filter(|s| !s.is_empty()).unwrap_or("object").to_owned()
}

fn object_extension(target: &Target) -> &'static str {
    match target.format {
        Format::Coff => "obj",
        Format::Elf | Format::MachO => "o",
    }
}

/// Whether the module defines a global function named `name` (its link name): an entry point the linker
/// can find.
fn defines(program: &Program, name: &str) -> bool {
    program.symbols.iter().any(|s| matches!(s.def, SymbolDef::Fn { public: true, .. }) && s.link_name == name)
}

/// The libraries the object names in directives, which the linker finds without being told. COFF library
/// names are case-insensitive, as Windows file names are. A set, built once: a scan of the directives for
/// each library of the plan made a link of 70,000 libraries quadratic (66 s before the linker even started).
struct CarriedLibraries {
    coff: bool,
    names: HashSet<String>,
}

impl CarriedLibraries {
    fn of(compiled: &Compiled) -> CarriedLibraries {
        let coff = compiled.plan.target.format == Format::Coff;
        let names = compiled
            .directives
            .iter()
            .filter_map(|d| match d {
                Directive::Library { name, .. } => {
                    Some(if coff { name.to_ascii_lowercase() } else { name.clone() })
                }
                _ => None,
            })
            .collect();
        CarriedLibraries { coff, names }
    }

    /// Whether the object names library `name` in a directive.
    fn contains(&self, name: &str) -> bool {
        if self.coff { self.names.contains(&name.to_ascii_lowercase()) } else { self.names.contains(name) }
    }
}

/// The arguments for linking `compiled` with `inputs` (the object first, then raw-dylib import libraries).
fn arguments(
    compiled: &Compiled,
    request: &LinkRequest,
    inputs: &[PathBuf],
) -> Result<Vec<OsString>, Diagnostic> {
    match compiled.plan.target.format {
        Format::Coff => coff_arguments(compiled, request, inputs),
        Format::Elf => elf_arguments(compiled, request, inputs),
        Format::MachO => macho_arguments(compiled, request, inputs),
    }
}

/// Joins an option and a path into one argument (`/out:` + path), keeping non-UTF-8 bytes.
fn joined(option: &str, path: &Path) -> OsString {
    let mut arg = OsString::from(option);
    arg.push(path);
    arg
}

/// lld-link, as clang-cl and rustc drive it.
fn coff_arguments(
    compiled: &Compiled,
    request: &LinkRequest,
    inputs: &[PathBuf],
) -> Result<Vec<OsString>, Diagnostic> {
    let (program, plan) = (&compiled.program, &compiled.plan);
    let machine = match plan.target.arch {
        Arch::X86_64 => "x64",
        Arch::Aarch64 => "arm64",
    };
    // /Brepro: a timestamp derived from the image's contents instead of the clock, so the same inputs give
    // the same bytes (linkwise's output is deterministic, and so is what it links).
    let mut args: Vec<OsString> =
        vec!["/nologo".into(), format!("/machine:{machine}").into(), "/Brepro".into()];
    args.push(joined("/out:", &request.output));
    args.extend(request.search_paths.iter().map(|p| joined("/libpath:", p)));
    let has_crt_block = program.blocks.iter().any(|b| b.crt);
    // Whether the C runtime's start-up code is the entry point (so its libraries must be linked).
    let crt_startup = match request.image {
        Image::Executable if defines(program, "mainCRTStartup") => {
            // The module is its own start-up code (toolchain.md): no C runtime is needed to start it.
            args.extend(["/entry:mainCRTStartup".into(), "/subsystem:console".into()]);
            false
        }
        Image::Executable => {
            // The C runtime's mainCRTStartup (in msvcrt.lib / libcmt.lib) calls `main`.
            args.push("/subsystem:console".into());
            true
        }
        Image::SharedLibrary => {
            args.push("/dll".into());
            match (defines(program, "DllMain"), has_crt_block) {
                // The C runtime's _DllMainCRTStartup, lld-link's default DLL entry, calls DllMain.
                (true, true) => {}
                (true, false) => args.push("/entry:DllMain".into()),
                (false, _) => args.push("/noentry".into()),
            }
            args.push(match &request.import_library {
                Some(path) => joined("/implib:", path),
                None => "/noimplib".into(),
            });
            has_crt_block && defines(program, "DllMain")
        }
    };
    args.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    let carried = CarriedLibraries::of(compiled);
    // Each file once, compared as lld-link compares them (case-insensitively); a set, as `carried`.
    let mut spelled: HashSet<String> = HashSet::new();
    let mut spell = |args: &mut Vec<OsString>, file: String| {
        if spelled.insert(file.to_ascii_lowercase()) {
            args.push(file.into());
        }
    };
    for row in &plan.libraries {
        if row.kind == LinkKind::RawDylib {
            continue; // its import library is among `inputs`
        }
        if row.whole_archive() {
            for word in
                crate::bundle::whole_archive_arguments(program, &plan.target, row, &request.search_paths)?
            {
                spell(&mut args, word);
            }
        } else if row.crt && !carried.contains(&row.name) {
            // The C runtime's library is the whole set clang-cl names for the mode (msvcrt.lib oldnames.lib).
            for lib in plan.crt.default_libraries() {
                spell(&mut args, plan.target.link_argument(lib));
            }
        } else if !carried.contains(&row.name) {
            spell(&mut args, row.link_argument(&plan.target));
        }
    }
    if crt_startup {
        for lib in plan.crt.default_libraries() {
            if !carried.contains(lib) {
                spell(&mut args, plan.target.link_argument(lib));
            }
        }
    }
    Ok(args)
}

/// Where the C library's start-up files (`Scrt1.o`, `crti.o`, `crtn.o`) for `arch` are, and its dynamic
/// linker: the multiarch directory of a Debian-style system, the cross directory Debian's
/// `libc6-dev-arm64-cross` uses, then the traditional ones.
fn elf_runtime(arch: Arch) -> (Vec<&'static str>, &'static str, &'static str) {
    match arch {
        Arch::X86_64 => (
            vec![
                "/usr/lib/x86_64-linux-gnu",
                "/usr/x86_64-linux-gnu/lib",
                "/usr/lib64",
                "/lib64",
                "/usr/lib",
            ],
            "elf_x86_64",
            "/lib64/ld-linux-x86-64.so.2",
        ),
        Arch::Aarch64 => (
            vec!["/usr/lib/aarch64-linux-gnu", "/usr/aarch64-linux-gnu/lib", "/usr/lib64", "/usr/lib"],
            "aarch64linux",
            "/lib/ld-linux-aarch64.so.1",
        ),
    }
}

/// ld.lld, as toolchain.md links a PIE against glibc.
fn elf_arguments(
    compiled: &Compiled,
    request: &LinkRequest,
    inputs: &[PathBuf],
) -> Result<Vec<OsString>, Diagnostic> {
    let (program, plan) = (&compiled.program, &compiled.plan);
    let (dirs, emulation, loader) = elf_runtime(plan.target.arch);
    let crt_dir = dirs.iter().map(Path::new).find(|d| d.join("Scrt1.o").is_file());
    let with_libc = request.image == Image::Executable && defines(program, "main");
    let mut args: Vec<OsString> = vec!["-m".into(), emulation.into()];
    match request.image {
        Image::Executable => {
            args.extend(["-pie", "--eh-frame-hdr", "-dynamic-linker", loader].map(OsString::from));
        }
        Image::SharedLibrary => {
            // -Bsymbolic: linkwise reaches everything the module defines directly (PC-relative), as the
            // module's own; in a shared object an exported symbol is otherwise preemptible and ld.lld refuses
            // such a relocation ("recompile with -fPIC"). The program's side reaches the library's data through
            // the GOT, so no copy relocation can split the data in two.
            args.extend(
                ["-shared", "-Bsymbolic", "--eh-frame-hdr", "-soname", &request.file_name]
                    .map(OsString::from),
            );
        }
    }
    args.push("-o".into());
    args.push(request.output.clone().into());
    let crt_dir = match (with_libc, crt_dir) {
        (true, None) => {
            return Err(Diagnostic::error(format!(
                "cannot find the C library's start-up files (Scrt1.o) for {}",
                plan.target
            ))
            .note(format!("looked in {}", dirs.join(", ")))
            .note("a program that defines `main` is linked against the system C library, whose start-up code calls it")
            .help(match plan.target.arch {
                Arch::X86_64 => "install the C library's development files (Debian: `apt-get install libc6-dev`)",
                Arch::Aarch64 => "install the arm64 C library (Debian: `apt-get install libc6-dev-arm64-cross`)",
            }));
        }
        (_, dir) => dir,
    };
    if with_libc && let Some(dir) = crt_dir {
        args.push(dir.join("Scrt1.o").into());
        args.push(dir.join("crti.o").into());
    }
    args.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    args.extend(request.search_paths.iter().map(|p| joined("-L", p)));
    // The system library directory too: ld.lld has no built-in search path, and `.deplibs` entries such as
    // `c` must be found.
    if let Some(dir) = crt_dir {
        args.push(joined("-L", dir));
    }
    let carried = CarriedLibraries::of(compiled);
    let mut spelled: HashSet<String> = HashSet::new();
    for row in &plan.libraries {
        let lib = row.link_argument(&plan.target);
        if spelled.contains(&lib) || (with_libc && lib == "-lc") {
            continue;
        }
        if row.whole_archive() {
            let words =
                crate::bundle::whole_archive_arguments(program, &plan.target, row, &request.search_paths)?;
            args.extend(words.into_iter().map(OsString::from));
        } else if !carried.contains(&row.name) {
            if row.as_needed() == Some(true) {
                args.extend(["--as-needed".into(), lib.clone().into(), "--no-as-needed".into()]);
            } else {
                args.push(lib.clone().into());
            }
        } else {
            continue;
        }
        spelled.insert(lib);
    }
    if with_libc && let Some(dir) = crt_dir {
        args.push("-lc".into());
        args.push(dir.join("crtn.o").into());
    }
    Ok(args)
}

/// The system library directory the link driver gives ld.lld for `target` (the C library's, where `Scrt1.o`
/// is), so that a check of the link's libraries searches it too; `None` for COFF and Mach-O, and when the C
/// library is not installed.
pub fn system_library_dir(target: &Target) -> Option<PathBuf> {
    if target.format != Format::Elf {
        return None;
    }
    let (dirs, _, _) = elf_runtime(target.arch);
    dirs.iter().map(Path::new).find(|d| d.join("Scrt1.o").is_file()).map(Path::to_owned)
}

/// ld64.lld, against the SDK's libSystem.
fn macho_arguments(
    compiled: &Compiled,
    request: &LinkRequest,
    inputs: &[PathBuf],
) -> Result<Vec<OsString>, Diagnostic> {
    let plan = &compiled.plan;
    let arch = match plan.target.arch {
        Arch::X86_64 => "x86_64",
        Arch::Aarch64 => "arm64",
    };
    let mut args: Vec<OsString> =
        ["-arch", arch, "-platform_version", "macos", "11.0", "11.0"].map(OsString::from).into();
    let sdk = request
        .sdk_root
        .clone()
        .or_else(|| std::env::var_os("SDKROOT").filter(|s| !s.is_empty()).map(PathBuf::from));
    if let Some(sdk) = &sdk {
        args.push("-syslibroot".into());
        args.push(sdk.clone().into());
    }
    args.push("-o".into());
    args.push(request.output.clone().into());
    if request.image == Image::SharedLibrary {
        args.extend([
            "-dylib".into(),
            "-install_name".into(),
            format!("@rpath/{}", request.file_name).into(),
        ]);
    }
    args.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    args.extend(request.search_paths.iter().map(|p| joined("-L", p)));
    let carried = CarriedLibraries::of(compiled);
    let mut spelled: HashSet<OsString> = HashSet::new();
    for row in &plan.libraries {
        let words: Vec<OsString> = if row.whole_archive() {
            // ld64's -force_load takes the archive's path, not a library name: found on -L as bundling finds it
            // (`bundle::whole_archive_arguments`' spelling), and passed as the path itself, non-UTF-8 or not.
            let path =
                crate::bundle::force_load_path(&compiled.program, &plan.target, row, &request.search_paths)?;
            vec!["-force_load".into(), path.into()]
        } else if carried.contains(&row.name) || row.name == "System" {
            continue;
        } else if row.verbatim() {
            vec![find_in(&request.search_paths, &row.name, row)?.into()]
        } else {
            vec![plan.target.link_argument(&row.name).into()]
        };
        // The last word names the library (`-lfoo`, or the archive after `-force_load`).
        if words.last().is_some_and(|last| spelled.insert(last.clone())) {
            args.extend(words);
        }
    }
    args.push("-lSystem".into());
    Ok(args)
}

/// The file `file` of library `row` in the first search path that has it.
fn find_in(search_paths: &[PathBuf], file: &str, row: &LibraryRow) -> Result<PathBuf, Diagnostic> {
    search_paths.iter().map(|d| d.join(file)).find(|p| p.is_file()).ok_or_else(|| {
        Diagnostic::error(format!("cannot find `{file}` for library `{}` in the search paths", row.name))
            .note("ld64.lld takes this library by its path (`-force_load PATH` for `+whole-archive`), so linkwise must find it")
            .help("add its directory with `-L DIR`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A linker that does not finish is stopped at the deadline and reported as a failed link, and one that
    /// exits with a failure status has its own words in the error: the driver never waits without end.
    #[cfg(unix)]
    #[test]
    fn a_linker_past_its_deadline_is_stopped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = Scratch::new().unwrap();
        let script = |name: &str, body: &str| {
            let path = dir.write(name, format!("#!/bin/sh\n{body}\n").as_bytes()).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let file = crate::SourceFile::new("m.lw", "pub fn main() -> i32 { return 0; }\n");
        let compiled =
            crate::compile(&file, &crate::Options::new().target("x86_64-unknown-linux-gnu").unwrap())
                .unwrap_or_else(|d| panic!("{}", d.render(&file)));
        let request = |linker: PathBuf| LinkRequest {
            image: Image::Executable,
            output: dir.0.join("m"),
            file_name: "m".to_owned(),
            import_library: None,
            search_paths: Vec::new(),
            linker: Some(linker),
            sdk_root: None,
        };
        let hangs = Link::prepare(&compiled, &request(script("hangs", "exec sleep 60"))).unwrap();
        let start = std::time::Instant::now();
        let Err(LinkError::Failed { diagnostic, .. }) = hangs.run_with_deadline(Duration::from_millis(300))
        else {
            panic!("a hanging linker was not reported as a failure");
        };
        assert!(start.elapsed() < Duration::from_secs(10), "waited {:?}", start.elapsed());
        assert!(diagnostic.message.contains("did not finish within"), "{}", diagnostic.message);
        let fails =
            Link::prepare(&compiled, &request(script("fails", "echo 'lld: error: nope' >&2; exit 3")))
                .unwrap();
        let Err(LinkError::Failed { output, diagnostic }) = fails.run_with_deadline(Duration::from_secs(60))
        else {
            panic!("a failing linker was not reported as a failure");
        };
        assert_eq!(output, "lld: error: nope\n");
        assert!(diagnostic.message.contains("exit status: 3"), "{}", diagnostic.message);
    }

    #[test]
    fn words_are_quoted_only_when_a_shell_would_misread_them() {
        let q = |s: &str| shell_quote(OsStr::new(s));
        assert_eq!(q("/out:a/b.exe"), "/out:a/b.exe");
        assert_eq!(q("-L/usr/lib"), "-L/usr/lib");
        assert_eq!(q("a b"), "'a b'");
        assert_eq!(q("it's"), r"'it'\''s'");
        assert_eq!(q(""), "''");
        assert_eq!(q("$HOME"), "'$HOME'");
    }

    /// The link line of 50,000 libraries for each linker, with the object carrying them (no library on the
    /// line) and without (`--no-autolink`: each on the line once). Each library was looked up by a scan of
    /// the object's directives, and checked against the libraries already spelled by another scan: quadratic
    /// (70,000 took 66 s in a release build before the linker even started). The guard is the algorithm (sets);
    /// a quadratic one shows in the suite's time, not as a timed assertion.
    #[test]
    fn fifty_thousand_libraries_make_a_link_line() {
        let n = 50_000;
        let src: String =
            (0..n).map(|i| format!("#[link(name = \"lib{i}\")]\nextern {{ fn g{i}(); }}\n")).collect();
        let file = crate::SourceFile::new("many.lw", src);
        for triple in ["x86_64-pc-windows-msvc", "x86_64-unknown-linux-gnu", "aarch64-apple-darwin"] {
            let options = crate::Options::new().target(triple).unwrap();
            let carrying = crate::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
            // What `--no-autolink` compiles: the same object without its library directives.
            let mut bare = carrying.clone();
            bare.directives.retain(|d| !matches!(d, Directive::Library { .. }));
            let request = LinkRequest {
                image: Image::SharedLibrary,
                output: PathBuf::from("out"),
                file_name: "out".to_owned(),
                import_library: None,
                search_paths: Vec::new(),
                linker: None,
                sdk_root: None,
            };
            for (compiled, on_the_line) in [(&carrying, 0), (&bare, n)] {
                let args = arguments(compiled, &request, &[PathBuf::from("many.o")]).unwrap();
                let libraries = args
                    .iter()
                    .map(|a| a.to_string_lossy())
                    .filter(|a| (a.starts_with("lib") && a.ends_with(".lib")) || a.starts_with("-llib"))
                    .count();
                assert_eq!(libraries, on_the_line, "{triple}");
            }
        }
    }

    #[test]
    fn versions_are_numbers_with_dots() {
        assert_eq!(version("19"), Some(vec![19]));
        assert_eq!(version("19.1.7"), Some(vec![19, 1, 7]));
        assert_eq!(version("19a"), None);
        assert_eq!(version("+19"), None);
        assert_eq!(version(""), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_plain_name_wins_then_the_highest_version() {
        use std::os::unix::fs::PermissionsExt;
        let root = std::env::temp_dir().join(format!("linkwise-link-search-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (a, b) = (root.join("a"), root.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let touch = |p: PathBuf, mode: u32| {
            std::fs::write(&p, b"").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            p
        };
        touch(a.join("ld.lld-9"), 0o755);
        let v19 = touch(b.join("ld.lld-19"), 0o755);
        touch(a.join("ld.lld-20"), 0o644); // not executable: not a linker
        touch(a.join("ld.lld-x"), 0o755);
        let dirs = [a.clone(), b.clone()];
        assert_eq!(search_linker("ld.lld", &dirs), Some(v19));
        let plain = touch(b.join("ld.lld"), 0o755);
        assert_eq!(search_linker("ld.lld", &dirs), Some(plain));
        assert_eq!(search_linker("lld-link", &dirs), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
