//! The differential runner of issue 11 (docs/difftest.md): random programs from `linkwise-fuzzgen`, compiled
//! by linkwise for x86_64 Windows, x86_64 Linux and aarch64 Linux, linked against the simulated libraries
//! (built from lwsim.c by clang), run under wine, natively and under qemu, and compared line by line with
//! what `linkwise-interp` says they print. A difference is reported with the program's seed and the program
//! cut down by the shrinker.
//!
//! The pipeline: [`batch`] composes modules, [`libs`] builds the simulated libraries, [`target`] says how
//! each target links and runs, and [`run`] drives them, one thread per target.

pub mod batch;
pub mod libs;
pub mod target;

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linkwise::link::{Image, Link, LinkRequest};
use linkwise::{Options, SourceFile};

use batch::Entry;
use target::{Target, Wine};

/// How long one program run may take: a batch prints a few thousand lines, and wine's first start in a
/// prefix is the slowest part (seconds).
const RUN_DEADLINE: Duration = Duration::from_secs(120);

/// How a failure that did not recur when its program ran alone ends.
const ALONE_BEHAVES: &str = " (in its batch only: alone it behaves)";

/// At most this many failures a target are investigated (confirmed alone and shrunk).
const MAX_INVESTIGATIONS: usize = 5;

/// At most this many candidate programs are built and run while shrinking one failure.
const SHRINK_BUDGET: usize = 400;

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The first program's seed; program `i` has seed `seed + i`.
    pub seed: u64,
    /// How many programs.
    pub programs: usize,
    /// Programs per batch (per program start).
    pub batch: usize,
    /// The targets to run on.
    pub targets: Vec<Target>,
    /// Split a program into a library and a program when its seed is a multiple of this (0: never).
    pub split_every: u64,
    /// The generator's settings.
    pub generator: linkwise_fuzzgen::Config,
    /// Shrink a failing program before reporting it.
    pub shrink: bool,
    /// Where the libraries, modules and images are written (`TARGET/` below it).
    pub work: PathBuf,
    /// The simulated libraries' C: [`libs::SOURCE`], or a changed copy (the tests plant a bug in one to show
    /// that a difference is found).
    pub library_source: String,
}

/// One program that did not behave as the interpreter says.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Where it failed (`None`: before any target, in the generator or the interpreter).
    pub target: Option<Target>,
    /// The program's seed: `linkwise-difftest --seed SEED --programs 1` reproduces it.
    pub seed: u64,
    /// Whether the program was split into a library and a program.
    pub split: bool,
    /// What went wrong: the first differing line, a build error, a crash.
    pub what: String,
    /// The program (shrunk, when shrinking was on and made progress), as IR items.
    pub program: String,
}

/// What one target ran.
#[derive(Clone, Debug, Default)]
pub struct TargetSummary {
    /// Programs run (and compared) on it.
    pub programs: usize,
    /// Of them, split into a library and a program.
    pub split: usize,
    /// Output lines compared.
    pub lines: usize,
    /// Wall seconds spent building and running.
    pub seconds: f64,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct Report {
    /// Programs generated.
    pub programs: usize,
    /// Lines the interpreter printed, over all programs.
    pub expected_lines: usize,
    /// Each target's summary, in `Config::targets` order.
    pub targets: Vec<(Target, TargetSummary)>,
    /// Every failure found.
    pub failures: Vec<Failure>,
}

/// The tools a run needs.
struct Tools {
    clang: PathBuf,
    wine: Option<Wine>,
}

/// Runs `config`, writing progress lines to `progress`.
pub fn run(config: &Config, progress: &mut (dyn Write + Send)) -> Result<Report, String> {
    let tools = find_tools(&config.targets)?;
    if let Some(wine) = &tools.wine {
        linkwise_bench::process::start_wineserver(&wine.wine, &wine.prefix)?;
    }
    std::fs::create_dir_all(&config.work)
        .map_err(|e| format!("cannot create `{}`: {e}", config.work.display()))?;
    let progress = Mutex::new(progress);
    let say = |line: String| {
        if let Ok(mut out) = progress.lock() {
            let _ = writeln!(out, "{line}");
        }
    };

    // Batches are generated and interpreted here, one at a time, and handed to every target's worker through
    // a channel that holds at most two: memory stays that of a few batches however many programs run (a run
    // that kept them all took 1.7 GB at 10,000 programs), and the targets still run side by side.
    let mut failures = Vec::new();
    let mut expected_lines = 0;
    let results: Vec<(Target, TargetSummary, Vec<Failure>)> = std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut workers = Vec::new();
        for &target in &config.targets {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Arc<Batch>>(2);
            senders.push(sender);
            let (tools, say) = (&tools, &say);
            workers.push(scope.spawn(move || {
                let mut summary = TargetSummary::default();
                let mut failures = Vec::new();
                let start = Instant::now();
                if let Err(what) =
                    run_target(config, tools, target, receiver, &mut summary, &mut failures, say)
                {
                    failures.push(Failure {
                        target: Some(target),
                        seed: 0,
                        split: false,
                        what,
                        program: String::new(),
                    });
                }
                summary.seconds = start.elapsed().as_secs_f64();
                (target, summary, failures)
            }));
        }
        let size = config.batch.max(1);
        for (number, first) in (0..config.programs).step_by(size).enumerate() {
            let lib = format!("lwbatch{number}");
            let entries: Vec<Entry> = (first..config.programs.min(first + size))
                .map(|i| {
                    let seed = config.seed.wrapping_add(i as u64);
                    let split = config.split_every != 0 && seed.is_multiple_of(config.split_every);
                    Entry::new(seed, i, &config.generator, split, &lib)
                })
                .collect();
            match interpret(&batch::reference_module(&entries)) {
                Ok(expected) => {
                    expected_lines += expected.len();
                    let batch = Arc::new(Batch { number, lib, entries, expected });
                    for sender in &senders {
                        // A worker that stopped (its libraries did not build) has said why already.
                        let _ = sender.send(Arc::clone(&batch));
                    }
                }
                Err(what) => failures.extend(blame_generation(&entries, what)),
            }
        }
        drop(senders);
        workers.into_iter().map(|w| w.join().expect("a target's worker does not panic")).collect()
    });
    let mut targets = Vec::new();
    for (target, summary, found) in results {
        targets.push((target, summary));
        failures.extend(found);
    }
    Ok(Report { programs: config.programs, expected_lines, targets, failures })
}

