//! `linkwise doctor`'s report as a contract (issue 12 items 3, 5 and 6): the evidence lld-link gives (who
//! refers to an undefined symbol, from which function, who defines it) and link.exe's own lines, checked
//! against lld-link on fixtures built here; machine-type conflicts in lld-link's words; libraries doctor
//! cannot read as errors; exit statuses 0/1/2; and every JSON report validated against
//! docs/doctor.schema.json by a validator for the subset of JSON Schema the schema uses.

mod support;
// The JSON Schema validator (its own file: not every user of support/ has serde_json).
#[path = "support/schema.rs"]
mod schema;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The shared COFF fixtures (tests/support), and lld-link run the way this file's checks need.
struct Tools(support::CoffFixtures);

impl std::ops::Deref for Tools {
    type Target = support::CoffFixtures;
    fn deref(&self) -> &support::CoffFixtures {
        &self.0
    }
}

impl Tools {
    fn new(label: &str) -> Option<Tools> {
        support::CoffFixtures::new(label).map(Tools)
    }

    /// lld-link on `args`: whether it linked, and its stderr.
    fn lld_link(&self, args: &[String]) -> (bool, String) {
        let mut cmd = Command::new(&self.lld_link);
        cmd.args(["/nologo", "/entry:mainCRTStartup", "/subsystem:console"]).args(args);
        cmd.arg(format!("/out:{}", self.dir.join("out.exe").display()));
        let ran = support::run(&mut cmd, Duration::from_secs(60));
        (ran.ok(), ran.stderr)
    }
}

fn args(paths: &[&Path], options: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).chain(options.iter().map(|o| o.to_string())).collect()
}

/// `linkwise doctor --format json ARGS`: the exit status and the report, validated against the schema.
fn doctor_json(args: &[String]) -> (i32, Value) {
    let mut argv = vec!["doctor".to_owned(), "--format".to_owned(), "json".to_owned()];
    argv.extend(args.iter().cloned());
    let (status, out, err) = support::linkwise(&argv);
    let report: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: stdout {out:?}, stderr {err}"));
    schema::assert_follows("docs/doctor.schema.json", &report);
    assert_eq!(report["exit_code"], status, "{report:#}");
    (status, report)
}

/// `linkwise doctor ARGS` with the human format: (status, stdout, stderr).
fn doctor_text(args: &[String]) -> (i32, String, String) {
    let mut argv = vec!["doctor".to_owned()];
    argv.extend(args.iter().cloned());
    support::linkwise(&argv)
}

/// docs/doctor.schema.json.
fn schema() -> Value {
    schema::load("docs/doctor.schema.json")
}

use schema::validate;

