//! Streaming compilation (issue 10, item 4): `linkwise::compile` outlines a module, checks its declarations,
//! then parses, checks and compiles one function body at a time. These tests hold it to the whole-module path
//! (`text::parse`, `check::check`, `compile_module`): the same object bytes for every module that compiles,
//! and the same rendered errors, in the same order, for every module that does not — on the corpus, on every
//! case of the error corpus, and on thousands of mutations of them.

use linkwise::ir::checked::SymbolDef;
use linkwise::{Options, SourceFile};

/// What compiling `file` gives, rendered: the object's bytes or the errors' text.
fn streamed(file: &SourceFile, options: &Options) -> Result<Vec<u8>, String> {
    linkwise::compile(file, options).map(|c| c.object.bytes).map_err(|d| d.render(file))
}

/// The same through the whole-module path: the syntax tree and every checked body exist at once.
fn whole(file: &SourceFile, options: &Options) -> Result<Vec<u8>, String> {
    let module = linkwise::ir::text::parse(file).map_err(|d| d.render(file))?;
    linkwise::compile_module(&module, options).map(|c| c.object.bytes).map_err(|d| d.render(file))
}

/// Every `.lw` file directly in `dir`, sorted, as (path, text).
fn modules(dir: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "lw"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable module");
            (path.display().to_string(), text)
        })
        .collect();
    found.sort();
    found
}

/// The corpus modules and each case of the error corpus (cases are separated by `// -----` lines).
fn every_case() -> Vec<(String, String)> {
    let mut cases = modules("corpus");
    cases.extend(modules("examples"));
    for (path, text) in modules("corpus/errors") {
        for (i, case) in text.split("// -----\n").enumerate() {
            cases.push((format!("{path}#{i}"), case.to_owned()));
        }
    }
    cases
}

fn agree(name: &str, text: &str, options: &Options) -> bool {
    let file = SourceFile::new(name, text);
    let (s, w) = (streamed(&file, options), whole(&file, options));
    assert_eq!(s, w, "{name}: streaming and whole-module compilation differ on:\n{text}");
    s.is_ok()
}

#[test]
fn streaming_and_whole_module_compilation_agree_on_the_corpus_for_every_target() {
    let (mut compiled, mut failed) = (0, 0);
    for (name, text) in every_case() {
        for triple in linkwise::linkage::target::SUPPORTED {
            let options = Options::new().target(triple).expect("a supported target");
            if agree(&name, &text, &options) { compiled += 1 } else { failed += 1 }
        }
    }
    // Both outcomes are exercised, many times each.
    assert!(compiled > 50 && failed > 300, "{compiled} compiled, {failed} failed");
}

/// Every case, cut and spliced at many points (a character dropped; a brace, quote or stray token put in):
/// syntax errors inside and between bodies, unbalanced braces, unterminated strings, errors in declarations
/// after bodies and in bodies after declarations. Each must give the whole-module path's result exactly.
#[test]
fn streaming_reports_exactly_the_whole_module_errors_on_mutated_modules() {
    let (mut compiled, mut failed) = (0, 0);
    let options = Options::new();
    for (name, text) in every_case() {
        let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let step = (bounds.len() / 24).max(1);
        for window in bounds.windows(2).step_by(step) {
            let (at, next) = (window[0], window[1]);
            let mut variants = vec![format!("{}{}", &text[..at], &text[next..])];
            for splice in ["{", "}", "\"", "fn", ";", "x"] {
                variants.push(format!("{}{splice}{}", &text[..at], &text[at..]));
            }
            for variant in variants {
                if agree(&format!("{name}@{at}"), &variant, &options) { compiled += 1 } else { failed += 1 }
            }
        }
    }
    assert!(compiled > 500 && failed > 5_000, "{compiled} compiled, {failed} failed");
}

/// A module with errors in several bodies and in a declaration after them: every error, declarations' first,
/// then the bodies' in order, as the whole-module check reports them.
#[test]
fn every_error_of_every_body_is_reported_in_order() {
    let text = "pub fn a() -> i32 { return nope; }\n\
                pub fn b() -> i32 { let x: i32 = \"s\"; return x; }\n\
                pub fn c() -> i32 { return 1; }\n\
                #[link(name = \"m\", kind = \"static\", modifiers = \"+verbatim,+verbatim\")]\n\
                extern { fn f(); }\n\
                pub fn d() { f(1); }\n";
    let file = SourceFile::new("m.lw", text);
    let errors = streamed(&file, &Options::new()).expect_err("the module has errors");
    assert_eq!(Err(errors.clone()), whole(&file, &Options::new()));
    let at: Vec<usize> = [
        "multiple `verbatim` modifiers",
        "cannot find value `nope`",
        "mismatched types",
        "takes 0 arguments",
    ]
    .iter()
    .map(|what| errors.find(what).unwrap_or_else(|| panic!("`{what}` not reported:\n{errors}")))
    .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "errors out of order:\n{errors}");
}

