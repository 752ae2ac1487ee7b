//! The C runtime mode (issue 9, `--crt`): a module's `#[crt]` block is the C runtime, and the object says which
//! build of it the module was compiled for exactly as clang-cl's objects do, so that lld-link mixes modes only
//! with its own `/failifmismatch` error, and `linkwise doctor` reads the mode back. clang-cl objects are built
//! in the test for each of `/MD`, `/MT`, `/MDd`, `/MTd` and compared with linkwise's.

mod support;

use linkwise::CrtMode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::TempDir;

const WINDOWS: &str = "x86_64-pc-windows-msvc";

/// A module whose only import is the C runtime's `puts`.
const MODULE: &str =
    "#[crt]\nextern { fn puts(ptr) -> i32; }\npub fn lw_f() -> i32 { return puts(\"x\\0\"); }\n";

/// The C counterpart. MSVC's own headers (yvals.h) say which runtime a translation unit was built for with
/// `#pragma detect_mismatch("RuntimeLibrary", ...)`, chosen by the macros the compiler's `/M` switch defines
/// (`_DLL` for the DLL runtime, `_DEBUG` for the debug one); clang-cl defines the same macros and writes the
/// pragma as `/FAILIFMISMATCH:`. Its `/DEFAULTLIB:` directives come from the switch itself.
const C_SOURCE: &str = r#"
#if defined(_DLL) && defined(_DEBUG)
#pragma detect_mismatch("RuntimeLibrary", "MDd_DynamicDebug")
#elif defined(_DLL)
#pragma detect_mismatch("RuntimeLibrary", "MD_DynamicRelease")
#elif defined(_DEBUG)
#pragma detect_mismatch("RuntimeLibrary", "MTd_StaticDebug")
#else
#pragma detect_mismatch("RuntimeLibrary", "MT_StaticRelease")
#endif
int puts(const char *);
int c_f(void) { return puts("x"); }
"#;

/// A linkwise object of [`MODULE`] for `mode`, written to `dir`.
fn linkwise_object(dir: &TempDir, mode: CrtMode) -> (PathBuf, Vec<u8>) {
    let mut options = support::options(WINDOWS, &[]);
    options.crt = mode;
    let file = linkwise::SourceFile::new("crt.lw", MODULE);
    support::compile_to(dir, &format!("lw_{}.obj", mode.as_str()), &file, &options)
}

/// clang-cl's object of [`C_SOURCE`] with the mode's switch (`/MD`, ...); `None` when clang is missing outside CI.
fn clang_cl_object(dir: &TempDir, mode: CrtMode) -> Option<PathBuf> {
    let clang = support::tool("clang")?;
    let source = dir.join("crt.c");
    std::fs::write(&source, C_SOURCE).unwrap();
    let obj = dir.join(&format!("c_{}.obj", mode.as_str()));
    let mut cmd = Command::new(clang);
    cmd.args(["--driver-mode=cl", "/nologo", "/c", mode.msvc_switch()])
        .arg(&source)
        .arg(format!("/Fo{}", obj.display()));
    support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
    Some(obj)
}

/// The `.drectve` section of a COFF object, as text.
fn drectve(bytes: &[u8]) -> String {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    let section = file.section_by_name(".drectve").expect("a .drectve section");
    String::from_utf8(section.data().unwrap().to_vec()).unwrap()
}

#[test]
fn each_mode_carries_exactly_the_directives_clang_cl_writes() {
    let dir = TempDir::new("crt-directives");
    for mode in CrtMode::ALL {
        let (_, bytes) = linkwise_object(&dir, mode);
        let ours = drectve(&bytes);
        assert!(
            ours.contains(&format!("/FAILIFMISMATCH:\"RuntimeLibrary={}\"", mode.runtime_library())),
            "{ours}"
        );
        let Some(theirs) = clang_cl_object(&dir, mode) else { return };
        let theirs = drectve(&std::fs::read(theirs).unwrap());
        // Byte for byte: the same libraries in the same order, the same check, the same spacing and quotes.
        assert_eq!(ours, theirs, "{}", mode.msvc_switch());
    }
}