/// The validator rejects what breaks the contract, so the checks on real reports above can fail.
#[test]
fn the_validator_rejects_reports_that_break_the_schema() {
    let schema = schema();
    let good = serde_json::json!({
        "schema": "linkwise-doctor/2", "exit_code": 2, "flavor": null, "auto_imports": [], "outcome": null, "lld_link_outcome": null,
        "inputs": [], "linked_members": [], "findings": [], "errors": [{"file": null, "message": "m"}],
    });
    assert!(validate(&schema, &good, "$").is_empty(), "{:?}", validate(&schema, &good, "$"));
    let auto_import = |pseudo: i64| {
        serde_json::json!([{"symbol": "__argc", "slot": {"file": "libmsvcrt.a", "member": null}, "dll": "msvcrt.dll",
            "references": [], "pseudo_relocations": pseudo}])
    };
    let mut with_import = good.clone();
    with_import["auto_imports"] = auto_import(0);
    schema::assert_follows("docs/doctor.schema.json", &with_import);
    let broken: [(&str, Value); 6] = [
        ("schema", Value::from("linkwise-doctor/0")),
        ("auto_imports", auto_import(-1)),
        ("exit_code", Value::from(3)),
        ("outcome", Value::from("maybe")),
        ("errors", serde_json::json!([{"file": 1, "message": "m"}])),
        (
            "findings",
            serde_json::json!([{"code": "LNK2019", "severity": "error", "lld_link_reports": true, "title": "t",
                "link_exe": [], "symbols": [], "references": [], "definitions": [], "files": [], "evidence": [],
                "fixes": [{"kind": "rust-dynamic-crt", "side": "linker", "text": "t"}]}]),
        ),
    ];
    for (field, bad) in broken {
        let mut report = good.clone();
        report[field] = bad;
        assert!(!validate(&schema, &report, "$").is_empty(), "{field}: {report}");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("schema");
    assert_eq!(validate(&schema, &missing, "$"), ["$: `schema` is missing"]);
}

/// lld-link's undefined-symbol errors: for each symbol (as lld-link writes it), its `>>> referenced by` lines.
fn lld_undefined(stderr: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in stderr.lines() {
        if let Some(symbol) = line.split_once("undefined symbol: ").map(|(_, s)| s.to_owned()) {
            current = Some(symbol.clone());
            found.entry(symbol).or_default();
        } else if let (Some(site), Some(symbol)) = (line.strip_prefix(">>> referenced by "), &current) {
            found.get_mut(symbol).unwrap().insert(site.to_owned());
        } else if !line.starts_with(">>>") {
            current = None;
        }
    }
    found
}

/// The doctor's references of one finding, as lld-link's `>>> referenced by` lines.
fn doctor_sites(finding: &Value) -> BTreeSet<String> {
    finding["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            // lld-link names a library member by the library's file name, an object by its path.
            let file = r["file"].as_str().unwrap();
            let at = match r["member"].as_str() {
                Some(m) => format!("{}({m})", Path::new(file).file_name().unwrap().to_string_lossy()),
                None => file.to_owned(),
            };
            match r["function"].as_str() {
                Some(f) => format!("{at}:({f})"),
                None => at,
            }
        })
        .collect()
}

const CRT_DECL: &str = "#ifdef _DLL\n#define CRTIMP __declspec(dllimport)\n#else\n#define CRTIMP\n#endif\nCRTIMP int tolower(int);\n";
const MAIN: &str = "int lib_lower(int);\nint main(void) { return lib_lower(65); }\nint mainCRTStartup(void) { return main(); }\n";

