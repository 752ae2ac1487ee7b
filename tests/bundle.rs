//! Bundling native static libraries into the static library built from a module (`linkwise::bundle`, what
//! `--emit lib` does, as rustc's staticlib): the native library is built in the test (clang + llvm-ar or
//! llvm-lib); the archive lists its members (`llvm-ar t`) and links by itself (ld.lld natively, lld-link under
//! wine); `-bundle` leaves it out and `native_static_libs` names it; a missing library is rustc's error;
//! `+whole-archive`, spelled by `whole_archive_arguments`, keeps an otherwise unreferenced member.

mod support;

use linkwise::bundle::{self, Bundle};
use linkwise::{Diagnostic, LinkPlan};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{ElfTarget, TempDir};

const ELF: &str = "x86_64-unknown-linux-gnu";
const COFF: &str = "x86_64-pc-windows-msvc";

/// A C library of two members: `add.o`, which the module calls, and `ctor.o`, which nothing references: a
/// constructor that prints, and a marker symbol.
const ADD_C: &str = "int lw_native_add(int a, int b) { return a + b; }\n";
const CTOR_C: &str = "int puts(const char *);\nint lw_marker = 7;\n\
                      __attribute__((constructor)) static void lw_ctor(void) { puts(\"constructor ran\"); }\n";

/// The module for ELF: `native` static (bundled unless the test says otherwise), the C library dynamic.
const ELF_MODULE: &str = r#"
#[link(name = "native", kind = "static")]
extern { fn lw_native_add(i32, i32) -> i32; }
#[link(name = "c")]
extern { fn puts(ptr) -> i32; }
pub fn main() -> i32 { puts("bundled\0"); return lw_native_add(40, 2); }
"#;

/// The module for Windows: `native` static, msvcrt and kernel32 raw-dylib (their import members are bundled
/// too), its own entry point.
const COFF_MODULE: &str = r#"
#[link(name = "native", kind = "static")]
extern { fn lw_native_add(i32, i32) -> i32; }
#[link(name = "msvcrt", kind = "raw-dylib")]
extern { fn puts(ptr) -> i32; }
#[link(name = "kernel32", kind = "raw-dylib")]
extern { fn ExitProcess(i32); }
pub fn mainCRTStartup() { puts("bundled\0"); ExitProcess(lw_native_add(40, 2)); }
"#;

/// Compiles `c_files` (name, text) with clang for `triple` into `dir` and archives them as `library` with
/// `archiver` (`llvm-ar` or `llvm-lib`); the library's path, or `None` when a tool is missing outside CI.
fn native_library(dir: &TempDir, triple: &str, library: &str, c_files: &[(&str, &str)]) -> Option<PathBuf> {
    let clang = support::tool("clang")?;
    let mut objects = Vec::new();
    for (name, text) in c_files {
        let c = dir.join(&format!("{name}.c"));
        std::fs::write(&c, text).unwrap();
        let obj = dir.join(&format!("{name}{}", if triple == COFF { ".obj" } else { ".o" }));
        support::run(
            Command::new(&clang)
                .arg(format!("--target={triple}"))
                .args(if triple == COFF { &["-O1", "-c"][..] } else { &["-O1", "-fPIC", "-c"] })
                .arg(&c)
                .arg("-o")
                .arg(&obj),
            Duration::from_secs(60),
        )
        .assert_ok();
        objects.push(obj);
    }
    let out = dir.join(library);
    let mut cmd = if triple == COFF {
        let mut cmd = Command::new(support::tool("llvm-lib")?);
        cmd.arg(format!("/out:{}", out.display()));
        cmd
    } else {
        let mut cmd = Command::new(support::tool("llvm-ar")?);
        cmd.arg("rcs").arg(&out);
        cmd
    };
    // Run in `dir` with bare names, so the members are named `add.o`, not by a scratch path.
    cmd.current_dir(dir.path()).args(objects.iter().map(|o| o.file_name().unwrap()));
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    Some(out)
}

