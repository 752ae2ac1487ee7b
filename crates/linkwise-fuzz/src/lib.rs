//! The bodies of linkwise's fuzz targets (issue 11, item 3), as plain functions so that the same code runs
//! under cargo-fuzz (`fuzz/fuzz_targets/*.rs`, nightly, libFuzzer) and in the ordinary suite
//! (`tests/fuzz_replay.rs`: the saved regressions and a deterministic mutation test, stable).
//!
//! Each function takes arbitrary bytes and checks linkwise's invariants on them; a violated invariant is a
//! panic, which is what libFuzzer reports as a crash. None panics on a well-behaved linkwise: every input is
//! either accepted or rejected with diagnostics that point into the text and are not internal errors
//! ("Nothing a user types may panic linkwise", README).
//!
//! The targets (docs/testing.md, "Fuzzing"):
//! - [`parse`]: text to syntax tree; a module that parses prints to text that parses back to the same module
//!   and prints the same again.
//! - [`check`]: parse and check.
//! - [`pipeline`]: the first byte picks one of the six targets, the rest is the module; text to object through
//!   [`linkwise::compile`], the object read back with the `object` crate.
//! - [`doctor_read`]: doctor's readers and prediction on arbitrary bytes as an object, archive or import
//!   library.
//! - [`explain`]: `linkwise explain`'s report of a module that compiles.

use linkwise::ir::checked::SymbolDef;
use linkwise::{Diagnostics, Options, SourceFile};
use object::{Object, ObjectSymbol};
use std::num::NonZeroUsize;

/// The six targets [`pipeline`] and [`explain`] choose from by their input's first byte, in
/// [`linkwise::linkage::target::SUPPORTED`]'s order.
pub const TARGETS: &[&str] = linkwise::linkage::target::SUPPORTED;

/// The text of an input: invalid UTF-8 is replaced (U+FFFD), so arbitrary bytes still reach the lexer as a
/// user's file could (the CLI refuses non-UTF-8 before parsing; the library takes any `str`).
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The invariants of a rejection: at least one error, no internal error (linkwise's own bug,
/// `Diagnostic::internal`), every label inside the text, and a rendering that does not panic and names the
/// file when a label has a position.
fn assert_clean_rejection(file: &SourceFile, diagnostics: &Diagnostics, what: &str) {
    assert!(diagnostics.has_errors(), "{what}: an Err without an error");
    let rendered = diagnostics.render(file);
    let len = file.text().len();
    for d in &diagnostics.0 {
        assert!(!d.internal, "{what}: internal error:\n{rendered}");
        assert!(!d.message.is_empty(), "{what}: a diagnostic without a message:\n{rendered}");
        for label in &d.labels {
            assert!(
                label.span.start <= label.span.end && label.span.end as usize <= len,
                "{what}: label {:?} outside the {len}-byte input:\n{rendered}",
                label.span
            );
        }
        if d.labels.iter().any(|l| !l.span.is_dummy()) {
            assert!(rendered.contains(&format!("--> {}:", file.name())), "{what}: no location:\n{rendered}");
        }
    }
}

/// Text to syntax tree. On success `print` gives text that parses back to an equal module and prints the
/// same again (the contract of `linkwise_ir::text::print`); on failure the one syntax error is clean.
pub fn parse(data: &[u8]) {
    let file = SourceFile::new("fuzz.lw", text(data));
    match linkwise::ir::text::parse(&file) {
        Ok(module) => {
            let printed = linkwise::ir::text::print(&module);
            let again_file = SourceFile::new("printed.lw", printed.as_str());
            let again = match linkwise::ir::text::parse(&again_file) {
                Ok(m) => m,
                Err(d) => panic!("printed module does not parse:\n{}\n{printed}", d.render(&again_file)),
            };
            assert!(again == module, "printed module parses to another module:\n{printed}");
            assert_eq!(linkwise::ir::text::print(&again), printed, "printing is not stable");
        }
        Err(d) => {
            // Every syntax error, up to the parser's limit (issue 13: error recovery).
            assert!((1..=50).contains(&d.0.len()), "parse reports 1 to 50 syntax errors, not {}", d.0.len());
            assert_clean_rejection(&file, &d, "parse");
        }
    }
}

/// Parse and check the whole module.
pub fn check(data: &[u8]) {
    let file = SourceFile::new("fuzz.lw", text(data));
    let module = match linkwise::ir::text::parse(&file) {
        Ok(m) => m,
        Err(d) => return assert_clean_rejection(&file, &d, "parse"),
    };
    if let Err(d) = linkwise::ir::check::check(&module) {
        assert_clean_rejection(&file, &d, "check");
    }
}

/// The target `data`'s first byte picks, and the rest as the module's text.
fn split_target(data: &[u8]) -> (&'static str, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (TARGETS[b as usize % TARGETS.len()], rest),
        None => (TARGETS[0], data),
    }
}

