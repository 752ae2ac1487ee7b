//! `linkwise doctor` in MinGW mode (issue 12, items 2 and 7), with ld.lld `-m i386pep` as the oracle: every
//! link line here is given to doctor and to ld.lld word for word, and doctor's outcome and diagnostics must be
//! ld.lld's. Fixtures: C compiled by clang for x86_64-w64-mingw32, assembly by llvm-mc (the relocation shapes
//! auto-import cares about), import libraries by llvm-dlltool, MinGW's real runtime (crt2.o, libmingw32.a,
//! libmingwex.a, libmsvcrt.a, libkernel32.a) and, for the real-world check, every one of its 886 libraries.
//! The auto-import program is also run under wine.

mod support;
// The JSON Schema validator: every report here must follow docs/doctor.schema.json.
#[path = "support/schema.rs"]
mod schema;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Where mingw-w64-x86-64-dev puts MinGW's runtime and import libraries.
const MINGW_LIB: &str = "/usr/x86_64-w64-mingw32/lib";

/// The tools, a scratch directory and MinGW's library directory.
struct Mingw {
    dir: support::TempDir,
    clang: PathBuf,
    llvm_mc: PathBuf,
    llvm_ar: PathBuf,
    dlltool: PathBuf,
    ld_lld: PathBuf,
    lib: PathBuf,
}

/// ___chkstk_ms, which libgcc (absent here) gives a MinGW program: pseudo-reloc.o calls it for its large
/// frame. Probes each page from the stack pointer down by `%rax` bytes, as the Windows stack guard requires,
/// keeping every register.
const CHKSTK: &str = "
    .text
    .globl ___chkstk_ms
___chkstk_ms:
    pushq %rcx
    pushq %rax
    leaq 24(%rsp), %rcx
1:  cmpq $0x1000, %rax
    jb 2f
    subq $0x1000, %rcx
    orq $0, (%rcx)
    subq $0x1000, %rax
    jmp 1b
2:  subq %rax, %rcx
    orq $0, (%rcx)
    popq %rax
    popq %rcx
    ret
";

impl Mingw {
    fn new(label: &str) -> Option<Mingw> {
        let lib = PathBuf::from(MINGW_LIB);
        let m = Mingw {
            dir: support::TempDir::new(label),
            clang: support::tool("clang")?,
            llvm_mc: support::tool("llvm-mc")?,
            llvm_ar: support::tool("llvm-ar")?,
            dlltool: support::tool("llvm-dlltool")?,
            ld_lld: support::tool("ld.lld")?,
            lib,
        };
        let found = support::require(
            "mingw-w64-x86-64-dev",
            m.lib.join("crt2.o").is_file().then(|| m.lib.clone()),
            support::tools_required(),
        );
        found.map(|_| m)
    }

    /// NAME.o from C, compiled for x86_64-w64-mingw32.
    fn cc(&self, name: &str, src: &str, flags: &[&str]) -> PathBuf {
        let c = self.dir.join(&format!("{name}.c"));
        std::fs::write(&c, src).unwrap();
        let obj = self.dir.join(&format!("{name}.o"));
        let mut cmd = Command::new(&self.clang);
        cmd.args(["--target=x86_64-w64-mingw32", "-c"]).args(flags).arg(&c).arg("-o").arg(&obj);
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        obj
    }

    /// NAME.o from assembly for `triple`.
    fn asm(&self, name: &str, triple: &str, src: &str) -> PathBuf {
        let s = self.dir.join(&format!("{name}.s"));
        std::fs::write(&s, src).unwrap();
        let obj = self.dir.join(&format!("{name}.o"));
        let mut cmd = Command::new(&self.llvm_mc);
        cmd.arg(format!("-triple={triple}")).arg("-filetype=obj").arg(&s).arg("-o").arg(&obj);
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        obj
    }