/// One batch as every target's worker receives it.
struct Batch {
    /// Its number in the run (`batchN`, `lwbatchN`).
    number: usize,
    /// The name of its library, when some program is split.
    lib: String,
    /// Its programs.
    entries: Vec<Entry>,
    /// What the interpreter says it prints.
    expected: Vec<String>,
}

/// The failures of a batch the interpreter could not run (a generator or interpreter bug): each program is
/// run alone, to name the seed.
fn blame_generation(entries: &[Entry], what: String) -> Vec<Failure> {
    let mut found: Vec<Failure> = entries
        .iter()
        .filter_map(|entry| {
            let what = interpret(&batch::reference_module(std::slice::from_ref(entry))).err()?;
            Some(Failure {
                target: None,
                seed: entry.seed,
                split: false,
                what,
                program: entry.program.items(),
            })
        })
        .collect();
    if found.is_empty() {
        found.push(Failure {
            target: None,
            seed: entries[0].seed,
            split: false,
            what: format!("the batch fails although each program alone does not: {what}"),
            program: String::new(),
        });
    }
    found
}

/// Builds and runs every batch it receives on `target`.
fn run_target(
    config: &Config,
    tools: &Tools,
    target: Target,
    batches: std::sync::mpsc::Receiver<Arc<Batch>>,
    summary: &mut TargetSummary,
    failures: &mut Vec<Failure>,
    say: &(dyn Fn(String) + Sync),
) -> Result<(), String> {
    let dir = config.work.join(target.name());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    libs::build(target, &dir, &tools.clang, &config.library_source)?;
    // Investigating a failure rebuilds and reruns its program up to SHRINK_BUDGET times: a bug that hits
    // every batch would otherwise turn a long run into days. Past the cap a failure is reported as found.
    let mut left = MAX_INVESTIGATIONS;
    let mut examine = |entry: &Entry, what: String| -> Option<Failure> {
        if left == 0 {
            return None;
        }
        left -= 1;
        Some(investigate(config, tools, target, &dir, entry, what))
    };
    for batch in batches {
        let Batch { number, lib, entries, expected } = &*batch;
        let outcome = build_and_run(target, tools, &dir, &format!("batch{number}"), lib, entries);
        summary.programs += entries.len();
        summary.split += entries.iter().filter(|e| e.split.is_some()).count();
        match &outcome {
            Ok(actual) => {
                summary.lines += expected.len();
                if let Some(index) = batch::first_difference(entries, expected, actual) {
                    let what = describe(batch::section(expected, index), batch::section(actual, index));
                    let entry = entries.iter().find(|e| e.index == index).unwrap_or(&entries[0]);
                    say(format!(
                        "{}: batch {number}: program seed {} differs: {what}",
                        target.name(),
                        entry.seed
                    ));
                    let uninvestigated = Failure {
                        target: Some(target),
                        seed: entry.seed,
                        split: entry.split.is_some(),
                        what: format!(
                            "{what} (not investigated: {MAX_INVESTIGATIONS} failures on this target were)"
                        ),
                        program: entry.program.items(),
                    };
                    failures.push(examine(entry, what).unwrap_or(uninvestigated));
                }
            }
            Err(what) => {
                // The batch did not build or run: find the programs that fail alone.
                say(format!("{}: batch {number} failed: {what}", target.name()));
                let found: Vec<Failure> = entries
                    .iter()
                    .map_while(|entry| examine(entry, what.clone()))
                    .filter(|f| !f.what.ends_with(ALONE_BEHAVES))
                    .collect();
                if found.is_empty() {
                    failures.push(Failure {
                        target: Some(target),
                        seed: entries[0].seed,
                        split: false,
                        what: format!(
                            "batch {number} fails although each of its programs alone does not: {what}"
                        ),
                        program: String::new(),
                    });
                }
                failures.extend(found);
            }
        }
        if (number + 1) % 10 == 0 {
            say(format!("{}: {} programs run, {} failures", target.name(), summary.programs, failures.len()));
        }
    }
    say(format!("{}: done, {} programs run, {} failures", target.name(), summary.programs, failures.len()));
    Ok(())
}

