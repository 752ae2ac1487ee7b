//! Unwind information checked by the systems' own unwinders. tests/programs/unwind.lw has `outer` call
//! `snapshot` and then `inner`, which calls `probe` with every callee-saved register in use; the C half
//! (tests/programs/unwind_probe_*.c, built here by clang) unwinds from `probe` through linkwise's frames and
//! exits with 0 only if the registers recovered for `outer` are the ones `snapshot` recorded there. Windows x64
//! uses `.pdata`/`.xdata` and `RtlVirtualUnwind` under wine; Linux uses `.eh_frame` and libgcc's
//! `_Unwind_Backtrace`, natively and under qemu-aarch64. A frame that the target's encoding cannot describe gets
//! no record and a warning that the user sees (the last tests).

mod support;

use linkwise::Options;
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{ElfTarget, TempDir};

const PROGRAM: &str = "tests/programs/unwind.lw";

/// Compiles the IR half for `triple` into `dir`; returns the object's path and bytes.
fn build(dir: &TempDir, triple: &str, name: &str) -> (PathBuf, Vec<u8>) {
    let mut options = support::options(triple, &[]);
    // unwind.lw's `unwind_probe` library is the C probe, linked as an object: no `.deplibs` entry for it.
    options.no_autolink = true;
    support::compile_to(dir, name, &support::source(PROGRAM), &options)
}

/// Compiles the C half `source` (under tests/programs) for `triple` with clang: optimized, no C library
/// headers, and with asynchronous unwind tables, which -ffreestanding would otherwise leave out.
fn clang(clang: &Path, triple: &str, source: &str, out: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs").join(source);
    let mut cmd = Command::new(clang);
    cmd.arg(format!("--target={triple}"))
        .args(["-O2", "-ffreestanding", "-fno-builtin", "-fasynchronous-unwind-tables", "-c"])
        .arg(&source)
        .arg("-o")
        .arg(out);
    if triple.contains("linux") {
        cmd.arg("-fPIE");
    }
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
}

/// Names what the probe's exit status says went wrong (see the comment at the top of each C file).
fn diagnosis(status: i32, names: &[&str]) -> String {
    usize::try_from(status)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| names.get(i))
        .map_or_else(|| format!("exit status {status}"), |n| format!("{n} (exit status {status})"))
}

/// What `probe` in unwind_probe_windows.c returns for each register it found wrong.
const WINDOWS_MISMATCH: [&str; 21] = [
    "RIP (not in `outer`)",
    "RSP",
    "RBP",
    "RBX",
    "RSI",
    "RDI",
    "R12",
    "R13",
    "R14",
    "R15",
    "XMM6",
    "XMM7",
    "XMM8",
    "XMM9",
    "XMM10",
    "XMM11",
    "XMM12",
    "XMM13",
    "XMM14",
    "XMM15",
    "(no unwind information found)",
];

#[test]
fn windows_x64_rtlvirtualunwind_restores_every_saved_register() {
    let dir = TempDir::new("unwind-windows");
    let (obj, bytes) = build(&dir, "x86_64-pc-windows-msvc", "unwind.obj");
    // Structure first: `inner`'s record uses RBP as frame register, based at the bottom of its save area of
    // 7 GPRs (56 bytes, padded to 64) and 4 XMMs (64): FrameOffset 128 / 16.
    let file = object::File::parse(&*bytes).unwrap();
    let xdata = file.section_by_name(".xdata").expect(".xdata").data().unwrap().to_vec();
    assert_eq!((xdata[3] & 0xf, xdata[3] >> 4), (5, 8), "frame register RBP, FrameOffset 8");

    let tools = (
        support::tool("clang"),
        support::tool("llvm-dlltool"),
        support::tool("lld-link"),
        support::tool("wine"),
    );
    let (Some(clang_path), Some(dlltool), Some(lld_link), Some(wine)) = tools else { return };
    let probe = dir.join("unwind_probe.obj");
    clang(&clang_path, "x86_64-pc-windows-msvc", "unwind_probe_windows.c", &probe);
    let ntdll = support::import_library(
        &dlltool,
        dir.path(),
        "ntdll.dll",
        &["RtlCaptureContext", "RtlLookupFunctionEntry", "RtlVirtualUnwind"],
    );
    let kernel32 = support::import_library(&dlltool, dir.path(), "kernel32.dll", &["ExitProcess"]);
    let exe = dir.join("unwind.exe");
    support::lld_link(&lld_link, &[&obj, &probe, &ntdll, &kernel32], &exe).assert_ok();
    let ran = support::wine(&wine, &exe);
    let status = ran.status.expect("the program exits");
    assert_eq!(
        status,
        0,
        "RtlVirtualUnwind through `inner` recovered a wrong {}:\n{ran}",
        diagnosis(status, &WINDOWS_MISMATCH)
    );
}

