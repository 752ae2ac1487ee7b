//! One program written once in the IR, built for every runnable target and run: x86_64 Windows (lld-link,
//! wine), x86_64 Linux (ld.lld, native) and aarch64 Linux (ld.lld, qemu-aarch64). Same output, same status.

mod support;

use linkwise::ImportCalls;
use object::{Object, ObjectSymbol};
use std::path::PathBuf;
use support::{ElfTarget, TempDir};

const EXPECTED_STDOUT: &str = "linkwise says hello\n01234\n";
const EXPECTED_STATUS: i32 = 30;

fn compile(path: &str, triple: &str, calls: ImportCalls, dir: &TempDir, name: &str) -> (PathBuf, Vec<u8>) {
    let mut options = support::options(triple, &[]);
    options.import_calls = calls;
    support::compile_to(dir, name, &support::source(path), &options)
}

fn run_elf(
    target: ElfTarget,
    triple: &str,
    calls: ImportCalls,
    expected_relocations: &[(object::elf::RelocationType, &str)],
) {
    let dir = TempDir::new(&format!("portable-{triple}"));
    let (obj, bytes) = compile("tests/programs/portable.lw", triple, calls, &dir, "portable.o");
    // Compared as sets with counts: the order follows Cranelift's block layout, which is not the point here.
    let mut expected: Vec<(u32, String)> =
        expected_relocations.iter().map(|(t, s)| (t.0, s.to_string())).collect();
    let mut actual = support::relocation_targets(&bytes, ".text");
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected);
    let Some(ld) = support::tool("ld.lld") else { return };
    let exe = dir.join("portable");
    support::ld_lld_pie(&ld, target, &[&obj], &exe).assert_ok();
    let Some(ran) = support::run_elf(target, &exe) else { return };
    assert_eq!((ran.stdout.as_str(), ran.status), (EXPECTED_STDOUT, Some(EXPECTED_STATUS)), "{ran}");
}

#[test]
fn x86_64_linux_plt_calls() {
    use object::elf::*;
    run_elf(
        ElfTarget::X86_64,
        "x86_64-unknown-linux-gnu",
        ImportCalls::Plt,
        &[
            (R_X86_64_PC32, "BANNER"),
            (R_X86_64_PLT32, "puts"),
            (R_X86_64_PLT32, "square"),
            // One address of TOTAL, hoisted out of the loop and reused after it (issue 10: Cranelift's
            // loop-invariant code motion, once loops are laid out for it; docs/codegen.md).
            (R_X86_64_PC32, "TOTAL"),
            (R_X86_64_PLT32, "putchar"),
            (R_X86_64_PLT32, "putchar"),
            (R_X86_64_PLT32, "tolower"),
        ],
    );
}

#[test]
fn x86_64_linux_got_calls() {
    use object::elf::*;
    run_elf(
        ElfTarget::X86_64,
        "x86_64-unknown-linux-gnu",
        ImportCalls::Got,
        &[
            (R_X86_64_PC32, "BANNER"),
            (R_X86_64_GOTPCRELX, "puts"),
            (R_X86_64_PLT32, "square"),
            // One address of TOTAL, hoisted out of the loop and reused after it (issue 10: Cranelift's
            // loop-invariant code motion, once loops are laid out for it; docs/codegen.md).
            (R_X86_64_PC32, "TOTAL"),
            // `call [rip+putchar@GOTPCREL]` outside the loop; in it, the GOT entry loaded once before the loop
            // (`mov r, [rip+putchar@GOTPCREL]`, the REX form) and the register called.
            (R_X86_64_GOTPCRELX, "putchar"),
            (R_X86_64_REX_GOTPCRELX, "putchar"),
            (R_X86_64_GOTPCRELX, "tolower"),
        ],
    );
}

