//! The command-line conventions of issue 13, item 3 (without `-g`) and item 5, checked on the real CLI (in
//! process) and with real tools: `--emit` lists with `asm`, the assembly reassembled by llvm-mc and compared
//! with linkwise's own object (llvm-objdump's disassembly, the relocations), `-O` levels (constant folding
//! present or not), completions parsed by bash, `--version --verbose` fields (checked against Cargo.lock), triple
//! aliases giving the canonical triple's bytes, the host as default target, `explain --format json` validated
//! against docs/explain.schema.json, and `-v`/`--time-passes` on standard error only.

mod support;
// The JSON Schema validator the report tests share (its own file: not every user of support/ has serde_json).
#[path = "support/schema.rs"]
mod schema;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use support::{TempDir, linkwise};

/// A module with imported calls, a string, a static and a local call: every kind of relocation a function has.
const MODULE: &str = r#"#[link(name = "c")]
extern { fn puts(ptr) -> i32; fn tolower(i32) -> i32; }
static GREETING: [u8] = "hello\0";
static TABLE: [ptr; 2] = [&GREETING, &puts];
fn helper(x: i32) -> i32 { return tolower(x) + 1; }
pub fn main() -> i32 {
    puts("literal\0");
    puts(&GREETING);
    return helper(65);
}
"#;

fn write_module(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// What a relocation points at, independent of how the assembler names it: an external or global symbol by
/// name; a local one (llvm-mc turns `GREETING`, `.Lstr.0` into their section symbol plus their offset) as its
/// section and the offset the relocation reaches, symbol value plus addend.
fn normalised_relocations(bytes: &[u8]) -> BTreeSet<(String, u64, u32, String, i64)> {
    use object::{Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};
    let file = object::File::parse(bytes).unwrap();
    let mut out = BTreeSet::new();
    for section in file.sections() {
        let section_name = section.name().unwrap().to_owned();
        for (offset, r) in section.relocations() {
            let RelocationFlags::Elf { r_type } = r.flags() else { panic!("ELF only") };
            let RelocationTarget::Symbol(index) = r.target() else { panic!("a symbol target") };
            let symbol = file.symbol_by_index(index).unwrap();
            let (target, addend) = match symbol.section_index() {
                Some(s) if symbol.is_local() => {
                    let name = file.section_by_index(s).unwrap().name().unwrap().to_owned();
                    (format!("[{name}]"), symbol.address() as i64 + r.addend())
                }
                _ => (symbol.name().unwrap().to_owned(), r.addend()),
            };
            out.insert((section_name.clone(), offset, r_type.0, target, addend));
        }
    }
    out
}

/// The defined non-local symbols of an object: name, section, offset, size.
fn global_symbols(bytes: &[u8]) -> BTreeSet<(String, String, u64, u64)> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let file = object::File::parse(bytes).unwrap();
    file.symbols()
        .filter(|s| s.is_global() && s.section_index().is_some())
        .map(|s| {
            let section = file.section_by_index(s.section_index().unwrap()).unwrap();
            (s.name().unwrap().to_owned(), section.name().unwrap().to_owned(), s.address(), s.size())
        })
        .collect()
}

/// The contents of every section that has some, by name.
fn section_bytes(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use object::{Object, ObjectSection};
    let file = object::File::parse(bytes).unwrap();
    let mut out: Vec<(String, Vec<u8>)> = file
        .sections()
        .filter(|s| s.kind() != object::SectionKind::Metadata && s.size() > 0)
        .map(|s| (s.name().unwrap().to_owned(), s.data().unwrap().to_vec()))
        .collect();
    out.sort();
    out
}

/// llvm-objdump's disassembly and relocations, without the file-name line.
fn objdump(objdump: &Path, object: &Path) -> String {
    let ran = support::run(
        std::process::Command::new(objdump).args(["-d", "-r", "--no-show-raw-insn"]).arg(object),
        Duration::from_secs(60),
    )
    .assert_ok();
    ran.stdout.lines().filter(|l| !l.contains("file format")).collect::<Vec<_>>().join("\n")
}

