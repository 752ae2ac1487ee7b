//! The `linkwise` command line: argument parsing, file reading and writing, and exit codes. The work itself is
//! the `linkwise` library's; this crate is a library too so tests can run the CLI in-process.
#![deny(missing_docs)]

use clap::{Args, Parser, Subcommand};
use linkwise::{Diagnostic, Diagnostics, LinkSpec, Options, SourceFile, Target};
use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Exit status when the input has errors (as rustc).
pub const EXIT_ERROR: i32 = 1;
/// Exit status when the command line itself is malformed (as clap).
pub const EXIT_USAGE: i32 = 2;

/// The largest module (`.lw` file) any command reads, in bytes: 16 MiB.
///
/// Reading stops one byte past it, so `/dev/zero`, a FIFO or a file still growing cannot make linkwise grow
/// without bound (issue 7, defect 8: `linkwise build /dev/zero` passed 1.6 GB in 10 s, and a 2 GiB file of NULs
/// peaked at 6.3 GB). Compiling takes memory in proportion to the module: measured on a debug build, about 65
/// bytes per source byte for a module dense with functions (8 MiB: 540 MB, 5 s) and 9 for one of bare line
/// breaks, so 16 MiB keeps the worst case near 1 GB. That is still 5,000 times the biggest module in this
/// repository and three times a generated one declaring 70,000 `#[link]` libraries.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

#[derive(Parser)]
#[command(
    name = "linkwise",
    version,
    about = "A code generator that shapes every symbol reference by the library it comes from.",
    long_about = "A code generator that shapes every symbol reference by the library it comes from.\n\n\
        Input is a linkwise IR module (.lw): Rust-like `extern` blocks that name a native library and its link \
        kind, and functions that use them. On Windows a symbol from a `dylib` library is reached through its \
        `__imp_` import slot (dllimport); a `static` one by a direct relocation (RFC 1717).\n\n\
        Start with `linkwise explain FILE` to see how each symbol will be reached, then `linkwise build FILE`.",
    after_help = "Examples:\n  \
        linkwise build hello.lw -o hello.obj\n  \
        linkwise build hello.lw -l static=msvcrt     # link msvcrt statically: direct calls, no __imp_\n  \
        linkwise explain hello.lw -l foo:foo2        # link foo2 instead of foo, same kind\n  \
        linkwise targets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a module into an object file.
    Build {
        #[command(flatten)]
        input: Input,
        /// Output file, or `-` for standard output [default: in the current directory, STEM.obj (COFF) or
        /// STEM.o; with `--emit lib`, STEM.lib (COFF) or libSTEM.a].
        ///
        /// Written only if compilation succeeds, as clang and rustc write: `-` is standard output (refused when
        /// that is a terminal); a regular file is replaced atomically (a new temporary file beside it, then a
        /// rename), so a reader never sees half an object; a symbolic link stays a link and its target is
        /// replaced (or created, if the link dangles); a character device or FIFO (/dev/null, /dev/stdout, a
        /// named pipe) is opened and written into, never replaced. A directory, or an input of the build, is
        /// refused.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// What to write: an object file, or a static library holding it.
        #[arg(long, value_enum, default_value_t = Emit::Obj)]
        emit: Emit,
    },
    /// Show how every imported symbol is reached and why: libraries, kinds, call sites, relocations.
    Explain {
        #[command(flatten)]
        input: Input,
        /// Also print a disassembly of every function, relocations marked.
        #[arg(long)]
        listing: bool,
    },
    /// Print a module in canonical form.
    Fmt {
        /// The module to format.
        file: PathBuf,
    },
    /// Predict CRT and `__imp_` link failures in objects and libraries, and say how to fix them.
    ///
    /// Reads COFF objects, static libraries, import libraries (short and MinGW long format) and linkwise
    /// modules (.lw, compiled in memory), in link order, plus link.exe-style /DEFAULTLIB:LIB and
    /// /NODEFAULTLIB[:LIB] arguments. Exits with 1 when the link would fail.
    #[command(
        after_help = "Example:\n  linkwise doctor main.obj vendor.lib libcmt.lib /NODEFAULTLIB:msvcrt.lib"
    )]
    Doctor {
        /// Inputs in link order, and /DEFAULTLIB:, /NODEFAULTLIB[:] options.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// The C runtime the program itself uses (Rust: `static` with crt-static, the MSVC default for Rust).
        #[arg(long, value_enum)]
        crt: Option<CrtChoice>,
    },
    /// List the supported target triples.
    Targets,
}

