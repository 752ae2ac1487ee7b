//! `linkwise doctor` against the linker: each scenario builds its fixtures (clang in cl mode with /MD or /MT,
//! llvm-lib archives, llvm-dlltool and MinGW import libraries, linkwise objects), asks the doctor for a
//! prediction, runs lld-link on the same inputs, and asserts that the prediction (fails / warns / links)
//! matches what lld-link did and that every symbol the doctor says is missing is one lld-link names.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::TempDir;

/// The C runtime headers declare CRT functions dllimport exactly when /MD defines _DLL; the fixtures do the
/// same without needing the Windows SDK.
const CRT_DECL: &str = "#ifdef _DLL\n#define CRTIMP __declspec(dllimport)\n#else\n#define CRTIMP\n#endif\nCRTIMP int tolower(int);\n";

/// The shared COFF fixtures (tests/support) and this file's C runtime stand-ins.
struct Fixtures(support::CoffFixtures);

impl std::ops::Deref for Fixtures {
    type Target = support::CoffFixtures;
    fn deref(&self) -> &support::CoffFixtures {
        &self.0
    }
}

impl Fixtures {
    fn new(label: &str) -> Option<Fixtures> {
        support::CoffFixtures::new(label).map(Fixtures)
    }

    /// A stand-in for the static C runtime: libcmt.lib defining `tolower` (compiled /MT /Zl: no default libs).
    fn static_crt(&self) -> PathBuf {
        let obj = self.cl(
            "crt_tolower",
            &["/MT", "/Zl"],
            "int tolower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }\n",
        );
        self.lib("libcmt", &[&obj])
    }

    /// The vendor library of the blog post: built /MD (or `flag`), calling tolower.
    fn vendor(&self, flag: &str) -> PathBuf {
        let src = format!("{CRT_DECL}int lib_lower(int c) {{ return tolower(c); }}\n");
        let obj = self.cl(&format!("vendor{}", flag.trim_start_matches('/')), &[flag], &src);
        self.lib(&format!("vendor{}", flag.trim_start_matches('/')), &[&obj])
    }
}

/// What `linkwise doctor --format json` says, and its exit status.
fn doctor(args: &[String]) -> (i32, Value) {
    let mut argv = vec!["doctor".to_owned(), "--format".to_owned(), "json".to_owned()];
    argv.extend(args.iter().cloned());
    let (status, out, err) = support::linkwise(&argv);
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    (status, json)
}

/// lld-link's outcome on the same inputs: "fails", "links with warnings" or "links", and its stderr.
fn lld_link(f: &Fixtures, args: &[String]) -> (String, String) {
    let mut cmd = Command::new(&f.lld_link);
    cmd.args(["/nologo", "/entry:mainCRTStartup", "/subsystem:console"]).args(args);
    cmd.arg(format!("/out:{}", f.dir.join("out.exe").display()));
    let ran = support::run(&mut cmd, Duration::from_secs(60));
    let outcome = if !ran.ok() {
        "fails"
    } else if ran.stderr.contains("warning") {
        "links with warnings"
    } else {
        "links"
    };
    (outcome.to_owned(), ran.stderr)
}

