//! Unit tests: determinism, validity against linkwise's own parser and checker, the split form, shrinking.

use super::*;
use linkwise_ir::SourceFile;

/// Parses and checks `text`; panics with the rendered errors, or on a warning.
fn check_text(text: &str, what: &str) {
    let file = SourceFile::new("generated.lw", text);
    let module =
        linkwise_ir::text::parse(&file).unwrap_or_else(|d| panic!("{what}: {}\n{text}", d.render(&file)));
    let program =
        linkwise_ir::check::check(&module).unwrap_or_else(|d| panic!("{what}: {}\n{text}", d.render(&file)));
    assert!(program.warnings.is_empty(), "{what}: warnings {:?}", program.warnings);
}

#[test]
fn the_same_seed_gives_the_same_text_and_different_seeds_differ() {
    let cfg = Config::default();
    let a = Program::generate(42, "p0_", &cfg);
    let b = Program::generate(42, "p0_", &cfg);
    assert_eq!(a.items(), b.items());
    assert_eq!(a.split("lib"), b.split("lib"));
    let texts: std::collections::BTreeSet<String> =
        (0..20).map(|s| Program::generate(s, "p0_", &cfg).items()).collect();
    assert_eq!(texts.len(), 20, "20 seeds gave only {} different programs", texts.len());
    // The prefix is only a prefix: the same seed with another one is the same program renamed.
    let c = Program::generate(42, "q9_", &cfg);
    assert_eq!(c.items().replace("q9_", "p0_"), a.items());
}

#[test]
fn generated_programs_check_without_errors_or_warnings() {
    let cfg = Config::default();
    for seed in 0..120 {
        let p = Program::generate(seed, "p0_", &cfg);
        check_text(&format!("{}\n{}", sim_externs(), p.items()), &format!("seed {seed}"));
        assert!(p.is_valid());
        for name in p.functions() {
            assert!(name.starts_with("p0_"), "{name}");
        }
    }
}

#[test]
fn every_feature_switch_off_still_gives_valid_programs() {
    for (i, cfg) in [
        Config { floats: false, ..Config::default() },
        Config { loops: false, ..Config::default() },
        Config { statics: false, ..Config::default() },
        Config { imports: false, ..Config::default() },
        Config { statics: false, imports: false, floats: false, ..Config::default() },
        Config { min_functions: 1, max_functions: 1, ..Config::default() },
    ]
    .iter()
    .enumerate()
    {
        for seed in 0..30 {
            let p = Program::generate(seed, "p1_", cfg);
            check_text(&format!("{}\n{}", sim_externs(), p.items()), &format!("config {i}, seed {seed}"));
        }
    }
}

#[test]
fn programs_of_different_prefixes_share_a_module() {
    let cfg = Config::default();
    let mut text = sim_externs();
    let mut entries = String::new();
    for i in 0..6 {
        let p = Program::generate(1000 + i, &format!("p{i}_"), &cfg);
        text.push_str(&p.items());
        entries.push_str(&format!("    {}();\n", p.entry()));
    }
    text.push_str(&format!("pub fn main() {{\n    d_begin(0);\n{entries}}}\n"));
    check_text(&text, "batch");
}

#[test]
fn the_generator_reaches_every_library_function_operator_and_type() {
    let cfg = Config::default();
    let all: String = (0..100).map(|s| Program::generate(s, "p0_", &cfg).items()).collect();
    for (_, _, p) in tree::LIBRARIES {
        for f in tree::IMPORT_FNS.iter().filter(|f| f.name != "begin") {
            assert!(all.contains(&format!("{p}{}(", f.name)), "{p}{} never called", f.name);
        }
        for (s, _, _) in tree::IMPORT_STATICS {
            assert!(all.contains(&format!("{p}{s}")), "{p}{s} never used");
        }
    }
    for needle in [
        " + ",
        " - ",
        " * ",
        " / ",
        " % ",
        " & ",
        " | ",
        " ^ ",
        " << ",
        " >> ",
        " == ",
        " != ",
        " < ",
        " <= ",
        " > ",
        " >= ",
        "!",
        "as i8",
        "as i16",
        "as i32",
        "as i64",
        "as f32",
        "as f64",
        "as ptr",
        "let mut ",
        "static mut ",
        "for ",
        "} else if ",
        "} else {",
        "return;",
        "-0.0",
        "-9223372036854775808",
        "-2147483648",
        "-32768",
        "-128",
        "& -2 | 2",
        "| 1) / -1",
        ": [u8] = \"",
        "-> i8",
        "-> i16",
        "-> ptr",
    ] {
        assert!(all.contains(needle), "`{needle}` never generated");
    }
}

#[test]
fn split_gives_a_library_and_a_program_that_both_check() {
    let cfg = Config::default();
    let mut splits = 0;
    for seed in 0..60 {
        let p = Program::generate(seed, "p0_", &cfg);
        let Some(s) = p.split("p0lib") else { continue };
        splits += 1;
        assert!(s.lib_items.contains("#[export]\npub fn "), "seed {seed}: no exported function");
        check_text(&format!("{}\n{}", sim_externs(), s.lib_items), &format!("lib of seed {seed}"));
        check_text(&format!("{}\n{}", sim_externs(), s.main_items), &format!("main of seed {seed}"));
        assert!(s.main_items.contains(&format!("fn {}()", p.entry())));
        // Every function is defined in exactly one of the two.
        for f in p.functions() {
            let defs =
                [&s.lib_items, &s.main_items].iter().filter(|t| t.contains(&format!("fn {f}("))).count();
            assert!(defs >= 1, "seed {seed}: {f} lost");
        }
    }
    assert!(splits > 40, "only {splits} of 60 programs split");
    let one =
        Program::generate(1, "p0_", &Config { min_functions: 2, max_functions: 2, ..Config::default() });
    assert!(one.split("lib").is_none());
}

#[test]
fn shrinking_keeps_just_what_the_predicate_needs() {
    let cfg = Config::default();
    let seed =
        (0..200).find(|&s| Program::generate(s, "p0_", &cfg).items().contains("d_ret_i8(")).expect("a seed");
    let p = Program::generate(seed, "p0_", &cfg);
    let mut calls = 0;
    let small = shrink(&p, &mut |c| {
        calls += 1;
        c.items().contains("d_ret_i8(")
    });
    let text = small.items();
    assert!(text.contains("d_ret_i8("));
    assert!(small.is_valid());
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    eprintln!("shrunk to {lines} lines after {calls} tries:\n{text}");
    assert!(lines <= 6, "shrunk to {lines} lines after {calls} tries:\n{text}");
    assert!(lines * 10 < p.items().lines().count(), "barely shrunk:\n{text}");
}