#[test]
fn mixing_modes_fails_with_lld_links_own_mismatch_error() {
    let dir = TempDir::new("crt-mismatch");
    let (dynamic, _) = linkwise_object(&dir, CrtMode::Dynamic);
    let (static_, _) = linkwise_object(&dir, CrtMode::Static);
    let Some(c_static) = clang_cl_object(&dir, CrtMode::Static) else { return };
    let Some(lld_link) = support::tool("lld-link") else { return };
    // A DLL with no entry point: the C runtime's libraries are not needed to reach the directive check, and
    // `/force:unresolved` keeps their absence from being the only error.
    let link = |inputs: &[&Path], out: &str| {
        let mut cmd = Command::new(&lld_link);
        cmd.args(["/nologo", "/dll", "/noentry", "/nodefaultlib", "/force:unresolved"]).args(inputs);
        cmd.arg(format!("/out:{}", dir.join(out).display()));
        support::run(&mut cmd, Duration::from_secs(60))
    };
    let mixed = link(&[&dynamic, &c_static], "mixed.dll");
    assert!(!mixed.ok(), "{mixed}");
    assert!(mixed.stderr.contains("/failifmismatch: mismatch detected for 'RuntimeLibrary'"), "{mixed}");
    assert!(mixed.stderr.contains("has value MD_DynamicRelease"), "{mixed}");
    assert!(mixed.stderr.contains("has value MT_StaticRelease"), "{mixed}");
    // The same objects in one mode link.
    link(&[&static_, &c_static], "same.dll").assert_ok();
}

/// In each of `modes`, the relocations of `.text` that name `puts` are exactly one, to `symbol`.
#[track_caller]
fn assert_puts_called_through(label: &str, modes: [CrtMode; 2], symbol: &str) {
    let dir = TempDir::new(label);
    for mode in modes {
        let (_, bytes) = linkwise_object(&dir, mode);
        let puts: Vec<String> = support::relocation_targets(&bytes, ".text")
            .into_iter()
            .map(|(_, s)| s)
            .filter(|s| s.contains("puts"))
            .collect();
        assert_eq!(puts, [symbol], "{mode}");
    }
}

#[test]
fn dynamic_modes_call_the_c_runtime_through_import_slots() {
    assert_puts_called_through("crt-dynamic", [CrtMode::Dynamic, CrtMode::DynamicDebug], "__imp_puts");
}

#[test]
fn static_modes_call_the_c_runtime_directly() {
    assert_puts_called_through("crt-static", [CrtMode::Static, CrtMode::StaticDebug], "puts");
}

/// `linkwise doctor --format json` on `inputs`.
fn doctor(inputs: &[&Path]) -> Value {
    let mut argv = vec!["doctor".to_owned(), "--format".to_owned(), "json".to_owned()];
    argv.extend(inputs.iter().map(|p| p.display().to_string()));
    let (_, out, err) = support::linkwise(&argv);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"))
}

#[test]
fn doctor_reads_the_mode_from_linkwise_objects() {
    let dir = TempDir::new("crt-doctor");
    for mode in CrtMode::ALL {
        let (obj, _) = linkwise_object(&dir, mode);
        let report = doctor(&[&obj]);
        let member = &report["inputs"][0]["objects"][0];
        assert_eq!(member["crt"], mode.msvc_switch(), "{report:#}");
        let evidence = format!("/FAILIFMISMATCH:\"RuntimeLibrary={}\"", mode.runtime_library());
        assert_eq!(member["crt_evidence"], evidence.as_str(), "{report:#}");
        // The default libraries are what a link without them would miss.
        let missing: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "LNK1104")
            .filter_map(|f| f["title"].as_str())
            .collect();
        for lib in mode.default_libraries() {
            assert!(missing.iter().any(|t| t.contains(&format!("`{lib}.lib`"))), "{mode}: {missing:?}");
        }
    }
    // Two linkwise objects of different modes: the doctor predicts lld-link's mismatch error.
    let (dynamic, _) = linkwise_object(&dir, CrtMode::Dynamic);
    let (static_, _) = linkwise_object(&dir, CrtMode::Static);
    let report = doctor(&[&dynamic, &static_]);
    let codes: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"LNK2038"), "{report:#}");
}