#[test]
fn aarch64_linux_plt_calls() {
    use object::elf::*;
    run_elf(
        ElfTarget::Aarch64,
        "aarch64-unknown-linux-gnu",
        ImportCalls::Plt,
        &[
            (R_AARCH64_ADR_PREL_PG_HI21, "BANNER"),
            (R_AARCH64_ADD_ABS_LO12_NC, "BANNER"),
            (R_AARCH64_CALL26, "puts"),
            (R_AARCH64_CALL26, "square"),
            // One address of TOTAL, hoisted out of the loop and reused after it.
            (R_AARCH64_ADR_PREL_PG_HI21, "TOTAL"),
            (R_AARCH64_ADD_ABS_LO12_NC, "TOTAL"),
            (R_AARCH64_CALL26, "putchar"),
            (R_AARCH64_CALL26, "putchar"),
            (R_AARCH64_CALL26, "tolower"),
        ],
    );
}

#[test]
fn aarch64_linux_got_calls() {
    use object::elf::*;
    run_elf(
        ElfTarget::Aarch64,
        "aarch64-unknown-linux-gnu",
        ImportCalls::Got,
        &[
            (R_AARCH64_ADR_PREL_PG_HI21, "BANNER"),
            (R_AARCH64_ADD_ABS_LO12_NC, "BANNER"),
            (R_AARCH64_ADR_GOT_PAGE, "puts"),
            (R_AARCH64_LD64_GOT_LO12_NC, "puts"),
            (R_AARCH64_CALL26, "square"),
            // One address of TOTAL, hoisted out of the loop and reused after it.
            (R_AARCH64_ADR_PREL_PG_HI21, "TOTAL"),
            (R_AARCH64_ADD_ABS_LO12_NC, "TOTAL"),
            (R_AARCH64_ADR_GOT_PAGE, "putchar"),
            (R_AARCH64_LD64_GOT_LO12_NC, "putchar"),
            (R_AARCH64_ADR_GOT_PAGE, "putchar"),
            (R_AARCH64_LD64_GOT_LO12_NC, "putchar"),
            (R_AARCH64_ADR_GOT_PAGE, "tolower"),
            (R_AARCH64_LD64_GOT_LO12_NC, "tolower"),
        ],
    );
}

#[test]
fn x86_64_windows() {
    let dir = TempDir::new("portable-windows");
    let (obj, bytes) = compile(
        "tests/programs/portable.lw",
        "x86_64-pc-windows-msvc",
        ImportCalls::Plt,
        &dir,
        "portable.obj",
    );
    let file = object::File::parse(&*bytes).unwrap();
    let undefined: Vec<&str> =
        file.symbols().filter(|s| s.is_undefined()).map(|s| s.name().unwrap()).collect();
    assert_eq!(undefined, ["__imp_puts", "__imp_putchar", "__imp_tolower"]);
    let (entry, _) =
        compile("tests/programs/winentry.lw", "x86_64-pc-windows-msvc", ImportCalls::Plt, &dir, "entry.obj");
    let (Some(lld_link), Some(dlltool), Some(wine)) =
        (support::tool("lld-link"), support::tool("llvm-dlltool"), support::tool("wine"))
    else {
        return;
    };
    // The module's `#[crt]` block is msvcrt.dll on Windows (`--crt dynamic`, the default). The object asks for
    // msvcrt.lib and oldnames.lib itself (tests/autolink.rs and tests/crt.rs link that way); here the import
    // library made for the test is given, and /nodefaultlib keeps lld-link from looking for the real ones.
    let msvcrt = support::import_library(&dlltool, dir.path(), "msvcrt.dll", &["puts", "putchar", "tolower"]);
    let kernel32 = support::import_library(&dlltool, dir.path(), "kernel32.dll", &["ExitProcess"]);
    let exe = dir.join("portable.exe");
    support::lld_link(&lld_link, &[&obj, &entry, &msvcrt, &kernel32], &exe).assert_ok();
    let ran = support::wine(&wine, &exe);
    assert_eq!(
        (ran.stdout.replace("\r\n", "\n").as_str(), ran.status),
        (EXPECTED_STDOUT, Some(EXPECTED_STATUS)),
        "{ran}"
    );
}
