//! `linkwise bench callsite` (issue 10, item 1): what a call costs through each way a symbol can be reached;
//! and `linkwise bench codegen` (item 2, [`codegen`]): code generation time, memory and size side by side with
//! llc and plain cranelift-object.
//!
//! For each platform and access kind the harness generates a caller that makes N calls in a loop to a trivial
//! callee, compiles it with linkwise and links it through linkwise's own link driver (`linkwise::link`), does
//! the same with clang from equivalent C, runs every program (wine for Windows, natively for Linux) with a
//! deadline, and reports nanoseconds per call: median and spread over the repetitions, and each kind's ratio
//! to the direct call of the same producer. The method and how to read the table are in docs/bench.md.
//!
//! aarch64 is left out: the only way to run it here is qemu's user-mode emulation, whose translated code
//! says nothing about a real core's call and return prediction.

pub mod codegen;
pub mod process;
pub mod programs;
pub mod render;
pub mod stats;

use linkwise::link::{Image, Link, LinkRequest};
use linkwise::{Options, SourceFile};
use process::run;
use stats::Summary;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A platform the harness measures on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Platform {
    /// x86_64 Windows (COFF, lld-link), run under wine.
    Windows,
    /// x86_64 Linux (ELF, ld.lld, PIE), run natively.
    Linux,
}

impl Platform {
    /// Parses one word of `--targets`.
    pub fn parse(word: &str) -> Option<Platform> {
        match word {
            "windows" => Some(Platform::Windows),
            "linux" => Some(Platform::Linux),
            _ => None,
        }
    }

    /// The target triple linkwise compiles for.
    pub fn triple(self) -> &'static str {
        match self {
            Platform::Windows => "x86_64-pc-windows-msvc",
            Platform::Linux => "x86_64-unknown-linux-gnu",
        }
    }

    /// The name in tables and `--targets`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Windows => "windows",
            Platform::Linux => "linux",
        }
    }

    /// The access kinds measured on this platform, the direct call (the ratios' base) first.
    pub fn kinds(self) -> &'static [Kind] {
        match self {
            Platform::Windows => &[Kind::Direct, Kind::DllImport, Kind::Thunk],
            Platform::Linux => &[Kind::Direct, Kind::Plt, Kind::Got],
        }
    }
}

/// How the caller reaches the callee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The callee is linked into the program (a static library): `call callee`.
    Direct,
    /// Windows: the callee is in a DLL, called through its import slot (`__imp_`).
    DllImport,
    /// Windows: the callee is in a DLL but called as if static: `call callee` reaches the import library's
    /// thunk, `jmp [__imp_callee]`.
    Thunk,
    /// Linux: the callee is in a shared object, called through the PLT.
    Plt,
    /// Linux: the callee is in a shared object, called through its GOT entry (`--no-plt`, `-fno-plt`).
    Got,
}

impl Kind {
    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Direct => "direct",
            Kind::DllImport => "dllimport",
            Kind::Thunk => "thunk",
            Kind::Plt => "plt",
            Kind::Got => "got",
        }
    }

    /// Whether the callee is a DLL or shared object (else a static library).
    pub fn shared(self) -> bool {
        !matches!(self, Kind::Direct)
    }

    /// The `-l` spec linkwise compiles the caller with: the module declares `callee` as `dylib`, and
    /// `static=callee` makes the call direct (a static library, or on Windows the import library's thunk).
    fn link_spec(self) -> Option<&'static str> {
        matches!(self, Kind::Direct | Kind::Thunk).then_some("static=callee")
    }

    /// clang's extra flags for this kind's caller.
    fn clang_flags(self) -> &'static [&'static str] {
        match self {
            Kind::Got => &["-fno-plt"],
            _ => &[],
        }
    }
}

/// Who compiled the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Producer {
    /// linkwise (Cranelift), linked by linkwise's driver.
    Linkwise,
    /// clang from the equivalent C, at [`CLANG_OPT`].
    Clang,
}

