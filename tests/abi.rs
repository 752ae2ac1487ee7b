//! Generated code at the C boundary and at run time, checked against C compiled by clang: run on every target
//! this machine can run (x86_64 Linux natively, aarch64 Linux under qemu, x86_64 Windows under wine), and by
//! disassembly on the others. Narrow integer arguments and return values in both directions (issue 7,
//! defect 1; docs/codegen.md "Narrow integers at calls"), `as` from floats to integers (defect 4), and what
//! `/` and `%` do for a zero divisor and for MIN / -1 (defect 10; docs/ir.md "Division and remainder").

mod support;

use linkwise::SourceFile;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{ElfTarget, Ran, TempDir};

/// A target whose programs run here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runnable {
    Linux(ElfTarget),
    Windows,
}

const X86_64_LINUX: Runnable = Runnable::Linux(ElfTarget::X86_64);
const AARCH64_LINUX: Runnable = Runnable::Linux(ElfTarget::Aarch64);
const X86_64_WINDOWS: Runnable = Runnable::Windows;

impl Runnable {
    fn triple(self) -> &'static str {
        match self {
            Runnable::Linux(ElfTarget::X86_64) => "x86_64-unknown-linux-gnu",
            Runnable::Linux(ElfTarget::Aarch64) => "aarch64-unknown-linux-gnu",
            Runnable::Windows => "x86_64-pc-windows-msvc",
        }
    }

    fn is_x86_64(self) -> bool {
        self != AARCH64_LINUX
    }

    /// The object file name the target's tools use for `stem` (`stem.obj` or `stem.o`).
    fn object_file(self, stem: &str) -> String {
        linkwise::Target::parse(self.triple()).expect("a supported triple").object_file_name(stem)
    }
}

/// The start of every C half: declarations instead of headers, so one source builds for every target with
/// no C library headers, and on Windows the entry point and marker a C runtime would provide.
const C_PRELUDE: &str = r#"
int printf(const char *, ...);
int fflush(void *);
void exit(int);
#ifdef _WIN32
/* clang's objects refer to `_fltused` when they use floating point; MSVC's C runtime defines it. */
int _fltused;
int main(void);
/* lld-link is told /entry:mainCRTStartup; exit() flushes stdout, ExitProcess would not. */
void mainCRTStartup(void) { exit(main()); }
#endif
"#;

/// One runnable target's tools and scratch directory, with the C half compiled once for any number of
/// linkwise modules linked against it.
struct Harness {
    target: Runnable,
    dir: TempDir,
    c_object: PathBuf,
    /// ld.lld or lld-link.
    linker: PathBuf,
    /// Windows: the import libraries for the C half, and wine.
    libraries: Vec<PathBuf>,
    wine: Option<PathBuf>,
}

impl Harness {
    /// Compiles `c_source` (after [`C_PRELUDE`]) with clang for `target`; `None` when a tool is missing and
    /// tests may skip.
    fn new(target: Runnable, label: &str, c_source: &str) -> Option<Harness> {
        let dir = TempDir::new(&format!("abi-{label}-{}", target.triple()));
        let clang = support::tool("clang")?;
        let source = dir.join("c_half.c");
        std::fs::write(&source, format!("{C_PRELUDE}{c_source}")).unwrap();
        let c_object = dir.join(&target.object_file("c_half"));
        let mut cmd = Command::new(clang);
        cmd.arg(format!("--target={}", target.triple()))
            .args(["-O2", "-fno-builtin", "-fno-stack-protector", "-c"])
            .arg(&source)
            .arg("-o")
            .arg(&c_object);
        if target != Runnable::Windows {
            cmd.arg("-fPIE");
        }
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        let (linker, libraries, wine) = match target {
            Runnable::Linux(_) => (support::tool("ld.lld")?, Vec::new(), None),
            Runnable::Windows => {
                let (lld_link, dlltool, wine) =
                    (support::tool("lld-link")?, support::tool("llvm-dlltool")?, support::tool("wine")?);
                let msvcrt = support::import_library(
                    &dlltool,
                    dir.path(),
                    "msvcrt.dll",
                    &["printf", "fflush", "exit"],
                );
                let kernel32 = support::import_library(
                    &dlltool,
                    dir.path(),
                    "kernel32.dll",
                    &["AddVectoredExceptionHandler"],
                );
                (lld_link, vec![msvcrt, kernel32], Some(wine))
            }
        };
        Some(Harness { target, dir, c_object, linker, libraries, wine })
    }