/// Syntax errors win over check errors anywhere, and every one is reported (issue 13: the parser recovers),
/// in the order of the text, whether compiled streaming or whole. Here a later body has a syntax error that
/// leaves its braces balanced (the outline cannot see it), an earlier body a type error, and a declaration
/// after both a syntax error.
#[test]
fn syntax_errors_are_all_reported_before_any_check_error() {
    let text = "pub fn a() -> i32 { return nope; }\npub fn b() { let = 1; }\nextern { fn g(i33); }\n";
    let file = SourceFile::new("m.lw", text);
    let errors = streamed(&file, &Options::new()).expect_err("a syntax error");
    assert_eq!(Err(errors.clone()), whole(&file, &Options::new()));
    let (b, g) = (errors.find("--> m.lw:2:18"), errors.find("--> m.lw:3:15"));
    assert!(b.is_some() && g.is_some() && b < g && !errors.contains("nope"), "{errors}");
}

/// What streaming keeps: the checked program's symbols, not its bodies (they were dropped as compiled); the
/// whole-module path keeps both. String literals are numbered in source order either way, those of statics
/// first (they are laid out with the declarations).
#[test]
fn compile_keeps_symbols_not_bodies_and_numbers_strings_in_source_order() {
    let text = "static S: ptr = \"static\";\nextern { fn g(ptr, ptr) -> ptr; }\n\
                pub fn a(n: i32) -> ptr { if n == 0 { return g(\"one\", g(\"two\", \"three\")); } \
                for i in 0..n { g(\"four\", \"one\"); } return \"five\"; }\n\
                pub fn b() -> ptr { return g(\"six\", \"two\"); }\n";
    let file = SourceFile::new("s.lw", text);
    let streamed =
        linkwise::compile(&file, &Options::new()).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let module = linkwise::ir::text::parse(&file).expect("parses");
    let whole = linkwise::compile_module(&module, &Options::new()).expect("compiles");
    assert!(streamed.program.functions.is_empty());
    assert_eq!(whole.program.functions.len(), 2);
    assert_eq!(format!("{:?}", streamed.program.symbols), format!("{:?}", whole.program.symbols));
    let strings: Vec<String> = streamed
        .program
        .symbols
        .iter()
        .filter_map(|s| match &s.def {
            SymbolDef::Str { bytes } => Some(format!("{}={}", s.name, String::from_utf8_lossy(bytes))),
            _ => None,
        })
        .collect();
    assert_eq!(
        strings,
        ["str.0=static", "str.1=one", "str.2=two", "str.3=three", "str.4=four", "str.5=five", "str.6=six"]
    );
    assert_eq!(streamed.object.bytes, whole.object.bytes);
}

/// Errors in bodies past the first chunk of functions a compiling thread takes (32), on several thread
/// counts: the same rendered errors, in order, as one thread and as the whole-module path (review of
/// issue 10).
#[test]
fn errors_past_the_first_chunk_are_the_same_on_every_thread_count() {
    let mut text = String::new();
    for i in 0..200 {
        let body = match i {
            40 => "return nope40;".to_owned(),
            150 => "let x: i32 = \"s\"; return x;".to_owned(),
            151 => "return missing(1);".to_owned(),
            _ => format!("return {i};"),
        };
        text.push_str(&format!("pub fn g{i}() -> i32 {{ {body} }}\n"));
    }
    let file = SourceFile::new("many.lw", text);
    let expected = whole(&file, &Options::new()).expect_err("three bodies have errors");
    for jobs in [1, 2, 3, 8] {
        let mut options = Options::new();
        options.jobs = std::num::NonZeroUsize::new(jobs);
        assert_eq!(streamed(&file, &options), Err(expected.clone()), "-j {jobs}");
    }
    // g40's unknown name, g150's mismatched types (and what follows from them), g151's unknown function.
    let at: Vec<usize> = ["many.lw:41:", "many.lw:151:", "many.lw:152:"]
        .iter()
        .map(|l| expected.find(l).unwrap_or_else(|| panic!("no error at {l}:\n{expected}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{expected}");
}

/// `linkwise build` asks for no reports (`Options::no_reports`): the object is the same bytes as with them,
/// on every target.
#[test]
fn the_object_is_the_same_without_reports() {
    for (name, text) in modules("corpus").into_iter().chain(modules("tests/programs")) {
        let file = SourceFile::new(name.as_str(), text);
        for triple in linkwise::linkage::target::SUPPORTED {
            let mut options = Options::new().target(triple).expect("a supported target");
            let with = linkwise::compile(&file, &options);
            options.no_reports = true;
            let without = linkwise::compile(&file, &options);
            match (with, without) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.object.bytes, b.object.bytes, "{name} {triple}");
                    assert!(b.object.functions.is_empty() && b.object.unwind_sites.is_empty(), "{name}");
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{name} {triple}: reports changed whether it compiles"),
            }
        }
    }
}
