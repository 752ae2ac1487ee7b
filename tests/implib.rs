//! Import libraries linkwise writes (`linkwise::codegen::implib`), read back member by member and compared
//! with what llvm-dlltool writes from the equivalent `.def` file, for x86_64 and arm64; and a program whose
//! DLLs are all `kind = "raw-dylib"`, linked by lld-link with only its object and the import libraries
//! linkwise wrote (no llvm-dlltool, no MinGW or vendor library), run under wine.

mod support;

use linkwise::codegen::implib::{self, ImportLibrary, Which};
use object::read::archive::ArchiveFile;
use object::read::coff::{ImportFile, ImportName, ImportType};
use object::{Object, ObjectSymbol};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::TempDir;

/// A module importing from three DLL-ish libraries: `lwtest` (raw-dylib) with code, data, a `#[link_name]`
/// rename and ordinals for code and data; `other` (dylib); `vendor` (static, never an import library).
const IMPORTS: &str = r#"
#[link(name = "lwtest", kind = "raw-dylib")]
extern {
    fn add(i32, i32) -> i32;
    static mut counter: i32;
    #[link_name = "real_name"] fn alias() -> i32;
    #[link_ordinal(7)] fn by_ordinal() -> i32;
    #[link_ordinal(9)] static table: i32;
    fn add(i32, i32) -> i32;
}
#[link(name = "other")]
extern { fn other_fn(); }
#[link(name = "vendor", kind = "static")]
extern { fn vendor_fn(); }
pub fn f() -> i32 { other_fn(); vendor_fn(); return add(1, 2) + counter + alias() + by_ordinal() + table; }
"#;

/// `IMPORTS`' `lwtest` block as a module definition file says it.
const LWTEST_DEF: &str = "LIBRARY lwtest.dll\nEXPORTS\n    add\n    counter DATA\n    real_name\n    \
                          by_ordinal @7 NONAME\n    table @9 NONAME DATA\n";

/// A module exporting a function under its own name and a static under another one.
const EXPORTS: &str = r#"
#[export] pub fn lw_add(a: i32, b: i32) -> i32 { return a + b; }
#[export_name = "lw_value"] pub static VALUE: i32 = 5;
pub fn not_exported() {}
"#;

