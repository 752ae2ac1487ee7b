//! Debug information (`-g`, `Options::debug_info`, issue 13 item 3): the line tables linkwise writes, read
//! back by LLVM's tools. ELF: `llvm-dwarfdump` verifies the DWARF, and `llvm-symbolizer` maps the address of
//! each call instruction, in the object and in the program ld.lld links from it, to the line and column of the
//! call in the source. Mach-O: the same in the object, and ld64.lld's debug map. COFF: `llvm-readobj
//! --codeview` lists the lines, lld-link `/debug` makes a PDB, and `llvm-symbolizer` maps the linked program's
//! calls through it. And `-g` changes no code, is deterministic, and without it the object has no debug
//! section (docs/codegen.md "Debug information").

mod support;

use linkwise::SourceFile;
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::{ElfTarget, TempDir};

/// Several functions on known lines, each calling the next: `main` exits 42 (|0 - 5| * 3 + 1 = 16).
const ELF_MODULE: &str = "\
extern {
    fn abs(i32) -> i32;
}

fn scale(x: i32) -> i32 {
    let y: i32 = x * 3;
    return abs(y);
}

fn offset(x: i32) -> i32 {
    return x + 1;
}

pub fn main() -> i32 {
    let a: i32 = scale(0 - 5);
    let b: i32 =
        offset(a);
    return b - 16 + 42;
}
";

/// A Windows program without a C runtime: a slot call (`GetTickCount`, which x86_64's slot-call rewrite
/// shortens, moving every later line), a direct call, and the exit.
const COFF_MODULE: &str = "\
#[link(name = \"kernel32\")]
extern {
    fn ExitProcess(i32);
    fn GetTickCount() -> i32;
}

fn twice(x: i32) -> i32 {
    return x * 2;
}

pub fn mainCRTStartup() {
    let t: i32 = GetTickCount();
    let v: i32 = twice(t);
    ExitProcess(v - v + 7);
}
";

const TIMEOUT: Duration = Duration::from_secs(60);

/// The 1-based line and column of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the module"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (text[..at].matches('\n').count() + 1, at - line_start + 1)
}

fn compile(name: &str, text: &str, triple: &str, debug_info: bool) -> Vec<u8> {
    let options = support::options(triple, &[]).debug_info(debug_info);
    support::compile_source(&SourceFile::new(name, text), &options)
}

/// The offset in `.text` of the call instruction whose relocation names `callee`: the relocated field is the
/// last 4 bytes of x86_64's `call rel32` / `call [rip+slot]` (opcode 1 or 2 bytes before), the whole `bl` on
/// aarch64.
fn call_offset(object: &[u8], callee: &str, x86_64: bool) -> u64 {
    let r = support::relocations(object, ".text")
        .into_iter()
        .find(|r| r.symbol == callee || r.symbol == format!("__imp_{callee}"))
        .unwrap_or_else(|| panic!("no call to {callee}"));
    match (x86_64, r.symbol.starts_with("__imp_")) {
        (false, _) => r.offset,
        (true, false) => r.offset - 1,
        (true, true) => r.offset - 2,
    }
}

/// What `llvm-symbolizer` says about `address` in `file` (its first frame's `FILE:LINE:COLUMN` line).
fn symbolize(file: &Path, address: u64) -> String {
    let symbolizer = support::tool("llvm-symbolizer").expect("llvm-symbolizer");
    let ran = support::run(
        Command::new(symbolizer).arg(format!("--obj={}", file.display())).arg(format!("{address:#x}")),
        TIMEOUT,
    )
    .assert_ok();
    ran.stdout.lines().nth(1).unwrap_or_default().to_owned()
}

/// ELF x86_64 and aarch64: the DWARF verifies, and every call maps to its line and column, in the object and
/// in the linked program (which runs and exits 42).
#[test]
fn elf_calls_map_to_their_source_lines() {
    let Some(dwarfdump) = support::tool("llvm-dwarfdump") else { return };
    let Some(ld_lld) = support::tool("ld.lld") else { return };
    for (triple, target) in
        [("x86_64-unknown-linux-gnu", ElfTarget::X86_64), ("aarch64-unknown-linux-gnu", ElfTarget::Aarch64)]
    {
        let dir = TempDir::new("debuginfo-elf");
        let object = compile("calls.lw", ELF_MODULE, triple, true);
        let obj_path = dir.join("calls.o");
        std::fs::write(&obj_path, &object).unwrap();
        let verify = support::run(Command::new(&dwarfdump).arg("--verify").arg(&obj_path), TIMEOUT);
        assert!(verify.ok() && verify.stdout.contains("No errors."), "{triple}:\n{verify}");
        let lines =
            support::run(Command::new(&dwarfdump).arg("--debug-line").arg(&obj_path), TIMEOUT).assert_ok();
        assert!(lines.stdout.contains("name: \"calls.lw\""), "{triple}:\n{}", lines.stdout);

        let exe = dir.join("calls");
        support::ld_lld_pie(&ld_lld, target, &[&obj_path], &exe).assert_ok();
        let linked = std::fs::read(&exe).unwrap();
        let linked = object::File::parse(&*linked).unwrap();
        let main_in = |file: &object::File| {
            file.symbols().find(|s| s.name() == Ok("main")).map(|s| s.address()).expect("main")
        };
        let parsed = object::File::parse(&*object).unwrap();
        // Where the object's `.text` starts in the program: `main`'s address there less its offset here.
        let text_base = main_in(&linked) - main_in(&parsed);
        let x86_64 = target == ElfTarget::X86_64;
        for (callee, call) in [("abs", "abs(y)"), ("scale", "scale(0 - 5)"), ("offset", "offset(a)")] {
            let (line, column) = position(ELF_MODULE, call);
            let expected = format!("calls.lw:{line}:{column}");
            let at = call_offset(&object, callee, x86_64);
            assert_eq!(symbolize(&obj_path, at), expected, "{triple}: object, call to {callee} at {at:#x}");
            let at = text_base + at;
            assert_eq!(symbolize(&exe, at), expected, "{triple}: program, call to {callee} at {at:#x}");
        }
        let Some(ran) = support::run_elf(target, &exe) else { return };
        assert_eq!(ran.status, Some(42), "{triple}:\n{ran}");
    }
}