    /// An archive at `path` of `objects`.
    fn ar(&self, path: &Path, objects: &[&Path]) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut cmd = Command::new(&self.llvm_ar);
        cmd.arg("rc").arg(path).args(objects);
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        path.to_owned()
    }

    /// A MinGW import library at `path` for `dll` (`exports` as a .def file writes them: `name` or
    /// `name DATA`), for dlltool's `machine`.
    fn import_lib(&self, path: &Path, machine: &str, dll: &str, exports: &[&str]) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let def = path.with_extension("def");
        std::fs::write(&def, format!("LIBRARY {dll}\nEXPORTS\n{}\n", exports.join("\n"))).unwrap();
        let mut cmd = Command::new(&self.dlltool);
        cmd.args(["-m", machine, "-d"]).arg(&def).arg("-l").arg(path);
        support::run(&mut cmd, Duration::from_secs(60)).assert_ok();
        path.to_owned()
    }

    /// MinGW's startup around `objects`, as the clang driver passes it (with our ___chkstk_ms for libgcc's):
    /// crt2.o crtbegin.o OBJECTS chkstk.o -L LIB -lmingw32 -lmingwex -lmsvcrt -lkernel32 crtend.o.
    fn crt_line(&self, objects: &[&Path]) -> Vec<String> {
        let chkstk = self.asm("chkstk", "x86_64-w64-mingw32", CHKSTK);
        let lib = |f: &str| self.lib.join(f).display().to_string();
        let mut line = vec![lib("crt2.o"), lib("crtbegin.o")];
        line.extend(objects.iter().map(|o| o.display().to_string()));
        line.push(chkstk.display().to_string());
        line.push(format!("-L{}", self.lib.display()));
        line.extend(["-lmingw32", "-lmingwex", "-lmsvcrt", "-lkernel32"].map(String::from));
        line.push(lib("crtend.o"));
        line
    }

    /// ld.lld on `-m EMULATION -o OUT WORDS`: whether it linked, and its stderr.
    fn ld_lld(&self, emulation: &str, words: &[String], out: &Path) -> (bool, String) {
        let mut cmd = Command::new(&self.ld_lld);
        cmd.args(["-m", emulation, "-o"]).arg(out).args(words);
        let ran = support::run(&mut cmd, Duration::from_secs(120));
        (ran.ok(), ran.stderr)
    }
}

/// `linkwise doctor --format json WORDS`: the exit status and the report, validated against the schema.
fn doctor(words: &[String]) -> (i32, Value) {
    let mut argv = vec!["doctor".to_owned(), "--format".to_owned(), "json".to_owned()];
    argv.extend(words.iter().cloned());
    let (status, out, err) = support::linkwise(&argv);
    let report: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: stdout {out:?}, stderr {err}"));
    schema::assert_follows("docs/doctor.schema.json", &report);
    (status, report)
}

/// ld.lld's diagnostics, one per `ld.lld: error:` / `warning:` line, as (severity, message).
fn lld_diagnostics(stderr: &str) -> Vec<(String, String)> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("ld.lld: ").or_else(|| l.strip_prefix("lld: "))?;
            let (severity, message) = rest.split_once(": ")?;
            matches!(severity, "error" | "warning").then(|| (severity.to_owned(), message.to_owned()))
        })
        .collect()
}

/// Doctor's findings as (severity, title).
fn findings(report: &Value) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["severity"].as_str().unwrap().to_owned(), f["title"].as_str().unwrap().to_owned()))
        .collect();
    all.sort();
    all
}

/// The oracle: doctor on `words` (as a MinGW line) and ld.lld on the same words agree on the outcome, and on
/// every diagnostic, word for word. Returns doctor's report.
fn agree(m: &Mingw, emulation: &str, words: &[String]) -> Value {
    let out = m.dir.join("out.exe");
    let (linked, stderr) = m.ld_lld(emulation, words, &out);
    let mut line = vec!["-m".to_owned(), emulation.to_owned(), "-o".to_owned(), out.display().to_string()];
    line.extend(words.iter().cloned());
    let (status, report) = doctor(&line);
    let mut lld = lld_diagnostics(&stderr);
    lld.sort();
    let outcome = match (linked, lld.is_empty()) {
        (false, _) => "fails",
        (true, true) => "links",
        (true, false) => "links with warnings",
    };
    assert_eq!(report["flavor"], "mingw", "{report:#}");
    assert_eq!(report["outcome"], outcome, "ld.lld:\n{stderr}\ndoctor:\n{report:#}");
    assert_eq!(status, i32::from(!linked), "{report:#}");
    assert_eq!(findings(&report), lld, "ld.lld:\n{stderr}");
    report
}