/// What packaging a module produced.
struct Packaged {
    plan: LinkPlan,
    bundle: Bundle,
    archive: Vec<u8>,
}

/// Packages `source` for `triple` as `--emit lib` does, with `search` as the `-L` directories; `tweak` edits
/// the link plan first (standing in for `-l` modifiers the command line cannot spell yet).
fn package(source: &str, triple: &str, search: &[PathBuf], specs: &[&str]) -> Result<Packaged, Diagnostic> {
    let file = linkwise::SourceFile::new("m.lw", source);
    let compile = |options: &linkwise::Options| {
        linkwise::compile(&file, options).unwrap_or_else(|d| panic!("{}", d.render(&file)))
    };
    let mut options = support::options(triple, specs);
    let first = compile(&options);
    let plan = first.plan;
    let bundle = bundle::collect(&first.program, &plan, search)?;
    // The object asks for none of what the archive holds (issue 9's design: no directive for bundled ones).
    options.bundled = bundle.names();
    let object = compile(&options).object.bytes;
    let member = plan.target.object_file_name("m");
    let archive = bundle::static_library(&plan.target, &member, &object, &bundle)?;
    Ok(Packaged { plan, bundle, archive })
}

/// `llvm-ar t`: the archive's member names, one per line.
fn members(dir: &TempDir, name: &str, archive: &[u8]) -> Option<Vec<String>> {
    let path = dir.join(name);
    std::fs::write(&path, archive).unwrap();
    let ran =
        support::run(Command::new(support::tool("llvm-ar")?).arg("t").arg(&path), Duration::from_secs(60))
            .assert_ok();
    Some(ran.stdout.lines().map(str::to_owned).collect())
}

/// The `-bundle` modifier on `native`, as a build script would give it.
const NO_BUNDLE: &[&str] = &["static:-bundle=native"];

#[test]
fn bundled_members_are_in_the_archive_which_links_by_itself_on_linux() {
    let dir = TempDir::new("bundle-elf");
    let Some(_) = native_library(&dir, ELF, "libnative.a", &[("add", ADD_C), ("ctor", CTOR_C)]) else {
        return;
    };
    let p = package(ELF_MODULE, ELF, &[dir.path().to_path_buf()], &[]).unwrap();
    let names: Vec<&str> = p.bundle.libraries.iter().map(|l| l.library.as_str()).collect();
    assert_eq!(names, ["native"]);
    assert_eq!(p.bundle.libraries[0].path, dir.join("libnative.a"));
    let Some(listed) = members(&dir, "libm.a", &p.archive) else { return };
    assert_eq!(listed, ["m.o", "add.o", "ctor.o"]);
    // The consumer still links the C library, as rustc would print it.
    let libs = bundle::native_static_libs(&p.plan, &p.bundle);
    assert_eq!(libs, ["-lc"]);
    assert_eq!(
        bundle::native_static_libs_notes(&libs),
        [
            "Link against the following native artifacts when linking against this static library. The order and \
             any duplication can be significant on some platforms.",
            "native-static-libs: -lc"
        ]
    );
    // Only the archive (besides the C runtime ld_lld_pie always adds): main and lw_native_add come from it.
    let Some(ld) = support::tool("ld.lld") else { return };
    let exe = dir.join("prog");
    support::ld_lld_pie(&ld, ElfTarget::X86_64, &[&dir.join("libm.a")], &exe).assert_ok();
    let ran = support::run_elf(ElfTarget::X86_64, &exe).unwrap();
    assert_eq!((ran.stdout.as_str(), ran.status), ("bundled\n", Some(42)), "{ran}");
}