/// COFF x86_64: `llvm-readobj --codeview` lists each function's lines, lld-link `/debug` writes a PDB whose
/// line table `llvm-pdbutil` reads, and `llvm-symbolizer` maps each call of the program to its line through
/// it; arm64 (which nothing here links): the object's lines.
#[test]
fn coff_calls_map_to_their_source_lines_through_the_pdb() {
    let Some(readobj) = support::tool("llvm-readobj") else { return };
    let Some(lld_link) = support::tool("lld-link") else { return };
    let Some(dlltool) = support::tool("llvm-dlltool") else { return };
    let Some(pdbutil) = support::tool("llvm-pdbutil") else { return };
    let lines_of = |needles: &[&str]| needles.iter().map(|n| position(COFF_MODULE, n).0).collect::<Vec<_>>();
    for triple in ["x86_64-pc-windows-msvc", "aarch64-pc-windows-msvc"] {
        let dir = TempDir::new("debuginfo-coff");
        let object = compile("win.lw", COFF_MODULE, triple, true);
        let obj_path = dir.join("win.obj");
        std::fs::write(&obj_path, &object).unwrap();
        let cv = support::run(Command::new(&readobj).arg("--codeview").arg(&obj_path), TIMEOUT).assert_ok();
        let listed: Vec<usize> = cv
            .stdout
            .lines()
            .filter_map(|l| l.trim().strip_prefix("LineNumberStart: "))
            .map(|n| n.parse().unwrap())
            .collect();
        // Each function: its own line for the prologue, then one per statement.
        let expected =
            lines_of(&["fn twice", "return x", "fn main", "= GetTickCount()", "twice(t)", "ExitProcess(v"]);
        assert_eq!(listed, expected, "{triple}:\n{}", cv.stdout);
        assert!(cv.stdout.contains("Filename: win.lw"), "{triple}:\n{}", cv.stdout);
        if triple.starts_with("aarch64") {
            continue;
        }

        let kernel32 =
            support::import_library(&dlltool, dir.path(), "kernel32.dll", &["ExitProcess", "GetTickCount"]);
        let exe = dir.join("win.exe");
        let pdb = dir.join("win.pdb");
        let mut link = Command::new(&lld_link);
        link.args(["/nologo", "/debug", "/entry:mainCRTStartup", "/subsystem:console", "/nodefaultlib"]);
        link.arg(&obj_path).arg(&kernel32).arg(format!("/out:{}", exe.display()));
        link.arg(format!("/pdb:{}", pdb.display()));
        support::run(&mut link, TIMEOUT).assert_ok();
        let dump = support::run(Command::new(&pdbutil).args(["dump", "-l"]).arg(&pdb), TIMEOUT).assert_ok();
        assert!(dump.stdout.contains("win.lw (no checksum)"), "{}", dump.stdout);

        let image = std::fs::read(&exe).unwrap();
        let pe = object::File::parse(&*image).unwrap();
        let text = pe.section_by_name(".text").expect(".text");
        for (callee, call) in
            [("GetTickCount", "= GetTickCount()"), ("twice", "twice(t)"), ("ExitProcess", "ExitProcess(v")]
        {
            let at = call_offset(&object, callee, true);
            // The object's `.text` is the program's first: a call there is a call here.
            let opcode = text.data().unwrap()[at as usize];
            assert!(matches!(opcode, 0xe8 | 0xff), "{callee}: {opcode:#x} at {at:#x} is no call");
            let (line, _) = position(COFF_MODULE, call);
            let got = symbolize(&exe, text.address() + at);
            assert!(got.ends_with(&format!("win.lw:{line}:0")), "call to {callee}: {got}");
        }
    }
}