/// The C program of the seed case for MinGW: it reads `__argc`, data msvcrt.dll exports, with no dllimport.
const ARGC_C: &str = "extern int __argc;\nint printf(const char *, ...);\n\
    int main(void) { printf(\"argc=%d\\n\", __argc); return 7; }\n";

/// The case issue 12 names: lld-link (MSVC rules) fails with LNK2019 on `__argc`, ld.lld auto-imports it, and
/// doctor says each; the program links and runs under wine. Without `-m` or `-l`, the objects' MinGW names
/// (crt2.o's `_pei386_runtime_relocator`, main.o's `__main`) make the line MinGW's.
#[test]
fn dll_data_without_dllimport_is_auto_imported_as_ld_lld_does() {
    let Some(m) = Mingw::new("doctor-mingw-argc") else { return };
    let main = m.cc("main", ARGC_C, &["-O2"]);
    let words = m.crt_line(&[&main]);
    let report = agree(&m, "i386pep", &words);
    let imports = report["auto_imports"].as_array().unwrap();
    assert_eq!(imports.len(), 1, "{report:#}");
    assert_eq!(imports[0]["symbol"], "__argc");
    assert_eq!(imports[0]["dll"], "msvcrt.dll");
    // clang reaches external data through `.refptr.__argc`, which ld.lld replaces by the slot.
    assert_eq!(imports[0]["pseudo_relocations"], 0);
    assert_eq!(imports[0]["references"][0]["function"], ".refptr.__argc");
    let Some(wine) = support::tool("wine") else { return };
    let exe = m.dir.join("out.exe");
    let ran = support::wine(&wine, &exe);
    assert_eq!((ran.status, ran.stdout.as_str()), (Some(7), "argc=1\r\n"), "{}", ran.stderr);

    // The same inputs under MSVC rules: __argc is undefined, and the fix is dllimport.
    let mut msvc = vec!["--flavor".to_owned(), "msvc".to_owned()];
    msvc.extend(words.iter().filter(|w| !w.starts_with("-l") && !w.starts_with("-L")).cloned());
    msvc.extend(["msvcrt", "mingw32", "mingwex", "kernel32"].map(|l| format!("{MINGW_LIB}/lib{l}.a")));
    let (status, report) = doctor(&msvc);
    assert_eq!((status, &report["flavor"]), (1, &Value::from("msvc")));
    let argc = report["findings"].as_array().unwrap().iter().find(|f| f["symbols"][0] == "__argc").unwrap();
    assert_eq!(argc["code"], "LNK2019");
    assert!(argc["fixes"].as_array().unwrap().iter().any(|f| f["kind"] == "import-dll-data"), "{argc:#}");

    // No flavor and no GNU words: the objects show MinGW's (crt2.o refers to `_pei386_runtime_relocator`).
    let mut plain: Vec<String> =
        words.iter().filter(|w| !w.starts_with("-l") && !w.starts_with("-L")).cloned().collect();
    plain.extend(["mingw32", "mingwex", "msvcrt", "kernel32"].map(|l| format!("{MINGW_LIB}/lib{l}.a")));
    let (status, report) = doctor(&plain);
    assert_eq!(
        (status, &report["flavor"], &report["outcome"]),
        (0, &Value::from("mingw"), &Value::from("links"))
    );
    assert!(
        report["link_line"]["flavor_reason"].as_str().unwrap().contains("which only MinGW's runtime defines"),
        "{report:#}"
    );
}

