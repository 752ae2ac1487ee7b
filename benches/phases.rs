//! Code generation throughput per phase (issue 10, item 2): parsing, checking, link-kind resolution and code
//! generation (Cranelift lowering and object writing, on one thread and on all of them), each timed on its
//! own over generated modules of 1,000, 10,000 and 100,000 functions. Every function makes ten calls, alternately to a
//! DLL import (reached through its `__imp_` slot) and to a static-library import (a direct call): the shape
//! issue 10's measurements use. x86_64 COFF.
//!
//! Run: `cargo bench --bench phases` (add `-- /10000` to run only one size). The figures are absolute; the
//! comparison with `llc -O0` and plain cranelift-object is `linkwise bench codegen`'s (scripts/codegen-bench).
//! The 100,000-function size takes criterion's smallest sample (10), a short measurement time and no `-j1`
//! generation, so that the whole benchmark stays within about three minutes on the 2-core machine
//! (docs/bench.md has the figure).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::num::NonZeroUsize;

/// A module of `functions` functions, ten calls each, alternating a dylib and a static import.
fn module(functions: usize) -> String {
    let mut src = String::from(
        "#[link(name = \"dll\")]\nextern { fn imported(i32) -> i32; }\n\
         #[link(name = \"lib\", kind = \"static\")]\nextern { fn linked(i32) -> i32; }\n",
    );
    for i in 0..functions {
        let _ = write!(src, "pub fn fun{i}(x: i32) -> i32 {{ let mut t = x;");
        for call in 0..10 {
            let callee = if call % 2 == 0 { "imported" } else { "linked" };
            let _ = write!(src, " t = {callee}(t);");
        }
        let _ = writeln!(src, " return t; }}");
    }
    src
}

fn phases(c: &mut Criterion) {
    let target = linkwise::Target::parse("x86_64-pc-windows-msvc").expect("a supported target");
    let mut group = c.benchmark_group("phases");
    group.sample_size(10);
    for functions in [1_000, 10_000, 100_000] {
        if functions == 100_000 {
            // One iteration takes seconds here: criterion's minimum sample, and no more time than the sample
            // needs (it warns, and stretches the time to fit ten iterations).
            group.warm_up_time(std::time::Duration::from_millis(500));
            group.measurement_time(std::time::Duration::from_secs(1));
        }
        let file = linkwise::SourceFile::new("bench.lw", module(functions));
        group.throughput(Throughput::Elements(functions as u64));
        let module = linkwise::ir::text::parse(&file).expect("the generated module parses");
        let program = linkwise::ir::check::check(&module).expect("the generated module checks");
        let plan = linkwise::linkage::resolve(&program, &target, &[], Default::default())
            .expect("the generated module resolves");
        let directives = linkwise::linkage::directives(&program, &plan, &Default::default());
        group.bench_function(BenchmarkId::new("parse", functions), |b| {
            b.iter(|| linkwise::ir::text::parse(&file).expect("parses"))
        });
        group.bench_function(BenchmarkId::new("check", functions), |b| {
            b.iter(|| linkwise::ir::check::check(&module).expect("checks"))
        });
        group.bench_function(BenchmarkId::new("resolve", functions), |b| {
            b.iter(|| {
                linkwise::linkage::resolve(&program, &target, &[], Default::default()).expect("resolves")
            })
        });
        let threads = [NonZeroUsize::MIN, std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)];
        for jobs in threads {
            // At 100,000 functions one thread's figure is left to `linkwise bench codegen` (its `-j1` row):
            // criterion's ten samples of it would take 40 s of the three minutes.
            if functions == 100_000 && jobs == NonZeroUsize::MIN {
                continue;
            }
            let compile =
                linkwise::codegen::CompileOptions { jobs: Some(jobs), verify: false, no_reports: true };
            let name = format!("generate -j{jobs}");
            group.bench_function(BenchmarkId::new(name, functions), |b| {
                b.iter(|| {
                    linkwise::codegen::generate(
                        &program,
                        &program,
                        &plan,
                        &directives,
                        &Default::default(),
                        &compile,
                    )
                    .expect("generates")
                })
            });
        }
        group.bench_function(BenchmarkId::new("whole compile", functions), |b| {
            b.iter(|| linkwise::compile(&file, &linkwise::Options::new()).expect("compiles"))
        });
    }
    group.finish();
}

criterion_group!(benches, phases);
criterion_main!(benches);
