//! Objects that carry their own linking (issue 9): the libraries a module's `#[link]` blocks name, after `-l`
//! renames and additions, reach the linker through the object itself (COFF `.drectve` `/DEFAULTLIB:`, ELF
//! `.deplibs`, Mach-O `LC_LINKER_OPTION`), so lld-link, ld.lld and ld64.lld link with search paths only; and
//! the symbols it exports (`#[export]`, `#[export_name]`) are what a DLL or shared object built from it exports
//! (COFF `/EXPORT:`, ELF and Mach-O visibility). Every link is by the real linker; COFF programs run under wine,
//! ELF ones natively.

mod support;

use object::{Object, ObjectSection, ObjectSymbol};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{Ran, TempDir};

const WINDOWS: &str = "x86_64-pc-windows-msvc";
const LINUX: &str = "x86_64-unknown-linux-gnu";

/// A Windows program whose two libraries reach the linker only through the object.
const WINDOWS_PROGRAM: &str = r#"
#[link(name = "msvcrt")]
extern { fn puts(ptr) -> i32; }
#[link(name = "kernel32")]
extern { fn ExitProcess(i32); }
pub fn mainCRTStartup() { puts("autolinked\0"); ExitProcess(7); }
"#;

/// Compiles `src` (named `name`) with `options`, writing the object into `dir`.
fn build(dir: &TempDir, name: &str, src: &str, options: &linkwise::Options) -> (PathBuf, Vec<u8>) {
    support::compile_to(dir, name, &linkwise::SourceFile::new(format!("{name}.lw"), src), options)
}

/// The contents of section `name` of the object `bytes`, or `None` when it has none.
fn section(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    let file = object::File::parse(bytes).expect("an object file");
    file.section_by_name(name).map(|s| s.data().expect("section data").to_vec())
}

/// The `.drectve` text of a COFF object (empty when it has none).
fn drectve(bytes: &[u8]) -> String {
    String::from_utf8(section(bytes, ".drectve").unwrap_or_default()).expect("directives are text")
}

/// lld-link for a console program with entry `mainCRTStartup`, the libraries found only on `/libpath:DIR`.
fn lld_link_with_libpath(lld_link: &Path, libpath: &Path, obj: &Path, out: &Path) -> Ran {
    let mut cmd = Command::new(lld_link);
    cmd.args(["/nologo", "/entry:mainCRTStartup", "/subsystem:console"])
        .arg(format!("/libpath:{}", libpath.display()))
        .arg(obj)
        .arg(format!("/out:{}", out.display()));
    support::run(&mut cmd, Duration::from_secs(60))
}

/// Import libraries for the Windows program's two DLLs, built with llvm-dlltool in `dir/libs`.
fn windows_import_libraries(dlltool: &Path, dir: &TempDir) -> PathBuf {
    let libs = dir.join("libs");
    std::fs::create_dir_all(&libs).unwrap();
    support::import_library(dlltool, &libs, "msvcrt.dll", &["puts"]);
    support::import_library(dlltool, &libs, "kernel32.dll", &["ExitProcess"]);
    libs
}

#[test]
fn coff_links_and_runs_with_only_a_libpath() {
    let dir = TempDir::new("autolink-coff");
    let (obj, bytes) = build(&dir, "program", WINDOWS_PROGRAM, &support::options(WINDOWS, &[]));
    assert_eq!(drectve(&bytes), " /DEFAULTLIB:msvcrt.lib /DEFAULTLIB:kernel32.lib");
    let (Some(lld_link), Some(dlltool), Some(wine)) =
        (support::tool("lld-link"), support::tool("llvm-dlltool"), support::tool("wine"))
    else {
        return;
    };
    let libs = windows_import_libraries(&dlltool, &dir);
    let exe = dir.join("program.exe");
    lld_link_with_libpath(&lld_link, &libs, &obj, &exe).assert_ok();
    let ran = support::wine(&wine, &exe);
    assert_eq!((ran.stdout.replace("\r\n", "\n").as_str(), ran.status), ("autolinked\n", Some(7)), "{ran}");

    // The same link without the directives: nothing tells lld-link about the import libraries.
    let mut options = support::options(WINDOWS, &[]);
    options.no_autolink = true;
    let (plain, plain_bytes) = build(&dir, "plain", WINDOWS_PROGRAM, &options);
    assert_eq!(section(&plain_bytes, ".drectve"), None, "--no-autolink: no .drectve at all");
    let failed = lld_link_with_libpath(&lld_link, &libs, &plain, &dir.join("plain.exe"));
    assert!(!failed.ok(), "{failed}");
    assert!(failed.stderr.contains("undefined symbol: __declspec(dllimport) puts"), "{failed}");
}