/// Output formats of `linkwise doctor`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Text for people.
    Human,
    /// JSON for tools.
    Json,
}

/// `--crt` values.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CrtChoice {
    /// /MT: the C runtime is linked into the program (libcmt.lib).
    Static,
    /// /MD: the C runtime is in DLLs (msvcrt.lib imports).
    Dynamic,
}

/// The kinds of output `linkwise build` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Emit {
    /// A relocatable object file.
    Obj,
    /// A static library (archive with a symbol index) holding the object.
    Lib,
}

#[derive(Args)]
struct Input {
    /// The IR module to compile (.lw).
    file: PathBuf,
    /// Target triple; overrides the module's `target` line [default: x86_64-pc-windows-msvc].
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Link a library, or override one the module declares: `-l [KIND=]NAME[:NEWNAME]` with KIND one of dylib,
    /// static, static-nobundle. A KIND changes how the library's symbols are reached; `:NEWNAME` links NEWNAME
    /// instead of NAME. Repeatable; applied in order.
    #[arg(short = 'l', value_name = "SPEC", allow_hyphen_values = false)]
    link: Vec<String>,
    /// ELF and Mach-O: call imported functions through their GOT entries (`call *f@GOTPCREL(%rip)`) instead of
    /// the PLT or stubs, like clang's -fno-plt. No effect on Windows, where the link kind decides.
    #[arg(long)]
    no_plt: bool,
}

/// The streams a command line runs with, and what [`run_with`] must know about the real standard output.
pub struct Streams<'a> {
    /// Standard output: reports, and the object itself for `build -o -`.
    pub stdout: &'a mut dyn Write,
    /// Whether `stdout` is a terminal. `build -o -` then refuses to write (an object is binary data that would
    /// garble the terminal), as rustc does; the `linkwise` binary sets it from [`std::io::IsTerminal`].
    pub stdout_is_terminal: bool,
    /// Standard error: diagnostics.
    pub stderr: &'a mut dyn Write,
}

/// Runs the command line `args` (program name first), writing output and diagnostics to the given streams;
/// `stdout` is taken not to be a terminal (see [`run_with`]). Returns the process exit status: 0 on success,
/// [`EXIT_ERROR`] for errors in the input, [`EXIT_USAGE`] for a malformed command line.
pub fn run<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with(args, Streams { stdout, stdout_is_terminal: false, stderr })
}

/// [`run`] with the streams in a [`Streams`], which also says whether standard output is a terminal.
pub fn run_with<I, T>(args: I, streams: Streams<'_>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let Streams { stdout, stdout_is_terminal, stderr } = streams;
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let status = if e.use_stderr() { EXIT_USAGE } else { 0 };
            // Plain text: `run` writes to any stream (a pipe, a file, a test's buffer), and linkwise's own
            // diagnostics carry no colour either.
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                stderr.write_all(text.as_bytes())
            } else {
                stdout.write_all(text.as_bytes())
            };
            return status;
        }
    };
    let mut result = execute(cli.command, stdout, stdout_is_terminal, stderr);
    // Flushed here so that a failed write (a closed pipe, a full disk) is an error with exit status 1, not
    // lost at exit; a report written before an error (doctor's failing prediction) is flushed as well.
    if let Err(e) = stdout.flush()
        && result.is_ok()
    {
        result = Err(plain_error(format!("cannot write output: {e}")));
    }
    match result {
        Ok(()) => 0,
        Err(message) => {
            let _ = stderr.write_all(message.as_bytes());
            EXIT_ERROR
        }
    }
}

