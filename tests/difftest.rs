//! The bounded differential test CI runs (issue 11, docs/difftest.md): random programs from
//! `linkwise-fuzzgen`, some split into a shared library and a program, compiled by linkwise for x86_64
//! Windows, x86_64 Linux and aarch64 Linux, run under wine, natively and under qemu, and compared line by
//! line with the reference interpreter. And the proof that the comparison can fail: a simulated library with
//! a planted bug is caught, and the shrinker cuts the program down to a call of the broken function.

mod support;

use linkwise_difftest::target::Target;
use linkwise_difftest::{Config, Report};

/// Whether every tool the runner needs is here (under CI=true a missing one fails the test).
fn tools(targets: &[Target]) -> bool {
    let mut names = vec!["clang", "ld.lld", "llvm-ar"];
    if targets.contains(&Target::WindowsX64) {
        names.extend(["lld-link", "llvm-lib", "llvm-dlltool", "wine"]);
    }
    if targets.contains(&Target::LinuxArm64) {
        names.push("qemu-aarch64");
    }
    let found: Vec<bool> = names.iter().map(|n| support::tool(n).is_some()).collect();
    if let (true, Some(wine)) = (targets.contains(&Target::WindowsX64), support::tool("wine")) {
        support::start_wine(&wine, &support::wine_prefix());
    }
    found.iter().all(|&f| f)
}

fn config(dir: &support::TempDir, seed: u64, programs: usize, targets: &[Target]) -> Config {
    Config {
        seed,
        programs,
        batch: 20,
        targets: targets.to_vec(),
        split_every: 3,
        generator: Default::default(),
        shrink: true,
        work: dir.join("work"),
        library_source: linkwise_difftest::libs::SOURCE.to_owned(),
    }
}

fn failures(report: &Report) -> String {
    let mut text = String::new();
    for f in &report.failures {
        text.push_str(&format!(
            "\n{:?} seed {} split {}: {}\n{}\n",
            f.target, f.seed, f.split, f.what, f.program
        ));
    }
    text
}

#[test]
fn random_programs_print_what_the_interpreter_says_on_all_three_targets() {
    let targets = linkwise_difftest::target::ALL;
    if !tools(&targets) {
        return;
    }
    let dir = support::TempDir::new("difftest");
    let programs = 60;
    let report = linkwise_difftest::run(&config(&dir, 1, programs, &targets), &mut std::io::sink()).unwrap();
    assert!(report.failures.is_empty(), "{} failures:{}", report.failures.len(), failures(&report));
    // Every target ran every program, some of them split, and compared every line the interpreter expects.
    assert_eq!(report.targets.len(), 3);
    for (target, summary) in &report.targets {
        assert_eq!(summary.programs, programs, "{target:?}");
        assert!(summary.split > 0, "{target:?}: no program was split");
        assert_eq!(summary.lines, report.expected_lines, "{target:?}");
    }
    // The programs print: at least a `begin` line and a few traced values each.
    assert!(report.expected_lines >= programs * 5, "{} lines", report.expected_lines);
}

#[test]
fn a_planted_bug_in_a_simulated_library_is_found_and_shrunk() {
    let targets = [Target::LinuxX64];
    if !tools(&targets) {
        return;
    }
    let dir = support::TempDir::new("difftest-planted");
    // d_mix_i8 computes `a * 3 + b`; the planted bug makes every library's copy compute `a * 3 + b + 1`, which the
    // interpreter's model does not.
    let good = "API i8 N(mix_i8)(i8 a, i8 b) { return (i8)((u32)a * 3u + (u32)b); }";
    assert!(linkwise_difftest::libs::SOURCE.contains(good));
    let planted = linkwise_difftest::libs::SOURCE
        .replace(good, "API i8 N(mix_i8)(i8 a, i8 b) { return (i8)((u32)a * 3u + (u32)b + 1u); }");
    let mut config = config(&dir, 1, 40, &targets);
    config.library_source = planted;
    let report = linkwise_difftest::run(&config, &mut std::io::sink()).unwrap();
    assert!(!report.failures.is_empty(), "the planted bug went unnoticed");
    for failure in &report.failures {
        assert_eq!(failure.target, Some(Target::LinuxX64));
        assert!(failure.what.contains("expected"), "{}", failure.what);
        // Shrunk: the program still calls one of the broken functions, and little else is left.
        assert!(failure.program.contains("_mix_i8("), "{}", failure.program);
        let lines = failure.program.lines().count();
        assert!(lines <= 20, "not shrunk ({lines} lines):\n{}", failure.program);
    }
}