/// The offset of each defined function in `.text`, in address order.
fn function_offsets(bytes: &[u8]) -> Vec<(String, u64)> {
    let file = object::File::parse(bytes).unwrap();
    let mut functions: Vec<(String, u64)> = file
        .symbols()
        .filter(|s| s.kind() == object::SymbolKind::Text && s.is_definition())
        .map(|s| (s.name().unwrap().to_owned(), s.address()))
        .collect();
    functions.sort_by_key(|f| f.1);
    functions
}

/// What `probe` in unwind_probe_elf.c returns, for diagnostics; registers are named per architecture.
fn elf_mismatch(target: ElfTarget) -> Vec<&'static str> {
    let mut names =
        vec!["walk (fewer than four frames)", "`inner`'s FDE", "`outer`'s FDE", "`main`'s FDE", "CFA"];
    names.extend(match target {
        ElfTarget::X86_64 => &["RBX", "RBP", "R12", "R13", "R14", "R15"][..],
        ElfTarget::Aarch64 => {
            &["X19", "X20", "X21", "X22", "X23", "X24", "X25", "X26", "X27", "X28", "X29"][..]
        }
    });
    names
}

fn elf(target: ElfTarget, triple: &str, pc32: object::elf::RelocationType, gcc_s: &str) {
    let dir = TempDir::new(&format!("unwind-{triple}"));
    let (obj, bytes) = build(&dir, triple, "unwind.o");
    // One FDE per function, each pointing at its function through a 32-bit PC-relative relocation against
    // `.text` (so `inner`, at offset 0, and `outer` after it), after a CIE that asks for that encoding.
    let fde_targets: Vec<(u32, String, i64)> = support::relocations(&bytes, ".eh_frame")
        .into_iter()
        .map(|r| (r.r_type, r.symbol, r.addend))
        .collect();
    let expected: Vec<(u32, String, i64)> = function_offsets(&bytes)
        .into_iter()
        .map(|(_, offset)| (pc32.0, ".text".to_owned(), offset as i64))
        .collect();
    assert_eq!(fde_targets, expected);
    assert_eq!(expected.len(), 2, "inner and outer");

    let tools = (support::tool("clang"), support::tool("ld.lld"));
    let (Some(clang_path), Some(ld)) = tools else { return };
    let probe = dir.join("unwind_probe.o");
    clang(&clang_path, triple, "unwind_probe_elf.c", &probe);
    let exe = dir.join("unwind");
    support::ld_lld_pie(&ld, target, &[&obj, &probe, Path::new(gcc_s)], &exe).assert_ok();
    let Some(ran) = support::run_elf(target, &exe) else { return };
    let status = ran.status.expect("the program exits");
    let names = elf_mismatch(target);
    assert_eq!(
        status,
        0,
        "_Unwind_Backtrace through `inner` and `outer`: wrong {}:\n{ran}",
        diagnosis(status, &names)
    );
}