/// `--emit obj,asm` on ELF: the assembly reassembles with llvm-mc into an object with the same section bytes,
/// the same global symbols, the same relocations (local targets compared by where they point) and, but for the
/// symbol each local relocation names, the same llvm-objdump output.
#[test]
fn elf_assembly_reassembles_into_the_same_object() {
    let (Some(mc), Some(dump)) = (support::tool("llvm-mc"), support::tool("llvm-objdump")) else { return };
    let dir = TempDir::new("asm-elf");
    let input = write_module(&dir, "m.lw", MODULE);
    // With `-g` too: the debug sections' relocations must have names llvm-mc takes (review of issue 13: they
    // were printed as `Elf { r_type: 10 }`).
    for (triple, debug) in [
        ("x86_64-unknown-linux-gnu", false),
        ("aarch64-unknown-linux-gnu", false),
        ("x86_64-unknown-linux-gnu", true),
        ("aarch64-unknown-linux-gnu", true),
    ] {
        let out = dir.join(&format!("{triple}{}", if debug { "-g" } else { "" }));
        let out_dir = out.display().to_string();
        let mut args = vec!["build", &input, "--target", triple, "--emit", "obj,asm", "--out-dir", &out_dir];
        if debug {
            args.push("-g");
        }
        let (status, stdout, stderr) = linkwise(&args);
        assert_eq!(status, 0, "{stderr}");
        assert_eq!(stdout, "");
        assert_eq!(support::names_in(&out), ["m.o", "m.s"], "{triple}");
        let asm = std::fs::read_to_string(out.join("m.s")).unwrap();
        // Every instruction carries its disassembly, and each relocated one its relocation.
        let call =
            if triple.starts_with("x86_64") { "R_X86_64_PLT32 puts-4" } else { "R_AARCH64_CALL26 puts" };
        assert!(asm.lines().any(|l| l.contains(".text+0x") && l.contains(call)), "{triple}:\n{asm}");
        let reassembled = out.join("re.o");
        support::run(
            std::process::Command::new(&mc)
                .args(["-triple", triple, "-filetype=obj", "-o"])
                .arg(&reassembled)
                .arg(out.join("m.s")),
            Duration::from_secs(60),
        )
        .assert_ok();
        let (ours, theirs) = (std::fs::read(out.join("m.o")).unwrap(), std::fs::read(&reassembled).unwrap());
        let theirs_sections: Vec<_> = section_bytes(&theirs);
        for (name, bytes) in section_bytes(&ours) {
            let found = theirs_sections.iter().find(|(n, _)| *n == name);
            assert_eq!(found.map(|(_, b)| b), Some(&bytes), "{triple}: section {name}");
        }
        assert_eq!(global_symbols(&ours), global_symbols(&theirs), "{triple}");
        assert_eq!(normalised_relocations(&ours), normalised_relocations(&theirs), "{triple}");
        if triple.starts_with("x86_64") {
            // The disassembly is the same line for line once local symbols are spelled as llvm-mc spells them
            // (their section); the relocation lines name them differently and are compared above.
            let strip = |text: String| {
                text.lines().filter(|l| !l.contains("R_X86_64")).map(str::to_owned).collect::<Vec<_>>()
            };
            assert_eq!(
                strip(objdump(&dump, &out.join("m.o"))),
                strip(objdump(&dump, &reassembled)),
                "{triple}"
            );
        }
    }
}

