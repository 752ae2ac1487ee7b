//! `linkwise bench codegen` end to end on a tiny module (20 functions, one repetition): every producer ran and
//! its row is in codegen.md; the sizes reported are the objects' own; every object is an x86_64 COFF object
//! that defines fun0..fun19, references `__imp_imported` and `linked`, and links with lld-link into a DLL; the
//! bytes per call site match the encodings each producer is known to emit. Structure only: timings are the
//! benchmark's business, never a test's (docs/testing.md).
//!
//! The benchmark runs the `linkwise` and `plain-cranelift-object` executables of this build (target/debug).
//! `cargo test --workspace` builds both, because their packages have integration tests (for
//! `plain-cranelift-object`, crates/linkwise-plain-cranelift/tests/object.rs); a fresh clone's first
//! `cargo test --workspace` once failed here when it did not.

mod support;

use object::{Object, ObjectSection, ObjectSymbol};
use std::path::{Path, PathBuf};

/// The executable `name` of this build: beside the test binary's `deps` directory.
fn executable(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().expect("the test binary's path");
    let found = exe.parent().and_then(Path::parent).map(|d| d.join(name)).filter(|p| p.is_file());
    support::require(
        &format!("{name} (build it with `cargo build --workspace`)"),
        found,
        support::tools_required(),
    )
}

/// The main table's rows of codegen.md: cells after the size, for rows of `functions`.
fn rows(markdown: &str, functions: &str) -> Vec<Vec<String>> {
    markdown
        .lines()
        .filter(|l| l.starts_with(&format!("| {functions} | ")) && l.matches('|').count() == 11)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect()
}

#[test]
fn codegen_bench_reports_every_producer_and_its_objects_are_what_it_says() {
    let (Some(_llc), Some(lld_link), Some(dlltool), Some(linkwise), Some(plain)) = (
        support::tool("llc"),
        support::tool("lld-link"),
        support::tool("llvm-dlltool"),
        executable("linkwise"),
        executable("plain-cranelift-object"),
    ) else {
        return;
    };
    let dir = support::TempDir::new("codegen-bench");
    let out = dir.join("out");
    let path = |p: &Path| p.to_str().expect("UTF-8 path").to_owned();
    let args = [
        "bench",
        "codegen",
        "--functions",
        "20",
        "--reps",
        "1",
        "--jobs",
        "2",
        "--out",
        &path(&out),
        "--linkwise",
        &path(&linkwise),
        "--plain-cranelift",
        &path(&plain),
        "--timeout",
        "60",
    ];
    let (status, stdout, stderr) = support::linkwise(&args);
    assert_eq!(status, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let markdown = std::fs::read_to_string(out.join("codegen.md")).expect("codegen.md written");
    let rows = rows(&markdown, "20");
    let producers = [
        ("linkwise -j1", "linkwise-j1.obj"),
        ("linkwise -j2", "linkwise-jN.obj"),
        ("llc -O0", "llc-O0.obj"),
        ("llc -O2", "llc-O2.obj"),
        ("plain cranelift-object", "plain-cranelift.obj"),
    ];
    assert_eq!(rows.len(), producers.len(), "{markdown}");

    // What the DLLs link against: `imported` from dll.dll (an import library), `linked` from an object.
    let dll_lib = support::import_library(&dlltool, dir.path(), "dll.dll", &["imported"]);
    let linked_obj = dir.join("linked.obj");
    let linked = support::compile_source(
        &linkwise::SourceFile::new("linked.lw", "pub fn linked(x: i32) -> i32 { return x; }\n".to_owned()),
        &support::options("x86_64-pc-windows-msvc", &[]),
    );
    std::fs::write(&linked_obj, linked).unwrap();

    let mut sites = std::collections::HashMap::new();
    for (producer, file) in producers {
        let row = rows
            .iter()
            .find(|r| r[1] == producer)
            .unwrap_or_else(|| panic!("no row for {producer} in\n{markdown}"));
        assert!(stdout.contains(producer), "{producer} not in the terminal table:\n{stdout}");
        let number =
            |i: usize| row[i].parse::<f64>().unwrap_or_else(|e| panic!("`{}` in {row:?}: {e}", row[i]));
        assert!(number(2) > 0.0 && number(4) >= 0.0 && number(5) > 0.0, "wall, CPU, RSS of {row:?}");

        let object_path = out.join("work/20").join(file);
        let bytes = std::fs::read(&object_path).unwrap_or_else(|e| panic!("{}: {e}", object_path.display()));
        assert_eq!(number(6), bytes.len() as f64, "object size of {producer}");
        let obj = object::File::parse(&*bytes).unwrap_or_else(|e| panic!("{producer}: {e}"));
        assert_eq!(obj.format(), object::BinaryFormat::Coff, "{producer}");
        assert_eq!(obj.architecture(), object::Architecture::X86_64, "{producer}");
        let text: u64 = obj
            .sections()
            .filter(|s| s.name().is_ok_and(|n| n == ".text" || n.starts_with(".text$")))
            .map(|s| s.size())
            .sum();
        assert_eq!(number(7), text as f64, ".text size of {producer}");
        let defined: Vec<&str> =
            obj.symbols().filter(|s| s.is_definition()).filter_map(|s| s.name().ok()).collect();
        let undefined: Vec<&str> =
            obj.symbols().filter(|s| s.is_undefined()).filter_map(|s| s.name().ok()).collect();
        for i in 0..20 {
            assert!(
                defined.contains(&format!("fun{i}").as_str()),
                "{producer} defines no fun{i}: {defined:?}"
            );
        }
        for name in ["__imp_imported", "linked"] {
            assert!(undefined.contains(&name), "{producer} does not reference {name}: {undefined:?}");
        }
        // It links: a DLL of the object, the import library and `linked`'s definition.
        let dll = dir.join(&format!("{file}.dll"));
        let mut cmd = std::process::Command::new(&lld_link);
        cmd.args(["/nologo", "/dll", "/noentry", "/nodefaultlib", "/machine:x64"])
            .arg(&object_path)
            .arg(&linked_obj)
            .arg(&dll_lib)
            .arg(format!("/out:{}", dll.display()));
        support::run(&mut cmd, std::time::Duration::from_secs(60)).assert_ok();
        sites.insert(producer, (row[8].clone(), row[9].clone()));
    }
    // The known encodings: llc calls a dllimport through its slot, `call [rip+__imp_imported]` (FF 15
    // disp32, 6 bytes) at -O0, and `linked` directly (E8 rel32, 5 bytes); linkwise's static call is direct
    // too; plain cranelift-object (is_pic false) reaches `linked` with `movabs r, linked; call r` (10 + 2).
    let site = |p: &str| sites[p].clone();
    assert_eq!(site("llc -O0"), ("6.00".to_owned(), "5.00".to_owned()));
    assert_eq!(site("linkwise -j1").1, "5.00");
    assert_eq!(site("linkwise -j1"), site("linkwise -j2"), "same object whatever the thread count");
    assert_eq!(site("plain cranelift-object").1, "12.00");
    // Its dllimport: `movabs r, __imp_imported` once per function (10 bytes, kept in a callee-saved register),
    // then `mov r2, [r]; call r2` (3 + 2) per call: (10 + 5 × 5) / 5 = 7 bytes a site.
    assert_eq!(site("plain cranelift-object").0, "7.00");
    // The ratios and growth tables exist (one size: no growth factor, but per-function figures).
    assert!(markdown.contains("## Ratios (medians)") && markdown.contains("## Growth"), "{markdown}");
    assert!(markdown.contains("1 warm-up + 1 paired repetitions"), "{markdown}");
}