/// The relocation shapes of auto-imported data, each against ld.lld: a RIP-relative 32-bit operand (too
/// narrow: a warning), the same with pseudo relocations off (an error), auto-import off (undefined), no
/// runtime relocator (an error), a 64-bit pointer in .data with pseudo relocations off, and arm64's
/// `adrp`/`ldr` pair, which no pseudo relocation can patch.
#[test]
fn pseudo_relocation_diagnostics_are_ld_lld_s() {
    let Some(m) = Mingw::new("doctor-mingw-pseudo") else { return };
    let narrow = m.asm(
        "narrow",
        "x86_64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    movl __argc(%rip), %eax\n    ret\n",
    );
    let words = m.crt_line(&[&narrow]);
    let report = agree(&m, "i386pep", &words);
    assert_eq!(report["findings"][0]["code"], "AUTOIMPORT-NARROW");
    assert_eq!(report["auto_imports"][0]["pseudo_relocations"], 1);

    let mut off = vec!["--disable-runtime-pseudo-reloc".to_owned()];
    off.extend(words.iter().cloned());
    agree(&m, "i386pep", &off);
    let main = m.cc("main", ARGC_C, &[]);
    let mut no_auto = vec!["--disable-auto-import".to_owned()];
    no_auto.extend(m.crt_line(&[&main]));
    let report = agree(&m, "i386pep", &no_auto);
    assert_eq!(report["findings"][0]["title"], "undefined symbol: __argc");

    // No MinGW runtime: nothing defines _pei386_runtime_relocator.
    let bare: Vec<String> =
        ["-e", "main", &narrow.display().to_string(), &format!("-L{MINGW_LIB}"), "-lmsvcrt"]
            .map(String::from)
            .to_vec();
    let report = agree(&m, "i386pep", &bare);
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f["code"] == "AUTOIMPORT-RUNTIME"));

    let data = m.asm(
        "data",
        "x86_64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    movq ptr(%rip), %rax\n    movl (%rax), %eax\n    ret\n    .data\nptr:\n    .quad __argc\n",
    );
    let words: Vec<String> = [
        "--disable-runtime-pseudo-reloc",
        "-e",
        "main",
        &data.display().to_string(),
        &format!("-L{MINGW_LIB}"),
        "-lmsvcrt",
    ]
    .map(String::from)
    .to_vec();
    let report = agree(&m, "i386pep", &words);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "a 64-bit field is wide enough: {report:#}");

    let lib = m.import_lib(&m.dir.join("arm/libvar.a"), "arm64", "var.dll", &["variable DATA"]);
    let arm = m.asm(
        "arm",
        "aarch64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    adrp x0, variable\n    ldr w0, [x0, :lo12:variable]\n    ret\n",
    );
    let words: Vec<String> =
        ["-e", "main", &arm.display().to_string(), &lib.display().to_string()].map(String::from).to_vec();
    let report = agree(&m, "arm64pe", &words);
    let titles: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["title"].as_str().unwrap()).collect();
    assert!(titles.iter().any(|t| t.contains("IMAGE_REL_ARM64_PAGEBASE_REL21")), "{titles:?}");
}

