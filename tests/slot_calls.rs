//! x86_64 calls through a pointer slot as one instruction, `call qword ptr [rip+slot]` (`FF 15 disp32`, 6
//! bytes), as MSVC and clang emit them (issue 10, item 5; codegen's slot_call.rs), and in loops the slot
//! loaded once before the loop and the register called (lowering's `Purpose::CallInLoop`, as clang -O2
//! does): the instructions and their relocations in COFF and ELF objects, and programs whose branches and
//! constant loads cross such sites, run under wine (dllimport calls) and natively (GOT calls under
//! `--no-plt`, callee in a shared object).

mod support;

use linkwise::ImportCalls;
use object::{Object, ObjectSection};
use std::path::PathBuf;
use support::{ElfTarget, TempDir};

const PROGRAM: &str = "tests/programs/slot_calls.lw";
const WINDOWS: &str = "x86_64-pc-windows-msvc";
const LINUX: &str = "x86_64-unknown-linux-gnu";

/// What tests/programs/slot_calls.lw prints and returns, computed the same way here (the C library's `abs`
/// and `toupper` on ASCII, IEEE double arithmetic in the same order, `as i32` truncating).
fn expected() -> (String, i32) {
    let toupper = |c: i32| if (97..=122).contains(&c) { c - 32 } else { c };
    let mix = |i: i32, x: f64| -> f64 {
        if (i - 7).abs() > 3 { x * 0.75 + 2.25 } else { x + f64::from((0 - i).abs()) * 1.5 }
    };
    let (mut total, mut x, mut out) = (0i32, 0.5f64, String::new());
    for i in 0..20i32 {
        if i % 3 == 0 {
            total += (0 - i).abs() * 2;
        } else if i % 3 == 1 {
            total = total - (i - 11).abs() + toupper(97 + i % 26) - 65;
        } else {
            x = mix(i, x);
        }
        x = x * 1.125 - 0.0625;
        out.push(char::from(toupper(97 + (total + 100) % 26) as u8));
    }
    out.push('\n');
    let r = total + (x * 0.25) as i32;
    (out, (r % 200 + 200) % 200)
}

fn compile(triple: &str, calls: ImportCalls, dir: &TempDir, name: &str) -> (PathBuf, Vec<u8>) {
    let mut options = support::options(triple, &[]);
    options.import_calls = calls;
    support::compile_to(dir, name, &support::source(PROGRAM), &options)
}

/// The `.text` section's bytes.
fn text(bytes: &[u8]) -> Vec<u8> {
    let file = object::File::parse(bytes).unwrap();
    let section = file.section_by_name(".text").or_else(|| file.section_by_name("__text")).unwrap();
    section.data().unwrap().to_vec()
}

/// How many relocations of `.text` of type `r_type` against one of `symbols` sit in an instruction that `is`
/// says is the one looked for, given the code and the relocated field's offset.
fn relocations_in(bytes: &[u8], r_type: u32, symbols: &[&str], is: impl Fn(&[u8], usize) -> bool) -> usize {
    let code = text(bytes);
    let relocs = support::relocations(bytes, ".text");
    relocs
        .iter()
        .filter(|r| r.r_type == r_type && symbols.contains(&r.symbol.as_str()))
        .filter(|r| is(&code, r.offset as usize))
        .count()
}

/// Relocations that are the disp32 of `FF 15` (`call [rip+slot]`), at the instruction's +2.
fn slot_calls(bytes: &[u8], r_type: u32, symbols: &[&str]) -> usize {
    relocations_in(bytes, r_type, symbols, |code, at| at >= 2 && code[at - 2..at] == [0xff, 0x15])
}

/// Relocations that are the disp32 of a slot load, `mov r64, [rip+slot]` (REX.W, `8B`, ModRM with mod 00 and
/// r/m 101), at the instruction's +3.
fn slot_loads(bytes: &[u8], r_type: u32, symbols: &[&str]) -> usize {
    relocations_in(bytes, r_type, symbols, |code, at| {
        at >= 3 && matches!(code[at - 3], 0x48 | 0x4c) && code[at - 2] == 0x8b && code[at - 1] & 0xc7 == 0x05
    })
}