    /// Compiles the linkwise module `file`, links it with the C half and runs the program (`None`: skipped).
    fn run(&self, name: &str, file: &SourceFile) -> Option<Ran> {
        let object_name = self.target.object_file(name);
        let mut options = support::options(self.target.triple(), &[]);
        // abi.lw's `abi_c` library is the C half, which is linked as an object: the module's objects must not
        // also ask the linker for a library of that name (ld.lld reads `.deplibs`).
        options.no_autolink = true;
        let (object, _) = support::compile_to(&self.dir, &object_name, file, &options);
        match self.target {
            Runnable::Linux(target) => {
                let exe = self.dir.join(name);
                support::ld_lld_pie(&self.linker, target, &[&self.c_object, &object], &exe).assert_ok();
                support::run_elf(target, &exe)
            }
            Runnable::Windows => {
                let exe = self.dir.join(&format!("{name}.exe"));
                let mut inputs: Vec<&Path> = vec![&self.c_object, &object];
                inputs.extend(self.libraries.iter().map(PathBuf::as_path));
                support::lld_link(&self.linker, &inputs, &exe).assert_ok();
                Some(support::wine(self.wine.as_ref().unwrap(), &exe))
            }
        }
    }
}

/// Fails unless the program exited with 0 and printed exactly `expected`, listing every line that differs.
fn assert_printed(ran: &Ran, expected: &str, what: &str) {
    let printed = ran.stdout.replace("\r\n", "\n");
    if ran.status == Some(0) && printed == expected {
        return;
    }
    let (want, got): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), printed.lines().collect());
    let mut report = String::new();
    let mut wrong = 0;
    for i in 0..want.len().max(got.len()) {
        if want.get(i) != got.get(i) {
            wrong += 1;
            let _ = writeln!(report, "  expected {:?}\n  printed  {:?}", want.get(i), got.get(i));
        }
    }
    panic!(
        "{what}: {wrong} of {} lines wrong, exit status {:?}\n{report}--- stderr ---\n{}\n$ {}",
        want.len(),
        ran.status,
        ran.stderr,
        ran.command
    );
}

// ---------------------------------------------------------------------------------------------------------
// Defect 1: narrow integers at calls (tests/programs/abi.lw).

/// The C half of tests/programs/abi.lw: the callees it declares, and the prototypes `main` calls it through.
/// `*_whole` are linkwise's functions seen through a wider C type (same symbol, via an asm label): calling
/// them puts a whole 64-bit register (or stack slot) in place of a narrow argument, upper bits set at will, and
/// reading a narrow return value as `long long` shows the register as linkwise left it.
const ABI_C: &str = r#"
int c_take_i8(signed char x) { return x; }
int c_take_i16(short x) { return x; }
signed char c_ret_i8(int x) { return (signed char)x; }
short c_ret_i16(int x) { return (short)x; }
long long c_raw_i8(long long x) { return x; }
long long c_raw_i16(long long x) { return x; }
long long c_garbage_i8(long long x) { return x; }
long long c_garbage_i16(long long x) { return x; }
long long c_stack(long long a, long long b, long long c, long long d, long long e, long long f, long long g,
                  long long h, signed char p, short q, signed char r, short s) {
    long long sum = a;
    sum = sum * 31 + b; sum = sum * 31 + c; sum = sum * 31 + d; sum = sum * 31 + e;
    sum = sum * 31 + f; sum = sum * 31 + g; sum = sum * 31 + h; sum = sum * 31 + p;
    sum = sum * 31 + q; sum = sum * 31 + r; sum = sum * 31 + s;
    return sum;
}

int lw_pass_i8(int);
int lw_pass_i16(int);
int lw_const_i8(void);
int lw_const_i16(void);
long long lw_raw_i8(int);
long long lw_raw_i16(int);
long long lw_call_stack(int);
int lw_from_c_i8(int);
int lw_from_c_i16(int);
long long lw_from_garbage_i8(long long);
long long lw_from_garbage_i16(long long);
long long lw_take_i8(signed char);
long long lw_take_i16(short);
long long lw_take_i8_whole(long long) __asm__("lw_take_i8");
long long lw_take_i16_whole(long long) __asm__("lw_take_i16");
long long lw_stack(long long, long long, long long, long long, long long, long long, long long, long long,
                   signed char, short, signed char, short);
