//! The `linkwise` command line: argument parsing, file reading and writing, and exit codes. The work itself is
//! the `linkwise` library's; this crate is a library too so tests can run the CLI in-process.
#![deny(missing_docs)]

use clap::{Args, Parser, Subcommand};
use linkwise::{Diagnostic, Diagnostics, LinkSpec, Options, SourceFile, Target};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit status when the input has errors (as rustc).
pub const EXIT_ERROR: i32 = 1;
/// Exit status when the command line itself is malformed (as clap).
pub const EXIT_USAGE: i32 = 2;

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
        /// Output file [default: FILE with the extension .obj/.lib (COFF) or .o/.a]. Written only if
        /// compilation succeeds; an existing file is replaced atomically.
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

/// Runs the command line `args` (program name first), writing output and diagnostics to the given streams.
/// Returns the process exit status: 0 on success, [`EXIT_ERROR`] for errors in the input, [`EXIT_USAGE`] for a
/// malformed command line.
pub fn run<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
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
    match execute(cli.command, stdout) {
        Ok(()) => 0,
        Err(message) => {
            let _ = stderr.write_all(message.as_bytes());
            EXIT_ERROR
        }
    }
}

/// Runs one command; an `Err` holds the rendered diagnostics.
fn execute(command: Command, stdout: &mut dyn Write) -> Result<(), String> {
    match command {
        Command::Build { input, output, emit } => {
            let (file, options) = load(&input)?;
            let compiled = linkwise::compile(&file, &options).map_err(|d| d.render(&file))?;
            let target = &compiled.plan.target;
            let object_name = default_output(&input.file, target, Emit::Obj);
            let out = output.unwrap_or_else(|| default_output(&input.file, target, emit));
            let bytes = match emit {
                Emit::Obj => compiled.object.bytes,
                Emit::Lib => {
                    let member =
                        object_name.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    linkwise::codegen::archive::static_library(target, &member, &compiled.object.bytes)
                        .map_err(|d| d.to_string())?
                }
            };
            write_atomically(&out, &bytes)
                .map_err(|e| plain_error(format!("cannot write `{}`: {e}", out.display())))
        }
        Command::Explain { input, listing } => {
            let (file, options) = load(&input)?;
            let compiled = linkwise::compile(&file, &options).map_err(|d| d.render(&file))?;
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
            // The module's `target` line decides its format; an ELF or Mach-O object would only be refused later
            // as "not a COFF object", which blames the file rather than saying what doctor can model.
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

fn read_source(path: &Path) -> Result<SourceFile, String> {
    let bytes =
        std::fs::read(path).map_err(|e| plain_error(format!("cannot read `{}`: {e}", path.display())))?;
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

fn default_output(input: &Path, target: &Target, emit: Emit) -> PathBuf {
    let coff = target.format == linkwise::linkage::Format::Coff;
    let extension = match (emit, coff) {
        (Emit::Obj, true) => "obj",
        (Emit::Obj, false) => "o",
        (Emit::Lib, true) => "lib",
        (Emit::Lib, false) => "a",
    };
    input.with_extension(extension)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader never sees a
/// half-written object, and a failure leaves any earlier output untouched.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| std::io::Error::other("the output path names no file"))?;
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".linkwise-{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