/// The Windows object: each dllimport call outside a loop is `FF 15` with IMAGE_REL_AMD64_REL32 against
/// `__imp_X` at +2 (mix's two calls of `abs`, main's last `putchar`), and the loop in main loads each of its
/// three imports' slots once, before the loop; nothing else refers to a slot.
#[test]
fn dllimport_calls_are_call_rip_slot_with_rel32_against_imp() {
    let dir = TempDir::new("slot-calls-coff");
    let (_, bytes) = compile(WINDOWS, ImportCalls::Plt, &dir, "slot_calls.obj");
    let imp = ["__imp_abs", "__imp_toupper", "__imp_putchar"];
    let rel32 = u32::from(object::pe::IMAGE_REL_AMD64_REL32.0);
    let relocs = support::relocations(&bytes, ".text");
    let to_imp = relocs.iter().filter(|r| imp.contains(&r.symbol.as_str())).count();
    assert_eq!((slot_calls(&bytes, rel32, &imp), slot_loads(&bytes, rel32, &imp), to_imp), (3, 3, 6));
}

/// A call whose callee register is r8-r15: Windows x64 passes four integer arguments in rcx, rdx, r8 and
/// r9, so with all four live the temporary for the callee's address is rax, r10 or r11. Whatever register
/// Cranelift picks, the site becomes `FF 15` (a `4C 8B` load and a `41 FF` call are 10 bytes, a 4-byte saving).
#[test]
fn four_argument_dllimport_calls_are_call_rip_slot() {
    let src = "#[link(name = \"m\")]\nextern { fn f4(i32, i32, i32, i32) -> i32; }\n\
               pub fn g(a: i32, b: i32, c: i32, d: i32) -> i32 {\n\
                   let x = f4(a, b, c, d);\n    return f4(x, a, b, c) + f4(d, x, a, b);\n}\n";
    let file = linkwise::SourceFile::new("four.lw", src);
    let bytes = support::compile_source(&file, &support::options(WINDOWS, &[]));
    assert_eq!(slot_calls(&bytes, u32::from(object::pe::IMAGE_REL_AMD64_REL32.0), &["__imp_f4"]), 3);
}

/// The program, linked with lld-link against msvcrt's import library, prints and returns what the same
/// computation gives in Rust.
#[test]
fn dllimport_program_with_branches_across_slot_calls_runs_under_wine() {
    let dir = TempDir::new("slot-calls-wine");
    let (obj, bytes) = compile(WINDOWS, ImportCalls::Plt, &dir, "slot_calls.obj");
    // What runs is the rewritten code: the three dllimport calls outside the loop are `call [rip+__imp_X]`,
    // the loop's slots are loaded before it.
    let imp = ["__imp_abs", "__imp_toupper", "__imp_putchar"];
    let rel32 = u32::from(object::pe::IMAGE_REL_AMD64_REL32.0);
    assert_eq!((slot_calls(&bytes, rel32, &imp), slot_loads(&bytes, rel32, &imp)), (3, 3));
    let (entry, _) = {
        let options = support::options(WINDOWS, &[]);
        support::compile_to(&dir, "entry.obj", &support::source("tests/programs/winentry.lw"), &options)
    };
    let (Some(lld_link), Some(dlltool), Some(wine)) =
        (support::tool("lld-link"), support::tool("llvm-dlltool"), support::tool("wine"))
    else {
        return;
    };
    let msvcrt = support::import_library(&dlltool, dir.path(), "msvcrt.dll", &["abs", "toupper", "putchar"]);
    let kernel32 = support::import_library(&dlltool, dir.path(), "kernel32.dll", &["ExitProcess"]);
    let exe = dir.join("slot_calls.exe");
    support::lld_link(&lld_link, &[&obj, &entry, &msvcrt, &kernel32], &exe).assert_ok();
    let ran = support::wine(&wine, &exe);
    let (stdout, status) = expected();
    assert_eq!((ran.stdout.replace("\r\n", "\n"), ran.status), (stdout, Some(status)), "{ran}");
}

/// ELF x86_64 under `--no-plt`: each call to the C library outside a loop is `FF 15` with
/// R_X86_64_GOTPCRELX (the form without REX), the loop's GOT entries are loaded before it with
/// R_X86_64_REX_GOTPCRELX, and the program, linked with ld.lld against glibc's shared libc, runs natively
/// with the expected output.
#[test]
fn got_program_with_branches_across_slot_calls_runs_natively() {
    let dir = TempDir::new("slot-calls-elf");
    let (obj, bytes) = compile(LINUX, ImportCalls::Got, &dir, "slot_calls.o");
    let libc = ["abs", "toupper", "putchar"];
    let (gotpcrelx, rex) = (object::elf::R_X86_64_GOTPCRELX.0, object::elf::R_X86_64_REX_GOTPCRELX.0);
    let relocs = support::relocations(&bytes, ".text");
    let to_libc = relocs.iter().filter(|r| libc.contains(&r.symbol.as_str())).count();
    assert_eq!((slot_calls(&bytes, gotpcrelx, &libc), slot_loads(&bytes, rex, &libc), to_libc), (3, 3, 6));
    // Each relocation's addend is still -4: from the field to the end of the 6-byte instruction.
    assert!(relocs.iter().filter(|r| libc.contains(&r.symbol.as_str())).all(|r| r.addend == -4));
    let Some(ld) = support::tool("ld.lld") else { return };
    let exe = dir.join("slot_calls");
    support::ld_lld_pie(&ld, ElfTarget::X86_64, &[&obj], &exe).assert_ok();
    let Some(ran) = support::run_elf(ElfTarget::X86_64, &exe) else { return };
    let (stdout, status) = expected();
    assert_eq!((ran.stdout.as_str(), ran.status), (stdout.as_str(), Some(status)), "{ran}");
}

