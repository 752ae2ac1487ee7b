//! `linkwise check-libs` (issue 14) against the linkers: every declared kind checked against the library the
//! link finds, and every prediction confirmed by linking the module's object with lld-link or ld.lld (the link
//! fails, or succeeds, exactly as the finding says). Fixtures: an import library (llvm-dlltool) and a static
//! library (clang + llvm-lib) with the same names, on COFF x86_64 and arm64; a shared object and an archive on
//! ELF; MinGW's real import libraries for a symbol declared in the wrong library and one in none.

mod support;
// The JSON Schema validator (its own file: not every user of support/ has serde_json).
#[path = "support/schema.rs"]
mod schema;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The vendor library's C: a function and a variable, both exported from vendor.dll in the import library.
const VENDOR_C: &str = "int v_fn(int x) { return x + 1; }\nint v_data = 5;\n";

/// A module for `triple` calling `v_fn` (and reading `v_data` when `data`) from library `vendor`, declared
/// with `kind`.
fn module(dir: &Path, triple: &str, kind: &str, data: bool) -> PathBuf {
    let statics = if data { "    static v_data: i32;\n" } else { "" };
    let read = if data { " + v_data" } else { "" };
    let src = format!(
        "target {triple}\n\n#[link(name = \"vendor\", kind = \"{kind}\")]\nextern {{\n    fn v_fn(i32) -> i32;\n{statics}}}\n\n\
         pub fn main() -> i32 {{\n    return v_fn(1){read};\n}}\n"
    );
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("m-{kind}-{}.lw", triple.split('-').next().unwrap()));
    std::fs::write(&path, src).unwrap();
    path
}

/// `linkwise check-libs --format json ARGS`: the exit status and the report, validated against
/// docs/check-libs.schema.json.
fn check(args: &[String]) -> (i32, Value) {
    let mut argv = vec!["check-libs".to_owned(), "--format".to_owned(), "json".to_owned()];
    argv.extend(args.iter().cloned());
    let (status, out, err) = support::linkwise(&argv);
    let report: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: stdout {out:?}, stderr {err}"));
    schema::assert_follows("docs/check-libs.schema.json", &report);
    assert_eq!(report["exit_code"], status);
    (status, report)
}