#[test]
fn x86_64_linux_libgcc_unwinds_through_linkwise_frames() {
    elf(
        ElfTarget::X86_64,
        "x86_64-unknown-linux-gnu",
        object::elf::R_X86_64_PC32,
        "/lib/x86_64-linux-gnu/libgcc_s.so.1",
    );
}

#[test]
fn aarch64_linux_libgcc_unwinds_through_linkwise_frames() {
    elf(
        ElfTarget::Aarch64,
        "aarch64-unknown-linux-gnu",
        object::elf::R_AARCH64_PREL32,
        "/usr/aarch64-linux-gnu/lib/libgcc_s.so.1",
    );
}

/// An instruction as text, in one spelling for both LLVM tools: `x29`/`x30` rather than `fp`/`lr`, decimal
/// immediates, no comments, and `sub sp, #N` for `sub sp, sp, #N` (llvm-readobj's spelling of `alloc`).
fn normalize(instruction: &str) -> String {
    let instruction = instruction.split("//").next().unwrap();
    let alias = |token: &str| {
        let (name, comma) = token.strip_suffix(',').map_or((token, ""), |t| (t, ","));
        let name = match name {
            "fp" => "x29",
            "lr" => "x30",
            other => other,
        };
        format!("{name}{comma}")
    };
    let mut text = instruction.split_whitespace().map(alias).collect::<Vec<_>>().join(" ");
    for op in ["sub", "add"] {
        text = text.replace(&format!("{op} sp, sp, "), &format!("{op} sp, "));
    }
    // #0x10 -> #16, #-0x10 -> #-16
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let negative = rest.starts_with('-');
        let digits = if negative { &rest[1..] } else { rest };
        if let Some(hex) = digits.strip_prefix("0x") {
            let end = hex.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(hex.len());
            let value = i64::from_str_radix(&hex[..end], 16).unwrap();
            out.push_str(&format!("{}{value}", if negative { "-" } else { "" }));
            rest = &hex[end..];
        }
    }
    out.push_str(rest);
    out
}

/// One function's record as llvm-readobj decodes it: each opcode's instruction text, `end` included.
#[derive(Debug, Default)]
struct Arm64Record {
    function: String,
    prologue: Vec<String>,
    /// (start offset in instructions, opcodes)
    epilogues: Vec<(usize, Vec<String>)>,
}

fn parse_readobj(text: &str) -> Vec<Arm64Record> {
    let mut records = Vec::new();
    let mut current: Option<Arm64Record> = None;
    let mut in_prologue = false;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Function: ") {
            records.extend(current.take());
            current = Some(Arm64Record {
                function: rest.split(' ').next().unwrap().to_owned(),
                ..Default::default()
            });
        }
        let Some(record) = current.as_mut() else { continue };
        if line.starts_with("Prologue [") {
            in_prologue = true;
        } else if let Some(start) = line.strip_prefix("StartOffset: ") {
            in_prologue = false;
            record.epilogues.push((start.parse().unwrap(), Vec::new()));
        } else if let Some((_, instruction)) = line.split_once("; ") {
            let instruction = normalize(instruction);
            if in_prologue {
                record.prologue.push(instruction);
            } else {
                record.epilogues.last_mut().expect("opcodes outside a scope").1.push(instruction);
            }
        }
    }
    records.extend(current);
    records
}

/// Each function's instructions as llvm-objdump disassembles them, normalized.
fn parse_objdump(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut functions = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(name) =
            line.strip_suffix(">:").and_then(|l| l.split_once(" <")).map(|(_, n)| n.to_owned())
        {
            functions.insert(name.clone(), Vec::new());
            current = Some(name);
        } else if let (Some(name), true, Some((_, instruction))) =
            (&current, line.starts_with(' '), line.split_once(':'))
        {
            functions.get_mut(name).unwrap().push(normalize(instruction));
        }
    }
    functions
}

/// The number after the first `#` of a normalized instruction (`#-16` is -16), times 4096 with `lsl #12`.
fn immediate(instruction: &str) -> Option<i64> {
    let (_, after) = instruction.split_once('#')?;
    let end = after.find(|c: char| c != '-' && !c.is_ascii_digit()).unwrap_or(after.len());
    let value: i64 = after[..end].parse().ok()?;
    Some(if after.contains("lsl #12") { value << 12 } else { value })
}

