//! `linkwise doctor` on real link lines (issue 12, item 1): response files as rustc writes them (UTF-16LE with a
//! byte-order mark, Debug-free quoting), link.exe options with `/` or `-` in any case, each modelled option
//! changing a prediction the way it changes lld-link's outcome, `LIB` and `/LIBPATH` library search, and the
//! seed blog's failure diagnosed from nothing but a pasted rustc link-failure note and `LIB`. Fixtures are built
//! here with clang in cl mode and llvm-lib; lld-link, given the same words and the same `LIB`, is the oracle.

mod support;
// The JSON Schema validator: every report here must follow docs/doctor.schema.json.
#[path = "support/schema.rs"]
mod schema;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The shared COFF fixtures (tests/support), and lld-link on a link line with `LIB` set.
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

    /// lld-link on exactly `args` with `LIB` set: "fails", "links with warnings" or "links", and its stderr.
    fn lld(&self, args: &[String], lib: &str) -> (String, String) {
        let mut cmd = Command::new(&self.lld_link);
        cmd.args(args).env("LIB", lib).current_dir(self.dir.path());
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
}

/// `linkwise doctor --format json --lib-env LIB ARGS`: (status, report, stderr), the report validated against
/// docs/doctor.schema.json.
fn doctor(lib: &str, args: &[String]) -> (i32, Value, String) {
    let mut argv =
        vec!["doctor".to_owned(), "--format".to_owned(), "json".to_owned(), "--lib-env".to_owned()];
    argv.push(lib.to_owned());
    argv.extend(args.iter().cloned());
    let (status, out, err) = support::linkwise(&argv);
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    schema::assert_follows("docs/doctor.schema.json", &json);
    (status, json, err)
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// The doctor and lld-link agree on `args`; every symbol the doctor calls undefined is one lld-link names.
fn agree(f: &Fixtures, lib: &str, args: &[String]) -> Value {
    let (status, report, err) = doctor(lib, args);
    let (outcome, stderr) = f.lld(args, lib);
    assert_eq!(
        report["lld_link_outcome"], outcome,
        "{args:?}\n{report:#}\n{err}\n--- lld-link ---\n{stderr}"
    );
    assert_eq!(status == 1, report["outcome"] == "fails");
    for finding in report["findings"].as_array().unwrap() {
        if finding["code"] == "LNK2019" {
            for s in finding["symbols"].as_array().unwrap() {
                let s = s.as_str().unwrap();
                let named = match s.strip_prefix("__imp_") {
                    Some(t) => format!("undefined symbol: __declspec(dllimport) {t}"),
                    None => format!("undefined symbol: {s}"),
                };
                assert!(stderr.contains(&named), "doctor: `{s}` undefined; lld-link:\n{stderr}");
            }
        }
    }
    report
}

const CRT_DECL: &str = "#ifdef _DLL\n#define CRTIMP __declspec(dllimport)\n#else\n#define CRTIMP\n#endif\nCRTIMP int tolower(int);\n";

/// The seed blog's link, as rustc 1.95 reports its failure: a `/MT` (crt-static) Rust program, an `/MD` vendor
/// library, and the C runtime's libraries in a directory `LIB` names. The note is written as rustc prints it
/// (`  = note: ` then the command, each argument Debug-quoted); doctor reads only the note and `LIB`.
#[test]
fn the_blog_scenario_from_a_pasted_rustc_note_and_lib() {
    let Some(f) = Fixtures::new("linkline-blog") else { return };
    let main = f.cl("main", &["/MT"], "int lib_lower(int);\nint main(void) { return lib_lower(65); }\n");
    let vendor_obj =
        f.cl("vendor", &["/MD"], &format!("{CRT_DECL}int lib_lower(int c) {{ return tolower(c); }}\n"));
    let vendor = f.library(&f.dir.join("vendor/vendor.lib"), &[&vendor_obj]);
    // The SDK directory: libcmt.lib with the entry point and a static tolower, an empty oldnames.lib.
    let crt0 =
        f.cl("crt0", &["/MT", "/Zl"], "int main(void);\nint mainCRTStartup(void) { return main(); }\n");
    let lower = f.cl("lower", &["/MT", "/Zl"], "int tolower(int c) { return c + 32; }\n");
    let sdk = f.dir.join("sdk");
    f.library(&sdk.join("libcmt.lib"), &[&crt0, &lower]);
    f.library(&sdk.join("oldnames.lib"), &[&f.cl("empty", &["/Zl"], "int oldnames_unused;\n")]);
    // What rustc passes for crt-static (msvcrt kept out), with a response file for the rest, UTF-16LE with its
    // byte-order mark and one quoted argument per line, as rustc writes `linker-arguments` for link.exe.
    let rsp = f.dir.join("linker-arguments");
    let rsp_text = format!(
        "\"{}\"\r\n\"/LIBPATH:{}\"\r\n\"/NODEFAULTLIB:msvcrt.lib\"\r\n",
        p(&vendor),
        p(&f.dir.join("vendor"))
    );
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(rsp_text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&rsp, bytes).unwrap();
    let debug = |s: &str| format!("{s:?}");
    let out = f.dir.join("app.exe");
    let note = format!(
        "error: linking with `link.exe` failed: exit code: 1120\n  |\n  = note: {} {} {} {} {}\n  = note: some arguments are omitted. use `--verbose` to show all linker arguments\n  = note: vendor.lib(vendor.obj) : error LNK2019: unresolved external symbol __imp_tolower referenced in function lib_lower\n\nerror: aborting due to 1 previous error\n",
        debug(
            "C:\\Program Files\\Microsoft Visual Studio\\2022\\BuildTools\\VC\\Tools\\MSVC\\14.44.35207\\bin\\HostX64\\x64\\link.exe"
        ),
        debug("/NOLOGO"),
        debug(&p(&main)),
        debug(&format!("@{}", p(&rsp))),
        debug(&format!("/OUT:{}", p(&out))),
    );
    let note_file = f.dir.join("build-error.txt");
    std::fs::write(&note_file, &note).unwrap();
    let lib = p(&sdk);
    let (status, report, err) = doctor(&lib, &["--rustc-note".to_owned(), p(&note_file)]);
    assert_eq!(status, 1, "{report:#}{err}");
    // No false LNK1104 for libcmt or oldnames: LIB finds them. The real failure is named.
    assert_eq!(codes(&report), ["LNK2019", "LNK4098"], "{report:#}");
    assert_eq!(report["findings"][0]["title"], "undefined symbol: __declspec(dllimport) tolower");
    let found = report["link_line"]["default_libraries_found"].to_string();
    assert!(found.contains("libcmt.lib") && found.contains("oldnames.lib"), "{found}");
    assert_eq!(report["link_line"]["response_files"][0], p(&rsp));
    // lld-link on the words of the note (without the program), in the same LIB: it fails on the same symbol.
    let words = vec!["/NOLOGO".to_owned(), p(&main), format!("@{}", p(&rsp)), format!("/OUT:{}", p(&out))];
    let (outcome, stderr) = f.lld(&words, &lib);
    assert_eq!(outcome, "fails", "{stderr}");
    assert!(stderr.contains("undefined symbol: __declspec(dllimport) tolower"), "{stderr}");
    assert!(!stderr.contains("could not open"), "{stderr}");
    // Without LIB, the C runtime cannot be found: real LNK1104s, which lld-link reports too (it stops there, so
    // the undefined symbol is doctor's alone).
    let (_, report, _) = doctor("", &words);
    let (outcome, stderr) = f.lld(&words, "");
    assert_eq!((report["lld_link_outcome"].as_str(), outcome.as_str()), (Some("fails"), "fails"));
    let missing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "LNK1104")
        .map(|f| f["title"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 2, "{report:#}");
    for lib in ["libcmt.lib", "oldnames.lib"] {
        assert!(missing.iter().any(|t| t.contains(lib)), "{missing:?}");
        assert!(stderr.contains(&format!("could not open '{lib}'")), "{stderr}");
    }
    assert!(report["findings"].to_string().contains("not found in the current directory"), "{report:#}");
}

/// Each modelled option, on one set of fixtures, changes the prediction as it changes lld-link's outcome.
#[test]
fn modelled_options_agree_with_lld_link() {
    let Some(f) = Fixtures::new("linkline-options") else { return };
    let main =
        f.cl("m", &["/Zl"], "int lib_lower(int);\nint mainCRTStartup(void) { return lib_lower(1); }\n");
    let lower = f.cl("lower", &["/Zl"], "int lib_lower(int c) { return c; }\n");
    // An unused member that needs a symbol nobody has: linked only by /WHOLEARCHIVE or /INCLUDE.
    let needy = f.cl("needy", &["/Zl"], "int missing_fn(void);\nint needy(void) { return missing_fn(); }\n");
    let dup =
        f.cl("dup", &["/Zl"], "int lib_lower(int c) { return c + 1; }\nint dup_only(void) { return 0; }\n");
    let libs = f.dir.join("libs");
    f.library(&libs.join("v.lib"), &[&lower, &needy]);
    f.library(&libs.join("d.lib"), &[&dup]);
    let alt = f.cl("alt", &["/Zl"], "int wanted(void);\nint mainCRTStartup(void) { return wanted(); }\n");
    let base = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "/nologo".to_owned(),
            "/subsystem:console".to_owned(),
            format!("/out:{}", p(&f.dir.join("o.exe"))),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let m = p(&main);
    let libpath = format!("/LIBPATH:{}", p(&libs));
    // (words, doctor's codes); lld-link's outcome must match in each.
    let cases: Vec<(Vec<String>, &[&str])> = vec![
        // /LIBPATH finds v.lib by name; /ENTRY given, defined.
        (base(&[&m, "v.lib", &libpath, "/ENTRY:mainCRTStartup"]), &[]),
        // /INCLUDE pulls needy in: its reference is undefined.
        (base(&[&m, "v.lib", &libpath, "-include:needy"]), &["LNK2019"]),
        // /FORCE:UNRESOLVED makes that a warning, the image is written.
        (base(&[&m, "v.lib", &libpath, "-include:needy", "/FORCE:UNRESOLVED"]), &["LNK2019"]),
        // /WHOLEARCHIVE:v.lib loads needy too.
        (base(&[&m, "v.lib", &libpath, "/WHOLEARCHIVE:v.lib"]), &["LNK2019"]),
        // Whole d.lib after v.lib's member: lib_lower twice.
        (base(&[&m, "v.lib", "d.lib", &libpath, "/wholearchive:d.lib"]), &["LNK2005"]),
        (base(&[&m, "v.lib", "d.lib", &libpath, "/wholearchive:d.lib", "/force:multiple"]), &["LNK2005"]),
        // /ENTRY naming a symbol nobody defines.
        (base(&[&m, "v.lib", &libpath, "/ENTRY:no_such_start"]), &["LNK2019"]),
        // /ALTERNATENAME resolves `wanted` to lib_lower (pulling v.lib's member); without it, undefined.
        (base(&[&p(&alt), "v.lib", &libpath, "/ALTERNATENAME:wanted=lib_lower"]), &[]),
        (base(&[&p(&alt), "v.lib", &libpath]), &["LNK2019"]),
        // /DLL wants _DllMainCRTStartup, which nothing defines.
        (base(&[&m, "v.lib", &libpath, "/DLL"]), &["LNK2019"]),
        // /MACHINE:X64 and /NODEFAULTLIB are accepted; the link is unchanged.
        (base(&[&m, "v.lib", &libpath, "/MACHINE:X64", "/NODEFAULTLIB"]), &[]),
    ];
    for (words, expected) in cases {
        let report = agree(&f, "", &words);
        assert_eq!(codes(&report), expected, "{words:?}: {report:#}");
        let forced = words.iter().any(|w| w.to_ascii_lowercase().starts_with("/force"));
        if forced {
            assert_eq!(report["outcome"], "links with warnings", "{words:?}");
        }
    }
}

/// Words clap must leave alone reach the link line: `-nodefaultlib:x` suppresses a default library, `-OUT:x`
/// and `/out:x` are listed as not affecting the prediction, and doctor's own flags work after the link words.
#[test]
fn dash_and_slash_words_reach_the_link_line() {
    let Some(f) = Fixtures::new("linkline-words") else { return };
    let obj = f.cl("a", &["/MT"], "int mainCRTStartup(void) { return 0; }\n");
    let argv = [
        "doctor",
        "-OUT:x.exe",
        &p(&obj),
        "/out:y.exe",
        "-nodefaultlib:libcmt.lib",
        "-NODEFAULTLIB:oldnames.lib",
        "--format",
        "json",
    ];
    let (status, out, err) = support::linkwise(&argv);
    assert_eq!(status, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["link_line"]["options_not_affecting_prediction"],
        serde_json::json!(["-OUT:x.exe", "/out:y.exe"])
    );
    assert_eq!(codes(&report), Vec::<String>::new());
    // Without the suppressions, both default libraries are missing.
    let (status, out, _) = support::linkwise(&["doctor", "/NOLOGO", &p(&obj)]);
    assert_eq!(status, 1);
    assert!(
        out.contains("options not affecting the prediction: /NOLOGO") && out.contains("`libcmt.lib`"),
        "{out}"
    );
    // An unknown option is a warning on stderr, not a failure to read.
    let (status, _, err) = support::linkwise(&["doctor", &p(&obj), "-frobnicate", "/NODEFAULTLIB"]);
    assert_eq!(status, 0, "{err}");
    assert!(err.contains("warning: `-frobnicate` is not a link.exe option"), "{err}");
    // A response file that includes itself is an error naming the chain, with doctor's "could not read its
    // inputs" status (docs/doctor.md "Exit status").
    let rsp = f.dir.join("loop.rsp");
    std::fs::write(&rsp, format!("\"@{}\"", p(&rsp))).unwrap();
    let (status, out, err) = support::linkwise(&["doctor", &format!("@{}", p(&rsp))]);
    assert_eq!((status, out.as_str()), (2, ""));
    assert!(err.contains("includes itself"), "{err}");
}