/// Mach-O x86_64 and arm64: the DWARF (in `__DWARF`, sibling offsets unrelocated as Apple's tools expect)
/// verifies, each call in the object maps to its line and column, and ld64.lld, which leaves DWARF in the
/// objects, links the program with a debug map naming the object (`N_OSO`), as it does only for objects with
/// debug information.
#[test]
fn macho_calls_map_to_their_source_lines() {
    let Some(dwarfdump) = support::tool("llvm-dwarfdump") else { return };
    let Some(ld64) = support::tool("ld64.lld") else { return };
    let Some(nm) = support::tool("llvm-nm") else { return };
    for (triple, arch) in [("x86_64-apple-darwin", "x86_64"), ("aarch64-apple-darwin", "arm64")] {
        let dir = TempDir::new("debuginfo-macho");
        let object = compile("calls.lw", ELF_MODULE, triple, true);
        let obj_path = dir.join("calls.o");
        std::fs::write(&obj_path, &object).unwrap();
        let verify = support::run(Command::new(&dwarfdump).arg("--verify").arg(&obj_path), TIMEOUT);
        assert!(verify.ok() && verify.stdout.contains("No errors."), "{triple}:\n{verify}");
        for (callee, call) in [("_abs", "abs(y)"), ("_scale", "scale(0 - 5)"), ("_offset", "offset(a)")] {
            let (line, column) = position(ELF_MODULE, call);
            let at = call_offset(&object, callee, arch == "x86_64");
            assert_eq!(symbolize(&obj_path, at), format!("calls.lw:{line}:{column}"), "{triple}: {callee}");
        }
        let sdk = support::macos_sdk(dir.path(), &["_abs"]);
        let exe = dir.join("calls");
        let mut link = Command::new(&ld64);
        link.args(["-arch", arch, "-platform_version", "macos", "11.0", "11.0", "-syslibroot"]).arg(&sdk);
        link.args(["-lSystem", "-o"]).arg(&exe).arg(&obj_path);
        support::run(&mut link, TIMEOUT).assert_ok();
        let stabs = support::run(Command::new(&nm).arg("-pa").arg(&exe), TIMEOUT).assert_ok();
        let oso = format!("OSO {}", obj_path.display());
        assert!(stabs.stdout.lines().any(|l| l.ends_with(&oso)), "{triple}:\n{}", stabs.stdout);
    }
}

/// `-g` changes no instruction (lowering only sets source locations; the slot-call rewrite moves them with the
/// code), adds only debug sections, and gives the same bytes on every compile and thread count. Without it the
/// object has no debug section.
#[test]
fn debug_info_changes_only_the_debug_sections_and_is_deterministic() {
    let modules = [("calls.lw", ELF_MODULE), ("win.lw", COFF_MODULE)];
    let is_debug =
        |n: &str| n.starts_with(".debug") || n.starts_with("__debug") || n.starts_with(".rela.debug");
    for triple in linkwise::linkage::target::SUPPORTED {
        for (name, text) in modules {
            let plain = compile(name, text, triple, false);
            let debug = compile(name, text, triple, true);
            let jobs = std::num::NonZeroUsize::new(4);
            let options = support::options(triple, &[]).debug_info(true).jobs(jobs);
            let threaded = support::compile_source(&SourceFile::new(name, text), &options);
            assert_eq!(debug, threaded, "{triple} {name}: -g -j4");
            assert_eq!(debug, compile(name, text, triple, true), "{triple} {name}: -g twice");
            let (p, d) = (object::File::parse(&*plain).unwrap(), object::File::parse(&*debug).unwrap());
            let names =
                |f: &object::File| f.sections().map(|s| s.name().unwrap().to_owned()).collect::<Vec<_>>();
            assert!(!names(&p).iter().any(|n| is_debug(n)), "{triple} {name}: {:?}", names(&p));
            let code = |f: &object::File| {
                let text = f.section_by_name(".text").or_else(|| f.section_by_name("__text")).expect("text");
                text.data().unwrap().to_vec()
            };
            assert_eq!(code(&p), code(&d), "{triple} {name}: -g changed the code");
            let added: Vec<String> = names(&d).into_iter().filter(|n| !names(&p).contains(n)).collect();
            assert!(!added.is_empty() && added.iter().all(|n| is_debug(n)), "{triple} {name}: {added:?}");
        }
    }
}

/// The command line: `-g` writes the line table, and without it there is none.
#[test]
fn dash_g_on_the_command_line() {
    let dir = TempDir::new("debuginfo-cli");
    let input = dir.join("calls.lw");
    std::fs::write(&input, ELF_MODULE).unwrap();
    let input = input.display().to_string();
    let out = dir.join("calls.o").display().to_string();
    for (triple, section) in [
        ("x86_64-unknown-linux-gnu", ".debug_line"),
        ("x86_64-pc-windows-msvc", ".debug$S"),
        ("aarch64-apple-darwin", "__debug_line"),
    ] {
        for debug in [true, false] {
            let mut args = vec!["build", &input, "--target", triple, "-o", &out];
            if debug {
                args.push("-g");
            }
            let (status, _, stderr) = support::linkwise(&args);
            assert_eq!((status, stderr.as_str()), (0, ""), "{triple} -g {debug}");
            let bytes = std::fs::read(&out).unwrap();
            let file = object::File::parse(&*bytes).unwrap();
            assert_eq!(file.section_by_name(section).is_some(), debug, "{triple} -g {debug}");
        }
    }
}