/// Runs one command; an `Err` holds the rendered diagnostics. Warnings go to `stderr` as soon as the input has
/// compiled, before any output is written.
fn execute(
    command: Command,
    stdout: &mut dyn Write,
    stdout_is_terminal: bool,
    stderr: &mut dyn Write,
) -> Result<(), String> {
    match command {
        Command::Build { input, output, emit } => {
            let to_stdout = output.as_deref() == Some(Path::new("-"));
            if to_stdout && stdout_is_terminal {
                // As rustc ("... to stdout, but stdout is a tty"). Checked first: nothing is compiled for
                // output that cannot be written.
                return Err(Diagnostic::error("refusing to write binary output to a terminal (`-o -`)")
                    .help("redirect standard output to a file or a pipe, or name an output file with `-o`")
                    .to_string());
            }
            let (file, options) = load(&input)?;
            let compiled = linkwise::compile(&file, &options).map_err(|d| d.render(&file))?;
            warn(stderr, &compiled, &file);
            let target = &compiled.plan.target;
            let stem = input_stem(&input.file)?;
            let bytes = match emit {
                Emit::Obj => compiled.object.bytes,
                Emit::Lib => {
                    let member = output_name(stem, target, Emit::Obj).to_string_lossy().into_owned();
                    linkwise::codegen::archive::static_library(target, &member, &compiled.object.bytes)
                        .map_err(|d| d.to_string())?
                }
            };
            if to_stdout {
                return stdout
                    .write_all(&bytes)
                    .map_err(|e| plain_error(format!("cannot write to standard output: {e}")));
            }
            let out = output.unwrap_or_else(|| PathBuf::from(output_name(stem, target, emit)));
            refuse_overwriting_input(&input.file, &out)?;
            write_output(&out, &bytes)
                .map_err(|e| plain_error(format!("cannot write `{}`: {e}", out.display())))
        }
        Command::Explain { input, listing } => {
            let (file, options) = load(&input)?;
            let compiled = linkwise::compile(&file, &options).map_err(|d| d.render(&file))?;
            warn(stderr, &compiled, &file);
            let report = linkwise::explain::render(&compiled, &file, listing);
            stdout.write_all(report.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
        Command::Fmt { file } => {
            let file = read_source(&file)?;
            let module = linkwise::ir::text::parse(&file).map_err(|d| d.render(&file))?;
            let text = linkwise::ir::text::print(&module);
            stdout.write_all(text.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
        Command::Doctor { inputs, format, crt } => doctor(&inputs, format, crt, stdout),
        Command::Targets => {
            let mut text = String::new();
            for triple in linkwise::linkage::target::SUPPORTED {
                text.push_str(triple);
                text.push('\n');
            }
            stdout.write_all(text.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
    }
}

/// Writes the compilation's warnings (codegen's: functions without an unwind record) to `stderr`, rendered
/// like errors. A failed write is ignored, as it is for error messages: the command's result does not depend on
/// them.
fn warn(stderr: &mut dyn Write, compiled: &linkwise::Compiled, file: &SourceFile) {
    for warning in &compiled.object.warnings {
        let _ = stderr.write_all(warning.render(file).as_bytes());
    }
}

/// `linkwise doctor`: returns `Err` with the rendered report when the link would fail, so the exit status says so.
fn doctor(
    args: &[String],
    format: Format,
    crt: Option<CrtChoice>,
    stdout: &mut dyn Write,
) -> Result<(), String> {
    use linkwise_doctor::{Directive, LinkOptions, Outcome, read};
    let mut options = LinkOptions {
        crt: crt.map(|c| match c {
            CrtChoice::Static => linkwise_doctor::crt::Crt::MT,
            CrtChoice::Dynamic => linkwise_doctor::crt::Crt::MD,
        }),
        ..LinkOptions::default()
    };
    let mut inputs = Vec::new();
    for arg in args {
        // link.exe options among the inputs: only these two matter to the prediction.
        let lower = arg.to_ascii_lowercase();
        if lower.starts_with("/defaultlib:") || lower.starts_with("/nodefaultlib") {
            match read::parse_directive(arg) {
                Directive::DefaultLib(lib) => options.default_libs.push(lib),
                Directive::NoDefaultLib(Some(lib)) => options.no_default_libs.push(lib),
                Directive::NoDefaultLib(None) => options.no_default_all = true,
                _ => {}
            }
            continue;
        }
        let path = Path::new(arg);
        let input = if path.extension().is_some_and(|e| e == "lw") {
            let file = read_source(path)?;
            let compiled = linkwise::compile(&file, &Options::new()).map_err(|d| d.render(&file))?;
            // The module's `target` line decides its format. The reader would refuse the ELF or Mach-O object
            // too (read.rs says what any foreign file is), but only here is the source at hand, so the error
            // can point at the `target` line and suggest the Windows triple.
            let target = &compiled.plan.target;
            if target.format != linkwise::linkage::Format::Coff {
                let mut d = Diagnostic::error(format!(
                    "`{arg}` is a module for {target}, whose objects are {}: doctor models COFF (Windows) links only",
                    target.format
                ));
                if let Some(line) = &compiled.program.target {
                    d = d.primary(line.span, format!("the module's target: {}", target.format));
                }
                return Err(d
                    .note("doctor predicts what lld-link and link.exe do with `__imp_` slots, /DEFAULTLIB and C runtimes")
                    .help(format!(
                        "to check this module's Windows link, give it a Windows target: `target {}-pc-windows-msvc`",
                        target.arch
                    ))
                    .render(&file));
            }
            linkwise_doctor::read_bytes(arg, &compiled.object.bytes)
        } else {
            linkwise_doctor::read_file(path)
        };
        inputs.push(input.map_err(plain_error)?);
    }
    let prediction = linkwise_doctor::predict(&inputs, &options);
    let text = match format {
        Format::Human => linkwise_doctor::report::human(&inputs, &prediction),
        Format::Json => linkwise_doctor::report::json(&inputs, &prediction),
    };
    stdout.write_all(text.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))?;
    if prediction.outcome() == Outcome::Fails { Err(String::new()) } else { Ok(()) }
}

/// Reads the input file and turns `--target` and `-l` into [`Options`], reporting every bad argument at once.
fn load(input: &Input) -> Result<(SourceFile, Options), String> {
    let mut errors = Diagnostics::default();
    let mut options = Options::new();
    if input.no_plt {
        options.import_calls = linkwise::ImportCalls::Got;
    }
    if let Some(triple) = &input.target {
        match Target::parse(triple) {
            Ok(target) => options.target = Some(target),
            Err(d) => errors.push(d.note(format!("in the argument `--target {triple}`"))),
        }
    }
    for spec in &input.link {
        match LinkSpec::parse(spec) {
            Ok(spec) => options.link.push(spec),
            Err(d) => errors.push(d),
        }
    }
    let file = read_source(&input.file)?;
    if errors.has_errors() {
        return Err(errors.render(&SourceFile::new("<command line>", "")));
    }
    Ok((file, options))
}

/// Reads a module, at most [`MAX_INPUT_BYTES`] of it (every command that reads a `.lw` comes here).
fn read_source(path: &Path) -> Result<SourceFile, String> {
    let too_big = || {
        plain_error(format!(
            "`{}` is larger than {} MiB, the most linkwise reads from one module",
            path.display(),
            MAX_INPUT_BYTES >> 20
        ))
    };
    let cannot_read = |e: std::io::Error| plain_error(format!("cannot read `{}`: {e}", path.display()));
    let file = File::open(path).map_err(cannot_read)?;
    // A regular file says its size: refuse a big one without reading it. Devices, FIFOs and files that grow
    // are bounded by `take` instead.
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > MAX_INPUT_BYTES) {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        plain_error(format!(
            "`{}` is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(SourceFile::new(path.display().to_string(), text))
}

fn plain_error(message: String) -> String {
    Diagnostic::error(message).to_string()
}

/// The input's file name without its extension, which names the default outputs (as clang and rustc do).
fn input_stem(input: &Path) -> Result<&OsStr, String> {
    input.file_stem().ok_or_else(|| {
        plain_error(format!("cannot name an output after `{}`; choose one with `-o`", input.display()))
    })
}

/// The default output's file name, in the current directory like `clang -c` and rustc (so a read-only source
/// tree and an out-of-tree build both work), by the target's conventions: `STEM.obj`/`STEM.o`, and for a
/// library `STEM.lib` on COFF or `libSTEM.a` elsewhere, the name `ld -lSTEM` looks for. The stem is kept byte
/// for byte, UTF-8 or not.
fn output_name(stem: &OsStr, target: &Target, emit: Emit) -> OsString {
    let (prefix, suffix) = match emit {
        Emit::Obj => target.object_file_affixes(),
        Emit::Lib => target.static_library_affixes(),
    };
    let mut name = OsString::from(prefix);
    name.push(stem);
    name.push(suffix);
    name
}

/// Refuses an output that is the input file itself (rustc: "the input file would be overwritten"): through a
/// different spelling, a symbolic link or a hard link too, so files are compared by identity, not by name.
/// Only a regular input counts: writing into a device or FIFO the module was read from destroys nothing.
fn refuse_overwriting_input(input: &Path, output: &Path) -> Result<(), String> {
    let Ok(input_meta) = std::fs::metadata(input) else { return Ok(()) };
    if !input_meta.is_file() || !same_file(&input_meta, input, output) {
        return Ok(());
    }
    Err(Diagnostic::error(format!(
        "the input file `{}` would be overwritten by the output `{}`",
        input.display(),
        output.display()
    ))
    .help("choose another output file with `-o`")
    .to_string())
}

/// Whether `b` (following links) is the file `a` whose metadata is `a_meta`.
fn same_file(a_meta: &std::fs::Metadata, a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = a;
        std::fs::metadata(b).is_ok_and(|m| (m.dev(), m.ino()) == (a_meta.dev(), a_meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = a_meta;
        matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// How an output path is written, decided from what is there before writing.
#[derive(Debug, PartialEq)]
enum Plan {
    /// A regular file, or nothing yet: write a new file beside `file` and rename it over `file`. `mode` is the
    /// replaced file's permissions, kept; a new file gets the usual 0666 less the umask.
    Replace { file: PathBuf, mode: Option<std::fs::Permissions> },
    /// A character device, a FIFO, or a descriptor link such as /dev/stdout: open it and write into it.
    /// Replacing it would destroy it (issue 7: `-o /dev/stdout` as root replaced the link with a file).
    Through(PathBuf),
}

/// Most symbolic links followed in one path, as Linux's `MAXSYMLINKS` (40): a loop is an error, not a hang.
const MAX_LINKS: usize = 40;

/// Decides how to write `path`. A symbolic link is followed to the file it names so that the link survives
/// and its target is still replaced atomically; a dangling one has its target created, as writing through
/// the link (a shell's `>`) would.
fn plan(path: &Path) -> std::io::Result<Plan> {
    let mut file = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&file) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Plan::Replace { file, mode: None });
            }
            Err(e) => return Err(e),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            if is_descriptor_link(&meta) {
                // /dev/stdout -> /proc/self/fd/1 -> "pipe:[1234]" or a terminal or a file the shell opened:
                // the link's text is not a path to replace, only the kernel can follow it.
                return Ok(Plan::Through(path.to_path_buf()));
            }
            let target = std::fs::read_link(&file)?;
            file = match file.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
        } else if kind.is_file() {
            return Ok(Plan::Replace { file, mode: Some(meta.permissions()) });
        } else if kind.is_dir() {
            return Err(std::io::Error::other("it is a directory"));
        } else if is_device_or_fifo(&kind) {
            return Ok(Plan::Through(file));
        } else {
            return Err(std::io::Error::other("it is not a regular file, a character device or a FIFO"));
        }
    }
    Err(std::io::Error::other(format!("more than {MAX_LINKS} symbolic links to follow")))
}

/// Whether a symbolic link is one of Linux's /proc "magic links" (/proc/PID/fd/N, which /dev/stdout and
/// /dev/fd/N lead to): they live on the proc file system, which is all this asks.
#[cfg(target_os = "linux")]
fn is_descriptor_link(link: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata("/proc").is_ok_and(|proc| proc.dev() == link.dev())
}

#[cfg(not(target_os = "linux"))]
fn is_descriptor_link(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn is_device_or_fifo(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device() || kind.is_fifo()
}

#[cfg(not(unix))]
fn is_device_or_fifo(_: &std::fs::FileType) -> bool {
    false
}

/// Writes `bytes` to `path` as [`plan`] decides.
fn write_output(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match plan(path)? {
        Plan::Through(device) => {
            // No `create`: if it vanished since `plan` looked, writing fails rather than making a file. Truncation
            // means nothing to a device or FIFO, and for a descriptor link to a file it does what `cp` does.
            let mut out = OpenOptions::new().write(true).truncate(true).open(device)?;
            out.write_all(bytes)?;
            out.flush()
        }
        Plan::Replace { file, mode } => replace_atomically(&file, bytes, mode),
    }
}

/// Writes `bytes` to a new temporary file beside `path`, then renames it over `path`: a reader never sees a
/// half-written object, and a failure leaves any earlier file untouched.
fn replace_atomically(path: &Path, bytes: &[u8], mode: Option<std::fs::Permissions>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| std::io::Error::other("the output path names no file"))?;
    let (tmp, mut file) = create_temporary(dir, name, random_suffix).map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot create a temporary file in `{}`: {e}", dir.display()))
    })?;
    let result = file
        .write_all(bytes)
        .and_then(|()| mode.map_or(Ok(()), |mode| file.set_permissions(mode)))
        .and_then(|()| {
            drop(file);
            std::fs::rename(&tmp, path)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How many names [`create_temporary`] tries before giving up (each collision is a 1 in 2^64 chance, so
/// more than one means someone is creating them on purpose).
const TEMPORARY_ATTEMPTS: usize = 16;

/// Creates `.NAME.linkwise-SUFFIX.tmp` in `dir` exclusively (O_CREAT|O_EXCL: an existing file or symbolic link
/// there is an error, never opened or followed), trying new suffixes while the name is taken. The suffix is
/// unpredictable so nobody can plant a link at the name beforehand (issue 7: at the old name
/// `.NAME.linkwise-PID.tmp` a planted link made linkwise overwrite its target).
fn create_temporary(
    dir: &Path,
    name: &OsStr,
    mut suffix: impl FnMut() -> String,
) -> std::io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..TEMPORARY_ATTEMPTS {
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".linkwise-{}.tmp", suffix()));
        let tmp = dir.join(tmp_name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary name left to try")))
}

/// 64 unpredictable bits in hex. std's `RandomState` is keyed from the operating system's random source once
/// per thread and is different for every instance; the process id and the time are mixed in as well.
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    hasher.write_u128(now.map_or(0, |d| d.as_nanos()));
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("linkwise-cli-unit-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn temporary_files_are_exclusive_and_skip_taken_names() {
        let dir = scratch("tmp");
        let victim = dir.join("victim");
        std::fs::write(&victim, b"victim").unwrap();
        // A link planted at the first name tried: not followed, not touched; the next name is used.
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, dir.join(".out.obj.linkwise-a.tmp")).unwrap();
        #[cfg(not(unix))]
        std::fs::write(dir.join(".out.obj.linkwise-a.tmp"), b"taken").unwrap();
        let mut suffixes = ["a", "b"].into_iter();
        let (tmp, mut file) =
            create_temporary(&dir, OsStr::new("out.obj"), || suffixes.next().unwrap().to_owned()).unwrap();
        assert_eq!(tmp, dir.join(".out.obj.linkwise-b.tmp"));
        file.write_all(b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
        // Every name taken: an error after a bounded number of tries, not a loop.
        let err = create_temporary(&dir, OsStr::new("out.obj"), || "b".to_owned()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temporary_names_are_not_predictable() {
        let suffixes: std::collections::HashSet<String> = (0..64).map(|_| random_suffix()).collect();
        assert_eq!(suffixes.len(), 64, "{suffixes:?}");
        assert!(suffixes.iter().all(|s| s.len() == 16 && *s != std::process::id().to_string()));
    }

    #[test]
    fn symbolic_links_are_followed_to_the_file_they_name() {
        let dir = scratch("plan");
        assert_eq!(plan(&dir.join("new")).unwrap(), Plan::Replace { file: dir.join("new"), mode: None });
        assert_eq!(plan(&dir).unwrap_err().to_string(), "it is a directory");
        #[cfg(unix)]
        {
            std::fs::write(dir.join("file"), b"x").unwrap();
            std::os::unix::fs::symlink("file", dir.join("link")).unwrap();
            std::os::unix::fs::symlink("link", dir.join("link2")).unwrap();
            std::os::unix::fs::symlink("absent", dir.join("dangling")).unwrap();
            std::os::unix::fs::symlink("loop", dir.join("loop")).unwrap();
            let mode = Some(std::fs::metadata(dir.join("file")).unwrap().permissions());
            assert_eq!(plan(&dir.join("link2")).unwrap(), Plan::Replace { file: dir.join("file"), mode });
            assert_eq!(
                plan(&dir.join("dangling")).unwrap(),
                Plan::Replace { file: dir.join("absent"), mode: None }
            );
            assert!(plan(&dir.join("loop")).unwrap_err().to_string().contains("symbolic links"));
            assert_eq!(plan(Path::new("/dev/null")).unwrap(), Plan::Through("/dev/null".into()));
        }
        #[cfg(target_os = "linux")]
        assert_eq!(plan(Path::new("/dev/stdout")).unwrap(), Plan::Through("/dev/stdout".into()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