long long lw_stack_whole(long long, long long, long long, long long, long long, long long, long long,
                         long long, long long, long long, long long, long long) __asm__("lw_stack");
signed char lw_ret_i8(int);
short lw_ret_i16(int);
long long lw_ret_i8_whole(int) __asm__("lw_ret_i8");
long long lw_ret_i16_whole(int) __asm__("lw_ret_i16");
"#;

/// `int` inputs: values with the narrow type's sign bit set, and values out of its range (`511 as i8`).
const INT_INPUTS: [i32; 18] = [
    0,
    1,
    -1,
    127,
    128,
    -128,
    -129,
    255,
    383,
    511,
    32767,
    32768,
    -32769,
    65535,
    98304,
    0x1234_5680,
    i32::MIN,
    i32::MAX,
];

/// 64-bit inputs: narrow values with every kind of garbage above them.
const WIDE_INPUTS: [i64; 5] = [
    0x1234_5678_9abc_de80,
    0x7fff_ffff_ffff_7f7f,
    -256,
    0x0000_0001_0000_0080,
    0x8000_0000_0001_8000u64 as i64,
];

/// lw_stack's and c_stack's checksum of their twelve arguments.
fn checksum(narrow: [i64; 4]) -> i64 {
    (1..=8).chain(narrow).fold(0, |sum: i64, v| sum.wrapping_mul(31).wrapping_add(v))
}

/// The narrow arguments lw_call_stack passes for `x` (and the C side passes to lw_stack).
fn stack_args(x: i64) -> [i64; 4] {
    [i64::from(x as i8), i64::from(x as i16), i64::from((x >> 8) as i8), i64::from((x >> 3) as i16)]
}

/// One call `main` makes: the C expression (`X` is the input), and what it must give by Rust's `as`.
struct Call {
    c: &'static str,
    /// Whether `X` is a `long long` (from [`WIDE_INPUTS`]) rather than an `int` (from [`INT_INPUTS`]).
    wide: bool,
    expected: fn(i64) -> i64,
    /// Only where linkwise extends to at least 32 bits on the producing side, which the AAPCS64 leaves
    /// unspecified (docs/codegen.md): x86_64 here.
    x86_64_only: bool,
}

const fn call(c: &'static str, wide: bool, expected: fn(i64) -> i64) -> Call {
    Call { c, wide, expected, x86_64_only: false }
}

const CALLS: &[Call] = &[
    // linkwise calling C: arguments, read by a clang-compiled callee.
    call("lw_pass_i8(X)", false, |x| i64::from(x as i8)),
    call("lw_pass_i16(X)", false, |x| i64::from(x as i16)),
    call("lw_call_stack(X)", false, |x| checksum(stack_args(x))),
    Call { c: "(int)lw_raw_i8(X)", wide: false, expected: |x| i64::from(x as i8), x86_64_only: true },
    Call { c: "(int)lw_raw_i16(X)", wide: false, expected: |x| i64::from(x as i16), x86_64_only: true },
    // linkwise calling C: return values, with the upper register bits as clang left them or as chosen.
    call("lw_from_c_i8(X)", false, |x| i64::from(x as i8)),
    call("lw_from_c_i16(X)", false, |x| i64::from(x as i16)),
    call("lw_from_garbage_i8(X)", true, |x| i64::from(x as i8)),
    call("lw_from_garbage_i16(X)", true, |x| i64::from(x as i16)),
    // C calling linkwise: arguments, as clang passes them and with garbage above them.
    call("lw_take_i8((signed char)(X))", false, |x| i64::from(x as i8)),
    call("lw_take_i16((short)(X))", false, |x| i64::from(x as i16)),
    call("lw_take_i8_whole(X)", true, |x| i64::from(x as i8)),
    call("lw_take_i16_whole(X)", true, |x| i64::from(x as i16)),
    call(
        "lw_stack(1, 2, 3, 4, 5, 6, 7, 8, (signed char)(X), (short)(X), (signed char)((X) >> 8), (short)((X) >> 3))",
        false,
        |x| checksum(stack_args(x)),
    ),
    call("lw_stack_whole(1, 2, 3, 4, 5, 6, 7, 8, X, X, (X) >> 8, (X) >> 3)", true, |x| {
        checksum(stack_args(x))
    }),
    // C calling linkwise: return values, read by clang as the narrow type and as the whole register.
    call("lw_ret_i8(X)", false, |x| i64::from(x as i8)),
    call("lw_ret_i16(X)", false, |x| i64::from(x as i16)),
    Call { c: "(int)lw_ret_i8_whole(X)", wide: false, expected: |x| i64::from(x as i8), x86_64_only: true },
    Call { c: "(int)lw_ret_i16_whole(X)", wide: false, expected: |x| i64::from(x as i16), x86_64_only: true },
];

