//! RFC 1717's scenario entirely with linkwise (issue 9): one module exports two functions and a data symbol
//! and is built into a shared library; a second imports all three (calls, and the data read and written
//! through the import) and is built into a program, each by one `linkwise build`. No `.def` file, no
//! llvm-dlltool, no vendor library: on Windows the import library comes from the first build and the system
//! DLLs are `raw-dylib`. Run under wine and natively; the Mach-O pair is linked and its bindings checked.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::{TempDir, linkwise};

/// Module 1: the library.
const LIBRARY: &str = "\
// The shared library of RFC 1717's scenario: two functions and a data symbol, exported.
#[export] pub static mut lw_counter: i32 = 41;
#[export] pub fn lw_add(a: i32, b: i32) -> i32 { return a + b; }
#[export] pub fn lw_bump() -> i32 { lw_counter = lw_counter + 1; return lw_counter; }
";

/// Module 2, the part every target shares: writes the library's counter (42), has the library bump it (43),
/// reads it back, and exits with `lw_add(43, 100)`.
const PROGRAM: &str = "\
#[link(name = \"rfcmath\")]
extern {
    fn lw_add(i32, i32) -> i32;
    fn lw_bump() -> i32;
    static mut lw_counter: i32;
}
pub fn main() -> i32 {
    lw_counter = lw_counter + 1;
    let n = lw_bump();
    if n == lw_counter { puts(\"one counter, seen from both sides\\0\"); }
    return lw_add(lw_counter, 100);
}
";

/// Module 2 on Windows: its own start-up code, the system DLLs reached through `raw-dylib` blocks.
const WINDOWS_TAIL: &str = "\
#[link(name = \"msvcrt\", kind = \"raw-dylib\")]
extern { fn puts(ptr) -> i32; }
#[link(name = \"kernel32\", kind = \"raw-dylib\")]
extern { fn ExitProcess(i32); }
pub fn mainCRTStartup() { ExitProcess(main()); }
";

/// Module 2 elsewhere: the C library's start-up code calls `main`.
const UNIX_TAIL: &str = "#[crt] extern { fn puts(ptr) -> i32; }\n";

const EXPECTED_STATUS: i32 = 143;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `linkwise build ARGS`; without `--target`, for Windows x64, what these modules (no `target` line) are for
/// there (the command line's default is the host).
fn build(args: &[&str]) {
    let mut all = vec!["build"];
    all.extend(args);
    if !args.contains(&"--target") {
        all.extend(["--target", "x86_64-pc-windows-msvc"]);
    }
    let (status, _, stderr) = linkwise(&all);
    assert_eq!(status, 0, "linkwise {all:?}:\n{stderr}");
}

/// Writes the two modules into `dir`: `rfcmath.lw` and `rfcapp.lw` (with `tail`).
fn modules(dir: &TempDir, tail: &str) -> (String, String) {
    let (lib, app) = (dir.join("rfcmath.lw"), dir.join("rfcapp.lw"));
    std::fs::write(&lib, LIBRARY).unwrap();
    std::fs::write(&app, format!("{PROGRAM}{tail}")).unwrap();
    (s(&lib).to_owned(), s(&app).to_owned())
}

#[test]
fn windows_dll_and_program() {
    let Some(lld_link) = support::tool("lld-link") else { return };
    let Some(wine) = support::tool("wine") else { return };
    let dir = TempDir::new("rfc-windows");
    let (lib, app) = modules(&dir, WINDOWS_TAIL);
    let bin = dir.join("bin");
    // One build per module.
    build(&[&lib, "--emit", "dylib,implib", "--out-dir", s(&bin), "--linker", s(&lld_link)]);
    let exe = bin.join("rfcapp.exe");
    build(&[&app, "--emit", "exe", "-L", s(&bin), "-o", s(&exe), "--linker", s(&lld_link)]);
    let mut names: Vec<String> =
        std::fs::read_dir(&bin).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["rfcapp.exe", "rfcmath.dll", "rfcmath.lib"]);
    let expected_stdout = "one counter, seen from both sides\r\n";
    let ran = support::wine(&wine, &exe);
    assert_eq!((ran.status, ran.stdout.as_str()), (Some(EXPECTED_STATUS), expected_stdout), "{ran}");

    // The same program linked by plain lld-link from objects and search paths only: the object's directives
    // name rfcmath.lib (found in bin/, the DLL's own import library) and the raw-dylib libraries, whose
    // import libraries `--emit implib` writes.
    let objs = dir.join("objs");
    build(&[&app, "--emit", "obj,implib", "--out-dir", s(&objs)]);
    let object = std::fs::read(objs.join("rfcapp.obj")).unwrap();
    // The data is read and written through its import slot (dllimport), the calls go through theirs.
    let text = support::relocation_targets(&object, ".text");
    for slot in ["__imp_lw_counter", "__imp_lw_add", "__imp_lw_bump", "__imp_puts", "__imp_ExitProcess"] {
        assert!(text.contains(&(4, slot.to_owned())), "IMAGE_REL_AMD64_REL32 against {slot}: {text:?}");
    }
    // One load of the slot serves both the read and the write in `main` (Cranelift keeps the loaded address
    // for the function); that the write reached the DLL's variable is what the run above showed: the DLL's
    // own `lw_bump` saw it.
    let plain = bin.join("plain.exe");
    let ran = support::run(
        Command::new(&lld_link)
            .args(["/nologo", "/entry:mainCRTStartup", "/subsystem:console"])
            .arg(objs.join("rfcapp.obj"))
            .arg(format!("/libpath:{}", bin.display()))
            .arg(format!("/libpath:{}", objs.display()))
            .arg(format!("/out:{}", plain.display())),
        Duration::from_secs(60),
    )
    .assert_ok();
    assert_eq!(ran.stderr, "", "{ran}");
    let ran = support::wine(&wine, &plain);
    assert_eq!((ran.status, ran.stdout.as_str()), (Some(EXPECTED_STATUS), expected_stdout), "{ran}");
}

/// The ELF pair, run natively with the library found through LD_LIBRARY_PATH (the driver sets no rpath, as
/// rustc sets none). Once with the object's own `.deplibs` (autolink), once with `--no-autolink`, where the
/// driver puts `-lrfcmath` on the line.
#[test]
fn elf_shared_object_and_program() {
    let Some(ld_lld) = support::tool("ld.lld") else { return };
    for autolink in [true, false] {
        let dir = TempDir::new("rfc-elf");
        let (lib, app) = modules(&dir, UNIX_TAIL);
        let bin = dir.join("bin");
        let mut common =
            vec!["--target", "x86_64-unknown-linux-gnu", "--out-dir", s(&bin), "--linker", s(&ld_lld)];
        if !autolink {
            common.push("--no-autolink");
        }
        build(&[&[&lib[..], "--emit", "dylib"][..], &common].concat());
        build(&[&[&app[..], "--emit", "exe", "-L", s(&bin)][..], &common].concat());
        let ran = support::run(
            Command::new(bin.join("rfcapp")).env("LD_LIBRARY_PATH", &bin),
            Duration::from_secs(30),
        );
        assert_eq!(
            (ran.status, ran.stdout.as_str()),
            (Some(EXPECTED_STATUS), "one counter, seen from both sides\n"),
            "autolink {autolink}: {ran}"
        );
    }
}

/// The Mach-O pair for both Apple targets: nothing here runs Mach-O, so the program's binding tables are
/// read back: the data bound from the library, the functions lazily bound from it and from libSystem.
#[test]
fn macho_dylib_and_program() {
    let Some(ld64) = support::tool("ld64.lld") else { return };
    let Some(objdump) = support::tool("llvm-objdump") else { return };
    for triple in ["x86_64-apple-darwin", "aarch64-apple-darwin"] {
        let dir = TempDir::new("rfc-macho");
        let sdk = support::macos_sdk(dir.path(), &["_puts"]);
        let (lib, app) = modules(&dir, UNIX_TAIL);
        let bin = dir.join("bin");
        let common = ["--target", triple, "--out-dir", s(&bin), "--linker", s(&ld64), "--sdk-root", s(&sdk)];
        build(&[&[&lib[..], "--emit", "dylib"][..], &common].concat());
        build(&[&[&app[..], "--emit", "exe", "-L", s(&bin)][..], &common].concat());
        let ran = support::run(
            Command::new(&objdump)
                .args(["--macho", "--bind", "--lazy-bind", "--dylibs-used"])
                .arg(bin.join("rfcapp")),
            Duration::from_secs(30),
        )
        .assert_ok();
        let mut rows: Vec<(String, String, String)> = Vec::new();
        let mut table = "";
        for line in ran.stdout.lines() {
            if line.starts_with("Bind table") {
                table = "bind";
            } else if line.starts_with("Lazy bind table") {
                table = "lazy";
            } else if !table.is_empty() && line.starts_with("__") {
                let words: Vec<&str> = line.split_whitespace().collect();
                let (dylib, symbol) = (words[words.len() - 2], words[words.len() - 1]);
                rows.push((table.to_owned(), dylib.to_owned(), symbol.to_owned()));
            }
        }
        rows.sort();
        let row = |t: &str, d: &str, s: &str| (t.to_owned(), d.to_owned(), s.to_owned());
        assert_eq!(
            rows,
            [
                row("bind", "libSystem", "dyld_stub_binder"),
                row("bind", "librfcmath", "_lw_counter"),
                row("lazy", "libSystem", "_puts"),
                row("lazy", "librfcmath", "_lw_add"),
                row("lazy", "librfcmath", "_lw_bump"),
            ],
            "{triple}: {ran}"
        );
        assert!(ran.stdout.contains("@rpath/librfcmath.dylib"), "{ran}");
    }
}
