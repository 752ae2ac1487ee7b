//! End to end on x86_64 Windows: linkwise objects linked by lld-link against real import libraries and run
//! under wine, with the call sites checked on the relocations the object carries.

mod support;

use object::{Object, ObjectSymbol};
use std::path::Path;
use support::{Ran, TempDir};

const REL32: u32 = object::pe::IMAGE_REL_AMD64_REL32.0 as u32;
const TARGET: &str = "x86_64-pc-windows-msvc";

/// Compiles `path` with `-l` specs into `dir`, returning the object's path and bytes.
fn build(dir: &TempDir, path: &str, specs: &[&str]) -> (std::path::PathBuf, Vec<u8>) {
    let stem = Path::new(path).file_stem().unwrap().to_string_lossy().into_owned();
    let name = format!("{stem}{}.obj", if specs.is_empty() { "" } else { "-override" });
    support::compile_to(dir, &name, &support::source(path), &support::options(TARGET, specs))
}

/// Builds `path` into a static library with `linkwise build --emit lib`, as a user would.
fn static_library(dir: &TempDir, path: &str) -> std::path::PathBuf {
    let stem = Path::new(path).file_stem().unwrap().to_string_lossy().into_owned();
    let out = dir.join(&format!("{stem}.lib"));
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let (status, _, stderr) = support::linkwise(&[
        "build",
        "--emit",
        "lib",
        input.to_str().unwrap(),
        "--target",
        TARGET,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(status, 0, "{stderr}");
    out
}

/// (relocation type, symbol) of every relocation in `.text`, in order.
fn text_relocations(bytes: &[u8]) -> Vec<(u32, String)> {
    support::relocation_targets(bytes, ".text")
}

fn rel32(symbols: &[&str]) -> Vec<(u32, String)> {
    symbols.iter().map(|s| (REL32, s.to_string())).collect()
}

/// Everything a test needs from the toolchain, or `None` to skip (outside CI).
struct Tools {
    lld_link: std::path::PathBuf,
    dlltool: std::path::PathBuf,
    wine: std::path::PathBuf,
}

fn tools() -> Option<Tools> {
    Some(Tools {
        lld_link: support::tool("lld-link")?,
        dlltool: support::tool("llvm-dlltool")?,
        wine: support::tool("wine")?,
    })
}

/// Import libraries for the DLLs the test programs use.
fn system_libraries(t: &Tools, dir: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let msvcrt =
        support::import_library(&t.dlltool, dir.path(), "msvcrt.dll", &["puts", "tolower", "_environ DATA"]);
    let kernel32 = support::import_library(&t.dlltool, dir.path(), "kernel32.dll", &["ExitProcess"]);
    (msvcrt, kernel32)
}

fn link_and_run(t: &Tools, dir: &TempDir, inputs: &[&Path], name: &str) -> Ran {
    let exe = dir.join(name);
    support::lld_link(&t.lld_link, inputs, &exe).assert_ok();
    support::wine(&t.wine, &exe)
}

/// Windows' C runtime writes text-mode newlines; compare lines, not line endings.
fn lines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

#[test]
fn hello_calls_msvcrt_through_its_import_slots_and_runs() {
    let dir = TempDir::new("hello");
    let (obj, bytes) = build(&dir, "examples/hello.lw", &[]);
    // main: tolower and puts through their slots, GREETING by address; mainCRTStartup: main directly.
    assert_eq!(
        text_relocations(&bytes),
        rel32(&["__imp_tolower", "GREETING", "__imp_puts", "main", "__imp_ExitProcess"])
    );
    let Some(t) = tools() else { return };
    let (msvcrt, kernel32) = system_libraries(&t, &dir);
    let ran = link_and_run(&t, &dir, &[&obj, &msvcrt, &kernel32], "hello.exe");
    assert_eq!(lines(&ran.stdout), "hello\n", "{ran}");
    assert_eq!(ran.status, Some(97), "tolower(65) is main's result:\n{ran}");
}

#[test]
fn static_override_makes_direct_calls_that_still_link_through_the_thunks() {
    let dir = TempDir::new("hello-static");
    let (obj, bytes) = build(&dir, "examples/hello.lw", &["static=msvcrt"]);
    // `-l static=msvcrt`: puts and tolower are called directly; kernel32 is untouched.
    assert_eq!(
        text_relocations(&bytes),
        rel32(&["tolower", "GREETING", "puts", "main", "__imp_ExitProcess"])
    );
    let Some(t) = tools() else { return };
    // Against the DLL's import library the direct calls land on its thunks (`jmp [__imp_puts]`): it runs.
    let (msvcrt, kernel32) = system_libraries(&t, &dir);
    let ran = link_and_run(&t, &dir, &[&obj, &msvcrt, &kernel32], "hello-static.exe");
    assert_eq!((lines(&ran.stdout).as_str(), ran.status), ("hello\n", Some(97)), "{ran}");
}

#[test]
fn renamed_library_links_a_different_dll() {
    let dir = TempDir::new("hello-ucrt");
    let (obj, bytes) = build(&dir, "examples/hello.lw", &["msvcrt:ucrtbase"]);
    // A rename keeps the kind, so the call sites are those of the unrenamed build.
    assert_eq!(text_relocations(&bytes), text_relocations(&build(&dir, "examples/hello.lw", &[]).1));
    let Some(t) = tools() else { return };
    let ucrt = support::import_library(&t.dlltool, dir.path(), "ucrtbase.dll", &["puts", "tolower"]);
    let (_, kernel32) = system_libraries(&t, &dir);
    let ran = link_and_run(&t, &dir, &[&obj, &ucrt, &kernel32], "hello-ucrt.exe");
    assert_eq!((lines(&ran.stdout).as_str(), ran.status), ("hello\n", Some(97)), "{ran}");
}

#[test]
fn static_library_symbols_are_reached_directly() {
    let dir = TempDir::new("static-lib");
    let (obj, bytes) = build(&dir, "corpus/static_library.lw", &[]);
    // COUNTER = COUNTER + 1 (address computed once), add3 called directly, ExitProcess through its slot.
    assert_eq!(text_relocations(&bytes), rel32(&["COUNTER", "add3", "main", "__imp_ExitProcess"]));
    let Some(t) = tools() else { return };
    let mathlib = static_library(&dir, "tests/programs/mathlib.lw");
    let (_, kernel32) = system_libraries(&t, &dir);
    let ran = link_and_run(&t, &dir, &[&obj, &mathlib, &kernel32], "static-lib.exe");
    assert_eq!(ran.status, Some(9), "add3(1, 2, COUNTER + 1) with COUNTER = 5:\n{ran}");
}

#[test]
fn dylib_override_of_a_static_library_fails_to_link_as_lld_link_reports_it() {
    let dir = TempDir::new("static-lib-dylib");
    let (obj, bytes) = build(&dir, "corpus/static_library.lw", &["dylib=mathlib"]);
    assert_eq!(
        text_relocations(&bytes),
        rel32(&["__imp_COUNTER", "__imp_add3", "main", "__imp_ExitProcess"])
    );
    let Some(t) = tools() else { return };
    let mathlib = static_library(&dir, "tests/programs/mathlib.lw");
    let (_, kernel32) = system_libraries(&t, &dir);
    // The static library defines add3 and COUNTER but no __imp_ slots for them: the blog post's LNK2019.
    let linked = support::lld_link(&t.lld_link, &[&obj, &mathlib, &kernel32], &dir.join("broken.exe"));
    assert!(!linked.ok(), "the link must fail:\n{linked}");
    for symbol in ["add3", "COUNTER"] {
        let expected = format!("undefined symbol: __declspec(dllimport) {symbol}");
        assert!(linked.stderr.contains(&expected), "lld-link should say `{expected}`:\n{linked}");
    }
}

#[test]
fn dll_data_is_read_through_its_import_slot() {
    let dir = TempDir::new("environ");
    let (obj, bytes) = build(&dir, "tests/programs/environ.lw", &[]);
    let relocations = text_relocations(&bytes);
    assert_eq!(relocations[0], (REL32, "__imp__environ".to_owned()), "{relocations:?}");
    let Some(t) = tools() else { return };
    let (msvcrt, kernel32) = system_libraries(&t, &dir);
    let ran = link_and_run(&t, &dir, &[&obj, &msvcrt, &kernel32], "environ.exe");
    assert_eq!((lines(&ran.stdout).as_str(), ran.status), ("environ is set\n", Some(3)), "{ran}");
}

#[test]
fn unused_imports_are_not_referenced() {
    let dir = TempDir::new("unused");
    let (_, bytes) = build(&dir, "examples/hello.lw", &[]);
    let file = object::File::parse(&*bytes).unwrap();
    let names: Vec<&str> = file.symbols().filter_map(|s| s.name().ok()).collect();
    // ENVIRON is declared but never used: no undefined symbol for it, so no link dependency.
    assert!(!names.iter().any(|n| n.contains("environ")), "{names:?}");
    assert!(names.contains(&"__imp_puts"), "{names:?}");
}

#[test]
fn output_is_deterministic() {
    let dir = TempDir::new("deterministic");
    let (_, first) = build(&dir, "corpus/data.lw", &[]);
    let (_, second) = build(&dir, "corpus/data.lw", &[]);
    assert_eq!(first, second);
    // The COFF header's TimeDateStamp (bytes 4..8) is zero, not the time of the build.
    assert_eq!(&first[4..8], &[0, 0, 0, 0]);
}

#[test]
fn missing_tools_fail_under_ci_and_skip_elsewhere() {
    assert_eq!(support::require("no-such-tool", None, false), None);
    let failed = std::panic::catch_unwind(|| support::require("no-such-tool", None, true));
    assert!(failed.is_err(), "a required tool that is missing must fail the test");
}
