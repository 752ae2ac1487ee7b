//! The `linkwise` command line: argument parsing, file reading and writing, and exit codes. The work itself is
//! the `linkwise` library's; this crate is a library too so tests can run the CLI in-process.
#![deny(missing_docs)]

use clap::{Args, Parser, Subcommand};
use linkwise::link::{Image, Link, LinkError, LinkRequest};
use linkwise::{Diagnostic, Diagnostics, LinkSpec, Options, SourceFile, Target};
use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Exit status when the input has errors (as rustc).
pub const EXIT_ERROR: i32 = 1;
/// Exit status when the command line itself is malformed (as clap).
pub const EXIT_USAGE: i32 = 2;

/// The largest module (`.lw` file) `explain`, `fmt` and `doctor` read, in bytes: 16 MiB.
///
/// Reading stops one byte past it, so `/dev/zero`, a FIFO or a file still growing cannot make linkwise grow
/// without bound (issue 7, defect 8: `linkwise build /dev/zero` passed 1.6 GB in 10 s, and a 2 GiB file of NULs
/// peaked at 6.3 GB). `fmt` holds the module's whole syntax tree, about 55 bytes per source byte for a module
/// dense with functions, and `explain` a report of every function; docs/cli.md "Input size" has the figures.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The largest module `build` reads: 32 MiB. `build` compiles one function at a time (issue 10, streaming), so
/// a module dense with functions takes memory in proportion to its object (100,000 functions of ten calls, a
/// 22 MB module: 211 MiB), and a larger cap lets it compile modules of that size. Declarations and statics
/// are not streamed: 28 MiB of them peaks near 1 GB, what 16 MiB of functions took before.
pub const MAX_BUILD_INPUT_BYTES: u64 = 32 << 20;

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
    /// Colour diagnostics: `auto` when standard error is a terminal (docs/errors.md).
    #[arg(long, global = true, value_enum, default_value = "auto", value_name = "WHEN")]
    color: ColorChoice,
    /// How diagnostics are written: `human` text, or `json`, one object per line with rustc's field names
    /// (docs/errors.md).
    #[arg(long, global = true, value_enum, default_value = "human", value_name = "FORMAT")]
    error_format: ErrorFormat,
}

/// `--color` values (issue 13), rustc's.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ColorChoice {
    /// Colour when standard error is a terminal.
    Auto,
    /// Always colour (ANSI escapes).
    Always,
    /// Never colour.
    Never,
}