#[test]
fn a_rename_changes_what_lld_link_opens_and_an_added_library_is_asked_for() {
    let dir = TempDir::new("autolink-rename");
    let (renamed, renamed_bytes) =
        build(&dir, "renamed", WINDOWS_PROGRAM, &support::options(WINDOWS, &["msvcrt:newfoo"]));
    // `-l` moves the library it names to the end of the link order (rustc's rule), renamed.
    assert_eq!(drectve(&renamed_bytes), " /DEFAULTLIB:kernel32.lib /DEFAULTLIB:newfoo.lib");
    let (added, added_bytes) = build(&dir, "added", WINDOWS_PROGRAM, &support::options(WINDOWS, &["extra"]));
    assert_eq!(
        drectve(&added_bytes),
        " /DEFAULTLIB:msvcrt.lib /DEFAULTLIB:kernel32.lib /DEFAULTLIB:extra.lib"
    );
    let (Some(lld_link), Some(dlltool)) = (support::tool("lld-link"), support::tool("llvm-dlltool")) else {
        return;
    };
    let libs = windows_import_libraries(&dlltool, &dir);
    let ran = lld_link_with_libpath(&lld_link, &libs, &renamed, &dir.join("renamed.exe"));
    assert!(!ran.ok(), "{ran}");
    assert!(ran.stderr.contains("could not open 'newfoo.lib'"), "{ran}");
    assert!(!ran.stderr.contains("msvcrt.lib"), "the old name is not asked for:\n{ran}");
    let ran = lld_link_with_libpath(&lld_link, &libs, &added, &dir.join("added.exe"));
    assert!(!ran.ok(), "{ran}");
    assert!(ran.stderr.contains("could not open 'extra.lib'"), "{ran}");
    // Given an `extra.lib`, the same object links.
    support::import_library(&dlltool, &libs, "extra.dll", &["unused"]);
    lld_link_with_libpath(&lld_link, &libs, &added, &dir.join("added.exe")).assert_ok();
}