/// The blog's vendor library, with a static helper calling tolower too and a pointer to data nobody defines:
/// lld-link names each referencing function (`lib_lower`, the static `helper`) and the data symbol (`ptr`);
/// doctor names the same ones, and link.exe's line is LNK2019 "in function lib_lower" for the call, LNK2001
/// for the data. The definition that an `__imp_` reference does not pull in is named with its member.
#[test]
fn references_name_the_function_as_lld_link_does() {
    let Some(t) = Tools::new("doctor-report-sites") else { return };
    let main = t.cl("main", &["/MT"], MAIN);
    let vendor = t.cl(
        "vendor",
        &["/MD"],
        &format!(
            "{CRT_DECL}static int helper(int c) {{ return tolower(c); }}\n\
             int lib_lower(int c) {{ return helper(c) + tolower(c + 1); }}\n\
             extern int missing_data;\nint *ptr = &missing_data;\n"
        ),
    );
    let vendor = t.lib("vendor", &[&vendor]);
    let crt = t.cl("crt_tolower", &["/MT", "/Zl"], "int tolower(int c) { return c + 32; }\n");
    let libcmt = t.lib("libcmt", &[&crt]);
    let link = args(&[&main, &vendor, &libcmt], &["/NODEFAULTLIB:msvcrt.lib", "/NODEFAULTLIB:oldnames.lib"]);
    let (status, report) = doctor_json(&link);
    let (linked, stderr) = t.lld_link(&link);
    assert!(!linked && status == 1, "{stderr}\n{report:#}");
    let lld = lld_undefined(&stderr);
    let findings: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "LNK2019").collect();
    let by_title: BTreeMap<String, BTreeSet<String>> = findings
        .iter()
        .map(|f| {
            (
                f["title"].as_str().unwrap().trim_start_matches("undefined symbol: ").to_owned(),
                doctor_sites(f),
            )
        })
        .collect();
    assert_eq!(by_title, lld, "doctor's references vs lld-link's:\n{stderr}");
    // The sites the fixture was written to have, so the comparison above is not between two empty sets.
    assert_eq!(
        lld["__declspec(dllimport) tolower"],
        BTreeSet::from([
            "vendor.lib(vendor.obj):(lib_lower)".to_owned(),
            "vendor.lib(vendor.obj):(helper)".to_owned()
        ])
    );
    assert_eq!(lld["missing_data"], BTreeSet::from(["vendor.lib(vendor.obj):(ptr)".to_owned()]));
    let vendor_at = format!("{}(vendor.obj)", vendor.display());

    let tolower = findings.iter().find(|f| f["symbols"][0] == "__imp_tolower").unwrap();
    assert_eq!(
        tolower["link_exe"][0],
        format!(
            "{vendor_at} : error LNK2019: unresolved external symbol __imp_tolower referenced in function lib_lower"
        )
    );
    assert_eq!(tolower["references"][0]["in_function"], true);
    let definition = &tolower["definitions"][0];
    assert_eq!(
        (definition["symbol"].as_str(), definition["member"].as_str(), definition["linked"].as_bool()),
        (Some("tolower"), Some("crt_tolower.obj"), Some(false))
    );
    assert_eq!(definition["file"], libcmt.display().to_string());
    let data = findings.iter().find(|f| f["symbols"][0] == "missing_data").unwrap();
    assert_eq!(
        data["link_exe"][0],
        format!("{vendor_at} : error LNK2001: unresolved external symbol missing_data")
    );
    assert_eq!(data["references"][0]["in_function"], false);
    // Fixes are records with the side they change.
    let sides: Vec<(&str, &str)> = tolower["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["side"].as_str().unwrap()))
        .collect();
    assert!(sides.contains(&("rust-dynamic-crt", "program")), "{sides:?}");
    assert!(sides.contains(&("rebuild-static-crt", "library")), "{sides:?}");
    // Directives as the linker spells them.
    let directives = report["inputs"][0]["objects"][0]["directives"].as_array().unwrap();
    assert!(directives.iter().any(|d| d == "/DEFAULTLIB:libcmt.lib"), "{directives:?}");

    // The human report shows lld-link's lines and link.exe's.
    let (status, out, _) = doctor_text(&link);
    assert_eq!(status, 1);
    assert!(out.contains("  - referenced by vendor.lib(vendor.obj):(helper)\n"), "{out}");
    assert!(
        out.contains(&format!(
            "  link.exe: {vendor_at} : error LNK2019: unresolved external symbol __imp_tolower referenced in function lib_lower\n"
        )),
        "{out}"
    );
}