/// The failure of `entry` on `target`, confirmed alone and shrunk when the config asks for it.
fn investigate(
    config: &Config,
    tools: &Tools,
    target: Target,
    dir: &Path,
    entry: &Entry,
    what: String,
) -> Failure {
    let split = entry.split.is_some();
    let lib = "lwshrink";
    let fails = |program: &linkwise_fuzzgen::Program| -> Option<String> {
        let candidate = Entry {
            seed: entry.seed,
            index: entry.index,
            program: program.clone(),
            split: if split { program.split(lib) } else { None },
        };
        let entries = std::slice::from_ref(&candidate);
        let expected = interpret(&batch::reference_module(entries)).ok()?;
        match build_and_run(target, tools, dir, "shrink", lib, entries) {
            Ok(actual) if actual == expected => None,
            Ok(actual) => Some(describe(&expected, &actual)),
            Err(what) => Some(what),
        }
    };
    let Some(alone) = fails(&entry.program) else {
        return Failure {
            target: Some(target),
            seed: entry.seed,
            split,
            what: format!("{what}{ALONE_BEHAVES}"),
            program: entry.program.items(),
        };
    };
    let mut program = entry.program.clone();
    if config.shrink {
        let mut budget = SHRINK_BUDGET;
        program = linkwise_fuzzgen::shrink(&entry.program, &mut |candidate| {
            budget = budget.saturating_sub(1);
            budget > 0 && fails(candidate).is_some()
        });
    }
    let what = fails(&program).unwrap_or(alone);
    Failure { target: Some(target), seed: entry.seed, split, what, program: program.items() }
}

/// Compiles, links and runs the batch `entries` on `target` in `dir` as image `stem` (with its library
/// `lib` when a program is split); returns the lines it printed, or what went wrong. A panic (a bug in
/// linkwise or the runner) is what went wrong too, so one program cannot end the whole run.
fn build_and_run(
    target: Target,
    tools: &Tools,
    dir: &Path,
    stem: &str,
    lib: &str,
    entries: &[Entry],
) -> Result<Vec<String>, String> {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        build_and_run_unguarded(target, tools, dir, stem, lib, entries)
    }))
    .unwrap_or_else(|_| Err("a panic while building or running the batch (see the message above)".to_owned()))
}

fn build_and_run_unguarded(
    target: Target,
    tools: &Tools,
    dir: &Path,
    stem: &str,
    lib: &str,
    entries: &[Entry],
) -> Result<Vec<String>, String> {
    let mut options = Options::new().target(target.triple()).map_err(|d| d.message.clone())?;
    for spec in target.link_specs() {
        options = options.link(spec).map_err(|d| d.message.clone())?;
    }
    // The modules are kept beside what is built from them, so a failure can be looked at and rebuilt by hand.
    let keep = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text)
            .map_err(|e| format!("cannot write `{}`: {e}", dir.join(name).display()))
    };
    if let Some(text) = batch::library_module(entries, target) {
        keep(&format!("{lib}.lw"), &text)?;
        let file = SourceFile::new(format!("{lib}.lw"), text);
        let compiled = compile(&file, &options.clone().shared_library(true))?;
        let file_name = target.shared_name(lib);
        let import_library = target.is_windows().then(|| dir.join(format!("{lib}.lib")));
        link(&compiled, &file, Image::SharedLibrary, &dir.join(&file_name), &file_name, import_library, dir)?;
    }
    let text = batch::program_module(entries, target);
    keep(&format!("{stem}.lw"), &text)?;
    let file = SourceFile::new(format!("{stem}.lw"), text);
    let compiled = compile(&file, &options)?;
    let exe_name = target.exe_name(stem);
    let exe = dir.join(&exe_name);
    link(&compiled, &file, Image::Executable, &exe, &exe_name, None, dir)?;
    let wine = tools.wine.clone().unwrap_or(Wine { wine: "wine".into(), prefix: PathBuf::new() });
    let output = linkwise_bench::process::run(&mut target.command(&exe, dir, &wine), RUN_DEADLINE, dir)?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().map(|l| l.trim_end_matches('\r').to_owned()).collect())
}