/// `main` for tests/programs/abi.lw on `target`, and what it must print.
fn abi_main(target: Runnable) -> (String, String) {
    let mut c = String::from("int main(void) {\n");
    let mut expected = String::new();
    let mut line = |expr: &str, value: i64| {
        let _ = writeln!(c, "    printf(\"%s = %lld\\n\", \"{expr}\", (long long)({expr}));");
        let _ = writeln!(expected, "{expr} = {value}");
    };
    // Constants: `511 as i8` and `98304 as i16` folded into the argument register.
    line("lw_const_i8()", i64::from(511i32 as i8));
    line("lw_const_i16()", i64::from(98304i32 as i16));
    for call in CALLS.iter().filter(|c| target.is_x86_64() || !c.x86_64_only) {
        let inputs: Vec<(i64, String)> = if call.wide {
            WIDE_INPUTS.iter().map(|&x| (x, format!("(long long)0x{:x}ULL", x as u64))).collect()
        } else {
            // No negative literal in C: i32::MIN is written as an expression.
            INT_INPUTS
                .iter()
                .map(|&x| {
                    (i64::from(x), if x == i32::MIN { "(-2147483647 - 1)".to_owned() } else { x.to_string() })
                })
                .collect()
        };
        for (x, text) in inputs {
            line(&call.c.replace('X', &text), (call.expected)(x));
        }
    }
    c.push_str("    return 0;\n}\n");
    (c, expected)
}

fn narrow_integers(target: Runnable) {
    let (main, expected) = abi_main(target);
    let Some(harness) = Harness::new(target, "narrow", &format!("{ABI_C}{main}")) else { return };
    let Some(ran) = harness.run("abi", &support::source("tests/programs/abi.lw")) else { return };
    assert_printed(&ran, &expected, &format!("narrow integers at calls on {}", target.triple()));
}

#[test]
fn narrow_integers_cross_the_c_boundary_x86_64_linux() {
    narrow_integers(X86_64_LINUX);
}

#[test]
fn narrow_integers_cross_the_c_boundary_aarch64_linux() {
    narrow_integers(AARCH64_LINUX);
}

#[test]
fn narrow_integers_cross_the_c_boundary_x86_64_windows() {
    narrow_integers(X86_64_WINDOWS);
}

// ---------------------------------------------------------------------------------------------------------
// Defect 1 on the targets nothing here runs: the extension instructions, read back with llvm-objdump.

/// The instructions of function `name` in llvm-objdump's listing: (mnemonic, operands), Intel syntax on x86.
fn function_body(listing: &str, name: &str) -> Vec<(String, String)> {
    let header = format!("<{name}>:");
    let mut lines = listing.lines().skip_while(|l| !l.ends_with(&header));
    assert!(lines.next().is_some(), "no function `{name}` in\n{listing}");
    lines
        .take_while(|l| !l.trim().is_empty() && !l.ends_with(">:"))
        .filter_map(|l| {
            // `  offset:  \tmnemonic\toperands`.
            let (_, insn) = l.split_once(':')?;
            let insn = insn.trim();
            let (mnemonic, operands) = insn.split_once(char::is_whitespace).unwrap_or((insn, ""));
            Some((mnemonic.to_owned(), operands.trim().to_owned()))
        })
        .collect()
}

/// The mnemonic of the last instruction before the first `stop` instruction whose destination (first
/// operand) is one of `registers`: what defines the register the call or return hands over.
fn last_writer(body: &[(String, String)], stop: &[&str], registers: &[&str]) -> Option<String> {
    let end = body.iter().position(|(m, _)| stop.contains(&m.as_str()))?;
    body[..end]
        .iter()
        .rev()
        .find(|(m, ops)| {
            let dest = ops.split(',').next().unwrap_or("").trim();
            registers.contains(&dest) && !m.starts_with("st")
        })
        .map(|(m, _)| m.clone())
}