/// An x64 program with an arm64 library member it loads, in either order: lld-link's own error text, and
/// LNK1112 as the only finding (lld-link stops there, naming no undefined symbol). An arm64 import library in
/// an x64 link: lld-link 19 links it without a word, link.exe refuses it: the finding says so.
#[test]
fn machine_conflicts_use_lld_link_s_words() {
    let Some(t) = Tools::new("doctor-report-machine") else { return };
    let main = t.cl("main", &["/Zl"], MAIN);
    let src = "int lib_lower(int c) { return c + 32; }\n";
    let arm = t.cl("vendora", &["/Zl", "--target=aarch64-pc-windows-msvc"], src);
    let arm_lib = t.lib("vendora", &[&arm]);
    for (order, conflicting, file) in [
        (args(&[&main, &arm_lib], &[]), "vendora.lib(vendora.obj)".to_owned(), &arm_lib),
        (args(&[&arm, &main], &[]), main.display().to_string(), &main),
    ] {
        let (status, report) = doctor_json(&order);
        let (linked, stderr) = t.lld_link(&order);
        assert!(!linked, "{stderr}");
        assert_eq!((status, report["lld_link_outcome"].as_str()), (1, Some("fails")), "{report:#}");
        let findings = report["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{report:#}");
        let title = findings[0]["title"].as_str().unwrap();
        assert!(title.starts_with(&format!("{conflicting}: machine type ")), "{title}");
        assert!(
            stderr.contains(&format!("lld-link: error: {title}\n")),
            "doctor: {title}\nlld-link: {stderr}"
        );
        assert!(
            findings[0]["link_exe"][0].as_str().unwrap().contains("fatal error LNK1112: module machine type")
        );
        assert_eq!(findings[0]["files"][0]["file"], file.display().to_string());
    }
    // arm64 objects among themselves link: no finding from the machine check.
    let arm_main = t.cl("maina", &["/Zl", "--target=aarch64-pc-windows-msvc"], MAIN);
    let (status, report) = doctor_json(&args(&[&arm_main, &arm_lib], &[]));
    assert_eq!((status, report["outcome"].as_str()), (0, Some("links")), "{report:#}");

    let user = t.cl(
        "user",
        &["/Zl"],
        "__declspec(dllimport) int tolower(int);\nint mainCRTStartup(void) { return tolower(65); }\n",
    );
    let arm_imports = t.import_lib("msvcrt_arm64", "arm64", "msvcrt.dll", &["tolower"]);
    let link = args(&[&user, &arm_imports], &[]);
    let (status, report) = doctor_json(&link);
    let (linked, stderr) = t.lld_link(&link);
    assert!(linked, "lld-link 19 takes another machine's import member: {stderr}");
    assert_eq!(report["lld_link_outcome"], "links", "{report:#}");
    assert_eq!((status, report["outcome"].as_str()), (1, Some("fails")), "link.exe refuses it: {report:#}");
    assert_eq!(
        (report["findings"][0]["code"].as_str(), report["findings"][0]["lld_link_reports"].as_bool()),
        (Some("LNK1112"), Some(false))
    );
}

/// Libraries doctor cannot read are errors naming the file and the members, exit status 2, in JSON on stdout
/// in the same schema (and as text on stderr): an archive of ELF objects (which lld-link also refuses once it
/// needs a member), and a library with a member of no known format beside a COFF object.
#[test]
fn archives_doctor_cannot_read_are_errors() {
    let Some(t) = Tools::new("doctor-report-unreadable") else { return };
    let elf = |name: &str, src: &str| {
        let c = t.dir.join(&format!("{name}.c"));
        std::fs::write(&c, src).unwrap();
        let o = t.dir.join(&format!("{name}.o"));
        let mut cmd = Command::new(&t.clang);
        cmd.args(["-c", "--target=x86_64-unknown-linux-gnu"]).arg(&c).arg("-o").arg(&o);
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        o
    };
    let (a, b) = (
        elf("lower", "int lib_lower(int c) { return c + 32; }\n"),
        elf("upper", "int lib_upper(int c) { return c - 32; }\n"),
    );
    let elf_lib = t.ar("libvendor.a", &[&a, &b]);
    let main = t.cl("main", &["/Zl"], MAIN);
    let link = args(&[&main, &elf_lib], &[]);
    let (linked, stderr) = t.lld_link(&link);
    assert!(!linked && stderr.contains("unknown file type: lower.o"), "{stderr}");
    let (status, report) = doctor_json(&link);
    assert_eq!((status, report["outcome"].clone()), (2, Value::Null), "{report:#}");
    let error = &report["errors"][0];
    assert_eq!(error["file"], elf_lib.display().to_string());
    let message = error["message"].as_str().unwrap();
    for member in ["lower.o", "upper.o"] {
        assert!(message.contains(&format!("{}({member})", elf_lib.display())), "{message}");
    }
    assert!(message.contains("ELF"), "{message}");
    let (status, out, err) = doctor_text(&link);
    assert_eq!((status, out.as_str()), (2, ""), "{err}");
    assert!(err.contains(message), "{err}");

    let junk = t.dir.join("notes.txt");
    std::fs::write(&junk, "not an object\n").unwrap();
    let good = t.cl("good", &["/Zl"], "int lib_lower(int c) { return c; }\n");
    let mixed = t.ar("mixed.lib", &[&junk, &good]);
    let (status, report) = doctor_json(&args(&[&main, &mixed], &[]));
    assert_eq!(status, 2, "{report:#}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{}(notes.txt)", mixed.display())) && message.contains("an unknown format"),
        "{message}"
    );
    assert!(!message.contains("good.obj"), "the COFF member is no problem: {message}");
}