/// `-l` search as ld.lld's MinGW driver does it: libNAME.dll.a before libNAME.a, `-Bstatic` skipping import
/// libraries, a missing library an error before anything is read; and a `/DEFAULTLIB:vendor` directive found
/// as libvendor.a in a -L directory, or reported as ld.lld reports it.
#[test]
fn libraries_are_found_as_ld_lld_finds_them() {
    let Some(m) = Mingw::new("doctor-mingw-search") else { return };
    let dir = m.dir.join("vendor");
    m.import_lib(&dir.join("libv.dll.a"), "i386:x86-64", "v.dll", &["lib_fn"]);
    let statics = m.asm(
        "v",
        "x86_64-w64-mingw32",
        "    .text\n    .globl lib_fn, only_static\nlib_fn:\nonly_static:\n    ret\n",
    );
    m.ar(&dir.join("libv.a"), &[&statics]);
    let main = m.asm(
        "m",
        "x86_64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    call only_static\n    ret\n",
    );
    let base =
        ["-e".to_owned(), "main".to_owned(), main.display().to_string(), format!("-L{}", dir.display())];
    let dynamic: Vec<String> = base.iter().cloned().chain(["-lv".to_owned()]).collect();
    let report = agree(&m, "i386pep", &dynamic);
    assert_eq!(report["findings"][0]["title"], "undefined symbol: only_static");
    assert!(report["link_line"]["libraries_found"][0]["path"].as_str().unwrap().ends_with("libv.dll.a"));
    let fixed: Vec<String> = base.iter().cloned().chain(["-Bstatic".to_owned(), "-lv".to_owned()]).collect();
    let report = agree(&m, "i386pep", &fixed);
    assert!(report["link_line"]["libraries_found"][0]["path"].as_str().unwrap().ends_with("libv.a"));

    let missing: Vec<String> = base.iter().cloned().chain(["-lnosuch".to_owned()]).collect();
    let (linked, stderr) = m.ld_lld("i386pep", &missing, &m.dir.join("x.exe"));
    assert!(!linked && stderr.contains("unable to find library -lnosuch"), "{stderr}");
    let mut line = vec!["-m".to_owned(), "i386pep".to_owned()];
    line.extend(missing);
    let (status, report) = doctor(&line);
    assert_eq!(status, 2, "{report:#}");
    assert!(report["errors"][0]["message"].as_str().unwrap().starts_with("unable to find library -lnosuch"));

    let asks = m.asm(
        "asks",
        "x86_64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    call lib_fn\n    ret\n    .section .drectve,\"yn\"\n    .ascii \" /DEFAULTLIB:vendor\"\n",
    );
    let vendor = m.dir.join("defaultlib");
    m.ar(&vendor.join("libvendor.a"), &[&statics]);
    let found: Vec<String> =
        ["-e".to_owned(), "main".to_owned(), asks.display().to_string(), format!("-L{}", vendor.display())]
            .to_vec();
    let report = agree(&m, "i386pep", &found);
    assert!(
        report["link_line"]["default_libraries_found"][0]["path"].as_str().unwrap().ends_with("libvendor.a")
    );
    let not_found: Vec<String> = ["-e".to_owned(), "main".to_owned(), asks.display().to_string()].to_vec();
    let (linked, stderr) = m.ld_lld("i386pep", &not_found, &m.dir.join("y.exe"));
    assert!(!linked && stderr.contains("could not open 'libvendor.a'"), "{stderr}");
    let mut line = vec!["-m".to_owned(), "i386pep".to_owned()];
    line.extend(not_found);
    let (status, report) = doctor(&line);
    assert_eq!(status, 1);
    assert_eq!(report["findings"][0]["code"], "LNK1104");
    assert!(report["findings"][0]["title"].as_str().unwrap().contains("`libvendor.a`"), "{report:#}");
}