/// `stp xA, xB, [sp, #-16]!` (or `ldp xA, xB, [sp], #16`, d registers too) of two registers that are not
/// consecutive: `("x19", "x26")`.
fn split_pair(instruction: &str) -> Option<(String, String)> {
    let rest = instruction.strip_prefix("stp ").or_else(|| instruction.strip_prefix("ldp "))?;
    let mut regs = rest.split(", ");
    let (a, b) = (regs.next()?, regs.next()?);
    let number = |r: &str| r[1..].parse::<u32>().ok();
    let consecutive = a[..1] == b[..1] && number(a)? + 1 == number(b)?;
    (!consecutive && a != "x29" && regs.next().is_some_and(|m| m.starts_with("[sp")))
        .then(|| (a.to_owned(), b.to_owned()))
}

/// What llvm-readobj decodes `code` to stands for `instruction` (normalized), where `scratch` is x16's value:
/// the same text; `str xA, [sp, #-16]!` (`ldr xA, [sp], #16`) for a pair of non-consecutive xA and xB, whose xB
/// has a code of its own; `sub sp, #N` for `sub sp, #K, lsl #12` or for `sub sp, x16` with N in x16 (`add` in
/// an epilogue); `nop` for an instruction that changes nothing the unwinder restores: the stack probe (which
/// writes only x16/x17, memory below SP and flags, or moves SP down a page and back) and the constant loads.
fn stands_for(code: &str, instruction: &str, scratch: i64) -> bool {
    if code == instruction {
        return true;
    }
    if let Some((first, _)) = split_pair(instruction) {
        return code == format!("str {first}, [sp, #-16]!") || code == format!("ldr {first}, [sp], #16");
    }
    for op in ["sub", "add"] {
        if code.starts_with(&format!("{op} sp, #")) && instruction.starts_with(&format!("{op} sp, ")) {
            let n = immediate(code);
            return n.is_some()
                && (immediate(instruction) == n || (instruction.ends_with(", x16") && Some(scratch) == n));
        }
    }
    let writes_scratch = ["x16", "w16", "x17", "w17"]
        .iter()
        .any(|r| instruction.split_whitespace().nth(1) == Some(&format!("{r},")));
    let probe = instruction.starts_with("stur wzr, [sp")
        || instruction.starts_with("str wzr, [sp")
        || instruction.starts_with("cmn x16")
        || instruction.starts_with("b.gt")
        || ((instruction.starts_with("sub sp, #") || instruction.starts_with("add sp, #"))
            && immediate(instruction).is_some_and(|n| n % 4096 == 0));
    code == "nop" && (writes_scratch || probe)
}

/// x16's value after `instruction` (`mov` and `movk`, as normalized objdump text), from `value` before it.
fn track_scratch(instruction: &str, value: i64) -> i64 {
    let register = instruction.split_whitespace().nth(1).unwrap_or("");
    if register != "x16," && register != "w16," {
        return value;
    }
    match (instruction.split_whitespace().next(), immediate(instruction)) {
        (Some("mov"), Some(n)) => n,
        (Some("movk"), Some(n)) => {
            let shift = instruction.split("lsl #").nth(1).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
            (value & !(0xffff << shift)) | (n << shift)
        }
        _ => value,
    }
}