/// Exit status 0 when the link succeeds (also with warnings), 1 when it fails, 2 when an input cannot be read,
/// in both formats; each JSON report follows the schema and carries the same status.
#[test]
fn exit_statuses() {
    let Some(t) = Tools::new("doctor-report-exit") else { return };
    let main = t.cl("main", &["/Zl"], MAIN);
    let lower = t.cl("lower", &["/Zl"], "int lib_lower(int c) { return c + 32; }\n");
    let missing = t.dir.join("missing.obj");
    let cases: [(Vec<String>, i32); 3] =
        [(args(&[&main, &lower], &[]), 0), (args(&[&main], &[]), 1), (args(&[&main, &missing], &[]), 2)];
    for (link, expected) in cases {
        let (status, report) = doctor_json(&link);
        assert_eq!(status, expected, "{link:?}: {report:#}");
        let (status, _, _) = doctor_text(&link);
        assert_eq!(status, expected, "{link:?}");
        let (linked, _) = t.lld_link(&link);
        if expected < 2 {
            assert_eq!(linked, expected == 0, "{link:?}: lld-link agrees");
        }
    }
    let (_, report) = doctor_json(&args(&[&main, &missing], &[]));
    assert_eq!(report["errors"][0]["file"], missing.display().to_string());
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("cannot open"), "{report:#}");
}

/// One fix record: kind, side, ecosystem.
type FixRecord = (String, String, Option<String>);

/// The fixes of a report's findings with `code`: (kind, side, ecosystem) and every text.
fn fixes_of(report: &Value, code: &str) -> (Vec<FixRecord>, Vec<String>) {
    let fixes: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .flat_map(|f| f["fixes"].as_array().unwrap().iter())
        .collect();
    let records = fixes
        .iter()
        .map(|x| {
            (
                x["kind"].as_str().unwrap().to_owned(),
                x["side"].as_str().unwrap().to_owned(),
                x["ecosystem"].as_str().map(str::to_owned),
            )
        })
        .collect();
    (records, fixes.iter().map(|x| x["text"].as_str().unwrap().to_owned()).collect())
}

