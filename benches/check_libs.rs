//! What `--check-libs` costs (issue 14, item 4): the check of a 10,000-function module's link plan against
//! MinGW's libraries, as a fraction of building the module. The module calls a DLL function (kernel32, declared
//! `dylib`), a static function (libmingwex's `cabs`, declared `static`) and `MessageBoxA` from an extern block
//! without `#[link]`, which no library of the plan has: that last one makes the check read the symbol table of
//! every library in the search directories (all 886 MinGW ships, 86 MB), the most it ever reads.
//!
//! The build it is compared with is what `linkwise build --emit exe` does: compile the module, write the
//! object, and link it with lld-link against the same libraries (MinGW's, under the names lld-link looks for).
//!
//! Run: `cargo bench --bench check_libs`. After criterion's figures, the bench prints the ratio of the medians
//! over a few more runs of each ("check-libs: ... of the build"), the figure docs/bench.md records. Warm file
//! cache: every library has been read once before the timed runs.

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// MinGW's libraries (mingw-w64-x86-64-dev).
const MINGW_LIB: &str = "/usr/x86_64-w64-mingw32/lib";

/// The module: `functions` functions of ten calls, alternating the DLL and the static import, plus one call
/// to the function whose block has no `#[link]`.
fn module(functions: usize) -> String {
    let mut src = String::from(
        "target x86_64-pc-windows-msvc\n\
         #[link(name = \"kernel32\")]\nextern { fn GetTickCount() -> i32; }\n\
         #[link(name = \"mingwex\", kind = \"static\")]\nextern { fn cabs(f64, f64) -> f64; }\n\
         extern { fn MessageBoxA(ptr, ptr, ptr, i32) -> i32; }\n\
         pub fn prompt() -> i32 { return MessageBoxA(0 as ptr, 0 as ptr, 0 as ptr, 0); }\n",
    );
    for i in 0..functions {
        let _ = write!(src, "pub fn fun{i}(x: i32) -> i32 {{ let mut t = x;");
        for call in 0..10 {
            if call % 2 == 0 {
                let _ = write!(src, " t = t + GetTickCount();");
            } else {
                let _ = write!(src, " t = t + (cabs(1.0, 2.0) as i32);");
            }
        }
        let _ = writeln!(src, " return t; }}");
    }
    src
}

/// A directory naming MinGW's libraries as lld-link looks for them (`kernel32.lib`, `mingwex.lib`).
fn lld_link_names() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linkwise-bench-check-libs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    for name in ["kernel32", "mingwex", "msvcrt"] {
        let link = dir.join(format!("{name}.lib"));
        if !link.exists() {
            std::os::unix::fs::symlink(Path::new(MINGW_LIB).join(format!("lib{name}.a")), &link)
                .expect("a symbolic link");
        }
    }
    dir
}

/// The median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn check_libs(c: &mut Criterion) {
    if !Path::new(MINGW_LIB).join("libkernel32.a").is_file() {
        eprintln!("check_libs: {MINGW_LIB} is missing (scripts/setup installs mingw-w64-x86-64-dev)");
        return;
    }
    let file = linkwise::SourceFile::new("bench.lw", module(10_000));
    let options = linkwise::Options::new();
    let names = lld_link_names();
    let compiled = linkwise::compile(&file, &options).expect("the module compiles");
    let search = linkwise_libcheck::search::SearchPath::new(
        &compiled.plan.target,
        &[names.clone(), PathBuf::from(MINGW_LIB)],
        None,
        None,
    );
    let report = linkwise_libcheck::check(&compiled.program, &compiled.plan, &search);
    // The check found what the module is built to show, and read every library to find it.
    assert_eq!(report.findings.iter().map(|f| f.mismatch.code()).collect::<Vec<_>>(), ["missing-link"]);
    assert!(report.libraries_read > 800, "{} libraries read", report.libraries_read);

    let mut group = c.benchmark_group("check_libs");
    group.sample_size(10);
    group.bench_function("compile/10000", |b| {
        b.iter(|| linkwise::compile(&file, &options).expect("compiles"))
    });
    group.bench_function("check/10000", |b| {
        b.iter(|| linkwise_libcheck::check(&compiled.program, &compiled.plan, &search))
    });
    group.finish();

    // The build: compile, write the object, link it (lld-link, found as the link driver finds it).
    let lld_link = linkwise::link::find_linker(&compiled.plan.target, None).expect("lld-link on PATH");
    let obj = names.join("bench.obj");
    let exe = names.join("bench.exe");
    let build_once = || {
        let compiled = linkwise::compile(&file, &options).expect("compiles");
        std::fs::write(&obj, &compiled.object.bytes).expect("the object is written");
        let status = std::process::Command::new(&lld_link)
            .args(["/nologo", "/entry:prompt", "/subsystem:console", "msvcrt.lib"])
            // MessageBoxA's library, which the module does not name (the finding the check reports).
            .arg(Path::new(MINGW_LIB).join("libuser32.a"))
            .arg(format!("/libpath:{}", names.display()))
            .arg(format!("/out:{}", exe.display()))
            .arg(&obj)
            .status()
            .expect("lld-link runs");
        assert!(status.success(), "the benchmark module links");
    };
    build_once();
    let build = median(5, build_once);
    let check = median(5, || drop(linkwise_libcheck::check(&compiled.program, &compiled.plan, &search)));
    println!(
        "check-libs: {:.1} ms for {} libraries, {:.1}% of the build ({:.0} ms: compile, write, lld-link; 10,000 functions)",
        check.as_secs_f64() * 1e3,
        report.libraries_read,
        100.0 * check.as_secs_f64() / build.as_secs_f64(),
        build.as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&names);
}

criterion_group!(benches, check_libs);
criterion_main!(benches);