/// One member of an import library, as far as a linker cares.
#[derive(Debug, PartialEq, Eq)]
enum Member {
    /// A short import: symbol, DLL, code/data/const, how the DLL is asked (by name, or ordinal), machine.
    Import { symbol: String, dll: String, kind: &'static str, import: String, arch: object::Architecture },
    /// An object (the import descriptors and the null thunk): machine and its external symbols, defined or
    /// not, with their section numbers (0 = undefined).
    Object { arch: object::Architecture, symbols: Vec<(String, bool)> },
}

/// Every member of the archive `bytes`, in order, with its name, and the archive's symbol index.
fn read(bytes: &[u8]) -> (Vec<(String, Member)>, Vec<String>) {
    let archive = ArchiveFile::parse(bytes).expect("an archive");
    let mut members = Vec::new();
    for member in archive.members() {
        let member = member.expect("a member");
        let name = String::from_utf8_lossy(member.name()).into_owned();
        let data = member.data(bytes).expect("member data");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let view = if let Ok(import) = ImportFile::parse(data) {
            let kind = match import.import_type() {
                ImportType::Code => "code",
                ImportType::Data => "data",
                ImportType::Const => "const",
            };
            let how = match import.import() {
                ImportName::Ordinal(n) => format!("ordinal {n}"),
                ImportName::Name(n) => format!("name {}", text(n)),
            };
            Member::Import {
                symbol: text(import.symbol()),
                dll: text(import.dll()),
                kind,
                import: how,
                arch: import.architecture(),
            }
        } else {
            let file = object::File::parse(data).expect("an object member");
            let symbols = file
                .symbols()
                .filter(|s| s.is_global())
                .map(|s| (s.name().unwrap().to_owned(), s.is_undefined()))
                .collect();
            Member::Object { arch: file.architecture(), symbols }
        };
        members.push((name, view));
    }
    let index = archive
        .symbols()
        .expect("a symbol index")
        .expect("a symbol index")
        .map(|s| text_of(s.expect("an index entry").name()))
        .collect();
    (members, index)
}

fn text_of(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// llvm-dlltool's import library from `def` for `machine` (`i386:x86-64` or `arm64`).
fn dlltool(dir: &TempDir, name: &str, def: &str, machine: &str) -> Option<Vec<u8>> {
    let dlltool = support::tool("llvm-dlltool")?;
    let (def_path, lib) = (dir.join(&format!("{name}.def")), dir.join(&format!("{name}.lib")));
    std::fs::write(&def_path, def).unwrap();
    support::run(
        Command::new(dlltool).args(["-m", machine, "-d"]).arg(&def_path).arg("-l").arg(&lib),
        Duration::from_secs(60),
    )
    .assert_ok();
    Some(std::fs::read(lib).unwrap())
}

fn compiled(source: &str, triple: &str) -> linkwise::Compiled {
    let file = linkwise::SourceFile::new("m.lw", source);
    linkwise::compile(&file, &support::options(triple, &[])).unwrap_or_else(|d| panic!("{}", d.render(&file)))
}

/// Compares linkwise's import library with llvm-dlltool's from `def`, member by member and index entry by
/// index entry, then byte for byte (both implement the same format; any difference is worth seeing).
fn assert_same_as_dlltool(ours: &ImportLibrary, def: &str, machine: &str, dir: &TempDir) {
    let (members, index) = read(&ours.bytes);
    let Some(theirs) = dlltool(dir, &format!("{}-{machine}", ours.library).replace(':', "_"), def, machine)
    else {
        return;
    };
    let (their_members, their_index) = read(&theirs);
    assert_eq!(members.len(), their_members.len(), "ours: {members:#?}\nllvm-dlltool: {their_members:#?}");
    for (i, (a, b)) in members.iter().zip(&their_members).enumerate() {
        assert_eq!(a, b, "member {i} differs from llvm-dlltool's");
    }
    assert_eq!(index, their_index, "symbol index");
}

#[test]
fn import_libraries_match_llvm_dlltool_on_x86_64_and_arm64() {
    let dir = TempDir::new("implib-compare");
    for (triple, machine, arch) in [
        ("x86_64-pc-windows-msvc", "i386:x86-64", object::Architecture::X86_64),
        ("aarch64-pc-windows-msvc", "arm64", object::Architecture::Aarch64),
    ] {
        let c = compiled(IMPORTS, triple);
        let libs = implib::import_libraries(&c.program, &c.plan, Which::AllDylibs).unwrap();
        let names: Vec<(&str, &str, &str)> =
            libs.iter().map(|l| (l.library.as_str(), l.file_name.as_str(), l.dll.as_str())).collect();
        assert_eq!(names, [("lwtest", "lwtest.lib", "lwtest.dll"), ("other", "other.lib", "other.dll")]);
        let (members, _) = read(&libs[0].bytes);
        // The entries themselves, read back: `add` once although declared twice; link name, DATA, ordinals.
        let imports: Vec<_> = members
            .iter()
            .filter_map(|(_, m)| match m {
                Member::Import { symbol, dll, kind, import, arch: a } => {
                    assert_eq!((dll.as_str(), *a), ("lwtest.dll", arch));
                    Some((symbol.as_str(), *kind, import.as_str()))
                }
                Member::Object { .. } => None,
            })
            .collect();
        assert_eq!(
            imports,
            [
                ("add", "code", "name add"),
                ("counter", "data", "name counter"),
                ("real_name", "code", "name real_name"),
                ("by_ordinal", "code", "ordinal 7"),
                ("table", "data", "ordinal 9"),
            ],
            "{triple}"
        );
        assert_same_as_dlltool(&libs[0], LWTEST_DEF, machine, &dir);
        assert_same_as_dlltool(&libs[1], "LIBRARY other.dll\nEXPORTS\n    other_fn\n", machine, &dir);
    }
}

#[test]
fn only_raw_dylib_libraries_when_asked_and_deterministic() {
    let c = compiled(IMPORTS, "x86_64-pc-windows-msvc");
    let raw = implib::import_libraries(&c.program, &c.plan, Which::RawDylib).unwrap();
    assert_eq!(raw.iter().map(|l| l.library.as_str()).collect::<Vec<_>>(), ["lwtest"]);
    let again = compiled(IMPORTS, "x86_64-pc-windows-msvc");
    assert_eq!(raw, implib::import_libraries(&again.program, &again.plan, Which::RawDylib).unwrap());
    // No member carries a time stamp: TimeDateStamp is bytes 8..12 of a short import header (after two
    // signatures, the version and the machine) and bytes 4..8 of a COFF object's header.
    let archive = ArchiveFile::parse(&*raw[0].bytes).unwrap();
    for member in archive.members() {
        let data = member.unwrap().data(&*raw[0].bytes).unwrap();
        let stamp = if ImportFile::parse(data).is_ok() { &data[8..12] } else { &data[4..8] };
        assert_eq!(stamp, &[0, 0, 0, 0]);
    }
}

#[test]
fn verbatim_libraries_use_the_name_as_written_for_the_file_and_the_dll() {
    let source = IMPORTS.replace(
        r#"#[link(name = "lwtest", kind = "raw-dylib")]"#,
        r#"#[link(name = "lw-test.dll", kind = "raw-dylib", modifiers = "+verbatim")]"#,
    );
    assert_ne!(source, IMPORTS);
    let c = compiled(&source, "x86_64-pc-windows-msvc");
    let libs = implib::import_libraries(&c.program, &c.plan, Which::RawDylib).unwrap();
    assert_eq!((libs[0].file_name.as_str(), libs[0].dll.as_str()), ("lw-test.dll", "lw-test.dll"));
    let (members, _) = read(&libs[0].bytes);
    assert!(members.iter().any(|(_, m)| matches!(m, Member::Import { dll, .. } if dll == "lw-test.dll")));
}

#[test]
fn export_library_matches_llvm_dlltool() {
    let dir = TempDir::new("implib-export");
    for (triple, machine) in [("x86_64-pc-windows-msvc", "i386:x86-64"), ("aarch64-pc-windows-msvc", "arm64")]
    {
        let c = compiled(EXPORTS, triple);
        let target = linkwise::Target::parse(triple).unwrap();
        let lib = implib::export_library(&c.program, &target, "mathlib.dll").unwrap();
        assert_eq!((lib.file_name.as_str(), lib.dll.as_str()), ("mathlib.lib", "mathlib.dll"));
        assert_same_as_dlltool(
            &lib,
            "LIBRARY mathlib.dll\nEXPORTS\n    lw_add\n    lw_value DATA\n",
            machine,
            &dir,
        );
    }
}

#[test]
fn no_import_libraries_outside_windows() {
    // raw-dylib is Windows-only (the plan refuses it elsewhere); `-l dylib=` lets the module build on ELF.
    let file = linkwise::SourceFile::new("m.lw", IMPORTS);
    let options = support::options("x86_64-unknown-linux-gnu", &["dylib=lwtest"]);
    let c = linkwise::compile(&file, &options).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let err = implib::import_libraries(&c.program, &c.plan, Which::AllDylibs).unwrap_err();
    assert_eq!(
        err.message,
        "cannot write import libraries for the DLLs this module links: target `x86_64-unknown-linux-gnu` is \
         ELF, which has no import libraries"
    );
    let c = compiled(EXPORTS, "aarch64-apple-darwin");
    let target = linkwise::Target::parse("aarch64-apple-darwin").unwrap();
    let err = implib::export_library(&c.program, &target, "m.dll").unwrap_err();
    assert!(err.message.contains("target `aarch64-apple-darwin` is Mach-O"), "{}", err.message);
}

#[test]
fn one_symbol_by_name_and_by_ordinal_is_an_error_naming_both() {
    let source = "#[link(name = \"d\", kind = \"raw-dylib\")]\nextern { fn x(); }\n\
                  #[link(name = \"d\", kind = \"raw-dylib\")]\nextern { #[link_ordinal(3)] fn x(); }\n";
    let c = compiled(source, "x86_64-pc-windows-msvc");
    let err = implib::import_libraries(&c.program, &c.plan, Which::RawDylib).unwrap_err();
    let file = linkwise::SourceFile::new("m.lw", source);
    let shown = err.render(&file);
    assert!(shown.contains("`x` is imported from `d` both by name and by ordinal 3"), "{shown}");
    assert!(shown.contains("m.lw:4:"), "{shown}");
}

/// raw-dylib end to end: msvcrt and kernel32 with no import library but linkwise's.
const RAW_PROGRAM: &str = r#"
#[link(name = "msvcrt", kind = "raw-dylib")]
extern {
    #[link_name = "puts"] fn say(ptr) -> i32;
    fn tolower(i32) -> i32;
    #[link_name = "_environ"] static ENVIRON: ptr;
}
#[link(name = "kernel32", kind = "raw-dylib")]
extern { fn ExitProcess(i32); }

pub fn mainCRTStartup() {
    say("raw-dylib says hi\0");
    if ENVIRON == 0 as ptr { ExitProcess(1); }
    ExitProcess(tolower(66));
}
"#;

#[test]
fn raw_dylib_program_links_with_only_linkwise_import_libraries_and_runs() {
    let dir = TempDir::new("raw-dylib-run");
    let file = linkwise::SourceFile::new("raw.lw", RAW_PROGRAM);
    let (obj, _) =
        support::compile_to(&dir, "raw.obj", &file, &support::options("x86_64-pc-windows-msvc", &[]));
    let c = compiled(RAW_PROGRAM, "x86_64-pc-windows-msvc");
    let libs = implib::import_libraries(&c.program, &c.plan, Which::RawDylib).unwrap();
    let mut inputs = vec![obj];
    for lib in &libs {
        let path = dir.join(&lib.file_name);
        std::fs::write(&path, &lib.bytes).unwrap();
        inputs.push(path);
    }
    assert_eq!(libs.iter().map(|l| l.file_name.as_str()).collect::<Vec<_>>(), ["msvcrt.lib", "kernel32.lib"]);
    let Some(lld_link) = support::tool("lld-link") else { return };
    let Some(wine) = support::tool("wine") else { return };
    let exe = dir.join("raw.exe");
    let inputs: Vec<&Path> = inputs.iter().map(|p| p.as_path()).collect();
    // support::lld_link passes /nodefaultlib: nothing but these three files is read.
    support::lld_link(&lld_link, &inputs, &exe).assert_ok();
    let ran = support::wine(&wine, &exe);
    assert_eq!(ran.stdout.replace("\r\n", "\n"), "raw-dylib says hi\n", "{ran}");
    assert_eq!(ran.status, Some(98), "tolower('B'):\n{ran}");
}

#[test]
fn raw_dylib_program_links_for_arm64_and_imports_by_ordinal() {
    // Nothing here runs arm64 PE: the linked image's import table is read back instead.
    let source = format!(
        "{RAW_PROGRAM}\n#[link(name = \"lwtest\", kind = \"raw-dylib\")]\nextern {{ #[link_ordinal(7)] fn seven(); }}\n\
         pub fn g() {{ seven(); }}\n"
    );
    let dir = TempDir::new("raw-dylib-arm64");
    let file = linkwise::SourceFile::new("raw.lw", source.clone());
    let (obj, _) =
        support::compile_to(&dir, "raw.obj", &file, &support::options("aarch64-pc-windows-msvc", &[]));
    let c = compiled(&source, "aarch64-pc-windows-msvc");
    let mut args = vec![obj.display().to_string()];
    for lib in implib::import_libraries(&c.program, &c.plan, Which::RawDylib).unwrap() {
        std::fs::write(dir.join(&lib.file_name), &lib.bytes).unwrap();
        args.push(dir.join(&lib.file_name).display().to_string());
    }
    let Some(lld_link) = support::tool("lld-link") else { return };
    let exe = dir.join("raw.exe");
    support::run(
        Command::new(lld_link)
            .args([
                "/nologo",
                "/machine:arm64",
                "/entry:mainCRTStartup",
                "/subsystem:console",
                "/nodefaultlib",
            ])
            .args(["/include:g"])
            .args(&args)
            .arg(format!("/out:{}", exe.display())),
        Duration::from_secs(60),
    )
    .assert_ok();
    let image = std::fs::read(&exe).unwrap();
    let pe = object::read::pe::PeFile64::parse(&*image).unwrap();
    let mut imports: Vec<(String, String)> = pe
        .imports()
        .unwrap()
        .map(|i| {
            let i = i.unwrap();
            let name = match i.name() {
                object::NameOrOrdinal::Name(n) => text_of(n),
                object::NameOrOrdinal::Ordinal(n) => format!("#{n}"),
            };
            (text_of(i.library()), name)
        })
        .collect();
    imports.sort();
    // `seven` is imported from lwtest.dll by ordinal 7 alone, with no name.
    assert_eq!(
        imports,
        [
            ("kernel32.dll", "ExitProcess"),
            ("lwtest.dll", "#7"),
            ("msvcrt.dll", "_environ"),
            ("msvcrt.dll", "puts"),
            ("msvcrt.dll", "tolower"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

/// Issue 9 review: `import_libraries` scanned every import of the plan for each DLL library, quadratic in a
/// module of many libraries (70,000 `#[link]` libraries: 185 s for `--emit implib` in a release build). Here
/// 100,000 libraries of which one declares 30,000 functions, the others nothing: one import library, with
/// every function in source order. The guard is the algorithm; a quadratic one shows in the suite's time, not as a timed assertion.
#[test]
fn many_libraries_and_imports_are_gathered() {
    let (libraries, functions) = (100_000, 30_000);
    let mut src = String::from("#[link(name = \"one\")]\nextern {\n");
    for i in 0..functions {
        src.push_str(&format!("    fn g{i}();\n"));
    }
    src.push_str("}\n");
    for i in 0..libraries {
        src.push_str(&format!("#[link(name = \"empty{i}\")]\nextern {{}}\n"));
    }
    let c = compiled(&src, "x86_64-pc-windows-msvc");
    assert_eq!(c.plan.imports.len(), functions, "every declaration is an import of the plan");
    let libs = implib::import_libraries(&c.program, &c.plan, Which::AllDylibs).unwrap();
    let names: Vec<&str> = libs.iter().map(|l| l.file_name.as_str()).collect();
    assert_eq!(names, ["one.lib"]);
    let (members, _) = read(&libs[0].bytes);
    let imported: Vec<String> = members
        .into_iter()
        .filter_map(|(_, m)| match m {
            Member::Import { symbol, .. } => Some(symbol),
            Member::Object { .. } => None,
        })
        .collect();
    let want: Vec<String> = (0..functions).map(|i| format!("g{i}")).collect();
    assert_eq!(imported, want);
}
