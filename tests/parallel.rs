//! Parallel compilation (issue 10): the object is the same, byte for byte, whatever the number of threads
//! that compiled its functions (`-j`, `Options::jobs`), on every target: for the golden corpus, the test
//! programs, and a generated module of 2,000 functions, large enough that eight threads finish functions out
//! of order and the writer must put them back.

mod support;

use linkwise::SourceFile;
use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::Path;

/// The thread counts compared: the sequential path (no thread is started), the two cores of the reference
/// machine, and more threads than cores.
const JOBS: [usize; 3] = [1, 2, 8];

/// What compiling `file` for `triple` on `jobs` threads gives: the object's bytes and the order of its
/// functions, or the rendered diagnostics.
fn outcome(file: &SourceFile, triple: &str, jobs: usize) -> Result<(Vec<u8>, Vec<String>), String> {
    let options = support::options(triple, &[]).jobs(NonZeroUsize::new(jobs));
    let compiled = linkwise::compile(file, &options).map_err(|d| d.render(file))?;
    let order = compiled.object.functions.iter().map(|f| f.object_name.clone()).collect();
    Ok((compiled.object.bytes, order))
}

/// Compiles `file` for every target on each of [`JOBS`] threads and fails unless every count gives the same
/// outcome; returns how many targets compiled it.
fn assert_same_for_every_thread_count(file: &SourceFile) -> usize {
    let mut compiled = 0;
    for triple in linkwise::linkage::target::SUPPORTED {
        let sequential = outcome(file, triple, JOBS[0]);
        for jobs in &JOBS[1..] {
            // Compared as a whole, but a difference is reported by what differs, not as two object dumps.
            match (&sequential, &outcome(file, triple, *jobs)) {
                (Ok((one, one_order)), Ok((many, many_order))) => {
                    assert_eq!(
                        one_order,
                        many_order,
                        "{}: {triple}: function order with -j {jobs}",
                        file.name()
                    );
                    let first_difference = one.iter().zip(many).position(|(a, b)| a != b);
                    assert!(
                        one == many,
                        "{}: {triple}: the object differs with -j {jobs} ({} and {} bytes, first difference at {:?})",
                        file.name(),
                        one.len(),
                        many.len(),
                        first_difference
                    );
                }
                (Err(one), Err(many)) => {
                    assert_eq!(one, many, "{}: {triple}: errors with -j {jobs}", file.name())
                }
                (one, many) => panic!(
                    "{}: {triple}: -j 1 {} but -j {jobs} {}",
                    file.name(),
                    if one.is_ok() { "compiled" } else { "failed" },
                    if many.is_ok() { "compiled" } else { "failed" }
                ),
            }
        }
        compiled += usize::from(sequential.is_ok());
    }
    compiled
}

/// The `.lw` files of a repository directory (not its subdirectories), sorted.
fn modules_in(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<String> = support::names_in(&root.join(dir))
        .into_iter()
        .filter(|name| name.ends_with(".lw"))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    paths.sort();
    paths
}

/// The corpus and the test programs: every module that compiles for a target gives the same object on 1, 2
/// and 8 threads there, and one that does not gives the same diagnostics. Most of them compile on every
/// target, so the comparison is not of errors only.
#[test]
fn corpus_and_test_programs_are_the_same_for_every_thread_count() {
    let mut compiled = Vec::new();
    for dir in ["corpus", "tests/programs"] {
        for path in modules_in(dir) {
            compiled.push((assert_same_for_every_thread_count(&support::source(&path)), path));
        }
    }
    let everywhere =
        compiled.iter().filter(|(n, _)| *n == linkwise::linkage::target::SUPPORTED.len()).count();
    assert!(everywhere >= 10, "only {everywhere} modules compile on every target: {compiled:?}");
}