/// Options for one fuzz compilation: the target, one thread (the fuzzer runs one input at a time, and the
/// object is the same on any number: tests/parallel.rs), and the verifier on (Cranelift's own checks of
/// linkwise's lowering, otherwise on only in builds with debug assertions).
fn options(target: &str) -> Options {
    let mut options = Options::new().target(target).expect("a supported target");
    options.jobs = NonZeroUsize::new(1);
    options.verify = true;
    options
}

/// The whole pipeline for one of the six targets: the first byte picks the target, the rest is the source.
/// On success the object parses with the `object` crate and every defined `pub` function has a defined,
/// global symbol of its link name (with the target's prefix); on failure the diagnostics are clean.
pub fn pipeline(data: &[u8]) {
    let (target, source) = split_target(data);
    let file = SourceFile::new("fuzz.lw", text(source));
    let compiled = match linkwise::compile(&file, &options(target)) {
        Ok(c) => c,
        Err(d) => return assert_clean_rejection(&file, &d, target),
    };
    let bytes = &compiled.object.bytes;
    let object = match object::File::parse(&bytes[..]) {
        Ok(o) => o,
        Err(e) => panic!("{target}: the object does not read back: {e}"),
    };
    let prefix = compiled.plan.target.symbol_prefix();
    for symbol in &compiled.program.symbols {
        if !matches!(symbol.def, SymbolDef::Fn { public: true, .. }) {
            continue;
        }
        let name = format!("{prefix}{}", symbol.link_name);
        let found = object.symbols().find(|s| s.name_bytes().ok() == Some(name.as_bytes()));
        match found {
            Some(s) => assert!(
                !s.is_undefined() && s.is_global(),
                "{target}: `{name}` is not a defined global symbol: {s:?}"
            ),
            None => panic!("{target}: pub fn `{}` has no symbol `{name}` in the object", symbol.name),
        }
    }
}

/// `linkwise explain` on a module that compiles: the first byte picks the target (and, by its bit 7, whether
/// Cranelift's listing is included), the rest is the source. The report must render without panicking and
/// name every function that has symbol references (every function, with the listing); a rejection must be
/// clean.
pub fn explain(data: &[u8]) {
    let (target, source) = split_target(data);
    let listing = data.first().is_some_and(|b| b & 0x80 != 0);
    let file = SourceFile::new("fuzz.lw", text(source));
    let compiled = match linkwise::compile(&file, &options(target)) {
        Ok(c) => c,
        Err(d) => return assert_clean_rejection(&file, &d, target),
    };
    let report = linkwise::explain::render(&compiled, &file, listing);
    assert!(report.starts_with("target: "), "{target}: the report does not start with its target:\n{report}");
    // The report lists a function where it has symbol references (and every function with the listing):
    // a function with neither is rightly absent (found by the fuzzer on the seed corpus: `add3`).
    for f in &compiled.object.functions {
        if listing || !f.sites.is_empty() {
            assert!(
                report.contains(&f.object_name),
                "{target}: the report does not name `{}`",
                f.object_name
            );
        }
    }
}

/// What [`doctor_read`]'s first byte makes of the rest: read as given, or behind the header of the format
/// it is to be taken as, so that the readers' deeper code is reached without the fuzzer having to find
/// the magic numbers first.
const DOCTOR_PREFIXES: &[&[u8]] = &[
    b"",
    // A static or import library (the archive reader, its symbol table, each member).
    b"!<arch>\n",
    // A thin archive, whose members are outside it.
    b"!<thin>\n",
    // A short import member: Sig1 = IMAGE_FILE_MACHINE_UNKNOWN (0), Sig2 = 0xFFFF, version 0, machine AMD64.
    &[0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x64, 0x86],
    // A COFF object for x86_64 (IMAGE_FILE_MACHINE_AMD64) and for arm64 (IMAGE_FILE_MACHINE_ARM64).
    &[0x64, 0x86],
    &[0x64, 0xaa],
];