impl Producer {
    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Producer::Linkwise => "linkwise",
            Producer::Clang => "clang",
        }
    }
}

/// clang's optimization level: `-O2`, what release builds use. The loop body is one call either way (the
/// callee is in another object, so nothing is inlined), and `-O1` and `-O2` emit the same call instructions;
/// `-O2` is the comparison a user would make.
pub const CLANG_OPT: &str = "-O2";

/// What to measure.
#[derive(Clone, Debug)]
pub struct Config {
    /// Calls per timed loop (`--calls`).
    pub calls: u64,
    /// Timed loops per program (`--reps`), after one untimed warm-up loop of the same length.
    pub reps: u32,
    /// Where the programs, `callsite.md` and `callsite.svg` go (`--out`).
    pub out: PathBuf,
    /// The platforms (`--targets`).
    pub platforms: Vec<Platform>,
}

/// One program's result.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Where it ran.
    pub platform: Platform,
    /// How it calls.
    pub kind: Kind,
    /// Who compiled the caller.
    pub producer: Producer,
    /// Nanoseconds per call, one per timed loop, in the order they ran.
    pub samples: Vec<f64>,
    /// Their summary.
    pub summary: Summary,
    /// Median over the median of the direct kind of the same platform and producer.
    pub ratio_to_direct: f64,
}

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was asked.
    pub config: Config,
    /// The processor, from /proc/cpuinfo (for the tables' caption).
    pub machine: String,
    /// The clang used.
    pub clang: String,
    /// One row per platform, kind and producer, in that order.
    pub rows: Vec<Measurement>,
}

impl Report {
    /// The row for `platform`, `kind`, `producer`.
    pub fn row(&self, platform: Platform, kind: Kind, producer: Producer) -> Option<&Measurement> {
        self.rows.iter().find(|m| m.platform == platform && m.kind == kind && m.producer == producer)
    }
}

/// Tools found on PATH.
struct Tools {
    clang: PathBuf,
    wine: Option<PathBuf>,
    prefix: PathBuf,
}