/// Checks one function's record against its code: the prologue's codes, read backwards, are the prologue one
/// for one ([`stands_for`]), after them (first in unwind order) one `str xB, [sp, #N]` per non-consecutive
/// pair, where N is the distance from the finished frame's SP to xB's slot (followed through the prologue's
/// SP arithmetic); each epilogue scope's codes are its instructions, `end` being the `ret`; every `ret` is in a
/// scope. Returns the number of non-consecutive pairs and the largest allocation seen.
fn check_record(record: &Arm64Record, instructions: &[String]) -> (usize, i64) {
    let name = &record.function;
    let (end, prologue) = record.prologue.split_last().unwrap();
    assert_eq!(end, "end", "{record:?}");
    let unwound: Vec<&String> = prologue.iter().rev().collect();
    let pairs: Vec<(usize, (String, String))> = instructions
        .iter()
        .enumerate()
        .take(unwound.len())
        .filter_map(|(i, text)| text.starts_with("stp").then(|| split_pair(text)).flatten().map(|p| (i, p)))
        .collect();
    let length = unwound.len() - pairs.len();
    let (mut sp, mut scratch, mut largest) = (0i64, 0i64, 0i64);
    let mut slots = Vec::new(); // (register, address relative to the caller's SP)
    for (i, (code, instruction)) in unwound.iter().zip(instructions).take(length).enumerate() {
        assert!(
            stands_for(code, instruction, scratch),
            "{name}: prologue instruction {i} `{instruction}` has `{code}`"
        );
        if instruction.ends_with("]!") {
            sp += immediate(instruction).unwrap();
        } else if instruction.starts_with("sub sp, ") || instruction.starts_with("add sp, ") {
            let n = if instruction.ends_with(", x16") { scratch } else { immediate(instruction).unwrap() };
            let n = if instruction.starts_with("sub") { -n } else { n };
            sp += n;
            largest = largest.max(-n);
        }
        if let Some((_, (_, second))) = pairs.iter().find(|(at, _)| *at == i) {
            slots.push((second.clone(), sp + 8));
        }
        scratch = track_scratch(instruction, scratch);
    }
    // The second registers' codes, in unwind order: the pair stored last comes first.
    let extras: Vec<&String> = unwound[length..].iter().rev().copied().collect();
    let expected: Vec<String> =
        slots.iter().rev().map(|(reg, at)| format!("str {reg}, [sp, #{}]", at - sp)).collect();
    assert_eq!(extras, expected.iter().collect::<Vec<_>>(), "{name}: the second registers' codes");

    let rets: Vec<usize> = (0..instructions.len()).filter(|&i| instructions[i] == "ret").collect();
    let mut covered = Vec::new();
    for (start, opcodes) in &record.epilogues {
        let (end, body) = opcodes.split_last().unwrap();
        assert_eq!(end, "end", "{record:?}");
        let epilogue = &instructions[*start..*start + opcodes.len()];
        let mut scratch = 0;
        for (code, instruction) in body.iter().zip(epilogue) {
            assert!(
                stands_for(code, instruction, scratch),
                "{name}: epilogue at {start}: `{instruction}` has `{code}`"
            );
            scratch = track_scratch(instruction, scratch);
        }
        assert_eq!(epilogue[body.len()], "ret", "{name}: `end` is the ret");
        covered.push(start + body.len());
    }
    assert_eq!(covered, rets, "{name}: every ret ends an epilogue scope");
    assert!(!rets.is_empty());
    (pairs.len(), largest)
}

/// `big4k` and `big40k`: `n` integers live across a call each, so that Cranelift spills them into a frame of
/// more than 4 KiB and 40 KiB (linkwise has no local arrays; spills are what makes a large frame).
fn large_frames() -> String {
    let mut source = String::from("extern { fn g(x: i64) -> i64; }\nstatic mut SINK: i64 = 0;\n");
    for (name, n) in [("big4k", 560), ("big40k", 5200)] {
        source.push_str(&format!("pub fn {name}(p: i64) -> i64 {{\n    let v0 = g(p);\n"));
        for i in 1..n {
            source.push_str(&format!("    let v{i} = g(v{});\n", i - 1));
        }
        source.push_str(&format!("    SINK = g(v{});\n", n - 1));
        for i in 0..n {
            source.push_str(&format!("    SINK = SINK + v{i};\n"));
        }
        source.push_str("    return SINK;\n}\n");
    }
    source
}