/// COFF and Mach-O: no `.reloc` in llvm-mc, so the file is a listing whose every line is a comment (it
/// assembles to nothing rather than to a wrong object), and says so in its first lines.
#[test]
fn coff_and_macho_assembly_is_a_listing_of_comments() {
    let dir = TempDir::new("asm-listing");
    let input = write_module(&dir, "m.lw", MODULE);
    for (triple, comment) in [("x86_64-pc-windows-msvc", "#"), ("aarch64-apple-darwin", "//")] {
        let (status, asm, stderr) =
            linkwise(&["build", &input, "--target", triple, "--emit", "asm", "-o", "-"]);
        assert_eq!(status, 0, "{stderr}");
        assert!(asm.lines().all(|l| l.starts_with(comment)), "{triple}:\n{asm}");
        assert!(asm.lines().nth(1).unwrap().contains("A LISTING, NOT ASSEMBLABLE"), "{triple}:\n{asm}");
        let reloc = if triple.starts_with("x86_64") { "IMAGE_REL_AMD64_REL32 __imp_puts" } else { "puts" };
        assert!(asm.contains(reloc), "{triple}:\n{asm}");
    }
}

/// `--emit` takes every kind at once; each output gets its usual name, and a failing kind (an ELF import
/// library) writes none of them.
#[test]
fn emit_lists_write_every_kind_or_none() {
    let dir = TempDir::new("emit-list");
    let input = write_module(&dir, "m.lw", MODULE);
    let out = dir.join("out");
    let out_dir = out.display().to_string();
    let build = |target: &str, emit: &str| {
        linkwise(&["build", &input, "--target", target, "--emit", emit, "--out-dir", &out_dir])
    };
    let (status, _, stderr) = build("x86_64-pc-windows-msvc", "asm,obj,lib,implib");
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(support::names_in(&out), ["c.lib", "m.lib", "m.obj", "m.s"]);
    std::fs::remove_dir_all(&out).unwrap();
    let (status, _, stderr) = build("x86_64-unknown-linux-gnu", "obj,asm,implib");
    assert_eq!(status, 1);
    assert!(stderr.contains("`--emit implib` writes Windows import libraries"), "{stderr}");
    assert!(!out.exists() || support::names_in(&out).is_empty(), "{:?}", support::names_in(&out));
}

/// -O0 leaves Cranelift's e-graph out: `6 * 7 + 100` is computed at run time; -O1 and -O2 fold it to 142
/// (`mov eax, 0x8e`). Checked on the decoded instructions of `explain --listing`.
#[test]
fn opt_levels_change_the_code_where_the_egraph_folds_constants() {
    let dir = TempDir::new("opt");
    let input = write_module(
        &dir,
        "fold.lw",
        "pub fn f() -> i64 { let a: i64 = 6; let b: i64 = 7; return a * b + 100; }\n",
    );
    let listing = |level: &str| {
        let (status, out, stderr) =
            linkwise(&["explain", &input, "--target", "x86_64-unknown-linux-gnu", "--listing", level]);
        assert_eq!(status, 0, "{stderr}");
        out.lines().skip_while(|l| !l.starts_with("f:")).map(str::to_owned).collect::<Vec<_>>()
    };
    let has = |lines: &[String], what: &str| lines.iter().any(|l| l.contains(what));
    let (o0, o1, o2) = (listing("-O0"), listing("-O1"), listing("--opt-level=2"));
    assert!(has(&o0, "imul"), "{o0:#?}");
    assert!(!has(&o0, "0x8e"), "{o0:#?}");
    for folded in [&o1, &o2] {
        assert!(has(folded, "mov eax, 0x8e"), "{folded:#?}");
        assert!(!has(folded, "imul"), "{folded:#?}");
    }
    // The default is -O1.
    let (_, default, _) = linkwise(&["explain", &input, "--target", "x86_64-unknown-linux-gnu", "--listing"]);
    assert!(default.contains("mov eax, 0x8e"), "{default}");
    let (status, _, stderr) = linkwise(&["build", &input, "-O7"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("`7` is not an optimisation level"), "{stderr}");
}

/// Every shell's script is generated; bash's parses (`bash -n`) and completes the subcommands and flags.
#[test]
fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (status, script, stderr) = linkwise(&["completions", shell]);
        assert_eq!(status, 0, "{shell}: {stderr}");
        // fish spells a long option `-l target`, the others `--target`.
        for word in ["build", "explain", "completions", "emit", "target", "opt-level"] {
            assert!(script.contains(word), "{shell}: no `{word}`");
        }
    }
    let Some(bash) = support::tool("bash") else { return };
    let dir = TempDir::new("completions");
    let (_, script, _) = linkwise(&["completions", "bash"]);
    let path = dir.join("linkwise.bash");
    std::fs::write(&path, script).unwrap();
    support::run(std::process::Command::new(bash).arg("-n").arg(&path), Duration::from_secs(30)).assert_ok();
}

