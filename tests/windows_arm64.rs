//! Windows on ARM: nothing here runs an arm64 PE, so the linked image is checked statically. lld-link
//! (`/machine:arm64`) links linkwise's objects against llvm-dlltool arm64 import libraries; the test reads the
//! image's import table and decodes every `adrp`/`ldr` pair in `.text` to check that each dllimport call site
//! loads exactly the IAT slot of its function.

mod support;

use object::LittleEndian as LE;
use object::pe::ImageNtHeaders64;
use object::read::pe::PeFile64;
use object::{Object, ObjectSection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::TempDir;

const TARGET: &str = "aarch64-pc-windows-msvc";

fn build(dir: &TempDir, path: &str, specs: &[&str], name: &str) -> PathBuf {
    support::compile_to(dir, name, &support::source(path), &support::options(TARGET, specs)).0
}

fn arm64_import_library(dlltool: &Path, dir: &TempDir, dll: &str, exports: &[&str]) -> PathBuf {
    let stem = dll.trim_end_matches(".dll");
    let def = dir.join(&format!("{stem}.def"));
    std::fs::write(&def, format!("LIBRARY {dll}\nEXPORTS\n{}\n", exports.join("\n"))).unwrap();
    let lib = dir.join(&format!("{stem}-arm64.lib"));
    support::run(
        Command::new(dlltool).args(["-m", "arm64", "-d"]).arg(&def).arg("-l").arg(&lib),
        Duration::from_secs(60),
    )
    .assert_ok();
    lib
}

/// Links for arm64; returns the image.
fn link(lld_link: &Path, inputs: &[&Path], out: &Path) -> Vec<u8> {
    let mut cmd = Command::new(lld_link);
    cmd.args(["/nologo", "/machine:arm64", "/entry:mainCRTStartup", "/subsystem:console", "/nodefaultlib"]);
    cmd.args(inputs).arg(format!("/out:{}", out.display()));
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    std::fs::read(out).unwrap()
}

/// Imported function name → address of its IAT slot, from the image's import directory.
fn iat_slots(pe: &PeFile64<'_>) -> BTreeMap<(String, String), u64> {
    let base = pe.relative_address_base();
    let table = pe.import_table().unwrap().expect("an import table");
    let mut slots = BTreeMap::new();
    let mut descriptors = table.descriptors().unwrap();
    while let Some(d) = descriptors.next().unwrap() {
        let dll = String::from_utf8_lossy(table.name(d.name.get(LE)).unwrap()).into_owned();
        let mut thunks = table.thunks(d.original_first_thunk.get(LE)).unwrap();
        let mut slot = u64::from(d.first_thunk.get(LE));
        while let Some(thunk) = thunks.next::<ImageNtHeaders64>().unwrap() {
            let (_, name) = table.hint_name(object::read::pe::ImageThunkData::address(thunk)).unwrap();
            slots.insert((dll.clone(), String::from_utf8_lossy(name).into_owned()), base + slot);
            slot += 8;
        }
    }
    slots
}

/// Addresses loaded by each `adrp xN, page` + `ldr xM, [xN, #off]` pair in `.text`.
fn slot_loads(pe: &PeFile64<'_>) -> Vec<u64> {
    let text = pe.section_by_name(".text").unwrap();
    let code = text.data().unwrap();
    let words: Vec<u32> = code.chunks(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
    let mut loads = Vec::new();
    for (i, pair) in words.windows(2).enumerate() {
        let (adrp, ldr) = (pair[0], pair[1]);
        let is_adrp = adrp & 0x9f00_0000 == 0x9000_0000;
        let is_ldr64 = ldr & 0xffc0_0000 == 0xf940_0000;
        if !(is_adrp && is_ldr64 && (ldr >> 5) & 31 == adrp & 31) {
            continue;
        }
        let pc = text.address() + 4 * i as u64;
        let imm = (((adrp >> 5) & 0x7ffff) << 2 | (adrp >> 29) & 3) as i64;
        let imm = (imm << 43) >> 43; // sign-extend 21 bits
        let page = (pc & !0xfff).wrapping_add((imm << 12) as u64);
        loads.push(page + u64::from((ldr >> 10) & 0xfff) * 8);
    }
    loads
}

#[test]
fn dllimport_call_sites_load_their_iat_slots() {
    let (Some(lld_link), Some(dlltool)) = (support::tool("lld-link"), support::tool("llvm-dlltool")) else {
        return;
    };
    let dir = TempDir::new("arm64");
    let obj = build(&dir, "examples/hello.lw", &[], "hello.obj");
    let msvcrt = arm64_import_library(&dlltool, &dir, "msvcrt.dll", &["puts", "tolower"]);
    let kernel32 = arm64_import_library(&dlltool, &dir, "kernel32.dll", &["ExitProcess"]);
    let image = link(&lld_link, &[&obj, &msvcrt, &kernel32], &dir.join("hello.exe"));
    let pe = PeFile64::parse(&*image).unwrap();
    assert_eq!(pe.architecture(), object::Architecture::Aarch64);
    let slots = iat_slots(&pe);
    let names: Vec<(&str, &str)> = slots.keys().map(|(d, n)| (d.as_str(), n.as_str())).collect();
    assert_eq!(names, [("kernel32.dll", "ExitProcess"), ("msvcrt.dll", "puts"), ("msvcrt.dll", "tolower")]);
    // Three dllimport call sites, one per function, each loading its own slot and nothing else.
    let mut loads = slot_loads(&pe);
    loads.sort();
    let mut expected: Vec<u64> = slots.values().copied().collect();
    expected.sort();
    assert_eq!(loads, expected);
}

#[test]
fn static_override_calls_the_import_thunks_directly() {
    let (Some(lld_link), Some(dlltool)) = (support::tool("lld-link"), support::tool("llvm-dlltool")) else {
        return;
    };
    let dir = TempDir::new("arm64-static");
    let obj = build(&dir, "examples/hello.lw", &["static=msvcrt"], "hello.obj");
    let msvcrt = arm64_import_library(&dlltool, &dir, "msvcrt.dll", &["puts", "tolower"]);
    let kernel32 = arm64_import_library(&dlltool, &dir, "kernel32.dll", &["ExitProcess"]);
    let image = link(&lld_link, &[&obj, &msvcrt, &kernel32], &dir.join("hello.exe"));
    let pe = PeFile64::parse(&*image).unwrap();
    let slots = iat_slots(&pe);
    // msvcrt's functions are still imported (the linker's thunks load their slots: `adrp`, `ldr`, `br`),
    // but only ExitProcess is loaded by linkwise's own code; puts and tolower are `bl` to the thunks.
    let loads = slot_loads(&pe);
    for (key, slot) in &slots {
        let count = loads.iter().filter(|&&l| l == *slot).count();
        assert_eq!(count, 1, "{key:?} loaded {count} times: one load, by linkwise's code or a thunk");
    }
    assert_eq!(loads.len(), 3);
}
