//! The generator's programs through linkwise, without running them (issue 11's property test in the ordinary
//! suite): for a fixed range of seeds, each program in a batch-shaped module parses and checks with no error
//! and no warning, survives print -> parse unchanged, and compiles for all six targets into an object that
//! defines every function; its split form (a library module and a program module) compiles too.

mod support;

use linkwise::ir::{check, text};
use linkwise_fuzzgen::{Config, Program, sim_externs};
use object::{Object, ObjectSymbol};

/// Seeds `0..SEEDS` (`LINKWISE_GENERATED_SEEDS=N` for a longer run), in batches of `BATCH` programs per module,
/// as the differential runner writes them.
const SEEDS: u64 = 16;
const BATCH: u64 = 8;

/// Every target linkwise generates code for.
const TARGETS: &[&str] = linkwise::linkage::target::SUPPORTED;

/// `-l` specs for `triple`: raw-dylib is Windows only, so elsewhere `lwsim_raw` is an ordinary dylib
/// (docs/difftest.md).
fn specs(triple: &str) -> &'static [&'static str] {
    if triple.contains("windows") { &[] } else { &["dylib=lwsim_raw"] }
}

/// Parses and checks `text` (no error, no warning), checks that printing and parsing it again gives the
/// same module, and compiles it for every target; returns the defined symbols of each object.
fn compile_everywhere(name: &str, text: &str, shared_library: bool) -> Vec<(String, Vec<String>)> {
    let file = linkwise::SourceFile::new(name, text);
    let module = text::parse(&file).unwrap_or_else(|d| panic!("{name} does not parse:\n{}", d.render(&file)));
    let checked =
        check::check(&module).unwrap_or_else(|d| panic!("{name} does not check:\n{}", d.render(&file)));
    assert!(checked.warnings.is_empty(), "{name}: warnings {:?}", checked.warnings);
    let printed = text::print(&module);
    let again_file = linkwise::SourceFile::new("printed.lw", printed.as_str());
    let again = text::parse(&again_file)
        .unwrap_or_else(|d| panic!("{name} printed does not parse:\n{}", d.render(&again_file)));
    assert!(again == module, "{name}: print then parse changed the module");
    let mut out = Vec::new();
    for triple in TARGETS {
        let mut options = support::options(triple, specs(triple));
        options.shared_library = shared_library;
        let compiled = linkwise::compile(&file, &options)
            .unwrap_or_else(|d| panic!("{name} for {triple}: {}", d.render(&file)));
        let obj = object::File::parse(&*compiled.object.bytes)
            .unwrap_or_else(|e| panic!("{name} for {triple}: {e}"));
        let defined = obj
            .symbols()
            .filter(|s| s.is_definition())
            .filter_map(|s| {
                s.name()
                    .ok()
                    .map(|n| n.strip_prefix('_').filter(|_| triple.contains("apple")).unwrap_or(n).to_owned())
            })
            .collect();
        out.push(((*triple).to_owned(), defined));
    }
    out
}

fn assert_defines(objects: &[(String, Vec<String>)], functions: &[String], what: &str) {
    for (triple, defined) in objects {
        for f in functions {
            assert!(defined.contains(f), "{what} for {triple}: no symbol {f}");
        }
    }
}

#[test]
fn generated_programs_check_round_trip_and_compile_for_every_target() {
    let started = std::time::Instant::now();
    let config = Config::default();
    let seeds: u64 =
        std::env::var("LINKWISE_GENERATED_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(SEEDS);
    let mut lines = 0;
    let mut splits = 0;
    for first in (0..seeds).step_by(BATCH as usize) {
        let programs: Vec<Program> = (first..first + BATCH)
            .map(|seed| Program::generate(seed, &format!("p{seed}_"), &config))
            .collect();
        let mut batch = format!("target x86_64-pc-windows-msvc\n\n{}\n", sim_externs());
        let mut entries = String::new();
        for (seed, p) in (first..).zip(&programs) {
            batch.push_str(&p.items());
            entries.push_str(&format!("    d_begin({seed});\n    {}();\n", p.entry()));
            lines += p.items().lines().count();
        }
        batch.push_str(&format!("pub fn lw_batch() {{\n{entries}}}\n"));
        let name = format!("batch{first}.lw");
        let objects = compile_everywhere(&name, &batch, false);
        let all: Vec<String> =
            programs.iter().flat_map(|p| p.functions()).chain(["lw_batch".to_owned()]).collect();
        assert_defines(&objects, &all, &name);

        for (seed, p) in (first..).zip(&programs) {
            let Some(split) = p.split(&format!("p{seed}lib")) else { continue };
            splits += 1;
            let lib = format!("{}\n{}", sim_externs(), split.lib_items);
            let main = format!("{}\n{}", sim_externs(), split.main_items);
            let lib_objects = compile_everywhere(&format!("lib{seed}.lw"), &lib, true);
            let main_objects = compile_everywhere(&format!("main{seed}.lw"), &main, false);
            let (in_lib, in_main): (Vec<String>, Vec<String>) =
                p.functions().into_iter().partition(|f| split.lib_items.contains(&format!("fn {f}(")));
            assert!(!in_lib.is_empty() && in_main.contains(&p.entry()), "seed {seed}: split is lopsided");
            assert_defines(&lib_objects, &in_lib, &format!("lib of seed {seed}"));
            assert_defines(&main_objects, &in_main, &format!("main of seed {seed}"));
        }
    }
    eprintln!(
        "{seeds} programs ({lines} lines), {splits} split, 6 targets each: {:.2} s",
        started.elapsed().as_secs_f64()
    );
}