/// linkwise's compile, with a panic (a linkwise bug) turned into an error that says so.
fn compile(file: &SourceFile, options: &Options) -> Result<linkwise::Compiled, String> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| linkwise::compile(file, options))) {
        Ok(Ok(compiled)) => Ok(compiled),
        Ok(Err(diagnostics)) => {
            Err(format!("linkwise rejected a valid program:\n{}", diagnostics.render(file)))
        }
        Err(_) => Err("linkwise panicked while compiling".to_owned()),
    }
}

/// Links `compiled` with linkwise's driver, libraries searched in `dir`.
fn link(
    compiled: &linkwise::Compiled,
    file: &SourceFile,
    image: Image,
    output: &Path,
    file_name: &str,
    import_library: Option<PathBuf>,
    dir: &Path,
) -> Result<(), String> {
    let request = LinkRequest {
        image,
        output: output.to_path_buf(),
        file_name: file_name.to_owned(),
        import_library,
        search_paths: vec![dir.to_path_buf()],
        linker: None,
        sdk_root: None,
    };
    let link = Link::prepare(compiled, &request).map_err(|d| d.render(file))?;
    link.run_with_deadline(libs::TOOL_DEADLINE).map(|_| ()).map_err(|e| e.render(file))
}

/// What the interpreter says the module `text` prints when its `main` runs (a panic in the parser, the
/// checker or the interpreter is an error, not the end of the run).
fn interpret(text: &str) -> Result<Vec<String>, String> {
    std::panic::catch_unwind(|| interpret_unguarded(text))
        .unwrap_or_else(|_| Err("a panic while interpreting (see the message above)".to_owned()))
}

fn interpret_unguarded(text: &str) -> Result<Vec<String>, String> {
    let file = SourceFile::new("reference.lw", text.to_owned());
    let module = linkwise_ir::text::parse(&file)
        .map_err(|d| format!("generated text does not parse:\n{}", d.render(&file)))?;
    let program = linkwise_ir::check::check(&module)
        .map_err(|d| format!("generated program does not check:\n{}", d.render(&file)))?;
    let (lines, stop) = linkwise_interp::run_traced(&program, "main", linkwise_interp::Limits::default());
    stop.map_err(|stop| format!("the interpreter stopped: {stop}"))?;
    Ok(lines)
}

/// The first line where `expected` and `actual` differ, as a sentence.
fn describe(expected: &[String], actual: &[String]) -> String {
    let at =
        expected.iter().zip(actual).position(|(e, a)| e != a).unwrap_or(expected.len().min(actual.len()));
    let show = |lines: &[String]| lines.get(at).map_or("(nothing)".to_owned(), |l| format!("`{l}`"));
    format!("line {} of its output: expected {}, got {}", at + 1, show(expected), show(actual))
}

/// Finds every tool the chosen targets need, before anything runs: a missing one is an error of the run
/// (exit status 2), not a failure of every program.
fn find_tools(targets: &[Target]) -> Result<Tools, String> {
    let windows = targets.contains(&Target::WindowsX64);
    let linux = targets.iter().any(|t| !t.is_windows());
    let needed = [
        ("lld-link", windows),
        ("llvm-lib", windows),
        ("llvm-dlltool", windows),
        ("ld.lld", linux),
        ("llvm-ar", linux),
        ("qemu-aarch64", targets.contains(&Target::LinuxArm64)),
    ];
    for (name, _) in needed.iter().filter(|(_, needed)| *needed) {
        libs::llvm_tool(name)?;
    }
    let clang = ["clang-19", "clang"]
        .iter()
        .find_map(|n| libs::llvm_tool(n).ok())
        .ok_or("cannot find `clang-19` or `clang` on PATH (scripts/setup installs clang-19)")?;
    let wine = if targets.contains(&Target::WindowsX64) {
        let wine =
            libs::llvm_tool("wine").map_err(|_| "cannot find `wine` on PATH, needed for windows-x64")?;
        let prefix = std::env::var_os("LINKWISE_WINEPREFIX").map(PathBuf::from).unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
                .join(".cache/linkwise-wine")
        });
        Some(Wine { wine, prefix })
    } else {
        None
    };
    Ok(Tools { clang, wine })
}