/// Runs the whole benchmark: builds every program first (so nothing is compiled while anything is timed),
/// then runs each once, one after another (platform, kind, producer), and writes `callsite.md` and
/// `callsite.svg` into `config.out`. Progress lines go to `progress`.
pub fn run_callsite(config: &Config, progress: &mut dyn std::io::Write) -> Result<Report, String> {
    if config.calls == 0 || config.reps == 0 {
        return Err("`--calls` and `--reps` must be at least 1".to_owned());
    }
    // The programs count in 64-bit signed integers (the loop counter, the accumulator checked by `decode`) and
    // the C caller's repetition counter is an `int`: larger values would wrap, and the check that every call
    // ran would compare wrapped numbers (or the C loop never end).
    if config.reps > i32::MAX as u32 {
        return Err(format!("`--reps` must be at most {}", i32::MAX));
    }
    if i128::from(config.calls) * (i128::from(config.reps) + 1) > i128::from(i64::MAX) {
        return Err(format!(
            "`--calls` × (`--reps` + 1) must be at most {} (the programs count calls in 64-bit integers)",
            i64::MAX
        ));
    }
    if config.platforms.is_empty() {
        return Err("no platform to measure: give `--targets windows,linux` or one of them".to_owned());
    }
    let tools = find_tools(&config.platforms)?;
    let work = config.out.join("work");
    create_dir(&work)?;
    let mut programs = Vec::new();
    for &platform in &config.platforms {
        let _ = writeln!(progress, "building {} programs in {}", platform.name(), work.display());
        programs.extend(build_platform(config, &tools, platform, &work)?);
    }
    if let Some(wine) = &tools.wine {
        process::start_wineserver(wine, &tools.prefix)?;
    }
    let mut samples: Vec<(Platform, Kind, Producer, Vec<f64>)> = Vec::new();
    // One deadline for every program: the work at a pessimistic 50 ns a call, plus start-up (wine's first
    // start in a cold prefix takes seconds).
    let work_ns = config.calls as f64 * f64::from(config.reps + 1) * 50.0;
    // Saturating: a legal but astronomical `--calls` must not overflow `Duration` (it panics).
    let timeout = Duration::from_secs(60)
        .saturating_add(Duration::try_from_secs_f64(work_ns / 1e9).unwrap_or(Duration::MAX));
    for program in &programs {
        let _ = writeln!(
            progress,
            "running {} {} {}",
            program.platform.name(),
            program.kind.name(),
            program.producer.name()
        );
        let mut cmd = match program.platform {
            Platform::Windows => {
                let mut cmd = Command::new(tools.wine.as_ref().expect("wine was found for windows"));
                cmd.arg(&program.exe).env("WINEPREFIX", &tools.prefix).env("WINEDEBUG", "-all");
                cmd
            }
            Platform::Linux => {
                let mut cmd = Command::new(&program.exe);
                cmd.env("LD_LIBRARY_PATH", program.exe.parent().unwrap_or(Path::new(".")));
                cmd
            }
        };
        cmd.current_dir(program.exe.parent().unwrap_or(Path::new(".")));
        let out = run(&mut cmd, timeout, &work)?;
        let ns = decode(program.platform, &out.stdout, config)
            .map_err(|e| format!("{}: {e}", program.exe.display()))?;
        samples.push((program.platform, program.kind, program.producer, ns));
    }
    let mut rows = Vec::new();
    for (platform, kind, producer, ns) in &samples {
        let summary = Summary::of(ns).ok_or("a program reported no repetition")?;
        rows.push(Measurement {
            platform: *platform,
            kind: *kind,
            producer: *producer,
            samples: ns.clone(),
            summary,
            ratio_to_direct: f64::NAN,
        });
    }
    rows.sort_by_key(|m| (m.platform, m.kind, m.producer));
    for i in 0..rows.len() {
        let base = rows
            .iter()
            .find(|d| {
                d.platform == rows[i].platform && d.producer == rows[i].producer && d.kind == Kind::Direct
            })
            .map(|d| d.summary.median);
        rows[i].ratio_to_direct = base.map_or(f64::NAN, |b| rows[i].summary.median / b);
    }
    let report =
        Report { config: config.clone(), machine: machine(), clang: tools.clang.display().to_string(), rows };
    write_file(&config.out.join("callsite.md"), render::markdown(&report).as_bytes())?;
    write_file(&config.out.join("callsite.svg"), render::svg(&report).as_bytes())?;
    Ok(report)
}

/// A program ready to run.
struct Program {
    platform: Platform,
    kind: Kind,
    producer: Producer,
    exe: PathBuf,
}

fn find_tools(platforms: &[Platform]) -> Result<Tools, String> {
    let clang = ["clang-19", "clang"]
        .iter()
        .find_map(|n| on_path(n))
        .ok_or("cannot find `clang-19` or `clang` on PATH (Debian: `apt-get install clang-19`)")?;
    let wine = if platforms.contains(&Platform::Windows) {
        Some(on_path("wine").ok_or("cannot find `wine` on PATH, needed for `--targets windows`")?)
    } else {
        None
    };
    let prefix = std::env::var_os("LINKWISE_WINEPREFIX").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into())).join(".cache/linkwise-wine")
    });
    Ok(Tools { clang, wine, prefix })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Builds the callees (static library; DLL and import library, or shared object) and every caller of