/// Windows on ARM: nothing here runs an arm64 PE, so the records are checked against the code with two LLVM
/// tools that know nothing of linkwise: llvm-readobj decodes each unwind code into the instruction it stands
/// for, and that must be, one for one, the instruction llvm-objdump finds there ([`check_record`]). Then
/// lld-link must accept the object's `.pdata` and `.xdata`. Three objects: unwind.lw (every callee-saved
/// register), portable.lw (`main` saves x19 and x26 with one `stp`) and frames of more than 4 KiB and 40 KiB
/// (a stack probe, `alloc_m`, `alloc_l`, the allocation through x16). Frames of 1 MiB take 131,072 spilled
/// values, seconds of compilation and most of a GiB; `windows_arm64.rs` tests them on Cranelift IR with a
/// stack slot. Every function with a frame has a record, and none a warning.
#[test]
fn windows_arm64_unwind_codes_describe_each_prologue_and_epilogue_instruction() {
    let dir = TempDir::new("unwind-arm64");
    let triple = "aarch64-pc-windows-msvc";
    let options = || {
        let mut options = support::options(triple, &[]);
        options.no_autolink = true;
        options
    };
    let portable = support::source("tests/programs/portable.lw");
    let large = linkwise::SourceFile::new("large_frames.lw", large_frames());
    let compile = |file: &linkwise::SourceFile, name: &str| {
        let compiled = linkwise::compile(file, &options()).unwrap_or_else(|d| panic!("{}", d.render(file)));
        assert_eq!(compiled.object.warnings, [], "{name}: every frame gets a record");
        let path = dir.join(name);
        std::fs::write(&path, &compiled.object.bytes).unwrap();
        path
    };
    let objects = [
        (compile(&support::source(PROGRAM), "unwind.obj"), &["inner", "outer"][..]),
        (compile(&portable, "portable.obj"), &["main"][..]),
        (compile(&large, "large.obj"), &["big4k", "big40k"][..]),
    ];
    let tools = (support::tool("llvm-readobj"), support::tool("llvm-objdump"), support::tool("lld-link"));
    let (Some(readobj), Some(objdump), Some(lld_link)) = tools else { return };
    let (mut pairs, mut largest) = (0, 0);
    for (obj, functions) in &objects {
        let decoded = support::run(Command::new(&readobj).arg("--unwind").arg(obj), Duration::from_secs(60))
            .assert_ok();
        let disassembled = support::run(
            Command::new(&objdump).args(["-d", "--no-show-raw-insn"]).arg(obj),
            Duration::from_secs(60),
        )
        .assert_ok();
        let records = parse_readobj(&decoded.stdout);
        let code = parse_objdump(&disassembled.stdout);
        let names: Vec<&str> = records.iter().map(|r| r.function.as_str()).collect();
        assert_eq!(names, *functions, "one record per function with a frame:\n{}", decoded.stdout);
        for record in &records {
            let (p, l) = check_record(record, &code[&record.function]);
            pairs += p;
            largest = largest.max(l);
            if record.function == "big4k" {
                assert!((4096..32768).contains(&l), "big4k allocates {l}");
            }
        }

        // lld-link relocates and accepts the tables (it checks .pdata is sorted and in range).
        let dll = obj.with_extension("dll");
        let linked = support::run(
            Command::new(&lld_link)
                .args(["/nologo", "/machine:arm64", "/dll", "/noentry", "/nodefaultlib", "/force:unresolved"])
                .arg(obj)
                .arg(format!("/out:{}", dll.display())),
            Duration::from_secs(60),
        );
        assert!(linked.ok(), "{linked}");
    }
    // What the objects are for: a non-consecutive pair (portable.lw's `main`; a Cranelift upgrade that pairs
    // registers differently needs another function here) and an allocation of 40 KiB or more.
    assert!(pairs >= 1, "no function saves a non-consecutive pair any more");
    assert!(largest >= 40960, "the largest frame allocates {largest} bytes");
}