/// Runs doctor and lld-link on `args` and checks they agree; returns the doctor's report.
fn agree(f: &Fixtures, args: &[String]) -> Value {
    let (status, report) = doctor(args);
    let (lld_outcome, stderr) = lld_link(f, args);
    assert_eq!(
        report["lld_link_outcome"], lld_outcome,
        "doctor vs lld-link:\n{report:#}\n--- lld-link ---\n{stderr}"
    );
    assert_eq!(status == 1, report["outcome"] == "fails", "exit status says whether the link fails");
    assert_eq!(report["exit_code"], status, "the report carries the exit status");
    for finding in report["findings"].as_array().unwrap() {
        if finding["code"] != "LNK2019" {
            continue;
        }
        for symbol in finding["symbols"].as_array().unwrap() {
            let symbol = symbol.as_str().unwrap();
            let named = match symbol.strip_prefix("__imp_") {
                Some(s) => format!("undefined symbol: __declspec(dllimport) {s}"),
                None => format!("undefined symbol: {symbol}"),
            };
            assert!(stderr.contains(&named), "doctor says `{symbol}` is missing; lld-link said:\n{stderr}");
        }
        // Each place the doctor says refers to it is one of lld-link's `>>> referenced by` lines (issue 12).
        for reference in finding["references"].as_array().unwrap() {
            // lld-link names a library member by the library's file name, an object by its path.
            let file = reference["file"].as_str().unwrap();
            let at = match reference["member"].as_str() {
                Some(member) => {
                    format!("{}({member})", Path::new(file).file_name().unwrap().to_string_lossy())
                }
                None => file.to_owned(),
            };
            let line = match reference["function"].as_str() {
                Some(function) => format!(">>> referenced by {at}:({function})\n"),
                None => format!(">>> referenced by {at}\n"),
            };
            assert!(stderr.contains(&line), "doctor: `{line}`; lld-link said:\n{stderr}");
        }
    }
    report
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
}

fn s(paths: &[&Path], options: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).chain(options.iter().map(|o| o.to_string())).collect()
}

const MAIN: &str = "int lib_lower(int);\nint main(void) { return lib_lower(65); }\nint mainCRTStartup(void) { return main(); }\n";

#[test]
fn the_blog_post_md_library_in_a_static_crt_program() {
    let Some(f) = Fixtures::new("doctor-blog") else { return };
    let main = f.cl("main", &["/MT"], MAIN);
    let (vendor, libcmt) = (f.vendor("/MD"), f.static_crt());
    // rustc's crt-static link: libcmt, and msvcrt.lib kept out.
    let args = s(&[&main, &vendor, &libcmt], &["/NODEFAULTLIB:msvcrt.lib", "/NODEFAULTLIB:oldnames.lib"]);
    let report = agree(&f, &args);
    assert_eq!(report["outcome"], "fails");
    assert_eq!(codes(&report), ["LNK2019", "LNK4098"]);
    let finding = &report["findings"][0];
    assert_eq!(finding["title"], "undefined symbol: __declspec(dllimport) tolower");
    let text = finding.to_string();
    // The member that asked for the import, named as lld-link names it (the file name, not the stored path).
    let (_, stderr) = lld_link(&f, &args);
    assert!(stderr.contains("referenced by vendorMD.lib(vendorMD.obj):(lib_lower)"), "{stderr}");
    assert_eq!(
        finding["references"][0]["function"], "lib_lower",
        "the referencing function, as lld-link names it"
    );
    assert!(text.contains("vendorMD.lib(vendorMD.obj)") && text.contains("/DEFAULTLIB:msvcrt.lib"), "{text}");
    assert!(text.contains("libcmt.lib("), "names the library that defines it statically: {text}");
    assert!(text.contains("main.obj was built for the /MT"), "names the other side's C runtime: {text}");
    assert!(text.contains("-C target-feature=-crt-static"), "{text}");
    assert!(text.contains("msvc-crt-static = false"), "{text}");
}

#[test]
fn a_loaded_static_definition_turns_the_error_into_lnk4217() {
    let Some(f) = Fixtures::new("doctor-4217") else { return };
    // main also calls tolower directly, which links libcmt's member: the __imp_ reference then binds locally.
    let main = f.cl("main", &["/MT"], &format!("{CRT_DECL}int lib_lower(int);\nint main(void) {{ return lib_lower(65) + tolower(66); }}\nint mainCRTStartup(void) {{ return main(); }}\n"));
    let (vendor, libcmt) = (f.vendor("/MD"), f.static_crt());
    let args = s(&[&main, &vendor, &libcmt], &["/NODEFAULTLIB:msvcrt.lib", "/NODEFAULTLIB:oldnames.lib"]);
    let report = agree(&f, &args);
    assert_eq!(report["lld_link_outcome"], "links with warnings");
    assert_eq!(codes(&report), ["LNK4217", "LNK4098"]);
}