#[test]
fn no_bundle_leaves_the_library_out_and_native_static_libs_names_it() {
    let dir = TempDir::new("bundle-minus");
    let Some(_) = native_library(&dir, ELF, "libnative.a", &[("add", ADD_C)]) else { return };
    let p = package(ELF_MODULE, ELF, &[dir.path().to_path_buf()], NO_BUNDLE).unwrap();
    assert!(p.bundle.libraries.is_empty());
    assert!(p.bundle.names().is_empty());
    let Some(listed) = members(&dir, "libm.a", &p.archive) else { return };
    assert_eq!(listed, ["m.o"]);
    let libs = bundle::native_static_libs(&p.plan, &p.bundle);
    // In link order: the `-l` moved `native` after the module's own libraries (rustc's rule, docs/linking.md).
    assert_eq!(libs, ["-lc", "-lnative"]);
    let Some(ld) = support::tool("ld.lld") else { return };
    let archive = dir.join("libm.a");
    // The archive alone does not link: lw_native_add is in no input (or, once objects carry `.deplibs`, the
    // library it names is on no search path).
    let broken = support::ld_lld_pie(&ld, ElfTarget::X86_64, &[&archive], &dir.join("broken"));
    assert!(!broken.ok(), "must fail without libnative:\n{broken}");
    assert!(broken.stderr.contains("lw_native_add") || broken.stderr.contains("native"), "{broken}");
    // With what native-static-libs printed (and the directory holding it) it links and runs. ld_lld_pie takes
    // its inputs as paths; these two are arguments ld.lld reads the same way, in order.
    let search = format!("-L{}", dir.path().display());
    let mut inputs: Vec<&Path> = vec![&archive, Path::new(&search)];
    inputs.extend(libs.iter().map(Path::new));
    let exe = dir.join("prog");
    support::ld_lld_pie(&ld, ElfTarget::X86_64, &inputs, &exe).assert_ok();
    let ran = support::run_elf(ElfTarget::X86_64, &exe).unwrap();
    assert_eq!((ran.stdout.as_str(), ran.status), ("bundled\n", Some(42)), "{ran}");
}

#[test]
fn a_missing_library_is_rustcs_error_at_the_link_attribute() {
    let dir = TempDir::new("bundle-missing");
    let search = [dir.path().to_path_buf()];
    let err = package(ELF_MODULE, ELF, &search, &[]).err().expect("no libnative.a anywhere");
    assert_eq!(err.message, "could not find native static library `native`, perhaps an -L flag is missing?");
    let shown = err.render(&linkwise::SourceFile::new("m.lw", ELF_MODULE));
    assert!(shown.contains("--> m.lw:2:1"), "{shown}");
    assert!(shown.contains(&format!("looked for `libnative.a` in `{}`", dir.path().display())), "{shown}");
    // On Windows both names rustc tries are listed; with no -L, that no directory was searched.
    let err = package(COFF_MODULE, COFF, &[], &[]).err().expect("no native.lib anywhere");
    let shown = err.render(&linkwise::SourceFile::new("m.lw", COFF_MODULE));
    assert!(
        shown.contains("looked for `native.lib` or `libnative.a` in no directory: no -L was given"),
        "{shown}"
    );
    // `-bundle` needs no file at all.
    assert!(package(ELF_MODULE, ELF, &search, NO_BUNDLE).is_ok());
}