/// The rewrite is a function of each function's own code, so the object stays byte-identical for any thread
/// count; tests/parallel.rs checks this program with the default (PLT) calls on every target, this adds the
/// GOT calls of `--no-plt` on x86_64 ELF and Mach-O.
#[test]
fn got_call_objects_are_the_same_for_every_thread_count() {
    for triple in [LINUX, "x86_64-apple-darwin"] {
        let objects: Vec<Vec<u8>> = [1, 2, 8]
            .into_iter()
            .map(|jobs| {
                let mut options = support::options(triple, &[]);
                options.import_calls = ImportCalls::Got;
                options.jobs = std::num::NonZeroUsize::new(jobs);
                support::compile_source(&support::source(PROGRAM), &options)
            })
            .collect();
        assert!(
            objects.windows(2).all(|w| w[0] == w[1]),
            "{triple}: the object differs between -j 1, 2 and 8"
        );
        // ... and the objects compared hold rewritten sites (3 `FF 15` calls, whatever the relocation type).
        let code = text(&objects[0]);
        let section = if triple == LINUX { ".text" } else { "__text" };
        let rewritten = support::relocations(&objects[0], section)
            .into_iter()
            .filter(|r| r.offset >= 2 && code[r.offset as usize - 2..r.offset as usize] == [0xff, 0x15])
            .count();
        assert_eq!(rewritten, 3, "{triple}");
    }
}

/// A loop that calls a DLL import loads the slot once, before the loop, and calls the register in it, as
/// clang -O2 does: the listing's one `mov r, [__imp_f]` comes before the loop's header (the target of the
/// jump back), and the loop calls a register. Before, each iteration called through the slot in memory
/// (Cranelift's loop-invariant code motion skipped loop bodies laid out after the loop's exit; lowering now
/// lays loops out so it applies, docs/codegen.md "Calls in loops").
#[test]
fn a_loop_loads_its_slot_once_before_the_loop() {
    let dir = TempDir::new("slot-calls-loop");
    let module = dir.join("loop.lw");
    let src = "#[link(name = \"m\")]\nextern { fn f(i64) -> i64; }\n\
               pub fn spin(n: i64, acc: i64) -> i64 {\n    let mut a = acc;\n\
               for i in 0..n {\n        a = f(a + n * n);\n    }\n    return a;\n}\n";
    std::fs::write(&module, src).unwrap();
    let (status, out, err) =
        support::linkwise(&["explain", module.to_str().unwrap(), "--target", WINDOWS, "--listing"]);
    assert_eq!(status, 0, "{err}");
    let listing: Vec<(u32, &str)> = out
        .lines()
        .filter_map(|line| {
            let (offset, rest) = line.trim_start().split_once(":  ")?;
            Some((u32::from_str_radix(offset, 16).ok()?, rest))
        })
        .collect();
    let loads: Vec<u32> = listing.iter().filter(|(_, l)| l.contains("[__imp_f]")).map(|&(o, _)| o).collect();
    let header = listing
        .iter()
        .filter_map(|(o, l)| {
            let target = u32::from_str_radix(l.split("jmp 0x").nth(1)?.trim(), 16).ok()?;
            (target < *o).then_some(target)
        })
        .next()
        .unwrap_or_else(|| panic!("no jump back in:\n{out}"));
    assert_eq!(loads.len(), 1, "{out}");
    assert!(loads[0] < header, "the slot load is in the loop:\n{out}");
    // The loop body calls the register the slot was loaded into, and `n * n` was hoisted with it.
    let body: Vec<&str> = listing.iter().filter(|(o, _)| *o >= header).map(|&(_, l)| l).collect();
    assert!(body.iter().any(|l| l.contains("call r")), "{out}");
    assert!(!body.iter().any(|l| l.contains("imul")), "n * n is computed in the loop:\n{out}");
}