#[test]
fn mixed_crts_link_silently_with_lld_but_are_reported() {
    let Some(f) = Fixtures::new("doctor-mixed") else { return };
    let main = f.cl("main", &["/MD"], MAIN);
    let vendor = f.vendor("/MT");
    let msvcrt = f.import_lib("msvcrt", "i386:x86-64", "msvcrt.dll", &["tolower"]);
    let libcmt = f.static_crt();
    let args = s(&[&main, &vendor, &msvcrt, &libcmt], &["/NODEFAULTLIB:oldnames.lib"]);
    let report = agree(&f, &args);
    assert_eq!(
        (report["outcome"].as_str(), report["lld_link_outcome"].as_str()),
        (Some("links with warnings"), Some("links"))
    );
    assert_eq!(codes(&report), ["LNK4098"]);
    assert_eq!(report["findings"][0]["lld_link_reports"], false);
}

#[test]
fn conflicting_failifmismatch_values_fail_like_lnk2038() {
    let Some(f) = Fixtures::new("doctor-2038") else { return };
    let a = f.cl("a", &["/MD", "/Zl"], "#pragma detect_mismatch(\"RuntimeLibrary\", \"MD_DynamicRelease\")\nint mainCRTStartup(void) { return 0; }\n");
    let b = f.cl(
        "b",
        &["/MT", "/Zl"],
        "#pragma detect_mismatch(\"RuntimeLibrary\", \"MT_StaticRelease\")\nint other(void) { return 1; }\n",
    );
    let report = agree(&f, &s(&[&a, &b], &[]));
    assert_eq!(codes(&report), ["LNK2038", "LNK4098"]);
    assert_eq!(report["findings"][0]["title"], "mismatch detected for 'RuntimeLibrary'");
}

#[test]
fn consistent_dynamic_crt_links_and_missing_default_libraries_do_not() {
    let Some(f) = Fixtures::new("doctor-clean") else { return };
    let main = f.cl("main", &["/MD"], MAIN);
    let vendor = f.vendor("/MD");
    let msvcrt = f.import_lib("msvcrt", "i386:x86-64", "msvcrt.dll", &["tolower"]);
    let report = agree(&f, &s(&[&main, &vendor, &msvcrt], &["/NODEFAULTLIB:oldnames.lib"]));
    assert_eq!((report["outcome"].as_str(), codes(&report).len()), (Some("links"), 0));
    // The /MD objects also ask for oldnames.lib; without it the link cannot start.
    let report = agree(&f, &s(&[&main, &vendor, &msvcrt], &[]));
    assert_eq!(codes(&report), ["LNK1104"]);
    assert!(report["findings"][0]["title"].as_str().unwrap().contains("oldnames.lib"));
}

#[test]
fn newer_stl_helpers_are_named_with_the_toolset_fix() {
    let Some(f) = Fixtures::new("doctor-std") else { return };
    let obj = f.cl(
        "stl",
        &["/MD", "/Zl"],
        "void __std_find_trivial_1(void);\nint mainCRTStartup(void) { __std_find_trivial_1(); return 0; }\n",
    );
    let report = agree(&f, &s(&[&obj], &[]));
    assert_eq!(report["findings"][0]["title"], "undefined symbol: __std_find_trivial_1");
    assert!(report["findings"][0]["fixes"].to_string().contains("Visual Studio 2022 17.13"));
}