#[test]
fn whole_archive_keeps_an_unreferenced_member() {
    let dir = TempDir::new("bundle-whole");
    let Some(_) = native_library(&dir, ELF, "libnative.a", &[("add", ADD_C), ("ctor", CTOR_C)]) else {
        return;
    };
    let search = [dir.path().to_path_buf()];
    let file = linkwise::SourceFile::new("m.lw", ELF_MODULE);
    let whole_archive = support::options(ELF, &["static:+whole-archive=native"]);
    let (object, _) = support::compile_to(&dir, "m.o", &file, &whole_archive);
    let c = linkwise::compile(&file, &whole_archive).unwrap();
    let native = c.plan.libraries.iter().find(|r| r.name == "native").unwrap();
    let whole = bundle::whole_archive_arguments(&c.program, &c.plan.target, native, &search).unwrap();
    assert_eq!(whole, ["--whole-archive", "-lnative", "--no-whole-archive"]);
    let Some(ld) = support::tool("ld.lld") else { return };
    let link = |name: &str, args: &[String]| {
        let search = format!("-L{}", dir.path().display());
        let mut inputs: Vec<&Path> = vec![&object, Path::new(&search)];
        inputs.extend(args.iter().map(Path::new));
        let exe = dir.join(name);
        support::ld_lld_pie(&ld, ElfTarget::X86_64, &inputs, &exe).assert_ok();
        let image = std::fs::read(&exe).unwrap();
        let has_marker = {
            use object::{Object, ObjectSymbol};
            let file = object::File::parse(&*image).unwrap();
            file.symbols().any(|s| s.name() == Ok("lw_marker"))
        };
        (has_marker, support::run_elf(ElfTarget::X86_64, &exe).unwrap())
    };
    let (marker, ran) = link("whole", &whole);
    assert!(marker, "lw_marker must be in the image's symbol table");
    assert_eq!((ran.stdout.as_str(), ran.status), ("constructor ran\nbundled\n", Some(42)), "{ran}");
    // Without it, ctor.o is never pulled in: no marker, no constructor.
    let (marker, ran) = link("plain", &["-lnative".to_owned()]);
    assert!(!marker, "lw_marker must not be linked without --whole-archive");
    assert_eq!((ran.stdout.as_str(), ran.status), ("bundled\n", Some(42)), "{ran}");
}

#[test]
fn whole_archive_is_spelled_for_each_linker() {
    let dir = TempDir::new("bundle-spell");
    std::fs::write(dir.join("libnative.a"), b"!<arch>\n").unwrap();
    let search = [dir.path().to_path_buf()];
    for (triple, expected) in [
        (COFF, vec!["/WHOLEARCHIVE:native.lib".to_owned()]),
        (ELF, vec!["--whole-archive".into(), "-lnative".into(), "--no-whole-archive".into()]),
        ("aarch64-apple-darwin", vec!["-force_load".into(), dir.join("libnative.a").display().to_string()]),
    ] {
        let module = ELF_MODULE.replace("#[link(name = \"c\")]", "#[link(name = \"System\")]");
        let c = linkwise::compile(&linkwise::SourceFile::new("m.lw", module), &support::options(triple, &[]))
            .unwrap();
        let native = c.plan.libraries.iter().find(|r| r.name == "native").unwrap();
        assert_eq!(
            bundle::whole_archive_arguments(&c.program, &c.plan.target, native, &search).unwrap(),
            expected
        );
    }
    // ld64 needs the path: a library it cannot find is the same error as bundling's.
    let c = linkwise::compile(
        &linkwise::SourceFile::new("m.lw", ELF_MODULE),
        &support::options("x86_64-apple-darwin", &[]),
    )
    .unwrap();
    let native = c.plan.libraries.iter().find(|r| r.name == "native").unwrap();
    let err = bundle::whole_archive_arguments(&c.program, &c.plan.target, native, &[]).unwrap_err();
    assert_eq!(err.message, "could not find native static library `native`, perhaps an -L flag is missing?");
}

#[test]
fn bundled_archive_with_raw_dylib_imports_links_by_itself_on_windows() {
    let dir = TempDir::new("bundle-coff");
    let Some(_) = native_library(&dir, COFF, "native.lib", &[("add", ADD_C)]) else { return };
    let p = package(COFF_MODULE, COFF, &[dir.path().to_path_buf()], &[]).unwrap();
    assert_eq!(p.bundle.names(), ["native", "msvcrt", "kernel32"]);
    // Nothing left for a consumer: native is bundled, the raw-dylib import members are in the archive.
    assert!(bundle::native_static_libs(&p.plan, &p.bundle).is_empty());
    let Some(listed) = members(&dir, "m.lib", &p.archive) else { return };
    // The object, llvm-lib's member, then each import library's descriptors and one member per import, all
    // named after their DLL (as import libraries name them).
    assert_eq!(
        listed,
        [
            "m.obj",
            "add.obj",
            "msvcrt.dll",
            "msvcrt.dll",
            "msvcrt.dll",
            "msvcrt.dll",
            "kernel32.dll",
            "kernel32.dll",
            "kernel32.dll",
            "kernel32.dll"
        ]
    );
    let (Some(lld_link), Some(wine)) = (support::tool("lld-link"), support::tool("wine")) else { return };
    let exe = dir.join("prog.exe");
    // The entry point pulls m.obj out of the archive, which pulls the rest: no other input.
    support::lld_link(&lld_link, &[&dir.join("m.lib")], &exe).assert_ok();
    let ran = support::wine(&wine, &exe);
    assert_eq!((ran.stdout.replace("\r\n", "\n").as_str(), ran.status), ("bundled\n", Some(42)), "{ran}");
}