/// Doctor's readers on arbitrary bytes: the first byte picks a header to put before the rest (as is, an
/// archive, a thin archive, a short import member, an x86_64 or arm64 COFF object); the result is read with
/// `linkwise_doctor::read_bytes`, and what reads is predicted and reported in both forms. Only a panic is a
/// failure: damaged input is an `Err` with a message.
pub fn doctor_read(data: &[u8]) {
    let (prefix, rest) = match data.split_first() {
        Some((&b, rest)) => (DOCTOR_PREFIXES[b as usize % DOCTOR_PREFIXES.len()], rest),
        None => (DOCTOR_PREFIXES[0], data),
    };
    let mut bytes = Vec::with_capacity(prefix.len() + rest.len());
    bytes.extend_from_slice(prefix);
    bytes.extend_from_slice(rest);
    match linkwise_doctor::read_bytes("fuzz.lib", &bytes) {
        Ok(input) => {
            let inputs = [input];
            let prediction = linkwise_doctor::predict(&inputs, &linkwise_doctor::LinkOptions::default());
            let json = linkwise_doctor::report::json(&inputs, &prediction);
            if let Err(e) = json_shape(&json) {
                panic!("doctor's JSON report is not one object: {e}\n{json}");
            }
            let _ = linkwise_doctor::report::human(&inputs, &prediction);
        }
        Err(message) => assert!(!message.to_string().is_empty(), "a read error without a message"),
    }
}

/// A cheap structural check of a JSON report without a JSON parser dependency: it is one object (starts with
/// `{`, ends with `}`) and its brackets outside strings balance.
fn json_shape(json: &str) -> Result<(), String> {
    let trimmed = json.trim();
    if !(trimmed.starts_with('{') && trimmed.ends_with('}')) {
        return Err("not an object".into());
    }
    let (mut depth, mut in_string, mut escaped) = (0i64, false, false);
    for c in trimmed.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                (false, c) if (c as u32) < 0x20 => return Err(format!("raw control character {:?}", c)),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err("a closing bracket without its opening one".into());
        }
    }
    if depth != 0 || in_string { Err("unbalanced".into()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    //! Each target on the inputs the contract names: accepted, rejected, empty. The bulk runs from the root
    //! package's tests/fuzz_replay.rs, which has the corpus.
    use super::*;

    const HELLO: &str = "#[link(name = \"msvcrt\")]\nextern { fn puts(p: ptr) -> i32; }\n\
                         pub fn main() -> i32 { puts(\"hi\\0\"); return 0; }\n";

    #[test]
    fn every_target_accepts_empty_and_garbage() {
        for data in
            [&b""[..], b"\0", b"\xff\xfe", b"fn", b"fn f( {", b"}}}}", b"pub fn f() -> i32 { return 1 / 0; }"]
        {
            parse(data);
            check(data);
            pipeline(data);
            explain(data);
            doctor_read(data);
        }
    }

    #[test]
    fn pipeline_compiles_hello_on_all_six_targets() {
        for t in 0..TARGETS.len() as u8 {
            // The target bodies return quietly on a rejection: make sure this one is accepted.
            let file = SourceFile::new("hello.lw", HELLO);
            if let Err(d) = linkwise::compile(&file, &options(TARGETS[t as usize])) {
                panic!("{}", d.render(&file));
            }
            let mut data = vec![t];
            data.extend_from_slice(HELLO.as_bytes());
            pipeline(&data);
            explain(&data);
            data[0] |= 0x80;
            explain(&data);
        }
        parse(HELLO.as_bytes());
        check(HELLO.as_bytes());
    }

    #[test]
    fn doctor_reads_every_prefix() {
        for p in 0..DOCTOR_PREFIXES.len() as u8 {
            doctor_read(&[p]);
            doctor_read(&[p, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        }
    }

    #[test]
    fn json_check_rejects_what_it_should() {
        assert!(json_shape("{\"a\": [1, {\"b\": \"}\"}]}").is_ok());
        assert!(json_shape("{\"a\": [}").is_err());
        assert!(json_shape("[]").is_err());
    }
}
