//! Mach-O on x86_64 and arm64: nothing here runs Mach-O, so objects are linked by ld64.lld against a stand-in
//! libSystem `.tbd` and the binding and unwind tables of the result are checked; `llvm-jitlink -noexec`
//! applies every relocation of the object on its own and resolves each `__eh_frame` FDE to its function. The object's header is read back for the build version and
//! subsections-via-symbols flag.

mod support;

use linkwise::ImportCalls;
use object::read::macho::{MachHeader, MachOFile64};
use object::{Endianness, Object};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::TempDir;

fn compile(triple: &str, calls: ImportCalls, dir: &TempDir) -> (PathBuf, Vec<u8>) {
    let mut options = support::options(triple, &[]);
    options.import_calls = calls;
    support::compile_to(dir, "portable.o", &support::source("tests/programs/portable.lw"), &options)
}

/// (table, symbol) rows of `llvm-objdump --macho --bind --lazy-bind`, table being "bind" or "lazy".
fn bindings(objdump: &Path, exe: &Path) -> Vec<(String, String)> {
    let ran = support::run(
        Command::new(objdump).args(["--macho", "--bind", "--lazy-bind"]).arg(exe),
        Duration::from_secs(60),
    )
    .assert_ok();
    let mut table = "";
    let mut rows = Vec::new();
    for line in ran.stdout.lines() {
        if line.starts_with("Bind table") {
            table = "bind";
        } else if line.starts_with("Lazy bind table") {
            table = "lazy";
        } else if line.contains("libSystem") {
            let symbol = line.split_whitespace().last().unwrap_or("").to_owned();
            rows.push((table.to_owned(), symbol));
        }
    }
    rows.sort();
    rows
}

fn link_and_check(arch: &str, triple: &str, calls: ImportCalls, expected: &[(&str, &str)]) {
    let dir = TempDir::new(&format!("macho-{arch}"));
    let (obj, bytes) = compile(triple, calls, &dir);

    // The object itself: a 64-bit Mach-O with LC_BUILD_VERSION and MH_SUBSECTIONS_VIA_SYMBOLS.
    let file = MachOFile64::<Endianness>::parse(&*bytes).unwrap();
    let header = file.macho_header();
    assert!(header.flags(Endianness::Little).contains(object::macho::MH_SUBSECTIONS_VIA_SYMBOLS));
    let mut commands = file.macho_load_commands().unwrap();
    let mut has_build_version = false;
    while let Some(command) = commands.next().unwrap() {
        has_build_version |= command.cmd() == object::macho::LC_BUILD_VERSION;
    }
    assert!(has_build_version, "LC_BUILD_VERSION");
    assert!(file.symbols().any(|s| object::ObjectSymbol::name(&s) == Ok("_main")), "C symbols take a `_`");

    let (Some(ld64), Some(objdump), Some(jitlink)) =
        (support::tool("ld64.lld"), support::tool("llvm-objdump"), support::tool("llvm-jitlink"))
    else {
        return;
    };
    // Every relocation applies (jitlink resolves the libSystem functions to made-up absolute addresses).
    let mut jit = Command::new(&jitlink);
    jit.args(["-noexec", "-slab-allocate=1Mb", "-slab-address=0x10000000", "-slab-page-size=4096"]);
    jit.args(["-abs", "_puts=0x1000", "-abs", "_putchar=0x2000", "-abs", "_tolower=0x3000"]).arg(&obj);
    support::run(&mut jit, Duration::from_secs(60)).assert_ok();

    let sdk = support::macos_sdk(dir.path(), &["_puts", "_putchar", "_tolower"]);
    let exe = dir.join("portable");
    let mut cmd = Command::new(&ld64);
    cmd.args(["-arch", arch, "-platform_version", "macos", "11.0", "11.0", "-syslibroot"]).arg(&sdk);
    cmd.args(["-lSystem", "-o"]).arg(&exe).arg(&obj);
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    let expected: Vec<(String, String)> =
        expected.iter().map(|(t, s)| (t.to_string(), s.to_string())).collect();
    assert_eq!(bindings(&objdump, &exe), expected);

    // Unwinding: the linker found an FDE in the object's __eh_frame for each of the two functions (`square`,
    // `main`) and made their `__unwind_info` entries point at it (DWARF mode: x86_64 4, arm64 3).
    let dwarf_mode = if arch == "x86_64" { 0x0400_0000 } else { 0x0300_0000 };
    let encodings = unwind_encodings(&objdump, &exe);
    assert_eq!(encodings.len(), 2, "{encodings:x?}");
    assert!(encodings.iter().all(|e| e & 0x0F00_0000 == dwarf_mode), "{encodings:x?}");
}

/// The compact unwind encoding of each function in a linked image's `__unwind_info`, in address order.
fn unwind_encodings(objdump: &Path, exe: &Path) -> Vec<u32> {
    let ran = support::run(
        Command::new(objdump).args(["--macho", "--unwind-info"]).arg(exe),
        Duration::from_secs(60),
    )
    .assert_ok();
    let encodings: Vec<u32> = ran
        .stdout
        .lines()
        .filter(|l| l.contains("function offset=") && l.contains("encoding"))
        .filter_map(|l| {
            let index: usize = l.split("encoding[").nth(1)?.split(']').next()?.parse().ok()?;
            let common = ran.stdout.lines().find(|c| c.trim().starts_with(&format!("encoding[{index}]:")))?;
            u32::from_str_radix(common.split("0x").nth(1)?.trim(), 16).ok()
        })
        .collect();
    encodings
}

/// PLT-style calls (the default) become lazily bound stubs; `dyld_stub_binder` is bound for them.
const STUBS: &[(&str, &str)] =
    &[("bind", "dyld_stub_binder"), ("lazy", "_putchar"), ("lazy", "_puts"), ("lazy", "_tolower")];
/// `--no-plt` calls load GOT entries, which dyld binds at load time.
const GOT: &[(&str, &str)] = &[("bind", "_putchar"), ("bind", "_puts"), ("bind", "_tolower")];

#[test]
fn x86_64_stub_calls() {
    link_and_check("x86_64", "x86_64-apple-darwin", ImportCalls::Plt, STUBS);
}

#[test]
fn x86_64_got_calls() {
    link_and_check("x86_64", "x86_64-apple-darwin", ImportCalls::Got, GOT);
}

#[test]
fn arm64_stub_calls() {
    link_and_check("arm64", "aarch64-apple-darwin", ImportCalls::Plt, STUBS);
}

#[test]
fn arm64_got_calls() {
    link_and_check("arm64", "aarch64-apple-darwin", ImportCalls::Got, GOT);
}