/// Item 7, the real-world check: clang-built programs in several configurations linked against MinGW's
/// runtime and *every* library MinGW ships (886 of them, in name order, so the first library defining a name
/// wins, as it does for ld.lld), doctor and ld.lld agreeing on each; and the DLL doctor says `__argc` comes from
/// is the one the linked image imports it from.
#[test]
fn every_mingw_library_at_once_agrees_with_ld_lld() {
    let Some(m) = Mingw::new("doctor-mingw-all") else { return };
    let mut all: Vec<String> = std::fs::read_dir(&m.lib)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            (name.starts_with("lib") && name.ends_with(".a")).then(|| format!("{MINGW_LIB}/{name}"))
        })
        .collect();
    all.sort();
    assert!(all.len() > 800, "{} libraries in {MINGW_LIB}", all.len());
    let programs: [(&str, &str, &[&str]); 4] = [
        ("argc", ARGC_C, &["-O0"]),
        (
            "kernel",
            "typedef void *HANDLE;\n__declspec(dllimport) HANDLE __stdcall GetStdHandle(unsigned);\n\
             __declspec(dllimport) int __stdcall WriteFile(HANDLE, const void *, unsigned, unsigned *, void *);\n\
             extern char **_environ;\nint main(void) { unsigned n; WriteFile(GetStdHandle(-11), \"k\\n\", 2, &n, 0);\n\
             return _environ != 0; }\n",
            &["-O2"],
        ),
        ("missing", "int nowhere_defined(void);\nint main(void) { return nowhere_defined(); }\n", &["-O1"]),
        (
            "puts",
            "int puts(const char *);\nint main(void) { return puts(\"x\") < 0; }\n",
            &["-O2", "-fno-builtin"],
        ),
    ];
    for (name, src, flags) in programs {
        let obj = m.cc(name, src, flags);
        let chkstk = m.asm("chkstk", "x86_64-w64-mingw32", CHKSTK);
        let lib = |f: &str| format!("{MINGW_LIB}/{f}");
        let mut words =
            vec![lib("crt2.o"), lib("crtbegin.o"), obj.display().to_string(), chkstk.display().to_string()];
        words.extend(all.iter().cloned());
        words.push(lib("crtend.o"));
        let report = agree(&m, "i386pep", &words);
        if name == "argc" {
            let dll = report["auto_imports"][0]["dll"].as_str().unwrap().to_owned();
            let readobj = support::tool("llvm-readobj").unwrap();
            let ran = support::run(
                Command::new(readobj).arg("--coff-imports").arg(m.dir.join("out.exe")),
                Duration::from_secs(60),
            )
            .assert_ok();
            // llvm-readobj lists each DLL (`Name: x.dll`) and then its symbols.
            let mut current = String::new();
            let mut from = None;
            for line in ran.stdout.lines().map(str::trim) {
                if let Some(n) = line.strip_prefix("Name: ") {
                    current = n.to_owned();
                } else if line.starts_with("Symbol: __argc ") {
                    from = Some(current.clone());
                }
            }
            assert_eq!(from.as_deref(), Some(dll.as_str()), "{}", ran.stdout);
        }
    }
}