#[test]
fn a_library_for_another_target_is_refused() {
    let dir = TempDir::new("bundle-wrong");
    // An ELF libnative.a found by the Windows search (which tries libNAME.a after NAME.lib).
    let Some(_) = native_library(&dir, ELF, "libnative.a", &[("add", ADD_C)]) else { return };
    let err = package(COFF_MODULE, COFF, &[dir.path().to_path_buf()], &[]).err().expect("an ELF member");
    let lib = dir.join("libnative.a").display().to_string();
    assert_eq!(
        err.message,
        format!(
            "cannot bundle `{lib}(add.o)`: it is an ELF object for x86_64, but the target `{COFF}` is COFF x86_64"
        )
    );
}

#[test]
fn whole_archive_keeps_an_unreferenced_member_with_lld_link() {
    let dir = TempDir::new("bundle-whole-coff");
    let marker = ("marker", "int lw_marker = 7;\n");
    let Some(_) = native_library(&dir, COFF, "native.lib", &[("add", ADD_C), marker]) else { return };
    let file = linkwise::SourceFile::new("m.lw", COFF_MODULE);
    let whole_archive = support::options(COFF, &["static:+whole-archive=native"]);
    let (object, _) = support::compile_to(&dir, "m.obj", &file, &whole_archive);
    let c = linkwise::compile(&file, &whole_archive).unwrap();
    let mut inputs = vec![object];
    for lib in linkwise::codegen::implib::import_libraries(
        &c.program,
        &c.plan,
        linkwise::codegen::implib::Which::RawDylib,
    )
    .unwrap()
    {
        std::fs::write(dir.join(&lib.file_name), &lib.bytes).unwrap();
        inputs.push(dir.join(&lib.file_name));
    }
    let native = c.plan.libraries.iter().find(|r| r.name == "native").unwrap();
    let whole = bundle::whole_archive_arguments(&c.program, &c.plan.target, native, &[]).unwrap();
    assert_eq!(whole, ["/WHOLEARCHIVE:native.lib"]);
    let (Some(lld_link), Some(wine)) = (support::tool("lld-link"), support::tool("wine")) else { return };
    let link = |name: &str, library: &[String]| {
        // support::lld_link takes its inputs as paths; these options lld-link reads the same way.
        let options = [format!("/libpath:{}", dir.path().display()), "/debug:symtab".to_owned()];
        let mut args: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
        args.extend(options.iter().chain(library).map(Path::new));
        let exe = dir.join(name);
        support::lld_link(&lld_link, &args, &exe).assert_ok();
        let image = std::fs::read(&exe).unwrap();
        let has_marker = {
            use object::{Object, ObjectSymbol};
            let file = object::File::parse(&*image).unwrap();
            file.symbols().any(|s| s.name() == Ok("lw_marker"))
        };
        (has_marker, support::wine(&wine, &exe))
    };
    let (marker, ran) = link("whole.exe", &whole);
    assert!(marker, "lw_marker must be in the image's symbol table");
    assert_eq!(ran.status, Some(42), "{ran}");
    let (marker, ran) = link("plain.exe", &["native.lib".to_owned()]);
    assert!(!marker, "lw_marker must not be linked without /WHOLEARCHIVE");
    assert_eq!(ran.status, Some(42), "{ran}");
}