/// (offset from sp, width in bytes) of each store to or load from `[sp, #N]` by `body`'s byte and halfword
/// instructions before `stop`: where the narrow stack arguments are.
fn narrow_stack_accesses(body: &[(String, String)], stop: Option<&str>) -> Vec<(i64, u8)> {
    let end = stop.and_then(|s| body.iter().position(|(m, _)| m == s)).unwrap_or(body.len());
    let mut accesses: Vec<(i64, u8)> = body[..end]
        .iter()
        .filter_map(|(m, ops)| {
            let width = match m.as_str() {
                "strb" | "sturb" | "ldrb" | "ldurb" | "ldrsb" | "ldursb" => 1,
                "strh" | "sturh" | "ldrh" | "ldurh" | "ldrsh" | "ldursh" => 2,
                _ => return None,
            };
            let address = ops.split_once('[')?.1.split_once(']')?.0;
            let mut parts = address.split(',').map(str::trim);
            if parts.next()? != "sp" {
                return None;
            }
            let offset = match parts.next() {
                None => 0,
                Some(imm) => {
                    let imm = imm.trim_start_matches('#');
                    match imm.strip_prefix("0x") {
                        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
                        None => imm.parse().ok()?,
                    }
                }
            };
            Some((offset, width))
        })
        .collect();
    accesses.sort();
    accesses
}

/// Disassembles `object` with llvm-objdump (Intel syntax on x86).
fn disassemble(objdump: &Path, object: &Path, x86: bool) -> String {
    let mut cmd = Command::new(objdump);
    cmd.args(["-d", "--no-show-raw-insn"]);
    if x86 {
        cmd.arg("-M").arg("intel");
    }
    support::run(cmd.arg(object), Duration::from_secs(60)).assert_ok().stdout
}

/// Compiles tests/programs/abi.lw, and abi's C callees with clang, for `triple`; returns both listings.
fn abi_listings(triple: &str) -> Option<(String, String)> {
    let dir = TempDir::new(&format!("abi-disasm-{triple}"));
    let abi = support::source("tests/programs/abi.lw");
    let (ours, _) = support::compile_to(&dir, "abi.o", &abi, &support::options(triple, &[]));
    let (objdump, clang) = (support::tool("llvm-objdump")?, support::tool("clang")?);
    let source = dir.join("abi_c.c");
    std::fs::write(&source, ABI_C.split("int lw_pass_i8").next().unwrap()).unwrap();
    let theirs = dir.join("abi_c.o");
    let mut cmd = Command::new(clang);
    cmd.arg(format!("--target={triple}")).args(["-O2", "-c"]).arg(&source).arg("-o").arg(&theirs);
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    let x86 = triple.starts_with("x86_64");
    Some((disassemble(&objdump, &ours, x86), disassemble(&objdump, &theirs, x86)))
}

/// Apple arm64 (Apple's "Writing ARM64 code for Apple platforms"): the caller extends narrow arguments to 32
/// bits and the callee extends narrow return values to 32 bits, and clang relies on both (its `c_take_i16` is a
/// bare `ret`). Narrow stack arguments are packed at their natural alignment, not widened to 8-byte slots.
#[test]
fn apple_arm64_caller_extends_arguments_and_callee_extends_returns() {
    let Some((ours, theirs)) = abi_listings("aarch64-apple-darwin") else { return };
    let w0 = ["w0", "x0"];
    let body = |name: &str| function_body(&ours, name);
    assert_eq!(last_writer(&body("_lw_pass_i8"), &["bl", "blr"], &w0).as_deref(), Some("sxtb"), "{ours}");
    assert_eq!(last_writer(&body("_lw_pass_i16"), &["bl", "blr"], &w0).as_deref(), Some("sxth"), "{ours}");
    assert_eq!(last_writer(&body("_lw_ret_i8"), &["ret"], &w0).as_deref(), Some("sxtb"), "{ours}");
    assert_eq!(last_writer(&body("_lw_ret_i16"), &["ret"], &w0).as_deref(), Some("sxth"), "{ours}");
    // The stack arguments lw_call_stack stores are where clang's c_stack reads them, each at its own width.
    let stored = narrow_stack_accesses(&body("_lw_call_stack"), Some("bl"));
    let read = narrow_stack_accesses(&function_body(&theirs, "_c_stack"), None);
    assert_eq!(stored, [(0, 1), (2, 2), (4, 1), (6, 2)], "{ours}");
    assert_eq!(stored, read, "clang's c_stack:\n{theirs}");
    // The premise: clang's callee does not extend what its caller must (c_take_i16: llvm-objdump names the
    // object's first function by a temporary label).
    assert_eq!(function_body(&theirs, "_c_take_i16"), [("ret".to_owned(), String::new())], "{theirs}");
}