/// The review's cases (each failed before its fix), against ld.lld or lld-link on the same words: two
/// relocations give two diagnostics; single-dash long options (`-entry=`, `-disable-auto-import`,
/// `--Bstatic`); a `/DEFAULTLIB:Vendor` in its own case; an empty `-Xlink=`; an x86 entry with `-e` before
/// `-m`; `lld-link -lldmingw`; and an lld-link line with `-lld*` options stays link.exe's.
#[test]
fn review_cases_agree_with_the_linkers() {
    let Some(m) = Mingw::new("doctor-mingw-review") else { return };
    let two = m.asm(
        "two",
        "x86_64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    movl __argc(%rip), %eax\n    addl __argc(%rip), %eax\n    ret\n",
    );
    let lib = format!("{MINGW_LIB}/libmsvcrt.a");
    let base = |extra: &[&str]| -> Vec<String> {
        let mut w: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        w.extend(["-e".to_owned(), "main".to_owned(), two.display().to_string(), lib.clone()]);
        w
    };
    let report = agree(&m, "i386pep", &base(&["--disable-runtime-pseudo-reloc"]));
    assert_eq!(report["findings"].as_array().unwrap().len(), 4, "two warnings and two errors: {report:#}");
    let main = m.cc("main", ARGC_C, &[]);
    let mut words = vec!["-disable-auto-import".to_owned()];
    words.extend(m.crt_line(&[&main]));
    let report = agree(&m, "i386pep", &words);
    assert_eq!(report["findings"][0]["title"], "undefined symbol: __argc");
    let mut words = vec!["-entry=main".to_owned(), "-Xlink=".to_owned()];
    words.extend(m.crt_line(&[&main]));
    agree(&m, "i386pep", &words);

    // --Bstatic: the archive, not the import library beside it.
    let dir = m.dir.join("bstatic");
    m.import_lib(&dir.join("libfoo.dll.a"), "i386:x86-64", "foo.dll", &["other"]);
    let foo = m.asm("foo", "x86_64-w64-mingw32", "    .text\n    .globl foo\nfoo:\n    ret\n");
    m.ar(&dir.join("libfoo.a"), &[&foo]);
    let calls =
        m.asm("calls", "x86_64-w64-mingw32", "    .text\n    .globl main\nmain:\n    call foo\n    ret\n");
    let words: Vec<String> =
        ["-e", "main", &calls.display().to_string(), &format!("-L{}", dir.display()), "--Bstatic", "-lfoo"]
            .map(String::from)
            .to_vec();
    agree(&m, "i386pep", &words);

    // /DEFAULTLIB:Vendor finds libVendor.a, case kept.
    let asks = m.asm(
        "asks",
        "x86_64-w64-mingw32",
        "    .text\n    .globl main\nmain:\n    call foo\n    ret\n    .section .drectve,\"yn\"\n    .ascii \" /DEFAULTLIB:Vendor\"\n",
    );
    let vendor = m.dir.join("case");
    m.ar(&vendor.join("libVendor.a"), &[&foo]);
    let words: Vec<String> = ["-e", "main", &asks.display().to_string(), &format!("-L{}", vendor.display())]
        .map(String::from)
        .to_vec();
    agree(&m, "i386pep", &words);

    // x86: `-e _main` before `-m i386pe`; ld.lld drops the underscore and lld-link adds it back.
    let x86 = m.asm("x86", "i686-w64-mingw32", "    .text\n    .globl _main\n_main:\n    ret\n");
    let out = m.dir.join("x86.exe");
    let mut cmd = Command::new(&m.ld_lld);
    cmd.args(["-e", "_main", "-m", "i386pe", "-o"]).arg(&out).arg(&x86);
    assert!(support::run(&mut cmd, Duration::from_secs(60)).ok());
    let (status, report) = doctor(
        &["-e", "_main", "-m", "i386pe", "-o", &out.display().to_string(), &x86.display().to_string()]
            .map(String::from),
    );
    assert_eq!((status, &report["outcome"]), (0, &Value::from("links")), "{report:#}");

    // lld-link -lldmingw: the MinGW rules on link.exe's syntax: two too-narrow warnings, and no runtime
    // relocator (no MinGW runtime on the line).
    let lld_link = support::tool("lld-link").unwrap();
    let exe = m.dir.join("lldmingw.exe");
    let mut cmd = Command::new(&lld_link);
    cmd.args(["-lldmingw", "/entry:main", "/subsystem:console"])
        .arg(format!("/out:{}", exe.display()))
        .arg(&two)
        .arg(&lib);
    let ran = support::run(&mut cmd, Duration::from_secs(60));
    assert!(!ran.ok() && ran.stderr.matches("too narrow").count() == 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("_pei386_runtime_relocator is missing"), "{}", ran.stderr);
    let words: Vec<String> = [
        "lld-link",
        "-lldmingw",
        "/entry:main",
        "/subsystem:console",
        &format!("/out:{}", exe.display()),
        &two.display().to_string(),
        &lib,
    ]
    .map(String::from)
    .to_vec();
    let (status, report) = doctor(&words);
    assert_eq!(
        (status, &report["flavor"], &report["outcome"]),
        (1, &Value::from("mingw"), &Value::from("fails")),
        "{report:#}"
    );
    let codes: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["AUTOIMPORT-RUNTIME", "AUTOIMPORT-NARROW", "AUTOIMPORT-NARROW"]);
    // `-lldltojobs:2` and `/OUT:` on an MSVC line: link.exe's syntax, nothing read as `-l`.
    let words: Vec<String> = ["/OUT:x.exe", "-lldltojobs:2", "/entry:main", &two.display().to_string(), &lib]
        .map(String::from)
        .to_vec();
    let (_, report) = doctor(&words);
    assert_eq!(report["flavor"], "msvc", "{report:#}");
}