/// `platform`, in `work/PLATFORM/KIND/{linkwise,clang}`, each beside the callee it is linked against.
fn build_platform(
    config: &Config,
    tools: &Tools,
    platform: Platform,
    work: &Path,
) -> Result<Vec<Program>, String> {
    let base = work.join(platform.name());
    let callee_file = SourceFile::new("callee.lw", programs::CALLEE.to_owned());
    let caller_file =
        SourceFile::new("caller.lw", programs::linkwise_caller(platform, config.calls, config.reps));
    write_file(&base.join("callee.lw"), programs::CALLEE.as_bytes())?;
    write_file(&base.join("caller.lw"), caller_file.text().as_bytes())?;
    let options = Options::new().target(platform.triple()).map_err(|d| d.message.clone())?;
    let compile =
        |file: &SourceFile, options: &Options| linkwise::compile(file, options).map_err(|d| d.render(file));
    // The callee, both ways.
    let static_dir = base.join("callee-static");
    let shared_dir = base.join("callee-shared");
    create_dir(&static_dir)?;
    create_dir(&shared_dir)?;
    let callee = compile(&callee_file, &options)?;
    let target = &callee.plan.target;
    let (member, static_name, shared_name) = match platform {
        Platform::Windows => ("callee.obj", "callee.lib", "callee.dll"),
        Platform::Linux => ("callee.o", "libcallee.a", "libcallee.so"),
    };
    let archive = linkwise::bundle::static_library(target, member, &callee.object.bytes, &Default::default())
        .map_err(|d| d.render(&callee_file))?;
    write_file(&static_dir.join(static_name), &archive)?;
    let shared = compile(&callee_file, &options.clone().shared_library(true))?;
    let import_library = (platform == Platform::Windows).then(|| shared_dir.join("callee.lib"));
    link(
        &shared,
        &callee_file,
        Image::SharedLibrary,
        &shared_dir.join(shared_name),
        shared_name,
        import_library,
        &[],
    )?;
    let mut out = Vec::new();
    for &kind in platform.kinds() {
        let lib_dir = if kind.shared() { &shared_dir } else { &static_dir };
        for producer in [Producer::Linkwise, Producer::Clang] {
            let dir = base.join(kind.name()).join(producer.name());
            create_dir(&dir)?;
            if kind.shared() {
                copy(&shared_dir.join(shared_name), &dir.join(shared_name))?;
            }
            let exe_name = if platform == Platform::Windows { "caller.exe" } else { "caller" };
            let exe = dir.join(exe_name);
            let mut options = options.clone();
            if let Some(spec) = kind.link_spec() {
                options = options.link(spec).map_err(|d| d.message.clone())?;
            }
            if kind == Kind::Got {
                options.import_calls = linkwise::ImportCalls::Got;
            }
            let caller = compile(&caller_file, &options)?;
            match producer {
                Producer::Linkwise => {
                    link(
                        &caller,
                        &caller_file,
                        Image::Executable,
                        &exe,
                        exe_name,
                        None,
                        std::slice::from_ref(lib_dir),
                    )?;
                }
                Producer::Clang => {
                    let c = dir.join("caller.c");
                    write_file(&c, programs::c_caller(platform, kind, config.calls, config.reps).as_bytes())?;
                    clang_program(tools, platform, kind, &caller, &c, lib_dir, &dir, &exe)?;
                }
            }
            out.push(Program { platform, kind, producer, exe });
        }
    }
    Ok(out)
}

/// Links `compiled` with linkwise's driver into `output`.
fn link(
    compiled: &linkwise::Compiled,
    file: &SourceFile,
    image: Image,
    output: &Path,
    file_name: &str,
    import_library: Option<PathBuf>,
    search_paths: &[PathBuf],
) -> Result<(), String> {
    let request = LinkRequest {
        image,
        output: output.to_path_buf(),
        file_name: file_name.to_owned(),
        import_library,
        search_paths: search_paths.to_vec(),
        linker: None,
        sdk_root: None,
    };
    let link = Link::prepare(compiled, &request).map_err(|d| d.render(file))?;
    link.run().map(|_| ()).map_err(|e| e.render(file))
}