/// x86_64 macOS: the caller extends narrow arguments to 32 bits (as on Linux) and, in Apple's variant, the
/// callee extends narrow return values to 32 bits (clang's c_ret_i8 ends in `movsx eax, al`).
#[test]
fn x86_64_macos_caller_extends_arguments_and_callee_extends_returns() {
    let Some((ours, theirs)) = abi_listings("x86_64-apple-darwin") else { return };
    let body = |name: &str| function_body(&ours, name);
    let (edi, eax) = (["edi", "rdi"], ["eax", "rax"]);
    assert_eq!(last_writer(&body("_lw_pass_i8"), &["call"], &edi).as_deref(), Some("movsx"), "{ours}");
    assert_eq!(last_writer(&body("_lw_pass_i16"), &["call"], &edi).as_deref(), Some("movsx"), "{ours}");
    assert_eq!(last_writer(&body("_lw_ret_i8"), &["ret"], &eax).as_deref(), Some("movsx"), "{ours}");
    assert_eq!(last_writer(&body("_lw_ret_i16"), &["ret"], &eax).as_deref(), Some("movsx"), "{ours}");
    let c_ret = function_body(&theirs, "_c_ret_i8");
    assert_eq!(last_writer(&c_ret, &["ret"], &eax).as_deref(), Some("movsx"), "{theirs}");
}

/// Windows arm64 follows the AAPCS64: the upper bits of a narrow argument or return value are unspecified, so
/// the side that reads it extends it, as clang's callee does (`sxtb w0, w0`) and linkwise must too.
#[test]
fn windows_arm64_reader_extends_narrow_values() {
    let Some((ours, theirs)) = abi_listings("aarch64-pc-windows-msvc") else { return };
    let body = |name: &str| function_body(&ours, name);
    let x0 = ["w0", "x0"];
    assert_eq!(last_writer(&body("lw_take_i8"), &["ret"], &x0).as_deref(), Some("sxtb"), "{ours}");
    assert_eq!(last_writer(&body("lw_take_i16"), &["ret"], &x0).as_deref(), Some("sxth"), "{ours}");
    assert_eq!(last_writer(&body("lw_from_c_i8"), &["ret"], &x0).as_deref(), Some("sxtb"), "{ours}");
    assert_eq!(last_writer(&body("lw_from_c_i16"), &["ret"], &x0).as_deref(), Some("sxth"), "{ours}");
    let c_take = function_body(&theirs, "c_take_i8");
    assert_eq!(last_writer(&c_take, &["ret"], &x0).as_deref(), Some("sxtb"), "{theirs}");
}

// ---------------------------------------------------------------------------------------------------------
// Defect 4: `as` from floats to integers (tests/programs/float_casts.lw).

/// Inputs out of every range, at the edges, NaN and the infinities.
const FLOAT_INPUTS: [f64; 26] = [
    1e10,
    -1e10,
    f64::NAN,
    127.9,
    -128.9,
    300.5,
    -0.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    128.0,
    -129.0,
    255.0,
    32767.5,
    -32768.9,
    32768.0,
    65535.0,
    2147483647.0,
    2147483648.0,
    -2147483649.0,
    9.3e18,
    -9.3e18,
    1e300,
    1e-300,
    -f64::MIN_POSITIVE,
];

/// A C literal for `x` as a `double`, or for `x as f32` as a `float`.
fn c_literal(x: f64, f32: bool) -> String {
    let (value, suffix) = if f32 { (f64::from(x as f32), "f") } else { (x, "") };
    if value.is_nan() {
        format!("__builtin_nan{suffix}(\"\")")
    } else if value.is_infinite() {
        format!("{}__builtin_inf{suffix}()", if value < 0.0 { "-" } else { "" })
    } else if f32 {
        // Rust's shortest form reads back in C as the same f32, as it does in Rust.
        format!("{:e}f", x as f32)
    } else {
        format!("{x:e}")
    }
}

