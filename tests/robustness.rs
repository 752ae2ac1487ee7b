//! Nothing a user writes may panic linkwise: mutated versions of every corpus program go through the whole
//! pipeline (parse, check, link plan, Cranelift, object writer), for each of the six targets in turn. Each
//! must compile to an object or fail with diagnostics that point into the text, and never with an internal
//! error (`Diagnostic::internal`: linkwise's bug, not the user's).

use linkwise::{Options, SourceFile};

/// Token-level edits that keep most programs parseable, so the checker and code generator see them.
const EDITS: &[(&str, &str)] = &[
    ("i32", "i64"),
    ("i64", "i8"),
    ("i32", "f64"),
    ("ptr", "i32"),
    ("+", "/"),
    ("+", "<<"),
    ("*", "%"),
    ("1", "0"),
    ("0", "9223372036854775807"),
    ("return ", "return -"),
    ("static ", "static mut "),
    ("\"dylib\"", "\"static\""),
    ("(", "(0, "),
    ("mut ", ""),
    ("&", ""),
    ("let ", "let mut "),
    ("as i64", "as f32"),
    ("==", "<"),
];

#[test]
fn mutated_programs_compile_or_fail_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    for dir in ["corpus", "examples", "tests/programs"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "lw") {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let targets = linkwise::linkage::target::SUPPORTED;
    let (mut compiled, mut rejected, mut runs) = (0, 0, 0usize);
    for src in &sources {
        for (from, to) in EDITS {
            // Apply the edit at each of the first few places it matches, one place at a time.
            for (at, _) in src.match_indices(from).take(6) {
                let mutated = format!("{}{}{}", &src[..at], to, &src[at + from.len()..]);
                for specs in [&[][..], &["static=msvcrt"][..], &["dylib=mathlib", "kernel32:k32"][..]] {
                    let target = targets[runs % targets.len()];
                    runs += 1;
                    let mut options = Options::new().target(target).unwrap();
                    for spec in specs {
                        options = options.link(spec).unwrap();
                    }
                    let file = SourceFile::new("m.lw", mutated.as_str());
                    match linkwise::compile(&file, &options) {
                        Ok(c) => {
                            assert!(!c.object.bytes.is_empty());
                            compiled += 1;
                        }
                        Err(d) => {
                            assert!(d.has_errors(), "an Err must carry an error:\n{mutated}");
                            let rendered = d.render(&file);
                            // Every linkwise bug is a `Diagnostic::internal`, flagged (issue 8).
                            assert!(
                                !d.0.iter().any(|x| x.internal),
                                "{target}, -l {specs:?}:\n{rendered}\n{mutated}"
                            );
                            for diag in d.0.iter().flat_map(|x| &x.labels) {
                                assert!(diag.span.end as usize <= mutated.len(), "label outside the text");
                            }
                            rejected += 1;
                        }
                    }
                }
            }
        }
    }
    // Both paths must be exercised, or the test proves nothing about one of them.
    eprintln!("compiled {compiled}, rejected {rejected}");
    assert!(compiled > 100 && rejected > 100, "compiled {compiled}, rejected {rejected}");
}