/// A module of `n` functions in the shapes lowering distinguishes: calls to a DLL import, to a static
/// library's function and between defined functions, loops and branches (functions of different sizes, so
/// the threads finish out of order), an address taken, a static read and written, a string.
fn generated_module(n: usize) -> String {
    let mut text = String::from(
        "#[link(name = \"dyn\", kind = \"dylib\")]\nextern { fn d(i32) -> i32; }\n\
         #[link(name = \"stat\", kind = \"static\")]\nextern { fn s(i32) -> i32; fn p(ptr) -> i32; }\n\
         static mut COUNT: i64 = 0;\n",
    );
    for i in 0..n {
        let callee = if i == 0 { "s".to_owned() } else { format!("g{}", i - 1) };
        let _ = match i % 4 {
            0 => writeln!(text, "pub fn g{i}(x: i32) -> i32 {{ return d(x) + {callee}(x + {i}); }}"),
            1 => writeln!(
                text,
                "pub fn g{i}(x: i32) -> i32 {{ let mut t: i32 = x; for k in 0..{} {{ t = t + s(k); }} return t; }}",
                i % 7 + 1
            ),
            2 => writeln!(
                text,
                "fn g{i}(x: i32) -> i32 {{ if x < {i} {{ COUNT = COUNT + 1; return {callee}(x); }} return p(\"g{i}\\0\"); }}"
            ),
            _ => writeln!(text, "pub fn g{i}(x: i32) -> i32 {{ p(&g{}); return x * {i}; }}", i - 1),
        };
    }
    text
}

/// 2,000 functions on 1, 2 and 8 threads: the same object on every target, its functions in program order.
#[test]
fn a_generated_module_of_2000_functions_is_the_same_for_every_thread_count() {
    let file = SourceFile::new("generated.lw", generated_module(2000));
    let (_, order) = outcome(&file, "x86_64-pc-windows-msvc", 8).unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<String> = (0..2000).map(|i| format!("g{i}")).collect();
    assert_eq!(order, expected);
    let targets = assert_same_for_every_thread_count(&file);
    assert_eq!(targets, linkwise::linkage::target::SUPPORTED.len());
}

/// `-j N` and `--verify` on the command line: `-j 0` is a usage error, and `build -j 2 --verify` writes the
/// object `-j 1` writes.
#[test]
fn the_command_line_takes_jobs_and_verify() {
    let dir = support::TempDir::new("parallel-cli");
    let input = dir.path().join("m.lw");
    std::fs::write(&input, generated_module(40)).unwrap();
    let input = input.to_str().unwrap();
    let object = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let out = out.to_str().unwrap();
        let args = [&["build", input, "-o", out][..], extra].concat();
        let (status, _, stderr) = support::linkwise(&args);
        assert_eq!(status, 0, "{args:?}: {stderr}");
        std::fs::read(out).unwrap()
    };
    assert_eq!(object("one.obj", &["-j", "1"]), object("two.obj", &["--jobs", "2", "--verify"]));
    let (status, _, stderr) = support::linkwise(&["build", input, "-j", "0"]);
    assert_eq!(status, linkwise_cli::EXIT_USAGE, "{stderr}");
    assert!(stderr.contains("'--jobs <N>'"), "{stderr}");
}

/// The most deeply nested inputs the parser accepts (each kind of nesting alone, just inside its limit)
/// compile on worker threads as on the calling thread: the workers' stacks are as deep as the main thread's.
/// Two functions each, so that two threads are really started.
#[test]
fn the_deepest_accepted_inputs_compile_on_worker_threads() {
    let n = 199; // `MAX_NESTING` - 1, as the parser's own test of the deepest inputs.
    let bodies = [
        format!("return {}1{};", "(".repeat(n), ")".repeat(n)),
        format!("return {}1{};", "h(".repeat(n), ")".repeat(n)),
        format!("return {}1;", "-".repeat(n)),
        format!("return 1{};", " + 1".repeat(n)),
        format!("{} {} return 0;", "for i in 0..1 { ".repeat(n - 1), "}".repeat(n - 1)),
        format!("{} {} return 0;", "if 1 == 1 { ".repeat(n / 2), "}".repeat(n / 2)),
    ];
    for body in bodies {
        let text = format!(
            "extern {{ fn h(i32) -> i32; }}\npub fn f() -> i32 {{ {body} }}\npub fn g() -> i32 {{ {body} }}\n"
        );
        let file = SourceFile::new("deep.lw", text);
        let one = outcome(&file, "x86_64-pc-windows-msvc", 1).unwrap_or_else(|e| panic!("{e}"));
        let two = outcome(&file, "x86_64-pc-windows-msvc", 2).unwrap_or_else(|e| panic!("{e}"));
        assert!(one == two, "{body}");
    }
}