/// The version of `name` in Cargo.lock (the only one there, or `prefix`'s release line).
fn locked_version(name: &str, prefix: &str) -> String {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let versions: Vec<&str> = lock
        .split("[[package]]")
        .filter(|p| p.contains(&format!("name = \"{name}\"\n")))
        .filter_map(|p| p.split("version = \"").nth(1)?.split('"').next())
        .filter(|v| v.starts_with(prefix))
        .collect();
    assert_eq!(versions.len(), 1, "{name} {prefix}: {versions:?}");
    versions[0].to_owned()
}

/// `--version --verbose` (and `-vV`): rustc's `key: value` layout, with the Cranelift and object releases
/// Cargo.lock holds, the host, and the supported targets.
#[test]
fn version_verbose_names_the_code_generator_and_the_host() {
    let (status, text, _) = linkwise(&["--version", "--verbose"]);
    assert_eq!(status, 0);
    let (_, short, _) = linkwise(&["-vV"]);
    assert_eq!(short, text);
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("no `{key}:` in\n{text}"))
            .to_owned()
    };
    assert_eq!(text.lines().next(), Some(format!("linkwise {}", env!("CARGO_PKG_VERSION")).as_str()));
    assert_eq!(field("cranelift-codegen"), locked_version("cranelift-codegen", ""));
    assert_eq!(field("object"), locked_version("object", "0.40"));
    let targets = field("targets");
    assert_eq!(targets.split(", ").collect::<Vec<_>>(), linkwise::linkage::target::SUPPORTED);
    let host = field("host");
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    assert_eq!(host, "x86_64-unknown-linux-gnu");
    // Set by a release build (LINKWISE_COMMIT); a plain cargo build says it does not know.
    let commit = field("commit-hash");
    assert!(
        commit == "unknown" || commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
        "{text}"
    );
    // Plain --version stays clap's one line.
    let (status, plain, _) = linkwise(&["--version"]);
    assert_eq!((status, plain.as_str()), (0, format!("linkwise {}\n", env!("CARGO_PKG_VERSION")).as_str()));
}