/// `--error-format` values (issue 13), rustc's.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ErrorFormat {
    /// Text for people, as rustc writes it.
    Human,
    /// One JSON object per line per diagnostic.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Print the long explanation of an error code, such as `LW0425` (docs/errors.md lists them).
    #[command(after_help = "Example:\n  linkwise explain-error LW0425")]
    ExplainError {
        /// The code, as in `error[LW0425]`.
        code: String,
    },
    /// Compile a module into an object file, a static library, import libraries, or (linked by LLD) a program
    /// or shared library.
    #[command(after_help = "Examples:\n  \
        linkwise build hello.lw                              # hello.obj (COFF) or hello.o\n  \
        linkwise build hello.lw --emit implib --out-dir out  # out/msvcrt.lib, out/kernel32.lib\n  \
        linkwise build hello.lw --emit exe -L out -v         # hello.exe, linked by lld-link\n  \
        linkwise build math.lw --emit dylib,implib           # math.dll and its import library math.lib")]
    Build(Box<Build>),
    /// Show how every imported symbol is reached and why: libraries, kinds, call sites, relocations.
    Explain {
        #[command(flatten)]
        input: Input,
        /// Also print a disassembly of every function, relocations marked, each instruction at its offset in
        /// the function and in its section.
        #[arg(long)]
        listing: bool,
        /// Output format: `human`, or `json` (schema `linkwise-explain/1`, docs/explain.schema.json).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Print modules in canonical form, comments kept; or check (`--check`) or rewrite (`--write`) them.
    ///
    /// Without a flag the formatted text goes to standard output (each file after a `FILE:` line and a blank
    /// line when there are several), as `rustfmt --emit stdout` writes; unlike rustfmt, which rewrites files
    /// by default, linkwise rewrites only with `--write`, as `gofmt -w` does (docs/cli.md "fmt"). A file that
    /// does not parse is reported and never written.
    #[command(after_help = "Examples:
  linkwise fmt hello.lw
  linkwise fmt --check corpus/*.lw
  linkwise fmt -w hello.lw")]
    Fmt {
        /// The modules to format.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Write nothing: exit with 1 and print a diff for each file that is not formatted (`Diff in FILE at
        /// line N:`, then the lines: ` ` kept, `-` removed, `+` added), as `rustfmt --check` does.
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Rewrite each file that is not formatted in place: a new file beside it (its permissions kept)
        /// renamed over it, through a symbolic link to its target.
        #[arg(short, long)]
        write: bool,
    },
    /// Predict CRT and `__imp_` link failures in objects and libraries, and say how to fix them.
    ///
    /// Takes a link.exe / lld-link command line as it is: COFF objects, static libraries, import libraries
    /// (short and MinGW long format) and linkwise modules (.lw, compiled in memory) in link order, `@file`
    /// response files, and every link.exe option with `/` or `-` (docs/doctor.md "Link lines"). Libraries are
    /// searched in the current directory, /LIBPATH, then LIB. Exits with 0 when the link succeeds, 1 when it
    /// would fail, 2 when the link line or an input cannot be read.
    #[command(
        after_help = "Examples:\n  linkwise doctor main.obj vendor.lib libcmt.lib /NODEFAULTLIB:msvcrt.lib\n  \
        linkwise doctor @link.rsp\n  linkwise doctor --rustc-note build-error.txt"
    )]
    Doctor {
        /// The link line: inputs in link order, options, @response files (everything after the first word
        /// belongs to it, except doctor's own --format, --crt, --rustc-note, --lib-env; `--` ends those).
        #[arg(
            value_name = "LINK-ARG",
            trailing_var_arg = true,
            allow_hyphen_values = true,
            required_unless_present = "rustc_note"
        )]
        inputs: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// The C runtime the program itself uses (Rust: `static` with crt-static, the MSVC default for Rust).
        #[arg(long, value_enum)]
        crt: Option<CrtChoice>,
        /// A file holding rustc's link-failure output: the linker command of its `note: "link.exe" ...` line
        /// is the link line (with any response file it names), followed by the LINK-ARGs.
        #[arg(long, value_name = "FILE")]
        rustc_note: Option<PathBuf>,
        /// Use PATHS (`;`-separated) as the LIB environment variable instead of the environment's.
        #[arg(long, value_name = "PATHS")]
        lib_env: Option<String>,
        /// Whose rules: `msvc` (link.exe, lld-link) or `mingw` (ld.lld -m i386pep: auto-import, -l search).
        /// Without it, the line's syntax (GNU ld's `-lNAME`, `-m i386pep`) or its objects decide.
        #[arg(long, value_enum)]
        flavor: Option<FlavorChoice>,
    },
    /// Check every declared link kind against the libraries the link will use, before the linker does: each
    /// library of the plan found on the search path as the target's linker finds it, only its symbol table
    /// read, and every import compared (docs/linking.md "Checking the libraries"). Exits with 1 when the link
    /// would fail.
    #[command(after_help = "Examples:\n  \
        linkwise check-libs app.lw -L vendor/lib\n  \
        linkwise check-libs app.lw -L libs --format json")]
    CheckLibs {
        #[command(flatten)]
        input: Input,
        /// Where libraries are looked for, in order (lld-link also looks in the current directory and LIB).
        #[arg(short = 'L', value_name = "DIR")]
        search_paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Windows: use PATHS (`;`-separated) as the LIB environment variable instead of the environment's.
        #[arg(long, value_name = "PATHS")]
        lib_env: Option<String>,
    },
    /// List the supported target triples.
    Targets,
    /// Print a shell completion script for linkwise on standard output.
    #[command(after_help = "Examples:\n  \
        linkwise completions bash > ~/.local/share/bash-completion/completions/linkwise\n  \
        linkwise completions zsh > ~/.zfunc/_linkwise\n  \
        linkwise completions fish > ~/.config/fish/completions/linkwise.fish")]
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Benchmarks: what a call costs through each access kind, against clang; code generation side by side
    /// with llc and plain cranelift-object (docs/bench.md).
    #[command(subcommand)]
    Bench(Bench),
}

/// `linkwise bench` benchmarks.
#[derive(Subcommand)]
enum Bench {
    /// Link and run N calls in a loop to a trivial callee through every access kind (Windows under wine:
    /// direct, dllimport, thunk; Linux: direct, PLT, GOT), compiled by linkwise and by clang.
    #[command(after_help = "Example:\n  linkwise bench callsite --calls 20000000 --reps 15 --out bench-out")]
    Callsite {
        /// Calls per timed loop.
        #[arg(long, default_value_t = 20_000_000)]
        calls: u64,
        /// Timed loops per program (after one warm-up loop).
        #[arg(long, default_value_t = 15)]
        reps: u32,
        /// Where the programs, callsite.md and callsite.svg go.
        #[arg(long, default_value = "bench-callsite")]
        out: PathBuf,
        /// Comma-separated platforms: windows, linux.
        #[arg(long, value_delimiter = ',', default_value = "windows,linux")]
        targets: Vec<String>,
    },
    /// Compile the same module (N functions of calls to a DLL import and a static import, x86_64 COFF)
    /// with linkwise -j1 and -jN, llc -O0 and -O2, and plain cranelift-object, paired, and compare wall
    /// time, CPU time, peak RSS, object and .text size and bytes per call site (docs/bench.md).
    #[command(
        after_help = "Example:\n  scripts/codegen-bench   (builds the release binaries, then runs:)\n  \
                            linkwise bench codegen --functions 1000,10000,100000 --reps 5 --out bench-codegen"
    )]
    Codegen {
        /// Comma-separated module sizes, in functions.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        functions: Vec<u32>,
        /// Calls per function, alternating the DLL import and the static import.
        #[arg(long, default_value_t = 10)]
        calls: u32,
        /// Timed repetitions (after one warm-up run of every producer).
        #[arg(long, default_value_t = 5)]
        reps: u32,
        /// Where the inputs, objects and codegen.md go.
        #[arg(long, alias = "out-dir", default_value = "bench-codegen")]
        out: PathBuf,
        /// Threads of the parallel linkwise run [default: all cores].
        #[arg(long)]
        jobs: Option<std::num::NonZeroUsize>,
        /// The linkwise executable to measure [default: this one].
        #[arg(long, value_name = "PATH")]
        linkwise: Option<PathBuf>,
        /// The plain-cranelift-object executable [default: beside the linkwise executable].
        #[arg(long, value_name = "PATH")]
        plain_cranelift: Option<PathBuf>,
        /// Each run's deadline in seconds (its process group is killed at it).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
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

/// The kinds of output `linkwise build` writes, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
enum Emit {
    /// A relocatable object file.
    Obj,
    /// An assembly file (`STEM.s`), like `clang -S`: sections, symbols, every instruction and relocation.
    /// ELF: assembles with llvm-mc into the same object; COFF, Mach-O: a listing, every line a comment.
    Asm,
    /// A static library (archive with a symbol index) holding the object.
    Lib,
    /// Windows: an import library (`NAME.lib`) for each DLL the module imports from; with `dylib`, the DLL's own.
    Implib,
    /// A program, linked by LLD.
    Exe,
    /// A shared library (DLL, `.so`, `.dylib`), linked by LLD.
    Dylib,
}

/// `linkwise build`'s arguments.
#[derive(Args)]
struct Build {
    #[command(flatten)]
    input: Input,
    /// Output file, or `-` for standard output [default: in the current directory (or `--out-dir`), named
    /// after the input and the target: STEM.obj (COFF) or STEM.o; `lib`: STEM.lib or libSTEM.a; `exe`: STEM.exe or
    /// STEM; `dylib`: STEM.dll, libSTEM.so or libSTEM.dylib].
    ///
    /// Only with one kind of output besides `implib` (whose files are named after their DLLs and go beside
    /// it). Written only if everything succeeds, as clang and rustc write: `-` is standard output (refused when
    /// that is a terminal); a regular file is replaced atomically (a new temporary file beside it, then a
    /// rename), so a reader never sees half an object; a symbolic link stays a link and its target is
    /// replaced (or created, if the link dangles); a character device or FIFO (/dev/null, /dev/stdout, a
    /// named pipe) is opened and written into, never replaced. A directory, or an input of the build, is
    /// refused.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// The directory default-named outputs go to [default: the current directory].
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    out_dir: Option<PathBuf>,
    /// What to write, comma-separated or repeated: `obj`, `asm`, `lib`, `implib`, `exe`, `dylib`.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "obj", value_name = "KINDS")]
    emit: Vec<Emit>,
    /// A directory the linker searches for libraries (`exe`, `dylib`); also where `lib` finds the static
    /// libraries it bundles. Repeatable, searched in order.
    #[arg(short = 'L', value_name = "DIR")]
    search_paths: Vec<PathBuf>,
    /// The linker to run instead of LLD's found on PATH (`lld-link`, `ld.lld` or `ld64.lld`, also versioned
    /// names such as `ld.lld-19`).
    #[arg(long, value_name = "PATH")]
    linker: Option<PathBuf>,
    /// Mach-O: the SDK whose `usr/lib` has libSystem [default: the SDKROOT environment variable].
    #[arg(long, value_name = "DIR")]
    sdk_root: Option<PathBuf>,
    /// Progress on standard error: what is read, each phase with its counts (functions, imports, libraries,
    /// relocations), each file written, and the exact link line, shell-quoted, before running it.
    #[arg(short, long)]
    verbose: bool,
    /// Print the wall time of each phase on standard error: parse, check, resolve, compile, write, link
    /// (like `rustc -Z time-passes` and `clang -ftime-report`).
    #[arg(long)]
    time_passes: bool,
    /// Check every declared link kind against the libraries on the search path first (`-L`, and `LIB` on
    /// Windows: docs/linking.md "Checking the libraries"); a finding that makes the link fail stops the build
    /// before anything is written. With `--emit exe|dylib` the check runs anyway and reports, unless
    /// `--no-check-libs`.
    #[arg(long, conflicts_with = "no_check_libs")]
    check_libs: bool,
    /// Do not run the library check `--emit exe|dylib` runs by default.
    #[arg(long)]
    no_check_libs: bool,
    /// Print information about the build on standard error: `native-static-libs` (with `--emit lib`), the
    /// native libraries a program linking the static library must still link, as rustc prints them.
    #[arg(long, value_enum, value_name = "WHAT")]
    print: Vec<Print>,
}

/// `--print` values.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Print {
    /// What a consumer of the static library must still link.
    NativeStaticLibs,
}

/// `--crt` values of `build` and `explain`: the C runtime a `#[crt]` block links (Windows).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Crt {
    /// /MD: the C runtime's DLLs (msvcrt.lib), reached through `__imp_` slots. Rust's MSVC default.
    Dynamic,
    /// /MT: the static C runtime (libcmt.lib), reached directly.
    Static,
    /// /MDd: the debug DLLs (msvcrtd.lib).
    DynamicDebug,
    /// /MTd: the debug static library (libcmtd.lib).
    StaticDebug,
}

impl Crt {
    fn mode(self) -> linkwise::CrtMode {
        match self {
            Crt::Dynamic => linkwise::CrtMode::Dynamic,
            Crt::Static => linkwise::CrtMode::Static,
            Crt::DynamicDebug => linkwise::CrtMode::DynamicDebug,
            Crt::StaticDebug => linkwise::CrtMode::StaticDebug,
        }
    }
}

#[derive(Args)]
struct Input {
    /// The IR module to compile (.lw).
    file: PathBuf,
    /// Target triple, in any common spelling (`x86_64-linux-gnu`, `arm64-apple-macosx14.0`); overrides the
    /// module's `target` line [default: the host, as rustc's; `linkwise targets` lists them].
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Optimisation level: `0` (Cranelift's `none`), `1` (`speed`, the default) or `2` (`speed_and_size`);
    /// `-O0`, `-O1`, `-O2` as clang and rustc spell them (docs/codegen.md "Optimisation levels").
    #[arg(short = 'O', long = "opt-level", value_name = "LEVEL", value_parser = opt_level)]
    opt_level: Option<linkwise::OptLevel>,
    /// Link a library, or override one the module declares: `-l [KIND[:MODIFIERS]=]NAME[:NEWNAME]` with KIND
    /// one of dylib, static (static-nobundle: deprecated, `static:-bundle`) and MODIFIERS comma-separated
    /// `+`/`-` bundle, whole-archive, verbatim, as-needed, as rustc spells them. A KIND changes how the
    /// library's symbols are reached; `:NEWNAME` links NEWNAME instead of NAME. Repeatable; applied in order.
    #[arg(short = 'l', value_name = "SPEC", allow_hyphen_values = false)]
    link: Vec<String>,
    /// ELF and Mach-O: call imported functions through their GOT entries (`call *f@GOTPCREL(%rip)`) instead of
    /// the PLT or stubs, like clang's -fno-plt. No effect on Windows, where the link kind decides.
    #[arg(long)]
    no_plt: bool,
    /// Windows: the C runtime `#[crt]` extern blocks link, and the one the C runtime's start-up code comes from
    /// when `--emit exe` links a `main` [default: dynamic].
    #[arg(long, value_enum, value_name = "MODE")]
    crt: Option<Crt>,
    /// Write no library directives into the object (`/DEFAULTLIB:`, `.deplibs`, `LC_LINKER_OPTION`); the
    /// libraries must then be given to the linker (`--emit exe|dylib` puts them on its command line).
    #[arg(long)]
    no_autolink: bool,
    /// How many threads compile the module's functions [default: one per core]. The object is the same
    /// byte for byte whatever the number.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<std::num::NonZeroUsize>,
    /// Run Cranelift's IR verifier on every function (always on in debug builds; it checks linkwise's
    /// lowering, not the module, which has already been checked).
    #[arg(long)]
    verify: bool,
    /// Keep a frame pointer in every function, leaves included (`yes`), or only where the target's default
    /// (rustc's) and the code generator put one (`no`, the default), like rustc's `-C force-frame-pointers`;
    /// `no` never removes the frame pointers a target requires (Apple targets keep them always).
    #[arg(long, value_enum, value_name = "yes|no")]
    force_frame_pointers: Option<YesNo>,
    /// Debug information: a line table mapping each instruction to its line in the module (DWARF
    /// `.debug_line` on ELF and Mach-O, CodeView `.debug$S` on COFF). Without it the object has none.
    #[arg(short = 'g')]
    debug_info: bool,
}

/// A yes/no option value, spelled as rustc's `-C` flags accept it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum YesNo {
    /// On.
    #[value(alias = "y", alias = "on", alias = "true")]
    Yes,
    /// Off.
    #[value(alias = "n", alias = "off", alias = "false")]
    No,
}

/// `-O LEVEL` / `--opt-level LEVEL`.
fn opt_level(text: &str) -> Result<linkwise::OptLevel, String> {
    linkwise::OptLevel::parse(text)
        .ok_or_else(|| format!("`{text}` is not an optimisation level: expected 0, 1 or 2 (or s, 3: as 2)"))
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
    /// Whether `stderr` is a terminal: `--color auto` then colours diagnostics.
    pub stderr_is_terminal: bool,
}

/// Runs the command line `args` (program name first), writing output and diagnostics to the given streams;
/// `stdout` is taken not to be a terminal (see [`run_with`]). Returns the process exit status: 0 on success,
/// [`EXIT_ERROR`] for errors in the input, [`EXIT_USAGE`] for a malformed command line.
pub fn run<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with(args, Streams { stdout, stdout_is_terminal: false, stderr, stderr_is_terminal: false })
}

/// [`run`] with the streams in a [`Streams`], which also says whether standard output is a terminal.
pub fn run_with<I, T>(args: I, streams: Streams<'_>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let Streams { stdout, stdout_is_terminal, stderr, stderr_is_terminal } = streams;
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if let Some(text) = version_request(&args) {
        return match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
            Ok(()) => 0,
            Err(e) => {
                let _ = stderr.write_all(plain_error(format!("cannot write output: {e}")).as_bytes());
                EXIT_ERROR
            }
        };
    }
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
    // Every diagnostic rendered during the run follows `--color` and `--error-format` (issue 13).
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stderr_is_terminal,
    };
    let json = cli.error_format == ErrorFormat::Json;
    let options = linkwise::ir::RenderOptions { json, color, explain_footer: true };
    let before = linkwise::ir::set_default_render_options(options);
    let status = run_command(cli.command, stdout, stdout_is_terminal, stderr);
    linkwise::ir::set_default_render_options(before);
    status
}

/// The rest of [`run_with`]: runs the parsed command and writes its error, if any.
fn run_command(
    command: Command,
    stdout: &mut dyn Write,
    stdout_is_terminal: bool,
    stderr: &mut dyn Write,
) -> i32 {
    // `doctor` and `check-libs` have exit statuses of their own (docs/doctor.md "Exit status": 1 the link would
    // fail, 2 its inputs could not be read); every other command fails with EXIT_ERROR.
    let mut result = match command {
        Command::CheckLibs { input, search_paths, format, lib_env } => {
            check_libs_command(&input, &search_paths, format, lib_env.as_deref(), stdout, stderr)
        }
        Command::Doctor { inputs, format, crt, rustc_note, lib_env, flavor } => {
            doctor(DoctorArgs { words: inputs, format, crt, rustc_note, lib_env, flavor }, stdout, stderr)
        }
        command => execute(command, stdout, stdout_is_terminal, stderr).map_err(|m| (EXIT_ERROR, m)),
    };
    // Flushed here so that a failed write (a closed pipe, a full disk) is an error with exit status 1, not
    // lost at exit; a report written before an error (doctor's failing prediction) is flushed as well.
    if let Err(e) = stdout.flush()
        && result.is_ok()
    {
        result = Err((EXIT_ERROR, plain_error(format!("cannot write output: {e}"))));
    }
    match result {
        Ok(()) => 0,
        Err((status, message)) => {
            let _ = stderr.write_all(message.as_bytes());
            status
        }
    }
}

/// `-v` and `--time-passes` of `linkwise build`: progress lines and phase times, on standard error only
/// (standard output may be the object itself, `-o -`).
/// How many functions a module needs before `build -v` reports their progress (smaller ones compile in a blink).
const PROGRESS_FROM: usize = 1000;

struct Progress {
    verbose: bool,
    time_passes: bool,
    phases: Vec<(&'static str, std::time::Duration)>,
    started: std::time::Instant,
}

impl Progress {
    fn new(verbose: bool, time_passes: bool) -> Progress {
        Progress { verbose, time_passes, phases: Vec::new(), started: std::time::Instant::now() }
    }

    /// A progress line with `-v`; `line` is only built then.
    fn say(&self, stderr: &mut dyn Write, line: impl FnOnce() -> String) {
        if self.verbose {
            let _ = writeln!(stderr, "linkwise: {}", line());
        }
    }

    fn phase(&mut self, name: &'static str, time: std::time::Duration) {
        self.phases.push((name, time));
    }

    /// The compilation's phases, with their counts under `-v`.
    fn compiled(&mut self, stderr: &mut dyn Write, compiled: &linkwise::Compiled) {
        use linkwise::ir::checked::SymbolDef;
        let program = &compiled.program;
        let count = |f: fn(&SymbolDef) -> bool| program.symbols.iter().filter(|s| f(&s.def)).count();
        let functions = count(|d| matches!(d, SymbolDef::Fn { .. }));
        let statics = count(|d| matches!(d, SymbolDef::Static { .. }));
        let strings = count(|d| matches!(d, SymbolDef::Str { .. }));
        let relocations = object_relocations(&compiled.object.bytes);
        for phase in &compiled.phases {
            self.phases.push((phase.name, phase.time));
            // `1 static`, `2 statics`.
            let n = |count: usize, what: &str| format!("{count} {what}{}", if count == 1 { "" } else { "s" });
            let counts = match phase.name {
                "parse" => {
                    format!("{}, {}", n(program.blocks.len(), "extern block"), n(functions, "function"))
                }
                "check" => format!(
                    "{}: {}, {}, {}, {}",
                    n(program.symbols.len(), "symbol"),
                    n(functions, "function"),
                    n(statics, "static"),
                    n(compiled.plan.imports.len(), "import"),
                    n(strings, "string"),
                ),
                "resolve" => format!(
                    "{}, {}, target {}",
                    n(compiled.plan.libraries.len(), "library").replace("librarys", "libraries"),
                    n(compiled.directives.len(), "directive"),
                    compiled.plan.target
                ),
                "compile" => format!(
                    "{functions} functions compiled: object {} bytes ({}), {relocations} relocations",
                    compiled.object.bytes.len(),
                    compiled.plan.target.format,
                ),
                _ => String::new(),
            };
            self.say(stderr, || format!("{}: {counts} ({})", phase.name, millis(phase.time)));
        }
    }

    /// `--time-passes`: one line a phase and the total, as `time: 0.012s  parse`.
    fn finish(&self, stderr: &mut dyn Write) {
        if !self.time_passes {
            return;
        }
        // In pipeline order, whatever order they were measured in (the links run before every output is put
        // in place); a phase that happened twice (two links) is added up.
        const ORDER: [&str; 6] = ["parse", "check", "resolve", "compile", "write", "link"];
        for name in ORDER {
            let times: Vec<std::time::Duration> =
                self.phases.iter().filter(|(n, _)| *n == name).map(|(_, t)| *t).collect();
            if !times.is_empty() {
                let time: std::time::Duration = times.into_iter().sum();
                let _ = writeln!(stderr, "time: {:>9.6}s  {name}", time.as_secs_f64());
            }
        }
        let _ = writeln!(stderr, "time: {:>9.6}s  total", self.started.elapsed().as_secs_f64());
    }
}

/// How many relocations an object holds, every section's (read back: the writer keeps no count).
fn object_relocations(bytes: &[u8]) -> usize {
    use object::{Object, ObjectSection};
    object::File::parse(bytes).map_or(0, |file| file.sections().map(|s| s.relocations().count()).sum())
}

fn millis(time: std::time::Duration) -> String {
    format!("{:.1} ms", time.as_secs_f64() * 1e3)
}

/// The digit of `-ON` for a level.
fn opt_digit(level: linkwise::OptLevel) -> u8 {
    match level {
        linkwise::OptLevel::None => 0,
        linkwise::OptLevel::Speed => 1,
        linkwise::OptLevel::SpeedAndSize => 2,
    }
}

/// `linkwise --version --verbose` (also `-vV`, `-V -v`, rustc's spelling) or plain `--version`/`-V`: the
/// text to print, if the command line is only that.
fn version_request(args: &[OsString]) -> Option<String> {
    let words: Vec<&str> = args.iter().skip(1).map(|a| a.to_str()).collect::<Option<_>>()?;
    let (mut version, mut verbose) = (false, false);
    for word in &words {
        match *word {
            "-V" | "--version" => version = true,
            "-v" | "--verbose" => verbose = true,
            "-vV" | "-Vv" => (version, verbose) = (true, true),
            _ => return None,
        }
    }
    if !version || !verbose {
        // Plain `--version` is clap's (`linkwise 0.1.0`); `-v` alone is a usage error there.
        return None;
    }
    Some(version_text())
}

/// The `--version --verbose` text, rustc's `-vV` layout: `key: value` lines after the name and version.
pub fn version_text() -> String {
    let version = env!("CARGO_PKG_VERSION");
    // A release build script may set LINKWISE_COMMIT (`git rev-parse HEAD`) and LINKWISE_COMMIT_DATE when it
    // runs cargo; without them the lines say so rather than linkwise carrying a build script for it.
    let commit = option_env!("LINKWISE_COMMIT").unwrap_or("unknown");
    let date = option_env!("LINKWISE_COMMIT_DATE").unwrap_or("unknown");
    let host = linkwise::triple::host_triple().unwrap_or("unsupported");
    let mut text =
        format!("linkwise {version}\nbinary: linkwise\ncommit-hash: {commit}\ncommit-date: {date}\n");
    text.push_str(&format!("host: {host}\nrelease: {version}\n"));
    text.push_str(&format!("cranelift-codegen: {}\n", linkwise::codegen::CRANELIFT_VERSION));
    text.push_str(&format!("object: {}\n", linkwise::codegen::OBJECT_VERSION));
    text.push_str(&format!("targets: {}\n", linkwise::linkage::target::SUPPORTED.join(", ")));
    text
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
        // `0425` is `LW0425`, as `rustc --explain 0425` takes a bare number.
        Command::ExplainError { code } => match linkwise::ir::codes::lookup(&code).or_else(|| {
            code.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| linkwise::ir::codes::lookup(&format!("LW{code}")))
                .flatten()
        }) {
            Some(c) => {
                let text = format!("{}: {}\n\n{}\n", c.code, c.summary, c.explanation);
                stdout
                    .write_all(text.as_bytes())
                    .map_err(|e| plain_error(format!("cannot write output: {e}")))
            }
            None => Err(Diagnostic::error(format!("`{code}` is not a linkwise error code"))
                .with_code("LW0001")
                .help("codes look like `LW0425`; docs/errors.md lists every one")
                .to_string()),
        },
        Command::Build(build) => build_command(*build, stdout, stdout_is_terminal, stderr),
        Command::Explain { input, listing, format } => {
            let (file, options) = load(&input, MAX_INPUT_BYTES)?;
            let compiled = linkwise::compile(&file, &options).map_err(|d| d.render(&file))?;
            warn(stderr, &compiled, &file);
            let report = match format {
                Format::Human => linkwise::explain::render(&compiled, &file, listing),
                Format::Json => linkwise::explain::json(&compiled, &file, listing),
            };
            stdout.write_all(report.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
        Command::Fmt { files, check, write } => fmt(&files, check, write, stdout, stderr),
        Command::Doctor { inputs, format, crt, rustc_note, lib_env, flavor } => {
            doctor(DoctorArgs { words: inputs, format, crt, rustc_note, lib_env, flavor }, stdout, stderr)
                .map_err(|(_, m)| m)
        }
        Command::Bench(Bench::Callsite { calls, reps, out, targets }) => {
            bench_callsite(calls, reps, out, &targets, stdout, stderr)
        }
        Command::Bench(Bench::Codegen {
            functions,
            calls,
            reps,
            out,
            jobs,
            linkwise,
            plain_cranelift,
            timeout,
        }) => {
            let linkwise = match linkwise {
                Some(path) => path,
                None => std::env::current_exe()
                    .map_err(|e| plain_error(format!("cannot find this executable: {e}")))?,
            };
            let plain_cranelift =
                plain_cranelift.unwrap_or_else(|| linkwise.with_file_name("plain-cranelift-object"));
            let jobs = jobs.map_or_else(
                || std::thread::available_parallelism().map_or(1, |n| n.get()),
                std::num::NonZeroUsize::get,
            );
            let config = linkwise_bench::codegen::Config {
                functions,
                calls,
                reps,
                out,
                linkwise,
                plain_cranelift,
                jobs,
                // The cap of the linkwise being measured is this build's (the benchmark runs a sibling build).
                input_cap: Some(MAX_BUILD_INPUT_BYTES),
                timeout: std::time::Duration::from_secs(timeout),
            };
            let report = linkwise_bench::codegen::run_codegen(&config, stderr).map_err(plain_error)?;
            let text = format!(
                "{}wrote {}\n",
                linkwise_bench::codegen::terminal(&report),
                config.out.join("codegen.md").display()
            );
            stdout.write_all(text.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
        // Handled by `run_command`, which gives it its own exit statuses.
        Command::CheckLibs { .. } => Ok(()),
        Command::Targets => {
            // One triple a line, as rustc's `--print target-list`, so scripts can read it (the default, the
            // host, is in `linkwise --version --verbose`).
            let mut text = String::new();
            for triple in linkwise::linkage::target::SUPPORTED {
                text.push_str(triple);
                text.push('\n');
            }
            stdout.write_all(text.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "linkwise", &mut script);
            stdout.write_all(&script).map_err(|e| plain_error(format!("cannot write output: {e}")))
        }
    }
}

/// `linkwise bench callsite`: runs the harness, progress on `stderr`, the table on `stdout`.
fn bench_callsite(
    calls: u64,
    reps: u32,
    out: PathBuf,
    targets: &[String],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), String> {
    let mut platforms = Vec::new();
    for word in targets {
        let platform = linkwise_bench::Platform::parse(word).ok_or_else(|| {
            plain_error(format!("unknown benchmark target `{word}`: expected `windows` or `linux`"))
        })?;
        if !platforms.contains(&platform) {
            platforms.push(platform);
        }
    }
    let config = linkwise_bench::Config { calls, reps, out, platforms };
    let report = linkwise_bench::run_callsite(&config, stderr).map_err(plain_error)?;
    let text = linkwise_bench::render::terminal(&report);
    let written = format!(
        "{text}wrote {} and {}\n",
        config.out.join("callsite.md").display(),
        config.out.join("callsite.svg").display()
    );
    stdout.write_all(written.as_bytes()).map_err(|e| plain_error(format!("cannot write output: {e}")))
}

/// `linkwise build`: checks the command line, compiles, then stages every output in a temporary place
/// (objects, archives and import libraries as temporary files beside their paths, images linked into
/// temporary directories beside theirs) and puts them in place only once everything has succeeded: a failed
/// compile or link leaves nothing behind and every earlier output as it was.
fn build_command(
    b: Build,
    stdout: &mut dyn Write,
    stdout_is_terminal: bool,
    stderr: &mut dyn Write,
) -> Result<(), String> {
    let mut kinds = b.emit.clone();
    kinds.sort();
    kinds.dedup();
    let implib = kinds.contains(&Emit::Implib);
    let main: Vec<Emit> = kinds.iter().copied().filter(|&k| k != Emit::Implib).collect();
    let to_stdout = b.output.as_deref() == Some(Path::new("-"));
    if b.output.is_some() {
        // `-o` names one file; with several kinds it could only be a guess which one (rustc, with several
        // crate types, names them all after `-o`'s stem instead: linkwise asks for --out-dir).
        if main.is_empty() {
            return Err(Diagnostic::error(
                "`-o` cannot name import libraries: each is named after its DLL (`NAME.lib`)",
            )
            .help("choose their directory with `--out-dir DIR`")
            .to_string());
        }
        if main.len() > 1 {
            let names: Vec<&str> = main.iter().map(|k| emit_name(*k)).collect();
            return Err(Diagnostic::error(format!(
                "`-o` names one output, but `--emit {}` writes {}",
                names.join(","),
                main.len()
            ))
            .help("use `--out-dir DIR`: each output is then named after the input and the target")
            .to_string());
        }
        // `-o ..` or `-o /` names no file, so the DLL's import library (named after the DLL, `NAME.lib` beside
        // `NAME.dll`) would get the same path, which the collision check below would misreport as two outputs
        // colliding. (Otherwise, writing to such a path fails as writing to any directory does.)
        let dll_and_implib = implib && kinds.contains(&Emit::Dylib);
        if let Some(out) = b.output.as_deref().filter(|o| dll_and_implib && o.file_name().is_none()) {
            return Err(Diagnostic::error(format!("`-o {}` does not name a file", out.display()))
                .note("an output path must name a file, not a directory")
                .help("name the file, as in `-o DIR/NAME`, or choose the directory with `--out-dir DIR`")
                .to_string());
        }
        if to_stdout && implib {
            return Err(Diagnostic::error("`-o -` cannot be combined with `--emit implib`")
                .note("import libraries are written beside the output, and standard output has no directory")
                .to_string());
        }
    }
    // An assembly file is text: it may go to a terminal, as `clang -S -o -` does.
    if to_stdout && stdout_is_terminal && main != [Emit::Asm] {
        // As rustc ("... to stdout, but stdout is a tty"). Checked first: nothing is compiled for output that
        // cannot be written.
        return Err(Diagnostic::error("refusing to write binary output to a terminal (`-o -`)")
            .help("redirect standard output to a file or a pipe, or name an output file with `-o`")
            .to_string());
    }
    if b.print.contains(&Print::NativeStaticLibs) && !kinds.contains(&Emit::Lib) {
        return Err(Diagnostic::error("`--print native-static-libs` needs `--emit lib`")
            .note("it lists what a program linking the static library must still link")
            .to_string());
    }
    let (file, mut options) = load(&b.input, MAX_BUILD_INPUT_BYTES)?;
    // `build` writes files; the per-function reports are for `explain`.
    options.no_reports = true;
    if kinds.contains(&Emit::Dylib) {
        for_shared_library(&mut options);
    }
    let mut progress = Progress::new(b.verbose, b.time_passes);
    progress.say(stderr, || {
        let threads = options.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            std::num::NonZeroUsize::get,
        );
        format!(
            "reading `{}`: {} bytes, {} lines; -O{} ({}), {threads} thread{}",
            file.name(),
            file.text().len(),
            file.text().lines().count(),
            opt_digit(options.opt_level),
            options.opt_level.cranelift_name(),
            if threads == 1 { "" } else { "s" }
        )
    });
    // With -v, a line at each tenth of the functions written while a large module compiles (issue 13: 50,000
    // functions printed nothing for 18 s); counted, not timed, so the output is the same on every run.
    let compiled = if b.verbose {
        let mut shown = 0;
        let mut tell = |done: usize, total: usize| {
            let tenth = done * 10 / total.max(1);
            if total >= PROGRESS_FROM && tenth > shown {
                shown = tenth;
                let _ =
                    writeln!(stderr, "linkwise: compile: {done} of {total} functions written ({}0%)", tenth);
            }
        };
        linkwise::compile_with_progress(&file, &options, &mut tell)
    } else {
        linkwise::compile(&file, &options)
    }
    .map_err(|d| d.render(&file))?;
    progress.compiled(stderr, &compiled);
    warn(stderr, &compiled, &file);
    // The library check (issue 14): asked for, or where the libraries are opened anyway (a link).
    let links = kinds.contains(&Emit::Exe) || kinds.contains(&Emit::Dylib);
    if b.check_libs || (links && !b.no_check_libs) {
        let report = check_libs(&compiled, &b.search_paths, None, b.sdk_root.as_deref());
        for f in &report.findings {
            let _ = writeln!(stderr, "{}", f.diagnostic.render(&file));
        }
        if b.check_libs && report.fails() {
            return Err(Diagnostic::error("the library check predicts the link fails: nothing was written")
                .with_code("LW0711")
                .note("each finding above says what to change; `--no-check-libs` links anyway")
                .to_string());
        }
    }
    let target = compiled.plan.target.clone();
    if implib && target.format != linkwise::linkage::Format::Coff {
        return Err(Diagnostic::error(format!(
            "`--emit implib` writes Windows import libraries, but the target is {target} ({})",
            target.format
        ))
        .note("ld.lld and ld64.lld link against the shared library itself (`-L DIR` and the library's name)")
        .to_string());
    }
    let stem = input_stem(&b.input.file)?;
    let default_path = |kind: Emit| {
        let name = output_name(stem, &target, kind);
        b.out_dir.as_ref().map_or_else(|| PathBuf::from(&name), |dir| dir.join(&name))
    };
    let path_of = |kind: Emit| b.output.clone().unwrap_or_else(|| default_path(kind));
    // Import libraries go beside the output `-o` names, or into --out-dir (the current directory by default).
    let beside = match &b.output {
        Some(out) if !to_stdout => out.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf),
        _ => b.out_dir.clone(),
    };
    let place = |name: &str| beside.as_ref().map_or_else(|| PathBuf::from(name), |dir| dir.join(name));
    // What `--emit lib` bundles (and `--print native-static-libs` leaves out), found on the -L paths before
    // anything is written: a library that cannot be found is an error, as in rustc.
    let lib_bundle = if kinds.contains(&Emit::Lib) {
        Some(
            linkwise::bundle::collect(&compiled.program, &compiled.plan, &b.search_paths)
                .map_err(|d| d.render(&file))?,
        )
    } else {
        None
    };
    let imported = if implib {
        linkwise::link::import_libraries(&compiled).map_err(|d| d.render(&file))?
    } else {
        Vec::new()
    };
    // The DLL's own import library, written by lld-link beside the DLL: `NAME.dll` → `NAME.lib`.
    let own_implib =
        (implib && kinds.contains(&Emit::Dylib)).then(|| path_of(Emit::Dylib).with_extension("lib"));

    // Every path, to refuse two outputs at one path and an output that is an input.
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    if !to_stdout {
        paths.extend(main.iter().map(|&k| (format!("--emit {}", emit_name(k)), path_of(k))));
    }
    paths.extend(
        imported.iter().map(|l| (format!("the import library of `{}`", l.library), place(&l.file_name))),
    );
    paths.extend(own_implib.iter().map(|p| ("the DLL's import library".to_owned(), p.clone())));
    // A map from each path to its first output: `--emit implib` of a module of 70,000 DLLs compared every pair.
    let mut first: std::collections::HashMap<&Path, &str> = std::collections::HashMap::new();
    for (what, path) in &paths {
        if let Some(other) = first.insert(path.as_path(), what.as_str()) {
            return Err(Diagnostic::error(format!(
                "{other} and {what} would both be written to `{}`",
                path.display()
            ))
            .help("build them in two commands, or with `-o`/`--out-dir` in different places")
            .to_string());
        }
        refuse_overwriting_input(&b.input.file, path)?;
    }

    if let Some(dir) = &b.out_dir {
        // As rustc's --out-dir: created when missing (only after compiling, so a failed build creates nothing).
        std::fs::create_dir_all(dir).map_err(|e| {
            plain_error(format!("cannot create the output directory `{}`: {e}", dir.display()))
        })?;
    }
    let mut outputs = Outputs::default();
    let cannot_write =
        |path: &Path, e: std::io::Error| plain_error(format!("cannot write `{}`: {e}", path.display()));
    let mut write_time = std::time::Duration::ZERO;
    for kind in kinds {
        let path = path_of(kind);
        let started = std::time::Instant::now();
        let shown = if to_stdout { "standard output".to_owned() } else { format!("`{}`", path.display()) };
        match kind {
            Emit::Obj => {
                progress.say(stderr, || {
                    format!("writing {shown}: object, {} bytes", compiled.object.bytes.len())
                });
                outputs
                    .stage_bytes(&path, to_stdout, compiled.object.bytes.clone())
                    .map_err(|e| cannot_write(&path, e))?
            }
            Emit::Asm => {
                let text = linkwise::codegen::asm::assembly(&target, &compiled.object.bytes, file.name())
                    .map_err(|d| d.render(&file))?;
                let what = if linkwise::codegen::asm::assemblable(&target) { "assembly" } else { "listing" };
                progress.say(stderr, || format!("writing {shown}: {what}, {} lines", text.lines().count()));
                outputs
                    .stage_bytes(&path, to_stdout, text.into_bytes())
                    .map_err(|e| cannot_write(&path, e))?
            }
            Emit::Lib => {
                let member = output_name(stem, &target, Emit::Obj).to_string_lossy().into_owned();
                let bundle = lib_bundle.as_ref().expect("collected for --emit lib");
                let bytes = static_library(&file, &options, &compiled, bundle, &member)?;
                progress.say(stderr, || format!("writing {shown}: static library, {} bytes", bytes.len()));
                outputs.stage_bytes(&path, to_stdout, bytes).map_err(|e| cannot_write(&path, e))?;
            }
            Emit::Implib => {
                for lib in &imported {
                    let path = place(&lib.file_name);
                    progress.say(stderr, || {
                        format!("writing `{}`: import library of `{}`", path.display(), lib.library)
                    });
                    outputs
                        .stage_bytes(&path, false, lib.bytes.clone())
                        .map_err(|e| cannot_write(&path, e))?;
                }
                if imported.is_empty() && own_implib.is_none() {
                    let _ = stderr.write_all(
                        Diagnostic::warning("`--emit implib` writes nothing: the module imports from no DLL")
                            .to_string()
                            .as_bytes(),
                    );
                }
            }
            Emit::Exe | Emit::Dylib => {
                let image = if kind == Emit::Exe { Image::Executable } else { Image::SharedLibrary };
                // The name the image is known by (ELF soname, Mach-O install name): the output's, unless that
                // is standard output or a device.
                let named = !to_stdout && matches!(plan(&path), Ok(Plan::Replace { .. }));
                let file_name = path
                    .file_name()
                    .filter(|_| named)
                    .map_or_else(|| output_name(stem, &target, kind), OsStr::to_os_string)
                    .to_string_lossy()
                    .into_owned();
                let own = if kind == Emit::Dylib { own_implib.as_deref() } else { None };
                let slot = outputs
                    .link_slot(&path, to_stdout, &file_name, own)
                    .map_err(|e| cannot_write(&path, e))?;
                let request = LinkRequest {
                    image,
                    output: slot.image.clone(),
                    file_name,
                    import_library: slot.implib.as_ref().map(|(tmp, _)| tmp.clone()),
                    search_paths: b.search_paths.clone(),
                    linker: b.linker.clone(),
                    sdk_root: b.sdk_root.clone(),
                };
                let link = Link::prepare(&compiled, &request).map_err(|d| d.render(&file))?;
                if b.verbose {
                    let _ = writeln!(stderr, "{}", link.command());
                }
                write_time += started.elapsed();
                let linking = std::time::Instant::now();
                let ran = link.run();
                progress.phase("link", linking.elapsed());
                let started = std::time::Instant::now();
                match ran {
                    Ok(linked) => {
                        let _ = stderr.write_all(linked.stdout.as_bytes());
                        let _ = stderr.write_all(linked.stderr.as_bytes());
                    }
                    Err(LinkError::Setup(d)) => return Err(d.render(&file)),
                    Err(LinkError::Failed { output, diagnostic }) => {
                        let newline = if output.is_empty() || output.ends_with('\n') { "" } else { "\n" };
                        return Err(format!("{output}{newline}{diagnostic}"));
                    }
                    Err(other) => return Err(other.to_string()),
                }
                if let Some(warning) = outputs.linked(slot).map_err(|e| cannot_write(&path, e))? {
                    let _ = stderr.write_all(warning.to_string().as_bytes());
                }
                write_time += started.elapsed();
                continue;
            }
        }
        write_time += started.elapsed();
    }
    let committing = std::time::Instant::now();
    outputs.commit(stdout)?;
    progress.phase("write", write_time + committing.elapsed());
    progress.finish(stderr);
    if b.print.contains(&Print::NativeStaticLibs) {
        // rustc's two notes, word for word, so that build scripts that read them work unchanged.
        let bundle = lib_bundle.as_ref().expect("collected for --emit lib");
        let libs = linkwise::bundle::native_static_libs(&compiled.plan, bundle);
        for note in linkwise::bundle::native_static_libs_notes(&libs) {
            let _ = write!(stderr, "note: {note}\n\n");
        }
    }
    Ok(())
}

fn emit_name(kind: Emit) -> &'static str {
    match kind {
        Emit::Obj => "obj",
        Emit::Asm => "asm",
        Emit::Lib => "lib",
        Emit::Implib => "implib",
        Emit::Exe => "exe",
        Emit::Dylib => "dylib",
    }
}

/// `--emit dylib`: the object is compiled for a shared library (ELF and Mach-O: exported symbols visible,
/// other `pub` ones hidden).
fn for_shared_library(options: &mut Options) {
    options.shared_library = true;
}

/// The static library `--emit lib` writes: the object, then the members of the `+bundle` static libraries and
/// the raw-dylib import libraries `bundle` collected from the `-L` paths (rustc's staticlib). The object in
/// it is compiled again with those libraries marked bundled, so it does not ask the linker for them.
fn static_library(
    file: &SourceFile,
    options: &Options,
    compiled: &linkwise::Compiled,
    bundle: &linkwise::bundle::Bundle,
    member: &str,
) -> Result<Vec<u8>, String> {
    let names = bundle.names();
    let rebuilt;
    let object = if names.is_empty() {
        &compiled.object.bytes
    } else {
        let mut options = options.clone();
        options.bundled = names;
        rebuilt = linkwise::compile(file, &options).map_err(|d| d.render(file))?;
        &rebuilt.object.bytes
    };
    linkwise::bundle::static_library(&compiled.plan.target, member, object, bundle)
        .map_err(|d| d.render(file))
}

/// Where one output goes once it is complete.
#[derive(Debug)]
enum Destination {
    /// Renamed over this regular file (or new file).
    Replace(PathBuf),
    /// Written into this device, FIFO or descriptor link.
    Into(PathBuf),
    /// Written to standard output.
    Stdout,
}

/// One output, complete, waiting to be put in place.
#[derive(Debug)]
enum Staged {
    /// A temporary file (beside the destination) renamed over it.
    Rename { tmp: PathBuf, to: PathBuf },
    /// Bytes written into a device, FIFO or descriptor link.
    Into { device: PathBuf, bytes: Vec<u8> },
    /// Bytes written to standard output.
    Stdout(Vec<u8>),
}

/// Where a linker writes: a temporary directory beside the output (so the final rename stays on one file
/// system), holding the image under its final file name (lld-link records a DLL's file name in its export
/// table and import library, so the temporary name must not be in the file's name) and the DLL's import
/// library.
struct LinkSlot {
    image: PathBuf,
    destination: Destination,
    implib: Option<(PathBuf, Destination)>,
}

/// Outputs staged by `linkwise build`: [`Outputs::commit`] puts them in place; whatever is not committed is
/// removed when this is dropped, so a failure leaves no temporary file or directory behind.
#[derive(Default)]
struct Outputs {
    staged: Vec<Staged>,
    directories: Vec<PathBuf>,
}

impl Outputs {
    /// Stages `bytes` for `path` (or standard output), as [`plan`] decides: a regular file gets a complete
    /// temporary file beside it now (its mode kept), a device or FIFO is written at commit time.
    fn stage_bytes(&mut self, path: &Path, to_stdout: bool, bytes: Vec<u8>) -> std::io::Result<()> {
        if to_stdout {
            self.staged.push(Staged::Stdout(bytes));
            return Ok(());
        }
        match plan(path)? {
            Plan::Through(device) => self.staged.push(Staged::Into { device, bytes }),
            Plan::Replace { file, mode } => {
                let tmp = write_temporary(&file, &bytes, mode)?;
                self.staged.push(Staged::Rename { tmp, to: file });
            }
        }
        Ok(())
    }

    /// Makes the temporary directory a linker writes `file_name` (and, for a DLL, its import library) into.
    fn link_slot(
        &mut self,
        path: &Path,
        to_stdout: bool,
        file_name: &str,
        implib: Option<&Path>,
    ) -> std::io::Result<LinkSlot> {
        let destination_of = |path: &Path| -> std::io::Result<Destination> {
            Ok(match plan(path)? {
                Plan::Replace { file, .. } => Destination::Replace(file),
                Plan::Through(device) => Destination::Into(device),
            })
        };
        let destination = if to_stdout { Destination::Stdout } else { destination_of(path)? };
        let dir = match &destination {
            Destination::Replace(file) => parent_dir(file).to_path_buf(),
            // Nothing can be created beside a device (/dev): the system's temporary directory instead.
            Destination::Into(_) | Destination::Stdout => std::env::temp_dir(),
        };
        let tmp = create_temporary_dir(&dir, OsStr::new(file_name), random_suffix).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot create a temporary directory in `{}`: {e}", dir.display()),
            )
        })?;
        self.directories.push(tmp.clone());
        let implib = match implib {
            Some(path) => {
                let name = path.file_name().unwrap_or(OsStr::new("implib.lib"));
                Some((tmp.join(name), destination_of(path)?))
            }
            None => None,
        };
        Ok(LinkSlot { image: tmp.join(file_name), destination, implib })
    }

    /// Stages what the linker wrote into `slot`. Returns a warning when a DLL's import library was asked for
    /// and the linker wrote none (lld-link writes none for a DLL that exports nothing).
    fn linked(&mut self, slot: LinkSlot) -> std::io::Result<Option<Diagnostic>> {
        self.stage_file(slot.image, slot.destination)?;
        match slot.implib {
            Some((tmp, destination)) if tmp.exists() => self.stage_file(tmp, destination)?,
            Some(_) => {
                return Ok(Some(Diagnostic::warning("the linker wrote no import library for the DLL").note(
                    "lld-link writes none for a DLL that exports nothing: mark exports with `#[export]`",
                )));
            }
            None => {}
        }
        Ok(None)
    }

    fn stage_file(&mut self, tmp: PathBuf, destination: Destination) -> std::io::Result<()> {
        match destination {
            Destination::Replace(to) => self.staged.push(Staged::Rename { tmp, to }),
            Destination::Into(device) => {
                self.staged.push(Staged::Into { device, bytes: std::fs::read(&tmp)? })
            }
            Destination::Stdout => self.staged.push(Staged::Stdout(std::fs::read(&tmp)?)),
        }
        Ok(())
    }

    /// Puts every staged output in place, in order; stops at the first failure (what is left is removed).
    fn commit(mut self, stdout: &mut dyn Write) -> Result<(), String> {
        for staged in std::mem::take(&mut self.staged) {
            match staged {
                Staged::Rename { tmp, to } => {
                    if let Err(e) = std::fs::rename(&tmp, &to) {
                        let _ = std::fs::remove_file(&tmp);
                        return Err(plain_error(format!("cannot write `{}`: {e}", to.display())));
                    }
                }
                Staged::Into { device, bytes } => {
                    // No `create`: if it vanished since `plan` looked, writing fails rather than making a
                    // file. Truncation means nothing to a device or FIFO, and for a descriptor link to a file it
                    // does what `cp` does.
                    OpenOptions::new()
                        .write(true)
                        .truncate(true)
                        .open(&device)
                        .and_then(|mut out| out.write_all(&bytes).and_then(|()| out.flush()))
                        .map_err(|e| plain_error(format!("cannot write `{}`: {e}", device.display())))?;
                }
                Staged::Stdout(bytes) => stdout
                    .write_all(&bytes)
                    .map_err(|e| plain_error(format!("cannot write to standard output: {e}")))?,
            }
        }
        Ok(())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        for staged in &self.staged {
            if let Staged::Rename { tmp, .. } = staged {
                let _ = std::fs::remove_file(tmp);
            }
        }
        for dir in &self.directories {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `linkwise fmt`: formats each of `files` and prints it, checks it (`check`) or rewrites it (`write`). Every
/// file is tried; an error (a file that cannot be read or does not parse) goes to `stderr` at once and makes
/// the result an error, as does a file `--check` finds unformatted (with an empty message: the diff says it).
fn fmt(
    files: &[PathBuf],
    check: bool,
    write: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), String> {
    let cannot_write = |e: std::io::Error| plain_error(format!("cannot write output: {e}"));
    let mut failed = false;
    for path in files {
        // `-w` replaces regular files only (through links), and only those the user may write: a FIFO would be
        // reopened for writing and block, and a rename would replace a read-only file the user cannot write
        // (rustfmt and gofmt refuse both). Checked before reading, so nothing is consumed from a FIFO.
        if write && let Err(message) = rewritable(path) {
            let _ = stderr.write_all(message.as_bytes());
            failed = true;
            continue;
        }
        let formatted = read_source(path, MAX_INPUT_BYTES).and_then(|file| {
            let text = linkwise::ir::text::format(&file).map_err(|d| d.render(&file))?;
            Ok((text, file))
        });
        let (text, file) = match formatted {
            Ok(done) => done,
            Err(message) => {
                let _ = stderr.write_all(message.as_bytes());
                failed = true;
                continue;
            }
        };
        if check {
            if text != file.text() {
                stdout.write_all(fmt_diff(path, file.text(), &text).as_bytes()).map_err(cannot_write)?;
                failed = true;
            }
        } else if write {
            if text == file.text() {
                continue;
            }
            // The CLI's own atomic replacement (`build -o`'s): a temporary file beside the real file (a link
            // followed to it), with its mode, renamed over it only once it is complete.
            let mut outputs = Outputs::default();
            let staged = outputs
                .stage_bytes(path, false, text.into_bytes())
                .map_err(|e| plain_error(format!("cannot write `{}`: {e}", path.display())))
                .and_then(|()| outputs.commit(stdout));
            if let Err(message) = staged {
                let _ = stderr.write_all(message.as_bytes());
                failed = true;
            }
        } else {
            if files.len() > 1 {
                writeln!(stdout, "{}:\n", path.display()).map_err(cannot_write)?;
            }
            stdout.write_all(text.as_bytes()).map_err(cannot_write)?;
        }
    }
    if failed { Err(String::new()) } else { Ok(()) }
}

/// Whether `fmt -w` may rewrite `path`: a regular file (a symbolic link followed to one) that can be opened
/// for writing (opened without truncating it, and closed at once).
fn rewritable(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| plain_error(format!("cannot read `{shown}`: {e}")))?;
    if !meta.is_file() {
        return Err(plain_error(format!(
            "`{shown}` is not a regular file: `fmt -w` rewrites files only (print it with `fmt {shown}`)"
        )));
    }
    OpenOptions::new()
        .write(true)
        .open(path)
        .map(drop)
        .map_err(|e| plain_error(format!("cannot rewrite `{shown}`: {e}")))
}

/// Lines of context around each change in [`fmt_diff`], as `diff -u` and `rustfmt --check` show.
const DIFF_CONTEXT: usize = 3;

/// Most line pairs [`fmt_diff`] compares to find the fewest changed lines; a larger changed region is shown
/// as all of its old lines, then all of its new ones (still a correct diff, only not the shortest).
const DIFF_CELLS: usize = 4 << 20;

/// What `fmt --check` prints for a file whose formatted text `new` differs from its text `old`: for each group
/// of changes, `Diff in FILE at line N:` (N the group's first line in `old`), then its lines, each after ` `
/// (unchanged context), `-` (only in `old`) or `+` (only in `new`): rustfmt's layout.
fn fmt_diff(path: &Path, old: &str, new: &str) -> String {
    use std::fmt::Write as _;
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // Common lines at both ends, then the fewest changes between what is left (longest common subsequence).
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // `ops`: for each line of the merged listing, (kind, text); kind is b' ', b'-' or b'+'.
    let mut ops: Vec<(u8, &str)> = a[..prefix].iter().map(|l| (b' ', *l)).collect();
    if (ma.len() + 1).saturating_mul(mb.len() + 1) <= DIFF_CELLS {
        // lcs[i][j]: the longest common subsequence of ma[i..] and mb[j..].
        let width = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * width];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * width + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                ops.push((b' ', ma[i]));
                i += 1;
                j += 1;
            } else if j == mb.len() || (i < ma.len() && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
                ops.push((b'-', ma[i]));
                i += 1;
            } else {
                ops.push((b'+', mb[j]));
                j += 1;
            }
        }
    } else {
        ops.extend(ma.iter().map(|l| (b'-', *l)));
        ops.extend(mb.iter().map(|l| (b'+', *l)));
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| (b' ', *l)));
    // Old line number (1-based) of each listing line: context and removed lines advance it.
    let mut old_line = Vec::with_capacity(ops.len());
    let mut n = 1;
    for (kind, _) in &ops {
        old_line.push(n);
        if *kind != b'+' {
            n += 1;
        }
    }
    let mut out = String::new();
    let mut k = 0;
    while k < ops.len() {
        if ops[k].0 == b' ' {
            k += 1;
            continue;
        }
        // A group: from DIFF_CONTEXT lines before this change to DIFF_CONTEXT lines after the last change
        // that is no more than 2 * DIFF_CONTEXT unchanged lines from the one before it.
        let from = k.saturating_sub(DIFF_CONTEXT);
        let mut last = k;
        let mut at = k + 1;
        while at < ops.len() {
            if ops[at].0 != b' ' {
                last = at;
            } else if at - last > 2 * DIFF_CONTEXT {
                break;
            }
            at += 1;
        }
        let to = (last + 1 + DIFF_CONTEXT).min(ops.len());
        let _ = writeln!(out, "Diff in {} at line {}:", path.display(), old_line[from]);
        for (kind, text) in &ops[from..to] {
            let _ = writeln!(out, "{}{text}", char::from(*kind));
        }
        k = to;
    }
    if out.is_empty() {
        // Only line endings differ (`lines` reads `\r\n` and `\n` alike, and a missing final newline).
        let _ = writeln!(
            out,
            "Diff in {} at line 1:\n line endings: the formatted file has `\\n` line endings and ends with one",
            path.display()
        );
    }
    out
}

/// Writes the compilation's warnings to `stderr`, rendered like errors: the checker's (`Program.warnings`),
/// the link plan's (deprecated `-l` spellings) and codegen's (functions without an unwind record), in that
/// order. A failed write is ignored, as it is for error messages: the command's result does not depend on them.
fn warn(stderr: &mut dyn Write, compiled: &linkwise::Compiled, file: &SourceFile) {
    let all =
        compiled.program.warnings.iter().chain(&compiled.plan.warnings).chain(&compiled.object.warnings);
    for warning in all {
        let _ = stderr.write_all(warning.render(file).as_bytes());
    }
}

/// `linkwise check-libs`: the report on standard output; the exit status is the report's (0 every kind
/// matches, 1 the link would fail, 2 a library could not be read), or 1 for a module with errors.
fn check_libs_command(
    input: &Input,
    search_paths: &[PathBuf],
    format: Format,
    lib_env: Option<&str>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), (i32, String)> {
    let failed = |m: String| (EXIT_ERROR, m);
    let (file, options) = load(input, MAX_BUILD_INPUT_BYTES).map_err(failed)?;
    let compiled = linkwise::compile(&file, &options).map_err(|d| failed(d.render(&file)))?;
    warn(stderr, &compiled, &file);
    let report = check_libs(&compiled, search_paths, lib_env, None);
    let text = match format {
        Format::Human => linkwise_libcheck::report::human(&report, &file),
        Format::Json => linkwise_libcheck::report::json(&report, &file, &compiled.plan.target.to_string()),
    };
    stdout
        .write_all(text.as_bytes())
        .map_err(|e| failed(plain_error(format!("cannot write output: {e}"))))?;
    match linkwise_libcheck::report::exit_code(&report) {
        0 => Ok(()),
        status => Err((status, String::new())),
    }
}

/// The library check of issue 14 for `compiled`'s plan, on the `-L` directories `dirs` (then `LIB` on
/// Windows: `lib_env`, else the environment's; the C library's directory on ELF, as the link driver adds it;
/// the SDK's `usr/lib` on Mach-O, `--sdk-root` else SDKROOT).
fn check_libs(
    compiled: &linkwise::Compiled,
    dirs: &[PathBuf],
    lib_env: Option<&str>,
    sdk_root: Option<&Path>,
) -> linkwise_libcheck::Report {
    let target = &compiled.plan.target;
    let env = std::env::var("LIB").ok();
    let sdk = sdk_root
        .map(Path::to_owned)
        .or_else(|| std::env::var_os("SDKROOT").filter(|s| !s.is_empty()).map(PathBuf::from))
        .map(|s| s.join("usr/lib"));
    let system = linkwise::link::system_library_dir(target)
        .or(sdk.filter(|_| target.format == linkwise::linkage::Format::MachO));
    let search = linkwise_libcheck::search::SearchPath::new(
        target,
        dirs,
        lib_env.or(env.as_deref()),
        system.as_deref(),
    );
    linkwise_libcheck::check(&compiled.program, &compiled.plan, &search)
}

/// `linkwise doctor`'s arguments, as clap gave them.
struct DoctorArgs {
    words: Vec<String>,
    format: Format,
    crt: Option<CrtChoice>,
    rustc_note: Option<PathBuf>,
    lib_env: Option<String>,
    flavor: Option<FlavorChoice>,
}

/// `doctor --flavor`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FlavorChoice {
    /// link.exe and lld-link.
    Msvc,
    /// ld.lld (and GNU ld) for MinGW.
    Mingw,
}

impl DoctorArgs {
    /// Doctor's own flags among the link words (clap hands over every word after the first link word; link.exe
    /// options never start with `--`), up to a `--`, which ends them.
    fn take_own_flags(&mut self) -> Result<(), String> {
        let mut words = Vec::new();
        let mut rest = std::mem::take(&mut self.words).into_iter();
        while let Some(word) = rest.next() {
            if word == "--" {
                words.extend(rest.by_ref());
                break;
            }
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (word.clone(), None),
            };
            if !matches!(flag.as_str(), "--format" | "--crt" | "--rustc-note" | "--lib-env" | "--flavor") {
                words.push(word);
                continue;
            }
            let value = inline
                .or_else(|| rest.next())
                .ok_or_else(|| plain_error(format!("`{flag}` needs a value")))?;
            let bad = |e: String| plain_error(format!("invalid value `{value}` for `{flag}`: {e}"));
            match flag.as_str() {
                "--format" => self.format = clap::ValueEnum::from_str(&value, false).map_err(bad)?,
                "--crt" => self.crt = Some(clap::ValueEnum::from_str(&value, false).map_err(bad)?),
                "--rustc-note" => self.rustc_note = Some(PathBuf::from(value)),
                "--flavor" => self.flavor = Some(clap::ValueEnum::from_str(&value, false).map_err(bad)?),
                _ => self.lib_env = Some(value),
            }
        }
        self.words = words;
        Ok(())
    }
}

/// Why `doctor` could not read its inputs: the file (when one input is at fault), the error as one message
/// for the JSON report, and as rendered for a terminal.
struct InputError {
    file: Option<String>,
    rendered: String,
}

impl InputError {
    /// An error about input `file`; `rendered` is a rendered diagnostic or a plain message.
    fn file(file: &str, rendered: String) -> InputError {
        let rendered = if rendered.starts_with("error") { rendered } else { plain_error(rendered) };
        InputError { file: Some(file.to_owned()), rendered }
    }

    /// The message without the rendering's `error: ` prefix and final newline.
    fn message(&self) -> &str {
        self.rendered.strip_prefix("error: ").unwrap_or(&self.rendered).trim_end()
    }
}

/// A rendered diagnostic about the command line as a whole.
impl From<String> for InputError {
    fn from(rendered: String) -> InputError {
        InputError { file: None, rendered }
    }
}

/// `linkwise doctor`: the report on stdout and the exit status docs/doctor.md gives: `Err((1, ""))` when
/// the link would fail; `Err((2, message))` when the link line or an input cannot be read (with
/// `--format json`, the error is also a report on stdout, in the same schema).
fn doctor(mut args: DoctorArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<(), (i32, String)> {
    use linkwise_doctor::{linkline, report};
    let cannot_write =
        |e: std::io::Error| (report::EXIT_UNREADABLE, plain_error(format!("cannot write output: {e}")));
    let read = doctor_link_line(&mut args, stderr);
    let (line, loaded) = match read {
        Ok(read) => read,
        Err(e) => {
            if args.format == Format::Json {
                let text = report::json_error(e.file.as_deref(), e.message());
                stdout.write_all(text.as_bytes()).map_err(cannot_write)?;
            }
            return Err((report::EXIT_UNREADABLE, e.rendered));
        }
    };
    let prediction = linkwise_doctor::predict(&loaded.inputs, &loaded.options);
    let text = match args.format {
        Format::Human => linkline::human(&line, &loaded) + &report::human(&loaded.inputs, &prediction),
        Format::Json => {
            report::json_with_link_line(&loaded.inputs, &prediction, linkline::json(&line, &loaded))
        }
    };
    stdout.write_all(text.as_bytes()).map_err(cannot_write)?;
    match report::exit_code(&prediction) {
        report::EXIT_LINKS => Ok(()),
        status => Err((status, String::new())),
    }
}

/// Doctor's link line, read: rustc's note first (when given), then the words, response files expanded in
/// place, options parsed, and every input found (the search path, `LIB`) and read; warnings to `stderr`.
fn doctor_link_line(
    args: &mut DoctorArgs,
    stderr: &mut dyn Write,
) -> Result<(linkwise_doctor::linkline::LinkLine, linkwise_doctor::linkline::Loaded), InputError> {
    use linkwise_doctor::linkline;
    args.take_own_flags()?;
    let mut words = Vec::new();
    let mut warnings = Vec::new();
    if let Some(note) = &args.rustc_note {
        let shown = note.display().to_string();
        let text = std::fs::read(note)
            .map_err(|e| InputError::file(&shown, format!("cannot read rustc's note `{shown}`: {e}")))?;
        let (note_words, note_warnings) = linkline::rustc_note(&String::from_utf8_lossy(&text))
            .map_err(|e| InputError::file(&shown, format!("`{shown}`: {e}")))?;
        words.extend(note_words);
        warnings.extend(note_warnings);
    }
    words.extend(args.words.iter().cloned());
    let mut response_files = Vec::new();
    let words = linkline::expand_response_files(&words, &mut |p| std::fs::read(p), &mut response_files)
        .map_err(plain_error)?;
    let flavor = args.flavor.map(|f| match f {
        FlavorChoice::Msvc => linkwise_doctor::predict::Flavor::Msvc,
        FlavorChoice::Mingw => linkwise_doctor::predict::Flavor::Mingw,
    });
    let mut line = linkline::parse_as(&words, flavor);
    line.response_files = response_files;
    line.options.crt = args.crt.map(|c| match c {
        CrtChoice::Static => linkwise_doctor::crt::Crt::MT,
        CrtChoice::Dynamic => linkwise_doctor::crt::Crt::MD,
    });
    let lib_env = args.lib_env.clone().or_else(|| std::env::var("LIB").ok());
    // The input at fault, so that a read error names its file (in JSON too).
    let mut failed: Option<String> = None;
    let loaded = linkline::load(&line, lib_env.as_deref(), &mut |arg, path| {
        doctor_input(arg, path).inspect_err(|_| failed = Some(arg.to_owned()))
    })
    .map_err(|e| match &failed {
        Some(file) => InputError::file(file, e),
        None => InputError::from(e),
    })?;
    for w in warnings.iter().chain(&line.warnings).chain(&loaded.warnings) {
        let _ = writeln!(stderr, "warning: {w}");
    }
    Ok((line, loaded))
}

/// One input of doctor's link line, found at `path`: a linkwise module is compiled, anything else read.
fn doctor_input(arg: &str, path: &Path) -> Result<linkwise_doctor::Input, String> {
    let input = if path.extension().is_some_and(|e| e == "lw") {
        let file = read_source(path, MAX_INPUT_BYTES)?;
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
    input.map_err(|e| plain_error(e.into()))
}

/// Reads the input file (at most `limit` bytes) and turns `--target` and `-l` into [`Options`], reporting every
/// bad argument at once.
fn load(input: &Input, limit: u64) -> Result<(SourceFile, Options), String> {
    let mut errors = Diagnostics::default();
    let mut options = Options::new();
    if input.no_plt {
        options.import_calls = linkwise::ImportCalls::Got;
    }
    if let Some(crt) = input.crt {
        options.crt = crt.mode();
    }
    options.no_autolink = input.no_autolink;
    options.jobs = input.jobs;
    options.verify = input.verify;
    options.force_frame_pointers = input.force_frame_pointers == Some(YesNo::Yes);
    if let Some(level) = input.opt_level {
        options.opt_level = level;
    }
    // rustc's rule: without `--target` (and here without a `target` line in the module), the host.
    options.fallback_target = linkwise::triple::host();
    options.debug_info = input.debug_info;
    if let Some(triple) = &input.target {
        match linkwise::triple::parse(triple) {
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
    let file = read_source(&input.file, limit)?;
    if errors.has_errors() {
        return Err(errors.render(&SourceFile::new("<command line>", "")));
    }
    Ok((file, options))
}

/// Reads a module, at most `limit` bytes of it ([`MAX_INPUT_BYTES`], or [`MAX_BUILD_INPUT_BYTES`] for `build`;
/// every command that reads a `.lw` comes here).
fn read_source(path: &Path, limit: u64) -> Result<SourceFile, String> {
    let too_big = || {
        plain_error(format!(
            "`{}` is larger than {} MiB, the most {} reads from one module",
            path.display(),
            limit >> 20,
            if limit == MAX_BUILD_INPUT_BYTES { "`linkwise build`" } else { "linkwise" }
        ))
    };
    let cannot_read = |e: std::io::Error| plain_error(format!("cannot read `{}`: {e}", path.display()));
    let file = File::open(path).map_err(cannot_read)?;
    // A regular file says its size: refuse a big one without reading it. Devices, FIFOs and files that grow
    // are bounded by `take` instead.
    if file.metadata().is_ok_and(|m| m.is_file() && m.len() > limit) {
        return Err(too_big());
    }
    // A regular file's size is known: read into exactly that much (growing by doubling would hold up to twice
    // the module for the whole compilation).
    let size = file.metadata().ok().filter(|m| m.is_file()).map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(cannot_read)?;
    if bytes.len() as u64 > limit {
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
/// tree and an out-of-tree build both work), by the target's conventions: `STEM.obj`/`STEM.o`; a static library
/// `STEM.lib` on COFF or `libSTEM.a` elsewhere, the name `ld -lSTEM` looks for; a program `STEM.exe` on Windows
/// or `STEM`; a shared library `STEM.dll`, `libSTEM.so` or `libSTEM.dylib`, again what `-lSTEM` finds. The
/// stem is kept byte for byte, UTF-8 or not. (`implib` files are named after their DLLs instead.)
fn output_name(stem: &OsStr, target: &Target, emit: Emit) -> OsString {
    use linkwise::linkage::Format;
    let (prefix, suffix) = match (emit, target.format) {
        (Emit::Obj, _) => target.object_file_affixes(),
        // As `clang -S` names it, on every target.
        (Emit::Asm, _) => ("", ".s"),
        (Emit::Lib, _) => target.static_library_affixes(),
        (Emit::Exe, Format::Coff) => ("", ".exe"),
        (Emit::Exe, Format::Elf | Format::MachO) => ("", ""),
        (Emit::Dylib | Emit::Implib, Format::Coff) => ("", if emit == Emit::Dylib { ".dll" } else { ".lib" }),
        (Emit::Dylib | Emit::Implib, Format::Elf) => ("lib", ".so"),
        (Emit::Dylib | Emit::Implib, Format::MachO) => ("lib", ".dylib"),
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

/// Writes `bytes` to a new temporary file beside `path` (with `mode`, the permissions of the file it will
/// replace) and returns its name; [`Outputs::commit`] renames it over `path`, so a reader never sees a
/// half-written object, and a failure leaves any earlier file untouched.
fn write_temporary(
    path: &Path,
    bytes: &[u8],
    mode: Option<std::fs::Permissions>,
) -> std::io::Result<PathBuf> {
    let dir = parent_dir(path);
    let name = path.file_name().ok_or_else(|| std::io::Error::other("the output path names no file"))?;
    let (tmp, mut file) = create_temporary(dir, name, random_suffix).map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot create a temporary file in `{}`: {e}", dir.display()))
    })?;
    let result = file.write_all(bytes).and_then(|()| mode.map_or(Ok(()), |mode| file.set_permissions(mode)));
    drop(file);
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Creates the directory `.NAME.linkwise-SUFFIX.tmp` in `dir` exclusively (mkdir fails on anything already
/// there, a planted link included), trying new suffixes while the name is taken, as [`create_temporary`].
fn create_temporary_dir(
    dir: &Path,
    name: &OsStr,
    suffix: impl FnMut() -> String,
) -> std::io::Result<PathBuf> {
    create_exclusive(dir, name, suffix, |tmp| std::fs::create_dir(tmp)).map(|(tmp, ())| tmp)
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
    suffix: impl FnMut() -> String,
) -> std::io::Result<(PathBuf, File)> {
    create_exclusive(dir, name, suffix, |tmp| OpenOptions::new().write(true).create_new(true).open(tmp))
}

/// Runs `create` (which must fail with `AlreadyExists` on an existing name) at `.NAME.linkwise-SUFFIX.tmp` in
/// `dir` until it succeeds, with a new suffix each time the name is taken, at most [`TEMPORARY_ATTEMPTS`]
/// times; any other error is returned at once, since another try would fail the same way.
fn create_exclusive<T>(
    dir: &Path,
    name: &OsStr,
    mut suffix: impl FnMut() -> String,
    mut create: impl FnMut(&Path) -> std::io::Result<T>,
) -> std::io::Result<(PathBuf, T)> {
    let mut last = None;
    for _ in 0..TEMPORARY_ATTEMPTS {
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".linkwise-{}.tmp", suffix()));
        let tmp = dir.join(tmp_name);
        match create(&tmp) {
            Ok(made) => return Ok((tmp, made)),
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

    /// Issue 9 review: `-o ..` made the DLL's import library path `..` too, reported as two outputs colliding.
    /// Refused before the input is read (`absent.lw` need not exist) and before anything is written.
    #[test]
    fn an_output_path_must_name_a_file() {
        for out in ["..", "/"] {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let args = ["linkwise", "build", "absent.lw", "--emit", "dylib,implib", "-o", out];
            assert_eq!(run(args, &mut stdout, &mut stderr), EXIT_ERROR, "-o {out}");
            let stderr = String::from_utf8(stderr).unwrap();
            assert!(stderr.contains(&format!("`-o {out}` does not name a file")), "{stderr}");
            assert!(!stderr.contains("would both be written"), "{stderr}");
        }
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