/// A function whose code is over 1 MiB: `.pdata`'s function length and the record's (18 bits of instructions)
/// end there, and a longer function needs several records ("function fragments", each with its own prologue
/// or none), which linkwise does not write. It is the one frame on Windows arm64 that gets no record (docs/codegen.md);
/// 66,000 calls of 16 bytes each (the argument, the callee's address from its slot, the call).
fn huge_function() -> linkwise::SourceFile {
    let mut source = String::from("extern { fn g(x: i64) -> i64; }\n\npub fn huge() {\n");
    for _ in 0..66_000 {
        source.push_str("    g(1);\n");
    }
    source.push_str("}\n");
    linkwise::SourceFile::new("huge.lw", source)
}

/// The headline of the warning for [`huge_function`], whose code length depends on Cranelift's lowering of a
/// call (the test reads it from the object).
fn huge_warning(length: usize) -> String {
    format!(
        "`huge` has no unwind record on aarch64-pc-windows-msvc: the function is {length} bytes long, and a record \
         describes whole instructions up to 1 MiB"
    )
}

/// The frame gets no record (not a wrong one), and the compilation says so: a warning that names the function,
/// the target and the reason, pointing at the function's definition. Before issue 8 the record was dropped
/// without a word. Then `build` and `explain` print that warning on standard error, rendered like an error
/// (file:line:col), and still succeed; for a program whose every frame has a record they print nothing.
#[test]
fn a_frame_no_arm64_record_describes_is_a_warning_that_build_and_explain_print() {
    let file = huge_function();
    let options = Options::new().target("aarch64-pc-windows-msvc").unwrap();
    let compiled = linkwise::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let length = compiled.object.functions[0].code.len();
    assert!(length > 1 << 20, "{length}");
    let warnings = &compiled.object.warnings;
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(!warnings[0].is_error());
    assert_eq!(warnings[0].message, huge_warning(length));
    let rendered = warnings[0].render(&file);
    assert!(
        rendered.contains("--> huge.lw:3:8\n") && rendered.contains("pub fn huge() {"),
        "the warning points at `huge`:\n{rendered}"
    );
    // No `.pdata` entry at all, so nothing describes `huge` wrongly.
    let object = object::File::parse(&*compiled.object.bytes).unwrap();
    assert_eq!(object.section_by_name(".pdata").map(|s| s.size()), None);

    let dir = TempDir::new("unwind-warning");
    let program = dir.join("huge.lw");
    std::fs::write(&program, file.text()).unwrap();
    let program = program.to_str().unwrap();
    let out = dir.join("huge.obj");
    let out = out.to_str().unwrap();
    let arm64 = ["--target", "aarch64-pc-windows-msvc"];
    let (status, stdout, stderr) =
        support::linkwise(&[&["build"][..], &arm64, &[program, "-o", out]].concat());
    assert_eq!((status, stdout.as_str()), (0, ""), "{stderr}");
    assert!(stderr.starts_with(&format!("warning[LW0601]: {}\n", huge_warning(length))), "{stderr}");
    assert!(stderr.contains(&format!("--> {program}:3:8\n")), "{stderr}");
    assert!(std::fs::metadata(out).is_ok_and(|m| m.len() > 0), "the object is written");

    let (status, report, explained) = support::linkwise(&[&["explain"][..], &arm64, &[program]].concat());
    assert_eq!(status, 0, "{explained}");
    assert_eq!(explained, stderr, "explain warns as build does");
    assert!(!report.contains(&huge_warning(length)), "the warning goes to stderr, not into the report");

    // Where every frame has a record (portable.lw, whose `main` saves x19 and x26 with one `stp`), nothing.
    let portable = format!("{}/tests/programs/portable.lw", env!("CARGO_MANIFEST_DIR"));
    let (status, _, stderr) = support::linkwise(&[&["build"][..], &arm64, &[&portable, "-o", out]].concat());
    assert_eq!((status, stderr.as_str()), (0, ""));
}