/// The build systems with a fix to the `to` C runtime (`dynamic`, `static`) on `side`.
fn ecosystems(records: &[FixRecord], side: &str, to: &str) -> BTreeSet<String> {
    records
        .iter()
        .filter(|(kind, s, _)| s == side && kind.ends_with(&format!("-{to}-crt")))
        .filter_map(|(_, _, e)| e.clone())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Issue 12 item 4, the case: an `/MD` program (its object's `/DEFAULTLIB:msvcrt.lib`) with an `/MT`
/// vendor library. lld-link links it without a word (link.exe warns LNK4098); doctor says the library must be
/// rebuilt for the dynamic C runtime, in every build system, or else the program switched to the static one,
/// and never that the program should link the dynamic runtime it already links.
#[test]
fn an_md_program_with_an_mt_library_gets_the_library_rebuilt() {
    let Some(t) = Tools::new("doctor-fixes-md-mt") else { return };
    let main = t.cl("main", &["/MD"], MAIN);
    let vendor_obj =
        t.cl("vendor", &["/MT"], &format!("{CRT_DECL}int lib_lower(int c) {{ return tolower(c); }}\n"));
    let vendor = t.lib("vendor", &[&vendor_obj]);
    let msvcrt = t.import_lib("msvcrt", "i386:x86-64", "msvcrt.dll", &["tolower"]);
    let crt = t.cl("crt_tolower", &["/MT", "/Zl"], "int tolower(int c) { return c + 32; }\n");
    let libcmt = t.lib("libcmt", &[&crt]);
    let link = args(&[&main, &vendor, &msvcrt, &libcmt], &["/NODEFAULTLIB:oldnames.lib"]);
    let (linked, stderr) = t.lld_link(&link);
    let (status, report) = doctor_json(&link);
    assert!(linked && status == 0, "lld-link: {stderr}\n{report:#}");
    assert_eq!(
        (report["outcome"].as_str(), report["lld_link_outcome"].as_str()),
        (Some("links with warnings"), Some("links"))
    );
    let (records, texts) = fixes_of(&report, "LNK4098");
    assert_eq!(records[0], ("rebuild-dynamic-crt".to_owned(), "library".to_owned(), None), "{records:?}");
    assert!(texts[0].contains("vendor.obj") && texts[0].contains("/MD"), "{texts:?}");
    assert_eq!(
        ecosystems(&records, "library", "dynamic"),
        set(&["cl", "cmake", "msbuild", "cc-rs", "vcpkg"])
    );
    assert_eq!(
        ecosystems(&records, "program", "static"),
        set(&["rust", "cargo-dist", "cl", "cmake", "msbuild"])
    );
    // Never what is already the case: no fix takes the program to the dynamic runtime, or the library to the static.
    assert!(
        ecosystems(&records, "program", "dynamic").is_empty()
            && ecosystems(&records, "library", "static").is_empty()
    );
    let all = texts.join("\n");
    assert!(!all.contains("-crt-static\"") && all.contains("target-feature=+crt-static"), "{all}");
    for spelling in [
        "MultiThreaded$<$<CONFIG:Debug>:Debug>DLL",
        "CMP0091",
        "MSVC_RUNTIME_LIBRARY",
        "x64-windows-static-md",
        "<RuntimeLibrary>MultiThreadedDLL</RuntimeLibrary>",
        "compile with /MD",
        ".static_crt(false)",
        "msvc-crt-static = true",
    ] {
        assert!(all.contains(spelling), "{spelling} missing from {all}");
    }
    // The human report: grouped by side, the library's first, each build system on its own line.
    let (_, out, _) = doctor_text(&link);
    let library = out.find("  fix (library): rebuild ").expect(&out);
    let program = out.find("  fix (program): or build the program with /MT").expect(&out);
    assert!(library < program, "{out}");
    for line in [
        "    cl.exe: compile with /MD\n",
        "    CMake: set(CMAKE_MSVC_RUNTIME_LIBRARY",
        "    vcpkg: install it",
        "    MSBuild: <RuntimeLibrary>",
        "    Rust: RUSTFLAGS=\"-C target-feature=+crt-static\"",
    ] {
        assert!(out.contains(line), "{line:?} missing from\n{out}");
    }
}

/// The reverse, the seed blog's: an `/MT` program with an `/MD` library, which lld-link refuses (the
/// library's `__imp_tolower`). The library is rebuilt `/MT`, or the program links the dynamic runtime.
#[test]
fn an_mt_program_with_an_md_library_gets_the_reverse() {
    let Some(t) = Tools::new("doctor-fixes-mt-md") else { return };
    let main = t.cl("main", &["/MT"], MAIN);
    let vendor_obj =
        t.cl("vendor", &["/MD"], &format!("{CRT_DECL}int lib_lower(int c) {{ return tolower(c); }}\n"));
    let vendor = t.lib("vendor", &[&vendor_obj]);
    let crt = t.cl("crt_tolower", &["/MT", "/Zl"], "int tolower(int c) { return c + 32; }\n");
    let libcmt = t.lib("libcmt", &[&crt]);
    let link = args(&[&main, &vendor, &libcmt], &["/NODEFAULTLIB:msvcrt.lib", "/NODEFAULTLIB:oldnames.lib"]);
    let (linked, stderr) = t.lld_link(&link);
    let (status, report) = doctor_json(&link);
    assert!(!linked && status == 1, "lld-link: {stderr}\n{report:#}");
    assert!(stderr.contains("undefined symbol: __declspec(dllimport) tolower"), "{stderr}");
    for code in ["LNK2019", "LNK4098"] {
        let (records, texts) = fixes_of(&report, code);
        assert_eq!(
            records[0],
            ("rebuild-static-crt".to_owned(), "library".to_owned(), None),
            "{code}: {records:?}"
        );
        assert_eq!(
            ecosystems(&records, "library", "static"),
            set(&["cl", "cmake", "msbuild", "cc-rs", "vcpkg"])
        );
        assert_eq!(
            ecosystems(&records, "program", "dynamic"),
            set(&["rust", "cargo-dist", "cl", "cmake", "msbuild"])
        );
        assert!(
            ecosystems(&records, "program", "static").is_empty()
                && ecosystems(&records, "library", "dynamic").is_empty()
        );
        let all = texts.join("\n");
        assert!(all.contains("target-feature=-crt-static") && !all.contains("+crt-static"), "{all}");
        assert!(
            all.contains("x64-windows-static (") && all.contains("MultiThreaded$<$<CONFIG:Debug>:Debug>\""),
            "{all}"
        );
    }
}

/// DLL data reached without `__imp_`: an object reads `__argc` directly while the import library provides
/// only `__imp___argc` (a DATA export, no thunk), from llvm-dlltool and from MinGW's libmsvcrt.a. lld-link
/// fails on `__argc`; doctor says to reach it through `__imp_`, not to add a library that defines it.
#[test]
fn dll_data_without_imp_is_named_as_such() {
    let Some(t) = Tools::new("doctor-fixes-data") else { return };
    let main = t.cl(
        "reads_argc",
        &["/MD", "/Zl"],
        "extern int __argc;\nint main(void) { return __argc; }\nint mainCRTStartup(void) { return main(); }\n",
    );
    let built = t.import_lib("datacrt", "i386:x86-64", "msvcrt.dll", &["__argc DATA"]);
    let mingw = Path::new("/usr/x86_64-w64-mingw32/lib/libmsvcrt.a");
    if !mingw.is_file() {
        assert!(!support::tools_required(), "mingw-w64-x86-64-dev is required: run scripts/setup");
    }
    let libraries: Vec<&Path> = [built.as_path(), mingw].into_iter().filter(|p| p.is_file()).collect();
    for library in libraries {
        let link = args(&[&main, library], &["/NODEFAULTLIB"]);
        let (linked, stderr) = t.lld_link(&link);
        let (status, report) = doctor_json(&link);
        assert!(!linked && status == 1, "lld-link: {stderr}\n{report:#}");
        assert!(stderr.contains("undefined symbol: __argc"), "{stderr}");
        let finding = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["symbols"][0] == "__argc")
            .expect("__argc");
        let (records, texts) = fixes_of(&report, "LNK2019");
        assert_eq!(records, [("import-dll-data".to_owned(), "program".to_owned(), None)], "{report:#}");
        assert!(texts[0].contains("__imp___argc") && texts[0].contains("__declspec(dllimport)"), "{texts:?}");
        assert!(texts[0].contains("kind = \"dylib\""), "{texts:?}");
        assert!(finding["evidence"].to_string().contains("provides only `__imp___argc`"), "{finding:#}");
        assert_eq!(finding["definitions"][0]["symbol"], "__imp___argc", "{finding:#}");
        assert_eq!(finding["definitions"][0]["file"], library.display().to_string(), "{finding:#}");
        // With the slot used (dllimport), lld-link links it: the fix is the right one.
        let fixed = t.cl(
            "reads_argc_imp",
            &["/MD", "/Zl"],
            "extern __declspec(dllimport) int __argc;\nint main(void) { return __argc; }\nint mainCRTStartup(void) { return main(); }\n",
        );
        let link = args(&[&fixed, library], &["/NODEFAULTLIB"]);
        let (linked, stderr) = t.lld_link(&link);
        let (status, report) = doctor_json(&link);
        assert!(linked && status == 0, "lld-link: {stderr}\n{report:#}");
    }
}