#[test]
fn a_quoted_library_name_reaches_lld_link_whole() {
    // lld-link splits `.drectve` as a Windows command line: a `"` in a name is written `\"` inside quotes, and
    // lld-link's own message shows the name it took out.
    let src = "#[link(name = \"odd\\\"name\")]\nextern { fn f(); }\npub fn mainCRTStartup() { f(); }\n";
    let dir = TempDir::new("autolink-quoted");
    let (obj, bytes) = build(&dir, "quoted", src, &support::options(WINDOWS, &[]));
    assert_eq!(drectve(&bytes), r#" /DEFAULTLIB:"odd\"name.lib""#);
    let Some(lld_link) = support::tool("lld-link") else { return };
    let ran = lld_link_with_libpath(&lld_link, dir.path(), &obj, &dir.join("quoted.exe"));
    assert!(!ran.ok(), "{ran}");
    assert!(ran.stderr.contains("could not open 'odd\"name.lib'"), "{ran}");
}

/// The names `llvm-readobj --coff-exports` lists for a DLL, in its order.
fn coff_exports(readobj: &Path, dll: &Path) -> Vec<String> {
    let ran = support::run(Command::new(readobj).arg("--coff-exports").arg(dll), Duration::from_secs(60))
        .assert_ok();
    ran.stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Name: "))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A module for a DLL or shared object: two exported functions (one under another name), exported data, and
/// `pub` functions that are not exported.
const LIBRARY: &str = r#"
#[export] pub fn lw_value() -> i32 { return helper() + 1; }
#[export_name = "lw_twice"] pub fn twice(x: i32) -> i32 { return x * 2; }
#[export] pub static mut LW_COUNT: i32 = 5;
pub fn helper() -> i32 { return 41; }
"#;

#[test]
fn lld_link_dll_exports_what_the_module_marks_with_no_export_on_its_command_line() {
    let dir = TempDir::new("autolink-dll");
    let (obj, bytes) = build(&dir, "lwlib", LIBRARY, &support::options(WINDOWS, &[]));
    assert_eq!(drectve(&bytes), " /EXPORT:lw_value /EXPORT:lw_twice=twice /EXPORT:LW_COUNT,DATA");
    let (Some(lld_link), Some(readobj)) = (support::tool("lld-link"), support::tool("llvm-readobj")) else {
        return;
    };
    let dll = dir.join("lwlib.dll");
    let mut cmd = Command::new(&lld_link);
    cmd.args(["/nologo", "/dll", "/noentry", "/nodefaultlib"])
        .arg(&obj)
        .arg(format!("/out:{}", dll.display()));
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    // The export table is sorted by name.
    assert_eq!(coff_exports(&readobj, &dll), ["LW_COUNT", "lw_twice", "lw_value"]);
    // The import library lld-link writes beside it marks the data export DATA (no thunk) and the functions code.
    let implib = std::fs::read(dir.join("lwlib.lib")).unwrap();
    let archive = object::read::archive::ArchiveFile::parse(&*implib).unwrap();
    let mut kinds = Vec::new();
    for member in archive.members() {
        let data = member.unwrap().data(&*implib).unwrap();
        if let Ok(import) = object::read::coff::ImportFile::parse(data) {
            kinds.push((String::from_utf8(import.symbol().to_vec()).unwrap(), import.import_type()));
        }
    }
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    use object::read::coff::ImportType;
    assert_eq!(
        kinds,
        [
            ("LW_COUNT".to_owned(), ImportType::Data),
            ("lw_twice".to_owned(), ImportType::Code),
            ("lw_value".to_owned(), ImportType::Code)
        ]
    );
}

/// The defined symbols of a shared object's dynamic symbol table, sorted.
fn dynamic_exports(so: &Path) -> Vec<String> {
    let bytes = std::fs::read(so).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let mut names: Vec<String> =
        file.dynamic_symbols().filter(|s| s.is_definition()).map(|s| s.name().unwrap().to_owned()).collect();
    names.sort();
    names
}

/// LIBRARY compiled for `triple` as the object of a shared library (written to `dir/name`), after checking the scope of every symbol
/// it defines: the exports (`lw_twice` being the `#[export_name]` alias beside `twice`) have default
/// visibility, the other `pub` symbols are hidden (ELF STV_HIDDEN, Mach-O private extern). `prefix` is the
/// target's symbol prefix.
fn shared_library_object(dir: &TempDir, triple: &str, name: &str, prefix: &str) -> PathBuf {
    let mut shared = support::options(triple, &[]);
    shared.shared_library = true;
    let (obj, bytes) = build(dir, name, LIBRARY, &shared);
    let file = object::File::parse(&*bytes).unwrap();
    let mut scopes: Vec<(String, object::SymbolScope)> = file
        .symbols()
        .filter(|s| s.is_definition())
        .map(|s| (s.name().unwrap().to_owned(), s.scope()))
        .collect();
    scopes.sort_by(|a, b| a.0.cmp(&b.0));
    use object::SymbolScope::{Dynamic, Linkage};
    let expected = [
        ("LW_COUNT", Dynamic),
        ("helper", Linkage),
        ("lw_twice", Dynamic),
        ("lw_value", Dynamic),
        ("twice", Linkage),
    ];
    assert_eq!(scopes, expected.map(|(n, s)| (format!("{prefix}{n}"), s)), "{triple}");
    obj
}

/// A program using the shared object's exports, whose libraries (the C library and `lwshared`) reach ld.lld
/// only through `.deplibs`.
const ELF_PROGRAM: &str = r#"
#[link(name = "c")]
extern { fn puts(ptr) -> i32; }
#[link(name = "lwshared")]
extern { fn lw_value() -> i32; fn lw_twice(i32) -> i32; static mut LW_COUNT: i32; }
pub fn main() -> i32 { puts("deplibs\0"); LW_COUNT = LW_COUNT + 1; return lw_value() + lw_twice(LW_COUNT); }
"#;

#[test]
fn elf_shared_object_exports_exactly_the_marked_symbols_and_a_program_links_through_deplibs() {
    let dir = TempDir::new("autolink-elf");
    let lib_obj = shared_library_object(&dir, LINUX, "lwshared", "");
    let (program, program_bytes) = build(&dir, "program", ELF_PROGRAM, &support::options(LINUX, &[]));
    assert_eq!(section(&program_bytes, ".deplibs").as_deref(), Some(&b"c\0lwshared\0"[..]));

    let Some(ld) = support::tool("ld.lld") else { return };
    let libs = dir.join("libs");
    std::fs::create_dir_all(&libs).unwrap();
    let so = libs.join("liblwshared.so");
    let link_so = |obj: &Path, out: &Path| {
        support::run(Command::new(&ld).arg("-shared").arg("-o").arg(out).arg(obj), Duration::from_secs(60))
    };
    link_so(&lib_obj, &so).assert_ok();
    assert_eq!(dynamic_exports(&so), ["LW_COUNT", "lw_twice", "lw_value"]);
    // Not for a shared library, every `pub` symbol keeps default visibility and is exported.
    let (all_obj, _) = build(&dir, "all", LIBRARY, &support::options(LINUX, &[]));
    let all = dir.join("liball.so");
    link_so(&all_obj, &all).assert_ok();
    assert_eq!(dynamic_exports(&all), ["LW_COUNT", "helper", "lw_twice", "lw_value", "twice"]);

    // The program: no -l at all, only search paths (and where the loader finds the library).
    let system = "/usr/lib/x86_64-linux-gnu";
    let exe = dir.join("program");
    let mut cmd = Command::new(&ld);
    cmd.args(["-pie", "--eh-frame-hdr", "-dynamic-linker", "/lib64/ld-linux-x86-64.so.2", "-o"]).arg(&exe);
    cmd.arg(format!("{system}/Scrt1.o")).arg(format!("{system}/crti.o")).arg(&program);
    cmd.arg(format!("-L{}", libs.display())).arg(format!("-L{system}"));
    cmd.arg("-rpath").arg(&libs).arg(format!("{system}/crtn.o"));
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    let Some(ran) = support::run_elf(support::ElfTarget::X86_64, &exe) else { return };
    // lw_value() = 42, LW_COUNT becomes 6, lw_twice(6) = 12.
    assert_eq!((ran.stdout.as_str(), ran.status), ("deplibs\n", Some(54)), "{ran}");
}

const MACHO_PROGRAM: &str = r#"
#[link(name = "System")]
extern { fn puts(ptr) -> i32; }
#[link(name = "lwdemo")]
extern { fn lw_demo() -> i32; }
pub fn main() -> i32 { puts("x\0"); return lw_demo(); }
"#;

/// The strings of every `LC_LINKER_OPTION` of `objdump --macho --private-headers`, in order.
fn linker_options(objdump: &Path, obj: &Path) -> Vec<String> {
    let ran = support::run(
        Command::new(objdump).args(["--macho", "--private-headers"]).arg(obj),
        Duration::from_secs(60),
    )
    .assert_ok();
    let mut options = Vec::new();
    let mut in_command = false;
    for line in ran.stdout.lines() {
        let line = line.trim();
        if line.starts_with("cmd ") {
            in_command = line == "cmd LC_LINKER_OPTION";
        } else if in_command && let Some(rest) = line.strip_prefix("string #") {
            options.push(rest.split_once(' ').map_or("", |(_, s)| s).to_owned());
        }
    }
    options
}

#[test]
fn macho_links_with_only_a_search_path_through_lc_linker_option() {
    let tools = (support::tool("ld64.lld"), support::tool("llvm-objdump"), support::tool("llvm-jitlink"));
    for (arch, triple) in [("arm64", "aarch64-apple-darwin"), ("x86_64", "x86_64-apple-darwin")] {
        let dir = TempDir::new(&format!("autolink-macho-{arch}"));
        let (obj, bytes) = build(&dir, "program", MACHO_PROGRAM, &support::options(triple, &[]));
        let mut options = support::options(triple, &[]);
        options.no_autolink = true;
        let (plain, plain_bytes) = build(&dir, "plain", MACHO_PROGRAM, &options);
        // The inserted commands move the data, nothing else: every section and symbol reads back the same.
        assert_eq!(readable(&bytes), readable(&plain_bytes), "{arch}");
        let (Some(ld64), Some(objdump), Some(jitlink)) = &tools else { return };
        assert_eq!(linker_options(objdump, &obj), ["-lSystem", "-llwdemo"], "{arch}");
        assert_eq!(linker_options(objdump, &plain), Vec::<String>::new(), "{arch}");
        // llvm-jitlink applies every relocation of the object with the commands in place.
        let mut jit = Command::new(jitlink);
        jit.args(["-noexec", "-slab-allocate=1Mb", "-slab-address=0x10000000", "-slab-page-size=4096"]);
        jit.args(["-abs", "_puts=0x1000", "-abs", "_lw_demo=0x2000"]).arg(&obj);
        support::run(&mut jit, Duration::from_secs(60)).assert_ok();

        let sdk = support::macos_sdk(dir.path(), &["_puts"]);
        let libs = dir.join("libs");
        support::tbd_stubs(&libs, &[("/usr/local/lib/liblwdemo.dylib", &["_lw_demo"])]);
        let link = |obj: &Path, exe: &Path| {
            let mut cmd = Command::new(ld64);
            cmd.args(["-arch", arch, "-platform_version", "macos", "11.0", "11.0", "-syslibroot"]);
            cmd.arg(&sdk).arg(format!("-L{}", libs.display())).arg("-o").arg(exe).arg(obj);
            support::run(&mut cmd, Duration::from_secs(60))
        };
        let exe = dir.join("program");
        link(&obj, &exe).assert_ok();
        let ran = support::run(
            Command::new(objdump).args(["--macho", "--dylibs-used"]).arg(&exe),
            Duration::from_secs(60),
        )
        .assert_ok();
        assert!(ran.stdout.contains("/usr/lib/libSystem.B.dylib"), "{ran}");
        assert!(ran.stdout.contains("/usr/local/lib/liblwdemo.dylib"), "{ran}");
        let failed = link(&plain, &dir.join("plain"));
        assert!(!failed.ok() && failed.stderr.contains("undefined symbol: _lw_demo"), "{failed}");
    }
}

/// What a reader sees of an object apart from its load commands: each section's name, address, contents and
/// relocations, and each symbol's name, address and section.
fn readable(bytes: &[u8]) -> Vec<String> {
    let file = object::File::parse(bytes).unwrap();
    let mut out = Vec::new();
    for s in file.sections() {
        let relocations: Vec<String> =
            s.relocations().map(|(at, r)| format!("{at}:{:?}:{:?}", r.target(), r.flags())).collect();
        out.push(format!("{:?} {:#x} {:?} {relocations:?}", s.name(), s.address(), s.data().unwrap()));
    }
    for s in file.symbols() {
        out.push(format!("{:?} {:#x} {:?} {:?}", s.name(), s.address(), s.section(), s.scope()));
    }
    out
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let src = format!("{MACHO_PROGRAM}\n#[export_name = \"lw_alias\"] pub fn aliased() {{}}\n");
    for triple in [WINDOWS, LINUX, "aarch64-apple-darwin", "x86_64-apple-darwin", "aarch64-pc-windows-msvc"] {
        let file = linkwise::SourceFile::new("same.lw", src.as_str());
        let mut options = support::options(triple, &["extra"]);
        options.shared_library = true;
        let first = support::compile_source(&file, &options);
        let second = support::compile_source(&file, &options);
        assert!(first == second, "{triple}: two compilations differ");
    }
}

#[test]
fn verbatim_names_are_written_as_written() {
    let src = r#"
#[link(name = "liblwv.so.1", modifiers = "+verbatim")]
extern { fn lw_v() -> i32; }
pub fn main() -> i32 { return lw_v(); }
"#;
    let dir = TempDir::new("autolink-verbatim");
    let (coff, coff_bytes) = build(&dir, "coff", src, &support::options(WINDOWS, &[]));
    assert_eq!(drectve(&coff_bytes), " /DEFAULTLIB:liblwv.so.1");
    let (elf, elf_bytes) = build(&dir, "elf", src, &support::options(LINUX, &[]));
    assert_eq!(section(&elf_bytes, ".deplibs").as_deref(), Some(&b"liblwv.so.1\0"[..]));
    // Mach-O's LC_LINKER_OPTION has no spelling for a file name: nothing is written, and explain says why.
    let file = linkwise::SourceFile::new("v.lw", src);
    let compiled = linkwise::compile(&file, &support::options("aarch64-apple-darwin", &[])).unwrap();
    let report = linkwise::explain::render(&compiled, &file, false);
    assert!(
        report.contains("not written library file `liblwv.so.1`: LC_LINKER_OPTION takes only"),
        "{report}"
    );
    let (Some(lld_link), Some(ld)) = (support::tool("lld-link"), support::tool("ld.lld")) else { return };
    let ran = lld_link_with_libpath(&lld_link, dir.path(), &coff, &dir.join("coff.exe"));
    assert!(ran.stderr.contains("could not open 'liblwv.so.1'"), "{ran}");
    // ld.lld finds the file by its name on the search path.
    let libs = dir.join("libs");
    std::fs::create_dir_all(&libs).unwrap();
    let mut shared = support::options(LINUX, &[]);
    shared.shared_library = true;
    let (lib, _) = build(&dir, "lwv", "#[export] pub fn lw_v() -> i32 { return 3; }\n", &shared);
    let so = libs.join("liblwv.so.1");
    support::run(Command::new(&ld).arg("-shared").arg("-o").arg(&so).arg(&lib), Duration::from_secs(60))
        .assert_ok();
    let system = "/usr/lib/x86_64-linux-gnu";
    let exe = dir.join("verbatim");
    let mut cmd = Command::new(&ld);
    cmd.args(["-pie", "-dynamic-linker", "/lib64/ld-linux-x86-64.so.2", "-o"]).arg(&exe);
    cmd.arg(format!("{system}/Scrt1.o")).arg(format!("{system}/crti.o")).arg(&elf);
    cmd.arg(format!("-L{}", libs.display())).arg(format!("-L{system}")).arg("-lc").arg("-rpath").arg(&libs);
    cmd.arg(format!("{system}/crtn.o"));
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    let Some(ran) = support::run_elf(support::ElfTarget::X86_64, &exe) else { return };
    assert_eq!(ran.status, Some(3), "{ran}");
}

#[test]
fn macho_dylib_exports_exactly_the_marked_symbols() {
    let dir = TempDir::new("autolink-macho-dylib");
    let obj = shared_library_object(&dir, "aarch64-apple-darwin", "lwlib", "_");
    let (Some(ld64), Some(objdump)) = (support::tool("ld64.lld"), support::tool("llvm-objdump")) else {
        return;
    };
    let dylib = dir.join("liblwlib.dylib");
    let mut cmd = Command::new(&ld64);
    cmd.args(["-dylib", "-arch", "arm64", "-platform_version", "macos", "11.0", "11.0", "-o"])
        .arg(&dylib)
        .arg(&obj);
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    let ran = support::run(
        Command::new(&objdump).args(["--macho", "--exports-trie"]).arg(&dylib),
        Duration::from_secs(60),
    )
    .assert_ok();
    let mut exported: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|n| n.starts_with('_'))
        .collect();
    exported.sort();
    assert_eq!(exported, ["_LW_COUNT", "_lw_twice", "_lw_value"], "{ran}");
}