/// A function of tests/programs/float_casts.lw: its name, whether it takes an f32, and Rust's `as` for it.
type Cast = (&'static str, bool, fn(f64) -> i64);

fn float_casts(target: Runnable) {
    let casts: [Cast; 8] = [
        ("f64_i8", false, |x| i64::from(x as i8)),
        ("f64_i16", false, |x| i64::from(x as i16)),
        ("f64_i32", false, |x| i64::from(x as i32)),
        ("f64_i64", false, |x| x as i64),
        ("f32_i8", true, |x| i64::from(x as f32 as i8)),
        ("f32_i16", true, |x| i64::from(x as f32 as i16)),
        ("f32_i32", true, |x| i64::from(x as f32 as i32)),
        ("f32_i64", true, |x| x as f32 as i64),
    ];
    let mut c = String::new();
    for (name, f32, _) in casts {
        let _ = writeln!(c, "long long {name}({});", if f32 { "float" } else { "double" });
    }
    c.push_str("int main(void) {\n");
    let mut expected = String::new();
    for x in FLOAT_INPUTS {
        for (name, f32, rust) in casts {
            let label = if f32 { format!("{:?}", x as f32) } else { format!("{x:?}") };
            let _ = writeln!(c, "    printf(\"{name}({label}) = %lld\\n\", {name}({}));", c_literal(x, f32));
            let _ = writeln!(expected, "{name}({label}) = {}", rust(x));
        }
    }
    c.push_str("    return 0;\n}\n");
    let Some(harness) = Harness::new(target, "float", &c) else { return };
    let Some(ran) = harness.run("float_casts", &support::source("tests/programs/float_casts.lw")) else {
        return;
    };
    assert_printed(&ran, &expected, &format!("float to integer `as` on {}", target.triple()));
}

#[test]
fn float_to_integer_casts_saturate_as_rust_x86_64_linux() {
    float_casts(X86_64_LINUX);
}

#[test]
fn float_to_integer_casts_saturate_as_rust_aarch64_linux() {
    float_casts(AARCH64_LINUX);
}

#[test]
fn float_to_integer_casts_saturate_as_rust_x86_64_windows() {
    float_casts(X86_64_WINDOWS);
}

// ---------------------------------------------------------------------------------------------------------
// Defect 10: `/` and `%` at run time.

/// The C half of the division programs: catches the trap a division ends in and prints it, so the test sees
/// which trap it was (a signal on Linux, an exception code on Windows), then runs `lw_case(0..lw_case_count())`.
const DIVISION_C: &str = r#"
int lw_case_count(void);
long long lw_case(int);
#ifdef _WIN32
typedef struct { unsigned long code; } exception_record;
typedef struct { exception_record *record; void *context; } exception_pointers;
__declspec(dllimport) void *AddVectoredExceptionHandler(unsigned long, long (*)(exception_pointers *));
static long on_trap(exception_pointers *e) {
    printf("trap: exception 0x%08lx\n", e->record->code);
    exit(3);
    return 0;
}
static void catch_traps(void) { AddVectoredExceptionHandler(1, on_trap); }
#else
typedef void (*handler)(int);
handler signal(int, handler);
long write(int, const void *, unsigned long);
void _exit(int);
static void on_trap(int sig) {
    char message[] = "trap: signal 00\n";
    message[13] = '0' + sig / 10;
    message[14] = '0' + sig % 10;
    write(1, message, sizeof message - 1);
    _exit(3);
}
/* SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV: the same numbers on x86_64 and aarch64 Linux. */
static void catch_traps(void) {
    static const int signals[] = {4, 5, 7, 8, 11};
    for (int i = 0; i < 5; i++) signal(signals[i], on_trap);
}
#endif
int main(void) {
    catch_traps();
    for (int i = 0; i < lw_case_count(); i++) {
        printf("case %d: %lld\n", i, lw_case(i));
        fflush(0);
    }
    return 0;
}
"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DivOp {
    Div,
    Rem,
}

/// One division: `a OP b` in type `ty`, the operands read from `static mut`s so nothing is folded.
#[derive(Clone, Copy, Debug)]
struct Division {
    ty: &'static str,
    op: DivOp,
    a: i64,
    b: i64,
}