#[test]
fn mingw_import_libraries_and_linkwise_modules() {
    let Some(f) = Fixtures::new("doctor-mingw") else { return };
    let mingw = Path::new("/usr/x86_64-w64-mingw32/lib");
    if !mingw.join("libkernel32.a").is_file() {
        assert!(!support::tools_required(), "mingw-w64-x86-64-dev is required: run scripts/setup");
        return;
    }
    let hello = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello.lw");
    // The doctor compiles the .lw itself; lld-link gets the object linkwise writes for it.
    let obj = f.dir.join("hello.obj");
    let (status, _, err) =
        support::linkwise(&["build", hello.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    let (msvcrt, kernel32) = (mingw.join("libmsvcrt.a"), mingw.join("libkernel32.a"));
    // The object asks for msvcrt.lib and kernel32.lib (`/DEFAULTLIB:`, issue 9's autolink); the MinGW libraries
    // given by path stand for them, so the directives are switched off, as a user would, for both.
    let nodefault = ["/NODEFAULTLIB:msvcrt.lib", "/NODEFAULTLIB:kernel32.lib"];
    let (_, report) = doctor(&s(&[&hello, &msvcrt, &kernel32], &nodefault));
    let (lld, stderr) = lld_link(&f, &s(&[&obj, &msvcrt, &kernel32], &nodefault));
    assert_eq!(report["lld_link_outcome"], lld.as_str(), "{report:#}\n{stderr}");
    assert_eq!(report["outcome"], "links");
    // Long-format import members name their DLL through the library's head and tail members.
    let kernel = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("libkernel32.a"))
        .unwrap();
    let dlls: Vec<&String> = kernel["import_members"].as_object().unwrap().keys().collect();
    assert!(dlls.iter().any(|d| d.eq_ignore_ascii_case("KERNEL32.dll")), "{dlls:?}");
    assert!(kernel["import_members"]["KERNEL32.dll"].as_array().unwrap().iter().any(|s| s == "ExitProcess"));
}

#[test]
fn debug_and_release_runtimes_are_a_mix_too() {
    let Some(f) = Fixtures::new("doctor-mdd") else { return };
    let main = f.cl("main", &["/MDd"], MAIN);
    let vendor = f.vendor("/MD");
    let msvcrt = f.import_lib("msvcrt", "i386:x86-64", "msvcrt.dll", &["tolower"]);
    let args = s(&[&main, &vendor, &msvcrt], &["/NODEFAULTLIB:msvcrtd.lib", "/NODEFAULTLIB:oldnames.lib"]);
    let report = agree(&f, &args);
    assert_eq!(codes(&report), ["LNK4098"]);
    let evidence = report["findings"][0]["evidence"].to_string();
    assert!(evidence.contains("/MDd") && evidence.contains("/DEFAULTLIB:msvcrtd.lib"), "{evidence}");
    // Without the /NODEFAULTLIB, the debug runtime's import library is missing from the inputs.
    let report = agree(&f, &s(&[&main, &vendor, &msvcrt], &["/NODEFAULTLIB:oldnames.lib"]));
    assert_eq!(codes(&report)[0], "LNK1104");
}

/// Runs `linkwise doctor` with the human format; (status, stdout, stderr).
fn doctor_text(args: &[&str]) -> (i32, String, String) {
    let mut argv = vec!["doctor"];
    argv.extend(args);
    support::linkwise(&argv)
}

#[test]
fn malformed_inputs_are_errors_not_predictions() {
    let dir = TempDir::new("doctor-malformed");
    // A library whose first member (the linker member) claims 99999 bytes of a file that has 50 more.
    let mut truncated = b"!<arch>\n/               0           0     0     0       99999     `\n".to_vec();
    truncated.extend([0x41; 50]);
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("truncated.lib", truncated, "not a valid library"),
        (
            "noise.obj",
            (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
            "is not a COFF object or library",
        ),
        ("empty.obj", Vec::new(), "is not a COFF object or library"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let (status, out, err) = doctor_text(&[path.to_str().unwrap()]);
        // 2: doctor could not read its inputs (1 would say the link fails).
        assert_eq!(status, 2, "{name}: {out}{err}");
        assert!(out.is_empty(), "{name}: no prediction on unreadable input, got:\n{out}");
        assert!(err.contains(name) && err.contains(expected), "{name}: expected `{expected}`:\n{err}");
    }
    let (status, _, err) = doctor_text(&[dir.path().to_str().unwrap()]);
    assert_eq!(status, 2);
    assert!(err.contains("is a directory, not an object or library"), "{err}");
}

/// The `>>> defined at X` lines of lld-link's "duplicate symbol" error, in its order.
fn lld_duplicate_sites(stderr: &str) -> Vec<String> {
    stderr.lines().filter_map(|l| l.strip_prefix(">>> defined at ")).map(str::to_owned).collect()
}

/// Issue 7, defect 12: inputs `m.obj v.lib v.obj`, where v.lib holds a copy of v.obj. lld-link reads inputs in
/// command-line order: m.obj leaves `lib_lower` undefined, so reading v.lib loads its member, and v.obj then
/// defines `lib_lower` a second time. The doctor used to link every object before any library member and said
/// the link succeeds. Every order of the three inputs, each compared with lld-link; where it fails, the two
/// definitions are named in lld-link's order.
#[test]
fn an_object_after_a_library_holding_a_copy_of_it_is_a_duplicate() {
    let Some(f) = Fixtures::new("doctor-order") else { return };
    let m = f.cl("m", &["/Zl"], MAIN);
    let v = f.cl("v", &["/Zl"], "int lib_lower(int c) { return c + 32; }\n");
    let lib = f.lib("v", &[&v]);
    let orders: [([&Path; 3], bool); 6] = [
        ([&m, &lib, &v], true),
        ([&lib, &m, &v], true),
        ([&m, &v, &lib], false),
        ([&v, &m, &lib], false),
        ([&v, &lib, &m], false),
        // v.lib's definition is lazy when v.obj is read; a definition replaces a lazy symbol without loading it.
        ([&lib, &v, &m], false),
    ];
    for (order, duplicate) in orders {
        let names: Vec<String> =
            order.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        let args = s(&order, &[]);
        let report = agree(&f, &args);
        let (_, stderr) = lld_link(&f, &args);
        if !duplicate {
            assert_eq!(report["outcome"], "links", "{names:?}: {report:#}");
            continue;
        }
        assert_eq!(codes(&report), ["LNK2005"], "{names:?}: {report:#}");
        let finding = &report["findings"][0];
        assert_eq!(finding["title"], "duplicate symbol: lib_lower", "{names:?}");
        assert!(stderr.contains("duplicate symbol: lib_lower"), "{names:?}: {stderr}");
        // lld-link names the definition it had first (v.obj, read before the queued member loads), then the other.
        let sites = lld_duplicate_sites(&stderr);
        assert_eq!(sites.len(), 2, "{stderr}");
        let evidence: Vec<&str> =
            finding["evidence"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert!(
            evidence[0].starts_with("defined in ") && evidence[0].ends_with(&sites[0]),
            "{evidence:?} vs {sites:?}"
        );
        assert!(
            evidence[1].starts_with("and in ") && evidence[1].ends_with(&sites[1]),
            "{evidence:?} vs {sites:?}"
        );
        assert!(sites[0].ends_with("v.obj") && sites[1].ends_with("v.lib(v.obj)"), "{sites:?}");
    }
}

/// A library member queued by a reference is loaded after the inputs already queued, not at once: here L1's
/// member (loaded for m's `a`) references `b`, which y.obj, later on the command line, defines first; so L2's
/// copy of `b` is never loaded. Loading members depth-first would predict a duplicate `b`.
#[test]
fn queued_members_load_after_the_inputs_before_them() {
    let Some(f) = Fixtures::new("doctor-queue") else { return };
    let m = f.cl("m2", &["/Zl"], "int a(void);\nint mainCRTStartup(void) { return a(); }\n");
    let a = f.cl("a", &["/Zl"], "int b(void);\nint a(void) { return b(); }\n");
    let b = f.cl("b", &["/Zl"], "int b(void) { return 1; }\n");
    let y = f.cl("y", &["/Zl"], "int b(void) { return 2; }\n");
    let (l1, l2) = (f.lib("l1", &[&a]), f.lib("l2", &[&b]));
    let orders: [[&Path; 4]; 3] = [[&m, &l1, &l2, &y], [&l1, &l2, &m, &y], [&m, &l2, &l1, &y]];
    for order in orders {
        let report = agree(&f, &s(&order, &[]));
        assert_eq!(report["outcome"], "links", "{report:#}");
        let linked: Vec<&str> =
            report["linked_members"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert!(linked.iter().any(|n| n.ends_with("l1.lib(a.obj)")), "{linked:?}");
        assert!(!linked.iter().any(|n| n.contains("l2.lib")), "L2's `b` is never needed: {linked:?}");
    }
    // With y.obj left out, `b` is undefined when L1's member loads, and L2 provides it.
    let report = agree(&f, &s(&[&m, &l1, &l2], &[]));
    assert_eq!(report["outcome"], "links");
    assert!(report["linked_members"].to_string().contains("l2.lib(b.obj)"), "{report:#}");
}

/// `doctor` on modules and objects of another platform says what doctor models and what the input is, naming
/// the file (and the module's `target` line), instead of calling the file "not a COFF object".
#[test]
fn elf_and_mach_o_inputs_are_named_as_such() {
    let dir = TempDir::new("doctor-elf");
    let module = |triple: &str| {
        format!(
            "target {triple}\nextern {{ fn puts(ptr) -> i32; }}\npub fn main() -> i32 {{ return puts(\"hi\\0\"); }}\n"
        )
    };
    for (name, triple, format, windows) in [
        ("elf.lw", "x86_64-unknown-linux-gnu", "ELF", "x86_64-pc-windows-msvc"),
        ("macho.lw", "aarch64-apple-darwin", "Mach-O", "aarch64-pc-windows-msvc"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, module(triple)).unwrap();
        let shown = path.to_str().unwrap();
        let (status, out, err) = doctor_text(&[shown]);
        assert_eq!(status, 2, "{out}{err}");
        assert!(out.is_empty(), "no prediction: {out}");
        assert!(
            err.starts_with(&format!(
                "error[LW0701]: `{shown}` is a module for {triple}, whose objects are {format}: doctor models COFF (Windows) links only\n"
            )),
            "{err}"
        );
        assert!(err.contains(&format!(" --> {shown}:1:8\n")), "points at the target line: {err}");
        assert!(err.contains(&format!("the module's target: {format}")), "{err}");
        assert!(err.contains(&format!("`target {windows}`")), "{err}");
        assert!(!err.contains("not a COFF object"), "{err}");
    }
    // The objects and libraries `linkwise build` writes for those targets, given to doctor directly.
    let elf = dir.join("elf.lw");
    for (out, extra, expected) in [
        ("elf.o", &[][..], "elf.o` is an ELF object"),
        ("libelf.a", &["--emit", "lib"][..], "libelf.a(elf.o)` is an ELF object"),
    ] {
        let out = dir.join(out);
        let mut argv = vec!["build", elf.to_str().unwrap(), "-o", out.to_str().unwrap()];
        argv.extend(extra);
        let (status, _, err) = support::linkwise(&argv);
        assert_eq!(status, 0, "{err}");
        let (status, stdout, err) = doctor_text(&[out.to_str().unwrap()]);
        assert_eq!((status, stdout.as_str()), (2, ""), "{err}");
        assert!(err.contains(expected) && err.contains("doctor models COFF (Windows) links only"), "{err}");
    }
}