/// Each alias builds the same bytes as the canonical triple; MinGW and unknown triples are refused with the
/// supported list, and a misspelling with the closest triple.
#[test]
fn triple_aliases_give_the_canonical_triples_bytes() {
    let dir = TempDir::new("aliases");
    let input = write_module(&dir, "m.lw", MODULE);
    let object = |triple: &str| {
        let (status, _, stderr) =
            linkwise(&["build", &input, "--target", triple, "-o", &dir.join("x.o").display().to_string()]);
        assert_eq!(status, 0, "{triple}: {stderr}");
        std::fs::read(dir.join("x.o")).unwrap()
    };
    let cases: [(&str, &[&str]); 6] = [
        ("x86_64-unknown-linux-gnu", &["x86_64-pc-linux-gnu", "x86_64-linux-gnu"]),
        ("aarch64-unknown-linux-gnu", &["aarch64-linux-gnu", "arm64-linux-gnu"]),
        ("x86_64-apple-darwin", &["x86_64-apple-macosx14.0", "x86_64-apple-darwin23.1.0"]),
        ("aarch64-apple-darwin", &["arm64-apple-darwin", "arm64-apple-macosx14.0"]),
        ("x86_64-pc-windows-msvc", &["x86_64-windows-msvc", "x86_64-pc-windows"]),
        ("aarch64-pc-windows-msvc", &["arm64-pc-windows-msvc", "aarch64-windows-msvc"]),
    ];
    for (canonical, aliases) in cases {
        let want = object(canonical);
        for alias in aliases {
            assert!(object(alias) == want, "{alias} differs from {canonical}");
        }
    }
    let (status, _, stderr) = linkwise(&["build", &input, "--target", "x86_64-pc-windows-gnu"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("MinGW") && stderr.contains("target `x86_64-pc-windows-msvc`"), "{stderr}");
    let (status, _, stderr) = linkwise(&["build", &input, "--target", "x86_64-unknown-linux-gnux"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("did you mean `x86_64-unknown-linux-gnu`?"), "{stderr}");
    assert!(
        stderr.contains("linkwise supports: x86_64-pc-windows-msvc, aarch64-pc-windows-msvc"),
        "{stderr}"
    );
}

/// Without `--target` or a `target` line the CLI builds for the host (rustc's rule); the module's `target`
/// line still wins over the default. The library keeps its fixed default (`Options::fallback_target` unset).
#[test]
fn the_default_target_is_the_host() {
    let Some(host) = linkwise::triple::host_triple() else { return };
    let dir = TempDir::new("host");
    let input = write_module(&dir, "m.lw", MODULE);
    let (status, report, stderr) = linkwise(&["explain", &input]);
    assert_eq!(status, 0, "{stderr}");
    assert!(report.starts_with(&format!("target: {host} (")), "{report}");
    let pinned = write_module(&dir, "w.lw", &format!("target aarch64-apple-darwin\n{MODULE}"));
    let (_, report, _) = linkwise(&["explain", &pinned]);
    assert!(report.starts_with("target: aarch64-apple-darwin ("), "{report}");
    let file = linkwise::SourceFile::new("m.lw", MODULE);
    let compiled = linkwise::compile(&file, &linkwise::Options::new()).unwrap();
    assert_eq!(compiled.plan.target.triple, "x86_64-pc-windows-msvc");
}

fn explain_schema() -> Value {
    schema::load("docs/explain.schema.json")
}

/// `explain --format json` on every target, with and without `--listing`, follows docs/explain.schema.json;
/// its references agree with the human report, and each listed instruction's section offset is the
/// function's offset in its section plus the instruction's.
#[test]
fn explain_json_follows_its_schema() {
    let schema = explain_schema();
    let dir = TempDir::new("explain-json");
    let input = write_module(&dir, "m.lw", MODULE);
    for triple in linkwise::linkage::target::SUPPORTED {
        for listing in [false, true] {
            let mut args = vec!["explain", &input, "--target", triple, "--format", "json"];
            if listing {
                args.push("--listing");
            }
            let (status, text, stderr) = linkwise(&args);
            assert_eq!(status, 0, "{triple}: {stderr}");
            let report: Value = serde_json::from_str(&text).unwrap();
            let errors = schema::validate_closed(&schema, &report, "$");
            assert!(errors.is_empty(), "{triple}: {errors:#?}");
            assert_eq!(report["target"]["triple"], *triple);
            let calls = report["references"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["description"].as_str().unwrap().starts_with("call puts"))
                .count();
            assert!(calls >= 1, "{triple}: {report:#}");
            if listing {
                for f in report["functions"].as_array().unwrap() {
                    let base = f["section_offset"].as_u64().unwrap();
                    for i in f["instructions"].as_array().unwrap() {
                        assert_eq!(i["section_offset"].as_u64(), Some(base + i["offset"].as_u64().unwrap()));
                    }
                }
                // `main` comes after `helper` in the same section, so its offset there is not 0.
                let main = report["functions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["name"].as_str().is_some_and(|n| n.trim_start_matches('_') == "main"));
                assert!(main.unwrap()["section_offset"].as_u64().unwrap() > 0, "{triple}");
            } else {
                assert_eq!(report["functions"], Value::Null);
            }
        }
    }
    // The validator is not a rubber stamp.
    let (_, text, _) = linkwise(&["explain", &input, "--format", "json"]);
    let mut report: Value = serde_json::from_str(&text).unwrap();
    report["schema"] = Value::from("linkwise-explain/0");
    report["imports"][0]["access"] = Value::from("teleport");
    report["extra"] = Value::from(1);
    let errors = schema::validate_closed(&schema, &report, "$");
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

/// The human listing shows each instruction at its offset in the function and in its section.
#[test]
fn listings_show_section_offsets() {
    let dir = TempDir::new("listing");
    let input = write_module(&dir, "m.lw", MODULE);
    let (status, report, stderr) =
        linkwise(&["explain", &input, "--target", "x86_64-unknown-linux-gnu", "--listing"]);
    assert_eq!(status, 0, "{stderr}");
    let header = report.lines().find(|l| l.starts_with("main: (.text+0x")).expect("main's header");
    let base = u64::from_str_radix(header.trim_end_matches(')').rsplit("0x").next().unwrap(), 16).unwrap();
    assert!(base > 0, "{header}");
    let after = report.split(header).nth(1).unwrap();
    let first = after.lines().nth(1).unwrap();
    assert!(first.trim_start().starts_with(&format!("0:  .text+{base:#x} ")), "{first}");
}

/// `-v` and `--time-passes` write to standard error only: standard output still carries exactly the object
/// (`-o -`), and each phase is named with its counts and its time.
#[test]
fn verbose_and_time_passes_go_to_stderr() {
    let dir = TempDir::new("verbose");
    let input = write_module(&dir, "m.lw", MODULE);
    let args = ["build", &input, "--target", "x86_64-unknown-linux-gnu", "-o", "-", "-v", "--time-passes"];
    let argv: Vec<&str> = std::iter::once("linkwise").chain(args).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(linkwise_cli::run(&argv, &mut out, &mut err), 0);
    let file = linkwise::SourceFile::new(input.as_str(), MODULE);
    let options = support::options("x86_64-unknown-linux-gnu", &[]);
    assert!(out == support::compile_source(&file, &options), "stdout is the object, nothing else");
    let err = String::from_utf8(err).unwrap();
    for line in [
        "linkwise: check: 7 symbols: 2 functions, 2 statics, 2 imports, 1 string (",
        "linkwise: resolve: 1 library, 1 directive, ",
        "linkwise: compile: 2 functions compiled: object ",
        "linkwise: writing standard output: object, ",
    ] {
        assert!(err.contains(line), "no `{line}` in\n{err}");
    }
    let phases: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("time: "))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(phases, ["parse", "check", "resolve", "compile", "write", "total"], "{err}");
}

/// `-v` while a large module compiles (review of issue 13: it printed nothing until the end): a line at each
/// tenth of the functions written, counted, not timed; and the library's `compile_with_progress` is told each
/// function once, in order, up to the total.
#[test]
fn verbose_reports_progress_while_a_large_module_compiles() {
    let dir = TempDir::new("verbose-progress");
    let mut source = String::from("#[link(name = \"m\")]\nextern { fn cos(f64) -> f64; }\n");
    for i in 0..1000 {
        source.push_str(&format!("pub fn fun{i}(x: i32) -> i32 {{ return x + {i}; }}\n"));
    }
    let input = write_module(&dir, "big.lw", &source);
    let (status, _, err) =
        linkwise(&["build", &input, "--target", "x86_64-unknown-linux-gnu", "-o", "/dev/null", "-v"]);
    assert_eq!(status, 0, "{err}");
    let progress: Vec<&str> = err.lines().filter(|l| l.contains("functions written")).collect();
    let expected: Vec<String> = (1..=10)
        .map(|t| format!("linkwise: compile: {} of 1000 functions written ({t}0%)", t * 100))
        .collect();
    assert_eq!(progress, expected, "{err}");
    let file = linkwise::SourceFile::new("big.lw", source.as_str());
    let mut told = Vec::new();
    let options = support::options("x86_64-unknown-linux-gnu", &[]);
    linkwise::compile_with_progress(&file, &options, &mut |done, total| told.push((done, total))).unwrap();
    assert_eq!(told, (1..=1000).map(|d| (d, 1000)).collect::<Vec<_>>());
}