impl Division {
    /// What the IR defines (docs/ir.md): `None` for a trap. Both trap on a zero divisor; `/` traps on MIN / -1,
    /// which overflows; `%` gives 0 there (the remainder, as wrapping_rem has it).
    fn expected(self) -> Option<i64> {
        macro_rules! by_type {
            ($t:ty) => {{
                let (a, b) = (self.a as $t, self.b as $t);
                match self.op {
                    DivOp::Div => a.checked_div(b).map(i64::from),
                    DivOp::Rem => (b != 0).then(|| i64::from(a.wrapping_rem(b))),
                }
            }};
        }
        match self.ty {
            "i8" => by_type!(i8),
            "i16" => by_type!(i16),
            "i32" => by_type!(i32),
            _ => by_type!(i64),
        }
    }
}

/// A module whose `lw_case(i)` performs `cases[i]`.
fn division_module(cases: &[Division]) -> String {
    let mut text = format!("pub fn lw_case_count() -> i32 {{ return {}; }}\n", cases.len());
    for (i, d) in cases.iter().enumerate() {
        let _ = writeln!(text, "static mut A{i}: {} = {};\nstatic mut B{i}: {} = {};", d.ty, d.a, d.ty, d.b);
    }
    text.push_str("pub fn lw_case(i: i32) -> i64 {\n");
    for (i, d) in cases.iter().enumerate() {
        let op = if d.op == DivOp::Div { "/" } else { "%" };
        let _ = writeln!(text, "    if i == {i} {{ return (A{i} {op} B{i}) as i64; }}");
    }
    text.push_str("    return 0;\n}\n");
    text
}

/// What a trap prints on `target`: the program sees an illegal instruction everywhere (Cranelift's trap
/// instruction, `ud2` or `udf`), whichever division fault it stands for.
fn trap_message(target: Runnable) -> &'static str {
    match target {
        Runnable::Linux(_) => "trap: signal 04",           // SIGILL
        Runnable::Windows => "trap: exception 0xc000001d", // STATUS_ILLEGAL_INSTRUCTION
    }
}

fn division(target: Runnable) {
    let Some(harness) = Harness::new(target, "division", DIVISION_C) else { return };
    let min = |ty: &str| match ty {
        "i8" => i64::from(i8::MIN),
        "i16" => i64::from(i16::MIN),
        "i32" => i64::from(i32::MIN),
        _ => i64::MIN,
    };
    let mut finishing = Vec::new();
    let mut trapping = Vec::new();
    for ty in ["i8", "i16", "i32", "i64"] {
        for op in [DivOp::Div, DivOp::Rem] {
            for (a, b) in [(7, 0), (min(ty), -1), (7, -2), (-7, 2), (min(ty), 1), (-1, min(ty))] {
                let d = Division { ty, op, a, b };
                if d.expected().is_some() { finishing.push(d) } else { trapping.push(d) }
            }
        }
    }
    // The divisions that finish run in one program; each trapping one in its own.
    let Some(ran) = harness.run("finishing", &SourceFile::new("finishing.lw", division_module(&finishing)))
    else {
        return;
    };
    let mut expected = String::new();
    for (i, d) in finishing.iter().enumerate() {
        let _ = writeln!(expected, "case {i}: {}", d.expected().unwrap());
    }
    assert_printed(&ran, &expected, &format!("divisions that finish on {}: {finishing:?}", target.triple()));
    let mut wrong = Vec::new();
    for (i, d) in trapping.iter().enumerate() {
        let Some(ran) =
            harness.run(&format!("trapping{i}"), &SourceFile::new("trapping.lw", division_module(&[*d])))
        else {
            return;
        };
        let printed = ran.stdout.replace("\r\n", "\n");
        if (printed.trim_end(), ran.status) != (trap_message(target), Some(3)) {
            wrong.push(format!("{d:?}: status {:?}, printed {:?}", ran.status, printed.trim_end()));
        }
    }
    assert!(
        wrong.is_empty(),
        "on {}, expected each of these to print {:?}:\n{}",
        target.triple(),
        trap_message(target),
        wrong.join("\n")
    );
}

#[test]
fn division_traps_the_same_way_x86_64_linux() {
    division(X86_64_LINUX);
}

#[test]
fn division_traps_the_same_way_aarch64_linux() {
    division(AARCH64_LINUX);
}

#[test]
fn division_traps_the_same_way_x86_64_windows() {
    division(X86_64_WINDOWS);
}