/// The findings' `(code, symbol)`, in order.
fn codes(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_owned(), f["symbol"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The module's object, as `linkwise build` writes it (with its `/DEFAULTLIB` directives).
fn object(lw: &Path, extra: &[&str]) -> PathBuf {
    let obj = lw.with_extension("obj");
    let mut args = strings(&["build", &lw.display().to_string(), "-o", &obj.display().to_string()]);
    args.extend(strings(extra));
    let (status, _, err) = support::linkwise(&args);
    assert_eq!(status, 0, "{err}");
    obj
}

/// lld-link on the object with `/libpath:DIR`: whether it linked, and its stderr.
fn lld_link(lld: &Path, obj: &Path, dir: &Path, machine: &str) -> (bool, String) {
    let mut cmd = Command::new(lld);
    cmd.args(["/nologo", "/entry:main", "/subsystem:console", &format!("/machine:{machine}")])
        .arg(format!("/libpath:{}", dir.display()))
        .arg(format!("/out:{}", obj.with_extension("exe").display()))
        .arg(obj);
    let ran = support::run(&mut cmd, Duration::from_secs(60));
    (ran.ok(), ran.stderr)
}

/// The four COFF cases on one machine, each confirmed by lld-link: `dylib` against the static library (the
/// link fails on `__imp_`), `static` against the import library (a function links through its thunk, data
/// fails), and the matching kinds (no finding, links).
fn coff_cases(
    f: &support::CoffFixtures,
    triple: &str,
    cl_target: &str,
    dlltool_machine: &str,
    machine: &str,
) {
    let (imp, st) = (f.dir.join(&format!("{machine}-imp")), f.dir.join(&format!("{machine}-st")));
    std::fs::create_dir_all(&imp).unwrap();
    std::fs::create_dir_all(&st).unwrap();
    let lib =
        f.import_lib(&format!("{machine}-vendor"), dlltool_machine, "vendor.dll", &["v_fn", "v_data DATA"]);
    std::fs::rename(&lib, imp.join("vendor.lib")).unwrap();
    // /Zl: no /DEFAULTLIB of a C runtime, which the link does not need.
    let v = f.cl(&format!("{machine}-v"), &["/Zl", &format!("--target={cl_target}")], VENDOR_C);
    f.library(&st.join("vendor.lib"), &[&v]);
    let l = |dir: &Path| format!("-L{}", dir.display());

    // dylib declared, the library is static: an error per symbol, and lld-link fails on both slots.
    let lw = module(f.dir.path(), triple, "dylib", true);
    let (status, report) = check(&[lw.display().to_string(), l(&st)]);
    assert_eq!(status, 1, "{report:#}");
    assert_eq!(
        codes(&report),
        [("dylib-but-static".into(), "v_fn".into()), ("dylib-but-static".into(), "v_data".into())]
    );
    let fix = &report["findings"][0]["fixes"][0]["text"];
    assert_eq!(fix, "#[link(name = \"vendor\", kind = \"static\")]");
    let (linked, stderr) = lld_link(&f.lld_link, &object(&lw, &[]), &st, machine);
    assert!(
        !linked
            && stderr.contains("undefined symbol: __declspec(dllimport) v_fn")
            && stderr.contains("__declspec(dllimport) v_data"),
        "{stderr}"
    );
    // The fix the finding gives, as a -l override: no finding, and the link succeeds.
    let (status, report) = check(&[lw.display().to_string(), l(&st), "-l".into(), "static=vendor".into()]);
    assert_eq!((status, codes(&report)), (0, vec![]), "{report:#}");
    let (linked, stderr) = lld_link(&f.lld_link, &object(&lw, &["-l", "static=vendor"]), &st, machine);
    assert!(linked, "{stderr}");

    // static declared, the library is an import library: the function links through the thunk (a
    // warning), the data does not (an error); lld-link agrees on each.
    let lw = module(f.dir.path(), triple, "static", true);
    let (status, report) = check(&[lw.display().to_string(), l(&imp)]);
    assert_eq!(status, 1);
    assert_eq!(
        codes(&report),
        [("static-but-import".into(), "v_fn".into()), ("static-but-import-data".into(), "v_data".into())]
    );
    assert_eq!(report["findings"][0]["severity"], "warning");
    assert!(report["findings"][0]["call_site"]["with_fix"].as_str().unwrap().contains("__imp_v_fn"));
    let (linked, stderr) = lld_link(&f.lld_link, &object(&lw, &[]), &imp, machine);
    assert!(!linked && stderr.contains("undefined symbol: v_data") && !stderr.contains("v_fn"), "{stderr}");
    let fn_only = module(&f.dir.join(&format!("{machine}-fn")), triple, "static", false);
    let (status, report) = check(&[fn_only.display().to_string(), l(&imp)]);
    assert_eq!((status, codes(&report)), (0, vec![("static-but-import".into(), "v_fn".into())]));
    assert_eq!(report["outcome"], "links with warnings");
    let (linked, stderr) = lld_link(&f.lld_link, &object(&fn_only, &[]), &imp, machine);
    assert!(linked, "{stderr}");

    // dylib against the import library: nothing to say, and it links.
    let lw = module(&f.dir.join(&format!("{machine}-ok")), triple, "dylib", true);
    let (status, report) = check(&[lw.display().to_string(), l(&imp)]);
    assert_eq!((status, codes(&report)), (0, vec![]), "{report:#}");
    assert!(lld_link(&f.lld_link, &object(&lw, &[]), &imp, machine).0);
}

#[test]
fn coff_kinds_against_import_and_static_libraries_x64() {
    let Some(f) = support::CoffFixtures::new("check-libs-x64") else { return };
    coff_cases(&f, "x86_64-pc-windows-msvc", "x86_64-pc-windows-msvc", "i386:x86-64", "x64");
}

#[test]
fn coff_kinds_against_import_and_static_libraries_arm64() {
    let Some(f) = support::CoffFixtures::new("check-libs-arm64") else { return };
    coff_cases(&f, "aarch64-pc-windows-msvc", "aarch64-pc-windows-msvc", "arm64", "arm64");
}

/// MinGW's real import libraries (under lld-link's names): `MessageBoxA` declared in kernel32, where it is not
/// (it is user32's: named), a function no library has, and a block without `#[link]` whose function kernel32
/// has; lld-link confirms each failure, and the fixed module links.
#[test]
fn wrong_library_missing_symbol_and_missing_link_with_mingw_libraries() {
    let Some(f) = support::CoffFixtures::new("check-libs-mingw") else { return };
    let mingw = Path::new("/usr/x86_64-w64-mingw32/lib");
    let Some(_) = support::require(
        "mingw-w64-x86-64-dev",
        mingw.join("libuser32.a").is_file().then(|| mingw.to_owned()),
        support::tools_required(),
    ) else {
        return;
    };
    let libs = f.dir.join("libs");
    std::fs::create_dir_all(&libs).unwrap();
    for name in ["kernel32", "user32"] {
        std::os::unix::fs::symlink(mingw.join(format!("lib{name}.a")), libs.join(format!("{name}.lib")))
            .unwrap();
    }
    let src = "target x86_64-pc-windows-msvc\n\n#[link(name = \"kernel32\")]\nextern {\n    fn MessageBoxA(ptr, ptr, ptr, i32) -> i32;\n    fn no_such_function();\n    fn ExitProcess(i32);\n}\n\n\
               extern {\n    fn GetStdHandle(i32) -> ptr;\n}\n\n\
               pub fn main() -> i32 {\n    no_such_function();\n    GetStdHandle(0);\n    return MessageBoxA(0 as ptr, 0 as ptr, 0 as ptr, 0);\n}\n";
    let lw = f.dir.join("wrong.lw");
    std::fs::write(&lw, src).unwrap();
    // -L libs for the plan's libraries, -L MinGW's directory so every library there is known.
    let args = [lw.display().to_string(), format!("-L{}", libs.display()), format!("-L{}", mingw.display())];
    let (status, report) = check(&args);
    assert_eq!(status, 1, "{report:#}");
    assert_eq!(
        codes(&report),
        [
            ("not-found".into(), "MessageBoxA".into()),
            ("not-found".into(), "no_such_function".into()),
            ("missing-link".into(), "GetStdHandle".into()),
        ]
    );
    let findings = report["findings"].as_array().unwrap();
    assert!(findings[0]["found_in"].as_str().unwrap().ends_with("user32.lib"), "{report:#}");
    assert_eq!(findings[0]["fixes"][0]["text"], "#[link(name = \"user32\")]");
    assert_eq!(findings[1]["found_in"], Value::Null);
    // GetStdHandle's block has no #[link], but kernel32 (another block's) has it: it links, by luck.
    assert_eq!(findings[2]["severity"], "warning");
    assert_eq!(findings[2]["fixes"][0]["text"], "#[link(name = \"kernel32\", kind = \"dylib\")]");
    assert!(report["libraries_read"].as_u64().unwrap() > 800, "every MinGW library was read: {report:#}");
    let (linked, stderr) = lld_link(&f.lld_link, &object(&lw, &[]), &libs, "x64");
    assert!(!linked, "{stderr}");
    assert!(stderr.contains("undefined symbol: __declspec(dllimport) MessageBoxA"), "{stderr}");
    assert!(stderr.contains("undefined symbol: __declspec(dllimport) no_such_function"), "{stderr}");
    assert!(!stderr.contains("GetStdHandle"), "{stderr}");

    // Fixed as the findings say: MessageBoxA in a user32 block, no_such_function gone.
    let fixed = src
        .replace("    fn MessageBoxA(ptr, ptr, ptr, i32) -> i32;\n    fn no_such_function();\n", "")
        .replace("    no_such_function();\n", "")
        .replace("extern {\n    fn GetStdHandle", "#[link(name = \"user32\")]\nextern {\n    fn MessageBoxA(ptr, ptr, ptr, i32) -> i32;\n}\n\n#[link(name = \"kernel32\")]\nextern {\n    fn GetStdHandle");
    let lw = f.dir.join("fixed.lw");
    std::fs::write(&lw, fixed).unwrap();
    let (status, report) = check(&[lw.display().to_string(), format!("-L{}", libs.display())]);
    assert_eq!((status, codes(&report)), (0, vec![]), "{report:#}");
    let (linked, stderr) = lld_link(&f.lld_link, &object(&lw, &[]), &libs, "x64");
    assert!(linked, "{stderr}");
}

/// ELF: `static` against a directory with the shared object and the archive (ld.lld's `-lvendor` takes the
/// `.so`: linked dynamically, a warning), `dylib` with only the archive (copied into the program).
/// Confirmed on the linked program's dynamic section (`NEEDED libvendor.so`, or none).
#[test]
fn elf_kinds_against_shared_objects_and_archives() {
    let (Some(clang), Some(ld), Some(ar), Some(readelf)) = (
        support::tool("clang"),
        support::tool("ld.lld"),
        support::tool("llvm-ar"),
        support::tool("llvm-readelf"),
    ) else {
        return;
    };
    let dir = support::TempDir::new("check-libs-elf");
    let c = dir.join("v.c");
    std::fs::write(&c, VENDOR_C).unwrap();
    let o = dir.join("v.o");
    support::run(
        Command::new(&clang).args(["--target=x86_64-linux-gnu", "-fPIC", "-c"]).arg(&c).arg("-o").arg(&o),
        Duration::from_secs(60),
    )
    .assert_ok();
    let (both, archive_only) = (dir.join("both"), dir.join("archive"));
    for d in [&both, &archive_only] {
        std::fs::create_dir_all(d).unwrap();
        support::run(Command::new(&ar).arg("rc").arg(d.join("libvendor.a")).arg(&o), Duration::from_secs(60))
            .assert_ok();
    }
    support::run(
        Command::new(&ld)
            .args(["-shared", "-soname", "libvendor.so", "-o"])
            .arg(both.join("libvendor.so"))
            .arg(&o),
        Duration::from_secs(60),
    )
    .assert_ok();
    let needed = |exe: &Path| {
        let ran =
            support::run(Command::new(&readelf).arg("-d").arg(exe), Duration::from_secs(60)).assert_ok();
        ran.stdout.contains("Shared library: [libvendor.so]")
    };
    let link = |lw: &Path, d: &Path, out: &str| {
        let exe = dir.join(out);
        let (status, _, err) = support::linkwise(&[
            "build".to_owned(),
            lw.display().to_string(),
            "--emit".into(),
            "exe".into(),
            "-o".into(),
            exe.display().to_string(),
            format!("-L{}", d.display()),
        ]);
        assert_eq!(status, 0, "{err}");
        exe
    };
    let lw = module(dir.path(), "x86_64-unknown-linux-gnu", "static", false);
    let (status, report) = check(&[lw.display().to_string(), format!("-L{}", both.display())]);
    assert_eq!(
        (status, codes(&report)),
        (0, vec![("static-but-shared".into(), "v_fn".into())]),
        "{report:#}"
    );
    assert!(needed(&link(&lw, &both, "static-both")), "ld.lld linked libvendor.so, as the finding says");
    let (status, report) = check(&[lw.display().to_string(), format!("-L{}", archive_only.display())]);
    assert_eq!((status, codes(&report)), (0, vec![]), "{report:#}");
    assert!(!needed(&link(&lw, &archive_only, "static-archive")));

    let lw = module(&dir.join("dy"), "x86_64-unknown-linux-gnu", "dylib", false);
    let (status, report) = check(&[lw.display().to_string(), format!("-L{}", archive_only.display())]);
    assert_eq!(
        (status, codes(&report)),
        (0, vec![("dylib-but-archive".into(), "v_fn".into())]),
        "{report:#}"
    );
    assert!(
        !needed(&link(&lw, &archive_only, "dylib-archive")),
        "copied into the program, as the finding says"
    );
    let (status, report) = check(&[lw.display().to_string(), format!("-L{}", both.display())]);
    assert_eq!((status, codes(&report)), (0, vec![]), "{report:#}");
}

/// The human form: rustc-style diagnostics at the declaration, the call site now and with the fix, and a
/// summary; a library not on the search path is an error at its `#[link]`.
#[test]
fn human_report_points_at_the_declaration() {
    let dir = support::TempDir::new("check-libs-human");
    let lw = module(dir.path(), "x86_64-pc-windows-msvc", "dylib", false);
    let (status, out, _) = support::linkwise(&[
        "check-libs".to_owned(),
        lw.display().to_string(),
        format!("-L{}", dir.path().display()),
    ]);
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("error[LW0710]: library `vendor` is not on the search path of x86_64-pc-windows-msvc"),
        "{out}"
    );
    assert!(out.contains(&format!("--> {}:3:1", lw.display())), "{out}");
    assert!(out.contains("looked for vendor.lib in the current directory, -L "), "{out}");
    assert!(
        out.ends_with("check-libs: 0 of 1 libraries found, 0 library files read; the link would fail\n"),
        "{out}"
    );
}

/// The review's cases, each failing before its fix: a libc function declared without `#[link]` on Linux is
/// no finding (the driver links libc itself), one that exists nowhere is `not-found`; two blocks of one
/// library read it once; a renamed library's fixes name it as the source does; and `build --check-libs`
/// stops before writing, while `--emit exe` only reports.
#[test]
fn implicit_libraries_renames_duplicates_and_build_integration() {
    let Some(f) = support::CoffFixtures::new("check-libs-review") else { return };
    let elf = f.dir.join("libc.lw");
    std::fs::write(
        &elf,
        "target x86_64-unknown-linux-gnu\n\nextern {\n    fn puts(ptr) -> i32;\n    fn nowhere_at_all_xyz();\n}\n\n\
         pub fn main() -> i32 {\n    nowhere_at_all_xyz();\n    return puts(\"x\\0\");\n}\n",
    )
    .unwrap();
    let (status, report) = check(&[elf.display().to_string()]);
    assert_eq!(
        (status, codes(&report)),
        (1, vec![("not-found".into(), "nowhere_at_all_xyz".into())]),
        "{report:#}"
    );

    let st = f.dir.join("st");
    std::fs::create_dir_all(&st).unwrap();
    let v = f.cl("v", &["/Zl"], VENDOR_C);
    f.library(&st.join("vendor2.lib"), &[&v]);
    let lw = f.dir.join("two.lw");
    std::fs::write(
        &lw,
        "target x86_64-pc-windows-msvc\n\n#[link(name = \"vendor\", kind = \"dylib\")]\nextern {\n    fn v_fn(i32) -> i32;\n}\n\n\
         #[link(name = \"vendor\", kind = \"dylib\")]\nextern {\n    static v_data: i32;\n}\n\n\
         pub fn main() -> i32 {\n    return v_fn(v_data);\n}\n",
    )
    .unwrap();
    let args =
        [lw.display().to_string(), format!("-L{}", st.display()), "-l".into(), "dylib=vendor:vendor2".into()];
    let (status, report) = check(&args);
    assert_eq!(status, 1, "{report:#}");
    assert_eq!(report["libraries"].as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(report["libraries_read"], 1);
    let fixes = &report["findings"][0]["fixes"];
    assert_eq!(fixes[0]["text"], "#[link(name = \"vendor\", kind = \"static\")]");
    assert!(fixes[1]["text"].as_str().unwrap().starts_with("-l static=vendor:vendor2 "), "{fixes:#}");

    // build --check-libs: the error, and no object written; --emit exe: the findings reported, the link run.
    let obj = f.dir.join("two.obj");
    let mut build =
        vec!["build".to_owned(), lw.display().to_string(), "-o".into(), obj.display().to_string()];
    build.extend(args[1..].iter().cloned());
    let mut strict = build.clone();
    strict.push("--check-libs".into());
    let (status, _, err) = support::linkwise(&strict);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("error[LW0711]: `v_fn` is declared as coming from a DLL"), "{err}");
    assert!(err.contains("the library check predicts the link fails: nothing was written"), "{err}");
    assert!(!obj.exists());
    let (status, _, err) = support::linkwise(&build);
    assert_eq!(status, 0, "{err}");
    assert!(obj.exists() && err.is_empty(), "{err}");
}