/// Compiles the C caller with clang and links it with the same LLD linker linkwise's driver uses. On Windows
/// kernel32's import library is the one linkwise writes for the linkwise caller's `raw-dylib` block (so
/// neither program needs an SDK); there is no C runtime, as in linkwise's program.
#[allow(clippy::too_many_arguments)]
fn clang_program(
    tools: &Tools,
    platform: Platform,
    kind: Kind,
    caller: &linkwise::Compiled,
    c: &Path,
    lib_dir: &Path,
    dir: &Path,
    exe: &Path,
) -> Result<(), String> {
    let object = dir.join(if platform == Platform::Windows { "caller.obj" } else { "caller.o" });
    let mut cmd = Command::new(&tools.clang);
    cmd.arg(format!("--target={}", platform.triple())).args([CLANG_OPT, "-c", "-fno-stack-protector"]);
    if platform == Platform::Linux {
        cmd.arg("-fPIE");
    }
    cmd.args(kind.clang_flags()).arg(c).arg("-o").arg(&object);
    run(&mut cmd, Duration::from_secs(120), dir)?;
    let linker = linkwise::link::find_linker(&caller.plan.target, None).map_err(|d| d.message.clone())?;
    let mut cmd = Command::new(linker);
    match platform {
        Platform::Windows => {
            for lib in linkwise::link::import_libraries(caller).map_err(|d| d.message.clone())? {
                if lib.library == "kernel32" {
                    write_file(&dir.join(&lib.file_name), &lib.bytes)?;
                }
            }
            cmd.args([
                "/nologo",
                "/machine:x64",
                "/Brepro",
                "/entry:mainCRTStartup",
                "/subsystem:console",
                "/nodefaultlib",
            ])
            .arg(format!("/out:{}", exe.display()))
            .arg(&object)
            .arg(lib_dir.join("callee.lib"))
            .arg(dir.join("kernel32.lib"));
        }
        Platform::Linux => {
            let l = Path::new("/usr/lib/x86_64-linux-gnu");
            cmd.args([
                "-m",
                "elf_x86_64",
                "-pie",
                "--eh-frame-hdr",
                "-dynamic-linker",
                "/lib64/ld-linux-x86-64.so.2",
                "-o",
            ])
            .arg(exe)
            .arg(l.join("Scrt1.o"))
            .arg(l.join("crti.o"))
            .arg(&object)
            .arg(format!("-L{}", lib_dir.display()))
            .arg("-lcallee")
            .arg(format!("-L{}", l.display()))
            .arg("-lc")
            .arg(l.join("crtn.o"));
        }
    }
    run(&mut cmd, Duration::from_secs(120), dir)?;
    Ok(())
}

/// Nanoseconds per call of each timed loop, from a program's output (see [`programs::linkwise_caller`]).
fn decode(platform: Platform, bytes: &[u8], config: &Config) -> Result<Vec<f64>, String> {
    let words: Vec<i64> =
        bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("chunks of 8"))).collect();
    let reps = config.reps as usize;
    let (expected, header) = match platform {
        Platform::Windows => (1 + 2 * reps + 1, 1),
        Platform::Linux => (4 * reps + 1, 0),
    };
    if bytes.len() != expected * 8 {
        return Err(format!("wrote {} bytes, expected {}", bytes.len(), expected * 8));
    }
    let acc = words[expected - 1];
    let want = config.calls as i128 * (i128::from(config.reps) + 1);
    if i128::from(acc) != want {
        return Err(format!("the callee was called {acc} times, expected {want}"));
    }
    let calls = config.calls as f64;
    let mut ns = Vec::with_capacity(reps);
    for r in 0..reps {
        let elapsed = match platform {
            Platform::Windows => {
                let freq = words[0] as f64;
                let (t0, t1) = (words[header + 2 * r], words[header + 2 * r + 1]);
                (t1 - t0) as f64 * 1e9 / freq
            }
            Platform::Linux => {
                let w = &words[4 * r..4 * r + 4];
                ((w[2] - w[0]) as f64) * 1e9 + (w[3] - w[1]) as f64
            }
        };
        ns.push(elapsed / calls);
    }
    Ok(ns)
}

/// The processor's model name, or `unknown processor`.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| {
        l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim().to_owned())
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{}, {cores} cores", model.unwrap_or_else(|| "unknown processor".to_owned()))
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        create_dir(parent)?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy `{}` to `{}`: {e}", from.display(), to.display()))
}
